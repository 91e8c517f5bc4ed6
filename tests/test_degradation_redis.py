"""Redis goes away under a running hub, and comes back (docs/resilience.md).

REAL processes: ``manage.py serve --web-only --workers 2`` (two uvicorn worker processes) on a PostgreSQL
database and a ``redis-server`` of this module's own (tests/own_services.py), which the test kills
(SIGKILL) and starts again, empty, on the same port; the hub is never restarted. While Redis is
away: public reads answer (from this process's cache when it read the versions just before, else
from the database), sign-in works, a write that needs Redis answers 503 with ``Retry-After`` (the
API's error shape; the French 503 page for a page), a websocket handshake is refused with HTTP 503
and an open live socket is closed with 4503; the outage is logged once per process, not per
request. Then everything works again by itself, and the viewer resumes without a gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Iterator

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.conftest import free_port
from tests.factories import PASSWORD
from tests.own_services import (
    OwnHub,
    OwnPostgres,
    OwnRedis,
    own_postgres,  # noqa: F401 - fixture
    require_redis_server,
    start_hub,
)
from tests.test_sessions_integration import Viewer, post_chat, token_for

pytestmark = [pytest.mark.integration]

# How long Redis stays away (seconds, at least).
OUTAGE = 4.0
# The French 503 page's title (frontend/templates/frontend/503.html).
UNAVAILABLE_FR = "Service momentanément indisponible"


@pytest.fixture(scope="module")
def hub(own_postgres: OwnPostgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnHub]:  # noqa: F811
    require_redis_server()
    directory = tmp_path_factory.mktemp("redis-away")
    redis = OwnRedis(port=free_port(), directory=directory)
    redis.start()
    try:
        served = start_hub(own_postgres, redis, directory, "redis")
    except BaseException:
        redis.kill()
        raise
    yield served
    served.runner.stop()
    redis.kill()


@pytest.fixture
def redis_running(hub: OwnHub) -> OwnHub:
    if not hub.redis.answers():
        hub.redis.start()
    return hub


def public_reads(hub: OwnHub) -> list[str]:
    session = hub.session_id
    return [
        "/api/v1/communes/",
        "/api/v1/communes/cotonou/",
        f"/api/v1/sessions/{session}/",
        f"/api/v1/sessions/{session}/chat/",
        "/api/v1/documents/?commune=cotonou",
        "/",
        "/communes/cotonou/",
        f"/seances/{session}/",
        "/forum/",
        "/communes/cotonou/forum/",
    ]


async def handshake(hub: OwnHub) -> tuple[str, int]:
    """How a new live socket's handshake ends, and the wait it was told: ``("hello", 0)``, refused
    at the handshake (``("503", Retry-After)``), or accepted, told why and closed, when the process
    learnt of the outage only then (``("unavailable 4503", retry_after)``). Never a 500."""
    try:
        async with connect(f"{hub.ws_url}/ws/sessions/{hub.session_id}/", open_timeout=10) as ws:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if frame["type"] == "hello":
                return "hello", 0
            assert frame["type"] == "error", frame
            with contextlib.suppress(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
            return f"{frame['error']['code']} {ws.close_code}", int(frame["error"]["retry_after"])
    except InvalidStatus as refused:
        return str(refused.response.status_code), int(refused.response.headers.get("Retry-After", 0))


async def sign_in_and_follow(hub: OwnHub) -> httpx.Response:
    """A citizen signs in on the page form, then follows Cotonou with the page's (no-JavaScript) form."""
    async with httpx.AsyncClient(base_url=hub.url, timeout=20) as browser:
        await browser.get("/connexion/")
        signed_in = await browser.post(
            "/connexion/",
            data={"identifier": hub.email, "password": PASSWORD},
            headers={"X-CSRFToken": browser.cookies["csrftoken"]},
        )
        assert signed_in.status_code == 302, signed_in.text[:500]
        return await browser.post(
            "/communes/cotonou/suivre/",
            data={"action": "follow"},
            headers={"X-CSRFToken": browser.cookies["csrftoken"], "Accept": "text/html"},
        )


@pytest.mark.asyncio
async def test_redis_gone_reads_answer_writes_and_handshakes_503_and_all_comes_back(redis_running: OwnHub):
    hub = redis_running
    # given a viewer following the live session, a citizen's token, two messages, and public reads
    # that both server processes have just answered (and cached)
    token = await token_for(hub.url, hub.email)
    viewer = Viewer(hub.session_id)
    await viewer.open(hub, retry_for=20)  # type: ignore[arg-type]
    for n in range(2):
        assert (await post_chat(hub.url, token, hub.session_id, f"before {n}")).status_code == 201
    await viewer.pump(2)
    async with httpx.AsyncClient(base_url=hub.url, timeout=20) as http:
        for _round in range(6):
            for path in public_reads(hub):
                assert (await http.get(path)).status_code == 200, path

        # when Redis dies
        hub.redis.kill()
        started = time.monotonic()

        # then every public read still answers, some from the cache (an ETag: not rendered again)
        slowest, from_cache = 0.0, 0
        for _round in range(3):
            for path in public_reads(hub):
                asked = time.monotonic()
                read = await http.get(path)
                slowest = max(slowest, time.monotonic() - asked)
                assert read.status_code == 200, (path, read.status_code, read.text[:300])
                from_cache += "etag" in read.headers
        assert from_cache > 0
        # a write that needs Redis is refused, with the API's error shape and a Retry-After
        refused = await post_chat(hub.url, token, hub.session_id, "during")
        assert refused.status_code == 503, refused.text
        assert refused.json()["error"]["code"] == "unavailable"
        assert int(refused.headers["Retry-After"]) > 0
        # signing in needs no Redis (its failure counts are kept in the process meanwhile); a page's
        # write that needs Redis answers the French 503 page
        followed = await sign_in_and_follow(hub)
        assert followed.status_code == 503
        assert int(followed.headers["Retry-After"]) > 0
        assert 'lang="fr"' in followed.text and UNAVAILABLE_FR in followed.text
        # a new live socket is refused at the handshake with a 503, never a 500
        outcome, wait = await handshake(hub)
        assert outcome in ("503", "unavailable 4503") and wait > 0, outcome
        # the open one is closed with 4503 (reconnect with last_seq)
        assert await viewer.pump_until_closed() == 4503
        # /healthz says what is missing
        health = await http.get("/healthz")
        assert health.status_code == 503
        assert health.json()["checks"]["channel_layer"]["status"] == "error"
        assert health.json()["services"]["redis"]["status"] == "down"
        # and it stays so for as long as Redis is away (4 s, as in the issue): reads still answer
        await asyncio.sleep(max(0.0, OUTAGE - (time.monotonic() - started)))
        for path in public_reads(hub):
            assert (await http.get(path)).status_code == 200, path
        assert (await post_chat(hub.url, token, hub.session_id, "still during")).status_code == 503
        away = time.monotonic() - started

        # when Redis comes back (empty: a restart), the hub not restarted
        hub.redis.start()
        back = time.monotonic()

        # then writes are accepted again by themselves ...
        while (accepted := await post_chat(hub.url, token, hub.session_id, "after")).status_code != 201:
            assert accepted.status_code == 503, accepted.text
            assert time.monotonic() - back < 30, "writes were still refused 30 s after Redis came back"
            await asyncio.sleep(0.1)
        recovered = time.monotonic() - back
        # ... and the viewer resumes from its last_seq with nothing missing and nothing twice
        await viewer.open(hub, retry_for=20)  # type: ignore[arg-type]
        await viewer.pump(3, reconnect_to=hub)  # type: ignore[arg-type]
        assert viewer.seqs == [1, 2, 3]
        # and everything else answers as before
        assert (await handshake(hub))[0] == "hello"
        for path in public_reads(hub):
            assert (await http.get(path)).status_code == 200, path
        health = await http.get("/healthz")
        assert health.status_code == 200, health.text
        assert health.json()["status"] == "ok"
    await viewer.close()

    # the outage was logged once per process that noticed it (two web processes), not per request
    log = hub.log()
    assert 1 <= log.count("redis unavailable") <= 3, log[-3000:]
    assert "versions unreadable" not in log and "counter unavailable" not in log
    print(
        f"\nRedis away {away:.1f} s: slowest public read {slowest * 1000:.0f} ms, {from_cache} of "
        f"{3 * len(public_reads(hub))} from the cache; writes accepted again {recovered:.2f} s after "
        "Redis came back"
    )


def healthz(hub: OwnHub) -> dict:
    answer = httpx.get(f"{hub.url}/healthz", timeout=20)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_healthz_says_degraded_when_redis_may_evict_the_brokers_keys(redis_running: OwnHub):
    hub = redis_running
    try:
        # given a Redis that evicts keys under memory pressure (maxmemory set, an LRU policy)
        hub.redis.cli("config", "set", "maxmemory", "1gb")
        hub.redis.cli("config", "set", "maxmemory-policy", "allkeys-lru")
        # then /healthz still answers 200 (the node serves), but says degraded and why
        report = healthz(hub)
        assert report["status"] == "degraded"
        memory = report["checks"]["redis_memory"]
        assert memory["status"] == "degraded"
        assert memory["maxmemory_policy"] == "allkeys-lru"
        assert "noeviction" in memory["reason"]
        # when the policy is noeviction, or no maxmemory is set (nothing is evicted), it is ok
        hub.redis.cli("config", "set", "maxmemory-policy", "noeviction")
        assert healthz(hub)["status"] == "ok"
        hub.redis.cli("config", "set", "maxmemory-policy", "volatile-lru")
        hub.redis.cli("config", "set", "maxmemory", "0")
        assert healthz(hub)["checks"]["redis_memory"]["status"] == "ok"
    finally:
        hub.redis.cli("config", "set", "maxmemory", "0")
        hub.redis.cli("config", "set", "maxmemory-policy", "noeviction")
