"""R-WO-2 accepted-number validation and R-SEC-2 masking (pure functions)."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from complaints.numbers import mask_number, normalize_number, validate_phone_number

MOBILES = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


@given(MOBILES)
def test_every_mainland_mobile_is_valid_and_masked_to_its_ends(number):
    validate_phone_number(number)
    masked = mask_number(number)
    assert masked == f"{number[:3]}****{number[-4:]}"


@given(st.from_regex(r"1[0-2][0-9]{9}", fullmatch=True))
def test_mobile_with_a_second_digit_below_3_is_invalid(number):
    with pytest.raises(ValidationError):
        validate_phone_number(number)


@pytest.mark.parametrize("number", ["0755-12345678", "075512345678", "010-1234567", "0101234567", "0769-2345678"])
def test_fixed_lines_with_area_code_are_valid(number):
    validate_phone_number(number)


@pytest.mark.parametrize(
    "number",
    ["", "1381234567", "138123456789", "12345678", "755-12345678", "0755-123456", "0755-123456789", "138-1234-5678",
     "abcdefghijk", "+8613812345678"],
)  # fmt: skip
def test_other_numbers_are_invalid(number):
    with pytest.raises(ValidationError) as exc:
        validate_phone_number(number)
    assert exc.value.code == "invalid_number"


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("+86 138 1234 5678", "13812345678"),
        ("8613812345678", "13812345678"),
        (" 138 1234 5678 ", "13812345678"),
        ("(0755)12345678", "075512345678"),
        ("0755-12345678", "0755-12345678"),
        ("", ""),
    ],
)
def test_normalize(raw, normalized):
    assert normalize_number(raw) == normalized


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("13812345678", "138****5678"),
        ("0755-12345678", "0755-****5678"),
        ("075512345678", "0755****5678"),
        ("", ""),
        ("1234", "****"),
    ],
)
def test_mask(number, masked):
    assert mask_number(number) == masked
