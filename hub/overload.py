"""Overload and lost services answer 503 with ``Retry-After``, never 500.

When every connection of the database pool is taken for longer than ``DB_POOL_TIMEOUT`` seconds
(a crowd arriving faster than the pool serves it), or the database does not answer at all, the
request cannot be served now but can be soon: that is a 503 with a ``Retry-After``, which browsers,
the mobile apps and proxies understand, not a 500 that says the server is broken. The 500 handlers
(pages: ``frontend.views.server_error``; API: ``hub.api.errors``) ask ``unavailable()`` about the
exception being handled.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.db import OperationalError as DjangoOperationalError


def _chain(exc: BaseException | None) -> list[BaseException]:
    seen: list[BaseException] = []
    while exc is not None and exc not in seen and len(seen) < 10:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def unavailable(exc: BaseException | None = None) -> bool:
    """Whether ``exc`` (by default the exception being handled) means "the database cannot serve
    this request now": its pool ran dry, or it refused or dropped the connection."""
    if exc is None:
        exc = sys.exc_info()[1]
    for link in _chain(exc):
        if type(link).__name__ == "PoolTimeout":  # psycopg_pool, present only with a pool
            return True
        if isinstance(link, DjangoOperationalError):
            return True
        module = type(link).__module__
        if module.startswith("psycopg") and type(link).__name__ == "OperationalError":
            return True
    return False


def retry_after() -> int:
    return settings.OVERLOAD_RETRY_AFTER
