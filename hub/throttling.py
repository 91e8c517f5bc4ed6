"""Failed-login throttling, shared by the web login form and the API token endpoint.

Counters live in the cache (Redis when configured, so every server process sees them). The answer is
the same whether or not the account exists.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from hub.errors import InvalidInput, Throttled
from hub.phone import looks_like_email, normalize_benin_phone


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
    cache.add(cache_key, 0, window)
    try:
        count = cache.incr(cache_key)
    except ValueError:
        cache.set(cache_key, 1, window)
        count = 1
    if count > limit:
        raise Throttled(_("Too many attempts. Try again later."), retry_after=window)


def login_check_allowed(identifier: str, ip: str | None) -> None:
    limit = settings.LOGIN_FAILURE_LIMIT
    keys = {_identifier_key(identifier): limit}
    ip_key = _ip_key(ip)
    if ip_key:
        keys[ip_key] = limit * 4
    counts = cache.get_many(list(keys))
    if any(counts.get(key, 0) >= ceiling for key, ceiling in keys.items()):
        raise Throttled(
            _("Too many failed sign-in attempts. Try again in %(minutes)d minutes.")
            % {"minutes": max(1, settings.LOGIN_FAILURE_WINDOW // 60)},
            retry_after=settings.LOGIN_FAILURE_WINDOW,
        )


def login_record_failure(identifier: str, ip: str | None) -> None:
    for key in filter(None, [_identifier_key(identifier), _ip_key(ip)]):
        cache.add(key, 0, settings.LOGIN_FAILURE_WINDOW)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, settings.LOGIN_FAILURE_WINDOW)


def login_record_success(identifier: str) -> None:
    cache.delete(_identifier_key(identifier))
