from celery import shared_task

from .sweep import clocks_sweep


@shared_task(acks_late=True, ignore_result=True)
def clocks_sweep_task() -> int:
    """Beat runs this every minute (R-CLK-ENF). Idempotent, safe in parallel; returns breaches recorded."""
    result = clocks_sweep()
    return result.breached
