"""R-HD-6: rotations → shifts with overrides; shift swaps with the other person's consent (seed 003 一.7); the
daily roster-gap warning to the shift leader.

`roster_build` rewrites only shifts that have not started: editing a rotation or adding an override changes
the future, never a shift already begun (the model refuses that too). Lock: the hall row, so two builds of
one hall run one after the other."""

from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    DutyHall,
    LogKind,
    OverrideKind,
    RosterGap,
    RosterOverride,
    Rotation,
    Shift,
    ShiftSource,
    ShiftSwap,
    SwapState,
)
from ..selectors import day_bounds, duty_day_is, duty_days_between, roster_gap_days
from .common import DutyRefused, is_shift_leader, log_append, notify_on_commit, require

MAX_SHIFTS = 5000  # a build never writes more (a mistyped 1-minute shift length must not fill the table)


def _cut(pieces: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The pieces minus [start, end)."""
    out = []
    for a, b in pieces:
        if end <= a or start >= b:
            out.append((a, b))
            continue
        if a < start:
            out.append((a, start))
        if end < b:
            out.append((end, b))
    return out


def _slots(rotation: Rotation, start: datetime, end: datetime) -> list[tuple[object, datetime, datetime]]:
    members = [m.person for m in rotation.members.select_related("person").order_by("position")]
    if not members or rotation.shift_length <= timedelta(0):
        return []
    length = rotation.shift_length
    index = max(int((start - rotation.anchor) / length), 0)
    slots = []
    while len(slots) < MAX_SHIFTS:
        a = rotation.anchor + index * length
        b = a + length
        if a >= end:
            break
        if b > start:
            slots.append((members[index % len(members)], a, b))
        index += 1
    return slots


def _duty_windows(hall: DutyHall, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    days = duty_days_between(start=timezone.localtime(start).date(), end=timezone.localtime(end).date(), hall=hall)
    return [day_bounds(day) for day in days]


def _rotation_shifts(*, hall: DutyHall, start: datetime, end: datetime, windows, overrides, emit) -> None:
    """The rotations' slots from `start` to `end` cut to the duty `windows`, with the overrides' removals and
    replacements applied; each piece goes to `emit` (a replacement as the override's)."""
    for rotation in hall.rotations.filter(is_active=True):
        for person, a, b in _slots(rotation, start, end):
            pieces = []
            for wa, wb in windows:  # on duty days only
                if wa < b and a < wb:
                    pieces.append((max(a, wa), min(b, wb)))
            for override in overrides:
                if override.kind == OverrideKind.REMOVE and override.person_id == person.id:
                    pieces = _cut(pieces, override.starts_at, override.ends_at)
                elif override.kind == OverrideKind.REPLACE and override.replaces_id == person.id:
                    for pa, pb in pieces:
                        if pa < override.ends_at and override.starts_at < pb:
                            emit(override.person, max(pa, override.starts_at), min(pb, override.ends_at),
                                 ShiftSource.OVERRIDE, override=override)  # fmt: skip
                    pieces = _cut(pieces, override.starts_at, override.ends_at)
            for pa, pb in pieces:
                emit(person, pa, pb, ShiftSource.ROTATION, rotation=rotation)


@transaction.atomic
def roster_build(*, hall_id: int, until: datetime, now: datetime | None = None) -> int:
    """(Re)write the hall's shifts that start after `now`, up to `until`, from its active rotations (on duty days
    only) and overrides. Shifts already started stay. Returns the shifts written."""
    now = now or timezone.now()
    hall = DutyHall.objects.select_for_update().get(pk=hall_id)
    Shift.objects.filter(hall=hall, starts_at__gt=now).delete()
    started = list(Shift.objects.filter(hall=hall, ends_at__gt=now).values_list("person_id", "ends_at"))
    windows = _duty_windows(hall, now, until)
    overrides = list(
        RosterOverride.objects.filter(hall=hall, ends_at__gt=now, starts_at__lt=until).order_by("starts_at", "id")
    )
    rows: list[Shift] = []

    def emit(person, a, b, source, rotation=None, override=None):
        a = max(a, now)
        # A shift in progress already covers this person until it ends.
        for person_id, ends in started:
            if person_id == person.id and a < ends:
                a = ends
        if b > a and len(rows) < MAX_SHIFTS:
            rows.append(Shift(hall=hall, person=person, starts_at=a, ends_at=b, source=source, rotation=rotation,
                              override=override))  # fmt: skip

    _rotation_shifts(hall=hall, start=now, end=until, windows=windows, overrides=overrides, emit=emit)
    for override in overrides:
        if override.kind == OverrideKind.ADD:
            emit(override.person, override.starts_at, min(override.ends_at, until), ShiftSource.OVERRIDE,
                 override=override)  # fmt: skip
    Shift.objects.bulk_create(rows)
    return len(rows)


def _horizon(hall: DutyHall, now: datetime) -> datetime:
    return now + timedelta(days=hall.roster_warning_days + 31)


def _roster_until(hall: DutyHall, now: datetime) -> datetime:
    """How far a build writes: the horizon (the warning days and a month more), or the end of the hall's last
    override if later (a build to the horizon alone would drop the shifts of an override further out)."""
    last = RosterOverride.objects.filter(hall=hall, ends_at__gt=now).aggregate(last=Max("ends_at"))["last"]
    return max(_horizon(hall, now), last or now)


@transaction.atomic
def roster_refresh(*, hall_id: int, reason: str = "", actor=None, now: datetime | None = None) -> int:
    """R-HD-6: the hall's shifts that have not started written again from its active rotations and overrides, up
    to its horizon — after a rotation, its members or the hall's duty days changed (`reason`, on the duty log;
    the admin calls this), and every day by beat (`roster_extend`, no log line) so the roster never runs out
    ahead of the gap warning. Started shifts stay. Idempotent. Returns the shifts written."""
    now = now or timezone.now()
    hall = DutyHall.objects.select_for_update().get(pk=hall_id)
    written = roster_build(hall_id=hall.id, until=_roster_until(hall, now), now=now)
    if reason:
        log_append(
            hall=hall, key=f"roster-refresh-{hall.id}-{now:%Y%m%d%H%M%S%f}", kind=LogKind.ROSTER, at=now,
            actor=actor, text=_("Roster written again (%(reason)s): %(n)s shifts ahead.") % {
                "reason": reason, "n": written},
        )  # fmt: skip
    return written


def roster_extend(*, now: datetime | None = None) -> int:
    """Daily beat: every active hall has its roster written to its horizon again (one transaction per hall), so the
    duty days ahead are always rostered from the rotations, not only those up to the last edit — and a rotation
    switched off outside the admin leaves no shifts ahead. Returns the shifts written."""
    now = now or timezone.now()
    halls = DutyHall.objects.filter(is_active=True).order_by("id").values_list("id", flat=True)
    return sum(roster_refresh(hall_id=hall_id, now=now) for hall_id in halls)


@transaction.atomic
def roster_day_rebuild(*, hall_id: int, day: date, now: datetime | None = None) -> int:
    """R-HD-6: the holiday table changed on `day` (a rest day or closure added, a day changed or removed): the
    hall's shifts of that day that come from its rotations (with the overrides' replacements) and have not started
    are written again from the rotations and overrides, so a new duty day is covered and a day that stopped being
    one is emptied. Nothing else moves: the other days, the shifts of "add" overrides (which do not follow duty
    days), started shifts, the overrides themselves. A day outside the hall's roster (before today, after both
    its horizon and its last shift) is left alone. Locks the hall row, like `roster_build`. Returns the shifts
    written; idempotent."""
    now = now or timezone.now()
    hall = DutyHall.objects.select_for_update().get(pk=hall_id)
    day_start, day_end = day_bounds(day)
    start = max(day_start, now)
    last = Shift.objects.filter(hall=hall).order_by("-ends_at").values_list("ends_at", flat=True).first()
    if start >= day_end or day_start >= max(_horizon(hall, now), last or now) or not hall.rotations.exists():
        return 0
    derived = Q(source=ShiftSource.ROTATION) | Q(source=ShiftSource.OVERRIDE, override__kind=OverrideKind.REPLACE)
    dropped, _n = Shift.objects.filter(
        derived, hall=hall, starts_at__gt=now, starts_at__gte=day_start, starts_at__lt=day_end
    ).delete()
    started = list(
        Shift.objects.filter(hall=hall, starts_at__lte=now, ends_at__gt=now).values_list("person_id", "ends_at")
    )
    windows = [day_bounds(day)] if duty_day_is(day=day, hall=hall) else []
    overrides = list(
        RosterOverride.objects.filter(hall=hall, ends_at__gt=start, starts_at__lt=day_end).order_by("starts_at", "id")
    )
    rows: list[Shift] = []

    def emit(person, a, b, source, rotation=None, override=None):
        a = max(a, start)
        for person_id, ends in started:  # a shift in progress already covers this person until it ends
            if person_id == person.id and a < ends:
                a = ends
        b = min(b, day_end)
        if b > a:
            rows.append(Shift(hall=hall, person=person, starts_at=a, ends_at=b, source=source, rotation=rotation,
                              override=override))  # fmt: skip

    _rotation_shifts(hall=hall, start=start, end=day_end, windows=windows, overrides=overrides, emit=emit)
    Shift.objects.bulk_create(rows)
    if dropped or rows:
        log_append(
            hall=hall, key=f"roster-day-{hall.id}-{day:%Y%m%d}-{now:%Y%m%d%H%M%S%f}", kind=LogKind.ROSTER, at=now,
            text=_("Roster of %(day)s written again after the holiday table changed: %(n)s shifts.") % {
                "day": day.isoformat(), "n": len(rows)},
        )  # fmt: skip
    return len(rows)


@transaction.atomic
def roster_override_add(
    *, hall_id: int, actor, kind: str, person_id: int, starts_at: datetime, ends_at: datetime,
    replaces_id: int | None = None, reason: str = "", swap: ShiftSwap | None = None,
) -> RosterOverride:  # fmt: skip
    """Add / remove / replace a person for a period (future only). 403 unless the hall's shift leader (a swap's
    override is written by its service); 400 names the field: the period, a past start, an overlap with
    another override of the same person (PostgreSQL refuses it below too: an exclusion constraint)."""
    now = timezone.now()
    hall = DutyHall.objects.select_for_update().get(pk=hall_id)
    if swap is None and not is_shift_leader(actor, hall):
        raise PermissionDenied(_("Only the shift leader changes the roster."))
    User = get_user_model()
    person = User.objects.filter(pk=person_id, is_active=True).first() if person_id else None
    replaces = User.objects.filter(pk=replaces_id, is_active=True).first() if replaces_id else None
    errors = {
        "kind": [] if kind in OverrideKind.values else [_("Choose add, remove or replace.")],
        "person_id": [] if person else [_("No such active user.")],
        "replaces_id": [_("Name the person replaced.")] if kind == OverrideKind.REPLACE and replaces is None else [],
        "ends_at": [_("The end must be after the start.")] if ends_at <= starts_at else [],
        "starts_at": [_("The roster changes only the future.")] if starts_at < now else [],
        "reason": [_("At most 200 characters.")] if len(reason or "") > 200 else [],
    }
    if person and not errors["ends_at"]:
        clash = RosterOverride.objects.filter(hall=hall, person=person, starts_at__lt=ends_at, ends_at__gt=starts_at)
        if clash.exists():
            errors["starts_at"] = [_("This person already has an override in this period.")]
    require(errors)
    override = RosterOverride.objects.create(
        hall=hall, kind=kind, person=person, replaces=replaces if kind == OverrideKind.REPLACE else None,
        starts_at=starts_at, ends_at=ends_at, reason=(reason or "").strip(), swap=swap, created_by=actor,
    )  # fmt: skip
    roster_build(hall_id=hall.id, until=_roster_until(hall, now), now=now)
    log_append(
        hall=hall, key=f"override-{override.id}", kind=LogKind.ROSTER, at=now, actor=actor,
        text=_("Roster: %(kind)s %(person)s %(start)s–%(end)s. %(reason)s") % {
            "kind": override.get_kind_display(), "person": person.get_full_name() or person.username,
            "start": f"{timezone.localtime(starts_at):%Y-%m-%d %H:%M}",
            "end": f"{timezone.localtime(ends_at):%Y-%m-%d %H:%M}",
            "reason": override.reason},
    )  # fmt: skip
    return override


@transaction.atomic
def shift_swap_request(*, shift_id: int, actor, to_person_id: int) -> ShiftSwap:
    """The person on a future shift asks a colleague to take it (seed 003 一.7: consent first). 403 unless it
    is the actor's shift (or the shift leader asks); 409 for a shift that has started; 400 for the colleague."""
    now = timezone.now()
    shift = Shift.objects.select_for_update().select_related("hall").get(pk=shift_id)
    if shift.person_id != actor.id and not is_shift_leader(actor, shift.hall):
        raise PermissionDenied(_("Only the person on the shift, or the shift leader, asks for a swap."))
    if shift.starts_at <= now:
        raise DutyRefused(shift, "shift_change", _("the shift has started; it stays as it is worked."))
    to_person = get_user_model().objects.filter(pk=to_person_id, is_active=True).first() if to_person_id else None
    require({"to_person_id": [] if to_person and to_person.id != shift.person_id else [_("Choose a colleague.")]})
    return ShiftSwap.objects.create(
        shift=shift, hall=shift.hall, starts_at=shift.starts_at, ends_at=shift.ends_at, from_person_id=shift.person_id,
        to_person=to_person, requested_by=actor, requested_at=now,
    )  # fmt: skip


@transaction.atomic
def shift_swap_answer(*, swap_id: int, actor, agree: bool) -> ShiftSwap:
    """The colleague agrees or declines; agreeing records who and when and puts them on the shift (a replace
    override, so a later rebuild keeps it). 403 unless the colleague; 409 once answered or once started."""
    now = timezone.now()
    swap = ShiftSwap.objects.select_for_update(of=("self",)).get(pk=swap_id)
    if swap.to_person_id != actor.id:
        raise PermissionDenied(_("Only the colleague asked may answer."))
    if swap.state != SwapState.REQUESTED:
        raise DutyRefused(swap, "swap_answer")
    if swap.starts_at <= now:
        raise DutyRefused(swap, "swap_answer", _("the shift has started; it stays as it is worked."))
    swap.state = SwapState.AGREED if agree else SwapState.DECLINED
    swap.agreed_by, swap.answered_at = actor, now
    swap.save(update_fields=["state", "agreed_by", "answered_at"])
    if agree:
        roster_override_add(
            hall_id=swap.hall_id, actor=actor, kind=OverrideKind.REPLACE, person_id=swap.to_person_id,
            replaces_id=swap.from_person_id, starts_at=swap.starts_at, ends_at=swap.ends_at,
            reason=_("Shift swap agreed by %(name)s") % {"name": actor.get_full_name() or actor.username}, swap=swap,
        )  # fmt: skip
    return swap


def roster_days_follow_calendar(*, days, now: datetime | None = None) -> int:
    """The holiday table changed on `days`: each active hall with a rotation has those days' shifts written again
    (`roster_day_rebuild`, one transaction per hall and day). Returns the shifts written."""
    now = now or timezone.now()
    written = 0
    halls = DutyHall.objects.filter(is_active=True, rotations__is_active=True).distinct()
    for hall_id in halls.values_list("id", flat=True):
        for day in sorted(set(days)):
            written += roster_day_rebuild(hall_id=hall_id, day=day, now=now)
    return written


def roster_gaps_warn(*, today: date | None = None) -> int:
    """Daily beat: each duty day within a hall's warning horizon (14 days) with an hour nobody is rostered for
    warns the shift leader once (in-app and email, R-HD-6). Idempotent: a RosterGap row per hall and day, and
    notice keys per day and person. Returns the days newly warned."""
    now = timezone.now()
    today = today or timezone.localdate()
    warned = 0
    for hall in DutyHall.objects.filter(is_active=True).select_related("unit"):
        for day in roster_gap_days(hall=hall, today=today):
            with transaction.atomic():
                _gap, created = RosterGap.objects.get_or_create(hall=hall, day=day, defaults={"warned_at": now})
                if not created:
                    continue
                warned += 1
                subject = _("Roster gap: nobody (or not all day) on duty at %(hall)s on %(day)s") % {
                    "hall": hall, "day": day.isoformat(),
                }  # fmt: skip
                log_append(hall=hall, key=f"gap-{hall.id}-{day:%Y%m%d}", kind=LogKind.ROSTER, at=now, text=subject)
                if hall.shift_leader_id:
                    notify_on_commit(items=[
                        dict(channel=channel, key=f"hd-gap-{hall.id}-{day:%Y%m%d}-{hall.shift_leader_id}-{channel}",
                             recipient_id=hall.shift_leader_id, subject=subject, kind="holiday_duty_roster")
                        for channel in ("in_app", "email")
                    ])  # fmt: skip
    return warned
