"""config/heap.py: each web worker freezes its startup heap once Django is set up, so that a full garbage
collection does not walk ~150,000 startup objects in the middle of a request (a 90 ms pause, bench/pages.py)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_loading_the_wsgi_application_freezes_the_startup_heap_with_every_view_imported():
    probe = (
        "import gc, sys; import config.wsgi; "
        "print(gc.get_freeze_count(), 'tickets.views.order' in sys.modules, 'holiday_duty.views' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    frozen, order_views, duty_views = done.stdout.split()
    assert int(frozen) > 50_000 and order_views == duty_views == "True"
