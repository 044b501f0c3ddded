"""Every bad input gets a 4xx naming what was wrong, never a 500 (R-API-1, issue 8 §2). Each case here was a
500 (or a silently ignored value) before: found by hand or by schemathesis (bin/api-fuzz)."""

import json

import pytest
from django.test import Client

from tests.factories import work_order_at, work_order_make
from tickets.models import OrderState

pytestmark = pytest.mark.django_db

ORDERS = "/api/v1/orders/"
BIG = str(2**63)  # one past PostgreSQL's bigint
HUGE = "9" * 30


# --- ids in the path ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("pk", ["abc", "null,null", BIG, HUGE, "-1", "0"])
def test_a_notification_id_that_is_no_number_is_404(api, world, pk):
    api.force_login(world.clerk)

    response = api.post(f"/api/v1/notifications/{pk}/read/", format="json")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


# --- instants: offset beyond ±15:59 (PostgreSQL DataError), years beyond what deadlines can use -------------
BAD_INSTANTS = [
    "2026-11-20T10:00:00+16:00",
    "2026-11-20T10:00:00-23:59",
    "2026-11-20T10:00:00+99:00",
    "0001-01-01T00:00:00+08:00",
    "9999-12-31T23:59:59-08:00",
    "1899-12-31T00:00:00Z",
    "2026-13-01T00:00:00Z",
]


@pytest.mark.parametrize("field", ["accepted_after", "accepted_before"])
@pytest.mark.parametrize("value", BAD_INSTANTS)
def test_an_instant_filter_out_of_range_is_400_naming_it(api, world, field, value):
    work_order_make(actor=world.clerk)
    api.force_login(world.clerk)

    response = api.get(ORDERS, {field: value})

    assert response.status_code == 400, response.content
    assert field in response.data


@pytest.mark.postgres(reason="PostgreSQL refuses a time-zone offset beyond ±15:59 (DataError while paginating)")
@pytest.mark.parametrize("field", ["accepted_after", "accepted_before"])
def test_the_offset_postgresql_refuses_is_400_on_postgresql(api, world, field):
    work_order_make(actor=world.clerk)
    api.force_login(world.clerk)

    refused = api.get(ORDERS, {field: "2026-11-20T10:00:00+16:00"})
    fine = api.get(ORDERS, {field: "2026-11-20T10:00:00+15:59"})

    assert refused.status_code == 400
    assert field in refused.data
    assert fine.status_code == 200


def test_a_good_offset_still_filters(api, world):
    order = work_order_make(actor=world.clerk)
    api.force_login(world.clerk)
    after = order.accepted_at.astimezone().isoformat()

    response = api.get(ORDERS, {"accepted_after": after.replace("+08:00", "+08:00")})

    assert response.status_code == 200
    assert [row["id"] for row in response.data["results"]] == [order.id]


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("category", BIG),
        ("category", "1.5"),
        ("category", "1e400"),
        ("unit", HUGE),
        ("unit", "-3"),
        ("assignee", BIG),
        ("assignee", "x"),
        ("open", "maybe"),
        ("overdue", "null"),
        ("is_major", "yes please"),
        ("mine", "2"),
        ("state", "nonsense"),
        ("number", "TS\x002026"),
        ("page", "0"),
        ("page", "-1"),
        ("page", "abc"),
        ("page", BIG + "0"),
        ("page_size", "0"),
        ("page_size", "-5"),
        ("page_size", "many"),
    ],
)
def test_a_bad_list_parameter_is_400_naming_it(api, world, param, value):
    work_order_make(actor=world.clerk)
    api.force_login(world.dispatcher)

    response = api.get(ORDERS, {param: value})

    assert response.status_code == 400, response.content
    assert param in response.data


def test_a_page_past_the_last_is_404(api, world):
    api.force_login(world.dispatcher)

    assert api.get(ORDERS, {"page": 99}).status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("received_at", "2026-11-20T10:00:00+16:00"),
        ("received_at", "0001-01-01T00:00:00+08:00"),
        ("category", 2**63),
        ("category", 10**30),
        ("previous_order", -1),
        ("content", "话费\x00异常"),
    ],
)
def test_a_bad_body_field_is_400_naming_it(api, world, field, value):
    api.force_login(world.clerk)
    body = {
        "order_type": "complaint", "channel": "phone", "handling_method": "transfer",
        "accepted_number": "13812345678", "content": "话费异常", "received_at": "2026-11-20T10:00:00+08:00",
        "category": world.category.id, "customer": {"home_city": "深圳"}, field: value,
    }  # fmt: skip

    response = api.post(ORDERS, body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.data


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("dispatch", {"unit": 2**63}, "unit"),
        ("dispatch", {"unit": 1, "due_at": "2026-11-20T10:00:00-16:30"}, "due_at"),
        ("contacts", {"direction": "outbound", "channel": "phone", "reached": True, "summary": "a\x00b"}, "summary"),
    ],
)
def test_a_bad_action_field_is_400_naming_it(api, world, action, body, field):
    order = work_order_make(actor=world.clerk)
    api.force_login(world.dispatcher)

    response = api.post(f"{ORDERS}{order.id}/{action}/", body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.data


# --- NUL and strictness in reference-data queries ----------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "param", "value"),
    [
        ("/api/v1/categories/", "q", "账\x00单"),
        ("/api/v1/categories/", "leaf_only", "null"),
        ("/api/v1/reply-scripts/", "category", BIG),
        ("/api/v1/reply-scripts/", "category", "0"),
    ],
)
def test_a_bad_reference_query_is_400_naming_it(api, world, path, param, value):
    api.force_login(world.clerk)

    response = api.get(path, {param: value})

    assert response.status_code == 400, response.content
    assert param in response.data


def test_a_category_search_still_finds(api, world):
    api.force_login(world.clerk)

    response = api.get("/api/v1/categories/", {"q": "储值卡", "leaf_only": "true"})

    assert response.status_code == 200
    assert [row["id"] for row in response.data] == [world.category.id]


# --- bodies the parser cannot take --------------------------------------------------------------------------
@pytest.mark.parametrize("depth", [40, 950, 5000, 100_000])
def test_deeply_nested_json_is_400_even_unauthenticated(depth):
    body = "[" * depth + "]" * depth

    response = Client().post("/api/v1/auth/token/", body, content_type="application/json")

    assert response.status_code == 400
    assert "detail" in json.loads(response.content)


def test_deeply_nested_json_is_400_on_an_order_too(api, world):
    order = work_order_make(actor=world.clerk)
    api.force_login(world.dispatcher)
    body = '{"unit": 1, "note": ' + "[" * 2000 + "]" * 2000 + "}"

    response = api.post(f"{ORDERS}{order.id}/dispatch/", body, content_type="application/json")

    assert response.status_code == 400


def test_nesting_an_order_really_needs_is_fine(api, world):
    api.force_login(world.clerk)
    body = {
        "order_type": "complaint", "channel": "phone", "handling_method": "transfer",
        "accepted_number": "13812345678", "content": "话费异常", "received_at": "2026-11-20T10:00:00+08:00",
        "category": world.category.id, "customer": {"name": "张先生", "home_city": "深圳"},
    }  # fmt: skip

    response = api.post(ORDERS, body, format="json")

    assert response.status_code == 201, response.data


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b"\xff\xfe{"),
        ("application/json", b'{"username": NaN}'),
        ("application/json", b"{"),
        ("application/json", b""),
        ("multipart/form-data", b"--x\r\nnonsense"),
        ("multipart/form-data; boundary=", b"--\r\n"),
        ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data\r\n\r\nv\r\n--x--"),
        ("application/x-www-form-urlencoded", b"username=%ff%fe&password=%00"),
        ("application/x-www-form-urlencoded", b"&".join(b"f%d=1" % i for i in range(2000))),
        ("text/plain", b"username=a"),
    ],
)
def test_odd_bodies_on_the_token_endpoint_are_4xx(content_type, body):
    response = Client().generic("POST", "/api/v1/auth/token/", body, content_type=content_type)

    assert 400 <= response.status_code < 500, response.content
    assert response["Content-Type"].startswith("application/json")


def test_too_many_form_fields_on_an_order_action_is_400(api, world):
    order = work_order_at(OrderState.ACCEPTED, world=world)
    api.force_login(world.dispatcher)
    body = "&".join(f"f{i}=1" for i in range(2000))

    response = api.generic(
        "POST", f"{ORDERS}{order.id}/dispatch/", body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("param", "value"),
    [("unit", BIG), ("unit", "1.5"), ("order", HUGE), ("order", "0"), ("overdue", "perhaps"), ("at_risk", "null")],
)
def test_a_bad_clock_filter_is_400_naming_it(api, world, param, value):
    api.force_login(world.dispatcher)

    response = api.get("/api/v1/clocks/", {param: value})

    assert response.status_code == 400, response.content
    assert param in response.data


@pytest.mark.parametrize(
    "start", ["2026-11-20T10:00:00+16:00", "0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-08:00"]
)
def test_a_due_time_start_out_of_range_is_400_naming_start(api, world, start):
    from deadlines.models import BusinessCalendar

    BusinessCalendar.objects.get_or_create(code="CAL-24X7", defaults={"name": "24x7", "is_24x7": True})
    api.force_login(world.clerk)

    response = api.get("/api/v1/due-time/", {"calendar": "CAL-24X7", "start": start, "limit": "PT3H"})

    assert response.status_code == 400, response.content
    assert "start" in response.data


@pytest.mark.parametrize("param", ["accepted_after", "category", "open", "page", "page_size", "number"])
def test_an_empty_optional_parameter_means_not_given(api, world, param):
    """As the schema says (allowEmptyValue): `?category=` is a form's empty field, not an error."""
    work_order_make(actor=world.clerk)
    api.force_login(world.dispatcher)

    response = api.get(ORDERS, {param: ""})

    assert response.status_code == 200
    assert response.data["count"] == 1


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/customers/lookup/", {"number": 0}, "number"),
        ("/api/v1/orders/search/", {"accepted_number": 13812345678}, "accepted_number"),
        (ORDERS, {"content": 12}, "content"),
    ],
)
def test_a_number_where_the_schema_says_text_is_400(api, world, path, body, field):
    """schemathesis found it: DRF's CharField turned `0` into "0" although the schema says string."""
    api.force_login(world.clerk)

    response = api.post(path, body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.data
