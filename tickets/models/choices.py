from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderType(models.TextChoices):
    """R-WO-1. The value's prefix is used in the order number (R-WO-8)."""

    COMPLAINT = "complaint", _("Complaint (投诉)")
    CONSULTATION = "consultation", _("Consultation (咨询)")
    APPOINTMENT = "appointment", _("Appointment (预约)")
    BUSINESS = "business", _("Business acceptance (业务受理)")
    SUGGESTION = "suggestion", _("Suggestion (建议)")


NUMBER_PREFIX = {
    OrderType.COMPLAINT: "TS",
    OrderType.CONSULTATION: "ZX",
    OrderType.APPOINTMENT: "YY",
    OrderType.BUSINESS: "YW",
    OrderType.SUGGESTION: "JY",
}


class Channel(models.TextChoices):
    """R-WO-7 channels of receipt."""

    PHONE = "phone", _("Phone (来电)")
    VISIT = "visit", _("Visit (来人来访)")
    LETTER = "letter", _("Fax / letter (传真信函)")
    INTERNET = "internet", _("Email / internet (电子邮件/互联网)")
    EXTERNAL = "external", _("External transfer (上级/外部转派)")
    MEDIA = "media", _("Media (媒体)")


class ExternalSource(models.TextChoices):
    MIIT = "miit", _("MIIT appeal centre (工信部/信产部申诉中心)")
    GROUP = "group_hq", _("Group headquarters (集团公司)")
    REGULATOR = "regulator", _("Communications administration (通信管理局)")
    CONSUMER_ASSOCIATION = "consumer_association", _("Consumer association (消协)")


class Urgency(models.TextChoices):
    """R-WO-4."""

    NORMAL = "normal", _("Normal (一般)")
    URGENT = "urgent", _("Urgent (紧急)")
    EXTRA_URGENT = "extra_urgent", _("Extra urgent (特急)")


class HandlingMethod(models.TextChoices):
    """R-WO-5."""

    RECORD = "record", _("Record only (提交)")
    DIRECT_REPLY = "direct_reply", _("Direct reply (直接答复)")
    TRANSFER = "transfer", _("Transfer to department (转派)")
    EXTERNAL = "external", _("Dispatch to external party (外派)")

    @classmethod
    def closing_at_creation(cls) -> set[str]:
        return {cls.RECORD, cls.DIRECT_REPLY}


class OrderOrigin(models.TextChoices):
    """R-WO-6 order type for routing: derived from the accepting unit."""

    HALL = "hall", _("Service-hall order (服务厅工单)")
    HOTLINE = "hotline", _("Hotline order (热线工单)")
    CHANNEL = "channel", _("Partner-channel order (渠道工单)")
    BACK_OFFICE = "back_office", _("Back-office order (后台工单)")


class OrderState(models.TextChoices):
    """SPEC §2.1."""

    ACCEPTED = "accepted", _("Accepted (已受理)")
    DISPATCHED = "dispatched", _("Dispatched (已派单)")
    PROCESSING = "processing", _("Processing (处理中)")
    DEPT_REPLIED = "dept_replied", _("Department replied (已回单)")
    REPLY_APPROVED = "reply_approved", _("Reply approved (回单已审核)")
    CUSTOMER_REPLIED = "customer_replied", _("Customer replied (已答复客户)")
    CALLBACK_DONE = "callback_done", _("Callback done (已回访)")
    CLOSED = "closed", _("Closed (已归档)")

    @classmethod
    def open_states(cls) -> list[str]:
        return [s for s in cls.values if s != cls.CLOSED]


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied (满意)")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied (基本满意)")
    UNSATISFIED = "unsatisfied", _("Unsatisfied (不满意)")


class CallbackOutcome(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied (满意)")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied (基本满意)")
    UNSATISFIED = "unsatisfied", _("Unsatisfied (不满意)")
    UNREACHABLE = "unreachable", _("Unreachable (联系不上)")


class FinalReplyMethod(models.TextChoices):
    PHONE = "phone", _("Phone (电话)")
    IN_PERSON = "in_person", _("In person (当面)")
    SMS = "sms", _("SMS (短信)")
    WRITTEN = "written", _("Written (书面)")
    EMAIL = "email", _("Email (邮件)")
    UNREACHABLE = "unreachable", _("Customer unreachable (联系不上)")

    @classmethod
    def needing_approval(cls) -> set[str]:
        """R-FL-4: written or email replies need three approvals before sending."""
        return {cls.WRITTEN, cls.EMAIL}


class ApprovalKind(models.TextChoices):
    """R-FL-4 approvals of a written/email reply, and the permission each one needs."""

    PROFESSIONAL = "professional", _("Professional department (专业部门)")
    LEGAL = "legal", _("Legal counsel (法律室)")
    MANAGER = "manager", _("Manager (经理)")


APPROVAL_PERMISSION = {
    ApprovalKind.PROFESSIONAL: "tickets.approve_reply_professional",
    ApprovalKind.LEGAL: "tickets.approve_reply_legal",
    ApprovalKind.MANAGER: "tickets.approve_reply_manager",
}


class ContactDirection(models.TextChoices):
    INBOUND = "inbound", _("Inbound (客户来电/来访)")
    OUTBOUND = "outbound", _("Outbound (我方联系客户)")


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("Phone (电话)")
    SMS = "sms", _("SMS (短信)")
    VISIT = "visit", _("Visit (面谈)")
    EMAIL = "email", _("Email (邮件)")
    LETTER = "letter", _("Letter (信函)")
