"""Benchmark of business-time arithmetic (SPEC §3.1). Target: ≥ 50,000 calendar_add per second on
one core for CAL-WORKDAY. Prints rates and a checksum; asserts nothing about timing.

    .venv/bin/python manage.py migrate && .venv/bin/python bench/calendar_arithmetic.py [N]

Uses the default database; seeds the calendars and holidays if CAL-WORKDAY is missing.
"""

import os
import random
import sys
import time
import zlib
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from deadlines.models import BusinessCalendar  # noqa: E402
from deadlines.selectors import calendar_add, calendar_compiled, calendar_elapsed  # noqa: E402
from deadlines.services import calendar_seed_defaults, holiday_seed_from_chinese_calendar  # noqa: E402

SH = ZoneInfo("Asia/Shanghai")
CODE = "CAL-WORKDAY"


def workload(n: int, seed: int = 20261120) -> list[tuple[datetime, timedelta]]:
    """Random starts in 2024–2026 (to the second), limits from 30 minutes to 10 working days (70 h)."""
    rng = random.Random(seed)
    first = datetime(2024, 1, 1, tzinfo=SH)
    span = int((datetime(2027, 1, 1, tzinfo=SH) - first).total_seconds())
    return [
        (first + timedelta(seconds=rng.randrange(span)), timedelta(minutes=rng.randint(30, 70 * 60))) for _ in range(n)
    ]


def rate(label: str, n: int, seconds: float) -> None:
    print(f"{label:<46} {n:>9,} in {seconds:6.3f} s = {n / seconds:>11,.0f} /s")


def main(n: int) -> None:
    if not BusinessCalendar.objects.filter(code=CODE).exists():
        calendar_seed_defaults()
        result = holiday_seed_from_chinese_calendar()
        print(f"seeded calendars; holidays: {result}")
    jobs = workload(n)

    t0 = time.perf_counter()
    compiled = calendar_compiled(CODE)
    print(f"compile {CODE}: {(time.perf_counter() - t0) * 1000:.1f} ms")
    compiled.add(jobs[0][0], jobs[0][1])  # warm the window

    t0 = time.perf_counter()
    dues = [calendar_add(CODE, start, limit) for start, limit in jobs]
    rate("calendar_add (by code, through the cache)", n, time.perf_counter() - t0)

    t0 = time.perf_counter()
    dues_direct = [compiled.add(start, limit) for start, limit in jobs]
    rate("CompiledCalendar.add (no cache lookup)", n, time.perf_counter() - t0)

    t0 = time.perf_counter()
    spent = [calendar_elapsed(CODE, start, due) for (start, _limit), due in zip(jobs, dues, strict=True)]
    rate("calendar_elapsed (by code, through the cache)", n, time.perf_counter() - t0)

    checksum = zlib.crc32("".join(due.isoformat() for due in dues).encode())
    consistent = dues == dues_direct and spent == [limit for _start, limit in jobs]
    print(f"checksum crc32(due times) = {checksum:08x}; elapsed(start, add(start, d)) == d for all: {consistent}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
