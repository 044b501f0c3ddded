"""The duty hall's queue (R-HD-1 … R-HD-5, R-HD-7).

- `DutyOrder`: an order dispatched to a covered group on a duty day, once per order and dispatch cycle. Its
  state moves queued → notified (the handler is told, the 4-hour clock R-CLK-HOLIDAY runs) → feedback
  (the handler's feedback recorded: who, how) → archived. Only `holiday_duty.services` moves it.
- `CallTask`: the phone call duty staff make to a manager (R-HD-2), with its outcome.
- `DutyEscalation`: one row per escalated duty order (R-HD-4): the ladder as it was when it started, the
  current level and when to look again — swept by beat like a clock, not a chain of delayed tasks.
- `EscalationStep`: each level reached, append-only.
- `DutyLogEntry`: 节假日工单处理日志 (R-HD-5): every duty action once (a unique key), manual entries too;
  append-only in the model and, on PostgreSQL, by trigger.
- `Handover` + `HandoverItem` (R-HD-7, seed 003 一): the outgoing staff's diary and the open duty orders they
  pass on with their clocks; signed once by the incoming staff, then frozen (model, API 409, trigger)."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from tickets.models.append_only import (
    AppendOnlyModel,
    _Refuse,
    _RefuseTruncate,
    append_only_triggers,
)


class DutyState(models.TextChoices):
    QUEUED = "queued", _("Waiting for the handler to be told")
    NOTIFIED = "notified", _("Handler told, awaiting feedback")
    FEEDBACK = "feedback", _("Feedback received")
    ARCHIVED = "archived", _("Archived")


S = DutyState
OPEN_STATES = (S.QUEUED, S.NOTIFIED, S.FEEDBACK)


class FeedbackChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    LOGGED_IN = "logged_in", _("Logged in to the system")
    PHONE = "phone", _("Phone call")


class DutyOrder(models.Model):
    order = models.ForeignKey(
        "tickets.WorkOrder", verbose_name=_("order"), on_delete=models.PROTECT, related_name="duty_orders"
    )
    cycle = models.PositiveSmallIntegerField(_("dispatch cycle"))
    hall = models.ForeignKey(
        "holiday_duty.DutyHall", verbose_name=_("duty hall"), on_delete=models.PROTECT, related_name="orders"
    )
    group = models.ForeignKey(
        "holiday_duty.CoveredGroup", verbose_name=_("covered group"), on_delete=models.PROTECT, related_name="+"
    )
    duty_day = models.DateField(_("duty day"))
    landed_at = models.DateTimeField(_("landed at"))
    state = FSMField(_("state"), default=S.QUEUED, choices=S.choices, protected=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("duty staff"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="duty_orders_owned", help_text=_("Who on duty follows the order; a signed handover moves it."),
    )  # fmt: skip
    owner_is_fallback = models.BooleanField(_("taken by the fallback person"), default=False)
    # R-HD-2: the handler duty staff confirmed, and how they were told.
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("handler"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="duty_orders_handled",
    )  # fmt: skip
    contact = models.ForeignKey(
        "holiday_duty.DistributorContact", verbose_name=_("distributor contact"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    handler_phone = models.CharField(_("handler's phone"), max_length=20, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    notified_at = models.DateTimeField(_("handler told at"), null=True, blank=True)
    feedback_due_at = models.DateTimeField(_("feedback due at"), null=True, blank=True)
    # R-HD-3: the feedback, with who gave it and how.
    feedback_at = models.DateTimeField(_("feedback at"), null=True, blank=True)
    feedback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("feedback from"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    feedback_from_name = models.CharField(_("feedback from (name)"), max_length=100, blank=True)
    feedback_channel = models.CharField(_("feedback by"), max_length=20, choices=FeedbackChannel.choices, blank=True)
    feedback_note = models.TextField(_("feedback"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("feedback recorded by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)

    class Meta:
        verbose_name = _("duty order")
        verbose_name_plural = _("duty orders")
        ordering = ["landed_at", "id"]
        constraints = [models.UniqueConstraint(fields=["order", "cycle"], name="hd_duty_order_once_per_dispatch")]
        indexes = [
            models.Index(fields=["hall", "state", "landed_at"], name="hd_duty_queue_idx"),
            # The sweep: notified orders whose feedback is due (R-HD-4 "late").
            models.Index(fields=["feedback_due_at"], name="hd_feedback_due_idx", condition=models.Q(state="notified")),
        ]

    def __str__(self) -> str:
        return f"{self.order} · {self.get_state_display()}"

    @transition(field=state, source=S.QUEUED, target=S.NOTIFIED)
    def notify(self) -> None:
        pass

    @transition(field=state, source=[S.QUEUED, S.NOTIFIED], target=S.FEEDBACK)
    def receive_feedback(self) -> None:
        pass

    # A notified order is archived only after its feedback (the 4-hour chase is not dropped by archiving).
    @transition(field=state, source=[S.QUEUED, S.FEEDBACK], target=S.ARCHIVED)
    def archive(self) -> None:
        pass


class CallOutcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    NOT_REACHED = "not_reached", _("Not reached")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


class CallTask(models.Model):
    duty_order = models.ForeignKey(DutyOrder, on_delete=models.PROTECT, related_name="calls")
    number = models.CharField(_("number to call"), max_length=20)
    callee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("to call"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    callee_name = models.CharField(_("to call (name)"), max_length=100)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("duty staff"), on_delete=models.PROTECT, related_name="duty_calls"
    )
    created_at = models.DateTimeField(_("created at"))
    level = models.PositiveSmallIntegerField(_("escalation level"), default=0, help_text=_("0: the handler."))
    outcome = models.CharField(_("outcome"), max_length=20, choices=CallOutcome.choices, blank=True)
    outcome_at = models.DateTimeField(_("outcome at"), null=True, blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("outcome by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("phone-call task")
        verbose_name_plural = _("phone-call tasks")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["duty_order", "level"], name="hd_call_once_per_level"),
        ]

    def __str__(self) -> str:
        return f"{self.callee_name} {self.number}"


class EscalationState(models.TextChoices):
    ACTIVE = "active", _("Climbing the ladder")
    RESOLVED = "resolved", _("Resolved (feedback received)")
    EXHAUSTED = "exhausted", _("Top of the ladder reached")


class EscalationReason(models.TextChoices):
    LATE = "late", _("No feedback within 4 hours")
    UNREACHABLE = "unreachable", _("Handler unreachable")
    MANUAL = "manual", _("Escalated by duty staff")


class DutyEscalation(models.Model):
    duty_order = models.OneToOneField(DutyOrder, on_delete=models.PROTECT, related_name="escalation")
    reason = models.CharField(_("reason"), max_length=20, choices=EscalationReason.choices)
    ladder = models.JSONField(
        _("ladder"), help_text=_("As it was when the escalation started: [{level, person, name, unit, wait}].")
    )
    level = models.PositiveSmallIntegerField(_("current level"), default=0)
    state = models.CharField(_("state"), max_length=20, choices=EscalationState.choices, default=EscalationState.ACTIVE)
    started_at = models.DateTimeField(_("started at"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    next_check_at = models.DateTimeField(_("next check"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("duty escalation")
        verbose_name_plural = _("duty escalations")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_check_at"], name="hd_escalation_due_idx", condition=models.Q(next_check_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.duty_order} · {self.level}"


class EscalationStep(AppendOnlyModel):
    escalation = models.ForeignKey(DutyEscalation, on_delete=models.PROTECT, related_name="steps")
    level = models.PositiveSmallIntegerField(_("level"))
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("escalated to"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("Empty: the sweep, when the wait ran out."),
    )  # fmt: skip

    class Meta:
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")
        ordering = ["escalation", "level"]
        constraints = [models.UniqueConstraint(fields=["escalation", "level"], name="hd_step_once_per_level")]
        triggers = append_only_triggers()

    def __str__(self) -> str:
        return f"{self.escalation_id} · {self.level} · {self.person}"


class LogKind(models.TextChoices):
    LANDED = "landed", _("Order landed in the duty queue")
    NOTIFICATION = "notification", _("Handler notified")
    CALL = "call", _("Phone call")
    FEEDBACK = "feedback", _("Feedback received")
    ARCHIVE = "archive", _("Archived")
    ESCALATION = "escalation", _("Escalation")
    HANDOVER = "handover", _("Handover")
    ROSTER = "roster", _("Roster")
    MANUAL = "manual", _("Manual entry")


class DutyLogEntry(AppendOnlyModel):
    """One line of the day's 节假日工单处理日志 (R-HD-5). `key` names the action it records, so one action lands
    once however often its service or the sweep runs (manual entries get a unique key of their own)."""

    hall = models.ForeignKey("holiday_duty.DutyHall", on_delete=models.PROTECT, related_name="log")
    day = models.DateField(_("duty day"))
    at = models.DateTimeField(_("at"))
    kind = models.CharField(_("kind"), max_length=20, choices=LogKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    duty_order = models.ForeignKey(
        DutyOrder, verbose_name=_("duty order"), null=True, blank=True, on_delete=models.PROTECT, related_name="log"
    )
    text = models.TextField(_("text"))
    key = models.CharField(_("action key"), max_length=120, unique=True)

    class Meta:
        verbose_name = _("duty log entry (节假日工单处理日志)")
        verbose_name_plural = _("duty log (节假日工单处理日志)")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["hall", "day", "at"], name="hd_log_day_idx")]
        triggers = append_only_triggers()

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()}"


class HandoverSigned(Exception):
    """A signed handover is never changed (R-HD-7)."""


class Handover(models.Model):
    """值班日记 / 交接班 (R-HD-7): written (and corrected) by the outgoing staff until the incoming signs."""

    hall = models.ForeignKey("holiday_duty.DutyHall", on_delete=models.PROTECT, related_name="handovers")
    outgoing = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("outgoing"), on_delete=models.PROTECT, related_name="+"
    )
    incoming = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("incoming"), on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(_("written at"))
    open_problems = models.TextField(_("open problems"), blank=True)
    diary = models.TextField(_("duty diary"), blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("signed by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("shift handover (交接班)")
        verbose_name_plural = _("shift handovers (交接班)")
        ordering = ["-written_at", "-id"]
        indexes = [
            models.Index(fields=["hall"], name="hd_handover_unsigned_idx", condition=models.Q(signed_at__isnull=True))
        ]
        # R-HD-7 below Django: a signed row refuses every UPDATE; no handover is ever deleted.
        triggers = [
            _Refuse(
                name="handover_signed_update",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__signed_at__isnull=False),
            ),
            _Refuse(name="append_only_delete", operation=pgtrigger.Delete),
            _RefuseTruncate(name="append_only_truncate"),
        ]

    def __str__(self) -> str:
        return f"{self.outgoing} → {self.incoming} {timezone.localtime(self.written_at):%Y-%m-%d %H:%M}"

    @property
    def state(self) -> str:
        """For a refusal's answer (409 names the state): signed or not yet."""
        return "signed" if self.signed_at else "unsigned"

    def get_state_display(self) -> str:
        return str(_("signed") if self.signed_at else _("not signed"))

    def _signed_in_db(self) -> bool:
        return type(self)._base_manager.filter(pk=self.pk, signed_at__isnull=False).exists()

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding and self._signed_in_db():
            raise HandoverSigned("A signed handover is never changed (R-HD-7).")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise HandoverSigned("Handovers are never deleted (R-HD-7).")


class HandoverItem(AppendOnlyModel):
    """An open duty order passed on, with its state and 4-hour clock as they were at the handover."""

    handover = models.ForeignKey(Handover, on_delete=models.PROTECT, related_name="items")
    duty_order = models.ForeignKey(DutyOrder, on_delete=models.PROTECT, related_name="handover_items")
    state = models.CharField(_("state then"), max_length=20, choices=DutyState.choices)
    feedback_due_at = models.DateTimeField(_("feedback due at"), null=True, blank=True)

    class Meta:
        verbose_name = _("order handed over")
        verbose_name_plural = _("orders handed over")
        ordering = ["handover", "id"]
        triggers = append_only_triggers()

    def __str__(self) -> str:
        return f"{self.handover_id} · {self.duty_order_id}"
