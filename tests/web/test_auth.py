"""Login, logout, throttling, CSRF and the language switch of the workspace (R-SEC-1, R-SEC-3, R-UI-1)."""

import pytest
from django.test import Client

from tests.factories import work_order_make

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/orders/new/",
    "/orders/new/categories/",
    "/orders/new/category/?category=1",
    "/orders/1/",
    "/orders/1/clocks/",
    "/orders/1/attachments/1/",
    "/queues/dispatch/",
    "/queues/follow_ups/",
    "/notifications/",
]
POSTS = [
    "/orders/1/do/dispatch/", "/orders/1/unmask/", "/notifications/read-all/", "/orders/new/", "/orders/new/customer/",
]  # fmt: skip


@pytest.mark.parametrize("path", PAGES)
def test_every_page_needs_a_login(path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_an_htmx_request_without_a_session_reloads_the_whole_page_to_log_in():
    response = Client().get("/orders/1/clocks/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("path", POSTS)
def test_every_post_needs_a_login(path):
    response = Client().post(path, {})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def _with_password(user, password="s3cret-pass-2026"):
    user.set_password(password)
    user.save(update_fields=["password"])
    return password


def test_login_lands_on_the_dashboard(world):
    password = _with_password(world.clerk)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")

    page = client.get("/accounts/login/")
    response = client.post("/accounts/login/", {"username": "clerk", "password": password})

    assert page.status_code == 200
    assert "投诉工单系统" in page.content.decode()
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_wrong_password_is_refused_in_chinese(world):
    _with_password(world.clerk)
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").post(
        "/accounts/login/", {"username": "clerk", "password": "wrong"}
    )
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()  # Django's own zh-hans message


def test_five_failures_lock_the_username_from_this_address_for_15_minutes(world):
    # given: the right password, and four wrong attempts
    password = _with_password(world.clerk)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    for _ in range(4):
        assert client.post("/accounts/login/", {"username": "clerk", "password": "nope"}).status_code == 200

    # when: the fifth failure, then the right password
    fifth = client.post("/accounts/login/", {"username": "clerk", "password": "nope"})
    right = client.post("/accounts/login/", {"username": "clerk", "password": password})

    # then: locked, with a clear message; the right password does not get through either
    assert fifth.status_code == 429
    assert right.status_code == 429
    text = right.content.decode()
    assert "登录失败次数过多" in text and "15 分钟" in text
    assert "此地址上的所有用户名" in text  # the page does not claim it is this user alone (spraying lock too)
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_username_and_address(world):
    _with_password(world.clerk)
    other = _with_password(world.dispatcher)
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"username": "clerk", "password": "nope"})

    # another user from the same address, and the same user from another address, still log in
    same_address = client.post("/accounts/login/", {"username": "dispatcher", "password": other})
    assert same_address.status_code == 302
    elsewhere = Client(REMOTE_ADDR="10.1.2.3").post("/accounts/login/", {"username": "clerk", "password": "nope"})
    assert elsewhere.status_code == 200


def test_logout_is_a_post(world, login):
    client = login(world.clerk)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.get("/").status_code == 302


def test_posts_need_the_csrf_token(world):
    order = work_order_make(actor=world.clerk)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.dispatcher)

    response = client.post(f"/orders/{order.id}/do/dispatch/", {"dispatch-unit": world.dept_billing.id})

    assert response.status_code == 403
    assert type(order).objects.get(pk=order.pk).state == "accepted"


def test_the_language_switch(world, login):
    client = login(world.clerk)
    assert "我的跟进" in client.get("/").content.decode()

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/").content.decode()

    assert "My follow-ups" in english and 'lang="en"' in english
