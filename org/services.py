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
    return created


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
