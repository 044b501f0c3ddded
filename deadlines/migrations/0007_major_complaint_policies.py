"""SPEC §4 (R-CLK-MAJ-OPINION, R-CLK-MAJ-DECLARE, R-CLK-MAJ-REPLY): the major-complaint clock policies on a
database that already has its calendars (a fresh one gets them from `load_reference_data`). Created when
missing, never overwritten; the escalation app sends the events they start and stop on."""

from datetime import timedelta

from django.db import migrations

ROWS = [
    dict(code="maj-opinion", kind="maj_opinion", name="重大投诉主管意见 1 小时", rule="R-CLK-MAJ-OPINION",
         calendar="CAL-24x7", limit=timedelta(hours=1), start_events=["maj_reported"],
         stop_events=["maj_opinion_given"], cancel_events=["closed"]),
    dict(code="maj-declare", kind="maj_declare", name="重大投诉申告表 ½ 工作日", rule="R-CLK-MAJ-DECLARE",
         calendar="CAL-WORKDAY", limit=timedelta(hours=3, minutes=30), start_events=["maj_classified"],
         stop_events=["maj_declared"], cancel_events=["closed"]),
    dict(code="maj-reply", kind="maj_reply", name="重大投诉回复客户 48 小时", rule="R-CLK-MAJ-REPLY",
         calendar="CAL-24x7", limit=timedelta(hours=48), start_events=["maj_accepted"],
         stop_events=["maj_replied", "customer_replied"], cancel_events=["closed"]),
]  # fmt: skip


def seed(apps, schema_editor):
    BusinessCalendar = apps.get_model("deadlines", "BusinessCalendar")
    ClockPolicy = apps.get_model("deadlines", "ClockPolicy")
    calendars = {c.code: c for c in BusinessCalendar.objects.all()}
    for row in ROWS:
        row = dict(row)
        calendar = calendars.get(row.pop("calendar"))
        if calendar is None:
            continue
        code = row.pop("code")
        ClockPolicy.objects.get_or_create(code=code, defaults={**row, "calendar": calendar})


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0006_retry_limit_from_rules")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
