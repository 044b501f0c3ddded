"""Reply scripts (解释口径, R-KB-1): which scripts a category shows, the seed from fixtures/reply_scripts.json,
the read-only API and the knowledge editor's admin."""

import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from complaints.models import ComplaintCategory, ReplyScript
from complaints.selectors import reply_scripts_for_category
from complaints.services import reference_seed, reply_scripts_seed
from tests.factories import ComplaintCategoryFactory, UserFactory, category_leaf

FIXTURES = settings.BASE_DIR / "fixtures"
RECHARGE_LEAF = "分销商充值卡/储值卡被盗用/遗失"


def fixture_scripts() -> list[dict]:
    return json.loads((FIXTURES / "reply_scripts.json").read_text(encoding="utf-8"))["scripts"]


def script(title: str, *categories, **fields) -> ReplyScript:
    fields.setdefault("scenario", title)
    made = ReplyScript.objects.create(title=title, body=f"{title}的口径", **fields)
    made.categories.set(categories)
    return made


def titles(scripts) -> list[str]:
    return [s.title for s in scripts]


@pytest.fixture
def tree():
    top = ComplaintCategoryFactory(name="服务质量")
    leaf = ComplaintCategoryFactory(name="营业厅拍照与秩序", parent=top)
    return {"top": top, "leaf": leaf, "sibling": ComplaintCategoryFactory(name="营业厅服务态度", parent=top)}


@pytest.fixture
def reference(db):
    data = json.loads((FIXTURES / "reference_data.json").read_text(encoding="utf-8"))
    reference_seed(
        categories=data["categories"], call_reasons=data["call_reasons"], business_items=data["business_items"],
        skill_groups=data["skill_groups"],
    )  # fmt: skip


# --- which scripts a category shows ----------------------------------------------------------------------
@pytest.mark.django_db
def test_a_leaf_shows_its_own_and_inherited_scripts_then_the_general_ones(tree):
    # given
    script("媒体采访", sort_order=1)  # general: attached to no category
    script("拍照", tree["leaf"], sort_order=20)
    script("闹事", tree["top"], applies_to_descendants=True, sort_order=10)
    script("只对一级目录", tree["top"], applies_to_descendants=False)
    script("态度", tree["sibling"])
    script("已停用", tree["leaf"], is_active=False)
    script("停用的通用口径", is_active=False)

    # when
    shown = reply_scripts_for_category(category_id=tree["leaf"].id)

    # then: specific ones by sort order, the general one last although its sort order is lowest
    assert titles(shown) == ["闹事", "拍照", "媒体采访"]
    assert [s.is_general for s in shown] == [False, False, True]


@pytest.mark.django_db
def test_a_script_on_two_categories_is_shown_once(tree):
    script("两处都挂", tree["top"], tree["leaf"], applies_to_descendants=True)
    assert titles(reply_scripts_for_category(category_id=tree["leaf"].id)) == ["两处都挂"]


@pytest.mark.django_db
def test_without_a_category_only_the_general_scripts_are_shown(tree):
    script("跨区咨询")
    script("拍照", tree["leaf"])
    assert titles(reply_scripts_for_category(category_id=None)) == ["跨区咨询"]


@pytest.mark.django_db
def test_the_query_count_does_not_grow_with_the_depth_of_the_tree(tree, django_assert_num_queries):
    deep = ComplaintCategoryFactory(name="三级", parent=tree["leaf"])
    script("闹事", tree["top"], applies_to_descendants=True)
    script("通用")

    for category in (tree["leaf"], deep):
        with django_assert_num_queries(3):  # the tree, the scripts, their categories
            shown = list(reply_scripts_for_category(category_id=category.id))
            assert [[c.id for c in s.categories.all()] for s in shown] == [[tree["top"].id], []]


# --- the seed ------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_seed_loads_every_script_of_the_fixture_onto_the_shipped_categories(reference):
    rows = fixture_scripts()

    created = reply_scripts_seed(scripts=rows)

    assert created == len(rows) == ReplyScript.objects.count()
    assert 8 <= created <= 15
    assert all(s.source.startswith(("[000]", "[004]")) for s in ReplyScript.objects.all())
    general = set(ReplyScript.objects.filter(categories=None).values_list("scenario", flat=True))
    assert {"媒体采访", "跨区咨询", "超出服务范围的要求"} <= general


@pytest.mark.django_db
def test_the_recharge_card_leaf_gets_the_bought_here_and_bought_elsewhere_scripts(reference):
    # R-TD-7: the card bought at our hall and the one bought elsewhere get different wording
    reply_scripts_seed(scripts=fixture_scripts())
    leaf = ComplaintCategory.objects.get(name=RECHARGE_LEAF, parent__name="信息安全")

    shown = {s.scenario: s for s in reply_scripts_for_category(category_id=leaf.id)}

    assert {"充值卡-本厅购买", "充值卡-非本厅购买"} <= set(shown)
    assert "密码涂层是完好的" in shown["充值卡-本厅购买"].body
    assert "不是在我公司服务厅购买" in shown["充值卡-非本厅购买"].body
    # the subsidy through the tariff-dispute flow needs a copy of the customer's ID document
    assert "身份证件的复印件" in shown["充值卡-话费补贴"].body
    assert "话费争议受理单" in shown["充值卡-话费补贴"].guidance
    # hall scripts stay with hall categories
    assert "拍照摄像" not in shown


@pytest.mark.django_db
def test_hall_categories_inherit_the_disturbance_scripts_from_their_top_level(reference):
    reply_scripts_seed(scripts=fixture_scripts())
    attitude = ComplaintCategory.objects.get(name="营业厅服务态度")
    order_leaf = ComplaintCategory.objects.get(name="营业厅拍照与秩序")

    assert "营业厅骚扰/闹事" in {s.scenario for s in reply_scripts_for_category(category_id=attitude.id)}
    on_order_leaf = [s.scenario for s in reply_scripts_for_category(category_id=order_leaf.id)]
    assert {"拍照摄像", "营业厅骚扰/闹事", "营业厅聚众闹事"} <= set(on_order_leaf)
    assert on_order_leaf[-3:] == ["媒体采访", "跨区咨询", "超出服务范围的要求"]  # the general ones, last


@pytest.mark.django_db
def test_running_the_seed_again_keeps_an_editors_changes(reference):
    # given: the seed ran, then an editor reworded one script, renamed another and retired a third
    reply_scripts_seed(scripts=fixture_scripts())
    editor = UserFactory(roles=["knowledge_editor"])
    ReplyScript.objects.filter(seed_key="media-journalist-present").update(body="新口径", updated_by=editor)
    ReplyScript.objects.filter(seed_key="cross-region-hotline").update(title="跨区热线（改名）")
    ReplyScript.objects.filter(seed_key="out-of-scope-request").update(is_active=False)
    before = ReplyScript.objects.count()

    # when
    created = reply_scripts_seed(scripts=fixture_scripts())

    # then
    assert created == 0
    assert ReplyScript.objects.count() == before
    assert ReplyScript.objects.get(seed_key="media-journalist-present").body == "新口径"
    assert ReplyScript.objects.filter(title__startswith="跨区").count() == 1
    assert not ReplyScript.objects.get(seed_key="out-of-scope-request").is_active


@pytest.mark.django_db
def test_a_script_an_editor_wrote_under_a_seeded_title_is_left_alone(reference):
    script("客户携同记者来采访", scenario="编辑自建")

    reply_scripts_seed(scripts=fixture_scripts())

    assert ReplyScript.objects.get(title="客户携同记者来采访").scenario == "编辑自建"


@pytest.mark.django_db
def test_an_unknown_category_path_is_refused_and_nothing_is_created(reference):
    rows = [
        {"key": "ok", "title": "可用", "scenario": "甲", "body": "…", "categories": ["服务质量"]},
        {"key": "bad", "title": "不可用", "scenario": "乙", "body": "…", "categories": ["服务质量 → 不存在"]},
    ]
    with pytest.raises(ValueError, match="服务质量 → 不存在"):
        reply_scripts_seed(scripts=rows)
    assert not ReplyScript.objects.exists()


@pytest.mark.django_db
def test_load_reference_data_seeds_the_scripts_once():
    call_command("load_reference_data", stdout=StringIO())
    count = ReplyScript.objects.count()
    call_command("load_reference_data", stdout=StringIO())

    assert count == len(fixture_scripts()) == ReplyScript.objects.count()


# --- the API ---------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_reply_scripts_api_needs_authentication(api, world):
    assert api.get("/api/v1/reply-scripts/").status_code == 401
    assert api.get("/api/v1/reply-scripts/", {"category": world.category.id}).status_code == 401


@pytest.mark.django_db
def test_reply_scripts_api_filters_by_category(api, world, tree):
    # given: world.category is the recharge-card leaf
    script("本厅购买", world.category, sort_order=1)
    script("非本厅购买", world.category, sort_order=2)
    script("闹事", tree["top"], applies_to_descendants=True, sort_order=3)
    script("跨区咨询")
    script("已停用", world.category, is_active=False)
    api.force_login(world.clerk)

    # when
    for_leaf = api.get("/api/v1/reply-scripts/", {"category": world.category.id})
    everything = api.get("/api/v1/reply-scripts/")

    # then
    assert for_leaf.status_code == 200
    assert [(s["title"], s["is_general"]) for s in for_leaf.data] == [
        ("本厅购买", False), ("非本厅购买", False), ("跨区咨询", True),
    ]  # fmt: skip
    assert for_leaf.data[0]["categories"] == [world.category.id]
    assert everything.status_code == 200
    assert [s["title"] for s in everything.data] == ["本厅购买", "非本厅购买", "闹事", "跨区咨询"]


@pytest.mark.django_db
def test_reply_scripts_api_refuses_a_category_that_is_not_an_id(api, world):
    api.force_login(world.clerk)
    assert api.get("/api/v1/reply-scripts/", {"category": "服务质量"}).status_code == 400


@pytest.mark.django_db
def test_reply_scripts_api_is_read_only(api, world):
    api.force_login(world.clerk)
    assert api.post("/api/v1/reply-scripts/", {"title": "x"}).status_code == 405


# --- the knowledge editor ------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_knowledge_editor_writes_scripts_in_admin_and_is_recorded(client, world):
    # given
    editor = UserFactory(username="editor", roles=["knowledge_editor"], is_staff=True)
    leaf = category_leaf()
    client.force_login(editor)

    # when
    response = client.post(
        "/admin/complaints/replyscript/add/",
        {"title": "充值卡-新口径", "scenario": "充值卡-本厅购买", "body": "口径正文", "categories": [leaf.id],
         "is_active": "on", "sort_order": 5},
    )  # fmt: skip

    # then
    assert response.status_code == 302, getattr(response, "context_data", {}).get("errors")
    made = ReplyScript.objects.get(title="充值卡-新口径")
    assert made.updated_by == editor
    assert list(made.categories.all()) == [leaf]
    assert editor.has_perms(["complaints.view_replyscript", "complaints.change_replyscript",
                             "complaints.change_complaintcategory"])  # fmt: skip
    assert not editor.has_perm("complaints.delete_replyscript")
    assert not world.clerk.has_perm("complaints.change_replyscript")
