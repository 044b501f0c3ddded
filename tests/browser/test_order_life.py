"""A complaint's whole life in a real browser (R-UI-1, R-NT-3): the front line accepts a club customer's
complaint, the dispatcher dispatches it, the handler claims and replies, the dispatcher returns the reply
once and approves the corrected one, the front line gives the final reply, the callback closes the order.
At each step: the state the page shows, one countdown per running clock, and the buttons that must and
must not be there."""

import re

import pytest
from playwright.sync_api import expect

from deadlines.clock_models import ClockState
from tickets.models import WorkOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ORDER_URL = re.compile(r".*/orders/(\d+)/$")


def buttons(page) -> set[str]:
    return set(page.locator("[data-action-button]").evaluate_all("els => els.map(e => e.dataset.actionButton)"))


def expect_state(page, state: str) -> None:
    expect(page.locator("[data-state]")).to_have_attribute("data-state", state)


def expect_countdowns(page, order_id: int) -> set[str]:
    """One live countdown per running (or overdue) clock of the order, each under its own kind."""
    live = list(WorkOrder.objects.get(pk=order_id).clocks.filter(state__in=ClockState.live()))
    expect(page.locator("[data-countdown]")).to_have_count(len(live))
    for clock in live:
        expect(page.locator(f'[data-clock="{clock.kind}"] [data-countdown]')).to_have_count(1)
    return {clock.kind for clock in live}


def test_club_complaint_from_intake_to_close(cast, open_as, shot):
    world = cast.world
    clerk = open_as(world.clerk)
    expect(clerk.locator("#count-follow_ups")).to_have_text("0")  # queue sizes load after the page
    expect(clerk.locator("[data-chart]")).to_have_count(5)
    shot(clerk, "01-dashboard-front-line")

    # --- the front line accepts a club customer's complaint -------------------------------------------
    clerk.click("text=新建工单")
    expect(clerk.locator('[data-field="category"]')).to_be_visible()
    clerk.check('input[name="order_type"][value="consultation"]')  # the type switch shows its own fields
    expect(clerk.locator('[data-field="call_reason"]')).to_be_visible()
    expect(clerk.locator('[data-field="category"]')).to_be_hidden()
    clerk.check('input[name="order_type"][value="complaint"]')

    clerk.fill('input[name="accepted_number"]', cast.club_number)
    expect(clerk.locator("[data-customer-card]")).to_contain_text("赵女士")
    expect(clerk.locator("[data-customer-card]")).to_contain_text("139****1111")
    expect(clerk.locator("#id_urgency_locked")).to_be_disabled()
    expect(clerk.locator("#id_urgency_locked")).to_contain_text("特急")
    expect(clerk.locator("[data-urgency-locked]")).to_contain_text("俱乐部客户")

    clerk.fill("#category-search", "充值卡")
    clerk.click(f'[data-category-id="{world.category.id}"]')
    expect(clerk.locator("[data-picked-category]")).to_contain_text(world.category.name)
    expect(clerk.locator("#scripts [data-script]")).to_contain_text(cast.script_text)
    clerk.fill("#id_content", "客户称外购充值卡密码已被使用，要求查明。")
    clerk.check("#id_visit_confirmed")  # at a hall the channel is 来人来访, its confirmation shown at once
    shot(clerk, "02-intake-club-customer")
    clerk.click("button:has-text('受理')")
    clerk.wait_for_url(ORDER_URL)
    order_id = int(ORDER_URL.match(clerk.url).group(1))
    order_url = f"/orders/{order_id}/"

    expect_state(clerk, "accepted")
    expect(clerk.locator(".order-head")).to_contain_text("特急")
    assert {"dispatch", "feedback"} <= expect_countdowns(clerk, order_id)
    assert "dispatch" not in buttons(clerk)  # the front line does not dispatch
    # the countdowns tick in the browser (the 24x7 dispatch clock always does): calm, hours and minutes, until the
    # last ten minutes, when the seconds show and move (the clock is moved to 10 min 3 s before its due time here)
    ticking = clerk.locator('[data-clock="dispatch"] [data-countdown]')
    expect(ticking).to_have_text(re.compile(r"^剩余 \d+ 小时 \d\d 分$"))
    ticking.evaluate("el => { el.dataset.countdown = '603'; el._t0 = Date.now(); }")
    expect(ticking).to_have_text(re.compile(r"^剩余 \d+ 分 \d\d 秒$"), timeout=5_000)
    first = ticking.inner_text()
    expect(ticking).not_to_have_text(first, timeout=3_000)
    shot(clerk, "03-order-accepted")

    # --- the dispatcher dispatches it ---------------------------------------------------------------------
    dispatcher = open_as(world.dispatcher)
    expect(dispatcher.locator("#count-dispatch")).to_have_text("1")
    dispatcher.goto("/queues/dispatch/")
    expect(dispatcher.locator("[data-order]")).to_have_count(1)
    shot(dispatcher, "04-dispatch-queue")
    dispatcher.click(f"[data-order] a[href='{order_url}']")
    assert {"dispatch", "contact"} <= buttons(dispatcher)
    assert "claim" not in buttons(dispatcher)
    dispatcher.select_option("#id_dispatch-unit", label=world.dept_billing.name)
    dispatcher.click('[data-action-button="dispatch"]')
    expect_state(dispatcher, "dispatched")
    expect(dispatcher.locator(".messages")).to_contain_text("已派单")
    assert "handle" in expect_countdowns(dispatcher, order_id)
    expect(dispatcher.locator('[data-clock="dispatch"]')).to_have_attribute("data-clock-state", "met")
    assert "dispatch" not in buttons(dispatcher)

    # --- the handler claims and replies ---------------------------------------------------------------
    handler = open_as(world.handler)
    handler.goto(order_url)
    assert "claim" in buttons(handler)
    handler.click('[data-action-button="claim"]')
    expect_state(handler, "processing")
    assert {"dept_reply", "extension_request"} <= buttons(handler)
    assert "claim" not in buttons(handler)

    def department_reply(cause: str) -> None:
        handler.fill("#id_dept_reply-cause", cause)
        handler.fill("#id_dept_reply-process", "已冻结被盗用卡号并向分销商核实，处理完毕。")
        handler.fill("#id_dept_reply-result", "客户号码使用正常，余额已恢复。")
        handler.select_option("#id_dept_reply-service_restored", "true")
        handler.fill("#id_dept_reply-customer_attitude", "客户表示理解。")
        handler.click('[data-action-button="dept_reply"]')

    department_reply("分销商渠道")
    expect_state(handler, "dept_replied")
    assert "dept_reply" not in buttons(handler)
    expect_countdowns(handler, order_id)

    # --- the dispatcher returns it once, then approves the corrected reply -----------------------------
    dispatcher.goto(order_url)
    assert {"return_reply", "approve_reply"} <= buttons(dispatcher)
    shot(dispatcher, "05-review-dispatcher")
    dispatcher.fill("#id_return_reply-reason", "原因不够详细：请写明是哪一家分销商。")
    dispatcher.click('[data-action-button="return_reply"]')
    expect_state(dispatcher, "processing")
    assert not {"return_reply", "approve_reply"} & buttons(dispatcher)
    expect(dispatcher.locator('[data-dept-reply="returned"]')).to_have_count(1)

    handler.goto(order_url)
    department_reply("福田某报刊亭分销渠道充值卡密码泄露。")
    expect_state(handler, "dept_replied")

    dispatcher.goto(order_url)
    dispatcher.click('[data-action-button="approve_reply"]')
    expect_state(dispatcher, "reply_approved")
    assert "reply" in expect_countdowns(dispatcher, order_id)  # R-CLK-REPLY starts on approval

    # --- the front line gives the final reply ----------------------------------------------------------
    clerk.goto(order_url)
    assert {"reply_customer", "reply_draft"} <= buttons(clerk)
    clerk.select_option("#id_reply_customer-method", "phone")
    clerk.fill("#id_reply_customer-process", "核实充值记录并冻结被盗用卡号。")
    clerk.fill("#id_reply_customer-content", "已为您补足被盗金额，请妥善保管卡密。")
    clerk.select_option("#id_reply_customer-satisfaction", "satisfied")
    shot(clerk, "06-final-reply-front-line")
    clerk.click('[data-action-button="reply_customer"]')
    expect_state(clerk, "customer_replied")
    assert "callback" in expect_countdowns(clerk, order_id)
    assert "callback" not in buttons(clerk)  # the callback is the service centre's

    # --- the callback closes the order ---------------------------------------------------------------------
    dispatcher.goto("/queues/callback/")
    expect(dispatcher.locator("[data-order]")).to_have_count(1)
    dispatcher.goto(order_url)
    dispatcher.select_option("#id_callback-outcome", "satisfied")
    dispatcher.click('[data-action-button="callback"]')
    expect_state(dispatcher, "callback_done")
    assert "close" in buttons(dispatcher)
    dispatcher.fill("#id_close-reason", "客户诉求已解决。")
    dispatcher.click('[data-action-button="close"]')
    expect_state(dispatcher, "closed")
    expect(dispatcher.locator("[data-countdown]")).to_have_count(0)
    states = dispatcher.locator("[data-clock-state]").evaluate_all("els => els.map(e => e.dataset.clockState)")
    assert states and set(states) <= {"met", "breached", "cancelled"}
    assert buttons(dispatcher) <= {"attachment"}
    expect(dispatcher.locator("[data-timeline]")).to_have_count(WorkOrder.objects.get(pk=order_id).timeline.count())
    shot(dispatcher, "07-order-closed")
