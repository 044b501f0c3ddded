"""Clock services: start, stop, cancel, restart and re-baseline clocks from life-cycle events.

`clocks_on_event` is connected to `tickets.events.order_event`, which the order services send inside
their transaction (the order row is locked), so clock writes commit or roll back with the change that
caused them. Which clocks react to which event is the policy table (data, `ClockPolicy`)."""

from datetime import datetime, timedelta

from django.utils import timezone

from .clock_models import Clock, ClockKind, ClockPolicy, ClockState, LimitSource
from .conditions import condition_holds
from .selectors import calendar_add


def policies_active() -> list[ClockPolicy]:
    return list(ClockPolicy.objects.filter(is_active=True).select_related("calendar").order_by("precedence", "id"))


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


def clock_times(*, policy: ClockPolicy, order, start: datetime) -> tuple[datetime, datetime | None, timedelta | None]:
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
        limit = policy.limit or timedelta(0)
        due = calendar_add(policy.calendar.code, start, limit)
        warn = calendar_add(policy.calendar.code, start, limit * policy.warn_percent / 100)
    if not 0 < policy.warn_percent < 100 or warn >= due:
        warn = None
    return due, warn, limit


def clock_start(*, order, policy: ClockPolicy, start: datetime, now: datetime, sequence: int = 1) -> Clock:
    due, warn, limit = clock_times(policy=policy, order=order, start=start)
    clock = Clock(
        order=order, policy=policy, kind=policy.kind, calendar_code=policy.calendar.code, limit=limit,
        started_at=start, due_at=due, warn_at=warn, sequence=sequence, cycle=order.cycle,
    )  # fmt: skip
    clock.next_check_at = _next_check(clock)
    clock.save()
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
    sweep has not reached it yet: the breach is recorded at the due time, not at the stop."""
    if clock.breached_at or at > clock.due_at:
        clock.state = ClockState.BREACHED
        clock.breached_at = clock.breached_at or clock.due_at
    else:
        clock.state = ClockState.MET
    clock.stopped_at = at
    clock.next_check_at = None
    clock.save(update_fields=["state", "breached_at", "stopped_at", "next_check_at"])
    return clock


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
    """When a clock counts from. Entry counts from the customer's contact (R-CLK-ENTRY); the rest
    from the event (the creation counts from accepted_at)."""
    if policy.kind == ClockKind.ENTRY:
        contact = details.get("contact")
        return contact.occurred_at if contact is not None else order.received_at
    if event == "created":
        return order.accepted_at
    return at


def clocks_on_event(*, order, event: str, at: datetime, **details) -> list[Clock]:
    """React to one life-cycle event: stop, cancel, restart and start clocks per the policy table."""
    now = timezone.now()
    policies = policies_active()
    # Locked (the order is already locked by the caller: lock order order → clocks), so that a sweep
    # running now skips these rows instead of recording a breach this transaction would overwrite.
    live = list(
        order.clocks.filter(state__in=ClockState.live()).select_related("policy").select_for_update(of=("self",))
    )
    for clock in live:
        policy = clock.policy
        if event in policy.stop_events:
            clock_stop(clock=clock, at=at)
        elif event in policy.cancel_events:
            clock_cancel(clock=clock, at=at)
        elif event in policy.restart_events and condition_holds(policy.restart_condition, order, details):
            # R-CLK-FEEDBACK: every contact that reached the customer starts a new 48 h round.
            clock_stop(clock=clock, at=at)
            clock_start(order=order, policy=policy, start=at, now=now, sequence=clock.sequence + 1)
    started = []
    kinds_started = set()
    for policy in policies:
        if event not in policy.start_events or policy.kind in kinds_started:
            continue
        if not policy_matches(policy=policy, order=order, details=details):
            continue
        kinds_started.add(policy.kind)
        start = _event_start(policy=policy, order=order, event=event, at=at, details=details)
        clock = clock_start(order=order, policy=policy, start=start, now=now)
        if policy.kind == ClockKind.ENTRY:
            # Recorded now: met or breached at once (a back-dated record can be late, R-CLK-ENTRY).
            recorded = details["contact"].recorded_at if details.get("contact") is not None else order.accepted_at
            clock_stop(clock=clock, at=recorded)
        started.append(clock)
    return started


def clocks_recalculate(*, order, at: datetime) -> int:
    """R-CLK-RECALC: when a flag changes which policy applies, the running clock of that kind takes the
    new policy and its due time is recomputed from its original start (it may be overdue at once; the
    sweep then records the breach at the new due time)."""
    policies = policies_active()
    changed = 0
    for clock in order.clocks.filter(state=ClockState.RUNNING).select_related("policy").select_for_update(of=("self",)):
        policy = policy_for(kind=clock.kind, order=order, policies=policies)
        if policy is None or policy.id == clock.policy_id or policy.limit_source != LimitSource.POLICY:
            continue
        clock.policy = policy
        clock.calendar_code = policy.calendar.code
        clock.due_at, clock.warn_at, clock.limit = clock_times(policy=policy, order=order, start=clock.started_at)
        if clock.warn_at and clock.warned_at:
            clock.warn_at = clock.warned_at
        clock.next_check_at = _next_check(clock)
        clock.note = f"re-baselined at {at:%Y-%m-%d %H:%M} ({policy.code})"
        clock.save(update_fields=["policy", "calendar_code", "due_at", "warn_at", "limit", "next_check_at", "note"])
        changed += 1
    return changed


def clock_handling_move(*, order, due_at: datetime) -> int:
    """R-FL-7: an approved extension moves only the live handling clock. A breach already recorded stays
    (R-CLK-BREACH: recorded once, kept): an overdue clock gets the new due time but stays overdue."""
    changed = 0
    live_handling = order.clocks.filter(kind=ClockKind.HANDLE, state__in=ClockState.live())
    for clock in live_handling.select_related("policy").select_for_update(of=("self",)):
        clock.due_at = due_at
        clock.limit = due_at - clock.started_at
        if not clock.warned_at:
            warn = clock.started_at + clock.limit * clock.policy.warn_percent / 100
            clock.warn_at = warn if warn < due_at else None
        clock.next_check_at = _next_check(clock)
        clock.save(update_fields=["due_at", "limit", "warn_at", "next_check_at"])
        changed += 1
    return changed


def clocks_follow_order_event(sender, *, order, event, at, **details) -> None:
    """Receiver of the order life-cycle signal (connected by the layer that sends it, `tickets.apps`): clocks
    follow the order's life cycle (SPEC §3.2); flag changes re-baseline them (R-CLK-RECALC)."""
    details.pop("signal", None)
    details.pop("actor", None)
    if event == "flags_changed":
        clocks_recalculate(order=order, at=at)
    if event == "handling_extended":
        clock_handling_move(order=order, due_at=details["due_at"])
    clocks_on_event(order=order, event=event, at=at, **details)


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
