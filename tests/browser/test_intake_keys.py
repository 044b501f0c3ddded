"""Intake in the order of the conversation, by keyboard (issue 13 §2, R-UI-1), in Debian chromium: the number field
has the focus; Enter in it loads the customer card and submits nothing; in the category search ↑/↓ move through
the results and Enter picks one, submitting nothing; Ctrl+Enter accepts the order. Zero failed submits. Tab follows
the conversation (the DOM order is the visual order); a skip link passes the top bar. At 1280 px and on a 390 px
phone, where the intake and the new order's page fit the screen (issue 13 §7)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_clocks_and_actions_first, assert_fits
from tests.factories import another_number, category_leaf, work_order_make
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


# What has the keyboard focus: a name for its place in the conversation, its box and the intake's column it is in.
FOCUSED = """() => {
  const e = document.activeElement;
  const r = e.getBoundingClientRect();
  const side = e.closest('.intake__card, .intake__scripts');
  let name = e.getAttribute('name') || e.id || e.className || e.tagName.toLowerCase();
  if (e.closest('[data-urge-row]')) name = 'urge';
  else if (e.closest('[data-customer-card], .history')) name = 'card';
  else if (e.matches('button[type=submit]') && e.closest('.intake__submit')) name = 'submit';
  return {name, y: Math.round(r.top + window.scrollY), side: side ? side.className : ''};
}"""
CONVERSATION = [
    "accepted_number", "contact_number", "urge", "order_type", "category_q", "category-results", "content",
    "handling_method", "urgency", "is_major", "attachments", "channel", "received_at", "visit_confirmed", "submit",
]  # fmt: skip


@pytest.mark.parametrize("width", [1280, 390])
def test_tab_follows_the_conversation_from_the_number_to_accept(cast, open_as, shot, width):
    """Tab goes number → customer → their card (its urge buttons before anything below it) → type and category
    (the category tree one stop) → content → handling method → urgency and flags → attachments → how it came in
    and the visit confirmation → accept, and never back up the column: the DOM order is the visual order."""
    world = cast.world
    work_order_make(actor=world.clerk_north, accepted_number="13900004444")  # an open order: an urge row on the card
    clerk = open_as(world.clerk, width)
    clerk.goto("/orders/new/")
    expect(clerk.locator('input[name="accepted_number"]')).to_be_focused()
    clerk.keyboard.type("13900004444")
    clerk.keyboard.press("Enter")
    expect(clerk.locator("[data-urge-hint]")).to_be_visible()

    stops = [clerk.evaluate(FOCUSED)]
    for _ in range(60):
        clerk.keyboard.press("Tab")
        stops.append(clerk.evaluate(FOCUSED))
        if stops[-1]["name"] == "submit":
            break
    names = [s["name"] for s in stops]
    assert names[-1] == "submit", names
    shot(clerk, f"32-intake-tab-order-{width}")

    # the conversation's stations come in its order, each once where it is one stop
    firsts = [names.index(n) for n in CONVERSATION]
    assert firsts == sorted(firsts), list(zip(CONVERSATION, firsts, strict=True))
    assert names.count("category-results") == 1 and names.count("order_type") == 1, names
    assert not [n for n in names if n.startswith("leaf") or n == "summary"], names
    # the card's urge row comes right after the customer's fields, long before the submit button (not after it)
    assert names.index("urge") < names.index("category_q")

    # what the eye sees: down the page in column 1 (on a phone, the only column: the card and scripts included)
    main = [s for s in stops if width < 980 or not s["side"]]
    ys = [s["y"] for s in main]
    assert all(b >= a - 2 for a, b in zip(ys, ys[1:], strict=False)), [(s["name"], s["y"]) for s in main]


def test_the_skip_link_is_the_first_tab_stop_and_jumps_past_the_top_bar(cast, open_as):
    clerk = open_as(cast.world.clerk, 1280)
    clerk.goto("/queues/follow_ups/")
    clerk.keyboard.press("Tab")
    skip = clerk.locator("a.skip-link")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box["y"] >= 0 and box["height"] > 10  # shown while it has the focus
    clerk.keyboard.press("Enter")
    expect(clerk.locator("main#main")).to_be_focused()


def test_enter_typed_before_the_results_arrive_picks_from_the_term_typed(cast, open_as):
    """A clerk who types the term and presses Enter at once gets the first leaf of *that* term's results, not the
    first leaf of the list still on screen (the whole tree, or the recently used), and nothing is submitted."""
    world = cast.world
    fee = category_leaf("通信费用", "计费差错")
    work_order_make(actor=world.clerk, accepted_number=another_number(), category_id=fee.id)  # recently used
    clerk = open_as(world.clerk, 1280)
    clerk.goto("/orders/new/")
    clerk.focus("#category-search")
    first_before = clerk.locator("#category-results button.leaf").first.inner_text()
    assert world.category.name not in first_before  # else this test could not tell the two apart

    clerk.keyboard.type("充值卡")
    clerk.keyboard.press("Enter")  # within the 250 ms before the search is even sent

    expect(clerk.locator("[data-picked-category]")).to_contain_text(world.category.name)
    assert clerk.url.endswith("/orders/new/") and WorkOrder.objects.count() == 1  # the earlier one only
