from celery import shared_task

from .mail import monthly_reports_send
from .services import daily_tallies_refresh


@shared_task(acks_late=True, ignore_result=True)
def daily_tallies_refresh_task() -> int:
    """Beat: count finished days not counted yet and recount days whose orders changed since. Idempotent (a day
    is counted under its marker row's key); returns the days counted or recounted."""
    counted, recounted = daily_tallies_refresh()
    return counted + recounted


@shared_task(acks_late=True, ignore_result=True)
def monthly_reports_send_task() -> int:
    """Beat: last month's report to each unit's recipients, once per unit and month (a claim row is inserted
    before sending, so a second run sends nothing). Returns the mails sent."""
    return monthly_reports_send()
