"""The REST contract of R-API-1: authentication, 400 with field names and nothing created, 403, 404 for an
invisible order, 409 with code "transition_refused", masking and audited unmasking (R-SEC-2), filters."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from org.models import ApiToken
from org.tokens import api_token_key_hash
from tests.factories import (
    STANDARD_MASKED,
    STANDARD_NUMBER,
    UserFactory,
    fresh,
    work_order_at,
    work_order_make,
)
from tickets.models import Contact, NumberUnmaskAudit, OrderState, TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db

S = OrderState
ORDERS = "/api/v1/orders/"


def url(order, action: str = "") -> str:
    return f"{ORDERS}{order.id}/" + (f"{action}/" if action else "")


def create_body(world, **overrides) -> dict:
    body = {
        "order_type": "complaint",
        "channel": "phone",
        "handling_method": "transfer",
        "accepted_number": STANDARD_NUMBER,
        "content": "客户反映话费异常扣费",
        "received_at": (timezone.now() - timedelta(minutes=5)).isoformat(),
        "category": world.category.id,
        "customer": {"name": "张先生", "home_city": "深圳"},
    }
    body.update(overrides)
    return body


# --- authentication (R-SEC-1) -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", ORDERS),
        ("post", ORDERS),
        ("get", f"{ORDERS}1/"),
        ("post", f"{ORDERS}1/claim/"),
        ("get", "/api/schema/"),
        ("get", "/api/docs/"),
    ],
)
def test_anonymous_gets_401(api, world, method, path):
    response = getattr(api, method)(path, {}, format="json")
    assert response.status_code == 401


@pytest.fixture
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_token_auth(api, world, fast_hashing):
    # given
    world.clerk.set_password("s3cret-pass")
    world.clerk.save()
    order = work_order_make(actor=world.clerk)

    # when
    token = api.post("/api/v1/auth/token/", {"username": "clerk", "password": "s3cret-pass"}, format="json")
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.data['token']}")
    listed = api.get(ORDERS)

    # then
    assert token.status_code == 200
    assert ApiToken.objects.get(user=world.clerk).key_hash == api_token_key_hash(token.data["token"])
    assert listed.status_code == 200
    assert [row["number"] for row in listed.data["results"]] == [order.number]


def test_wrong_password_gets_no_token_and_a_bad_token_gets_401(api, world, fast_hashing):
    world.clerk.set_password("s3cret-pass")
    world.clerk.save()

    assert api.post("/api/v1/auth/token/", {"username": "clerk", "password": "nope"}, format="json").status_code == 400
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api.get(ORDERS).status_code == 401


# --- creation -----------------------------------------------------------------------------------------------
def test_create_answers_201_with_the_masked_order(api, world):
    api.force_login(world.clerk)

    response = api.post(ORDERS, create_body(world), format="json")

    assert response.status_code == 201, response.data
    order = WorkOrder.objects.get()
    assert response.data["number"] == order.number
    assert response.data["state"] == "accepted"
    assert response.data["accepted_number"] == STANDARD_MASKED
    assert response.data["accepted_by"] == world.clerk.id
    assert response.data["allowed_transitions"] == []


def test_create_with_bad_fields_answers_400_naming_them_and_creates_nothing(api, world):
    api.force_login(world.clerk)

    response = api.post(ORDERS, create_body(world, accepted_number="12345", category=None), format="json")

    assert response.status_code == 400
    assert set(response.data) == {"accepted_number", "category"}
    assert response.data["category"] == ["Choose a complaint category."]
    assert not WorkOrder.objects.exists()
    assert not TimelineEntry.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"order_type": "rumour"}, "order_type"),
        ({"received_at": "yesterday"}, "received_at"),
        ({"category": "leaf"}, "category"),
        ({"urgency": "extra_urgent"}, "urgency"),
        ({"channel": "visit"}, "visit_confirmed"),
        ({"received_at": (timezone.now() + timedelta(days=2)).isoformat()}, "received_at"),
    ],
)
def test_create_never_500s_on_bad_input(api, world, overrides, field):
    api.force_login(world.clerk)
    response = api.post(ORDERS, create_body(world, **overrides), format="json")
    assert response.status_code == 400
    assert field in response.data
    assert not WorkOrder.objects.exists()


def test_create_without_the_role_is_403(api, world):
    api.force_login(world.handler)
    response = api.post(ORDERS, create_body(world), format="json")
    assert response.status_code == 403
    assert not WorkOrder.objects.exists()


def test_create_direct_reply_over_the_api_is_closed_at_once(api, world):
    api.force_login(world.clerk)
    body = create_body(world, handling_method="direct_reply", direct_reply="已现场解释计费规则")
    response = api.post(ORDERS, body, format="json")
    assert response.status_code == 201
    assert response.data["state"] == "closed"


# --- transitions -------------------------------------------------------------------------------------------
def test_transition_answers_200_with_the_moved_order(api, world):
    order = work_order_make(actor=world.clerk)
    api.force_login(world.dispatcher)

    response = api.post(url(order, "dispatch"), {"unit": world.dept_billing.id}, format="json")

    assert response.status_code == 200, response.data
    assert response.data["state"] == "dispatched"
    assert response.data["handling_unit"] == world.dept_billing.id
    assert fresh(order).state == S.DISPATCHED


def test_transition_from_the_wrong_state_is_409_with_code(api, world):
    order = work_order_at(S.DISPATCHED, world=world)
    api.force_login(world.dispatcher)

    response = api.post(url(order, "dispatch"), {"unit": world.dept_billing.id}, format="json")

    assert response.status_code == 409
    assert response.data["code"] == "transition_refused"
    assert response.data["transition"] == "dispatch"
    assert response.data["state"] == "dispatched"
    assert response.data["detail"]
    assert fresh(order).timeline.count() == 2  # created, dispatch: nothing added


def test_transition_without_the_role_is_403(api, world):
    order = work_order_make(actor=world.clerk)
    api.force_login(world.clerk)

    response = api.post(url(order, "dispatch"), {"unit": world.dept_billing.id}, format="json")

    assert response.status_code == 403
    assert fresh(order).state == S.ACCEPTED


def test_order_of_another_hall_is_404_everywhere(api, world):
    order = work_order_at(S.REPLY_APPROVED, world=world)
    api.force_login(world.clerk_north)

    assert api.get(url(order)).status_code == 404
    assert api.get(url(order, "timeline")).status_code == 404
    assert api.post(url(order, "reply-customer"), {"method": "phone"}, format="json").status_code == 404
    assert api.post(url(order, "unmask"), {}, format="json").status_code == 404
    assert fresh(order).state == S.REPLY_APPROVED
    assert not NumberUnmaskAudit.objects.exists()


def test_handler_of_another_department_claiming_gets_404(api, world):
    order = work_order_at(S.DISPATCHED, world=world)
    api.force_login(world.handler_network)
    assert api.post(url(order, "claim")).status_code == 404
    assert fresh(order).assignee is None


def test_field_errors_of_a_transition_are_400(api, world):
    order = work_order_at(S.PROCESSING, world=world)
    api.force_login(world.handler)

    response = api.post(url(order, "dept-reply"), {"process": "", "result": "", "customer_attitude": ""}, format="json")

    assert response.status_code == 400
    assert set(response.data) == {"cause", "process", "result", "customer_attitude", "service_restored"}
    assert fresh(order).state == S.PROCESSING


@pytest.mark.parametrize("unit", ["abc", None, 999_999])
def test_dispatch_to_a_bad_unit_is_400_not_500(api, world, unit):
    order = work_order_make(actor=world.clerk)
    api.force_login(world.dispatcher)
    response = api.post(url(order, "dispatch"), {"unit": unit}, format="json")
    assert response.status_code == 400
    assert "unit" in response.data


def test_whole_life_cycle_over_the_api(api, world):
    order = work_order_make(actor=world.clerk)
    dept_reply = {
        "cause": "计费差错",
        "process": "已退费",
        "result": "正常",
        "customer_attitude": "认可",
        "service_restored": True,
    }
    final_reply = {"method": "phone", "process": "退费", "content": "已退费20元", "satisfaction": "satisfied"}
    steps = [
        (world.dispatcher, "dispatch", {"unit": world.dept_billing.id}, "dispatched"),
        (world.handler, "claim", {}, "processing"),
        (world.handler, "dept-reply", dept_reply, "dept_replied"),
        (world.dispatcher, "return-reply", {"reason": "请补充退费金额"}, "processing"),
        (world.handler, "dept-reply", {**dept_reply, "process": "已退费20元"}, "dept_replied"),
        (world.dispatcher, "approve-reply", {}, "reply_approved"),
        (world.clerk, "reply-customer", final_reply, "customer_replied"),
        (world.dispatcher, "callback", {"outcome": "unsatisfied", "customer_unreasonable": True}, "callback_done"),
        (world.dispatcher, "close", {"reason": "诉求超出政策范围"}, "closed"),
    ]
    for actor, action, body, state in steps:
        api.force_login(actor)
        response = api.post(url(order, action), body, format="json")
        assert response.status_code == 200, (action, response.data)
        assert response.data["state"] == state

    timeline = api.get(url(order, "timeline"))
    assert timeline.status_code == 200
    assert [e["kind"] for e in timeline.data["results"]][-1] == "close"  # sub-lists are paged like every list
    assert timeline.data["count"] == 10


def test_written_reply_approvals_over_the_api(api, world):
    order = work_order_at(S.REPLY_APPROVED, world=world)
    api.force_login(world.dispatcher)
    draft = api.post(
        url(order, "reply-drafts"), {"method": "email", "process": "核实", "content": "回复函"}, format="json"
    )
    assert draft.status_code == 201

    approvals = [(world.handler, "professional"), (world.legal, "legal"), (world.dispatcher, "manager")]
    for approver, kind in approvals:
        api.force_login(approver)
        response = api.post(
            url(order, "approve-final-reply"), {"draft_id": draft.data["id"], "kind": kind}, format="json"
        )
        assert response.status_code == 201, response.data

    api.force_login(world.legal)
    again = api.post(url(order, "approve-final-reply"), {"draft_id": draft.data["id"], "kind": "legal"}, format="json")
    assert again.status_code == 409

    api.force_login(world.dispatcher)
    sent = api.post(
        url(order, "reply-customer"),
        {"method": "email", "draft_id": draft.data["id"], "satisfaction": "satisfied"},
        format="json",
    )
    assert sent.status_code == 200, sent.data
    assert sent.data["state"] == "customer_replied"


def test_approval_of_a_draft_of_another_order_is_400(api, world):
    order = work_order_at(S.REPLY_APPROVED, world=world)
    other = work_order_at(S.REPLY_APPROVED, world=world, accepted_number="13900000009")
    api.force_login(world.dispatcher)
    draft = api.post(
        url(other, "reply-drafts"), {"method": "written", "process": "核实", "content": "函"}, format="json"
    )

    response = api.post(
        url(order, "approve-final-reply"), {"draft_id": draft.data["id"], "kind": "manager"}, format="json"
    )

    assert response.status_code == 400
    assert "draft_id" in response.data


def test_contacts_over_the_api(api, world):
    order = work_order_at(S.PROCESSING, world=world)
    api.force_login(world.handler)

    created = api.post(
        url(order, "contacts"),
        {"direction": "outbound", "channel": "phone", "reached": False, "summary": "关机"},
        format="json",
    )
    listed = api.get(url(order, "contacts"))

    assert created.status_code == 201
    assert [c["summary"] for c in listed.data["results"]] == ["关机"]
    assert Contact.objects.get().recorded_by == world.handler


# --- masking and unmasking (R-SEC-2) ------------------------------------------------------------------------
def test_list_and_detail_show_the_numbers_masked(api, world):
    order = work_order_make(actor=world.clerk, contact_number="0755-87654321")
    api.force_login(world.dispatcher)

    listed = api.get(ORDERS)
    detail = api.get(url(order))

    assert listed.data["results"][0]["accepted_number"] == STANDARD_MASKED
    assert detail.data["accepted_number"] == STANDARD_MASKED
    assert detail.data["contact_number"] == "0755-****4321"
    for response in (listed, detail):
        assert STANDARD_NUMBER not in response.content.decode()
        assert "87654321" not in response.content.decode()


def test_unmask_returns_the_full_numbers_and_is_audited(api, world):
    order = work_order_make(actor=world.clerk, contact_number="0755-87654321")
    api.force_login(world.dispatcher)

    response = api.post(url(order, "unmask"), {"reason": "回访核实"}, format="json")

    assert response.status_code == 200
    assert response.data == {"accepted_number": STANDARD_NUMBER, "contact_number": "0755-87654321"}
    audit = NumberUnmaskAudit.objects.get()
    assert (audit.user, audit.order_id, audit.customer, audit.reason) == (
        world.dispatcher,
        order.id,
        order.customer,
        "回访核实",
    )
    assert audit.ip_address == "127.0.0.1"


def test_every_unmask_is_audited(api, world):
    order = work_order_make(actor=world.clerk)
    api.force_login(world.dispatcher)
    api.post(url(order, "unmask"), {"reason": "回访核实"}, format="json")
    api.post(url(order, "unmask"), {"reason": "再次核实"}, format="json")
    assert NumberUnmaskAudit.objects.count() == 2


def test_front_line_cannot_unmask_and_the_refusal_is_audited(api, world):
    order = work_order_make(actor=world.clerk, contact_number="0755-87654321")
    api.force_login(world.clerk)

    response = api.post(url(order, "unmask"), {"reason": "好奇"}, format="json")

    assert response.status_code == 403
    assert STANDARD_NUMBER not in response.content.decode()
    assert "87654321" not in response.content.decode()
    refused = NumberUnmaskAudit.objects.get()  # issue 8 §1: refused attempts are on record too
    assert (refused.user, refused.order_id, refused.granted, refused.reason) == (world.clerk, order.id, False, "好奇")


# --- filters --------------------------------------------------------------------------------------------------
@pytest.fixture
def mixed_orders(world):
    with time_machine.travel(timezone.now() - timedelta(days=3), tick=False):
        old = work_order_make(actor=world.clerk, accepted_number="13900000001")
    return {
        "old": old,
        "closed": work_order_make(actor=world.clerk, handling_method="record", accepted_number="13900000002"),
        "major": work_order_make(actor=world.clerk, is_major=True, accepted_number="13900000003"),
        "consultation": work_order_make(
            actor=world.clerk,
            order_type="consultation",
            handling_method="record",
            call_reason_id=world.call_reason.id,
            accepted_number="13900000004",
        ),  # fmt: skip
        "north": work_order_make(actor=world.clerk_north, accepted_number="13900000005"),
        "billing": work_order_at(S.DISPATCHED, world=world, accepted_number="13900000006"),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"old", "closed", "major", "consultation", "north", "billing"}),
        ("state=closed", {"closed", "consultation"}),
        ("state=accepted&state=dispatched", {"old", "major", "north", "billing"}),
        ("order_type=consultation", {"consultation"}),
        ("is_major=true", {"major"}),
        ("open=false", {"closed", "consultation"}),
    ],
)
def test_filters(api, world, mixed_orders, query, expected):
    api.force_login(world.dispatcher)
    response = api.get(f"{ORDERS}?{query}")
    assert response.status_code == 200
    numbers = {row["number"] for row in response.data["results"]}
    assert numbers == {mixed_orders[name].number for name in expected}


@pytest.mark.parametrize(("number", "expected"), [("13900000004", {"consultation"}), ("+86 139 0000 0005", {"north"})])
def test_search_by_accepted_number_is_a_post(api, world, mixed_orders, number, expected):
    # R-SEC-2: the number travels in the body (URLs reach access logs); the old GET filter refuses it
    api.force_login(world.dispatcher)
    response = api.post(f"{ORDERS}search/", {"accepted_number": number}, format="json")
    assert response.status_code == 200 and response.data["count"] == len(expected)
    assert {row["number"] for row in response.data["results"]} == {mixed_orders[name].number for name in expected}
    refused = api.get(ORDERS, {"accepted_number": number})
    assert refused.status_code == 400 and list(refused.data) == ["accepted_number"]


def test_unit_filter_includes_sub_units_and_handling_unit(api, world, mixed_orders):
    api.force_login(world.dispatcher)

    def names(unit):
        rows = api.get(f"{ORDERS}?unit={unit.id}").data["results"]
        return {name for name, o in mixed_orders.items() if o.number in {r["number"] for r in rows}}

    assert names(world.north) == {"north"}
    assert names(world.dept_billing) == {"billing"}
    assert names(world.south) == {"old", "closed", "major", "consultation", "billing"}


def test_accepted_after_filter(api, world, mixed_orders):
    api.force_login(world.dispatcher)
    since = (timezone.now() - timedelta(days=1)).isoformat()
    rows = api.get(ORDERS, {"accepted_after": since}).data["results"]
    assert mixed_orders["old"].number not in {r["number"] for r in rows}
    assert len(rows) == 5


def test_bad_filter_value_is_400(api, world):
    api.force_login(world.dispatcher)
    assert api.get(f"{ORDERS}?unit=abc").status_code == 400
    assert api.get(f"{ORDERS}?state=lost").status_code == 400


def test_list_shows_only_visible_orders(api, world, mixed_orders):
    api.force_login(world.clerk_north)
    rows = api.get(ORDERS).data["results"]
    assert [r["number"] for r in rows] == [mixed_orders["north"].number]


def test_list_puts_priority_cases_first(api, world, mixed_orders):
    api.force_login(world.dispatcher)
    rows = api.get(ORDERS).data["results"]
    assert rows[0]["number"] == mixed_orders["major"].number


# --- reference data and schema --------------------------------------------------------------------------------
def test_openapi_schema(api, world):
    api.force_login(world.clerk)
    response = api.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/orders/{id}/dispatch/" in response.content


def test_user_without_units_lists_nothing(api, world, mixed_orders):
    api.force_login(UserFactory(roles=["front_line"]))
    assert api.get(ORDERS).data["count"] == 0
