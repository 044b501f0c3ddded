"""Calendars are data (SPEC §3.1): seeding, admin-owned rows, and edits reaching the arithmetic."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError

from deadlines import selectors
from deadlines.models import BusinessCalendar, HolidayDate, WeeklyPeriod
from deadlines.selectors import calendar_add, calendar_compiled
from deadlines.services import calendar_seed_defaults, holiday_seed_from_chinese_calendar

SH = ZoneInfo("Asia/Shanghai")
HALF_WORKING_DAY = timedelta(hours=3, minutes=30)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.mark.django_db
def test_calendar_seed_creates_spec_periods_and_is_idempotent():
    calendar_seed_defaults()
    calendar_seed_defaults()

    assert BusinessCalendar.objects.count() == 3
    periods = {
        code: sorted((p.weekday, p.start_time, p.end_time) for p in WeeklyPeriod.objects.filter(calendar__code=code))
        for code in ("CAL-24x7", "CAL-SERVICE", "CAL-WORKDAY")
    }
    assert periods == {
        "CAL-24x7": [],
        "CAL-SERVICE": [(None, time(8), time(12)), (None, time(14, 30), time(20))],
        "CAL-WORKDAY": [(None, time(8, 30), time(12)), (None, time(14), time(17, 30))],
    }
    assert BusinessCalendar.objects.get(code="CAL-WORKDAY").uses_workdays
    assert BusinessCalendar.objects.get(code="CAL-24x7").is_24x7


@pytest.mark.django_db
def test_calendar_seed_keeps_administrator_edits():
    calendar_seed_defaults()
    WeeklyPeriod.objects.filter(calendar__code="CAL-WORKDAY", start_time=time(14)).update(end_time=time(18))

    calendar_seed_defaults()

    assert WeeklyPeriod.objects.filter(calendar__code="CAL-WORKDAY", end_time=time(18)).count() == 1


@pytest.mark.django_db
def test_holiday_seed_loads_every_package_date_and_is_idempotent():
    first = holiday_seed_from_chinese_calendar()
    second = holiday_seed_from_chinese_calendar()

    total = len(chinese_calendar.holidays) + len(chinese_calendar.workdays)
    assert first.created == total == HolidayDate.objects.count()
    assert (second.created, second.updated, second.unchanged) == (0, 0, total)
    # The package's `holidays` are statutory days off only, not ordinary weekends.
    assert not HolidayDate.objects.filter(date=date(2026, 11, 21)).exists()
    assert HolidayDate.objects.get(date=date(2026, 2, 14)).kind == HolidayDate.Kind.MAKEUP_WORKDAY
    assert HolidayDate.objects.get(date=date(2026, 10, 1)).name == "National Day (国庆节)"


@pytest.mark.django_db
def test_holiday_seed_never_overwrites_manual_rows_but_repairs_package_rows():
    holiday_seed_from_chinese_calendar()
    HolidayDate.objects.filter(date=date(2026, 10, 8)).update(kind=HolidayDate.Kind.CLOSURE)  # none there
    HolidayDate.objects.create(date=date(2026, 10, 8), kind=HolidayDate.Kind.CLOSURE, name="Typhoon")
    HolidayDate.objects.filter(date=date(2026, 10, 1)).update(source=HolidayDate.Source.MANUAL, name="mine")
    HolidayDate.objects.filter(date=date(2026, 10, 2)).update(name="garbled")

    result = holiday_seed_from_chinese_calendar()

    assert (result.updated, result.kept_manual) == (1, 1)
    assert HolidayDate.objects.get(date=date(2026, 10, 1)).name == "mine"
    assert HolidayDate.objects.get(date=date(2026, 10, 2)).name == "National Day (国庆节)"
    assert HolidayDate.objects.get(date=date(2026, 10, 8)).name == "Typhoon"


def test_holiday_added_in_admin_moves_due_times_at_once(calendars):
    assert calendar_add("CAL-WORKDAY", at(2026, 11, 20, 16), HALF_WORKING_DAY) == at(2026, 11, 23, 10, 30)

    HolidayDate.objects.create(date=date(2026, 11, 23), kind=HolidayDate.Kind.CLOSURE, name="Typhoon")

    assert calendar_add("CAL-WORKDAY", at(2026, 11, 20, 16), HALF_WORKING_DAY) == at(2026, 11, 24, 10, 30)


def test_deleting_a_make_up_day_moves_due_times_at_once(calendars):
    HolidayDate.objects.get(date=date(2026, 2, 14)).delete()

    # Without the make-up Saturday the holiday runs 02-14…02-23: due Tue 02-24 10:30.
    assert calendar_add("CAL-WORKDAY", at(2026, 2, 13, 16), HALF_WORKING_DAY) == at(2026, 2, 24, 10, 30)


def test_period_edit_moves_due_times_at_once(calendars):
    assert calendar_add("CAL-SERVICE", at(2026, 11, 20, 11), timedelta(hours=2)) == at(2026, 11, 20, 15, 30)
    period = WeeklyPeriod.objects.get(calendar__code="CAL-SERVICE", start_time=time(14, 30))
    period.start_time = time(14)
    period.save()

    assert calendar_add("CAL-SERVICE", at(2026, 11, 20, 11), timedelta(hours=2)) == at(2026, 11, 20, 15)


def test_change_made_by_another_process_is_seen_after_the_ttl(calendars, monkeypatch):
    compiled = calendar_compiled("CAL-WORKDAY")
    # bulk_create sends no signals, as if another process had written the row.
    HolidayDate.objects.bulk_create([HolidayDate(date=date(2026, 11, 23), kind=HolidayDate.Kind.CLOSURE)])
    assert calendar_compiled("CAL-WORKDAY") is compiled  # within the TTL: the cache answers

    monkeypatch.setattr(selectors, "CACHE_TTL_SECONDS", 0.0)

    assert calendar_add("CAL-WORKDAY", at(2026, 11, 20, 16), HALF_WORKING_DAY) == at(2026, 11, 24, 10, 30)


def test_unchanged_tables_keep_the_compiled_calendar_after_the_ttl(calendars, monkeypatch, django_assert_num_queries):
    compiled = calendar_compiled("CAL-WORKDAY")
    monkeypatch.setattr(selectors, "CACHE_TTL_SECONDS", 0.0)

    with django_assert_num_queries(3):  # the fingerprint only
        assert calendar_compiled("CAL-WORKDAY") is compiled


def test_arithmetic_does_not_query_within_the_ttl(calendars, django_assert_num_queries):
    calendar_compiled("CAL-WORKDAY")
    with django_assert_num_queries(0):
        for day in range(1, 29):
            calendar_add("CAL-WORKDAY", at(2026, 2, day, 9), timedelta(hours=70))


def test_unknown_calendar_code_raises(calendars):
    with pytest.raises(BusinessCalendar.DoesNotExist):
        calendar_add("CAL-NOPE", at(2026, 11, 20, 9), timedelta(hours=1))


def test_weekday_specific_period_and_midnight_end(db):
    # A calendar open every day 20:00–24:00 plus Mondays 09:00–10:00.
    calendar = BusinessCalendar.objects.create(code="CAL-NIGHT", name="night")
    WeeklyPeriod.objects.create(calendar=calendar, start_time=time(20), end_time=time(0))
    WeeklyPeriod.objects.create(calendar=calendar, weekday=0, start_time=time(9), end_time=time(10))

    # Sun 2026-11-22 23:00 + 2 h: 1 h until midnight, then Monday 09:00–10:00.
    assert calendar_add(calendar, at(2026, 11, 22, 23), timedelta(hours=2)) == at(2026, 11, 23, 10)
    assert calendar_add(calendar, at(2026, 11, 23, 23), timedelta(hours=2)) == at(2026, 11, 24, 21)


def test_period_must_close_after_it_opens(db):
    calendar = BusinessCalendar.objects.create(code="CAL-X", name="x")
    with pytest.raises(ValidationError):
        WeeklyPeriod(calendar=calendar, start_time=time(12), end_time=time(8)).full_clean()
    WeeklyPeriod(calendar=calendar, start_time=time(12), end_time=time(0)).full_clean()  # until midnight


def test_models_are_in_the_admin():
    for model in (BusinessCalendar, WeeklyPeriod, HolidayDate):
        assert admin.site.is_registered(model)


@pytest.mark.urls("tests.deadlines.urls")
def test_holiday_admin_year_filter_and_manual_source(calendars, admin_client):
    response = admin_client.get("/admin/deadlines/holidaydate/", {"year": "2026", "kind": "makeup_workday"})
    assert response.status_code == 200
    assert [row.date for row in response.context["cl"].result_list] == [
        date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 9, 20), date(2026, 10, 10),
    ]  # fmt: skip

    response = admin_client.post(
        "/admin/deadlines/holidaydate/add/", {"date": "2027-01-01", "kind": "statutory_holiday", "name": "元旦"}
    )
    assert response.status_code == 302
    assert HolidayDate.objects.get(date=date(2027, 1, 1)).source == HolidayDate.Source.MANUAL


@pytest.mark.urls("tests.deadlines.urls")
def test_calendar_admin_edits_periods_inline(calendars, admin_client):
    calendar = BusinessCalendar.objects.get(code="CAL-WORKDAY")
    response = admin_client.get(f"/admin/deadlines/businesscalendar/{calendar.pk}/change/")
    assert response.status_code == 200
    assert len(response.context["inline_admin_formsets"][0].formset.forms) == 2
