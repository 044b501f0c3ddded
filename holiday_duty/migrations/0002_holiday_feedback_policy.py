"""SPEC §3.2 R-CLK-HOLIDAY: the holiday-feedback clock policy on a database that already has its calendars (a
fresh one gets it from `load_reference_data` → `load_holiday_duty_reference`). Created when missing, never
overwritten; holiday_duty sends the events it starts and stops on (services.notify.HolidayEvent)."""

from datetime import timedelta

from django.db import migrations


def seed(apps, schema_editor):
    BusinessCalendar = apps.get_model("deadlines", "BusinessCalendar")
    ClockPolicy = apps.get_model("deadlines", "ClockPolicy")
    calendar = BusinessCalendar.objects.filter(code="CAL-24x7").first()
    if calendar is None:
        return
    ClockPolicy.objects.get_or_create(
        code="holiday-feedback",
        defaults=dict(kind="holiday", name="节假日反馈 4 小时", rule="R-CLK-HOLIDAY", calendar=calendar,
                      limit=timedelta(hours=4), start_events=["hd_notified"], stop_events=["hd_feedback"],
                      cancel_events=["closed"]),
    )


class Migration(migrations.Migration):
    dependencies = [("holiday_duty", "0001_duty"), ("deadlines", "0007_major_complaint_policies")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
