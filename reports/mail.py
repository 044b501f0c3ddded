"""The monthly report by e-mail (R-RP-1): for each unit with recipients, last month's branch report of that unit's
subtree as an XLSX attachment. Idempotent: the (unit, month) claim row is inserted before sending
(`reports.services.monthly_mail_claim`), so a second beat run, or a second worker, sends nothing."""

from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone, translation

from org.models import OrgUnit
from org.selectors import unit_subtree_ids

from .exports import report_csv, report_xlsx
from .models import MonthlyReportRecipient
from .periods import period_containing
from .selectors import report_build
from .services import monthly_mail_claim, monthly_mail_sent
from .sources import Scope


def last_month(today: date | None = None) -> date:
    today = today or timezone.localdate()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


class _Reader:
    """The report of a unit's subtree is the branch's view of it: whoever configured the recipients chose them."""

    is_authenticated = True
    is_active = True
    pk = None

    def has_perm(self, perm: str) -> bool:
        return True


def monthly_reports_send(*, today: date | None = None) -> int:
    """Send last month's report to every unit's recipients that was not sent yet; returns the mails sent."""
    month = last_month(today)
    period = period_containing("month", month)
    recipients: dict[int, list[str]] = {}
    for unit_id, email in MonthlyReportRecipient.objects.filter(is_active=True).values_list("unit_id", "email"):
        recipients.setdefault(unit_id, []).append(email)
    sent = 0
    for unit in OrgUnit.objects.filter(pk__in=recipients).order_by("code"):
        claim = monthly_mail_claim(unit_id=unit.pk, month=month, recipients=sorted(recipients[unit.pk]))
        if claim is None:
            continue
        scope = Scope(frozenset(unit_subtree_ids(root_ids=[unit.pk])), label=unit.name, extra={"unit_id": unit.pk})
        with translation.override(settings.LANGUAGE_CODE):
            report = report_build(user=_Reader(), period=period, scope=scope, audience="branch")
            subject = f"{unit.name} {month:%Y年%m月} 工单月报"
            body = report_csv(report).lstrip("\ufeff")
            message = EmailMessage(subject, body, to=claim.recipients)
            message.attach(f"report-{unit.code}-{month:%Y%m}.xlsx", report_xlsx(report),
                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")  # fmt: skip
            message.send()
        monthly_mail_sent(mail_id=claim.pk)
        sent += 1
    return sent
