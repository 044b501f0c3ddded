from celery import shared_task

from .digest import breach_digest_record, yesterday
from .recompute import clocks_recompute_for_years
from .sweep import clocks_sweep


@shared_task(acks_late=True, ignore_result=True)
def clocks_sweep_task() -> int:
    """Beat runs this every minute (R-CLK-ENF). Idempotent, safe in parallel; returns breaches recorded."""
    result = clocks_sweep()
    return result.breached


@shared_task(acks_late=True, ignore_result=True)
def holiday_years_recompute_task(years: list[int]) -> int:
    """R-CAL-YEAR: recompute running working-day clocks touching these years after their holiday schedule was
    confirmed, imported or changed (queued on commit by `deadlines.services`). Idempotent; returns clocks moved."""
    return clocks_recompute_for_years(years=years)


@shared_task(acks_late=True, ignore_result=True)
def breach_digest_task() -> int:
    """Beat runs this each morning: yesterday's breaches to the first-contact owners (R-WO-9). Idempotent."""
    return breach_digest_record(day=yesterday())
