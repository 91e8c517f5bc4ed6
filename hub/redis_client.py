"""The hub's Redis clients, made in one place so that every one of them follows the configuration.

One server (``REDIS_URL``), or a master watched by Sentinel (``REDIS_SENTINELS``,
``REDIS_SENTINEL_MASTER``): then each new connection asks the sentinels for the current master
(redis-py's sentinel-managed pools), and a connection to a demoted master that answers ``READONLY`` is
dropped, so a failover is followed by the next command. The Django cache (``hub.cache``), the channel
layer and the Celery broker (settings) use the same configuration.

- ``sync_redis()``: one synchronous client per process, for the live features' small commands from
  any thread (the fan-out's PUBLISH, the REST viewer count). redis-py clients are thread-safe; the
  connection is made on first use, with short timeouts so that a lost Redis fails fast.
- ``async_redis()``: one ``redis.asyncio`` client per event loop (its connections belong to it).
- ``new_async_redis(**options)``: a client of its own, with its own pool, for a user that needs
  its own connection settings (the fan-out's pub/sub connection, the presence tracker).
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from django.conf import settings

_client: Any = None
_lock = threading.Lock()
_sentinel: Any = None
_sentinel_lock = threading.Lock()  # not _lock: sync_redis() holds that one when it asks for this


def sentinel_options(asynchronous: bool = False) -> dict[str, Any]:
    """Connections to the sentinels: short timeouts and no retry, so that discovery moves on to the
    next sentinel at once when one is down."""
    from redis.backoff import NoBackoff

    if asynchronous:
        from redis.asyncio.retry import Retry as AsyncRetry

        return {**settings.REDIS_SENTINEL_OPTIONS, "retry": AsyncRetry(NoBackoff(), 0)}
    from redis.retry import Retry

    return {**settings.REDIS_SENTINEL_OPTIONS, "retry": Retry(NoBackoff(), 0)}


def sentinel_manager() -> Any:
    """The process's ``redis.sentinel.Sentinel`` (synchronous; thread-safe like any redis-py client)."""
    global _sentinel
    if _sentinel is None:
        with _sentinel_lock:
            if _sentinel is None:
                from redis.sentinel import Sentinel

                _sentinel = Sentinel(settings.REDIS_SENTINELS, sentinel_kwargs=sentinel_options())
    return _sentinel


def connection_pool(url: str, **options: Any) -> Any:
    """A new synchronous pool: of ``url``, or of the sentinels' current master."""
    import redis

    if settings.REDIS_SENTINELS:
        from redis.sentinel import SentinelConnectionPool

        return SentinelConnectionPool(
            settings.REDIS_SENTINEL_MASTER, sentinel_manager(), **{**settings.REDIS_MASTER_OPTIONS, **options}
        )
    return redis.ConnectionPool.from_url(url, **options)


def sync_redis() -> Any:
    global _client
    if _client is None:
        with _lock:
            if _client is None:
                import redis

                pool = connection_pool(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
                _client = redis.Redis(connection_pool=pool)
    return _client


def new_async_redis(**options: Any) -> Any:
    """A new ``redis.asyncio`` client with its own pool, for the running event loop."""
    import redis.asyncio

    if settings.REDIS_SENTINELS:
        from redis.asyncio.sentinel import Sentinel

        sentinel = Sentinel(settings.REDIS_SENTINELS, sentinel_kwargs=sentinel_options(asynchronous=True))
        return sentinel.master_for(
            settings.REDIS_SENTINEL_MASTER, **{**settings.REDIS_MASTER_OPTIONS, **options}
        )
    return redis.asyncio.Redis.from_url(settings.REDIS_URL, **options)


_async_clients: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def async_redis() -> Any:
    """A ``redis.asyncio`` client of the running event loop (one per loop: its connections belong
    to it), for the few commands the event loop sends itself (the public read cache's versions)."""
    import asyncio

    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None:
        client = new_async_redis(socket_timeout=2, socket_connect_timeout=2)
        _async_clients[loop] = client
    return client
