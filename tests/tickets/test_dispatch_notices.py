"""Issue 8 §7: dispatching an order tells the handling unit's members (R-NT-1, in the inbox, after commit, once per
order, cycle and person), and the order is in their unit's queue, whose count in the navigation moves."""

import re

import pytest
from django.test import Client

from notifications.models import Notification, NotificationState
from tests.factories import UserFactory, fresh, work_order_at, work_order_make
from tickets import services
from tickets.models import OrderState

pytestmark = pytest.mark.django_db


def dispatched_notices(order) -> dict[str, Notification]:
    rows = Notification.objects.filter(order=order, kind="dispatched").select_related("recipient")
    return {n.recipient.username: n for n in rows}


def nav_count(user, queue: str) -> int:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    html = client.get("/queues/counts/", HTTP_HX_REQUEST="true").content.decode()
    return int(re.search(rf'id="count-{queue}" data-count="(\d+)"', html).group(1))


def unread(user) -> int:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    html = client.get("/queues/counts/", HTTP_HX_REQUEST="true").content.decode()
    return int(re.search(r'id="count-unread" data-count="(\d+)"', html).group(1))


def test_dispatch_tells_every_member_of_the_handling_unit_after_commit(world, django_capture_on_commit_callbacks):
    # given: a member of the department who left (inactive) and the dispatcher's own unit
    gone = UserFactory(username="gone", roles=["handler"], units=[world.dept_billing], is_active=False)
    order = work_order_make(actor=world.clerk)
    assert (nav_count(world.handler, "to_claim"), unread(world.handler)) == (0, 0)

    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.work_order_dispatch(order_id=order.id, actor=world.dispatcher, unit_id=world.dept_billing.id)
    assert not dispatched_notices(order)  # nothing before the commit
    for callback in callbacks:
        callback()

    # then: both active handlers of the department, in the inbox (delivered: shown at once), nobody else
    notices = dispatched_notices(order)
    assert set(notices) == {world.handler.username, world.handler_peer.username}
    assert gone.username not in notices
    notice = notices[world.handler.username]
    assert (notice.channel, notice.state) == ("in_app", NotificationState.SENT)
    assert order.number in notice.subject and world.dept_billing.name in notice.subject
    assert notice.idempotency_key == f"order-{order.id}-cycle-1-dispatched-{world.handler.pk}"
    # and the department sees it in its unit's queue, and the unread badge moves
    assert (nav_count(world.handler, "to_claim"), unread(world.handler)) == (1, 1)
    assert nav_count(world.handler_network, "to_claim") == 0


def test_a_redispatch_tells_the_new_unit_for_the_new_cycle(world, django_capture_on_commit_callbacks):
    order = work_order_at(OrderState.CALLBACK_DONE, world=world, callback="unsatisfied")
    before = Notification.objects.filter(kind="dispatched").count()

    # when: 二次派单 to the network department
    with django_capture_on_commit_callbacks(execute=True):
        services.work_order_redispatch(
            order_id=order.id, actor=world.dispatcher, unit_id=world.dept_network.id, reason="补偿未到账"
        )

    # then
    notice = Notification.objects.get(kind="dispatched", order=order, recipient=world.handler_network)
    assert notice.idempotency_key == f"order-{order.id}-cycle-2-dispatched-{world.handler_network.pk}"
    assert Notification.objects.filter(kind="dispatched").count() == before + 1
    assert fresh(order).cycle == 2
    assert nav_count(world.handler_network, "to_claim") == 1


def test_the_notice_is_sent_once_even_if_the_after_commit_step_runs_again(world, django_capture_on_commit_callbacks):
    order = work_order_make(actor=world.clerk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.work_order_dispatch(order_id=order.id, actor=world.dispatcher, unit_id=world.dept_billing.id)

    # when: the after-commit step is retried (a worker restarted, a duplicate delivery)
    for _ in range(2):
        for callback in callbacks:
            callback()

    # then: one notice per member (idempotency key per order, cycle and person)
    assert Notification.objects.filter(kind="dispatched", order=order).count() == 2
