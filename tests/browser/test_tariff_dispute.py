"""Tariff disputes (issue 10 §3) in a real browser (Playwright + Debian chromium): a front-line user opens a
dispute from a fee complaint's order page, attaches the bill, records "justified, company cause"; the refund
is computed ×2; the store manager is refused (above ¥100); the CS centre approves; after the executor ran the
page shows "executed" with the gateway's reference."""

import importlib

import pytest
from django.apps import apps

from tariff_disputes.models import Cause, Dispute
from tariff_disputes.tasks import refund_execute_task
from tests.browser.conftest import PASSWORD
from tests.factories import category_leaf, work_order_make, world_build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(transactional_db, fast_passwords):
    importlib.import_module("tariff_disputes.migrations.0002_seed_reference_data").reference_seed(apps)
    importlib.import_module("tariff_disputes.migrations.0004_fee_categories").seed(apps, None)  # flushed after each
    world = world_build()
    for user in (world.clerk, world.store_manager, world.dispatcher):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return world


def actions(page) -> set[str]:
    return set(page.locator("[data-action]").evaluate_all("els => els.map(e => e.dataset.action)"))


def test_a_justified_wrong_charge_refunded_double_once(world, open_as, shot):
    order = work_order_make(actor=world.clerk, category_id=category_leaf("通信费用", "计费差错").id)  # a fee complaint

    clerk = open_as(world.clerk)
    clerk.goto(f"/orders/{order.id}/")
    clerk.click("[data-open-dispute]")
    assert order.number in clerk.content()  # pre-filled with the order and its customer
    clerk.fill("input[name=billing_period]", "2026-10")
    clerk.fill("input[name=disputed_amount]", "60.00")
    clerk.fill("textarea[name=charge_items]", "彩铃功能费")
    clerk.click("[data-dispute-new] button[type=submit]")
    clerk.wait_for_selector("[data-dispute-state=registered]")
    assert actions(clerk) == {"start_verification", "evidence"}
    clerk.click("[data-action=start_verification] button")
    clerk.wait_for_selector("[data-dispute-state=verifying]")
    clerk.set_input_files(
        "[data-action=evidence] input[name=file]",
        files=[{"name": "bill.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 bill details"}],
    )
    clerk.click("[data-action=evidence] button")
    clerk.wait_for_selector("[data-evidence]")
    form = "[data-action=outcome]"
    clerk.select_option(f"{form} select[name=outcome]", "justified")
    clerk.select_option(f"{form} select[name=outcome_kind]", "wrong_charge")
    clerk.select_option(f"{form} select[name=cause_id]", str(Cause.objects.get(code="company-rules").pk))
    clerk.fill(f"{form} input[name=confirmed_amount]", "60.00")
    clerk.select_option(f"{form} select[name=remedy_form]", "bill_credit")
    clerk.fill(f"{form} textarea[name=explanation]", "套餐规则设计缺陷，彩铃重复计费")
    clerk.click(f"{form} button")
    clerk.wait_for_selector("[data-dispute-state=verified]")
    assert clerk.inner_text("[data-refund-formula]") == "¥60.00 × 2.00 = ¥120.00"
    clerk.click("[data-action=request_approval] button")
    clerk.wait_for_selector("[data-dispute-state=pending_approval]")
    dispute = Dispute.objects.get()
    url = f"/tariff-disputes/{dispute.pk}/"

    manager = open_as(world.store_manager)
    manager.goto(url)
    assert "approve" not in actions(manager)  # ¥120 is above the store manager's ¥100
    # an approval posted anyway (a stale page, a crafted form) reaches the service and is refused, naming the level
    with manager.expect_navigation():
        manager.evaluate(
            "() => { const f = document.querySelector('[data-action=evidence]');"
            " f.querySelector('input[type=file]').remove(); f.action = location.pathname + 'do/approve/'; f.submit(); }"
        )
    manager.wait_for_selector("[data-dispute-state=pending_approval]")
    assert "客服中心" in manager.content() and Dispute.objects.get().state == "pending_approval"

    centre = open_as(world.dispatcher)
    centre.goto(url)
    assert {"approve", "reject"} <= actions(centre)
    centre.click("[data-action=approve] button")
    centre.wait_for_selector("[data-dispute-state=approved]")
    assert centre.get_attribute("[data-refund-state]", "data-refund-state") == "pending"

    refund_execute_task(dispute.refunds.get().pk)  # the Celery worker
    centre.goto(url)
    centre.wait_for_selector("[data-refund-state=executed]")
    assert centre.inner_text("[data-gateway-reference]") == dispute.refunds.get().gateway_reference
    shot(centre, "tariff-dispute-executed")
