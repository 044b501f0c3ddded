"""What happens to an order, as rows: timeline (R-AUD-1), contacts (R-FL-1), attachments (R-FL-8),
department replies (R-FL-2/3), final replies and their approvals (R-FL-4), callbacks (R-FL-6) and
the audit of every unmasked number (R-SEC-2).

History is append-only in the database too (R-AUD-1, tickets/models/append_only.py): timeline entries,
contacts, callbacks, final-reply approvals and unmask audits never change; department replies, extension
requests and final replies are written once and decided once (their review / decision / sending is the one
UPDATE the PostgreSQL trigger lets through). Attachments are evidence an administrator may remove (R-FL-8)."""

from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .append_only import (
    AppendOnlyError,
    AppendOnlyModel,
    DecidedOnceModel,
    append_only_triggers,
    decided_once_triggers,
)
from .choices import (
    ApprovalKind,
    CallbackOutcome,
    ContactChannel,
    ContactDirection,
    FinalReplyMethod,
    Satisfaction,
)

__all__ = ["AppendOnlyError", "AppendOnlyModel", "DecidedOnceModel"]


class TimelineEntry(AppendOnlyModel):
    order = models.ForeignKey("tickets.WorkOrder", on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.PROTECT
    )
    kind = models.CharField(_("event"), max_length=40)
    state_before = models.CharField(_("state before"), max_length=20, blank=True)
    state_after = models.CharField(_("state after"), max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["order", "at"], name="timeline_order_at_idx")]
        triggers = append_only_triggers()

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"


class Contact(AppendOnlyModel):
    """One communication with the customer (R-FL-1). `occurred_at` may be earlier than `recorded_at`."""

    order = models.ForeignKey("tickets.WorkOrder", on_delete=models.CASCADE, related_name="contacts")
    direction = models.CharField(_("direction"), max_length=10, choices=ContactDirection.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=ContactChannel.choices)
    reached = models.BooleanField(_("customer reached"))
    summary = models.TextField(_("summary"))
    occurred_at = models.DateTimeField(_("occurred at"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["order", "occurred_at"], name="contact_order_at_idx")]
        triggers = append_only_triggers()

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_direction_display()}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    name = PurePosixPath(filename).name
    return f"orders/{instance.order_id}/{timezone.now():%Y%m%d%H%M%S}_{name}"


class StoredFile(models.Model):
    """An uploaded file: what it was called, its size and type, who brought it and when (R-FL-8). An order's
    attachments and a tariff dispute's evidence are both stored files."""

    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    @staticmethod
    def values_of(uploaded_file, *, name: str, actor) -> dict:
        """The stored-file fields of an upload (the file itself, its name, size, type and uploader)."""
        content_type = getattr(uploaded_file, "content_type", "") or ""
        return {"file": uploaded_file, "original_name": name, "size": uploaded_file.size,
                "content_type": content_type, "uploaded_by": actor}  # fmt: skip


class Attachment(StoredFile):
    """Evidence (R-FL-8). There is no delete in the UI or API; only an administrator may remove one."""

    class Kind(models.TextChoices):
        RECORDING = "recording", _("Recording (录音)")
        BILL = "bill", _("Bill / call records (账单/清单)")
        ID_COPY = "id_copy", _("ID document copy (身份证复印件)")
        SIGNED_FORM = "signed_form", _("Signed form (签字单)")
        LETTER = "letter", _("Letter (信函)")
        OTHER = "other", _("Other (其他)")

    order = models.ForeignKey("tickets.WorkOrder", on_delete=models.PROTECT, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    file = models.FileField(_("file"), upload_to=attachment_path)

    class Meta(StoredFile.Meta):
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")


REPLY_REVIEW = ("status", "reviewed_by", "reviewed_at", "review_note")


class DepartmentReply(DecidedOnceModel):
    """回单 (R-FL-2) and its review (R-FL-3). One row per submission; a returned reply stays as history.
    Decided once (R-AUD-1): the review (status submitted → returned/approved, reviewer, time, note) is the
    only change a reply ever gets; its text never changes and it is never deleted."""

    DECISION_FIELD, DECISION_INITIAL, DECISION_FIELDS = "status", "submitted", REPLY_REVIEW

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Awaiting review")
        RETURNED = "returned", _("Returned (退单)")
        APPROVED = "approved", _("Approved")

    order = models.ForeignKey("tickets.WorkOrder", on_delete=models.CASCADE, related_name="department_replies")
    cycle = models.PositiveSmallIntegerField(_("dispatch cycle"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    cause = models.TextField(_("cause"), blank=True)
    cause_unknown = models.BooleanField(_("cause unknown"), default=False)
    process = models.TextField(_("handling process"))
    is_final = models.BooleanField(_("final handling"), default=True)
    result = models.TextField(_("result (current usage)"))
    service_restored = models.BooleanField(_("service restored"), null=True)
    measures = models.TextField(_("measures (collective problem)"), blank=True)
    expected_recovery_at = models.DateTimeField(_("expected recovery time"), null=True, blank=True)
    coordinating_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("coordinating department"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    customer_attitude = models.TextField(_("customer attitude"))
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note / return reason"), blank=True)

    class Meta:
        verbose_name = _("department reply")
        verbose_name_plural = _("department replies")
        ordering = ["submitted_at", "id"]
        triggers = decided_once_triggers(field="status", initial="submitted", decision=REPLY_REVIEW)

    def __str__(self) -> str:
        return f"{self.order_id} #{self.pk} {self.get_status_display()}"


FINAL_REPLY_SENDING = ("satisfaction", "replied_at", "sent_at")


class FinalReply(DecidedOnceModel):
    """The reply to the customer with the five elements of R-FL-4. A written/email reply is first a
    draft (`sent_at` empty) that needs three approvals; a phone reply is sent when recorded.
    Decided once (R-AUD-1): sending a draft (sent_at, the reply time and the satisfaction heard) is the
    only change; method, process and content never change once written, and no reply is deleted."""

    DECISION_FIELD, DECISION_INITIAL, DECISION_FIELDS = "sent_at", None, FINAL_REPLY_SENDING

    order = models.ForeignKey("tickets.WorkOrder", on_delete=models.CASCADE, related_name="final_replies")
    cycle = models.PositiveSmallIntegerField(_("dispatch cycle"))
    method = models.CharField(_("method"), max_length=20, choices=FinalReplyMethod.choices)
    process = models.TextField(_("handling process"))
    content = models.TextField(_("reply content"))
    satisfaction = models.CharField(_("customer satisfaction"), max_length=30, choices=Satisfaction.choices, blank=True)
    replier = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("replier"), on_delete=models.PROTECT, related_name="+"
    )
    replied_at = models.DateTimeField(_("reply time"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("final reply")
        verbose_name_plural = _("final replies")
        ordering = ["created_at", "id"]
        triggers = decided_once_triggers(field="sent_at", initial=None, decision=FINAL_REPLY_SENDING)

    def __str__(self) -> str:
        return f"{self.order_id} {self.get_method_display()}"


class FinalReplyApproval(AppendOnlyModel):
    """One of the three approvals of a written reply (R-FL-4); append-only (R-AUD-1)."""

    reply = models.ForeignKey(FinalReply, on_delete=models.CASCADE, related_name="approvals")
    kind = models.CharField(_("approval"), max_length=20, choices=ApprovalKind.choices)
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approver"), on_delete=models.PROTECT)
    approved_at = models.DateTimeField(_("approved at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("final reply approval")
        verbose_name_plural = _("final reply approvals")
        constraints = [models.UniqueConstraint(fields=["reply", "kind"], name="reply_approval_once_per_kind")]
        triggers = append_only_triggers()

    def __str__(self) -> str:
        return f"{self.reply_id} {self.get_kind_display()}"


class Callback(AppendOnlyModel):
    """回访 (R-FL-6): one per dispatch cycle, enforced by a unique constraint. Append-only (R-AUD-1)."""

    class Decision(models.TextChoices):
        CLOSE = "close", _("Close")
        REDISPATCH = "redispatch", _("Redispatch (二次派单)")

    order = models.ForeignKey("tickets.WorkOrder", on_delete=models.CASCADE, related_name="callbacks")
    cycle = models.PositiveSmallIntegerField(_("dispatch cycle"))
    outcome = models.CharField(_("outcome"), max_length=30, choices=CallbackOutcome.choices)
    note = models.TextField(_("note"), blank=True)
    customer_unreasonable = models.BooleanField(_("customer demand unreasonable"), null=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        constraints = [models.UniqueConstraint(fields=["order", "cycle"], name="callback_once_per_cycle")]
        triggers = append_only_triggers()

    def __str__(self) -> str:
        return f"{self.order_id} #{self.cycle} {self.get_outcome_display()}"


class NumberUnmaskAudit(AppendOnlyModel):
    """Every attempt to see a full customer number (R-SEC-2): shown (`granted`) or refused to someone
    without the permission. From an order's page or API (`order` set) or the admin's customer page (no
    order). Append-only (R-AUD-1)."""

    order = models.ForeignKey("tickets.WorkOrder", null=True, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("complaints.Customer", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=200, blank=True)
    granted = models.BooleanField(_("shown"), default=True, help_text=_("False: refused, the number was not shown."))
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("number unmask audit")
        verbose_name_plural = _("number unmask audits")
        ordering = ["-at"]
        triggers = append_only_triggers()

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id}"


EXTENSION_DECISION = ("status", "decided_by", "decided_at", "decision_note", "approved_due_at")


class ExtensionRequest(DecidedOnceModel):
    """延期 (R-FL-7): the handler applies with progress and reason; the dispatcher approves with a new due
    time or rejects. Only the handling clock moves. At most one pending request per order.
    Decided once (R-AUD-1): the decision (status pending → approved/rejected, who, when, note, due time) is
    the only change a request ever gets; the request itself never changes and is never deleted."""

    DECISION_FIELD, DECISION_INITIAL, DECISION_FIELDS = "status", "pending", EXTENSION_DECISION

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending (待审批)")
        APPROVED = "approved", _("Approved (已批准)")
        REJECTED = "rejected", _("Rejected (已驳回)")

    order = models.ForeignKey("tickets.WorkOrder", on_delete=models.CASCADE, related_name="extension_requests")
    cycle = models.PositiveSmallIntegerField(_("dispatch cycle"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    progress = models.TextField(_("progress so far"))
    reason = models.TextField(_("reason"))
    current_due_at = models.DateTimeField(_("due time when requested"))
    requested_due_at = models.DateTimeField(_("requested due time"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    approved_due_at = models.DateTimeField(_("approved due time"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=models.Q(status="pending"), name="extension_one_pending_per_order"
            )
        ]
        triggers = decided_once_triggers(field="status", initial="pending", decision=EXTENSION_DECISION)

    def __str__(self) -> str:
        return f"{self.order_id} → {self.requested_due_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"
