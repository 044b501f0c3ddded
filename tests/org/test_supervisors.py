"""Issue 8 §7: 逐级上报 (R-CLK-BREACH) needs a supervisor per unit. Reference data marks each unit's supervisor
role (it holds no people); the seed names the one member of that role; the demo data gives every unit one;
a unit without one is flagged in the admin."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from deadlines.notices import supervisor_above, supervisor_tree
from org.models import OrgUnit
from org.services import org_units_seed, unit_supervisors_assign
from tests.factories import UserFactory, roles_ensure

pytestmark = pytest.mark.django_db

UNITS = json.loads((Path(settings.BASE_DIR) / "fixtures" / "reference_data.json").read_text(encoding="utf-8"))["units"]


def test_every_unit_of_the_reference_data_names_its_supervisor_role():
    from org.roles import ROLES

    assert all(row.get("supervisor_role") in ROLES for row in UNITS)


def test_a_fresh_install_then_its_staff_gets_supervisors_when_the_reference_data_is_loaded_again():
    # given: the reference data on an empty database: units, nobody to name
    roles_ensure()
    org_units_seed(units=UNITS)
    assert not OrgUnit.objects.filter(supervisor__isnull=False).exists()
    hall = OrgUnit.objects.get(code="hall-huaqiang")
    manager = UserFactory(username="wang.min", roles=["store_manager"], units=[hall])
    UserFactory(username="clerk", roles=["front_line"], units=[hall])
    chief = UserFactory(username="zheng.hua", roles=["branch_major_chief"], units=[OrgUnit.objects.get(code="branch")])
    billing = OrgUnit.objects.get(code="dept-billing")
    UserFactory(username="ma.jun", roles=["handler"], units=[billing])
    UserFactory(username="liu.yang", roles=["handler"], units=[billing])  # two: an administrator must choose

    # when: the administrator adds the staff and loads the reference data again
    org_units_seed(units=UNITS)

    # then: the one member of the role, at the unit or the nearest unit above it
    supervisor = dict(OrgUnit.objects.values_list("code", "supervisor__username"))
    assert supervisor["hall-huaqiang"] == manager.username
    assert supervisor["branch"] == supervisor["south"] == supervisor["north"] == chief.username
    assert supervisor["dept-billing"] is None  # ambiguous: left for the administrator
    assert supervisor["hall-zhuzilin"] is None  # nobody of the role there or above


def test_an_administrators_choice_is_never_replaced():
    roles_ensure()
    org_units_seed(units=UNITS)
    hall = OrgUnit.objects.get(code="hall-huaqiang")
    UserFactory(username="wang.min", roles=["store_manager"], units=[hall])
    chosen = UserFactory(username="deputy", roles=["front_line"], units=[hall])
    hall.supervisor = chosen
    hall.save(update_fields=["supervisor"])

    assigned = unit_supervisors_assign(units=UNITS)

    assert "hall-huaqiang" not in {unit.code for unit in assigned}
    hall.refresh_from_db()
    assert hall.supervisor == chosen


def test_the_demo_data_gives_every_unit_a_supervisor_and_breaches_a_way_up():
    # when
    call_command("load_reference_data", stdout=StringIO())
    call_command("load_demo_data", stdout=StringIO())
    call_command("load_demo_data", stdout=StringIO())  # idempotent

    # then: every unit has its own supervisor
    assert not OrgUnit.objects.filter(supervisor__isnull=True).exists()
    users = get_user_model().objects
    supervisor = dict(OrgUnit.objects.values_list("code", "supervisor__username"))
    assert supervisor["hall-huaqiang"] == "store_manager"
    assert supervisor["am-south"] == "account_manager_supervisor"
    assert supervisor["partner-futian"] == supervisor["cm-south"] == "channel_supervisor"
    assert supervisor["branch"] == supervisor["north"] == "branch_major_chief"
    assert supervisor["hall-zhuzilin"] == "lead-hall-zhuzilin"
    lead = users.get(username="lead-hall-zhuzilin")
    assert lead.groups.filter(name="store_manager").exists() and lead.org_units.filter(code="hall-zhuzilin").exists()
    assert users.filter(username__startswith="lead-").count() == len(
        [code for code, name in supervisor.items() if name.startswith("lead-")]
    )
    # and a breach of the billing handler's (who heads his department) goes one level up, to the branch chief
    tree = supervisor_tree()
    billing = OrgUnit.objects.get(code="dept-billing")
    handler = users.get(username="handler")
    assert billing.supervisor == handler
    assert (
        supervisor_above(unit_id=billing.id, person=handler.id, tree=tree)
        == users.get(username="branch_major_chief").id
    )


@pytest.fixture
def admin_client_en():
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    return client


def test_the_admin_flags_units_without_a_supervisor(admin_client_en):
    roles_ensure()
    org_units_seed(units=UNITS[:4])  # branch, cs-centre, south, north
    south = OrgUnit.objects.get(code="south")
    south.supervisor = UserFactory(username="sup", roles=["branch_major_chief"], units=[south])
    south.save(update_fields=["supervisor"])

    # when
    page = admin_client_en.get("/admin/org/orgunit/")

    # then: an error for units whose breaches reach nobody, a warning for those that report upwards
    assert page.status_code == 200
    texts = [str(m) for m in page.context["messages"]]
    assert any("3 units have no supervisor at or above them" in t and "分公司客服中心" in t for t in texts), texts
    html = page.content.decode()
    assert "⚠" in html
    nobody = admin_client_en.get("/admin/org/orgunit/?supervisor=none").context["cl"].result_list
    assert {u.code for u in nobody} == {"branch", "cs-centre", "north"}
    own = admin_client_en.get("/admin/org/orgunit/?supervisor=own").context["cl"].result_list
    assert [u.code for u in own] == ["south"]


def test_the_admin_warns_of_units_that_report_upwards(admin_client_en):
    roles_ensure()
    org_units_seed(units=UNITS[:4])
    branch = OrgUnit.objects.get(code="branch")
    branch.supervisor = UserFactory(username="chief", roles=["branch_major_chief"], units=[branch])
    branch.save(update_fields=["supervisor"])

    page = admin_client_en.get("/admin/org/orgunit/")

    texts = [str(m) for m in page.context["messages"]]
    assert any("3 units have no supervisor of their own" in t for t in texts), texts
    assert not any("at or above" in t for t in texts)
    inherited = admin_client_en.get("/admin/org/orgunit/?supervisor=inherited").context["cl"].result_list
    assert {u.code for u in inherited} == {"cs-centre", "south", "north"}
