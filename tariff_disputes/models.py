"""Tariff disputes and exactly-once refunds (SPEC §5, R-TD-1 … R-TD-8, R-FL-9, R-REL-1).

- `Cause` (two levels), `MultiplierPolicy` and `ApprovalThreshold` are reference data (R-TD-3/4/5), seeded by
  migration 0002 and edited in admin (the admin's change history is their history).
- `Dispute` is a django-fsm-2 machine with a protected state; `tariff_disputes.services` is the only caller of
  its transitions (lock → check → change → history/timeline → notify on commit).
- `ApprovalRequest`: at most one open per dispute (partial unique constraint); the requester never decides it.
- `Refund`: the intent to pay, written by the approval in its transaction; at most one live refund per dispute
  (partial unique constraint), an idempotency key the gateway receives, and the state the gateway answered.
- `DisputeEvent`: the dispute's own append-only history (R-AUD-1), also for disputes without an order."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from complaints.models import ComplaintCategory
from tickets.models import StoredFile

MONEY = {"max_digits": 12, "decimal_places": 2}


class Cause(models.Model):
    """R-TD-3: the cause of a dispute, two levels (a top-level cause and its sub-causes)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent cause"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )  # fmt: skip
    is_company_cause = models.BooleanField(
        _("company cause"), default=False, help_text=_("Counts as a company cause for the refund multiplier.")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("dispute cause")
        verbose_name_plural = _("dispute causes")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return f"{self.parent.name} → {self.name}" if self.parent_id else self.name

    def clean(self) -> None:
        if self.parent_id and (self.parent.parent_id or self.parent_id == self.pk):
            raise ValidationError({"parent": _("Causes have two levels: choose a top-level cause.")})


class MultiplierPolicy(models.Model):
    """R-TD-4: refund = confirmed amount × multiplier. The most specific active row wins (company cause)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    company_cause = models.BooleanField(_("for company causes"), default=False)
    multiplier = models.DecimalField(_("multiplier"), max_digits=4, decimal_places=2)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("refund multiplier policy")
        verbose_name_plural = _("refund multiplier policies")
        ordering = ["-company_cause", "code"]
        constraints = [models.CheckConstraint(condition=Q(multiplier__gt=0), name="td_multiplier_positive")]

    def __str__(self) -> str:
        return f"{self.name} ×{self.multiplier}"


class FeeCategory(models.Model):
    """R-TD-1: a top-level complaint category whose complaints are fee complaints: the order page offers a
    dispute on them. Named, not linked: the category tree is loaded after migrations (load_reference_data), so
    the seed row (通信费用, migration 0004) cannot point at a row that does not exist yet; top-level names are
    unique (complaints' category_unique_top_level_name) and the admin accepts only a name that exists."""

    category_name = models.CharField(
        _("top-level complaint category"), max_length=100, unique=True,
        help_text=_("The name of a top-level complaint category, e.g. 通信费用."),
    )  # fmt: skip
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("fee complaint category")
        verbose_name_plural = _("fee complaint categories")
        ordering = ["category_name"]

    def __str__(self) -> str:
        return self.category_name

    def clean(self) -> None:
        if not ComplaintCategory.objects.filter(parent=None, name=self.category_name).exists():
            raise ValidationError({"category_name": _("No top-level complaint category has this name.")})


class ApprovalThreshold(models.Model):
    """R-TD-5: who approves a refund of a given amount. Level n approves up to `max_amount` (none: no limit);
    holders of a higher level's permission may approve lower amounts too."""

    level = models.PositiveSmallIntegerField(_("level"), unique=True)
    name = models.CharField(_("approver"), max_length=100)
    max_amount = models.DecimalField(_("up to (yuan)"), null=True, blank=True, **MONEY)
    permission = models.CharField(
        _("permission"), max_length=100, help_text=_("app_label.codename, e.g. tariff_disputes.approve_refund_level1")
    )
    allows_cash = models.BooleanField(_("may approve cash"), default=False)

    class Meta:
        verbose_name = _("approval threshold")
        verbose_name_plural = _("approval thresholds")
        ordering = ["level"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_amount__isnull=True) | Q(max_amount__gt=0), name="td_threshold_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.level} · {self.name}"


class Source(models.TextChoices):
    COMPLAINT = "complaint", _("Customer complaint")
    INTERNAL_CHECK = "internal_check", _("Internal check (no complaint)")


class DisputeState(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    VERIFYING = "verifying", _("Verifying")
    VERIFIED = "verified", _("Verified")
    PENDING_APPROVAL = "pending_approval", _("Pending approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    REFUNDED = "refunded", _("Refunded")
    CLOSED = "closed", _("Closed")


class Outcome(models.TextChoices):
    JUSTIFIED = "justified", _("Justified")
    NOT_JUSTIFIED = "not_justified", _("Not justified")


class OutcomeKind(models.TextChoices):
    MIS_COLLECTED = "mis_collected", _("Wrongly collected (误收)")
    WRONG_CHARGE = "wrong_charge", _("Wrong charge (错收)")
    OVERCHARGED = "overcharged", _("Overcharged (多收)")


class RemedyForm(models.TextChoices):
    """R-FL-9: prefer waivers, credits, free products and cards; cash last, with a reason and higher approval."""

    BILL_CREDIT = "bill_credit", _("Bill credit")
    FEE_WAIVER = "fee_waiver", _("Fee waiver")
    FREE_PRODUCT = "free_product", _("Free service product")
    PHONE_CARD = "phone_card", _("Phone card")
    CASH = "cash", _("Cash")
    NON_MONETARY = "non_monetary", _("Non-monetary remedy")


class ConsentResult(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted the result")
    REFUSED = "refused", _("Did not accept the result")


class ConsentChannel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("By phone")
    SMS = "sms", _("By SMS")
    SIGNED = "signed", _("Signed form")


D = DisputeState


class Dispute(ConcurrentTransitionMixin, models.Model):
    """资费争议 (R-TD-1). Transition methods only move the state; the services check, stamp and record."""

    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.COMPLAINT)
    order = models.ForeignKey(
        "tickets.WorkOrder", verbose_name=_("complaint order"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="tariff_disputes",
    )  # fmt: skip
    customer = models.ForeignKey(
        "complaints.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="tariff_disputes"
    )
    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="tariff_disputes",
        help_text=_("The unit that registered the dispute (visibility of internal checks)."),
    )  # fmt: skip
    state = FSMField(_("state"), default=D.REGISTERED, choices=D.choices, protected=True)
    billing_period = models.CharField(_("billing period (YYYY-MM)"), max_length=7)
    disputed_amount = models.DecimalField(_("disputed amount (yuan)"), **MONEY)
    charge_items = models.TextField(_("charge items questioned"))
    description = models.TextField(_("the customer's account"), blank=True)
    # R-TD-7: recharge cards whose password was obtained by fraud.
    recharge_card = models.BooleanField(_("recharge-card case (充值卡被套取密码)"), default=False)
    card_bought_here = models.BooleanField(_("card bought at our hall"), null=True, blank=True)
    # R-TD-2: the verification outcome.
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_kind = models.CharField(_("kind of wrong charge"), max_length=20, choices=OutcomeKind.choices, blank=True)
    confirmed_amount = models.DecimalField(_("confirmed amount (yuan)"), null=True, blank=True, **MONEY)
    cause = models.ForeignKey(
        Cause, verbose_name=_("cause"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    explanation = models.TextField(_("verification findings / explanation"), blank=True)
    # R-TD-4 / R-FL-9: the remedy, computed once when the outcome is recorded (or the amount amended).
    remedy_form = models.CharField(_("form of compensation"), max_length=20, choices=RemedyForm.choices, blank=True)
    cash_reason = models.TextField(_("why cash"), blank=True)
    remedy_note = models.TextField(_("remedy (non-monetary)"), blank=True)
    multiplier = models.DecimalField(_("multiplier"), max_digits=4, decimal_places=2, null=True, blank=True)
    refund_amount = models.DecimalField(_("refund (yuan)"), null=True, blank=True, **MONEY)
    amount_version = models.PositiveIntegerField(_("amount version"), default=0, editable=False)
    # R-TD-8: the customer's response to the result.
    consent_result = models.CharField(
        _("customer's response"), max_length=20, choices=ConsentResult.choices, blank=True
    )
    consent_channel = models.CharField(_("given how"), max_length=20, choices=ConsentChannel.choices, blank=True)
    consent_note = models.TextField(_("customer's words"), blank=True)
    consent_at = models.DateTimeField(_("given at"), null=True, blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("registered by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("verified by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("tariff dispute")
        verbose_name_plural = _("tariff disputes")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("work_dispute", _("Register and verify tariff disputes")),
            ("approve_refund_level1", _("Approve refunds up to level 1 (store manager)")),
            ("approve_refund_level2", _("Approve refunds up to level 2 (customer-service centre)")),
            ("approve_refund_level3", _("Approve refunds of any amount (branch leader)")),
            ("green_channel", _("Green-channel fast refunds (绿色通道) at level 1")),
            ("retry_refund", _("Retry a failed refund")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(disputed_amount__gt=0), name="td_disputed_positive"),
            models.CheckConstraint(
                condition=Q(confirmed_amount__isnull=True) | Q(confirmed_amount__gt=0), name="td_confirmed_positive"
            ),
            # R-TD-4: a refund exists only for a confirmed amount, and is never below it.
            models.CheckConstraint(
                condition=Q(refund_amount__isnull=True)
                | (Q(confirmed_amount__isnull=False) & Q(refund_amount__gte=F("confirmed_amount"))),
                name="td_refund_needs_confirmed",
            ),
            models.CheckConstraint(
                condition=Q(source="internal_check") | Q(order__isnull=False), name="td_complaint_has_order"
            ),
        ]
        indexes = [models.Index(fields=["state", "created_at"], name="td_dispute_state_idx")]

    def __str__(self) -> str:
        return f"TD{self.pk} · {self.customer_id} · {self.billing_period}"

    # --- transitions (called only by tariff_disputes.services) ---------------------------------------
    @transition(field=state, source=D.REGISTERED, target=D.VERIFYING)
    def start_verification(self) -> None:
        pass

    @transition(field=state, source=D.VERIFYING, target=D.VERIFIED)
    def record_outcome(self) -> None:
        pass

    @transition(field=state, source=[D.VERIFIED, D.PENDING_APPROVAL, D.REJECTED, D.APPROVED], target=D.VERIFIED)
    def amend(self) -> None:
        pass

    @transition(field=state, source=D.VERIFIED, target=D.PENDING_APPROVAL)
    def request_approval(self) -> None:
        pass

    @transition(field=state, source=D.PENDING_APPROVAL, target=D.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=state, source=D.PENDING_APPROVAL, target=D.REJECTED)
    def reject(self) -> None:
        pass

    @transition(field=state, source=D.APPROVED, target=D.REFUNDED)
    def mark_refunded(self) -> None:
        pass

    @transition(field=state, source=[D.VERIFIED, D.REJECTED, D.REFUNDED], target=D.CLOSED)
    def close(self) -> None:
        pass


class Evidence(StoredFile):
    """R-TD-2 / R-FL-8: bills, call records, the ID copy of R-TD-7, the signed consent of R-TD-8. Never deleted
    through the UI or API; the file rules are tickets' (tickets.services.attachment_file_errors)."""

    class Kind(models.TextChoices):
        BILL = "bill", _("Bill details (账单)")
        CALL_RECORDS = "call_records", _("Call records (通话清单)")
        ID_COPY = "id_copy", _("ID document copy (身份证复印件)")
        CONSENT = "consent", _("Customer's consent (客户确认)")
        OTHER = "other", _("Other (其他)")

    dispute = models.ForeignKey(Dispute, verbose_name=_("dispute"), on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.BILL)
    file = models.FileField(_("file"), upload_to="disputes/%Y/%m/")

    class Meta(StoredFile.Meta):
        verbose_name = _("dispute evidence")
        verbose_name_plural = _("dispute evidence")


class ApprovalStatus(models.TextChoices):
    OPEN = "open", _("Open")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    VOIDED = "voided", _("Voided (amount changed)")


class ApprovalRequest(models.Model):
    """R-TD-5: one request for the refund of a dispute at the amount it had when requested."""

    dispute = models.ForeignKey(Dispute, verbose_name=_("dispute"), on_delete=models.PROTECT, related_name="approvals")
    amount = models.DecimalField(_("refund (yuan)"), **MONEY)
    remedy_form = models.CharField(_("form of compensation"), max_length=20, choices=RemedyForm.choices)
    amount_version = models.PositiveIntegerField(_("amount version"))
    level_required = models.PositiveSmallIntegerField(_("level required"))
    level_name = models.CharField(_("approver required"), max_length=100)
    status = models.CharField(_("status"), max_length=20, choices=ApprovalStatus.choices, default=ApprovalStatus.OPEN)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("refund approval request")
        verbose_name_plural = _("refund approval requests")
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dispute"], condition=Q(status="open"), name="td_one_open_request"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="td_request_amount_positive"),
            # The requester never approves their own request (four eyes).
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")), name="td_four_eyes"
            ),
        ]
        indexes = [models.Index(fields=["status", "level_required", "requested_at"], name="td_queue_idx")]

    def __str__(self) -> str:
        return f"TD{self.dispute_id} ¥{self.amount} ({self.get_status_display()})"


class RefundState(models.TextChoices):
    PENDING = "pending", _("Pending")
    EXECUTING = "executing", _("Executing")
    UNKNOWN = "unknown", _("Unknown (gateway timed out)")
    EXECUTED = "executed", _("Executed")
    FAILED = "failed", _("Failed")
    VOIDED = "voided", _("Voided (amount changed)")


class Refund(models.Model):
    """R-TD-6: the intent to pay and its execution. `idempotency_key` is what the gateway receives, on every
    attempt, so it can refuse a second credit; `attempts` counts the claims."""

    dispute = models.ForeignKey(Dispute, verbose_name=_("dispute"), on_delete=models.PROTECT, related_name="refunds")
    approval = models.OneToOneField(
        ApprovalRequest, verbose_name=_("approval"), on_delete=models.PROTECT, related_name="refund"
    )
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    form = models.CharField(_("form"), max_length=20, choices=RemedyForm.choices)
    account = models.CharField(_("account (number)"), max_length=20)
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, unique=True)
    state = models.CharField(_("state"), max_length=20, choices=RefundState.choices, default=RefundState.PENDING)
    gateway_reference = models.CharField(_("gateway reference"), max_length=100, blank=True)
    failure_reason = models.TextField(_("failure reason"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    executed_at = models.DateTimeField(_("executed at"), null=True, blank=True)
    reconciled_at = models.DateTimeField(_("last reconciled at"), null=True, blank=True)
    mismatch = models.TextField(_("disagreement with the gateway"), blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at", "-id"]
        constraints = [
            # R-TD-6: one live refund per dispute, whatever the number of approvers clicking at once.
            models.UniqueConstraint(fields=["dispute"], condition=~Q(state="voided"), name="td_one_refund"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="td_refund_amount_positive"),
            models.CheckConstraint(
                condition=~Q(state="executed") | ~Q(gateway_reference=""), name="td_executed_has_reference"
            ),
        ]

    def __str__(self) -> str:
        return f"TD{self.dispute_id} ¥{self.amount} ({self.get_state_display()})"


class DisputeEvent(models.Model):
    """The dispute's append-only history (R-AUD-1); the services only ever insert."""

    dispute = models.ForeignKey(Dispute, verbose_name=_("dispute"), on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    kind = models.CharField(_("what"), max_length=40)
    state_before = models.CharField(_("state before"), max_length=20, blank=True)
    state_after = models.CharField(_("state after"), max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("dispute event")
        verbose_name_plural = _("dispute events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"TD{self.dispute_id} {self.kind}"


class GatewayCredit(models.Model):
    """The outbox of the console billing gateway (tariff_disputes.gateway): what it would have credited, once
    per idempotency key. The HTTP gateway does not use it."""

    idempotency_key = models.CharField(_("idempotency key"), max_length=64, unique=True)
    reference = models.CharField(_("reference"), max_length=100)
    account = models.CharField(_("account"), max_length=20)
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    form = models.CharField(_("form"), max_length=20)
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("gateway credit (console outbox)")
        verbose_name_plural = _("gateway credits (console outbox)")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.reference} ¥{self.amount}"
