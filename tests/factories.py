"""Factories for the work-order core: the org tree, people with roles, customers and reference data, and
work orders made the only way the product makes them, through `tickets.services` (STYLE.md).

`world_build()` sets up a small branch that most tests share (the `world` fixture in tests/conftest.py):

    分公司 branch ─┬─ 客服中心 cs_centre ............ dispatcher
                   ├─ 南区 south ── 华强北服营厅 hall_south ... clerk, store_manager
                   ├─ 北区 north ── 竹子林服营厅 hall_north ... clerk_north
                   ├─ 计费支撑部 dept_billing ........ handler, handler_peer
                   ├─ 网络部 dept_network ............ handler_network
                   └─ 法律室 dept_legal .............. legal
"""

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone
from factory.django import DjangoModelFactory

from complaints.models import BusinessItem, CallReason, ComplaintCategory, Customer, SkillGroup
from org.models import OrgUnit
from org.roles import ROLES
from org.services import roles_seed
from tickets import services
from tickets.models import OrderState, WorkOrder

STANDARD_NUMBER = "13812345678"
STANDARD_MASKED = "138****5678"
CITY = "深圳"


# --- org and people ---------------------------------------------------------------------------------
class OrgUnitFactory(DjangoModelFactory):
    class Meta:
        model = OrgUnit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"unit-{n}")
    name = factory.Sequence(lambda n: f"单位{n}")
    kind = OrgUnit.Kind.DEPARTMENT
    parent = None
    city = CITY


def roles_ensure() -> None:
    """The Django groups of every SPEC §1 role, seeded with `org.services.roles_seed` unless present."""
    if Group.objects.filter(name__in=ROLES).count() < len(ROLES):
        roles_seed()


def role_groups(names) -> list[Group]:
    roles_ensure()
    return list(Group.objects.filter(name__in=list(names)))


class UserFactory(DjangoModelFactory):
    """A staff user. `roles=[...]` adds role groups, `units=[...]` unit memberships. No usable password
    (hashing is slow); a test that logs in with a password sets one itself."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    first_name = factory.Sequence(lambda n: f"员工{n}")
    last_name = "李"
    password = factory.LazyFunction(lambda: make_password(None))

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*role_groups(extracted))

    @factory.post_generation
    def units(self, create, extracted, **kwargs):
        if create and extracted:
            self.org_units.add(*extracted)


# --- customers and reference data -------------------------------------------------------------------
class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = Customer
        django_get_or_create = ("number",)

    number = factory.Sequence(lambda n: f"139{n:08d}")
    name = "王女士"
    tier = Customer.Tier.ORDINARY
    home_city = CITY


class ComplaintCategoryFactory(DjangoModelFactory):
    class Meta:
        model = ComplaintCategory
        django_get_or_create = ("name", "parent")

    name = factory.Sequence(lambda n: f"类别{n}")
    parent = None
    is_active = True


class CallReasonFactory(DjangoModelFactory):
    class Meta:
        model = CallReason
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"来电原因{n}")


class BusinessItemFactory(DjangoModelFactory):
    class Meta:
        model = BusinessItem
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"业务{n}")


class SkillGroupFactory(DjangoModelFactory):
    class Meta:
        model = SkillGroup
        django_get_or_create = ("city",)

    city = CITY
    name = factory.LazyAttribute(lambda o: f"{o.city}投诉技能组")


def category_leaf(top: str = "信息安全", leaf: str = "分销商充值卡/储值卡被盗用/遗失") -> ComplaintCategory:
    """The seeded example leaf of R-WO-3 (get or create)."""
    return ComplaintCategoryFactory(name=leaf, parent=ComplaintCategoryFactory(name=top))


# --- the shared small branch -------------------------------------------------------------------------
@dataclass
class World:
    branch: OrgUnit
    cs_centre: OrgUnit
    south: OrgUnit
    north: OrgUnit
    hall_south: OrgUnit
    hall_north: OrgUnit
    dept_billing: OrgUnit
    dept_network: OrgUnit
    dept_legal: OrgUnit
    clerk: object  # front_line at hall_south
    clerk_north: object  # front_line at hall_north
    store_manager: object  # store_manager at hall_south
    dispatcher: object  # dispatcher at cs_centre (branch level through view_all_orders)
    handler: object  # handler at dept_billing
    handler_peer: object  # another handler at dept_billing
    handler_network: object  # handler at dept_network
    legal: object  # legal at dept_legal
    skill_group: SkillGroup
    category: ComplaintCategory  # an active leaf
    call_reason: CallReason
    business_item: BusinessItem


def world_build() -> World:
    roles_ensure()
    unit = OrgUnitFactory
    branch = unit(code="branch", name="分公司", kind=OrgUnit.Kind.BRANCH)
    south = unit(code="south", name="南区", kind=OrgUnit.Kind.REGION, parent=branch)
    north = unit(code="north", name="北区", kind=OrgUnit.Kind.REGION, parent=branch)
    units = {
        "branch": branch,
        "south": south,
        "north": north,
        "cs_centre": unit(code="cs-centre", name="分公司客服中心", kind=OrgUnit.Kind.SERVICE_CENTRE, parent=branch),
        "hall_south": unit(code="hall-huaqiang", name="南区华强北服营厅", kind=OrgUnit.Kind.HALL, parent=south),
        "hall_north": unit(code="hall-zhuzilin", name="竹子林服营厅", kind=OrgUnit.Kind.HALL, parent=north),
        "dept_billing": unit(code="dept-billing", name="计费支撑部", parent=branch),
        "dept_network": unit(code="dept-network", name="网络部", parent=branch),
        "dept_legal": unit(code="dept-legal", name="法律室", parent=branch),
    }
    people = {
        "clerk": UserFactory(username="clerk", roles=["front_line"], units=[units["hall_south"]]),
        "clerk_north": UserFactory(username="clerk_north", roles=["front_line"], units=[units["hall_north"]]),
        "store_manager": UserFactory(username="store_manager", roles=["store_manager"], units=[units["hall_south"]]),
        "dispatcher": UserFactory(username="dispatcher", roles=["dispatcher"], units=[units["cs_centre"]]),
        "handler": UserFactory(username="handler", roles=["handler"], units=[units["dept_billing"]]),
        "handler_peer": UserFactory(username="handler_peer", roles=["handler"], units=[units["dept_billing"]]),
        "handler_network": UserFactory(username="handler_network", roles=["handler"], units=[units["dept_network"]]),
        "legal": UserFactory(username="legal", roles=["legal"], units=[units["dept_legal"]]),
    }
    return World(
        **units,
        **people,
        skill_group=SkillGroupFactory(city=CITY),
        category=category_leaf(),
        call_reason=CallReasonFactory(name="资费套餐咨询"),
        business_item=BusinessItemFactory(name="过户"),
    )


# --- work orders, through the services ----------------------------------------------------------------
def order_intake(**overrides) -> services.OrderIntake:
    """A valid intake: a phone complaint transferred to a department (转派), about the seeded example leaf,
    from an ordinary 深圳 customer. Any field can be overridden."""
    values = {
        "order_type": "complaint",
        "channel": "phone",
        "handling_method": "transfer",
        "accepted_number": STANDARD_NUMBER,
        "content": "客户称充值卡密码被盗用，要求查明并补偿。",
        "received_at": timezone.now() - timedelta(minutes=10),
        "customer": {"name": "张先生", "home_city": CITY},
    }
    values.update(overrides)
    if values["order_type"] == "complaint" and "category_id" not in overrides:
        values["category_id"] = category_leaf().id
    SkillGroupFactory(city=CITY)
    return services.OrderIntake(**values)


_numbers = itertools.count(1)


def another_number() -> str:
    """A valid mobile number no other order in the tests uses: a second open complaint on one number and
    top-level category is an urge, not an order (R-SP-1), so tests that need several give each its own."""
    return f"1371{next(_numbers):07d}"


def work_order_make(*, actor, **overrides) -> WorkOrder:
    """Create an order through `work_order_create` (the rules of SPEC §2 apply)."""
    return services.work_order_create(actor=actor, intake=order_intake(**overrides))


def fresh(order: WorkOrder) -> WorkOrder:
    """Re-read an order (the FSM state field is protected, so refresh_from_db is not an option)."""
    return WorkOrder.objects.get(pk=order.pk)


DEPT_REPLY = {
    "cause": "分销商渠道充值卡密码泄露。",
    "process": "已冻结被盗用卡号并向分销商核实，处理完毕。",
    "result": "客户号码使用正常，余额已恢复。",
    "customer_attitude": "客户表示理解。",
    "service_restored": True,
}
FINAL_REPLY = {
    "method": "phone",
    "process": "核实充值记录并冻结被盗用卡号。",
    "content": "已为您补足被盗金额，请妥善保管卡密。",
    "satisfaction": "satisfied",
}

LIFE_CYCLE = (
    OrderState.ACCEPTED,
    OrderState.DISPATCHED,
    OrderState.PROCESSING,
    OrderState.DEPT_REPLIED,
    OrderState.REPLY_APPROVED,
    OrderState.CUSTOMER_REPLIED,
    OrderState.CALLBACK_DONE,
    OrderState.CLOSED,
)


def _step(order: WorkOrder, world: World, *, due_at: datetime | None = None, callback: str = "satisfied") -> None:
    pk, state = order.pk, order.state
    if state == OrderState.ACCEPTED:
        services.work_order_dispatch(order_id=pk, actor=world.dispatcher, unit_id=world.dept_billing.id, due_at=due_at)
    elif state == OrderState.DISPATCHED:
        services.work_order_claim(order_id=pk, actor=world.handler)
    elif state == OrderState.PROCESSING:
        services.work_order_dept_reply(order_id=pk, actor=world.handler, **DEPT_REPLY)
    elif state == OrderState.DEPT_REPLIED:
        services.work_order_approve_reply(order_id=pk, actor=world.dispatcher)
    elif state == OrderState.REPLY_APPROVED:
        services.work_order_reply_customer(order_id=pk, actor=world.dispatcher, **FINAL_REPLY)
    elif state == OrderState.CUSTOMER_REPLIED:
        unreasonable = True if callback == "unsatisfied" else None
        services.work_order_callback(
            order_id=pk, actor=world.dispatcher, outcome=callback, customer_unreasonable=unreasonable
        )
    elif state == OrderState.CALLBACK_DONE:
        services.work_order_close(order_id=pk, actor=world.dispatcher, reason="客户诉求已解决")
    else:
        raise ValueError(f"cannot step an order from {state}")


def work_order_walk(order: WorkOrder, *, to: str, world: World, **step_options) -> WorkOrder:
    """Move a dispatched-kind order along the happy path (SPEC §2.1) until it is in state `to`:
    the dispatcher dispatches to dept_billing, `handler` claims and replies, the dispatcher approves,
    replies by phone, calls back (satisfied unless callback="unsatisfied") and closes."""
    order = fresh(order)
    if LIFE_CYCLE.index(to) < LIFE_CYCLE.index(order.state):
        raise ValueError(f"{order.number} is already past {to}")
    while order.state != to:
        _step(order, world, **step_options)
        order = fresh(order)
    return order


def work_order_at(state: str, *, world: World, **overrides) -> WorkOrder:
    """A new order accepted by world.clerk and walked to `state`."""
    callback = overrides.pop("callback", "satisfied")
    return work_order_walk(work_order_make(actor=world.clerk, **overrides), to=state, world=world, callback=callback)
