"""Request-body parsers that answer 400 to any body they cannot take (R-API-1), never a 500.

A JSON body nested deeper than MAX_DEPTH is refused before a serializer walks it: ~950 levels used to end
in a RecursionError, even on the unauthenticated token endpoint. No request of this API nests more than a
few levels (an order with its customer and journalist is 2)."""

import json

from django.conf import settings
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32


def json_depth_check(data, limit: int = MAX_DEPTH) -> None:
    """ParseError if `data` nests arrays/objects deeper than `limit`. Iterative: no recursion to exhaust."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            raise ParseError(_("JSON nested deeper than %(limit)d levels.") % {"limit": limit})
        stack.extend((child, depth + 1) for child in children)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a nesting limit; a body the json module gives up on (too deep for the
    interpreter's stack, invalid UTF-8) is a 400 too."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding) if stream is not None else ""
        except UnicodeDecodeError:
            raise ParseError(_("JSON parse error - the body is not valid %(enc)s.") % {"enc": encoding}) from None
        try:
            data = json.loads(text, parse_constant=self._refuse_constant)
        except RecursionError:
            raise ParseError(_("JSON nested deeper than %(limit)d levels.") % {"limit": MAX_DEPTH}) from None
        except ValueError as exc:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from None
        json_depth_check(data)
        return data

    @staticmethod
    def _refuse_constant(name):
        raise ValueError(f"{name} is not valid JSON")


class FormParser(parsers.FormParser):
    """URL-encoded forms: Django's own limits (too many fields) become a 400, not an HTML error page."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except (UnicodeDecodeError, ValueError) as exc:
            raise ParseError(_("Form parse error - %(error)s") % {"error": exc}) from None


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except (MultiPartParserError, UnicodeDecodeError, ValueError) as exc:
            raise ParseError(_("Multipart form parse error - %(error)s") % {"error": exc}) from None
