"""My work for every role (issue 13 §3, R-UI-2): the handler's queues, the follow-ups by need, the approvals of
written replies, the deadline order and its wording, sortable columns; the supervisor's bulk form (§4)."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.factories import FINAL_REPLY, fresh, work_order_at
from tickets import services
from tickets.models import OrderState, SavedView

pytestmark = pytest.mark.django_db


def order_numbers(html: str) -> list[str]:
    return re.findall(r'<tr data-order="([^"]+)"', html)


def test_a_handler_finds_a_dispatched_order_to_claim_then_in_mine(world, login):
    order = work_order_at(OrderState.DISPATCHED, world=world)
    client = login(world.handler)
    assert order_numbers(client.get("/queues/to_claim/").content.decode()) == [order.number]
    services.work_order_claim(order_id=order.id, actor=world.handler)
    assert order_numbers(client.get("/queues/mine/").content.decode()) == [order.number]
    assert order_numbers(client.get("/queues/to_claim/").content.decode()) == []
    assert order_numbers(login(world.handler_network).get("/queues/to_claim/").content.decode()) == []


def test_returned_and_waiting_for_review(world, login):
    replied = work_order_at(OrderState.DEPT_REPLIED, world=world)
    returned = work_order_at(OrderState.DEPT_REPLIED, world=world, accepted_number="13900000401")
    services.work_order_return_reply(order_id=returned.id, actor=world.dispatcher, reason="原因写得不清楚")
    client = login(world.handler)
    assert order_numbers(client.get("/queues/awaiting_review/").content.decode()) == [replied.number]
    assert order_numbers(client.get("/queues/returned/").content.decode()) == [returned.number]
    assert returned.number not in order_numbers(client.get("/queues/mine/").content.decode())


def test_follow_ups_split_by_what_needs_me(world, login):
    reply_due = work_order_at(OrderState.REPLY_APPROVED, world=world)
    callback_due = work_order_at(OrderState.CUSTOMER_REPLIED, world=world, accepted_number="13900000402")
    client = login(world.clerk)
    html = client.get("/queues/follow_ups/").content.decode()
    assert set(order_numbers(html)) >= {reply_due.number, callback_due.number}
    assert 'data-need="reply">1<' in html and 'data-need="callback">1<' in html
    assert order_numbers(client.get("/queues/follow_ups/", {"need": "reply"}).content.decode()) == [reply_due.number]


def test_waiting_for_my_approval_lists_drafts_missing_my_approval(world, login):
    order = work_order_at(OrderState.REPLY_APPROVED, world=world)
    draft = services.final_reply_draft_create(
        order_id=order.id, actor=world.dispatcher, **{**FINAL_REPLY, "method": "written"}
    )
    assert order_numbers(login(world.legal).get("/queues/approvals/").content.decode()) == [order.number]
    services.final_reply_approve(reply_id=draft.id, actor=world.legal, kind="legal")
    assert order_numbers(login(world.legal).get("/queues/approvals/").content.decode()) == []
    assert order_numbers(login(world.handler).get("/queues/approvals/").content.decode()) == [order.number]


def test_overdue_first_by_how_long_then_priority_relative_wording(world, login, clocks):
    # given: a major order with time left, an ordinary one 38 h overdue and one 2 h overdue
    major = work_order_at(OrderState.DISPATCHED, world=world, is_major=True, accepted_number="13900000403")
    long_late = work_order_at(OrderState.DISPATCHED, world=world, accepted_number="13900000404")
    late = work_order_at(OrderState.DISPATCHED, world=world, accepted_number="13900000405")
    now = timezone.now()
    for order in (major, long_late, late):
        order.clocks.exclude(kind="handle").delete()
    major.clocks.update(due_at=now + timedelta(hours=2, minutes=30))
    long_late.clocks.update(due_at=now - timedelta(hours=38, minutes=5))
    late.clocks.update(due_at=now - timedelta(hours=2, minutes=5))
    html = login(world.handler).get("/queues/to_claim/").content.decode()
    assert order_numbers(html) == [long_late.number, late.number, major.number]
    assert "超时 38 小时" in html and "剩余 2 小时" in html and "row--overdue" in html
    assert re.search(r'title="[^"]*\d{4}-\d\d-\d\d \d\d:\d\d"', html)  # the exact time on hover
    sorted_html = login(world.handler).get("/queues/to_claim/", {"sort": "-due"}).content.decode()
    assert order_numbers(sorted_html) == [major.number, late.number, long_late.number]
    assert 'aria-sort="descending"' in sorted_html
    assert login(world.handler).get("/queues/to_claim/", {"sort": "drop table"}).status_code == 200


def test_supervisor_bulk_reassign_from_the_overdue_queue(world, login, clocks):
    first = work_order_at(OrderState.PROCESSING, world=world, accepted_number="13900000406")
    second = work_order_at(OrderState.PROCESSING, world=world, accepted_number="13900000407")
    replied = work_order_at(OrderState.DEPT_REPLIED, world=world, accepted_number="13900000408")
    now = timezone.now()
    for order in (first, second, replied):
        order.clocks.filter(kind="handle").update(state="overdue", due_at=now - timedelta(hours=1), breached_at=now)
    client = login(world.dispatcher)
    page = client.get("/queues/overdue/").content.decode()
    assert 'id="supervise-form"' in page and f'value="{first.id}" form="supervise-form"' in page

    refused = client.post(
        "/orders/supervise/",
        {"action": "reassign", "orders": [first.id, replied.id], "assignee": world.handler_peer.id, "note": "改派",
         "next": "/queues/overdue/"},
        follow=True,
    )  # fmt: skip
    assert replied.number in refused.content.decode() and fresh(first).assignee == world.handler

    client.post(
        "/orders/supervise/",
        {"action": "reassign", "orders": [first.id, second.id], "assignee": world.handler_peer.id, "note": "改派",
         "next": "/queues/overdue/"},
    )  # fmt: skip
    assert {fresh(first).assignee, fresh(second).assignee} == {world.handler_peer}
    mine = login(world.handler_peer).get("/queues/mine/").content.decode()
    assert {first.number, second.number} <= set(order_numbers(mine))


def test_order_page_supervisor_panel(world, login):
    order = work_order_at(OrderState.PROCESSING, world=world)
    page = login(world.dispatcher).get(f"/orders/{order.id}/").content.decode()
    assert "data-supervise-panel" in page and 'value="reassign"' in page
    assert "data-supervise-panel" not in login(world.handler).get(f"/orders/{order.id}/").content.decode()


# --- saved views ---------------------------------------------------------------------------------------------
def test_a_user_saves_a_filtered_sorted_view_and_only_they_see_it(world, login):
    dispatched = work_order_at(OrderState.DISPATCHED, world=world, accepted_number="13900000501")
    processing = work_order_at(OrderState.PROCESSING, world=world, accepted_number="13900000502")
    client = login(world.dispatcher)
    # given the dispatcher's view of the follow-ups: processing orders, by number
    response = client.post(
        "/queues/follow_ups/views/",
        {"name": "处理中的", "conditions": '[{"field": "state", "op": "eq", "value": "processing"}]', "sort": "number"},
    )
    view = SavedView.objects.get(owner=world.dispatcher)
    assert response.status_code == 302 and response["Location"].endswith(f"?view={view.pk}")
    clerk = login(world.clerk)  # both orders are the clerk's follow-ups
    assert set(order_numbers(clerk.get("/queues/follow_ups/").content.decode())) >= {dispatched.number}
    assert clerk.get("/queues/follow_ups/", {"view": view.pk}).status_code == 404  # not theirs: like a missing one
    # then the dispatcher sees only what the view keeps (they accepted none of these: nothing)
    assert order_numbers(client.get("/queues/follow_ups/", {"view": view.pk}).content.decode()) == []
    # when the clerk saves the same view, it keeps the processing order only
    clerk.post(
        "/queues/follow_ups/views/",
        {"name": "处理中", "conditions": '[{"field": "state", "op": "eq", "value": "processing"}]'},
    )
    mine = SavedView.objects.get(owner=world.clerk)
    assert order_numbers(clerk.get("/queues/follow_ups/", {"view": mine.pk}).content.decode()) == [processing.number]


def test_a_view_shared_with_a_role_keeps_the_visibility_rule(world, login):
    billing = work_order_at(OrderState.DISPATCHED, world=world, accepted_number="13900000503")
    network = work_order_at(OrderState.ACCEPTED, world=world, accepted_number="13900000504")
    services.work_order_dispatch(order_id=network.id, actor=world.dispatcher, unit_id=world.dept_network.id)
    # an administrator's view of "to claim", every complaint, shared with the handlers' role
    view = SavedView.objects.create(
        owner=world.dispatcher, queue="to_claim", name="投诉",
        conditions=[{"field": "order_type", "op": "in", "value": ["complaint"]}],
    )  # fmt: skip
    view.shared_roles.add(Group.objects.get(name="handler"))
    html = login(world.handler).get("/queues/to_claim/", {"view": view.pk}).content.decode()
    assert order_numbers(html) == [billing.number]  # the network department's order stays invisible
    assert f'data-view="{view.pk}"' in html


def test_view_conditions_come_from_a_whitelist(world):
    from tickets.services.saved_views import saved_view_create

    bad = [
        [{"field": "content", "op": "eq", "value": "x"}],  # not a field one may filter on
        [{"field": "state", "op": "gte", "value": "closed"}],  # not an operator of a choice
        [{"field": "state", "op": "eq", "value": "nonsense"}],
        [{"field": "is_major", "op": "eq", "value": "yes"}],
        "state=closed",
    ]
    for conditions in bad:
        with pytest.raises(ValidationError) as refused:
            saved_view_create(owner=world.dispatcher, queue="dispatch", name="x", conditions=conditions)
        assert "conditions" in refused.value.message_dict, conditions
    with pytest.raises(ValidationError):
        saved_view_create(owner=world.dispatcher, queue="dispatch", name="x", conditions=[], sort="id; drop")
    with pytest.raises(PermissionDenied):  # not a queue of the clerk's
        saved_view_create(owner=world.clerk, queue="dispatch", name="x", conditions=[])
