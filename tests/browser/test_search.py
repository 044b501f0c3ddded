"""Issue 13 §1 and §5 in a real browser (Debian chromium, at 1280 and 390 px): "/" focuses the top bar's search; a
closed order is found by the last 4 digits of its number and by a word of its request; its page shows the
customer's history with the final reply; the first-contact owner reveals the number of an open order with one
click (a tel: link) and the audit row exists. The server's access log (every request line and Referer, as a proxy
would log them, see test_number_logs.py) holds no number: the search term travels in POST bodies only (R-SEC-2)."""

import re

import pytest
from playwright.sync_api import expect

from config.gunicorn_logging import mask_numbers
from tests.browser.conftest import PASSWORD
from tests.browser.test_number_logs import logged_server  # noqa: F401 (the access-logging live server fixture)
from tests.factories import FINAL_REPLY, work_order_at, work_order_make
from tickets.models import NumberUnmaskAudit, OrderState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLOSED_NUMBER = "13900005566"
OPEN_NUMBER = "13900008800"


@pytest.mark.parametrize("width", [1280, 390])
def test_search_history_and_calling_the_customer(cast, browser, logged_server, shot, width):  # noqa: F811
    world = cast.world
    closed = work_order_at(
        OrderState.CLOSED, world=world, accepted_number=CLOSED_NUMBER, content="家里宽带晚上频繁掉线。"
    )
    to_call = work_order_make(actor=world.clerk, accepted_number=OPEN_NUMBER, content="套餐变更后资费不对。")
    context = browser.new_context(locale="zh-CN", base_url=logged_server.url, viewport={"width": width, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        page.fill("#id_username", world.clerk.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{logged_server.url}/")

        # "/" focuses the search box; the last 4 digits find the closed order
        page.keyboard.press("/")
        box = page.locator("[data-search-box]")
        expect(box).to_be_focused()
        page.keyboard.type("5566")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/search/\?k="))
        row = page.locator(f'[data-result="{closed.number}"]')
        expect(row).to_be_visible()
        expect(row).to_contain_text("139****5566")
        shot(page, f"20-search-last-digits-{width}")

        # a word of the request finds it too
        box.fill("掉线")
        box.press("Enter")
        expect(page.locator(f'[data-result="{closed.number}"]')).to_be_visible()
        shot(page, f"21-search-content-{width}")

        # its page shows the customer's history with the final reply
        page.locator(f'[data-result="{closed.number}"] a').first.click()
        history = page.locator(f'[data-customer-history] [data-history-row="{closed.number}"]')
        expect(history).to_be_visible()
        expect(history.locator("[data-final-reply]")).to_contain_text(FINAL_REPLY["content"])
        shot(page, f"22-order-history-{width}")

        # the first-contact owner calls the customer of an open order: one click, a tel: link
        page.goto(f"/orders/{to_call.pk}/")
        expect(page.locator("[data-call] input[name=reason]")).to_have_value("联系客户")
        page.locator("[data-call-reveal]").click()
        tel = page.locator("[data-call] [data-tel]")
        expect(tel).to_have_attribute("href", f"tel:{OPEN_NUMBER}")
        shot(page, f"23-call-the-customer-{width}")
    finally:
        context.close()

    audit = NumberUnmaskAudit.objects.get(order=to_call)
    assert (audit.user_id, audit.granted, audit.reason) == (world.clerk.id, True, "联系客户")
    log = logged_server.thread.access_log.read_text()
    assert '"POST /search/ ' in log and "GET /search/?k=" in log
    for secret in (CLOSED_NUMBER, OPEN_NUMBER, "5566", "%E6%8E%89"):  # the numbers, the digits, 掉 URL-encoded
        assert secret not in log, secret
    assert mask_numbers(log) == log
