"""Shared by the tariff-dispute services: money parsing (R-TD-6), the lock, the history (R-AUD-1), the
notices sent on commit."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.services import notification_enqueue
from tickets.services import TransitionRefused
from tickets.services.timeline import timeline_append

from ..models import Dispute, DisputeEvent
from ..selectors import WORK, dispute_visible_to

CENT = Decimal("0.01")
# No refund of a single dispute comes near this; anything above is a typo or an attack (R-REL-1: 400).
MONEY_MAX = Decimal("1000000.00")

LABELS = {
    "dispute_create": gettext_lazy("Register the dispute"),
    "start_verification": gettext_lazy("Start verification"),
    "record_outcome": gettext_lazy("Record the verification outcome"),
    "amend": gettext_lazy("Change the confirmed amount"),
    "request_approval": gettext_lazy("Ask for approval"),
    "approve": gettext_lazy("Approve the refund"),
    "reject": gettext_lazy("Reject the refund"),
    "close": gettext_lazy("Close the dispute"),
    "evidence": gettext_lazy("Attach evidence"),
    "refund_retry": gettext_lazy("Retry the refund"),
}


class DisputeRefused(TransitionRefused):
    """409: tickets' TransitionRefused for a dispute (the exception handler reads `.order.state`)."""

    def __init__(self, dispute: Dispute, transition: str, detail: str = ""):
        self.order = dispute
        self.transition = transition
        label = str(LABELS.get(transition, transition))
        reason = detail or _("not allowed while the dispute is “%(state)s”.") % {"state": dispute.get_state_display()}
        self.detail = _("%(transition)s: %(reason)s") % {"transition": label, "reason": reason}
        Exception.__init__(self, self.detail)


def require(errors: dict[str, list[str]]) -> None:
    errors = {name: messages for name, messages in errors.items() if messages}
    if errors:
        raise ValidationError(errors)


def money_errors(value, *, allow_none: bool = False) -> tuple[Decimal | None, list[str]]:
    """Parse a yuan amount from a string, an int or a Decimal — never a float (R-TD-6). Positive, at most two
    decimal places, at most MONEY_MAX. Returns (amount, errors)."""
    if value is None or value == "":
        return None, [] if allow_none else [_("Give an amount in yuan, e.g. 45.50.")]
    if isinstance(value, bool | float):
        return None, [_('Give the amount as a string of yuan, e.g. "45.50", not a floating-point number.')]
    try:
        amount = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        return None, [_("“%(value)s” is not an amount in yuan.") % {"value": str(value)[:40]}]
    if not amount.is_finite():
        return None, [_("“%(value)s” is not an amount in yuan.") % {"value": str(value)[:40]}]
    if amount <= 0:
        return None, [_("The amount must be more than zero.")]
    # The ceiling before the fen: quantizing a huge amount with many decimals exceeds Decimal's precision.
    if amount > MONEY_MAX:
        return None, [_("At most ¥%(max)s.") % {"max": MONEY_MAX}]
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(CENT):
        return None, [_("At most two decimal places (fen).")]
    return amount.quantize(CENT), []


def refund_compute(*, confirmed: Decimal, multiplier: Decimal) -> Decimal:
    """R-TD-4: refund = confirmed amount × multiplier, rounded once to the fen, half up (ROUND_HALF_UP)."""
    return (confirmed * multiplier).quantize(CENT, rounding=ROUND_HALF_UP)


def dispute_lock(*, dispute_id: int, actor, perm: str | None = WORK) -> Dispute:
    """Lock the dispute row (FOR NO KEY UPDATE: rows pointing at it insert without waiting). A dispute the actor
    may not see raises Dispute.DoesNotExist (→ 404); a role without `perm` PermissionDenied (→ 403)."""
    dispute = Dispute.objects.select_for_update(no_key=True).get(pk=dispute_id)
    if not dispute_visible_to(dispute, actor):
        raise Dispute.DoesNotExist
    if perm and not actor.has_perm(perm):
        raise PermissionDenied(_("Your role may not work on tariff disputes."))
    return dispute


def history(*, dispute: Dispute, actor, kind: str, before: str = "", note: str = "", data: dict | None = None):
    """R-AUD-1: the dispute's history and, when it has one, the order's timeline. Inside the change's transaction."""
    at = timezone.now()
    data = {"dispute_id": dispute.id, **(data or {})}
    DisputeEvent.objects.create(
        dispute=dispute, actor=actor, kind=kind, state_before=before, state_after=dispute.state, note=note,
        data=data, at=at,
    )  # fmt: skip
    if dispute.order_id:
        timeline_append(
            order=dispute.order, actor=actor, kind=f"tariff_{kind}", before="", after="", note=note, data=data, at=at
        )


def notify_on_commit(*, recipients, key: str, dispute: Dispute, subject: str, body: str = "") -> None:
    """In-app notices after commit, once per key and recipient (notifications' idempotency keys)."""
    ids = sorted({user.id for user in recipients if user is not None})
    dispute_id, order_id = dispute.id, dispute.order_id

    def send() -> None:
        order = Dispute.objects.get(pk=dispute_id).order if order_id else None
        for user in get_user_model().objects.filter(pk__in=ids, is_active=True):
            notification_enqueue(
                channel="in_app", idempotency_key=f"td-{dispute_id}-{key}-{user.id}", recipient=user, order=order,
                kind="tariff_dispute", subject=subject, body=body or subject,
            )  # fmt: skip

    transaction.on_commit(send)
