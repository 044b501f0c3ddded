"""Issue 8 §7, notices and clocks that stopped short: a breach no sweep sees is notified too (R-CLK-ENTRY,
R-CLK-BREACH), 逐级上报 walks up past the responsible person, the 48 h feedback clock keeps recurring
(R-CLK-FEEDBACK), and the retry clock is a reminder after the one R-FL-5 spacing of the work-order rules
(R-CLK-RETRY). Time is frozen; the order services are called directly."""

from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.utils import timezone

from deadlines.clock_models import Clock, ClockKind, ClockPolicy, ClockState, LimitSource
from deadlines.clocks import clocks_on_event
from deadlines.selectors import clock_overdue_exists
from deadlines.sweep import clocks_sweep
from notifications.models import Notification
from org.models import OrgUnit
from tickets import services
from tickets.models import WorkOrder, WorkOrderRules

from .conftest import FINAL_REPLY, at, claim_and_reply, clocks_of, dispatch, fresh, intake, live_clock, order_make

pytestmark = pytest.mark.django_db

WED_10 = at(2026, 11, 18, 10)


def notices(kind: str, order=None, clock=None) -> set[tuple[str, str]]:
    rows = Notification.objects.filter(kind=kind, **({"order": order} if order else {}))
    if clock is not None:
        rows = rows.filter(idempotency_key__startswith=f"clock-{clock.pk}-")
    return {(n.recipient.username, n.channel) for n in rows.select_related("recipient")}


def both_channels(*users) -> set[tuple[str, str]]:
    return {(user.username, channel) for user in users for channel in ("in_app", "email")}


# --- breaches that no sweep sees (R-CLK-ENTRY, R-CLK-BREACH) ---------------------------------------------------
def test_a_back_dated_entry_late_at_creation_is_notified_like_any_breach_once(cast):
    # given: the customer came on Friday 16:00; the order is recorded on Monday 11:00 (entry due 10:30)
    with time_machine.travel(at(2026, 11, 23, 11), tick=False) as traveller:
        order = order_make(cast, received_at=at(2026, 11, 20, 16))
        (entry,) = clocks_of(order, ClockKind.ENTRY)
        assert (entry.state, entry.breached_at) == (ClockState.BREACHED, at(2026, 11, 23, 10, 30))

        # then: the first-contact owner and the hall's supervisor hear of it at once, in the inbox and by email
        assert notices("clock_breach", clock=entry) == both_channels(cast.clerk, cast.supervisor)
        subject = Notification.objects.filter(kind="clock_breach", channel="in_app").first().subject
        assert "【超时】" in subject and order.number in subject and "10:30" in subject

        # when: the sweep runs, then again later
        traveller.move_to(at(2026, 11, 23, 11, 5))
        clocks_sweep()
        traveller.move_to(at(2026, 11, 23, 11, 30))
        clocks_sweep()

    # then: still exactly one set of notices for that breach
    assert Notification.objects.filter(idempotency_key__startswith=f"clock-{entry.pk}-").count() == 4


def test_an_entry_recorded_in_time_notifies_nobody(cast):
    with time_machine.travel(WED_10, tick=False):
        order = order_make(cast, received_at=at(2026, 11, 18, 9, 50))
    assert not Notification.objects.filter(order=order, kind__startswith="clock_").exists()


def test_a_clock_stopped_late_before_any_sweep_is_notified_once(cast):
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = order_make(cast)

        # when: dispatched at 12:00:30, 30 s after the dispatch clock's due time, before the minute's sweep
        traveller.move_to(at(2026, 11, 18, 12, 0, 30))
        dispatch(order, cast)
        traveller.move_to(at(2026, 11, 18, 12, 1))
        clocks_sweep()

    # then: breached at 12:00, told once to the clerk and the supervisor
    (clock,) = clocks_of(order, ClockKind.DISPATCH)
    assert (clock.state, clock.breached_at) == (ClockState.BREACHED, at(2026, 11, 18, 12))
    assert notices("clock_breach", clock=clock) == both_channels(cast.clerk, cast.supervisor)
    assert Notification.objects.filter(kind="clock_breach").count() == 4


# --- 逐级上报 walks up ------------------------------------------------------------------------------------------
def test_a_supervisors_own_breach_is_reported_to_the_next_supervisor_above(cast):
    # given: the hall's supervisor accepted the order himself; the region has nobody, the branch has a chief
    branch = OrgUnit.objects.get(code="branch")
    branch.supervisor = cast.dispatcher
    branch.save(update_fields=["supervisor"])
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = services.work_order_create(actor=cast.supervisor, intake=intake())

        # when
        traveller.move_to(at(2026, 11, 18, 12, 1))
        clocks_sweep()

    # then: not the supervisor twice, and not nobody above him: the nearest supervisor above the hall
    clock = live_clock(order, ClockKind.DISPATCH)
    assert notices("clock_breach", clock=clock) == both_channels(cast.supervisor, cast.dispatcher)


def test_a_unit_without_a_supervisor_reports_to_its_parents(cast):
    # given: the hall has no supervisor of its own; its region has one
    cast.hall.supervisor = None
    cast.hall.save(update_fields=["supervisor"])
    south = OrgUnit.objects.get(code="south")
    south.supervisor = cast.dispatcher
    south.save(update_fields=["supervisor"])
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = order_make(cast)
        traveller.move_to(at(2026, 11, 18, 12, 1))
        clocks_sweep()

    assert notices("clock_breach", order=order) == both_channels(cast.clerk, cast.dispatcher)


# --- R-CLK-FEEDBACK keeps recurring ------------------------------------------------------------------------------
def test_a_missed_feedback_round_is_followed_by_the_next_48_h_round_from_its_due_time(cast):
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = order_make(cast)
        dispatch(order, cast, due_at=at(2026, 11, 25, 10))

        # when: nobody gives the customer feedback within 48 h; the sweep runs, twice
        traveller.move_to(at(2026, 11, 20, 10, 1))
        clocks_sweep()
        clocks_sweep()

    # then: round 1 breached at its due time; round 2 counts 48 h from that due time (not from the sweep)
    first, second = clocks_of(order, ClockKind.FEEDBACK)
    assert (first.sequence, first.state, first.breached_at) == (1, ClockState.OVERDUE, at(2026, 11, 20, 10))
    assert (second.sequence, second.state, second.started_at) == (2, ClockState.RUNNING, at(2026, 11, 20, 10))
    assert (second.due_at, second.warn_at) == (at(2026, 11, 22, 10), at(2026, 11, 22, 0, 24))
    assert second.next_check_at == second.warn_at
    assert (second.cycle, second.policy_id, second.calendar_code) == (first.cycle, first.policy_id, "CAL-24x7")
    # the breach is told once; the order shows overdue (R-CLK-BREACH)
    assert Notification.objects.filter(idempotency_key__startswith=f"clock-{first.pk}-breach").count() == 4
    assert WorkOrder.objects.filter(clock_overdue_exists(), pk=order.pk).exists()


def test_feedback_rounds_go_on_until_the_customer_is_reached(cast):
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = order_make(cast)
        dispatch(order, cast, due_at=at(2026, 11, 30, 10))
        traveller.move_to(at(2026, 11, 20, 10, 1))
        clocks_sweep()

        # when: round 2 is missed too
        traveller.move_to(at(2026, 11, 22, 10, 1))
        clocks_sweep()

        # then: one overdue round (the latest missed), round 3 running from round 2's due time
        rounds = clocks_of(order, ClockKind.FEEDBACK)
        assert [(c.sequence, c.state) for c in rounds] == [
            (1, ClockState.BREACHED), (2, ClockState.OVERDUE), (3, ClockState.RUNNING),
        ]  # fmt: skip
        assert rounds[0].breached_at == at(2026, 11, 20, 10) and rounds[0].stopped_at is not None
        assert rounds[2].started_at == at(2026, 11, 22, 10)

        # when: the customer is reached
        traveller.move_to(at(2026, 11, 22, 12))
        services.contact_log(
            order_id=order.pk, actor=cast.clerk, direction="outbound", channel="phone", reached=True,
            summary="说明处理进度。",
        )  # fmt: skip

    # then: the overdue round keeps its breach, the running one is met, one new round from the contact
    rounds = clocks_of(order, ClockKind.FEEDBACK)
    assert [(c.sequence, c.state) for c in rounds] == [
        (1, ClockState.BREACHED), (2, ClockState.BREACHED), (3, ClockState.MET), (4, ClockState.RUNNING),
    ]  # fmt: skip
    assert (rounds[3].started_at, rounds[3].due_at) == (at(2026, 11, 22, 12), at(2026, 11, 24, 12))
    assert order.clocks.filter(kind=ClockKind.FEEDBACK, state__in=ClockState.live()).count() == 1


def test_the_final_reply_ends_every_live_feedback_round(cast):
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = order_make(cast)
        dispatch(order, cast, due_at=at(2026, 11, 20, 9))
        claim_and_reply(order, cast)
        services.work_order_approve_reply(order_id=order.pk, actor=cast.dispatcher)
        traveller.move_to(at(2026, 11, 20, 10, 1))
        clocks_sweep()

        # when
        services.work_order_reply_customer(order_id=order.pk, actor=cast.dispatcher, **FINAL_REPLY)
        traveller.move_to(at(2026, 11, 25, 10))
        clocks_sweep()

    # then: no feedback clock runs on after the final reply, and no later round was started
    assert [(c.sequence, c.state) for c in clocks_of(order, ClockKind.FEEDBACK)] == [
        (1, ClockState.BREACHED), (2, ClockState.MET),
    ]  # fmt: skip


def test_a_redispatched_cycle_owes_the_customer_feedback_too(cast):
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = order_make(cast)
        dispatch(order, cast)
        claim_and_reply(order, cast)
        services.work_order_approve_reply(order_id=order.pk, actor=cast.dispatcher)
        services.work_order_reply_customer(order_id=order.pk, actor=cast.dispatcher, **FINAL_REPLY)
        services.work_order_callback(
            order_id=order.pk, actor=cast.dispatcher, outcome="unsatisfied", customer_unreasonable=False,
            note="补偿未到账",
        )  # fmt: skip

        # when: 二次派单 (R-FL-6) an hour later
        traveller.move_to(at(2026, 11, 18, 11))
        services.work_order_redispatch(
            order_id=order.pk, actor=cast.dispatcher, unit_id=cast.billing.id, reason="补偿未到账"
        )

    # then: cycle 2 has its own 48 h feedback clock from the redispatch
    feedback = live_clock(order, ClockKind.FEEDBACK)
    assert (fresh(order).cycle, feedback.cycle, feedback.sequence) == (2, 2, 1)
    assert (feedback.started_at, feedback.due_at) == (at(2026, 11, 18, 11), at(2026, 11, 20, 11))


# --- R-CLK-RETRY: a reminder after the work-order rules' spacing ------------------------------------------------
def _failed_call(order, cast, **kw):
    return services.contact_log(
        order_id=order.pk, actor=cast.clerk, direction="outbound", channel="phone", reached=False,
        summary="电话无人接听。", **kw,
    )  # fmt: skip


def test_the_retry_clock_counts_from_the_failed_attempt_not_from_when_it_was_logged(cast):
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = order_make(cast)
        dispatch(order, cast)

        # when: a call that failed at 11:00 is logged at 12:30
        traveller.move_to(at(2026, 11, 18, 12, 30))
        _failed_call(order, cast, occurred_at=at(2026, 11, 18, 11))

    retry = live_clock(order, ClockKind.RETRY)
    assert (retry.started_at, retry.due_at, retry.next_check_at) == (
        at(2026, 11, 18, 11), at(2026, 11, 18, 14), at(2026, 11, 18, 14),
    )  # fmt: skip


def test_the_retry_spacing_is_the_one_in_the_work_order_rules(cast):
    # given: the administrator sets the R-FL-5 spacing to 4 h; the policy row holds no limit of its own
    WorkOrderRules.objects.create(unreachable_spacing=timedelta(hours=4), unreachable_window=timedelta(hours=48))
    policy = ClockPolicy.objects.get(kind=ClockKind.RETRY)
    assert (policy.limit, policy.limit_source, policy.is_reminder) == (None, LimitSource.RETRY_AFTER, True)
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = order_make(cast)
        dispatch(order, cast)

        # when
        traveller.move_to(at(2026, 11, 18, 11))
        _failed_call(order, cast)

    # then
    retry = live_clock(order, ClockKind.RETRY)
    assert (retry.limit, retry.due_at) == (timedelta(hours=4), at(2026, 11, 18, 15))


def test_the_retry_reminder_goes_to_the_caller_and_breaches_nothing(cast):
    with time_machine.travel(WED_10, tick=False) as traveller:
        order = order_make(cast)
        dispatch(order, cast)
        traveller.move_to(at(2026, 11, 18, 11))
        _failed_call(order, cast)

        # when: the sweep after the 3 h spacing, twice
        traveller.move_to(at(2026, 11, 18, 14, 1))
        first = clocks_sweep()
        second = clocks_sweep()

    # then: a 【提醒】 to the person who must call (the first-contact owner), none to the supervisor; the clock
    # ends met, the order is not overdue
    (retry,) = clocks_of(order, ClockKind.RETRY)
    assert (retry.state, retry.breached_at, retry.next_check_at) == (ClockState.MET, None, None)
    assert (first.reminded, first.breached, second.reminded) == (1, 0, 0)
    assert notices("clock_reminder", order=order) == both_channels(cast.clerk)
    assert not Notification.objects.filter(kind="clock_breach", idempotency_key__startswith=f"clock-{retry.pk}-")
    subject = Notification.objects.get(kind="clock_reminder", channel="in_app").subject
    assert subject.startswith("【提醒】") and order.number in subject and "14:00" in subject
    assert not WorkOrder.objects.filter(clock_overdue_exists(), pk=order.pk).exists()


def test_the_migration_empties_the_retry_policys_own_limit(cast):
    # given: a retry row as the earlier seed wrote it (its own 3 h, a deadline)
    module = __import__("deadlines.migrations.0006_retry_limit_from_rules", fromlist=["retry_from_rules"])
    ClockPolicy.objects.filter(kind=ClockKind.RETRY).update(
        limit=timedelta(hours=3), limit_source=LimitSource.POLICY, is_reminder=False, name=module.OLD_RETRY_NAME
    )
    ClockPolicy.objects.filter(kind=ClockKind.FEEDBACK).update(start_events=["created"])

    # when
    module.retry_from_rules(apps, None)

    # then
    policy = ClockPolicy.objects.get(kind=ClockKind.RETRY)
    assert (policy.limit, policy.limit_source, policy.is_reminder) == (None, LimitSource.RETRY_AFTER, True)
    assert policy.name == module.NEW_RETRY_NAME
    assert ClockPolicy.objects.get(kind=ClockKind.FEEDBACK).start_events == ["created", "redispatched"]


def test_no_retry_clock_starts_when_the_event_does_not_say_the_spacing(cast):
    with time_machine.travel(WED_10, tick=False):
        order = order_make(cast)
        contact = _failed_call(order, cast)
        Clock.objects.filter(order=order, kind=ClockKind.RETRY).delete()

        # when: a CONTACT_LOGGED without `retry_after`
        clocks_on_event(order=order, event="contact_logged", at=timezone.now(), contact=contact)

    assert not Clock.objects.filter(order=order, kind=ClockKind.RETRY).exists()
