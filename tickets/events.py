"""Life-cycle events of an order: the hooks that deadline clocks (SPEC §3) and later capabilities hang on.

`order_event` is sent by the services *inside* the transaction that made the change, so a receiver's
writes (a clock started or stopped) commit or roll back with it. Receivers get `order`, `event`
(an `OrderEvent`), `at`, `actor` and keyword details. The details are how this layer passes values down to
the layers that know nothing of orders (deadlines): the one copy of a rule stays here.

- DISPATCHED, REDISPATCHED: `due_at`, the handling deadline (R-CLK-HANDLE).
- CONTACT_LOGGED: `contact` (the `Contact`: `occurred_at`, `recorded_at`, `reached`, `direction`) and
  `retry_after`, the R-FL-5 spacing of `WorkOrderRules.unreachable_spacing`: the retry reminder (R-CLK-RETRY)
  counts it from the failed attempt's `occurred_at`.
- FLAGS_CHANGED: `changed`, the flags and their new values (R-CLK-RECALC).
- HANDLING_EXTENDED: `due_at`, the approved new handling deadline (R-FL-7).
- APPOINTMENT_MOVED: `appointed_at`, the new appointed time (R-CLK-APPT).
- REASSIGNED (a supervisor gave the order to another member of its handling unit) and UNIT_REASSIGNED (to
  another handling unit, back to `dispatched` for it; the dispatch cycle is the same): `due_at`, the handling
  deadline (kept, or the new one), `previous_unit_id`, `previous_assignee_id`.
- HANDLING_DUE_RESET: `due_at`, a new handling deadline a supervisor set on reassigning; the handle policy's
  rows (deadlines migration 0008) cancel the live handling clock (a breach stays recorded) and start one counting
  to the new deadline, as a dispatch does (R-CLK-HANDLE).
- HANDLING_DUE_MOVED: `due_at`, a handling deadline that a rule of a capability above set
  (`work_order_handling_due_move`: an escalated complaint's, R-SP-3). The live handling clock moves to it as for an
  approved extension (R-FL-7); a breach it recorded stays recorded."""

from django.db import models
from django.dispatch import Signal


class OrderEvent(models.TextChoices):
    CREATED = "created"
    CLOSED_ON_SPOT = "closed_on_spot"
    DISPATCHED = "dispatched"
    CLAIMED = "claimed"
    DEPT_REPLIED = "dept_replied"
    REPLY_RETURNED = "reply_returned"
    REPLY_APPROVED = "reply_approved"
    CUSTOMER_REPLIED = "customer_replied"
    CALLBACK_DONE = "callback_done"
    CLOSED = "closed"
    REDISPATCHED = "redispatched"
    CONTACT_LOGGED = "contact_logged"
    FLAGS_CHANGED = "flags_changed"
    HANDLING_EXTENDED = "handling_extended"
    APPOINTMENT_MOVED = "appointment_moved"
    REASSIGNED = "reassigned"
    UNIT_REASSIGNED = "unit_reassigned"
    HANDLING_DUE_RESET = "handling_due_reset"
    HANDLING_DUE_MOVED = "handling_due_moved"


order_event = Signal()

# The same event for many orders at once (every child of a batch move, R-SP-2; tickets.services.batch_bulk). Sent
# inside the move's transaction with `orders` (locked, saved), `event`, `at`, `actor`, `details` ({order id: that
# order's own details, as above}) and the details common to all. `order_event` is then sent for each order as
# well, with `bulk=True`: a receiver connected to both did its work for all of them here and returns at once when
# it sees `bulk`; a receiver connected only to `order_event` works order by order as always.
orders_event = Signal()
