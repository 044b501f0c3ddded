"""A person acting on an order at the moment the sweep records a breach of one of its clocks (the
deadline is exactly when people act). PostgreSQL, real transactions in two threads: the sweep is held
open inside its batch (notices written, not committed) while the dispatch runs.

Regression tests of a deadlock: the transition locked the order FOR UPDATE and then waited for the
clock row held by the sweep, whose commit checked the foreign keys of its new notifications (KEY SHARE
on the order) and waited for the transition → "deadlock detected". Fixed by locking the order FOR NO
KEY UPDATE (tickets.services.base.order_lock) and the live clocks after it (deadlines.clocks)."""

import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from deadlines import sweep
from deadlines.clock_models import Clock, ClockKind, ClockPolicy, ClockState
from notifications.models import Notification
from tickets import services

from .conftest import dispatch, live_clock, order_make, sessions_waiting_for_a_lock, wait_for


def _dispatch_during_the_sweep(order, cast, monkeypatch, *, sweep_now=None) -> dict[str, object]:
    inside, release = threading.Event(), threading.Event()
    record = sweep.clock_notices_record

    def held_open(**kwargs):
        created = record(**kwargs)
        inside.set()
        release.wait(10)
        return created

    monkeypatch.setattr(sweep, "clock_notices_record", held_open)
    outcome: dict[str, object] = {}

    def run(name, work) -> None:
        try:
            outcome[name] = work()
        except Exception as exc:  # reported by the caller's assertions
            outcome[name] = exc
        finally:
            connection.close()

    sweeper = threading.Thread(target=run, args=("sweep", lambda: sweep.clocks_sweep(now=sweep_now)))
    sweeper.start()
    assert inside.wait(10), "the sweep did not reach its notices"
    dispatcher = threading.Thread(target=run, args=("dispatch", lambda: dispatch(order, cast)))
    dispatcher.start()
    wait_for(sessions_waiting_for_a_lock, timeout=10, what="the dispatch to wait for the sweep's row lock")
    release.set()
    sweeper.join(30)
    dispatcher.join(30)
    assert not sweeper.is_alive() and not dispatcher.is_alive()
    for name in ("sweep", "dispatch"):
        assert not isinstance(outcome[name], Exception), f"{name} failed: {outcome[name]!r}"
    return outcome


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_late_dispatch_while_the_sweep_records_the_breach_succeeds_and_keeps_it(cast, monkeypatch):
    # given: an order whose dispatch clock is one minute overdue, the sweep recording the breach
    order = order_make(cast)
    clock = live_clock(order, ClockKind.DISPATCH)

    # when: the dispatcher dispatches the order at that moment
    with time_machine.travel(clock.due_at + timedelta(minutes=1), tick=True):
        _dispatch_during_the_sweep(order, cast, monkeypatch)

    # then: both succeed (no deadlock); the late stop keeps the breach the sweep recorded and notified
    (final,) = Clock.objects.filter(order=order, kind=ClockKind.DISPATCH)
    assert (final.state, final.breached_at) == (ClockState.BREACHED, clock.due_at)
    assert Notification.objects.filter(kind="clock_breach", order=order).count() == 4
    assert live_clock(order, ClockKind.HANDLE).state == ClockState.RUNNING


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_dispatch_racing_the_sweep_does_not_overwrite_the_breach_it_notified(cast, monkeypatch):
    # given: the dispatch transaction starts just before the due time, while a sweep that started just
    # after it (its now is past the due time) records the breach
    order = order_make(cast)
    clock = live_clock(order, ClockKind.DISPATCH)

    # when
    _dispatch_during_the_sweep(order, cast, monkeypatch, sweep_now=clock.due_at + timedelta(seconds=1))

    # then: whichever wins, the clock's record agrees with what was notified (no lost update: a "met"
    # clock whose breach was already sent to the supervisor)
    (final,) = Clock.objects.filter(order=order, kind=ClockKind.DISPATCH)
    notified = Notification.objects.filter(kind="clock_breach", order=order).count()
    assert (final.state, final.breached_at, notified) == (ClockState.BREACHED, clock.due_at, 4)


# --- R-CLK-FEEDBACK: the next round started by the sweep, racing a contact and a second sweep ---------------------
def _feedback_due_now(order) -> Clock:
    clock = live_clock(order, ClockKind.FEEDBACK)
    past = timezone.now() - timedelta(minutes=1)
    Clock.objects.filter(pk=clock.pk).update(started_at=past - timedelta(hours=48), due_at=past, warn_at=None,
                                             next_check_at=past)  # fmt: skip
    clock.refresh_from_db()
    return clock


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_reached_contact_while_the_sweep_starts_the_next_feedback_round_leaves_one_round_running(cast, monkeypatch):
    # given: round 1 is due; the sweep has recorded its breach and started round 2, and is still open
    order = order_make(cast)
    dispatch(order, cast)
    first = _feedback_due_now(order)
    inside, release = threading.Event(), threading.Event()
    record = sweep.clock_notices_record

    def held_open(**kwargs):
        created = record(**kwargs)
        inside.set()
        release.wait(10)
        return created

    monkeypatch.setattr(sweep, "clock_notices_record", held_open)
    outcome: dict[str, object] = {}

    def run(name, work) -> None:
        try:
            outcome[name] = work()
        except Exception as exc:  # reported below
            outcome[name] = exc
        finally:
            connection.close()

    sweeper = threading.Thread(target=run, args=("sweep", sweep.clocks_sweep))
    sweeper.start()
    assert inside.wait(10), "the sweep did not reach its notices"

    # when: the customer is reached at that moment (the contact waits for round 1, held by the sweep)
    caller = threading.Thread(target=run, args=("contact", lambda: services.contact_log(
        order_id=order.pk, actor=cast.clerk, direction="outbound", channel="phone", reached=True,
        summary="说明处理进度。",
    )))  # fmt: skip
    caller.start()
    wait_for(sessions_waiting_for_a_lock, timeout=10, what="the contact to wait for the sweep's row lock")
    release.set()
    sweeper.join(30)
    caller.join(30)

    # then: the round the sweep started is met by the contact, which starts the one running round
    assert not sweeper.is_alive() and not caller.is_alive()
    assert not any(isinstance(value, Exception) for value in outcome.values()), outcome
    rounds = list(Clock.objects.filter(order=order, kind=ClockKind.FEEDBACK).order_by("sequence", "id"))
    assert [(c.sequence, c.state) for c in rounds] == [
        (1, ClockState.BREACHED), (2, ClockState.MET), (3, ClockState.RUNNING),
    ]  # fmt: skip
    assert rounds[0].pk == first.pk and rounds[0].breached_at == first.due_at
    assert rounds[1].started_at == first.due_at


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_in_parallel_start_exactly_one_next_round_per_breached_feedback_clock(cast, monkeypatch):
    # given: 120 due feedback rounds on forty orders, and sweeps slowed down so that they overlap. A sweep that
    # starts a next round locks that order first (skipping orders the other holds), so the rounds are spread over
    # enough orders for both sweeps to find work of their own.
    orders = [order_make(cast, accepted_number=f"139123456{i:02d}") for i in range(40)]
    policy = ClockPolicy.objects.get(code="feedback")
    now = timezone.now()
    rows = []
    for i in range(120):
        started = now - timedelta(hours=49) - timedelta(seconds=i)
        rows.append(Clock(
            order=orders[i % 40], policy=policy, kind=ClockKind.FEEDBACK, calendar_code="CAL-24x7",
            limit=timedelta(hours=48), started_at=started, due_at=started + timedelta(hours=48),
            next_check_at=started + timedelta(hours=48), note="bulk",
        ))  # fmt: skip
    due = Clock.objects.bulk_create(rows)
    record = sweep.clock_notices_record

    def slow_record(**kwargs):
        created = record(**kwargs)
        time.sleep(0.02)
        return created

    monkeypatch.setattr(sweep, "clock_notices_record", slow_record)
    barrier = threading.Barrier(2)
    results, errors = {}, []

    def run(name: str) -> None:
        try:
            barrier.wait(timeout=10)
            results[name] = sweep.clocks_sweep(batch_size=10)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=run, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then: each breach recorded once, and followed by exactly one round from its due time
    assert not errors and not any(thread.is_alive() for thread in threads)
    assert results["a"].breached + results["b"].breached == 120
    assert results["a"].breached > 0 and results["b"].breached > 0
    swept = Clock.objects.filter(pk__in=[c.pk for c in due])
    assert swept.filter(breached_at=F("due_at")).count() == 120
    next_rounds = Clock.objects.filter(order__in=orders, kind=ClockKind.FEEDBACK, sequence=2)
    assert sorted(next_rounds.values_list("started_at", flat=True)) == sorted(c.due_at for c in due)
    assert Notification.objects.filter(kind="clock_breach").count() == 120 * 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_sweep_skips_an_order_a_transition_holds_instead_of_waiting_for_it(cast):
    # given: a due retry reminder (R-CLK-RETRY) on each of two orders, and a transaction holding the first order's
    # row (as a transition does before it locks the order's clocks). Ending the reminder moves the order's
    # next_due_at (a database trigger writes the order row), so the sweep needs that row: waiting for it while
    # holding the clock could deadlock with the transition.
    held, free = order_make(cast, accepted_number="13912345600"), order_make(cast, accepted_number="13912345601")
    policy = ClockPolicy.objects.filter(kind=ClockKind.RETRY, is_reminder=True).first()
    started = timezone.now() - timedelta(hours=4)
    due = Clock.objects.bulk_create(
        Clock(
            order=order, policy=policy, kind=ClockKind.RETRY, calendar_code="CAL-24x7", limit=timedelta(hours=3),
            started_at=started, due_at=started + timedelta(hours=3), next_check_at=started + timedelta(hours=3),
        )
        for order in (held, free)
    )  # fmt: skip
    held.refresh_from_db()
    assert held.next_due_at == due[0].due_at  # the reminder is the order's earliest live due time
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                type(held).objects.select_for_update(no_key=True).get(pk=held.pk)
                locked.set()
                release.wait(20)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(10)
    try:
        # when the sweep runs while the row is held
        began = time.monotonic()
        first = sweep.clocks_sweep()
        waited = time.monotonic() - began
    finally:
        release.set()
        holder.join(10)

    # then it did not wait for the row, and ended the other order's reminder only
    assert waited < 5
    assert first.reminded == 1
    assert Clock.objects.get(pk=due[1].pk).state == ClockState.MET
    assert Clock.objects.get(pk=due[0].pk).state == ClockState.RUNNING
    # and once the row is free the next sweep ends it, and the order's next deadline moves on
    assert sweep.clocks_sweep().reminded == 1
    assert Clock.objects.get(pk=due[0].pk).state == ClockState.MET
    held.refresh_from_db()
    assert held.next_due_at != due[0].due_at
