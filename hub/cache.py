"""Django's Redis cache, with one connection pool per process.

Django keeps a cache instance per asgiref ``Local`` context, and under ASGI each request runs in its
own context, so the stock ``RedisCache`` builds a new client, pool and Redis connection for every
request that touches the cache (the DRF throttle does, on every API call). Measured under
``bench/votes.py``: a new Redis connection per REST vote. Here every instance of the process shares
one pool per server URL and options (redis-py pools are thread-safe and reset after a fork).
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

_pools: dict[tuple[str, str], Any] = {}
_lock = threading.Lock()


class SharedPoolRedisCacheClient(RedisCacheClient):
    def _get_connection_pool(self, write: bool) -> Any:
        client: Any = self  # Django's private attributes, not in its type stubs
        index = client._get_connection_pool_index(write)
        server = client._servers[index]
        key = (server, repr(sorted(client._pool_options.items())))
        pool = _pools.get(key)
        if pool is None:
            with _lock:
                pool = _pools.get(key)
                if pool is None:
                    pool = _pools[key] = client._pool_class.from_url(server, **client._pool_options)
        return pool


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedPoolRedisCacheClient
