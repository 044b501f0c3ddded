"""A supervisor's bulk action refused keeps its input (issue 13 §4): from the overdue queue, one order in a
refusing state, a missing reason or a bad unit changes nothing (all-or-nothing), and the page they come back to
names the order or the field and still has the ticked rows, the chosen person or unit, the note and the
deadline. Read once: the next visit shows a clean form. The order page's supervisor panel does the same."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import fresh, work_order_at
from tickets.models import OrderState

pytestmark = pytest.mark.django_db

QUEUE = "/queues/overdue/"


def ticked(html: str) -> set[int]:
    return {
        int(pk) for pk in re.findall(r'name="orders" value="(\d+)" form="supervise-form" id="pick-\d+" checked', html)
    }


def selected(html: str, select_id: str) -> str | None:
    block = re.search(rf'<select id="{select_id}".*?</select>', html, re.S)
    found = re.search(r'<option value="(\d+)" selected', block.group(0)) if block else None
    return found.group(1) if found else None


@pytest.fixture
def overdue(world, clocks):
    first = work_order_at(OrderState.PROCESSING, world=world, accepted_number="13900000406")
    replied = work_order_at(OrderState.DEPT_REPLIED, world=world, accepted_number="13900000408")
    now = timezone.now()
    for order in (first, replied):
        order.clocks.filter(kind="handle").update(state="overdue", due_at=now - timedelta(hours=3), breached_at=now)
    return first, replied


def test_an_order_in_a_refusing_state_is_named_and_the_input_kept(world, login, overdue):
    first, replied = overdue
    client = login(world.dispatcher)
    due = timezone.localtime(timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    # when one of the two chosen orders may not be reassigned
    response = client.post(
        "/orders/supervise/",
        {"action": "reassign", "orders": [first.id, replied.id], "assignee": world.handler_peer.id,
         "note": "原处理人休假，改派", "due_at": due, "next": QUEUE, "at": "supervise-form"},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == QUEUE + "#supervise-form"  # back at the form
    page = client.get(QUEUE).content.decode()

    # then nothing changed, the refused order is named and marked, and everything entered is still there
    assert fresh(first).assignee == world.handler
    errors = re.search(r"data-supervise-errors>(.*?)</div>", page, re.S).group(1)
    assert replied.number in errors and first.number not in errors
    assert re.search(rf'<tr data-order="{replied.number}" class="[^"]*row--refused[^"]*" data-refused>', page)
    assert not re.search(rf'<tr data-order="{first.number}" class="[^"]*row--refused', page)
    assert ticked(page) == {first.id, replied.id}
    assert selected(page, "bulk-assignee") == str(world.handler_peer.id)
    assert 'value="原处理人休假，改派"' in page and f'value="{due}"' in page

    # and only once: coming back later shows a clean form
    again = client.get(QUEUE).content.decode()
    assert ticked(again) == set() and "data-supervise-errors" not in again and "原处理人休假" not in again


def test_a_missing_reason_is_shown_at_the_note_with_the_rows_kept(world, login, overdue):
    first, _replied = overdue
    client = login(world.dispatcher)
    client.post(
        "/orders/supervise/",
        {"action": "escalate", "orders": [first.id], "note": "  ", "next": QUEUE},
    )
    page = client.get(QUEUE).content.decode()
    assert re.search(r'<p class="field__error" id="bulk-note-error" data-error="note">\S', page)
    assert 'id="bulk-note" name="note"' in page and 'aria-describedby="bulk-note-error"' in page
    assert ticked(page) == {first.id}


def test_a_bad_unit_is_shown_at_the_unit_with_the_note_kept(world, login, overdue):
    first, _replied = overdue
    client = login(world.dispatcher)
    client.post(
        "/orders/supervise/",
        {"action": "reassign", "orders": [first.id], "unit": world.south.id, "note": "改派到营业厅",
         "next": QUEUE},
    )  # fmt: skip
    page = client.get(QUEUE).content.decode()
    assert fresh(first).handling_unit == world.dept_billing
    assert re.search(r'data-error="unit">\S', page)
    assert ticked(page) == {first.id} and 'value="改派到营业厅"' in page


def test_nothing_chosen_says_so(world, login, overdue):
    client = login(world.dispatcher)
    client.post("/orders/supervise/", {"action": "remind", "note": "请尽快处理", "next": QUEUE})
    page = client.get(QUEUE).content.decode()
    assert re.search(r'data-error="orders">\S', page) and 'value="请尽快处理"' in page


def test_the_order_page_panel_keeps_its_input(world, login, overdue):
    first, _replied = overdue
    client = login(world.dispatcher)
    here = f"/orders/{first.id}/"
    client.post(
        "/orders/supervise/",
        {"action": "reassign", "orders": [first.id], "assignee": world.handler.id, "note": "换人", "next": here},
    )
    page = client.get(here).content.decode()
    assert fresh(first).assignee == world.handler
    assert re.search(rf'data-error="assignee">[^<]*{first.number}', page)  # at the field, naming the order
    assert ">换人</textarea>" in page
