"""Intake in the order of the conversation, by keyboard (issue 13 §2, R-UI-1), in Debian chromium: the number field
has the focus; Enter in it loads the customer card and submits nothing; in the category search ↑/↓ move through
the results and Enter picks one, submitting nothing; Ctrl+Enter accepts the order. Zero failed submits. At 1280 px
and on a 390 px phone, where the intake and the new order's page fit the screen (issue 13 §7)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_clocks_and_actions_first, assert_fits
from tickets.models import WorkOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_a_walk_in_accepted_by_keyboard_with_no_failed_submit(cast, open_as, shot, width):
    world = cast.world
    clerk = open_as(world.clerk, width)
    submits = []

    def count_submit(request):
        if request.method == "POST" and request.url.endswith("/orders/new/"):
            submits.append(request.url)

    clerk.on("request", count_submit)
    clerk.goto("/orders/new/")
    number = clerk.locator('input[name="accepted_number"]')
    expect(number).to_be_focused()  # autofocus on the number: the conversation starts there

    # when the clerk types the club customer's number and presses Enter
    clerk.keyboard.type(cast.club_number)
    clerk.keyboard.press("Enter")

    # then the card is loaded and nothing was submitted
    expect(clerk.locator("[data-customer-card]")).to_contain_text("赵女士")
    assert clerk.url.endswith("/orders/new/") and not WorkOrder.objects.exists()
    # in the order of the conversation: the card comes before the category (beside the form, or under the number)
    card, search = (clerk.locator(s).bounding_box()["y"] for s in (".intake__card", "#category-search"))
    assert card < search, (card, search)

    # when they search the category and move with the arrows, Enter picks the highlighted leaf
    clerk.fill("#category-search", "充值卡")
    first = clerk.locator("#category-results button.leaf").first
    expect(first).to_be_visible()
    clerk.focus("#category-search")
    clerk.keyboard.press("ArrowDown")
    expect(first).to_have_class(re.compile("is-highlighted"))
    clerk.keyboard.press("Enter")
    expect(clerk.locator("[data-picked-category]")).to_contain_text(world.category.name)
    assert clerk.url.endswith("/orders/new/") and not WorkOrder.objects.exists()

    # at a hall the channel is 来人来访, with the customer's confirmation shown at once
    expect(clerk.locator('[name="channel"]')).to_have_value("visit")
    clerk.check("#id_visit_confirmed")

    # when the content is typed and Ctrl+Enter pressed in it
    clerk.fill("#id_content", "客户称外购充值卡密码已被使用，要求查明。")
    shot(clerk, f"30-intake-by-keyboard-{width}")
    assert_fits(clerk, "intake")
    clerk.focus("#id_content")
    clerk.keyboard.press("Control+Enter")

    # then the order is accepted at the first submit
    clerk.wait_for_url(re.compile(r"/orders/\d+/$"))
    order = WorkOrder.objects.get()
    assert order.accepted_number == cast.club_number and order.category_id == world.category.id
    assert len(submits) == 1  # the one that accepted it

    # and the front-line user's view of the new order fits, its clocks and next step first
    shot(clerk, f"31-accepted-order-front-line-{width}")
    assert_fits(clerk, "order page (front line)")
    assert_clocks_and_actions_first(clerk)


def test_a_reply_script_is_inserted_where_the_clerk_types(cast, open_as):
    clerk = open_as(cast.world.clerk)
    clerk.goto("/orders/new/")
    clerk.fill("#category-search", "充值卡")
    clerk.click(f'[data-category-id="{cast.world.category.id}"]')
    expect(clerk.locator("#scripts [data-script]")).to_contain_text(cast.script_text)

    # when the clerk has typed the start of the content and presses "insert" on the script
    clerk.fill("#id_content", "客户来电：")
    clerk.locator("#scripts [data-insert-script]").first.click()

    # then the script's wording follows what was typed, in the content box
    expect(clerk.locator("#id_content")).to_have_value("客户来电：" + cast.script_text)
