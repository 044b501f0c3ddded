"""Calm countdowns (issue 13 §8): hours and minutes; seconds only in the last ten minutes."""

from django.utils import translation

from tickets.templatetags.workspace import countdown_formats, overdue_text, remaining_text


def test_remaining_shows_seconds_only_in_the_last_ten_minutes():
    with translation.override("zh-hans"):
        assert remaining_text(2 * 3600 + 5 * 60 + 7) == "剩余 2 小时 05 分"
        assert remaining_text(600) == "剩余 0 小时 10 分"
        assert remaining_text(599) == "剩余 9 分 59 秒"
        assert overdue_text(38 * 3600 + 59) == "超时 38 小时 0 分"


def test_the_browser_gets_both_formats_and_the_threshold():
    with translation.override("zh-hans"):
        fmt = countdown_formats()
    assert fmt["remaining"] == "剩余 {h} 小时 {m} 分" and "{s}" not in fmt["remaining"]
    assert fmt["soon"] == "剩余 {m} 分 {s} 秒" and fmt["soon_under"] == 600
