"""R-AUD-1 with django-pgtrigger: the protection is declared on the models (Meta.triggers, see
tickets/models/append_only.py) instead of the hand-written triggers of 0007, which are dropped first.
Now also final replies, their approvals, department replies, callbacks and extension requests, and TRUNCATE.
pgtrigger's operations do nothing on SQLite."""

import importlib

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

handwritten = importlib.import_module("tickets.migrations.0007_append_only_triggers")


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0007_append_only_triggers'),
    ]

    operations = [
        # 0007's triggers go (its own drop); undoing this migration puts them back (its create).
        migrations.RunPython(handwritten.drop, handwritten.create),
        pgtrigger.migrations.AddTrigger(
            model_name='callback',
            trigger=pgtrigger.compiler.Trigger(name='append_only_update', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): UPDATE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';", hash='8723702bfa68ac222269c5418f1d0f95aa5e3461', operation='UPDATE', pgid='pgtrigger_append_only_update_27cb5', table='tickets_callback', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='callback',
            trigger=pgtrigger.compiler.Trigger(name='append_only_delete', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): DELETE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';", hash='42deb07183fc37b8ef2b37acbd07d99e46f6b8c6', operation='DELETE', pgid='pgtrigger_append_only_delete_93eea', table='tickets_callback', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='callback',
            trigger=pgtrigger.compiler.Trigger(name='append_only_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): TRUNCATE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation'; RETURN NULL;", hash='9f754442a31967ffbb988412c9ef91e2cbbac1b3', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_append_only_truncate_afea4', table='tickets_callback', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='contact',
            trigger=pgtrigger.compiler.Trigger(name='append_only_update', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): UPDATE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';", hash='ad39d9d14bfe2c0b81f7b94d1746e2e8f89ac77d', operation='UPDATE', pgid='pgtrigger_append_only_update_55adb', table='tickets_contact', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='contact',
            trigger=pgtrigger.compiler.Trigger(name='append_only_delete', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): DELETE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';", hash='c65c5ca1b1bec301f366bd9a71fbf6eac6d4779a', operation='DELETE', pgid='pgtrigger_append_only_delete_5ff0b', table='tickets_contact', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='contact',
            trigger=pgtrigger.compiler.Trigger(name='append_only_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): TRUNCATE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation'; RETURN NULL;", hash='797f4394f29b5c42b1c9f9e47d87c6a1fe770000', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_append_only_truncate_362c9', table='tickets_contact', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='departmentreply',
            trigger=pgtrigger.compiler.Trigger(name='decided_once_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (((NOT (OLD."status" = \'submitted\') OR NEW."status" = \'submitted\')) OR ((OLD."author_id" IS DISTINCT FROM (NEW."author_id") OR OLD."cause" IS DISTINCT FROM (NEW."cause") OR OLD."cause_unknown" IS DISTINCT FROM (NEW."cause_unknown") OR OLD."coordinating_unit_id" IS DISTINCT FROM (NEW."coordinating_unit_id") OR OLD."customer_attitude" IS DISTINCT FROM (NEW."customer_attitude") OR OLD."cycle" IS DISTINCT FROM (NEW."cycle") OR OLD."expected_recovery_at" IS DISTINCT FROM (NEW."expected_recovery_at") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."is_final" IS DISTINCT FROM (NEW."is_final") OR OLD."measures" IS DISTINCT FROM (NEW."measures") OR OLD."order_id" IS DISTINCT FROM (NEW."order_id") OR OLD."process" IS DISTINCT FROM (NEW."process") OR OLD."result" IS DISTINCT FROM (NEW."result") OR OLD."service_restored" IS DISTINCT FROM (NEW."service_restored") OR OLD."submitted_at" IS DISTINCT FROM (NEW."submitted_at"))))', declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): UPDATE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';", hash='803baa30ff7ea545d3648ff7c77c53e8628f067a', operation='UPDATE', pgid='pgtrigger_decided_once_update_3e6c2', table='tickets_departmentreply', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='departmentreply',
            trigger=pgtrigger.compiler.Trigger(name='append_only_delete', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): DELETE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';", hash='14209b749882eb72082e9cb2c13e84ab77724cd5', operation='DELETE', pgid='pgtrigger_append_only_delete_960e0', table='tickets_departmentreply', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='departmentreply',
            trigger=pgtrigger.compiler.Trigger(name='append_only_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): TRUNCATE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation'; RETURN NULL;", hash='6159b7bde89811e60ddc65ac920ccd97ce4cbe88', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_append_only_truncate_86d00', table='tickets_departmentreply', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='extensionrequest',
            trigger=pgtrigger.compiler.Trigger(name='decided_once_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (((NOT (OLD."status" = \'pending\') OR NEW."status" = \'pending\')) OR ((OLD."current_due_at" IS DISTINCT FROM (NEW."current_due_at") OR OLD."cycle" IS DISTINCT FROM (NEW."cycle") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."order_id" IS DISTINCT FROM (NEW."order_id") OR OLD."progress" IS DISTINCT FROM (NEW."progress") OR OLD."reason" IS DISTINCT FROM (NEW."reason") OR OLD."requested_at" IS DISTINCT FROM (NEW."requested_at") OR OLD."requested_by_id" IS DISTINCT FROM (NEW."requested_by_id") OR OLD."requested_due_at" IS DISTINCT FROM (NEW."requested_due_at"))))', declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): UPDATE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';", hash='425b735ac6ee1fcb5a37deef8b3ba7ff711e8230', operation='UPDATE', pgid='pgtrigger_decided_once_update_037a3', table='tickets_extensionrequest', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='extensionrequest',
            trigger=pgtrigger.compiler.Trigger(name='append_only_delete', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): DELETE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';", hash='712206dd77cc84d328cd84e81ce9c4b226a323c5', operation='DELETE', pgid='pgtrigger_append_only_delete_1be1c', table='tickets_extensionrequest', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='extensionrequest',
            trigger=pgtrigger.compiler.Trigger(name='append_only_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): TRUNCATE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation'; RETURN NULL;", hash='8b3757133a62b67eb3ff3f63bfd1a4e63ec7762c', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_append_only_truncate_111bd', table='tickets_extensionrequest', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='finalreply',
            trigger=pgtrigger.compiler.Trigger(name='decided_once_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (((OLD."sent_at" IS NOT NULL OR NEW."sent_at" IS NULL)) OR ((OLD."content" IS DISTINCT FROM (NEW."content") OR OLD."created_at" IS DISTINCT FROM (NEW."created_at") OR OLD."cycle" IS DISTINCT FROM (NEW."cycle") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."method" IS DISTINCT FROM (NEW."method") OR OLD."order_id" IS DISTINCT FROM (NEW."order_id") OR OLD."process" IS DISTINCT FROM (NEW."process") OR OLD."replier_id" IS DISTINCT FROM (NEW."replier_id"))))', declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): UPDATE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';", hash='56e42f92ba2626e3faf5ab35aa53e4473d8be7b8', operation='UPDATE', pgid='pgtrigger_decided_once_update_4b3d1', table='tickets_finalreply', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='finalreply',
            trigger=pgtrigger.compiler.Trigger(name='append_only_delete', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): DELETE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';", hash='77deb99cbfc38f10bea89e0d31dd7626c993451a', operation='DELETE', pgid='pgtrigger_append_only_delete_00e54', table='tickets_finalreply', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='finalreply',
            trigger=pgtrigger.compiler.Trigger(name='append_only_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): TRUNCATE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation'; RETURN NULL;", hash='d666c315948f6d4ebe458985f47a0354dbbf6ba1', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_append_only_truncate_730c0', table='tickets_finalreply', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='finalreplyapproval',
            trigger=pgtrigger.compiler.Trigger(name='append_only_update', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): UPDATE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';", hash='5f46bf669c13a5b3e2d9945f17fd2919e02cae5f', operation='UPDATE', pgid='pgtrigger_append_only_update_cf6bd', table='tickets_finalreplyapproval', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='finalreplyapproval',
            trigger=pgtrigger.compiler.Trigger(name='append_only_delete', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): DELETE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';", hash='9a10e3956c255e2d3b6ae840cb2440b1dcb180a7', operation='DELETE', pgid='pgtrigger_append_only_delete_cbfd0', table='tickets_finalreplyapproval', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='finalreplyapproval',
            trigger=pgtrigger.compiler.Trigger(name='append_only_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): TRUNCATE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation'; RETURN NULL;", hash='d089801db20a231a5a3902a490731101d1912c0a', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_append_only_truncate_d1977', table='tickets_finalreplyapproval', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='numberunmaskaudit',
            trigger=pgtrigger.compiler.Trigger(name='append_only_update', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): UPDATE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';", hash='c68beac777ee167a6dd7ab658d846f0ef6be72d4', operation='UPDATE', pgid='pgtrigger_append_only_update_ce984', table='tickets_numberunmaskaudit', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='numberunmaskaudit',
            trigger=pgtrigger.compiler.Trigger(name='append_only_delete', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): DELETE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';", hash='ccc9ce62550611f60cac6e3d0f4bde6c234a9692', operation='DELETE', pgid='pgtrigger_append_only_delete_03680', table='tickets_numberunmaskaudit', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='numberunmaskaudit',
            trigger=pgtrigger.compiler.Trigger(name='append_only_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): TRUNCATE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation'; RETURN NULL;", hash='f36ad9f5fadd00ce5f10342897ae39112ca6f40f', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_append_only_truncate_4408f', table='tickets_numberunmaskaudit', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='timelineentry',
            trigger=pgtrigger.compiler.Trigger(name='append_only_update', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): UPDATE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';", hash='2d892ebff39b2a8d170b42457eb3591500cb433a', operation='UPDATE', pgid='pgtrigger_append_only_update_732a8', table='tickets_timelineentry', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='timelineentry',
            trigger=pgtrigger.compiler.Trigger(name='append_only_delete', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): DELETE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';", hash='d19bea237d75334d01a1e932b2935ebd5f7c4e3a', operation='DELETE', pgid='pgtrigger_append_only_delete_6ee02', table='tickets_timelineentry', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='timelineentry',
            trigger=pgtrigger.compiler.Trigger(name='append_only_truncate', sql=pgtrigger.compiler.UpsertTriggerSql(declare="DECLARE _no_bypass BOOLEAN := set_config('pgtrigger.ignore', '{}', true) IS NOT NULL;", func="RAISE EXCEPTION '% rows are append-only (R-AUD-1): TRUNCATE refused', TG_TABLE_NAME USING ERRCODE = 'restrict_violation'; RETURN NULL;", hash='309200943eafaacaf43a4e1931fa4b9b3a705de5', level='STATEMENT', operation='TRUNCATE', pgid='pgtrigger_append_only_truncate_c995b', table='tickets_timelineentry', when='BEFORE')),
        ),
    ]
