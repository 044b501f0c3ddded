"""The report sections of the apps above tickets (R-RP-1): tariff disputes, major complaints and holiday duty.
Disputes and major complaints are read through their own visibility selectors (one the user may not see is not
counted); holiday duty through its report selector, by the orders' visibility (`duty_order_report_list`). Their
tables are small (a few rows per day), so they are counted directly, with no tallies."""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext as _

from escalation.selectors import declaration_visible_list, major_visible_list
from holiday_duty.selectors import duty_order_report_list
from tariff_disputes.models import Outcome, RefundState, RemedyForm
from tariff_disputes.selectors import dispute_visible_list, recharge_card_statistics, refund_visible_list

from .periods import Period
from .sources import Scope, day_bounds
from .tables import Row, Section, Table, median, rate


def _yuan(amount) -> Decimal:
    """A sum of yuan as it is kept (R-TD-6: Decimal, two places, never a float), shown and exported as such."""
    return Decimal(amount or 0).quantize(Decimal("0.01"))


def _bounds(period: Period):
    return day_bounds(period.first)[0], day_bounds(period.last)[1]


def tariff_disputes(*, user, period: Period, scope: Scope) -> Section:
    start, end = _bounds(period)
    disputes = dispute_visible_list(user=user).filter(created_at__gte=start, created_at__lt=end)
    refunds = refund_visible_list(user=user).filter(
        state=RefundState.EXECUTED, executed_at__gte=start, executed_at__lt=end
    )
    if scope.unit_ids is not None:
        units = sorted(scope.unit_ids)
        by_order = Q(order__accepting_unit_id__in=units) | Q(order__handling_unit_id__in=units)
        disputes = disputes.filter(by_order | Q(order__isnull=True, unit_id__in=units))
        refunds = refunds.filter(
            Q(dispute__order__accepting_unit_id__in=units) | Q(dispute__order__handling_unit_id__in=units)
            | Q(dispute__order__isnull=True, dispute__unit_id__in=units)
        )  # fmt: skip
    counts = disputes.aggregate(
        n=Count("id"),
        decided=Count("id", filter=~Q(outcome="")),
        justified=Count("id", filter=Q(outcome=Outcome.JUSTIFIED)),
    )
    money = refunds.aggregate(total=Sum("amount"), n=Count("id"))
    # "Double" counts every executed refund of the dispute, also those outside the period: the rule is one.
    doubles = refund_visible_list(user=user).filter(
        state=RefundState.EXECUTED, dispute_id__in=refunds.values("dispute_id")
    ).values("dispute").annotate(n=Count("id")).filter(n__gt=1).count()  # fmt: skip
    total = _yuan(money["total"])
    summary = Table(
        "summary", _("Tariff disputes"),
        "资费争议数：当期登记的争议（按登记时间）。属实比例 = 核实属实数 ÷ 已有核实结论数。退款：当期执行成功的退款"
        "（按执行时间）的笔数与金额（元）。重复退款：同一争议执行成功超过一笔的争议数（规则为一笔，应为 0）。",
        [_("Value")],
        [
            Row("disputes", _("Disputes registered"), [counts["n"]]),
            Row("decided", _("Verified (with an outcome)"), [counts["decided"]]),
            Row("justified", _("Justified"), [counts["justified"]]),
            Row("justified_share", _("Justified share %"), [rate(counts["justified"], counts["decided"])]),
            Row("refunds", _("Refunds executed"), [money["n"]]),
            Row("refunded", _("Total refunded (yuan)"), [total]),
            Row("double", _("Disputes refunded twice"), [doubles]),
        ],
        drill="",
    )  # fmt: skip
    by_cause = defaultdict(lambda: [0, Decimal("0")])
    for row in refunds.values("dispute__cause__parent__name", "dispute__cause__name").annotate(
        n=Count("id"), s=Sum("amount")
    ):
        name = row["dispute__cause__parent__name"] or row["dispute__cause__name"] or _("(no cause)")
        by_cause[name][0] += row["n"]
        by_cause[name][1] += row["s"] or 0
    cause = Table(
        "by_cause", _("Refunds by cause"), "当期执行成功的退款按争议原因（一级原因）分列：笔数与金额（元）。",
        [_("Refunds"), _("Amount (yuan)")],
        [Row(name, name, [n, _yuan(s)]) for name, (n, s) in sorted(by_cause.items(), key=lambda i: -i[1][1])],
        chart_column=1, drill="",
    )  # fmt: skip
    labels = dict(RemedyForm.choices)
    forms = refunds.values("form").annotate(n=Count("id"), s=Sum("amount")).order_by("-s")
    form = Table(
        "by_form", _("Refunds by form"),
        "当期执行成功的退款按赔付形式（话费返还、费用减免、赠送产品、电话卡、现金…）分列。",
        [_("Refunds"), _("Amount (yuan)")],
        [Row(r["form"], str(labels.get(r["form"], r["form"])), [r["n"], _yuan(r["s"])]) for r in forms],
        chart_column=1, drill="",
    )  # fmt: skip
    cards = recharge_card_statistics(disputes=disputes)
    recharge = Table(
        "recharge_cards", _("Recharge-card cases"),
        "充值卡被套取密码类争议（R-TD-7，按登记时间）：案例数，其中在我公司服务厅购买与非我公司服务厅购买的卡，以及来自内部稽核的案例数。",
        [_("Value")],
        [
            Row("total", _("Recharge-card cases"), [cards["total"]]),
            Row("bought_here", _("Card bought at our hall"), [cards["bought_here"]]),
            Row("bought_elsewhere", _("Card bought elsewhere"), [cards["bought_elsewhere"]]),
            Row("internal_checks", _("Recharge-card internal checks"), [cards["internal_checks"]]),
        ],
        drill="",
    )  # fmt: skip
    return Section("tariff", _("Tariff disputes"), [summary, cause, form, recharge])


def major_complaints(*, user, period: Period, scope: Scope) -> Section:
    start, end = _bounds(period)
    majors = major_visible_list(user=user).filter(classified_at__gte=start, classified_at__lt=end)
    declarations = declaration_visible_list(user=user).filter(
        major__classified_at__gte=start, major__classified_at__lt=end
    )
    if scope.unit_ids is not None:
        units = sorted(scope.unit_ids)
        majors = majors.filter(Q(order__accepting_unit_id__in=units) | Q(order__handling_unit_id__in=units))
        declarations = declarations.filter(
            Q(major__order__accepting_unit_id__in=units) | Q(major__order__handling_unit_id__in=units)
        )
    per = defaultdict(lambda: {"n": 0, "declared": 0, "resolved": 0, "returned": 0, "times": []})
    for (name,) in majors.order_by().values_list("interface__name"):
        per[name]["n"] += 1
    rows = (
        declarations.order_by()
        .values_list("interface__name", "first_submitted_at", "resolved_at")
        .annotate(returns=Count("rounds", filter=Q(rounds__returned_by__isnull=False)))
    )
    for name, submitted, resolved, returns in rows:
        entry = per[name]
        entry["declared"] += 1
        entry["returned"] += returns
        if resolved and submitted:
            entry["resolved"] += 1
            entry["times"].append((int((resolved - submitted).total_seconds()), 1))
    table_rows = []
    for name in sorted(per):
        e = per[name]
        hours = median(e["times"])
        table_rows.append(Row(name, name, [e["n"], e["declared"], e["resolved"],
                                           None if hours is None else round(hours / 3600, 1), e["returned"]],
                              {"flag": "is_major"}))  # fmt: skip
    table = Table(
        "by_interface", _("Major complaints by interface"),
        "重大投诉：当期被认定为重大投诉的（按认定时间），按申告接口分列。申告表：其中已建申告表的数量；已解决：申告表已解决的"
        "数量；解决时长：申告表首次提交至解决的时长的精确中位数（小时）；退回：申告表被退回的轮次数。",
        [_("Major complaints"), _("Declarations"), _("Resolved"), _("Median hours to resolution"), _("Returns")],
        table_rows, drill="",
    )  # fmt: skip
    return Section("major", _("Major complaints"), [table])


def holiday_duty(*, user, period: Period, scope: Scope) -> Section:
    """R-HD (SPEC §6) in the report: duty orders by duty hall, counted over the orders the reader may see
    (`holiday_duty.selectors.duty_order_report_list`), within the scope."""
    rows = duty_order_report_list(user=user, first=period.first, last=period.last)
    scoped = scope.raw_q("order__")
    if scoped is not None:
        rows = rows.filter(scoped)
    on_time = Q(feedback_at__isnull=False, feedback_due_at__isnull=False, feedback_at__lte=F("feedback_due_at"))
    figures = (
        rows.values("hall__unit__name")
        .annotate(
            n=Count("id"), notified=Count("id", filter=Q(notified_at__isnull=False)),
            on_time=Count("id", filter=on_time),
            escalated=Count("id", filter=Q(escalation__isnull=False)),
        )
        .order_by("hall__unit__name")
    )  # fmt: skip
    table_rows = [
        Row(r["hall__unit__name"], r["hall__unit__name"],
            [r["n"], r["notified"], r["on_time"], rate(r["on_time"], r["notified"]), r["escalated"]])
        for r in figures
    ]  # fmt: skip
    total = [sum(r.values[i] for r in table_rows) for i in (0, 1, 2)]
    escalated = sum(r.values[4] for r in table_rows)
    table_rows.insert(0, Row("all", _("All duty halls"), [*total, rate(total[2], total[1]), escalated]))
    table = Table(
        "by_hall", _("Holiday duty by duty hall"),
        "值班工单：值班日（按值班日期）落到值班厅的工单数，按值班厅分列。已通知：已通知处理人的。"
        "4小时内反馈：在节假日反馈时限（R-CLK-HOLIDAY，通知处理人起4小时）到期前收到处理人反馈的；"
        "按时反馈率 = 4小时内反馈 ÷ 已通知。升级：超时未反馈而启动逐级升级（或值班人员立即升级）的工单数。",
        [_("Duty orders"), _("Handler told"), _("Feedback within 4 h"), _("Feedback on time %"), _("Escalated")],
        table_rows, chart_column=0, percent_columns=(3,), drill="",
    )  # fmt: skip
    return Section("holiday", _("Holiday duty"), [table])
