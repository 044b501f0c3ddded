"""A person acting on an order at the moment the sweep records a breach of one of its clocks (the
deadline is exactly when people act). PostgreSQL, real transactions in two threads: the sweep is held
open inside its batch (notices written, not committed) while the dispatch runs.

Regression tests of a deadlock: the transition locked the order FOR UPDATE and then waited for the
clock row held by the sweep, whose commit checked the foreign keys of its new notifications (KEY SHARE
on the order) and waited for the transition → "deadlock detected". Fixed by locking the order FOR NO
KEY UPDATE (tickets.services.base.order_lock) and the live clocks after it (deadlines.clocks)."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection

from deadlines import sweep
from deadlines.clock_models import Clock, ClockKind, ClockState
from notifications.models import Notification

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
