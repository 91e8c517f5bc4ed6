"""PostgreSQL goes away under a running hub, and comes back (docs/resilience.md).

REAL processes: ``manage.py serve --web-only --workers 2`` (two uvicorn worker processes, a
connection pool each: ``DB_POOL_MAX_SIZE``) on a PostgreSQL cluster of this module's own
(tests/own_services.py), which the tests stop (``fast``: sessions ended; ``immediate``: a crash)
and start again, and on a Redis of its own; the hub is never restarted. While PostgreSQL is away a
request fails fast (not after ``DB_POOL_TIMEOUT``) with 503 and ``Retry-After`` (the French page for
pages), a new live socket is refused with HTTP 503, an open one stays open and is told the session
is read-only for now, and a write over it gets an ``unavailable`` error frame. Once the hub has
seen the database back, no request fails (no stale pooled connection), live sockets open again,
no acknowledged write is lost and none is half written.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.conftest import free_port
from tests.own_services import (
    OwnHub,
    OwnPostgres,
    OwnRedis,
    own_postgres,  # noqa: F401 - fixture
    require_redis_server,
    start_hub,
)
from tests.test_degradation_redis import UNAVAILABLE_FR, handshake
from tests.test_sessions_integration import Viewer, token_for

pytestmark = [pytest.mark.integration]

# Each process waits this long for a pooled connection when all are busy; a request that waits as
# long for a database that is away has not failed fast.
POOL_TIMEOUT = 10.0
# How long PostgreSQL stays away (seconds, at least).
OUTAGE = 5.0


@pytest.fixture(scope="module")
def hub(own_postgres: OwnPostgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnHub]:  # noqa: F811
    require_redis_server()
    directory = tmp_path_factory.mktemp("postgres-away")
    redis = OwnRedis(port=free_port(), directory=directory)
    redis.start()
    try:
        watched = {"DB_POOL_TIMEOUT": str(POOL_TIMEOUT), "DB_WATCH_INTERVAL": "0.5"}
        served = start_hub(own_postgres, redis, directory, "postgres", **watched)
    except BaseException:
        redis.kill()
        raise
    yield served
    served.runner.stop()
    redis.kill()
    if not own_postgres.running():
        own_postgres.start()


@pytest.fixture
def postgres_running(hub: OwnHub) -> OwnHub:
    if not hub.postgres.running():
        hub.postgres.start()
    return hub


class Writer:
    """A client posting chat messages over REST, each with its own idempotency key, and resending
    the ones not acknowledged (the same key) the way the live page does after a failure."""

    def __init__(self, hub: OwnHub, token: str) -> None:
        self.hub = hub
        self.headers = {"Authorization": f"Bearer {token}"}
        self.acked: dict[str, int] = {}  # idempotency key -> message id
        self.unanswered: list[str] = []
        self.statuses: list[int] = []
        self.slowest_refusal = 0.0

    async def send(self, http: httpx.AsyncClient, key: str) -> int:
        asked = time.monotonic()
        try:
            answer = await http.post(
                f"/api/v1/sessions/{self.hub.session_id}/chat/",
                json={"text": f"message {key[:8]}", "idempotency_key": key},
                headers=self.headers,
            )
        except httpx.HTTPError:  # not an answer at all: counted as a failure below
            self.statuses.append(0)
            self.unanswered.append(key)
            return 0
        self.statuses.append(answer.status_code)
        if answer.status_code in (200, 201):
            self.acked[key] = answer.json()["id"]
        else:
            assert answer.status_code == 503, answer.text
            assert int(answer.headers["Retry-After"]) > 0
            assert answer.json()["error"]["code"] == "unavailable"
            self.slowest_refusal = max(self.slowest_refusal, time.monotonic() - asked)
            self.unanswered.append(key)
        return answer.status_code

    async def stream(self, http: httpx.AsyncClient, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.send(http, uuid.uuid4().hex)
            await asyncio.sleep(0.02)

    async def resend_unanswered(self, http: httpx.AsyncClient) -> None:
        keys, self.unanswered = self.unanswered, []
        for key in keys:
            assert await self.send(http, key) in (200, 201), f"resending {key} after the outage failed"


def check_every_acknowledged_write_is_whole(hub: OwnHub, writer: Writer) -> int:
    """Every acknowledged message is in the database once, and every message has its event in the
    session's log (a message without its event would be a half write). The events' count."""
    session = int(hub.session_id)
    mine = f"session_id = {session}"
    rows = hub.sql(f"SELECT idempotency_key, id FROM sessions_live_chatmessage WHERE {mine}")  # noqa: S608
    stored = dict(line.split("|") for line in rows.splitlines() if line.split("|")[0])
    assert {key: str(value) for key, value in writer.acked.items()}.items() <= stored.items()
    its_event = (
        "SELECT 1 FROM sessions_live_sessionevent e WHERE e.session_id = m.session_id "
        "AND e.name = 'chat.message' AND (e.data->>'id')::bigint = m.id"
    )
    orphans = hub.sql(
        f"SELECT count(*) FROM sessions_live_chatmessage m WHERE m.{mine} AND NOT EXISTS ({its_event})"  # noqa: S608
    )
    assert orphans == "0"
    log = f"FROM sessions_live_sessionevent WHERE session_id = {session}"
    events = int(hub.sql(f"SELECT count(*) {log}"))
    assert events == int(hub.sql(f"SELECT max(seq) {log}"))
    return events


async def signed_in_socket_url(hub: OwnHub, token: str) -> str:
    """The live session's socket address for the citizen of ``token`` (a single-use ticket)."""
    async with httpx.AsyncClient(base_url=hub.url, timeout=20) as http:
        issued = await http.post("/api/v1/auth/ws-ticket/", headers={"Authorization": f"Bearer {token}"})
        assert issued.status_code in (200, 201), issued.text
    return f"{hub.ws_url}/ws/sessions/{hub.session_id}/?ticket={issued.json()['ticket']}"


async def next_frame(ws: ClientConnection, kind: str, timeout: float = 20) -> dict[str, Any]:
    """The next frame of ``kind`` (events and viewer counts on the way are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), max(0.1, deadline - time.monotonic())))
        if frame["type"] == kind:
            return frame


def test_connections_the_server_ended_are_replaced_without_a_failed_request(postgres_running: OwnHub):
    hub = postgres_running
    token = asyncio.run(token_for(hub.url, hub.email))
    signed_in = {"Authorization": f"Bearer {token}"}  # signed-in reads are never cached: a connection each
    chat = f"/api/v1/sessions/{hub.session_id}/chat/"
    with httpx.Client(base_url=hub.url, timeout=30, headers=signed_in) as http:
        # given both processes' pools holding connections
        for _ in range(20):
            assert http.get(chat).status_code == 200
        # when the server ends every session of the hub (as a restart or an operator would)
        others = f"datname = '{hub.database}' AND pid <> pg_backend_pid()"
        ended = hub.sql(f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE {others}")  # noqa: S608
        assert int(ended) >= 2
        # then not one request fails: each stale connection is found and replaced before use
        answers = [http.get(chat).status_code for _ in range(30)]
        answers += [
            http.post(chat, json={"text": f"after {n}", "idempotency_key": uuid.uuid4().hex}).status_code
            for n in range(10)
        ]
    assert answers == [200] * 30 + [201] * 10


@pytest.mark.asyncio
@pytest.mark.parametrize("mode", ["fast", "immediate"])
async def test_postgres_away_fails_fast_keeps_sockets_read_only_and_comes_back_whole(
    postgres_running: OwnHub, mode
):
    hub = postgres_running
    # given a viewer on the live session, a citizen writing messages continuously over REST, and
    # another citizen's socket that writes too
    token = await token_for(hub.url, hub.email)
    writer = Writer(hub, token)
    viewer = Viewer(hub.session_id)
    # (retried: the shared hub may still be settling after the previous case restarted PostgreSQL)
    await viewer.open(hub, retry_for=20)  # type: ignore[arg-type]
    socket_writer = await connect(await signed_in_socket_url(hub, token), open_timeout=10)
    await next_frame(socket_writer, "hello")
    stop = asyncio.Event()
    async with httpx.AsyncClient(base_url=hub.url, timeout=30) as http:
        writes = asyncio.create_task(writer.stream(http, stop))
        while len(writer.acked) < 5:
            await asyncio.sleep(0.05)

        # when PostgreSQL stops (sessions ended, or a crash)
        hub.postgres.stop(mode)
        stopped = time.monotonic()
        while len(writer.statuses) < 5 or writer.statuses[-1] != 503:
            await asyncio.sleep(0.05)
            assert time.monotonic() - stopped < 30, "writes were still accepted 30 s after the stop"

        # then requests fail fast with 503 and Retry-After: pages in French, the API as JSON (reads
        # this process has not cached: another query string each time)
        slowest = 0.0
        for _ in range(5):
            for path, accept in (
                ("/communes/cotonou/", "text/html"),
                ("/api/v1/communes/", "application/json"),
            ):
                asked = time.monotonic()
                answer = await http.get(path, params={"r": uuid.uuid4().hex}, headers={"Accept": accept})
                slowest = max(slowest, time.monotonic() - asked)
                assert answer.status_code == 503, (path, answer.status_code)
                assert int(answer.headers["Retry-After"]) > 0
                if accept == "text/html":
                    assert 'lang="fr"' in answer.text and UNAVAILABLE_FR in answer.text
                else:
                    assert answer.json()["error"]["code"] == "unavailable"
        assert slowest < POOL_TIMEOUT / 2, f"a request waited {slowest:.1f} s for a database that is away"
        # a new live socket is refused cleanly: a 503 at the handshake (or, by a process that learns
        # of the outage only then, an error frame and 4503), never a 500
        for _ in range(4):
            outcome, wait = await handshake(hub)
            assert outcome in ("503", "unavailable 4503") and wait > 0, outcome
        # the open ones stay open and are told the session is read-only for now
        notice = await next_frame(socket_writer, "service")
        assert notice["data"]["read_only"] is True and notice["data"]["message"]
        # a write over the socket gets an error frame with a clear code, and the socket stays open
        await socket_writer.send(json.dumps({"type": "chat.send", "text": "during", "ref": "w-1"}))
        refused = await next_frame(socket_writer, "error")
        assert refused["ref"] == "w-1" and refused["error"]["code"] == "unavailable"
        assert refused["error"]["retry_after"] > 0
        await socket_writer.send(json.dumps({"type": "ping", "ref": "p-1"}))
        assert (await next_frame(socket_writer, "pong"))["ref"] == "p-1"
        # (away long enough for the pool's reconnection attempts to back off: 1 s, 2 s, 4 s...)
        await asyncio.sleep(max(0.0, OUTAGE - (time.monotonic() - stopped)))
        refusal_ms = writer.slowest_refusal * 1000
        away = time.monotonic() - stopped

        # when PostgreSQL is back (the hub not restarted)
        hub.postgres.start()
        back = time.monotonic()

        # then the sockets are told it is writable again, and writes are accepted by themselves
        assert (await next_frame(socket_writer, "service"))["data"]["read_only"] is False
        told = time.monotonic() - back
        while writer.statuses[-1] not in (200, 201):
            await asyncio.sleep(0.02)
            assert time.monotonic() - back < 30, "writes were still refused 30 s after PostgreSQL came back"
        recovered = time.monotonic() - back
        # and from then on not one request fails: the writes go on, and reads, pages, new sockets
        for _ in range(3):
            for path in ("/communes/cotonou/", "/api/v1/communes/", f"/seances/{hub.session_id}/"):
                assert (await http.get(path, params={"r": uuid.uuid4().hex})).status_code == 200, path
            assert (await handshake(hub))[0] == "hello"
        statuses = writer.statuses
        last_failure = max(i for i, status in enumerate(statuses) if status not in (200, 201))
        while len(statuses) - last_failure <= 20:  # twenty writes at least since it is back
            await asyncio.sleep(0.05)
        stop.set()
        await writes
        first_refusal = statuses.index(503)
        last_failure = max(i for i, status in enumerate(statuses) if status not in (200, 201))
        assert set(statuses[first_refusal : last_failure + 1]) == {503}, "a write succeeded while it was away"
        assert len(statuses) - last_failure > 20, (
            "a write failed after the first one accepted after the outage"
        )
        await socket_writer.send(json.dumps({"type": "chat.send", "text": "after", "ref": "w-2"}))
        assert (await next_frame(socket_writer, "ack"))["ref"] == "w-2"

        # and nothing acknowledged was lost or half written; what was refused is sent again (same
        # key) and counts once
        await writer.resend_unanswered(http)
    await socket_writer.close()
    events = check_every_acknowledged_write_is_whole(hub, writer)
    # the viewer (its socket kept open all along) got every event once, in order, without a gap
    await viewer.pump(events, timeout=30, reconnect_to=hub)  # type: ignore[arg-type]
    assert viewer.seqs == list(range(viewer.hello["last_seq"] + 1, events + 1))
    await viewer.close()
    print(
        f"\nPostgreSQL stopped ({mode}) for {away:.1f} s: slowest refusal "
        f"{max(slowest * 1000, refusal_ms):.0f} ms "
        f"(pool timeout {POOL_TIMEOUT:.0f} s); sockets told it is back {told:.2f} s and writes accepted "
        f"{recovered:.2f} s after the restart; {len(writer.acked)} acknowledged writes, none lost"
    )
