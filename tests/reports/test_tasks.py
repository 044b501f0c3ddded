"""Beat's work for the reports (R-RP-1): finished days counted once, changed days counted again, the monthly
report mailed once per unit and month even when beat runs twice; the admin's recount of a date range."""

from datetime import date

import pytest
import time_machine
from django.core import mail

from reports.models import MonthlyReportMail, MonthlyReportRecipient, OrderDayTally, TallyDay
from reports.services import daily_tally_count
from reports.tasks import daily_tallies_refresh_task, monthly_reports_send_task
from tests.reports.data import AFTER, local, november_build
from tickets.models import WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def november(world, clocks):
    return november_build(world)


def test_beat_counts_each_finished_day_once_and_recounts_a_changed_one(world, november):
    with time_machine.travel(AFTER, tick=False):
        # when beat runs twice
        first = daily_tallies_refresh_task()
        counted_at = TallyDay.objects.get(day=date(2026, 11, 20)).counted_at
        second = daily_tallies_refresh_task()
    # then every finished day of the window was counted once, today (Dec 2) not at all
    assert first > 0 and second == 0
    assert TallyDay.objects.get(day=date(2026, 11, 20)).counted_at == counted_at
    assert not TallyDay.objects.filter(day=date(2026, 12, 2)).exists()
    assert OrderDayTally.objects.get(day=date(2026, 11, 20), span="day", dim="type").n == 1
    # November is complete: its days are summed into month rows too
    month = OrderDayTally.objects.filter(day=date(2026, 11, 1), span="month", dim="type", value="complaint")
    assert sum(month.values_list("n", flat=True)) == 5
    # and an order of Nov 20 flagged major afterwards makes beat count that day again
    with time_machine.travel(local(2026, 12, 2, 10, 0), tick=False):
        order = WorkOrder.objects.get(pk=november.north.pk)
        order.is_major = True
        order.save(update_fields=["is_major"])
    with time_machine.travel(local(2026, 12, 2, 10, 30), tick=False):
        assert daily_tallies_refresh_task() == 1
    assert OrderDayTally.objects.filter(day=date(2026, 11, 20), span="day", dim="flag", value="is_major").exists()
    assert OrderDayTally.objects.filter(day=date(2026, 11, 1), span="month", dim="flag", value="is_major").exists()


def test_today_and_the_first_half_hour_after_midnight_are_not_counted(world, november):
    with time_machine.travel(local(2026, 12, 1, 0, 10), tick=False), pytest.raises(ValueError):
        daily_tally_count(day=date(2026, 11, 30))
    with time_machine.travel(local(2026, 12, 1, 0, 31), tick=False):
        assert daily_tally_count(day=date(2026, 11, 30)) is True
        assert daily_tally_count(day=date(2026, 11, 30)) is False  # idempotent
        with pytest.raises(ValueError):
            daily_tally_count(day=date(2026, 12, 1))


def test_the_monthly_report_is_mailed_once_per_unit_and_month(world, november, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    MonthlyReportRecipient.objects.create(unit=world.south, email="south@example.com")
    MonthlyReportRecipient.objects.create(unit=world.south, email="boss@example.com")
    MonthlyReportRecipient.objects.create(unit=world.hall_north, email="north@example.com")
    with time_machine.travel(AFTER, tick=False):
        # when beat runs twice in December
        assert monthly_reports_send_task() == 2
        assert monthly_reports_send_task() == 0
    # then one mail per unit for November, with the XLSX attached
    assert len(mail.outbox) == 2
    south = next(m for m in mail.outbox if "south@example.com" in m.to)
    assert sorted(south.to) == ["boss@example.com", "south@example.com"]
    assert "2026年11月" in south.subject
    assert south.attachments[0][0].endswith(".xlsx")
    assert set(MonthlyReportMail.objects.values_list("month", flat=True)) == {date(2026, 11, 1)}
    assert MonthlyReportMail.objects.filter(sent_at__isnull=True).count() == 0


def test_the_admin_recounts_a_date_range(world, november, admin_client):
    with time_machine.travel(AFTER, tick=False):
        daily_tallies_refresh_task()
        WorkOrder.objects.filter(pk=november.north.pk).update(is_media=True)  # a correction no save saw
        page = admin_client.get("/admin/reports/tallyday/recount/")
        response = admin_client.post("/admin/reports/tallyday/recount/", {"first": "2026-11-19", "last": "2026-11-21"})
    assert page.status_code == 200
    assert response.status_code == 302
    assert OrderDayTally.objects.filter(day=date(2026, 11, 20), span="day", dim="flag", value="is_media").exists()
