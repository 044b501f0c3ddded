"""Accepting a customer: `work_order_create` and every rule of SPEC §2 (R-WO-1 … R-WO-10, R-SP-1/3/6)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from complaints.models import Customer
from tests.factories import (
    STANDARD_NUMBER,
    CustomerFactory,
    OrgUnitFactory,
    UserFactory,
    category_leaf,
    work_order_make,
)
from tickets.models import OrderState, TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db


def refused_fields(world, **overrides) -> dict[str, list[str]]:
    """Try to create an order; return the field errors and check that nothing at all was written."""
    before = (WorkOrder.objects.count(), Customer.objects.count(), TimelineEntry.objects.count())
    with pytest.raises(ValidationError) as exc:
        work_order_make(actor=overrides.pop("actor", world.clerk), **overrides)
    assert (WorkOrder.objects.count(), Customer.objects.count(), TimelineEntry.objects.count()) == before
    return exc.value.message_dict


# --- the happy paths --------------------------------------------------------------------------------
def test_transfer_complaint_waits_for_dispatch_with_its_routing(world):
    # when
    order = work_order_make(actor=world.clerk)

    # then
    assert order.state == OrderState.ACCEPTED
    assert order.accepted_by == world.clerk
    assert order.accepting_unit == world.hall_south
    assert order.origin == "hall"  # R-WO-6: created at a hall → 服务厅工单
    assert order.skill_group == world.skill_group  # R-WO-6: the customer's city picks the skill group
    assert order.customer.number == STANDARD_NUMBER
    assert order.customer.home_city == "深圳"
    assert order.closed_at is None
    assert list(order.timeline.values_list("kind", "state_after")) == [("created", "accepted")]


@pytest.mark.parametrize(
    ("method", "extra"),
    [("record", {}), ("direct_reply", {"direct_reply": "已告知客户充值卡挂失流程。"})],
)
def test_record_and_direct_reply_are_closed_at_creation(world, method, extra):
    # when
    order = work_order_make(actor=world.clerk, handling_method=method, **extra)

    # then: R-WO-5, nothing to follow up
    order = WorkOrder.objects.get(pk=order.pk)
    assert order.state == OrderState.CLOSED
    assert order.closed_at == order.accepted_at
    assert list(order.timeline.values_list("kind", flat=True)) == ["created", "closed_on_spot"]
    assert order.timeline.get(kind="closed_on_spot").note == extra.get("direct_reply", "")


def test_direct_reply_needs_the_reply_text(world):
    errors = refused_fields(world, handling_method="direct_reply", direct_reply="  ")
    assert errors == {"direct_reply": ["Record the reply given on the spot."]}


def test_existing_customer_is_reused_not_duplicated(world):
    first = work_order_make(actor=world.clerk)
    # another matter (top-level category): the same one, still open, would be an urge (R-SP-1 (a)), also when
    # the number is typed another way
    other_matter = category_leaf(top="网络质量", leaf="室内无信号")
    second = work_order_make(actor=world.clerk, accepted_number="+86 138 1234 5678", category_id=other_matter.id)

    assert second.customer == first.customer
    assert second.accepted_number == STANDARD_NUMBER
    assert Customer.objects.filter(number=STANDARD_NUMBER).count() == 1


def test_user_without_accept_role_cannot_create(world):
    before = WorkOrder.objects.count()
    with pytest.raises(PermissionDenied):
        work_order_make(actor=world.handler)
    assert WorkOrder.objects.count() == before


def test_user_in_no_unit_cannot_create(world):
    loner = UserFactory(roles=["front_line"])
    assert refused_fields(world, actor=loner) == {
        "accepting_unit": ["You belong to no unit; ask an administrator to add you to one."]
    }


def test_accepting_unit_must_be_ones_own(world):
    errors = refused_fields(world, accepting_unit_id=world.hall_north.id)
    assert errors == {"accepting_unit": ["You can only accept orders for a unit you belong to."]}


def test_content_is_required(world):
    assert refused_fields(world, content="   ") == {"content": ["Record the customer's request."]}


# --- R-WO-2 accepted number ------------------------------------------------------------------------
@pytest.mark.parametrize("number", ["13912345678", "19912345678", "0755-12345678", "075512345678", "010-1234567"])
def test_mobile_and_fixed_line_numbers_are_accepted(world, number):
    order = work_order_make(actor=world.clerk, accepted_number=number)
    assert order.accepted_number == number


@pytest.mark.parametrize("number", ["12812345678", "1381234567", "138123456789", "12345678", "abc", ""])
def test_bad_accepted_number_is_refused(world, number):
    errors = refused_fields(world, accepted_number=number)
    assert list(errors) == ["accepted_number"]
    assert "mainland mobile number" in errors["accepted_number"][0]


def test_all_bad_fields_are_named_at_once(world):
    errors = refused_fields(world, accepted_number="12345", category_id=None, content="")
    assert set(errors) == {"accepted_number", "category", "content"}


# --- R-WO-3 category --------------------------------------------------------------------------------
def test_complaint_needs_a_category(world):
    assert refused_fields(world, category_id=None) == {"category": ["Choose a complaint category."]}


def test_retired_category_is_refused(world):
    retired = category_leaf(leaf="旧类别")
    retired.is_active = False
    retired.save()

    assert refused_fields(world, category_id=retired.id) == {
        "category": ["This category is retired; choose a current one."]
    }


def test_non_leaf_category_is_refused(world):
    top = world.category.parent
    assert refused_fields(world, category_id=top.id) == {
        "category": ["Choose a leaf category (the most specific one)."]
    }


def test_a_parent_whose_children_are_all_retired_is_a_leaf_again(world):
    # given: the only child of 信息安全 is retired
    world.category.is_active = False
    world.category.save()

    # when
    order = work_order_make(actor=world.clerk, category_id=world.category.parent_id)

    # then
    assert order.category == world.category.parent


# --- R-WO-1 order types -------------------------------------------------------------------------------
def test_consultation_needs_a_call_reason(world):
    errors = refused_fields(world, order_type="consultation", handling_method="record")
    assert errors == {"call_reason": ["A consultation needs a call reason (来电原因)."]}

    order = work_order_make(
        actor=world.clerk, order_type="consultation", handling_method="record", call_reason_id=world.call_reason.id
    )
    assert order.call_reason == world.call_reason
    assert order.category is None
    assert order.state == OrderState.CLOSED


def test_consultation_with_retired_call_reason_is_refused(world):
    world.call_reason.is_active = False
    world.call_reason.save()
    errors = refused_fields(
        world, order_type="consultation", handling_method="record", call_reason_id=world.call_reason.id
    )
    assert list(errors) == ["call_reason"]


def test_appointment_needs_a_future_time(world):
    missing = refused_fields(world, order_type="appointment")
    assert missing == {"appointed_at": ["An appointment needs the appointed time."]}

    past = refused_fields(world, order_type="appointment", appointed_at=timezone.now() - timedelta(hours=1))
    assert past == {"appointed_at": ["The appointed time must be in the future."]}

    order = work_order_make(
        actor=world.clerk, order_type="appointment", appointed_at=timezone.now() + timedelta(days=1)
    )
    assert order.state == OrderState.ACCEPTED
    assert order.number.startswith("YY")


@pytest.mark.parametrize("method", ["record", "direct_reply"])
def test_appointment_must_be_transferred_or_dispatched_out(world, method):
    errors = refused_fields(
        world, order_type="appointment", handling_method=method, direct_reply="x",
        appointed_at=timezone.now() + timedelta(days=1),
    )  # fmt: skip
    assert list(errors) == ["handling_method"]


def test_business_acceptance_needs_a_listed_item(world):
    errors = refused_fields(world, order_type="business")
    assert list(errors) == ["business_item"]
    assert "front line cannot do" in errors["business_item"][0]

    order = work_order_make(actor=world.clerk, order_type="business", business_item_id=world.business_item.id)
    assert order.business_item == world.business_item
    assert order.state == OrderState.ACCEPTED


def test_business_acceptance_with_retired_item_is_refused(world):
    world.business_item.is_active = False
    world.business_item.save()
    errors = refused_fields(world, order_type="business", business_item_id=world.business_item.id)
    assert list(errors) == ["business_item"]


@pytest.mark.parametrize("method", ["record", "direct_reply", "external"])
def test_business_acceptance_goes_to_the_back_office_only(world, method):
    errors = refused_fields(
        world, order_type="business", business_item_id=world.business_item.id, handling_method=method,
        direct_reply="x",
    )  # fmt: skip
    assert list(errors) == ["handling_method"]


def test_suggestion_cannot_be_answered_on_the_spot(world):
    errors = refused_fields(world, order_type="suggestion", handling_method="direct_reply", direct_reply="好的")
    assert list(errors) == ["handling_method"]

    order = work_order_make(actor=world.clerk, order_type="suggestion", handling_method="record")
    assert order.number.startswith("JY")


# --- R-WO-4 urgency ---------------------------------------------------------------------------------------
def test_club_customer_is_always_extra_urgent_with_a_timeline_note(world):
    CustomerFactory(number=STANDARD_NUMBER, tier=Customer.Tier.CLUB)

    order = work_order_make(actor=world.clerk, urgency="normal")

    assert order.urgency == "extra_urgent"
    assert "特急" in order.timeline.get(kind="created").note


def test_new_club_customer_from_the_intake_is_extra_urgent(world):
    order = work_order_make(actor=world.clerk, customer={"tier": "club", "home_city": "深圳"})
    assert order.customer.is_club
    assert order.urgency == "extra_urgent"


def test_extra_urgent_is_refused_for_an_ordinary_customer(world):
    assert refused_fields(world, urgency="extra_urgent") == {"urgency": ["特急 is reserved for club customers."]}


def test_ordinary_customer_may_be_urgent(world):
    order = work_order_make(actor=world.clerk, urgency="urgent")
    assert order.urgency == "urgent"
    assert order.timeline.get(kind="created").note == ""


# --- R-WO-7 channels, R-SP-3, R-SP-6 ---------------------------------------------------------------------
def test_visit_must_be_confirmed_by_the_customer(world):
    errors = refused_fields(world, channel="visit")
    assert list(errors) == ["visit_confirmed"]

    assert work_order_make(actor=world.clerk, channel="visit", visit_confirmed=True).visit_confirmed


def test_external_transfer_needs_its_source_and_is_escalated(world):
    assert list(refused_fields(world, channel="external")) == ["external_source"]

    order = work_order_make(actor=world.clerk, channel="external", external_source="miit")

    assert order.is_escalated
    assert order.is_priority_case


def test_media_complaint_needs_the_journalist(world):
    errors = refused_fields(world, channel="media", journalist={"name": "记者甲", "outlet": "  "})
    assert list(errors) == ["journalist"]
    assert "outlet, phone" in errors["journalist"][0]

    order = work_order_make(
        actor=world.clerk,
        channel="media",
        journalist={"name": "记者甲", "outlet": "深圳特区报", "phone": "13900000000"},
    )
    assert order.is_media


def test_media_flag_on_another_channel_also_needs_the_journalist(world):
    assert list(refused_fields(world, is_media=True)) == ["journalist"]


# --- R-WO-10 received vs accepted ---------------------------------------------------------------------------
def test_received_at_may_be_earlier_than_acceptance(world):
    received = timezone.now() - timedelta(days=29)
    order = work_order_make(actor=world.clerk, received_at=received)
    assert order.received_at == received
    assert order.accepted_at > received


@pytest.mark.parametrize(
    ("shift", "message"),
    [
        (timedelta(days=-31), "The time of receipt cannot be more than 30 days ago."),
        (timedelta(hours=1), "The time of receipt cannot be in the future."),
    ],
)
def test_received_at_too_far_back_or_in_the_future_is_refused(world, shift, message):
    assert refused_fields(world, received_at=timezone.now() + shift) == {"received_at": [message]}


# --- R-SP-1 repeat ----------------------------------------------------------------------------------------
def test_repeat_needs_the_previous_order_and_the_reason(world):
    errors = refused_fields(world, is_repeat=True)
    assert set(errors) == {"previous_order", "repeat_reason"}

    previous = work_order_make(actor=world.clerk, handling_method="record")
    order = work_order_make(
        actor=world.clerk, is_repeat=True, previous_order_id=previous.id, repeat_reason="对上次处理结果不满意"
    )
    assert order.previous_order == previous
    assert order.is_priority_case


def test_repeat_linked_to_a_missing_order_is_refused(world):
    errors = refused_fields(world, is_repeat=True, previous_order_id=999_999, repeat_reason="不满意")
    assert list(errors) == ["previous_order"]


# --- R-WO-6 routing ----------------------------------------------------------------------------------------
def test_no_skill_group_for_the_city_is_refused(world):
    errors = refused_fields(world, accepted_number="13700000001", customer={"home_city": "拉萨"})
    assert errors == {"customer.home_city": ["No skill group serves the city “拉萨”."]}


def test_customer_without_home_city_is_refused(world):
    errors = refused_fields(world, accepted_number="13700000002", customer={})
    assert list(errors) == ["customer.home_city"]  # keyed where the field is (issue 8 §3)


def test_order_accepted_at_a_partner_outlet_is_a_channel_order(world):
    outlet = OrgUnitFactory(code="partner-futian", kind="partner", parent=world.south)
    seller = UserFactory(roles=["front_line"], units=[outlet])
    assert work_order_make(actor=seller).origin == "channel"


def test_repeat_linked_to_an_order_the_clerk_may_not_see_is_refused_like_a_missing_one(world):
    # given an order of the north hall, which the south clerk may not see (R-SEC-1)
    hidden = work_order_make(actor=world.clerk_north, handling_method="record", accepted_number="13900000021")

    # when the south clerk links a repeat complaint to it, and to an id that does not exist
    invisible = refused_fields(world, is_repeat=True, previous_order_id=hidden.id, repeat_reason="不满意")
    missing = refused_fields(world, is_repeat=True, previous_order_id=999_999, repeat_reason="不满意")

    # then both are the same answer, naming previous_order, and nothing is linked or pre-filled
    assert invisible == missing and list(invisible) == ["previous_order"]
    assert not WorkOrder.objects.filter(previous_order=hidden).exists()


# --- R-WO-7 letters, the customer's tier (issue 8 §7a) ----------------------------------------------------
def test_a_letter_order_needs_the_letter_attached(world):
    errors = refused_fields(world, channel="letter")
    assert list(errors) == ["attachments"] and "R-WO-7" in errors["attachments"][0]


def test_an_unknown_customer_tier_is_refused_not_dropped(world):
    errors = refused_fields(world, customer={"name": "张先生", "home_city": "深圳", "tier": "platinum"})
    assert list(errors) == ["customer.tier"]
