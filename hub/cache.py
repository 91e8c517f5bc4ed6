"""One Redis connection pool per process for Django's Redis cache.

Django keeps a cache instance per asgiref ``Local`` context, and under ASGI each request runs in its
own context, so the stock ``RedisCache`` builds a new client, pool and Redis connection for every
request that touches the cache (the DRF throttle does, on every API call). Django lets a project
name the pool class (``CACHES["default"]["OPTIONS"]["pool_class"]``, hub/settings.py): this one
returns one shared pool per server URL and options, so every instance of the process shares it.
redis-py pools are thread-safe and reset themselves after a fork. With ``REDIS_SENTINELS`` the pool
is sentinel-managed (``hub.redis_client.connection_pool``): the cache follows a failover.
"""

from __future__ import annotations

import threading
from typing import Any

import redis

from hub.redis_client import connection_pool

_pools: dict[tuple[str, str], redis.ConnectionPool] = {}
_lock = threading.Lock()


class SharedConnectionPool(redis.ConnectionPool):
    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Any:  # the signature Django calls
        key = (url, repr(sorted(kwargs.items())))
        pool = _pools.get(key)
        if pool is None:
            with _lock:
                pool = _pools.get(key)
                if pool is None:
                    pool = _pools[key] = connection_pool(url, **kwargs)
        return pool
