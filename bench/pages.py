"""Server time of the browser workspace's pages with 100,000 orders (issue requirement: "Pages render in
≤ 100 ms of server time with 100,000 orders in the database"). A script, not a test: it prints numbers
beside the target and asserts nothing.

    .venv/bin/python bench/pages.py [--total 100000] [--runs 30] [--reuse] [--profile] [--at 17:30]

The whole run pretends it is --at o'clock today (time_machine, ticking), so that the data ends then and the
stopped clocks of a working day are in the data whatever the hour of the run.

What it does, in order:
  1. drops and recreates the database of BENCH_PAGES_DATABASE_URL (default
     postgres://postgres@127.0.0.1:5432/workorders_pages_bench; its name must contain "bench"), migrates,
     loads reference and demo data (DEBUG off, as in production);
  2. bulk-inserts orders up to --total with bench/orders_api.py's generator (accepted over the last 60 days,
     30 % open, spread over the open states; accepted by front_line / duty_staff / dispatcher, handled by
     dept-billing and claimed by handler; 5 % flagged — so front_line sees a third of all orders and handler
     nearly all: an upper bound for those two), then by SQL: every order's clocks — the live ones of its
     state (dispatch, handle, feedback, reply, callback; ~5 % overdue, ~10 % warned) and the stopped ones of
     the steps it has passed (~8 % breached), plus the entry clock — and a timeline (created, dispatch,
     claim, close); two contacts on the order page's order through the service; VACUUM ANALYZE;
  3. in this process, with Django's test Client logged in (force_login) as each of front_line, dispatcher,
     handler and store_manager: GET the dashboard, the intake form, one open order (demo case 2: dispatched,
     claimed, with clocks and a timeline), every queue the role has, the navigation counts and the htmx
     partials (clock panel, customer lookup, category search). One warm-up request per page, then --runs
     rounds over all the pages (time.perf_counter around client.get: middleware, view, SQL, template); the
     SQL queries of one more request are counted separately (CaptureQueriesContext), so counting costs
     nothing timed.
Pages whose p95 misses the target get their slowest queries with EXPLAIN ANALYZE, and with --profile a
cProfile summary. --reuse keeps a database that already holds --total orders (migrate runs again).
"""

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import random
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import time_machine
from orders_api import bulk_fill, database_recreate, explain, percentile, say

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/workorders_pages_bench"
ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "bench-only-not-secret",
    "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_LOG_LEVEL": "WARNING",
    "CELERY_BROKER_URL": "memory://localhost/",
    "DJANGO_SETTINGS_MODULE": "config.settings",
}
ROLES = ("front_line", "dispatcher", "handler", "store_manager")
TARGET_MS = 100.0
HTMX = {"HTTP_HX_REQUEST": "true"}
DETAIL_NUMBER = "13967341014"  # demo case 2: dispatched to billing and claimed
LOOKUP_NUMBER = "13900000042"  # a bulk customer with many orders, some open
CATEGORY_QUERY = "话费"
PROJECT_CODE = r"/(tickets|deadlines|complaints|org|notifications|config)/(?!migrations)"
BULK_NUMBERS = "TS20000101%"
SHANGHAI = ZoneInfo("Asia/Shanghai")  # the order numbers bench/orders_api.py's generator gives

# Clocks per order state: (kind, policy code, live?). Stopped ones are the steps the order has passed.
_STEPS = [("dispatch", "dispatch"), ("handle", "handle"), ("feedback", "feedback"), ("reply", "reply"),
          ("callback", "callback")]  # fmt: skip
_LIVE_BY_STATE = {
    "accepted": {"dispatch", "feedback"},
    "dispatched": {"handle", "feedback"},
    "processing": {"handle", "feedback"},
    "dept_replied": {"handle", "feedback"},
    "reply_approved": {"reply", "feedback"},
    "customer_replied": {"callback"},
    "callback_done": set(),
    "closed": set(),
}
_DONE_BY_STATE = {
    "accepted": set(),
    "dispatched": {"dispatch"},
    "processing": {"dispatch"},
    "dept_replied": {"dispatch"},
    "reply_approved": {"dispatch", "handle"},
    "customer_replied": {"dispatch", "handle", "feedback", "reply"},
    "callback_done": {"dispatch", "handle", "feedback", "reply", "callback"},
    "closed": {"dispatch", "handle", "feedback", "reply", "callback"},
}


def execute(statement: str, params=None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


# --- data -------------------------------------------------------------------------------------------------
def clocks_fill(now) -> int:
    """Every bulk order's clocks, by SQL (minutes for 100,000 orders through the ORM; seconds here)."""
    from deadlines.clock_models import Clock, ClockPolicy
    from tickets.models import WorkOrder

    policies = {p.code: (p.id, p.calendar.code, p.limit) for p in ClockPolicy.objects.select_related("calendar")}
    spec = []
    for state in _LIVE_BY_STATE:
        for kind, code in _STEPS:
            if kind in _LIVE_BY_STATE[state] or kind in _DONE_BY_STATE[state]:
                spec.append((state, kind, code, kind in _LIVE_BY_STATE[state]))
        spec.append((state, "entry", "entry", False))
    values = ", ".join(
        f"('{state}', '{kind}', {policies[code][0]}, '{policies[code][1]}', "
        f"interval '{int(policies[code][2].total_seconds())} seconds', {live})"
        for state, kind, code, live in spec
    )
    clock, order = Clock._meta.db_table, WorkOrder._meta.db_table
    # r: 0–999 per (order, kind), f: 0–1 per (order, kind); deterministic. Live: r < 50 overdue, r < 150
    # warned, else running with its warning ahead. Stopped (up to 6 h before the close, or before 80 % of an
    # open order's age): r < 80 breached, else met. Entry: met at acceptance.
    return execute(
        f"""
        WITH spec(state, kind, policy_id, calendar_code, lim, live) AS (VALUES {values}),
        c AS (
            SELECT o.id AS order_id, o.received_at, o.accepted_at, o.cycle,
                   COALESCE(o.closed_at, o.accepted_at + (%(now)s - o.accepted_at) * 0.8) AS stop_base, s.*,
                   mod(abs(hashtext(o.id::text || s.kind)), 1000) AS r,
                   mod(abs(hashtext(s.kind || o.id::text)), 10000) / 10000.0 AS f
            FROM {order} o JOIN spec s ON s.state = o.state
            WHERE o.number LIKE %(bulk)s
        ),
        t AS (
            SELECT c.*,
                   CASE
                     WHEN kind = 'entry' THEN received_at + lim
                     WHEN live AND r < 50 THEN %(now)s - interval '10 minutes' - f * interval '36 hours'
                     WHEN live AND r < 150 THEN %(now)s + f * 0.2 * lim
                     WHEN live THEN %(now)s + (0.2 + 0.8 * f) * lim
                     WHEN r < 80 THEN stop_base - f * interval '6 hours' - interval '1 hour'
                     ELSE stop_base - f * interval '6 hours' + (0.5 * f + 0.1) * lim
                   END AS due
            FROM c
        )
        INSERT INTO {clock} (order_id, policy_id, kind, calendar_code, "limit", started_at, due_at, warn_at, state,
                             warned_at, breached_at, stopped_at, next_check_at, sequence, cycle, note)
        SELECT order_id, policy_id, kind, calendar_code, lim,
               CASE WHEN kind = 'entry' THEN received_at ELSE due - lim END,
               due,
               CASE WHEN kind = 'entry' THEN NULL ELSE due - 0.2 * lim END,
               CASE WHEN kind = 'entry' THEN 'met'
                    WHEN live AND r < 50 THEN 'overdue' WHEN live THEN 'running'
                    WHEN r < 80 THEN 'breached' ELSE 'met' END,
               CASE WHEN kind <> 'entry' AND r < (CASE WHEN live THEN 150 ELSE 80 END) THEN due - 0.2 * lim END,
               CASE WHEN kind <> 'entry' AND r < (CASE WHEN live THEN 50 ELSE 80 END) THEN due END,
               CASE WHEN kind = 'entry' THEN accepted_at WHEN live THEN NULL
                    WHEN r < 80 THEN due + f * interval '5 hours' + interval '1 minute'
                    ELSE stop_base - f * interval '6 hours' END,
               CASE WHEN NOT live THEN NULL WHEN r < 50 THEN NULL WHEN r < 150 THEN due ELSE due - 0.2 * lim END,
               1, CASE WHEN kind IN ('dispatch', 'entry') THEN 0 ELSE GREATEST(cycle, 1) END, ''
        FROM t
        """,
        {"now": now, "bulk": BULK_NUMBERS},
    )


def timeline_fill() -> int:
    """A timeline for every bulk order: created, then dispatch, claim and close as far as it got (the kinds the
    services write)."""
    from tickets.models import TimelineEntry, WorkOrder

    entry, order = TimelineEntry._meta.db_table, WorkOrder._meta.db_table
    return execute(
        f"""
        INSERT INTO {entry} (order_id, at, actor_id, kind, state_before, state_after, note, data)
        SELECT o.id, e.at, e.actor_id, e.kind, e.sb, e.sa, e.note, '{{}}'::jsonb
        FROM {order} o CROSS JOIN LATERAL (VALUES
            (o.accepted_at, o.accepted_by_id, 'created', '', 'accepted', '受理'),
            (o.dispatched_at, o.dispatched_by_id, 'dispatch', 'accepted', 'dispatched', '派单至计费支撑部'),
            (o.dispatched_at + interval '25 minutes', o.assignee_id, 'claim', 'dispatched', 'processing', ''),
            (o.closed_at, o.accepted_by_id, 'close', 'callback_done', 'closed', '归档')
        ) AS e(at, actor_id, kind, sb, sa, note)
        WHERE o.number LIKE %(bulk)s AND e.at IS NOT NULL AND (e.kind <> 'claim' OR o.assignee_id IS NOT NULL)
        """,
        {"bulk": BULK_NUMBERS},
    )


def detail_contacts() -> None:
    """Two contacts on the order page's order, through the service (timeline rows, feedback clock restart,
    retry clock), as its handler would log them."""
    from django.contrib.auth import get_user_model

    from tickets import services
    from tickets.models import WorkOrder

    order = WorkOrder.objects.get(accepted_number=DETAIL_NUMBER)
    handler = get_user_model().objects.get(username="handler")
    for reached, summary in ((False, "致电客户未接通。"), (True, "已联系客户，说明正在核查销户与欠费记录。")):
        services.contact_log(
            order_id=order.id, actor=handler, direction="outbound", channel="phone", reached=reached, summary=summary
        )


def data_build(total: int) -> None:
    from django.core.management import call_command
    from django.db import DatabaseError
    from django.utils import timezone

    from deadlines.clock_models import Clock
    from tickets.models import TimelineEntry, WorkOrder

    t0 = time.perf_counter()
    quiet = io.StringIO()
    call_command("load_reference_data", stdout=quiet)
    call_command("load_demo_data", stdout=quiet)
    detail_contacts()
    say(f"reference + demo data in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    mix = bulk_fill(total, random.Random(20261121))
    say(f"orders up to {total:,} (bench/orders_api.py's generator) in {time.perf_counter() - t0:.1f} s")
    if mix:
        say("  inserted states: " + ", ".join(f"{k} {v:,}" for k, v in sorted(mix.items())))
    t0 = time.perf_counter()
    clocks = clocks_fill(timezone.now())
    entries = timeline_fill()
    execute("VACUUM ANALYZE")
    with contextlib.suppress(DatabaseError):  # the load's dirty pages written now, not while pages are timed
        execute("CHECKPOINT")  # (needs a superuser or pg_checkpoint; best effort)
    say(f"{clocks:,} clocks and {entries:,} timeline entries by SQL, VACUUM ANALYZE: {time.perf_counter() - t0:.1f} s")
    say(f"  totals: {WorkOrder.objects.count():,} orders, {Clock.objects.count():,} clocks, "
        f"{TimelineEntry.objects.count():,} timeline entries")  # fmt: skip


def tallies_count() -> None:
    """Beat's count of finished hours into the dashboard's tallies done now, timed (on a new database: the
    8 days back at once); then what the dashboard still reads from the clocks."""
    from django.utils import timezone

    from deadlines.clock_models import Clock
    from tickets.models import ClockHourTally, ClockTallyHour
    from tickets.services.tallies import COUNTED_STATES, counted_until
    from tickets.tasks import clock_tallies_count_task

    t0 = time.perf_counter()
    hours = clock_tallies_count_task()
    took = (time.perf_counter() - t0) * 1000
    counted = list(ClockTallyHour.objects.all())
    busiest = max((marker.clocks for marker in counted), default=0)
    say(f"beat's count: {hours} finished hours counted in {took:.0f} ms ({took / max(hours, 1):.1f} ms an hour); "
        f"{ClockHourTally.objects.count():,} tally rows for {sum(m.clocks for m in counted):,} clocks "
        f"(busiest hour {busiest:,})")  # fmt: skip
    live = Clock.objects.filter(stopped_at__gte=counted_until(), state__in=COUNTED_STATES).count()
    say(f"  read live by the dashboard at {timezone.localtime():%H:%M} (stopped since "
        f"{timezone.localtime(counted_until()):%H:%M}): {live:,} clocks")  # fmt: skip


def data_summary() -> None:
    from django.db.models import Count

    from deadlines.clock_models import Clock, ClockState
    from tickets.models import OrderState, WorkOrder

    open_orders = WorkOrder.objects.exclude(state=OrderState.CLOSED).count()
    live = dict(
        Clock.objects.filter(state__in=ClockState.live()).values_list("state").annotate(n=Count("id")).order_by()
    )
    warned = Clock.objects.filter(state=ClockState.RUNNING, warned_at__isnull=False).count()
    say(f"data: {WorkOrder.objects.count():,} orders ({open_orders:,} open); live clocks: "
        f"{live.get('running', 0):,} running ({warned:,} warned), {live.get('overdue', 0):,} overdue")  # fmt: skip


# --- pages ------------------------------------------------------------------------------------------------
def pages_for(user, order_id: int) -> list[tuple[str, str, dict]]:
    """(label, path, extra headers) of every page this role uses."""
    from tickets.queues import queues_for_user

    intake = user.has_perm("tickets.add_workorder")
    pages = [("dashboard", "/", {})]
    if intake:
        pages.append(("intake form", "/orders/new/", {}))
    pages.append(("order page", f"/orders/{order_id}/", {}))
    pages += [(f"queue {q.name}", f"/queues/{q.name}/", {}) for q in queues_for_user(user=user)]
    pages.append(("nav counts (htmx)", "/queues/counts/", HTMX))
    pages.append(("clock panel (htmx)", f"/orders/{order_id}/clocks/", HTMX))
    if intake:
        # POSTed (R-SEC-2: no number in a URL); `fetch` posts the body of a headers dict's "data".
        pages.append(
            ("customer lookup (htmx)", "/orders/new/customer/", {**HTMX, "data": {"accepted_number": LOOKUP_NUMBER}})
        )
        pages.append(("category search (htmx)", f"/orders/new/categories/?category_q={CATEGORY_QUERY}", HTMX))
    return pages


def fetch(client, path: str, headers: dict):
    """GET the page, or POST `headers["data"]` to it when there is one (the customer lookup)."""
    if "data" in headers:
        headers = dict(headers)
        return client.post(path, headers.pop("data"), **headers)
    return client.get(path, **headers)


def measure(pages: list[tuple], runs: int) -> list[tuple[list[float], int]]:
    """Server time of each (client, path, headers): one warm-up request each (per-process caches: compiled
    calendars, category labels, templates), then `runs` rounds over all the pages, so that a slow moment of
    the machine is spread over every page instead of landing on one. (times in ms, last status) per page."""
    for client, path, headers in pages:
        fetch(client, path, headers)
    times: list[list[float]] = [[] for _ in pages]
    statuses = [0] * len(pages)
    for _ in range(runs):
        for i, (client, path, headers) in enumerate(pages):
            started = time.perf_counter()
            response = fetch(client, path, headers)
            times[i].append((time.perf_counter() - started) * 1000)
            statuses[i] = response.status_code
    return list(zip(times, statuses, strict=True))


def count_queries(client, path: str, headers: dict):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fetch(client, path, headers)
    return ctx.captured_queries


def profile(client, path: str, headers: dict, runs: int = 5, lines: int = 18) -> list[str]:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        fetch(client, path, headers)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    # The project's own functions by cumulative time (the middleware and client frames only wrap them),
    # then everything by own time.
    stats.sort_stats("cumulative").print_stats(PROJECT_CODE, lines)
    stats.sort_stats("tottime").print_stats(lines // 2)
    keep = [line for line in out.getvalue().splitlines() if line.strip() and not line.startswith("   List reduced")]
    return [f"    {line}" for line in keep if "function calls" not in line and "Ordered by" not in line]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--total", type=int, default=100_000, help="orders in the database (default 100000)")
    parser.add_argument("--runs", type=int, default=30, help="timed requests per page (default 30)")
    parser.add_argument("--reuse", action="store_true", help="keep the database if it holds --total orders")
    parser.add_argument("--profile", action="store_true", help="cProfile the pages that miss the target")
    parser.add_argument(
        "--at", default="17:30", help="local time of today the run pretends it is (default 17:30: a working day's "
        "stopped clocks are in the data)",
    )  # fmt: skip
    args = parser.parse_args()
    hour, minute = (int(part) for part in args.at.split(":"))
    anchor = datetime.now(SHANGHAI).replace(hour=hour, minute=minute, second=0, microsecond=0)
    say(f"running as of {anchor:%Y-%m-%d %H:%M} Asia/Shanghai (time_machine, ticking)")
    with time_machine.travel(anchor, tick=True):
        return run(args)


def run(args) -> int:

    db_url = os.environ.get("BENCH_PAGES_DATABASE_URL", DEFAULT_DB)
    name = urlparse(db_url).path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to use database {name!r}: a bench database's name must contain 'bench'")
    var_dir = tempfile.mkdtemp(prefix="workorders-pages-bench-")
    (Path(var_dir) / "static").mkdir()  # STATIC_ROOT: whitenoise warns when it is missing
    os.environ.update({**ENV, "DATABASE_URL": db_url, "WORKORDERS_VAR_DIR": var_dir})
    try:
        if not args.reuse:
            say(f"database {name}: dropping and recreating")
            database_recreate(db_url)

        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.management import call_command
        from django.test import Client

        from config.heap import startup_heap_freeze
        from tickets.models import WorkOrder

        t0 = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0, stdout=io.StringIO())
        say(f"migrated in {time.perf_counter() - t0:.1f} s")
        if args.reuse and WorkOrder.objects.count() >= args.total:
            say("reusing the data already there (VACUUM ANALYZE)")
            execute("VACUUM ANALYZE")
        else:
            data_build(args.total)
        data_summary()
        tallies_count()

        detail = WorkOrder.objects.filter(accepted_number=DETAIL_NUMBER).exclude(state="closed").first()
        if detail is None:
            raise SystemExit(f"no open demo order for {DETAIL_NUMBER}")
        say(f"order page: {detail.number} ({detail.state}, {detail.clocks.count()} clocks, "
            f"{detail.timeline.count()} timeline entries)")  # fmt: skip

        # As each gunicorn worker does once it has loaded the app (config/wsgi.py): the startup heap frozen, out of
        # the full collections' way (a 90 ms pause every hundred-odd requests otherwise).
        startup_heap_freeze()
        User = get_user_model()
        pages, clients = [], {}  # (label, role, client, path, headers)
        for role in ROLES:
            user = User.objects.get(username=role)
            clients[role] = Client()
            clients[role].force_login(user)
            for label, path, headers in pages_for(user, detail.id):
                pages.append((label, role, clients[role], path, headers))
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        say(f"\ntiming: {len(pages)} pages, 1 warm-up each, then {args.runs} rounds over all of them "
            f"(load average before: {load}) …")  # fmt: skip
        timed = measure([(client, path, headers) for _, _, client, path, headers in pages], args.runs)
        rows = []  # (page, role, p50, p95, max, queries, SQL ms, status)
        captured_by = {}
        for (label, role, client, path, headers), (times, status) in zip(pages, timed, strict=True):
            captured = count_queries(client, path, headers)
            captured_by[(label, role)] = (path, headers, captured)
            sql_ms = sum(float(q["time"]) for q in captured) * 1000
            rows.append((label, role, percentile(times, 50), percentile(times, 95), max(times), len(captured),
                         sql_ms, status))  # fmt: skip

        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        say(f"\nmachine: {os.cpu_count()} CPUs, load average after: {load}; PostgreSQL on 127.0.0.1, DEBUG off")
        line = "-" * 112
        say(line)
        say(f"{'page':<24} {'role':<14} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'queries':>7} {'SQL ms':>7}"
            f"  {'target':<9} result")  # fmt: skip
        say(line)
        missed = []
        for label, role, p50, p95, worst, queries, sql_ms, status in rows:
            if status != 200:
                result = f"HTTP {status}"
                missed.append((label, role))
            elif p95 <= TARGET_MS:
                result = "ok"
            else:
                result = f"MISSED by {p95 - TARGET_MS:.0f} ms"
                missed.append((label, role))
            say(f"{label:<24} {role:<14} {p50:7.1f} {p95:7.1f} {worst:7.1f} {queries:7d} {sql_ms:7.1f}"
                f"  p95 ≤ {TARGET_MS:.0f}  {result}")  # fmt: skip
        say(line)
        say(f"{len(rows) - len(missed)} of {len(rows)} pages within {TARGET_MS:.0f} ms at p95 "
            "(SQL ms: the queries' own time in the separate counting request)")  # fmt: skip

        for label, role in missed:
            path, headers, captured = captured_by[(label, role)]
            say(f"\n{label} as {role} ({path}): slowest queries")
            for text in explain(captured, plan_lines=14):
                say(text)
            if args.profile:
                say("  cProfile, 5 requests, by cumulative time:")
                for text in profile(clients[role], path, headers):
                    say(text)
        return 0
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
