"""The dispute page in the browser (issue 10 §2), through Django's test client: opened from the order page of a
fee complaint (pre-filled), bill attached, justified of company cause, refund ×2, store manager refused above
¥100, CS centre approves, the page shows executed with the gateway's reference."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tariff_disputes import tasks
from tariff_disputes.models import Dispute

from .conftest import cause

pytestmark = pytest.mark.django_db


def actions(page) -> set[str]:
    return set(re.findall(r'data-action="([a-z_]+)"', page.content.decode()))


def test_dispute_in_the_browser(world, fee_order, login, django_capture_on_commit_callbacks):
    clerk = login(world.clerk)
    order_page = clerk.get(f"/orders/{fee_order.pk}/")
    assert f"/tariff-disputes/new/?order={fee_order.pk}".encode() in order_page.content
    form = clerk.get(f"/tariff-disputes/new/?order={fee_order.pk}")
    assert fee_order.number.encode() in form.content
    body = {"order_id": fee_order.pk, "billing_period": "2026-10", "disputed_amount": "60.00", "charge_items": "彩铃费"}
    created = clerk.post(f"/tariff-disputes/new/?order={fee_order.pk}", body)
    assert created.status_code == 302
    registered = clerk.get(created.url).content.decode()
    assert "争议已登记，请开始查证。" in registered and "尚无证据材料。" in registered
    # the history names the person, as the order's timeline does, not the login name
    assert f"· {world.clerk.get_full_name()} ·" in registered
    dispute = Dispute.objects.get()
    assert dispute.customer == fee_order.customer
    url = f"/tariff-disputes/{dispute.pk}/"
    assert actions(clerk.get(url)) == {"start_verification", "evidence"}
    started = clerk.post(f"{url}do/start_verification/", follow=True)
    assert "已开始查证。" in started.content.decode()  # the page says what was done
    clerk.post(f"{url}do/evidence/", {"kind": "bill", "file": SimpleUploadedFile("bill.pdf", b"%PDF-1.4 x")})
    clerk.post(f"{url}do/outcome/", {
        "outcome": "justified", "outcome_kind": "wrong_charge", "cause_id": cause("company-rules").pk,
        "confirmed_amount": "60.00", "remedy_form": "bill_credit", "explanation": "规则缺陷"})  # fmt: skip
    page = clerk.get(url)
    assert "¥60.00 × 2.00 = ¥120.00" in page.content.decode()
    assert "request_approval" in actions(page) and "approve" not in actions(page)
    clerk.post(f"{url}do/request_approval/", {"note": ""})
    manager = login(world.store_manager)
    assert "approve" not in actions(manager.get(url))
    refused = manager.post(f"{url}do/approve/", follow=True)
    assert "客服中心" in refused.content.decode()
    centre = login(world.dispatcher)
    assert {"approve", "reject"} <= actions(centre.get(url))
    with django_capture_on_commit_callbacks(execute=False):
        approved = centre.post(f"{url}do/approve/", {"note": "同意"}, follow=True)
    assert "已批准。" in approved.content.decode()
    refund = dispute.refunds.get()
    tasks.refund_execute_task(refund.pk)
    refund.refresh_from_db()
    page = centre.get(url).content.decode()
    assert 'data-refund-state="executed"' in page and refund.gateway_reference in page


def test_hidden_dispute_page_is_404(world, fee_order, login):
    from .conftest import dispute_verifying

    dispute = dispute_verifying(world, fee_order)
    assert login(world.clerk_north).get(f"/tariff-disputes/{dispute.pk}/").status_code == 404
    assert login(world.clerk_north).post(f"/tariff-disputes/{dispute.pk}/do/close/").status_code == 404
