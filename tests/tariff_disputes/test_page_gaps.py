"""Gaps closed after issue 10: the dispute history shows translated labels, the recharge-card scripts are
editable reply scripts (R-TD-7, R-KB-1), the approval queue has a count in the top bar (R-TD-5, R-UI-2), and the
order page offers a dispute only on fee complaints under 通信费用 (R-TD-1)."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from complaints.models import ReplyScript
from tariff_disputes import services
from tariff_disputes.models import Dispute, FeeCategory
from tariff_disputes.selectors import RECHARGE_SCRIPT_KEYS, order_is_fee_complaint, recharge_card_script
from tests.factories import another_number, category_leaf, work_order_make

from .conftest import dispute_pending, dispute_verifying, recharge_scripts_seeded

pytestmark = pytest.mark.django_db


def seed_scripts():
    importlib.import_module("tariff_disputes.migrations.0003_seed_recharge_card_scripts").seed(apps, None)


# --- 1. the history, translated -----------------------------------------------------------------------------
def test_history_shows_translated_labels_not_raw_kinds(world, fee_order, login):
    dispute = dispute_verifying(world, fee_order)
    page = login(world.clerk).get(f"/tariff-disputes/{dispute.pk}/").content.decode()
    assert "资费争议已登记" in page  # dispute_registered, in Chinese by default
    assert "· dispute_registered" not in page and "· verification_started" not in page
    assert "→ verifying" not in page  # the state after is its label too


# --- 2. recharge-card scripts are editable data (R-TD-7, R-KB-1) ---------------------------------------------
def test_migration_seeds_the_two_scripts_on_their_category_once():
    category = category_leaf()
    seed_scripts()
    seed_scripts()  # idempotent
    scripts = ReplyScript.objects.filter(seed_key__in=RECHARGE_SCRIPT_KEYS.values())
    assert scripts.count() == 2
    assert all(list(script.categories.all()) == [category] for script in scripts)  # never a general script


def test_migration_creates_nothing_without_the_category_tree():
    seed_scripts()
    assert not ReplyScript.objects.filter(seed_key__in=RECHARGE_SCRIPT_KEYS.values()).exists()


def test_migration_keeps_an_existing_script_by_title():
    category_leaf()
    ReplyScript.objects.create(title="充值卡密码被套取：在我公司服务厅购买", scenario="x", body="改过的口径")
    seed_scripts()
    assert ReplyScript.objects.filter(title="充值卡密码被套取：在我公司服务厅购买").get().body == "改过的口径"


def test_script_follows_an_administrators_edit_and_retirement(world, fee_order):
    recharge_scripts_seeded()
    here = dispute_verifying(world, fee_order, recharge_card=True, card_bought_here=True)
    elsewhere = dispute_verifying(world, fee_order, amount="10.00", recharge_card=True, card_bought_here=False)
    assert "不是在我公司服务厅购买" in recharge_card_script(dispute=elsewhere)
    ReplyScript.objects.filter(seed_key="recharge-card-bought-at-hall").update(body="新的本厅口径")
    assert recharge_card_script(dispute=here) == "新的本厅口径"
    ReplyScript.objects.filter(seed_key="recharge-card-bought-at-hall").update(is_active=False)
    assert recharge_card_script(dispute=here) == ""


def test_dispute_page_shows_the_edited_script(world, fee_order, login):
    recharge_scripts_seeded()
    ReplyScript.objects.filter(seed_key="recharge-card-bought-elsewhere").update(body="请向售卡点咨询（已编辑）")
    dispute = dispute_verifying(world, fee_order, recharge_card=True, card_bought_here=False)
    assert "请向售卡点咨询（已编辑）" in login(world.clerk).get(f"/tariff-disputes/{dispute.pk}/").content.decode()


# --- 3. the approval queue in the top bar (R-TD-5, R-UI-2) ---------------------------------------------------
def nav_entry(client) -> str:
    page = client.get("/tariff-disputes/").content.decode()
    start = page.find("data-tariff-queue")
    return "" if start < 0 else page[start : page.find("</a>", start)]


def test_nav_counts_what_waits_for_the_approvers_level(world, fee_order, login, people):
    dispute_pending(world, fee_order)  # ¥91.00: the store manager's level, so every approver above sees it too
    for approver in (world.store_manager, world.dispatcher, people.leader):
        entry = nav_entry(login(approver))
        assert "资费争议" in entry and "data-tariff-count>1<" in entry
        assert 'href="/tariff-disputes/#approval-queue"' in login(approver).get("/").content.decode()


def test_nav_counts_zero_calmly_and_hides_from_non_approvers(world, login):
    assert "data-tariff-count>0<" in nav_entry(login(world.store_manager))
    assert nav_entry(login(world.clerk)) == ""  # a front-line clerk approves at no level


def test_nav_does_not_count_a_request_above_the_users_level(world, fee_order, login):
    dispute_pending(world, fee_order, amount="300.00")  # ¥600.00 refund: CS centre and above
    assert "data-tariff-count>0<" in nav_entry(login(world.store_manager))
    assert "data-tariff-count>1<" in nav_entry(login(world.dispatcher))


# --- 4. the order panel offers a dispute only on fee complaints (R-TD-1) --------------------------------------
def test_order_panel_offers_a_dispute_on_a_fee_complaint(world, fee_order, login):
    assert order_is_fee_complaint(order=fee_order)
    page = login(world.clerk).get(f"/orders/{fee_order.pk}/").content.decode()
    assert "data-open-dispute" in page


def test_order_panel_offers_nothing_on_other_complaints_or_other_types(world, login):
    other = work_order_make(actor=world.clerk, accepted_number=another_number())  # 信息安全 → 充值卡
    consultation = work_order_make(
        actor=world.clerk, accepted_number=another_number(), order_type="consultation",
        call_reason_id=world.call_reason.id, handling_method="record",
    )  # fmt: skip
    client = login(world.clerk)
    for order in (other, consultation):
        assert not order_is_fee_complaint(order=order)
        assert "data-open-dispute" not in client.get(f"/orders/{order.pk}/").content.decode()


def test_internal_check_still_opens_from_the_list(world, login):
    client = login(world.clerk)
    assert 'href="/tariff-disputes/new/"' in client.get("/tariff-disputes/").content.decode()
    created = client.post(
        "/tariff-disputes/new/",
        {
            "customer_number": "13900001111",
            "billing_period": "2026-09",
            "disputed_amount": "12.00",
            "charge_items": "稽核",
        },
    )
    assert created.status_code == 302


# --- 5. which categories are fee complaints is data (R-TD-1); only complaints open disputes ------------------
def test_fee_categories_are_admin_data_seeded_with_the_rule_books_category(world, fee_order, login):
    assert FeeCategory.objects.filter(category_name="通信费用", is_active=True).exists()  # migration 0004
    other = work_order_make(actor=world.clerk, accepted_number=another_number())  # 信息安全 → 充值卡
    assert not order_is_fee_complaint(order=other)

    # when an administrator adds the other top-level category and retires 通信费用
    FeeCategory.objects.create(category_name=other.category.top_level().name)
    FeeCategory.objects.filter(category_name="通信费用").update(is_active=False)

    # then the other category's complaints are offered a dispute, and 通信费用's no longer are
    assert order_is_fee_complaint(order=other)
    assert "data-open-dispute" in login(world.clerk).get(f"/orders/{other.pk}/").content.decode()
    assert not order_is_fee_complaint(order=fee_order)


def test_fee_category_must_name_an_existing_top_level_category(world):
    with pytest.raises(ValidationError) as refused:
        FeeCategory(category_name="没有这个分类").full_clean()
    assert "category_name" in refused.value.message_dict
    leaf = category_leaf()
    with pytest.raises(ValidationError):
        FeeCategory(category_name=leaf.name).full_clean()  # a leaf's name is not a top-level category
    FeeCategory(category_name=leaf.top_level().name).full_clean()  # an existing top-level name is accepted


def test_a_dispute_from_a_consultation_is_refused_naming_the_order(world):
    consultation = work_order_make(
        actor=world.clerk, accepted_number=another_number(), order_type="consultation",
        call_reason_id=world.call_reason.id, handling_method="record",
    )  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        services.dispute_create(
            actor=world.clerk, order_id=consultation.id, billing_period="2026-10", disputed_amount="5",
            charge_items="短信费",
        )  # fmt: skip
    assert "order_id" in refused.value.message_dict
    assert not Dispute.objects.exists()
