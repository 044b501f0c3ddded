"""The order-based figures of a report (R-RP-1), summed from `reports.sources` rows: volumes, timeliness,
satisfaction, first-contact resolution, repeat rate and urges. Each table says how it is counted (in
Chinese: the branch's own words), so two people reading it get the same number."""

from collections import defaultdict

from django.utils.translation import gettext as _

from complaints.models import ComplaintCategory
from deadlines.clock_models import ClockKind
from org.models import OrgUnit
from tickets.models import Channel, OrderType, Urgency
from tickets.models.choices import CallbackOutcome

from .periods import Period
from .sources import RESPONSIBLE, Scope, category_levels, lateness_medians, period_plan, period_sums
from .tables import Row, Section, Table, change, rate

FLAG_LABELS = {
    "is_major": "重大投诉",
    "is_repeat": "重复投诉",
    "is_batch": "批量投诉",
    "is_escalated": "越级(升级)投诉",
    "is_collective": "集中性问题",
    "is_media": "涉及媒体",
}
NO_UNIT = "—"


class Names:
    """Labels of units and categories and each leaf's level-1 and level-2 ancestor, from two small queries."""

    def __init__(self):
        self.units = {u: (name, city) for u, name, city in OrgUnit.objects.values_list("id", "name", "city")}
        self.categories = dict(ComplaintCategory.objects.values_list("id", "name"))
        self.levels = category_levels()

    def unit(self, unit_id) -> str:
        return self.units.get(unit_id, (NO_UNIT, ""))[0]

    def category(self, category_id) -> str:
        return self.categories.get(category_id, _("(no category)"))


def _sum_by(rows: list[dict], key, value="n") -> dict:
    totals: dict = defaultdict(int)
    for row in rows:
        totals[key(row)] += row[value]
    return totals


def _volume_table(key, title, definition, now: dict, before: dict, labels: list[tuple], param: str) -> Table:
    rows = []
    for value, label in labels:
        a, b = now.get(value, 0), before.get(value, 0)
        if a or b:
            rows.append(Row(key=str(value), label=str(label), values=[a, b, change(a, b)], filter={param: value}))
    columns = [_("This period"), _("Previous period"), _("Change %")]
    return Table(key, title, definition, columns, rows, chart_column=0, percent_columns=(2,))


def _by_value(rows: list[dict], dim: str, unit: str | None = None) -> dict:
    """Orders of one dimension by value (and by a unit column when given: {(unit, value): n})."""
    totals: dict = defaultdict(int)
    for row in rows:
        if row["dim"] == dim:
            totals[(row[unit], row["value"]) if unit else row["value"]] += row["n"]
    return totals


def volumes(*, orders: list[dict], previous: list[dict], names: Names) -> Section:
    dims = [
        ("type", _("By type"), "按受理时间计入当期的工单数，按工单类型（投诉/咨询/预约/业务受理/建议）分列。",
         "type", OrderType.choices, "order_type"),
        ("category_l1", _("By category (level 1)"), "投诉工单按目录树一级分类计数；非投诉工单无分类，不计入。",
         "l1", None, "category_l1"),
        ("category_l2", _("By category (level 2)"), "投诉工单按目录树二级分类计数（叶子在二级时即其本身）。",
         "l2", None, "category_l2"),
        ("channel", _("By channel"),
         "按受理渠道（来电、来人来访、传真信函、电子邮件/互联网、上级/外部转派、媒体）计数。",
         "channel", Channel.choices, "channel"),
        ("city", _("By city"), "按客户归属地市（客户资料的“用户地市”）计数；未填地市的计入“—”。",
         "city", None, "city"),
        ("urgency", _("By urgency"), "按紧急程度（一般/紧急/特急）计数。",
         "urgency", Urgency.choices, "urgency"),
    ]  # fmt: skip
    tables = []
    trend = "环比：与上一同长周期相比的增减百分比。"
    for key, title, definition, dim, choices, param in dims:
        now, before = _by_value(orders, dim), _by_value(previous, dim)
        if choices is None:
            values = sorted(set(now) | set(before), key=lambda v: (-now.get(v, 0), v))
            if dim in ("l1", "l2"):
                choices = [(v, names.category(int(v))) for v in values]
            else:
                choices = [(v, v or NO_UNIT) for v in values]
        table = _volume_table(key, title, definition + trend, now, before, choices, param)
        for row in table.rows:
            if dim in ("l1", "l2"):
                row.filter = {param: int(row.key)}
            elif dim == "city":
                row.filter = {param: row.key or NO_UNIT}
        tables.append(table)
    flag_now, flag_before = _by_value(orders, "flag"), _by_value(previous, "flag")
    total_now, total_before = sum(_by_value(orders, "type").values()), sum(_by_value(previous, "type").values())
    flags = _volume_table(
        "flags", _("By flag"),
        "带有各标识的工单数（一张工单可带多个标识，故各行之和可大于总量）；标识以统计时工单的状态为准。",
        flag_now, flag_before, list(FLAG_LABELS.items()), "flag",
    )  # fmt: skip
    flags.rows.insert(0, Row("total", _("All orders"), [total_now, total_before, change(total_now, total_before)], {}))
    tables.append(flags)
    return Section("volumes", _("Volumes"), tables)


def timeliness(*, clocks: list[dict], late_kind: dict, late_unit: dict, names: Names) -> Section:
    """clocks: met and breached by kind and responsible unit; late_*: the median lateness in seconds by kind, by
    unit (`sources.lateness_medians`)."""
    columns = [_("Met"), _("Breached"), _("Timeliness %"), _("Median lateness (min)")]
    definition = (
        "及时率 = 按时完成数 ÷ (按时完成数 + 超时完成数)，按时限停止（完成）的时间计入当期，已取消的时限不计；"
        "仍在计时或已超时未完成的时限在完成后才计入。超时中位数：超时完成的时限“完成时间 − 到期时间”"
        "（取整秒）的精确中位数，以分钟显示。"
    )
    by_kind = defaultdict(lambda: [0, 0])
    by_unit = defaultdict(lambda: [0, 0])
    for row in clocks:
        for totals in (by_kind[row["kind"]], by_unit[row[RESPONSIBLE]]):
            totals[0] += row["met"]
            totals[1] += row["breached"]
    kind_rows = []
    for kind, label in ClockKind.choices:
        met, breached = by_kind.get(kind, (0, 0))
        kind_rows.append(Row(kind, str(label), [met, breached, rate(met, met + breached),
                                                _minutes(late_kind.get(kind))], {"kind": kind}))  # fmt: skip
    unit_rows = [
        Row(str(u), names.unit(u), [met, br, rate(met, met + br), _minutes(late_unit.get(u))], {"clock_unit": u})
        for u, (met, br) in sorted(by_unit.items(), key=lambda item: names.unit(item[0]))
    ]
    return Section(
        "timeliness", _("Timeliness"),
        [
            Table("by_kind", _("By clock kind"), definition, columns, kind_rows, 2, (2,), drill="clocks"),
            Table("by_unit", _("By unit (all clock kinds)"),
                  definition + "单位：已派单的计入处理单位，未派单的计入受理单位。", columns, unit_rows, 2, (2,),
                  drill="clocks"),
        ],
    )  # fmt: skip


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def satisfaction(*, by_unit: list[dict], by_category: list[dict], names: Names) -> Section:
    """Callbacks by outcome and responsible unit, and by outcome and the order's category."""
    outcomes = list(CallbackOutcome.values)
    columns = [str(label) for _v, label in CallbackOutcome.choices] + [_("Satisfaction %")]
    definition = (
        "按回访时间计入当期的回访记录（每个派单周期一次）。满意率 = (满意 + 基本满意) ÷ (满意 + 基本满意 + 不满意)；"
        "联系不上的回访单列，不计入满意率的分母。"
    )

    def table(key, title, callbacks, keyfn, label, param):
        groups = defaultdict(lambda: dict.fromkeys(outcomes, 0))
        for row in callbacks:
            groups[keyfn(row)][row["outcome"]] += row["n"]
        rows = []
        for group, counts in sorted(groups.items(), key=lambda item: label(item[0])):
            reached = counts["satisfied"] + counts["basically_satisfied"] + counts["unsatisfied"]
            sat = rate(counts["satisfied"] + counts["basically_satisfied"], reached)
            rows.append(Row(str(group), label(group), [counts[o] for o in outcomes] + [sat], {param: group}))
        return Table(key, title, definition, columns, rows, chart_column=4, percent_columns=(4,), drill="callbacks")

    l1 = lambda r: names.levels.get(r["category"], (None, None))[0]  # noqa: E731
    return Section(
        "satisfaction", _("Satisfaction (callbacks)"),
        [
            table("by_unit", _("By unit"), by_unit, lambda r: r[RESPONSIBLE], names.unit, "callback_unit"),
            table("by_category", _("By category (level 1)"), by_category, l1, names.category, "category_l1"),
        ],
    )  # fmt: skip


def first_contact(*, orders: list[dict]) -> Section:
    definition = (
        "一次解决率 = 受理时即以“提交”或“直接答复”办结的工单数 ÷ 当期受理的全部工单数（按受理时间），按工单类型分列。"
    )
    totals, spot = _by_value(orders, "type"), _by_value(orders, "spot")
    rows = []
    for kind, label in [*OrderType.choices, ("", _("All types"))]:
        total = totals.get(kind, 0) if kind else sum(totals.values())
        on_spot = spot.get(kind, 0) if kind else sum(spot.values())
        if total or not kind:
            filt = {"on_spot": 1, **({"order_type": kind} if kind else {})}
            rows.append(Row(kind or "all", str(label), [on_spot, total, rate(on_spot, total)], filt))
    columns = [_("Closed on the spot"), _("Orders"), _("First-contact resolution %")]
    return Section("first_contact", _("First-contact resolution"),
                   [Table("by_type", _("By type"), definition, columns, rows, 2, (2,))])  # fmt: skip


def repeats_and_urges(*, by_unit: list[dict], urges: list[dict], names: Names) -> Section:
    """by_unit: complaints (type) and repeat complaints (crep) by accepting unit; urges by responsible unit."""
    complaints = {
        u: n for (u, v), n in _by_value(by_unit, "type", "accepting_unit").items() if v == OrderType.COMPLAINT
    }
    repeats = {u: n for (u, _v), n in _by_value(by_unit, "crep", "accepting_unit").items()}
    total_repeat, total = sum(repeats.values()), sum(complaints.values())
    base = {"order_type": "complaint", "flag": "is_repeat"}
    rows = [Row("all", _("All units"), [total_repeat, total, rate(total_repeat, total)], base)]
    rows += [
        Row(str(u), names.unit(u), [repeats.get(u, 0), n, rate(repeats.get(u, 0), n)], {**base, "accepting_unit": u})
        for u, n in sorted(complaints.items(), key=lambda item: names.unit(item[0]))
    ]
    repeat = Table(
        "repeat", _("Repeat rate"),
        "重复投诉率 = 当期受理的重复投诉数 ÷ 当期受理的投诉数（按受理时间；重复投诉指客户对前次处理结果不满再次投诉、"
        "关联前一工单的投诉），按受理单位分列。",
        [_("Repeat complaints"), _("Complaints"), _("Repeat rate %")], rows, 2, (2,),
    )  # fmt: skip
    urge_units = _sum_by(urges, lambda r: r[RESPONSIBLE])
    urge_rows = [Row("all", _("All units"), [sum(urge_units.values())], {})]
    urge_rows += [
        Row(str(u), names.unit(u), [n], {"urge_unit": u})
        for u, n in sorted(urge_units.items(), key=lambda item: names.unit(item[0]))
    ]
    urge = Table(
        "urges", _("Urges"),
        "催办次数：当期内登记的催办（客户就未办结工单再次来电/来访催促）次数，按催办登记时间计；"
        "单位：已派单的计入处理单位，未派单的计入受理单位。",
        [_("Urges")], urge_rows, 0, drill="urges",
    )  # fmt: skip
    return Section("repeats", _("Repeat complaints and urges"), [repeat, urge])


def order_sections(*, period: Period, scope: Scope, wanted=None, live_only: bool = False) -> list[Section]:
    """The order-based sections (those of `wanted`, default all), each reading only the sums it shows: orders by
    dimension and value (no units) for volumes and first-contact resolution, complaints by accepting unit for the
    repeat rate, clocks by kind and unit, the median lateness computed by the database (`lateness_medians`)."""
    wanted = set(wanted or ("volumes", "timeliness", "satisfaction", "first_contact", "repeats"))
    names = Names()
    plan = period_plan(first=period.first, last=period.last, live_only=live_only)

    raw: dict = {}  # each source's raw rows, read once (today's; all of them when live_only)

    def sums(source, group, only=None, at=plan):
        return period_sums(source=source, plan=at, scope=scope, group=group, only=only, cache=raw)

    sections = []
    orders = []
    if wanted & {"volumes", "first_contact"}:
        dims = None if "volumes" in wanted else {"dim": ("type", "spot")}
        orders = sums("orders", ("dim", "value"), dims)
    if "volumes" in wanted:
        prev = period.previous()
        before = period_plan(first=prev.first, last=prev.last, live_only=live_only)
        sections.append(volumes(orders=orders, previous=sums("orders", ("dim", "value"), at=before), names=names))
    if "timeliness" in wanted:
        late_kind, late_unit = lateness_medians(plan=plan, scope=scope, cache=raw)
        clocks = sums("clocks", ("kind", RESPONSIBLE))
        sections.append(timeliness(clocks=clocks, late_kind=late_kind, late_unit=late_unit, names=names))
    if "satisfaction" in wanted:
        sections.append(satisfaction(by_unit=sums("callbacks", (RESPONSIBLE, "outcome")),
                                     by_category=sums("callbacks", ("category", "outcome")), names=names))  # fmt: skip
    if "first_contact" in wanted:
        sections.append(first_contact(orders=orders))
    if "repeats" in wanted:
        by_unit = sums("orders", ("accepting_unit", "dim", "value"), {"dim": ("type", "crep")})
        sections.append(repeats_and_urges(by_unit=by_unit, urges=sums("urges", (RESPONSIBLE,)), names=names))
    return sections
