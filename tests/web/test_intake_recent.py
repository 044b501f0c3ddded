"""The category picker offers the user's recently used leaves first and finds categories by the customers' own
words (keywords, data on the category) too (issue 13 §2)."""

import json
import re

import pytest
from django.conf import settings

from complaints.models import ComplaintCategory
from complaints.services import reference_seed
from tests.factories import another_number, category_leaf, work_order_make

pytestmark = pytest.mark.django_db


def recent_ids(html: str) -> list[int]:
    block = html.split("data-recent-leaves", 1)[1].split("</details>", 1)[0] if "data-recent-leaves" in html else ""
    return [int(pk) for pk in re.findall(r'data-category-id="(\d+)"', block)]


def test_recent_leaves_are_mine_newest_first_and_only_without_a_query(world, login):
    fee = category_leaf("通信费用", "计费差错")
    work_order_make(actor=world.clerk, accepted_number=another_number(), category_id=world.category.id)
    work_order_make(actor=world.clerk, accepted_number=another_number(), category_id=fee.id)
    other = category_leaf("服务质量", "营业厅服务态度")
    work_order_make(actor=world.clerk_north, accepted_number=another_number(), category_id=other.id)  # not mine
    client = login(world.clerk)

    page = client.get("/orders/new/").content.decode()
    assert recent_ids(page) == [fee.id, world.category.id]
    partial = client.get("/orders/new/categories/", {"category_q": ""}, HTTP_HX_REQUEST="true").content.decode()
    assert recent_ids(partial) == [fee.id, world.category.id]
    searched = client.get("/orders/new/categories/", {"category_q": "计费"}, HTTP_HX_REQUEST="true").content.decode()
    assert recent_ids(searched) == []

    # a retired leaf is not offered
    fee.is_active = False
    fee.save(update_fields=["is_active"])
    assert recent_ids(client.get("/orders/new/").content.decode()) == [world.category.id]


def test_category_search_finds_the_customers_own_words(world, login):
    # given the fee leaf with the keywords an editor gave it (admin → complaint categories)
    fee = category_leaf("通信费用", "计费差错")
    fee.keywords = "乱扣费, 多收"
    fee.save(update_fields=["keywords"])
    client = login(world.clerk)

    # when the clerk types what the customer said
    html = client.get("/orders/new/categories/", {"category_q": "乱扣费"}, HTTP_HX_REQUEST="true").content.decode()

    # then the fee leaf is offered, and nothing else
    assert re.findall(r'data-category-id="(\d+)"', html) == [str(fee.id)]


def test_the_reference_data_seeds_keywords_once_and_keeps_an_editors_words():
    data = json.loads((settings.BASE_DIR / "fixtures" / "reference_data.json").read_text(encoding="utf-8"))
    seed = dict(categories=data["categories"], call_reasons=[], business_items=[], skill_groups=[],
                category_keywords=data["category_keywords"])  # fmt: skip
    reference_seed(**seed)
    leaf = ComplaintCategory.objects.get(name="计费差错", parent__name="通信费用")
    assert "乱扣费" in leaf.keywords
    leaf.keywords = "编辑改过的词"
    leaf.save(update_fields=["keywords"])
    reference_seed(**seed)
    leaf.refresh_from_db()
    assert leaf.keywords == "编辑改过的词"
