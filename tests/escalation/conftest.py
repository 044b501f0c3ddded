"""Fixtures of the escalation tests: the shared small branch (`world`) plus the people of the three interfaces
(R-MAJ-2): interface administrators, the branch chief, account and channel managers and their supervisors."""

from dataclasses import dataclass

import pytest
from django.test import Client

from deadlines.policies import clock_policies_seed
from deadlines.selectors import calendar_cache_clear
from deadlines.services import calendar_seed_defaults
from escalation import services
from escalation.models import Criterion, Interface
from org.models import OrgUnit
from tests.factories import OrgUnitFactory, UserFactory, roles_ensure, work_order_make

CONTENT = {
    "problem": "客户充值卡密码被盗用，多次交涉未果。",
    "cause_trace": "分销商渠道卡密泄露。",
    "resources_used": "营业厅补偿方案、计费核查。",
    "communication": "已三次电话沟通，客户要求书面答复。",
    "unresolved_reason": "客户拒绝补偿方案，扬言向工信部申诉。",
}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        roles_ensure()


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def login():
    def make(user) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(user)
        return client

    return make


@pytest.fixture
def clocks(db):
    calendar_cache_clear()
    calendar_seed_defaults()
    clock_policies_seed()
    yield
    calendar_cache_clear()


@dataclass
class People:
    hall_admin: object
    channel_admin: object
    group_admin: object
    chief: object
    am_unit: OrgUnit
    account_manager: object
    am_supervisor: object
    cm_unit: OrgUnit
    channel_manager: object
    channel_supervisor: object


def interfaces_seeded() -> None:
    """The rows of migration 0002 (a transactional test's flush removes them)."""
    rows = [
        ("hall", "服营厅界面", "front_line", "store_manager", 1),
        ("channel", "合作渠道界面", "channel_manager", "channel_supervisor", 2),
        ("group", "集团界面", "account_manager", "account_manager_supervisor", 3),
    ]
    for code, name, declaring, reviewing, position in rows:
        Interface.objects.get_or_create(
            code=code, defaults={"name": name, "declaring_role": declaring, "reviewing_role": reviewing,
                                 "position": position},
        )  # fmt: skip
    for position, code in enumerate(["escalation_threat", "media", "legal_threat"], start=1):
        Criterion.objects.get_or_create(code=code, defaults={"name": code, "position": position})


@pytest.fixture
def people(world) -> People:
    interfaces_seeded()
    am_unit = OrgUnitFactory(code="am-south", name="南区客户经理组", kind=OrgUnit.Kind.GROUP, parent=world.south)
    cm_unit = OrgUnitFactory(code="cm-south", name="南区渠道经理组", kind=OrgUnit.Kind.GROUP, parent=world.south)
    result = People(
        hall_admin=UserFactory(username="hall_admin", roles=["interface_admin"], units=[world.cs_centre]),
        channel_admin=UserFactory(username="channel_admin", roles=["interface_admin"], units=[world.cs_centre]),
        group_admin=UserFactory(username="group_admin", roles=["interface_admin"], units=[world.cs_centre]),
        chief=UserFactory(username="chief", roles=["branch_major_chief"], units=[world.branch]),
        am_unit=am_unit,
        account_manager=UserFactory(username="am", roles=["account_manager"], units=[am_unit]),
        am_supervisor=UserFactory(username="am_sup", roles=["account_manager_supervisor"], units=[world.south]),
        cm_unit=cm_unit,
        channel_manager=UserFactory(username="cm", roles=["channel_manager"], units=[cm_unit]),
        channel_supervisor=UserFactory(username="cm_sup", roles=["channel_supervisor"], units=[world.south]),
    )
    Interface.objects.get(code="hall").admins.add(result.hall_admin)
    Interface.objects.get(code="channel").admins.add(result.channel_admin)
    Interface.objects.get(code="group").admins.add(result.group_admin)
    return result


def criteria_ids() -> list[int]:
    return list(Criterion.objects.order_by("id").values_list("id", flat=True)[:2])


def major_make(world, *, actor=None, **overrides):
    """An order flagged major at intake by the hall clerk: the receiver opens its record (hall interface)."""
    order = work_order_make(actor=actor or world.clerk, is_major=True, **overrides)
    return order.major_complaint


def declaration_make(world, *, major=None, actor=None, **content):
    major = major or major_make(world)
    return services.declaration_create(
        major_id=major.id, actor=actor or world.clerk, support_unit_id=world.dept_billing.id,
        criterion_ids=criteria_ids(), **{**CONTENT, **content},
    )  # fmt: skip


def opinions_give(world, declaration) -> None:
    services.declaration_opinion_give(
        declaration_id=declaration.id, actor=world.handler, kind="support", text="计费核查无误。"
    )
    services.declaration_opinion_give(
        declaration_id=declaration.id, actor=world.legal, kind="legal", text="补偿合法合规。"
    )
