"""Every write of the tariff-dispute app (STYLE.md): lock the dispute → check its state (DisputeRefused, a
tickets TransitionRefused → 409) → check role and amount authority (PermissionDenied → 403, naming the level)
→ change → the dispute's history and the order's timeline (R-AUD-1) → notifications on commit.

Lock order: dispute → its approval requests → its refund. Money is Decimal yuan parsed from strings (R-TD-6)."""

from .approval import dispute_approval_request, dispute_approve, dispute_reject
from .common import DisputeRefused, money_errors, refund_compute
from .dispute import (
    dispute_amount_change,
    dispute_close,
    dispute_create,
    dispute_evidence_add,
    dispute_outcome_record,
    dispute_verification_start,
)
from .refund import refund_execute, refund_retry, refunds_due_execute, refunds_reconcile

__all__ = [
    "DisputeRefused",
    "dispute_amount_change",
    "dispute_approval_request",
    "dispute_approve",
    "dispute_close",
    "dispute_create",
    "dispute_evidence_add",
    "dispute_outcome_record",
    "dispute_reject",
    "dispute_verification_start",
    "money_errors",
    "refund_compute",
    "refund_execute",
    "refund_retry",
    "refunds_due_execute",
    "refunds_reconcile",
]
