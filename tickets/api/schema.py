"""The OpenAPI contract tells the truth (issue 8 §3, R-API-1): every operation documents the error answers
it really gives, with their bodies (tickets/api/errors.py), and every enum the values responses carry.

- 400 where there is a query or a body to get wrong: `FieldErrors`, keyed by the field's (dotted) name;
- 401 where authentication is needed, 403 on writes (role, unit or CSRF), 404 where the path names an
  object or the list is paged (a page past the last): `Error`;
- 409 on what can be refused in the order's current state (`@conflicts`): `Conflict`;
- 413 and 415 where there is a body: `Error`;
- 414 where there is a query: the web server (gunicorn's `limit_request_line`) refuses a request line that is
  too long before the application sees it, with its own small HTML page.

Set as DEFAULT_SCHEMA_CLASS; the test in tests/api/test_schema.py holds every operation to it."""

import django_filters
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers

from .errors import ApiConflictSerializer, ApiErrorSerializer
from .fields import BIGINT_MAX
from .filters import IdFilter

FIELD_ERRORS = {
    "type": "object",
    "description": "A 400: each bad field by its (dotted) name with its messages, `non_field_errors` for the whole "
    "request, or `detail` when the body could not be read at all.",
    "properties": {
        "detail": {"type": "string", "description": "The body could not be parsed."},
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}

DESCRIPTIONS = {
    "400": "Bad input: nothing was changed.",
    "401": "Not authenticated (no, expired or revoked token).",
    "403": "Authenticated, but your role or unit may not do this.",
    "404": "No such object, or not one you may see (its existence is not disclosed); or a page past the last.",
    "409": "Not allowed in the order's current state, or a concurrent change got there first; nothing changed.",
    "413": "The request body is too large.",
    "415": "The body's content type is not JSON, a URL-encoded form or multipart.",
    "414": "The request line (the URL with its query) is too long; answered by the web server, as HTML.",
}


# Views whose optional query parameters are read by a serializer or a filter set: empty is "not given".
EMPTY_MEANS_ABSENT = {"complaints.api"}


def conflicts(view_function):
    """Mark an operation that answers 409 when the order's state refuses it (TransitionRefused)."""
    view_function.api_conflicts = True
    return view_function


class ContractAutoSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        parameters = operation.get("parameters", [])
        self._bound_filter_parameters(parameters)
        locations = {p["in"] for p in parameters}
        names = {p["name"] for p in parameters}
        security = operation.get("security") or []
        authenticated = bool(security) and {} not in security
        has_body = "requestBody" in operation
        codes = set()
        if has_body or "query" in locations:
            codes.add("400")
        if "query" in locations:
            codes.add("414")
        if authenticated:
            codes.add("401")
            if self.method not in ("GET", "HEAD", "OPTIONS"):
                codes.add("403")
        if "path" in locations or "page" in names:
            codes.add("404")
        if self._conflicts():
            codes.add("409")
        if has_body:
            codes |= {"413", "415"}
        responses = operation["responses"]
        for code in sorted(codes - set(responses)):
            if code == "414":
                responses[code] = {
                    "description": DESCRIPTIONS[code],
                    "content": {"text/html": {"schema": {"type": "string"}}},
                }
                continue
            responses[code] = {
                "description": DESCRIPTIONS[code],
                "content": {"application/json": {"schema": self._error_schema(code)}},
            }
        return operation

    def _bound_filter_parameters(self, parameters: list) -> None:
        """What the strict filters (tickets/api/filters.py) refuse, said in the schema: ids from 1 within bigint.
        And what they take: an optional parameter sent empty (`?category=`) means not given, as in a form."""
        filterset = getattr(self.view, "filterset_class", None)
        empty_means_absent = filterset is not None or type(self.view).__module__ in EMPTY_MEANS_ABSENT
        for parameter in parameters:
            if parameter["in"] != "query":
                continue
            declared = filterset.base_filters.get(parameter["name"]) if filterset is not None else None
            if isinstance(declared, IdFilter):
                parameter["schema"] = {**parameter["schema"], "type": "integer", "minimum": 1, "maximum": BIGINT_MAX}
            if isinstance(declared, django_filters.MultipleChoiceFilter):
                continue  # `?state=` is not a state: a 400 naming it
            if not parameter.get("required") and (empty_means_absent or parameter["name"] in ("page", "page_size")):
                parameter["allowEmptyValue"] = True

    def _conflicts(self) -> bool:
        action = getattr(self.view, "action", None)
        handler = getattr(self.view, action or self.method.lower(), None)
        return bool(getattr(handler, "api_conflicts", False))

    def _error_schema(self, code: str) -> dict:
        if code == "400":
            component = ResolvedComponent(
                name="FieldErrors", type=ResolvedComponent.SCHEMA, object="FieldErrors", schema=FIELD_ERRORS
            )
            self.registry.register_on_missing(component)
            return component.ref
        serializer = ApiConflictSerializer if code == "409" else ApiErrorSerializer
        return self.resolve_serializer(serializer, "response").ref

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        """A read-only choice field built from a model field that may be blank or null can return "" or null:
        DRF drops allow_blank from read-only fields, so the enum would leave those out."""
        if direction == "response" and isinstance(field, serializers.ChoiceField) and field.read_only:
            model_field = self._model_field_of(field)
            if model_field is not None:
                field.allow_blank = field.allow_blank or bool(getattr(model_field, "blank", False))
                field.allow_null = field.allow_null or bool(getattr(model_field, "null", False))
        return super()._map_serializer_field(field, direction, bypass_extensions)

    @staticmethod
    def _model_field_of(field):
        model = getattr(getattr(field.parent, "Meta", None), "model", None)
        if model is None or not field.source or "." in field.source:
            return None
        try:
            return model._meta.get_field(field.source)
        except Exception:  # noqa: BLE001 — not a model field (a property, a method): nothing to add
            return None
