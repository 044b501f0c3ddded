"""Customers found or created from the accepted number (R-WO-2) and the category tree (R-WO-3)."""

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError

from complaints.models import Customer
from complaints.selectors import category_is_leaf, category_leaf_list, category_path_labels
from complaints.services import customer_get_or_create, reference_seed
from tests.factories import ComplaintCategoryFactory, CustomerFactory, category_leaf, work_order_make

pytestmark = pytest.mark.django_db


# --- customers --------------------------------------------------------------------------------------------
def test_customer_is_created_from_a_normalized_number():
    customer = customer_get_or_create(number="+86 138 1234 5678", defaults={"name": "张先生", "home_city": "深圳"})
    assert (customer.number, customer.name, customer.home_city, customer.tier) == (
        "13812345678", "张先生", "深圳", "ordinary",
    )  # fmt: skip


def test_existing_customer_is_returned_unchanged():
    existing = CustomerFactory(number="13812345678", name="王女士", tier="club")

    found = customer_get_or_create(number="13812345678", defaults={"name": "别人", "tier": "ordinary"})

    assert found == existing
    assert (found.name, found.tier) == ("王女士", "club")
    assert Customer.objects.count() == 1


def test_bad_number_is_an_accepted_number_error_and_creates_nothing():
    with pytest.raises(ValidationError) as exc:
        customer_get_or_create(number="12345")
    assert list(exc.value.message_dict) == ["accepted_number"]
    assert not Customer.objects.exists()


def test_customer_is_shown_masked():
    assert str(CustomerFactory(number="13812345678", name="张先生")) == "张先生 138****5678"


# --- category tree -------------------------------------------------------------------------------------------
@pytest.fixture
def tree():
    top = ComplaintCategoryFactory(name="通信费用")
    return {
        "top": top,
        "leaf": ComplaintCategoryFactory(name="计费差错", parent=top),
        "retired": ComplaintCategoryFactory(name="旧资费", parent=top, is_active=False),
        "childless_top": ComplaintCategoryFactory(name="自有业务"),
    }


def test_leaves_are_active_categories_without_active_children(tree):
    assert set(category_leaf_list()) == {tree["leaf"], tree["childless_top"]}
    assert category_is_leaf(category=tree["leaf"])
    assert not category_is_leaf(category=tree["top"])


def test_retiring_the_last_child_makes_the_parent_a_leaf(tree):
    tree["leaf"].is_active = False
    tree["leaf"].save()
    assert tree["top"] in category_leaf_list()


def test_category_used_by_an_order_cannot_be_deleted(world):
    work_order_make(actor=world.clerk, category_id=world.category.id)
    with pytest.raises(ProtectedError):
        world.category.delete()


def test_path_labels(tree):
    deep = ComplaintCategoryFactory(name="国际漫游", parent=tree["leaf"])
    labels = category_path_labels()
    assert labels[deep.id] == "通信费用 → 计费差错 → 国际漫游" == deep.path_label
    assert labels[tree["top"].id] == "通信费用"


def test_reference_seed_is_idempotent_and_keeps_edits():
    data = {
        "categories": [{"name": "信息安全", "children": ["垃圾短信与骚扰电话"]}],
        "call_reasons": ["其他"],
        "business_items": ["过户"],
        "skill_groups": [{"city": "深圳", "name": "深圳投诉技能组"}],
    }
    reference_seed(**data)
    leaf = category_leaf(leaf="垃圾短信与骚扰电话")
    leaf.is_active = False
    leaf.save()

    reference_seed(**data)

    assert not category_leaf(leaf="垃圾短信与骚扰电话").is_active
    assert category_path_labels()[leaf.id] == "信息安全 → 垃圾短信与骚扰电话"


# --- reference API --------------------------------------------------------------------------------------------
def test_category_api_offers_only_active_leaves_when_asked(api, world, tree):
    api.force_login(world.clerk)

    everything = api.get("/api/v1/categories/")
    leaves = api.get("/api/v1/categories/", {"leaf_only": "true"})

    assert everything.status_code == 200
    assert len(everything.data) == 6  # world's 信息安全 → leaf, plus the tree
    assert {c["path_label"] for c in leaves.data} == {
        "通信费用 → 计费差错", "自有业务", "信息安全 → 分销商充值卡/储值卡被盗用/遗失",
    }  # fmt: skip


def test_customer_lookup_needs_a_number_and_shows_it_masked(api, world):
    CustomerFactory(number="13812345678", name="张先生")
    api.force_login(world.clerk)

    assert api.post("/api/v1/customers/lookup/", {}, format="json").status_code == 400
    found = api.post("/api/v1/customers/lookup/", {"number": "+8613812345678"}, format="json")

    assert found.status_code == 200
    assert [(c["number"], c["name"]) for c in found.data] == [("138****5678", "张先生")]
    # R-SEC-2: the number never in a URL; the old GET look-up refuses it, naming the field
    refused = api.get("/api/v1/customers/", {"number": "13812345678"})
    assert refused.status_code == 400 and list(refused.data) == ["number"]


def test_reference_api_needs_authentication(api, world):
    for path in ("/api/v1/categories/", "/api/v1/customers/", "/api/v1/units/"):
        assert api.get(path).status_code == 401
    assert api.post("/api/v1/customers/lookup/", {"number": "13812345678"}).status_code == 401


def test_retired_call_reasons_are_not_offered(api, world):
    world.call_reason.is_active = False
    world.call_reason.save()
    api.force_login(world.clerk)
    assert api.get("/api/v1/call-reasons/").data == []
