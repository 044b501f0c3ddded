"""Batch complaints (批量投诉, R-SP-2): the detection thresholds (data), the candidates offered to the
dispatcher, the batch itself (a parent with the complaints as children), its membership rows and its history.

A batch is not a work order: each child stays a complete order with its own clocks, records and timeline.
The batch is the parent that moves them together — one dedicated handler, one department reply, one final
reply sent to every child (tickets/services/batch.py). Its state says how far the children were moved as
one; after the final reply each child goes on alone (callback, close)."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from .append_only import AppendOnlyModel, append_only_triggers


class BatchRules(models.Model):
    """R-SP-2 thresholds: one row, edited in the admin; `batch_rules()` gives the SPEC defaults until saved."""

    min_complaints = models.PositiveSmallIntegerField(
        _("complaints needed"),
        default=5,
        help_text=_("R-SP-2: this many complaints of one leaf category from one city make a batch candidate."),
    )
    window = models.DurationField(
        _("within"),
        default=timedelta(minutes=60),
        help_text=_("R-SP-2: the complaints must have been accepted within this time of each other."),
    )
    is_active = models.BooleanField(
        _("offer batch candidates"), default=True, help_text=_("Off: no candidates are offered; batches by hand only.")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("batch-complaint rules (批量投诉规则)")
        verbose_name_plural = _("batch-complaint rules (批量投诉规则)")

    def __str__(self) -> str:
        return str(_("Batch-complaint rules"))

    def clean(self) -> None:
        errors = {}
        if self.min_complaints is not None and self.min_complaints < 2:
            errors["min_complaints"] = _("A batch needs at least two complaints.")
        if self.window is not None and not timedelta(minutes=1) <= self.window <= timedelta(days=7):
            errors["window"] = _("Between one minute and seven days.")
        if errors:
            raise ValidationError(errors)


class BatchCandidate(models.Model):
    """What detection offers the dispatcher: enough complaints of one leaf category from one city (the
    skill group is the city's, R-WO-6) within the window. Its orders are read live (selectors): the
    complaints of that scope accepted since `since`, still waiting for dispatch and in no batch."""

    class Status(models.TextChoices):
        OFFERED = "offered", _("Offered (待确认)")
        CONFIRMED = "confirmed", _("Confirmed (已确认)")
        DISMISSED = "dismissed", _("Dismissed (已忽略)")

    category = models.ForeignKey(
        "complaints.ComplaintCategory", verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    skill_group = models.ForeignKey(
        "complaints.SkillGroup", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+"
    )
    since = models.DateTimeField(_("first complaint accepted at"))
    offered_at = models.DateTimeField(_("offered at"), default=timezone.now)
    count_at_offer = models.PositiveIntegerField(_("complaints when offered"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OFFERED)
    closed_at = models.DateTimeField(_("confirmed or dismissed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("confirmed or dismissed by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    close_note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("batch candidate (批量投诉候选)")
        verbose_name_plural = _("batch candidates (批量投诉候选)")
        ordering = ["-offered_at", "-id"]
        constraints = [
            # One offer per scope at a time: creations crossing the threshold together offer it once.
            models.UniqueConstraint(
                fields=["category", "skill_group"], condition=Q(status="offered"), name="batch_candidate_one_offered"
            ),
        ]
        indexes = [
            # The detection query's sub-selects: the scope's open offer, and its last confirm/dismiss time.
            models.Index(fields=["category", "skill_group", "closed_at"], name="batch_candidate_scope_idx"),
            models.Index(fields=["status", "-offered_at"], name="batch_candidate_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.skill_group.city} · {self.category.name}"

    @property
    def state(self) -> str:
        """The status, under the name a refused move's 409 reports (tickets.api.errors)."""
        return self.status


class Batch(models.Model):
    """The parent of a batch (R-SP-2). Transitions only through tickets/services/batch.py, which moves every
    child with it in the same transaction (protected field: nothing else may set the state)."""

    class State(models.TextChoices):
        FORMED = "formed", _("Formed, to dispatch (待派单)")
        DISPATCHED = "dispatched", _("With the handler (处理中)")
        DEPT_REPLIED = "dept_replied", _("Department replied (已回单)")
        REPLY_APPROVED = "reply_approved", _("Reply approved (回单已审核)")
        REPLIED = "replied", _("Customers replied (已统一答复)")
        DISSOLVED = "dissolved", _("Dissolved (已解散)")

        @classmethod
        def attachable(cls) -> list[str]:
            """A complaint may join while the department reply is not yet written (it is written for all)."""
            return [cls.FORMED, cls.DISPATCHED]

        @classmethod
        def open_states(cls) -> list[str]:
            return [cls.FORMED, cls.DISPATCHED, cls.DEPT_REPLIED, cls.REPLY_APPROVED]

    S = State

    title = models.CharField(_("title"), max_length=120)
    state = FSMField(_("state"), default=S.FORMED, choices=S.choices, protected=True)
    category = models.ForeignKey(
        "complaints.ComplaintCategory", verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("Shared by every child; empty when a batch by hand mixes categories."),
    )  # fmt: skip
    skill_group = models.ForeignKey(
        "complaints.SkillGroup", verbose_name=_("city"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    candidate = models.OneToOneField(
        BatchCandidate, verbose_name=_("from candidate"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="batch",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    handling_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("handling unit"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dedicated handler"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="handled_batches",
    )  # fmt: skip
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    replied_at = models.DateTimeField(_("customers replied at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("batch complaint (批量投诉)")
        verbose_name_plural = _("batch complaints (批量投诉)")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The intake hint: an open batch of this category and city.
            models.Index(fields=["category", "skill_group", "state"], name="batch_scope_state_idx"),
        ]

    def __str__(self) -> str:
        return f"PL{self.pk} {self.title}"

    @property
    def label(self) -> str:
        return f"PL{self.pk}"

    # Each transition only moves the parent's state; the service moves the children in the same transaction.
    @transition(field=state, source=S.FORMED, target=S.DISPATCHED)
    def dispatch(self, *, unit_id, handler, at) -> None:
        self.handling_unit_id, self.handler, self.dispatched_at = unit_id, handler, at

    @transition(field=state, source=S.DISPATCHED, target=S.DEPT_REPLIED)
    def dept_reply(self) -> None:
        pass

    @transition(field=state, source=S.DEPT_REPLIED, target=S.DISPATCHED)
    def return_reply(self) -> None:
        """退单 (R-FL-3): back to the handler; complaints may join again until the reply is rewritten."""

    @transition(field=state, source=S.DEPT_REPLIED, target=S.REPLY_APPROVED)
    def approve_reply(self) -> None:
        pass

    @transition(field=state, source=S.REPLY_APPROVED, target=S.REPLIED)
    def reply_customers(self, *, at) -> None:
        self.replied_at = at

    @transition(field=state, source=S.open_states(), target=S.DISSOLVED)
    def dissolve(self) -> None:
        """The last child was detached: nothing is left to move together."""


class BatchMembership(models.Model):
    """A complaint's place in a batch. Detaching ends it (the row stays, for the history); an order is in
    at most one batch at a time."""

    batch = models.ForeignKey(Batch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="memberships")
    order = models.ForeignKey(
        "tickets.WorkOrder", verbose_name=_("work order"), on_delete=models.PROTECT, related_name="batch_memberships"
    )
    attached_at = models.DateTimeField(_("attached at"), default=timezone.now)
    attached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("attached by"), on_delete=models.PROTECT, related_name="+"
    )
    detached_at = models.DateTimeField(_("detached at"), null=True, blank=True)
    detached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("detached by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    detach_reason = models.TextField(_("reason for detaching"), blank=True)

    class Meta:
        verbose_name = _("batch child")
        verbose_name_plural = _("batch children")
        ordering = ["order_id"]
        constraints = [
            models.UniqueConstraint(fields=["order"], condition=Q(detached_at=None), name="batch_member_one_open"),
        ]
        indexes = [models.Index(fields=["batch", "detached_at", "order"], name="batch_member_batch_idx")]

    def __str__(self) -> str:
        return f"{self.batch.label} ← {self.order_id}"


class BatchLogEntry(AppendOnlyModel):
    """The batch's own history (R-AUD-1, append-only): formed, dispatched, replies, attached, detached.
    Each child's timeline has its own entries too."""

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="log")
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), on_delete=models.PROTECT)
    kind = models.CharField(_("event"), max_length=40)
    state_before = models.CharField(_("state before"), max_length=20, blank=True)
    state_after = models.CharField(_("state after"), max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("batch history entry")
        verbose_name_plural = _("batch history")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["batch", "at"], name="batch_log_batch_at_idx")]
        triggers = append_only_triggers()

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"
