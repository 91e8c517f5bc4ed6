"""Benin phone numbers: validation and normalisation to E.164 (+229 01 XX XX XX XX).

Since November 2024 Benin numbers have ten digits, the old eight-digit numbers taking the prefix 01.
We accept both forms (with or without +229, spaces, dots or dashes) and store the ten-digit form.
"""

from __future__ import annotations

import re

import phonenumbers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from hub.errors import InvalidInput

_INVALID_TEXT = gettext_noop("Enter a valid Benin phone number, e.g. +229 01 97 00 00 00.")
_SEPARATORS = re.compile(r"[\s.\-()/]")


def normalize_benin_phone(raw: str) -> str:
    """Return the E.164 form of a Benin number, or raise ``InvalidInput``."""
    text = _SEPARATORS.sub("", raw or "")
    if not text or (not re.fullmatch(r"\+?\d{8,15}", text) and not text.startswith("00")):
        raise InvalidInput(_(_INVALID_TEXT), code="invalid_phone")
    if text.startswith("00"):
        text = "+" + text[2:]
    national = text[4:] if text.startswith("+229") else text
    if not text.startswith("+") or text.startswith("+229"):
        if len(national) == 8:  # pre-2024 number: the migration added the prefix 01
            national = "01" + national
        text = "+229" + national
    try:
        number = phonenumbers.parse(text, "BJ")
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(_(_INVALID_TEXT), code="invalid_phone") from exc
    if not phonenumbers.is_valid_number(number) or phonenumbers.region_code_for_number(number) != "BJ":
        raise InvalidInput(_(_INVALID_TEXT), code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def looks_like_email(identifier: str) -> bool:
    return "@" in identifier
