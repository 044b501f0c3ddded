from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .models import OrgUnit
from .roles import ROLES


@transaction.atomic
def org_units_seed(*, units: list[dict]) -> int:
    """Create missing units from reference data (parents first). Existing units are left as edited."""
    created = 0
    by_code = {u.code: u for u in OrgUnit.objects.all()}
    for row in units:
        if row["code"] in by_code:
            continue
        if row.get("parent") and row["parent"] not in by_code:
            raise ValueError(f"Unit {row['code']}: parent {row['parent']} is unknown or listed after it.")
        parent = by_code.get(row["parent"]) if row.get("parent") else None
        by_code[row["code"]] = OrgUnit.objects.create(
            code=row["code"], name=row["name"], kind=row["kind"], parent=parent, city=row.get("city", "")
        )
        created += 1
    unit_supervisors_assign(units=units)
    return created


@transaction.atomic
def unit_supervisors_assign(*, units: list[dict]) -> list[OrgUnit]:
    """逐级上报 needs a supervisor per unit (R-CLK-BREACH). Reference data holds no people, only each unit's
    `supervisor_role`; a unit without a supervisor gets the one active member of that role at the unit, else at
    the nearest unit above it that has any. Two or more candidates at that level: left for an administrator to
    choose (the admin flags the unit). An administrator's choice is never replaced. Returns the units assigned."""
    role_of = {row["code"]: row["supervisor_role"] for row in units if row.get("supervisor_role")}
    tree = {u.id: u for u in OrgUnit.objects.all()}
    members: dict[tuple[int, str], set[int]] = {}
    memberships = OrgUnit.members.through.objects.filter(
        user__is_active=True, user__groups__name__in=set(role_of.values())
    )
    for unit_id, user_id, role in memberships.values_list("orgunit_id", "user_id", "user__groups__name"):
        members.setdefault((unit_id, role), set()).add(user_id)
    assigned = []
    for unit in tree.values():
        role = role_of.get(unit.code)
        if unit.supervisor_id or role is None:
            continue
        node, depth = unit, 0
        while node is not None and depth < 50:
            candidates = members.get((node.id, role), set())
            if candidates:
                if len(candidates) == 1:
                    unit.supervisor_id = next(iter(candidates))
                    unit.save(update_fields=["supervisor"])
                    assigned.append(unit)
                break
            node, depth = tree.get(node.parent_id), depth + 1
    return assigned


@transaction.atomic
def roles_seed() -> int:
    """One group per SPEC §1 role with its permissions. Permissions are added, never removed, so an
    administrator's additions survive a re-run."""
    for name, role in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for dotted in role["perms"]:
            app_label, codename = dotted.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return len(ROLES)
