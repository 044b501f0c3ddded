"""One date format (issue 13 §8): every date and time a staff member sees in the workspace reads 2026-12-02 14:05
(a date alone 2026-12-02), in Asia/Shanghai, in Chinese and in English, the admin included (config/formats/). The
main pages are rendered with orders in every kind of state and the text a person reads (the page's text and its
hover titles; machine attributes such as data-due are left out) is searched for any other pattern."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import UserFactory, work_order_at, work_order_make
from tickets.models import OrderState

pytestmark = pytest.mark.django_db

OTHER_PATTERNS = {
    "month name": re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\b\.?"),
    "Chinese date": re.compile(r"\d{1,2}\s*月\s*\d{1,2}\s*日"),
    "slashed date": re.compile(r"\b\d{1,4}/\d{1,2}/\d{1,4}\b"),
    "date without year": re.compile(r"(?<![\d-])\d{2}-\d{2} \d{1,2}:\d{2}"),
    "seconds": re.compile(r"\b\d{1,2}:\d{2}:\d{2}\b"),
    "a.m./p.m.": re.compile(r"\b[ap]\.m\.|上午|下午|午夜|中午"),
    "ISO instant": re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"),
}


def visible_text(html: str) -> str:
    """What a person reads: the text between tags and the hover titles (scripts, styles and other attributes
    left out)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    titles = " ".join(re.findall(r'\btitle="([^"]*)"', html))
    return re.sub(r"<[^>]+>", " ", html) + " " + titles


def other_formats(html: str) -> dict[str, list[str]]:
    text = visible_text(html)
    found = {name: pattern.findall(text) for name, pattern in OTHER_PATTERNS.items()}
    return {name: hits for name, hits in found.items() if hits}


@pytest.fixture
def orders(world, clocks):
    """A closed order (final reply, callback, whole timeline), one overdue in handling and a fresh one."""
    closed = work_order_at(OrderState.CLOSED, world=world, accepted_number="13900005566")
    late = work_order_at(OrderState.PROCESSING, world=world, accepted_number="13900007788")
    now = timezone.now()
    late.clocks.filter(kind="handle").update(state="overdue", due_at=now - timedelta(hours=38), breached_at=now)
    fresh = work_order_make(actor=world.clerk)
    return closed, late, fresh


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_main_pages_use_one_date_format(world, orders, login, language):
    closed, late, fresh = orders
    dispatcher = login(world.dispatcher)
    dispatcher.cookies["django_language"] = language
    search = dispatcher.post("/search/", {"q": "5566"})
    assert search.status_code == 303
    pages = {
        "dashboard": "/",
        "closed order": f"/orders/{closed.pk}/",
        "late order": f"/orders/{late.pk}/",
        "fresh order": f"/orders/{fresh.pk}/",
        "overdue queue": "/queues/overdue/",
        "at-risk queue": "/queues/at_risk/",
        "dispatch queue": "/queues/dispatch/",
        "follow-ups": "/queues/follow_ups/",
        "inbox": "/notifications/",
        "search results": search["Location"],
        "customer history": f"/customers/{closed.customer_id}/history/",
    }
    seen = ""
    for name, url in pages.items():
        response = dispatcher.get(url)
        assert response.status_code == 200, (name, response.status_code)
        html = response.content.decode()
        assert other_formats(html) == {}, name
        seen += html

    # and the one format is what they show: the closed order's acceptance to the minute, local time
    accepted = timezone.localtime(closed.accepted_at)
    assert f"{accepted:%Y-%m-%d %H:%M}" in seen


def test_the_admin_shows_the_same_format(world, orders, login):
    closed, _late, _fresh = orders
    admin = login(UserFactory(is_staff=True, is_superuser=True))
    for url in ("/admin/tickets/workorder/", f"/admin/tickets/workorder/{closed.pk}/change/"):
        response = admin.get(url)
        assert response.status_code == 200, url
        assert other_formats(response.content.decode()) == {}, url
    page = admin.get(f"/admin/tickets/workorder/{closed.pk}/change/").content.decode()
    assert f"{timezone.localtime(closed.accepted_at):%Y-%m-%d %H:%M}" in page


def test_the_report_page_uses_the_same_format(world, orders, login):
    response = login(world.dispatcher).get("/reports/")
    assert response.status_code == 200
    assert other_formats(response.content.decode()) == {}
