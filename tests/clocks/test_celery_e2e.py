"""R-CLK-ENF end to end: Celery beat (the schedule in settings) sends the clock sweep, a real worker on
Redis runs it against PostgreSQL, records the breach and delivers its notices through the outbox.

Beat runs the sweep every 60 s, and a fresh beat waits one interval before the first run. So that the
test does not wait a minute, beat is started on a schedule file whose entries last ran an hour ago —
the state after a beat restart following an outage — and sends both sweeps at once. Nothing else is
changed: stock PersistentScheduler, the settings' CELERY_BEAT_SCHEDULE, the real task names."""

import os
import re
import subprocess
from datetime import timedelta

import pytest
import redis
from celery.beat import PersistentScheduler
from django.utils import timezone

from config.celery import app as celery_app
from deadlines.clock_models import Clock, ClockKind, ClockState
from notifications.models import Notification, NotificationState

from .conftest import BASE_DIR, PYTHON, child_env, live_clock, order_make, process_stop, wait_for


def _broker_flush(url: str) -> None:
    with redis.Redis.from_url(url) as client:
        client.flushdb()


def _beat_schedule_as_after_restart(path, *, last_run_at) -> list[str]:
    scheduler = PersistentScheduler(app=celery_app, schedule_filename=str(path))
    try:
        for entry in scheduler.schedule.values():
            entry.last_run_at = last_run_at
        return sorted(scheduler.schedule)
    finally:
        scheduler.close()


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_beat_and_a_worker_record_a_breach_and_deliver_its_notices(cast, tmp_path):
    broker = os.environ["CELERY_BROKER_URL"]
    _broker_flush(broker)

    # given: an order whose dispatch limit passed an hour ago (the worker's clock cannot be frozen, so
    # the clock is moved into the past instead)
    order = order_make(cast)
    now = timezone.now()
    started = now - timedelta(hours=3)
    Clock.objects.filter(order=order, kind=ClockKind.DISPATCH).update(
        started_at=started, due_at=started + timedelta(hours=2), warn_at=started + timedelta(minutes=96),
        next_check_at=started + timedelta(minutes=96),
    )  # fmt: skip
    clock = live_clock(order, ClockKind.DISPATCH)
    schedule = tmp_path / "beat-schedule"
    assert "clocks-sweep" in _beat_schedule_as_after_restart(schedule, last_run_at=now - timedelta(hours=1))

    env = child_env(CELERY_BROKER_URL=broker)
    worker_log, beat_log = tmp_path / "worker.log", tmp_path / "beat.log"
    celery = [PYTHON, "-m", "celery", "-A", "config"]
    procs: list[subprocess.Popen] = []
    breaches = Notification.objects.filter(kind="clock_breach", order=order)

    def swept_and_delivered() -> bool:
        if exited := [proc.args[3:5] for proc in procs if proc.poll() is not None]:
            raise AssertionError(f"celery exited early: {exited}")
        state = Clock.objects.values_list("state", flat=True).get(pk=clock.pk)
        return state == ClockState.OVERDUE and breaches.filter(state=NotificationState.SENT).count() == 4

    # when: a worker and beat run
    with worker_log.open("w") as worker_out, beat_log.open("w") as beat_out:
        try:
            procs.append(
                subprocess.Popen(
                    [*celery, "worker", "--pool", "solo", "-l", "info", "--without-mingle", "--without-gossip",
                     "--without-heartbeat", "-n", f"clocks-e2e-{os.getpid()}@%h"],
                    cwd=BASE_DIR, env=env, stdout=worker_out, stderr=subprocess.STDOUT,
                )
            )  # fmt: skip
            procs.append(
                subprocess.Popen(
                    [*celery, "beat", "-l", "info", "--schedule", str(schedule),
                     "--scheduler", "celery.beat.PersistentScheduler"],
                    cwd=BASE_DIR, env=env, stdout=beat_out, stderr=subprocess.STDOUT,
                )
            )  # fmt: skip
            wait_for(swept_and_delivered, timeout=60, interval=0.25, what="the breach and its delivered notices")
        finally:
            for proc in procs:
                process_stop(proc)
            _broker_flush(broker)
            # shown by pytest when the test fails
            print("--- worker ---", worker_log.read_text(), "--- beat ---", beat_log.read_text(), sep="\n")

    # then: R-CLK-BREACH recorded at the due time, the earlier warning at its time
    clock = Clock.objects.get(pk=clock.pk)
    assert (clock.state, clock.breached_at, clock.warned_at) == (ClockState.OVERDUE, clock.due_at, clock.warn_at)
    assert clock.next_check_at is None
    # the responsible person and the accepting unit's supervisor, in the inbox and by email, all sent
    assert {(n.recipient_id, n.channel) for n in breaches} == {
        (cast.clerk.pk, "in_app"), (cast.clerk.pk, "email"),
        (cast.supervisor.pk, "in_app"), (cast.supervisor.pk, "email"),
    }  # fmt: skip
    assert all(n.sent_at is not None for n in breaches)
    # it was beat's clocks-sweep that the worker ran, and it recorded this one breach
    assert "Sending due task clocks-sweep (deadlines.tasks.clocks_sweep_task)" in beat_log.read_text()
    worker_text = worker_log.read_text()
    assert re.search(
        r"Task deadlines\.tasks\.clocks_sweep_task\[[-0-9a-f]+\] succeeded in [0-9.e-]+s: 1\b", worker_text
    )
    assert cast.supervisor.email in worker_text  # the console email backend printed the email
