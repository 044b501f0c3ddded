"""Every API view reads its body with the parsers of tickets/api/parsers.py (R-API-1, issue 8 §2): DRF's stock
JSONParser ends a JSON body nested ~950 levels in a RecursionError, a 500; ours answer 400. A view or action
that names its own `parser_classes` must pick them from there. Found by hand: the tariff-dispute and
escalation APIs named the stock ones (deep JSON POSTed to /api/v1/tariff-disputes/disputes/ was a 500)."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import parsers as drf_parsers
from rest_framework.views import APIView

from tickets.api import parsers

pytestmark = pytest.mark.django_db

SAFE = (parsers.JSONParser, parsers.FormParser, parsers.MultiPartParser)
STOCK = (drf_parsers.JSONParser, drf_parsers.FormParser, drf_parsers.MultiPartParser)


def _patterns(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def _parser_classes_in_use() -> dict[str, set[type]]:
    """{"<route> <method>": the parser classes that method's handler reads its body with}."""
    found: dict[str, set[type]] = {}
    for route, callback in _patterns(get_resolver()):
        view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        if not (isinstance(view, type) and issubclass(view, APIView)):
            continue
        actions = getattr(callback, "actions", None) or {}  # ViewSets: {"post": "create", …}
        for method in ("post", "put", "patch"):
            handler = getattr(view, actions.get(method, method), None)
            if handler is None:
                continue
            classes = getattr(handler, "kwargs", {}).get("parser_classes", view.parser_classes)  # @action(...)
            classes = (callback.initkwargs or {}).get("parser_classes", classes)
            found[f"{route} {method.upper()}"] = set(classes)
    return found


def test_the_walk_sees_the_views_that_take_a_body():
    in_use = _parser_classes_in_use()
    assert any(key.startswith("api/v1/auth/token/ POST") for key in in_use)
    assert any("orders" in key and "urge" in key for key in in_use)
    assert len(in_use) > 50


def test_every_api_view_parses_its_body_with_the_depth_limited_parsers():
    stock = {
        key: sorted(cls.__name__ for cls in classes if issubclass(cls, STOCK) and not issubclass(cls, SAFE))
        for key, classes in _parser_classes_in_use().items()
    }
    assert {key: names for key, names in stock.items() if names} == {}
