"""Repeat complaints (重复投诉), SPEC R-SP-1 (b) and R-FL-4, checked in the service (issue 12 §2): the link names
a visible, closed order of the same number and top-level category, closed within the repeat window (30 days);
the open-order check (R-SP-1 (a)) still applies; a same-matter complaint filed without the flag is answered
with the candidate until the clerk chooses "repeat" or "different"; the repeat rate for reports."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from complaints.models import Customer
from tests.factories import FINAL_REPLY, category_leaf, work_order_at, work_order_make
from tickets.models import OrderState, TimelineEntry, WorkOrder, WorkOrderRules
from tickets.reference import reference_cache_clear
from tickets.repeat_selectors import repeat_candidate_list, repeat_complaint_list, repeat_rate

pytestmark = pytest.mark.django_db

NUMBER = "13900007001"
REASON = "对上次处理结果不满意：补偿金额不对"


def closed_order(world, *, days_ago: float = 3, number: str = NUMBER, **overrides) -> WorkOrder:
    """A complaint walked to closed (with its final reply) `days_ago` days ago; another matter than any earlier
    one the test made (so no question is asked)."""
    overrides.setdefault("same_matter", "different")
    with time_machine.travel(timezone.now() - timedelta(days=days_ago), tick=False):
        return work_order_at(OrderState.CLOSED, world=world, accepted_number=number, **overrides)


def refused(world, **overrides) -> dict[str, list[str]]:
    """Try to create; return the field errors, having checked that nothing was written."""
    before = (WorkOrder.objects.count(), Customer.objects.count(), TimelineEntry.objects.count())
    with pytest.raises(ValidationError) as exc:
        work_order_make(actor=overrides.pop("actor", world.clerk), accepted_number=NUMBER, **overrides)
    assert (WorkOrder.objects.count(), Customer.objects.count(), TimelineEntry.objects.count()) == before
    return exc.value.message_dict


def repeat_of(previous, **overrides) -> dict:
    return {"is_repeat": True, "previous_order_id": previous.id, "repeat_reason": REASON, **overrides}


# --- the link, checked in the service ---------------------------------------------------------------------
def test_a_repeat_of_a_recently_closed_order_is_linked_flagged_and_first_in_line(world):
    # given a complaint closed three days ago
    previous = closed_order(world)

    # when the customer complains again about it
    order = work_order_make(actor=world.clerk, accepted_number=NUMBER, **repeat_of(previous))

    # then: flagged, linked, the reason kept; R-SP-5 priority; the link on the timeline
    assert (order.is_repeat, order.previous_order_id, order.repeat_reason) == (True, previous.id, REASON)
    assert order.is_priority_case and order.priority == 3
    created = order.timeline.get(kind="created")
    assert created.data["previous_order"] == {"id": previous.id, "number": previous.number}


def test_a_repeat_needs_the_reason_for_dissatisfaction(world):
    previous = closed_order(world)
    assert refused(world, **repeat_of(previous, repeat_reason="  ")) == {
        "repeat_reason": ["Record why the customer is unhappy with the previous result."]
    }


def test_is_repeat_without_a_previous_order_is_refused(world):
    errors = refused(world, is_repeat=True, repeat_reason=REASON)
    assert errors == {"previous_order": ["A repeat complaint must be linked to the previous order."]}


def test_a_repeat_of_another_numbers_order_is_refused(world):
    previous = closed_order(world, number="13900007002")
    errors = refused(world, **repeat_of(previous))
    assert list(errors) == ["previous_order"]
    assert "another number" in errors["previous_order"][0]


def test_a_repeat_of_another_matter_is_refused(world):
    # given a closed complaint about another top-level category (网络质量, not 信息安全)
    network = category_leaf(top="网络质量", leaf="室内无信号")
    previous = closed_order(world, category_id=network.id)

    errors = refused(world, **repeat_of(previous))

    assert list(errors) == ["previous_order"]
    assert "网络质量" in errors["previous_order"][0]


def test_a_repeat_of_an_order_closed_more_than_30_days_ago_is_refused(world):
    # given: closed 31 days ago (outside the window) and 29 days ago (inside)
    old = closed_order(world, days_ago=31)
    errors = refused(world, **repeat_of(old))
    assert list(errors) == ["previous_order"]
    assert "more than 30 days ago" in errors["previous_order"][0]

    recent = closed_order(world, days_ago=29)
    assert work_order_make(actor=world.clerk, accepted_number=NUMBER, **repeat_of(recent)).previous_order == recent


def test_the_repeat_window_is_the_administrators_rules_row(world):
    # given an administrator who shortened the window to 7 days (admin → work-order rules)
    WorkOrderRules.objects.update_or_create(pk=1, defaults={"repeat_window_days": 7})
    reference_cache_clear()
    ten_days = closed_order(world, days_ago=10)

    # then a complaint closed 10 days ago is outside it
    assert list(refused(world, **repeat_of(ten_days))) == ["previous_order"]


def test_a_repeat_linked_to_an_open_order_is_refused_and_the_open_order_is_named_for_an_urge(world):
    # given the same matter still open (found by trying the API: a duplicate of an open order was created)
    open_order = work_order_make(actor=world.clerk, accepted_number=NUMBER)

    errors = refused(world, **repeat_of(open_order))

    # then the link is refused, and R-SP-1 (a) still says: urge it
    assert set(errors) == {"previous_order", "category"}
    assert "still open" in errors["previous_order"][0]
    assert open_order.number in errors["category"][0]


def test_is_repeat_does_not_skip_the_open_order_check(world):
    # given an earlier closed complaint and, since, a new one of the same matter still open
    previous = closed_order(world, days_ago=10)
    open_order = work_order_make(actor=world.clerk, accepted_number=NUMBER, **repeat_of(previous))

    # when the customer calls again and the clerk files another repeat of the closed one
    errors = refused(world, **repeat_of(previous))

    # then: no duplicate of the open order — it is an urge (R-SP-1 (a))
    assert list(errors) == ["category"]
    assert open_order.number in errors["category"][0]


def test_a_repeat_of_an_order_the_clerk_may_not_see_is_refused_like_a_missing_one(world):
    # given the north hall's closed complaint on this number
    hidden = closed_order(world)
    WorkOrder.objects.filter(pk=hidden.pk).update(accepting_unit=world.hall_north, accepted_by=world.clerk_north)

    invisible = refused(world, **repeat_of(hidden))
    missing = refused(world, **repeat_of(hidden, previous_order_id=999_999))

    assert invisible == missing == {"previous_order": ["A repeat complaint must be linked to the previous order."]}


# --- the same matter filed without the flag -----------------------------------------------------------------
def test_the_same_matter_after_a_recent_closing_is_answered_with_the_candidate_not_created_unlinked(world):
    previous = closed_order(world)

    errors = refused(world)

    assert set(errors) == {"same_matter", "same_matter.candidate"}
    assert previous.number in errors["same_matter"][0]
    assert errors["same_matter.candidate"] == [str(previous.id)]


def test_the_clerk_answers_repeat_and_the_order_is_linked_to_the_candidate(world):
    previous = closed_order(world)

    order = work_order_make(actor=world.clerk, accepted_number=NUMBER, same_matter="repeat", repeat_reason=REASON)

    assert (order.is_repeat, order.previous_order_id) == (True, previous.id)


def test_answering_repeat_still_needs_the_reason(world):
    closed_order(world)
    assert list(refused(world, same_matter="repeat")) == ["repeat_reason"]


def test_the_clerk_answers_different_and_the_choice_is_on_the_new_orders_timeline(world):
    previous = closed_order(world)

    order = work_order_make(actor=world.clerk, accepted_number=NUMBER, same_matter="different")

    assert (order.is_repeat, order.previous_order_id) == (False, None)
    created = order.timeline.get(kind="created")
    assert created.data["same_matter"] == {
        "answer": "different", "candidate": {"id": previous.id, "number": previous.number}
    }  # fmt: skip
    assert previous.number in created.note


def test_no_question_after_the_window_or_for_another_matter(world):
    # given: the same matter closed 31 days ago, another matter closed yesterday
    closed_order(world, days_ago=31)
    network = category_leaf(top="网络质量", leaf="室内无信号")
    closed_order(world, days_ago=1, category_id=network.id)

    # when the customer complains about the first matter: a new order, no question asked
    order = work_order_make(actor=world.clerk, accepted_number=NUMBER)

    assert order.pk and not order.is_repeat


def test_an_unknown_answer_is_refused(world):
    assert refused(world, same_matter="maybe")["same_matter"] == ["Answer “repeat” or “different”."]


# --- the intake card's list -------------------------------------------------------------------------------
def test_the_card_offers_what_was_closed_within_30_days_with_its_final_reply(world):
    # given the number's complaints: closed 2 and 29 days ago, closed 31 days ago, one open, and another hall's
    inside, edge = closed_order(world, days_ago=2), closed_order(world, days_ago=29)
    closed_order(world, days_ago=31)
    hidden = closed_order(world, days_ago=5)
    WorkOrder.objects.filter(pk=hidden.pk).update(accepting_unit=world.hall_north, accepted_by=world.clerk_north)
    network = category_leaf(top="网络质量", leaf="室内无信号")
    work_order_make(actor=world.clerk, accepted_number=NUMBER, category_id=network.id)

    offered = repeat_candidate_list(number=NUMBER, user=world.clerk)

    assert [o.id for o in offered] == [inside.id, edge.id]  # newest first; none older, open or hidden
    assert offered[0].final_reply.content == FINAL_REPLY["content"]
    assert offered[0].top_name == "信息安全"


# --- the repeat rate for reports (R-RP-1) -------------------------------------------------------------------
def test_repeat_rate_counts_repeat_complaints_per_complaint_in_the_period_and_unit_subtree(world):
    # given four complaints at the south hall this week, one of them a repeat, and one at the north hall
    start = timezone.now() - timedelta(days=7)
    previous = closed_order(world, days_ago=3)  # 1
    repeat = work_order_make(actor=world.clerk, accepted_number=NUMBER, **repeat_of(previous))  # 2 (repeat)
    work_order_make(actor=world.clerk, accepted_number="13900007003")  # 3
    work_order_make(actor=world.clerk, accepted_number="13900007004")  # 4
    work_order_make(actor=world.clerk_north, accepted_number="13900007005")
    closed_order(world, days_ago=10, number="13900007006")  # before the period

    # when
    south = repeat_rate(start=start, end=timezone.now() + timedelta(minutes=1), unit_id=world.south.id)
    branch = repeat_rate(start=start, end=timezone.now() + timedelta(minutes=1))

    # then
    assert (south.complaints, south.repeats, south.rate) == (4, 1, 0.25)
    assert (branch.complaints, branch.repeats) == (5, 1)
    listed = repeat_complaint_list(start=start, end=timezone.now() + timedelta(minutes=1), unit_id=world.south.id)
    assert [o.id for o in listed] == [repeat.id]
    assert repeat_rate(start=start, end=start + timedelta(seconds=1)).rate is None
