"""The first-contact owner's daily digest of their orders' breaches (R-WO-9, R-CLK-BREACH, issue 13 §6).

A breach is told at once to the people who can act on it (`deadlines.notices`: the person responsible for the
clock and their supervisor). The first-contact owner follows every order they accepted to its end (R-WO-9) but
is not the one to act on, say, a department's handling clock: they hear of those breaches once a day, in one
notice that lists them, instead of one notice per clock. Breaches they were told of directly are left out.
One notice per owner and day (its idempotency key), so beat running the task twice sends nothing twice."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from notifications.bulk import notification_bulk_enqueue

from .clock_models import Clock, ClockKind
from .notices import clock_order_facts, clock_recipients, supervisor_tree

DIGEST_KIND = "breach_digest"
MAX_LINES = 50  # the notice lists this many breaches and counts the rest


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())  # Asia/Shanghai days
    return start, start + timedelta(days=1)


def breach_digest_record(*, day: date, now: datetime | None = None) -> int:
    """Write the digests of `day` (a local date); returns how many owners were offered one."""
    start, end = _day_bounds(day)
    clocks = list(
        Clock.objects.filter(breached_at__gte=start, breached_at__lt=end)
        .order_by("breached_at", "id")
        .values("id", "order_id", "kind", "breached_at", "started_at", "cycle")
    )
    if not clocks:
        return 0
    facts = clock_order_facts(order_ids={c["order_id"] for c in clocks})
    told = clock_recipients(clocks=clocks, facts=facts, tree=supervisor_tree())
    lines: dict[int, list[str]] = defaultdict(list)
    for clock in clocks:
        order = facts[clock["order_id"]]
        owner = order["accepted_by_id"]
        responsible, above = told[clock["id"]]
        if owner is None or owner in responsible | above:
            continue  # nobody to tell, or told at the breach already
        at = timezone.localtime(clock["breached_at"])
        lines[owner].append(f"{order['number']} {ClockKind(clock['kind']).label} {at:%H:%M}")
    items = []
    for owner, rows in lines.items():
        more = f"\n……另有 {len(rows) - MAX_LINES} 项" if len(rows) > MAX_LINES else ""
        items.append(
            {
                "channel": "in_app", "recipient_id": owner, "order_id": None, "kind": DIGEST_KIND,
                "subject": f"【超时汇总】{day:%m-%d} 您受理的工单有 {len(rows)} 项超时（已通知处理人及其主管）",
                "body": "\n".join(rows[:MAX_LINES]) + more,
                "idempotency_key": f"breach-digest-{day.isoformat()}-{owner}",
            }
        )  # fmt: skip
    notification_bulk_enqueue(items=items, now=now or timezone.now())
    return len(items)


def yesterday() -> date:
    return timezone.localdate() - timedelta(days=1)
