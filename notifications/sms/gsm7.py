"""How long a text is in SMS: GSM 03.38 (7-bit) when every character is in its alphabet, UCS-2
otherwise, and how many segments (billed messages) that makes.

One segment holds 160 GSM-7 units (an extension character such as ``€`` or ``[`` takes two) or 70
UCS-2 characters; a longer text is split in parts of 153 or 67 (the rest is the concatenation
header). One ``ê`` turns a 160-character message into a 70-character one: ``fold`` rewrites the
characters French texts use that GSM-7 lacks (``ê â î ô û ç œ ’ « » …``) into ones it has, and the
texts we write ourselves go through it. What a person typed is counted as it is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = "^{}\\[~]|€\f"
# "§" is in GSM 03.38, but smpplib's encoder (our SMPP transport's) lacks it and falls back to
# UCS-2: counted as UCS-2 here, so the cost shown is the cost sent.
_BASIC = frozenset(GSM7_BASIC) - {"\x1b", "§"}
_EXTENSION = frozenset(GSM7_EXTENSION)

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67

_FOLD = str.maketrans(
    {
        "ê": "e",
        "ë": "e",
        "â": "a",
        "á": "a",
        "ã": "a",
        "î": "i",
        "ï": "i",
        "í": "i",
        "ô": "o",
        "ó": "o",
        "õ": "o",
        "û": "u",
        "ú": "u",
        "ç": "c",
        "ÿ": "y",
        "À": "A",
        "Â": "A",
        "Á": "A",
        "È": "E",
        "Ê": "E",
        "Ë": "E",
        "Î": "I",
        "Ï": "I",
        "Ô": "O",
        "Û": "U",
        "Ù": "U",
        "Ÿ": "Y",
        "œ": "oe",
        "Œ": "OE",
        "’": "'",
        "‘": "'",
        "«": '"',
        "»": '"',
        "“": '"',
        "”": '"',
        "…": "...",
        "–": "-",
        "—": "-",
        "\u00a0": " ",
        "\u202f": " ",
        "\t": " ",
    }
)


@dataclass(frozen=True)
class Length:
    encoding: str  # "gsm7" or "ucs2"
    units: int  # GSM-7 septets, or UTF-16 code units
    segments: int

    @property
    def single(self) -> bool:
        return self.segments == 1


def is_gsm7(text: str) -> bool:
    return all(ch in _BASIC or ch in _EXTENSION for ch in text)


def measure(text: str) -> Length:
    """The encoding a carrier would use for ``text`` and the number of segments it is billed as."""
    if is_gsm7(text):
        units = sum(2 if ch in _EXTENSION else 1 for ch in text)
        single, part = GSM7_SINGLE, GSM7_PART
        encoding = "gsm7"
    else:
        units = len(text.encode("utf-16-be")) // 2
        single, part = UCS2_SINGLE, UCS2_PART
        encoding = "ucs2"
    segments = 1 if units <= single else math.ceil(units / part)
    return Length(encoding, units, max(segments, 1))


def fold(text: str) -> str:
    """``text`` with the French characters GSM-7 lacks replaced by their nearest GSM-7 spelling.

    Characters with no such spelling are kept: the text then stays UCS-2, and ``measure`` says so.
    """
    return text.translate(_FOLD)


def fit(text: str, *, limit: int = GSM7_SINGLE, ellipsis: str = "...") -> str:
    """``fold(text)``, cut to ``limit`` GSM-7 units (one segment by default) when it is longer,
    ending with ``ellipsis``; a text that must stay UCS-2 is cut to its own one-segment length."""
    folded = fold(text)
    length = measure(folded)
    if length.encoding == "ucs2":
        limit = min(limit, UCS2_SINGLE)
        if length.units <= limit:
            return folded
        # Cut by UTF-16 units (an emoji takes two), never inside a character.
        kept: list[str] = []
        used = 0
        for ch in folded:
            cost = len(ch.encode("utf-16-be")) // 2
            if used + cost > limit - len(ellipsis):
                break
            kept.append(ch)
            used += cost
        return "".join(kept).rstrip() + ellipsis
    if length.units <= limit:
        return folded
    budget = limit - len(ellipsis)
    out: list[str] = []
    used = 0
    for ch in folded:
        cost = 2 if ch in _EXTENSION else 1
        if used + cost > budget:
            break
        out.append(ch)
        used += cost
    return "".join(out).rstrip() + ellipsis
