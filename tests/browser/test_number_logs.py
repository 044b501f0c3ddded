"""Issue 8 §1 (R-SEC-2): a real browser intake leaves no full customer number in the server's access log.

The live server here writes an access log of every request as it arrived — the request line (path and query
as sent) and the Referer — unmasked, as any proxy or web server in front of the app would log it. A clerk
looks a number up on the intake card, searches a category, logs an urge on another hall's order (which
needs the number, R-SEC-1) and accepts a new order: the number travels in POST bodies only. (gunicorn's
own masking of numbers a client still puts in a URL is tests/security/test_number_logs.py.)"""

import re
from pathlib import Path

import pytest
from django.core.servers.basehttp import WSGIRequestHandler
from django.test.testcases import LiveServerThread
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from config.gunicorn_logging import mask_numbers
from tests.browser.conftest import PASSWORD
from tests.factories import work_order_make
from tickets.models import WorkOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OTHER_HALL_NUMBER = "13900006666"
NEW_NUMBER = "13900007777"


class AccessLoggingThread(LiveServerThread):
    """Django's live server thread, with a request handler that appends an access-log line per request."""

    access_log: Path

    def _create_server(self, connections_override=None):
        log = self.access_log

        class Handler(WSGIRequestHandler):
            def log_request(self, code="-", size="-"):
                referer = self.headers.get("Referer", "-")
                with log.open("a") as out:
                    out.write(f'{self.client_address[0]} "{self.requestline}" {code} "{referer}"\n')

            def log_message(self, format, *args):  # noqa: A002 (the base class's name)
                pass

        return self.server_class(
            (self.host, self.port), Handler, allow_reuse_address=False, connections_override=connections_override
        )


@pytest.fixture
def logged_server(transactional_db, tmp_path):
    server = LiveServer("localhost", start=False)
    server.thread.__class__ = AccessLoggingThread
    server.thread.access_log = tmp_path / "access.log"
    server._live_server_modified_settings.enable()
    server.start()
    yield server
    server.stop()
    server._live_server_modified_settings.disable()


def test_a_browser_intake_leaves_no_number_in_the_access_log(cast, browser, logged_server, shot):
    world = cast.world
    order = work_order_make(actor=world.clerk_north, accepted_number=OTHER_HALL_NUMBER)
    context = browser.new_context(locale="zh-CN", base_url=logged_server.url, viewport={"width": 1360, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        page.fill("#id_username", world.clerk.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{logged_server.url}/")

        # the number lookup: the customer card of another hall's open order
        page.goto("/orders/new/")
        page.fill('input[name="accepted_number"]', OTHER_HALL_NUMBER)
        row = page.locator(f'[data-urge-row="{order.number}"]')
        expect(row).to_be_visible()
        # the urge, from the card
        row.locator(f'input[name="urge_note_{order.pk}"]').fill("客户来厅催问进度")
        row.locator("button").click()
        expect(page.locator(f'[data-urge-row="{order.number}"] [data-urge-logged]')).to_be_visible()

        # a new customer accepted in full: lookup, category search, submit
        page.fill('input[name="accepted_number"]', "139 0000 7777")
        expect(page.locator("[data-new-customer]")).to_be_visible()
        page.fill('input[name="customer_name"]', "孙女士")
        page.fill('input[name="customer_home_city"]', "深圳")
        page.fill("#category-search", "充值卡")
        page.locator(f'[data-category-id="{world.category.id}"]').click()
        expect(page.locator("#scripts")).to_contain_text(cast.script_text)
        page.fill('textarea[name="content"]', "客户称充值卡被盗用。")
        page.check("#id_visit_confirmed")  # a hall's walk-in (来人来访)
        page.click("#intake-form button[type=submit]")
        page.wait_for_url(re.compile(r"/orders/\d+/$"))
        shot(page, "10-intake-no-number-in-logs")
    finally:
        context.close()

    assert order.timeline.filter(kind="urge").count() == 1
    assert WorkOrder.objects.filter(accepted_number=NEW_NUMBER).count() == 1
    log = (logged_server.thread.access_log).read_text()
    assert '"POST /orders/new/customer/ ' in log and f'"POST /orders/{order.pk}/urge/ ' in log
    assert "GET /orders/new/categories/?category_q=" in log  # the log does record queries
    for number in (OTHER_HALL_NUMBER, NEW_NUMBER):
        assert number not in log and f"{number[:3]}%20{number[3:7]}" not in log
    assert mask_numbers(log) == log  # no phone number in any form, encoded or spaced
