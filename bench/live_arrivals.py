"""A big session's arrival wave: thousands of new citizens load the live page, its assets, and open
its websocket, while the session's events keep flowing to those already watching.

1. Same environment as ``live_fanout.py`` (database ``cp_bench_live``, Redis database 9, keys
   under ``KEY_PREFIX=cpbench`` cleared at start); a fresh live session; ``--servers`` K server
   processes (``--server uvicorn|daphne``, production command line, ``DB_POOL_MAX_SIZE=8``).
2. ``--watchers`` W anonymous viewers connect first (``bench/_live_common.py worker``, raw client),
   and ``chat.message`` events are published at ``--rate`` per second through
   ``sessions_live.events.event_append`` (``live_fanout.publish``) from 2 s before the wave until
   every arrival has finished.
3. The wave: ``--arrivals`` N distinct clients over ``--window`` s (``--spacing random``: N
   independent uniform times, a Poisson process with N arrivals; ``even``: evenly spaced), spread
   over ``--procs`` load processes (``python bench/live_arrivals.py worker``, no Django) and
   round-robin over the server ports. Each arrival is a new phone: no cookies, its own
   connections (none shared with another client). It GETs ``/seances/<id>/`` with a phone
   browser's headers, reads the page for its assets (``<link rel=stylesheet|modulepreload>``,
   ``<script src>``; external and ``data:`` ignored) and GETs them over up to ``--conns``
   keep-alive connections (the page's one first, sequential on each), then opens the websocket
   the page opens (``data-socket`` + ``?batch=1&last_seq=<data-last-seq>``, as
   ``session-socket.js`` builds it) with the page's Origin, waits for ``hello`` and stays as a
   viewer until the end (or ``--hold`` s).
4. Times are measured from each arrival's *scheduled* time (a late load process does not hide
   the wait: coordinated omission corrected) and from the actual send. Reports statuses,
   shedding (503 with Retry-After, ``--retry-shed`` retries like a reload), failures by kind, the
   watchers' delivery during the wave, the arrived viewers' delivery (replay included), server
   CPU and RSS, the causes of 500s found in the server logs, and whether the goal is met.

Report and raw figures: ``/tmp/communesplus-bench/arrivals/`` (logs of servers and load processes
there too, unless ``BENCH_LIVE_OUT`` says otherwise), and ``--json FILE``.

Usage (PostgreSQL and Redis on 127.0.0.1):
    .venv/bin/python bench/live_arrivals.py --arrivals 300 --window 10 --watchers 50
    .venv/bin/python bench/live_arrivals.py --arrivals 10000 --window 60 --json arrivals.json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import itertools
import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import threading
import time
import zlib
from array import array
from collections import Counter
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

REPORT_DIR = Path("/tmp/communesplus-bench/arrivals")
# Logs and raw figures next to the report, away from the other live benches' folder.
os.environ.setdefault("BENCH_LIVE_OUT", str(REPORT_DIR))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _live_common as common  # noqa: E402 (after BENCH_LIVE_OUT, read at its import)

LEAD = 2.0  # seconds of publishing before the first arrival: the watchers' baseline
PAYLOAD = 250  # bytes of a chat.message's data, as live_fanout.py
PHONE_HEADERS = (
    "User-Agent: Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36\r\n"
    "Accept-Language: fr\r\n"
    "Accept-Encoding: gzip\r\n"
)
ACCEPT = {
    "page": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
    "style": "text/css,*/*;q=0.1",
    "script": "*/*",
}


# --- load process (worker side: no Django) -------------------------------------------------------

TAG = re.compile(r"<(link|script)\b([^>]*)>", re.IGNORECASE)
ATTR = re.compile(r"""([a-zA-Z_:][-\w:.]*)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
SOCKET_ATTR = re.compile(r'data-socket="([^"]+)"')
SEQ_ATTR = re.compile(r'data-last-seq="(\d*)"')


def page_parts(page: str, page_path: str) -> tuple[str | None, int | None, list[tuple[str, str]]]:
    """(websocket path, last_seq, [(asset path, "style" | "script")]) of a live page, assets in
    document order, each once, same-origin only."""
    assets: list[tuple[str, str]] = []
    seen: set[str] = set()
    for tag, raw in TAG.findall(page):
        attrs = {m[0].lower(): html.unescape(m[1] or m[2] or m[3]) for m in ATTR.findall(raw)}
        if tag.lower() == "script":
            kind, url = "script", attrs.get("src")
        else:
            rels = attrs.get("rel", "").lower().split()
            kind = "style" if "stylesheet" in rels else "script" if "modulepreload" in rels else ""
            url = attrs.get("href")
        if not kind or not url:
            continue
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:  # data:, http(s)://elsewhere, //elsewhere
            continue
        target = urlsplit(urljoin(page_path, url))
        path = target.path + ("?" + target.query if target.query else "")
        if path not in seen:
            seen.add(path)
            assets.append((path, kind))
    socket_match, seq_match = SOCKET_ATTR.search(page), SEQ_ATTR.search(page)
    socket_path = html.unescape(socket_match.group(1)) if socket_match else None
    last_seq = int(seq_match.group(1)) if seq_match and seq_match.group(1) else None
    return socket_path, last_seq, assets


def failure_kind(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, (ConnectionResetError, BrokenPipeError)):
        return "reset"
    if isinstance(exc, asyncio.IncompleteReadError):
        return "closed before the response" if not exc.partial else "closed mid-response"
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, OSError) and exc.errno is not None:
        import errno

        return f"OSError {errno.errorcode.get(exc.errno, exc.errno)}"
    return type(exc).__name__


def status_key(status: int, headers: dict[str, str]) -> str:
    if status == 503:
        return "503 + Retry-After" if "retry-after" in headers else "503 without Retry-After"
    return str(status)


def retry_after_seconds(value: str) -> float:
    """Seconds to wait before a reload, from a Retry-After (seconds or HTTP date), within 0-60."""
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            seconds = 1.0
    return min(60.0, max(0.0, seconds))


class HttpConnection:
    """One keep-alive HTTP/1.1 connection of one client; requests one after the other."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, kind: str, referer: str = "") -> tuple[int, dict[str, str], bytes, int]:
        """(status, headers with lower-case names, body as sent, bytes received)."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nConnection: keep-alive\r\n"
            f"Accept: {ACCEPT[kind]}\r\n{PHONE_HEADERS}"
            + (f"Referer: {referer}\r\n" if referer else "")
            + "\r\n"
        )
        self.writer.write(request.encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head[:-4].decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _sep, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if status in (204, 304) or status < 200:
            body = b""
        elif "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            body = await self._chunked()
        else:  # delimited by the end of the connection
            body = await self.reader.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, body, len(head) + len(body)

    async def _chunked(self) -> bytes:
        assert self.reader is not None
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
            if size == 0:
                await self._trailer()
                return b"".join(parts)
            parts.append((await self.reader.readexactly(size + 2))[:-2])

    async def _trailer(self) -> None:
        assert self.reader is not None
        while await self.reader.readuntil(b"\r\n") != b"\r\n":
            pass

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


class ArrivalLoad:
    """One load process of the wave: its share of arrivals, each on its schedule, then their
    sockets as viewers. The websockets are ``_live_common``'s raw client (``RawSocket``, through
    ``LoadProcess.raw_attempt``), whose per-socket accounting (latency, seq, duplicates) is kept."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.arrivals: list[dict[str, Any]] = config["arrivals"]
        self.timeout = float(config["timeout"])
        # One accounting object per port: the Origin of a page's socket is the page's own.
        self.ws_loads = {
            port: common.LoadProcess({"origin": f"http://127.0.0.1:{port}"}) for port in config["ports"]
        }
        self.page_statuses: Counter[str] = Counter()
        self.asset_statuses: Counter[str] = Counter()
        self.viewers: list[tuple[common.Sock, int, dict[str, Any]]] = []  # (sock, resume from, arrival)
        self.finished = self.loaded = self.in_flight = 0
        self.commands: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    # --- one arrival ----------------------------------------------------------------------------
    async def arrive(self, arrival: dict[str, Any], t0: float) -> None:
        scheduled = t0 + arrival["at"]
        delay = scheduled - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        arrival["late_ms"] = (time.time() - scheduled) * 1000
        self.in_flight += 1
        connections: list[HttpConnection] = []
        try:
            await self.visit(arrival, scheduled, connections)
        except Exception as exc:  # a bug here must not look like a server failure
            arrival["error"] = "client " + type(exc).__name__
        finally:
            for connection in connections:
                connection.close()
            self.in_flight -= 1
            self.finished += 1

    async def visit(
        self, arrival: dict[str, Any], scheduled: float, connections: list[HttpConnection]
    ) -> None:
        port, page_path = arrival["port"], self.config["page_path"]
        page = HttpConnection(port)
        connections.append(page)
        arrival.update(bytes=0, shed=0, assets=0, assets_ok=0)
        for attempt in range(1 + self.config["retry_shed"]):
            sent = time.time()
            try:
                async with asyncio.timeout(self.timeout):
                    status, headers, body, size = await page.get(page_path, "page")
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
                arrival["error"] = "page " + failure_kind(exc)
                return
            now = time.time()
            arrival.update(status=status, page_ms=(now - scheduled) * 1000, page_sent_ms=(now - sent) * 1000)
            arrival["bytes"] += size
            key = status_key(status, headers)
            self.page_statuses[key] += 1
            if status == 503 and "retry-after" in headers:
                arrival["shed"] += 1
                if attempt < self.config["retry_shed"]:
                    await asyncio.sleep(retry_after_seconds(headers["retry-after"]))
                    continue
            break
        if status != 200:
            arrival["error"] = "page " + key
            return
        if headers.get("content-encoding", "").lower() == "gzip":
            body = zlib.decompress(body, 31)
        socket_path, last_seq, assets = page_parts(body.decode("utf-8", "replace"), page_path)
        arrival["assets"] = len(assets)
        # The assets: up to --conns connections (the page's first), sequential on each.
        started = time.time()
        todo = list(assets)
        referer = f"http://127.0.0.1:{port}{page_path}"
        failed: list[tuple[str, str]] = []

        async def lane(connection: HttpConnection) -> None:
            while todo:
                path, kind = todo.pop(0)
                try:
                    status, headers, _body, size = await connection.get(path, kind, referer)
                except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    failed.append((kind, failure_kind(exc)))
                    connection.close()
                    continue
                arrival["bytes"] += size
                key = status_key(status, headers)
                self.asset_statuses[key] += 1
                if status == 200:
                    arrival["assets_ok"] += 1
                else:
                    failed.append((kind, key))
                    arrival["shed"] += status == 503 and "retry-after" in headers

        lanes = [page] + [HttpConnection(port) for _ in range(min(self.config["conns"], len(assets)) - 1)]
        connections.extend(lanes[1:])
        try:
            async with asyncio.timeout(self.timeout):
                await asyncio.gather(*(lane(connection) for connection in lanes))
        except TimeoutError:
            failed.append(("asset", "timeout"))
        now = time.time()
        arrival.update(assets_ms=(now - scheduled) * 1000, assets_own_ms=(now - started) * 1000)
        for connection in lanes:
            connection.close()
        if failed:
            arrival["error"] = "asset " + failed[0][1]
            if any(kind != "style" for kind, _what in failed):
                return  # a module that did not load never opens the socket
        else:
            self.loaded += 1
        if socket_path is None:
            arrival["error"] = "no data-socket in the page"
            return
        # session-socket.js: `${path}?batch=1` and `&last_seq=<data-last-seq>` when the page has one.
        url = f"ws://127.0.0.1:{port}{socket_path}?batch=1"
        if last_seq is not None:
            url += f"&last_seq={last_seq}"
        sock = common.Sock(arrival["i"])
        started = time.time()
        ws, outcome = await self.ws_loads[port].raw_attempt(sock, url, self.timeout)
        if ws is None:
            arrival["error"] = "websocket " + str(outcome)
            return
        now = time.time()
        arrival.update(hello_ms=(now - scheduled) * 1000, hello_own_ms=(now - started) * 1000)
        sock.ws = ws
        resume = last_seq if last_seq is not None else int(outcome["data"].get("last_seq") or 0)
        self.viewers.append((sock, resume, arrival))
        if self.config.get("hold"):
            arrival["held"] = True
            asyncio.get_running_loop().call_later(
                self.config["hold"], lambda: asyncio.ensure_future(ws.close())
            )

    # --- main -----------------------------------------------------------------------------------
    def _stdin_reader(self, loop: asyncio.AbstractEventLoop) -> None:
        for raw in sys.stdin:
            with contextlib.suppress(ValueError):
                loop.call_soon_threadsafe(self.commands.put_nowait, json.loads(raw))
        loop.call_soon_threadsafe(self.commands.put_nowait, {"cmd": "stop"})

    def say(self, message: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    async def main(self) -> None:
        loop = asyncio.get_running_loop()
        threading.Thread(target=self._stdin_reader, args=(loop,), daemon=True).start()
        self.say({"stage": "ready"})
        tasks: list[asyncio.Task[None]] = []
        usage_start = 0.0
        while True:
            command = await self.commands.get()
            if command["cmd"] == "go":
                usage = resource.getrusage(resource.RUSAGE_SELF)
                usage_start = usage.ru_utime + usage.ru_stime
                tasks = [asyncio.create_task(self.arrive(a, command["t0"])) for a in self.arrivals]
            elif command["cmd"] == "status":
                self.say(
                    {
                        "stage": "status",
                        "pending": len(self.arrivals) - self.finished,
                        "finished": self.finished,
                        "loaded": self.loaded,
                        "viewers": len(self.viewers),
                        "in_flight": self.in_flight,
                    }
                )
            elif command["cmd"] == "stop":
                break
        usage = resource.getrusage(resource.RUSAGE_SELF)
        result = self.result(command.get("last_seq"), usage.ru_utime + usage.ru_stime - usage_start)
        Path(self.config["out"]).write_text(json.dumps(result))
        self.say({"stage": "done", "result": self.config["out"]})
        for task in tasks:
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(
                asyncio.gather(*(s.ws.close() for s, _r, _a in self.viewers), return_exceptions=True), 10
            )

    def result(self, last_seq: int | None, cpu: float) -> dict[str, Any]:
        """Every arrival's record, and the arrived viewers' delivery: latency of every event frame,
        and each socket's missing seqs (from the page's last_seq to the last published one)."""
        latencies: array[int] = array("q")
        frames: Counter[str] = Counter()
        missing = sockets_missing = duplicates = out_of_order = dropped = 0
        for load in self.ws_loads.values():
            latencies.extend(load.latencies)
            frames.update(load.frames + Counter(event=load.raw_events))
        for sock, resume, arrival in self.viewers:
            duplicates += sock.dups
            out_of_order += sock.ooo
            if arrival.get("held"):
                continue
            if sock.ws.closed:
                dropped += 1
                arrival["closed"] = sock.ws.close_code
            if last_seq is not None:
                lost = sum(1 for seq in range(resume + 1, last_seq + 1) if seq not in sock.seqs)
                missing += lost
                sockets_missing += bool(lost)
        for arrival in self.arrivals:
            if "late_ms" in arrival and "error" not in arrival and "hello_ms" not in arrival:
                arrival["error"] = "unfinished at the end"
        latency_file = self.config["out"] + ".lat"
        with open(latency_file, "wb") as handle:
            latencies.tofile(handle)
        return {
            "arrivals": self.arrivals,
            "page_statuses": dict(self.page_statuses),
            "asset_statuses": dict(self.asset_statuses),
            "latency_file": latency_file,
            "frames": dict(frames),
            "missing": missing,
            "sockets_missing": sockets_missing,
            "duplicates": duplicates,
            "out_of_order": out_of_order,
            "dropped": dropped,
            "cpu_seconds": cpu,
        }


def worker_entry() -> None:
    common.raise_fd_limit()
    config = json.loads(sys.stdin.readline())
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    asyncio.run(ArrivalLoad(config).main())


# --- orchestration -------------------------------------------------------------------------------


class ArrivalWorker(common.Worker):
    """A load process of the wave (``live_arrivals.py worker``), same JSON-lines protocol."""

    def __init__(
        self, procs: common.Processes, env: dict[str, str], index: int, config: dict[str, Any]
    ) -> None:
        import queue

        self.lines = queue.Queue()
        log = common.OUT / f"arrivals-worker-{index}.log"
        self.proc = procs.start(
            [sys.executable, str(Path(__file__).resolve()), "worker"], env, log,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log.open("wb"),
        )  # fmt: skip
        threading.Thread(target=self._read, daemon=True).start()
        self.send(config)


def publish_until(session_id: int, rate: float, stop: threading.Event, out: dict[str, Any]) -> None:
    """``live_fanout.publish`` in chunks of ~2 s, back to back on one schedule, until ``stop``."""
    from django.db import connection
    from live_fanout import publish

    per_call = max(1, round(rate * 2))
    chunks: list[dict[str, Any]] = []
    try:
        began = next_start = time.perf_counter()
        while not stop.is_set():
            delay = next_start - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            chunks.append(publish(session_id, rate, per_call / rate, PAYLOAD))
            next_start += per_call / rate
        elapsed = time.perf_counter() - began
    except BaseException as exc:  # reported by the main thread
        out["error"] = exc
        return
    finally:
        connection.close()
    links = all(b["first_seq"] == a["last_seq"] + 1 for a, b in itertools.pairwise(chunks))
    events = sum(c["events"] for c in chunks)
    out.update(
        events=events,
        first_seq=chunks[0]["first_seq"],
        last_seq=chunks[-1]["last_seq"],
        contiguous=links and all(c["contiguous"] for c in chunks),
        achieved_rate=(events - 1) / elapsed if elapsed else float("nan"),
        # publish() counts each call's first event late (it is due at the call's start).
        late_sends=max(0, sum(c["late_sends"] for c in chunks) - len(chunks)),
        append_ms_p50=common.pct(sorted(c["append_ms_p50"] for c in chunks), 50),
        append_ms_max=max(c["append_ms_max"] for c in chunks),
    )


def warm_up(ports: list[int], page_path: str) -> list[tuple[str, str]]:
    """One page load (and its assets) per server before the wave, not counted: servers in
    production are warm (templates loaded, static files found). Returns the page's assets."""
    import urllib.request

    assets: list[tuple[str, str]] = []
    for port in ports:
        base = f"http://127.0.0.1:{port}"
        page = urllib.request.urlopen(base + page_path, timeout=60).read().decode()
        assets = page_parts(page, page_path)[2]
        for path, _kind in assets:
            urllib.request.urlopen(base + path, timeout=60).read()
    return assets


def postgres_backends_cpu(database: str) -> dict[int, float]:
    """{pid: utime + stime} of the PostgreSQL backends serving ``database`` (their process title
    names it), so that another database's work on the shared server is not counted."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError):
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                if title.startswith("postgres:") and f" {database} " in title:
                    fields = common._stat_fields(int(entry.name)) or []
                    found[int(entry.name)] = sum(int(v) for v in fields[11:13]) / common.CLK_TCK
    return found


def postgres_cpu_delta(before: dict[int, float], database: str) -> float:
    """CPU of the database's backends since ``before`` (a backend gone since is not counted)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in postgres_backends_cpu(database).items())


def softirq_seconds() -> float:
    """The machine's irq + softirq time (loopback traffic is processed there, in no process's time)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    return (int(fields[5]) + int(fields[6])) / common.CLK_TCK


LISTEN_COUNTERS = ("ListenOverflows", "ListenDrops", "TCPReqQFullDrop")


def listen_counters() -> dict[str, int]:
    """The kernel's TCP listen-queue counters (``/proc/net/netstat``): a full accept queue drops
    handshakes, which clients see as timeouts or, once they sent their request, resets."""
    lines = Path("/proc/net/netstat").read_text().splitlines()
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            found = dict(zip(names.split()[1:], (int(v) for v in values.split()[1:]), strict=False))
            return {k: found.get(k, 0) for k in LISTEN_COUNTERS}
    return {}


def tree_threads(root: int) -> int:
    total = 0
    for pid in common.tree_pids(root):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("Threads:"):
                    total += int(line.split()[1])
    return total


def checkout_state() -> dict[str, Any]:
    """The commit and the uncommitted files the servers ran (others edit the code meanwhile)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=common.ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    return {"head": git("rev-parse", "--short", "HEAD"), "changed": git("status", "--short").splitlines()}


def server_log_causes(kind: str, count: int) -> dict[str, int]:
    """The last line of each traceback in the servers' logs (what the 500s came from), counted."""
    found: Counter[str] = Counter()
    pattern = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Timeout|Exit|Full|Refused)\b.*)$")
    for index in range(count):
        path = common.OUT / f"server-{kind}-{index}.log"
        if not path.exists():
            continue
        for line in path.read_text(errors="replace").splitlines():
            match = pattern.match(line)
            if match:
                found[match.group(1)[:160]] += 1
            elif line.startswith(("Internal Server Error", "Service Unavailable")):
                found[line.split(":", 1)[0]] += 1
    return dict(found.most_common(8))


def machine_busy_over(seconds: float) -> float:
    before = common.machine_cpu()
    time.sleep(seconds)
    after = common.machine_cpu()
    return (after[0] - before[0]) / max(1, after[1] - before[1])


def wait_quiet(limit: float) -> float:
    """The machine's CPU use over 2 s before the run; with ``--wait-quiet`` S, wait up to S s for it
    to fall under 20 % (another bench sharing the 2 cores would be measured too)."""
    busy = machine_busy_over(2)
    deadline = time.time() + limit
    while busy > 0.2 and time.time() < deadline:
        print(f"  the machine is {busy * 100:.0f} % busy: waiting for it to be quiet", file=sys.stderr)
        busy = machine_busy_over(5)
    return busy


def run(options: argparse.Namespace) -> dict[str, Any]:
    from live_fanout import create_session

    env = common.bench_environ()
    env.update(item.split("=", 1) for item in options.server_env)
    common.raise_fd_limit()
    common.django_ready()
    common.redis_forget_bench_keys()
    session_id = create_session()
    page_path = f"/seances/{session_id}/"
    rng = random.Random(options.seed)
    n, window = options.arrivals, options.window
    if options.spacing == "random":
        offsets = sorted(rng.uniform(0, window) for _ in range(n))
    else:
        offsets = [i * window / n for i in range(n)]
    result: dict[str, Any] = {
        "arrivals": n,
        "window": window,
        "spacing": options.spacing,
        "watchers": options.watchers,
        "rate": options.rate,
        "procs": options.procs,
        "servers": options.servers,
        "server": options.server,
        "server_env": dict(item.split("=", 1) for item in options.server_env),
        "conns": options.conns,
        "timeout": options.timeout,
        "hold": options.hold,
        "retry_shed": options.retry_shed,
        "session": session_id,
        "load_before": os.getloadavg(),
        "machine_busy_before": wait_quiet(options.wait_quiet),
        "started_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "checkout": checkout_state(),
    }
    with common.Processes() as procs:
        servers = common.start_servers(procs, options.server, options.servers, env)
        pids, ports = [pid for pid, _port in servers], [port for _pid, port in servers]
        time.sleep(1.0)

        def server_rss() -> float:
            return sum(common.tree_rss_kib(pid) for pid in pids) / 1024

        def server_cpu() -> float:
            return sum(common.tree_cpu_seconds(pid) for pid in pids)

        rss = {"start": server_rss()}
        # The watchers: live_fanout's viewers, on the existing load process.
        watchers: list[common.Worker] = []
        urls = [f"ws://127.0.0.1:{port}/ws/sessions/{session_id}/?batch=1" for port in ports]
        first = 0
        for index, share in enumerate(common.split_evenly(options.watchers, options.watcher_procs)):
            if not share:
                continue
            config = {
                "sockets": [{"url": urls[(first + k) % len(urls)]} for k in range(share)],
                "first_index": first,
                "origin": f"http://127.0.0.1:{ports[0]}",
                "connect_rate": options.connect_rate / options.watcher_procs,
                "max_pending": 20,
                "client": "raw",
                "seed": index,
                "out": str(common.OUT / f"watchers-{index}.json"),
            }
            watchers.append(common.Worker(procs, env, index, config))
            first += share
        lines = [w.expect("connected", options.watchers / options.connect_rate + 120) for w in watchers]
        result["watchers_connected"] = sum(line["connected"] for line in lines)
        result["watcher_connect_errors"] = dict(sum((Counter(line["errors"]) for line in lines), Counter()))
        result["page_assets"] = warm_up(ports, page_path)
        rss["after_watchers"] = server_rss()
        # The wave's load processes: arrival i on port i % K, process i % P.
        workers = []
        for index in range(options.procs):
            mine = [
                {"i": i, "at": offsets[i], "port": ports[i % len(ports)]}
                for i in range(index, n, options.procs)
            ]
            config = {
                "arrivals": mine,
                "ports": ports,
                "page_path": page_path,
                "timeout": options.timeout,
                "conns": options.conns,
                "hold": options.hold,
                "retry_shed": options.retry_shed,
                "out": str(common.OUT / f"arrivals-worker-{index}.json"),
            }
            workers.append(ArrivalWorker(procs, env, index, config))
        for worker in workers:
            worker.expect("ready", 60)
        for worker in watchers:
            worker.send({"cmd": "mark"})
        for worker in watchers:
            worker.expect("marked", 60)
        # The window: events from LEAD s before the first arrival until the last one finished.
        stop, published = threading.Event(), {}
        publisher = threading.Thread(
            target=publish_until, args=(session_id, options.rate, stop, published), daemon=True
        )
        import psycopg

        database = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
        connections_peak: Counter[str] = Counter()
        threads_peak = 0
        cpu_before, redis_before = server_cpu(), common.redis_cpu_seconds()
        database_name = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
        machine_before, pg_before = common.machine_cpu(), postgres_backends_cpu(database_name)
        softirq_before, listen_before = softirq_seconds(), listen_counters()
        load_pids = [w.proc.pid for w in [*workers, *watchers]]
        load_before = sum(common.tree_cpu_seconds(pid) for pid in load_pids)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self_before = usage.ru_utime + usage.ru_stime
        t0 = time.time() + LEAD
        publisher.start()
        for worker in workers:
            worker.send({"cmd": "go", "t0": t0})
        progress, peak, said = [], 0.0, 0.0
        give_up = t0 + window + 3 * options.timeout + 60
        try:
            while True:
                time.sleep(0.5)
                for worker in workers:
                    worker.send({"cmd": "status"})
                statuses = [w.expect("status", 60) for w in workers]
                now = time.time() - t0
                current = server_rss()
                peak = max(peak, current)
                row = {k: sum(s[k] for s in statuses) for k in ("finished", "loaded", "viewers", "in_flight")}
                threads = sum(tree_threads(pid) for pid in pids)
                threads_peak = max(threads_peak, threads)
                # This database's connections by state (the servers' pools, the publisher, this one).
                states = dict(
                    database.execute(
                        "SELECT coalesce(state, '?'), count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid() GROUP BY 1"
                    ).fetchall()
                )
                for state, count in states.items():
                    connections_peak[state] = max(connections_peak[state], count)
                progress.append(
                    {"t": round(now, 2), **row, "server_rss_mib": round(current), "server_threads": threads}
                    | {"pg_" + state: count for state, count in states.items()}
                )
                if now - said >= 5:
                    said = now
                    print(
                        f"  {now:5.1f} s: {row['finished']:,} finished, {row['loaded']:,} loaded, "
                        f"{row['viewers']:,} viewers, {row['in_flight']:,} in flight",
                        file=sys.stderr,
                    )
                if "error" in published:
                    raise published["error"]
                if not sum(s["pending"] for s in statuses):
                    break
                if time.time() > give_up:
                    result["gave_up_waiting"] = True
                    break
        finally:
            stop.set()
        wave_end = time.time()
        publisher.join()
        if "error" in published:
            raise published["error"]
        cpu_wave = server_cpu() - cpu_before
        machine_after, pg_cpu = common.machine_cpu(), postgres_cpu_delta(pg_before, database_name)
        softirq = softirq_seconds() - softirq_before
        load_cpu = sum(common.tree_cpu_seconds(pid) for pid in load_pids) - load_before
        listen = {k: v - listen_before.get(k, 0) for k, v in listen_counters().items()}
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self_cpu = usage.ru_utime + usage.ru_stime - self_before
        database.close()
        redis_cpu = common.redis_cpu_seconds() - redis_before
        rss.update(peak=peak, end=server_rss())
        # Late frames: wait for every watcher's copy of every event (at most --drain s).
        expected = published["events"] * result["watchers_connected"]
        drain_until = time.time() + options.drain
        while watchers and time.time() < drain_until:
            for worker in watchers:
                worker.send({"cmd": "status"})
            if sum(w.expect("status", 60)["bench_frames"] for w in watchers) >= expected:
                break
            time.sleep(0.5)
        for worker in watchers:
            worker.send(
                {"cmd": "stop", "first_seq": published["first_seq"], "last_seq": published["last_seq"]}
            )
        for worker in workers:
            worker.send({"cmd": "stop", "last_seq": published["last_seq"]})
        watcher_parts = [json.loads(Path(w.expect("done", 120)["result"]).read_text()) for w in watchers]
        parts = [json.loads(Path(w.expect("done", 120)["result"]).read_text()) for w in workers]
    result.update(
        t0=t0,
        wave_seconds=wave_end - t0,
        publish=published,
        progress=progress,
        server_rss_mib=rss,
        server_cpu_seconds=cpu_wave,
        server_cpu_ms_per_arrival=cpu_wave / n * 1000,
        redis_cpu_seconds=redis_cpu,
        postgres_cpu_seconds=pg_cpu,
        softirq_seconds=softirq,
        bench_cpu_seconds=self_cpu,
        machine_core_seconds=(machine_after[0] - machine_before[0]) / common.CLK_TCK,
        server_threads_peak=threads_peak,
        pg_connections_peak=dict(connections_peak),
        machine_busy=(machine_after[0] - machine_before[0]) / max(1, machine_after[1] - machine_before[1]),
        load_cpu_seconds=load_cpu,
        listen_queue=listen,
        server_log_causes=server_log_causes(options.server, options.servers),
        records_files=[str(common.OUT / f"arrivals-worker-{index}.json") for index in range(options.procs)],
    )
    result.update(summarise_arrivals(parts, options))
    result.update(summarise_watchers(watcher_parts, published))
    result["goal"] = goal(result, options)
    return result


def ms_list(records: list[dict[str, Any]], key: str, failed_as_never: bool = False) -> list[float]:
    values = [r[key] for r in records if key in r and (not failed_as_never or "error" not in r)]
    if failed_as_never:
        values += [float("inf")] * sum(1 for r in records if key not in r or "error" in r)
    return sorted(values)


def summarise_arrivals(parts: list[dict[str, Any]], options: argparse.Namespace) -> dict[str, Any]:
    records = sorted((a for p in parts for a in p["arrivals"]), key=lambda a: a["i"])
    started = sorted(a["at"] + a["late_ms"] / 1000 for a in records if "late_ms" in a)
    completed = [a for a in records if "hello_ms" in a and "error" not in a]
    loaded = [a for a in records if "assets_ms" in a and "error" not in a]
    page_statuses: Counter[str] = Counter()
    asset_statuses: Counter[str] = Counter()
    frames: Counter[str] = Counter()
    for part in parts:
        page_statuses.update(part["page_statuses"])
        asset_statuses.update(part["asset_statuses"])
        frames.update(part["frames"])
    errors = Counter(a["error"] for a in records if "error" in a)
    page_all = ms_list(records, "page_ms")
    assets_done = ms_list(records, "assets_ms", failed_as_never=True)
    hello = ms_list(records, "hello_ms", failed_as_never=True)
    late = ms_list(records, "late_ms")
    latencies = common.read_latencies([p["latency_file"] for p in parts])
    done_at = sorted((a["at"] * 1000 + a["assets_ms"]) / 1000 for a in loaded)
    buckets = []
    step = options.window / 6
    for k in range(6):
        group = [a for a in records if min(5, int(a["at"] // step)) == k]
        page = ms_list(group, "page_ms")
        done = ms_list(group, "assets_ms", failed_as_never=True)
        statuses = Counter(str(a.get("status", a.get("error", "?"))) for a in group)
        buckets.append(
            {
                "from_s": k * step,
                "to_s": (k + 1) * step,
                "arrivals": len(group),
                "page_p50": common.pct(page, 50),
                "page_p99": common.pct(page, 99),
                "loaded_p99": common.pct(done, 99),
                "statuses": dict(statuses),
            }
        )
    return {
        "arrivals_started": len(started),
        "arrival_rate_achieved": (len(started) - 1) / (started[-1] - started[0])
        if len(started) > 1
        else None,
        "lateness_ms_p99": common.pct(late, 99),
        "lateness_ms_max": late[-1] if late else None,
        "completed": len(completed),
        "loaded": len(loaded),
        "last_loaded_s": done_at[-1] if done_at else None,
        "page_statuses": dict(page_statuses),
        "asset_statuses": dict(asset_statuses),
        "shed_responses": page_statuses["503 + Retry-After"] + asset_statuses["503 + Retry-After"],
        "arrivals_shed": sum(1 for a in records if a.get("shed")),
        "arrivals_shed_finally": sum(1 for a in records if a.get("error", "").endswith("503 + Retry-After")),
        "errors": dict(errors.most_common()),
        "page_ms": {q: common.pct(page_all, q) for q in (50, 90, 99)}
        | {"max": page_all[-1] if page_all else None},
        "page_sent_ms": {q: common.pct(ms_list(records, "page_sent_ms"), q) for q in (50, 99)},
        "loaded_ms": {q: common.pct(assets_done, q) for q in (50, 90, 99)}
        | {"max": assets_done[-1] if assets_done else None},
        "assets_own_ms": {q: common.pct(ms_list(loaded, "assets_own_ms"), q) for q in (50, 99)},
        "hello_ms": {q: common.pct(hello, q) for q in (50, 99)} | {"max": hello[-1] if hello else None},
        "hello_own_ms": {q: common.pct(ms_list(completed, "hello_own_ms"), q) for q in (50, 99)},
        "assets_per_page": max((a["assets"] for a in records if "assets" in a), default=0),
        "bytes_per_loaded_arrival": sum(a["bytes"] for a in loaded) / len(loaded) if loaded else None,
        "timeline": buckets,
        "viewers": {
            "frames_by_type": dict(frames),
            "latency_ms_p50": common.pct(latencies, 50) / 1000,
            "latency_ms_p99": common.pct(latencies, 99) / 1000,
            "latency_ms_max": latencies[-1] / 1000 if latencies else None,
            "missing": sum(p["missing"] for p in parts),
            "sockets_missing": sum(p["sockets_missing"] for p in parts),
            "duplicates": sum(p["duplicates"] for p in parts),
            "out_of_order": sum(p["out_of_order"] for p in parts),
            "dropped": sum(p["dropped"] for p in parts),
        },
    }


def summarise_watchers(parts: list[dict[str, Any]], published: dict[str, Any]) -> dict[str, Any]:
    latencies = common.read_latencies([p["latency_file"] for p in parts])
    connected = sum(p["connected"] for p in parts)
    closed: Counter[str] = Counter()
    for part in parts:
        closed.update(part["closed_during_run"])
    delivered = sum(p["bench_frames"] for p in parts)
    expected = published["events"] * connected
    return {
        "watch": {
            "connected": connected,
            "closed_during_run": dict(closed),
            "delivered": delivered,
            "expected": expected,
            "delivered_ratio": delivered / expected if expected else float("nan"),
            "latency_ms_p50": common.pct(latencies, 50) / 1000,
            "latency_ms_p99": common.pct(latencies, 99) / 1000,
            "latency_ms_max": latencies[-1] / 1000 if latencies else None,
            "missing": sum(p["missing"] for p in parts),
            "viewers_missing_some": sum(p["sockets_missing"] for p in parts),
            "duplicates": sum(p["duplicates"] for p in parts),
            "gaps_seen": sum(p["gaps_seen"] for p in parts),
            "out_of_order": sum(p["out_of_order"] for p in parts),
            "cpu_seconds": sum(p["cpu_seconds"] for p in parts),
        }
    }


def goal(result: dict[str, Any], options: argparse.Namespace) -> dict[str, Any]:
    watch = result["watch"]
    # Every 500: page and asset responses, and websocket handshakes answered 500.
    http_500 = result["page_statuses"].get("500", 0) + result["asset_statuses"].get("500", 0)
    http_500 += result["errors"].get("websocket handshake 500", 0)
    checks = {
        "every arrival loaded the page and its assets and got hello": (
            result["completed"] == result["arrivals"]
        ),
        f"all loaded within the window + {options.slack:g} s": result["loaded"] == result["arrivals"]
        and (result["last_loaded_s"] or 0) <= options.window + options.slack,
        "page + assets p99 < 1 s (from the scheduled arrival; a failure counts as never)": (
            result["loaded_ms"][99] < 1000
        ),
        "no HTTP 500": http_500 == 0,
        f"watchers intact (all connected, 0 missing, 0 duplicates, p99 < {options.delivery_p99_ms:g} ms)": (
            watch["connected"] == options.watchers
            and not watch["closed_during_run"]
            and watch["missing"] == 0
            and watch["duplicates"] == 0
            and watch["latency_ms_p99"] < options.delivery_p99_ms
        ),
    }
    return {"checks": checks, "http_500": http_500, "met": all(checks.values())}


# --- report --------------------------------------------------------------------------------------


def ms(value: float | None, digits: int = 0) -> str:
    if value == float("inf"):
        return "never (failed)"
    return common.fmt(value, digits)


def counts(values: dict[str, int]) -> str:
    return ", ".join(f"{k}: {v:,}" for k, v in sorted(values.items(), key=lambda kv: -kv[1])) or "0"


def report(r: dict[str, Any]) -> str:
    watch, viewers = r["watch"], r["viewers"]
    pub = r["publish"]
    asked = r["arrivals"] / r["window"]
    lines = [
        f"{r['arrivals']:,} arrivals over {r['window']:g} s ({r['spacing']}), {r['watchers']:,} watchers, "
        f"{r['rate']:g} events/s, {r['servers']} × {r['server']}, {r['procs']} load processes, "
        f"assets over up to {r['conns']} connections per client "
        f"(everything shares this machine's {os.cpu_count()} cores)",
    ]
    checkout = r["checkout"]
    lines.append(
        f"checkout {checkout['head']}, {len(checkout['changed'])} files changed or new in the work tree"
    )
    if r["server_env"]:
        lines.append("server environment: " + " ".join(f"{k}={v}" for k, v in r["server_env"].items()))
    if r["machine_busy_before"] > 0.2:
        lines.append(
            f"**the machine was {r['machine_busy_before'] * 100:.0f} % busy just before the run: other work "
            "shared its cores** (see 'other work' below)"
        )
    others = cpu_split(r)[-1] / max(0.001, r["wave_seconds"] * (os.cpu_count() or 1))
    if others > 0.1:
        lines.append(
            f"**other work took {others * 100:.0f} % of the machine during the wave** ('other "
            "work' below: another bench or test run): the figures are pessimistic"
        )
    if r.get("gave_up_waiting"):
        lines.append("**gave up waiting for the last arrivals** (see errors)")
    page, loaded, hello = r["page_ms"], r["loaded_ms"], r["hello_ms"]
    rows = [
        ["measure", "value"],
        ["arrivals scheduled / started / completed (page + assets + hello)",
         f"{r['arrivals']:,} / {r['arrivals_started']:,} / {r['completed']:,}"],
        ["arrival rate asked / achieved (/s)", f"{asked:.1f} / {common.fmt(r['arrival_rate_achieved'])}"],
        ["load processes' lateness p99 / max (ms)",
         f"{ms(r['lateness_ms_p99'])} / {ms(r['lateness_ms_max'])}"],
        ["page statuses (every response)", counts(r["page_statuses"])],
        ["page from scheduled arrival p50 / p90 / p99 / max (ms)",
         " / ".join(ms(page[q]) for q in (50, 90, 99, "max"))],
        ["page from its send p50 / p99 (ms)", " / ".join(ms(r["page_sent_ms"][q]) for q in (50, 99))],
        [f"assets per page / statuses ({r['assets_per_page']} each)", counts(r["asset_statuses"])],
        ["page + assets loaded, from arrival p50 / p90 / p99 / max (ms)",
         " / ".join(ms(loaded[q]) for q in (50, 90, 99, "max"))],
        ["assets alone p50 / p99 (ms)", " / ".join(ms(r["assets_own_ms"][q]) for q in (50, 99))],
        ["last page + assets loaded (s after the wave began)", common.fmt(r["last_loaded_s"])],
        ["bytes per loaded arrival (on the wire)", common.fmt(r["bytes_per_loaded_arrival"], 0)],
        ["hello from arrival p50 / p99 / max (ms)", " / ".join(ms(hello[q]) for q in (50, 99, "max"))],
        ["hello from the websocket's connect p50 / p99 (ms)",
         " / ".join(ms(r["hello_own_ms"][q]) for q in (50, 99))],
        ["shed: 503 + Retry-After responses / arrivals shed / finally shed",
         f"{r['shed_responses']:,} / {r['arrivals_shed']:,} / {r['arrivals_shed_finally']:,}"],
        ["arrivals failed, by kind", counts(r["errors"])],
        ["watchers connected / closed during the run",
         f"{watch['connected']:,} / {counts(watch['closed_during_run'])}"],
        ["events published / achieved rate (/s) / late sends",
         f"{pub['events']:,} / {pub['achieved_rate']:.2f} / {pub['late_sends']}"],
        ["event_append p50 / max (ms)", f"{pub['append_ms_p50']:.1f} / {pub['append_ms_max']:.1f}"],
        ["watchers' delivery p50 / p99 / max (ms)",
         " / ".join(ms(watch[f"latency_ms_{q}"], 1) for q in ("p50", "p99", "max"))],
        ["watchers' delivered ratio / missing (viewers) / duplicates / gaps / out of order",
         f"{watch['delivered_ratio']:.4f} / {watch['missing']:,} ({watch['viewers_missing_some']:,}) / "
         f"{watch['duplicates']} / {watch['gaps_seen']} / {watch['out_of_order']}"],
        ["arrived viewers' delivery p50 / p99 / max (ms; replay after the page included)",
         " / ".join(ms(viewers[f"latency_ms_{q}"], 1) for q in ("p50", "p99", "max"))],
        ["arrived viewers: missing (viewers) / duplicates / dropped",
         f"{viewers['missing']:,} ({viewers['sockets_missing']:,}) / {viewers['duplicates']} / "
         f"{viewers['dropped']}"],
        ["arrived viewers' frames by type", counts(viewers["frames_by_type"])],
        ["server CPU in the wave (s) / per arrival (ms)",
         f"{r['server_cpu_seconds']:.1f} / {r['server_cpu_ms_per_arrival']:.1f}"],
        ["server RSS start / with watchers / peak / end (MiB)",
         " / ".join(f"{r['server_rss_mib'][k]:,.0f}" for k in ("start", "after_watchers", "peak", "end"))],
        ["machine CPU busy in the wave", f"{r['machine_busy'] * 100:.0f} %"],
        ["CPU (s): servers / PostgreSQL (bench database) / Redis / load processes / publisher / irq+softirq "
         "/ other work",
         " / ".join(f"{v:.1f}" for v in cpu_split(r))],
        ["kernel: listen queue overflows / drops / request-queue-full drops",
         " / ".join(f"{r['listen_queue'].get(k, 0):,}" for k in LISTEN_COUNTERS)],
        ["server threads peak / PostgreSQL connections peak by state",
         f"{r['server_threads_peak']} / {counts(r['pg_connections_peak'])}"],
        ["wave: first arrival → last one finished (s)", f"{r['wave_seconds']:.1f}"],
        ["errors in the server logs (last line of each traceback)", counts(r["server_log_causes"])],
    ]  # fmt: skip
    lines += ["", common.table(rows), "", "By arrival time:"]
    rows = [["arrivals in (s)", "arrivals", "page p50 (ms)", "page p99 (ms)", "loaded p99 (ms)", "outcomes"]]
    for b in r["timeline"]:
        rows.append(
            [f"{b['from_s']:.3g}–{b['to_s']:.3g}", f"{b['arrivals']:,}", ms(b["page_p50"]), ms(b["page_p99"]),
             ms(b["loaded_p99"]), counts(b["statuses"])]
        )  # fmt: skip
    lines.append(common.table(rows))
    lines += ["", f"Goal: **{'met' if r['goal']['met'] else 'not met'}**"]
    lines += [f"- {'met' if ok else 'NOT met'}: {label}" for label, ok in r["goal"]["checks"].items()]
    return "\n".join(lines)


def cpu_split(r: dict[str, Any]) -> list[float]:
    """Core-seconds during the wave (load processes: their whole active time, roughly the same)."""
    known = [
        r["server_cpu_seconds"],
        r["postgres_cpu_seconds"],
        r["redis_cpu_seconds"],
        r["load_cpu_seconds"],
        r["bench_cpu_seconds"],
        r["softirq_seconds"],
    ]
    return [*known, r["machine_core_seconds"] - sum(known)]


def json_safe(value: Any) -> Any:
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arrivals", type=int, default=10000, help="distinct clients in the wave")
    parser.add_argument("--window", type=float, default=60.0, help="seconds over which they arrive")
    parser.add_argument("--spacing", choices=["random", "even"], default="random", help="arrival times")
    parser.add_argument("--watchers", type=int, default=500, help="viewers connected before the wave")
    parser.add_argument("--rate", type=float, default=5.0, help="chat events per second")
    parser.add_argument("--procs", type=int, default=3, help="load processes of the wave")
    parser.add_argument("--watcher-procs", type=int, default=1, help="load processes of the watchers")
    parser.add_argument("--servers", type=int, default=2, help="server processes")
    parser.add_argument("--server", choices=["daphne", "uvicorn"], default="uvicorn")
    parser.add_argument(
        "--server-env", action="append", default=[], metavar="NAME=VALUE", help="extra server environment"
    )
    parser.add_argument("--conns", type=int, default=6, help="connections per client for the assets")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds for the page, the assets, hello")
    parser.add_argument("--hold", type=float, default=0.0, help="close each socket after S s (0: keep)")
    parser.add_argument(
        "--retry-shed", type=int, nargs="?", const=3, default=0, metavar="N",
        help="reload after a 503's Retry-After, up to N times (3 if no N)",
    )  # fmt: skip
    parser.add_argument("--connect-rate", type=float, default=100.0, help="watchers' sockets per second")
    parser.add_argument("--drain", type=float, default=15.0, help="seconds to wait for late frames")
    parser.add_argument("--slack", type=float, default=5.0, help="seconds after the window for the goal")
    parser.add_argument("--delivery-p99-ms", type=float, default=1000.0, help="watchers' p99 for the goal")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--wait-quiet", type=float, default=0.0, metavar="S",
        help="wait up to S s for the machine to be under 20 %% busy before starting",
    )  # fmt: skip
    parser.add_argument("--json", help="also write the results to this file")
    options = parser.parse_args()
    common.sigterm_as_interrupt()
    result = run(options)
    text = report(result)
    print(text)
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    stem = REPORT_DIR / f"arrivals-{options.arrivals}-{time.strftime('%Y%m%d-%H%M%S')}"
    payload = json.dumps(json_safe(result), indent=2)
    stem.with_suffix(".json").write_text(payload)
    stem.with_suffix(".md").write_text(text + "\n")
    if options.json:
        Path(options.json).write_text(payload)
    print(f"\nreport: {stem}.md, figures: {stem}.json", file=sys.stderr)


if __name__ == "__main__" and sys.argv[1:] == ["worker"]:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the bench stops its load processes itself
    worker_entry()
elif __name__ == "__main__":
    main()
