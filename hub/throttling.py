"""Failed-login throttling, shared by the web login form and the API token endpoint.

Counters live in the cache (Redis when configured, so every server process sees them). The answer is
the same whether or not the account exists. While Redis is away (``hub.overload.REDIS``), each process
counts in its own memory (``hub.overload.local_counters``): signing in keeps working, and a limit
per process still holds; the outage is logged once, not per attempt.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from hub.errors import InvalidInput, Throttled
from hub.overload import REDIS, local_counters, redis_lost
from hub.phone import looks_like_email, normalize_benin_phone

T = TypeVar("T")


def _counted(shared: Callable[[], T], local: Callable[[], T]) -> T:
    """``shared()`` on the cache, or ``local()`` in this process while Redis is away."""
    if settings.REDIS_URL and not REDIS.available():
        return local()
    try:
        return shared()
    except Exception as exc:
        if not redis_lost(exc):
            raise
        REDIS.failed(exc)
        return local()


def _identifier_key(identifier: str) -> str:
    identifier = (identifier or "").strip()
    if looks_like_email(identifier):
        canonical = identifier.lower()
    else:
        try:
            canonical = normalize_benin_phone(identifier)
        except InvalidInput:
            canonical = identifier.lower()
    return "login-fail:id:" + hashlib.sha256(canonical.encode()).hexdigest()[:32]


def _ip_key(ip: str | None) -> str | None:
    return f"login-fail:ip:{ip}" if ip else None


def rate_limit_hit(scope: str, key: str, limit: int, window: int) -> None:
    """Count one hit of ``scope`` for ``key``; raise ``Throttled`` past ``limit`` in ``window`` seconds.

    For actions that cost someone else (an e-mail sent, an account created), on pages and API alike.
    """
    cache_key = f"rate:{scope}:" + hashlib.sha256(key.encode()).hexdigest()[:32]
    count = _counted(lambda: _incr(cache_key, window), lambda: local_counters.hit(cache_key, window))
    if count > limit:
        raise Throttled(_("Too many attempts. Try again later."), retry_after=window)


def _incr(key: str, window: int) -> int:
    cache.add(key, 0, window)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        return 1


def login_check_allowed(identifier: str, ip: str | None) -> None:
    limit = settings.LOGIN_FAILURE_LIMIT
    keys = {_identifier_key(identifier): limit}
    ip_key = _ip_key(ip)
    if ip_key:
        keys[ip_key] = limit * 4
    counts = _counted(
        lambda: cache.get_many(list(keys)), lambda: {key: local_counters.get(key) for key in keys}
    )
    if any(counts.get(key, 0) >= ceiling for key, ceiling in keys.items()):
        raise Throttled(
            _("Too many failed sign-in attempts. Try again in %(minutes)d minutes.")
            % {"minutes": max(1, settings.LOGIN_FAILURE_WINDOW // 60)},
            retry_after=settings.LOGIN_FAILURE_WINDOW,
        )


def login_record_failure(identifier: str, ip: str | None) -> None:
    window = settings.LOGIN_FAILURE_WINDOW
    for key in filter(None, [_identifier_key(identifier), _ip_key(ip)]):
        _counted(functools.partial(_incr, key, window), functools.partial(local_counters.hit, key, window))


def login_record_success(identifier: str) -> None:
    key = _identifier_key(identifier)
    local_counters.delete(key)
    _counted(lambda: bool(cache.delete(key)), lambda: False)
