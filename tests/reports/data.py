"""A hand-built November 2026 whose right answers the tests write down (R-RP-1)."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from deadlines.clock_models import Clock, ClockState
from tests.factories import another_number, work_order_at, work_order_make
from tickets.models import OrderState, WorkOrder
from tickets.services import work_order_urge

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@dataclass
class November:
    closed: WorkOrder  # hall_south → dept_billing, walked to closed, callback satisfied (Nov 10)
    unsatisfied: WorkOrder  # hall_south → dept_billing, callback unsatisfied (Nov 12)
    on_spot: WorkOrder  # hall_south, direct reply (Nov 12)
    north: WorkOrder  # hall_north, dispatched, repeat + batch flags (Nov 20), urged twice
    last_minute: WorkOrder  # hall_south, 23:30 on Nov 30 local (15:30 UTC): November
    december_local: WorkOrder  # hall_south, 07:30 on Dec 1 local (23:30 UTC on Nov 30): December, not November
    late_clock: Clock  # breached, stopped at 23:59:59 on Nov 30, 2 h 30 min late


def november_build(world) -> November:
    with time_machine.travel(local(2026, 11, 10, 9, 0), tick=False):
        closed = work_order_at(OrderState.CLOSED, world=world, accepted_number=another_number())
    with time_machine.travel(local(2026, 11, 12, 10, 0), tick=False):
        unsatisfied = work_order_at(
            OrderState.CALLBACK_DONE, world=world, accepted_number=another_number(), callback="unsatisfied"
        )
        on_spot = work_order_make(
            actor=world.clerk, accepted_number=another_number(), handling_method="direct_reply",
            direct_reply="已当场解释计费规则，客户认可。",
        )  # fmt: skip
    with time_machine.travel(local(2026, 11, 20, 14, 0), tick=False):
        north = work_order_at(
            OrderState.DISPATCHED, world=replace(world, clerk=world.clerk_north), accepted_number=another_number(),
            channel="visit", visit_confirmed=True,
        )  # fmt: skip
        WorkOrder.objects.filter(pk=north.pk).update(is_repeat=True, is_batch=True)
        work_order_urge(order_id=north.pk, actor=world.clerk_north, note="客户来电催促。")
        work_order_urge(order_id=north.pk, actor=world.clerk_north, note="客户再次催促。")
    with time_machine.travel(local(2026, 11, 30, 23, 30), tick=False):
        last_minute = work_order_at(OrderState.DISPATCHED, world=world, accepted_number=another_number())
    # The dispatch clock of last_minute: due 21:29:59, stopped (breached) at 23:59:59 on the last day.
    late_clock = Clock.objects.get(order=last_minute, kind="dispatch")
    Clock.objects.filter(pk=late_clock.pk).update(
        state=ClockState.BREACHED,
        due_at=local(2026, 11, 30, 21, 29, 59),
        breached_at=local(2026, 11, 30, 21, 29, 59),
        stopped_at=local(2026, 11, 30, 23, 59, 59),
    )
    with time_machine.travel(local(2026, 12, 1, 7, 30), tick=False):
        december_local = work_order_make(actor=world.clerk, accepted_number=another_number())
    late_clock.refresh_from_db()
    return November(closed, unsatisfied, on_spot, north, last_minute, december_local, late_clock)


AFTER = local(2026, 12, 2, 9, 0)  # when the tests read the report: November is finished and countable
ONE_DAY = timedelta(days=1)
