"""Accepted-number validation (R-WO-2) and masking (R-SEC-2)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Fixed line with area code: 0 + 2–3 digit area code + 7–8 digit subscriber number, optional dash.
FIXED_LINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def normalize_number(raw: str) -> str:
    """Strip spaces and a +86 / 86 prefix; keep a dash in fixed lines."""
    number = re.sub(r"[\s()]", "", raw or "")
    if number.startswith("+86"):
        number = number[3:]
    elif number.startswith("86") and len(number) == 13:
        number = number[2:]
    return number


def validate_phone_number(value: str) -> None:
    if not (MOBILE_RE.match(value) or FIXED_LINE_RE.match(value)):
        raise ValidationError(
            _("Enter a mainland mobile number (11 digits starting 13–19) or a fixed line with area code."),
            code="invalid_number",
        )


def mask_number(number: str) -> str:
    """138****5678 for mobiles; for fixed lines keep the area code and the last 4 digits."""
    if not number:
        return ""
    if MOBILE_RE.match(number):
        return f"{number[:3]}****{number[-4:]}"
    digits = number.replace("-", "")
    if len(digits) <= 4:
        return "*" * len(digits)
    head = number.split("-")[0] if "-" in number else digits[:4]
    return f"{head}-****{digits[-4:]}" if "-" in number else f"{head}****{digits[-4:]}"
