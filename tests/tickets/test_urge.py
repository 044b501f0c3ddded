"""R-SP-1 (a): the same number and top-level category while an order is open is an urge (催办), not a new
order. Creation refuses the duplicate naming the open order; the urge is logged on it and its dispatcher and
handler are told."""

import pytest
from django.core.exceptions import ValidationError

from complaints.models import ComplaintCategory
from notifications.models import Notification
from tests.factories import category_leaf, fresh, order_intake, work_order_at, work_order_make, work_order_walk
from tickets import services
from tickets.models import OrderState, TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db


def test_the_same_complaint_on_an_open_order_is_refused_naming_it(world):
    # given an open complaint on the standard number
    order = work_order_at(OrderState.PROCESSING, world=world)
    before = (WorkOrder.objects.count(), TimelineEntry.objects.count())

    # when the same customer complains of the same matter at another hall
    with pytest.raises(ValidationError) as exc:
        work_order_make(actor=world.clerk_north)

    # then nothing is created and the error names the open order
    assert list(exc.value.message_dict) == ["category"]
    assert order.number in exc.value.message_dict["category"][0] and "R-SP-1" in exc.value.message_dict["category"][0]
    assert (WorkOrder.objects.count(), TimelineEntry.objects.count()) == before


def test_another_matter_a_closed_order_or_a_repeat_is_a_new_order(world):
    open_order = work_order_make(actor=world.clerk)
    other_top = category_leaf(top="网络质量", leaf="室内无信号")  # another top-level category
    assert work_order_make(actor=world.clerk, category_id=other_top.id).pk

    closed = work_order_at(OrderState.CLOSED, world=world, accepted_number="13900000011")
    # the earlier one is closed: a new order once the clerk says it is another matter (R-SP-1 (b))
    again = work_order_make(actor=world.clerk, accepted_number="13900000011", same_matter="different")
    assert again.pk and closed.pk
    work_order_walk(again, to=OrderState.CLOSED, world=world)

    repeat = work_order_make(
        actor=world.clerk, is_repeat=True, previous_order_id=closed.id, repeat_reason="对上次结果不满意",
        accepted_number="13900000011",
    )  # fmt: skip
    assert repeat.is_repeat and open_order.pk


def test_a_sibling_leaf_of_the_same_top_category_is_the_same_matter(world):
    work_order_make(actor=world.clerk)
    top = ComplaintCategory.objects.get(pk=category_leaf().pk).top_level()
    sibling = category_leaf(top=top.name, leaf="充值卡无法充值")

    with pytest.raises(ValidationError) as exc:
        work_order_make(actor=world.clerk, category_id=sibling.id)
    assert list(exc.value.message_dict) == ["category"]


def test_consultations_are_not_urges(world):
    work_order_make(actor=world.clerk)
    services.work_order_create(
        actor=world.clerk,
        intake=order_intake(order_type="consultation", call_reason_id=world.call_reason.id, handling_method="record"),
    )


def test_an_urge_is_on_the_timeline_and_tells_the_dispatcher_and_the_handler(world, django_capture_on_commit_callbacks):
    order = work_order_at(OrderState.PROCESSING, world=world)

    with django_capture_on_commit_callbacks(execute=True):
        first = services.work_order_urge(
            order_id=order.id, actor=world.clerk_north, note="客户来厅催问进度", accepted_number=order.accepted_number
        )  # another hall: with the customer's number (R-SEC-1)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.work_order_urge(order_id=order.id, actor=world.clerk, note="又来电催办", channel="phone")

    assert (first.kind, first.actor, first.note, first.data["urge_count"]) == (
        "urge",
        world.clerk_north,
        "客户来厅催问进度",
        1,
    )
    assert second.data["urge_count"] == 2
    told = Notification.objects.filter(order=order, kind="urge")
    assert {n.recipient for n in told} == {world.dispatcher, world.handler}
    assert told.count() == 4  # two urges, two people each
    assert fresh(order).state == OrderState.PROCESSING  # an urge changes no state


def test_an_urge_before_dispatch_tells_the_first_contact_owner(world, django_capture_on_commit_callbacks):
    order = work_order_make(actor=world.clerk)
    with django_capture_on_commit_callbacks(execute=True):
        services.work_order_urge(
            order_id=order.id, actor=world.clerk_north, note="催办", accepted_number=order.accepted_number
        )
    assert [n.recipient for n in Notification.objects.filter(order=order, kind="urge")] == [world.clerk]


def test_an_urge_needs_a_note_an_open_order_and_a_right_to_it(world):
    order = work_order_at(OrderState.PROCESSING, world=world)
    with pytest.raises(ValidationError) as exc:
        services.work_order_urge(order_id=order.id, actor=world.clerk, note="  ", channel="pigeon")
    assert set(exc.value.message_dict) == {"note", "channel"}

    closed = work_order_at(OrderState.CLOSED, world=world, accepted_number="13900000012")
    with pytest.raises(services.TransitionRefused):
        services.work_order_urge(order_id=closed.id, actor=world.clerk, note="催办")

    # a handler of another unit neither accepts orders nor sees this one
    outsider = work_order_make(actor=world.clerk_north, accepted_number="13900000013")
    with pytest.raises(WorkOrder.DoesNotExist):
        services.work_order_urge(order_id=outsider.id, actor=world.handler, note="催办")
    assert not TimelineEntry.objects.filter(kind="urge").exists()


def test_the_api_logs_an_urge_and_names_bad_fields(world, api):
    order = work_order_at(OrderState.PROCESSING, world=world)
    api.force_login(world.dispatcher)

    bad = api.post(f"/api/v1/orders/{order.id}/urge/", {"note": "", "channel": "pigeon"}, format="json")
    good = api.post(f"/api/v1/orders/{order.id}/urge/", {"note": "客户催问"}, format="json")

    assert bad.status_code == 400 and set(bad.data) == {"note", "channel"}
    assert good.status_code == 201 and good.data["kind"] == "urge"
    assert order.timeline.filter(kind="urge").count() == 1


# --- one rule for the card and the API (R-SEC-1, issue 8 §1) ----------------------------------------------
def test_another_halls_order_is_urged_only_with_its_accepted_number(world):
    order = work_order_make(actor=world.clerk_north, accepted_number="13900000031")  # the south clerk cannot see it

    for number in ("", "13900000032"):  # an id alone, a wrong number
        with pytest.raises(WorkOrder.DoesNotExist):
            services.work_order_urge(order_id=order.id, actor=world.clerk, note="催办", accepted_number=number)
    # refused before anything about the order could be told: a blank note or a closed order answer 404 too
    with pytest.raises(WorkOrder.DoesNotExist):
        services.work_order_urge(order_id=order.id, actor=world.clerk, note=" ", channel="pigeon")
    assert not TimelineEntry.objects.filter(kind="urge").exists()

    entry = services.work_order_urge(
        order_id=order.id, actor=world.clerk, note="客户来厅催问", accepted_number="+86 139 0000 0031"
    )
    assert entry.order_id == order.id and entry.data["urge_count"] == 1


def test_an_urge_note_with_a_null_character_is_refused(world):
    order = work_order_make(actor=world.clerk)
    with pytest.raises(ValidationError) as exc:
        services.work_order_urge(order_id=order.id, actor=world.clerk, note="催\x00办")
    assert list(exc.value.message_dict) == ["note"]
    assert not order.timeline.filter(kind="urge").exists()
