"""What the embedded database (SQLite) needs to answer as PostgreSQL does.

Django turns ``icontains``/``iexact`` into ``UPPER(...) LIKE UPPER(...)`` on PostgreSQL, which folds
the case of every letter, and into a plain ``LIKE`` on SQLite, whose built-in ``like()`` folds ASCII
letters only: "ÉCLAIRAGE" found "Éclairage public" on PostgreSQL and nothing on SQLite, and an
e-mail address typed with another case of "É" signed in on one and not the other. Every SQLite
connection gets a ``like()`` that folds case the way Python's ``str.casefold`` does (SQLite calls the
application's function for every ``LIKE``; SQLite's plain ``contains`` was already case-insensitive,
it now is for every letter too). No index serves a ``LIKE`` on either backend's fallback path, so
nothing is lost in speed at the embedded scale.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from django.db.backends.signals import connection_created


@functools.lru_cache(maxsize=512)
def _like_pattern(pattern: str, escape: str | None) -> re.Pattern[str]:
    parts: list[str] = []
    chars = iter(pattern)
    for char in chars:
        if escape is not None and char == escape:
            parts.append(re.escape(next(chars, "")))
        elif char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL)


def sqlite_like(pattern: Any, value: Any, escape: Any = None) -> int | None:
    """SQLite's ``like(X, Y[, Z])`` (``Y LIKE X ESCAPE Z``), folding the case of every letter."""
    if pattern is None or value is None:
        return None
    compiled = _like_pattern(str(pattern).casefold(), str(escape) if escape is not None else None)
    return 1 if compiled.fullmatch(str(value).casefold()) else 0


def _sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor != "sqlite":
        return
    raw = connection.connection
    raw.create_function("like", 2, sqlite_like, deterministic=True)
    raw.create_function("like", 3, sqlite_like, deterministic=True)


def install() -> None:
    """Called once from ``HubConfig.ready``."""
    connection_created.connect(_sqlite_functions, dispatch_uid="hub.db.sqlite_functions")
