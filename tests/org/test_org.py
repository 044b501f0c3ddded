"""SPEC §1: the org tree, users' scopes, branch level, and the roles as Django groups."""

import pytest
from django.contrib.auth.models import Group, Permission

from org.models import OrgUnit
from org.roles import ROLES
from org.selectors import unit_subtree_ids, user_is_branch_level, user_scope_unit_ids
from org.services import org_units_seed, roles_seed
from tests.factories import OrgUnitFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- tree and scope ---------------------------------------------------------------------------------------
def test_subtree_contains_the_unit_and_everything_below(world):
    team = OrgUnitFactory(code="team", parent=world.dept_billing, kind="group")
    assert unit_subtree_ids(root_ids=[world.south.id]) == {world.south.id, world.hall_south.id}
    assert unit_subtree_ids(root_ids=[world.dept_billing.id, world.north.id]) == {
        world.dept_billing.id, team.id, world.north.id, world.hall_north.id,
    }  # fmt: skip
    assert unit_subtree_ids(root_ids=[world.branch.id]) == set(OrgUnit.objects.values_list("id", flat=True))
    assert unit_subtree_ids(root_ids=[]) == set()


def test_user_scope_is_their_units_and_sub_units(world):
    regional = UserFactory(units=[world.south, world.dept_network])
    assert user_scope_unit_ids(user=regional) == {world.south.id, world.hall_south.id, world.dept_network.id}
    assert user_scope_unit_ids(user=UserFactory()) == set()


@pytest.mark.parametrize(
    ("who", "branch_level"),
    [("dispatcher", True), ("legal", True), ("clerk", False), ("handler", False), ("store_manager", False)],
)
def test_branch_level_by_permission(world, who, branch_level):
    assert user_is_branch_level(user=getattr(world, who)) is branch_level


def test_branch_level_by_membership_of_the_branch_unit(world):
    assert user_is_branch_level(user=UserFactory(units=[world.branch]))
    assert not user_is_branch_level(user=UserFactory(units=[world.south]))


# --- seeding units --------------------------------------------------------------------------------------------
def test_org_units_seed_builds_the_tree_and_keeps_edited_units():
    units = [
        {"code": "branch", "name": "分公司", "kind": "branch", "parent": None},
        {"code": "south", "name": "南区", "kind": "region", "parent": "branch"},
        {"code": "hall", "name": "华强北服营厅", "kind": "hall", "parent": "south", "city": "深圳"},
    ]
    assert org_units_seed(units=units) == 3
    OrgUnit.objects.filter(code="hall").update(name="华强北旗舰厅")

    assert org_units_seed(units=units) == 0

    hall = OrgUnit.objects.get(code="hall")
    assert (hall.name, hall.parent.code, hall.parent.parent.code, hall.city) == (
        "华强北旗舰厅",
        "south",
        "branch",
        "深圳",
    )


# --- roles ----------------------------------------------------------------------------------------------------
def test_roles_seed_creates_one_group_per_role_with_its_permissions(db):
    assert roles_seed() == len(ROLES)

    for name, role in ROLES.items():
        group = Group.objects.get(name=name)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert held == set(role["perms"]), name


def test_roles_seed_is_idempotent_and_keeps_an_administrators_additions(db):
    roles_seed()
    extra = Permission.objects.get(codename="unmask_number")
    Group.objects.get(name="front_line").permissions.add(extra)
    before = Group.objects.count()

    roles_seed()

    assert Group.objects.count() == before
    assert Group.objects.get(name="front_line").permissions.filter(pk=extra.pk).exists()


@pytest.mark.parametrize(
    ("role", "perm", "held"),
    [
        ("front_line", "tickets.add_workorder", True),
        ("front_line", "tickets.unmask_number", False),
        ("front_line", "tickets.dispatch_workorder", False),
        ("dispatcher", "tickets.unmask_number", True),
        ("dispatcher", "tickets.view_all_orders", True),
        ("handler", "tickets.claim_workorder", True),
        ("handler", "tickets.add_workorder", False),
        ("legal", "tickets.approve_reply_legal", True),
        ("qa_inspector", "tickets.log_contact", False),
    ],
)
def test_who_holds_what(db, role, perm, held):
    user = UserFactory(roles=[role])
    assert user.has_perm(perm) is held


def test_units_api_lists_active_units(api, world):
    world.dept_network.is_active = False
    world.dept_network.save()
    api.force_login(world.clerk)

    codes = [u["code"] for u in api.get("/api/v1/units/").data]

    assert "dept-network" not in codes
    assert {"branch", "hall-huaqiang", "dept-billing"} <= set(codes)
