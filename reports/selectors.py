"""Reads of the reports app: which units a user may report on, and a whole report for a period and scope."""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from org.models import OrgUnit
from org.selectors import unit_subtree_ids, user_is_branch_level, user_scope_unit_ids

from . import domains, figures
from .models import ReportExport
from .periods import Period
from .services import daily_tallies_ensure
from .sources import Scope
from .tables import Section

# Who reads which sections (R-RP-1: the shift leader's, the branch's and the QA inspector's report).
AUDIENCES = {
    "shift": (gettext_lazy("Shift leader"), ("volumes", "timeliness", "first_contact", "repeats", "holiday")),
    "branch": (
        gettext_lazy("Branch"),
        ("volumes", "timeliness", "satisfaction", "first_contact", "repeats", "tariff", "major", "holiday"),
    ),
    "qa": (gettext_lazy("QA inspector"), ("timeliness", "satisfaction", "first_contact", "repeats")),
}


# A report counts at most this many uncounted days into tallies itself; the rest it reads raw (still exact).
ENSURE_LIMIT = 62


def audience_for_user(*, user) -> str:
    """The report a reader gets unless they choose: the shift leader's or QA inspector's by role, else the branch's."""
    groups = set(user.groups.values_list("name", flat=True))
    return "shift" if "shift_leader" in groups else "qa" if "qa_inspector" in groups else "branch"


class UnitNotVisible(Exception):
    """A unit the user may not report on: answered like a unit that does not exist (404 / field error)."""


def report_unit_choices(*, user) -> list[OrgUnit]:
    """The units a user may choose: every active unit at branch level, else the user's own subtree."""
    units = OrgUnit.objects.filter(is_active=True).order_by("code")
    if user_is_branch_level(user=user):
        return list(units)
    return list(units.filter(pk__in=user_scope_unit_ids(user=user)))


def report_scope(*, user, unit_id: int | None) -> Scope:
    """The orders a report counts (SPEC §1). No unit: everything the user sees (at branch level all orders; else
    their units' subtree and the orders they accepted or handle). A unit: its subtree, which must be inside
    what the user sees — else UnitNotVisible."""
    branch = user_is_branch_level(user=user)
    if unit_id is None:
        if branch:
            return Scope(None, label=_("Whole branch"))
        return Scope(frozenset(user_scope_unit_ids(user=user)), person_id=user.pk, label=_("Everything I see"))
    unit = OrgUnit.objects.filter(pk=unit_id).first()
    if unit is None or not (branch or unit.pk in user_scope_unit_ids(user=user)):
        raise UnitNotVisible(unit_id)
    return Scope(frozenset(unit_subtree_ids(root_ids=[unit.pk])), label=unit.name, extra={"unit_id": unit.pk})


@dataclass
class Report:
    period: Period
    previous: Period
    scope: Scope
    audience: str
    as_of: datetime
    sections: list[Section] = field(default_factory=list)

    @property
    def audience_label(self) -> str:
        return str(AUDIENCES[self.audience][0])

    def as_dict(self) -> dict:
        return {
            "audience": self.audience,
            "period": {"kind": self.period.kind, "first": self.period.first, "last": self.period.last},
            "previous": {"first": self.previous.first, "last": self.previous.last},
            "unit": self.scope.extra.get("unit_id"),
            "scope": self.scope.label,
            "as_of": self.as_of,
            "sections": [s.as_dict() for s in self.sections],
        }


def report_build(*, user, period: Period, scope: Scope, audience: str = "branch", live_only: bool = False) -> Report:
    """Every figure of the audience's sections. Days in the period that are finished but not counted yet are
    counted first (a new install, a beat that was down), so the report reads tallies for them. `live_only`:
    count everything from the raw rows, no tallies (the tests' reference)."""
    wanted = AUDIENCES[audience][1]
    if not live_only:
        daily_tallies_ensure(first=period.previous().first, last=period.last, limit=ENSURE_LIMIT)
    sections = figures.order_sections(period=period, scope=scope, wanted=wanted, live_only=live_only)
    if "tariff" in wanted:
        sections.append(domains.tariff_disputes(user=user, period=period, scope=scope))
    if "major" in wanted:
        sections.append(domains.major_complaints(user=user, period=period, scope=scope))
    if "holiday" in wanted:
        sections.append(domains.holiday_duty(user=user, period=period, scope=scope))
    return Report(period, period.previous(), scope, audience, timezone.now(), sections)


def report_export_list(*, user):
    """The export audit rows a user may read: their own; all of them for whoever may view the audit."""
    rows = ReportExport.objects.select_related("user")
    return rows if user.has_perm("reports.view_reportexport") else rows.filter(user=user)
