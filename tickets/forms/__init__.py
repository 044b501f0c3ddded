"""Forms of the browser workspace. Forms check types; the services check the rules (SPEC §2) and their
ValidationError is put back on the form, field by field, with `form_add_service_errors`."""

from django.core.exceptions import ValidationError
from django.forms import Form

from .actions import ACTION_FORMS
from .intake import IntakeForm


def form_add_service_errors(form: Form, error: ValidationError, field_map: dict[str, str] | None = None) -> None:
    """Attach a service's ValidationError to the form: each message under the field it names (renamed by
    `field_map` where the form calls it differently), anything else as a non-field error."""
    field_map = field_map or {}
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for name, messages in error.message_dict.items():
        field = field_map.get(name, name)
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


__all__ = ["ACTION_FORMS", "IntakeForm", "form_add_service_errors"]
