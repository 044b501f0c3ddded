from celery import shared_task

from .services import declaration_reminders_sweep


@shared_task(acks_late=True, ignore_result=True)
def declaration_reminders_task() -> int:
    """Beat runs this every 5 minutes: the declarations' timeout ladder. Idempotent; returns notices queued."""
    return declaration_reminders_sweep()
