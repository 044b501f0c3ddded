"""Repeat complaints in the browser's intake (R-SP-1 (b), R-UI-1, issue 12 §2): the customer card lists the
number's orders closed within 30 days with their final reply and "repeat of this"; the button submits what was
typed, flagged and linked; a same-matter complaint filed without saying asks "repeat or different" inline,
keeping the input; the reply form of the repeat starts from the earlier wording."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from tests.factories import CITY, FINAL_REPLY, work_order_at, work_order_walk
from tickets.models import OrderState, WorkOrder

pytestmark = pytest.mark.django_db

NUMBER = "13900007201"
CONTENT = "客户再次来电：上次说补足的金额没有到账。"


def closed(world, *, days_ago: float = 3) -> WorkOrder:
    with time_machine.travel(timezone.now() - timedelta(days=days_ago), tick=False):
        return work_order_at(OrderState.CLOSED, world=world, accepted_number=NUMBER, same_matter="different")


@pytest.fixture
def clerk(world) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.clerk)
    return client


def form(world, **overrides) -> dict:
    values = {
        "order_type": "complaint", "accepted_number": NUMBER, "customer_home_city": CITY,
        "category": world.category.id, "urgency": "normal", "handling_method": "transfer", "channel": "phone",
        "received_at": timezone.localtime(timezone.now() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
        "content": CONTENT, "attachment_kind": "other",
    }  # fmt: skip
    values.update(overrides)
    return values


def test_the_card_lists_recent_closings_with_their_reply_and_repeat_of_this(clerk, world):
    recent = closed(world, days_ago=3)
    old = closed(world, days_ago=31)

    html = clerk.post("/orders/new/customer/", {"accepted_number": NUMBER}).content.decode()

    assert f'data-repeat-offer="{recent.number}"' in html
    assert FINAL_REPLY["content"] in html
    assert f'name="repeat_of" value="{recent.number}"' in html
    # closed more than 30 days ago: no repeat of it is offered (the customer's history may still list it)
    assert f'data-repeat-of="{old.number}"' not in html and f'value="{old.number}"' not in html


def test_repeat_of_this_submits_the_typed_form_flagged_and_linked(clerk, world):
    previous = closed(world)

    # when the clerk presses "repeat of this" with the reason typed
    response = clerk.post("/orders/new/", form(world, repeat_of=previous.number, repeat_reason="金额未到账"))

    # then the order is a repeat of it
    assert response.status_code == 302
    order = WorkOrder.objects.get(accepted_number=NUMBER, is_repeat=True)
    assert (order.previous_order_id, order.repeat_reason, order.content) == (previous.id, "金额未到账", CONTENT)


def test_repeat_of_this_without_the_reason_asks_for_it_keeping_the_input(clerk, world):
    previous = closed(world)

    response = clerk.post("/orders/new/", form(world, repeat_of=previous.number))

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["repeat_reason"]
    html = response.content.decode()
    assert CONTENT in html and f'value="{previous.number}"' in html  # typed text and the link kept
    assert not WorkOrder.objects.filter(accepted_number=NUMBER, is_repeat=True).exists()


def test_the_same_matter_asks_repeat_or_different_inline_and_keeps_the_input(clerk, world):
    previous = closed(world)

    # when the clerk files the complaint without saying
    asked = clerk.post("/orders/new/", form(world))

    # then the page asks, with both answers as buttons of the form, and the input is kept
    assert asked.status_code == 400
    html = asked.content.decode()
    assert f'data-same-matter="{previous.number}"' in html
    assert f'name="repeat_of" value="{previous.number}"' in html
    assert 'name="same_matter" value="different"' in html
    assert CONTENT in html
    assert "same_matter.candidate" not in html and list(asked.context["form"].errors) == ["same_matter"]

    # when the clerk answers "a different matter"
    different = clerk.post("/orders/new/", form(world, same_matter="different"))

    # then the order is created unlinked, the choice on its timeline
    assert different.status_code == 302
    order = WorkOrder.objects.get(accepted_number=NUMBER, state=OrderState.ACCEPTED)
    assert not order.is_repeat
    assert order.timeline.get(kind="created").data["same_matter"]["candidate"]["number"] == previous.number


def test_repeat_of_from_the_history_opens_the_intake_filled_in(clerk, world):
    previous = closed(world)

    html = clerk.get(f"/orders/new/?repeat_of={previous.number}").content.decode()

    assert f'value="{NUMBER}"' in html and f'value="{previous.number}"' in html
    assert 'name="is_repeat"' in html and "checked" in html.split('name="is_repeat"')[1].split(">")[0]


def test_the_repeats_reply_form_starts_from_the_earlier_wording(clerk, world):
    previous = closed(world)
    response = clerk.post("/orders/new/", form(world, repeat_of=previous.number, repeat_reason="金额未到账"))
    order = WorkOrder.objects.get(accepted_number=NUMBER, is_repeat=True)
    assert response.status_code == 302

    order = work_order_walk(order, to=OrderState.REPLY_APPROVED, world=world)
    dispatcher = Client(HTTP_ACCEPT_LANGUAGE="en")
    dispatcher.force_login(world.dispatcher)
    html = dispatcher.get(f"/orders/{order.pk}/").content.decode()

    assert "data-reply-voice" in html
    assert FINAL_REPLY["content"] in html
