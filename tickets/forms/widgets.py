"""Form widgets and fields shared by the workspace forms."""

from django import forms
from django.utils import timezone

LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    """The browser's own date-time picker; values are local time (Asia/Shanghai, settings.TIME_ZONE)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=LOCAL_INPUT_FORMAT)


def local_datetime_field(*, label, required: bool = False, help_text: str = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, required=required, help_text=help_text, widget=LocalDateTimeInput(),
        input_formats=[LOCAL_INPUT_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
    )  # fmt: skip


def now_local_minute():
    return timezone.localtime().replace(second=0, microsecond=0)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe). Cleans to a list of uploaded files."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def yes_no_field(*, label, required: bool = False, yes: str, no: str) -> forms.TypedChoiceField:
    """A yes/no question that may stay unanswered (None), for rules that need an explicit answer."""
    return forms.TypedChoiceField(
        label=label, required=required, choices=[("", "—"), ("true", yes), ("false", no)],
        coerce=lambda value: value == "true", empty_value=None,
    )  # fmt: skip
