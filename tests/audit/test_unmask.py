"""R-SEC-2 (issue 8 §1): an unmask needs a reason (400 naming `reason` when blank or with a NUL, web and API);
refused attempts are audit-logged too; the admin's customer page shows the number masked, with an audited
reveal that shows it once."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from tests.factories import CustomerFactory, UserFactory, work_order_make
from tickets import services
from tickets.models import NumberUnmaskAudit

pytestmark = pytest.mark.django_db

NUMBER = "13812345678"
BAD_REASONS = [pytest.param({}, id="missing"), pytest.param({"reason": "   "}, id="blank"),
               pytest.param({"reason": "核实\x00"}, id="nul")]  # fmt: skip


@pytest.mark.parametrize("data", BAD_REASONS)
def test_the_api_wants_a_reason(api, world, data):
    order = work_order_make(actor=world.clerk)
    api.force_login(world.dispatcher)

    response = api.post(f"/api/v1/orders/{order.id}/unmask/", data, format="json")

    assert response.status_code == 400 and "reason" in response.json()
    assert NUMBER not in response.content.decode()
    assert not NumberUnmaskAudit.objects.exists()


@pytest.mark.parametrize("data", BAD_REASONS)
def test_the_order_page_wants_a_reason(world, data):
    order = work_order_make(actor=world.clerk)
    client = Client()
    client.force_login(world.dispatcher)

    response = client.post(f"/orders/{order.id}/unmask/", data, HTTP_HX_REQUEST="true")

    assert response.status_code == 400 and 'data-error-field="reason"' in response.content.decode()
    assert NUMBER not in response.content.decode()
    assert not NumberUnmaskAudit.objects.exists()


def test_the_order_page_asks_for_the_reason_next_to_the_button(world):
    order = work_order_make(actor=world.clerk)
    client = Client()
    client.force_login(world.dispatcher)

    page = client.get(f"/orders/{order.id}/").content.decode()

    assert "data-unmask-form" in page and 'name="reason"' in page and "required" in page


def test_the_service_refuses_without_a_reason_and_records_a_refusal_whatever_the_reason(world):
    from django.core.exceptions import PermissionDenied, ValidationError

    order = work_order_make(actor=world.clerk)
    with pytest.raises(ValidationError) as error:
        services.number_unmask(order_id=order.id, actor=world.dispatcher, reason=" ")
    assert "reason" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.number_unmask(order_id=order.id, actor=world.clerk, reason="\x00")

    refusal = NumberUnmaskAudit.objects.get()
    assert (refusal.user, refusal.granted, refusal.reason) == (world.clerk, False, "")


# --- the admin's customer page ---------------------------------------------------------------------------
@pytest.fixture
def customer(db):
    return CustomerFactory(number=NUMBER, contact_numbers=["13987654321"])


def admin_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def customer_viewer(world):
    """Staff who may open customers in the admin but not see full numbers (a front-line clerk)."""
    user = world.clerk
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(Permission.objects.get(codename="view_customer"))
    return user


def test_the_customer_page_shows_the_number_masked_with_a_reveal(customer):
    admin = UserFactory(is_staff=True, is_superuser=True)

    page = admin_client(admin).get(f"/admin/complaints/customer/{customer.pk}/change/").content.decode()

    assert "138****5678" in page and "139****4321" in page
    assert NUMBER not in page and "13987654321" not in page
    assert f"/admin/complaints/customer/{customer.pk}/reveal/" in page


def test_the_reveal_shows_the_number_once_with_its_reason_on_record(customer):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = admin_client(admin)
    url = f"/admin/complaints/customer/{customer.pk}/reveal/"

    form = client.get(url)
    assert form.status_code == 200 and NUMBER not in form.content.decode()
    assert not NumberUnmaskAudit.objects.exists()  # asking for the form is not a reveal

    shown = client.post(url, {"reason": "客户来电核实身份"})

    assert shown.status_code == 200 and NUMBER in shown.content.decode() and "13987654321" in shown.content.decode()
    audit = NumberUnmaskAudit.objects.get()
    assert (audit.customer, audit.order, audit.user, audit.granted, audit.reason) == (
        customer, None, admin, True, "客户来电核实身份",
    )  # fmt: skip
    assert NUMBER not in client.get(f"/admin/complaints/customer/{customer.pk}/change/").content.decode()


@pytest.mark.parametrize("data", BAD_REASONS)
def test_the_reveal_wants_a_reason(customer, data):
    admin = UserFactory(is_staff=True, is_superuser=True)

    response = admin_client(admin).post(f"/admin/complaints/customer/{customer.pk}/reveal/", data)

    assert response.status_code == 400 and 'data-error-field="reason"' in response.content.decode()
    assert NUMBER not in response.content.decode()
    assert not NumberUnmaskAudit.objects.exists()


def test_a_refused_reveal_is_on_record(customer, customer_viewer):
    response = admin_client(customer_viewer).post(
        f"/admin/complaints/customer/{customer.pk}/reveal/", {"reason": "看看"}
    )

    assert response.status_code == 403 and NUMBER not in response.content.decode()
    refusal = NumberUnmaskAudit.objects.get()
    assert (refusal.customer, refusal.user, refusal.granted) == (customer, customer_viewer, False)
    assert refusal.reason == "看看"


def test_the_customer_changed_in_the_admin_keeps_its_number(customer):
    admin = UserFactory(is_staff=True, is_superuser=True)

    response = admin_client(admin).post(
        f"/admin/complaints/customer/{customer.pk}/change/",
        {"name": "张先生", "tier": "ordinary", "brand": "", "home_city": "深圳"},
    )

    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.number, customer.contact_numbers) == ("张先生", NUMBER, ["13987654321"])
