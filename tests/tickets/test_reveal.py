"""Issue 13 §5, R-SEC-2: the first-contact owner and the current handler reveal the number of their own open order
with one click (reason pre-filled "联系客户"), as a tel: link, audit-logged like every unmask; everyone else keeps
the masked view, and their attempt is on record too."""

import pytest
from django.test import Client

from tests.factories import another_number, work_order_at, work_order_make
from tickets.models import NumberUnmaskAudit, OrderState

pytestmark = pytest.mark.django_db


def client_of(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def call(user, order, reason="联系客户"):
    return client_of(user).post(f"/orders/{order.pk}/call/", {"reason": reason})


def test_the_first_contact_owner_reveals_the_number_as_a_tel_link_and_it_is_audited(world):
    # given an open order accepted by a front-line clerk (who lacks the general unmask permission)
    order = work_order_make(actor=world.clerk, accepted_number="13712346677")
    assert not world.clerk.has_perm("tickets.unmask_number")
    # when they click "call the customer"
    response = call(world.clerk, order)
    # then the number comes back as a tel: link, not cached, and the reveal is on record
    html = response.content.decode()
    assert response.status_code == 200 and 'href="tel:13712346677"' in html
    assert "no-store" in response["Cache-Control"]
    audit = NumberUnmaskAudit.objects.get(order=order)
    assert (audit.user, audit.granted, audit.reason) == (world.clerk, True, "联系客户")


def test_the_contact_number_is_the_one_to_call_when_given(world):
    order = work_order_make(actor=world.clerk, accepted_number=another_number(), contact_number="13712340099")
    html = call(world.clerk, order).content.decode()
    assert 'href="tel:13712340099"' in html and f'href="tel:{order.accepted_number}"' in html


def test_the_current_handler_reveals_the_number(world):
    order = work_order_at(OrderState.PROCESSING, world=world, accepted_number=another_number())
    assert call(world.handler, order).status_code == 200
    assert NumberUnmaskAudit.objects.filter(order=order, user=world.handler, granted=True).count() == 1


def test_others_who_see_the_order_are_refused_and_the_attempt_is_audited(world):
    order = work_order_at(OrderState.PROCESSING, world=world, accepted_number=another_number())
    # the handler's colleague sees the order (same unit) but is not its handler
    response = call(world.handler_peer, order)
    assert response.status_code == 403 and order.accepted_number not in response.content.decode()
    audit = NumberUnmaskAudit.objects.get(order=order)
    assert (audit.user, audit.granted) == (world.handler_peer, False)


def test_someone_who_may_not_see_the_order_gets_a_404_and_nothing_is_recorded(world):
    order = work_order_make(actor=world.clerk, accepted_number=another_number())
    assert call(world.clerk_north, order).status_code == 404
    assert not NumberUnmaskAudit.objects.exists()


def test_a_reason_is_still_required(world):
    order = work_order_make(actor=world.clerk, accepted_number=another_number())
    response = call(world.clerk, order, reason="  ")
    assert response.status_code == 400 and 'data-error-field="reason"' in response.content.decode()
    assert not NumberUnmaskAudit.objects.exists()


def test_a_closed_order_is_not_called_from_here(world):
    order = work_order_at(OrderState.CLOSED, world=world, accepted_number=another_number())
    assert call(world.clerk, order).status_code == 403
    assert NumberUnmaskAudit.objects.get(order=order).granted is False


def test_the_order_page_offers_the_call_only_to_the_owner_and_the_handler(world):
    order = work_order_at(OrderState.PROCESSING, world=world, accepted_number=another_number())
    for user, offered in ((world.clerk, True), (world.handler, True), (world.handler_peer, False)):
        html = client_of(user, "zh-hans").get(f"/orders/{order.pk}/").content.decode()
        assert ("data-call-reveal" in html) is offered, user
        assert order.accepted_number not in html
    assert 'value="联系客户"' in client_of(world.clerk, "zh-hans").get(f"/orders/{order.pk}/").content.decode()


def test_a_get_is_not_a_reveal(world):
    order = work_order_make(actor=world.clerk, accepted_number=another_number())
    assert client_of(world.clerk).get(f"/orders/{order.pk}/call/").status_code == 405
