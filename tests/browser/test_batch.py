"""R-SP-2 in a real browser (Playwright + Debian chromium): five complaints about a 深圳 4G outage → the
dispatcher sees the batch candidate (count in the navigation), confirms it, dispatches the batch to one
handler; the handler's one department reply (with the collective-problem parts, R-FL-2) reaches all five
children, and the dispatcher's one final reply gives each its own record. Screenshots in artifacts/screenshots/."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import another_number, category_leaf, work_order_make
from tickets.batch_selectors import batch_rules_forget
from tickets.models import Batch, FinalReply, OrderState, WorkOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_4g_outage_handled_as_one_batch(cast, open_as, shot):
    world = cast.world
    batch_rules_forget()
    outage = category_leaf(top="移动上网", leaf="4G网络无信号")
    received = timezone.now() - timedelta(minutes=10)
    orders = [
        work_order_make(actor=world.clerk, accepted_number=another_number(), category_id=outage.id,
                        received_at=received, content=f"客户{i}反映福田区4G无信号，无法上网。")
        for i in range(5)
    ]  # fmt: skip

    # the dispatcher sees the candidate, with its count in the navigation
    dispatcher = open_as(world.dispatcher)
    expect(dispatcher.locator("#count-batch_candidates")).to_have_text("1")
    dispatcher.click('nav a[data-queue="batch_candidates"]')
    row = dispatcher.locator("tr[data-candidate]")
    expect(row.locator("[data-waiting]")).to_have_text("5")
    expect(row).to_contain_text("4G网络无信号")
    shot(dispatcher, "20-batch-candidates")

    # confirms it, and dispatches the batch to one handler of the network department
    row.locator('input[name="title"]').fill("深圳福田4G中断")
    row.locator("[data-confirm-candidate]").click()
    expect(dispatcher.locator("[data-batch-state]")).to_have_text("已建立，待派单")
    dispatch = dispatcher.locator('[data-batch-move="dispatch"]')
    dispatch.locator('select[name="unit"]').select_option(label=world.dept_network.name)
    dispatch.locator('select[name="handler"]').select_option(value=str(world.handler_network.pk))
    dispatch.locator("[data-batch-button]").click()
    expect(dispatcher.locator("[data-batch-state]")).to_have_text("处理中")
    expect(dispatcher.locator("[data-child-state]")).to_have_count(5)
    shot(dispatcher, "21-batch-dispatched")
    batch = Batch.objects.get()
    assert {o.assignee_id for o in WorkOrder.objects.filter(pk__in=[o.pk for o in orders])} == {
        world.handler_network.pk
    }

    # the handler writes the one department reply; the collective-problem parts are required
    handler = open_as(world.handler_network)
    handler.goto(f"/batches/{batch.pk}/")
    reply = handler.locator('[data-batch-move="dept_reply"]')
    reply.locator('[name="cause"]').fill("福田区基站光缆被施工挖断。")
    reply.locator('[name="process"]').fill("已调度抢修队熔接光缆，临时开通邻区覆盖。")
    reply.locator('[name="result"]').fill("4G业务已恢复正常。")
    reply.locator('[name="service_restored"][value="true"]').check()
    reply.locator('[name="customer_attitude"]').fill("客户表示理解。")
    reply.locator("[data-batch-button]").click()
    expect(handler.locator('[data-batch-move="dept_reply"] [data-field="measures"] .errorlist')).to_be_visible()
    reply = handler.locator('[data-batch-move="dept_reply"]')
    reply.locator('[name="measures"]').fill("加装光缆保护标识，与施工方建立报备机制。")
    recovery = timezone.localtime() + timedelta(hours=2)
    reply.locator('[name="expected_recovery_at"]').fill(f"{recovery:%Y-%m-%dT%H:%M}")
    reply.locator('select[name="coordinating_unit"]').select_option(label=world.dept_billing.name)
    shot(handler, "22-batch-dept-reply")
    reply.locator("[data-batch-button]").click()
    expect(handler.locator("[data-batch-state]")).to_have_text("已回单")
    expect(handler.locator("[data-batch-reply]")).to_contain_text("加装光缆保护标识")
    for order in orders:  # the one reply reached all five children
        child = WorkOrder.objects.get(pk=order.pk)
        assert child.state == OrderState.DEPT_REPLIED
        assert child.department_replies.get().measures == "加装光缆保护标识，与施工方建立报备机制。"

    # the dispatcher approves and sends one final reply to all five customers
    dispatcher.reload()
    dispatcher.locator('[data-batch-move="approve_reply"] [data-batch-button]').click()
    final = dispatcher.locator('[data-batch-move="reply_customers"]')
    final.locator('select[name="method"]').select_option("sms")
    final.locator('[name="process"]').fill("光缆抢修完毕，业务恢复。")
    final.locator('[name="content"]').fill("您好，福田区4G网络故障已修复，给您带来不便深表歉意。")
    final.locator('select[name="satisfaction"]').select_option("basically_satisfied")
    final.locator("[data-batch-button]").click()
    expect(dispatcher.locator("[data-batch-state]")).to_have_text("已统一答复")
    expect(dispatcher.locator('[data-child-state="customer_replied"]')).to_have_count(5)
    shot(dispatcher, "23-batch-replied")
    assert FinalReply.objects.filter(order__in=[o.pk for o in orders], sent_at__isnull=False).count() == 5
