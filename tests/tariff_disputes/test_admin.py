"""Admin (issue 10 §2): reference data editable with history; disputes and refunds read-only."""

import pytest
from django.contrib.admin.models import LogEntry

from tariff_disputes.models import ApprovalThreshold, Cause
from tests.factories import UserFactory

from .conftest import dispute_pending

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_threshold_is_edited_in_admin_with_history(admin_client):
    row = ApprovalThreshold.objects.get(level=1)
    url = f"/admin/tariff_disputes/approvalthreshold/{row.id}/change/"
    answer = admin_client.post(url, {"level": 1, "name": row.name, "max_amount": "150.00",
                                     "permission": row.permission})  # fmt: skip
    assert answer.status_code == 302
    row.refresh_from_db()
    assert str(row.max_amount) == "150.00"
    assert LogEntry.objects.filter(object_id=str(row.id)).exists()
    assert admin_client.get(url.replace("change/", "history/")).status_code == 200


def test_cause_has_two_levels(admin_client):
    sub = Cause.objects.get(code="company-rules")
    answer = admin_client.post("/admin/tariff_disputes/cause/add/", {
        "code": "deep", "name": "三级", "parent": sub.id, "position": 0, "is_active": "on"})  # fmt: skip
    assert answer.status_code == 200 and not Cause.objects.filter(code="deep").exists()


def test_disputes_and_refunds_are_read_only(admin_client, world, fee_order):
    dispute = dispute_pending(world, fee_order)
    page = admin_client.get(f"/admin/tariff_disputes/dispute/{dispute.id}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert admin_client.get("/admin/tariff_disputes/dispute/add/").status_code == 403
    assert admin_client.get("/admin/tariff_disputes/refund/").status_code == 200
