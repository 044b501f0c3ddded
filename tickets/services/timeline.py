from django.utils import timezone

from ..models import TimelineEntry, WorkOrder


def timeline_append(
    *, order: WorkOrder, actor, kind: str, before: str = "", after: str = "", note: str = "",
    data: dict | None = None, at=None,
) -> TimelineEntry:  # fmt: skip
    """Append one entry to the order's timeline (R-AUD-1). Call inside the transaction of the change."""
    return TimelineEntry.objects.create(
        order=order, actor=actor, kind=kind, state_before=before, state_after=after, note=note,
        data=data or {}, at=at or timezone.now(),
    )  # fmt: skip
