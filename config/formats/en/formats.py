"""The workspace's one date format (config/formats/__init__.py)."""

from config.formats import (  # noqa: F401 (read by django.utils.formats)
    DATE_FORMAT,
    DATETIME_FORMAT,
    MONTH_DAY_FORMAT,
    SHORT_DATE_FORMAT,
    SHORT_DATETIME_FORMAT,
    TIME_FORMAT,
    YEAR_MONTH_FORMAT,
)
