"""One synchronous Redis client per process for the live features' small commands from any thread
(the fan-out's PUBLISH, the REST viewer count). redis-py clients are thread-safe; the connection
is made on first use, with short timeouts so that a lost Redis fails fast instead of hanging."""

from __future__ import annotations

import threading
import weakref
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


_async_clients: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def async_redis() -> Any:
    """A ``redis.asyncio`` client of the running event loop (one per loop: its connections belong
    to it), for the few commands the event loop sends itself (the public read cache's versions)."""
    import asyncio

    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None:
        import redis.asyncio

        client = redis.asyncio.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
        _async_clients[loop] = client
    return client
