"""Business-time arithmetic on one compiled calendar (SPEC §3.1). Pure Python: no database access.

Model. Local wall-clock time is mapped to integer microseconds since 2000-01-01 00:00 local. A
calendar's open periods form a sorted list of disjoint intervals [starts[i], ends[i]); cum[i] is
the open time before interval i, so B(t) = "open time before t" is a non-decreasing function that
is flat on closed periods. Then, with d > 0:

    add(start, d)       = the earliest t with B(t) >= B(start) + d
    elapsed(start, end) = B(end) - B(start)

"Earliest" is what makes a due time never fall in a closed period: when the last second is consumed
at 12:00 the answer is 12:00, not 14:00 (§3.1). Counting starts at the first open instant at or
after `start` because B is flat until then.

The interval list covers a window of whole years and is extended lazily (forwards and backwards)
when an instant or a due time falls outside it, so any year works; days with no holiday-table
entry are plain Monday–Friday. The origin of B never moves when the window grows, so positions
computed on an older window stay valid. Each call is two `bisect`s.

Time zones: wall-clock arithmetic in the calendar's zone (Asia/Shanghai, which has had no daylight
saving since 1991, so wall-clock and absolute time agree). 24×7 calendars use absolute time.
"""

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo

ONE_US = timedelta(microseconds=1)
ZERO = timedelta(0)
DAY_US = 86_400_000_000
EPOCH = datetime(2000, 1, 1)
EPOCH_ORDINAL = EPOCH.toordinal()
MIN_ORDINAL = date(1, 1, 2).toordinal()
MAX_ORDINAL = date(9999, 12, 31).toordinal()
# A due time more than this far past the start means the calendar (almost) never opens.
SEARCH_LIMIT_YEARS = 20

Interval = tuple[int, int]  # microseconds since local midnight, end exclusive; end may be DAY_US


class CalendarError(ValueError):
    """The calendar cannot answer: it has no open time within SEARCH_LIMIT_YEARS, or the date range
    of `datetime` is exceeded."""


class _Axis:
    """One immutable snapshot of the interval window [lo, hi) (microseconds, whole days)."""

    __slots__ = ("lo", "hi", "starts", "ends", "cum")

    def __init__(self, lo: int, hi: int, starts: list[int], ends: list[int], cum: list[int]):
        self.lo, self.hi, self.starts, self.ends, self.cum = lo, hi, starts, ends, cum  # len(cum) = n + 1

    def position(self, us: int) -> int:
        """B(us): open microseconds before `us` (relative to a fixed origin). Requires lo <= us < hi."""
        i = bisect_right(self.starts, us) - 1
        if i < 0:
            return self.cum[0]
        if us < self.ends[i]:
            return self.cum[i] + us - self.starts[i]
        return self.cum[i + 1]


class CompiledCalendar:
    """An in-memory calendar. Thread-safe: the window grows under a lock and is swapped atomically.

    `weekly[wd]` is the sorted, merged list of open intervals for weekday wd (0 = Monday).
    If `uses_workdays`, a day is open only when it is a working day: (Monday–Friday and not in
    `rest_days`) or in `makeup_days`. Otherwise every day follows `weekly`.
    """

    def __init__(
        self,
        *,
        code: str,
        tz: tzinfo,
        is_24x7: bool,
        uses_workdays: bool,
        weekly: Mapping[int, Iterable[Interval]],
        rest_days: Iterable[date] = (),
        makeup_days: Iterable[date] = (),
        years: tuple[int, int] | None = None,
    ):
        self.code = code
        self.tz = tz
        self.is_24x7 = is_24x7
        self.uses_workdays = uses_workdays
        self.weekly = tuple(_merge(weekly.get(wd, ())) for wd in range(7))
        self.rest_days = frozenset(rest_days)
        self.makeup_days = frozenset(makeup_days)
        self._lock = threading.Lock()
        if years is None:
            dated = self.rest_days | self.makeup_days
            this_year = date.today().year
            years = (min([d.year for d in dated] + [this_year]) - 1, max([d.year for d in dated] + [this_year]) + 2)
        lo_ord = max(date(years[0], 1, 1).toordinal(), MIN_ORDINAL)
        hi_ord = min(date(years[1] + 1, 1, 1).toordinal(), MAX_ORDINAL)
        starts, ends, lengths = self._intervals(lo_ord, hi_ord)
        self._axis = _Axis(_day_us(lo_ord), _day_us(hi_ord), starts, ends, _cumulate(0, lengths))

    def __repr__(self) -> str:
        return f"<CompiledCalendar {self.code}>"

    # --- public arithmetic -----------------------------------------------------------------

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """Due time of `duration` of open time counted from `start` (see module docstring).

        A zero duration is due at `start` itself, even when `start` is in a closed period. A
        negative duration raises ValueError. Result: aware, in the calendar's zone.
        """
        if duration < ZERO:
            raise ValueError("duration must not be negative")
        if self.is_24x7:
            # Through UTC: aware + timedelta on a zone with DST would be wall-clock arithmetic.
            return (_require_aware(start).astimezone(UTC) + duration).astimezone(self.tz)
        us = self._to_us(start)
        if not duration:
            return start.astimezone(self.tz)
        axis = self._covering(us)
        target = axis.position(us) + duration // ONE_US
        k = bisect_left(axis.cum, target, 1)
        while k == len(axis.cum):  # due time beyond the window: grow it a year at a time
            if axis.hi - us > SEARCH_LIMIT_YEARS * 366 * DAY_US:
                raise CalendarError(f"{self.code}: not enough open time within {SEARCH_LIMIT_YEARS} years")
            axis = self._grow(axis.hi + DAY_US)
            k = bisect_left(axis.cum, target, 1)
        j = k - 1
        return self._from_us(axis.starts[j] + target - axis.cum[j])

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Open time between two instants. Antisymmetric: elapsed(a, b) == -elapsed(b, a), so it is
        negative when `end` is before `start` and zero when they are equal."""
        if self.is_24x7:
            return _require_aware(end).astimezone(UTC) - _require_aware(start).astimezone(UTC)
        a, b = self._to_us(start), self._to_us(end)
        self._covering(min(a, b))
        axis = self._covering(max(a, b))
        return timedelta(microseconds=axis.position(b) - axis.position(a))

    def remaining(self, now: datetime, due: datetime) -> timedelta:
        """Open time left until `due`; zero at `due`, negative (open time overdue) after it."""
        return self.elapsed(now, due)

    def is_open(self, at: datetime) -> bool:
        """Whether `at` lies inside an open period (a closing instant such as 12:00 is closed)."""
        if self.is_24x7:
            _require_aware(at)
            return True
        us = self._to_us(at)
        axis = self._covering(us)
        i = bisect_right(axis.starts, us) - 1
        return i >= 0 and us < axis.ends[i]

    def is_working_day(self, day: date) -> bool:
        """The working-day rule of §3.1 (Monday–Friday minus holidays and closures, plus make-up
        days), regardless of whether this calendar uses it."""
        if day in self.makeup_days:
            return True
        return day.weekday() < 5 and day not in self.rest_days

    # --- internals -------------------------------------------------------------------------

    def _to_us(self, moment: datetime) -> int:
        wall = _require_aware(moment).astimezone(self.tz).replace(tzinfo=None)
        return (wall - EPOCH) // ONE_US

    def _from_us(self, us: int) -> datetime:
        return (EPOCH + timedelta(microseconds=us)).replace(tzinfo=self.tz)

    def _covering(self, us: int) -> _Axis:
        axis = self._axis
        if axis.lo <= us < axis.hi:
            return axis
        return self._grow(us)

    def _grow(self, us: int) -> _Axis:
        """Return a window that contains `us`, extending the current one by whole years."""
        with self._lock:
            axis = self._axis
            if us >= axis.hi:
                lo_ord, hi_ord = _ordinal(axis.hi), _year_end_ordinal(us)
                if lo_ord >= MAX_ORDINAL:
                    raise CalendarError("date out of range")
                starts, ends, lengths = self._intervals(lo_ord, hi_ord)
                cum = axis.cum + _cumulate(axis.cum[-1], lengths)[1:]
                axis = _Axis(axis.lo, _day_us(hi_ord), axis.starts + starts, axis.ends + ends, cum)
            if us < axis.lo:
                lo_ord, hi_ord = _year_start_ordinal(us), _ordinal(axis.lo)
                if hi_ord <= MIN_ORDINAL:
                    raise CalendarError("date out of range")
                starts, ends, lengths = self._intervals(lo_ord, hi_ord)
                head = _cumulate(axis.cum[0] - sum(lengths), lengths)[:-1]
                axis = _Axis(_day_us(lo_ord), axis.hi, starts + axis.starts, ends + axis.ends, head + axis.cum)
            self._axis = axis
            return axis

    def _intervals(self, lo_ord: int, hi_ord: int) -> tuple[list[int], list[int], list[int]]:
        """Open intervals of the days [lo_ord, hi_ord), as absolute microseconds."""
        starts: list[int] = []
        ends: list[int] = []
        lengths: list[int] = []
        weekly, uses_workdays = self.weekly, self.uses_workdays
        for ordinal in range(lo_ord, hi_ord):
            day = date.fromordinal(ordinal)
            if uses_workdays and not self.is_working_day(day):
                continue
            base = (ordinal - EPOCH_ORDINAL) * DAY_US
            for open_us, close_us in weekly[day.weekday()]:
                starts.append(base + open_us)
                ends.append(base + close_us)
                lengths.append(close_us - open_us)
        return starts, ends, lengths


def _merge(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    merged: list[list[int]] = []
    for open_us, close_us in sorted(intervals):
        if not 0 <= open_us < close_us <= DAY_US:
            raise ValueError(f"bad period {open_us}–{close_us}")
        if merged and open_us <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], close_us)
        else:
            merged.append([open_us, close_us])
    return tuple((a, b) for a, b in merged)


def _cumulate(first: int, lengths: list[int]) -> list[int]:
    cum = [first]
    total = first
    for length in lengths:
        total += length
        cum.append(total)
    return cum


def _require_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("an aware datetime is required")
    return moment


def _day_us(ordinal: int) -> int:
    return (ordinal - EPOCH_ORDINAL) * DAY_US


def _ordinal(us: int) -> int:
    return us // DAY_US + EPOCH_ORDINAL


def _year_end_ordinal(us: int) -> int:
    """Ordinal of 1 January after the year containing `us` (capped at the datetime range)."""
    year = date.fromordinal(min(_ordinal(us), MAX_ORDINAL)).year
    return date(year + 1, 1, 1).toordinal() if year < 9999 else MAX_ORDINAL


def _year_start_ordinal(us: int) -> int:
    return max(date.fromordinal(max(_ordinal(us), MIN_ORDINAL)).replace(month=1, day=1).toordinal(), MIN_ORDINAL)
