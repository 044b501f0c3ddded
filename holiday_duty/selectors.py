"""Reads of holiday duty: duty days (R-HD-1, from the deadlines calendar), who is on duty (R-HD-6), the queue,
the call tasks, the day's log (R-HD-5) and its export, unsigned handovers (R-HD-7), counts for the nav."""

import csv
import io
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from openpyxl import Workbook

from deadlines.selectors import calendar_compiled
from tickets.selectors import order_visibility_q

from .models import (
    OPEN_STATES,
    CallTask,
    CoveredGroup,
    DutyEscalation,
    DutyHall,
    DutyLogEntry,
    DutyOrder,
    Handover,
    Shift,
)

WORKDAY_CALENDAR = "CAL-WORKDAY"
CHASED_STATES = ("queued", "notified")  # what the duty staff still chase
WORK = "holiday_duty.work_duty"
LEAD = "holiday_duty.lead_shift"


# --- duty days (R-HD-1) -------------------------------------------------------------------------------------
def duty_day_is(*, day: date, hall: DutyHall) -> bool:
    """A day CAL-WORKDAY marks non-working: a statutory rest day, or an ordinary weekend unless the hall's
    data switches weekends off. A 调休 make-up Saturday is a working day, so never a duty day."""
    calendar = calendar_compiled(WORKDAY_CALENDAR)
    if calendar.is_working_day(day):
        return False
    if day in calendar.rest_days:
        return True
    return hall.weekends_are_duty_days


def duty_days_between(*, start: date, end: date, hall: DutyHall) -> list[date]:
    """Duty days from `start` to `end`, both included."""
    days, day = [], start
    while day <= end:
        if duty_day_is(day=day, hall=hall):
            days.append(day)
        day += timedelta(days=1)
    return days


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    return start, start + timedelta(days=1)


def covered_group_for(*, unit_id: int | None) -> CoveredGroup | None:
    if not unit_id:
        return None
    return (
        CoveredGroup.objects.select_related("hall", "unit")
        .filter(unit_id=unit_id, is_active=True, hall__is_active=True)
        .first()
    )


# --- who is on duty (R-HD-6) --------------------------------------------------------------------------------
def shifts_at(*, hall: DutyHall, at: datetime) -> QuerySet[Shift]:
    return Shift.objects.filter(hall=hall, starts_at__lte=at, ends_at__gt=at).select_related("person")


def shift_list(*, hall: DutyHall, start: datetime, end: datetime) -> QuerySet[Shift]:
    return (
        Shift.objects.filter(hall=hall, starts_at__lt=end, ends_at__gt=start)
        .select_related("person")
        .order_by("starts_at", "person_id")
    )


def roster_gap_days(*, hall: DutyHall, today: date) -> list[date]:
    """Duty days in the next `roster_warning_days` (today included) with any hour nobody is rostered for."""
    gaps = []
    for day in duty_days_between(start=today, end=today + timedelta(days=hall.roster_warning_days), hall=hall):
        start, end = day_bounds(day)
        covered_until = start
        for shift in shift_list(hall=hall, start=start, end=end):
            if shift.starts_at > covered_until:
                break
            covered_until = max(covered_until, shift.ends_at)
        if covered_until < end:
            gaps.append(day)
    return gaps


def roster_gaps_open(*, hall: DutyHall, today: date) -> list[date]:
    """The gaps the dashboard shows: warned days still without cover, and any found now."""
    return roster_gap_days(hall=hall, today=today)


def group_managers(*, unit_ids) -> dict[int, list]:
    """R-HD-2: the people a covered group's duty order may be handed to — the active members of the group's unit
    (its account managers), by unit id, by user name. What the duty screen offers, and all the confirmation takes."""
    managers: dict[int, list] = {unit_id: [] for unit_id in unit_ids}
    members = get_user_model().objects.filter(org_units__in=list(managers), is_active=True)
    for user in members.annotate(group_unit_id=F("org_units")).order_by("username"):
        managers[user.group_unit_id].append(user)
    return managers


def group_manager(*, group: CoveredGroup, user_id: int | None):
    """The active member of the covered group's unit with this id, or None (an id of anyone else, seen or not,
    answers as one that does not exist)."""
    if not user_id:
        return None
    return get_user_model().objects.filter(pk=user_id, org_units=group.unit_id, is_active=True).first()


def feedback_giver(*, duty_order: DutyOrder, user_id: int | None):
    """R-HD-3: who may be recorded as having fed back on a duty order — its handler, a manager of its covered group,
    or a person its escalation ladder names — active; None for anyone else (answered as an id that does not
    exist: the log would carry a stranger's name)."""
    if not user_id:
        return None
    ladder = DutyEscalation.objects.filter(duty_order=duty_order).values_list("ladder", flat=True).first() or []
    reached = {step.get("person") for step in ladder if isinstance(step, dict)}
    allowed = Q(pk=duty_order.handler_id) | Q(org_units=duty_order.group.unit_id) | Q(pk__in=reached - {None})
    return get_user_model().objects.filter(allowed, pk=user_id, is_active=True).distinct().first()


# --- visibility ---------------------------------------------------------------------------------------------
def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def halls_of(*, user) -> QuerySet[DutyHall]:
    """Halls the user works duty in (member with the duty role) or leads."""
    if not _active(user):
        return DutyHall.objects.none()
    q = Q(shift_leader=user)
    if user.has_perm(WORK) or user.has_perm(LEAD):
        q |= Q(unit__members=user)
    return DutyHall.objects.filter(q, is_active=True).distinct().select_related("unit")


def duty_order_visible_list(*, user) -> QuerySet[DutyOrder]:
    """Duty staff and shift leaders see their hall's queue; a handler, and each person the ladder reached,
    the duty orders that concern them (so they can feed back by logging in, R-HD-3)."""
    if not _active(user):
        return DutyOrder.objects.none()
    hall_ids = list(halls_of(user=user).values_list("id", flat=True))
    q = Q(hall_id__in=hall_ids) | Q(handler=user) | Q(escalation__steps__person=user)
    return (
        DutyOrder.objects.filter(q)
        .distinct()
        .select_related("order", "hall__unit", "group__unit", "owner", "handler", "contact")
        .order_by("landed_at", "id")
    )


def duty_orders_of_order(*, order_id: int, user) -> list[DutyOrder]:
    """The order's duty orders this user sees (the order page's panel). Most orders never reach a duty hall: one
    narrow look first, and the visible list's many joins only for an order that has any (planning those joins
    cost the order page 7 ms for every order, bench/pages.py)."""
    if not DutyOrder.objects.filter(order_id=order_id).exists():
        return []
    return list(duty_order_visible_list(user=user).filter(order_id=order_id))


def duty_order_visible_to(*, duty_order: DutyOrder, user) -> bool:
    return duty_order_visible_list(user=user).filter(pk=duty_order.pk).exists()


def duty_order_report_list(*, user, first: date, last: date) -> QuerySet[DutyOrder]:
    """The duty orders of the duty days first..last that a report counts for `user` (R-RP-1): those whose orders
    the user may see (SPEC §1). A report's visibility is the orders', not that of `duty_order_visible_list`,
    which shows a hall's queue to its staff only."""
    rows = DutyOrder.objects.filter(duty_day__gte=first, duty_day__lte=last)
    rule = order_visibility_q(user=user, prefix="order__")
    return rows if rule is None else rows.filter(rule)


def duty_queue(*, hall: DutyHall) -> QuerySet[DutyOrder]:
    return (
        DutyOrder.objects.filter(hall=hall, state__in=OPEN_STATES)
        .select_related("order", "group__unit", "owner", "handler", "contact", "escalation")
        .order_by("feedback_due_at", "landed_at", "id")
    )


def call_task_visible_list(*, user) -> QuerySet[CallTask]:
    return CallTask.objects.filter(duty_order__in=duty_order_visible_list(user=user).values("id")).select_related(
        "duty_order__order", "callee", "assigned_to"
    )


def call_tasks_open(*, hall: DutyHall) -> QuerySet[CallTask]:
    return (
        # A call whose order has its feedback (or is archived) is no longer to be made.
        CallTask.objects.filter(duty_order__hall=hall, outcome="", duty_order__state__in=CHASED_STATES)
        .select_related("duty_order__order", "callee", "assigned_to")
        .order_by("created_at", "id")
    )


# --- the duty log (R-HD-5) ----------------------------------------------------------------------------------
def log_visible_list(*, user) -> QuerySet[DutyLogEntry]:
    return DutyLogEntry.objects.filter(hall__in=halls_of(user=user)).select_related(
        "actor", "duty_order__order", "hall__unit"
    )


def log_of_day(*, hall: DutyHall, day: date) -> QuerySet[DutyLogEntry]:
    return DutyLogEntry.objects.filter(hall=hall, day=day).select_related("actor", "duty_order__order")


LOG_COLUMNS = ("时间", "类别", "工单", "记录人", "内容")


def log_rows(*, entries) -> list[list[str]]:
    rows = []
    for entry in entries:
        actor = entry.actor.get_full_name() or entry.actor.username if entry.actor else "系统"
        order = entry.duty_order.order.number if entry.duty_order else ""
        rows.append(
            [f"{timezone.localtime(entry.at):%Y-%m-%d %H:%M}", entry.get_kind_display(), order, actor, entry.text]
        )
    return rows


def log_csv(*, entries) -> bytes:
    """UTF-8 with a BOM, so that Excel opens the Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(LOG_COLUMNS)
    writer.writerows(log_rows(entries=entries))
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def log_xlsx(*, entries, title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(list(LOG_COLUMNS))
    for row in log_rows(entries=entries):
        sheet.append(row)
    for column, width in zip("ABCDE", (18, 14, 20, 14, 80), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- handovers (R-HD-7) -------------------------------------------------------------------------------------
def handover_visible_list(*, user) -> QuerySet[Handover]:
    if not _active(user):
        return Handover.objects.none()
    q = Q(hall__in=halls_of(user=user)) | Q(outgoing=user) | Q(incoming=user)
    return (
        Handover.objects.filter(q)
        .distinct()
        .select_related("outgoing", "incoming", "signed_by", "hall__unit")
        .prefetch_related("items__duty_order__order")
    )


def handovers_unsigned(*, hall: DutyHall) -> QuerySet[Handover]:
    return Handover.objects.filter(hall=hall, signed_at__isnull=True).select_related("outgoing", "incoming")


# --- the navigation -----------------------------------------------------------------------------------------
def nav_count(*, user) -> int | None:
    """None for users with no duty hall; else what waits: open duty orders, open calls, and (for a shift
    leader) unsigned handovers."""
    halls = list(halls_of(user=user))
    if not halls:
        return None
    count = DutyOrder.objects.filter(hall__in=halls, state__in=CHASED_STATES).count()
    count += CallTask.objects.filter(
        duty_order__hall__in=halls, outcome="", duty_order__state__in=CHASED_STATES
    ).count()
    led = [h for h in halls if h.shift_leader_id == user.id or user.has_perm(LEAD)]
    if led:
        count += Handover.objects.filter(hall__in=led, signed_at__isnull=True).count()
    return count


# --- hooks of the layers below (connected in apps.py) -------------------------------------------------------
def duty_orders_granted(*, user) -> QuerySet | None:
    """`tickets.selectors.order_visibility_grant_register`: duty staff see the orders in their hall's duty queue
    (any state: the duty log and the handovers link to them) although those were accepted and are handled
    elsewhere (R-HD-1). None for everybody without the duty permissions, so their queries stay as they were (a
    shift leader normally sees every order already)."""
    if not _active(user) or not (user.has_perm(WORK) or user.has_perm(LEAD)):
        return None
    return DutyOrder.objects.filter(hall__in=halls_of(user=user).values("id")).values("order_id")


def holiday_clock_recipients(*, clocks: list[dict]) -> dict[int, tuple[set[int], set[int]]]:
    """`deadlines.notices.clock_recipients_register` for R-CLK-HOLIDAY: the 4-hour feedback clock's warning goes to
    the people who can act on it — the duty staff following the duty order (or who confirmed the handler) and the
    handler they told (a distributor contact is no user: told by SMS and email already) — and its breach to the
    hall's shift leader as well; not to the first-contact owner, who has no part in holiday duty. A clock belongs
    to the duty order of its order last notified at or before the clock started. One query for the batch."""
    order_ids = {clock["order_id"] for clock in clocks}
    rows = list(
        DutyOrder.objects.filter(order_id__in=order_ids, notified_at__isnull=False)
        .order_by("notified_at", "id")
        .values("order_id", "notified_at", "owner_id", "confirmed_by_id", "handler_id", "hall__shift_leader_id")
    )
    by_order: dict[int, list[dict]] = {}
    for row in rows:
        by_order.setdefault(row["order_id"], []).append(row)
    found: dict[int, tuple[set[int], set[int]]] = {}
    for clock in clocks:
        mine = [row for row in by_order.get(clock["order_id"], ()) if row["notified_at"] <= clock["started_at"]]
        if not mine:
            continue  # not a duty order's clock: told as any other
        row = mine[-1]
        people = {row["owner_id"] or row["confirmed_by_id"], row["handler_id"]} - {None}
        found[clock["id"]] = (people, {row["hall__shift_leader_id"]} - {None} - people)
    return found
