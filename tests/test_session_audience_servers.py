"""A live session's audience on REAL server processes (daphne, uvicorn), over real websockets:
(a) on both backends, one server: connections counted once, a resumption after a drop not at all,
the end keeps peak and total, and the archive shows them; (b) PostgreSQL and Redis: the peak counts
the viewers of two processes at once, each process saves while live, a viewer resuming on the other
process is not counted again; (c) Redis restarted under a server (OUR OWN redis-server on a spare
port): the clients resume without being counted again, the total goes on from the row's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgiref.sync import sync_to_async
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from sessions_live.models import LiveSession
from tests.conftest import HubServer, free_port, service_env, start_daphne
from tests.factories_sessions import LiveSessionLiveFactory, staff_of
from tests.test_sessions_integration import start_redis, token_for

pytestmark = [pytest.mark.asyncio]

# A presence round every 0.2 s in the servers: the audience is saved every 3 s.
ROUND = "0.2"


def audience_env(tmp_path: Path) -> dict[str, str]:
    env = service_env(tmp_path)
    env["SESSIONS_PRESENCE_INTERVAL"] = ROUND
    return env


class Watcher:
    """A plain websocket viewer of a session that notes the viewer counts it is told."""

    def __init__(self, session_id: int) -> None:
        self.session_id = session_id
        self.ws: ClientConnection | None = None
        self.presence: list[int] = []
        self.last_seq = 0

    async def open(self, server: HubServer, query: str = "", *, retry_for: float = 0.0) -> Watcher:
        deadline = time.monotonic() + retry_for
        while True:
            try:
                self.ws = await connect(
                    f"{server.ws_url}/ws/sessions/{self.session_id}/{query}", open_timeout=5
                )
                frame = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
                if frame["type"] == "hello":
                    break
            except (OSError, InvalidHandshake, ConnectionClosed, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"could not connect to {server.url}")
            await asyncio.sleep(0.3)
        self.last_seq = frame["data"]["last_seq"]
        self.presence.append(frame["data"]["viewer_count"])
        return self

    async def resume(self, server: HubServer, *, retry_for: float = 0.0) -> Watcher:
        """Come back after a drop as the session pages do: with ``last_seq``, saying it resumes."""
        return await self.open(server, f"?batch=1&last_seq={self.last_seq}&resumed=1", retry_for=retry_for)

    def take(self, frame: dict[str, Any]) -> None:
        if frame["type"] == "presence":
            self.presence.append(frame["viewer_count"])
        elif frame["type"] == "event":
            self.last_seq = max(self.last_seq, frame["seq"])

    async def presence_reaches(self, count: int, timeout: float = 15) -> None:
        assert self.ws is not None
        deadline = time.monotonic() + timeout
        while self.presence[-1] != count:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"told {self.presence[-5:]}, waiting for {count}"
            with contextlib.suppress(TimeoutError):
                self.take(json.loads(await asyncio.wait_for(self.ws.recv(), min(remaining, 0.5))))

    async def closed_by_server(self, timeout: float = 30) -> None:
        assert self.ws is not None
        deadline = time.monotonic() + timeout
        with contextlib.suppress(ConnectionClosed):
            while True:
                remaining = deadline - time.monotonic()
                assert remaining > 0, "the server did not close the socket"
                with contextlib.suppress(TimeoutError):
                    self.take(json.loads(await asyncio.wait_for(self.ws.recv(), min(remaining, 0.5))))

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


def row(session_id: int) -> tuple[int, int]:
    return LiveSession.objects.values_list("peak_viewers", "total_viewers").get(pk=session_id)


async def row_reaches(session_id: int, figures: tuple[int, int], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while (found := await sync_to_async(row)(session_id)) != figures:
        assert time.monotonic() < deadline, f"the row holds {found}, waiting for {figures}"
        await asyncio.sleep(0.2)


def live_session_and_mayor() -> tuple[int, str]:
    from hub.reference_data import reference_data_load

    reference_data_load()
    session = LiveSessionLiveFactory()
    return session.pk, staff_of(session.commune).email


async def end_session(server: HubServer, session_id: int, token: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.url, timeout=15) as http:
        response = await http.post(
            f"/api/v1/sessions/{session_id}/end/", headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_real_server_counts_connections_not_resumptions_and_the_end_keeps_them(
    transactional_db, tmp_path
):
    # given a real daphne process (SQLite and memory, or PostgreSQL and Redis) and a live session
    server = await sync_to_async(start_daphne)(audience_env(tmp_path), tmp_path, "audience")
    session_id, email = await sync_to_async(live_session_and_mayor)()
    watchers = [Watcher(session_id) for _ in range(5)]
    try:
        token = await token_for(server.url, email)
        # when four viewers connect: an app (no last_seq), pages (the last_seq they were rendered at)
        await watchers[0].open(server)
        for watcher in watchers[1:4]:
            await watcher.open(server, "?batch=1&last_seq=0")
        await watchers[0].presence_reaches(4)
        # and one leaves, one drops and resumes (not a new connection), and a fifth arrives
        await watchers[3].close()
        await watchers[1].close()
        await watchers[1].resume(server)
        await watchers[4].open(server, "?batch=1&last_seq=0")
        await watchers[0].presence_reaches(4)
        # when the mayor ends the session over the API
        detail = await end_session(server, session_id, token)
        # then 4 were watching at once, through 5 connections
        assert (detail["peak_viewers"], detail["total_viewers"]) == (4, 5), detail
        assert await sync_to_async(row)(session_id) == (4, 5)
        # and its page, now the archive, says so to everyone
        html = httpx.get(f"{server.url}/seances/{session_id}/", timeout=15).text
        line = re.sub(r"<[^>]+>", "", html.split("data-audience>", 1)[1].split("</p>", 1)[0])
        assert re.findall(r"\d+", line) == ["4", "5"], line
        # and viewers staying after the end change nothing
        await asyncio.sleep(2 * 15 * float(ROUND))
        assert await sync_to_async(row)(session_id) == (4, 5)
    finally:
        for watcher in watchers:
            await watcher.close()
        server.runner.stop()


async def test_the_peak_counts_the_viewers_of_every_process_and_each_saves_while_live(
    redis_required, postgres_required, transactional_db, tmp_path
):
    # given two server processes, daphne and uvicorn, and a live session
    env = audience_env(tmp_path)
    first = await sync_to_async(start_daphne)(env, tmp_path, "audience-a")
    second = await sync_to_async(start_daphne)(env, tmp_path, "audience-b", server="uvicorn")
    session_id, email = await sync_to_async(live_session_and_mayor)()
    on_first = [Watcher(session_id) for _ in range(2)]
    on_second = [Watcher(session_id) for _ in range(3)]
    try:
        token = await token_for(second.url, email)
        # when two viewers watch through each process
        for watcher in on_first:
            await watcher.open(first)
        for watcher in on_second[:2]:
            await watcher.open(second, "?batch=1&last_seq=0")
        await on_first[0].presence_reaches(4)
        await on_second[0].presence_reaches(4)
        # then the peak is 4 (no process holds more than 2), saved while live, without an end
        await row_reaches(session_id, (4, 4))
        # when a viewer of the second process drops and resumes on the first: not a new connection
        await on_second[1].close()
        await on_second[1].resume(first)
        await on_first[0].presence_reaches(4)
        # and one leaves the first while a new one arrives on the second
        await on_first[1].close()
        await on_second[2].open(second)
        await on_first[0].presence_reaches(4)
        # then the row follows while live: 4 at most, 5 connections
        await row_reaches(session_id, (4, 5))
        # when the session is ended through the other process
        detail = await end_session(second, session_id, token)
        assert (detail["peak_viewers"], detail["total_viewers"]) == (4, 5), detail
        # then the figures stay, whatever the processes still count
        extra = [await Watcher(session_id).open(first) for _ in range(3)]
        await asyncio.sleep(2 * 15 * float(ROUND))
        assert await sync_to_async(row)(session_id) == (4, 5)
        for watcher in extra:
            await watcher.close()
    finally:
        for watcher in [*on_first, *on_second]:
            await watcher.close()
        first.runner.stop()
        second.runner.stop()


async def test_after_redis_restarts_resumed_clients_are_not_counted_again_and_the_total_goes_on(
    redis_required, postgres_required, transactional_db, tmp_path
):
    # given OUR OWN Redis on a spare port (never the shared one) and a server using it
    port = free_port()
    redis_process = start_redis(port, tmp_path)
    env = audience_env(tmp_path)
    env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    server = await sync_to_async(start_daphne)(env, tmp_path, "audience-redis")
    session_id, email = await sync_to_async(live_session_and_mayor)()
    watchers = [Watcher(session_id) for _ in range(3)]
    try:
        token = await token_for(server.url, email)
        # and two viewers, saved on the row while live
        for watcher in watchers[:2]:
            await watcher.open(server)
        await watchers[0].presence_reaches(2)
        await row_reaches(session_id, (2, 2))
        # when Redis restarts empty (its counts and its scripts lost)
        redis_process.terminate()
        redis_process.wait(timeout=10)
        await asyncio.sleep(1)
        redis_process = start_redis(port, tmp_path)
        # then the server closes the sockets, which resume without counting again
        for watcher in watchers[:2]:
            await watcher.closed_by_server()
            await watcher.resume(server, retry_for=20)
        # and a new viewer arrives
        await watchers[2].open(server, retry_for=10)
        await watchers[0].presence_reaches(3)
        # then the total goes on from the row's: 3 at once, 3 connections (not 1, not 5)
        await row_reaches(session_id, (3, 3), timeout=20)
        detail = await end_session(server, session_id, token)
        assert (detail["peak_viewers"], detail["total_viewers"]) == (3, 3), detail
    finally:
        for watcher in watchers:
            await watcher.close()
        server.runner.stop()
        redis_process.terminate()
        redis_process.wait(timeout=10)
