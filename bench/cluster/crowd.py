"""The harness's load process (no Django): a crowd of live-session viewers, and a chat writer.

Run as ``python bench/cluster/crowd.py``; it talks to the harness over stdin/stdout, one JSON object
per line (``CrowdProcess`` on the harness's side).

Each viewer is one websocket through nginx to ``/ws/sessions/<id>/?batch=1``, with
``_live_common``'s raw client (an ``asyncio.Protocol`` per socket, bench events read from the
bytes). A viewer behaves as the live page (``live-socket.js`` + ``session-socket.js``):

- it resumes with ``&last_seq=<the last seq it applied>`` (the first connection has none: it starts
  from its hello's ``last_seq``);
- after a close with 4401/4403/4404 it stops; after 4008/4503 it comes back "at once" (within
  250 ms); after anything else (a reset, 1006, 1012, a refused or failed handshake) it waits the
  page's "equal jitter" backoff: half of min(30 s, 1 s × 2^attempt) plus a random share of the other
  half, the attempt count reset by a hello.

Accounting, strict as a page applying events in order: an event with the seq after the last one is
received; a seq at or below it is a duplicate; a seq further on means the events in between are
missing (the server never sends a socket its events out of order: a gap it sees is filled first).
At the end of a window, every seq up to the window's last is expected by every viewer.

Commands: ``status``, ``mark`` (a new window: counters from 0), ``fault`` (the time the harness
injected a fault: recovery times count from it), ``window`` (wait until every viewer has the window's
last seq, then report), ``chat`` (start or stop the writer), ``stop``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _live_common as common

STOP_CODES = (4401, 4403, 4404)
AT_ONCE_CODES = (4008, 4503)
AT_ONCE_S = 0.25
BASE_DELAY_S, MAX_DELAY_S = 1.0, 30.0


class Viewer:
    __slots__ = (
        "attempt",
        "back_at",
        "caught_at",
        "closes",
        "count",
        "dups",
        "greeted",
        "history",
        "index",
        "last",
        "lost_at",
        "missing",
        "received",
        "reconnects",
        "start",
        "stopped",
        "target",
        "ws",
    )

    def __init__(self, index: int) -> None:
        self.index = index
        self.ws: Any = None
        self.greeted = False  # a hello came: the next connection resumes
        self.last = 0  # the last seq applied
        self.start = 0  # the window's starting point
        self.received = self.dups = self.missing = 0
        self.count: int | None = None  # the viewer count it was last told
        self.attempt = 0
        self.stopped = False
        self.reconnects = 0
        self.closes: Counter[str] = Counter()
        # In the window: when it lost its socket (first time), came back (hello) and caught up (applied
        # the seq its resuming hello announced); ``target`` is that seq while it catches up.
        self.lost_at = self.back_at = self.caught_at = 0.0
        self.target = 0
        self.history: list[list[float]] = []  # [lost, back, caught] of every loss in the window

    @property
    def up(self) -> bool:
        return self.ws is not None and not self.ws.closed


class Crowd:
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.url = config["url"]
        self.origin = config["origin"]
        first = int(config.get("first_index", 0))
        self.viewers = [Viewer(first + n) for n in range(int(config["viewers"]))]
        self.errors: Counter[str] = Counter()  # failed connection attempts, by kind
        self.frames: Counter[str] = Counter()  # other frames, by type
        self.attempted = 0
        self.commands: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.stopping = False
        self.fault_at = 0.0
        self.slots = asyncio.Semaphore(int(config.get("max_pending", 50)))
        self.chat_task: asyncio.Task[None] | None = None
        self.chat_stats: Counter[str] = Counter()
        self.chat_ms: list[float] = []
        self.chat_inflight = 0

    # --- receiving (called by RawSocket) ------------------------------------------------------
    def on_raw(self, viewer: Viewer, payload: bytes, now: int) -> None:
        try:
            if payload.startswith(common.EVENT_HEAD):
                parsed = common._chat_event(payload, len(common.EVENT_HEAD), len(payload))
                if parsed is not None:
                    self.apply(viewer, parsed[0], now)
                    return
            elif payload.startswith(common.BATCH_HEAD) and payload.endswith(b"]}"):
                parts = payload[len(common.BATCH_HEAD) : -2].split(common.INNER_SPLIT)
                if parts[0].startswith(common.EVENT_HEAD):
                    found = [common._chat_event(parts[0], len(common.EVENT_HEAD), len(parts[0]))]
                    found += [common._chat_event(part, 0, len(part)) for part in parts[1:]]
                    if None not in found:
                        for seq, _stamp in found:  # type: ignore[misc]
                            self.apply(viewer, seq, now)
                        return
        except ValueError:
            pass
        self.on_text(viewer, json.loads(payload), now)

    def on_text(self, viewer: Viewer, frame: dict[str, Any], now: int) -> None:
        kind = frame.get("type")
        if kind == "batch":
            for inner in frame.get("frames") or []:
                self.on_text(viewer, inner, now)
            return
        self.frames[str(kind)] += 1
        if kind == "event" and isinstance(frame.get("seq"), int):
            self.apply(viewer, frame["seq"], now)
        elif kind == "presence":
            viewer.count = int(frame["viewer_count"])
        elif kind == "reset":  # the page would reload: more missed than the server replays
            self.errors["reset frame"] += 1

    def apply(self, viewer: Viewer, seq: int, now: int) -> None:
        if seq <= viewer.last:
            viewer.dups += 1
            return
        if seq > viewer.last + 1:
            viewer.missing += seq - viewer.last - 1
        viewer.received += 1
        viewer.last = seq
        if viewer.target and seq >= viewer.target:
            viewer.target = 0
            viewer.caught_at = now / 1e9
            if viewer.history:
                viewer.history[-1][2] = viewer.caught_at

    # --- connecting, as the page does -------------------------------------------------------------
    async def attempt(self, viewer: Viewer) -> tuple[Any, Any]:
        url = self.url
        if viewer.greeted:
            url += ("&" if "?" in url else "?") + f"last_seq={viewer.last}"
        host, port, request, accept = common.ws_request(url, self.origin)
        made: list[common.RawSocket] = []

        def factory() -> common.RawSocket:
            made.append(common.RawSocket(self, viewer, request, accept))  # type: ignore[arg-type]
            return made[0]

        try:
            async with self.slots, asyncio.timeout(float(self.config.get("attempt_timeout", 30))):
                await asyncio.get_running_loop().create_connection(factory, host, port)
                outcome = await made[0].ready
        except TimeoutError:
            if made:
                made[0].abort()
            return None, "timeout"
        except OSError as exc:
            return None, common.raw_error_kind(exc)
        if isinstance(outcome, str):
            made[0].abort()
            return None, outcome
        return made[0], outcome

    def delay(self, viewer: Viewer, code: int | None) -> float:
        if code in AT_ONCE_CODES:
            viewer.attempt = 0
            return random.random() * AT_ONCE_S
        ceiling = min(MAX_DELAY_S, BASE_DELAY_S * 2**viewer.attempt)
        viewer.attempt += 1
        return ceiling / 2 + random.random() * ceiling / 2

    async def run_viewer(self, viewer: Viewer) -> None:
        first = True
        code: int | None = None
        while not self.stopping:
            if not first:
                await asyncio.sleep(self.delay(viewer, code))
                if self.stopping:
                    return
            ws, outcome = await self.attempt(viewer)
            if first:
                self.attempted += 1
            first = False
            if ws is None:
                self.errors[str(outcome)] += 1
                code = None
                continue
            self.hello(viewer, ws, outcome)
            await ws.lost
            code = ws.close_code
            viewer.closes[str(code)] += 1
            if self.stopping:
                return
            lost_at = time.time()
            viewer.history.append([lost_at, 0.0, 0.0])
            if not viewer.lost_at:
                viewer.lost_at = lost_at
            if code in STOP_CODES:
                viewer.stopped = True
                return

    def hello(self, viewer: Viewer, ws: Any, hello: dict[str, Any]) -> None:
        data = hello.get("data") or {}
        seq = int(data.get("last_seq") or 0)
        viewer.attempt = 0
        if "viewer_count" in data:
            viewer.count = int(data["viewer_count"])
        if not viewer.greeted:
            viewer.greeted = True
            viewer.last = viewer.start = seq
        else:
            viewer.reconnects += 1
            viewer.back_at = time.time()
            if viewer.history:
                viewer.history[-1][1] = viewer.back_at
            if viewer.last >= seq:
                viewer.caught_at, viewer.target = viewer.back_at, 0
                if viewer.history:
                    viewer.history[-1][2] = viewer.caught_at
            else:
                viewer.target = seq  # the replay that follows brings it there
        viewer.ws = ws

    # --- the chat writer ----------------------------------------------------------------------
    async def chat(self, rate: float) -> None:
        import aiohttp

        chat = self.config["chat"]
        tokens = chat["tokens"]
        url = f"{chat['api']}/api/v1/sessions/{chat['session']}/chat/"
        limit = asyncio.Semaphore(64)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:

            async def post(n: int) -> None:
                async with limit:
                    self.chat_inflight += 1
                    started = time.perf_counter()
                    try:
                        async with http.post(
                            url,
                            json={"text": f"Message {n} du banc d'essai"},
                            headers={
                                "Authorization": f"Bearer {tokens[n % len(tokens)]}",
                                "Origin": self.origin,
                            },
                        ) as reply:
                            await reply.read()
                            self.chat_stats[str(reply.status)] += 1
                    except Exception as exc:
                        self.chat_stats[type(exc).__name__] += 1
                    finally:
                        self.chat_inflight -= 1
                        self.chat_ms.append((time.perf_counter() - started) * 1000)

            tasks: set[asyncio.Task[None]] = set()
            t0, n = time.perf_counter(), 0
            try:
                while True:
                    await asyncio.sleep(max(0.0, t0 + n / rate - time.perf_counter()))
                    task = asyncio.create_task(post(n))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                    n += 1
            except asyncio.CancelledError:
                if tasks:
                    await asyncio.gather(*tasks, return_exceptions=True)
                raise

    # --- commands -----------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        viewers = self.viewers
        return {
            "viewers": len(viewers),
            "up": sum(1 for v in viewers if v.up),
            "stopped": sum(1 for v in viewers if v.stopped),
            "catching_up": sum(1 for v in viewers if v.target),
            "lost": sum(1 for v in viewers if v.lost_at),
            "closes": sum(v.closes.total() for v in viewers),
            "min_last": min((v.last for v in viewers), default=0),
            "max_last": max((v.last for v in viewers), default=0),
            "counts": dict(Counter(str(v.count) for v in viewers if v.up).most_common(5)),
            "chat": dict(self.chat_stats),
            "chat_inflight": self.chat_inflight,
        }

    def mark(self) -> None:
        self.fault_at = 0.0
        self.errors.clear()
        self.frames.clear()
        self.chat_stats.clear()
        self.chat_ms.clear()
        for viewer in self.viewers:
            viewer.start = viewer.last
            viewer.received = viewer.dups = viewer.missing = viewer.reconnects = 0
            viewer.lost_at = viewer.back_at = viewer.caught_at = 0.0
            viewer.target = 0
            viewer.closes.clear()
            viewer.history = []

    async def window(self, last_seq: int, timeout: float) -> dict[str, Any]:
        """Wait (at most ``timeout`` s) until every viewer applied ``last_seq``; the window's figures."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(v.last < last_seq for v in self.viewers if not v.stopped):
            await asyncio.sleep(0.1)
        viewers = self.viewers
        received = sorted(v.received for v in viewers)
        lost = [v for v in viewers if v.lost_at]
        t0 = self.fault_at or min((v.lost_at for v in lost), default=0.0)
        back = sorted(v.back_at - t0 for v in lost if v.back_at)
        caught = sorted(v.caught_at - t0 for v in lost if v.caught_at)
        closes: Counter[str] = Counter()
        for viewer in viewers:
            closes.update(viewer.closes)
        return {
            "viewers": len(viewers),
            "up": sum(1 for v in viewers if v.up),
            "expected_per_viewer": [last_seq - v.start for v in viewers],
            "received_min": received[0] if received else 0,
            "received_median": statistics.median(received) if received else 0,
            "received_max": received[-1] if received else 0,
            # Gaps seen, and what never came: every seq up to last_seq is due to every viewer.
            "missing": sum(v.missing + max(0, last_seq - v.last) for v in viewers),
            "viewers_missing": sum(1 for v in viewers if v.missing or v.last < last_seq),
            "duplicates": sum(v.dups for v in viewers),
            "viewers_lost": len(lost),
            "viewers_back": len(back),
            "reconnects": sum(v.reconnects for v in viewers),
            "back_s": back,
            "caught_s": caught,
            "closes": dict(closes),
            "errors": dict(self.errors),
            "frames": dict(self.frames),
            "counts_seen": dict(Counter(str(v.count) for v in viewers)),
            "chat": dict(self.chat_stats),
            "chat_ms": sorted(self.chat_ms),
            "losses": [entry for v in viewers for entry in v.history],
        }

    def _stdin_reader(self, loop: asyncio.AbstractEventLoop) -> None:
        for raw in sys.stdin:
            with contextlib.suppress(ValueError):
                loop.call_soon_threadsafe(self.commands.put_nowait, json.loads(raw))
        loop.call_soon_threadsafe(self.commands.put_nowait, {"cmd": "stop"})

    @staticmethod
    def say(message: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    async def main(self) -> None:
        loop = asyncio.get_running_loop()
        threading.Thread(target=self._stdin_reader, args=(loop,), daemon=True).start()
        tasks = []
        rate = float(self.config.get("connect_rate", 200))
        started = time.perf_counter()
        for n, viewer in enumerate(self.viewers):
            await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(self.run_viewer(viewer)))
        while self.attempted < len(self.viewers):
            await asyncio.sleep(0.05)
        self.say({"stage": "connected", "seconds": time.perf_counter() - started, **self.status()})
        while True:
            command = await self.commands.get()
            name = command["cmd"]
            if name == "status":
                self.say({"stage": "status", **self.status()})
            elif name == "mark":
                self.mark()
                self.say({"stage": "marked"})
            elif name == "fault":
                self.fault_at = float(command["t0"])
                self.say({"stage": "faulted"})
            elif name == "chat":
                if self.chat_task is not None:
                    self.chat_task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await self.chat_task
                    self.chat_task = None
                if command.get("rate"):
                    self.chat_task = asyncio.create_task(self.chat(float(command["rate"])))
                self.say({"stage": "chat", **self.status()})
            elif name == "window":
                result = await self.window(int(command["last_seq"]), float(command.get("timeout", 60)))
                self.say({"stage": "window", **result})
            elif name == "stop":
                break
        self.stopping = True
        if self.chat_task is not None:
            self.chat_task.cancel()
        await asyncio.gather(*(v.ws.close() for v in self.viewers if v.up), return_exceptions=True)
        for task in tasks:
            task.cancel()
        self.say({"stage": "stopped"})


def main() -> None:
    common.raise_fd_limit()
    config = json.loads(sys.stdin.readline())
    random.seed(config.get("seed", 0))
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    asyncio.run(Crowd(config).main())


if __name__ == "__main__":
    main()
