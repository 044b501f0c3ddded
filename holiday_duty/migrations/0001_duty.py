"""Holiday duty (SPEC §6). The exclusion constraint on overlapping roster overrides (R-HD-6) is PostgreSQL's
(with btree_gist for the equality on hall and person); SQLite keeps the services' own check."""

import datetime
import django.contrib.postgres.constraints
import django.db.models.deletion
import django.utils.timezone
import django_fsm
import holiday_duty.models.roster
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models


class PostgresOnlyAddConstraint(migrations.AddConstraint):
    """The state everywhere; the database constraint on PostgreSQL only (SQLite has no range types)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('org', '0003_api_tokens'),
        ('tickets', '0010_batch'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CoveredGroup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('manager', 'Account / channel managers: SMS and a phone call'), ('distributor', 'Distributor contact: SMS and email')], max_length=20, verbose_name='how handlers are told')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('unit', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='duty_cover', to='org.orgunit', verbose_name='handling group')),
            ],
            options={
                'verbose_name': 'covered group',
                'verbose_name_plural': 'covered groups',
                'ordering': ['unit__code'],
            },
        ),
        migrations.CreateModel(
            name='DistributorContact',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('distributor', models.CharField(max_length=100, verbose_name='distributor')),
                ('name', models.CharField(max_length=50, verbose_name='contact')),
                ('phone', models.CharField(max_length=20, verbose_name='phone')),
                ('email', models.EmailField(max_length=254, verbose_name='email')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('group', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='contacts', to='holiday_duty.coveredgroup', verbose_name='covered group')),
            ],
            options={
                'verbose_name': 'distributor holiday contact',
                'verbose_name_plural': 'distributor holiday contacts',
                'ordering': ['group', 'distributor', 'name'],
            },
        ),
        migrations.CreateModel(
            name='DutyHall',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('weekends_are_duty_days', models.BooleanField(default=True, help_text='Off: only statutory holidays are duty days; ordinary Saturdays and Sundays are not.', verbose_name='weekends are duty days')),
                ('roster_warning_days', models.PositiveSmallIntegerField(default=14, verbose_name='warn of roster gaps this many days ahead')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('fallback_person', models.ForeignKey(blank=True, help_text='Takes the duty orders of any hour nobody is rostered for (the gap is reported).', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='fallback person')),
                ('shift_leader', models.ForeignKey(blank=True, help_text='Warned of roster gaps; sees unsigned handovers.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='shift leader')),
                ('summary_unit', models.ForeignKey(blank=True, help_text='The service group of 综合管理部 (R-HD-4): the daily summary of escalations.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.orgunit', verbose_name='escalation summary to')),
                ('unit', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='duty_hall', to='org.orgunit', verbose_name='hall')),
            ],
            options={
                'verbose_name': 'duty hall',
                'verbose_name_plural': 'duty halls',
                'ordering': ['unit__code'],
                'permissions': [('work_duty', 'Work holiday duty (节假日值班)'), ('lead_shift', 'Lead the duty shift (值班长)')],
            },
        ),
        migrations.AddField(
            model_name='coveredgroup',
            name='hall',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='groups', to='holiday_duty.dutyhall', verbose_name='duty hall'),
        ),
        migrations.CreateModel(
            name='DutyOrder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('cycle', models.PositiveSmallIntegerField(verbose_name='dispatch cycle')),
                ('duty_day', models.DateField(verbose_name='duty day')),
                ('landed_at', models.DateTimeField(verbose_name='landed at')),
                ('state', django_fsm.FSMField(choices=[('queued', 'Waiting for the handler to be told'), ('notified', 'Handler told, awaiting feedback'), ('feedback', 'Feedback received'), ('archived', 'Archived')], default='queued', max_length=50, protected=True, verbose_name='state')),
                ('owner_is_fallback', models.BooleanField(default=False, verbose_name='taken by the fallback person')),
                ('handler_phone', models.CharField(blank=True, max_length=20, verbose_name="handler's phone")),
                ('notified_at', models.DateTimeField(blank=True, null=True, verbose_name='handler told at')),
                ('feedback_due_at', models.DateTimeField(blank=True, null=True, verbose_name='feedback due at')),
                ('feedback_at', models.DateTimeField(blank=True, null=True, verbose_name='feedback at')),
                ('feedback_from_name', models.CharField(blank=True, max_length=100, verbose_name='feedback from (name)')),
                ('feedback_channel', models.CharField(blank=True, choices=[('sms', 'SMS'), ('email', 'Email'), ('logged_in', 'Logged in to the system'), ('phone', 'Phone call')], max_length=20, verbose_name='feedback by')),
                ('feedback_note', models.TextField(blank=True, verbose_name='feedback')),
                ('archived_at', models.DateTimeField(blank=True, null=True, verbose_name='archived at')),
                ('confirmed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='confirmed by')),
                ('contact', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='holiday_duty.distributorcontact', verbose_name='distributor contact')),
                ('feedback_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='feedback from')),
                ('group', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='holiday_duty.coveredgroup', verbose_name='covered group')),
                ('hall', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='orders', to='holiday_duty.dutyhall', verbose_name='duty hall')),
                ('handler', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='duty_orders_handled', to=settings.AUTH_USER_MODEL, verbose_name='handler')),
                ('order', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='duty_orders', to='tickets.workorder', verbose_name='order')),
                ('owner', models.ForeignKey(blank=True, help_text='Who on duty follows the order; a signed handover moves it.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='duty_orders_owned', to=settings.AUTH_USER_MODEL, verbose_name='duty staff')),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='feedback recorded by')),
            ],
            options={
                'verbose_name': 'duty order',
                'verbose_name_plural': 'duty orders',
                'ordering': ['landed_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='DutyLogEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(verbose_name='duty day')),
                ('at', models.DateTimeField(verbose_name='at')),
                ('kind', models.CharField(choices=[('landed', 'Order landed in the duty queue'), ('notification', 'Handler notified'), ('call', 'Phone call'), ('feedback', 'Feedback received'), ('archive', 'Archived'), ('escalation', 'Escalation'), ('handover', 'Handover'), ('roster', 'Roster'), ('manual', 'Manual entry')], max_length=20, verbose_name='kind')),
                ('text', models.TextField(verbose_name='text')),
                ('key', models.CharField(max_length=120, unique=True, verbose_name='action key')),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                ('hall', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='log', to='holiday_duty.dutyhall')),
                ('duty_order', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='log', to='holiday_duty.dutyorder', verbose_name='duty order')),
            ],
            options={
                'verbose_name': 'duty log entry (节假日工单处理日志)',
                'verbose_name_plural': 'duty log (节假日工单处理日志)',
                'ordering': ['at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='DutyEscalation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason', models.CharField(choices=[('late', 'No feedback within 4 hours'), ('unreachable', 'Handler unreachable'), ('manual', 'Escalated by duty staff')], max_length=20, verbose_name='reason')),
                ('ladder', models.JSONField(help_text='As it was when the escalation started: [{level, person, name, unit, wait}].', verbose_name='ladder')),
                ('level', models.PositiveSmallIntegerField(default=0, verbose_name='current level')),
                ('state', models.CharField(choices=[('active', 'Climbing the ladder'), ('resolved', 'Resolved (feedback received)'), ('exhausted', 'Top of the ladder reached')], default='active', max_length=20, verbose_name='state')),
                ('started_at', models.DateTimeField(verbose_name='started at')),
                ('next_check_at', models.DateTimeField(blank=True, null=True, verbose_name='next check')),
                ('ended_at', models.DateTimeField(blank=True, null=True, verbose_name='ended at')),
                ('started_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='started by')),
                ('duty_order', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='escalation', to='holiday_duty.dutyorder')),
            ],
            options={
                'verbose_name': 'duty escalation',
                'verbose_name_plural': 'duty escalations',
                'ordering': ['-started_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='CallTask',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(max_length=20, verbose_name='number to call')),
                ('callee_name', models.CharField(max_length=100, verbose_name='to call (name)')),
                ('created_at', models.DateTimeField(verbose_name='created at')),
                ('level', models.PositiveSmallIntegerField(default=0, help_text='0: the handler.', verbose_name='escalation level')),
                ('outcome', models.CharField(blank=True, choices=[('reached', 'Reached'), ('not_reached', 'Not reached'), ('wrong_number', 'Wrong number')], max_length=20, verbose_name='outcome')),
                ('outcome_at', models.DateTimeField(blank=True, null=True, verbose_name='outcome at')),
                ('note', models.CharField(blank=True, max_length=500, verbose_name='note')),
                ('assigned_to', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='duty_calls', to=settings.AUTH_USER_MODEL, verbose_name='duty staff')),
                ('callee', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='to call')),
                ('outcome_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='outcome by')),
                ('duty_order', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='calls', to='holiday_duty.dutyorder')),
            ],
            options={
                'verbose_name': 'phone-call task',
                'verbose_name_plural': 'phone-call tasks',
                'ordering': ['created_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='DutyPhone',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('phone', models.CharField(max_length=20, verbose_name='duty phone')),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='duty_phone', to=settings.AUTH_USER_MODEL, verbose_name='person')),
            ],
            options={
                'verbose_name': 'duty phone',
                'verbose_name_plural': 'duty phones',
            },
        ),
        migrations.CreateModel(
            name='EscalationStep',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('level', models.PositiveSmallIntegerField(verbose_name='level')),
                ('at', models.DateTimeField(verbose_name='at')),
                ('by', models.ForeignKey(blank=True, help_text='Empty: the sweep, when the wait ran out.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                ('escalation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='steps', to='holiday_duty.dutyescalation')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='escalated to')),
            ],
            options={
                'verbose_name': 'escalation step',
                'verbose_name_plural': 'escalation steps',
                'ordering': ['escalation', 'level'],
            },
        ),
        migrations.CreateModel(
            name='EscalationWait',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('level', models.PositiveSmallIntegerField(verbose_name='level')),
                ('wait', models.DurationField(default=datetime.timedelta(seconds=1800), verbose_name='wait before the next level')),
                ('hall', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='waits', to='holiday_duty.dutyhall', verbose_name='duty hall')),
            ],
            options={
                'verbose_name': 'escalation wait',
                'verbose_name_plural': 'escalation waits',
                'ordering': ['hall', 'level'],
            },
        ),
        migrations.CreateModel(
            name='Handover',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('written_at', models.DateTimeField(verbose_name='written at')),
                ('open_problems', models.TextField(blank=True, verbose_name='open problems')),
                ('diary', models.TextField(blank=True, verbose_name='duty diary')),
                ('signed_at', models.DateTimeField(blank=True, null=True, verbose_name='signed at')),
                ('hall', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='handovers', to='holiday_duty.dutyhall')),
                ('incoming', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='incoming')),
                ('outgoing', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='outgoing')),
                ('signed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='signed by')),
            ],
            options={
                'verbose_name': 'shift handover (交接班)',
                'verbose_name_plural': 'shift handovers (交接班)',
                'ordering': ['-written_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='HandoverItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('state', models.CharField(choices=[('queued', 'Waiting for the handler to be told'), ('notified', 'Handler told, awaiting feedback'), ('feedback', 'Feedback received'), ('archived', 'Archived')], max_length=20, verbose_name='state then')),
                ('feedback_due_at', models.DateTimeField(blank=True, null=True, verbose_name='feedback due at')),
                ('duty_order', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='handover_items', to='holiday_duty.dutyorder')),
                ('handover', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='items', to='holiday_duty.handover')),
            ],
            options={
                'verbose_name': 'order handed over',
                'verbose_name_plural': 'orders handed over',
                'ordering': ['handover', 'id'],
            },
        ),
        migrations.CreateModel(
            name='RosterGap',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(verbose_name='duty day')),
                ('warned_at', models.DateTimeField(verbose_name='warned at')),
                ('hall', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='gaps', to='holiday_duty.dutyhall')),
            ],
            options={
                'verbose_name': 'roster gap',
                'verbose_name_plural': 'roster gaps',
                'ordering': ['day'],
            },
        ),
        migrations.CreateModel(
            name='RosterOverride',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('add', 'Add a person'), ('remove', 'Remove a person'), ('replace', 'Replace a person')], max_length=10, verbose_name='kind')),
                ('starts_at', models.DateTimeField(verbose_name='from')),
                ('ends_at', models.DateTimeField(verbose_name='to')),
                ('reason', models.CharField(blank=True, max_length=200, verbose_name='reason')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                ('hall', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='overrides', to='holiday_duty.dutyhall', verbose_name='duty hall')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='person')),
                ('replaces', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='in place of')),
            ],
            options={
                'verbose_name': 'roster override',
                'verbose_name_plural': 'roster overrides',
                'ordering': ['starts_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='Rotation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=50, verbose_name='name')),
                ('anchor', models.DateTimeField(verbose_name='first shift starts at')),
                ('shift_length', models.DurationField(verbose_name='shift length')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('hall', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='rotations', to='holiday_duty.dutyhall', verbose_name='duty hall')),
            ],
            options={
                'verbose_name': 'rotation',
                'verbose_name_plural': 'rotations',
                'ordering': ['hall', 'name'],
            },
        ),
        migrations.CreateModel(
            name='RotationMember',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField(verbose_name='position')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL, verbose_name='person')),
                ('rotation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='members', to='holiday_duty.rotation')),
            ],
            options={
                'verbose_name': 'rotation member',
                'verbose_name_plural': 'rotation members',
                'ordering': ['rotation', 'position'],
            },
        ),
        migrations.CreateModel(
            name='Shift',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('starts_at', models.DateTimeField(verbose_name='from')),
                ('ends_at', models.DateTimeField(verbose_name='to')),
                ('source', models.CharField(choices=[('rotation', 'Rotation'), ('override', 'Override')], max_length=10, verbose_name='from')),
                ('hall', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='shifts', to='holiday_duty.dutyhall', verbose_name='duty hall')),
                ('override', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='holiday_duty.rosteroverride')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='duty_shifts', to=settings.AUTH_USER_MODEL, verbose_name='person')),
                ('rotation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='holiday_duty.rotation')),
            ],
            options={
                'verbose_name': 'shift',
                'verbose_name_plural': 'shifts',
                'ordering': ['starts_at', 'person_id'],
            },
        ),
        migrations.CreateModel(
            name='ShiftSwap',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('state', models.CharField(choices=[('requested', 'Asked, awaiting consent'), ('agreed', 'Agreed'), ('declined', 'Declined')], default='requested', max_length=10, verbose_name='state')),
                ('requested_at', models.DateTimeField(verbose_name='asked at')),
                ('answered_at', models.DateTimeField(blank=True, null=True, verbose_name='answered at')),
                ('agreed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='answered by')),
                ('from_person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='gives the shift')),
                ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='asked by')),
                ('shift', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='swaps', to='holiday_duty.shift', verbose_name='shift')),
                ('to_person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='takes the shift')),
            ],
            options={
                'verbose_name': 'shift swap',
                'verbose_name_plural': 'shift swaps',
                'ordering': ['-requested_at', '-id'],
            },
        ),
        migrations.AddField(
            model_name='rosteroverride',
            name='swap',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='override', to='holiday_duty.shiftswap', verbose_name='shift swap'),
        ),
        migrations.AddIndex(
            model_name='dutyorder',
            index=models.Index(fields=['hall', 'state', 'landed_at'], name='hd_duty_queue_idx'),
        ),
        migrations.AddIndex(
            model_name='dutyorder',
            index=models.Index(condition=models.Q(('state', 'notified')), fields=['feedback_due_at'], name='hd_feedback_due_idx'),
        ),
        migrations.AddConstraint(
            model_name='dutyorder',
            constraint=models.UniqueConstraint(fields=('order', 'cycle'), name='hd_duty_order_once_per_dispatch'),
        ),
        migrations.AddIndex(
            model_name='dutylogentry',
            index=models.Index(fields=['hall', 'day', 'at'], name='hd_log_day_idx'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='dutylogentry',
            trigger=pgtrigger.compiler.Trigger(name='append_only_update', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): UPDATE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';", hash='02ac81f31ead2a9340bcbe606ef119c552e6c835', operation='UPDATE', pgid='pgtrigger_append_only_update_02d58', table='holiday_duty_dutylogentry', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='dutylogentry',
            trigger=pgtrigger.compiler.Trigger(name='append_only_delete', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): DELETE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';", hash='68abe08420fa30c19532d64075e7f877706ab9be', operation='DELETE', pgid='pgtrigger_append_only_delete_c4ed5', table='holiday_duty_dutylogentry', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='dutylogentry',
            trigger=pgtrigger.compiler.Trigger(name='append_only_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): TRUNCATE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation'; RETURN NULL;", hash='8bce24108889850712208cfa3a5553c0ff4544bd', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_append_only_truncate_e7edf', table='holiday_duty_dutylogentry', when='BEFORE')),
        ),
        migrations.AddIndex(
            model_name='dutyescalation',
            index=models.Index(condition=models.Q(('next_check_at__isnull', False)), fields=['next_check_at'], name='hd_escalation_due_idx'),
        ),
        migrations.AddConstraint(
            model_name='calltask',
            constraint=models.UniqueConstraint(fields=('duty_order', 'level'), name='hd_call_once_per_level'),
        ),
        migrations.AddConstraint(
            model_name='escalationstep',
            constraint=models.UniqueConstraint(fields=('escalation', 'level'), name='hd_step_once_per_level'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='escalationstep',
            trigger=pgtrigger.compiler.Trigger(name='append_only_update', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): UPDATE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';", hash='63be12a66356f77f63bcb4f1f2895b759e0fb847', operation='UPDATE', pgid='pgtrigger_append_only_update_1a4ad', table='holiday_duty_escalationstep', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='escalationstep',
            trigger=pgtrigger.compiler.Trigger(name='append_only_delete', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): DELETE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';", hash='331a409ed223e34f4cb81639dbb79fd9399da997', operation='DELETE', pgid='pgtrigger_append_only_delete_092e2', table='holiday_duty_escalationstep', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='escalationstep',
            trigger=pgtrigger.compiler.Trigger(name='append_only_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): TRUNCATE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation'; RETURN NULL;", hash='9876fd7ce8d4c764339593bdb73e9b9a396c8f3d', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_append_only_truncate_e7e77', table='holiday_duty_escalationstep', when='BEFORE')),
        ),
        migrations.AddConstraint(
            model_name='escalationwait',
            constraint=models.UniqueConstraint(fields=('hall', 'level'), name='hd_wait_level_unique'),
        ),
        migrations.AddIndex(
            model_name='handover',
            index=models.Index(condition=models.Q(('signed_at__isnull', True)), fields=['hall'], name='hd_handover_unsigned_idx'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='handover',
            trigger=pgtrigger.compiler.Trigger(name='handover_signed_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."signed_at" IS NOT NULL)', declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): UPDATE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';", hash='65c22ffd58bac23af32bab90a578bc6453a57eef', operation='UPDATE', pgid='pgtrigger_handover_signed_update_6fd52', table='holiday_duty_handover', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='handover',
            trigger=pgtrigger.compiler.Trigger(name='append_only_delete', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): DELETE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';", hash='5c4aff4220c01048a86775a14bf33b5967bd10ae', operation='DELETE', pgid='pgtrigger_append_only_delete_ee34a', table='holiday_duty_handover', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='handover',
            trigger=pgtrigger.compiler.Trigger(name='append_only_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): TRUNCATE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation'; RETURN NULL;", hash='6abd109bad94eff805ce1657d0c1edd4567ea585', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_append_only_truncate_b1cf3', table='holiday_duty_handover', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='handoveritem',
            trigger=pgtrigger.compiler.Trigger(name='append_only_update', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): UPDATE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';", hash='b3199d127acfe91906bdb5c7f1d976965a1aa4a9', operation='UPDATE', pgid='pgtrigger_append_only_update_5aaef', table='holiday_duty_handoveritem', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='handoveritem',
            trigger=pgtrigger.compiler.Trigger(name='append_only_delete', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): DELETE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';", hash='51e6c29592bd4d4591de821eb0e62c99d143776f', operation='DELETE', pgid='pgtrigger_append_only_delete_61084', table='holiday_duty_handoveritem', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='handoveritem',
            trigger=pgtrigger.compiler.Trigger(name='append_only_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): TRUNCATE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation'; RETURN NULL;", hash='582afd77f81a612da31afc0d5a09f149e87760b3', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_append_only_truncate_1003f', table='holiday_duty_handoveritem', when='BEFORE')),
        ),
        migrations.AddConstraint(
            model_name='rostergap',
            constraint=models.UniqueConstraint(fields=('hall', 'day'), name='hd_gap_unique'),
        ),
        migrations.AddConstraint(
            model_name='rotationmember',
            constraint=models.UniqueConstraint(fields=('rotation', 'position'), name='hd_rotation_position_unique'),
        ),
        migrations.AddIndex(
            model_name='shift',
            index=models.Index(fields=['hall', 'starts_at', 'ends_at'], name='hd_shift_hall_time_idx'),
        ),
        migrations.AddConstraint(
            model_name='rosteroverride',
            constraint=models.CheckConstraint(condition=models.Q(('ends_at__gt', models.F('starts_at'))), name='hd_override_period'),
        ),
        BtreeGistExtension(),
        PostgresOnlyAddConstraint(
            model_name='rosteroverride',
            constraint=django.contrib.postgres.constraints.ExclusionConstraint(expressions=[(holiday_duty.models.roster.TsTzRange('starts_at', 'ends_at'), '&&'), ('hall', '='), ('person', '=')], name='hd_override_no_overlap'),
        ),
    ]
