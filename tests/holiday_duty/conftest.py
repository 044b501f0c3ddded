"""Fixtures of the holiday-duty tests: the shared small branch (`world`) plus the covered groups of seed 000, the
duty hall 竹子林服营厅 seeded from fixtures/holiday_duty.json, its duty staff and shift leader, a south account
manager with a duty phone and the supervisors above (the escalation ladder, R-HD-4), 综合管理部, the
calendars with the 2026 holiday table, and the clock policies (R-CLK-HOLIDAY included).

    分公司 branch (chief) ─┬─ 南区 south (region_head) ── 南区客户经理组 am-south (am_supervisor) ... account_manager
                           ├─ 北区 north ── 竹子林服营厅 hall-zhuzilin ... duty, duty_peer, leader
                           ├─ 集团业务支撑组 group-support (distributor contact 集团分销商)
                           └─ 综合管理部 dept-general ... general_staff
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from deadlines.policies import clock_policies_seed
from deadlines.selectors import calendar_cache_clear
from deadlines.services import calendar_seed_defaults, holiday_seed_from_chinese_calendar
from holiday_duty.models import DistributorContact, DutyHall, DutyOrder, DutyPhone
from holiday_duty.services import duty_reference_seed
from org.models import OrgUnit
from tests.factories import OrgUnitFactory, UserFactory, another_number, work_order_make
from tickets import services as order_services

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


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


@dataclass
class Duty:
    hall: DutyHall
    am_south: OrgUnit
    group_support: OrgUnit
    general: OrgUnit
    duty: object
    duty_peer: object
    leader: object
    account_manager: object
    am_supervisor: object
    region_head: object
    chief: object
    general_staff: object
    contact: DistributorContact


@pytest.fixture
def duty(world) -> Duty:
    yield duty_build(world)
    calendar_cache_clear()


def duty_build(world) -> Duty:
    calendar_cache_clear()
    calendar_seed_defaults()
    holiday_seed_from_chinese_calendar()
    clock_policies_seed()
    unit = OrgUnitFactory
    chief = UserFactory(username="chief", first_name="总管", roles=["branch_major_chief"], units=[world.branch])
    region_head = UserFactory(username="region_head", first_name="南区主任", units=[world.south])
    am_supervisor = UserFactory(username="am_sup", first_name="客户经理主管", roles=["account_manager_supervisor"])
    am_south = unit(code="am-south", name="南区客户经理组", kind=OrgUnit.Kind.GROUP, parent=world.south,
                    supervisor=am_supervisor)  # fmt: skip
    am_supervisor.org_units.add(am_south)
    world.south.supervisor = region_head
    world.south.save(update_fields=["supervisor"])
    world.branch.supervisor = chief
    world.branch.save(update_fields=["supervisor"])
    group_support = unit(code="group-support", name="集团业务支撑组", kind=OrgUnit.Kind.GROUP, parent=world.branch)
    general = unit(code="dept-general", name="综合管理部", parent=world.branch)
    for code in ("am-north", "cm-south", "cm-north", "cross-region", "back-office"):
        unit(code=code, name=code, kind=OrgUnit.Kind.GROUP, parent=world.branch)
    duty_reference_seed()  # the real fixture: fixtures/holiday_duty.json
    hall = DutyHall.objects.get(unit=world.hall_north)
    duty_staff = UserFactory(username="duty", first_name="值班员", roles=["duty_staff"], units=[world.hall_north])
    peer = UserFactory(username="duty_peer", first_name="接班员", roles=["duty_staff"], units=[world.hall_north])
    leader = UserFactory(username="leader", first_name="值班长", roles=["shift_leader"], units=[world.hall_north])
    hall.shift_leader = hall.fallback_person = leader
    hall.save(update_fields=["shift_leader", "fallback_person"])
    manager = UserFactory(username="am", first_name="客户经理", roles=["account_manager"], units=[am_south])
    DutyPhone.objects.create(user=manager, phone="13900000001")
    DutyPhone.objects.create(user=am_supervisor, phone="13900000002")
    general_staff = UserFactory(username="general", first_name="服务组", units=[general])
    contact = DistributorContact.objects.create(
        group=hall.groups.get(unit=group_support), distributor="集团分销商", name="刘经理", phone="13900000009",
        email="liu@distributor.example",
    )  # fmt: skip
    return Duty(hall=hall, am_south=am_south, group_support=group_support, general=general, duty=duty_staff,
               duty_peer=peer, leader=leader, account_manager=manager, am_supervisor=am_supervisor,
               region_head=region_head, chief=chief, general_staff=general_staff, contact=contact)  # fmt: skip


def dispatched(world, unit, when: datetime):
    """An order created and dispatched to `unit` at `when` (time frozen there)."""
    with time_machine.travel(when, tick=False):
        order = work_order_make(actor=world.clerk, accepted_number=another_number())
        order_services.work_order_dispatch(order_id=order.id, actor=world.dispatcher, unit_id=unit.id)
    return order


def duty_order_of(order) -> DutyOrder | None:
    return DutyOrder.objects.filter(order=order).first()


def reread(duty_order: DutyOrder) -> DutyOrder:
    """The FSM state is protected: read the row again instead of refresh_from_db."""
    return DutyOrder.objects.get(pk=duty_order.pk)
