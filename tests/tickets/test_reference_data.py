"""`manage.py load_reference_data` with the shipped fixtures/reference_data.json: what a fresh installation
has, that running it again changes nothing, and that a complaint runs through its life cycle on it."""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.management import call_command

from complaints.models import BusinessItem, CallReason, ComplaintCategory, SkillGroup
from complaints.selectors import category_leaf_list
from org.models import OrgUnit
from org.roles import ROLES
from tests.factories import DEPT_REPLY, FINAL_REPLY, UserFactory, fresh, work_order_make
from tickets import services
from tickets.models import OrderState

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TOP_LEVEL = ["基础通信", "信息安全", "业务支撑", "通信费用", "梦网业务", "自有业务", "市场营销", "服务质量", "集团业务",
             "12580服务", "奥运服务"]  # fmt: skip


@pytest.fixture
def reference(db):
    call_command("load_reference_data", stdout=StringIO())


def counts() -> tuple:
    return tuple(
        model.objects.count() for model in (Group, OrgUnit, ComplaintCategory, CallReason, BusinessItem, SkillGroup)
    )


def test_seed_has_the_roles_tree_and_categories_of_the_spec(reference):
    assert set(Group.objects.values_list("name", flat=True)) == set(ROLES)
    assert list(ComplaintCategory.objects.filter(parent=None).values_list("name", flat=True)) == TOP_LEVEL
    leaf = ComplaintCategory.objects.get(name="分销商充值卡/储值卡被盗用/遗失")
    assert leaf.parent.name == "信息安全"
    assert leaf in category_leaf_list()
    duty_hall = OrgUnit.objects.get(code="hall-zhuzilin")
    assert (duty_hall.name, duty_hall.kind, duty_hall.parent.code, duty_hall.parent.parent.code) == (
        "北区服务营销中心竹子林服营厅", "hall", "north", "branch",
    )  # fmt: skip
    assert SkillGroup.objects.filter(city="深圳").exists()


def test_running_it_again_changes_nothing_and_keeps_admin_edits(reference):
    # given: an administrator retired a category and renamed a skill group
    ComplaintCategory.objects.filter(name="奥运服务").update(is_active=False)
    SkillGroup.objects.filter(city="深圳").update(name="深圳一组")
    before = counts()

    # when
    call_command("load_reference_data", stdout=StringIO())

    # then
    assert counts() == before
    assert not ComplaintCategory.objects.get(name="奥运服务").is_active
    assert SkillGroup.objects.get(city="深圳").name == "深圳一组"


def test_a_complaint_runs_its_life_cycle_on_the_shipped_data(reference):
    units = {u.code: u for u in OrgUnit.objects.all()}
    clerk = UserFactory(roles=["front_line"], units=[units["hall-huaqiang"]])
    dispatcher = UserFactory(roles=["dispatcher"], units=[units["cs-centre"]])
    handler = UserFactory(roles=["handler"], units=[units["dept-billing"]])
    leaf = ComplaintCategory.objects.get(name="计费差错")
    t0 = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)

    with time_machine.travel(t0, tick=False) as clock:
        order = work_order_make(actor=clerk, category_id=leaf.id)
        services.work_order_dispatch(order_id=order.id, actor=dispatcher, unit_id=units["dept-billing"].id)
        services.work_order_claim(order_id=order.id, actor=handler)
        services.work_order_dept_reply(order_id=order.id, actor=handler, **DEPT_REPLY)
        clock.shift(timedelta(hours=5))
        services.work_order_return_reply(order_id=order.id, actor=dispatcher, reason="补充退费金额")

        # R-FL-3: neither the order's deadline nor its running handling clock was reset by the return
        handle = fresh(order).clocks.get(kind="handle")
        assert fresh(order).handling_due_at == t0 + timedelta(hours=48)
        assert (handle.state, handle.due_at) == ("running", t0 + timedelta(hours=48))

        services.work_order_dept_reply(order_id=order.id, actor=handler, **DEPT_REPLY)
        services.work_order_approve_reply(order_id=order.id, actor=dispatcher)
        services.work_order_reply_customer(order_id=order.id, actor=clerk, **FINAL_REPLY)
        services.work_order_callback(order_id=order.id, actor=dispatcher, outcome="satisfied")
        services.work_order_close(order_id=order.id, actor=dispatcher)

    order = fresh(order)
    assert order.state == OrderState.CLOSED
    assert order.skill_group.city == "深圳"
    assert order.origin == "hall"
    assert not order.clocks.filter(state__in=["running", "overdue"]).exists()
    assert order.clocks.get(kind="handle").state == "met"
