"""Intake that keeps up (issue 12 §3): POST /api/v1/orders/ as a front-line user beside a bare DRF ModelViewSet
create of a 10-field model (bench/ceiling), in the same run, the same gunicorn (2 sync workers, DEBUG off,
CONN_MAX_AGE 60), the same settings and the same PostgreSQL. A script, not a test.

    .venv/bin/python bench/intake.py [--orders 2000] [--block 200] [--threads 2] [--breakdown 300]

Targets: orders/s ≥ 0.6 × the ceiling's; ≤ 12 SQL queries per create (every successful create).

What it does:
  1. drops and recreates the database of BENCH_INTAKE_DATABASE_URL (default
     postgres://postgres@127.0.0.1:5432/wo_intake_bench; the name must contain "bench"), migrates (the ceiling's
     table with --run-syncdb), loads reference and demo data;
  2. starts gunicorn with settings `bench.ceiling.settings` (config.settings plus the ceiling app and its URL);
  3. creates --orders orders and as many ceiling rows from --threads client threads, alternating the two in blocks
     of --block requests (both threads on the same kind at a time), so machine noise hits both alike;
  4. counts the SQL queries of one create of each in-process (Django test Client + CaptureQueriesContext, the same
     settings, after a warm-up request);
  5. prints requests/s, p50/p95 and queries per request of each, and the ratio;
  6. with --breakdown N: where a create's time goes (bench/intake_breakdown.py).
Every request must answer 201: a refused one is printed and the script exits 1 (a benchmark of refusals measures
nothing). Celery messages go to Redis db 14 (BENCH_CELERY_BROKER_URL), flushed before and after.
"""

import argparse
import io
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.orders_api import (  # noqa: E402 - after the path
    DEFAULT_BROKER,
    SERVER_ENV,
    SH,
    Api,
    InProcess,
    broker_choose,
    broker_flush,
    database_recreate,
    free_port,
    gunicorn_start,
    gunicorn_stop,
    percentile,
    say,
)

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/wo_intake_bench"
ORDERS, CEILING = "/api/v1/orders/", "/bench/ceiling/"
TARGET_RATIO, TARGET_QUERIES = 0.6, 12
_serial = iter(range(10**8))
_serial_lock = threading.Lock()


NUMBER_PREFIX = "147"  # no reference or demo data uses it (checked after loading them: main() stops if one does)


def unique_number() -> str:
    """A number no other create of the run uses, nor the demo data (R-SP-1: the same matter twice on one number is an
    urge: a 400; the escalation demo's 13900003333 once met a create of the run's 3,333rd number so)."""
    with _serial_lock:
        return f"{NUMBER_PREFIX}{next(_serial):08d}"


def order_body(rng: random.Random, category_ids: list[int]) -> dict:
    return {
        "order_type": "complaint", "channel": "phone", "handling_method": "transfer",
        "accepted_number": unique_number(), "content": "客户来电反映本月话费异常，要求核查详单并说明扣费原因。",
        "received_at": datetime.now(SH).isoformat(timespec="seconds"), "category": rng.choice(category_ids),
        "customer": {"home_city": "深圳"},
    }  # fmt: skip


def ceiling_body(rng: random.Random, _ids=None) -> dict:
    return {
        "number": unique_number(), "name": "张先生", "channel": "phone", "urgency": "normal", "city": "深圳",
        "content": "客户来电反映本月话费异常，要求核查详单并说明扣费原因。", "amount": "12.50",
        "attempts": rng.randrange(3), "is_open": True, "received_at": datetime.now(SH).isoformat(timespec="seconds"),
    }  # fmt: skip


def run_block(port: int, token: str, path: str, make, category_ids, count: int, threads: int, seed: int) -> dict:
    """`count` creates on `path` from `threads` threads; wall time, latencies and failures."""
    shares = [count // threads + (1 if i < count % threads else 0) for i in range(threads)]
    latencies: list[list[float]] = [[] for _ in range(threads)]
    failures: list[list[tuple[int, bytes]]] = [[] for _ in range(threads)]

    def work(i: int) -> None:
        api, rng = Api(port, token), random.Random(seed + i)
        try:
            for _ in range(shares[i]):
                status, raw, ms = api.call("POST", path, make(rng, category_ids))
                if status == 201:
                    latencies[i].append(ms)
                else:
                    failures[i].append((status, raw[:300]))
        finally:
            api.close()

    workers = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(threads)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=900)
    return {
        "seconds": time.perf_counter() - started,
        "latencies": [ms for part in latencies for ms in part],
        "failures": [f for part in failures for f in part],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=2000, help="creates of each kind (default 2000)")
    parser.add_argument("--block", type=int, default=200, help="requests per alternating block (default 200)")
    parser.add_argument("--threads", type=int, default=2, help="client threads (default 2)")
    parser.add_argument(
        "--breakdown", type=int, default=0, metavar="N",
        help="then, in this process, N creates as they are and with parts switched off (bench/intake_breakdown.py)",
    )  # fmt: skip
    args = parser.parse_args()

    db_url = os.environ.get("BENCH_INTAKE_DATABASE_URL", DEFAULT_DB)
    var_dir = tempfile.mkdtemp(prefix="intake-bench-")
    server = broker = None
    try:
        t0 = time.perf_counter()
        parts = urlparse(db_url)
        say(f"database {parts.hostname}:{parts.port or 5432}/{parts.path.lstrip('/')}: dropping and recreating")
        database_recreate(db_url)
        broker = broker_choose(os.environ.get("BENCH_CELERY_BROKER_URL", DEFAULT_BROKER), var_dir)
        env = {
            **os.environ, **SERVER_ENV, "DATABASE_URL": db_url, "CELERY_BROKER_URL": broker,
            "WORKORDERS_VAR_DIR": var_dir, "DJANGO_SETTINGS_MODULE": "bench.ceiling.settings",
            "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT),
        }  # fmt: skip
        os.environ.update(env)

        import django

        django.setup()
        from django.core.management import call_command

        quiet = io.StringIO()
        call_command("migrate", interactive=False, run_syncdb=True, verbosity=0, stdout=quiet)
        call_command("load_reference_data", stdout=quiet)
        call_command("load_demo_data", stdout=quiet)
        say(f"migrated (with the ceiling's table) and loaded reference + demo data in {time.perf_counter() - t0:.1f} s")
        from complaints.models import Customer

        if Customer.objects.filter(number__startswith=NUMBER_PREFIX).exists():
            raise SystemExit(f"the demo data has numbers starting {NUMBER_PREFIX}: the run's creates would meet them")

        port = free_port()
        server = gunicorn_start(port, env, Path(var_dir) / "gunicorn.log")
        say(
            f"gunicorn on 127.0.0.1:{port} (2 sync workers, DEBUG off, CONN_MAX_AGE 60), "
            "settings bench.ceiling.settings"
        )
        password = os.environ.get("DEMO_PASSWORD", "demo-pass-2026")
        anon = Api(port)
        token = anon.json("POST", "/api/v1/auth/token/", {"username": "front_line", "password": password})["token"]
        anon.close()
        front = Api(port, token)
        categories = front.json("GET", "/api/v1/categories/?leaf_only=1")
        front.close()
        category_ids = [c["id"] for c in categories if c.get("is_active", True)]

        kinds = {"orders": (ORDERS, order_body), "ceiling": (CEILING, ceiling_body)}
        results = {k: {"seconds": 0.0, "latencies": [], "failures": []} for k in kinds}
        blocks = max(1, -(-args.orders // args.block))
        say(
            f"\n{args.orders} creates of each kind from {args.threads} threads, alternating in blocks of {args.block} …"
        )
        # Both kinds' first requests warm each worker (imports, caches): one small unmeasured block each.
        for path, make in kinds.values():
            run_block(port, token, path, make, category_ids, 2 * args.threads, args.threads, seed=1)
        for block in range(2 * blocks):
            name = ("orders", "ceiling")[block % 2]
            path, make = kinds[name]
            done = len(results[name]["latencies"]) + len(results[name]["failures"])
            count = min(args.block, args.orders - done)
            if count <= 0:
                continue
            part = run_block(port, token, path, make, category_ids, count, args.threads, seed=1000 + block)
            for key in ("latencies", "failures"):
                results[name][key] += part[key]
            results[name]["seconds"] += part["seconds"]
            if part["failures"]:
                status, raw = part["failures"][0]
                say(f"  *** {name}: {len(part['failures'])} requests failed in block {block}; first: {status} {raw!r}")

        inproc = InProcess({"front_line": token})
        rng = random.Random(7)
        queries = {}
        for name, (path, make) in kinds.items():
            status, n, captured, response = inproc.queries(
                "front_line", "POST", path, lambda m=make: m(rng, category_ids)
            )
            queries[name] = (status, n, captured, response)

        say(f"\nmachine: {os.cpu_count()} CPUs, load average {', '.join(f'{x:.2f}' for x in os.getloadavg())} "
            "(other work on the machine counts against both kinds alike)")  # fmt: skip
        say("-" * 100)
        say(f"{'':<34}{'ok':>7}{'failed':>8}{'req/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'SQL/request':>13}")
        rates = {}
        for name in kinds:
            r = results[name]
            ok = len(r["latencies"])
            rates[name] = ok / r["seconds"] if r["seconds"] else 0.0
            status, n, _, _ = queries[name]
            label = {"orders": "POST /api/v1/orders/ (front_line)", "ceiling": "bare DRF ModelViewSet, 10 fields"}
            say(f"{label[name]:<34}{ok:>7}{len(r['failures']):>8}{rates[name]:>10.1f}"
                f"{percentile(r['latencies'], 50):>9.1f}{percentile(r['latencies'], 95):>9.1f}"
                f"{(str(n) if status == 201 else f'HTTP {status}'):>13}")  # fmt: skip
        say("-" * 100)
        ratio = rates["orders"] / rates["ceiling"] if rates["ceiling"] else 0.0
        status, n, captured, response = queries["orders"]
        verdict_ratio = "ok" if ratio >= TARGET_RATIO else "MISSED"
        verdict_q = "ok" if status == 201 and n <= TARGET_QUERIES else "MISSED"
        say(f"ratio orders/ceiling: {ratio:.2f}  (target ≥ {TARGET_RATIO}) {verdict_ratio}")
        say(f"SQL queries per order create: {n}  (target ≤ {TARGET_QUERIES}) {verdict_q}")
        say("the create's queries:")
        for q in captured:
            say(f"    {float(q['time']) * 1000:6.1f} ms  {q['sql'][:110]}")
        if args.breakdown:
            from bench.intake_breakdown import breakdown

            breakdown(
                token=token, category_ids=category_ids, make_order=order_body, make_ceiling=ceiling_body,
                orders_path=ORDERS, ceiling_path=CEILING, n=args.breakdown, say=say,
            )  # fmt: skip
        failed = [name for name in kinds if results[name]["failures"]] + [
            f"in-process {name} ({q[0]})" for name, q in queries.items() if q[0] != 201
        ]
        if failed:
            say(f"\n*** FAILED requests: {', '.join(failed)} — the numbers above are not of successful creates")
            if status != 201:
                say(f"*** in-process order create answered {status}: {response.content[:500]!r}")
            return 1
        return 0
    finally:
        gunicorn_stop(server)
        if broker:
            broker_flush(broker)
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
