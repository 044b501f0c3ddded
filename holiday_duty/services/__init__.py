"""Every write of holiday duty (STYLE.md): lock → check state (DutyRefused → 409) → check the person (duty staff
of the hall, the shift leader, the incoming staff … → 403) → change → the day's duty log (R-HD-5, once per
action) → notices on commit (R-NT-2: at once, quiet hours or not).

Lock order: the work order (FOR NO KEY UPDATE) → the duty order → its clocks / call tasks / escalation."""

from .handover import handover_sign, handover_update, handover_write
from .ladder import duty_order_escalate_now, escalation_daily_summary, holiday_duty_sweep, ladder_build
from .landing import duty_order_on_order_event, duty_orders_on_orders_event, duty_staff_at
from .log import duty_log_manual_add
from .notify import (
    HolidayEvent,
    call_task_outcome_record,
    duty_order_archive,
    duty_order_feedback_record,
    duty_order_handler_confirm,
)
from .reference import duty_reference_seed, duty_roles_grant, holiday_policy_ensure
from .roster import (
    roster_build,
    roster_day_rebuild,
    roster_days_follow_calendar,
    roster_extend,
    roster_gaps_warn,
    roster_override_add,
    roster_refresh,
    shift_swap_answer,
    shift_swap_request,
)

__all__ = [
    "HolidayEvent", "call_task_outcome_record", "duty_log_manual_add", "duty_order_archive",
    "duty_order_escalate_now", "duty_order_feedback_record", "duty_order_handler_confirm",
    "duty_order_on_order_event", "duty_orders_on_orders_event", "duty_reference_seed", "duty_roles_grant",
    "duty_staff_at",
    "escalation_daily_summary", "handover_sign", "handover_update", "handover_write", "holiday_duty_sweep",
    "holiday_policy_ensure", "ladder_build", "roster_build", "roster_day_rebuild", "roster_days_follow_calendar",
    "roster_extend", "roster_gaps_warn", "roster_override_add", "roster_refresh",
    "shift_swap_answer", "shift_swap_request",
]  # fmt: skip
