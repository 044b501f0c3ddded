"""Benchmark of the clock sweep (SPEC R-CLK-ENF): its cost must grow with the clocks due, not with the
clocks open. Prints numbers beside the targets; asserts nothing about timing.

    .venv/bin/python bench/clock_sweep.py

Against PostgreSQL only: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/workorders_sweep_bench)
is DROPPED and created again, migrated and seeded with the reference data. Then ~1,000 orders and
1,000,000 running clocks, of which exactly 2,000 are past their due time (dispatch clocks, warned earlier)
and the rest are checked next in 29–38 h (48 h feedback clocks started in the last 9 h). Measured:

1. one `clocks_sweep()` with the 2,000 due: wall time, SQL queries, ms per breach
   (target: ≤ 2 s in total, ≤ 1 ms per breach);
1b. the same after an outage (the 2,000 warnings not recorded either: warning and breach in one sweep);
2. the sweep again with nothing due (target: ≤ 20 ms), and its queries;
3. a deliberately naive sweep (every running clock loaded and checked in Python, each breach saved and
   notified one by one through `notification_enqueue`) on the same 2,000, and the ratio naive/indexed.

Also prints EXPLAIN of the sweep's claim query (it must use clock_sweep_idx). The broker is the in-memory
transport (the sweep's after-commit delivery kick must not reach a real broker) and DEBUG is off.
"""

import io
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from benchdb import database_recreate  # bench/, beside this script

ROOT = Path(__file__).resolve().parent.parent
BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/workorders_sweep_bench")
ORDERS = int(os.environ.get("BENCH_ORDERS", "1000"))
CLOCKS = int(os.environ.get("BENCH_CLOCKS", "1000000"))
DUE = int(os.environ.get("BENCH_DUE", "2000"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))


database_recreate(BENCH_URL, variable="BENCH_DATABASE_URL", require_bench=False)
os.environ["DATABASE_URL"] = BENCH_URL
os.environ["CELERY_BROKER_URL"] = "memory://localhost/"
os.environ.setdefault("DJANGO_DEBUG", "0")  # no query log, no debug cursor: production-like timings
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-secret")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import F  # noqa: E402
from django.utils import timezone  # noqa: E402

from complaints.models import Customer, SkillGroup  # noqa: E402
from deadlines.clock_models import Clock, ClockKind, ClockPolicy, ClockState  # noqa: E402
from deadlines.notices import clock_order_facts, responsible_for  # noqa: E402
from deadlines.sweep import clocks_sweep  # noqa: E402
from notifications.models import Notification  # noqa: E402
from notifications.services import notification_enqueue  # noqa: E402
from org.models import OrgUnit  # noqa: E402
from org.selectors import unit_supervisor_map  # noqa: E402
from tickets.models import WorkOrder  # noqa: E402

CLOCK_TABLE = Clock._meta.db_table
ORDER_TABLE = WorkOrder._meta.db_table
NOTIFICATION_TABLE = Notification._meta.db_table


class QueryCounter:
    """connection.execute_wrapper: counts statements (works with DEBUG off)."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0  # time spent inside the database calls
        self.statements: list[tuple[float, str]] = []

    def __call__(self, execute, sql_text, params, many, context):
        self.count += 1
        t0 = time.perf_counter()
        try:
            return execute(sql_text, params, many, context)
        finally:
            spent = time.perf_counter() - t0
            self.seconds += spent
            self.statements.append((spent, sql_text))


def step(label: str):
    print(f"  {label} …", end="", flush=True)
    return time.perf_counter()


def done(t0: float) -> None:
    print(f" {time.perf_counter() - t0:.1f} s", flush=True)


def execute(statement: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def vacuum_analyze() -> None:
    for table in (CLOCK_TABLE, ORDER_TABLE, NOTIFICATION_TABLE):
        execute(f"VACUUM ANALYZE {table}")  # autocommit: Django is outside any transaction here


# --- data ----------------------------------------------------------------------------------------------
def setup_data(now) -> list[int]:
    print(f"database {connection.settings_dict['NAME']} ({connection.cursor().connection.server_version})")
    t0 = step("migrate")
    call_command("migrate", verbosity=0)
    done(t0)
    t0 = step("reference data (load_reference_data)")
    call_command("load_reference_data", stdout=io.StringIO())
    done(t0)

    User = get_user_model()
    hall = OrgUnit.objects.get(code="hall-huaqiang")
    clerk = User.objects.create_user(username="bench.clerk", email="clerk@example.cn", password=None)
    supervisor = User.objects.create_user(username="bench.supervisor", email="sup@example.cn", password=None)
    hall.members.add(clerk, supervisor)
    hall.supervisor = supervisor
    hall.save(update_fields=["supervisor"])
    customer = Customer.objects.create(number="13812345678", name="李先生", home_city="深圳")

    t0 = step(f"{ORDERS:,} orders (bulk_create)")
    accepted = now - timedelta(hours=4)
    WorkOrder.objects.bulk_create(
        [
            WorkOrder(
                number=f"TSB{i:08d}", order_type="complaint", channel="phone", handling_method="transfer",
                customer=customer, accepted_number=customer.number, content="基准测试工单", origin="hall",
                skill_group=SkillGroup.objects.get(city="深圳"), accepting_unit=hall, accepted_by=clerk,
                received_at=accepted, accepted_at=accepted,
            )
            for i in range(ORDERS)
        ],
        batch_size=1000,
    )  # fmt: skip
    done(t0)

    dispatch = ClockPolicy.objects.get(code="dispatch")
    feedback = ClockPolicy.objects.get(code="feedback")
    t0 = step(f"{CLOCKS:,} clocks (INSERT … SELECT generate_series), {DUE:,} of them due")
    # Due: dispatch clocks started 3 h ago (+ g ms), warned at 96 min by an earlier sweep, due 1 h ago.
    # The rest: 48 h feedback clocks started 0–9 h ago; next check = warning at 38.4 h, 1–2 days ahead.
    inserted = execute(
        f"""
        WITH o AS (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n FROM {ORDER_TABLE}),
        g AS (
            SELECT g, g <= %(due)s AS is_due,
                   CASE WHEN g <= %(due)s THEN %(now)s - interval '3 hours' - g * interval '1 millisecond'
                        ELSE %(now)s - (g %% 32400) * interval '1 second' END AS s
            FROM generate_series(1, %(clocks)s) AS g
        )
        INSERT INTO {CLOCK_TABLE} (order_id, policy_id, kind, calendar_code, "limit", started_at, due_at, warn_at,
                                   state, warned_at, breached_at, stopped_at, next_check_at, sequence, cycle, note)
        SELECT o.ids[1 + (g.g %% o.n)],
               CASE WHEN is_due THEN %(dispatch)s ELSE %(feedback)s END,
               CASE WHEN is_due THEN 'dispatch' ELSE 'feedback' END,
               'CAL-24x7',
               CASE WHEN is_due THEN interval '2 hours' ELSE interval '48 hours' END,
               s,
               CASE WHEN is_due THEN s + interval '2 hours' ELSE s + interval '48 hours' END,
               CASE WHEN is_due THEN s + interval '96 minutes' ELSE s + interval '2304 minutes' END,
               'running',
               CASE WHEN is_due THEN s + interval '96 minutes' END,
               NULL, NULL,
               CASE WHEN is_due THEN s + interval '2 hours' ELSE s + interval '2304 minutes' END,
               1, 0, ''
        FROM g CROSS JOIN o
        """,
        {"due": DUE, "now": now, "clocks": CLOCKS, "dispatch": dispatch.pk, "feedback": feedback.pk},
    )  # fmt: skip
    done(t0)
    assert inserted == CLOCKS, inserted
    t0 = step("VACUUM ANALYZE")
    vacuum_analyze()
    done(t0)
    due_ids = list(Clock.objects.filter(due_at__lte=now).values_list("id", flat=True))
    assert len(due_ids) == DUE, len(due_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_relation_size(%s)), pg_size_pretty(pg_relation_size('clock_sweep_idx'))",
            [CLOCK_TABLE],
        )
        table_size, index_size = cursor.fetchone()
    print(f"  clocks: {Clock.objects.count():,} rows ({table_size}), clock_sweep_idx {index_size}")
    return due_ids


def reset(due_ids: list[int], *, warned: bool = True) -> None:
    """Put the due clocks back as they were before any sweep (warned by an earlier one, or not even
    that: after an outage); forget their notices."""
    Clock.objects.filter(pk__in=due_ids).update(
        state=ClockState.RUNNING, breached_at=None, stopped_at=None,
        warned_at=F("warn_at") if warned else None, next_check_at=F("due_at") if warned else F("warn_at"),
    )  # fmt: skip
    Notification.objects.filter(kind__startswith="clock_").delete()
    vacuum_analyze()


def check(due_ids: list[int], label: str) -> None:
    breached = Clock.objects.filter(pk__in=due_ids, state=ClockState.OVERDUE, breached_at__isnull=False).count()
    notices = Notification.objects.filter(kind="clock_breach").count()
    others = Clock.objects.exclude(pk__in=due_ids).filter(state=ClockState.RUNNING, breached_at=None).count()
    ok = breached == len(due_ids) and notices == 4 * len(due_ids) and others == CLOCKS - len(due_ids)
    verdict = "ok" if ok else "WRONG"
    print(f"  check {label}: {breached:,} breached, {notices:,} breach notices, {others:,} untouched → {verdict}")


# --- the sweeps ------------------------------------------------------------------------------------------
def claim_query(now):
    """The claim of deadlines.sweep.clocks_sweep, as written there."""
    return (
        Clock.objects.filter(next_check_at__lte=now)
        .order_by("next_check_at")
        .select_for_update(skip_locked=True)
        .values_list("id", flat=True)[:2000]
    )


def explain(now, *, analyze: bool) -> str:
    with transaction.atomic():  # FOR UPDATE needs a transaction; ANALYZE runs it (locks only)
        plan = claim_query(now).explain(analyze=analyze, buffers=analyze)
        transaction.set_rollback(True)
    return plan


def timed_sweep() -> tuple[float, int, object, QueryCounter]:
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        t0 = time.perf_counter()
        result = clocks_sweep()
        seconds = time.perf_counter() - t0
    return seconds, counter.count, result, counter


def naive_sweep(now) -> int:
    """What R-CLK-ENF forbids: read every running clock, decide in Python, write one by one."""
    supervisors = unit_supervisor_map()
    breached = 0
    for clock in Clock.objects.filter(state=ClockState.RUNNING).iterator(chunk_size=5000):
        if clock.due_at > now or clock.breached_at is not None:
            continue
        clock.state, clock.breached_at, clock.next_check_at = ClockState.OVERDUE, clock.due_at, None
        clock.save(update_fields=["state", "breached_at", "next_check_at"])
        facts = clock_order_facts(order_ids=[clock.order_id])[clock.order_id]
        person, unit_id = responsible_for(clock.kind, facts)
        due = timezone.localtime(clock.due_at)
        subject = f"【超时】{facts['number']} {ClockKind(clock.kind).label} 已于 {due:%m-%d %H:%M} 超时"
        for user_id in {person, supervisors.get(unit_id)} - {None}:
            recipient = get_user_model().objects.get(pk=user_id)
            for channel in ("in_app", "email"):
                notification_enqueue(
                    channel=channel, idempotency_key=f"clock-{clock.pk}-breach-{user_id}-{channel}", subject=subject,
                    body=subject, recipient=recipient, order=WorkOrder(pk=clock.order_id), kind="clock_breach",
                    now=now,
                )  # fmt: skip
        breached += 1
    return breached


def main() -> None:
    now = timezone.now()
    print(f"Clock sweep benchmark: {ORDERS:,} orders, {CLOCKS:,} running clocks, {DUE:,} due")
    due_ids = setup_data(now)
    connection.ensure_connection()

    print("\nEXPLAIN of the claim query (nothing locked, 2,000 due):")
    print("  " + explain(timezone.now(), analyze=False).replace("\n", "\n  "))
    print("EXPLAIN ANALYZE:")
    print("  " + explain(timezone.now(), analyze=True).replace("\n", "\n  "))

    print(f"\n(1) clocks_sweep() with {DUE:,} due among {CLOCKS:,} — {REPEATS} runs, reset between")
    runs = []
    for run in range(REPEATS):
        if run:
            reset(due_ids)
        seconds, queries, result, counter = timed_sweep()
        runs.append(seconds)
        print(
            f"  run {run + 1}: {seconds * 1000:8.1f} ms  {queries:3d} queries  {result.breached:,} breached in "
            f"{result.batches} batch(es)  = {seconds * 1000 / max(result.breached, 1):.3f} ms per breach  "
            f"(SQL statements {counter.seconds * 1000:.0f} ms, "
            f"Python + COMMIT {(seconds - counter.seconds) * 1000:.0f} ms)"
        )
    check(due_ids, "indexed sweep")
    best, median = min(runs), statistics.median(runs)
    print(f"  → median {median * 1000:.1f} ms, best {best * 1000:.1f} ms   target ≤ 2000 ms in total")
    print(f"  → median {median * 1000 / DUE:.3f} ms per breach            target ≤ 1 ms per breach")
    print("  queries of the last run:")
    for spent, statement in counter.statements:
        print(f"    {spent * 1000:6.1f} ms  {' '.join(statement.split())[:120]}")

    print(f"\n(1b) after an outage: the same {DUE:,} due, their warnings not recorded either — {REPEATS} runs")
    outage = []
    for _ in range(REPEATS):
        reset(due_ids, warned=False)
        seconds, queries, result, _counter = timed_sweep()
        outage.append(seconds)
        print(
            f"  {seconds * 1000:8.1f} ms  {queries:3d} queries  {result.breached:,} breached, "
            f"{result.warned:,} warnings recorded  = {seconds * 1000 / max(result.breached, 1):.3f} ms per breach"
        )
    check(due_ids, "after an outage")

    print("\n(2) clocks_sweep() with nothing due — 20 runs")
    idle = []
    for _ in range(20):
        seconds, queries, result, _counter = timed_sweep()
        idle.append(seconds)
    print(
        f"  median {statistics.median(idle) * 1000:.2f} ms, max {max(idle) * 1000:.2f} ms, {queries} query, "
        f"{result.breached} breached   target ≤ 20 ms"
    )

    print(f"\n(3) naive full-scan sweep on the same {DUE:,} due among {CLOCKS:,}")
    reset(due_ids)
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        t0 = time.perf_counter()
        breached = naive_sweep(timezone.now())
        naive_seconds = time.perf_counter() - t0
    print(f"  {naive_seconds * 1000:,.0f} ms  {counter.count:,} queries  {breached:,} breached")
    check(due_ids, "naive sweep")
    print(f"  → naive / indexed (median) = {naive_seconds / median:,.0f}×")
    t0 = time.perf_counter()
    naive_sweep(timezone.now())  # everything breached now: the scan alone, as every minute with nothing due
    scan = time.perf_counter() - t0
    print(
        f"  naive with nothing due (the full scan alone): {scan * 1000:,.0f} ms "
        f"= {scan / statistics.median(idle):,.0f}× the indexed sweep with nothing due"
    )


if __name__ == "__main__":
    main()
