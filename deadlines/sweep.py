"""Enforcement (R-CLK-ENF, R-CLK-WARN, R-CLK-BREACH): record warnings and breaches of due clocks.

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
from .notices import clock_notices_record


@dataclass
class SweepResult:
    warned: int = 0
    breached: int = 0
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
            result.batches += 1
            batch = Clock.objects.filter(id__in=ids)
            breached_ids = list(
                batch.filter(breached_at__isnull=True, due_at__lte=now, state=ClockState.RUNNING).values_list(
                    "id", flat=True
                )
            )
            breached = Clock.objects.filter(id__in=breached_ids, breached_at__isnull=True).update(
                breached_at=F("due_at"), state=ClockState.OVERDUE, next_check_at=None
            )
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
            breached_set = set(breached_ids)  # once per batch: a set per element made this O(n²)
            warn_only = [i for i in warned_ids if i not in breached_set]
            clock_notices_record(warned_ids=warn_only, breached_ids=breached_ids, now=now)
            result.warned += len(warned_ids)
            result.breached += breached
        if len(ids) < batch_size:
            break
    return result
