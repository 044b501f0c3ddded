"""Benchmark of the reports (issue 14 §3, R-RP-1) at a year of data. Prints numbers; asserts only that the tallied
report equals a direct count of the raw rows for one month.

    .venv/bin/python bench/reports.py [--orders 1000000] [--repeat 5] [--keep] [--profile]

1. fills its own PostgreSQL database (BENCH_REPORTS_DATABASE_URL, default …/wo_reports_bench; the name must
   contain "bench"; dropped and recreated) with `--orders` orders spread over the 12 months before today, with
   their clocks (dispatch and handling, one in ten breached), callbacks and urges, by COPY;
2. counts every finished day into the daily tallies (what beat does once a day), then ANALYZE (as autovacuum
   would soon after; `--keep` reuses the database of a previous run and skips 1);
3. times, in-process through the whole Django stack (middleware, view, template), the median of `--repeat` runs:
   the year report of the whole branch (target ≤ 1 s), a month report of one hall (≤ 300 ms) and the XLSX
   export of the year (≤ 10 s); `--profile` prints the year report's slowest SQL statements and its cProfile.

Measured (2 shared CPUs, other helpers' tests running): fill 302 s, tallying 365 days 197 s. Before the median
moved into SQL (the code before 5e90687, same analyzed data, load 3–4): year report of the branch 1.39 s median
(OVER the 1 s target), a hall's month 119 ms, the year's XLSX 1.26 s. After (load 2.3–3.0): year report 427 ms
median (ok), a hall's month 97 ms, the year's XLSX 376 ms; the year from raw rows 11 s. `--profile` (load ~4):
of the year report's SQL the median lateness is ~120–270 ms (one percentile_cont statement), the order and
callback sums 50–85 ms each; Python and the template ~90 ms."""

import argparse
import io
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from benchdb import database_recreate  # bench/, beside this script

ROOT = Path(__file__).resolve().parent.parent
BENCH_URL = os.environ.get("BENCH_REPORTS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/wo_reports_bench")


parser = argparse.ArgumentParser()
parser.add_argument("--orders", type=int, default=1_000_000)
parser.add_argument("--repeat", type=int, default=5)
parser.add_argument("--keep", action="store_true", help="reuse the database filled by a previous run")
parser.add_argument("--profile", action="store_true", help="SQL timings and cProfile of one year report")
args = parser.parse_args()
sys.stdout.reconfigure(line_buffering=True)  # progress lines as they happen, also into a log file

if not args.keep:
    database_recreate(BENCH_URL, variable="BENCH_REPORTS_DATABASE_URL")
os.environ["DATABASE_URL"] = BENCH_URL
os.environ["CELERY_BROKER_URL"] = "memory://localhost/"
os.environ["DJANGO_DEBUG"] = "0"
os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "0"
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-secret")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from complaints.models import ComplaintCategory, Customer, SkillGroup  # noqa: E402
from deadlines.clock_models import Clock, ClockPolicy  # noqa: E402
from deadlines.policies import clock_policies_seed  # noqa: E402
from deadlines.services import calendar_seed_defaults  # noqa: E402
from org.models import OrgUnit  # noqa: E402
from org.services import roles_seed  # noqa: E402
from reports.models import TallyDay  # noqa: E402
from reports.periods import period_containing, period_range  # noqa: E402
from reports.selectors import report_build, report_scope  # noqa: E402
from reports.services import daily_tallies_ensure  # noqa: E402
from tickets.models import Callback, TimelineEntry, WorkOrder  # noqa: E402

User = get_user_model()
rng = random.Random(14)
TODAY = timezone.localdate()
FIRST = TODAY - timedelta(days=365)
LAST = TODAY - timedelta(days=1)
ZONE = timezone.get_default_timezone()


def user(name: str, role: str, unit: OrgUnit):
    person = User.objects.create(username=name)
    person.groups.add(*Group.objects.filter(name=role))
    unit.members.add(person)
    return person


def weighted(pairs):
    values, weights = zip(*pairs, strict=True)
    return lambda: rng.choices(values, weights)[0]


def copy(model, columns: list[str], rows) -> int:
    """COPY rows (tuples in `columns` order) into the model's table in chunks of 100,000; returns the count."""
    table = model._meta.db_table
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    n, buffer = 0, io.StringIO()

    def flush():
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY {table} ({quoted}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
                buffer,
            )
        buffer.seek(0)
        buffer.truncate()

    for row in rows:
        buffer.write(",".join("\\N" if v is None else _csv(v) for v in row) + "\n")
        n += 1
        if n % 100_000 == 0:
            flush()
    flush()
    return n


def _csv(value) -> str:
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return f"{int(value.total_seconds())} seconds"
    text = str(value)
    return f'"{text.replace(chr(34), chr(34) * 2)}"' if ("," in text or '"' in text or "\n" in text) else text


def fill() -> dict:
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    roles_seed()
    calendar_seed_defaults()
    clock_policies_seed()
    branch = OrgUnit.objects.create(code="branch", name="分公司", kind=OrgUnit.Kind.BRANCH)
    cities = ["深圳", "广州", "东莞", "佛山", "惠州"]
    regions = [OrgUnit.objects.create(code=f"r{i}", name=f"区域{i}", kind=OrgUnit.Kind.REGION, parent=branch)
               for i in range(2)]  # fmt: skip
    halls = [OrgUnit.objects.create(code=f"hall{i}", name=f"服营厅{i}", kind=OrgUnit.Kind.HALL, parent=regions[i % 2],
                                    city=cities[i % 5]) for i in range(20)]  # fmt: skip
    centre = OrgUnit.objects.create(code="cs", name="客服中心", kind=OrgUnit.Kind.SERVICE_CENTRE, parent=branch)
    depts = [OrgUnit.objects.create(code=f"dept{i}", name=f"处理部门{i}", kind=OrgUnit.Kind.DEPARTMENT, parent=branch)
             for i in range(8)]  # fmt: skip
    clerks = {h.pk: [user(f"clerk{h.pk}_{j}", "front_line", h).pk for j in range(2)] for h in halls}
    handlers = {d.pk: [user(f"handler{d.pk}_{j}", "handler", d).pk for j in range(3)] for d in depts}
    dispatcher = user("dispatcher", "dispatcher", centre)
    manager = user("manager", "store_manager", halls[0])
    leaves = []
    for i in range(8):
        top = ComplaintCategory.objects.create(name=f"一级{i}")
        leaves += [ComplaintCategory.objects.create(name=f"二级{i}-{j}", parent=top).pk for j in range(4)]
    group = SkillGroup.objects.create(city="深圳", name="深圳技能组")
    customers = copy(Customer, ["number", "name", "tier", "brand", "home_city", "contact_numbers", "created_at"], (
        (f"139{i:08d}", "客户", "ordinary", "", cities[i % 5], "[]", timezone.now()) for i in range(100_000)
    ))  # fmt: skip
    customer_ids = list(Customer.objects.values_list("id", flat=True))
    assert customers == len(customer_ids)
    policy = {kind: pk for pk, kind in ClockPolicy.objects.values_list("id", "kind")}
    order_type = weighted([("complaint", 55), ("consultation", 25), ("business", 10), ("appointment", 5),
                           ("suggestion", 5)])  # fmt: skip
    channel = weighted([("phone", 60), ("visit", 25), ("internet", 8), ("letter", 2), ("external", 4), ("media", 1)])
    urgency = weighted([("normal", 85), ("urgent", 12), ("extra_urgent", 3)])
    base_id = 1
    days = (LAST - FIRST).days + 1
    order_fields = [f for f in WorkOrder._meta.concrete_fields if not f.primary_key]
    columns = ["id"] + [f.column for f in order_fields]
    defaults = {f.attname: None if f.null else f.get_default() for f in order_fields}  # fields added later
    clocks, callbacks, urges = [], [], []

    def orders():
        for n in range(args.orders):
            pk = base_id + n
            day = FIRST + timedelta(days=n * days // args.orders)
            at = datetime(day.year, day.month, day.day, 8, tzinfo=ZONE) + timedelta(seconds=rng.randrange(14 * 3600))
            hall = halls[rng.randrange(20)]
            kind = order_type()
            on_spot = rng.random() < 0.3
            dept = None if on_spot else depts[rng.randrange(8)]
            closed = on_spot or rng.random() < 0.95
            values = {
                "number": f"B{pk:011d}", "order_type": kind, "state": "closed" if closed else "processing",
                "channel": channel(), "external_source": "", "urgency": urgency(),
                "handling_method": rng.choice(["record", "direct_reply"]) if on_spot else "transfer", "priority": 0,
                "customer_id": customer_ids[pk % len(customer_ids)], "accepted_number": f"139{pk % 100_000:08d}",
                "contact_number": "", "category_id": rng.choice(leaves) if kind == "complaint" else None,
                "content": "客户反映问题。", "findings": "", "evidence_note": "", "visit_confirmed": False,
                "direct_reply": "当场答复。" if on_spot else "", "is_major": rng.random() < 0.005,
                "is_repeat": rng.random() < 0.05, "is_batch": rng.random() < 0.01, "is_escalated": rng.random() < 0.01,
                "escalation_tendency": False, "is_collective": rng.random() < 0.01, "is_media": rng.random() < 0.003,
                "journalist": "{}", "repeat_reason": "", "origin": "hall", "skill_group_id": group.pk,
                "accepting_unit_id": hall.pk, "accepted_by_id": rng.choice(clerks[hall.pk]),
                "handling_unit_id": dept.pk if dept else None,
                "assignee_id": rng.choice(handlers[dept.pk]) if dept else None,
                "dispatched_by_id": dispatcher.pk if dept else None, "received_at": at, "accepted_at": at,
                "dispatched_at": at + timedelta(minutes=30) if dept else None,
                "handling_due_at": at + timedelta(days=2) if dept else None,
                "closed_at": (at + timedelta(days=1) if dept else at) if closed else None,
                "cycle": 1 if dept else 0, "updated_at": at + timedelta(days=1),
            }  # fmt: skip
            if dept:
                for kind_, limit in (("dispatch", timedelta(hours=2)), ("handle", timedelta(days=2))):
                    due = at + limit
                    late = rng.random() < 0.1
                    stopped = due + timedelta(seconds=rng.randrange(60, 6 * 3600)) if late else at + limit / 3
                    clocks.append(
                        (
                            pk,
                            policy[kind_],
                            kind_,
                            "CAL-24x7",
                            limit,
                            at,
                            due,
                            None,
                            "breached" if late else "met",
                            None,
                            due if late else None,
                            stopped,
                            None,
                            1,
                            1,
                            "",
                        )
                    )
                if closed and rng.random() < 0.6:
                    outcome = rng.choices(["satisfied", "basically_satisfied", "unsatisfied", "unreachable"],
                                          [70, 15, 10, 5])[0]  # fmt: skip
                    callbacks.append((pk, 1, outcome, "", None, dispatcher.pk, at + timedelta(days=1)))
            if rng.random() < 0.03:
                urges.append(
                    (pk, at + timedelta(hours=3), values["accepted_by_id"], "urge", "", "processing", "", "{}")
                )
            yield [pk] + [values[f.attname] if f.attname in values else defaults[f.attname] for f in order_fields]

    count = copy(WorkOrder, columns, orders())
    copy(Clock, ["order_id", "policy_id", "kind", "calendar_code", "limit", "started_at", "due_at", "warn_at",
                 "state", "warned_at", "breached_at", "stopped_at", "next_check_at", "sequence", "cycle", "note"],
         clocks)  # fmt: skip
    copy(Callback, ["order_id", "cycle", "outcome", "note", "customer_unreasonable", "by_id", "at"], callbacks)
    copy(TimelineEntry, ["order_id", "at", "actor_id", "kind", "state_before", "state_after", "note", "data"], urges)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{WorkOrder._meta.db_table}', 'id'), %s)", [count])
        cursor.execute("ANALYZE")
    print(f"filled: {count:,} orders, {len(clocks):,} clocks, {len(callbacks):,} callbacks, {len(urges):,} urges "
          f"in {time.perf_counter() - started:.0f} s")  # fmt: skip
    return {"dispatcher": dispatcher.pk, "manager": manager.pk, "hall": halls[0].pk}


def timed(label: str, function, target: float) -> float:
    runs = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        function()
        runs.append(time.perf_counter() - started)
    median = statistics.median(runs)
    verdict = "ok" if median <= target else "OVER TARGET"
    print(f"{label}: median {median * 1000:.0f} ms, min {min(runs) * 1000:.0f} ms, max {max(runs) * 1000:.0f} ms "
          f"(target {target * 1000:.0f} ms) {verdict}")  # fmt: skip
    return median


if args.keep:
    people = {
        "dispatcher": User.objects.get(username="dispatcher").pk,
        "manager": User.objects.get(username="manager").pk,
        "hall": OrgUnit.objects.get(code="hall0").pk,
    }
else:
    people = fill()
started = time.perf_counter()
counted = daily_tallies_ensure(first=FIRST, last=LAST)
print(f"tallied: {counted} days in {time.perf_counter() - started:.0f} s "
      f"({TallyDay.objects.count()} days counted in all)")  # fmt: skip
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")  # what autovacuum does soon after beat's count; the plans need the tallies' stats

dispatcher = User.objects.get(pk=people["dispatcher"])
manager = User.objects.get(pk=people["manager"])
branch_client, hall_client = Client(), Client()
branch_client.force_login(dispatcher)
hall_client.force_login(manager)
year = {"period": "range", "from": FIRST.isoformat(), "to": LAST.isoformat(), "audience": "branch"}
last_month = period_containing("month", LAST.replace(day=1) - timedelta(days=1))
month = {"period": "month", "date": last_month.first.isoformat(), "audience": "branch", "unit": people["hall"]}


def get(client, path, params):
    response = client.get(path, params)
    assert response.status_code == 200, response.status_code
    if response.streaming:
        b"".join(response.streaming_content)
    return response


timed("year report, whole branch (page)", lambda: get(branch_client, "/reports/", year), 1.0)
if args.profile:
    import cProfile
    import pstats

    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        get(branch_client, "/reports/", year)
    slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))
    print(f"  {len(slowest)} SQL statements, {sum(float(q['time']) for q in slowest) * 1000:.0f} ms in all; slowest:")
    for query in slowest[:6]:
        print(f"  {float(query['time']) * 1000:6.0f} ms  {query['sql'][:160]}")
    profile = cProfile.Profile()
    profile.runcall(get, branch_client, "/reports/", year)
    pstats.Stats(profile).sort_stats("cumulative").print_stats(r"reports/|sql/compiler|template", 25)
timed("month report, one hall (page)", lambda: get(hall_client, "/reports/", month), 0.3)
timed("XLSX export of the year, whole branch", lambda: get(branch_client, "/reports/export.xlsx", year), 10.0)

# The tallies must equal a direct count: last month, the hall manager's scope, every figure.
scope = report_scope(user=manager, unit_id=people["hall"])
tallied = report_build(user=manager, period=last_month, scope=scope)
direct = report_build(user=manager, period=last_month, scope=scope, live_only=True)
assert [s.as_dict() for s in tallied.sections] == [s.as_dict() for s in direct.sections]
started = time.perf_counter()
report_build(user=dispatcher, period=period_range(FIRST, LAST), scope=report_scope(user=dispatcher, unit_id=None),
             live_only=True)  # fmt: skip
print(f"for comparison, the year counted from the raw rows (no tallies): {time.perf_counter() - started:.1f} s")
from reports.models import OrderDayTally  # noqa: E402

print(f"tallied month equals the direct count: yes; order tally rows: {OrderDayTally.objects.count():,}")
