"""Output fields for the labels the API shows beside a value: a choice's label and a person's name.

DRF reads a callable source (`get_kind_display`, `accepted_by.get_full_name`) through `inspect.signature` on
every row, and Django's `get_FOO_display` rebuilds the field's whole choice mapping, translating each label, on
every call: ~0.6 ms for one clock's kind label, ~80 µs for a name, paid by every list row and by each create's
201 body (issue 12 §3). These give the same values without either."""

from django.db.models import Choices
from rest_framework import serializers


class ChoiceLabelField(serializers.CharField):
    """The label of the source's choice value in the user's language, as `get_FOO_display` gives it (an unknown
    value as itself)."""

    def __init__(self, choices: type[Choices], **kwargs):
        self.choices_class = choices
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value) -> str:
        try:
            return str(self.choices_class(value).label)
        except ValueError:
            return str(value)


class PersonNameField(serializers.CharField):
    """The full name of the user the source names, "" when there is none (as `user.get_full_name` with
    `default=""`)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance):
        user = super().get_attribute(instance)
        return "" if user is None else user.get_full_name()

    def to_representation(self, value) -> str:
        return value
