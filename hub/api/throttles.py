"""The API's request limit: one counter and one round trip per request.

DRF's ``AnonRateThrottle`` and ``UserRateThrottle`` keep a list of timestamps per client and read and
write it on every request (two Redis round trips each, four for an anonymous client, which both
count). ``RequestRateThrottle`` counts in fixed windows instead: ``INCR`` and ``EXPIRE … NX`` in one
pipeline, per address for anonymous clients (``anon`` rate) and per account for signed-in ones
(``user`` rate). A read already counted by the public read cache (``hub.readcache``, in the same
pipeline as its versions) is not counted again. The rates are DRF's (``SimpleRateThrottle.
THROTTLE_RATES``, from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``); a fixed window lets a client
send up to twice its rate across a window boundary, which is what a limiter of abuse needs.

While Redis is away each process counts in its own memory (``hub.overload.local_counters``; the
outage is logged once): a read limit is not worth an outage, and a limit per process still holds.
If counting fails otherwise, the request is let through (and logged).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from hub.versions import count_hit, window_key

logger = logging.getLogger(__name__)


def rate_of(scope: str) -> tuple[int, int]:
    """A scope's rate as (requests, window seconds)."""
    count, duration = SimpleRateThrottle.parse_rate(None, SimpleRateThrottle.THROTTLE_RATES[scope])  # type: ignore[arg-type]
    return int(count or 0), int(duration or 60)


class RequestRateThrottle(SimpleRateThrottle):
    scope = "anon"

    def __init__(self) -> None:  # the rate depends on who asks: read in allow_request
        self._wait = 0.0

    def allow_request(self, request: Request, view: Any) -> bool:
        if getattr(request._request, "_read_limit_counted", False):
            return True
        user = request.user
        if user is not None and user.is_authenticated:
            scope, ident = "user", f"u{user.pk}"
        else:
            scope, ident = "anon", self.get_ident(request)
        limit, window = rate_of(scope)
        now = time.time()
        try:
            hits = count_hit(window_key(scope, ident, window, now), window)
        except Exception:
            logger.warning("request limit: counter unavailable, request let through", exc_info=True)
            return True
        if hits > limit:
            self._wait = window - (now % window)
            return False
        return True

    def wait(self) -> float:
        return max(1.0, self._wait)
