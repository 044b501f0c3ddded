"""Every write to a work order goes through these functions (STYLE.md)."""

from .accept import work_order_accept
from .closing import (
    final_reply_approve,
    final_reply_draft_create,
    unreachable_attempts_missing,
    work_order_callback,
    work_order_close,
    work_order_reply_customer,
)
from .create import OrderIntake, work_order_create
from .dispatching import (
    work_order_approve_reply,
    work_order_claim,
    work_order_dept_reply,
    work_order_dispatch,
    work_order_redispatch,
    work_order_return_reply,
)
from .errors import TransitionRefused
from .extension import extension_decide, extension_request, work_order_handling_due_move
from .records import (
    attachment_add,
    attachment_delete,
    attachment_file_errors,
    contact_log,
    customer_number_unmask,
    number_unmask,
    work_order_appointment_move,
    work_order_flags_update,
)
from .urge import work_order_urge

__all__ = [
    "OrderIntake",
    "TransitionRefused",
    "attachment_add",
    "attachment_delete",
    "attachment_file_errors",
    "contact_log",
    "customer_number_unmask",
    "extension_decide",
    "extension_request",
    "final_reply_approve",
    "final_reply_draft_create",
    "number_unmask",
    "unreachable_attempts_missing",
    "work_order_accept",
    "work_order_approve_reply",
    "work_order_callback",
    "work_order_claim",
    "work_order_close",
    "work_order_create",
    "work_order_dept_reply",
    "work_order_dispatch",
    "work_order_appointment_move",
    "work_order_flags_update",
    "work_order_handling_due_move",
    "work_order_redispatch",
    "work_order_reply_customer",
    "work_order_return_reply",
    "work_order_urge",
]
