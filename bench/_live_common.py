"""Shared pieces of the live-session benches (``bench/live_fanout.py``, ``bench/votes.py``).

Two halves:

- **Orchestration** (imported by the benches): the bench environment (own PostgreSQL database, own
  Redis database index and key prefix), server processes (daphne or uvicorn) on spare ports,
  CPU and memory readings of a process tree from ``/proc``, Redis CPU, and the load processes.
- **Load process** (``python bench/_live_common.py worker``, never imports Django): opens its share
  of websockets (uvloop when available), in waves, records connect times, the latency of every
  received bench event, per-socket sequence numbers (duplicates, gaps), and in "voters" mode sends
  ``poll.vote`` frames on a schedule and times their acks. It talks to the bench over
  stdin/stdout, one JSON object per line, and writes its raw figures to a file. Two clients
  (config ``client``): ``aiohttp`` (the default here) and ``raw``, an asyncio.Protocol per socket
  with its own RFC 6455 framing that reads bench events without ``json.loads`` (``RawSocket``),
  several times cheaper per frame. With ``reconnect`` (raw only) a lost socket comes back like the
  session page does, with backoff and ``?last_seq=`` (the connect storm of ``live_fanout.py``).

The load processes run on the same machine as the servers, PostgreSQL and Redis: they take CPU the
servers could have used.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import queue
import random
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from array import array
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cp_bench_live"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"
DEFAULT_KEY_PREFIX = "cpbench"
# BENCH_LIVE_OUT: another folder for logs and raw figures, so that two benches can run at once.
OUT = Path(os.environ.get("BENCH_LIVE_OUT", "/tmp/communesplus-bench/live"))
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- environment ---------------------------------------------------------------------------------


def bench_environ() -> dict[str, str]:
    """Set (and return) the environment shared by the bench process and its servers."""
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    os.environ.setdefault("KEY_PREFIX", DEFAULT_KEY_PREFIX)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="hub.settings",
        VAR_DIR=str(OUT / "var"),
        SECRET_KEY=os.environ.get("BENCH_SECRET_KEY", "communesplus-live-bench-not-secret-" + "x" * 20),
        LOG_LEVEL="WARNING",
        WS_TICKET_TTL="7200",  # tickets are issued before thousands of sockets connect
        THROTTLE_ANON="1000000/min",
        THROTTLE_USER="1000000/min",
    )
    # As in production (compose.yaml): a connection pool per server process. --server-env
    # DB_POOL_MAX_SIZE=0 measures one connection per database hop instead.
    os.environ.setdefault("DB_POOL_MAX_SIZE", "8")
    return dict(os.environ)


def ensure_database(url: str) -> None:
    """Create the bench database if it is missing (never touches another database)."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def django_ready() -> None:
    """django.setup(), migrate the bench database, load the communes."""
    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    from hub.reference_data import reference_data_load

    call_command("migrate", verbosity=0)
    reference_data_load()


def redis_client() -> Any:
    import redis

    return redis.Redis.from_url(os.environ["REDIS_URL"])


def redis_forget_bench_keys() -> int:
    """Delete this bench's keys (its prefix, in its own database index) left by an earlier run."""
    client = redis_client()
    keys = list(client.scan_iter(f"{os.environ['KEY_PREFIX']}:*", count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])
    return len(keys)


def redis_cpu_seconds() -> float:
    info = redis_client().info("cpu")
    return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])


def raise_fd_limit() -> int:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- /proc readings ------------------------------------------------------------------------------


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()  # fields from 'state' on (index 0 = field 3)


def tree_pids(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def tree_cpu_seconds(root: int) -> float:
    """utime + stime of a process and its descendants (plus the children they already reaped)."""
    total = 0
    for pid in tree_pids(root):
        fields = _stat_fields(pid)
        if fields:
            total += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
    return total / CLK_TCK


def tree_rss_kib(root: int) -> int:
    total = 0
    for pid in tree_pids(root):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def machine_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


# --- servers -------------------------------------------------------------------------------------


class Processes:
    """Every process the bench starts, each in its own process group; all stopped on exit."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(
        self, args: list[str], env: dict[str, str], log: Path, **kwargs: Any
    ) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=kwargs.pop("stdout", log.open("wb")),
            stderr=kwargs.pop("stderr", subprocess.STDOUT), start_new_session=True, **kwargs,
        )  # fmt: skip
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs.clear()

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_all()


def sigterm_as_interrupt() -> None:
    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)
    # A shell starting the bench in the background ignores SIGINT for it: take it back.
    signal.signal(signal.SIGINT, signal.default_int_handler)


def server_command(kind: str, port: int) -> list[str]:
    if kind == "daphne":
        # Twisted's default listen backlog is 50: too small for a connect wave.
        return [
            sys.executable, "-m", "daphne", "-e", f"tcp:port={port}:interface=127.0.0.1:backlog=4096",
            "--websocket_timeout", "-1", "--websocket-max-message-size", "65536", "hub.asgi:application",
        ]  # fmt: skip
    if kind == "uvicorn":
        # The production command line (manage.py serve, compose.yaml), quieter.
        from hub.management.commands.serve import web_command

        return [*web_command("uvicorn", "127.0.0.1", port), "--no-access-log", "--log-level", "warning"]
    raise ValueError(kind)


def start_servers(procs: Processes, kind: str, count: int, env: dict[str, str]) -> list[tuple[int, int]]:
    """Start ``count`` servers; return [(pid, port)] once each answers /healthz."""
    started = []
    for index in range(count):
        port = free_port()
        started.append((start_server(procs, kind, port, env, index), port))
    for proc, port in started:
        wait_ready(proc, kind, port)
    return [(proc.pid, port) for proc, port in started]


def start_server(procs: Processes, kind: str, port: int, env: dict[str, str], index: int | str) -> Any:
    return procs.start(server_command(kind, port), env, OUT / f"server-{kind}-{index}.log")


def wait_ready(proc: Any, kind: str, port: int, timeout: float = 60) -> None:
    """Wait until a server answers /healthz."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{kind} on port {port} exited; see {OUT}/server-{kind}-*.log")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def wait_listening(servers: list[tuple[Any, int]], kind: str, timeout: float = 60) -> dict[int, float]:
    """Wait until each (re)started server accepts TCP connections on its port: the moment clients
    can get in (not /healthz: its channel-layer check times out, 503, while websockets are open).
    Returns {port: time.time() it first accepted}, the ports polled together."""
    deadline = time.monotonic() + timeout
    ready: dict[int, float] = {}
    while len(ready) < len(servers):
        for proc, port in servers:
            if port in ready:
                continue
            if proc.poll() is not None:
                raise RuntimeError(f"{kind} on port {port} exited; see {OUT}/server-{kind}-*.log")
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                ready[port] = time.time()
        if time.monotonic() > deadline:
            raise TimeoutError(f"{kind}: ports {[p for _proc, p in servers if p not in ready]} not listening")
        time.sleep(0.02)
    return ready


def stop_server(proc: Any, how: str, timeout: float = 30) -> float:
    """Stop one server's process group: ``term`` (SIGTERM, SIGKILL after ``timeout``) or ``kill``
    (SIGKILL at once). Returns the seconds until it was gone."""
    started = time.monotonic()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL if how == "kill" else signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    return time.monotonic() - started


# --- load processes (orchestration side) ---------------------------------------------------------


class JsonLinesChild:
    """A child process spoken to in JSON lines over its stdin/stdout: ``send`` a command, ``expect``
    the line of a stage. Subclasses start ``self.proc``, then call ``listen`` with their first
    command, and say how to describe a missing stage and an exit."""

    proc: subprocess.Popen[bytes]
    lines: queue.Queue[dict[str, Any]]

    def listen(self, config: dict[str, Any]) -> None:
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.send(config)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            with contextlib.suppress(ValueError):
                self.lines.put(json.loads(raw))
        self.lines.put({"stage": "exited"})

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        self.proc.stdin.flush()

    def expect(self, stage: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty as exc:
                raise TimeoutError(self.no_stage(stage, timeout)) from exc
            if line.get("stage") == "exited":
                raise RuntimeError(self.exited())
            if line.get("stage") == stage:
                return line

    def no_stage(self, stage: str, timeout: float) -> str:
        return f"process {self.proc.pid}: no '{stage}' within {timeout:.0f} s"

    def exited(self) -> str:
        return f"process {self.proc.pid} exited"


class Worker(JsonLinesChild):
    """One load process; JSON lines over its stdin/stdout."""

    def __init__(self, procs: Processes, env: dict[str, str], index: int, config: dict[str, Any]) -> None:
        self.proc = procs.start(
            [sys.executable, str(Path(__file__).resolve()), "worker"], env, OUT / f"worker-{index}.log",
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=(OUT / f"worker-{index}.log").open("wb"),
        )  # fmt: skip
        self.listen(config)

    def no_stage(self, stage: str, timeout: float) -> str:
        return f"load process {self.proc.pid}: no '{stage}' within {timeout:.0f} s"

    def exited(self) -> str:
        return f"load process {self.proc.pid} exited; see {OUT}/worker-*.log"


def split_evenly(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def read_latencies(paths: list[str]) -> list[int]:
    values: array[int] = array("q")
    for path in paths:
        with open(path, "rb") as handle:
            values.frombytes(handle.read())
    return sorted(values)


def pct(sorted_values: list[int] | list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return float(sorted_values[index])


def table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [cell.rjust(widths[i]) for i, cell in enumerate(row) if i]
        lines.append("| " + " | ".join(cells) + " |")
        if n == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def fmt(value: float | None, digits: int = 1) -> str:
    if value is None or value != value:  # NaN
        return "–"
    return f"{value:,.{digits}f}"


# --- load process (worker side: no Django) -------------------------------------------------------


class Sock:
    __slots__ = (
        "back_at",
        "catchup_to",
        "caught_at",
        "close_code",
        "connect_ms",
        "dups",
        "gaps",
        "hello_seq",
        "index",
        "last",
        "lost_at",
        "ooo",
        "seqs",
        "tally",
        "user",
        "ws",
    )

    def __init__(self, index: int, user: int | None = None) -> None:
        self.index, self.user = index, user
        self.ws: Any = None
        self.connect_ms: float | None = None
        self.seqs: set[int] = set()
        self.last, self.dups, self.gaps, self.ooo, self.tally = 0, 0, 0, 0, 0
        self.close_code: int | None = None
        self.hello_seq = 0  # last_seq of the first hello: where a viewer that saw no event resumes
        # Connection storm: when the socket was lost, when a hello came back, when the replay reached
        # the last_seq of that hello (catchup_to, 0 once reached).
        self.lost_at = self.back_at = self.caught_at = 0.0
        self.catchup_to = 0


# --- raw websocket client (worker side) ----------------------------------------------------------
#
# aiohttp costs ~40-60 µs of client CPU per received frame (its reader, a Message tuple, a task
# wake-up, then a json.loads). At 10,000 viewers × 5 events/s that is 2-3 cores just for clients.
# This client is one asyncio.Protocol per socket: a hand-written upgrade request, a minimal RFC 6455
# parser for the server's frames, one clock reading per received chunk, and the event fields the
# bench needs read straight from the bytes. No permessage-deflate is offered (so none is used).

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
EVENT_HEAD = b'{"type": "event", "event": "'
BATCH_HEAD = b'{"type":"batch","frames":['
CHAT_EVENT = b"chat.message"
SEQ_KEY = b'", "seq": '
BENCH_KEY = b'"bench_t": '
INNER_SPLIT = b',{"type": "event", "event": "'


def ws_client_frame(opcode: int, payload: bytes) -> bytes:
    """A masked client frame (RFC 6455 5.3: every client frame is masked)."""
    length = len(payload)
    if length < 126:
        head = bytes((0x80 | opcode, 0x80 | length))
    elif length < 65536:
        head = bytes((0x80 | opcode, 0x80 | 126)) + length.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 0x80 | 127)) + length.to_bytes(8, "big")
    mask = os.urandom(4)
    return head + mask + ws_unmask(payload, mask)


def ws_unmask(payload: bytes, mask: bytes) -> bytes:
    if not payload:
        return b""
    length = len(payload)
    key = (mask * (length // 4 + 1))[:length]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(length, "big")


def page_origin(url: str) -> str:
    """The Origin a browser sends for a socket to ``url``: its page's own (scheme, host and port), which
    the hub compares exactly (hub/realtime/auth.py). Each port is its own origin."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    scheme = "https" if parts.scheme == "wss" else "http"
    return f"{scheme}://{parts.hostname}:{parts.port or (443 if scheme == 'https' else 80)}"


def ws_request(url: str, origin: str) -> tuple[str, int, bytes, bytes]:
    """(host, port, upgrade request, expected Sec-WebSocket-Accept) for a ws:// URL."""
    import base64
    import hashlib
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    key = base64.b64encode(os.urandom(16))
    accept = base64.b64encode(hashlib.sha1(key + WS_GUID).digest())
    request = (
        f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key.decode()}\r\nSec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n"
    ).encode()
    return host, port, request, accept


class RawSocket(asyncio.Protocol):
    """One client websocket. ``ready`` resolves with the hello frame (a dict) or an error string;
    ``lost`` resolves when the TCP connection is gone. Offers the few members of aiohttp's
    ClientWebSocketResponse the load process uses (``closed``, ``close_code``, ``send_str``,
    ``close``)."""

    def __init__(self, load: LoadProcess, sock: Sock, request: bytes, accept: bytes) -> None:
        loop = asyncio.get_running_loop()
        self.load, self.sock, self.request, self.accept = load, sock, request, accept
        self.ready: asyncio.Future[Any] = loop.create_future()
        self.lost: asyncio.Future[None] = loop.create_future()
        self.transport: Any = None
        self.head: bytearray | None = bytearray()
        self.buf: bytes | bytearray = b""
        self.fragments: list[bytes] = []
        self.fragment_opcode = 0
        self.close_code: int | None = None
        self.close_sent = False
        self.closed = False
        self.hello_done = False

    # --- asyncio.Protocol ---------------------------------------------------------------------
    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.ready.done():
            if self.close_code is not None:
                self.ready.set_result(f"closed {self.close_code} before hello")
            else:
                self.ready.set_result("reset before hello" if self.head is None else "reset in handshake")
        if not self.lost.done():
            self.lost.set_result(None)

    def data_received(self, data: bytes) -> None:
        if self.head is not None:
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                if len(self.head) > 65536:
                    self._fail("handshake too long")
                return
            lines = bytes(self.head[:end]).split(b"\r\n")
            data = bytes(self.head[end + 4 :])
            self.head = None
            status = lines[0].split(b" ", 2)
            if len(status) < 2 or status[1] != b"101":
                self._fail("handshake " + status[1].decode("latin1") if len(status) > 1 else "bad response")
                return
            accept = b""
            for line in lines[1:]:
                name, _sep, value = line.partition(b":")
                if name.strip().lower() == b"sec-websocket-accept":
                    accept = value.strip()
            if accept != self.accept:
                self._fail("handshake bad Sec-WebSocket-Accept")
                return
            if not data:
                return
        if self.buf:
            data = self.buf + data
        now = time.time_ns()  # one clock reading for every frame of this chunk
        size = len(data)
        pos = 0
        on_raw, sock = self.load.on_raw, self.sock
        while size - pos >= 2:
            b0, b1 = data[pos], data[pos + 1]
            length, head = b1 & 0x7F, 2
            if length == 126:
                if size - pos < 4:
                    break
                length, head = (data[pos + 2] << 8) | data[pos + 3], 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, head = int.from_bytes(data[pos + 2 : pos + 10], "big"), 10
            mask = b""
            if b1 & 0x80:  # servers must not mask; accept it anyway
                if size - pos < head + 4:
                    break
                mask = bytes(data[pos + head : pos + head + 4])
                head += 4
            end = pos + head + length
            if end > size:
                break
            payload = bytes(data[pos + head : end])
            pos = end
            if mask:
                payload = ws_unmask(payload, mask)
            if b0 == 0x81 and self.hello_done and not self.fragments:  # a whole text message
                on_raw(sock, payload, now)
            elif b0 == 0x81 and not self.fragments:
                self.on_message(payload, now)
            else:
                self.on_control(b0 & 0x0F, bool(b0 & 0x80), payload, now)
            if self.closed:
                return
        self.buf = data[pos:] if pos < size else b""

    # --- frames -------------------------------------------------------------------------------
    def on_message(self, payload: bytes, now: int) -> None:
        if self.ready.done():
            self.load.on_raw(self.sock, payload, now)
            return
        try:
            hello = json.loads(payload)
        except ValueError:
            hello = None
        if not isinstance(hello, dict) or hello.get("type") != "hello":
            self.ready.set_result("no hello (first frame: " + payload[:40].decode("utf-8", "replace") + ")")
            self.abort()
            return
        self.hello_done = True
        self.ready.set_result(hello)

    def on_control(self, opcode: int, fin: bool, payload: bytes, now: int) -> None:
        if opcode in (1, 2):  # first part of a fragmented message
            self.fragment_opcode, self.fragments = opcode, [payload]
            if fin:
                self._fragments_done(now)
        elif opcode == 0:
            self.fragments.append(payload)
            if fin:
                self._fragments_done(now)
        elif opcode == 9:
            if not self.close_sent:
                self.transport.write(ws_client_frame(10, payload))
        elif opcode == 8:
            self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            if not self.close_sent:
                self.close_sent = True
                self.transport.write(ws_client_frame(8, payload[:2]))
            # RFC 6455 7.1.1: the server closes the TCP connection first (its side keeps the
            # TIME_WAIT, not our ephemeral port); abort if it has not within 2 s.
            asyncio.get_running_loop().call_later(2, self.abort)
            self.closed = True
        # 10 (pong) and reserved opcodes: ignored

    def _fragments_done(self, now: int) -> None:
        payload, opcode = b"".join(self.fragments), self.fragment_opcode
        self.fragments = []
        if opcode == 1:
            self.on_message(payload, now)

    def _fail(self, kind: str) -> None:
        if not self.ready.done():
            self.ready.set_result(kind)
        self.abort()

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None and not self.lost.done():
            self.transport.abort()

    # --- the aiohttp-like surface the load process uses ---------------------------------------
    async def send_str(self, text: str) -> None:
        if not self.closed:
            self.transport.write(ws_client_frame(1, text.encode()))

    async def close(self) -> None:
        if self.closed:
            return
        if not self.close_sent:
            self.close_sent = True
            self.transport.write(ws_client_frame(8, (1000).to_bytes(2, "big")))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(self.lost), 5)
        if not self.lost.done():
            self.abort()
        self.closed = True


def raw_error_kind(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "refused (nothing listening)"
    if isinstance(exc, ConnectionResetError):
        return "reset in connect"
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
        return "timeout in connect"
    if isinstance(exc, OSError) and exc.errno is not None:
        import errno

        return f"OSError {errno.errorcode.get(exc.errno, exc.errno)}"
    return type(exc).__name__


def _chat_event(text: bytes, start: int, end: int) -> tuple[int, int | None] | None:
    """(seq, bench_t) of a ``chat.message`` event frame in ``text[start:end]`` (``start`` just after
    ``"event": "``), or None for another event. Raises ValueError on a malformed frame."""
    if not text.startswith(CHAT_EVENT + SEQ_KEY, start):
        return None
    begin = start + len(CHAT_EVENT) + len(SEQ_KEY)
    seq = int(text[begin : text.index(b",", begin, end)])
    at = text.rfind(BENCH_KEY, begin, end)
    if at < 0:
        return seq, None
    at += len(BENCH_KEY)
    return seq, int(text[at : text.index(b"}", at, end)])


class LoadProcess:
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.latencies: array[int] = array("q")  # µs, receive - embedded send time
        self.ack_latencies: array[int] = array("q")  # µs, ack - send
        self.frames: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.socks: list[Sock] = []
        self.pending: dict[str, tuple[int, int, list[int]]] = {}  # ref -> (sent ns, user, options)
        self.acked: dict[int, tuple[int, list[int]]] = {}  # user -> (vote index, options) of the last ack
        self.vote_errors: Counter[str] = Counter()
        self.tally_times: list[float] = []
        self.closed_results: Any = None
        self.bench_frames = 0
        self.raw_events = 0  # event frames of the raw client's fast path (kept out of the Counter)
        self.attempted = 0
        self.last_ack = 0.0
        self.acks = 0
        self.refused: list[int] = []
        self.rest_tokens: dict[int, str] = {int(k): v for k, v in config.get("rest_tokens", {}).items()}
        self.rest_locks: dict[int, asyncio.Lock] = {}
        self.http: Any = None
        self.commands: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        # Connection storm (config "reconnect"): a lost socket comes back like the page does.
        self.stopping = False
        # (start, end, "" or the error, port, socket index) of each reconnect attempt
        self.storm_attempts: list[tuple[float, float, str, int, int]] = []
        self.storm_slots: asyncio.Semaphore | None = None

    # --- receiving ---------------------------------------------------------------------------
    def on_text(self, sock: Sock, text: str | bytes, now: int | None = None) -> None:
        if now is None:
            now = time.time_ns()
        frame = json.loads(text)
        if frame.get("type") == "batch":  # ?batch=1: one tick's frames
            self.frames["batch"] += 1
            for inner in frame.get("frames") or []:
                self.on_frame(sock, inner, now)
            return
        self.on_frame(sock, frame, now)

    def on_raw(self, sock: Sock, payload: bytes, now: int) -> None:
        """A text message of the raw client: bench events read from the bytes, the rest parsed.

        The server encodes each event once with ``json.dumps`` (keys type, event, seq, id, data;
        ``bench_t`` last in a bench message's data) and joins a batch's frames with ``,``. A raw
        ``"`` cannot occur inside a JSON string, so these markers cannot come from message text.
        Anything else (hello, presence, ack, error, reset, other events) goes through json.loads.
        """
        try:
            if payload.startswith(EVENT_HEAD):
                parsed = _chat_event(payload, len(EVENT_HEAD), len(payload))
                if parsed is not None:
                    self.raw_events += 1
                    self.account(sock, parsed[0], parsed[1], now)
                    return
            elif payload.startswith(BATCH_HEAD) and payload.endswith(b"]}"):
                parts = payload[len(BATCH_HEAD) : -2].split(INNER_SPLIT)
                if parts[0].startswith(EVENT_HEAD):
                    found = [_chat_event(parts[0], len(EVENT_HEAD), len(parts[0]))]
                    found += [_chat_event(part, 0, len(part)) for part in parts[1:]]
                    if None not in found:
                        self.frames["batch"] += 1
                        self.raw_events += len(found)
                        for seq, stamp in found:  # type: ignore[misc]
                            self.account(sock, seq, stamp, now)
                        return
        except ValueError:
            pass
        self.on_text(sock, payload, now)

    def account(self, sock: Sock, seq: Any, stamp: int | None, now: int) -> None:
        """Latency and per-socket sequence accounting of one event frame."""
        if stamp is not None:
            self.bench_frames += 1
            self.latencies.append((now - stamp) // 1000)
        if isinstance(seq, int):
            if seq in sock.seqs:
                sock.dups += 1
            else:
                if seq < sock.last:
                    sock.ooo += 1
                elif sock.last and seq > sock.last + 1:
                    sock.gaps += 1
                sock.seqs.add(seq)
                if seq > sock.last:
                    sock.last = seq
                if sock.catchup_to and sock.last >= sock.catchup_to:
                    sock.catchup_to = 0
                    sock.caught_at = now / 1e9

    def on_frame(self, sock: Sock, frame: dict[str, Any], now: int) -> None:
        kind = frame.get("type")
        self.frames[kind] += 1
        if kind == "event":
            seq, name, data = frame.get("seq"), frame.get("event"), frame.get("data") or {}
            stamp = data.get("bench_t") if isinstance(data, dict) else None
            self.account(sock, seq, stamp, now)
            if name == "poll.tally":
                sock.tally += 1
                if sock.index == 0:
                    self.tally_times.append(time.time())
            elif name == "poll.closed" and self.closed_results is None:
                self.closed_results = data.get("results")
        elif kind in ("ack", "error"):
            sent = self.pending.pop(str(frame.get("ref")), None)
            if sent is None:
                if kind == "error":
                    self.errors["unsolicited:" + str((frame.get("error") or {}).get("code"))] += 1
                return
            self.answered(
                now, str(frame.get("ref")), sent, frame.get("data") if kind == "ack" else None, frame
            )

    def answered(
        self, now: int, ref: str, sent: tuple[int, int, list[int]], data: Any, frame: dict[str, Any]
    ) -> None:
        sent_ns, user, options = sent
        self.ack_latencies.append((now - sent_ns) // 1000)
        self.last_ack = time.time()
        if data is not None:
            self.acks += 1
            index = int(ref.split("-")[1])
            if user not in self.acked or self.acked[user][0] < index:
                self.acked[user] = (index, list((data or {}).get("options") or options))
        else:
            self.vote_errors[str((frame.get("error") or {}).get("code"))] += 1

    async def rest_vote(self, ref: str, user: int, poll: int, options: list[int]) -> None:
        """The same vote over REST (``POST .../polls/<id>/vote/`` with the user's API token)."""
        lock = self.rest_locks.setdefault(user, asyncio.Lock())
        async with lock:  # one user's votes in order, as one client would send them
            sent = (time.time_ns(), user, options)
            try:
                async with self.http.post(
                    self.config["rest_url"],
                    json={"options": options, "idempotency_key": ref},
                    headers={"Authorization": f"Token {self.rest_tokens[user]}"},
                ) as response:
                    body = await response.json(content_type=None)
            except Exception as exc:
                self.vote_errors["rest " + type(exc).__name__] += 1
                return
            ok = response.status in (200, 201)
            self.answered(time.time_ns(), ref, sent, body if ok else None, body if not ok else {})

    async def open(self, session: Any, sock: Sock, url: str, slots: asyncio.Semaphore) -> None:
        import aiohttp

        async with slots:
            started = time.perf_counter()
            ws = None
            try:
                ws = await session.ws_connect(
                    url, headers={"Origin": page_origin(url)}, autoping=True, heartbeat=None,
                    max_msg_size=1 << 20, timeout=aiohttp.ClientWSTimeout(ws_close=5),
                )  # fmt: skip
                first = await ws.receive(timeout=60)
                hello = json.loads(first.data) if first.type == aiohttp.WSMsgType.TEXT else {}
                if hello.get("type") != "hello":
                    self.errors[f"no hello ({first.type.name} {ws.close_code})"] += 1
                    await ws.close()
                    return
                if sock.user is not None and not hello["data"]["me"].get("authenticated"):
                    self.errors["ticket refused: connected as anonymous"] += 1
                    self.refused.append(sock.user)
            except aiohttp.WSServerHandshakeError as exc:
                self.errors[f"handshake {exc.status}"] += 1
                return
            except Exception as exc:
                self.errors[f"{type(exc).__name__} {str(exc)[:60]}".strip()] += 1
                if ws is not None:
                    await ws.close()
                return
            finally:
                self.attempted += 1
            sock.connect_ms = (time.perf_counter() - started) * 1000
            sock.ws = ws
        try:
            async for message in ws:
                if message.type == aiohttp.WSMsgType.TEXT:
                    self.on_text(sock, message.data)
        except Exception as exc:
            self.errors["receive " + type(exc).__name__] += 1
        sock.close_code = ws.close_code

    # --- the raw client ----------------------------------------------------------------------
    async def raw_attempt(self, sock: Sock, url: str, timeout: float) -> tuple[RawSocket | None, Any]:
        """One connect: (socket, hello frame) or (None, error kind)."""
        host, port, request, accept = ws_request(url, page_origin(url))
        made: list[RawSocket] = []

        def factory() -> RawSocket:
            made.append(RawSocket(self, sock, request, accept))
            return made[0]

        try:
            async with asyncio.timeout(timeout):
                await asyncio.get_running_loop().create_connection(factory, host, port)
                outcome = await made[0].ready
        except TimeoutError:
            if made:
                made[0].abort()
                return None, "timeout (no hello)" if made[0].head is None else "timeout in handshake"
            return None, "timeout in connect"
        except OSError as exc:
            return None, raw_error_kind(exc)
        if isinstance(outcome, str):
            made[0].abort()
            return None, outcome
        if sock.user is not None and not outcome["data"]["me"].get("authenticated"):
            self.errors["ticket refused: connected as anonymous"] += 1
            self.refused.append(sock.user)
        return made[0], outcome

    async def open_raw(self, sock: Sock, url: str, slots: asyncio.Semaphore) -> None:
        async with slots:
            started = time.perf_counter()
            try:
                ws, outcome = await self.raw_attempt(sock, url, 60)
            finally:
                self.attempted += 1
            if ws is None:
                self.errors[outcome] += 1
                return
            sock.connect_ms = (time.perf_counter() - started) * 1000
            sock.ws = ws
            sock.hello_seq = int(outcome["data"].get("last_seq") or 0)
        while True:
            await ws.lost
            sock.close_code = ws.close_code
            if not self.config.get("reconnect") or self.stopping or ws.close_code in (4403, 4404):
                return
            sock.lost_at = time.time()
            back = await self.come_back(sock, url)
            if back is None:
                return
            ws = back

    async def come_back(self, sock: Sock, url: str) -> RawSocket | None:
        """Reconnect as frontend/static/frontend/js/session-socket.js does: "equal jitter" backoff
        (half of min(30 s, 1 s × 2^attempt) plus a random share of the other half, the attempt
        count reset by a hello), resuming with ``?last_seq=`` (and ``batch=1``, already in url)."""
        attempt = 0
        timeout = float(self.config.get("storm_timeout", 30))
        while not self.stopping:
            ceiling = min(30.0, 2.0**attempt)
            attempt += 1
            await asyncio.sleep(ceiling / 2 + random.random() * ceiling / 2)
            if self.stopping:
                return None
            resume = max(sock.last, sock.hello_seq)
            target = url + ("&" if "?" in url else "?") + f"last_seq={resume}"
            began = time.time()
            if self.storm_slots is not None:
                async with self.storm_slots:
                    ws, outcome = await self.raw_attempt(sock, target, timeout)
            else:
                ws, outcome = await self.raw_attempt(sock, target, timeout)
            port = int(target.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
            ended = time.time()
            kind = "" if ws is not None else str(outcome)
            self.storm_attempts.append((began, ended, kind, port, sock.index))
            if ws is not None:
                sock.back_at = ended
                target_seq = int(outcome["data"].get("last_seq") or 0)
                if sock.last >= target_seq:
                    sock.caught_at = sock.back_at
                else:
                    sock.catchup_to = target_seq
                sock.ws = ws
                return ws
        return None

    # --- sending votes -----------------------------------------------------------------------
    async def vote(self, sock: Sock | None, user: int, index: int, poll: int, options: list[int]) -> None:
        ref = f"v-{index}"
        if user in self.rest_tokens:
            asyncio.get_running_loop().create_task(self.rest_vote(ref, user, poll, options))
            return
        if sock is None or sock.ws is None or sock.ws.closed:
            self.vote_errors["socket_closed"] += 1
            return
        assert sock.user is not None
        self.pending[ref] = (time.time_ns(), sock.user, options)
        await sock.ws.send_str(
            json.dumps(
                {"type": "poll.vote", "poll": poll, "options": options, "ref": ref, "idempotency_key": ref}
            )
        )

    async def run_schedule(self, t0: float) -> dict[str, Any]:
        by_user = {sock.user: sock for sock in self.socks if sock.user is not None}
        lateness: list[float] = []
        sent = 0
        for offset, index, user, options in self.config["schedule"]:
            delay = t0 + offset - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                lateness.append(-delay)
            await self.vote(by_user.get(user), user, index, self.config["poll"], options)
            sent += 1
        lateness.sort()
        return {"sent": sent, "send_lateness_max_ms": (lateness[-1] * 1000) if lateness else 0.0}

    # --- main ---------------------------------------------------------------------------------
    def _stdin_reader(self, loop: asyncio.AbstractEventLoop) -> None:
        for raw in sys.stdin:
            with contextlib.suppress(ValueError):
                loop.call_soon_threadsafe(self.commands.put_nowait, json.loads(raw))
        loop.call_soon_threadsafe(self.commands.put_nowait, {"cmd": "stop"})

    def say(self, message: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    async def main(self) -> None:
        import aiohttp

        config = self.config
        loop = asyncio.get_running_loop()
        threading.Thread(target=self._stdin_reader, args=(loop,), daemon=True).start()
        connector = aiohttp.TCPConnector(limit=0, force_close=False)
        session = aiohttp.ClientSession(connector=connector)
        # aiohttp retries a GET once after a reset, here with the same single-use ticket: the
        # server then sees "ticket_used". Count the reset instead.
        session._retry_connection = False
        self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=50))
        targets: list[tuple[Sock, str]] = []
        for n, spec in enumerate(config["sockets"]):
            sock = Sock(config["first_index"] + n, spec.get("user"))
            self.socks.append(sock)
            targets.append((sock, spec["url"]))
        slots = asyncio.Semaphore(config.get("max_pending", 200))
        if config.get("storm_max_pending"):
            self.storm_slots = asyncio.Semaphore(config["storm_max_pending"])
        tasks = []
        interval = 1.0 / config["connect_rate"]
        started = time.perf_counter()
        for n, (sock, url) in enumerate(targets):
            delay = started + n * interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if config.get("client", "aiohttp") == "raw":
                tasks.append(asyncio.create_task(self.open_raw(sock, url, slots)))
            else:
                tasks.append(asyncio.create_task(self.open(session, sock, url, slots)))
        while self.attempted < len(self.socks):
            await asyncio.sleep(0.05)
        connect_s = time.perf_counter() - started
        self.say(
            {
                "stage": "connected",
                "connected": sum(1 for s in self.socks if s.connect_ms is not None),
                "errors": dict(self.errors),
                "seconds": connect_s,
            }
        )
        usage_start: float | None = None
        schedule_result: dict[str, Any] = {}
        while True:
            command = await self.commands.get()
            if command["cmd"] == "mark":
                usage = resource.getrusage(resource.RUSAGE_SELF)
                usage_start = usage.ru_utime + usage.ru_stime
                self.frames.clear()
                self.raw_events = 0
                self.latencies = array("q")
                self.bench_frames = 0
                for sock in self.socks:
                    sock.tally = 0
                self.say({"stage": "marked"})
            elif command["cmd"] == "status":
                pending = len(self.pending) + sum(lock.locked() for lock in self.rest_locks.values())
                connected = [s for s in self.socks if s.connect_ms is not None]
                self.say(
                    {
                        "stage": "status",
                        "bench_frames": self.bench_frames,
                        "acks_pending": pending,
                        "down": sum(1 for s in connected if s.ws is None or s.ws.closed),
                        "lost": sum(1 for s in connected if s.lost_at),
                    }
                )
            elif command["cmd"] == "vote":
                schedule_result = await self.run_schedule(command["t0"])
                self.say({"stage": "voted", **schedule_result})
            elif command["cmd"] == "stop":
                self.stopping = True
                break
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu = usage.ru_utime + usage.ru_stime - (usage_start or 0.0)
        result = self.result(command, cpu, schedule_result)
        latency_file = config["out"] + ".lat"
        with open(latency_file, "wb") as handle:
            self.latencies.tofile(handle)
        ack_file = config["out"] + ".ack"
        with open(ack_file, "wb") as handle:
            self.ack_latencies.tofile(handle)
        result.update(latency_file=latency_file, ack_file=ack_file)
        Path(config["out"]).write_text(json.dumps(result))
        self.say({"stage": "done", "result": config["out"]})
        with contextlib.suppress(Exception):
            await asyncio.wait_for(
                asyncio.gather(
                    *(s.ws.close() for s in self.socks if s.ws is not None), return_exceptions=True
                ),
                10,
            )
        for task in tasks:
            task.cancel()
        await session.close()
        await self.http.close()

    def result(self, command: dict[str, Any], cpu: float, schedule: dict[str, Any]) -> dict[str, Any]:
        first, last = command.get("first_seq"), command.get("last_seq")
        missing = sockets_missing = 0
        if first is not None and last is not None:
            expected = set(range(first, last + 1))
            for sock in self.socks:
                if sock.connect_ms is not None:
                    lost = len(expected - sock.seqs)
                    missing += lost
                    sockets_missing += bool(lost)
        connected = [s for s in self.socks if s.connect_ms is not None]
        return {
            "connected": len(connected),
            "connect_ms": sorted(s.connect_ms for s in connected if s.connect_ms is not None),
            "errors": dict(self.errors),
            "closed_during_run": dict(
                Counter(str(s.close_code) for s in connected if s.ws is not None and s.ws.closed)
            ),
            "frames": dict(self.frames + Counter(event=self.raw_events)),
            "bench_frames": self.bench_frames,
            "missing": missing,
            "sockets_missing": sockets_missing,
            "duplicates": sum(s.dups for s in self.socks),
            "gaps_seen": sum(s.gaps for s in self.socks),
            "out_of_order": sum(s.ooo for s in self.socks),
            "tally_frames": [s.tally for s in connected],
            "tally_times": self.tally_times,
            "closed_results": self.closed_results,
            "acked": {str(user): options for user, (_i, options) in self.acked.items()},
            "acked_votes": self.acks,
            "vote_errors": dict(self.vote_errors),
            "unanswered": len(self.pending),
            "last_ack": self.last_ack,
            "refused_users": self.refused,
            "cpu_seconds": cpu,
            "client": self.config.get("client", "aiohttp"),
            "storm_attempts": self.storm_attempts,
            "storm_sockets": [[s.lost_at, s.back_at, s.caught_at] for s in connected if s.lost_at],
            **schedule,
        }


def worker_entry() -> None:
    raise_fd_limit()
    config = json.loads(sys.stdin.readline())
    random.seed(config.get("seed", 0))
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    asyncio.run(LoadProcess(config).main())


def chunks(items: list[Any], parts: int) -> Iterator[list[Any]]:
    for index in range(parts):
        yield items[index::parts]


if __name__ == "__main__" and sys.argv[1:] == ["worker"]:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the bench stops its load processes itself
    worker_entry()
