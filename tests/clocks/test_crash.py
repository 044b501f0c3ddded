"""R-CLK-ENF: a worker killed in the middle of a sweep and restarted records every breach exactly once
and misses none. The sweep runs in a real child process (tests/clocks/sweep_child.py) that is killed
with SIGKILL — no exception handler, no rollback by Python: PostgreSQL aborts the open batch."""

import signal
import subprocess

import pytest
from django.utils import timezone

from deadlines.clock_models import Clock, ClockPolicy
from deadlines.sweep import clocks_sweep
from notifications.models import Notification

from .conftest import (
    BASE_DIR,
    PYTHON,
    assert_each_breached_once,
    breach_notice_counts,
    child_env,
    clock_rows_due,
    order_make,
    pg_session_count,
    process_stop,
    wait_for,
)

DUE = 3000
BATCH = 100
CHILD_APP = "clock-sweep-child"  # PGAPPNAME of the child, to see when PostgreSQL has let its session go


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_sweep_killed_mid_way_and_restarted_breaches_every_clock_exactly_once(cast, tmp_path):
    # given: 3,000 clocks past their due time on three orders
    orders = [order_make(cast, accepted_number=f"1381234567{i}") for i in range(3)]  # one matter each (R-SP-1)
    clock_ids = [
        c.pk
        for c in clock_rows_due(
            orders=orders, policy=ClockPolicy.objects.get(code="dispatch"), count=DUE, now=timezone.now()
        )
    ]
    breached = Clock.objects.filter(note="bulk", breached_at__isnull=False)
    log = tmp_path / "sweep_child.log"

    # when: a sweep in another process, killed with SIGKILL once some of its batches have committed
    with log.open("w") as out:
        child = subprocess.Popen(
            [PYTHON, "-m", "tests.clocks.sweep_child"], cwd=BASE_DIR, stdout=out, stderr=subprocess.STDOUT,
            env=child_env(
                CLOCK_SWEEP_PAUSE="0.05", CLOCK_SWEEP_BATCH=str(BATCH), PGAPPNAME=CHILD_APP,
                CELERY_BROKER_URL="memory://",  # its after-commit delivery kick goes nowhere
            ),
        )  # fmt: skip
        try:

            def some_batches_committed() -> bool:
                if child.poll() is not None:
                    raise AssertionError(f"the sweep ended before it could be killed:\n{log.read_text()}")
                return breached.count() >= 3 * BATCH

            wait_for(some_batches_committed, timeout=60, interval=0.005, what="the child's first batches")
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=10)
        finally:
            process_stop(child, sig=signal.SIGKILL)
    assert child.returncode == -signal.SIGKILL, log.read_text()

    # then: what the child committed is whole batches, each clock with all of its notices
    by_child = set(breached.values_list("pk", flat=True))
    assert 3 * BATCH <= len(by_child) < DUE
    assert len(by_child) % BATCH == 0  # the batch it was killed in rolled back entirely
    assert breach_notice_counts() == dict.fromkeys(by_child, 4)
    wait_for(lambda: pg_session_count(CHILD_APP) == 0, timeout=10, what="the killed child's session to end")

    # when: the sweep runs again (the next beat tick, on a restarted worker)
    restarted_at = timezone.now()
    result = clocks_sweep()

    # then: the rest is breached, nothing twice, nothing missed
    assert result.breached == DUE - len(by_child)
    assert_each_breached_once(clock_ids)
    # the notices written by the killed sweep are the original rows, not rewritten by the restart
    rewritten = [
        key
        for key, created_at in Notification.objects.filter(created_at__gte=restarted_at).values_list(
            "idempotency_key", "created_at"
        )
        if int(key.split("-")[1]) in by_child
    ]
    assert rewritten == []
