"""API input fields every layer uses, kept at the bottom so that the token endpoint here and the order API
above share one definition (R-API-1: a bad input is a 400 naming the field)."""

from rest_framework import serializers


class TextField(serializers.CharField):
    """A CharField that takes text only: DRF's own turns a JSON number into a string (`0` → "0"), which the
    schema (type string) does not allow. NUL and lone surrogates are refused by DRF's CharField already."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
