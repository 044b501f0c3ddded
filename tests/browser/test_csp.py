"""Issue 8 §4 in a real browser: under the Content-Security-Policy (no inline script or style, scripts from
'self'; tests/security/test_headers.py checks the header itself) the workspace with its htmx swaps, the
admin and Swagger UI (/api/docs/) work without a single violation in the console."""

import pytest

from tests.browser.conftest import PASSWORD
from tests.factories import work_order_make

pytestmark = pytest.mark.browser


def watch(page) -> list[str]:
    """Console messages and security-policy violations of the page (and of the pages it navigates to)."""
    seen: list[str] = []
    page.on("console", lambda m: seen.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: seen.append(f"page error: {e}"))
    return seen


def violations(seen: list[str]) -> list[str]:
    return [m for m in seen if "Content Security Policy" in m or "Content-Security-Policy" in m or "page error" in m]


@pytest.mark.django_db(transaction=True)
def test_the_workspace_runs_under_the_policy(cast, open_as):
    world = cast.world
    order = work_order_make(actor=world.clerk, accepted_number="13900003333")
    page = open_as(world.clerk)
    seen = watch(page)

    page.goto("/")
    page.wait_for_load_state("networkidle")  # htmx loads the queue counts
    page.goto("/orders/new/")
    page.fill('input[name="accepted_number"]', "13900003333")
    page.locator(f'[data-urge-row="{order.number}"]').wait_for()
    page.fill('input[name="category_q"]', "话费")
    page.wait_for_load_state("networkidle")
    page.goto(f"/orders/{order.id}/")
    page.wait_for_load_state("networkidle")
    page.goto("/notifications/")

    assert violations(seen) == []
    assert page.evaluate("document.querySelectorAll('head style').length") == 0  # htmx injected no <style>


@pytest.mark.django_db(transaction=True)
def test_the_admin_and_swagger_ui_run_under_the_policy(cast, browser, live_server):
    admin = cast.world.clerk
    admin.is_staff = admin.is_superuser = True
    admin.save()
    context = browser.new_context(locale="zh-CN", base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    seen = watch(page)
    try:
        page.goto("/admin/login/")
        page.fill("#id_username", admin.username)
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"{live_server.url}/admin/")
        for path in (
            "/admin/",
            "/admin/tickets/workorder/",
            "/admin/auth/user/",
            f"/admin/auth/user/{admin.pk}/change/",
        ):
            page.goto(path)
            page.wait_for_load_state("networkidle")
        page.goto("/admin/tickets/workorder/?q=x")  # the changelist's JS (actions, filters)

        page.goto("/api/docs/")
        page.locator(".swagger-ui .opblock").first.wait_for()  # the operations are rendered: the script ran
        page.locator(".swagger-ui .opblock-summary").first.click()
        page.wait_for_load_state("networkidle")
    finally:
        context.close()

    assert violations(seen) == []
