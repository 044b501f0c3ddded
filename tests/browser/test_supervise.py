"""Issue 13 §3, §4 and §7 in a real browser (Debian chromium, at 1280 px and on a 390 px phone): a handler finds a
newly dispatched order in "to claim" and opens it (the order page fits the phone, clocks and the due step before
the timeline); a supervisor reassigns an overdue order from the overdue queue — a first try without the reason is
refused and keeps the ticked row and the chosen handler — and the new handler sees it in "mine"; the queues fit
the phone; the navigation of each role fits one row at 1280 px. Screenshots in artifacts/screenshots/."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, assert_clocks_and_actions_first, assert_fits
from tests.factories import fresh, work_order_at
from tickets.models import OrderState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def with_password(user):
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


@pytest.mark.parametrize("width", [1280, 390])
def test_a_handler_finds_a_newly_dispatched_order_to_claim(cast, open_as, shot, width):
    world = cast.world
    order = work_order_at(OrderState.DISPATCHED, world=world)
    handler = open_as(world.handler, width)
    assert_fits(handler, "dashboard")

    handler.locator('nav [data-queue="to_claim"]').click()
    row = handler.locator(f'tr[data-order="{order.number}"]')
    expect(row).to_be_visible()
    expect(row.locator(".due")).to_contain_text("剩余")
    shot(handler, f"h6-01-handler-to-claim-{width}")
    assert_fits(handler, "to claim")

    row.locator(".row-link").focus()
    handler.keyboard.press("Enter")  # the row's link is reachable and opens the order
    handler.wait_for_url(f"**/orders/{order.pk}/")
    expect(handler.locator("#actions")).to_contain_text("接单")
    shot(handler, f"h6-01b-handler-order-{width}")
    assert_fits(handler, "order page (handler)")
    assert_clocks_and_actions_first(handler)


@pytest.mark.parametrize("width", [1280, 390])
def test_a_supervisor_reassigns_an_overdue_order_and_the_new_handler_sees_it(cast, open_as, shot, width):
    world = cast.world
    order = work_order_at(OrderState.PROCESSING, world=world)
    now = timezone.now()
    order.clocks.filter(kind="handle").update(state="overdue", due_at=now - timedelta(hours=38), breached_at=now)
    with_password(world.handler_peer)
    dispatcher = open_as(world.dispatcher, width)

    dispatcher.goto("/queues/overdue/")
    row = dispatcher.locator(f'tr[data-order="{order.number}"]')
    expect(row).to_have_class("row-linked row--overdue")
    expect(row.locator(".due")).to_contain_text("超时 38 小时")
    assert_fits(dispatcher, "overdue queue")

    # a first try without the reason is refused: nothing changes, and the choice is still there to complete
    row.locator('input[name="orders"]').check()
    dispatcher.select_option("#bulk-assignee", str(world.handler_peer.pk))
    dispatcher.locator('button[name="action"][value="reassign"]').click()
    expect(dispatcher.locator('[data-error="note"]')).to_be_visible()
    expect(dispatcher.locator(".messages")).to_contain_text("未做任何更改")
    expect(row.locator('input[name="orders"]')).to_be_checked()
    expect(dispatcher.locator("#bulk-assignee")).to_have_value(str(world.handler_peer.pk))
    shot(dispatcher, f"h6-02a-overdue-refused-kept-{width}")
    assert fresh(order).assignee == world.handler

    dispatcher.fill("#bulk-note", "原处理人休假，改派")
    shot(dispatcher, f"h6-02-overdue-queue-chosen-{width}")
    dispatcher.locator('button[name="action"][value="reassign"]').click()
    expect(dispatcher.locator(".messages")).to_contain_text("改派：已完成 1 张工单")
    shot(dispatcher, f"h6-03-overdue-reassigned-{width}")
    assert fresh(order).assignee == world.handler_peer

    peer = open_as(world.handler_peer, width)
    peer.goto("/queues/mine/")
    expect(peer.locator(f'tr[data-order="{order.number}"]')).to_be_visible()
    shot(peer, f"h6-04-new-handler-mine-{width}")
    assert_fits(peer, "mine")


@pytest.mark.parametrize("role", ["clerk", "handler", "dispatcher", "store_manager"])
def test_the_navigation_fits_one_row_at_1280(cast, browser, live_server, shot, role):
    world = cast.world
    world.hall_south.supervisor = world.store_manager
    world.hall_south.save(update_fields=["supervisor"])
    user = with_password(getattr(world, role))
    context = browser.new_context(locale="zh-CN", base_url=live_server.url, viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        links = page.locator("nav.nav > a")
        tops = {round(box["y"]) for box in (links.nth(i).bounding_box() for i in range(links.count())) if box}
        shot(page, f"h6-05-nav-1280-{role}")
        assert len(tops) == 1, f"{role}: the navigation wraps onto {len(tops)} rows at 1280 px"
    finally:
        context.close()
