"""R-SP-1 (a) in the browser: typing the number of a customer with an open order shows it on the card; the clerk
logs the urge there (button or Enter) without submitting the intake form, and no new order is made. The order is
another hall's: the row posts the number typed in the form with the note (R-SEC-1), else it would be a 404."""

import pytest
from playwright.sync_api import expect

from tests.factories import work_order_make
from tickets.models import WorkOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clerk_logs_an_urge_from_the_customer_card(cast, open_as, shot):
    world = cast.world
    order = work_order_make(actor=world.clerk_north, accepted_number="13900003333")  # another hall's order
    clerk = open_as(world.clerk)

    clerk.goto("/orders/new/")
    clerk.fill('input[name="accepted_number"]', "13900003333")
    row = clerk.locator(f'[data-urge-row="{order.number}"]')
    expect(row).to_be_visible()

    # an empty note is refused in the row
    row.locator("button").click()
    expect(clerk.locator(f'[data-urge-row="{order.number}"] [data-urge-error]')).to_contain_text("请记录客户所说内容")

    # Enter in the note logs the urge: the intake form is not submitted
    note = clerk.locator(f'[data-urge-row="{order.number}"] input[name="urge_note_{order.pk}"]')
    note.fill("客户来厅催问销户进度")
    note.press("Enter")
    expect(clerk.locator(f'[data-urge-row="{order.number}"] [data-urge-logged]')).to_be_visible()
    expect(clerk.locator(f'[data-urge-row="{order.number}"] [data-urges]')).to_have_text("已催办 1 次")
    assert clerk.url.endswith("/orders/new/")
    shot(clerk, "09-intake-urge")

    assert [e.note for e in order.timeline.filter(kind="urge")] == ["客户来厅催问销户进度"]
    assert WorkOrder.objects.count() == 1
