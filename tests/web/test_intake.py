"""Accepting a customer in the browser (R-UI-1): /orders/new/ and its htmx helpers. The rules are the
service's; these tests check that the page passes them through, shows refusals at the field in Chinese,
and saves nothing on a refusal."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from complaints.models import Customer, ReplyScript
from tests.factories import CITY, ComplaintCategoryFactory, CustomerFactory, work_order_make
from tickets.models import Attachment, OrderState, TimelineEntry, WorkOrder

pytestmark = pytest.mark.django_db

CLUB_NUMBER = "13900001111"


def intake_post(world, **overrides) -> dict:
    """A valid complaint to be transferred, as the browser posts it."""
    data = {
        "order_type": "complaint",
        "accepted_number": "13812345678",
        "customer_name": "张先生",
        "customer_home_city": CITY,
        "category": world.category.id,
        "urgency": "normal",
        "handling_method": "transfer",
        "received_at": timezone.localtime(timezone.now() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
        "channel": "phone",
        "content": "客户称充值卡密码被盗用，要求查明并补偿。",
        "attachment_kind": "other",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def counts() -> tuple[int, int, int, int]:
    return (WorkOrder.objects.count(), Customer.objects.count(), TimelineEntry.objects.count(),
            Attachment.objects.count())  # fmt: skip


def test_the_intake_page(world, login):
    response = login(world.clerk).get("/orders/new/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="order_type"' in html and 'value="consultation"' in html
    assert "受理号码" in html and 'hx-post="/orders/new/customer/"' in html  # the number in the body, not the URL
    assert world.category.name in html  # the category tree, leaves only
    assert 'data-show-when="order_type=complaint"' in html


def test_a_role_that_cannot_accept_gets_403(world, login):
    assert login(world.handler).get("/orders/new/").status_code == 403


def test_accepting_a_complaint_redirects_to_its_page(world, login):
    client = login(world.clerk)

    response = client.post("/orders/new/", intake_post(world))

    order = WorkOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.id}/"
    assert (order.accepted_by, order.state, order.category) == (world.clerk, OrderState.ACCEPTED, world.category)
    assert order.customer.name == "张先生"
    assert f"工单 {order.number} 已受理" in client.get(response["Location"]).content.decode()


def test_club_customer_is_extra_urgent_whatever_was_posted(world, login):
    # given: a club customer; the browser locks the control, but a forged post says "normal"
    CustomerFactory(number=CLUB_NUMBER, tier=Customer.Tier.CLUB)

    response = login(world.clerk).post("/orders/new/", intake_post(world, accepted_number=CLUB_NUMBER))

    assert response.status_code == 302
    assert WorkOrder.objects.get().urgency == "extra_urgent"


def test_refusals_are_shown_at_the_field_in_chinese_and_nothing_is_saved(world, login):
    before = counts()

    response = login(world.clerk).post("/orders/new/", intake_post(world, category="", content=""))

    html = response.content.decode()
    assert response.status_code == 400
    assert counts() == before
    assert "未保存任何内容" in html
    assert "投诉目录：请选择投诉目录。" in html
    assert "客户诉求：请记录客户诉求。" in html


def test_extra_urgent_is_refused_for_an_ordinary_customer(world, login):
    response = login(world.clerk).post("/orders/new/", intake_post(world, urgency="extra_urgent"))
    assert response.status_code == 400
    assert "紧急程度：特急仅适用于俱乐部客户。" in response.content.decode()
    assert WorkOrder.objects.count() == 0


def test_type_specific_fields_are_required_by_the_service(world, login):
    response = login(world.clerk).post(
        "/orders/new/", intake_post(world, order_type="consultation", category="", handling_method="record")
    )
    assert response.status_code == 400
    assert "来电原因：咨询工单须选择来电原因。" in response.content.decode()


def test_attachments_are_added_with_the_order(world, login):
    files = [SimpleUploadedFile("bill.pdf", b"%PDF-1.4 bill"), SimpleUploadedFile("note.txt", b"note")]

    response = login(world.clerk).post(
        "/orders/new/", {**intake_post(world, attachment_kind="bill"), "attachments": files}
    )

    assert response.status_code == 302
    order = WorkOrder.objects.get()
    assert sorted(order.attachments.values_list("original_name", "kind")) == [
        ("bill.pdf", "bill"),
        ("note.txt", "bill"),
    ]
    assert order.timeline.filter(kind="attachment").count() == 2


def test_a_refused_attachment_saves_nothing(world, login):
    before = counts()
    files = [SimpleUploadedFile("bill.pdf", b"%PDF-1.4 bill"), SimpleUploadedFile("virus.exe", b"MZ")]

    response = login(world.clerk).post("/orders/new/", {**intake_post(world), "attachments": files})

    assert response.status_code == 400
    assert counts() == before
    assert "virus.exe：不接受“.exe”类型的文件。" in response.content.decode()


def test_customer_card_of_a_club_customer_locks_urgency(world, login):
    CustomerFactory(number=CLUB_NUMBER, tier=Customer.Tier.CLUB, name="赵女士", brand="全球通")

    response = login(world.clerk).post(
        "/orders/new/customer/", {"accepted_number": CLUB_NUMBER}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "赵女士" in html and "139****1111" in html and CLUB_NUMBER not in html
    assert 'id="urgency-block"' in html and 'hx-swap-oob="true"' in html
    assert "disabled" in html and 'name="urgency" value="extra_urgent"' in html
    assert "不可降低" in html


def test_customer_card_of_an_ordinary_customer_leaves_urgency_free(world, login):
    CustomerFactory(number="13900002222")
    html = login(world.clerk).post("/orders/new/customer/", {"accepted_number": "13900002222"}).content.decode()
    assert 'name="urgency" id="id_urgency"' in html and "disabled" not in html
    assert 'value="extra_urgent"' not in html


def test_customer_card_shows_open_orders_as_a_possible_urge(world, login):
    order = work_order_make(actor=world.clerk)

    html = login(world.clerk).post("/orders/new/customer/", {"accepted_number": "138 1234 5678"}).content.decode()

    assert "可能是催办，不是新投诉" in html
    assert f'href="/orders/{order.id}/"' in html


def test_customer_card_waits_for_a_complete_number(world, login):
    html = login(world.clerk).post("/orders/new/customer/", {"accepted_number": "13812"}).content.decode()
    assert "输入受理号码后显示客户资料" in html and "data-customer-card" not in html


def test_category_search_returns_active_leaves_only(world, login):
    retired = ComplaintCategoryFactory(name="充值卡旧目录", parent=world.category.parent, is_active=False)
    top = world.category.parent

    html = login(world.clerk).get("/orders/new/categories/", {"category_q": "充值卡"}).content.decode()

    assert f'data-category-id="{world.category.id}"' in html
    assert f'data-category-id="{retired.id}"' not in html
    assert f'data-category-id="{top.id}"' not in html  # a node with children is not a leaf


def test_picking_a_category_shows_its_scripts(world, login):
    script = ReplyScript.objects.create(title="充值卡被盗用", scenario="充值卡", body="请您先挂失充值卡。")
    script.categories.add(world.category)

    html = login(world.clerk).get("/orders/new/category/", {"category": world.category.id}).content.decode()

    assert 'id="category-picked"' in html and f'name="category" id="id_category" value="{world.category.id}"' in html
    assert "请您先挂失充值卡。" in html


def test_picking_a_non_leaf_chooses_nothing(world, login):
    html = login(world.clerk).get("/orders/new/category/", {"category": world.category.parent_id}).content.decode()
    assert 'name="category" id="id_category" value=""' in html


# --- R-SP-1 (a): urges from the customer card ---------------------------------------------------------------
def test_the_card_shows_open_orders_of_every_hall_and_logs_an_urge(world, login):
    # given an open complaint accepted at the north hall, which the south clerk cannot open
    order = work_order_make(actor=world.clerk_north, accepted_number="13900003333")
    client = login(world.clerk)

    # when the south clerk types the number
    card = client.post("/orders/new/customer/", {"accepted_number": "13900003333"}, HTTP_HX_REQUEST="true")
    html = card.content.decode()

    # then the order is listed with its state and an urge button, without a link it could not follow
    with translation.override("zh-hans"):
        state = order.get_state_display()
    assert f'data-urge-row="{order.number}"' in html and f"· {state} ·" in html
    assert f'href="/orders/{order.pk}/"' not in html
    assert f'hx-post="/orders/{order.pk}/urge/"' in html

    # and an empty note is refused where it was typed, a real one is logged
    # (with the number typed in the intake form: another hall's order, R-SEC-1)
    typed = {"accepted_number": "13900003333"}
    empty = client.post(f"/orders/{order.pk}/urge/", {"urge_note": " ", **typed}, HTTP_HX_REQUEST="true")
    logged = client.post(
        f"/orders/{order.pk}/urge/", {"urge_note": "客户到厅催问进度", **typed}, HTTP_HX_REQUEST="true"
    )

    assert empty.status_code == 400 and "data-urge-error" in empty.content.decode()
    assert logged.status_code == 200 and 'data-urges="1"' in logged.content.decode()
    assert [(e.actor, e.note) for e in order.timeline.filter(kind="urge")] == [(world.clerk, "客户到厅催问进度")]


def test_posting_the_same_complaint_again_shows_the_urge_error_at_the_category(world, login):
    order = work_order_make(actor=world.clerk)
    response = login(world.clerk).post("/orders/new/", intake_post(world, accepted_number=order.accepted_number))

    assert response.status_code == 400
    assert order.number in response.content.decode() and "催办" in response.content.decode()
    assert WorkOrder.objects.count() == 1


def test_only_intake_staff_log_urges_from_the_card(world, login):
    order = work_order_make(actor=world.clerk)
    response = login(world.handler).post(f"/orders/{order.pk}/urge/", {"urge_note": "催办"})
    assert response.status_code == 403
    assert not order.timeline.filter(kind="urge").exists()
