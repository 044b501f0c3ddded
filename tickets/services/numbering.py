from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ..models import OrderNumberSequence
from ..models.choices import NUMBER_PREFIX

_table = OrderNumberSequence._meta.db_table
# One statement: the increment row-locks the day's counter until commit and returns the new value
# (PostgreSQL, and SQLite ≥ 3.35, both know RETURNING).
_NEXT_SQL = (
    f'UPDATE "{_table}" SET "last_value" = "last_value" + 1 '  # noqa: S608 - the table name is ours
    'WHERE "prefix" = %s AND "day" = %s RETURNING "last_value"'
)


def _increment(prefix: str, day) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_SQL, [prefix, day])
        row = cursor.fetchone()
    return row[0] if row else None


def order_number_next(*, order_type: str, at: datetime) -> str:
    """Next number for the type and local day, e.g. TS202611210001 (R-WO-8).

    Must run inside the creating transaction: the UPDATE row-locks the day's counter until commit, so
    concurrent creations queue on it and never share a number (gap-free: a rolled-back creation rolls its
    increment back too). A 5-digit overflow is allowed past 9999. One statement per number but the day's
    first, which creates the counter."""
    prefix = NUMBER_PREFIX[order_type]
    day = timezone.localtime(at).date()
    value = _increment(prefix, day)
    if value is None:
        try:
            with transaction.atomic():
                OrderNumberSequence.objects.create(prefix=prefix, day=day, last_value=1)
            value = 1
        except IntegrityError:
            # Another transaction created today's counter first; take the next value from it.
            value = _increment(prefix, day)
    return f"{prefix}{day:%Y%m%d}{value:04d}"
