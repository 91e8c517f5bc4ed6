"""A live socket that stops reading is closed at the documented limit, on the production server
(``manage.py serve``: uvicorn), and closing sockets leaves no pending task behind.

Before: uvicorn's ASGI ``send`` waits while the peer does not read, so the 4008 close waited too,
forever; what closed the socket was uvicorn's keepalive after ~40 s (1011), and even that only asked
the transport to close once its buffer was flushed, which a peer that reads nothing never allows.
Now the close frame is written directly behind the unsent bytes once they pass
``LIVE_SEND_BUFFER_BYTES`` (4008), and the connection is reset ``CLOSE_GRACE`` seconds later if the
peer has not read up to it (``hub.realtime.transports.uvicorn.UvicornWriter.close_now``).

The slow client here is a raw socket with a 4 KiB receive buffer that completes the websocket
handshake by hand and then reads nothing at all (no library reading on its behalf); events come
from this process through Redis, so these tests need Redis.
"""

from __future__ import annotations

import asyncio
import gc
import json
import re
import socket
import struct
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgiref.sync import async_to_sync, sync_to_async
from websockets.asyncio.client import connect

from hub.realtime import transports
from hub.realtime.feed import CLOSE_TOO_SLOW
from hub.realtime.outbox import Outbox
from hub.realtime.transports import CLOSE_GRACE
from tests.conftest import RunningProcess, free_port, service_env, start_process, wait_for, wait_until_serving
from tests.factories_sessions import LiveSessionLiveFactory
from tests.test_live_fanout import append_events
from tests.test_sessions_integration import Viewer

LIMIT = 256 * 1024  # LIVE_SEND_BUFFER_BYTES, the documented default
EVENT_BYTES = 20_000
KEEPALIVE_CLOSE = 40  # uvicorn's keepalive: a ping after 20 s, closed 20 s later without a pong


# --- The outbox on its own: no task outlives its work ------------------------------------------------


class Recorder:
    """An ASGI ``send``: records what it is given; ``websocket.send`` may be made to wait forever,
    as uvicorn's does while the peer reads nothing."""

    def __init__(self, *, stalled: bool = False) -> None:
        self.sent: list[dict[str, Any]] = []
        self.stalled = stalled

    async def __call__(self, message: dict[str, Any]) -> None:
        if self.stalled and message["type"] == "websocket.send":
            await asyncio.get_running_loop().create_future()  # never resolved
        self.sent.append(message)


def test_an_outbox_its_owner_forgot_leaves_no_pending_task_to_be_destroyed():
    destroyed: list[str] = []

    async def scenario() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda loop, ctx: destroyed.append(ctx["message"]))
        # given an outbox that queued and sent a message (the path of every hello on uvicorn)
        send = Recorder()
        outbox = Outbox(send)
        outbox.put({"type": "websocket.send", "text": "hello"}, 5)
        for _ in range(3):
            await asyncio.sleep(0)
        assert [m["text"] for m in send.sent] == ["hello"]
        # then no task waits for more work
        assert outbox.task is None or outbox.task.done()
        # when its owner goes away without releasing it (its socket's cleanup was interrupted)
        del outbox
        gc.collect()
        await asyncio.sleep(0)

    asyncio.run(scenario())
    transports.socket_closed(transports.ASGI_SEND)  # the count the unreleased outbox kept
    # then nothing was destroyed pending ("Task was destroyed but it is pending!")
    assert destroyed == []


def test_closing_a_stalled_socket_ends_its_drain_and_sends_the_close_code():
    async def scenario() -> tuple[Recorder, Outbox]:
        # given a socket whose server-side send waits forever (the peer reads nothing)
        send = Recorder(stalled=True)
        outbox = Outbox(send)
        outbox.put({"type": "websocket.send", "text": "x" * 100}, 100)
        await asyncio.sleep(0.01)
        assert outbox.task is not None and not outbox.task.done() and outbox.pending_bytes() == 0
        # when it is closed for reading too slowly
        await outbox.abort(CLOSE_TOO_SLOW)
        # then the drain waiting in send was cancelled and awaited, and the close code was sent
        assert outbox.task.done()
        await outbox.aclose()
        return send, outbox

    send, outbox = asyncio.run(scenario())
    assert send.sent == [{"type": "websocket.close", "code": CLOSE_TOO_SLOW}]
    assert outbox.closed and outbox.released and outbox.pending_bytes() == 0


def test_aclose_waits_for_a_drain_in_flight():
    async def scenario() -> Outbox:
        outbox = Outbox(Recorder(stalled=True))
        outbox.put({"type": "websocket.send", "text": "x"}, 1)
        await asyncio.sleep(0.01)
        await outbox.aclose()
        return outbox

    outbox = asyncio.run(scenario())
    assert outbox.task is not None and outbox.task.done() and outbox.released


# --- On the real server ------------------------------------------------------------------------------


@dataclass
class Server:
    runner: RunningProcess
    url: str
    port: int
    pid: int  # the uvicorn process (manage.py serve's child)

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://", 1)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise LookupError("VmRSS")


def serve(tmp_path: Path) -> Server:
    """``manage.py serve`` as compose.yaml runs it (web only), on a free port, once it answers."""
    port = free_port()
    env = service_env(tmp_path)
    # INFO: the drops are logged; few recent frames kept, so that memory measures the sockets.
    env.update(LOG_LEVEL="INFO", LIVE_RECENT_FRAMES="20")
    args = [sys.executable, "manage.py", "serve", "--web-only", "--host", "127.0.0.1", "--port", str(port)]
    runner = start_process(args, env, tmp_path / "serve.log")
    url = f"http://127.0.0.1:{port}"
    wait_until_serving(runner, url, "manage.py serve", timeout=40)
    children = wait_for(lambda: _children(runner.process.pid), timeout=10)
    assert children, runner.log()
    return Server(runner, url, port, children[0])


@pytest.fixture
def server(redis_required: None, transactional_db: None, tmp_path: Path) -> Iterator[Server]:
    running = serve(tmp_path)
    yield running
    running.runner.stop()


def full_log(server: Server) -> str:
    return server.runner.log_path.read_text(errors="replace")


@dataclass
class RawFrames:
    """What a raw client got: event seqs in order, the close code (if a close frame came)."""

    hello_seq: int | None = None  # the hello snapshot's last_seq: events follow from there
    seqs: list[int] = field(default_factory=list)
    close_code: int | None = None
    reset: bool = False  # the server reset the connection
    received: int = 0


def raw_socket_viewer(port: int, session_id: int) -> socket.socket:
    """A websocket client that completes the handshake by hand and will read nothing more."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.sendall(
        (
            f"GET /ws/sessions/{session_id}/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        ).encode()
    )
    head = b""
    sock.settimeout(10)
    while b"\r\n\r\n" not in head:  # byte by byte: not one byte of the frames after it
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101 "), head
    return sock


def read_all(sock: socket.socket, timeout: float = 20) -> RawFrames:
    """Read until the server closes or resets the connection; parse the (unmasked) frames."""
    got = RawFrames()
    data = b""
    sock.settimeout(timeout)
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        got.reset = True
    got.received = len(data)
    offset = 0
    while offset + 2 <= len(data):
        opcode, size, start = data[offset] & 0x0F, data[offset + 1] & 0x7F, offset + 2
        if size == 126:
            size, start = struct.unpack("!H", data[start : start + 2])[0], start + 2
        elif size == 127:
            size, start = struct.unpack("!Q", data[start : start + 8])[0], start + 8
        if start + size > len(data):
            break  # cut by the reset
        payload = data[start : start + size]
        offset = start + size
        if opcode == 0x1:
            frame = json.loads(payload)
            if frame.get("type") == "hello":
                got.hello_seq = frame["data"]["last_seq"]
            frames = frame["frames"] if frame.get("type") == "batch" else [frame]
            got.seqs += [f["seq"] for f in frames if f.get("type") == "event"]
        elif opcode == 0x8 and len(payload) >= 2:
            got.close_code = struct.unpack("!H", payload[:2])[0]
    return got


def open_sockets(server: Server) -> dict[str, int]:
    """The server's open session sockets by writer (``/healthz``)."""
    return httpx.get(f"{server.url}/healthz", timeout=15).json()["realtime"]["sockets"]


def drop_logged(server: Server) -> int | None:
    """The unsent bytes the server logged when it closed a socket with 4008 (None: not yet)."""
    found = re.findall(r"live socket too slow, closed with 4008: (\d+) bytes unsent", full_log(server))
    return int(found[0]) if found else None


class TickReader:
    """A ``?batch=1`` client, as the live page: each message it gets is one tick of the server's
    fan-out, the same ticks every socket of the session on that server is offered."""

    def __init__(self, session_id: int, *, after: int) -> None:
        self.session_id = session_id
        self.last_seq = after
        self.largest_tick = 0  # bytes of the largest tick of events it received
        self.ready = asyncio.Event()

    async def read(self, server: Server, total: int) -> None:
        url = f"{server.ws_url}/ws/sessions/{self.session_id}/?batch=1&last_seq={self.last_seq}"
        async with connect(url, open_timeout=10) as ws:
            while self.last_seq < total:
                text = await asyncio.wait_for(ws.recv(), 60)
                message = json.loads(text)
                if message["type"] == "hello":
                    self.ready.set()
                frames = message["frames"] if message["type"] == "batch" else [message]
                events = [frame for frame in frames if frame.get("type") == "event"]
                for frame in events:  # in order, once
                    assert frame["seq"] == self.last_seq + 1, (frame["seq"], self.last_seq)
                    self.last_seq = frame["seq"]
                if events:
                    self.largest_tick = max(self.largest_tick, len(text))


def test_a_socket_that_never_reads_is_closed_at_the_limit_and_its_connection_reset(server, settings):
    # given a live session and a server warmed by a viewer that read 100 events of 20 KB
    settings.SESSIONS_CHAT_RATE_LIMIT = 100_000
    session = LiveSessionLiveFactory()
    warm = Viewer(session.pk)

    async def warm_up() -> None:
        await warm.open(server)  # type: ignore[arg-type]
        writes = asyncio.create_task(sync_to_async(append_events)(session.pk, 100, EVENT_BYTES))
        await warm.pump(100, timeout=90)
        await writes
        # closed, or it would be one more socket that stops reading (its client reads up to a
        # queue of messages, then leaves the rest in the kernel's buffers, which may hold it all)
        await warm.close()

    async_to_sync(warm_up)()
    rss_before = rss(server.pid)
    # and a viewer that completed its handshake and then reads nothing, and one that reads everything
    slow = raw_socket_viewer(server.port, session.pk)
    connected = time.monotonic()
    total = 400  # 6 MB more: past the kernel's buffers (up to 4 MiB) and the server's limit
    fast = TickReader(session.pk, after=100)

    # when 300 more events of 20 KB are written
    async def flow() -> None:
        reading = asyncio.create_task(fast.read(server, total))
        await fast.ready.wait()
        await sync_to_async(append_events)(session.pk, total - 100, EVENT_BYTES)
        await reading

    async_to_sync(flow)()
    # then the server closed the slow socket once its unsent bytes passed the limit, and said so:
    # at the tick after the one that took it past the limit (the check is made before each tick)
    unsent = wait_for(lambda: drop_logged(server), timeout=KEEPALIVE_CLOSE - 10)
    dropped_after = time.monotonic() - connected
    assert unsent is not None, full_log(server)[-3000:]
    assert LIMIT < unsent <= LIMIT + fast.largest_tick + 4096, (unsent, fast.largest_tick)
    # and the fast viewer was not slowed down: it got every event, in order
    assert fast.last_seq == total
    # and the slow socket left the process (the fast one has closed)
    left = wait_for(lambda: open_sockets(server) == {}, timeout=10)
    assert left, (open_sockets(server), full_log(server)[-3000:])
    # when the slow client finally reads, after the grace
    time.sleep(CLOSE_GRACE + 1)
    got = read_all(slow)
    slow.close()
    rss_after = rss(server.pid)
    print(
        f"\nslow reader: dropped {dropped_after:.1f} s after connecting with {unsent} B unsent "
        f"(limit {LIMIT}); it could read {got.received} B ({len(got.seqs)} events) then "
        f"{'a reset' if got.reset else 'close ' + str(got.close_code)}; "
        f"server RSS {rss_after - rss_before:+d} B while {(total - 100) * EVENT_BYTES} B of events flowed"
    )
    # then the server had reset the connection (uvicorn's keepalive never does: it waits for a
    # flush that a peer reading nothing never allows), before the client read up to the close frame
    assert got.reset and got.close_code is None
    if got.seqs:  # in order, whatever it could read before the reset
        assert got.seqs == list(range(got.seqs[0], got.seqs[0] + len(got.seqs))) and got.seqs[0] > 100
    # and the server's memory stayed bounded: far less than what flowed past the slow socket
    assert rss_after - rss_before < (total - 100) * EVENT_BYTES / 2


def test_a_slow_reader_that_reads_within_the_grace_gets_4008_and_resumes_without_loss(server, settings):
    # given a viewer that stops reading
    settings.SESSIONS_CHAT_RATE_LIMIT = 100_000
    session = LiveSessionLiveFactory()
    slow = raw_socket_viewer(server.port, session.pk)
    total = 300
    # when 300 events of 20 KB are written (6 MB), and it reads again as soon as it was dropped
    append_events(session.pk, total, EVENT_BYTES)
    assert wait_for(lambda: drop_logged(server), timeout=KEEPALIVE_CLOSE - 10), full_log(server)[-3000:]
    got = read_all(slow)
    slow.close()
    # then it finds its hello, the events after it in order, then the close frame with 4008
    assert got.close_code == CLOSE_TOO_SLOW, (got.close_code, got.reset, got.received)
    assert got.hello_seq is not None
    first = got.hello_seq + 1
    assert got.seqs == list(range(first, first + len(got.seqs))) and got.seqs[-1] < total
    # and it resumes from its last seq without loss or duplicate
    resumed = Viewer(session.pk)
    resumed.last_seq = got.seqs[-1]
    resumed.seqs = list(range(1, got.seqs[-1] + 1))

    async def resume() -> None:
        await resumed.open(server)  # type: ignore[arg-type]
        await resumed.pump(total, timeout=60)
        await resumed.close()

    async_to_sync(resume)()
    assert resumed.seqs == list(range(1, total + 1))


def test_sockets_that_open_and_close_leave_no_pending_task_in_the_log(server, settings):
    # given a live session with events flowing
    settings.SESSIONS_CHAT_RATE_LIMIT = 100_000
    session = LiveSessionLiveFactory()

    async def churn() -> None:
        url = f"{server.ws_url}/ws/sessions/{session.pk}/"
        writes = asyncio.create_task(sync_to_async(append_events)(session.pk, 60, 2_000))
        # when 60 sockets open and close: half with a closing handshake, half dropped without one
        for round_ in range(3):
            sockets = [await connect(url, open_timeout=10) for _ in range(20)]
            for ws in sockets:
                assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "hello"
            for n, ws in enumerate(sockets):
                if (n + round_) % 2:
                    ws.transport.abort()
                else:
                    await ws.close()
        await writes

    async_to_sync(churn)()
    # and a socket that reads nothing is dropped at the limit
    slow = raw_socket_viewer(server.port, session.pk)
    append_events(session.pk, 300, EVENT_BYTES)
    assert wait_for(lambda: drop_logged(server), timeout=KEEPALIVE_CLOSE - 10)
    assert wait_for(lambda: open_sockets(server) == {}, timeout=10)
    time.sleep(CLOSE_GRACE + 1)
    slow.close()
    # and the server stops, with whatever it still holds
    server.runner.stop()
    gc.collect()
    log = full_log(server)
    # then its log has no task destroyed pending, and no error
    assert "Task was destroyed" not in log, log[-3000:]
    assert "Traceback" not in log and " ERROR " not in log, log[-3000:]
    assert settings.LIVE_SEND_BUFFER_BYTES == LIMIT  # the limit these tests measure is the default
