"""Input fields that refuse what the database cannot take (R-API-1: every bad input is a 400 naming the
field, never a 500): instants with a time-zone offset PostgreSQL rejects (beyond ±15:59) or outside the
years the system can compute deadlines in, ids beyond bigint, NUL characters in text."""

from datetime import UTC, datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from org.api_fields import TextField  # noqa: F401  (re-exported: the order API's text fields)

# PostgreSQL's timestamptz takes offsets up to ±15:59; Python's datetime up to ±23:59.
MAX_UTC_OFFSET = timedelta(hours=15, minutes=59)
# Years an order's times may fall in: wide for queries, narrow enough that deadline arithmetic (days of
# business time added to a due time) and local-time display never leave datetime's range (years 1–9999).
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
BIGINT_MAX = 2**63 - 1

INSTANT_HELP = _("ISO 8601 date and time with offset, e.g. 2026-11-20T16:00:00+08:00 (years 1900–2199).")
OFFSET_MESSAGE = _("The time-zone offset must lie within ±15:59.")
RANGE_MESSAGE = _("Give a date and time between 1900 and 2199.")


def instant_check(value: datetime) -> datetime:
    """The instant in UTC, or DjangoValidationError: an offset beyond ±15:59, or outside 1900–2199."""
    if timezone.is_naive(value):
        try:
            value = timezone.make_aware(value)
        except (OverflowError, ValueError):
            raise DjangoValidationError(RANGE_MESSAGE, code="overflow") from None
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise DjangoValidationError(OFFSET_MESSAGE, code="offset")
    try:
        utc = value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise DjangoValidationError(RANGE_MESSAGE, code="overflow") from None
    if not EARLIEST <= utc < LATEST:
        raise DjangoValidationError(RANGE_MESSAGE, code="overflow")
    return utc


class InstantField(serializers.DateTimeField):
    """A DateTimeField for request bodies: ISO 8601, offset within ±15:59, years 1900–2199."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", INSTANT_HELP)
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        if isinstance(value, str):  # the offset as sent: DRF's parse converts it to the local time zone
            try:
                given = parse_datetime(value.strip())
            except ValueError:
                given = None
            offset = given.utcoffset() if given is not None else None
            if offset is not None and abs(offset) > MAX_UTC_OFFSET:
                raise serializers.ValidationError(str(OFFSET_MESSAGE), code="offset")
        parsed = super().to_internal_value(value)
        try:
            return timezone.localtime(instant_check(parsed))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


class IdField(serializers.IntegerField):
    """The id of a row: a positive integer that fits PostgreSQL's bigint."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(**kwargs)


class InstantFormField(forms.DateTimeField):
    """The form-field twin of InstantField, for django-filter (ISO 8601 only)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            parsed = value
        else:
            try:
                parsed = parse_datetime(str(value).strip())
            except ValueError:
                parsed = None
            if parsed is None:
                raise DjangoValidationError(self.error_messages["invalid"], code="invalid")
        return timezone.localtime(instant_check(parsed))


class IdFormField(forms.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(**kwargs)


BOOLEAN_VALUES = {"true": True, "1": True, "false": False, "0": False}


class StrictBooleanFormField(forms.Field):
    """true/false (or 1/0); anything else is an error, not silently ignored as NullBooleanField does."""

    default_error_messages = {"invalid": _("Give true or false.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, bool):
            return value
        try:
            return BOOLEAN_VALUES[str(value).strip().lower()]
        except KeyError:
            raise DjangoValidationError(self.error_messages["invalid"], code="invalid") from None
