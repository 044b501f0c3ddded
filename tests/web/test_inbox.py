"""The inbox grouped by order (R-NT-1, issue 13 §6): the order's state and the step it waits for from me,
"needs me" / FYI, read one / one order / all, and a body that repeats the subject is not shown twice."""

import pytest
import time_machine

from notifications.models import Notification
from notifications.services import notification_enqueue
from tests.factories import another_number, work_order_at

pytestmark = pytest.mark.django_db


def notice(user, key: str, *, order=None, subject: str = "", body: str = "", channel: str = "in_app"):
    return notification_enqueue(
        channel=channel, idempotency_key=key, recipient=user, order=order, subject=subject or key, body=body
    )


def groups(page: str) -> list[str]:
    return [part.split('"', 1)[0] for part in page.split('data-inbox-group="')[1:]]


def test_notices_are_grouped_by_order_with_its_state_and_my_step(world, login):
    # given a handler with three notices about an order dispatched to their department, one about another, one general
    waiting = work_order_at("dispatched", world=world, accepted_number=another_number())
    other = work_order_at("dispatched", world=world, accepted_number=another_number())
    for i in range(3):
        notice(world.handler, f"a{i}", order=waiting, subject=f"派单 {i}")
    notice(world.handler, "b", order=other)
    notice(world.handler, "general", subject="系统维护通知")

    # when they open the inbox
    page = login(world.handler).get("/notifications/").content.decode()

    # then three groups, newest first, each order with its state and the step it waits for (claim)
    assert groups(page) == ["general", other.number, waiting.number]
    assert page.count("已派单") >= 2
    assert page.count("data-step") == 2 and "接单" in page
    assert "派单 2" in page and "派单 0" in page


# Phone-call tasks wait out quiet hours (night and the 12:00–14:30 lunch break on CAL-SERVICE), so the test
# runs at 10:00 on a working day rather than at whatever time the suite happens to run.
@time_machine.travel("2026-11-19T10:00:00+08:00", tick=True)
def test_needs_me_holds_orders_with_a_step_for_me_and_fyi_the_rest(world, login):
    claimable = work_order_at("dispatched", world=world, accepted_number=another_number())
    closed = work_order_at("closed", world=world, accepted_number=another_number())
    notice(world.handler, "claim", order=claimable)
    notice(world.handler, "closed", order=closed)
    notice(world.handler, "call", order=closed, channel="phone_task")  # an unread call task needs me anyway
    client = login(world.handler)

    needs_me = groups(client.get("/notifications/?show=needs_me").content.decode())
    fyi = groups(client.get("/notifications/?show=fyi").content.decode())

    assert needs_me == [closed.number, claimable.number]  # the closed order only for its call task
    assert fyi == []
    Notification.objects.filter(idempotency_key="call").update(read_at="2026-11-20T10:00:00+08:00")
    assert groups(client.get("/notifications/?show=fyi").content.decode()) == [closed.number]
    assert groups(client.get("/notifications/?show=needs_me").content.decode()) == [claimable.number]


def test_read_one_one_order_or_all_and_only_my_own(world, login):
    order = work_order_at("dispatched", world=world, accepted_number=another_number())
    first, second = notice(world.handler, "x1", order=order), notice(world.handler, "x2", order=order)
    general = notice(world.handler, "g")
    theirs = notice(world.handler_peer, "peer", order=order)
    client = login(world.handler)

    assert client.post(f"/notifications/{first.pk}/read/").status_code == 302
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404  # someone else's: like a missing one
    assert client.post("/notifications/999999999/read/").status_code == 404
    assert set(Notification.objects.filter(read_at__isnull=False).values_list("pk", flat=True)) == {first.pk}

    client.post(f"/notifications/orders/{order.pk}/read/")
    assert Notification.objects.get(pk=second.pk).read_at is not None
    assert Notification.objects.get(pk=theirs.pk).read_at is None  # the peer's row about the same order
    assert Notification.objects.get(pk=general.pk).read_at is None

    client.post("/notifications/orders/0/read/")  # the notices about no order
    assert Notification.objects.get(pk=general.pk).read_at is not None
    assert client.get("/notifications/read-all/").status_code == 405  # a write is a POST


def test_read_goes_back_to_the_page_it_came_from_but_never_off_site(world, login):
    n = notice(world.handler, "n")
    client = login(world.handler)
    assert client.post(f"/notifications/{n.pk}/read/", {"next": "/notifications/?show=fyi"})["Location"] == (
        "/notifications/?show=fyi"
    )
    assert client.post("/notifications/read-all/", {"next": "https://evil.example/"})["Location"] == "/notifications/"


def test_a_body_that_repeats_the_subject_is_not_shown_twice(world, login):
    notice(world.handler, "same", subject="【超时】W1 处理 已超时", body="【超时】W1 处理 已超时")
    notice(world.handler, "more", subject="回单被退回", body="请补充计费详单")
    page = login(world.handler).get("/notifications/").content.decode()
    assert page.count("【超时】W1 处理 已超时") == 1
    assert "请补充计费详单" in page


def test_an_unknown_show_is_all(world, login):
    notice(world.handler, "n")
    assert groups(login(world.handler).get("/notifications/?show=%00x").content.decode()) == ["general"]
