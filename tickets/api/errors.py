"""API error bodies (R-API-1): 400 names each bad field, 403/404 as usual, 409 for a transition that is
not allowed from the current state or lost to a concurrent one. Never a 500 for bad input.

Field errors are keyed where the field is: a nested field's key is its dotted path (`customer.home_city`,
`attachments.0`), the same whether the serializer or a service found the error. The shapes are documented
by the serializers below (tickets/api/schema.py puts them on every operation)."""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..models import OrderState
from ..services.errors import TransitionRefused


def error_keys_flatten(detail, prefix: str = "") -> dict:
    """{"customer": {"home_city": [...]}} → {"customer.home_city": [...]}; a list of objects is keyed by index."""
    flat: dict = {}
    if isinstance(detail, dict):
        items = detail.items()
    elif isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        items = ((str(i), item) for i, item in enumerate(detail) if item)
    else:
        return {prefix or "non_field_errors": detail if isinstance(detail, list) else [detail]}
    for key, value in items:
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, dict | list) for v in value)):
            flat.update(error_keys_flatten(value, path))
        else:
            flat[path] = value if isinstance(value, list) else [value]
    return flat


def exception_handler(exc, context):
    if isinstance(exc, TransitionRefused):
        return Response(
            {
                "detail": exc.detail,
                "code": "transition_refused",
                "transition": exc.transition,
                "state": exc.order.state,
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, ConcurrentTransition | TransitionNotAllowed):
        return Response(
            {"detail": _("The order changed meanwhile; reload it and try again."), "code": "concurrent_transition"},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoValidationError):
        body = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(body)
    elif isinstance(exc, ObjectDoesNotExist):
        exc = Http404()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, RequestDataTooBig):
        return Response(
            {"detail": _("The request body is too large."), "code": "too_large"},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    elif isinstance(exc, SuspiciousOperation):  # too many form fields or files, a malformed upload name…
        exc = exceptions.ParseError(_("The request could not be read."))
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        response.data = error_keys_flatten(response.data)
    return response


# --- documented shapes (tickets/api/schema.py) ---------------------------------------------------------------
class ApiErrorSerializer(serializers.Serializer):
    """401, 403, 404, 413, 415, 429, and a 400 for a body that cannot be parsed."""

    detail = serializers.CharField(help_text="What went wrong, in the language of the request.")
    code = serializers.CharField(required=False, help_text="A machine-readable reason, when there is one.")


class ApiConflictSerializer(serializers.Serializer):
    """409: the transition is not allowed now, or a concurrent one got there first; nothing changed."""

    detail = serializers.CharField(help_text="Names the refused transition and why, in the user's language.")
    code = serializers.ChoiceField(choices=["transition_refused", "concurrent_transition"])
    transition = serializers.CharField(required=False, help_text="The refused transition, e.g. `dispatch`.")
    state = serializers.ChoiceField(choices=OrderState.choices, required=False, help_text="The order's state now.")


def page_not_found(request, exception=None):
    """handler404: a URL under /api/ that matches no route answers JSON like every API 404 (an id such as
    `1.5` the router's pattern refuses, a misspelt path); elsewhere the workspace's own 404 page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)
