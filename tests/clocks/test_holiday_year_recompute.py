"""R-CAL-YEAR across 2026-12-31 → 2027 (issue 8 §6): a working-day clock whose due time falls in a year that is not
confirmed is provisional (API and order page); when that year's holidays are imported and the year confirmed, the
running clock is recomputed from its start on the new calendar (as R-CLK-RECALC does for flags), on commit, by a
Celery task that is idempotent."""

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import translation

from deadlines.clock_models import ClockKind, ClockPolicy, ClockState
from deadlines.recompute import clocks_recompute_for_years
from deadlines.selectors import calendar_add, clock_provisional
from deadlines.services import holiday_import_apply, holiday_year_confirm
from deadlines.tasks import holiday_years_recompute_task
from tickets.api.clocks import ClockSerializer

from .conftest import at, live_clock, order_make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages are asserted in English here (the UI default is Chinese: see the test of the Chinese banner)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


SAMPLE = Path(settings.BASE_DIR) / "fixtures" / "holidays-2027-sample.csv"
ONE_WORKING_DAY = timedelta(hours=7)
NEW_YEARS_EVE = at(2026, 12, 31, 10)  # Thursday; 2026 is confirmed by the chinese-calendar seed, 2027 is unknown


@pytest.fixture
def workday_dispatch(reference):
    """The ordinary dispatch clock counted in working days (one working day): a running clock on CAL-WORKDAY, as the
    major-complaint declaration (R-CLK-MAJ-DECLARE) will be."""
    ClockPolicy.objects.filter(code="dispatch").update(
        calendar_id=ClockPolicy.objects.get(code="entry").calendar_id, limit=ONE_WORKING_DAY
    )


@pytest.fixture
def queued(monkeypatch):
    """The recompute task queued on commit is recorded instead of published; the test then runs it directly."""
    calls = []
    monkeypatch.setattr(holiday_years_recompute_task, "delay", lambda years: calls.append(list(years)))
    return calls


@pytest.fixture
def admin(db):
    return get_user_model().objects.create_superuser("cal-admin", email="cal@example.cn", password=None)


@pytest.mark.usefixtures("workday_dispatch")
def test_a_clock_due_in_unconfirmed_2027_is_provisional_then_recomputed_when_2027_is_confirmed(
    cast, admin, queued, django_capture_on_commit_callbacks
):
    # given: accepted on Thu 2026-12-31 10:00: 5 h 30 min left that day, 1 h 30 min on Fri 2027-01-01 — plain
    # Monday–Friday, because nobody knows 2027 yet
    with time_machine.travel(NEW_YEARS_EVE, tick=False):
        order = order_make(cast, received_at=at(2026, 12, 31, 9, 50))
    clock = live_clock(order, ClockKind.DISPATCH)
    assert (clock.calendar_code, clock.started_at) == ("CAL-WORKDAY", NEW_YEARS_EVE)
    assert clock.due_at == at(2027, 1, 1, 10)
    assert clock.warn_at == at(2027, 1, 1, 8, 36)  # 80 % = 5 h 36 min
    assert clock_provisional(clock)
    assert ClockSerializer(clock, context={"now": NEW_YEARS_EVE}).data["provisional"] is True
    (entry,) = order.clocks.filter(kind=ClockKind.ENTRY)
    assert entry.state == ClockState.MET and not clock_provisional(entry)  # stopped clocks keep their verdict

    # when: the 2027 schedule is imported (元旦 01-01…01-03 off) and confirmed, on 2026-12-31 at 11:00
    with time_machine.travel(at(2026, 12, 31, 11), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            holiday_import_apply(text=SAMPLE.read_text(encoding="utf-8"), actor=admin)
        with django_capture_on_commit_callbacks(execute=True):
            holiday_year_confirm(year=2027, actor=admin)
        assert queued == [[2027], [2027]]  # on commit of each change
        moved = holiday_years_recompute_task(queued[-1])

    # then: recomputed from its start on the new calendar: Mon 2027-01-04 10:00, and no longer provisional
    clock.refresh_from_db()
    assert moved == 1
    assert clock.due_at == at(2027, 1, 4, 10) == calendar_add("CAL-WORKDAY", NEW_YEARS_EVE, ONE_WORKING_DAY)
    assert clock.warn_at == clock.next_check_at == at(2027, 1, 4, 8, 36)
    assert (clock.started_at, clock.state, clock.limit) == (NEW_YEARS_EVE, ClockState.RUNNING, ONE_WORKING_DAY)
    assert not clock_provisional(clock)
    assert ClockSerializer(clock, context={"now": NEW_YEARS_EVE}).data["provisional"] is False
    assert "holiday year 2027" in clock.note
    # idempotent: run again (a redelivered task, the command, the admin action), nothing moves
    assert holiday_years_recompute_task([2027]) == 0
    call_command("holiday_recompute", "2027", stdout=None)
    clock.refresh_from_db()
    assert clock.due_at == at(2027, 1, 4, 10)


@pytest.mark.usefixtures("workday_dispatch")
def test_a_make_up_sunday_brings_the_due_time_forward(cast, admin, queued):
    # Fri 2027-01-29 16:00 + one working day: 1 h 30 min on Friday; on the weekday rule Mon 02-01 16:00; the
    # sample schedule makes Sun 01-31 a working day (春节 make-up), so after import + confirmation: Sun 01-31 16:00.
    with time_machine.travel(at(2027, 1, 29, 16), tick=False):
        order = order_make(cast, received_at=at(2027, 1, 29, 15, 55))
        clock = live_clock(order, ClockKind.DISPATCH)
        assert clock.due_at == at(2027, 2, 1, 16) and clock_provisional(clock)

        holiday_import_apply(text=SAMPLE.read_text(encoding="utf-8"), actor=admin)
        holiday_year_confirm(year=2027, actor=admin)
        assert clocks_recompute_for_years(years=[2027]) == 1

    clock.refresh_from_db()
    assert clock.due_at == at(2027, 1, 31, 16) and not clock_provisional(clock)


@pytest.mark.usefixtures("workday_dispatch")
def test_the_order_page_tags_a_provisional_clock(cast, client):
    with time_machine.travel(NEW_YEARS_EVE, tick=False):
        order = order_make(cast, received_at=at(2026, 12, 31, 9, 50))
        client.force_login(cast.clerk)
        response = client.get(f"/orders/{order.pk}/clocks/")

    assert response.status_code == 200
    assert response.content.count(b"data-provisional") == 1  # the dispatch clock; 24×7 feedback is not


def test_clocks_on_24x7_are_never_provisional_nor_recomputed(cast, queued):
    # the default dispatch and feedback clocks count on CAL-24x7: the holiday table does not concern them
    with time_machine.travel(NEW_YEARS_EVE, tick=False):
        order = order_make(cast, received_at=at(2026, 12, 31, 9, 50))
    clock = live_clock(order, ClockKind.DISPATCH)

    assert clock.calendar_code == "CAL-24x7" and not clock_provisional(clock)
    assert clocks_recompute_for_years(years=[2026, 2027]) == 0
