"""One clock sweep in a process of its own, for test_crash.py, which kills it with SIGKILL mid-way.

    DATABASE_URL=… CLOCK_SWEEP_PAUSE=0.05 python -m tests.clocks.sweep_child

CLOCK_SWEEP_PAUSE makes each batch sleep after writing its notices, before its commit, so that the
kill can land between and inside batches. CLOCK_SWEEP_BATCH is the batch size (default 100)."""

import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from deadlines import sweep  # noqa: E402

pause = float(os.environ.get("CLOCK_SWEEP_PAUSE", "0"))
if pause:
    record = sweep.clock_notices_record

    def slow_record(**kwargs):
        created = record(**kwargs)
        time.sleep(pause)
        return created

    sweep.clock_notices_record = slow_record

result = sweep.clocks_sweep(batch_size=int(os.environ.get("CLOCK_SWEEP_BATCH", "100")))
print(f"swept: {result}", flush=True)
