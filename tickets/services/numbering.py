from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ..models import OrderNumberSequence
from ..models.choices import NUMBER_PREFIX


def order_number_next(*, order_type: str, at: datetime) -> str:
    """Next number for the type and local day, e.g. TS202611210001 (R-WO-8).

    Must run inside the creating transaction: the UPDATE row-locks the day's counter until commit, so
    concurrent creations queue on it and never share a number. A 5-digit overflow is allowed past 9999."""
    prefix = NUMBER_PREFIX[order_type]
    day = timezone.localtime(at).date()
    updated = OrderNumberSequence.objects.filter(prefix=prefix, day=day).update(last_value=F("last_value") + 1)
    if not updated:
        try:
            with transaction.atomic():
                OrderNumberSequence.objects.create(prefix=prefix, day=day, last_value=1)
        except IntegrityError:
            # Another transaction created today's counter first; take the next value from it.
            OrderNumberSequence.objects.filter(prefix=prefix, day=day).update(last_value=F("last_value") + 1)
    value = OrderNumberSequence.objects.get(prefix=prefix, day=day).last_value
    return f"{prefix}{day:%Y%m%d}{value:04d}"
