"""This app's receivers of the layers below (connected in apps.py; the layers below know nothing of it).

- tickets' loader hooks (`tickets.signals`): `load_reference_data` loads the duty hall, covered groups, waits and
  the R-CLK-HOLIDAY policy once the org tree, roles and calendars are in; `load_demo_data` adds the demo roster
  once the demo users exist.
- the holiday table (deadlines' `HolidayDate`, edited in the admin or imported): a day added, changed or removed
  has the rosters' shifts of that day written again after commit (R-HD-6), so a new duty day is no gap and a day
  that stopped being one keeps nobody rostered. The package seed writes in bulk (no signals); it runs when the
  reference data is loaded, before any roster exists."""

from functools import partial

from django.core.management import call_command
from django.db import transaction

from deadlines.models import HolidayDate

from .services import roster_days_follow_calendar


def reference_on_reference_data_loaded(sender, *, stdout, verbosity=1, **kwargs) -> None:
    """`tickets.signals.reference_data_loaded`: the holiday-duty reference data (idempotent)."""
    call_command("load_holiday_duty_reference", stdout=stdout, verbosity=verbosity)


def demo_on_demo_data_loaded(sender, *, stdout, verbosity=1, **kwargs) -> None:
    """`tickets.signals.demo_data_loaded`: the demo roster (idempotent)."""
    call_command("load_holiday_duty_demo", stdout=stdout, verbosity=verbosity)


def holiday_date_before_save(sender, instance: HolidayDate, raw: bool = False, **kwargs) -> None:
    """pre_save: remember the stored date, so that moving a row rebuilds the day it left as well."""
    if raw or instance.pk is None:
        return
    instance._duty_date_before = HolidayDate.objects.filter(pk=instance.pk).values_list("date", flat=True).first()


def holiday_date_changed(sender, instance: HolidayDate, raw: bool = False, **kwargs) -> None:
    """post_save / post_delete: after commit, the rosters follow the day (a roster problem never undoes the
    administrator's change: a failure is logged, and the shift leader's gap warning still tells of the day)."""
    if raw:
        return
    days = {instance.date, getattr(instance, "_duty_date_before", None)} - {None}
    transaction.on_commit(partial(roster_days_follow_calendar, days=days), robust=True)
