"""Live sessions with REAL daphne processes: (a)-(c) need PostgreSQL and the Redis channel layer
(several processes); (d) and (e) run on both backends (one server process).

(a) two server processes: an event written through one reaches sockets on the other, and the
    viewer count is the same on both; (b) a server process is killed mid-session and the client
    resumes on the other with its last_seq: no gap, no duplicate; (c) Redis is killed and restarted
    under a server (our OWN redis-server on a spare port, never the shared one): clients are closed,
    reconnect and catch up from the log; (d) a frame over 64 KiB is closed (4009 under daphne, see
    the test) by the real server, which stays healthy; (e) concurrent REST and websocket votes of
    one user make one ballot.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import time
from typing import Any

import httpx
import pytest
from asgiref.sync import sync_to_async
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from sessions_live.services import chat
from tests.conftest import HubServer, free_port, service_env, start_daphne, wait_for
from tests.factories import PASSWORD, UserFactory
from tests.factories_sessions import LiveSessionLiveFactory

pytestmark = [pytest.mark.asyncio]


@pytest.fixture
def no_chat_limit(settings):
    settings.SESSIONS_CHAT_RATE_LIMIT = 100_000


class Viewer:
    """A plain websocket client that applies events strictly in order (asserting no gap and no
    duplicate) and resumes with ``last_seq`` after a lost connection."""

    def __init__(self, session_id: int) -> None:
        self.session_id = session_id
        self.last_seq = 0
        self.seqs: list[int] = []
        self.presence: list[int] = []
        self.ws: ClientConnection | None = None
        self.hello: dict[str, Any] = {}
        self.reconnects = 0

    async def open(self, server: HubServer, *, retry_for: float = 0.0) -> None:
        query = f"?last_seq={self.last_seq}" if self.seqs or self.last_seq else ""
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
                raise AssertionError(f"could not reconnect to {server.url}")
            await asyncio.sleep(0.3)
        self.hello = frame["data"]
        if not query:
            self.last_seq = self.hello["last_seq"]

    def take(self, frame: dict[str, Any]) -> None:
        if frame["type"] == "event":
            assert frame["seq"] == self.last_seq + 1, f"got {frame['seq']} after {self.last_seq}"
            self.seqs.append(frame["seq"])
            self.last_seq = frame["seq"]
        elif frame["type"] == "presence":
            self.presence.append(frame["viewer_count"])

    async def pump(self, until_seq: int, timeout: float = 15, reconnect_to: HubServer | None = None) -> None:
        """Apply events up to ``until_seq``; like a real client, reconnect with last_seq if closed."""
        assert self.ws is not None
        deadline = time.monotonic() + timeout
        while self.last_seq < until_seq:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"stuck at seq {self.last_seq}, waiting for {until_seq}"
            try:
                self.take(json.loads(await asyncio.wait_for(self.ws.recv(), remaining)))
            except ConnectionClosed:
                if reconnect_to is None:
                    raise
                self.reconnects += 1
                await self.open(reconnect_to, retry_for=remaining)

    async def pump_until_closed(self, timeout: float = 20) -> int | None:
        """Read until the server closes; the close code."""
        assert self.ws is not None
        deadline = time.monotonic() + timeout
        try:
            while True:
                remaining = deadline - time.monotonic()
                assert remaining > 0, "the server did not close the socket"
                self.take(json.loads(await asyncio.wait_for(self.ws.recv(), remaining)))
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None

    async def presence_reaches(self, count: int, timeout: float = 10) -> bool:
        assert self.ws is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.presence and self.presence[-1] == count:
                return True
            with contextlib.suppress(TimeoutError):
                self.take(json.loads(await asyncio.wait_for(self.ws.recv(), 0.5)))
        return False

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


async def token_for(base_url: str, email: str) -> str:
    async with httpx.AsyncClient(base_url=base_url) as http:
        response = await http.post("/api/v1/auth/token/", json={"identifier": email, "password": PASSWORD})
        assert response.status_code in (200, 201), response.text
        return response.json()["token"]


async def post_chat(base_url: str, token: str, session_id: int, text: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        return await http.post(
            f"/api/v1/sessions/{session_id}/chat/",
            json={"text": text},
            headers={"Authorization": f"Bearer {token}"},
        )


def write_chat(session_id: int, user_id: int, text: str) -> int:
    """A write from this (pytest) process, through the same service as REST and websockets."""
    from hub.models import User
    from sessions_live.models import LiveSession

    message, _ = chat.chat_send(
        actor=User.objects.get(pk=user_id), session=LiveSession.objects.get(pk=session_id), text=text
    )
    return message.pk


async def test_two_servers_share_events_and_the_viewer_count(
    redis_required, postgres_required, hub_server, tmp_path, no_chat_limit
):
    # given a live session, a second server process, and viewers on both
    session = await sync_to_async(LiveSessionLiveFactory)()
    writer = await sync_to_async(UserFactory)(email="ecrit@example.bj")
    second = await sync_to_async(start_daphne)(service_env(tmp_path), tmp_path, "second")
    viewers = [Viewer(session.pk) for _ in range(3)]
    try:
        await viewers[0].open(hub_server)
        await viewers[1].open(second)
        await viewers[2].open(second)
        # then every process counts every viewer
        assert await viewers[0].presence_reaches(3), viewers[0].presence
        assert await viewers[1].presence_reaches(3), viewers[1].presence
        detail = httpx.get(f"{second.url}/api/v1/sessions/{session.pk}/").json()
        assert detail["viewer_count"] == 3
        # when events are written through the FIRST server (REST) and from a third process
        token = await token_for(hub_server.url, "ecrit@example.bj")
        for n in range(3):
            assert (await post_chat(hub_server.url, token, session.pk, f"via rest {n}")).status_code == 201
        await sync_to_async(write_chat)(session.pk, writer.pk, "via pytest")
        # then sockets on BOTH servers get all of them, in order
        for viewer in viewers:
            await viewer.pump(4)
            assert viewer.seqs == [1, 2, 3, 4]
        # and a viewer leaving is seen by the other process
        await viewers[2].close()
        assert await viewers[0].presence_reaches(2), viewers[0].presence
    finally:
        for viewer in viewers:
            await viewer.close()
        second.runner.stop()


async def test_a_killed_server_process_loses_nothing_for_a_client_that_resumes(
    redis_required, postgres_required, hub_server, tmp_path, no_chat_limit
):
    # given a viewer on a second server and a stream of writes
    session = await sync_to_async(LiveSessionLiveFactory)()
    writer = await sync_to_async(UserFactory)()
    second = await sync_to_async(start_daphne)(service_env(tmp_path), tmp_path, "doomed")
    viewer = Viewer(session.pk)
    total = 40

    async def write_stream() -> None:
        for n in range(total):
            await sync_to_async(write_chat)(session.pk, writer.pk, f"m{n}")
            await asyncio.sleep(0.03)

    try:
        await viewer.open(second)
        writes = asyncio.create_task(write_stream())
        await viewer.pump(8)
        # when the server process dies mid-stream (SIGKILL: no goodbye)
        second.runner.process.kill()
        second.runner.process.wait()
        code = await viewer.pump_until_closed()
        # then the viewer reconnects to the other process with its last_seq and misses nothing
        await viewer.open(hub_server, retry_for=10)
        await writes
        await viewer.pump(total)
        assert viewer.seqs == list(range(1, total + 1)), code
    finally:
        await viewer.close()
        second.runner.stop()


def start_redis(port: int, tmp_path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    ready = wait_for(
        lambda: (
            subprocess.run(
                ["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True
            ).stdout.strip()
            == "PONG"
        ),
        timeout=10,
    )
    assert ready, "our redis-server did not start"
    return process


async def test_restarting_redis_mid_session_clients_reconnect_and_catch_up(
    redis_required, postgres_required, hub_server, tmp_path, no_chat_limit
):
    # given OUR OWN Redis on a spare port and a server process using it (never the shared Redis)
    port = free_port()
    redis_process = start_redis(port, tmp_path)
    env = service_env(tmp_path)
    env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    server = await sync_to_async(start_daphne)(env, tmp_path, "own-redis")
    session = await sync_to_async(LiveSessionLiveFactory)()
    writer = await sync_to_async(UserFactory)(email="redis@example.bj")
    viewer = Viewer(session.pk)
    try:
        token = await token_for(server.url, "redis@example.bj")
        await viewer.open(server)
        for n in range(3):
            assert (await post_chat(server.url, token, session.pk, f"before {n}")).status_code == 201
        await viewer.pump(3)
        # when Redis dies, events keep being written to the database meanwhile, and Redis restarts
        redis_process.terminate()
        redis_process.wait(timeout=10)
        for n in range(3):
            await sync_to_async(write_chat)(session.pk, writer.pk, f"during {n}")
        await asyncio.sleep(3)
        redis_process = start_redis(port, tmp_path)
        # then the server closes the socket (its channel-layer groups are gone) ...
        code = await viewer.pump_until_closed(timeout=30)
        assert code in (1011, 4503, 1006, None), code
        # ... the client reconnects with its last_seq and gets what it missed, then live events
        await viewer.open(server, retry_for=20)
        await viewer.pump(6, reconnect_to=server)
        assert (await post_chat(server.url, token, session.pk, "after")).status_code == 201
        await viewer.pump(7, reconnect_to=server)
        assert viewer.seqs == [1, 2, 3, 4, 5, 6, 7]
        # and the server keeps serving: a new viewer, the API
        fresh = Viewer(session.pk)
        await fresh.open(server, retry_for=10)
        assert fresh.hello["last_seq"] == 7
        await fresh.close()
        assert httpx.get(f"{server.url}/api/v1/sessions/{session.pk}/", timeout=10).status_code == 200
    finally:
        await viewer.close()
        server.runner.stop()
        redis_process.terminate()
        redis_process.wait(timeout=10)


async def _send_oversized(server: HubServer, session_id: int) -> int:
    async with connect(f"{server.ws_url}/ws/sessions/{session_id}/", open_timeout=10, max_size=None) as ws:
        assert json.loads(await ws.recv())["type"] == "hello"
        await ws.send(json.dumps({"type": "chat.send", "text": "x" * (70 * 1024)}))
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd is not None
        return closed.value.rcvd.code


async def _healthy(server: HubServer, session_id: int) -> None:
    viewer = Viewer(session_id)
    await viewer.open(server)
    await viewer.close()
    assert httpx.get(f"{server.url}/healthz", timeout=10).status_code == 200


async def test_a_frame_over_64_kib_is_closed_by_the_real_server_which_stays_healthy(hub_server):
    # 4009 and not 1009: daphne's websocket library (autobahn) lets an application send only 1000 or
    # 3000-4999, and its own size limit drops the TCP connection without a close frame (1006).
    # Under the ASGI test communicator (and servers that allow it) the code is 1009.
    session = await sync_to_async(LiveSessionLiveFactory)()
    assert await _send_oversized(hub_server, session.pk) == 4009
    await _healthy(hub_server, session.pk)


async def test_concurrent_votes_over_rest_and_websocket_make_exactly_one_ballot(hub_server):
    from sessions_live.models import PollBallot
    from tests.factories_sessions import PollFactory

    # given one citizen with a REST token and a websocket (ticket) on the real server
    poll = await sync_to_async(PollFactory)()
    option = await sync_to_async(lambda: poll.options.first().pk)()
    await sync_to_async(UserFactory)(email="double@example.bj")
    token = await token_for(hub_server.url, "double@example.bj")
    async with httpx.AsyncClient(base_url=hub_server.url, timeout=10) as http:
        ticket = (
            await http.post("/api/v1/auth/ws-ticket/", headers={"Authorization": f"Bearer {token}"})
        ).json()
        async with connect(
            f"{hub_server.ws_url}/ws/sessions/{poll.session_id}/?ticket={ticket['ticket']}", open_timeout=10
        ) as ws:
            assert json.loads(await ws.recv())["type"] == "hello"

            async def by_socket() -> str:
                await ws.send(
                    json.dumps({"type": "poll.vote", "poll": poll.pk, "options": [option], "ref": "w"})
                )
                while True:
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
                    if frame.get("ref") == "w":
                        return frame["type"]

            async def by_rest() -> int:
                response = await http.post(
                    f"/api/v1/sessions/{poll.session_id}/polls/{poll.pk}/vote/",
                    json={"options": [option]},
                    headers={"Authorization": f"Bearer {token}"},
                )
                return response.status_code

            # when both votes are sent at the same moment
            results = await asyncio.gather(by_socket(), by_rest(), by_rest())
    # then one counted, the others were told "already voted"; one ballot, a count of one
    assert len([r for r in results if r in ("ack", 200)]) == 1, results
    assert await sync_to_async(PollBallot.objects.filter(poll=poll).count)() == 1
    assert await sync_to_async(lambda: poll.options.get(pk=option).vote_count)() == 1
