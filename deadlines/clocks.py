"""Clock services: start, stop, cancel, restart and re-baseline clocks from life-cycle events.

`clocks_on_event` is connected to `tickets.events.order_event`, which the order services send inside
their transaction (the order row is locked), so clock writes commit or roll back with the change that
caused them. Which clocks react to which event is the policy table (data, `ClockPolicy`). A clock that an
event stops after its due time, before any sweep saw it (a back-dated entry, R-CLK-ENTRY; a late stop), is
notified like any breach (R-CLK-BREACH), once: the sweep never sees a stopped clock again."""

import threading
import time
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from .clock_models import Clock, ClockKind, ClockPolicy, ClockState, LimitSource
from .conditions import condition_holds
from .models import BusinessCalendar
from .notices import clock_notices_record
from .selectors import calendar_add

# The policy table is read by every life-cycle event (each order creation): kept per process. A save or delete
# here drops it at once and after commit; another process (admin) sees a change within the TTL, as the compiled
# calendars (deadlines.selectors). A QuerySet.update() of policies must call `policies_cache_clear()`.
POLICIES_TTL_SECONDS = 10.0
_policies_lock = threading.Lock()
_policies_cached: dict = {"at": -1e18, "rows": ()}


def policies_cache_clear(**kwargs) -> None:
    with _policies_lock:
        _policies_cached.update(at=-1e18, rows=())
    if kwargs.get("sender") is not None:  # a signal: and again once the writing transaction is over
        transaction.on_commit(policies_cache_clear, using=kwargs.get("using"))


def policies_active() -> list[ClockPolicy]:
    now = time.monotonic()
    if now - _policies_cached["at"] < POLICIES_TTL_SECONDS:
        return list(_policies_cached["rows"])
    rows = tuple(ClockPolicy.objects.filter(is_active=True).select_related("calendar").order_by("precedence", "id"))
    with _policies_lock:
        _policies_cached.update(at=now, rows=rows)
    return list(rows)


for _model in (ClockPolicy, BusinessCalendar):
    for _signal in (post_save, post_delete):
        _signal.connect(policies_cache_clear, sender=_model, dispatch_uid=f"deadlines-policies-{_model.__name__}")


def policy_matches(*, policy: ClockPolicy, order, details: dict) -> bool:
    if policy.order_types and order.order_type not in policy.order_types:
        return False
    if policy.channels and order.channel not in policy.channels:
        return False
    return condition_holds(policy.condition, order, details)


def policy_for(*, kind: str, order, policies: list[ClockPolicy], details: dict | None = None) -> ClockPolicy | None:
    """The policy of this kind that applies to the order now (lowest precedence among the matching)."""
    for policy in policies:
        if policy.kind == kind and policy_matches(policy=policy, order=order, details=details or {}):
            return policy
    return None


def _event_limit(policy: ClockPolicy, details: dict) -> timedelta | None:
    """The limit a policy takes from the event, or None when the event gives none (then it cannot start)."""
    if policy.limit_source == LimitSource.RETRY_AFTER:
        return details.get("retry_after")  # R-CLK-RETRY: the R-FL-5 spacing of the work-order rules
    return policy.limit


def clock_times(
    *, policy: ClockPolicy, order, start: datetime, details: dict | None = None
) -> tuple[datetime, datetime | None, timedelta | None]:
    """(due, warn, limit) of a clock started now under `policy` (R-CLK-WARN: warn at `warn_percent`)."""
    if policy.limit_source == LimitSource.HANDLING_DUE and order.handling_due_at:
        due = order.handling_due_at
        limit = due - start
        warn = start + limit * policy.warn_percent / 100
    elif policy.limit_source == LimitSource.APPOINTED_AT and order.appointed_at:
        due = order.appointed_at
        limit = max(due - start, timedelta(0))
        warn = start + limit * policy.warn_percent / 100
    else:
        limit = _event_limit(policy, details or {}) or timedelta(0)
        due = calendar_add(policy.calendar.code, start, limit)
        warn = calendar_add(policy.calendar.code, start, limit * policy.warn_percent / 100)
    if not 0 < policy.warn_percent < 100 or warn >= due:
        warn = None
    return due, warn, limit


def clock_start(
    *, order, policy: ClockPolicy, start: datetime, now: datetime, sequence: int = 1, details: dict | None = None
) -> Clock:
    clock = _clock_new(order=order, policy=policy, start=start, sequence=sequence, details=details)
    clock.save()
    return clock


def _clock_new(*, order, policy: ClockPolicy, start: datetime, sequence: int = 1, details: dict | None = None) -> Clock:
    """A clock started under `policy`, not saved yet (the event's new clocks are inserted together)."""
    due, warn, limit = clock_times(policy=policy, order=order, start=start, details=details)
    clock = Clock(
        order=order, policy=policy, kind=policy.kind, calendar_code=policy.calendar.code, limit=limit,
        started_at=start, due_at=due, warn_at=warn, sequence=sequence, cycle=order.cycle,
    )  # fmt: skip
    clock.next_check_at = _next_check(clock)
    return clock


def _next_check(clock: Clock) -> datetime | None:
    if clock.state not in ClockState.live():
        return None
    if clock.warn_at and not clock.warned_at and not clock.breached_at:
        return clock.warn_at
    if not clock.breached_at:
        return clock.due_at
    return None


def clock_stop(*, clock: Clock, at: datetime) -> Clock:
    """Met if stopped by the due time; a clock stopped late stays breached (R-CLK-BREACH), even if the
    sweep has not reached it yet: the breach is recorded at the due time, not at the stop. A reminder
    (R-CLK-RETRY) is no deadline: it is met whenever it stops."""
    _clock_stopped(clock=clock, at=at)
    clock.save(update_fields=["state", "breached_at", "stopped_at", "next_check_at"])
    return clock


def _clock_stopped(*, clock: Clock, at: datetime) -> None:
    """`clock_stop` without the save (a clock stopped before it is first inserted)."""
    if clock.policy.is_reminder and not clock.breached_at:
        clock.state = ClockState.MET
    elif clock.breached_at or at > clock.due_at:
        clock.state = ClockState.BREACHED
        clock.breached_at = clock.breached_at or clock.due_at
    else:
        clock.state = ClockState.MET
    clock.stopped_at = at
    clock.next_check_at = None


def clock_cancel(*, clock: Clock, at: datetime) -> Clock:
    if clock.breached_at:  # an overdue clock that is cancelled keeps its breach
        clock.state = ClockState.BREACHED
    else:
        clock.state = ClockState.CANCELLED
    clock.stopped_at = at
    clock.next_check_at = None
    clock.save(update_fields=["state", "stopped_at", "next_check_at"])
    return clock


def _event_start(*, policy: ClockPolicy, order, event: str, at: datetime, details: dict) -> datetime:
    """When a clock counts from. Entry counts from the customer's contact (R-CLK-ENTRY), the retry reminder
    from the failed attempt (R-CLK-RETRY), not from when they were logged; the creation counts from
    accepted_at; the rest from the event."""
    contact = details.get("contact")
    if policy.kind == ClockKind.ENTRY:
        return contact.occurred_at if contact is not None else order.received_at
    if policy.kind == ClockKind.RETRY and contact is not None:
        return contact.occurred_at
    if event == "created":
        return order.accepted_at
    return at


def clocks_live_locked(*, order) -> list[Clock]:
    """The order's running and overdue clocks, locked (the caller holds the order: lock order order → clocks).
    Locked so that a sweep running now skips these rows instead of recording a breach this transaction would
    overwrite. A sweep that held one of them may have started a recurring clock's next round before letting
    go (R-CLK-FEEDBACK); the first statement's snapshot predates that row, so read again once we hold the rows
    it could come from."""
    live = ClockState.live()
    first = list(order.clocks.filter(state__in=live).select_related("policy").select_for_update(of=("self",)))
    more = order.clocks.filter(state__in=live).exclude(id__in=[c.id for c in first])
    return first + list(more.select_related("policy").select_for_update(of=("self",)))


def clocks_on_event(*, order, event: str, at: datetime, **details) -> list[Clock]:
    """React to one life-cycle event: stop, cancel, restart and start clocks per the policy table."""
    now = timezone.now()
    # An order's creation is its first event: no clock of it exists yet to lock or stop.
    live = [] if event == "created" else clocks_live_locked(order=order)
    _, newly_breached, new, started = event_plan(
        order=order, live=live, event=event, at=at, details=details, policies=policies_active(),
        stop=clock_stop, cancel=clock_cancel,
    )  # fmt: skip
    if new:
        Clock.objects.bulk_create(new)  # one INSERT (the ids are returned: the notices below need them)
        newly_breached += [c.id for c in started if c.kind == ClockKind.ENTRY and c.breached_at]
    if newly_breached:
        # R-CLK-BREACH for breaches no sweep will see (the clock is stopped): the same notices, the same keys.
        clock_notices_record(warned_ids=[], breached_ids=newly_breached, now=now)
    return started


def event_plan(*, order, live: list[Clock], event: str, at: datetime, details: dict, policies, stop, cancel):
    """What one life-cycle event does to one order's clocks per the policy table — the one copy of the rule,
    for the per-order path (`clocks_on_event`) and the many-orders one (`bulk.clocks_on_event_many`). The live
    clocks the event stops or cancels go through `stop` / `cancel` (saving each, or only in memory for a bulk
    write). Returns (clocks stopped or cancelled, ids newly breached by that, new clocks to insert, the new
    ones the event started — restarted rounds excluded)."""
    touched: list[Clock] = []
    newly_breached: list[int] = []
    restarts: dict[int, tuple[ClockPolicy, int]] = {}  # policy id → (policy, its highest round)
    for clock in live:
        policy = clock.policy
        had_breach = clock.breached_at is not None
        if event in policy.stop_events:
            stop(clock=clock, at=at)
        elif event in policy.cancel_events:
            cancel(clock=clock, at=at)
        elif event in policy.restart_events and condition_holds(policy.restart_condition, order, details):
            stop(clock=clock, at=at)
            restarts[policy.id] = (policy, max(clock.sequence, restarts.get(policy.id, (policy, 0))[1]))
        else:
            continue
        touched.append(clock)
        if clock.breached_at and not had_breach:
            newly_breached.append(clock.id)
    new: list[Clock] = []  # inserted together by the caller
    for policy, top in restarts.values():
        # R-CLK-FEEDBACK: every contact that reached the customer starts one new 48 h round (whatever rounds,
        # overdue or running, were live).
        new.append(_clock_new(order=order, policy=policy, start=at, sequence=top + 1, details=details))
    kinds_live = {c.kind for c in live if c.state in ClockState.live()} | {p.kind for p, _ in restarts.values()}
    started = []
    for policy in policies:
        if event not in policy.start_events or policy.kind in kinds_live:
            continue
        if not policy_matches(policy=policy, order=order, details=details):
            continue
        if policy.limit_source == LimitSource.RETRY_AFTER and not _event_limit(policy, details):
            continue  # the event does not say the spacing: no reminder rather than one on a guessed limit
        kinds_live.add(policy.kind)
        start = _event_start(policy=policy, order=order, event=event, at=at, details=details)
        clock = _clock_new(order=order, policy=policy, start=start, details=details)
        if policy.kind == ClockKind.ENTRY:
            # Recorded now: met or breached at once (a back-dated record can be late, R-CLK-ENTRY).
            recorded = details["contact"].recorded_at if details.get("contact") is not None else order.accepted_at
            _clock_stopped(clock=clock, at=recorded)
        new.append(clock)
        started.append(clock)
    return touched, newly_breached, new, started


def clocks_next_round(*, clocks: list[Clock]) -> list[Clock]:
    """R-CLK-FEEDBACK (a recurring policy): a breached round is followed at once by the next one, counted from
    the breached round's due time (the customer is still owed feedback). Called by the sweep in the
    transaction that records the breach, on rows it holds, so each breach starts exactly one next round.
    A next round already past due (a long outage) is swept in turn."""
    rows = []
    for clock in clocks:
        if not clock.limit:
            continue
        start, percent = clock.due_at, clock.policy.warn_percent
        due = calendar_add(clock.calendar_code, start, clock.limit)
        warn = calendar_add(clock.calendar_code, start, clock.limit * percent / 100) if 0 < percent < 100 else None
        row = Clock(
            order_id=clock.order_id, policy_id=clock.policy_id, kind=clock.kind, calendar_code=clock.calendar_code,
            limit=clock.limit, started_at=start, due_at=due, warn_at=warn if warn and warn < due else None,
            sequence=clock.sequence + 1, cycle=clock.cycle,
        )  # fmt: skip
        row.next_check_at = _next_check(row)
        rows.append(row)
    return Clock.objects.bulk_create(rows)


def clocks_recalculate(*, order, at: datetime) -> int:
    """R-CLK-RECALC: when a flag changes which policy applies, the running clock of that kind takes the
    new policy and its due time is recomputed from its original start (it may be overdue at once; the
    sweep then records the breach at the new due time)."""
    policies = policies_active()
    changed = 0
    for clock in order.clocks.filter(state=ClockState.RUNNING).select_related("policy").select_for_update(of=("self",)):
        if clock_rebaselined(clock=clock, order=order, policies=policies, at=at):
            clock.save(update_fields=RECALC_FIELDS)
            changed += 1
    return changed


RECALC_FIELDS = ["policy", "calendar_code", "due_at", "warn_at", "limit", "next_check_at", "note"]


def clock_rebaselined(*, clock: Clock, order, policies, at: datetime) -> bool:
    """R-CLK-RECALC on one running clock, in memory: when the order's flags now select another policy of its kind,
    the clock takes it and its times are recomputed from its original start. Whether it changed (the caller
    writes RECALC_FIELDS: one save, or one UPDATE for many)."""
    policy = policy_for(kind=clock.kind, order=order, policies=policies)
    if policy is None or policy.id == clock.policy_id or policy.limit_source != LimitSource.POLICY:
        return False
    clock.policy = policy
    clock.calendar_code = policy.calendar.code
    clock.due_at, clock.warn_at, clock.limit = clock_times(policy=policy, order=order, start=clock.started_at)
    if clock.warn_at and clock.warned_at:
        clock.warn_at = clock.warned_at
    clock.next_check_at = _next_check(clock)
    clock.note = f"re-baselined at {at:%Y-%m-%d %H:%M} ({policy.code})"
    return True


def clock_due_move(*, order, kind: str, due_at: datetime) -> int:
    """Move the live clocks of one kind to a new due time: an approved extension moves only the handling clock
    (R-FL-7); a moved appointment moves the appointment clock (R-CLK-APPT). A breach already recorded stays
    (R-CLK-BREACH: recorded once, kept): an overdue clock gets the new due time but stays overdue."""
    changed = 0
    live = order.clocks.filter(kind=kind, state__in=ClockState.live())
    for clock in live.select_related("policy").select_for_update(of=("self",)):
        clock.due_at = due_at
        clock.limit = max(due_at - clock.started_at, timedelta(0))
        if not clock.warned_at:
            warn = clock.started_at + clock.limit * clock.policy.warn_percent / 100
            clock.warn_at = warn if 0 < clock.policy.warn_percent < 100 and warn < due_at else None
        clock.next_check_at = _next_check(clock)
        clock.save(update_fields=["due_at", "limit", "warn_at", "next_check_at"])
        changed += 1
    return changed


# The events that move the live handling clock to their `due_at` (tickets.events: an approved extension, R-FL-7;
# a deadline set by a rule above, such as an escalated complaint's, R-SP-3).
HANDLING_DUE_EVENTS = ("handling_extended", "handling_due_moved")


def clock_handling_move(*, order, due_at: datetime) -> int:
    """R-FL-7: an approved extension moves only the live handling clock."""
    return clock_due_move(order=order, kind=ClockKind.HANDLE, due_at=due_at)


def clocks_follow_order_event(sender, *, order, event, at, **details) -> list[Clock]:
    """Receiver of the order life-cycle signal (connected by the layer that sends it, `tickets.apps`): clocks
    follow the order's life cycle (SPEC §3.2); flag changes re-baseline them (R-CLK-RECALC); a moved handling
    deadline (R-FL-7) or appointment (R-CLK-APPT) moves its clock. The details this layer reads are listed in
    `tickets.events`. Returns the clocks the event started (the creating request answers with them). An event sent
    for many orders at once (`bulk`) was handled for all of them by `deadlines.bulk.clocks_follow_orders_event`."""
    if details.get("bulk"):
        return []
    details.pop("signal", None)
    details.pop("actor", None)
    if event == "flags_changed":
        clocks_recalculate(order=order, at=at)
    if event in HANDLING_DUE_EVENTS:
        clock_handling_move(order=order, due_at=details["due_at"])
    if event == "appointment_moved":
        clock_due_move(order=order, kind=ClockKind.APPOINTMENT, due_at=details["appointed_at"])
    return clocks_on_event(order=order, event=event, at=at, **details)


def clock_rebaseline(*, clock: Clock, note: str) -> bool:
    """R-CAL-YEAR (as R-CLK-RECALC): recompute a running clock's due and warning times from its original start on
    the calendar and limit it started with (its snapshot), e.g. after a holiday year was confirmed or changed. It
    may become overdue at once: the sweep then records the breach at the new due time. A warning already recorded
    stays. Clocks whose due time is not calendar arithmetic (the handling deadline, an appointment) are left alone.
    The caller locks the row. Returns whether the clock moved."""
    if clock.state != ClockState.RUNNING or clock.limit is None:
        return False
    if clock.policy.limit_source in (LimitSource.HANDLING_DUE, LimitSource.APPOINTED_AT):
        return False
    due = calendar_add(clock.calendar_code, clock.started_at, clock.limit)
    warn = clock.warn_at
    if not clock.warned_at:
        percent = clock.policy.warn_percent
        warn = None
        if 0 < percent < 100:
            warn = calendar_add(clock.calendar_code, clock.started_at, clock.limit * percent / 100)
        warn = warn if warn and warn < due else None
    if (due, warn) == (clock.due_at, clock.warn_at):
        return False
    clock.due_at, clock.warn_at = due, warn
    clock.next_check_at = _next_check(clock)
    clock.note = note[:200]
    clock.save(update_fields=["due_at", "warn_at", "next_check_at", "note"])
    return True
