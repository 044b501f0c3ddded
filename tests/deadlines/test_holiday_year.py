"""Holiday years that are really complete (SPEC §3.1 R-CAL-YEAR, issue 8 §6): confirmation with who and when,
refused per missing festival; years seeded from chinese-calendar confirmed by the seed; the warning (admin banner,
workspace dashboard, /health/calendar/, check_holiday_calendar) until the coming year is confirmed; a year with no
data answers on the weekday rule, marked provisional; import from CSV (service, admin with preview, command)."""

from datetime import date, datetime, timedelta
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
import time_machine
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import translation

from deadlines.models import Festival, HolidayDate, HolidayYear
from deadlines.selectors import (
    calendar_add,
    calendar_span_provisional,
    calendar_year_confirmed,
    holiday_coverage_warning,
    holiday_years_confirmed,
)
from deadlines.services import (
    HolidayImportInvalid,
    HolidayYearIncomplete,
    chinese_calendar_version,
    holiday_import_apply,
    holiday_import_plan,
    holiday_seed_from_chinese_calendar,
    holiday_year_confirm,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages are asserted in English here (the UI default is Chinese: see the test of the Chinese banner)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


SH = ZoneInfo("Asia/Shanghai")
SAMPLE = Path(settings.BASE_DIR) / "fixtures" / "holidays-2027-sample.csv"
DEC_1 = datetime(2026, 12, 1, 9, tzinfo=SH)
HALF_WORKING_DAY = timedelta(hours=3, minutes=30)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def rest(day: date, festival: Festival) -> HolidayDate:
    return HolidayDate.objects.create(date=day, kind=HolidayDate.Kind.STATUTORY_HOLIDAY, festival=festival)


def seven_festivals_2027() -> None:
    for day, festival in [
        (date(2027, 1, 1), Festival.NEW_YEAR), (date(2027, 2, 8), Festival.SPRING_FESTIVAL),
        (date(2027, 4, 5), Festival.TOMB_SWEEPING), (date(2027, 5, 3), Festival.LABOUR_DAY),
        (date(2027, 6, 9), Festival.DRAGON_BOAT), (date(2027, 9, 15), Festival.MID_AUTUMN),
        (date(2027, 10, 1), Festival.NATIONAL_DAY),
    ]:  # fmt: skip
        rest(day, festival)


# --- the seed -----------------------------------------------------------------------------------------------------
def test_the_package_does_not_know_2027():
    # chinesecalendar 1.11.0 covers 2004–2026; outside it raises (its users report crashed services).
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))


def test_years_seeded_from_chinese_calendar_are_confirmed_by_the_seed(calendars):
    year = HolidayYear.objects.get(year=2026)

    assert year.is_confirmed and year.confirmed_by is None and year.confirmed_at is not None
    assert f"chinese-calendar {chinese_calendar_version()}" in year.notes
    assert set(HolidayYear.objects.values_list("year", flat=True)) == set(range(2004, 2027))
    assert not HolidayYear.objects.filter(year=2027).exists()
    # every seeded rest or make-up day says which festival it belongs to
    assert HolidayDate.objects.get(date=date(2026, 2, 17)).festival == Festival.SPRING_FESTIVAL
    assert HolidayDate.objects.get(date=date(2026, 10, 10)).festival == Festival.NATIONAL_DAY
    assert not HolidayDate.objects.filter(festival="").exists()


def test_the_seed_leaves_a_year_an_administrator_reopened_to_the_administrator(calendars):
    HolidayYear.objects.filter(year=2026).update(state=HolidayYear.State.DRAFT, confirmed_at=None)
    row = HolidayDate.objects.get(date=date(2026, 10, 8 - 1))
    row.source = HolidayDate.Source.MANUAL
    row.save()

    result = holiday_seed_from_chinese_calendar()

    assert result.years_confirmed == 0
    assert not HolidayYear.objects.get(year=2026).is_confirmed


# --- confirmation -------------------------------------------------------------------------------------------------
def test_confirmation_is_refused_per_missing_festival(admin_user):
    HolidayDate.objects.create(date=date(2027, 1, 1), kind=HolidayDate.Kind.STATUTORY_HOLIDAY, name="元旦")

    with pytest.raises(HolidayYearIncomplete) as refused:
        holiday_year_confirm(year=2027, actor=admin_user)

    problems = refused.value.problems
    assert len(problems) == 7  # six festivals and the make-up days
    for name in ("Spring Festival", "Tomb-sweeping", "Labour Day", "Dragon Boat", "Mid-autumn", "National Day"):
        assert sum(name in problem for problem in problems) == 1, name
    assert not any("New Year" in problem for problem in problems)
    assert any("make-up" in problem for problem in problems)
    assert not calendar_year_confirmed(2027)


def test_confirmation_needs_the_make_up_days_or_an_explicit_none(admin_user):
    seven_festivals_2027()
    with pytest.raises(HolidayYearIncomplete) as refused:
        holiday_year_confirm(year=2027, actor=admin_user)
    assert len(refused.value.problems) == 1 and "make-up" in refused.value.problems[0]

    with time_machine.travel(DEC_1, tick=False):
        year = holiday_year_confirm(year=2027, actor=admin_user, makeup_days_none=True)

    assert (year.state, year.confirmed_by, year.confirmed_at) == (HolidayYear.State.CONFIRMED, admin_user, DEC_1)
    assert year.makeup_days_none and "confirmed by admin" in year.notes
    assert calendar_year_confirmed(2027)


def test_none_ticked_while_make_up_days_are_entered_is_refused(admin_user):
    seven_festivals_2027()
    HolidayDate.objects.create(date=date(2027, 2, 20), kind=HolidayDate.Kind.MAKEUP_WORKDAY, festival="spring_festival")

    with pytest.raises(HolidayYearIncomplete) as refused:
        holiday_year_confirm(year=2027, actor=admin_user, makeup_days_none=True)

    assert "1 make-up working days are entered" in refused.value.problems[0]


def test_confirming_twice_keeps_the_first_confirmation(admin_user, django_user_model):
    seven_festivals_2027()
    holiday_year_confirm(year=2027, actor=admin_user, makeup_days_none=True)
    other = django_user_model.objects.create_user("other", password=None)

    assert holiday_year_confirm(year=2027, actor=other).confirmed_by == admin_user


# --- a year with no data ------------------------------------------------------------------------------------------
def test_a_year_with_no_data_answers_on_the_weekday_rule_and_is_provisional(calendars):
    # Fri 2040-11-23 16:00 + ½ working day: plain Monday–Friday → Mon 11-26 10:30. Never raises.
    assert calendar_add("CAL-WORKDAY", at(2040, 11, 23, 16), HALF_WORKING_DAY) == at(2040, 11, 26, 10, 30)
    assert not calendar_year_confirmed(2040)
    assert calendar_span_provisional("CAL-WORKDAY", at(2040, 11, 23, 16), at(2040, 11, 26, 10, 30))
    assert calendar_span_provisional("CAL-WORKDAY", at(2026, 12, 31, 16), at(2027, 1, 4, 10, 30))
    assert not calendar_span_provisional("CAL-WORKDAY", at(2026, 11, 20, 16), at(2026, 11, 23, 10, 30))
    # 24×7 and service hours do not depend on the holiday table
    assert not calendar_span_provisional("CAL-24x7", at(2040, 1, 1), at(2040, 1, 2))
    assert not calendar_span_provisional("CAL-SERVICE", at(2040, 1, 1), at(2040, 1, 2))


def test_the_due_time_api_answers_for_a_year_with_no_data_marked_provisional(calendars, api, admin_user):
    api.force_login(admin_user)
    params = {"calendar": "CAL-WORKDAY", "limit": "PT3H30M"}

    unknown = api.get("/api/v1/due-time/", {**params, "start": "2040-11-23T16:00:00+08:00"})
    known = api.get("/api/v1/due-time/", {**params, "start": "2026-11-20T16:00:00+08:00"})

    assert unknown.status_code == 200, unknown.content
    assert (unknown.json()["due_at"], unknown.json()["provisional"]) == ("2040-11-26T10:30:00+08:00", True)
    assert (known.json()["due_at"], known.json()["provisional"]) == ("2026-11-23T10:30:00+08:00", False)


def test_the_confirmed_years_cost_one_query_then_none(calendars, django_assert_num_queries):
    holiday_years_confirmed()  # warm
    with django_assert_num_queries(0):
        for year in range(2000, 2050):
            calendar_year_confirmed(year)

    HolidayYear.objects.create(year=2027)  # the signal drops the cache in this process
    with django_assert_num_queries(1):
        assert not calendar_year_confirmed(2027)
        assert calendar_year_confirmed(2026)


# --- the warning until the coming year is confirmed ----------------------------------------------------------------
def test_the_warning_stays_until_the_coming_year_is_confirmed(calendars, admin_user):
    today = date(2026, 12, 1)
    assert "2027" in holiday_coverage_warning(today)

    holiday_import_apply(text=SAMPLE.read_text(encoding="utf-8"), actor=admin_user)
    warning = holiday_coverage_warning(today)
    assert "2027" in warning and "confirm" in warning  # everything entered, nobody has confirmed yet

    holiday_year_confirm(year=2027, actor=admin_user)
    assert holiday_coverage_warning(today) is None


@pytest.mark.urls("tests.deadlines.urls")
def test_health_and_command_warn_until_2027_is_confirmed(calendars, admin_user, client):
    HolidayDate.objects.create(date=date(2027, 1, 1), kind=HolidayDate.Kind.STATUTORY_HOLIDAY, name="元旦")
    with time_machine.travel(DEC_1, tick=False):
        assert client.get("/health/calendar/").status_code == 503
        with pytest.raises(CommandError) as raised:
            call_command("check_holiday_calendar")
        assert raised.value.returncode == 1 and "Spring Festival" in str(raised.value)

        holiday_import_apply(text=SAMPLE.read_text(encoding="utf-8"), actor=admin_user)
        holiday_year_confirm(year=2027, actor=admin_user)

        assert client.get("/health/calendar/").status_code == 200
        call_command("check_holiday_calendar", stdout=StringIO())


@pytest.mark.urls("tests.deadlines.urls")
def test_the_admin_banner_shows_the_warning(calendars, admin_client):
    with time_machine.travel(DEC_1, tick=False):
        response = admin_client.get("/admin/")
    assert b"data-calendar-warning" in response.content
    assert "2027" in response.context["calendar_warning"]


def test_the_workspace_dashboard_warns_administrators_only(calendars, admin_client, client, django_user_model):
    clerk = django_user_model.objects.create_user("clerk", password=None)
    client.force_login(clerk)
    with time_machine.travel(DEC_1, tick=False):
        for_admin = admin_client.get("/")
        for_clerk = client.get("/")

    assert for_admin.status_code == 200 and b"data-calendar-warning" in for_admin.content
    assert "2027" in for_admin.context["calendar_warning"]
    assert for_clerk.status_code == 200 and b"data-calendar-warning" not in for_clerk.content


def test_the_warning_speaks_chinese_by_default(calendars):
    with translation.override("zh-hans"):
        warning = holiday_coverage_warning(date(2026, 12, 1))
    assert "2027 年节假日安排尚未确认" in warning and "春节 没有休息日" in warning


# --- confirming in the admin --------------------------------------------------------------------------------------
@pytest.mark.urls("tests.deadlines.urls")
def test_the_admin_confirm_button_records_who_and_when_or_lists_what_is_missing(calendars, admin_client, admin_user):
    year = HolidayYear.objects.create(year=2027)
    HolidayDate.objects.create(date=date(2027, 1, 1), kind=HolidayDate.Kind.STATUTORY_HOLIDAY, name="元旦")

    page = admin_client.get(f"/admin/deadlines/holidayyear/{year.pk}/change/")
    assert page.status_code == 200 and b"data-confirm-year" in page.content and b"data-year-problems" in page.content

    refused = admin_client.post(f"/admin/deadlines/holidayyear/{year.pk}/confirm/", follow=True)
    texts = [str(m) for m in refused.context["messages"]]
    assert sum("no rest day for" in text for text in texts) == 6
    assert not HolidayYear.objects.get(year=2027).is_confirmed

    holiday_import_apply(text=SAMPLE.read_text(encoding="utf-8"), actor=admin_user)
    with time_machine.travel(DEC_1, tick=False):
        admin_client.post(f"/admin/deadlines/holidayyear/{year.pk}/confirm/")

    year.refresh_from_db()
    assert (year.state, year.confirmed_by, year.confirmed_at) == (HolidayYear.State.CONFIRMED, admin_user, DEC_1)
    assert LogEntry.objects.filter(object_id=str(year.pk), change_message__contains="Confirmed").exists()
    assert admin_client.get(f"/admin/deadlines/holidayyear/{year.pk}/confirm/").status_code == 405


@pytest.mark.urls("tests.deadlines.urls")
def test_the_admin_lists_years_with_their_counts_and_reruns_the_recompute(calendars, admin_client):
    page = admin_client.get("/admin/deadlines/holidayyear/")
    assert page.status_code == 200 and b"/admin/deadlines/holidayyear/import/" in page.content
    year = HolidayYear.objects.get(year=2026)

    response = admin_client.post(
        "/admin/deadlines/holidayyear/", {"action": "recompute_clocks", "_selected_action": [year.pk]}, follow=True
    )

    assert any("0 running deadlines moved" in str(m) for m in response.context["messages"])


@pytest.mark.urls("tests.deadlines.urls")
def test_the_admin_action_confirms_the_selected_years(calendars, admin_client):
    seven_festivals_2027()
    year = HolidayYear.objects.create(year=2027, makeup_days_none=True)

    admin_client.post(
        "/admin/deadlines/holidayyear/", {"action": "confirm_years", "_selected_action": [year.pk]}, follow=True
    )

    assert HolidayYear.objects.get(year=2027).is_confirmed


@pytest.mark.urls("tests.deadlines.urls")
def test_editing_a_rest_day_of_a_confirmed_year_returns_it_to_draft_with_a_warning(calendars, admin_client):
    row = HolidayDate.objects.get(date=date(2026, 10, 7))

    response = admin_client.post(
        f"/admin/deadlines/holidaydate/{row.pk}/change/",
        {"date": "2026-10-08", "kind": "statutory_holiday", "festival": "national_day", "name": row.name},
        follow=True,
    )

    year = HolidayYear.objects.get(year=2026)
    assert not year.is_confirmed and year.confirmed_at is None and "returned to draft by admin" in year.notes
    assert any("back to draft" in str(m) for m in response.context["messages"])
    assert "2026" in holiday_coverage_warning(date(2026, 12, 1))


@pytest.mark.urls("tests.deadlines.urls")
def test_a_one_off_closure_or_a_new_name_keeps_the_year_confirmed(calendars, admin_client):
    admin_client.post("/admin/deadlines/holidaydate/add/", {"date": "2026-11-23", "kind": "closure", "name": "Typhoon"})
    row = HolidayDate.objects.get(date=date(2026, 10, 7))
    admin_client.post(
        f"/admin/deadlines/holidaydate/{row.pk}/change/",
        {"date": "2026-10-07", "kind": "statutory_holiday", "festival": "national_day", "name": "国庆节"},
    )

    assert HolidayDate.objects.get(date=date(2026, 10, 7)).name == "国庆节"
    assert HolidayYear.objects.get(year=2026).is_confirmed


@pytest.mark.urls("tests.deadlines.urls")
def test_deleting_a_make_up_day_of_a_confirmed_year_returns_it_to_draft(calendars, admin_client):
    row = HolidayDate.objects.get(date=date(2026, 2, 14))

    admin_client.post(f"/admin/deadlines/holidaydate/{row.pk}/delete/", {"post": "yes"})

    assert not HolidayDate.objects.filter(pk=row.pk).exists()
    assert not HolidayYear.objects.get(year=2026).is_confirmed


@pytest.mark.urls("tests.deadlines.urls")
def test_a_rest_day_needs_its_festival_in_the_admin(calendars, admin_client):
    response = admin_client.post(
        "/admin/deadlines/holidaydate/add/", {"date": "2027-02-08", "kind": "statutory_holiday", "name": "休息"}
    )
    assert response.status_code == 200
    assert "festival" in response.context["adminform"].form.errors


# --- import ---------------------------------------------------------------------------------------------------------
def test_the_sample_file_shows_a_complete_year():
    plan = holiday_import_plan(text=SAMPLE.read_text(encoding="utf-8"))

    assert plan.ok and plan.year == 2027
    assert {item.festival for item in plan.rows if item.kind == HolidayDate.Kind.STATUTORY_HOLIDAY} == set(
        Festival.statutory()
    )
    assert "NOT AUTHORITATIVE" in SAMPLE.read_text(encoding="utf-8")


def test_import_reports_every_bad_line_and_changes_nothing(admin_user):
    text = (
        "date,kind,name\n"
        "2027-01-01,rest,元旦\n"
        "2027-02-30,rest,春节\n"  # line 3: no such date
        "2027-02-08,holiday-ish,春节\n"  # line 4: kind
        "2027-02-09,rest,Christmas\n"  # line 5: festival
        "2027-01-01,rest,元旦\n"  # line 6: duplicate
        "2028-01-01,rest,元旦\n"  # line 7: another year
        "2027-02-10,makeup,春节\n"  # line 8: a Wednesday as make-up day
    )
    plan = holiday_import_plan(text=text)

    assert [line for line, _ in plan.errors] == [3, 4, 5, 6, 7, 8]
    assert "2027-02-30" in plan.errors[0][1] and "holiday-ish" in plan.errors[1][1]
    assert "Christmas" in plan.errors[2][1] and "line 2" in plan.errors[3][1]
    with pytest.raises(HolidayImportInvalid):
        holiday_import_apply(text=text, actor=admin_user)
    assert not HolidayDate.objects.exists()


def test_import_shows_added_changed_and_removed_and_keeps_closures(admin_user):
    HolidayDate.objects.create(date=date(2027, 1, 1), kind=HolidayDate.Kind.MAKEUP_WORKDAY, festival="new_year")
    HolidayDate.objects.create(date=date(2027, 3, 1), kind=HolidayDate.Kind.STATUTORY_HOLIDAY, festival="other")
    HolidayDate.objects.create(date=date(2027, 8, 1), kind=HolidayDate.Kind.CLOSURE, name="Typhoon")
    text = "date,kind,name\n2027-01-01,rest,New Year's Day\n2027-01-02,休,元旦\n"

    plan = holiday_import_plan(text=text)

    assert [item.date for item in plan.added] == [date(2027, 1, 2)]
    assert [(row.kind, item.kind) for row, item in plan.changed] == [("makeup_workday", "statutory_holiday")]
    assert [row.date for row in plan.removed] == [date(2027, 3, 1)]
    holiday_import_apply(text=text, actor=admin_user)
    assert sorted(HolidayDate.objects.values_list("date", "kind", "source")) == [
        (date(2027, 1, 1), "statutory_holiday", "import"),
        (date(2027, 1, 2), "statutory_holiday", "import"),
        (date(2027, 8, 1), "closure", "manual"),
    ]
    assert holiday_import_plan(text=text).change_count == 0  # the same file again changes nothing


def test_importing_into_a_confirmed_year_returns_it_to_draft(calendars, admin_user):
    text = "date,kind,name\n" + "".join(
        f"{row.date},{'rest' if row.kind == 'statutory_holiday' else 'makeup'},{row.festival}\n"
        for row in HolidayDate.objects.filter(date__year=2026).exclude(date=date(2026, 1, 3))
    )

    holiday_import_apply(text=text, actor=admin_user)

    year = HolidayYear.objects.get(year=2026)
    assert not year.is_confirmed and "1 removed" in year.notes
    assert not HolidayDate.objects.filter(date=date(2026, 1, 3)).exists()


@pytest.mark.urls("tests.deadlines.urls")
def test_the_admin_import_previews_then_imports_on_confirmation(calendars, admin_client):
    upload = SimpleUploadedFile("holidays-2027.csv", SAMPLE.read_bytes(), content_type="text/csv")

    preview = admin_client.post("/admin/deadlines/holidayyear/import/", {"file": upload, "preview": "1"})

    assert preview.status_code == 200 and b"data-import-preview" in preview.content
    assert preview.content.count(b'data-change="added"') == 33
    assert not HolidayDate.objects.filter(date__year=2027).exists()  # a preview changes nothing

    applied = admin_client.post(
        "/admin/deadlines/holidayyear/import/", {"csv_text": preview.context["form"]["csv_text"].value(), "apply": "1"}
    )

    year = HolidayYear.objects.get(year=2027)
    assert applied.status_code == 302 and applied["Location"].endswith(f"/holidayyear/{year.pk}/change/")
    assert HolidayDate.objects.filter(date__year=2027).count() == 33
    assert not year.is_confirmed  # import is not confirmation


@pytest.mark.urls("tests.deadlines.urls")
def test_the_admin_import_shows_errors_per_line(calendars, admin_client):
    upload = SimpleUploadedFile("bad.csv", "date,kind,name\n2027-01-01,rest,元旦\n2027-13-01,rest,春节\n".encode())

    response = admin_client.post("/admin/deadlines/holidayyear/import/", {"file": upload, "preview": "1"})

    assert response.status_code == 200 and b"data-import-errors" in response.content
    assert response.context["plan"].errors[0][0] == 3 and b"apply" not in response.content
    binary = SimpleUploadedFile("x.csv", b"\xff\xfe\x00garbage")
    response = admin_client.post("/admin/deadlines/holidayyear/import/", {"file": binary, "preview": "1"})
    assert response.status_code == 200 and "file" in response.context["form"].errors


def test_the_command_imports_with_a_dry_run_first(calendars, tmp_path):
    out = StringIO()
    call_command("holiday_import", str(SAMPLE), "--dry-run", stdout=out)
    assert "would change 33 rows" in out.getvalue()
    assert not HolidayDate.objects.filter(date__year=2027).exists()

    call_command("holiday_import", str(SAMPLE), stdout=StringIO())
    assert HolidayDate.objects.filter(date__year=2027, source=HolidayDate.Source.IMPORT).count() == 33

    bad = tmp_path / "bad.csv"
    bad.write_text("date,kind,name\n2027-01-01,rest,元旦\n2027-01-02,nap,元旦\n", encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("holiday_import", str(bad), stderr=err)
    assert raised.value.returncode == 2 and f"{bad}:3:" in err.getvalue()
