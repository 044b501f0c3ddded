import pytest

from deadlines.selectors import calendar_cache_clear
from deadlines.services import calendar_seed_defaults, holiday_seed_from_chinese_calendar


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    # Test transactions roll back without post_delete signals: never let a compiled calendar leak.
    calendar_cache_clear()
    yield
    calendar_cache_clear()


@pytest.fixture
def calendars(db):
    calendar_seed_defaults()
    holiday_seed_from_chinese_calendar()
