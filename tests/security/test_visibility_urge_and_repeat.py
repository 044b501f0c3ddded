"""Issue 8 §1 (R-SEC-1): no data across unit boundaries at creation and in urges.

- A repeat complaint linked to an order the clerk may not see is refused exactly like a missing order.
- Every other id a creation body carries (accepting unit, category, call reason, business item) answers the
  same for an id the clerk may not use as for one that does not exist, never a 500.
- Urges (R-SP-1 (a)): one rule for the browser card and the API — another hall's order is urged only with
  the customer's accepted number; an id alone or a wrong number answers 404; the reply shows no more than
  the intake card shows for that order."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation
from rest_framework.test import APIClient

from complaints.models import Customer
from tests.factories import CITY, category_leaf, roles_ensure, work_order_at, work_order_make
from tickets.models import Attachment, OrderState, TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db

NORTH_NUMBER = "13900004444"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _roles(db):
    roles_ensure()


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def web():
    def make(user) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(user)
        return client

    return make


def api_body(world, **overrides) -> dict:
    body = {
        "order_type": "complaint", "channel": "phone", "handling_method": "transfer",
        "accepted_number": "13812345678", "content": "客户称充值卡密码被盗用。", "category": world.category.id,
        "received_at": (timezone.now() - timedelta(minutes=5)).isoformat(),
        "customer": {"name": "张先生", "home_city": CITY},
    }  # fmt: skip
    body.update(overrides)
    return body


def counts() -> tuple[int, int, int]:
    return WorkOrder.objects.count(), TimelineEntry.objects.count(), Customer.objects.count()


# --- creation ------------------------------------------------------------------------------------------------
def test_api_repeat_on_an_order_the_clerk_may_not_see_is_refused_like_a_missing_one(world, api):
    hidden = work_order_at(OrderState.CLOSED, world=world, accepted_number=NORTH_NUMBER)  # accepted at the south hall
    hidden.accepting_unit = world.hall_north
    WorkOrder.objects.filter(pk=hidden.pk).update(accepting_unit=world.hall_north, accepted_by=world.clerk_north)
    api.force_login(world.clerk)
    before = counts()
    repeat = {"is_repeat": True, "repeat_reason": "对上次结果不满意", "accepted_number": NORTH_NUMBER}

    invisible = api.post("/api/v1/orders/", api_body(world, previous_order=hidden.id, **repeat), format="json")
    missing = api.post("/api/v1/orders/", api_body(world, previous_order=999_999, **repeat), format="json")

    assert invisible.status_code == missing.status_code == 400
    assert invisible.json() == missing.json() and list(invisible.json()) == ["previous_order"]
    assert counts() == before  # nothing linked, so nothing of the earlier reply is pre-filled


def test_web_repeat_on_an_order_the_clerk_may_not_see_is_refused_like_a_missing_number(world, web):
    hidden = work_order_make(actor=world.clerk_north, handling_method="record", accepted_number=NORTH_NUMBER)
    post = {
        "order_type": "complaint", "accepted_number": NORTH_NUMBER, "customer_home_city": CITY,
        "category": world.category.id, "urgency": "normal", "handling_method": "transfer", "channel": "phone",
        "received_at": timezone.localtime(timezone.now() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
        "content": "客户对上次结果不满意。", "attachment_kind": "other", "is_repeat": "on", "repeat_reason": "不满意",
    }  # fmt: skip
    client = web(world.clerk)
    invisible = client.post("/orders/new/", {**post, "previous_order": hidden.number})
    missing = client.post("/orders/new/", {**post, "previous_order": "TS209901010001"})
    assert invisible.status_code == missing.status_code == 400
    assert invisible.context["form"].errors == missing.context["form"].errors
    assert list(invisible.context["form"].errors) == ["previous_order"]
    assert WorkOrder.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value_of"),
    [
        ("accepting_unit", lambda world: world.hall_north.id),  # a unit the clerk does not belong to
        ("category", lambda world: category_leaf(top="网络质量", leaf="室内无信号").parent_id),  # not a leaf
    ],
)
def test_api_ids_the_clerk_may_not_use_answer_like_missing_ones(world, api, field, value_of):
    api.force_login(world.clerk)
    before = counts()
    refused = api.post("/api/v1/orders/", api_body(world, **{field: value_of(world)}), format="json")
    missing = api.post("/api/v1/orders/", api_body(world, **{field: 999_999}), format="json")
    assert refused.status_code == missing.status_code == 400
    assert list(refused.json()) == list(missing.json()) == [field]
    if field == "accepting_unit":
        assert refused.json() == missing.json()
    assert counts() == before


@pytest.mark.parametrize(
    ("field", "extra"),
    [
        ("call_reason", {"order_type": "consultation", "handling_method": "record"}),
        ("business_item", {"order_type": "business", "handling_method": "transfer"}),
    ],
)
def test_api_reference_ids_that_do_not_exist_are_400_not_500(world, api, field, extra):
    api.force_login(world.clerk)
    response = api.post("/api/v1/orders/", api_body(world, **extra, **{field: 999_999}), format="json")
    assert response.status_code == 400 and list(response.json()) == [field]


# --- R-WO-7 letters and the customer's tier through the API (issue 8 §7a) -----------------------------------
def test_api_letter_order_needs_the_letter_and_takes_it_at_creation(world, api, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    api.force_login(world.clerk)
    refused = api.post("/api/v1/orders/", api_body(world, channel="letter"), format="json")
    assert refused.status_code == 400 and list(refused.json()) == ["attachments"]
    assert WorkOrder.objects.count() == 0

    body = api_body(world, channel="letter", attachment_kind="letter")
    body.pop("customer")
    body.update({"customer.home_city": CITY})  # multipart: the nested field by its dotted name
    body["attachments"] = [SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")]
    accepted = api.post("/api/v1/orders/", body, format="multipart")
    assert accepted.status_code == 201, accepted.json()
    order = WorkOrder.objects.get()
    assert list(order.attachments.values_list("kind", flat=True)) == [Attachment.Kind.LETTER]


def test_api_unknown_customer_tier_is_a_400_naming_it(world, api):
    api.force_login(world.clerk)
    response = api.post(
        "/api/v1/orders/", api_body(world, customer={"home_city": CITY, "tier": "platinum"}), format="json"
    )
    assert response.status_code == 400 and list(response.json()) == ["customer.tier"]
    assert counts() == (0, 0, 0)


# --- urges: one rule for the card and the API ---------------------------------------------------------------
@pytest.fixture
def north_order(world):
    """An open complaint of the north hall: the south clerk may not open it, but its customer may stand at
    the south counter."""
    return work_order_make(actor=world.clerk_north, accepted_number=NORTH_NUMBER)


@pytest.mark.parametrize("post", [{}, {"accepted_number": "13900004445"}], ids=["id alone", "wrong number"])
@pytest.mark.parametrize("note", ["客户催问", " "], ids=["note", "blank note"])
def test_web_urge_on_another_halls_order_without_its_number_is_404(world, web, north_order, post, note):
    response = web(world.clerk).post(f"/orders/{north_order.pk}/urge/", {"urge_note": note, **post})
    assert response.status_code == 404
    html = response.content.decode()
    assert north_order.number not in html and "data-urge-row" not in html
    assert not TimelineEntry.objects.filter(kind="urge").exists()


@pytest.mark.parametrize("post", [{}, {"accepted_number": "13900004445"}], ids=["id alone", "wrong number"])
def test_api_urge_on_another_halls_order_without_its_number_is_404(world, api, north_order, post):
    api.force_login(world.clerk)
    response = api.post(f"/api/v1/orders/{north_order.pk}/urge/", {"note": "客户催问", **post}, format="json")
    missing = api.post("/api/v1/orders/999999/urge/", {"note": "客户催问", **post}, format="json")
    assert response.status_code == missing.status_code == 404 and response.json() == missing.json()
    assert not TimelineEntry.objects.filter(kind="urge").exists()


def test_api_urge_with_the_customers_number_is_logged_like_on_the_card(world, api, north_order):
    api.force_login(world.clerk)
    response = api.post(
        f"/api/v1/orders/{north_order.pk}/urge/", {"note": "客户来厅催问", "accepted_number": NORTH_NUMBER},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201 and response.json()["kind"] == "urge"
    assert north_order.timeline.filter(kind="urge", actor=world.clerk).count() == 1


def test_web_urge_replies_show_no_more_than_the_card(world, web, north_order):
    client = web(world.clerk)
    card = client.post("/orders/new/customer/", {"accepted_number": NORTH_NUMBER}).content.decode()
    refused = client.post(f"/orders/{north_order.pk}/urge/", {"urge_note": " ", "accepted_number": NORTH_NUMBER})
    logged = client.post(
        f"/orders/{north_order.pk}/urge/", {"urge_note": "客户来厅催问", "accepted_number": NORTH_NUMBER}
    )
    assert refused.status_code == 400 and logged.status_code == 200
    with translation.override("zh-hans"):
        state = north_order.get_state_display()
    leaf = north_order.category.name  # the card shows the top-level category only
    for html in (card, refused.content.decode(), logged.content.decode()):
        assert north_order.number in html and state in html
        assert leaf not in html and north_order.content not in html
        assert f'href="/orders/{north_order.pk}/"' not in html  # no link the clerk could not follow


def test_web_urge_on_another_halls_closed_order_without_its_number_is_404_not_409(world, web):
    closed = work_order_make(actor=world.clerk_north, handling_method="record", accepted_number=NORTH_NUMBER)
    response = web(world.clerk).post(f"/orders/{closed.pk}/urge/", {"urge_note": "催办"})
    assert response.status_code == 404 and closed.number not in response.content.decode()


def test_urge_on_another_halls_closed_order_with_its_number_is_404_as_it_is_not_on_the_card(world, web, api):
    # The card of the number lists open orders only: the closed one is not there, so an urge on it shows neither
    # its number nor its state (a 409 did: "TS… · 已归档 · 信息安全").
    closed = work_order_make(actor=world.clerk_north, handling_method="record", accepted_number=NORTH_NUMBER)
    client = web(world.clerk)
    card = client.post("/orders/new/customer/", {"accepted_number": NORTH_NUMBER}).content.decode()
    assert closed.number not in card

    page = client.post(f"/orders/{closed.pk}/urge/", {"urge_note": "催办", "accepted_number": NORTH_NUMBER})
    assert page.status_code == 404 and closed.number not in page.content.decode()
    api.force_login(world.clerk)
    body = {"note": "催办", "accepted_number": NORTH_NUMBER}
    answer = api.post(f"/api/v1/orders/{closed.pk}/urge/", body, format="json")
    missing = api.post("/api/v1/orders/999999/urge/", body, format="json")
    assert answer.status_code == missing.status_code == 404 and answer.json() == missing.json()
    assert not TimelineEntry.objects.filter(kind="urge").exists()


def test_urge_on_a_closed_order_the_clerk_may_see_is_still_409(world, web, api):
    closed = work_order_make(actor=world.clerk, handling_method="record", accepted_number=NORTH_NUMBER)
    page = web(world.clerk).post(f"/orders/{closed.pk}/urge/", {"urge_note": "催办"})
    api.force_login(world.clerk)
    answer = api.post(f"/api/v1/orders/{closed.pk}/urge/", {"note": "催办"}, format="json")
    assert page.status_code == answer.status_code == 409 and answer.json()["transition"] == "urge"


def test_web_urge_note_with_a_null_character_is_400_naming_it(world, web):
    order = work_order_make(actor=world.clerk)
    response = web(world.clerk).post(f"/orders/{order.pk}/urge/", {"urge_note": "催\x00办"})
    assert response.status_code == 400 and "data-urge-error" in response.content.decode()
    assert not order.timeline.filter(kind="urge").exists()


# --- the intake card and its helpers -------------------------------------------------------------------------
def test_the_intake_card_is_for_intake_staff_and_takes_the_number_in_the_body(world, web, north_order):
    # a handler does not accept orders: the card, which lists every hall's open orders, is not theirs
    refused = web(world.handler).post("/orders/new/customer/", {"accepted_number": NORTH_NUMBER})
    assert refused.status_code == 403 and north_order.number not in refused.content.decode()
    # the number never in a URL (R-SEC-2): the old GET is not served
    assert web(world.clerk).get("/orders/new/customer/", {"accepted_number": NORTH_NUMBER}).status_code == 405


def test_a_null_character_in_the_category_search_is_a_400_naming_the_field(world, web):
    response = web(world.clerk).get("/orders/new/categories/", {"category_q": "充值\x00卡"})
    assert response.status_code == 400
    assert 'data-field-error="category_q"' in response.content.decode()
