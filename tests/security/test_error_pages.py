"""Production error pages (issue 8 §4): 400, 403 (a form refused by CSRF too), 404 and 500 in the workspace's
layout, in Chinese, with a way back; the 500 page renders with no request context; a PermissionDenied is logged
as one warning line."""

import logging

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client, override_settings
from django.urls import include, path
from django.utils import translation

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def refused(request):
    raise PermissionDenied("not your unit")


def suspicious(request):
    raise SuspiciousOperation("odd input")


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("boom/403/", refused),
    path("boom/400/", suspicious),
    path("boom/500/", broken),
    path("", include("config.urls")),
]

PRODUCTION = override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"])


@pytest.fixture
def clerk_client(world):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", raise_request_exception=False)
    client.force_login(world.clerk)
    return client


@PRODUCTION
@pytest.mark.parametrize(
    ("url", "status", "heading"),
    [
        ("/boom/400/", 400, "无法理解该请求"),
        ("/boom/403/", 403, "您无权执行此操作"),
        ("/no/such/page/", 404, "该页面不存在"),
        ("/boom/500/", 500, "系统出现错误"),
    ],
)
def test_each_error_page_is_chinese_in_the_layout_with_a_way_back(clerk_client, url, status, heading):
    response = clerk_client.get(url)

    assert response.status_code == status
    html = response.content.decode()
    assert heading in html
    assert 'lang="zh-hans"' in html and "/static/css/workspace.css" in html  # base.html
    assert 'data-way-back="dashboard"' in html and "返回工作台" in html
    assert "Traceback" not in html and "a bug" not in html


@PRODUCTION
def test_a_page_reached_from_another_one_offers_the_way_back_to_it(clerk_client):
    response = clerk_client.get("/no/such/page/", HTTP_REFERER="http://testserver/queues/dispatch/")
    html = response.content.decode()
    assert 'href="http://testserver/queues/dispatch/" data-way-back="previous"' in html
    assert "返回上一页" in html


@PRODUCTION
def test_the_404_for_a_signed_in_user_keeps_the_workspace_header(clerk_client):
    html = clerk_client.get("/no/such/page/").content.decode()
    assert 'class="topbar"' in html


@PRODUCTION
def test_the_500_page_renders_without_a_request_context():
    from django.template import loader

    html = loader.get_template("500.html").render()  # what django.views.defaults.server_error does

    assert "系统出现错误" in html and 'href="/"' in html


@PRODUCTION
def test_the_500_page_for_an_anonymous_visitor(world):
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", raise_request_exception=False).get("/boom/500/")
    assert response.status_code == 500
    assert "系统出现错误" in response.content.decode()


@PRODUCTION
def test_a_permission_denied_is_one_warning_line_not_a_traceback(clerk_client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        clerk_client.get("/boom/403/")

    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1
    record = records[0]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == "Forbidden (Permission denied): /boom/403/"
    assert record.exc_info is None and not record.exc_text
    handler = logging.StreamHandler()
    assert "\n" not in handler.format(record)


@PRODUCTION
def test_a_real_error_keeps_its_traceback(clerk_client, caplog):
    with caplog.at_level(logging.ERROR, logger="django.request"):
        clerk_client.get("/boom/500/")

    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is not None and isinstance(record.exc_info[1], RuntimeError)


@PRODUCTION
def test_a_form_refused_by_csrf_gets_the_workspaces_403_with_the_way_back(world):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", enforce_csrf_checks=True)
    client.force_login(world.clerk)
    response = client.post("/orders/new/customer/", {"accepted_number": "13812345678"},
                           HTTP_REFERER="http://testserver/orders/new/")  # fmt: skip

    assert response.status_code == 403
    html = response.content.decode()
    with translation.override("zh-hans"):
        heading = translation.gettext("The form has expired")
    assert heading in html and "CSRF verification" not in html and "CSRF验证" not in html  # not Django's page
    assert "<style>" not in html  # Django's page has an inline style the CSP refuses
    assert 'lang="zh-hans"' in html and 'class="topbar"' in html
    assert 'href="http://testserver/orders/new/" data-way-back="previous"' in html
    assert "13812345678" not in html
