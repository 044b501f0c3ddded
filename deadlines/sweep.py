"""Enforcement (R-CLK-ENF, R-CLK-WARN, R-CLK-BREACH): record warnings and breaches of due clocks; remind at
reminder clocks (R-CLK-RETRY); start the next round of a breached recurring clock (R-CLK-FEEDBACK).

Cost: reads only clocks whose `next_check_at` has passed (partial index `clock_sweep_idx`), in batches,
with set-based UPDATEs and bulk INSERTs, so a sweep costs O(number due), not O(open orders).

Exactly once: a batch is claimed with `SELECT … FOR UPDATE SKIP LOCKED`, so parallel sweeps take
disjoint rows, and each UPDATE repeats its guard (`breached_at IS NULL AND due_at <= now`), so a
repeated or restarted sweep changes nothing twice. Warnings and breaches are recorded at the instant
they happened (warn_at, due_at), not at the sweep's time. Notifications carry idempotency keys under
a unique constraint (`bulk_create(ignore_conflicts=True)`), so a sweep killed after committing and
run again cannot notify twice; one killed before committing rolls back whole and is redone."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .clock_models import Clock, ClockState
from .clocks import clocks_next_round
from .notices import clock_notices_record


@dataclass
class SweepResult:
    warned: int = 0
    breached: int = 0
    reminded: int = 0
    batches: int = 0


def clocks_sweep(*, now: datetime | None = None, batch_size: int = 2000, max_batches: int = 50) -> SweepResult:
    """Record every warning and breach due by `now`. Idempotent; safe to run in parallel."""
    now = now or timezone.now()
    result = SweepResult()
    for _ in range(max_batches):
        with transaction.atomic():
            ids = list(
                Clock.objects.filter(next_check_at__lte=now)
                .order_by("next_check_at")
                .select_for_update(skip_locked=True)
                .values_list("id", flat=True)[:batch_size]
            )
            if not ids:
                break
            claimed = len(ids)
            result.batches += 1
            batch = Clock.objects.filter(id__in=ids)
            due = batch.filter(breached_at__isnull=True, due_at__lte=now, state=ClockState.RUNNING)
            due_rows = list(due.values_list("id", "order_id", "policy__is_reminder", "policy__recurring"))
            held_back = _orders_held_back(due_rows=due_rows)
            if held_back:
                due_rows = [row for row in due_rows if row[1] not in held_back]
                ids = list(batch.exclude(order_id__in=held_back).values_list("id", flat=True))
                batch = Clock.objects.filter(id__in=ids)
                if not ids:
                    break  # all of it waits for orders in use; the next sweep takes it
            due_rows = [(i, is_reminder, is_recurring) for i, _, is_reminder, is_recurring in due_rows]
            # R-CLK-RETRY: a reminder at its due time reminds and ends (met); it is no deadline, nothing is breached.
            # Stopped now, not at the due time: a stop is dated when it is recorded (the hourly tallies of stopped
            # clocks count only hours that have ended).
            reminded_ids = [i for i, is_reminder, _ in due_rows if is_reminder]
            Clock.objects.filter(id__in=reminded_ids, state=ClockState.RUNNING).update(
                state=ClockState.MET, stopped_at=now, next_check_at=None
            )
            breached_ids = [i for i, is_reminder, _ in due_rows if not is_reminder]
            breached = Clock.objects.filter(id__in=breached_ids, breached_at__isnull=True).update(
                breached_at=F("due_at"), state=ClockState.OVERDUE, next_check_at=None
            )
            # R-CLK-FEEDBACK: a recurring clock's next round starts at the breached round's due time, here, on the
            # rows this sweep holds, so that each breach starts exactly one round (parallel sweeps skip them).
            recurring = [i for i, is_reminder, is_recurring in due_rows if is_recurring and not is_reminder]
            if recurring:
                _rounds_follow(breached=list(Clock.objects.filter(id__in=recurring).select_related("policy")), now=now)
            # A warning whose time passed is recorded even when the breach came in the same sweep.
            warned_ids = list(batch.filter(warned_at__isnull=True, warn_at__lte=now).values_list("id", flat=True))
            Clock.objects.filter(id__in=warned_ids, warned_at__isnull=True).update(warned_at=F("warn_at"))
            # Those only warned now wait for their due time next.
            Clock.objects.filter(id__in=ids, state=ClockState.RUNNING, breached_at__isnull=True).filter(
                Q(warned_at__isnull=False) | Q(warn_at__isnull=True)
            ).update(next_check_at=F("due_at"))
            # Anything else claimed (no longer live) leaves the sweep index.
            Clock.objects.filter(id__in=ids, next_check_at__isnull=False).exclude(state=ClockState.RUNNING).update(
                next_check_at=None
            )
            ended = set(breached_ids) | set(reminded_ids)  # once per batch: a set per element made this O(n²)
            warn_only = [i for i in warned_ids if i not in ended]
            clock_notices_record(warned_ids=warn_only, breached_ids=breached_ids, reminded_ids=reminded_ids, now=now)
            result.warned += len(warned_ids)
            result.breached += breached
            result.reminded += len(reminded_ids)
        if claimed < batch_size:
            break
    return result


def _orders_held_back(*, due_rows: list[tuple]) -> set[int]:
    """Lock the orders whose `next_due_at` this batch will change, skipping those another transaction holds;
    returns the skipped ones, whose clocks wait for the next sweep (a breach is dated at its due time whenever
    it is recorded).

    Ending a reminder, starting a recurring clock's next round or ending a superseded round changes the order's
    earliest live due time, which a database trigger writes to the order row (tickets' `next_due_at`). A
    transition locks its order first and then its clocks; this sweep holds clocks, so waiting here for such an
    order could deadlock with it. A plain breach (running → overdue) leaves the order row alone."""
    changing = {order_id for _, order_id, is_reminder, is_recurring in due_rows if is_reminder or is_recurring}
    if not changing:
        return set()
    order_model = Clock._meta.get_field("order").related_model  # the FK's target, not an import of the layer above
    held = (
        order_model._base_manager.filter(pk__in=changing)
        .order_by("pk")
        .select_for_update(skip_locked=True, no_key=True)
    )
    return changing - set(held.values_list("pk", flat=True))


def _rounds_follow(*, breached: list[Clock], now: datetime) -> None:
    """Start the next round of each breached recurring clock, and end the rounds before it that are still
    overdue (superseded: one overdue round per order and clock, the latest missed). Those older rows are not
    this sweep's: a transition holding them (it will stop them itself) is skipped, never waited for, so a
    sweep and a transition cannot deadlock on each other's rows."""
    clocks_next_round(clocks=breached)
    latest = {}
    for clock in breached:
        key = (clock.order_id, clock.policy_id)
        if key not in latest or clock.due_at > latest[key]:
            latest[key] = clock.due_at
    older = (
        Clock.objects.filter(order_id__in={o for o, _ in latest}, policy_id__in={p for _, p in latest})
        .filter(state=ClockState.OVERDUE)
        .exclude(id__in=[c.id for c in breached])
        .select_for_update(skip_locked=True)
    )
    ended = []
    for clock in older:
        superseded_at = latest.get((clock.order_id, clock.policy_id))
        if superseded_at and clock.due_at < superseded_at:
            clock.state, clock.stopped_at = ClockState.BREACHED, now
            ended.append(clock)
    Clock.objects.bulk_update(ended, ["state", "stopped_at"])
