"""Deadline clocks (SPEC §3): the policy table (data) and the clocks running on orders.

A `ClockPolicy` row says which orders a clock applies to, the life-cycle events that start, stop and
cancel it, its limit, calendar, warning percentage and whether it recurs. Editing a row affects clocks
started afterwards: each `Clock` keeps a snapshot of its limit and calendar.

A `Clock` is checked by the sweep at `next_check_at` (the warning time, then the due time), which is
indexed only for clocks still running, so the sweep's cost grows with the number of clocks due, not
with the number of open orders (R-CLK-ENF)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .conditions import CONDITION_CHOICES


class ClockKind(models.TextChoices):
    ENTRY = "entry", _("Entry (录入)")
    DISPATCH = "dispatch", _("Dispatch (派单)")
    HANDLE = "handle", _("Handling (处理)")
    FEEDBACK = "feedback", _("48 h feedback (48h反馈)")
    REPLY = "reply", _("Reply to customer (回复客户)")
    CALLBACK = "callback", _("Callback (回访)")
    RETRY = "retry", _("Retry after failed contact (再次联系)")
    APPOINTMENT = "appointment", _("Appointment (预约)")
    MAJ_OPINION = "maj_opinion", _("Supervisor opinion (主管意见)")
    MAJ_REPLY = "maj_reply", _("Major-complaint reply (重大投诉回复)")
    MAJ_DECLARE = "maj_declare", _("Major-complaint declaration (申告表)")
    HOLIDAY = "holiday", _("Holiday feedback (节假日反馈)")


class LimitSource(models.TextChoices):
    POLICY = "policy", _("The limit of this policy")
    HANDLING_DUE = "handling_due_at", _("The handling deadline set at dispatch (R-CLK-HANDLE)")
    APPOINTED_AT = "appointed_at", _("The appointed time (R-CLK-APPT)")
    AT_EVENT = "at_event", _("Decided when the event happens (entry: recorded at creation)")
    # R-CLK-RETRY: the spacing is one value, the work-order rules' (R-FL-5); the layer that owns those rules passes
    # it with the event (`retry_after` on CONTACT_LOGGED), so the policy row holds no second copy that could differ.
    RETRY_AFTER = "retry_after", _("The R-FL-5 spacing of the work-order rules, given by the event (R-CLK-RETRY)")


class ClockPolicy(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("clock kind"), max_length=20, choices=ClockKind.choices)
    name = models.CharField(_("name"), max_length=100)
    rule = models.CharField(_("SPEC rule"), max_length=30, blank=True, help_text=_("e.g. R-CLK-DISPATCH"))
    order_types = models.JSONField(_("order types"), default=list, blank=True, help_text=_("Empty: every type."))
    channels = models.JSONField(_("channels"), default=list, blank=True, help_text=_("Empty: every channel."))
    condition = models.CharField(
        _("applies when"), max_length=40, choices=CONDITION_CHOICES, default="always",
        help_text=_("A named condition on the order and event (e.g. only major/repeat/batch/escalated)."),
    )  # fmt: skip
    start_events = models.JSONField(_("start events"), default=list)
    stop_events = models.JSONField(_("stop events (met)"), default=list)
    cancel_events = models.JSONField(_("cancel events"), default=list, blank=True)
    restart_events = models.JSONField(
        _("restart events"), default=list, blank=True, help_text=_("Recurring clocks: met and started again.")
    )
    restart_condition = models.CharField(_("restarts when"), max_length=40, choices=CONDITION_CHOICES, default="always")
    limit = models.DurationField(_("limit"), null=True, blank=True)
    limit_source = models.CharField(
        _("limit from"), max_length=20, choices=LimitSource.choices, default=LimitSource.POLICY
    )
    calendar = models.ForeignKey(
        "deadlines.BusinessCalendar", verbose_name=_("calendar"), on_delete=models.PROTECT, related_name="+"
    )
    # xgettext:no-python-format
    warn_percent = models.PositiveSmallIntegerField(_("warn at % of limit"), default=80)
    recurring = models.BooleanField(
        _("recurring"), default=False,
        help_text=_("After a breach the next round starts at once, from the breached round's due time."),
    )  # fmt: skip
    is_reminder = models.BooleanField(
        _("reminder"), default=False,
        help_text=_(
            "A reminder, not a deadline (R-CLK-RETRY): at the due time the person who must act is reminded (【提醒】) "
            "and the clock ends; nothing is breached and no supervisor is told."
        ),
    )  # fmt: skip
    precedence = models.PositiveSmallIntegerField(
        _("precedence"), default=100, help_text=_("Among policies of one kind that match an order, the lowest wins.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("clock policy (时限规则)")
        verbose_name_plural = _("clock policies (时限规则)")
        ordering = ["kind", "precedence", "code"]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    OVERDUE = "overdue", _("Overdue (超时)")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    CANCELLED = "cancelled", _("Cancelled")

    @classmethod
    def live(cls) -> list[str]:
        return [cls.RUNNING, cls.OVERDUE]


class Clock(models.Model):
    """One clock on one order. `running` → `overdue` (the sweep, at the due time) → `breached` (stopped
    late: the breach is kept, R-CLK-BREACH); `running` → `met`; `running`/`overdue` → `cancelled`."""

    order = models.ForeignKey("tickets.WorkOrder", on_delete=models.CASCADE, related_name="clocks")
    policy = models.ForeignKey(ClockPolicy, on_delete=models.PROTECT, related_name="clocks")
    kind = models.CharField(_("kind"), max_length=20, choices=ClockKind.choices)
    calendar_code = models.CharField(_("calendar"), max_length=30)
    limit = models.DurationField(_("limit"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"))
    warn_at = models.DateTimeField(_("warn at"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=ClockState.choices, default=ClockState.RUNNING)
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    next_check_at = models.DateTimeField(_("next check"), null=True, blank=True)
    sequence = models.PositiveSmallIntegerField(_("round"), default=1, help_text=_("Recurring clocks count rounds."))
    cycle = models.PositiveSmallIntegerField(_("dispatch cycle"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("clock (时限)")
        verbose_name_plural = _("clocks (时限)")
        ordering = ["started_at", "id"]
        indexes = [
            # The sweep: only clocks that still have a warning or a breach to record.
            models.Index(
                fields=["next_check_at"], name="clock_sweep_idx", condition=models.Q(next_check_at__isnull=False)
            ),
            models.Index(fields=["order", "state"], name="clock_order_state_idx"),
            models.Index(
                fields=["state", "kind", "due_at"],
                name="clock_live_due_idx",
                condition=models.Q(state__in=["running", "overdue"]),
            ),  # fmt: skip
            # The overdue and at-risk queues (their pages' ids and their counts) and the dashboard's overdue
            # chart: only the few clocks in that condition, read from the index alone, not every live clock's row.
            models.Index(fields=["order", "kind"], name="clock_overdue_idx", condition=models.Q(state="overdue")),
            models.Index(
                fields=["order"], name="clock_warned_idx", condition=models.Q(state="running", warned_at__isnull=False)
            ),
            # The dashboard's timeliness rate (R-RP-1): clocks stopped since a given day, counted by kind and state
            # and joined to the visible orders from the index alone (index-only scan).
            models.Index(
                fields=["stopped_at"],
                include=["kind", "state", "order"],
                name="clock_stopped_idx",
                condition=models.Q(stopped_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.due_at:%Y-%m-%d %H:%M}"
