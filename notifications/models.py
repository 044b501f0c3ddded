"""The notification outbox (SPEC R-NT-1, R-NT-2).

Every notification is a row first and a message second: services write the row (idempotency key,
unique), workers claim it with compare-and-set and hand it to a backend, and the row records what
happened, so every notification and its delivery state is visible in the admin.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationChannel(models.TextChoices):
    IN_APP = "in_app", _("In-app (站内消息)")
    EMAIL = "email", _("Email (电子邮件)")
    SMS = "sms", _("SMS (短信)")
    PHONE_TASK = "phone_task", _("Phone-call task (电话任务)")


class NotificationState(models.TextChoices):
    PENDING = "pending", _("Pending (待发送)")
    SENDING = "sending", _("Sending (发送中)")
    SENT = "sent", _("Sent (已发送)")
    FAILED = "failed", _("Failed (发送失败)")
    CANCELLED = "cancelled", _("Cancelled (已取消)")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    address = models.CharField(
        _("address"),
        max_length=254,
        blank=True,
        help_text=_("Phone number or email address; overrides the recipient's own (e.g. a distributor contact)."),
    )
    channel = models.CharField(_("channel"), max_length=20, choices=NotificationChannel.choices)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"), blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    order = models.ForeignKey(
        "tickets.WorkOrder",
        verbose_name=_("work order"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=40, blank=True, help_text=_("e.g. state_change, clock_warning"))
    urgent = models.BooleanField(_("urgent"), default=False, help_text=_("Goes out at once, even in quiet hours."))

    state = models.CharField(
        _("state"), max_length=20, choices=NotificationState.choices, default=NotificationState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("attempt limit"), default=8)
    not_before = models.DateTimeField(
        _("not before"), default=timezone.now, help_text=_("Quiet-hours deferral or the next retry.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    external_id = models.CharField(_("gateway message id"), max_length=100, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Notification (通知)")
        verbose_name_plural = _("Notifications (通知)")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="notification_idempotency_key_unique"),
        ]
        indexes = [
            # The delivery sweep: state = pending AND not_before <= now, oldest first.
            models.Index(fields=["state", "not_before"], name="notification_due_idx"),
            # The in-app inbox.
            models.Index(fields=["recipient", "channel", "state"], name="notification_inbox_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.subject}"
