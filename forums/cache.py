"""Versioned caching of the anonymous forum reads (lists, thread, posts).

Every cached answer is stored under a key that includes a *version*: one per commune, one for all
communes, one per thread. Each forum write bumps the versions it touches twice: at once, and again
after commit. So an answer computed from data that a write is changing is stored under a version
nobody reads any more; readers never see content older than the last committed write (a hidden
post disappears at once). Signed-in readers are never served from the cache (their answers carry
``supported``/``following``). If Redis fails, reads fall back to the database; entries expire
after ``TTL`` seconds whatever happens.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction

from hub import versions

logger = logging.getLogger(__name__)

TTL = 300
ALL = "all"


def _version_key(scope: str) -> str:
    return f"forum:v:{scope}"


def _bump(scopes: list[str]) -> None:
    for scope in scopes:
        key = _version_key(scope)
        try:
            if not cache.add(key, 1, timeout=None):
                cache.incr(key)
        except Exception:  # the TTL bounds what a lost bump can leave behind
            logger.exception("forum cache version bump failed for %s", scope)


def scopes_for(*, commune_id: int, thread_id: int | None = None) -> list[str]:
    scopes = [ALL, f"c{commune_id}"]
    if thread_id is not None:
        scopes.append(f"t{thread_id}")
    return scopes


def invalidate(*, commune_id: int, thread_id: int | None = None) -> None:
    """Call inside the write's transaction."""
    scopes = scopes_for(commune_id=commune_id, thread_id=thread_id)
    _bump(scopes)
    versions.changed(commune_id=commune_id)  # the pages and API answers cached whole
    transaction.on_commit(lambda: _bump(scopes), robust=True)


def cached(scope: str, request_key: str, compute: Callable[[], Any]) -> Any:
    """``compute()``'s value, cached under the scope's current version."""
    try:
        version = cache.get(_version_key(scope)) or 0
        digest = hashlib.sha256(request_key.encode()).hexdigest()[:32]
        key = f"forum:r:{scope}:{version}:{digest}"
        value = cache.get(key)
    except Exception:
        logger.exception("forum cache read failed")
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, TTL)
        except Exception:
            logger.exception("forum cache write failed")
    return value
