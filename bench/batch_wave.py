"""Benchmark of an outage wave (issue 12 §3, R-SP-2): batch detection and the batch's moves on PostgreSQL. Prints
numbers; asserts nothing about timing.

    .venv/bin/python bench/batch_wave.py [--background 50000] [--wave 500] [--children 200]

1. `--background` orders already in the table (other leaves and cities, the last 90 days), so that detection's
   cost is seen against a table that is not empty;
2. the wave: `--wave` complaints for one city (深圳) and one leaf within 10 minutes, each through
   `work_order_create` (detection runs in its transaction) → how many candidates were offered, and the
   detection query's cost (one query per creation: its time p50/p95 and its plan);
3. `--children` complaints in another city (广州) → the candidate confirmed as one batch (time), dispatched to one
   handler, the department reply written once, approved, and the one final reply sent to every child (time
   and SQL statements of each; targets ≤ 2 s for the confirmation and for the reply).

Drops and recreates its own PostgreSQL database (BENCH_BATCH_DATABASE_URL, default …/workorders_batch_bench; the
name must contain "bench")."""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from benchdb import database_recreate  # bench/, beside this script

ROOT = Path(__file__).resolve().parent.parent
BENCH_URL = os.environ.get("BENCH_BATCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/workorders_batch_bench")


parser = argparse.ArgumentParser()
parser.add_argument("--background", type=int, default=50_000)
parser.add_argument("--wave", type=int, default=500)
parser.add_argument("--children", type=int, default=200)
args = parser.parse_args()

database_recreate(BENCH_URL, variable="BENCH_BATCH_DATABASE_URL")
os.environ["DATABASE_URL"] = BENCH_URL
os.environ["CELERY_BROKER_URL"] = "memory://localhost/"
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-secret")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

import time_machine  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from complaints.models import ComplaintCategory, Customer, SkillGroup  # noqa: E402
from deadlines.clock_models import Clock, ClockKind, ClockState  # noqa: E402
from deadlines.policies import clock_policies_seed  # noqa: E402
from deadlines.services import calendar_seed_defaults  # noqa: E402
from org.models import OrgUnit  # noqa: E402
from org.services import roles_seed  # noqa: E402
from tickets.batch_selectors import batch_detection_count, batch_rules  # noqa: E402
from tickets.models import BatchCandidate, FinalReply, OrderState, WorkOrder  # noqa: E402
from tickets.services import OrderIntake, work_order_create  # noqa: E402
from tickets.services import batch as batch_services  # noqa: E402

call_command("migrate", verbosity=0)
roles_seed()
calendar_seed_defaults()
clock_policies_seed()
User = get_user_model()
branch = OrgUnit.objects.create(code="branch", name="分公司", kind=OrgUnit.Kind.BRANCH)
centre = OrgUnit.objects.create(code="cs", name="客服中心", kind=OrgUnit.Kind.SERVICE_CENTRE, parent=branch)
hall = OrgUnit.objects.create(code="hall", name="服营厅", kind=OrgUnit.Kind.HALL, parent=branch)
network = OrgUnit.objects.create(code="net", name="网络部", kind=OrgUnit.Kind.DEPARTMENT, parent=branch)


def user(name: str, role: str, unit: OrgUnit):
    person = User.objects.create(username=name)
    person.groups.add(*Group.objects.filter(name=role))
    unit.members.add(person)
    return User.objects.get(pk=person.pk)


clerk, dispatcher, handler = (
    user("clerk", "front_line", hall),
    user("disp", "dispatcher", centre),
    user("net", "handler", network),
)
top = ComplaintCategory.objects.create(name="移动上网")
outage = ComplaintCategory.objects.create(name="4G网络无信号", parent=top)
others = [ComplaintCategory.objects.create(name=f"其他{i}", parent=top) for i in range(20)]
cities = [SkillGroup.objects.create(city=c, name=f"{c}组") for c in ("深圳", "广州", "东莞", "佛山")]
shenzhen, guangzhou = cities[0], cities[1]

# 1. the background: orders of the last 90 days, written in bulk (the rows, without their clocks and history)
now = timezone.now()
customers = Customer.objects.bulk_create(
    [Customer(number=f"135{i:08d}", name="客户", home_city="东莞") for i in range(args.background)], batch_size=5000
)
WorkOrder.objects.bulk_create(
    [
        WorkOrder(
            number=f"BG{i:010d}", order_type="complaint", channel="phone", handling_method="transfer", customer=c,
            accepted_number=c.number, content="背景工单", origin="hall", skill_group=cities[i % 4],
            category=others[i % 20] if i % 3 else outage, accepting_unit=hall, accepted_by=clerk,
            received_at=now - timedelta(minutes=i * 2.6), accepted_at=now - timedelta(minutes=i * 2.6),
            state=OrderState.CLOSED if i % 10 else OrderState.ACCEPTED,
        )
        for i, c in enumerate(customers)
    ],
    batch_size=5000,
)  # fmt: skip
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")
print(f"background: {WorkOrder.objects.count():,} orders")


def complaint(*, city: str, index: int) -> WorkOrder:
    intake = OrderIntake(
        order_type="complaint", channel="phone", handling_method="transfer", accepted_number=f"1390{index:07d}",
        content="福田区4G无信号，无法上网。", received_at=timezone.now() - timedelta(minutes=1), category_id=outage.id,
        customer={"name": "客户", "home_city": city},
    )  # fmt: skip
    return work_order_create(actor=clerk, intake=intake)


# 2. the wave: detection inside each creation; the detection query timed on its own after each creation
start = timezone.now() + timedelta(hours=1)
detect_ms, orders = [], []
for i in range(args.wave):
    with time_machine.travel(start + timedelta(seconds=600 * i / args.wave), tick=False):
        order = complaint(city="深圳", index=i)
    orders.append(order)
    rules = batch_rules()
    t = time.perf_counter()
    batch_detection_count(
        category_id=outage.id, skill_group_id=shenzhen.id, start=order.accepted_at - rules.window, end=order.accepted_at
    )
    detect_ms.append((time.perf_counter() - t) * 1000)
offered = BatchCandidate.objects.filter(skill_group=shenzhen).count()
print(f"wave: {args.wave} complaints 深圳 · 4G网络无信号 within 10 minutes → candidates offered: {offered}")
detect_ms.sort()
print(f"detection query: 1 per creation, p50 {statistics.median(detect_ms):.2f} ms, "
      f"p95 {detect_ms[int(len(detect_ms) * 0.95)]:.2f} ms, max {detect_ms[-1]:.2f} ms")  # fmt: skip
last = orders[-1]
with connection.cursor() as cursor:
    connection.force_debug_cursor = True
    batch_detection_count(
        category_id=outage.id, skill_group_id=shenzhen.id, start=last.accepted_at - timedelta(hours=1),
        end=last.accepted_at,
    )  # fmt: skip
    statement = connection.queries[-1]["sql"]
    connection.force_debug_cursor = False
    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement)
    print("detection plan:\n  " + "\n  ".join(row[0] for row in cursor.fetchall()))


class Counter:
    """Counts the statements of one move; BENCH_VERBOSE=1 prints the most frequent shapes (what each child costs)."""

    def __init__(self):
        self.n, self.shapes = 0, {}

    def __call__(self, execute, sql_text, params, many, context):
        self.n += 1
        shape = " ".join(sql_text.split()[:6])[:90]
        self.shapes[shape] = self.shapes.get(shape, 0) + 1
        return execute(sql_text, params, many, context)


def timed(label: str, call):
    counter = Counter()
    with connection.execute_wrapper(counter):
        t = time.perf_counter()
        result = call()
        elapsed = time.perf_counter() - t
    print(f"{label}: {elapsed:.2f} s, {counter.n} SQL statements")
    if os.environ.get("BENCH_VERBOSE"):
        for shape, n in sorted(counter.shapes.items(), key=lambda kv: -kv[1])[:15]:
            print(f"    {n:6d}  {shape}")
    return result


# 3. a batch of `--children` (广州): confirm, dispatch, one department reply, approve, one final reply
g_start = start + timedelta(minutes=20)
for i in range(args.children):
    with time_machine.travel(g_start + timedelta(seconds=i), tick=False):
        complaint(city="广州", index=100_000 + i)
(candidate,) = BatchCandidate.objects.filter(skill_group=guangzhou, status="offered")
with time_machine.travel(g_start + timedelta(seconds=args.children + 5), tick=False):
    confirm = batch_services.batch_candidate_confirm
    batch = timed(f"confirm a batch of {args.children} children (target ≤ 2 s)",
                  lambda: confirm(candidate_id=candidate.id, actor=dispatcher))  # fmt: skip
    assert batch.memberships.count() == args.children
    timed("dispatch it to one handler", lambda: batch_services.batch_dispatch(
        batch_id=batch.id, actor=dispatcher, unit_id=network.id, handler_id=handler.id))  # fmt: skip
    timed("department reply, once for all", lambda: batch_services.batch_dept_reply(
        batch_id=batch.id, actor=handler, cause="光缆被挖断", process="抢修完毕", result="已恢复",
        service_restored=True,
        customer_attitude="理解", measures="加装保护", expected_recovery_at=timezone.now() + timedelta(hours=2),
        coordinating_unit_id=centre.id))  # fmt: skip
    timed("approve it", lambda: batch_services.batch_approve_reply(batch_id=batch.id, actor=dispatcher))
    reply = dict(method="sms", process="抢修完毕", content="故障已修复", satisfaction="satisfied")
    timed(f"the one final reply to {args.children} children (target ≤ 2 s)",
          lambda: batch_services.batch_reply_customers(batch_id=batch.id, actor=dispatcher, **reply))  # fmt: skip
replied = WorkOrder.objects.filter(batch_memberships__batch=batch, state=OrderState.CUSTOMER_REPLIED).count()
print(f"children replied: {replied} of {args.children}")
children = WorkOrder.objects.filter(batch_memberships__batch=batch)
finals = FinalReply.objects.filter(order__in=children).count()
callbacks = Clock.objects.filter(order__in=children, kind=ClockKind.CALLBACK, state=ClockState.RUNNING).count()
print(f"each child's own final-reply record: {finals}, running callback clocks: {callbacks} (of {args.children})")
