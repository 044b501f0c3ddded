"""Who hears of a clock's warning, breach or reminder, written in bulk (R-CLK-WARN, R-CLK-BREACH, R-CLK-RETRY,
R-NT-1, R-NT-2).

A warning goes to the person responsible for the clock; a breach to that person and the supervisor of
their unit (逐级上报): the nearest supervisor at or above the unit who is not that person, so a unit
without a supervisor of its own reports to its parent's, and a supervisor's own breach goes one level up.
A reminder (a policy marked `is_reminder`, e.g. the retry clock) goes to the person who must act, and to
no supervisor: nothing was breached. A clock kind owned by an app above (holiday duty's R-CLK-HOLIDAY) may name
its own people through `clock_recipients_register`; an app may add the followers of an order (an escalated
complaint's tracker) through `order_followers_register`. Each notice is an in-app notification (shown at once) and an
email; keys are unique per clock, event and recipient, so a repeated sweep inserts nothing new."""

import contextlib
from collections.abc import Callable, Iterable
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from notifications.bulk import notification_bulk_enqueue
from notifications.tasks import notifications_sweep
from org.models import OrgUnit

from .clock_models import Clock, ClockKind

OrderFacts = Callable[..., dict[int, dict]]
_order_facts: list[OrderFacts] = []


def order_facts_register(provider: OrderFacts) -> None:
    """The layer that owns orders (tickets) supplies the few order fields a notice needs, by id: `number`,
    `urgency`, `is_major`, `accepted_by_id`, `assignee_id`, `dispatched_by_id`, `handling_unit_id`,
    `accepting_unit_id`. This layer knows clocks, not orders, so it asks through this hook."""
    _order_facts[:] = [provider]


def clock_order_facts(*, order_ids: Iterable[int]) -> dict[int, dict]:
    if not _order_facts:
        raise ImproperlyConfigured("No order facts provider registered (tickets registers one when it is ready).")
    return _order_facts[0](order_ids=order_ids)


def responsible_for(clock_kind: str, facts: dict) -> tuple[int | None, int | None]:
    """(person, unit) answerable for a clock kind on an order."""
    if clock_kind == ClockKind.HANDLE:
        return facts["assignee_id"], facts["handling_unit_id"] or facts["accepting_unit_id"]
    if clock_kind == ClockKind.CALLBACK:
        return facts["dispatched_by_id"] or facts["accepted_by_id"], facts["accepting_unit_id"]
    # Entry, dispatch, feedback, reply, retry, appointment: the first-contact owner chases them (R-WO-9).
    return facts["accepted_by_id"], facts["accepting_unit_id"]


# clock id → (the people responsible: warned, reminded and told of a breach; those above them: told of a breach)
Recipients = dict[int, tuple[set[int], set[int]]]
ClockRecipients = Callable[..., Recipients]
_clock_recipients: dict[str, ClockRecipients] = {}


def clock_recipients_register(kind: str, resolver: ClockRecipients) -> None:
    """An app above that owns a clock kind names who acts on its clocks, where the order's people are the wrong
    ones (holiday duty: the duty staff following the order, the handler they told and the shift leader, not the
    first-contact owner). `resolver(clocks=[{"id", "order_id", "kind", "started_at", "cycle"}, …])` answers for
    them all at once (a sweep's batch) with {clock id: (people, above)}; a clock it leaves out is told as any
    other."""
    _clock_recipients[kind] = resolver


# order ids → {order id: people who follow that order and hear of each of its clocks as its responsible person does}
OrderFollowers = Callable[..., dict[int, set[int]]]
_order_followers: dict[str, OrderFollowers] = {}


def order_followers_register(name: str, resolver: OrderFollowers) -> None:
    """An app above names people who follow an order whatever its clock, beside those the clock's kind names (an
    escalated complaint's dedicated tracker, R-SP-3): `resolver(order_ids=[…])` answers for a sweep's batch at once
    with {order id: {user id, …}}. They are warned, reminded and told of a breach as the responsible person is."""
    _order_followers[name] = resolver


def clock_recipients(*, clocks: list[dict], facts: dict[int, dict], tree: dict) -> Recipients:
    """Who hears of each clock: the registered resolver of its kind, else the person `responsible_for` it and the
    supervisor above them (`supervisor_above` on `tree`; an empty tree names nobody above); and the order's
    followers (`order_followers_register`) with the people responsible."""
    found: Recipients = {}
    for kind in {clock["kind"] for clock in clocks} & set(_clock_recipients):
        found.update(_clock_recipients[kind](clocks=[clock for clock in clocks if clock["kind"] == kind]))
    for clock in clocks:
        if clock["id"] not in found:
            person, unit_id = responsible_for(clock["kind"], facts[clock["order_id"]])
            above = supervisor_above(unit_id=unit_id, person=person, tree=tree)
            found[clock["id"]] = ({person} - {None}, {above} - {None})
    followers: dict[int, set[int]] = {}
    order_ids = sorted({clock["order_id"] for clock in clocks})
    for resolver in _order_followers.values():
        for order_id, people in resolver(order_ids=order_ids).items():
            followers.setdefault(order_id, set()).update(people)
    for clock in clocks:
        if followers.get(clock["order_id"]):
            people, above = found[clock["id"]]
            found[clock["id"]] = (people | followers[clock["order_id"]], above - followers[clock["order_id"]])
    return found


def supervisor_tree() -> dict[int, tuple[int | None, int | None]]:
    """unit id → (parent id, supervisor id) of every unit, in one query (the tree is small)."""
    return {u: (parent, sup) for u, parent, sup in OrgUnit.objects.values_list("id", "parent_id", "supervisor_id")}


def supervisor_above(*, unit_id: int | None, person: int | None, tree: dict) -> int | None:
    """逐级上报 (R-CLK-BREACH): the nearest supervisor at or above the unit other than `person` (the one
    responsible), walking up the tree; None when nobody above them has been named."""
    node, depth = unit_id, 0
    while node is not None and depth < 50:
        parent_id, sup_id = tree.get(node, (None, None))
        if sup_id and sup_id != person:
            return sup_id
        node, depth = parent_id, depth + 1
    return None


def clock_notices_record(
    *, warned_ids: list[int], breached_ids: list[int], now: datetime, reminded_ids: list[int] | None = None
) -> int:
    reminded_ids = reminded_ids or []
    if not warned_ids and not breached_ids and not reminded_ids:
        return 0
    ids = [*warned_ids, *breached_ids, *reminded_ids]
    clocks = list(Clock.objects.filter(id__in=ids).values("id", "order_id", "kind", "due_at", "started_at", "cycle"))
    facts = clock_order_facts(order_ids={c["order_id"] for c in clocks})
    tree = supervisor_tree() if breached_ids else {}
    people = clock_recipients(clocks=clocks, facts=facts, tree=tree)
    breached, reminded = set(breached_ids), set(reminded_ids)
    items = []
    for clock in clocks:
        order = facts[clock["order_id"]]
        event = "breach" if clock["id"] in breached else "reminder" if clock["id"] in reminded else "warn"
        responsible, above = people[clock["id"]]
        recipients = responsible | above if event == "breach" else set(responsible)
        label = ClockKind(clock["kind"]).label
        due = timezone.localtime(clock["due_at"])
        if event == "breach":
            subject = f"【超时】{order['number']} {label} 已于 {due:%Y-%m-%d %H:%M} 超时"
        elif event == "reminder":
            what = "请再次联系客户" if clock["kind"] == ClockKind.RETRY else "已到时"
            subject = f"【提醒】{order['number']} {label}：{due:%Y-%m-%d %H:%M} 起{what}"
        else:
            subject = f"【预警】{order['number']} {label} 将于 {due:%Y-%m-%d %H:%M} 到期"
        # R-NT-2: breaches of 特急 or major orders go out at once, even in quiet hours.
        urgent = event == "breach" and (order["urgency"] == "extra_urgent" or order["is_major"])
        for user_id in recipients:
            for channel in ("in_app", "email"):
                items.append(
                    {
                        "channel": channel, "recipient_id": user_id, "order_id": clock["order_id"],
                        "kind": f"clock_{event}", "subject": subject, "body": subject, "urgent": urgent,
                        "idempotency_key": f"clock-{clock['id']}-{event}-{user_id}-{channel}",
                    }
                )  # fmt: skip
    created = notification_bulk_enqueue(items=items, now=now)
    transaction.on_commit(_kick_delivery)
    return created


def _kick_delivery() -> None:
    # The periodic sweep delivers them anyway; a broker hiccup must not fail the clock sweep.
    with contextlib.suppress(Exception):
        notifications_sweep.delay()
