"""One synchronous Redis client per process for the live features' small commands from any thread
(the fan-out's PUBLISH, the REST viewer count). redis-py clients are thread-safe; the connection
is made on first use, with short timeouts so that a lost Redis fails fast instead of hanging."""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings

_client: Any = None
_lock = threading.Lock()


def sync_redis() -> Any:
    global _client
    if _client is None:
        with _lock:
            if _client is None:
                import redis

                _client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    return _client
