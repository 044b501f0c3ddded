"""R-HD-7 (seed 003 一): the outgoing writes the diary with the open orders attached (with their clocks); it stays
on the shift leader's screen until the incoming signs; signing makes the orders theirs; a signed handover never
changes — the model, the API (409) and the PostgreSQL trigger refuse it."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.test import TestCase

from holiday_duty import services
from holiday_duty.models import DutyLogEntry, Handover, HandoverSigned, LogKind

from .conftest import at, dispatched, duty_order_of, reread

pytestmark = pytest.mark.django_db

NOW = at(2026, 10, 2, 19, 50)


@pytest.fixture
def handover(world, duty):
    waiting = duty_order_of(dispatched(world, duty.am_south, NOW - timedelta(hours=3)))
    notified = duty_order_of(dispatched(world, duty.am_south, NOW - timedelta(hours=2)))
    for duty_order in (waiting, notified):
        duty_order.owner = duty.duty
        duty_order.save(update_fields=["owner"])
    with time_machine.travel(NOW - timedelta(hours=1), tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        services.duty_order_handler_confirm(
            duty_order_id=notified.id, actor=duty.duty, handler_id=duty.account_manager.id
        )
    with time_machine.travel(NOW, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        return services.handover_write(
            hall_id=duty.hall.id, actor=duty.duty, incoming_id=duty.duty_peer.id,
            open_problems="客户经理陈刚电话未接通，已上报主管。", diary="白班处理 2 单。",
        )  # fmt: skip


def test_the_open_orders_are_attached_with_their_clocks(duty, handover):
    items = list(handover.items.order_by("id").values_list("state", "feedback_due_at"))
    assert items == [("queued", None), ("notified", NOW - timedelta(hours=1) + timedelta(hours=4))]
    assert handover.signed_at is None


def test_unsigned_it_stays_on_the_shift_leaders_screen(duty, handover, login):
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        page = login(duty.leader).get("/holiday-duty/").content.decode()
    assert f'data-unsigned-handover="{handover.id}"' in page


def test_the_incoming_signs_and_the_orders_become_theirs(duty, handover, login):
    with pytest.raises(PermissionDenied), time_machine.travel(NOW, tick=False):
        services.handover_sign(handover_id=handover.id, actor=duty.leader)
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        services.handover_sign(handover_id=handover.id, actor=duty.duty_peer)

    handover = Handover.objects.get(pk=handover.pk)
    assert (handover.signed_by, handover.signed_at) == (duty.duty_peer, NOW + timedelta(minutes=5))
    assert {reread(item.duty_order).owner for item in handover.items.all()} == {duty.duty_peer}
    assert DutyLogEntry.objects.filter(kind=LogKind.HANDOVER).count() == 2  # written, signed
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        page = login(duty.leader).get("/holiday-duty/").content.decode()
    assert f'data-unsigned-handover="{handover.id}"' not in page


def test_before_signing_the_outgoing_may_correct_it_after_never(duty, handover):
    services.handover_update(handover_id=handover.id, actor=duty.duty, open_problems="已补充：客户要求明早回电。")
    services.handover_sign(handover_id=handover.id, actor=duty.duty_peer)

    from holiday_duty.services.common import DutyRefused

    with pytest.raises(DutyRefused):
        services.handover_update(handover_id=handover.id, actor=duty.duty, open_problems="改")
    with pytest.raises(DutyRefused):
        services.handover_sign(handover_id=handover.id, actor=duty.duty_peer)


def test_the_model_refuses_to_change_a_signed_handover(duty, handover):
    services.handover_sign(handover_id=handover.id, actor=duty.duty_peer)
    row = Handover.objects.get(pk=handover.pk)
    row.open_problems = "rewritten"
    with pytest.raises(HandoverSigned):
        row.save()
    with pytest.raises(HandoverSigned):
        row.delete()


@pytest.mark.postgres(reason="the trigger is PostgreSQL's")
def test_the_database_refuses_to_change_a_signed_handover(duty, handover):
    Handover.objects.filter(pk=handover.pk).update(diary="unsigned rows may be corrected")
    services.handover_sign(handover_id=handover.id, actor=duty.duty_peer)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Handover.objects.filter(pk=handover.pk).update(open_problems="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Handover._meta.db_table} WHERE id = %s", [handover.pk])
    assert Handover.objects.get(pk=handover.pk).open_problems == "客户经理陈刚电话未接通，已上报主管。"


def test_the_api_answers_409_for_a_signed_handover(duty, handover, api):
    api.force_login(duty.duty_peer)
    assert api.post(f"/api/v1/holiday-duty/handovers/{handover.id}/sign/").status_code == 200
    api.force_login(duty.duty)
    answer = api.patch(f"/api/v1/holiday-duty/handovers/{handover.id}/", {"open_problems": "x"}, format="json")
    assert answer.status_code == 409
    assert answer.json()["code"] == "transition_refused"
    api.force_login(duty.duty_peer)
    assert api.post(f"/api/v1/holiday-duty/handovers/{handover.id}/sign/").status_code == 409


def test_the_incoming_must_be_duty_staff_of_the_hall(duty, world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.handover_write(hall_id=duty.hall.id, actor=duty.duty, incoming_id=duty.account_manager.id)
    assert "incoming_id" in error.value.message_dict


def test_orders_held_by_the_fallback_in_a_gap_are_passed_on_too(world, duty):
    held = duty_order_of(dispatched(world, duty.am_south, NOW - timedelta(hours=1)))  # nobody on shift
    assert (held.owner, held.owner_is_fallback) == (duty.leader, True)
    with time_machine.travel(NOW, tick=False):
        handover = services.handover_write(hall_id=duty.hall.id, actor=duty.duty, incoming_id=duty.duty_peer.id)
        services.handover_sign(handover_id=handover.id, actor=duty.duty_peer)

    assert list(handover.items.values_list("duty_order", flat=True)) == [held.id]
    assert (reread(held).owner, reread(held).owner_is_fallback) == (duty.duty_peer, False)
