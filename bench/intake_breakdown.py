"""Where an order create's time goes (issue 12 §3): `bench/intake.py --breakdown` runs this after its HTTP part.

In this process (Django test Client, the server's settings, the bench database), N creates of each kind, timed as
they are and then with parts of the create switched off — the 201 body (the order's detail), the clocks, the
timeline entry, the batch detection — to show what each costs and what ratio to the ceiling a create without them
would reach. A diagnostic, not a configuration: every part switched off here is a rule the product must keep
(R-CLK-*, R-WO-9, R-SP-2, the API's 201 contract). Each part is restored before the next variant."""

import contextlib
import json
import os
import random
import time
from pathlib import Path

# (label, parts switched off)
VARIANTS = [
    ("order create as it is", ()),
    ("  without the 201 body", ("detail",)),
    ("  without the clocks", ("clocks",)),
    ("  without the clocks and the 201 body", ("clocks", "detail")),
    ("  without clocks, 201 body, timeline, detection", ("clocks", "detail", "timeline", "detection")),
]


@contextlib.contextmanager
def parts_off(parts: tuple[str, ...]):
    from deadlines.clocks import clocks_follow_order_event
    from tickets.api.views import WorkOrderViewSet
    from tickets.events import order_event
    from tickets.services import batch, create

    saved_detail, saved_timeline = WorkOrderViewSet.created_detail, create.timeline_append
    if "detail" in parts:
        WorkOrderViewSet.created_detail = lambda self, order, with_files: {"id": order.id}
    if "timeline" in parts:
        create.timeline_append = lambda **kwargs: None
    if "clocks" in parts:
        order_event.disconnect(dispatch_uid="deadlines-order-event")
    if "detection" in parts:
        order_event.disconnect(dispatch_uid="tickets-batch-detection")
    try:
        yield
    finally:
        WorkOrderViewSet.created_detail, create.timeline_append = saved_detail, saved_timeline
        order_event.connect(clocks_follow_order_event, dispatch_uid="deadlines-order-event")
        order_event.connect(batch.batch_on_order_event, dispatch_uid="tickets-batch-detection")


def _backend_cpu_ms(connection) -> float:
    """This connection's PostgreSQL backend CPU time so far (Linux /proc), in ms."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") * 1000


def breakdown(*, token: str, category_ids: list[int], make_order, make_ceiling, orders_path: str,
              ceiling_path: str, n: int, say) -> None:  # fmt: skip
    from django.db import connection
    from django.test import Client

    client, auth, rng = Client(HTTP_HOST="127.0.0.1"), {"HTTP_AUTHORIZATION": f"Token {token}"}, random.Random(11)
    with connection.cursor() as cursor:
        # The HTTP part's thousands of rows would start autovacuum (29 indexes on the orders) during the timing.
        cursor.execute("VACUUM ANALYZE")

    def run(path: str, make) -> tuple[float, float, float]:
        """(wall, Python CPU, PostgreSQL CPU) ms per create."""
        for _ in range(20):  # warm-up
            client.post(path, data=json.dumps(make(rng, category_ids)), content_type="application/json", **auth)
        pg0, cpu0, wall0 = _backend_cpu_ms(connection), time.process_time(), time.perf_counter()
        for _ in range(n):
            body = json.dumps(make(rng, category_ids))
            response = client.post(path, data=body, content_type="application/json", **auth)
            if response.status_code != 201:
                raise SystemExit(f"breakdown: {path} answered {response.status_code}: {response.content[:300]!r}")
        wall, cpu = (time.perf_counter() - wall0) * 1000 / n, (time.process_time() - cpu0) * 1000 / n
        return wall, cpu, (_backend_cpu_ms(connection) - pg0) / n

    say(f"\nwhere a create's time goes: in this process, {n} creates each, ms per create (a diagnostic: every part")
    say("switched off below is a rule the product keeps). 'ratio' is the ceiling's wall time over this one's; over")
    say("HTTP the ratio is higher (the client's and gunicorn's share of each request is the same for both kinds)")
    say(f"{'':<50}{'wall':>8}{'Python':>9}{'PostgreSQL':>12}{'ratio':>8}")
    ceiling = run(ceiling_path, make_ceiling)
    say(f"{'bare DRF ModelViewSet, 10 fields':<50}{ceiling[0]:>8.2f}{ceiling[1]:>9.2f}{ceiling[2]:>12.2f}")
    for label, parts in VARIANTS:
        with parts_off(parts):
            wall, cpu, pg = run(orders_path, make_order)
        say(f"{label:<50}{wall:>8.2f}{cpu:>9.2f}{pg:>12.2f}{ceiling[0] / wall:>8.2f}")
