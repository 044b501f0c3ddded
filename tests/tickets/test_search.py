"""Issue 13 §1: the search over every order a user may see, in any state — by order number, full number or its
last digits, customer name and words of the request — ranked, and never with a full number in a URL (R-SEC-2)."""

from datetime import UTC, date

import pytest
from django.test import Client

from tests.factories import CustomerFactory, another_number, work_order_at, work_order_make
from tickets.models import OrderState
from tickets.search import order_search_best, search_term_parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def clocks(db):
    """Calendars and the SPEC §3.2 clock policies: orders made after this get their clocks."""
    from deadlines.policies import clock_policies_seed
    from deadlines.selectors import calendar_cache_clear
    from deadlines.services import calendar_seed_defaults

    calendar_cache_clear()
    calendar_seed_defaults()
    clock_policies_seed()
    yield
    calendar_cache_clear()


def found(user, text: str) -> list[tuple[int, int]]:
    return order_search_best(user=user, term=search_term_parse(text))


def ids(user, text: str) -> list[int]:
    return [pk for pk, _rank in found(user, text)]


def client_of(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_a_closed_order_is_found_by_the_last_4_digits_of_its_number(world):
    # given an order closed last week on a number ending 4821
    closed = work_order_at(OrderState.CLOSED, world=world, accepted_number="13712344821")
    # when the hall searches for the last 4 digits, then it is found, as a number match
    assert found(world.clerk, "4821") == [(closed.pk, 1)]
    assert ids(world.clerk, "2344821") == [closed.pk]  # a longer ending works too
    assert ids(world.clerk, "1371234") == []  # the start of a number is not its end


def test_a_closed_order_is_found_by_a_word_of_its_request(world):
    closed = work_order_at(
        OrderState.CLOSED, world=world, accepted_number=another_number(), content="家里宽带晚上频繁掉线。"
    )
    work_order_make(actor=world.clerk, accepted_number=another_number(), content="套餐资费咨询。")
    assert found(world.clerk, "掉线") == [(closed.pk, 3)]
    assert ids(world.clerk, "宽带晚上") == [closed.pk]


def test_a_full_number_finds_the_accepted_and_the_contact_number_and_nothing_else(world):
    number = another_number()
    by_accepted = work_order_make(actor=world.clerk, accepted_number=number)
    by_contact = work_order_make(actor=world.clerk, accepted_number=another_number(), contact_number=number)
    work_order_make(actor=world.clerk, accepted_number=another_number(), content=f"客户另有号码 {number}。")
    assert set(ids(world.clerk, number)) == {by_accepted.pk, by_contact.pk}
    assert set(ids(world.clerk, f"+86 {number[:3]} {number[3:7]} {number[7:]}")) == {by_accepted.pk, by_contact.pk}


def test_ranking_exact_number_then_number_part_then_name_then_content(world):
    # given orders that match "5566" or a name in different ways, the weaker matches accepted later
    by_suffix = work_order_make(actor=world.clerk, accepted_number="13700005566")
    by_content = work_order_make(
        actor=world.clerk, accepted_number=another_number(), content="客户卡号尾号5566被扣费。"
    )
    named = CustomerFactory(number=another_number(), name="欧阳娜娜")
    by_name = work_order_make(actor=world.clerk, accepted_number=named.number, customer={"name": "欧阳娜娜"})
    mentions_name = work_order_make(actor=world.clerk, accepted_number=another_number(), content="代欧阳娜娜投诉。")
    # then: the number part before the content, the name before the content
    assert found(world.clerk, "5566") == [(by_suffix.pk, 1), (by_content.pk, 3)]
    assert found(world.clerk, "欧阳娜娜") == [(by_name.pk, 2), (mentions_name.pk, 3)]
    # and an order number is an exact match, first
    assert found(world.clerk, by_content.number)[0] == (by_content.pk, 0)
    assert found(world.clerk, by_content.number.lower())[0] == (by_content.pk, 0)


def test_within_a_rank_the_newest_come_first_and_each_order_once(world):
    older_open = work_order_make(actor=world.clerk, accepted_number="13700017788")
    newer_closed = work_order_at(OrderState.CLOSED, world=world, accepted_number="13700027788")
    newest_open = work_order_make(actor=world.clerk, accepted_number="13700037788", content="尾号7788的号码被停机。")
    # the newest matches both by its number's end and its content: listed once, by the better match
    assert found(world.clerk, "7788") == [(newest_open.pk, 1), (newer_closed.pk, 1), (older_open.pk, 1)]


def test_the_hits_stop_at_the_limit_best_first(world):
    by_suffix = work_order_make(actor=world.clerk, accepted_number="13700046633")
    by_content = [
        work_order_make(actor=world.clerk, accepted_number=another_number(), content=f"第{i}次提到6633。")
        for i in range(3)
    ]
    best = order_search_best(user=world.clerk, term=search_term_parse("6633"), limit=2)
    assert best == [(by_suffix.pk, 1), (by_content[-1].pk, 3)]


def test_another_halls_order_is_not_found_by_anything(world):
    # given an order of the northern hall (SPEC §1: the southern clerk does not see it)
    north = work_order_make(actor=world.clerk_north, accepted_number="13700049911", content="北区营业厅排队太久。")
    for text in ("9911", north.accepted_number, north.number, "排队太久", "张先生"):
        assert north.pk not in ids(world.clerk, text), text
        assert north.pk in ids(world.clerk_north, text), text
        assert north.pk in ids(world.dispatcher, text), text  # branch level sees every order


def test_terms_that_match_nothing_or_cannot_be_stored_find_nothing(world):
    work_order_make(actor=world.clerk)
    assert found(world.clerk, "") == [] and found(world.clerk, "   ") == []
    assert found(world.clerk, "x") == []  # one character: no content search


# --- the browser's search: POST, then a key in the URL (R-SEC-2) -------------------------------------------------
def test_the_top_bar_posts_the_term_and_the_results_url_carries_only_a_key(world):
    order = work_order_at(OrderState.CLOSED, world=world, accepted_number="13712340042")
    client = client_of(world.clerk)
    assert "data-search-box" in client.get("/").content.decode()  # the box is in the top bar
    response = client.post("/search/", {"q": order.accepted_number})
    assert response.status_code == 303
    location = response["Location"]
    assert location.startswith("/search/?k=") and "0042" not in location and order.accepted_number not in location
    page = client.get(location)
    html = page.content.decode()
    assert page.status_code == 200 and f'data-result="{order.number}"' in html and 'data-result-state="closed"' in html
    assert "no-store" in page["Cache-Control"]
    # the same key in another session finds nothing: the term lives in the session that typed it
    assert "data-result=" not in client_of(world.clerk_north).get(location).content.decode()


def test_a_get_with_a_term_in_the_url_does_not_search(world):
    order = work_order_make(actor=world.clerk)
    html = client_of(world.clerk).get(f"/search/?q={order.accepted_number}").content.decode()
    assert "data-search-results" not in html and f'data-result="{order.number}"' not in html


def test_a_bad_term_is_a_400_naming_q(world):
    response = client_of(world.clerk).post("/search/", {"q": "掉\x00线"})
    assert response.status_code == 400 and 'data-error-field="q"' in response.content.decode()


def test_the_results_show_state_type_category_handler_and_next_deadline(world, clocks):
    order = work_order_at(OrderState.PROCESSING, world=world, accepted_number="13712343131")
    client = client_of(world.dispatcher)
    html = client.get(client.post("/search/", {"q": "3131"})["Location"]).content.decode()
    row = html[html.index(f'data-result="{order.number}"') :].split("</tr>")[0]
    assert "Processing" in row or order.get_state_display() in row
    assert world.dept_billing.name in row and world.handler.get_full_name() in row
    assert "分销商充值卡" in row and order.get_order_type_display() in row
    assert (
        order.clocks.filter(state="running").order_by("due_at").first().due_at.astimezone().strftime("%Y-%m-%d") in row
    )


# --- the API --------------------------------------------------------------------------------------------------
def test_the_api_search_is_a_post_and_ranks_like_the_browser(world, api):
    closed = work_order_at(OrderState.CLOSED, world=world, accepted_number="13712345151", content="话费被多扣。")
    api.force_authenticate(world.clerk)
    response = api.post("/api/v1/search/", {"q": "5151"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 1 and body["results"][0]["id"] == closed.pk
    assert body["results"][0]["match"] == "number_part" and body["results"][0]["state"] == "closed"
    assert body["results"][0]["accepted_number"] == "137****5151"
    assert "no-store" in response["Cache-Control"]
    assert api.post("/api/v1/search/", {"q": "多扣"}, format="json").json()["results"][0]["match"] == "content"


@pytest.mark.parametrize("body", [{}, {"q": ""}, {"q": "  "}, {"q": "a\x00"}, {"q": "长" * 101}, {"q": ["x"]}])
def test_the_api_search_refuses_bad_terms_with_a_400_naming_q(world, api, body):
    api.force_authenticate(world.clerk)
    response = api.post("/api/v1/search/", body, format="json")
    assert response.status_code == 400 and "q" in response.json()


def test_the_api_search_refuses_a_term_in_the_url(world, api):
    api.force_authenticate(world.clerk)
    response = api.get("/api/v1/search/", {"q": "13812345678"})
    assert response.status_code == 400 and "POST" in response.json()["q"][0]


def test_the_api_search_needs_authentication(api):
    assert api.post("/api/v1/search/", {"q": "5151"}, format="json").status_code == 401


def test_words_are_found_in_every_period_newest_first(world):
    # given the same word in orders of today, of 100 days ago and of 400 days ago (the periods the content is read by)
    from datetime import timedelta

    from django.utils import timezone

    from tickets.models import WorkOrder

    made = [
        work_order_make(actor=world.clerk, accepted_number=another_number(), content="宽带光猫经常重启。")
        for _ in range(3)
    ]
    for order, days in zip(made, (400, 0, 100), strict=True):
        WorkOrder.objects.filter(pk=order.pk).update(accepted_at=timezone.now() - timedelta(days=days))
    # then every one is found, newest first
    assert ids(world.clerk, "光猫经常") == [made[1].pk, made[2].pk, made[0].pk]
    assert ids(world.clerk, "光猫") == [made[1].pk, made[2].pk, made[0].pk]  # two characters: no trigram


def test_a_two_character_name_is_found_by_its_start(world):
    lin = CustomerFactory(number=another_number(), name="林晓")
    order = work_order_make(actor=world.clerk, accepted_number=lin.number, customer={"name": "林晓"})
    linxiaoyu = CustomerFactory(number=another_number(), name="林晓雨")
    other = work_order_make(actor=world.clerk, accepted_number=linxiaoyu.number, customer={"name": "林晓雨"})
    assert found(world.clerk, "林晓") == [(other.pk, 2), (order.pk, 2)]
    assert found(world.clerk, "晓雨") == []  # the middle of a short name: no index could serve it
    assert found(world.clerk, "林晓雨") == [(other.pk, 2)]


# --- words of the request by their bigrams (tickets 0017) -----------------------------------------------------------
def test_every_hit_holds_the_word_and_every_visible_order_holding_it_is_a_hit(world):
    # given orders with and without the word, one of them of the northern hall (the southern clerk does not see it)
    def make(content, actor=None):
        return work_order_make(actor=actor or world.clerk, accepted_number=another_number(), content=content)

    holders = [make("手机经常掉线。"), make("宽带晚上掉线，白天正常。"), make("掉线掉线又掉线。")]
    others = [make("掉了一次线。"), make("线掉了。"), make("话费被多扣。")]
    north = make("北区营业厅里信号掉线。", actor=world.clerk_north)
    # then the clerk finds exactly the visible holders, each once
    assert sorted(ids(world.clerk, "掉线")) == sorted(o.pk for o in holders)
    assert not {o.pk for o in others} & set(ids(world.clerk, "掉线"))
    assert north.pk in ids(world.dispatcher, "掉线") and north.pk in ids(world.clerk_north, "掉线")


def test_a_longer_word_is_found_only_where_its_characters_stand_together(world):
    # given the four characters of 物联网卡 in one request, but as 网卡 and 物联网 apart (every bigram present)
    apart = work_order_make(actor=world.clerk, accepted_number=another_number(), content="网卡坏了，物联网平台正常。")
    together = work_order_make(actor=world.clerk, accepted_number=another_number(), content="物联网卡被停用。")
    assert ids(world.clerk, "物联网卡") == [together.pk]
    assert ids(world.clerk, "网卡") == [together.pk, apart.pk]


def test_latin_words_are_found_whatever_their_case(world):
    order = work_order_make(actor=world.clerk, accepted_number=another_number(), content="IPTV 画面卡顿，5G 信号弱。")
    assert ids(world.clerk, "iptv") == [order.pk] and ids(world.clerk, "5g") == [order.pk]
    assert ids(world.clerk, "IPTV 画面") == [order.pk] and ids(world.clerk, "5G信号") == []


def test_a_visible_closed_order_is_found_by_a_two_character_word_and_an_invisible_one_never(world):
    # given two closed orders with the same word, one of each hall (both handled by the billing department)
    south = work_order_at(OrderState.CLOSED, world=world, accepted_number=another_number(), content="宽带经常断网。")
    north = work_order_make(actor=world.clerk_north, accepted_number=another_number(), content="北区宽带断网。")
    assert ids(world.clerk, "断网") == [south.pk]  # never the northern hall's
    assert ids(world.clerk_north, "断网") == [north.pk]
    assert ids(world.handler, "断网") == [south.pk]  # handled by their unit: found once dispatched and closed
    assert ids(world.handler_network, "断网") == []
    assert ids(world.dispatcher, "断网") == [north.pk, south.pk]


def test_words_are_read_back_in_time_window_by_window_newest_first_up_to_the_limit(world):
    # given the same word in orders of many ages, older than the windows reach (1500 days) and a moment ahead
    from datetime import timedelta

    from django.utils import timezone

    from tickets.models import WorkOrder

    ages = [timedelta(hours=-1), timedelta(0), timedelta(days=2), timedelta(days=5), timedelta(days=20),
            timedelta(days=100), timedelta(days=400), timedelta(days=1500)]  # fmt: skip
    made = []
    for age in ages:
        order = work_order_make(actor=world.clerk, accepted_number=another_number(), content="光猫指示灯常亮红灯。")
        WorkOrder.objects.filter(pk=order.pk).update(accepted_at=timezone.now() - age)
        made.append(order.pk)
    # then every one is found, newest first, and a limit takes the newest
    assert ids(world.clerk, "红灯") == made
    for limit in (1, 3, 5, 7):
        best = order_search_best(user=world.clerk, term=search_term_parse("红灯"), limit=limit)
        assert [pk for pk, _rank in best] == made[:limit]


@pytest.mark.postgres(reason="the bigram functions and index of tickets 0017 are PostgreSQL's")
def test_the_index_tokens_are_the_bigrams_the_day_and_the_visibility_columns(world):
    from django.db import connection

    order = work_order_make(actor=world.clerk, accepted_number=another_number(), content="IPTV卡顿")
    with connection.cursor() as cursor:
        cursor.execute("SELECT tickets_bigrams(%s), tickets_bigrams(%s)", ["IPTV卡顿", "掉"])
        assert cursor.fetchone() == (["ip", "pt", "tv", "v卡", "卡顿"], [])
        cursor.execute(
            "SELECT tickets_search_tokens(content, accepted_at, accepting_unit_id, handling_unit_id, accepted_by_id, "
            "assignee_id) FROM tickets_workorder WHERE id = %s",
            [order.pk],
        )
        tokens = cursor.fetchone()[0]
    day = (order.accepted_at.astimezone(UTC).date() - date(2000, 1, 1)).days
    assert tokens == ["ip", "pt", "tv", "v卡", "卡顿", f"@d{day}", f"@a{world.hall_south.pk}", f"@b{world.clerk.pk}"]


def test_a_word_not_written_lately_is_found_in_all_its_older_orders_newest_first(world):
    # given a word only in orders older than the first window (the last 3 days)
    from datetime import timedelta

    from django.utils import timezone

    from tickets.models import WorkOrder

    made = []
    for days in (10, 400, 1500):
        order = work_order_make(actor=world.clerk, accepted_number=another_number(), content="台风过后基站断电。")
        WorkOrder.objects.filter(pk=order.pk).update(accepted_at=timezone.now() - timedelta(days=days))
        made.append(order.pk)
    # then all are found newest first — when they are fewer than asked for and when they are more
    assert ids(world.clerk, "台风") == made
    assert [pk for pk, _rank in order_search_best(user=world.clerk, term=search_term_parse("台风"), limit=2)] == made[
        :2
    ]
