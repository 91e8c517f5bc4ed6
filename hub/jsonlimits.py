"""JSON from clients, with a limit on nesting: every REST body, websocket frame and cursor goes here.

Python's JSON decoder recurses once per nested array or object: a 10 KB frame of ``[`` × 10,000
raises ``RecursionError``, which nothing in Django, DRF or Channels expects (a 500, a dropped socket),
and a document nested a few hundred levels deep, still decodable, makes every later walk of it (DRF's
validation, our serializers) recurse as deeply. Nothing Communes+ accepts nests beyond a handful of
levels, so a document nested deeper than ``MAX_DEPTH`` is refused before it is decoded, with
``TooDeep`` (a ``ValueError``, so callers that already refuse invalid JSON refuse it too).

The check costs two ``str.count`` calls on ordinary input: a document with fewer opening brackets
than ``MAX_DEPTH`` cannot nest deeper. Only above that is the text scanned for its real depth
(brackets inside strings do not count).
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 32

# A JSON string (with its escapes) or one bracket: strings are skipped whole, brackets counted. The
# closing quote is optional: a string that never closes is consumed to the end in one match (the text
# is not JSON anyway). Required, each later quote would restart a scan to the end: quadratic time.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)


class TooDeep(ValueError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"JSON nested deeper than {limit} levels")
        self.limit = limit


def depth_of(text: str) -> int:
    """The deepest nesting of arrays and objects in ``text`` (0 for a scalar)."""
    depth = deepest = 0
    for match in _TOKENS.finditer(text):
        found = match.group()
        if found in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif found in "]}":
            depth -= 1
    return deepest


def check_depth(text: str, limit: int = MAX_DEPTH) -> None:
    if text.count("[") + text.count("{") <= limit:
        return
    if depth_of(text) > limit:
        raise TooDeep(limit)


def loads(data: str | bytes | bytearray, limit: int = MAX_DEPTH) -> Any:
    """``json.loads`` that refuses documents nested deeper than ``limit`` with ``TooDeep``.

    Bytes are decoded as UTF-8 (``UnicodeDecodeError``, a ``ValueError``, when they are not)."""
    text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
    check_depth(text, limit)
    try:
        return json.loads(text)
    except RecursionError:  # a smaller recursion limit than the check assumes: still refused
        raise TooDeep(limit) from None
