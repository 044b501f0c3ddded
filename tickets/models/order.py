"""The work order (工单): SPEC §2, R-WO-1 … R-WO-10, and its life cycle (§2.1) as a django-fsm-2 machine.

The transition methods only move the state and stamp the fields that belong to the move. They are
called by `tickets.services` and by nothing else: the services lock the row, check the actor, write
the timeline and send side effects on commit (STYLE.md "Every state change goes one way")."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from .. import permissions as perms
from .choices import (
    Channel,
    ExternalSource,
    HandlingMethod,
    OrderOrigin,
    OrderState,
    OrderType,
    Urgency,
)

S = OrderState
# What a queue filters (the visibility rule's columns, the state) and sorts by (order_open_rows_idx).
QUEUE_COLUMNS = [
    "accepting_unit", "handling_unit", "accepted_by", "assignee", "state", "priority", "accepted_at", "next_due_at"
]  # fmt: skip


class WorkOrder(ConcurrentTransitionMixin, models.Model):
    number = models.CharField(_("order number"), max_length=20, unique=True, editable=False)
    order_type = models.CharField(_("type"), max_length=20, choices=OrderType.choices)
    state = FSMField(_("state"), default=S.ACCEPTED, choices=S.choices, protected=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    external_source = models.CharField(_("external source"), max_length=30, choices=ExternalSource.choices, blank=True)
    urgency = models.CharField(_("urgency"), max_length=20, choices=Urgency.choices, default=Urgency.NORMAL)
    handling_method = models.CharField(_("handling method"), max_length=20, choices=HandlingMethod.choices)
    priority = models.PositiveSmallIntegerField(_("priority"), default=0, editable=False)

    # Customer and what the order is about (R-WO-2, R-WO-3, R-WO-1).
    customer = models.ForeignKey(
        "complaints.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders"
    )
    accepted_number = models.CharField(_("accepted number (受理号码)"), max_length=20, db_index=True)
    contact_number = models.CharField(_("contact number"), max_length=20, blank=True)
    category = models.ForeignKey(
        "complaints.ComplaintCategory", verbose_name=_("category"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="orders",
    )  # fmt: skip
    call_reason = models.ForeignKey(
        "complaints.CallReason",
        verbose_name=_("call reason"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    business_item = models.ForeignKey(
        "complaints.BusinessItem", verbose_name=_("business item"), null=True, blank=True,
        on_delete=models.PROTECT,
    )  # fmt: skip
    appointed_at = models.DateTimeField(_("appointed time"), null=True, blank=True)

    # Content (R-WO-7).
    content = models.TextField(_("customer request"))
    findings = models.TextField(_("learnt while talking"), blank=True)
    evidence_note = models.TextField(_("initial evidence"), blank=True)
    visit_confirmed = models.BooleanField(_("visit confirmed by customer"), default=False)
    direct_reply = models.TextField(_("reply given on the spot"), blank=True)

    # Flags (R-SP-1 … R-SP-6).
    is_major = models.BooleanField(_("major complaint"), default=False)
    is_repeat = models.BooleanField(_("repeat complaint"), default=False)
    is_batch = models.BooleanField(_("batch complaint"), default=False)
    is_escalated = models.BooleanField(_("escalated complaint"), default=False)
    escalation_tendency = models.BooleanField(_("tends to go over our head (越级倾向)"), default=False)
    is_collective = models.BooleanField(_("collective problem (集中性问题)"), default=False)
    is_media = models.BooleanField(_("media involved"), default=False)
    journalist = models.JSONField(_("journalist (name, outlet, phone)"), default=dict, blank=True)
    previous_order = models.ForeignKey(
        "self", verbose_name=_("previous order"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="repeat_orders",
    )  # fmt: skip
    repeat_reason = models.TextField(_("reason for dissatisfaction"), blank=True)

    # Routing (R-WO-6) and people.
    origin = models.CharField(_("order origin"), max_length=20, choices=OrderOrigin.choices)
    skill_group = models.ForeignKey("complaints.SkillGroup", verbose_name=_("skill group"), on_delete=models.PROTECT)
    accepting_unit = models.ForeignKey(
        "org.OrgUnit",
        verbose_name=_("accepting unit"),
        on_delete=models.PROTECT,
        related_name="accepted_orders",
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("first-contact owner (首问责任人)"),
        on_delete=models.PROTECT, related_name="accepted_orders",
    )  # fmt: skip
    handling_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("handling unit"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="handled_orders",
    )  # fmt: skip
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("handler"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="assigned_orders",
    )  # fmt: skip
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dispatched by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="dispatched_orders",
    )  # fmt: skip

    # Times (R-WO-10) and the dispatch cycle (a redispatch starts a new one, R-FL-6).
    received_at = models.DateTimeField(_("received at"))
    accepted_at = models.DateTimeField(_("accepted at"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    handling_due_at = models.DateTimeField(_("handling due at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cycle = models.PositiveSmallIntegerField(_("dispatch cycle"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Issue 13 §3: the earliest due time of the order's running and overdue clocks (NULL: none), what every queue
    # sorts by. Kept by the database, not by the services: triggers on the clocks table recompute it in the
    # statement that inserts, stops, moves or deletes a clock, and a trigger on this table recomputes any other
    # value written to it (a save() of a stale copy), on PostgreSQL and SQLite alike (tickets 0016).
    next_due_at = models.DateTimeField(_("next deadline"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-priority", "accepted_at"]
        indexes = [
            models.Index(fields=["state", "-priority", "accepted_at"], name="order_queue_idx"),
            models.Index(fields=["-priority", "accepted_at"], name="order_priority_idx"),
            # The open-orders queue: its count and its first page (priority, then accepted time) read
            # only this small index, not the whole table of closed orders.
            models.Index(
                fields=["-priority", "accepted_at", "id"],
                name="order_open_queue_idx",
                condition=~models.Q(state="closed"),
            ),
            models.Index(fields=["accepting_unit", "state"], name="order_accepting_unit_idx"),
            models.Index(fields=["handling_unit", "state"], name="order_handling_unit_idx"),
            models.Index(fields=["accepted_by", "state"], name="order_first_owner_idx"),
            models.Index(fields=["accepted_at"], name="order_accepted_at_idx"),
            # R-SP-2 detection at every complaint's creation: the scope's complaints waiting for dispatch within
            # the window, a range of this small index (only waiting complaints), whatever the table's size.
            models.Index(
                fields=["category", "skill_group", "accepted_at"],
                name="order_batch_scope_idx",
                condition=models.Q(order_type="complaint", state="accepted"),
            ),
            # The visibility rule's four columns (SPEC §1) beside the key: the dashboard's clock aggregates check
            # the orders a user sees from this narrow index instead of the order rows (index-only scan).
            models.Index(
                fields=["id"],
                include=["accepting_unit", "handling_unit", "accepted_by", "assignee"],
                name="order_visibility_idx",
            ),
            # The open orders with what the queues filter and sort by (issue 13 §3): a queue of thousands of open
            # rows, its count and the overdue / at-risk joins to the clocks read this index alone (index-only scan).
            models.Index(
                fields=["id"],
                include=QUEUE_COLUMNS,
                name="order_open_rows_idx",
                condition=~models.Q(state="closed"),
            ),
        ]
        permissions = [
            ("view_all_orders", _("See every order (branch level)")),
            ("dispatch_workorder", _("Dispatch and redispatch orders")),
            ("claim_workorder", _("Claim dispatched orders")),
            ("reply_department", _("Write department replies (回单)")),
            ("review_reply", _("Review, return and approve department replies")),
            ("reply_customer", _("Give the final reply to the customer")),
            ("approve_reply_professional", _("Approve written replies as professional department")),
            ("approve_reply_legal", _("Approve written replies as legal counsel")),
            ("approve_reply_manager", _("Approve written replies as manager")),
            ("callback_workorder", _("Call customers back and close orders")),
            ("log_contact", _("Log contacts with the customer")),
            ("decide_extension", _("Approve or reject extension requests (延期)")),
            ("unmask_number", _("See full customer numbers (audited)")),
        ]

    def __str__(self) -> str:
        return self.number

    # --- derived ---------------------------------------------------------------------------------
    @property
    def is_priority_case(self) -> bool:
        """R-SP-5: major, batch, repeat and escalated complaints go first and get the 30-min dispatch."""
        return self.is_major or self.is_batch or self.is_repeat or self.is_escalated

    def compute_priority(self) -> int:
        if self.is_major:
            return 4
        if self.is_priority_case:
            return 3
        return {Urgency.EXTRA_URGENT: 2, Urgency.URGENT: 1}.get(self.urgency, 0)

    def save(self, *args, **kwargs):
        self.priority = self.compute_priority()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "priority", "updated_at"}
        super().save(*args, **kwargs)

    # --- life cycle (SPEC §2.1) ------------------------------------------------------------------
    def closes_at_creation(self) -> bool:
        return self.handling_method in HandlingMethod.closing_at_creation()

    def is_dispatched_kind(self) -> bool:
        return not self.closes_at_creation()

    def last_callback_unsatisfied(self) -> bool:
        """R-FL-6: only an unsatisfied callback leads to a second dispatch."""
        return self.callbacks.filter(cycle=self.cycle, outcome="unsatisfied").exists()

    @transition(field=state, source=S.ACCEPTED, target=S.CLOSED, conditions=[closes_at_creation])
    def close_on_spot(self, *, at) -> None:
        """提交 / 直接答复 (R-WO-5): the order is closed in the same transaction that creates it."""
        self.closed_at = at

    @transition(
        field=state, source=S.ACCEPTED, target=S.DISPATCHED, conditions=[is_dispatched_kind],
        permission=perms.can_dispatch,
    )  # fmt: skip
    def dispatch(self, *, unit, by, at, due_at) -> None:
        self._start_dispatch_cycle(unit=unit, by=by, at=at, due_at=due_at)

    def _start_dispatch_cycle(self, *, unit, by, at, due_at) -> None:
        self.handling_unit = unit
        self.assignee = None
        self.dispatched_by = by
        self.dispatched_at = at
        self.handling_due_at = due_at
        self.cycle += 1

    @transition(
        field=state, source=[S.DISPATCHED, S.PROCESSING], target=S.PROCESSING, permission=perms.can_reassign
    )  # fmt: skip
    def reassign(self, *, to) -> None:
        """改派 within the handling unit (issue 13 §4): a supervisor gives the order to another member; a dispatched
        order is taken on their behalf. The dispatch cycle and the handling deadline stay (the service may set one)."""
        self.assignee = to

    @transition(
        field=state, source=[S.DISPATCHED, S.PROCESSING], target=S.DISPATCHED, permission=perms.can_reassign_unit
    )  # fmt: skip
    def reassign_unit(self, *, unit) -> None:
        """改派 to another handling unit: back to dispatched for it, in the same dispatch cycle (not R-FL-6's
        second dispatch); who dispatched and when stay as they were."""
        self.handling_unit = unit
        self.assignee = None

    @transition(field=state, source=S.DISPATCHED, target=S.PROCESSING, permission=perms.can_claim)
    def claim(self, *, by) -> None:
        self.assignee = by

    @transition(field=state, source=S.PROCESSING, target=S.DEPT_REPLIED, permission=perms.can_reply_department)
    def dept_reply(self) -> None:
        pass

    @transition(field=state, source=S.DEPT_REPLIED, target=S.PROCESSING, permission=perms.can_review)
    def return_reply(self) -> None:
        """退单 (R-FL-3). handling_due_at is deliberately untouched: a return never resets the deadline."""

    @transition(field=state, source=S.DEPT_REPLIED, target=S.REPLY_APPROVED, permission=perms.can_review)
    def approve_reply(self) -> None:
        pass

    @transition(field=state, source=S.REPLY_APPROVED, target=S.CUSTOMER_REPLIED, permission=perms.can_reply_customer)
    def reply_customer(self) -> None:
        pass

    @transition(field=state, source=S.CUSTOMER_REPLIED, target=S.CALLBACK_DONE, permission=perms.can_callback)
    def callback(self) -> None:
        pass

    @transition(field=state, source=S.CALLBACK_DONE, target=S.CLOSED, permission=perms.can_callback)
    def close(self, *, at) -> None:
        self.closed_at = at

    @transition(
        field=state, source=S.CALLBACK_DONE, target=S.DISPATCHED, conditions=[last_callback_unsatisfied],
        permission=perms.can_dispatch,
    )  # fmt: skip
    def redispatch(self, *, unit, by, at, due_at) -> None:
        """二次派单 (R-FL-6): a new dispatch cycle with a new handling deadline."""
        self._start_dispatch_cycle(unit=unit, by=by, at=at, due_at=due_at)


class OrderNumberSequence(models.Model):
    """Daily counter per number prefix (R-WO-8). Incremented under a row lock, so concurrent creations
    never share a number; the unique constraint on WorkOrder.number is the last line of defence."""

    prefix = models.CharField(max_length=4)
    day = models.DateField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("order number sequence")
        verbose_name_plural = _("order number sequences")
        constraints = [models.UniqueConstraint(fields=["prefix", "day"], name="order_sequence_unique_day")]

    def __str__(self) -> str:
        return f"{self.prefix}{self.day:%Y%m%d}: {self.last_value}"
