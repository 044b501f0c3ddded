"""The orders behind a figure (R-RP-1: every chart cell links to the list of orders it counts). The same
filters as the figures' rows (`reports.tables.Row.filter`), applied to the raw rows within the report's scope
and the user's visibility (SPEC §1). Reads only."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from complaints.models import ComplaintCategory
from deadlines.clock_models import Clock, ClockState
from tickets.models import Callback, HandlingMethod, TimelineEntry, WorkOrder
from tickets.selectors import work_order_visible_base

from .figures import FLAG_LABELS, NO_UNIT
from .periods import Period
from .sources import Scope, day_bounds

BASES = ("orders", "clocks", "callbacks", "urges")
INT_PARAMS = ("category_l1", "category_l2", "accepting_unit", "clock_unit", "callback_unit", "urge_unit", "on_spot")
TEXT_PARAMS = ("order_type", "channel", "city", "urgency", "flag", "kind", "outcome")
PARAMS = (*INT_PARAMS, *TEXT_PARAMS)


class BadFilter(ValueError):
    """A filter value that names nothing (400 with the parameter's name)."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


def drill_params(query) -> dict:
    """The filters of the order list from a query dict; a malformed one raises BadFilter naming it."""
    found = {}
    for name in PARAMS:
        value = query.get(name)
        if value in (None, ""):
            continue
        if len(value) > 60:
            raise BadFilter(name)
        if name in INT_PARAMS:
            if not value.isdigit() or len(value) > 12:
                raise BadFilter(name)
            value = int(value)
        if name == "flag" and value not in FLAG_LABELS:
            raise BadFilter(name)
        found[name] = value
    return found


def _responsible(unit_id: int, prefix: str = "") -> Q:
    return Q(**{f"{prefix}handling_unit_id": unit_id}) | Q(
        **{f"{prefix}handling_unit__isnull": True, f"{prefix}accepting_unit_id": unit_id}
    )


def _category_ids(level: int, node_id: int) -> list[int]:
    """The categories whose level-1 (level=0) or level-2 (level=1) ancestor is `node_id` (itself included)."""
    parents = dict(ComplaintCategory.objects.values_list("id", "parent_id"))
    found = []
    for cid in parents:
        path, node, depth = [], cid, 0
        while node is not None and depth < 20:
            path.append(node)
            node, depth = parents.get(node), depth + 1
        path.reverse()
        if (path[level] if len(path) > level else path[-1]) == node_id:  # as figures.Names.levels
            found.append(cid)
    return found


def drill_orders(*, user, period: Period, scope: Scope, basis: str, params: dict) -> QuerySet[WorkOrder]:
    """The visible orders of the scope that a figure's row counted, newest first."""
    start, end = day_bounds(period.first)[0], day_bounds(period.last)[1]
    orders = work_order_visible_base(user=user)
    scoped = scope.raw_q()
    if scoped is not None:
        orders = orders.filter(scoped)
    if basis == "orders":
        orders = orders.filter(accepted_at__gte=start, accepted_at__lt=end)
    elif basis == "clocks":
        clocks = Clock.objects.filter(
            order=OuterRef("pk"), stopped_at__gte=start, stopped_at__lt=end,
            state__in=(ClockState.MET, ClockState.BREACHED),
        )  # fmt: skip
        if "kind" in params:
            clocks = clocks.filter(kind=params["kind"])
        if "outcome" in params and params["outcome"] in (ClockState.MET, ClockState.BREACHED):
            clocks = clocks.filter(state=params["outcome"])
        orders = orders.filter(Exists(clocks))
    elif basis == "callbacks":
        callbacks = Callback.objects.filter(order=OuterRef("pk"), at__gte=start, at__lt=end)
        if "outcome" in params:
            callbacks = callbacks.filter(outcome=params["outcome"])
        orders = orders.filter(Exists(callbacks))
    elif basis == "urges":
        orders = orders.filter(
            Exists(TimelineEntry.objects.filter(order=OuterRef("pk"), kind="urge", at__gte=start, at__lt=end))
        )
    else:
        raise BadFilter("basis")
    for name, value in params.items():
        if name in ("order_type", "channel", "urgency"):
            orders = orders.filter(**{name: value})
        elif name == "city":
            orders = orders.filter(customer__home_city="" if value == NO_UNIT else value)
        elif name == "flag":
            orders = orders.filter(**{value: True})
        elif name == "on_spot":
            methods = sorted(HandlingMethod.closing_at_creation())
            orders = (
                orders.filter(handling_method__in=methods) if value else orders.exclude(handling_method__in=methods)
            )
        elif name in ("category_l1", "category_l2"):
            orders = orders.filter(category_id__in=_category_ids(0 if name == "category_l1" else 1, value))
        elif name == "accepting_unit":
            orders = orders.filter(accepting_unit_id=value)
        elif name in ("clock_unit", "callback_unit", "urge_unit"):
            orders = orders.filter(_responsible(value))
    return orders.select_related("customer", "accepting_unit", "handling_unit", "category").order_by(
        "-accepted_at", "-id"
    )
