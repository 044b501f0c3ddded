"""Life-cycle events of an order: the hooks that deadline clocks (SPEC §3) and later capabilities hang on.

`order_event` is sent by the services *inside* the transaction that made the change, so a receiver's
writes (a clock started or stopped) commit or roll back with it. Receivers get `order`, `event`
(an `OrderEvent`), `at` and keyword details (e.g. `due_at` on DISPATCHED, `contact` on CONTACT_LOGGED)."""

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


order_event = Signal()
