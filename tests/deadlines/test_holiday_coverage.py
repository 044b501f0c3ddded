"""SPEC §3.1, R-CAL-YEAR: after 1 December administrators are warned until the coming year is confirmed."""

from datetime import date

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from deadlines.models import HolidayDate, HolidayYear
from deadlines.selectors import holiday_coverage_warning

pytestmark = pytest.mark.django_db


@pytest.fixture
def year_2026_only():
    """2026 is known (confirmed, as the chinese-calendar seed does); 2027 has nothing."""
    HolidayDate.objects.create(date=date(2026, 10, 1), kind=HolidayDate.Kind.STATUTORY_HOLIDAY, name="National Day")
    HolidayYear.objects.create(year=2026, state=HolidayYear.State.CONFIRMED, confirmed_at=timezone.now())


@pytest.mark.usefixtures("year_2026_only")
def test_no_warning_before_1_december():
    assert holiday_coverage_warning(date(2026, 11, 30)) is None


@pytest.mark.usefixtures("year_2026_only")
def test_warning_from_1_december_when_next_year_is_empty():
    warning = holiday_coverage_warning(date(2026, 12, 1))
    assert warning is not None
    assert "2027" in warning


@pytest.mark.usefixtures("year_2026_only")
def test_one_entry_for_next_year_does_not_silence_the_warning():
    # Issue 8 §6: one admin row for 2027-01-01 silenced the warning while Spring Festival and every make-up day
    # of 2027 were still missing (R-CAL-YEAR).
    HolidayDate.objects.create(date=date(2027, 1, 1), kind=HolidayDate.Kind.STATUTORY_HOLIDAY, name="元旦")

    warning = holiday_coverage_warning(date(2026, 12, 31))

    assert warning is not None and "2027" in warning
    assert "春节 没有休息日" in warning and "未录入调休上班日" in warning  # the UI's default language
    assert "元旦 没有休息日" not in warning  # 元旦 has its rest day


@pytest.mark.usefixtures("year_2026_only")
def test_no_warning_once_next_year_is_confirmed():
    HolidayYear.objects.create(year=2027, state=HolidayYear.State.CONFIRMED, confirmed_at=timezone.now())
    assert holiday_coverage_warning(date(2026, 12, 31)) is None


@pytest.mark.usefixtures("year_2026_only")
def test_warning_all_year_when_the_current_year_is_empty():
    # Missed the December warning: from 1 January the year is counted as plain Monday–Friday.
    warning = holiday_coverage_warning(date(2027, 3, 1))
    assert warning is not None
    assert "2027" in warning


def test_seeded_package_covers_2026(calendars):
    assert holiday_coverage_warning(date(2026, 6, 1)) is None


@pytest.mark.usefixtures("year_2026_only")
def test_command_exits_non_zero_after_1_december():
    with time_machine.travel(date(2026, 12, 2), tick=False), pytest.raises(CommandError) as raised:
        call_command("check_holiday_calendar")
    assert raised.value.returncode == 1
    assert "2027" in str(raised.value)


@pytest.mark.usefixtures("year_2026_only")
def test_command_exits_zero_before_1_december(capsys):
    with time_machine.travel(date(2026, 11, 20), tick=False):
        call_command("check_holiday_calendar")
    assert "OK" in capsys.readouterr().out


@pytest.mark.usefixtures("year_2026_only")
def test_command_uses_shanghai_date_not_utc():
    # 2026-11-30 17:00 UTC is already 1 December 01:00 in Asia/Shanghai.
    with time_machine.travel("2026-11-30T17:00:00+00:00", tick=False), pytest.raises(CommandError):
        call_command("check_holiday_calendar")


@pytest.mark.urls("tests.deadlines.urls")
@pytest.mark.usefixtures("year_2026_only")
def test_health_view_200_then_503(client):
    with time_machine.travel(date(2026, 11, 30), tick=False):
        response = client.get("/health/calendar/")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"

    with time_machine.travel(date(2026, 12, 1), tick=False):
        response = client.get("/health/calendar/")
    assert response.status_code == 503
    assert response.json()["status"] == "warning"
    assert "2027" in response.json()["detail"]
