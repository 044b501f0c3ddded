from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .services.tallies import clock_tallies_ensure

# The dashboard's week and a day more, for a worker that was down over a weekend.
TALLY_LOOKBACK = timedelta(days=8)


@shared_task(acks_late=True, ignore_result=True)
def clock_tallies_count_task() -> int:
    """Beat runs this every 5 minutes: count the finished hours not counted yet (R-RP-1 timeliness).
    Idempotent and safe in parallel (see `clock_tally_count_hour`); returns the hours counted."""
    return clock_tallies_ensure(since=timezone.now() - TALLY_LOOKBACK)
