"""``GET /healthz``: the status of every configured service; 200 when all of them answer.

``status`` is ``ok``, ``degraded`` (every service answers, but one is set up in a way that will
hurt: still 200, a load balancer keeps the node) or ``error`` (503). Degraded today: a Redis whose
``maxmemory`` is set with a ``maxmemory-policy`` other than ``noeviction``. That one Redis holds the
Celery broker's queues, the channel layer and the cache; under memory pressure an evicting policy
drops keys, and a dropped broker key is a task lost without a trace (docs/resilience.md).
``services`` says what this process's breakers know (``hub.overload``).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from hub import overload, readcache
from hub.realtime import transports
from workers.celery import app as celery_app


def check_database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"backend": connection.vendor}


LAYER_TIMEOUT = 3.0


async def _layer_round_trip() -> None:
    layer = get_channel_layer()
    # The default prefix: channels_redis reads this process's channels ("specific.<client>!…") with
    # one shared receive loop; a channel of another prefix waits for that loop's lock, which an open
    # websocket holds, so the check timed out whenever a socket was open.
    channel = await layer.new_channel()
    token = uuid.uuid4().hex
    # Bounded: after a Redis restart the layer's pooled connections can hang instead of failing,
    # and a health check that never answers is worse than one that says "error".
    async with asyncio.timeout(LAYER_TIMEOUT):
        await layer.send(channel, {"type": "healthz", "token": token})
        message = await layer.receive(channel)
    if message.get("token") != token:
        raise RuntimeError("channel layer returned another message")


def check_channel_layer() -> dict[str, Any]:
    async_to_sync(_layer_round_trip)()
    backend = str(settings.CHANNEL_LAYERS["default"]["BACKEND"])
    return {"backend": backend.rsplit(".", 1)[-1]}


def check_broker() -> dict[str, Any]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"backend": "in-process"}
    # A pooled connection (the one tasks are sent with), not a new one per check.
    with celery_app.pool.acquire(block=True, timeout=2) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        conn.default_channel.client.ping()  # the Redis transport's own client
    return {"backend": "redis"}


class Degraded(Exception):
    """A service that answers but is set up in a way that will hurt (the reason is public)."""

    def __init__(self, reason: str, **detail: Any) -> None:
        super().__init__(reason)
        self.detail = detail


def check_redis_memory() -> dict[str, Any]:
    """The eviction policy of the Redis that holds the broker: with ``maxmemory`` set, anything but
    ``noeviction`` may drop queued tasks under memory pressure."""
    if not settings.REDIS_URL:
        return {"backend": "none"}
    from hub.redis_client import sync_redis

    info = sync_redis().info("memory")
    maxmemory = int(info.get("maxmemory", 0))
    policy = str(info.get("maxmemory_policy", "noeviction"))
    detail = {"maxmemory": maxmemory, "maxmemory_policy": policy}
    if maxmemory and policy != "noeviction":
        raise Degraded(
            f"maxmemory-policy is {policy}: under memory pressure Redis evicts keys, and the Celery "
            "broker's queued tasks with them; set maxmemory-policy noeviction",
            **detail,
        )
    return detail


logger = logging.getLogger(__name__)

CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": check_database,
    "channel_layer": check_channel_layer,
    "broker": check_broker,
    "redis_memory": check_redis_memory,
}


def run_checks() -> tuple[bool, dict[str, Any]]:
    """Whether every service answers, and each check's result (``degraded`` ones answer)."""
    results: dict[str, Any] = {}
    healthy = True
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            detail = check()
            results[name] = {"status": "ok", **detail}
        except Degraded as exc:
            results[name] = {"status": "degraded", "reason": str(exc), **exc.detail}
        except Exception as exc:
            healthy = False
            # Internal hosts and error text stay in the log unless DEBUG: /healthz is public.
            error = f"{type(exc).__name__}: {exc}" if settings.DEBUG else type(exc).__name__
            logger.warning("health check %s failed: %s", name, exc)
            overload.cause(exc)  # a lost service: this process's breaker learns it here too
            results[name] = {"status": "error", "error": error[:300]}
        results[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    return healthy, results


# A healthy answer is reused for this long by the process that computed it: a load balancer or a
# crowd asking many times a second costs one round of checks per second per process, not one per
# request. A failure is never reused: an outage shows on the next request, and so does its end.
# One round at a time per process: while it runs, the others reuse the last healthy answer if it is
# recent (a few reuse periods), or wait for the round's own answer.
_last_healthy: tuple[float, dict[str, Any]] | None = None
_round = threading.Lock()


def checks_now() -> tuple[bool, dict[str, Any]]:
    global _last_healthy
    last = _last_healthy
    if last is not None and time.monotonic() - last[0] < settings.HEALTHZ_REUSE_SECONDS:
        return True, last[1]
    if not _round.acquire(blocking=False):
        if last is not None and time.monotonic() - last[0] < 5 * settings.HEALTHZ_REUSE_SECONDS:
            return True, last[1]
        _round.acquire()
    try:
        last = _last_healthy  # a round that ended while this one waited
        if last is not None and time.monotonic() - last[0] < settings.HEALTHZ_REUSE_SECONDS:
            return True, last[1]
        started = time.monotonic()
        healthy, results = run_checks()
        _last_healthy = (started, results) if healthy else None
        return healthy, results
    finally:
        _round.release()


@csrf_exempt
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, results = checks_now()
    degraded = any(result.get("status") == "degraded" for result in results.values())
    return JsonResponse(
        {
            "status": ("degraded" if degraded else "ok") if healthy else "error",
            "checks": results,
            # Not a check: what this process's breakers know of its services (hub.overload).
            "services": {"database": overload.DATABASE.state(), "redis": overload.REDIS.state()},
            # Not a check: how this process writes live frames (hub.realtime.transports).
            "realtime": transports.report().as_dict(),
            # Not a check: this process's public read cache (hub.readcache), answers by path.
            "read_cache": {"entries": len(readcache.LOCAL), **readcache.STATS},
        },
        status=200 if healthy else 503,
    )
