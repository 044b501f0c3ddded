"""The clock policy table's seed (SPEC §3.2 defaults) and the limits the order services ask for."""

from datetime import timedelta

from django.db import transaction

from .clock_models import ClockKind, ClockPolicy, LimitSource
from .models import BusinessCalendar

HALF_WORKING_DAY = timedelta(hours=3, minutes=30)  # SPEC §3.1 Decision: half of the 7 h working day

# Rows of SPEC §3.2. Events are tickets.events.OrderEvent values, and the escalation app's major-complaint
# events (maj_*, escalation.services.MajorEvent) by name. Holiday clocks are added the same way.
DEFAULT_POLICIES = [
    dict(code="entry", kind=ClockKind.ENTRY, name="录入时限 ½ 工作日", rule="R-CLK-ENTRY", calendar="CAL-WORKDAY",
         limit=HALF_WORKING_DAY, start_events=["created", "contact_logged"], limit_source=LimitSource.AT_EVENT),
    dict(code="dispatch-priority", kind=ClockKind.DISPATCH, name="派单 30 分钟（重大/重复/批量/越级）",
         rule="R-CLK-DISPATCH", calendar="CAL-24x7", limit=timedelta(minutes=30), precedence=10,
         condition="priority_case", start_events=["created"], stop_events=["dispatched"],
         cancel_events=["closed_on_spot", "closed"]),
    dict(code="dispatch", kind=ClockKind.DISPATCH, name="派单 2 小时", rule="R-CLK-DISPATCH", calendar="CAL-24x7",
         limit=timedelta(hours=2), precedence=20, condition="dispatched_kind", start_events=["created"],
         stop_events=["dispatched"], cancel_events=["closed_on_spot", "closed"]),
    dict(code="handle", kind=ClockKind.HANDLE, name="处理时限（派单时设定，默认 48 小时）", rule="R-CLK-HANDLE",
         calendar="CAL-24x7", limit=timedelta(hours=48), limit_source=LimitSource.HANDLING_DUE,
         start_events=["dispatched", "redispatched", "handling_due_reset"], stop_events=["reply_approved"],
         cancel_events=["closed", "handling_due_reset"]),
    dict(code="feedback", kind=ClockKind.FEEDBACK, name="48 小时反馈", rule="R-CLK-FEEDBACK", calendar="CAL-24x7",
         limit=timedelta(hours=48), recurring=True, condition="dispatched_kind",
         start_events=["created", "redispatched"], restart_events=["contact_logged"],
         restart_condition="contact_reached", stop_events=["customer_replied"], cancel_events=["closed"]),
    dict(code="reply", kind=ClockKind.REPLY, name="回复客户 2 小时（不含夜间午休）", rule="R-CLK-REPLY",
         calendar="CAL-SERVICE", limit=timedelta(hours=2), start_events=["reply_approved"],
         stop_events=["customer_replied"], cancel_events=["closed"]),
    dict(code="callback", kind=ClockKind.CALLBACK, name="回访 24 小时", rule="R-CLK-CALLBACK", calendar="CAL-24x7",
         limit=timedelta(hours=24), start_events=["customer_replied"], stop_events=["callback_done"],
         cancel_events=["closed"]),
    # R-CLK-RETRY: a reminder after the R-FL-5 spacing of the work-order rules (given by the event), not a deadline.
    dict(code="retry", kind=ClockKind.RETRY, name="联系不上：间隔期满提醒再次联系", rule="R-CLK-RETRY",
         calendar="CAL-24x7", limit=None, limit_source=LimitSource.RETRY_AFTER, is_reminder=True, warn_percent=0,
         condition="contact_failed",
         start_events=["contact_logged"], stop_events=["contact_logged"],
         cancel_events=["customer_replied", "closed"]),
    dict(code="appointment", kind=ClockKind.APPOINTMENT, name="预约时间", rule="R-CLK-APPT", calendar="CAL-24x7",
         limit_source=LimitSource.APPOINTED_AT, order_types=["appointment"], condition="has_appointment",
         start_events=["created"], stop_events=["dept_replied"], cancel_events=["closed"]),
    # SPEC §4 major complaints (R-CLK-MAJ-*): the escalation app sends these events (escalation.services.MajorEvent).
    dict(code="maj-opinion", kind=ClockKind.MAJ_OPINION, name="重大投诉主管意见 1 小时", rule="R-CLK-MAJ-OPINION",
         calendar="CAL-24x7", limit=timedelta(hours=1), start_events=["maj_reported"],
         stop_events=["maj_opinion_given"], cancel_events=["closed"]),
    dict(code="maj-declare", kind=ClockKind.MAJ_DECLARE, name="重大投诉申告表 ½ 工作日", rule="R-CLK-MAJ-DECLARE",
         calendar="CAL-WORKDAY", limit=HALF_WORKING_DAY, start_events=["maj_classified"],
         stop_events=["maj_declared"], cancel_events=["closed"]),
    dict(code="maj-reply", kind=ClockKind.MAJ_REPLY, name="重大投诉回复客户 48 小时", rule="R-CLK-MAJ-REPLY",
         calendar="CAL-24x7", limit=timedelta(hours=48), start_events=["maj_accepted"],
         stop_events=["maj_replied", "customer_replied"], cancel_events=["closed"]),
]  # fmt: skip


@transaction.atomic
def clock_policies_seed() -> int:
    """Create the SPEC §3.2 default policies that are missing; never overwrite an administrator's edit."""
    calendars = {c.code: c for c in BusinessCalendar.objects.all()}
    created = 0
    for row in DEFAULT_POLICIES:
        row = dict(row)
        code = row.pop("code")
        row["calendar"] = calendars[row.pop("calendar")]
        _, was_created = ClockPolicy.objects.get_or_create(code=code, defaults=row)
        created += was_created
    return created


def handling_limit_default(*, order) -> timedelta:
    """R-CLK-HANDLE: the handling limit when the dispatcher sets none (the `handle` policy's limit)."""
    policy = ClockPolicy.objects.filter(kind=ClockKind.HANDLE, is_active=True).order_by("precedence").first()
    return policy.limit if policy and policy.limit else timedelta(hours=48)
