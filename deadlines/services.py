"""Writes: seeding the default calendars (SPEC §3.1) and the holiday table from `chinese_calendar`; holiday years
(R-CAL-YEAR): confirming, reopening, importing a year from a CSV file.

Both seeds are idempotent and never overwrite what an administrator changed: calendars are data
(§3.1, "defaults that an administrator can change"). `load_reference_data` calls them.

Every change to a year's schedule queues, on commit, the recompute of the running working-day clocks that touch
that year (`deadlines.recompute`, Celery task `holiday_years_recompute_task`).
"""

import csv
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from importlib.metadata import PackageNotFoundError, version

import chinese_calendar
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from deadlines.models import BusinessCalendar, Festival, HolidayDate, HolidayYear, WeeklyPeriod, festival_from_text
from deadlines.recompute import clocks_touching_years
from deadlines.selectors import calendar_cache_clear, holiday_schedule_problems, holiday_year_problems
from deadlines.tasks import holiday_years_recompute_task

logger = logging.getLogger(__name__)

# (code, name, is_24x7, uses_workdays, [(weekday or None = every (working) day, opens, closes)])
DEFAULT_CALENDARS = [
    ("CAL-24x7", "全天候 24×7", True, False, []),
    # Reply limits exclude night 20:00–08:00 and lunch 12:00–14:30 [002 ㈠⒋].
    (
        "CAL-SERVICE",
        "服务时段 Service hours",
        False,
        False,
        [(None, time(8), time(12)), (None, time(14, 30), time(20))],
    ),
    # 7 h per working day (Decision); half a working day = 3 h 30 min.
    (
        "CAL-WORKDAY",
        "工作日 Working days",
        False,
        True,
        [(None, time(8, 30), time(12)), (None, time(14), time(17, 30))],
    ),
]


@transaction.atomic
def calendar_seed_defaults() -> list[BusinessCalendar]:
    """Create CAL-24x7, CAL-SERVICE and CAL-WORKDAY with their §3.1 periods if they are missing.

    Idempotent. An existing calendar is left as it is (an administrator may have edited it); default
    periods are added only to a calendar that has none (a 24×7 calendar needs none).
    """
    calendars = []
    for code, name, is_24x7, uses_workdays, periods in DEFAULT_CALENDARS:
        calendar, _created = BusinessCalendar.objects.get_or_create(
            code=code, defaults={"name": name, "is_24x7": is_24x7, "uses_workdays": uses_workdays}
        )
        if periods and not calendar.periods.exists():
            for weekday, opens, closes in periods:
                WeeklyPeriod.objects.create(calendar=calendar, weekday=weekday, start_time=opens, end_time=closes)
        calendars.append(calendar)
    return calendars


@dataclass(frozen=True)
class HolidaySeedResult:
    created: int
    updated: int
    unchanged: int
    kept_manual: int  # dates the package knows but an administrator owns
    years_confirmed: int = 0  # holiday years the seed confirmed now (R-CAL-YEAR)


# The package's names of the festivals (`chinese_calendar.Holiday` members) → ours.
PACKAGE_FESTIVALS = {
    "new_years_day": Festival.NEW_YEAR,
    "spring_festival": Festival.SPRING_FESTIVAL,
    "tomb_sweeping_day": Festival.TOMB_SWEEPING,
    "labour_day": Festival.LABOUR_DAY,
    "dragon_boat_festival": Festival.DRAGON_BOAT,
    "mid_autumn_festival": Festival.MID_AUTUMN,
    "national_day": Festival.NATIONAL_DAY,
}


def chinese_calendar_version() -> str:
    try:
        return version("chinesecalendar")
    except PackageNotFoundError:
        return getattr(chinese_calendar, "__version__", "unknown")


@transaction.atomic
def holiday_seed_from_chinese_calendar() -> HolidaySeedResult:
    """Load every statutory holiday and make-up working day that `chinese_calendar` knows.

    `chinese_calendar.holidays` holds the days off of each statutory holiday block (weekend days
    inside a block included, ordinary weekends not); `chinese_calendar.workdays` holds the make-up
    working days (调休上班, mostly Saturdays/Sundays). Idempotent: missing dates are created, rows
    that came from the package are updated, rows with source "manual" are never touched.
    Writes in bulk (no post_save signals), so it drops the compiled-calendar cache itself.
    """
    wanted = {
        day: (HolidayDate.Kind.STATUTORY_HOLIDAY, _holiday_name(name), _package_festival(name))
        for day, name in chinese_calendar.holidays.items()
    }
    wanted |= {
        day: (HolidayDate.Kind.MAKEUP_WORKDAY, _holiday_name(name), _package_festival(name))
        for day, name in chinese_calendar.workdays.items()
    }
    now = timezone.now()
    existing = HolidayDate.objects.select_for_update().in_bulk(list(wanted), field_name="date")
    to_create, to_update, kept_manual = [], [], 0
    for day, (kind, name, festival) in sorted(wanted.items()):
        row = existing.get(day)
        if row is None:
            to_create.append(
                HolidayDate(
                    date=day, kind=kind, name=name, festival=festival, source=HolidayDate.Source.PACKAGE,
                    updated_at=now,
                )
            )  # fmt: skip
        elif row.source != HolidayDate.Source.PACKAGE:
            kept_manual += 1
        elif (row.kind, row.name, row.festival) != (kind, name, festival):
            row.kind, row.name, row.festival, row.updated_at = kind, name, festival, now  # bulk_update skips auto_now
            to_update.append(row)
    HolidayDate.objects.bulk_create(to_create, batch_size=500)
    HolidayDate.objects.bulk_update(to_update, ["kind", "name", "festival", "updated_at"], batch_size=500)
    confirmed = _package_years_confirm(years={day.year for day in wanted}, now=now)
    calendar_cache_clear()
    transaction.on_commit(calendar_cache_clear)
    holiday_years_recompute_queue(years={row.date.year for row in to_create + to_update} | set(confirmed))
    unchanged = len(wanted) - len(to_create) - len(to_update) - kept_manual
    return HolidaySeedResult(len(to_create), len(to_update), unchanged, kept_manual, len(confirmed))


def _package_years_confirm(*, years: set[int], now: datetime) -> list[int]:
    """R-CAL-YEAR: the package's years are confirmed by the seed (no person; the note names the version). A year
    an administrator owns rows of, or reopened by editing them, is left to the administrator."""
    note = f"Seeded from chinese-calendar {chinese_calendar_version()} on {timezone.localtime(now):%Y-%m-%d}."
    existing = HolidayYear.objects.select_for_update().in_bulk(list(years), field_name="year")
    owned_rows = HolidayDate.objects.filter(date__year__in=years).exclude(source=HolidayDate.Source.PACKAGE)
    owned = {day.year for day in owned_rows.exclude(kind=HolidayDate.Kind.CLOSURE).dates("date", "year")}
    confirmed = []
    for year in sorted(years):
        row = existing.get(year)
        if row is None:
            HolidayYear.objects.create(
                year=year, state=HolidayYear.State.CONFIRMED, confirmed_at=now, notes=note,
                makeup_days_none=not any(d.year == year for d in chinese_calendar.workdays),
            )  # fmt: skip
            confirmed.append(year)
        elif not row.is_confirmed and year not in owned:
            row.state, row.confirmed_at, row.confirmed_by = HolidayYear.State.CONFIRMED, now, None
            row.notes = _note_append(row.notes, note)
            row.save(update_fields=["state", "confirmed_at", "confirmed_by", "notes", "updated_at"])
            confirmed.append(year)
    return confirmed


def _package_festival(english: str) -> str:
    try:
        return PACKAGE_FESTIVALS.get(chinese_calendar.Holiday(english).name, Festival.OTHER)
    except ValueError:
        return Festival.OTHER


def _note_append(notes: str, line: str) -> str:
    return f"{notes.rstrip()}\n{line}".strip()


def _holiday_name(english: str) -> str:
    """'Spring Festival' → 'Spring Festival (春节)' using the package's own names."""
    try:
        return f"{english} ({chinese_calendar.Holiday(english).chinese})"
    except ValueError:
        return english


# --- holiday years (R-CAL-YEAR) -----------------------------------------------------------------------------------
class HolidayYearIncomplete(Exception):
    """Confirmation refused: `problems` says, one message per missing festival, what the year lacks."""

    def __init__(self, year: int, problems: list[str]):
        self.year, self.problems = year, problems
        super().__init__(
            gettext("%(year)s cannot be confirmed: %(problems)s.") % {"year": year, "problems": "; ".join(problems)}
        )


def holiday_years_recompute_queue(*, years: Iterable[int]) -> None:
    """After commit, queue the recompute of running working-day clocks touching `years` (only when there are
    any, so that a quiet install sends the broker nothing). A broker that is down loses nothing for good: the
    clocks stay marked provisional, and `manage.py holiday_recompute` or the admin action reruns it."""
    years = sorted(set(years))
    if not years:
        return

    def queue() -> None:
        if not clocks_touching_years(years=years).exists():
            return
        try:
            holiday_years_recompute_task.delay(years)
        except Exception:  # a broker hiccup must not fail the admin's commit; said loudly instead
            logger.exception("could not queue the clock recompute for holiday years %s; rerun holiday_recompute", years)

    transaction.on_commit(queue)


def _year_locked(year: int) -> HolidayYear:
    row, _created = HolidayYear.objects.get_or_create(year=year)
    return HolidayYear.objects.select_for_update().get(pk=row.pk)


@transaction.atomic
def holiday_year_confirm(*, year: int, actor, makeup_days_none: bool | None = None) -> HolidayYear:
    """An administrator confirms `year`'s schedule (R-CAL-YEAR): who and when are recorded. Refused with
    HolidayYearIncomplete unless every statutory festival has rest days and the make-up days are entered (or
    `makeup_days_none`). Locks the year's row. Idempotent: a confirmed year stays as it was. After commit the
    running working-day clocks touching the year are recomputed."""
    row = _year_locked(year)
    if makeup_days_none is not None and makeup_days_none != row.makeup_days_none:
        if row.is_confirmed:
            raise HolidayYearIncomplete(year, [gettext("the year is confirmed: reopen it before changing it")])
        row.makeup_days_none = makeup_days_none
        row.save(update_fields=["makeup_days_none", "updated_at"])
    if row.is_confirmed:
        return row
    problems = holiday_year_problems(year=year, makeup_days_none=row.makeup_days_none)
    if problems:
        raise HolidayYearIncomplete(year, problems)
    now = timezone.now()
    row.state, row.confirmed_by, row.confirmed_at = HolidayYear.State.CONFIRMED, actor, now
    row.notes = _note_append(row.notes, f"{timezone.localtime(now):%Y-%m-%d %H:%M} confirmed by {actor}.")
    row.save(update_fields=["state", "confirmed_by", "confirmed_at", "notes", "updated_at"])
    holiday_years_recompute_queue(years=[year])
    return row


@transaction.atomic
def holiday_year_reopen(*, year: int, actor, reason: str) -> HolidayYear:
    """Return a confirmed year to draft (its schedule changed): the warning and the provisional marks come back
    until it is confirmed again. Who, when and why go into the notes. Idempotent for a draft year."""
    row = _year_locked(year)
    if not row.is_confirmed:
        return row
    now = timezone.now()
    row.state, row.confirmed_by, row.confirmed_at = HolidayYear.State.DRAFT, None, None
    row.notes = _note_append(
        row.notes, f"{timezone.localtime(now):%Y-%m-%d %H:%M} returned to draft by {actor or 'the system'}: {reason}"
    )
    row.save(update_fields=["state", "confirmed_by", "confirmed_at", "notes", "updated_at"])
    return row


def holiday_rows_changed(*, years: Iterable[int], actor, reason: str, schedule: bool = True) -> list[int]:
    """Holiday rows of `years` were added, changed or deleted (the admin). A change to the statutory schedule
    (`schedule`: a rest or make-up day) returns a confirmed year to draft — the administrator confirms it again;
    a one-off closure does not. Either way the running clocks touching those years are recomputed after commit.
    Returns the years that went back to draft."""
    years = sorted(set(years))
    reopened = []
    with transaction.atomic():
        if schedule:
            for year in years:
                if HolidayYear.objects.filter(year=year, state=HolidayYear.State.CONFIRMED).exists():
                    holiday_year_reopen(year=year, actor=actor, reason=reason)
                    reopened.append(year)
        holiday_years_recompute_queue(years=years)
    return reopened


# --- CSV import ---------------------------------------------------------------------------------------------------
IMPORT_MAX_ROWS = 400
IMPORT_KINDS = {
    "rest": HolidayDate.Kind.STATUTORY_HOLIDAY, "休": HolidayDate.Kind.STATUTORY_HOLIDAY,
    "休息": HolidayDate.Kind.STATUTORY_HOLIDAY, "statutory_holiday": HolidayDate.Kind.STATUTORY_HOLIDAY,
    "makeup": HolidayDate.Kind.MAKEUP_WORKDAY, "make-up": HolidayDate.Kind.MAKEUP_WORKDAY,
    "班": HolidayDate.Kind.MAKEUP_WORKDAY, "上班": HolidayDate.Kind.MAKEUP_WORKDAY,
    "makeup_workday": HolidayDate.Kind.MAKEUP_WORKDAY,
}  # fmt: skip
SCHEDULE_KINDS = (HolidayDate.Kind.STATUTORY_HOLIDAY, HolidayDate.Kind.MAKEUP_WORKDAY)
# Our festivals → the package's names, so imported rows are named like seeded ones ("Spring Festival (春节)").
_FESTIVAL_PACKAGE_NAMES = {festival: name for name, festival in PACKAGE_FESTIVALS.items()}


@dataclass(frozen=True)
class HolidayImportRow:
    line: int
    date: date
    kind: str
    festival: str
    name: str

    def get_kind_display(self) -> str:
        return HolidayDate.Kind(self.kind).label

    def get_festival_display(self) -> str:
        return Festival(self.festival).label


@dataclass
class HolidayImportPlan:
    """What importing a file would do to one year: rows added, changed (the row now, the row in the file) and
    removed (rest and make-up days of that year the file no longer lists; closures are never touched), and the
    errors, one per line (line 0: the file as a whole)."""

    year: int | None = None
    rows: list[HolidayImportRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    added: list[HolidayImportRow] = field(default_factory=list)
    changed: list[tuple[HolidayDate, HolidayImportRow]] = field(default_factory=list)
    removed: list[HolidayDate] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and self.year is not None

    @property
    def change_count(self) -> int:
        return len(self.added) + len(self.changed) + len(self.removed)


class HolidayImportInvalid(Exception):
    def __init__(self, plan: HolidayImportPlan):
        self.plan = plan
        super().__init__("; ".join(_line_error(line, message) for line, message in plan.errors))


def _line_error(line: int, message: str) -> str:
    return gettext("line %(line)s: %(message)s") % {"line": line, "message": message} if line else message


def holiday_import_plan(*, text: str) -> HolidayImportPlan:
    """Parse a CSV file of one year's schedule (columns `date,kind,name`: ISO date; `rest` or `makeup`; the
    festival, e.g. 春节 / Spring Festival; lines starting with # are comments) and compare it with the table.
    Reads only; every problem is reported with its line, none raises."""
    plan = HolidayImportPlan()
    _parse(text, plan)
    if plan.errors or not plan.rows:
        if not plan.rows and not plan.errors:
            plan.errors.append((0, gettext("The file has no rows.")))
        return plan
    plan.year = plan.rows[0].date.year
    existing = {row.date: row for row in HolidayDate.objects.filter(date__year=plan.year)}
    listed = set()
    for item in plan.rows:
        listed.add(item.date)
        row = existing.get(item.date)
        if row is None:
            plan.added.append(item)
        elif (row.kind, row.festival, row.name) != (item.kind, item.festival, item.name):
            plan.changed.append((row, item))
    plan.removed = [row for day, row in sorted(existing.items()) if day not in listed and row.kind in SCHEDULE_KINDS]
    return plan


def holiday_import_problems(*, plan: HolidayImportPlan) -> list[str]:
    """What the year would still lack for confirmation after importing this plan (R-CAL-YEAR)."""
    rest = {item.festival for item in plan.rows if item.kind == HolidayDate.Kind.STATUTORY_HOLIDAY}
    makeup = sum(item.kind == HolidayDate.Kind.MAKEUP_WORKDAY for item in plan.rows)
    makeup_days_none = HolidayYear.objects.filter(year=plan.year, makeup_days_none=True).exists()
    return holiday_schedule_problems(rest_festivals=rest, makeup=makeup, makeup_days_none=makeup_days_none)


def _parse(text: str, plan: HolidayImportPlan) -> None:
    if "\x00" in text:
        plan.errors.append((0, gettext("The file is not a text file.")))
        return
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    columns = None
    seen: dict[date, int] = {}
    try:
        for cells in reader:
            line = reader.line_num
            cells = [cell.strip() for cell in cells]
            if not any(cells) or cells[0].startswith("#"):
                continue
            if columns is None:
                header = [cell.lower() for cell in cells]
                if "date" in header:
                    missing = [c for c in ("date", "kind") if c not in header]
                    name_col = "name" if "name" in header else "festival" if "festival" in header else None
                    if missing or name_col is None:
                        plan.errors.append((line, gettext("the header must have the columns date, kind and name")))
                        return
                    columns = (header.index("date"), header.index("kind"), header.index(name_col))
                    continue
                columns = (0, 1, 2)
            if len(plan.rows) + len(plan.errors) >= IMPORT_MAX_ROWS:
                plan.errors.append((line, gettext("more than %(n)s rows: one year at a time") % {"n": IMPORT_MAX_ROWS}))
                return
            item = _parse_line(cells, columns, line, plan)
            if item is None:
                continue
            if item.date in seen:
                already = {"date": item.date, "other": seen[item.date]}
                plan.errors.append((line, gettext("%(date)s is already on line %(other)s") % already))
                continue
            seen[item.date] = line
            if plan.rows and item.date.year != plan.rows[0].date.year:
                plan.errors.append(
                    (line, gettext("%(date)s is not in %(year)s: import one year at a time")
                     % {"date": item.date, "year": plan.rows[0].date.year})
                )  # fmt: skip
                continue
            plan.rows.append(item)
    except csv.Error as exc:
        plan.errors.append((reader.line_num, gettext("not a CSV line (%(error)s)") % {"error": exc}))


def _parse_line(cells: list[str], columns: tuple[int, int, int], line: int, plan) -> HolidayImportRow | None:
    date_col, kind_col, name_col = columns
    if len(cells) <= max(columns):
        plan.errors.append((line, gettext("expected the columns date, kind, name")))
        return None
    raw_date, raw_kind, raw_name = cells[date_col], cells[kind_col], cells[name_col]
    errors = []
    try:
        day = date.fromisoformat(raw_date.replace("/", "-"))
    except ValueError:
        day = None
        errors.append(gettext("“%(value)s” is not a date (YYYY-MM-DD)") % {"value": raw_date[:40]})
    kind = IMPORT_KINDS.get(raw_kind.lower())
    if kind is None:
        errors.append(gettext("kind “%(value)s” is neither rest nor makeup") % {"value": raw_kind[:40]})
    festival = festival_from_text(raw_name)
    if festival is None:
        errors.append(
            gettext("“%(value)s” is not a festival (元旦, 春节, 清明, 劳动节, 端午, 中秋, 国庆 or other)")
            % {"value": raw_name[:40]}
        )
    if day and kind == HolidayDate.Kind.MAKEUP_WORKDAY and day.weekday() < 5:
        errors.append(
            gettext("%(date)s is a Monday–Friday: a make-up working day is a Saturday or Sunday") % {"date": day}
        )
    if errors:
        plan.errors.extend((line, message) for message in errors)
        return None
    package = _FESTIVAL_PACKAGE_NAMES.get(festival)
    name = _holiday_name(chinese_calendar.Holiday[package].value) if package else raw_name[:100]
    return HolidayImportRow(line=line, date=day, kind=kind, festival=festival, name=name)


@transaction.atomic
def holiday_import_apply(*, text: str, actor) -> HolidayImportPlan:
    """Import one year's schedule from CSV text (see `holiday_import_plan`): the file becomes the year's rest and
    make-up days (rows added, changed, removed; closures kept), source "import", never overwritten by the seed.
    Raises HolidayImportInvalid (nothing changed) when any line is wrong. Locks the year's row; a confirmed year
    that changes returns to draft (confirm it again); after commit the running clocks touching the year are
    recomputed. Idempotent: importing the same file twice changes nothing the second time."""
    plan = holiday_import_plan(text=text)
    if not plan.ok:
        raise HolidayImportInvalid(plan)
    year = _year_locked(plan.year)
    plan = holiday_import_plan(text=text)  # again under the year's lock: what is applied is what was compared
    if not plan.change_count:
        return plan
    for item in plan.added:
        HolidayDate.objects.create(
            date=item.date, kind=item.kind, festival=item.festival, name=item.name, source=HolidayDate.Source.IMPORT
        )
    for row, item in plan.changed:
        row.kind, row.festival, row.name, row.source = item.kind, item.festival, item.name, HolidayDate.Source.IMPORT
        row.save(update_fields=["kind", "festival", "name", "source", "updated_at"])
    for row in plan.removed:
        row.delete()
    summary = f"imported by {actor}: {len(plan.added)} added, {len(plan.changed)} changed, {len(plan.removed)} removed"
    if year.is_confirmed:
        holiday_year_reopen(year=plan.year, actor=actor, reason=summary)
    else:
        year.notes = _note_append(year.notes, f"{timezone.localtime():%Y-%m-%d %H:%M} {summary}.")
        year.save(update_fields=["notes", "updated_at"])
    holiday_years_recompute_queue(years=[plan.year])
    return plan
