"""Reads of the outbox (SPEC R-NT-1)."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Case, Count, IntegerField, Max, Q, QuerySet, Value, When

from notifications.models import Notification, NotificationChannel, NotificationState

INBOX_CHANNELS = (NotificationChannel.IN_APP, NotificationChannel.PHONE_TASK)


def notification_list_for_user(*, user: AbstractBaseUser) -> QuerySet[Notification]:
    """The user's in-app inbox: delivered in-app notifications and phone-call tasks addressed to
    them, unread first, then newest first. Deferred phone tasks appear once quiet hours end."""
    return (
        Notification.objects.filter(recipient=user, channel__in=INBOX_CHANNELS, state=NotificationState.SENT)
        .select_related("order")
        .annotate(
            read_rank=Case(When(read_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        .order_by("read_rank", "-created_at", "-pk")
    )


def notification_unread_count(*, user: AbstractBaseUser) -> int:
    """How many inbox entries the user has not read (the badge)."""
    return notification_list_for_user(user=user).filter(read_at__isnull=True).count()


def notification_list_for_order(*, order) -> QuerySet[Notification]:
    """Every notification about a work order, all channels and states, newest first (delivery
    state is visible, R-NT-1)."""
    return Notification.objects.filter(order=order).select_related("recipient").order_by("-created_at", "-pk")


def notification_groups_for_user(*, user: AbstractBaseUser) -> QuerySet:
    """The inbox grouped by order (issue 13 §6): one row per order (`order_id` None: notices about no order)
    with `latest`, `unread`, `total` and `calls` (unread phone-call tasks); groups with something unread
    first, then the newest. One GROUP BY query."""
    return (
        notification_list_for_user(user=user)
        .order_by()
        .values("order_id")
        .annotate(
            latest=Max("created_at"),
            unread=Count("id", filter=Q(read_at__isnull=True)),
            total=Count("id"),
            calls=Count("id", filter=Q(read_at__isnull=True, channel=NotificationChannel.PHONE_TASK)),
        )
        .annotate(has_unread=Case(When(unread__gt=0, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("has_unread", "-latest", "order_id")
    )
