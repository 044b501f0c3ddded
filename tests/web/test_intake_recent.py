"""The category picker offers the user's recently used leaves first (issue 13 §2)."""

import re

import pytest

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
