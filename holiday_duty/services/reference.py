"""Holiday-duty reference data (fixtures/holiday_duty.json): the duty hall, the covered groups and their kinds,
the ladder's waits, the roles' permissions and the R-CLK-HOLIDAY clock policy. Run by `load_reference_data`
through `load_holiday_duty_reference`. Idempotent: created when missing, an administrator's edit is kept."""

import json
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from deadlines.clock_models import ClockKind, ClockPolicy
from deadlines.models import BusinessCalendar
from org.models import OrgUnit

from ..models import CoveredGroup, DutyHall, EscalationWait

# R-CLK-HOLIDAY: from the duty staff's notification to the handler's feedback, 4 h, 24×7 (SPEC §3.2).
HOLIDAY_POLICY = dict(
    kind=ClockKind.HOLIDAY, name="节假日反馈 4 小时", rule="R-CLK-HOLIDAY", limit=timedelta(hours=4),
    start_events=["hd_notified"], stop_events=["hd_feedback"], cancel_events=["closed"],
)  # fmt: skip
ROLE_PERMISSIONS = {"duty_staff": ["work_duty"], "shift_leader": ["work_duty", "lead_shift"]}


def holiday_policy_ensure() -> bool:
    """The `holiday-feedback` policy on the 24×7 calendar, when that calendar exists. Returns whether created."""
    calendar = BusinessCalendar.objects.filter(code="CAL-24x7").first()
    if calendar is None:
        return False
    _policy, created = ClockPolicy.objects.get_or_create(
        code="holiday-feedback", defaults={**HOLIDAY_POLICY, "calendar": calendar}
    )
    return created


def duty_roles_grant() -> None:
    """duty_staff works duty; shift_leader works and leads it (permissions added, never removed)."""
    for role, codenames in ROLE_PERMISSIONS.items():
        group = Group.objects.filter(name=role).first()
        if group is None:
            continue
        for codename in codenames:
            group.permissions.add(Permission.objects.get(content_type__app_label="holiday_duty", codename=codename))


@transaction.atomic
def duty_reference_seed(*, data: dict | None = None) -> int:
    """Halls, covered groups and waits from the fixture; units missing from the org tree are skipped."""
    if data is None:
        path = settings.BASE_DIR / "fixtures" / "holiday_duty.json"
        data = json.loads(path.read_text(encoding="utf-8"))
    units = {u.code: u for u in OrgUnit.objects.all()}
    created = 0
    for row in data["halls"]:
        unit = units.get(row["unit"])
        if unit is None:
            continue
        hall, was_created = DutyHall.objects.get_or_create(
            unit=unit,
            defaults=dict(summary_unit=units.get(row.get("summary_unit", "")),
                          weekends_are_duty_days=row.get("weekends_are_duty_days", True),
                          roster_warning_days=row.get("roster_warning_days", 14)),
        )  # fmt: skip
        created += was_created
        for level, minutes in enumerate(row.get("waits_minutes", []), start=1):
            EscalationWait.objects.get_or_create(hall=hall, level=level, defaults={"wait": timedelta(minutes=minutes)})
        for group in row.get("groups", []):
            group_unit = units.get(group["unit"])
            if group_unit is not None:
                _g, was_created = CoveredGroup.objects.get_or_create(
                    unit=group_unit, defaults={"hall": hall, "kind": group["kind"]}
                )
                created += was_created
    holiday_policy_ensure()
    duty_roles_grant()
    return created
