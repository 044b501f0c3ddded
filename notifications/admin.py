"""The outbox in the admin: every notification and its delivery state, read-only (R-NT-1).

The only write is the "retry" action, which goes through the service (STYLE.md: the admin never
edits a state field directly). It needs the change permission; viewing needs the view permission.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications.models import Notification
from notifications.services import notification_retry_failed


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "channel",
        "kind",
        "urgent",
        "state",
        "recipient",
        "address",
        "subject",
        "attempts",
        "not_before",
        "sent_at",
    )
    list_filter = ("channel", "state", "kind", "urgent", "created_at")
    search_fields = ("idempotency_key", "subject")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    actions = ["retry_failed"]
    fieldsets = (
        (None, {"fields": ("channel", "kind", "urgent", "recipient", "address", "order", "subject", "body")}),
        (
            _("Delivery"),
            {
                "fields": (
                    "state",
                    "idempotency_key",
                    "created_at",
                    "not_before",
                    "attempts",
                    "max_attempts",
                    "claimed_at",
                    "sent_at",
                    "external_id",
                    "last_error",
                    "read_at",
                )
            },
        ),
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("notifications.change_notification")

    @admin.action(description=_("Retry failed notifications"), permissions=["retry"])
    def retry_failed(self, request, queryset) -> None:
        requeued = notification_retry_failed(notification_ids=queryset.values_list("pk", flat=True))
        skipped = queryset.count() - requeued
        self.message_user(
            request,
            ngettext(
                "%(count)d notification put back in the outbox.",
                "%(count)d notifications put back in the outbox.",
                requeued,
            )
            % {"count": requeued},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d selected notification was not failed and was left alone.",
                    "%(count)d selected notifications were not failed and were left alone.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
