"""R-FL-7 extensions (only the handling deadline moves; request and decision on the timeline) and flag
changes on an open order (R-SP-5 priority)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from tests.factories import another_number, fresh, work_order_at, work_order_make
from tickets import services
from tickets.models import ExtensionRequest, OrderState, WorkOrder

pytestmark = pytest.mark.django_db

S = OrderState
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def handled(world):
    """An order claimed by world.handler at T0, due T0 + 48 h."""
    with time_machine.travel(T0, tick=False):
        return work_order_at(S.PROCESSING, world=world)


def ask(order, world, *, hours=72, actor=None):
    return services.extension_request(
        order_id=order.id, actor=actor or world.handler, progress="已联系厂家", reason="需等待厂家检测",
        requested_due_at=T0 + timedelta(hours=hours),
    )  # fmt: skip


def test_approved_extension_moves_only_the_handling_deadline(world, handled):
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        request = ask(handled, world)
        services.extension_decide(extension_id=request.id, actor=world.dispatcher, approve=True)

    order = fresh(handled)
    assert order.handling_due_at == T0 + timedelta(hours=72)
    assert order.state == S.PROCESSING
    assert ExtensionRequest.objects.get().status == "approved"
    assert list(order.timeline.filter(kind__startswith="extension").values_list("kind", flat=True)) == [
        "extension_requested",
        "extension_approved",
    ]


def test_rejected_extension_needs_a_reason_and_keeps_the_deadline(world, handled):
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        request = ask(handled, world)
        with pytest.raises(ValidationError) as exc:
            services.extension_decide(extension_id=request.id, actor=world.dispatcher, approve=False)
        assert list(exc.value.message_dict) == ["note"]
        services.extension_decide(extension_id=request.id, actor=world.dispatcher, approve=False, note="不符合延期条件")

    assert fresh(handled).handling_due_at == T0 + timedelta(hours=48)
    assert ExtensionRequest.objects.get().status == "rejected"


def test_one_pending_request_at_a_time(world, handled):
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        ask(handled, world)
        with pytest.raises(services.TransitionRefused):
            ask(handled, world, hours=96)
    assert ExtensionRequest.objects.count() == 1


def test_new_due_time_must_be_later_than_the_current_one(world, handled):
    with time_machine.travel(T0 + timedelta(hours=1), tick=False), pytest.raises(ValidationError) as exc:
        ask(handled, world, hours=24)
    assert list(exc.value.message_dict) == ["requested_due_at"]


def test_only_the_handler_asks_and_only_the_dispatcher_decides(world, handled):
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        with pytest.raises(PermissionDenied):
            ask(handled, world, actor=world.handler_peer)
        request = ask(handled, world)
        with pytest.raises(PermissionDenied):
            services.extension_decide(extension_id=request.id, actor=world.handler, approve=True)
    assert ExtensionRequest.objects.get().status == "pending"


def test_no_extension_once_the_department_has_replied(world):
    order = work_order_at(S.DEPT_REPLIED, world=world)
    with pytest.raises(services.TransitionRefused):
        services.extension_request(
            order_id=order.id, actor=world.handler, progress="x", reason="y",
            requested_due_at=fresh(order).handling_due_at + timedelta(days=1),
        )  # fmt: skip


# --- flags ---------------------------------------------------------------------------------------------------
def test_dispatcher_flags_an_order_major_and_it_goes_first(world):
    order = work_order_make(actor=world.clerk)
    assert order.priority == 0

    services.work_order_flags_update(
        order_id=order.id, actor=world.dispatcher, note="客户威胁投诉到工信部", is_major=True
    )

    order = fresh(order)
    assert (order.is_major, order.priority) == (True, 4)
    entry = order.timeline.get(kind="flags")
    assert entry.data == {"before": {"is_major": False}, "after": {"is_major": True}}


def test_flags_need_the_dispatch_role_and_an_open_order(world):
    order = work_order_make(actor=world.clerk)
    # The counter's own flags are the first-contact owner's too (below); batch, repeat, … are the dispatcher's.
    with pytest.raises(PermissionDenied):
        services.work_order_flags_update(order_id=order.id, actor=world.clerk, is_batch=True)
    with pytest.raises(WorkOrder.DoesNotExist):  # another hall's clerk, who does not see it (→ 404)
        services.work_order_flags_update(order_id=order.id, actor=world.clerk_north, is_major=True)

    closed = work_order_make(actor=world.clerk, handling_method="record", accepted_number=another_number())
    with pytest.raises(services.TransitionRefused):
        services.work_order_flags_update(order_id=closed.id, actor=world.dispatcher, is_major=True)

    with pytest.raises(ValidationError) as exc:
        services.work_order_flags_update(order_id=order.id, actor=world.dispatcher, is_vip=True)
    assert list(exc.value.message_dict) == ["is_vip"]
    assert not fresh(order).is_major


def test_the_first_contact_owner_and_the_units_supervisor_report_a_major_complaint(world):
    # R-MAJ-1: the first-contact employee flags it major and reports it to the supervisor; so may the supervisor.
    world.hall_south.supervisor = world.store_manager
    world.hall_south.save()
    order = work_order_make(actor=world.clerk)
    other = work_order_make(actor=world.clerk, accepted_number=another_number())

    services.work_order_flags_update(order_id=order.id, actor=world.clerk, is_major=True, is_media=True)
    services.work_order_flags_update(order_id=other.id, actor=world.store_manager, escalation_tendency=True)

    assert (fresh(order).is_major, fresh(order).is_media, fresh(other).escalation_tendency) == (True, True, True)
    with pytest.raises(PermissionDenied):
        services.work_order_flags_update(order_id=other.id, actor=world.store_manager, is_repeat=True)


def test_unchanged_flags_write_nothing(world):
    order = work_order_make(actor=world.clerk)
    services.work_order_flags_update(order_id=order.id, actor=world.dispatcher, is_major=False)
    assert not order.timeline.filter(kind="flags").exists()
