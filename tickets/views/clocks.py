"""Every clock of an order, separately (R-NT-3): kind, due time, remaining or overdue by, final state.

Remaining time is open time on the clock's calendar, computed at render with `calendar_remaining` (the
same arithmetic as the API's ClockSerializer). The browser counts it down by the wall clock between
renders (static/js/countdown.js) and the panel re-renders every 60 s, which corrects the drift of a
business calendar; `ticking` is false while the calendar is closed (night, lunch, holiday), so the
countdown stands still then instead of drifting."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from deadlines.clock_models import Clock, ClockState
from deadlines.selectors import calendar_remaining, clock_provisional

from ..selectors import work_order_visible_list

MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class ClockRow:
    clock: Clock
    live: bool
    remaining_seconds: int | None  # running and not yet due
    overdue_seconds: int | None  # past the due time (live, or stopped late)
    ticking: bool
    provisional: bool = False  # R-CAL-YEAR: due time over a year whose holidays are not confirmed

    @property
    def css(self) -> str:
        if self.live and self.overdue_seconds is not None:
            return "clock--overdue"
        if self.live:
            return "clock--at-risk" if self.clock.warned_at else "clock--running"
        return "clock--done"


def clock_row(clock: Clock, *, now: datetime) -> ClockRow:
    live = clock.state in ClockState.live()
    remaining = overdue = None
    ticking = False
    if clock.state == ClockState.RUNNING and now < clock.due_at:
        remaining = int(calendar_remaining(clock.calendar_code, now, clock.due_at).total_seconds())
        ticking = calendar_remaining(clock.calendar_code, now, now + MINUTE) > timedelta(0)
    if live and now >= clock.due_at:
        overdue = int((now - clock.due_at).total_seconds())
        ticking = True
    elif not live and clock.breached_at and clock.stopped_at:
        overdue = int((clock.stopped_at - clock.due_at).total_seconds())
    return ClockRow(
        clock=clock, live=live, remaining_seconds=remaining, overdue_seconds=overdue, ticking=ticking,
        provisional=clock_provisional(clock),
    )  # fmt: skip


def clock_rows(clocks, *, now: datetime | None = None) -> list[ClockRow]:
    """Live clocks first (nearest due first), then the stopped ones (newest first)."""
    now = now or timezone.now()
    rows = [clock_row(clock, now=now) for clock in clocks]
    live = sorted((r for r in rows if r.live), key=lambda r: r.clock.due_at)
    done = sorted((r for r in rows if not r.live), key=lambda r: r.clock.stopped_at or r.clock.due_at, reverse=True)
    return live + done


@login_required
@require_GET
def order_clocks(request, pk: int):
    """The clock panel alone: htmx refreshes it every 60 s (hx-trigger="every 60s")."""
    order = get_object_or_404(work_order_visible_list(user=request.user), pk=pk)
    return render(
        request, "tickets/partials/clocks.html", {"order": order, "clock_rows": clock_rows(order.clocks.all())}
    )
