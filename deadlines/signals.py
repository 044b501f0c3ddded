"""Drop compiled calendars when calendar rows change (SPEC §3.1: calendars are data, edited in admin).

This process: immediately and again after commit (a compile that ran inside the writing transaction
must not outlive it). Other processes: see the fingerprint check in `deadlines.selectors`.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from deadlines.models import BusinessCalendar, HolidayDate, HolidayYear, WeeklyPeriod
from deadlines.selectors import calendar_cache_clear


def _calendar_rows_changed(**kwargs) -> None:
    calendar_cache_clear()
    transaction.on_commit(calendar_cache_clear, using=kwargs.get("using"))


for _model in (BusinessCalendar, WeeklyPeriod, HolidayDate, HolidayYear):
    for _signal in (post_save, post_delete):
        _signal.connect(_calendar_rows_changed, sender=_model, dispatch_uid=f"deadlines-{_model.__name__}")
