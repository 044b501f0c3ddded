"""Notifications in the API (R-NT-1): the user's inbox and the delivery state of an order's notices."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from .models import Notification
from .selectors import notification_list_for_user
from .services import notification_mark_read

BIGINT_MAX = 2**63 - 1


class NotificationSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True, default="")

    class Meta:
        model = Notification
        fields = [
            "id", "channel", "kind", "subject", "body", "order", "order_number", "urgent", "state", "attempts",
            "not_before", "created_at", "sent_at", "last_error", "read_at", "recipient",
        ]  # fmt: skip
        read_only_fields = fields


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """My inbox (in-app notices and phone-call tasks), unread first."""

    serializer_class = NotificationSerializer

    def get_queryset(self):
        return notification_list_for_user(user=self.request.user)

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one of my notifications read (idempotent). An id that is not one of mine is a 404 (R-API-1:
        `abc` or a number beyond bigint too, not a 500)."""
        try:
            notification_id = int(pk)
        except (TypeError, ValueError):
            raise NotFound from None
        if not 1 <= notification_id <= BIGINT_MAX:
            raise NotFound
        notification = notification_mark_read(notification_id=notification_id, user=request.user)
        return Response(NotificationSerializer(notification).data)
