from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .services import escalation_daily_summary, holiday_duty_sweep, roster_extend, roster_gaps_warn


@shared_task(acks_late=True, ignore_result=True)
def holiday_duty_sweep_task() -> int:
    """Beat, every minute: late feedback starts the ladder, due escalations climb a level (R-HD-4). Idempotent."""
    return holiday_duty_sweep()


@shared_task(acks_late=True, ignore_result=True)
def roster_extend_task() -> int:
    """Beat, daily: every hall's roster written again to its horizon from its rotations (R-HD-6). Idempotent."""
    return roster_extend()


@shared_task(acks_late=True, ignore_result=True)
def roster_gaps_warn_task() -> int:
    """Beat, hourly (once a day would do; the warning is once per hall and day anyway): R-HD-6 roster gaps."""
    return roster_gaps_warn()


@shared_task(acks_late=True, ignore_result=True)
def escalation_daily_summary_task() -> int:
    """Beat, hourly: yesterday's escalations to 综合管理部's service group, once per day and person (R-HD-4)."""
    return escalation_daily_summary(day=timezone.localdate() - timedelta(days=1))
