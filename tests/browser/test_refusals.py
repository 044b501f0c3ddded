"""What the browser shows when something is refused: a validation error inline with nothing saved, and a
transition the user may not perform — no button, and a forged POST is refused and changes nothing."""

import pytest
from playwright.sync_api import expect

from tests.factories import work_order_make
from tickets.models import OrderState, TimelineEntry, WorkOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_intake_refusal_is_shown_at_the_fields_and_nothing_is_saved(cast, open_as, shot):
    clerk = open_as(cast.world.clerk)
    before = WorkOrder.objects.count()

    # when: a complaint without a category and without the customer's request
    clerk.goto("/orders/new/")
    clerk.fill('input[name="accepted_number"]', "13812345678")
    expect(clerk.locator("[data-new-customer]")).to_be_visible()  # an unknown number: a new customer
    clerk.fill("#id_customer_name", "钱先生")
    clerk.fill("#id_customer_home_city", "深圳")
    clerk.click("button:has-text('受理')")

    # then: the page says which fields, in Chinese, keeps what was typed, and saved nothing
    summary = clerk.locator("[data-error-summary]")
    expect(summary).to_contain_text("未保存任何内容")
    expect(summary).to_contain_text("投诉目录：请选择投诉目录。")
    expect(summary).to_contain_text("客户诉求：请记录客户诉求。")
    expect(clerk.locator('[data-field="content"] .errorlist')).to_contain_text("请记录客户诉求")
    expect(clerk.locator("#id_customer_name")).to_have_value("钱先生")
    assert WorkOrder.objects.count() == before
    shot(clerk, "08-intake-validation-error")


def test_a_transition_the_user_may_not_do_has_no_button_and_a_forged_post_is_refused(cast, open_as, shot):
    world = cast.world
    order = work_order_make(actor=world.clerk)
    entries = TimelineEntry.objects.filter(order=order).count()
    clerk = open_as(world.clerk)

    clerk.goto(f"/orders/{order.id}/")
    expect(clerk.locator('[data-action-button="contact"]')).to_have_count(1)
    expect(clerk.locator('[data-action-button="dispatch"]')).to_have_count(0)

    # when: the dispatch form is posted anyway, with a valid CSRF token and a valid unit
    token = clerk.locator('input[name="csrfmiddlewaretoken"]').first.get_attribute("value")
    response = clerk.request.post(
        f"/orders/{order.id}/do/dispatch/",
        form={"csrfmiddlewaretoken": token, "dispatch-unit": str(world.dept_billing.id)},
    )

    # then: refused by the service, and nothing changed
    assert response.status == 403
    assert "你无权在此工单上执行" in response.text()
    fresh = WorkOrder.objects.get(pk=order.pk)
    assert (fresh.state, fresh.handling_unit_id) == (OrderState.ACCEPTED, None)
    assert TimelineEntry.objects.filter(order=order).count() == entries
    clerk.reload()
    expect(clerk.locator("[data-state]")).to_have_attribute("data-state", "accepted")

    # and through the page itself: a handler of another unit cannot even see the order
    handler = open_as(world.handler_network)
    assert handler.goto(f"/orders/{order.id}/").status == 404


def test_show_number_reveals_and_logs(cast, open_as):
    from tickets.models import NumberUnmaskAudit

    order = work_order_make(actor=cast.world.clerk)
    dispatcher = open_as(cast.world.dispatcher)
    dispatcher.goto(f"/orders/{order.id}/")
    expect(dispatcher.locator("[data-number]")).to_have_text("138****5678")

    dispatcher.fill("[data-unmask-reason]", "回访核实")  # an unmask needs a reason (R-SEC-2)
    dispatcher.click("[data-unmask]")

    expect(dispatcher.locator("[data-unmasked]")).to_have_text("13812345678")
    assert NumberUnmaskAudit.objects.filter(order=order, user=cast.world.dispatcher).count() == 1
