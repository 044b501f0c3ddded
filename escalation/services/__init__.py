"""Every write of the escalation app (STYLE.md): lock → check state (TransitionRefused → 409) → check role and
the person fixed for the step (PermissionDenied → 403) → change → the order's append-only timeline (R-AUD-1)
→ clock events (SPEC §3.2, R-CLK-MAJ-*) → notifications on commit.

Lock order: the order (only where a tickets service locks it) → the major complaint → its declaration →
its clocks. Two people acting on one declaration at once serialise on the declaration row; the second
sees the new state and is refused (409)."""

from .common import MajorEvent
from .declaration import (
    declaration_accept,
    declaration_approve,
    declaration_close,
    declaration_create,
    declaration_opinion_give,
    declaration_refer,
    declaration_resolve,
    declaration_return,
    declaration_submit,
    declaration_update,
)
from .escalated import (
    escalated_case_set,
    escalated_on_order_event,
    escalated_reply_errors,
    escalated_reply_record,
    media_liaison_unit,
    media_on_order_event,
)
from .ladder import declaration_reminders_sweep
from .major import (
    major_complaint_classify,
    major_complaint_open,
    major_complaint_opinion,
    major_complaint_reply,
    major_on_order_event,
)

__all__ = [
    "MajorEvent",
    "declaration_accept",
    "declaration_approve",
    "declaration_close",
    "declaration_create",
    "declaration_opinion_give",
    "declaration_refer",
    "declaration_resolve",
    "declaration_return",
    "declaration_reminders_sweep",
    "declaration_submit",
    "declaration_update",
    "escalated_case_set",
    "escalated_on_order_event",
    "escalated_reply_errors",
    "escalated_reply_record",
    "media_liaison_unit",
    "media_on_order_event",
    "major_complaint_classify",
    "major_complaint_open",
    "major_complaint_opinion",
    "major_complaint_reply",
    "major_on_order_event",
]
