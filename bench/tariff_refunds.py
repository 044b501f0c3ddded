"""Benchmark of refund approval and execution (issue 10 §4, R-TD-6, R-REL-1). Prints numbers; asserts only that
nothing was paid twice (duplicates must be 0).

    .venv/bin/python bench/tariff_refunds.py [--disputes 10000] [--threads 4] [--races 100] [--racers 50]

1. approve-and-execute throughput: `--disputes` disputes pending approval (internal checks, ¥45.50 → ¥91.00),
   approved by the CS centre from `--threads` threads, each approval followed by its execution through the
   console gateway (its outbox table is the far side);
2. the race: `--races` times, `--racers` approvers approve one dispute at the same instant, then five executors
   run its refund at once.

Prints refunds executed, duplicates (refunds beyond one per dispute, gateway credits beyond one per key) and the
p50/p95 latency of an approval. Drops and recreates its own PostgreSQL database (BENCH_TD_DATABASE_URL, default
…/td_refunds_bench; the name must contain "bench")."""

import argparse
import os
import statistics
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

from benchdb import database_recreate  # bench/, beside this script

ROOT = Path(__file__).resolve().parent.parent
BENCH_URL = os.environ.get("BENCH_TD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/td_refunds_bench")


parser = argparse.ArgumentParser()
parser.add_argument("--disputes", type=int, default=10_000)
parser.add_argument("--threads", type=int, default=4)
parser.add_argument("--races", type=int, default=100)
parser.add_argument("--racers", type=int, default=50)
args = parser.parse_args()

database_recreate(BENCH_URL, variable="BENCH_TD_DATABASE_URL")
os.environ["DATABASE_URL"] = BENCH_URL
os.environ["CELERY_BROKER_URL"] = "memory://localhost/"
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-secret")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from complaints.models import Customer  # noqa: E402
from org.models import OrgUnit  # noqa: E402
from org.services import roles_seed  # noqa: E402
from tariff_disputes import services  # noqa: E402
from tariff_disputes.models import (  # noqa: E402
    ApprovalRequest,
    Cause,
    Dispute,
    GatewayCredit,
    Refund,
    RefundState,
)

call_command("migrate", verbosity=0)
roles_seed()
User = get_user_model()
branch = OrgUnit.objects.create(code="branch", name="分公司", kind=OrgUnit.Kind.BRANCH)
centre = OrgUnit.objects.create(code="cs", name="客服中心", kind=OrgUnit.Kind.SERVICE_CENTRE, parent=branch)
hall = OrgUnit.objects.create(code="hall", name="服营厅", kind=OrgUnit.Kind.HALL, parent=branch)


def user(name: str, role: str, unit: OrgUnit):
    person = User.objects.create(username=name)
    person.groups.add(*Group.objects.filter(name=role))
    unit.members.add(person)
    return User.objects.get(pk=person.pk)


clerk = user("clerk", "front_line", hall)
approvers = [user(f"centre{i}", "dispatcher", centre) for i in range(max(args.threads, args.racers))]
company = Cause.objects.get(code="company-rules")


def pending(count: int) -> list[int]:
    """Disputes pending approval at ¥91.00, written in bulk (the services' rows, without their history)."""
    start = Customer.objects.count()
    customers = Customer.objects.bulk_create(
        [Customer(number=f"139{i:08d}", name="客户") for i in range(start, start + count)], batch_size=2000
    )
    now = timezone.now()
    disputes = Dispute.objects.bulk_create(
        [
            Dispute(
                source="internal_check", customer=c, unit=hall, state="pending_approval", billing_period="2026-10",
                disputed_amount=Decimal("45.50"), charge_items="月租重复收取", outcome="justified",
                outcome_kind="wrong_charge", confirmed_amount=Decimal("45.50"), cause=company, explanation="稽核",
                remedy_form="bill_credit", multiplier=Decimal("2.00"), refund_amount=Decimal("91.00"),
                created_by=clerk, verified_by=clerk, verified_at=now,
            )
            for c in customers
        ],
        batch_size=2000,
    )  # fmt: skip
    ApprovalRequest.objects.bulk_create(
        [
            ApprovalRequest(dispute=d, amount=Decimal("91.00"), remedy_form="bill_credit", amount_version=0,
                            level_required=1, level_name="店面经理 / 绿色通道", requested_by=clerk)
            for d in disputes
        ],
        batch_size=2000,
    )  # fmt: skip
    return [d.pk for d in disputes]


def p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000 if values else 0.0


# --- 1. throughput --------------------------------------------------------------------------------------
ids = pending(args.disputes)
print(f"{len(ids)} disputes pending approval")
latencies: list[float] = []
lock = threading.Lock()


def work(chunk: list[int], approver) -> None:
    mine = []
    try:
        for dispute_id in chunk:
            t0 = time.perf_counter()
            refund = services.dispute_approve(dispute_id=dispute_id, actor=approver)
            mine.append(time.perf_counter() - t0)
            services.refund_execute(refund_id=refund.id)
    finally:
        connection.close()
        with lock:
            latencies.extend(mine)


t0 = time.perf_counter()
threads = [threading.Thread(target=work, args=(ids[i :: args.threads], approvers[i])) for i in range(args.threads)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
elapsed = time.perf_counter() - t0
executed = Refund.objects.filter(state=RefundState.EXECUTED).count()
print(
    f"approve+execute: {executed} refunds executed in {elapsed:.1f} s = {executed / elapsed:.0f}/s "
    f"({args.threads} threads); approval p50 {p(latencies, 0.5):.1f} ms, p95 {p(latencies, 0.95):.1f} ms"
)

# --- 2. the race ----------------------------------------------------------------------------------------
race_ids = pending(args.races)
race_latencies: list[float] = []
refused = 0
for dispute_id in race_ids:
    barrier = threading.Barrier(args.racers)
    outcomes: list[object] = []

    def approve(approver, dispute_id=dispute_id, barrier=barrier, outcomes=outcomes) -> None:
        try:
            barrier.wait(timeout=30)
            t0 = time.perf_counter()
            try:
                services.dispute_approve(dispute_id=dispute_id, actor=approver)
                outcomes.append("ok")
            except services.DisputeRefused:
                outcomes.append("refused")
            with lock:
                race_latencies.append(time.perf_counter() - t0)
        finally:
            connection.close()

    racers = [threading.Thread(target=approve, args=(a,)) for a in approvers[: args.racers]]
    for thread in racers:
        thread.start()
    for thread in racers:
        thread.join()
    refused += outcomes.count("refused")
    refund = Refund.objects.get(dispute_id=dispute_id)

    def execute(refund_id=refund.id) -> None:
        try:
            services.refund_execute(refund_id=refund_id)
        finally:
            connection.close()

    executors = [threading.Thread(target=execute) for _ in range(5)]
    for thread in executors:
        thread.start()
    for thread in executors:
        thread.join()

race_executed = Refund.objects.filter(dispute_id__in=race_ids, state=RefundState.EXECUTED).count()
duplicate_refunds = sum(
    row["n"] - 1 for row in Refund.objects.values("dispute_id").annotate(n=Count("id")).filter(n__gt=1)
)
duplicate_credits = sum(
    row["n"] - 1 for row in GatewayCredit.objects.values("idempotency_key").annotate(n=Count("id")).filter(n__gt=1)
)
credits_per_refund = GatewayCredit.objects.count() - Refund.objects.filter(state=RefundState.EXECUTED).count()
print(
    f"race: {args.races} × {args.racers} approvers: {race_executed} refunds executed, {refused} approvals refused "
    f"(409); approval p50 {p(race_latencies, 0.5):.1f} ms, p95 {p(race_latencies, 0.95):.1f} ms"
)
print(f"duplicates: {duplicate_refunds} refunds, {duplicate_credits + max(credits_per_refund, 0)} gateway credits")
print(f"mean approval under contention {statistics.mean(race_latencies) * 1000:.1f} ms" if race_latencies else "")
assert duplicate_refunds == 0 and duplicate_credits == 0 and credits_per_refund == 0, "paid twice"
