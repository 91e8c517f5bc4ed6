"""The per-process fan-out (``hub.realtime.fanout``) with REAL server processes, PostgreSQL and
Redis pub/sub.

(a) two server processes: events written through either (and from a third process) reach every
    socket on both, in order, once; (b) a burst of 50 events reaches a ``?batch=1`` socket in fewer
    websocket messages, every seq once and in order, and a plain socket gets 50 frames; (c) a seq gap
    (an event whose broadcast never came) is filled from the log; (d) a reader that stops reading is
    closed with 4008 without slowing the others, and resumes with ``last_seq`` without loss;
    (e) reconnecting repeatedly during a write stream gives every event once; (f) Redis restarting
    under a fan-out server (our OWN redis-server, never the shared one): 4503, resume, catch up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from asgiref.sync import sync_to_async
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import HubServer, free_port, service_env, start_daphne
from tests.factories import UserFactory
from tests.factories_sessions import LiveSessionLiveFactory
from tests.test_sessions_integration import Viewer, post_chat, start_redis, token_for, write_chat

pytestmark = [pytest.mark.asyncio]


@pytest.fixture
def fanout_here(settings):
    """Writes made in this (pytest) process reach the servers through Redis; no chat limit here."""
    settings.SESSIONS_CHAT_RATE_LIMIT = 100_000


def fanout_env(tmp_dir: Any, **extra: str) -> dict[str, str]:
    env = service_env(tmp_dir)
    env.update(SESSIONS_CHAT_RATE_LIMIT="100000", **extra)
    return env


@pytest.fixture(scope="module", params=["daphne", "uvicorn"])
def fanout_servers(
    request: pytest.FixtureRequest, django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[HubServer, HubServer]]:
    """Two server processes of one kind: both supported servers write frames their own way."""
    # Stopping the processes ends their database sessions. (Not close_other_connections() here: in
    # the middle of the run it would also end this process's other threads' connections.)
    tmp_dir = tmp_path_factory.mktemp("fanout")
    first = start_daphne(fanout_env(tmp_dir), tmp_dir, "fanout-a", server=request.param)
    second = start_daphne(fanout_env(tmp_dir), tmp_dir, "fanout-b", server=request.param)
    yield first, second
    first.runner.stop()
    second.runner.stop()


def append_events(session_id: int, count: int, size: int = 40, *, one_transaction: bool = False) -> None:
    """``count`` public events through the real write path (``event_append``) from this process."""
    from django.db import transaction

    from sessions_live.events import CHAT_MESSAGE, event_append

    def write_all() -> None:
        for n in range(count):
            event_append(session_id, CHAT_MESSAGE, {"n": n, "text": "x" * size})

    if one_transaction:
        with transaction.atomic():  # every broadcast leaves at the commit: one burst
            write_all()
    else:
        write_all()


def append_silently(session_id: int) -> int:
    """An event in the log whose broadcast never happened (as if its publisher died after commit)."""
    from django.db import transaction

    from sessions_live.models import LiveSession, SessionEvent

    with transaction.atomic():
        session = LiveSession.objects.select_for_update().get(pk=session_id)
        seq = session.last_seq + 1
        LiveSession.objects.filter(pk=session_id).update(last_seq=seq)
        SessionEvent.objects.create(
            session_id=session_id, seq=seq, name="chat.message", data={"silent": True}
        )
    return seq


async def assert_nothing_more(viewer: Viewer, wait: float = 0.8) -> None:
    """No further event (a duplicate would fail ``Viewer.take``'s seq check)."""
    assert viewer.ws is not None
    deadline = time.monotonic() + wait
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            frame = json.loads(await asyncio.wait_for(viewer.ws.recv(), remaining))
        except TimeoutError:
            return
        assert frame["type"] != "event", f"unexpected extra event {frame}"


async def test_events_from_either_process_reach_every_socket_on_both_once_in_order(
    redis_required, postgres_required, hub_server, fanout_servers, fanout_here
):
    # given a live session and viewers on two fan-out server processes
    first, second = fanout_servers
    session = await sync_to_async(LiveSessionLiveFactory)()
    writer = await sync_to_async(UserFactory)(email="fan@example.bj")
    viewers = [Viewer(session.pk) for _ in range(4)]
    try:
        for n, viewer in enumerate(viewers):
            await viewer.open(first if n % 2 == 0 else second)
        assert await viewers[0].presence_reaches(4), viewers[0].presence
        # when events are written through the first server, the second, and this process
        token = await token_for(first.url, "fan@example.bj")
        for n in range(3):
            assert (await post_chat(first.url, token, session.pk, f"a {n}")).status_code == 201
            assert (await post_chat(second.url, token, session.pk, f"b {n}")).status_code == 201
        for n in range(3):
            await sync_to_async(write_chat)(session.pk, writer.pk, f"pytest {n}")
        # then every socket gets all 9, in order, exactly once
        for viewer in viewers:
            await viewer.pump(9)
            assert viewer.seqs == list(range(1, 10))
        for viewer in viewers:
            await assert_nothing_more(viewer, 0.3)
    finally:
        for viewer in viewers:
            await viewer.close()


async def read_until_seq(ws: Any, last: int, timeout: float = 20) -> tuple[list[int], int]:
    """Read websocket messages until ``last`` is seen: the seqs in arrival order and how many
    messages carried them (a viewer-count frame that comes in between is not counted)."""
    seqs: list[int] = []
    messages = 0
    deadline = time.monotonic() + timeout
    while not seqs or seqs[-1] < last:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"stuck after {seqs[-3:]}"
        frame = json.loads(await asyncio.wait_for(ws.recv(), remaining))
        frames = frame["frames"] if frame["type"] == "batch" else [frame]
        carried = [inner["seq"] for inner in frames if inner["type"] == "event"]
        messages += 1 if carried else 0
        seqs += carried
    return seqs, messages


async def test_a_burst_is_coalesced_for_batch_clients_and_plain_clients_still_get_every_frame(
    redis_required, postgres_required, hub_server, fanout_servers, fanout_here
):
    # given a batch-capable socket and a plain one on a fan-out server
    first, _second = fanout_servers
    session = await sync_to_async(LiveSessionLiveFactory)()
    url = f"{first.ws_url}/ws/sessions/{session.pk}/"
    async with connect(url + "?batch=1") as batched, connect(url) as plain:
        assert json.loads(await batched.recv())["type"] == "hello"
        assert json.loads(await plain.recv())["type"] == "hello"
        # when 50 events commit at once
        await sync_to_async(append_events)(session.pk, 50, one_transaction=True)
        # then the batch socket gets all 50 seqs once, in order, in fewer websocket messages
        seqs, messages = await read_until_seq(batched, 50)
        assert seqs == list(range(1, 51))
        assert messages < 50, messages
        # and the plain socket gets 50 plain event frames in order
        seqs, messages = await read_until_seq(plain, 50)
        assert seqs == list(range(1, 51))
        assert messages == 50


async def test_a_gap_is_filled_from_the_log(
    redis_required, postgres_required, hub_server, fanout_servers, fanout_here
):
    # given a viewer that has seq 1
    first, _second = fanout_servers
    session = await sync_to_async(LiveSessionLiveFactory)()
    viewer = Viewer(session.pk)
    try:
        await viewer.open(first)
        await sync_to_async(append_events)(session.pk, 1)
        await viewer.pump(1)
        # when seq 2 is committed but its broadcast never comes, then seq 3 is broadcast
        await sync_to_async(append_silently)(session.pk)
        await sync_to_async(append_events)(session.pk, 1)
        # then the viewer gets 2 (from the log) then 3, once each
        await viewer.pump(3)
        assert viewer.seqs == [1, 2, 3]
        await assert_nothing_more(viewer, 0.3)
    finally:
        await viewer.close()


@pytest.mark.parametrize("server_kind", ["daphne", "uvicorn"])
async def test_a_reader_that_stops_reading_is_dropped_and_resumes_without_loss(
    redis_required, postgres_required, hub_server, tmp_path, fanout_here, server_kind
):
    # given a fan-out server with a 64 KiB send buffer per socket, a fast viewer, and a viewer
    # whose socket stops reading (tiny receive buffer, nothing read)
    server = await sync_to_async(start_daphne)(
        fanout_env(tmp_path, LIVE_SEND_BUFFER_BYTES=str(64 * 1024)), tmp_path, "slow", server=server_kind
    )
    session = await sync_to_async(LiveSessionLiveFactory)()
    fast = Viewer(session.pk)
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.connect(("127.0.0.1", server.port))
    raw.setblocking(False)
    # More than the kernel can hold for it: the server's socket send buffer grows up to
    # net.ipv4.tcp_wmem's maximum (4 MiB here) before the server's own buffer (what the limit
    # counts) fills up. 300 events of 20 KB are 6 MB.
    total = 300
    try:
        await fast.open(server)
        slow = await connect(f"{server.ws_url}/ws/sessions/{session.pk}/", sock=raw, max_queue=1)
        assert json.loads(await slow.recv())["type"] == "hello"
        # when 300 events of 20 KB each are written (6 MB) while the slow viewer reads nothing
        writes = asyncio.create_task(sync_to_async(append_events)(session.pk, total, 20_000))
        # then the fast viewer gets everything meanwhile
        await fast.pump(total, timeout=60)
        await writes
        assert fast.seqs == list(range(1, total + 1))
        # and the slow one, when it reads again, finds an in-order prefix and then the close
        got: list[int] = []
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                frame = json.loads(await asyncio.wait_for(slow.recv(), 20))
                if frame["type"] == "event":
                    got.append(frame["seq"])
        # (4008 when it reads again within daphne's closing handshake timeout; after that daphne drops
        # the TCP connection and the client sees an abnormal closure: it resumes the same way)
        code = closed.value.rcvd.code if closed.value.rcvd is not None else None
        assert code in (4008, None), closed.value
        assert got == list(range(1, len(got) + 1)) and len(got) < total, got[-3:]
        # and it resumes from its last seq without loss or duplicate
        resumed = Viewer(session.pk)
        resumed.last_seq = got[-1] if got else 0
        resumed.seqs = list(got)
        await resumed.open(server)
        await resumed.pump(total, timeout=30)
        assert resumed.seqs == list(range(1, total + 1))
        await resumed.close()
    finally:
        await fast.close()
        raw.close()
        server.runner.stop()


async def test_reconnecting_during_a_write_stream_gives_every_event_once(
    redis_required, postgres_required, hub_server, fanout_servers, fanout_here
):
    # given a stream of 40 events, 20 ms apart
    first, second = fanout_servers
    session = await sync_to_async(LiveSessionLiveFactory)()
    viewer = Viewer(session.pk)
    total = 40

    def stream() -> None:
        for _n in range(total):
            append_events(session.pk, 1)
            time.sleep(0.02)

    try:
        await viewer.open(first)
        writes = asyncio.create_task(sync_to_async(stream)())
        # when the viewer drops its socket and reconnects with last_seq, alternating servers, 4 times
        for hop in range(4):
            await viewer.pump(min(total, viewer.last_seq + 3))
            await viewer.close()
            await viewer.open(second if hop % 2 == 0 else first)
        await writes
        # then it has every event exactly once, in order
        await viewer.pump(total)
        assert viewer.seqs == list(range(1, total + 1))
        await assert_nothing_more(viewer, 0.3)
    finally:
        await viewer.close()


async def test_restarting_redis_under_a_fanout_server_closes_with_4503_and_clients_catch_up(
    redis_required, postgres_required, hub_server, tmp_path
):
    # given OUR OWN Redis on a spare port and a fan-out server using it (never the shared Redis)
    port = free_port()
    redis_process = start_redis(port, tmp_path)
    server = await sync_to_async(start_daphne)(
        fanout_env(tmp_path, REDIS_URL=f"redis://127.0.0.1:{port}/0"), tmp_path, "fanout-own-redis"
    )
    session = await sync_to_async(LiveSessionLiveFactory)()
    writer = await sync_to_async(UserFactory)(email="redisfan@example.bj")
    viewer = Viewer(session.pk)
    try:
        token = await token_for(server.url, "redisfan@example.bj")
        await viewer.open(server)
        for n in range(3):
            assert (await post_chat(server.url, token, session.pk, f"before {n}")).status_code == 201
        await viewer.pump(3)
        # when Redis dies, events are written meanwhile, and Redis restarts
        redis_process.terminate()
        redis_process.wait(timeout=10)
        # then the server closes the socket with 4503 ("reconnect now")
        code = await viewer.pump_until_closed(timeout=30)
        assert code == 4503, code
        for n in range(3):
            await sync_to_async(write_chat)(session.pk, writer.pk, f"during {n}")
        redis_process = start_redis(port, tmp_path)
        # and the client reconnects with its last_seq, gets what it missed, then live events
        await viewer.open(server, retry_for=20)
        await viewer.pump(6, reconnect_to=server)
        assert (await post_chat(server.url, token, session.pk, "after")).status_code == 201
        await viewer.pump(7, reconnect_to=server)
        assert viewer.seqs == [1, 2, 3, 4, 5, 6, 7]
        fresh = Viewer(session.pk)
        await fresh.open(server, retry_for=10)
        assert fresh.hello["last_seq"] == 7
        await fresh.close()
        assert httpx.get(f"{server.url}/api/v1/sessions/{session.pk}/", timeout=10).status_code == 200
    finally:
        await viewer.close()
        server.runner.stop()
        with contextlib.suppress(Exception):
            redis_process.terminate()
            redis_process.wait(timeout=10)
