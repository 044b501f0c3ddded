"""Batch complaints (R-SP-2): detection as data, forming, dispatching to one handler, one reply for all,
detaching, and all-or-nothing moves (R-SP-2, R-FL-2, R-CLK-RECALC, R-SP-5)."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from deadlines.clock_models import Clock, ClockKind, ClockState
from deadlines.policies import clock_policies_seed
from deadlines.selectors import calendar_cache_clear
from deadlines.services import calendar_seed_defaults, holiday_seed_from_chinese_calendar
from notifications.models import Notification, NotificationState
from tests.factories import (
    DEPT_REPLY,
    FINAL_REPLY,
    SkillGroupFactory,
    another_number,
    category_leaf,
    fresh,
    work_order_make,
)
from tickets import services
from tickets.batch_selectors import batch_candidate_list, batch_candidate_orders, batch_rules_forget
from tickets.models import Batch, BatchCandidate, BatchRules, FinalReply, OrderState, TimelineEntry
from tickets.services import batch as batch_services
from tickets.services.errors import TransitionRefused

pytestmark = pytest.mark.django_db

T0 = timezone.make_aware(timezone.datetime(2026, 12, 2, 9, 0))
COLLECTIVE = {"measures": "抢修基站，临时调度邻区覆盖。", "expected_recovery_at": T0 + timedelta(hours=6)}


@pytest.fixture(autouse=True)
def rules_fresh():
    batch_rules_forget()
    yield
    batch_rules_forget()


@pytest.fixture
def clocks(db):
    """The calendars and the SPEC §3.2 clock policies (the dispatch, handling, reply and callback clocks)."""
    calendar_seed_defaults()
    holiday_seed_from_chinese_calendar()
    clock_policies_seed()
    calendar_cache_clear()
    yield
    calendar_cache_clear()


def complaint(world, *, at, city=None, category=None, actor=None):
    """A 4G-outage complaint accepted at `at` (each from its own number: R-SP-1 would make a second one an urge)."""
    overrides = {"accepted_number": another_number(), "received_at": at - timedelta(minutes=1)}
    if city:
        SkillGroupFactory(city=city)
        overrides["customer"] = {"name": "客户", "home_city": city}
    overrides["category_id"] = (category or world.category).id
    with time_machine.travel(at, tick=False):
        return work_order_make(actor=actor or world.clerk, **overrides)


def wave(world, n, *, start=T0, spacing=timedelta(minutes=5), **kwargs):
    return [complaint(world, at=start + i * spacing, **kwargs) for i in range(n)]


def offered():
    return list(BatchCandidate.objects.filter(status=BatchCandidate.Status.OFFERED))


def formed_batch(world, n=5):
    orders = wave(world, n)
    (candidate,) = offered()
    with time_machine.travel(T0 + timedelta(minutes=21), tick=False):
        batch = batch_services.batch_candidate_confirm(candidate_id=candidate.id, actor=world.dispatcher)
    return batch, orders


def dispatched_batch(world, n=5):
    batch, orders = formed_batch(world, n)
    with time_machine.travel(T0 + timedelta(minutes=22), tick=False):
        batch_services.batch_dispatch(
            batch_id=batch.id, actor=world.dispatcher, unit_id=world.dept_billing.id, handler_id=world.handler.id
        )
    return Batch.objects.get(pk=batch.pk), orders


def dept_reply_parts(world):
    return {**DEPT_REPLY, **COLLECTIVE, "coordinating_unit_id": world.dept_network.id}


# --- detection ------------------------------------------------------------------------------------------------


def test_detection_offers_a_candidate_at_the_threshold(world):
    # given four complaints of one leaf and city within the hour: no offer yet
    wave(world, 4)
    assert offered() == []
    # when the fifth arrives
    complaint(world, at=T0 + timedelta(minutes=20))
    # then one candidate is offered, covering the five
    (candidate,) = offered()
    assert candidate.count_at_offer == 5
    assert candidate.since == T0
    assert batch_candidate_orders(candidate=candidate).count() == 5


def test_detection_just_below_the_threshold_offers_nothing(world):
    wave(world, 4, spacing=timedelta(minutes=1))
    assert offered() == []


def test_detection_window_edges(world):
    # given four complaints from T0; the fifth exactly 60 minutes after the first counts
    wave(world, 4, spacing=timedelta(minutes=1))
    complaint(world, at=T0 + timedelta(minutes=60))
    assert len(offered()) == 1


def test_detection_window_edge_one_second_late(world):
    # the first complaint leaves the window one second before the fifth arrives: only four in 60 minutes
    complaint(world, at=T0)
    wave(world, 3, start=T0 + timedelta(minutes=30), spacing=timedelta(minutes=1))
    complaint(world, at=T0 + timedelta(minutes=60, seconds=1))
    assert offered() == []
    # a sixth inside the window of the last four makes five again
    complaint(world, at=T0 + timedelta(minutes=61))
    assert len(offered()) == 1


def test_detection_counts_each_city_apart(world):
    # given three complaints from 深圳 and three from 广州, same leaf, same hour
    wave(world, 3, spacing=timedelta(minutes=1))
    wave(world, 3, start=T0 + timedelta(minutes=3), spacing=timedelta(minutes=1), city="广州")
    # then neither city has five
    assert offered() == []
    # when 广州 gets two more, only 广州 is offered
    wave(world, 2, start=T0 + timedelta(minutes=10), city="广州")
    (candidate,) = offered()
    assert candidate.skill_group.city == "广州"


def test_detection_counts_each_leaf_apart(world):
    other = category_leaf(top="移动上网", leaf="4G信号差/无信号")
    wave(world, 3, spacing=timedelta(minutes=1))
    wave(world, 2, start=T0 + timedelta(minutes=5), category=other)
    assert offered() == []


def test_thresholds_changed_in_admin_apply(world, client):
    # given an administrator lowers the threshold to 3 complaints within 10 minutes (admin form)
    admin = world.dispatcher.__class__.objects.create_superuser("root", "root@example.com", "pw-batch-2026")
    client.force_login(admin)
    response = client.post(
        "/admin/tickets/batchrules/add/", {"min_complaints": 3, "window": "00:10:00", "is_active": "on"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert BatchRules.objects.get().min_complaints == 3
    # when three complaints arrive 4 minutes apart (the last 8 minutes after the first)
    wave(world, 3, spacing=timedelta(minutes=4))
    # then a candidate is offered; with the default rules three would not have been enough
    assert len(offered()) == 1


def test_thresholds_window_shortened_in_admin(world):
    BatchRules.objects.create(min_complaints=5, window=timedelta(minutes=10))
    batch_rules_forget()
    wave(world, 5, spacing=timedelta(minutes=5))  # 20 minutes from first to fifth
    assert offered() == []


def test_detection_is_one_query_per_creation(world, django_assert_max_num_queries):
    from tickets.services.batch import batch_detect

    orders = wave(world, 2)
    batch_rules_forget()
    from tickets.batch_selectors import batch_rules

    batch_rules()  # the rules memo, as in a running process
    with django_assert_max_num_queries(1):
        assert batch_detect(order=orders[-1]) is None


def test_an_offered_candidate_is_not_offered_twice_and_grows(world):
    wave(world, 7, spacing=timedelta(minutes=2))
    (candidate,) = offered()
    assert batch_candidate_orders(candidate=candidate).count() == 7


def test_dismissed_candidate_is_not_offered_again_for_the_same_complaints(world):
    wave(world, 5, spacing=timedelta(minutes=2))
    (candidate,) = offered()
    with time_machine.travel(T0 + timedelta(minutes=11), tick=False):
        batch_services.batch_candidate_dismiss(candidate_id=candidate.id, actor=world.dispatcher, note="不同故障")
    complaint(world, at=T0 + timedelta(minutes=12))
    assert offered() == []
    wave(world, 4, start=T0 + timedelta(minutes=13), spacing=timedelta(minutes=1))
    assert len(offered()) == 1


def test_candidates_list_only_what_the_user_sees(world):
    wave(world, 5, actor=world.clerk)
    assert batch_candidate_list(user=world.dispatcher).count() == 1
    assert batch_candidate_list(user=world.clerk_north).count() == 0


# --- forming --------------------------------------------------------------------------------------------------


def test_confirm_makes_a_batch_of_flagged_children_with_the_30_minute_dispatch(world, clocks):
    # given five complaints and their dispatch clocks (2 h for an ordinary complaint)
    batch, orders = formed_batch(world)
    # then every child is a batch (and collective) complaint, linked to the parent
    assert batch.state == Batch.State.FORMED
    assert batch.memberships.count() == 5
    for order in orders:
        child = fresh(order)
        assert child.is_batch and child.is_collective and child.priority >= 3  # R-SP-5 first in queues
        # R-CLK-RECALC: the dispatch clock re-computed from acceptance to 30 minutes
        clock = Clock.objects.get(order=child, kind=ClockKind.DISPATCH)
        assert clock.due_at == child.accepted_at + timedelta(minutes=30)
        assert TimelineEntry.objects.filter(order=child, kind="flags", note__contains=batch.label).exists()
    assert BatchCandidate.objects.get().status == BatchCandidate.Status.CONFIRMED


def test_confirm_twice_is_refused(world):
    batch, _orders = formed_batch(world)
    with pytest.raises(TransitionRefused):
        batch_services.batch_candidate_confirm(candidate_id=batch.candidate_id, actor=world.dispatcher)
    assert Batch.objects.count() == 1


def test_only_dispatchers_confirm(world):
    wave(world, 5)
    (candidate,) = offered()
    with pytest.raises(PermissionDenied):
        batch_services.batch_candidate_confirm(candidate_id=candidate.id, actor=world.clerk)


def test_batch_by_hand_checks_every_id(world):
    orders = wave(world, 3)
    # an unknown id is refused like an invisible one, naming the field; nothing is created
    with pytest.raises(ValidationError) as refused:
        batch_services.batch_create(order_ids=[orders[0].id, 999999], actor=world.dispatcher, title="停电")
    assert "order_ids" in refused.value.message_dict
    north_only = world.clerk_north.__class__.objects.get(pk=world.clerk_north.pk)
    north_only.user_permissions.add(*world.dispatcher.groups.first().permissions.filter(codename="dispatch_workorder"))
    north_only = world.clerk_north.__class__.objects.get(pk=world.clerk_north.pk)
    with pytest.raises(ValidationError) as invisible:
        batch_services.batch_create(order_ids=[o.id for o in orders], actor=north_only, title="停电")
    assert "No such order" in str(invisible.value.message_dict["order_ids"])
    assert Batch.objects.count() == 0
    # the dispatcher who sees them all makes the batch
    batch = batch_services.batch_create(order_ids=[o.id for o in orders], actor=world.dispatcher, title="停电")
    assert batch.memberships.count() == 3


def test_an_order_is_in_one_batch_at_a_time(world):
    orders = wave(world, 3)
    batch_services.batch_create(order_ids=[o.id for o in orders[:2]], actor=world.dispatcher, title="一")
    with pytest.raises(ValidationError) as refused:
        batch_services.batch_create(order_ids=[o.id for o in orders[1:]], actor=world.dispatcher, title="二")
    assert "another batch" in str(refused.value.message_dict["order_ids"])


# --- dispatch, reply, detach ------------------------------------------------------------------------------------


def test_dispatch_gives_every_child_to_one_handler_with_one_notice(world, clocks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        batch, orders = dispatched_batch(world)
    assert batch.state == Batch.State.DISPATCHED and batch.handler == world.handler
    for order in orders:
        child = fresh(order)
        assert child.state == OrderState.PROCESSING
        assert child.assignee == world.handler and child.handling_unit == world.dept_billing
        assert Clock.objects.get(order=child, kind=ClockKind.DISPATCH).state == ClockState.MET
    # one notice per person, not one per child (R-NT-1): the handler, the unit's other member, the clerk
    sent = Notification.objects.exclude(state=NotificationState.CANCELLED)
    assert sent.filter(recipient=world.handler).count() == 1
    assert sent.filter(recipient=world.handler_peer).count() == 0
    assert sent.filter(recipient=world.clerk).count() == 1


def test_dispatch_needs_a_handler_of_the_unit(world):
    batch, orders = formed_batch(world)
    with pytest.raises(ValidationError) as refused:
        batch_services.batch_dispatch(
            batch_id=batch.id, actor=world.dispatcher, unit_id=world.dept_billing.id,
            handler_id=world.handler_network.id,
        )  # fmt: skip
    assert "handler" in refused.value.message_dict
    assert all(fresh(o).state == OrderState.ACCEPTED for o in orders)


def test_all_or_nothing_when_one_child_refuses(world):
    # given a formed batch one of whose children was dispatched alone from its order page
    batch, orders = formed_batch(world)
    services.work_order_dispatch(order_id=orders[2].id, actor=world.dispatcher, unit_id=world.dept_network.id)
    # when the batch is dispatched
    with pytest.raises(TransitionRefused) as refused:
        batch_services.batch_dispatch(
            batch_id=batch.id, actor=world.dispatcher, unit_id=world.dept_billing.id, handler_id=world.handler.id
        )
    # then the refusal names that complaint, and nothing changed: not the batch, not the other children
    assert orders[2].number in refused.value.detail
    assert Batch.objects.get(pk=batch.pk).state == Batch.State.FORMED
    for order in orders[:2] + orders[3:]:
        assert fresh(order).state == OrderState.ACCEPTED
        assert not TimelineEntry.objects.filter(order=order, kind="dispatch").exists()
    # and after detaching it, the batch dispatches
    batch_services.batch_detach(batch_id=batch.id, order_id=orders[2].id, actor=world.dispatcher, reason="单独派网络部")
    batch_services.batch_dispatch(
        batch_id=batch.id, actor=world.dispatcher, unit_id=world.dept_billing.id, handler_id=world.handler.id
    )
    assert [fresh(o).state for o in orders].count(OrderState.PROCESSING) == 4


def test_department_reply_once_needs_the_collective_parts(world):
    batch, orders = dispatched_batch(world)
    # without the collective-problem parts: 400 naming each (R-FL-2)
    with pytest.raises(ValidationError) as refused:
        batch_services.batch_dept_reply(batch_id=batch.id, actor=world.handler, **DEPT_REPLY)
    assert {"measures", "expected_recovery_at", "coordinating_unit"} <= set(refused.value.message_dict)
    # only the dedicated handler writes it
    with pytest.raises(PermissionDenied):
        batch_services.batch_dept_reply(batch_id=batch.id, actor=world.handler_peer, **dept_reply_parts(world))
    # the handler's one reply becomes every child's department reply
    batch_services.batch_dept_reply(batch_id=batch.id, actor=world.handler, **dept_reply_parts(world))
    for order in orders:
        child = fresh(order)
        assert child.state == OrderState.DEPT_REPLIED
        (reply,) = child.department_replies.all()
        assert reply.measures == COLLECTIVE["measures"] and reply.coordinating_unit == world.dept_network


def test_one_final_reply_reaches_every_child(world, clocks, django_capture_on_commit_callbacks):
    batch, orders = dispatched_batch(world)
    batch_services.batch_dept_reply(batch_id=batch.id, actor=world.handler, **dept_reply_parts(world))
    batch_services.batch_return_reply(batch_id=batch.id, actor=world.dispatcher, reason="补充恢复时间")
    assert all(fresh(o).state == OrderState.PROCESSING for o in orders)
    batch_services.batch_dept_reply(batch_id=batch.id, actor=world.handler, **dept_reply_parts(world))
    batch_services.batch_approve_reply(batch_id=batch.id, actor=world.dispatcher)
    notices_before = Notification.objects.exclude(state=NotificationState.CANCELLED).filter(recipient=world.clerk)
    before = notices_before.count()
    # when the one final reply is sent to all, one child saying it is only basically satisfied
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        batch_services.batch_reply_customers(
            batch_id=batch.id, actor=world.dispatcher, satisfactions={orders[0].id: "basically_satisfied"},
            **FINAL_REPLY,
        )  # fmt: skip
    assert callbacks  # the per-order notices ran too, and found their keys taken
    # then each child has its own final-reply record, timeline entry and callback clock
    assert Batch.objects.get(pk=batch.pk).state == Batch.State.REPLIED
    for order in orders:
        child = fresh(order)
        assert child.state == OrderState.CUSTOMER_REPLIED
        (reply,) = FinalReply.objects.filter(order=child)
        assert reply.content == FINAL_REPLY["content"]
        assert reply.satisfaction == ("basically_satisfied" if order == orders[0] else "satisfied")
        assert TimelineEntry.objects.filter(order=child, kind="reply_customer").count() == 1
        assert Clock.objects.filter(order=child, kind=ClockKind.CALLBACK, state=ClockState.RUNNING).count() == 1
    # and the clerk who accepted all five hears once
    assert notices_before.count() == before + 1
    # each child is then called back on its own
    services.work_order_callback(order_id=orders[1].id, actor=world.dispatcher, outcome="satisfied")
    assert fresh(orders[1]).state == OrderState.CALLBACK_DONE


def test_final_reply_of_a_batch_is_not_written(world):
    batch, _orders = dispatched_batch(world)
    batch_services.batch_dept_reply(batch_id=batch.id, actor=world.handler, **dept_reply_parts(world))
    batch_services.batch_approve_reply(batch_id=batch.id, actor=world.dispatcher)
    with pytest.raises(ValidationError) as refused:
        batch_services.batch_reply_customers(batch_id=batch.id, actor=world.dispatcher, **{**FINAL_REPLY,
                                             "method": "written"})  # fmt: skip
    assert "method" in refused.value.message_dict
    with pytest.raises(ValidationError) as unknown:
        batch_services.batch_reply_customers(batch_id=batch.id, actor=world.dispatcher, satisfactions={1: "x"},
                                             **FINAL_REPLY)  # fmt: skip
    assert "satisfactions" in unknown.value.message_dict


def test_reply_refused_for_all_when_one_child_moved_alone(world):
    batch, orders = dispatched_batch(world)
    batch_services.batch_dept_reply(batch_id=batch.id, actor=world.handler, **dept_reply_parts(world))
    # one child's reply is approved alone from its order page
    services.work_order_approve_reply(order_id=orders[4].id, actor=world.dispatcher)
    with pytest.raises(TransitionRefused):
        batch_services.batch_approve_reply(batch_id=batch.id, actor=world.dispatcher)
    assert Batch.objects.get(pk=batch.pk).state == Batch.State.DEPT_REPLIED
    assert [fresh(o).state for o in orders[:4]] == [OrderState.DEPT_REPLIED] * 4


def test_detach_lets_a_child_go_alone(world):
    batch, orders = dispatched_batch(world)
    with pytest.raises(ValidationError):
        batch_services.batch_detach(batch_id=batch.id, order_id=orders[0].id, actor=world.dispatcher, reason=" ")
    batch_services.batch_detach(batch_id=batch.id, order_id=orders[0].id, actor=world.dispatcher, reason="客户另有诉求")
    alone = fresh(orders[0])
    assert not alone.is_batch and alone.state == OrderState.PROCESSING and alone.assignee == world.handler
    batch_services.batch_dept_reply(batch_id=batch.id, actor=world.handler, **dept_reply_parts(world))
    assert fresh(orders[0]).state == OrderState.PROCESSING  # not moved with the batch
    assert all(fresh(o).state == OrderState.DEPT_REPLIED for o in orders[1:])


def test_detaching_every_child_dissolves_the_batch(world):
    orders = wave(world, 2)
    batch = batch_services.batch_create(order_ids=[o.id for o in orders], actor=world.dispatcher, title="小批量")
    for order in orders:
        batch_services.batch_detach(batch_id=batch.id, order_id=order.id, actor=world.dispatcher, reason="误判")
    assert Batch.objects.get(pk=batch.pk).state == Batch.State.DISSOLVED


def test_a_later_complaint_attaches_and_catches_up(world):
    batch, _orders = dispatched_batch(world)
    late = complaint(world, at=T0 + timedelta(minutes=40))
    batch_services.batch_attach(batch_id=batch.id, order_id=late.id, actor=world.dispatcher)
    child = fresh(late)
    assert child.is_batch and child.state == OrderState.PROCESSING and child.assignee == world.handler
    batch_services.batch_dept_reply(batch_id=batch.id, actor=world.handler, **dept_reply_parts(world))
    assert fresh(late).state == OrderState.DEPT_REPLIED
    # after the reply is written, a complaint no longer joins
    later = complaint(world, at=T0 + timedelta(minutes=50))
    with pytest.raises(TransitionRefused):
        batch_services.batch_attach(batch_id=batch.id, order_id=later.id, actor=world.dispatcher)
    assert not fresh(later).is_batch


def test_attach_checks_the_id(world):
    batch, _orders = formed_batch(world)
    with pytest.raises(ValidationError) as refused:
        batch_services.batch_attach(batch_id=batch.id, order_id=987654, actor=world.dispatcher)
    assert "order_id" in refused.value.message_dict
