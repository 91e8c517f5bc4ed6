"""The Redis cache shares one connection pool per process across asgiref contexts (hub.cache).

The test reads which pool a cache client uses through Django's client internals: a test's
observation, not product code."""

from __future__ import annotations

import asyncio
import contextvars

import pytest
from asgiref.sync import sync_to_async
from django.core.cache import cache, caches


@pytest.mark.asyncio
async def test_every_request_context_uses_the_same_redis_pool(redis_required):
    # given the cache as two concurrent ASGI requests see it (each runs in its own context)
    async def pool_seen_by_a_request() -> int:
        def in_request() -> int:
            caches["default"].set("pool-probe", 1, 5)  # a real round trip
            return id(caches["default"]._cache._get_connection_pool(True))

        return await sync_to_async(in_request, thread_sensitive=False)()

    # (a fresh context each, as Django's ASGI handler gives every request: its own cache instances)
    loop = asyncio.get_running_loop()
    first, second = await asyncio.gather(
        *(loop.create_task(pool_seen_by_a_request(), context=contextvars.Context()) for _ in range(2))
    )
    # then both used one pool (one set of connections), which this thread sees too
    assert first == second == id(cache._cache._get_connection_pool(True))
    # and the cache works through it
    assert cache.get("pool-probe") == 1
