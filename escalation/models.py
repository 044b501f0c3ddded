"""Major complaints (SPEC §4, R-MAJ-1 … R-MAJ-6).

- `Interface` and `Criterion` are reference data (R-MAJ-2), seeded by migration 0002 and edited in admin.
- `MajorComplaint` is the record of an order flagged major: who reported to which supervisor and when, the
  supervisor's opinion (R-MAJ-1), the plan, emergency script and designated replier (R-MAJ-5).
- `Declaration` (重大投诉申告表) is a django-fsm-2 machine with a protected state. Its people (reviewer,
  interface admin, chief) are fixed on the row when their step starts, so a later edit of the interface
  data does not move a declaration in flight.
- A declaration moves in `DeclarationRound`s: a return closes the round and opens the next. Opinions and
  decisions are rows of their round and are never changed (append-only by the services; the model refuses
  an update)."""

from datetime import timedelta
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import GET_STATE, ConcurrentTransitionMixin, FSMField, transition

from org.roles import ROLES

from . import permissions as perms


def role_choices() -> list[tuple[str, str]]:
    """The roles of org.roles, read when asked: a callable, so a role added there needs no migration here."""
    return [(name, role["label"]) for name, role in ROLES.items()]


ROLE_CHOICES = role_choices()  # the same list, for the API schema's enum name (SPECTACULAR ENUM_NAME_OVERRIDES)


class Interface(models.Model):
    """One of the three declaration interfaces of R-MAJ-2 (服营厅 / 合作渠道 / 集团)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=50)
    declaring_role = models.CharField(_("role that declares"), max_length=40, choices=role_choices)
    reviewing_role = models.CharField(_("role that reviews"), max_length=40, choices=role_choices)
    admins = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("interface administrators"), blank=True,
        related_name="escalation_interfaces",
    )  # fmt: skip
    # The timeout ladder (issue 9 §1): a declaration waiting at a step reminds its person every N hours, at
    # most M times, then escalates one level up. It never approves or submits anything by itself.
    remind_every = models.DurationField(_("remind every"), default=timedelta(hours=2))
    remind_max = models.PositiveSmallIntegerField(_("reminders before escalating"), default=3)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("declaration interface")
        verbose_name_plural = _("declaration interfaces")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class Criterion(models.Model):
    """One item of the major-complaint checklist (R-MAJ-2)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("major-complaint criterion")
        verbose_name_plural = _("major-complaint criteria")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class MajorComplaint(models.Model):
    order = models.OneToOneField(
        "tickets.WorkOrder", verbose_name=_("order"), on_delete=models.PROTECT, related_name="major_complaint"
    )
    interface = models.ForeignKey(Interface, verbose_name=_("interface"), on_delete=models.PROTECT, related_name="+")
    criteria = models.ManyToManyField(Criterion, verbose_name=_("criteria met"), blank=True, related_name="+")
    classified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("classified by"), null=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    classified_at = models.DateTimeField(_("classified as major at"))
    accepted_at = models.DateTimeField(_("accepted at"), help_text=_("The order's acceptance (R-CLK-MAJ-REPLY)."))
    # R-MAJ-1: the first-contact employee reports to a supervisor, whose opinion is due within 1 h.
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), null=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported to"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="major_complaints_to_opine",
    )  # fmt: skip
    reported_at = models.DateTimeField(_("reported at"))
    supervisor_opinion = models.TextField(_("supervisor's handling opinion"), blank=True)
    opinion_at = models.DateTimeField(_("opinion given at"), null=True, blank=True)
    # R-MAJ-5: pre-handling plan, emergency reply script, the designated replier.
    plan = models.TextField(_("pre-handling plan"), blank=True)
    reply_script = models.TextField(_("emergency reply script"), blank=True)
    replier = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("designated replier"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="major_complaints_to_reply",
    )  # fmt: skip
    customer_reply = models.TextField(_("reply to the customer"), blank=True)
    replied_at = models.DateTimeField(_("replied to the customer at"), null=True, blank=True)

    class Meta:
        verbose_name = _("major complaint")
        verbose_name_plural = _("major complaints")
        ordering = ["-classified_at", "-id"]
        permissions = [
            ("classify_major", _("Classify complaints as major (重大投诉)")),
            ("give_support_opinion", _("Give the support department's opinion on declarations")),
            ("give_legal_opinion", _("Give the legal office's opinion on declarations")),
            ("review_declaration", _("Review declarations of an interface")),
            ("work_declaration", _("Accept, refer and resolve declarations as interface administrator")),
            ("resolve_as_chief", _("Resolve referred declarations as branch chief")),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} · {self.interface}"


class DeclarationState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved, with the interface")
    ACCEPTED = "accepted", _("Accepted by the interface")
    REFERRED = "referred", _("Referred to the branch chief")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class Step(models.TextChoices):
    """Who a declaration waits for, by state; a return remembers the step so a resubmission goes back there."""

    REVIEW = "review", _("Interface review")
    INTERFACE = "interface", _("Interface administrator")
    CHIEF = "chief", _("Branch chief")


D = DeclarationState
STEP_OF_STATE = {
    D.SUBMITTED: Step.REVIEW,
    D.APPROVED: Step.INTERFACE,
    D.ACCEPTED: Step.INTERFACE,
    D.REFERRED: Step.CHIEF,
}
RESUBMIT_TARGET = {"": D.SUBMITTED, Step.REVIEW: D.SUBMITTED, Step.INTERFACE: D.APPROVED, Step.CHIEF: D.REFERRED}
CONTENT_FIELDS = ("problem", "cause_trace", "resources_used", "communication", "unresolved_reason")


def _resubmit_target(declaration, *args, **kwargs) -> str:
    return RESUBMIT_TARGET[declaration.returned_from]


class Declaration(ConcurrentTransitionMixin, models.Model):
    """重大投诉申告表 (R-MAJ-2 … R-MAJ-4). Transition methods only move the state; `escalation.services` locks,
    checks, stamps, writes the timeline and notifies."""

    major = models.OneToOneField(
        MajorComplaint, verbose_name=_("major complaint"), on_delete=models.PROTECT, related_name="declaration"
    )
    interface = models.ForeignKey(Interface, verbose_name=_("interface"), on_delete=models.PROTECT, related_name="+")
    state = FSMField(_("state"), default=D.DRAFT, choices=D.choices, protected=True)
    declarer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("declarer"), on_delete=models.PROTECT, related_name="+"
    )
    support_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("support department asked"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    problem = models.TextField(_("the problem"), blank=True)
    cause_trace = models.TextField(_("trace of the cause (溯源结果)"), blank=True)
    resources_used = models.TextField(_("resources used"), blank=True)
    communication = models.TextField(_("communication so far"), blank=True)
    unresolved_reason = models.TextField(_("why the resources used did not solve it"), blank=True)
    criteria = models.ManyToManyField(Criterion, verbose_name=_("criteria met"), blank=True, related_name="+")
    content_version = models.PositiveIntegerField(_("content version"), default=1, editable=False)
    round_number = models.PositiveSmallIntegerField(_("round"), default=1, editable=False)
    returned_from = models.CharField(_("returned from"), max_length=20, choices=Step.choices, blank=True)
    # Fixed when their step starts (issue 9: a later edit of the interface does not move an in-flight step).
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    interface_admin = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("interface administrator"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    chief = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("branch chief"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("resolved by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    resolved_step = models.CharField(_("resolved at"), max_length=20, choices=Step.choices, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    step_started_at = models.DateTimeField(_("waiting since"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The ladder's state, swept like a clock (STYLE.md "Escalation ladders"): reset at every step start.
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent at this step"), default=0, editable=False)
    next_reminder_at = models.DateTimeField(_("next reminder"), null=True, blank=True, editable=False)
    escalated_at = models.DateTimeField(_("escalated a level at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("declaration (申告表)")
        verbose_name_plural = _("declarations (申告表)")
        ordering = ["step_started_at", "id"]
        indexes = [
            models.Index(fields=["state", "reviewer"], name="declaration_review_idx"),
            models.Index(fields=["state", "interface_admin"], name="declaration_interface_idx"),
            models.Index(fields=["state", "chief"], name="declaration_chief_idx"),
            models.Index(
                fields=["next_reminder_at"],
                name="declaration_reminder_idx",
                condition=models.Q(next_reminder_at__isnull=False),
            ),  # fmt: skip
        ]

    def __str__(self) -> str:
        return f"{self.major.order} · {self.get_state_display()}"

    @property
    def step(self) -> str:
        return STEP_OF_STATE.get(self.state, "")

    # --- life cycle (R-MAJ-2 … R-MAJ-4) ------------------------------------------------------------------
    @transition(
        field=state, source=[D.DRAFT, D.RETURNED], target=GET_STATE(_resubmit_target), permission=perms.is_declarer
    )
    def submit(self) -> None:
        """A first submission goes to review; a resubmission goes back to the step that returned it."""

    @transition(field=state, source=D.SUBMITTED, target=D.APPROVED, permission=perms.is_reviewer)
    def approve(self) -> None:
        pass

    @transition(
        field=state, source=[D.SUBMITTED, D.APPROVED, D.ACCEPTED, D.REFERRED], target=D.RETURNED,
        permission=perms.holds_current_step,
    )  # fmt: skip
    def return_to_declarer(self) -> None:
        self.returned_from = self.step

    @transition(field=state, source=D.APPROVED, target=D.ACCEPTED, permission=perms.is_interface_admin)
    def accept(self) -> None:
        pass

    @transition(field=state, source=D.ACCEPTED, target=D.REFERRED, permission=perms.is_interface_admin)
    def refer(self) -> None:
        pass

    @transition(field=state, source=[D.ACCEPTED, D.REFERRED], target=D.RESOLVED, permission=perms.holds_current_step)
    def resolve(self) -> None:
        self.resolved_step = self.step

    @transition(field=state, source=D.RESOLVED, target=D.CLOSED, permission=perms.is_resolver)
    def close(self) -> None:
        pass


class DeclarationRound(models.Model):
    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("round"))
    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("returned by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    returned_from = models.CharField(_("returned from"), max_length=20, choices=Step.choices, blank=True)
    return_reason = models.TextField(_("reason for the return"), blank=True)

    class Meta:
        verbose_name = _("declaration round")
        verbose_name_plural = _("declaration rounds")
        ordering = ["declaration", "number"]
        constraints = [models.UniqueConstraint(fields=["declaration", "number"], name="declaration_round_unique")]

    def __str__(self) -> str:
        return f"{self.declaration_id} #{self.number}"


class ImmutableRow(models.Model):
    """Opinions and decisions are records (R-AUD-1): created once by a service, never changed."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError(f"{type(self).__name__} rows are never changed.")
        super().save(*args, **kwargs)


class WithAttachment:
    """An opinion's or a decision's file (R-FL-8 limits, checked by the services): downloaded only through the
    declaration's visibility rule (escalation.views.declaration_file_download, the API's `files/…` path)."""

    @property
    def attachment_name(self) -> str:
        return PurePosixPath(self.attachment.name).name if self.attachment else ""


class OpinionKind(models.TextChoices):
    SUPPORT = "support", _("Support department's professional opinion")
    LEGAL = "legal", _("Legal office's opinion")


OPINION_PERMISSION = {
    OpinionKind.SUPPORT: "escalation.give_support_opinion",
    OpinionKind.LEGAL: "escalation.give_legal_opinion",
}


class DeclarationOpinion(WithAttachment, ImmutableRow):
    """R-MAJ-3: an opinion of one round. It counts for a submission while the declaration's content is the
    version it was given on (`content_version`)."""

    round = models.ForeignKey(DeclarationRound, on_delete=models.PROTECT, related_name="opinions")
    declaration = models.ForeignKey(Declaration, on_delete=models.PROTECT, related_name="opinions")
    kind = models.CharField(_("kind"), max_length=20, choices=OpinionKind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT)
    text = models.TextField(_("opinion"))
    content_version = models.PositiveIntegerField(_("on content version"))
    attachment = models.FileField(_("attachment"), upload_to="escalation/%Y/%m/", blank=True)
    given_at = models.DateTimeField(_("given at"))

    class Meta:
        verbose_name = _("declaration opinion")
        verbose_name_plural = _("declaration opinions")
        ordering = ["given_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.author}"


class Decision(models.TextChoices):
    SUBMIT = "submit", _("Submitted")
    APPROVE = "approve", _("Approved")
    RETURN = "return", _("Returned")
    ACCEPT = "accept", _("Accepted")
    REFER = "refer", _("Referred to the branch chief")
    RESOLVE = "resolve", _("Resolved")
    CLOSE = "close", _("Closed")


class DeclarationDecision(WithAttachment, ImmutableRow):
    round = models.ForeignKey(DeclarationRound, on_delete=models.PROTECT, related_name="decisions")
    declaration = models.ForeignKey(Declaration, on_delete=models.PROTECT, related_name="decisions")
    step = models.CharField(_("step"), max_length=20, choices=Step.choices, blank=True)
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT)
    text = models.TextField(_("text"), blank=True)
    # Evidence of the decision, under the orders' attachment limits (R-FL-8), like an opinion's: it stays with
    # its round (issue 9 "rows (author, decision, text, attachments, time) that stay with their round").
    attachment = models.FileField(_("attachment"), upload_to="escalation/%Y/%m/", blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("declaration decision")
        verbose_name_plural = _("declaration decisions")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} · {self.author}"


# --- escalated complaints (R-SP-3, R-SP-4) and media (R-SP-6) ---------------------------------------------
class EscalationRules(models.Model):
    """One row of tunable data for escalated and media complaints (R-SP-6: the media liaison is a unit)."""

    media_liaison_unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("media liaison (综合部)"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("Its members and supervisor are told at once of every complaint with media."),
    )  # fmt: skip

    class Meta:
        verbose_name = _("escalated and media complaint rules")
        verbose_name_plural = _("escalated and media complaint rules")

    def __str__(self) -> str:
        return str(_("escalated and media complaint rules"))


class EscalatedCase(models.Model):
    """R-SP-3: an escalated complaint's dedicated tracker (a named person) and the handling deadline the
    dispatcher set for it."""

    order = models.OneToOneField(
        "tickets.WorkOrder", verbose_name=_("order"), on_delete=models.PROTECT, related_name="escalated_case"
    )
    tracker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dedicated tracker"), on_delete=models.PROTECT, related_name="+"
    )
    due_at = models.DateTimeField(_("handling deadline"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField(_("set at"))

    class Meta:
        verbose_name = _("escalated complaint")
        verbose_name_plural = _("escalated complaints")

    def __str__(self) -> str:
        return f"{self.order_id} · {self.tracker}"


ESCALATED_REPLY_REQUIRED = (
    "result", "handling_summary", "first_complaint_at", "first_findings", "first_acceptance",
    "external_findings", "external_final_opinion", "external_acceptance",
)  # fmt: skip
ESCALATED_REPLY_IF_LIABLE = ("cause", "responsible_department", "related_issues")


class EscalatedReply(ImmutableRow):
    """用户申诉处理反馈单 (R-SP-4), in the order of the form. A new version is a new row; the latest counts."""

    order = models.ForeignKey(
        "tickets.WorkOrder", verbose_name=_("order"), on_delete=models.PROTECT, related_name="escalated_replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("written at"))
    result = models.TextField(_("result"))
    liable = models.BooleanField(_("the company is liable"))
    cause = models.TextField(_("cause"), blank=True)
    responsible_department = models.CharField(_("responsible department"), max_length=100, blank=True)
    related_issues = models.TextField(_("each related issue"), blank=True)
    handling_summary = models.TextField(_("handling in brief"))
    complained_to_body_before = models.BooleanField(
        _("complained to a government body or the consumer association before")
    )
    earlier_complaint_proof = models.TextField(_("proof of the earlier complaint"), blank=True)
    first_complaint_at = models.DateTimeField(_("first complaint at"))
    first_findings = models.TextField(_("first complaint: findings"))
    first_acceptance = models.TextField(_("first complaint: the customer's acceptance"))
    external_findings = models.TextField(_("after the external transfer: findings"))
    external_final_opinion = models.TextField(_("after the external transfer: final opinion"))
    external_acceptance = models.TextField(_("after the external transfer: acceptance"))

    class Meta:
        verbose_name = _("escalated-reply form (用户申诉处理反馈单)")
        verbose_name_plural = _("escalated-reply forms (用户申诉处理反馈单)")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.order_id} · {self.created_at:%Y-%m-%d %H:%M}"
