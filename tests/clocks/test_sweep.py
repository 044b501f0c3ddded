"""The sweep (R-CLK-ENF, R-CLK-WARN, R-CLK-BREACH): warnings and breaches are recorded once, at the
instant they happened, and notified to the responsible person and (for breaches) their supervisor."""

import threading
import time

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.db.models import F
from django.utils import timezone

from deadlines import sweep
from deadlines.clock_models import Clock, ClockKind, ClockPolicy, ClockState
from deadlines.selectors import clock_overdue_exists
from deadlines.sweep import clocks_sweep
from deadlines.tasks import clocks_sweep_task
from notifications.models import Notification, NotificationState
from notifications.tasks import notifications_sweep
from org.models import OrgUnit
from tickets.models import WorkOrder

from .conftest import (
    assert_each_breached_once,
    at,
    claim_and_reply,
    clock_rows_due,
    dispatch,
    live_clock,
    order_make,
)

WED_10 = at(2026, 11, 18, 10)  # dispatch clock: warn 11:36, due 12:00


def notices(kind: str, order=None) -> set[tuple[str, str]]:
    rows = Notification.objects.filter(kind=kind, **({"order": order} if order else {}))
    return {(n.recipient.username, n.channel) for n in rows.select_related("recipient")}


@pytest.mark.django_db
def test_the_warning_is_recorded_at_80_percent_and_told_to_the_responsible_person(cast):
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = order_make(cast)

        # when: the sweep runs 4 min after the warning time
        traveller.move_to(at(2026, 11, 18, 11, 40))
        result = clocks_sweep()

    # then: recorded at 11:36 (when it happened), not 11:40 (when the sweep saw it); due time next
    clock = live_clock(order, ClockKind.DISPATCH)
    assert (clock.state, clock.warned_at, clock.breached_at) == (ClockState.RUNNING, at(2026, 11, 18, 11, 36), None)
    assert clock.next_check_at == clock.due_at == at(2026, 11, 18, 12)
    assert (result.warned, result.breached) == (1, 0)
    # only the first-contact owner is warned (R-WO-9), in the inbox at once and by email
    assert notices("clock_warn", order) == {(cast.clerk.username, "in_app"), (cast.clerk.username, "email")}
    warn_rows = {n.channel: n for n in Notification.objects.filter(kind="clock_warn")}
    assert warn_rows["in_app"].state == NotificationState.SENT
    assert warn_rows["email"].state == NotificationState.PENDING
    assert order.number in warn_rows["in_app"].subject and "预警" in warn_rows["in_app"].subject
    # clocks that are not due are left alone
    feedback = live_clock(order, ClockKind.FEEDBACK)
    assert (feedback.warned_at, feedback.next_check_at) == (None, feedback.warn_at)


@pytest.mark.django_db
def test_the_breach_is_recorded_at_the_due_time_and_escalated_to_the_supervisor(
    cast, delivery_kicks, django_capture_on_commit_callbacks
):
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = order_make(cast)
        traveller.move_to(at(2026, 11, 18, 11, 40))
        clocks_sweep()

        # when: the sweep after the due time, then the outbox sweep
        traveller.move_to(at(2026, 11, 18, 12, 5))
        with django_capture_on_commit_callbacks(execute=True):
            result = clocks_sweep()
        traveller.move_to(at(2026, 11, 18, 12, 6))
        sent = notifications_sweep()

    # then: R-CLK-BREACH — overdue, breached at 12:00, out of the sweep index
    clock = live_clock(order, ClockKind.DISPATCH)
    assert (clock.state, clock.breached_at, clock.next_check_at) == (ClockState.OVERDUE, at(2026, 11, 18, 12), None)
    assert clock.warned_at == at(2026, 11, 18, 11, 36)  # the earlier warning is kept
    assert result.breached == 1
    # the order shows overdue (supervisors' overdue queue)
    assert list(WorkOrder.objects.filter(clock_overdue_exists()).values_list("pk", flat=True)) == [order.pk]
    # 逐级上报: the responsible person and the supervisor of the accepting unit, in the inbox and by email
    assert notices("clock_breach", order) == {
        (cast.clerk.username, "in_app"), (cast.clerk.username, "email"),
        (cast.supervisor.username, "in_app"), (cast.supervisor.username, "email"),
    }  # fmt: skip
    breach = Notification.objects.filter(kind="clock_breach", channel="in_app").first()
    assert order.number in breach.subject and "超时" in breach.subject and "12:00" in breach.subject
    # the emails (1 warning, 2 breaches) go out through the outbox, which the sweep kicks after commit
    assert len(delivery_kicks) == 1
    assert sent == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted([cast.clerk.email, cast.clerk.email, cast.supervisor.email])
    assert not Notification.objects.exclude(state=NotificationState.SENT).exists()


@pytest.mark.django_db
def test_a_sweep_run_twice_records_one_breach_and_one_set_of_notices(cast):
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = order_make(cast)
        traveller.move_to(at(2026, 11, 18, 12, 5))

        # when: the periodic task runs twice (a duplicate delivery), and again an hour later
        first = clocks_sweep_task()
        snapshot = list(Notification.objects.order_by("pk").values_list("pk", "idempotency_key", "created_at"))
        second = clocks_sweep_task()
        traveller.move_to(at(2026, 11, 18, 13, 5))
        third = clocks_sweep_task()

    # then
    assert (first, second, third) == (1, 0, 0)
    clock = live_clock(order, ClockKind.DISPATCH)
    assert (clock.breached_at, clock.warned_at) == (at(2026, 11, 18, 12), at(2026, 11, 18, 11, 36))
    assert list(Notification.objects.order_by("pk").values_list("pk", "idempotency_key", "created_at")) == snapshot
    assert len(snapshot) == 4  # 2 people × (in-app + email) for the breach


@pytest.mark.django_db
def test_a_late_first_sweep_records_both_instants_and_sends_only_the_breach(cast):
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = order_make(cast)

        # when: the first sweep after an outage, an hour after the due time
        traveller.move_to(at(2026, 11, 18, 13))
        result = clocks_sweep()

    # then: both recorded at the instants they happened; the warning is not sent after the breach
    clock = live_clock(order, ClockKind.DISPATCH)
    assert (clock.warned_at, clock.breached_at) == (at(2026, 11, 18, 11, 36), at(2026, 11, 18, 12))
    assert (result.warned, result.breached) == (1, 1)
    assert not Notification.objects.filter(kind="clock_warn").exists()
    assert Notification.objects.filter(kind="clock_breach").count() == 4


@pytest.mark.django_db
def test_a_clock_met_before_its_due_time_is_never_notified(cast):
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = order_make(cast)
        traveller.move_to(at(2026, 11, 18, 11))
        dispatch(order, cast)

        # when
        traveller.move_to(at(2026, 11, 18, 13))
        result = clocks_sweep()

    # then
    assert (result.warned, result.breached) == (0, 0)
    assert not Notification.objects.filter(kind__startswith="clock_").exists()
    (clock,) = Clock.objects.filter(order=order, kind=ClockKind.DISPATCH)
    assert (clock.state, clock.warned_at, clock.breached_at) == (ClockState.MET, None, None)


@pytest.mark.django_db
def test_a_handling_breach_goes_to_the_handler_and_the_nearest_supervisor_above_the_department(cast):
    # given: the billing department has no supervisor of its own; the branch has one
    branch = OrgUnit.objects.get(code="branch")
    branch.supervisor = cast.dispatcher
    branch.save(update_fields=["supervisor"])
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = order_make(cast)
        dispatch(order, cast, due_at=at(2026, 11, 18, 14))
        claim_and_reply(order, cast)  # handled but the reply is not approved in time

        # when
        traveller.move_to(at(2026, 11, 18, 14, 1))
        clocks_sweep()

    # then
    assert live_clock(order, ClockKind.HANDLE).breached_at == at(2026, 11, 18, 14)
    assert notices("clock_breach", order) == {
        (cast.handler.username, "in_app"), (cast.handler.username, "email"),
        (cast.dispatcher.username, "in_app"), (cast.dispatcher.username, "email"),
    }  # fmt: skip


@pytest.mark.django_db
def test_many_due_clocks_are_swept_in_batches(cast):
    # given: 25 due clocks (bulk) on two orders
    with time_machine.travel(WED_10, tick=False) as traveller:
        orders = [order_make(cast), order_make(cast, accepted_number="13812345679")]  # one matter each (R-SP-1)
        clocks = clock_rows_due(
            orders=orders, policy=ClockPolicy.objects.get(code="dispatch"), count=25, now=timezone.now()
        )
        traveller.move_to(at(2026, 11, 18, 10, 1))

        # when
        result = clocks_sweep(batch_size=10)

    # then
    assert (result.breached, result.batches) == (25, 3)
    swept = Clock.objects.filter(pk__in=[c.pk for c in clocks])
    assert swept.filter(state=ClockState.OVERDUE, breached_at=F("due_at"), warned_at=F("warn_at")).count() == 25
    assert Notification.objects.filter(kind="clock_breach").count() == 25 * 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_in_parallel_breach_every_clock_exactly_once(cast, monkeypatch):
    # given: 300 due clocks, and sweeps slowed down inside their transaction so that they overlap
    orders = [order_make(cast, accepted_number=f"1381234567{i}") for i in range(3)]  # one matter each (R-SP-1)
    clocks = clock_rows_due(
        orders=orders, policy=ClockPolicy.objects.get(code="dispatch"), count=300, now=timezone.now()
    )
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
            results[name] = clocks_sweep(batch_size=25)
        except Exception as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=run, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then: both worked (SKIP LOCKED: disjoint batches), no clock was breached or notified twice
    assert not errors
    assert not any(thread.is_alive() for thread in threads)
    assert results["a"].breached > 0 and results["b"].breached > 0
    assert results["a"].breached + results["b"].breached == 300
    assert_each_breached_once([c.pk for c in clocks])
    # the orders' own clocks (due in 2 h) were not touched
    own = Clock.objects.filter(order__in=orders, kind=ClockKind.DISPATCH).exclude(pk__in=[c.pk for c in clocks])
    assert list(own.values_list("state", "warned_at")) == [(ClockState.RUNNING, None)] * 3
