"""Benin phone numbers are validated and normalised to the ten-digit E.164 form."""

import pytest

from hub.errors import InvalidInput
from hub.phone import normalize_benin_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+229 01 97 00 00 00", "+2290197000000"),
        ("01 97 00 00 00", "+2290197000000"),
        ("0197000000", "+2290197000000"),
        ("00229 0197000000", "+2290197000000"),
        ("97 00 00 00", "+2290197000000"),  # pre-2024 eight-digit number
        ("+229 97-00-00-00", "+2290197000000"),
    ],
)
def test_valid_numbers_are_normalised(raw, expected):
    assert normalize_benin_phone(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "abc", "123", "+33 6 12 34 56 78", "+229 99 00", "0100000000", "+229" + "1" * 20]
)
def test_invalid_numbers_are_refused(raw):
    with pytest.raises(InvalidInput) as info:
        normalize_benin_phone(raw)
    assert info.value.code == "invalid_phone"
