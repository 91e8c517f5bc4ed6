"""The scenarios of the scale-out harness, run against a started ``stack.Stack`` and a crowd.

A scenario is one accounting window: chat flows (``chat_rate`` messages per second, posted over
REST through nginx, each one a ``chat.message`` event in the session's log), the fault is injected,
the harness waits until every viewer is back and caught up, chat flows a little longer, then stops;
the window ends at the session's last seq read from the database, which every viewer must have
applied exactly once. Meanwhile the viewer count the hub reports (``GET /api/v1/sessions/<id>/``
through nginx) is sampled against the viewers actually connected.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench._live_common import JsonLinesChild
from bench.cluster.stack import ROOT, Stack

CROWD = Path(__file__).resolve().parent / "crowd.py"


class CrowdProcess(JsonLinesChild):
    """One load process (``crowd.py``), JSON lines over its stdin and stdout."""

    def __init__(self, out: Path, env: dict[str, str], index: int, config: dict[str, Any]) -> None:
        self.log = out / f"crowd-{index}.log"
        self.proc = subprocess.Popen(
            [sys.executable, str(CROWD)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log.open("wb"),
            start_new_session=True,
        )
        self.listen(config)

    def no_stage(self, stage: str, timeout: float) -> str:
        return f"crowd process: no '{stage}' within {timeout:.0f} s; see {self.log}"

    def exited(self) -> str:
        return f"the crowd process exited; see {self.log}:\n{self.log.read_text()[-3000:]}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                self.send({"cmd": "stop"})
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return values[min(len(values) - 1, max(0, round(q / 100 * len(values) + 0.5) - 1))]


class Harness:
    """The crowds of one session behind ``stack``'s nginx, and the scenarios run against them."""

    def __init__(
        self,
        stack: Stack,
        *,
        session_id: int,
        viewers: int,
        tokens: list[str],
        last_seq: Callable[[], int],
        procs: int = 1,
        connect_rate: float = 200.0,
        chat_rate: float = 4.0,
    ) -> None:
        self.stack, self.session_id, self.viewers = stack, session_id, viewers
        self.token, self.last_seq, self.chat_rate = tokens[0], last_seq, chat_rate
        shares = [viewers // procs + (1 if n < viewers % procs else 0) for n in range(procs)]
        self.crowds: list[CrowdProcess] = []
        self.lock = threading.Lock()
        first = 0
        for index, share in enumerate(shares):
            config = {
                "url": f"{stack.ws_origin}/ws/sessions/{session_id}/?batch=1",
                "origin": stack.origin,
                "viewers": share,
                "first_index": first,
                "connect_rate": connect_rate / procs,
                "seed": index,
                "chat": {"api": stack.origin, "session": session_id, "tokens": tokens},
            }
            self.crowds.append(CrowdProcess(stack.out, stack.env, index, config))
            first += share
        self.connect_seconds = max(
            c.expect("connected", viewers / connect_rate + 120)["seconds"] for c in self.crowds
        )

    # --- readings -------------------------------------------------------------------------------
    def ask(self, command: dict[str, Any], stage: str, timeout: float = 60) -> list[dict[str, Any]]:
        with self.lock:  # the sampler thread asks too
            for crowd in self.crowds:
                crowd.send(command)
            return [crowd.expect(stage, timeout) for crowd in self.crowds]

    def status(self) -> dict[str, Any]:
        parts = self.ask({"cmd": "status"}, "status")
        keys = ("up", "stopped", "catching_up", "lost", "closes")
        merged: dict[str, Any] = {key: sum(p[key] for p in parts) for key in keys}
        merged["min_last"] = min(p["min_last"] for p in parts)
        merged["chat_inflight"] = sum(p["chat_inflight"] for p in parts)
        counts: Counter[str] = Counter()
        for part in parts:
            counts.update(part["counts"])
        merged["counts"] = dict(counts)
        return merged

    def reported_count(self) -> int | None:
        """The viewer count the hub reports (REST, through nginx; signed in, so never a cached page)."""
        request = urllib.request.Request(
            f"{self.stack.origin}/api/v1/sessions/{self.session_id}/",
            headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return int(json.loads(reply.read())["viewer_count"])
        except (OSError, ValueError, KeyError):
            return None

    # --- a scenario -----------------------------------------------------------------------------
    def scenario(
        self,
        name: str,
        fault: Callable[[Callable[[str], None]], dict[str, Any]],
        *,
        after: Callable[[], None] | None = None,
        warmup: float = 3.0,
        tail: float = 3.0,
        timeout: float = 180.0,
    ) -> dict[str, Any]:
        """Chat flows, ``fault(step)`` runs (it calls ``step(label)`` at each of its faults), every
        viewer comes back and catches up, then ``after()`` runs (the killed node is started again);
        the window's accounting and the viewer count."""
        self.ask({"cmd": "mark"}, "marked")
        samples: list[tuple[float, int | None, int]] = []  # (time, reported, connected)
        stop_sampling = threading.Event()

        def sample() -> None:
            while not stop_sampling.is_set():
                reported = self.reported_count()
                connected = self.status()["up"]
                samples.append((time.time(), reported, connected))
                stop_sampling.wait(0.5)

        self.ask({"cmd": "chat", "rate": self.chat_rate}, "chat")
        time.sleep(warmup)
        sampler = threading.Thread(target=sample, daemon=True)
        lock = threading.Lock()
        steps: list[dict[str, Any]] = []

        def step(label: str) -> None:
            with lock:
                steps.append({"label": label, "t0": time.time()})

        closes = self.status()["closes"]
        t0 = time.time()
        self.ask({"cmd": "fault", "t0": t0}, "faulted")
        sampler.start()
        try:
            details = fault(step)
            recovered = self.wait_recovered(t0, timeout, closes)
            if "recovered_s" in details:  # measured by the fault itself (one figure per step)
                recovered = details["recovered_s"]
            if after is not None:
                after()
            time.sleep(tail)
        finally:
            self.ask({"cmd": "chat", "rate": 0}, "chat", timeout=120)
        last_seq = self.last_seq()
        window = self.ask({"cmd": "window", "last_seq": last_seq, "timeout": 60}, "window", timeout=120)
        settled = self.wait_count_settled(timeout=60)
        stop_sampling.set()
        sampler.join()
        return self.summary(name, t0, last_seq, window, recovered, settled, samples, details, steps)

    def wait_recovered(self, t0: float, timeout: float, closes: int | None = None) -> float | None:
        """Seconds from ``t0`` until every viewer is connected and caught up (None: not within
        ``timeout``); ``closes``: the sockets lost in the window before the fault. A fault no viewer
        noticed within 10 s took 0 s to recover from."""
        deadline = time.monotonic() + timeout
        noticed = False
        while time.monotonic() < deadline:
            status = self.status()
            closes = status["closes"] if closes is None else closes
            if status["up"] < self.viewers or status["catching_up"] or status["closes"] > closes:
                noticed = True
            if status["up"] == self.viewers and not status["catching_up"]:
                if noticed:
                    return time.time() - t0
                if time.time() - t0 > 10:
                    return 0.0  # no viewer lost its socket (a node that held none)
            time.sleep(0.1)
        return None

    def wait_count_settled(self, timeout: float) -> dict[str, Any]:
        """Until the hub reports every connected viewer, and every viewer was told that count."""
        started = time.monotonic()
        status: dict[str, Any] = {}
        reported = None
        while time.monotonic() - started < timeout:
            status, reported = self.status(), self.reported_count()
            if reported == status["up"] == self.viewers and status["counts"] == {
                str(self.viewers): self.viewers
            }:
                break
            time.sleep(0.5)
        return {"reported": reported, "connected": status.get("up"), "told": status.get("counts")}

    def summary(
        self,
        name: str,
        t0: float,
        last_seq: int,
        window: list[dict[str, Any]],
        recovered: float | None,
        settled: dict[str, Any],
        samples: list[tuple[float, int | None, int]],
        details: dict[str, Any],
        steps: list[dict[str, Any]],
    ) -> dict[str, Any]:
        expected = [n for part in window for n in part["expected_per_viewer"]]
        back = sorted(v for part in window for v in part["back_s"])
        caught = sorted(v for part in window for v in part["caught_s"])
        chat: Counter[str] = Counter()
        closes: Counter[str] = Counter()
        errors: Counter[str] = Counter()
        for part in window:
            chat.update(part["chat"])
            closes.update(part["closes"])
            errors.update(part["errors"])
        wrong = [(at - t0, r, c) for at, r, c in samples if r != c]
        right_since = None  # from then on every sample was right
        for at, reported, connected in samples:
            if reported == connected == self.viewers:
                right_since = at - t0 if right_since is None else right_since
            else:
                right_since = None
        return {
            "scenario": name,
            "viewers": self.viewers,
            "events": max(expected, default=0),
            "expected_min": min(expected, default=0),
            "received_min": min(p["received_min"] for p in window),
            "received_max": max(p["received_max"] for p in window),
            "missing": sum(p["missing"] for p in window),
            "viewers_missing": sum(p["viewers_missing"] for p in window),
            "duplicates": sum(p["duplicates"] for p in window),
            "viewers_lost": sum(p["viewers_lost"] for p in window),
            "reconnects": sum(p["reconnects"] for p in window),
            "recovered_s": recovered,
            "back_s_p50": pct(back, 50),
            "back_s_max": back[-1] if back else None,
            "caught_s_p50": pct(caught, 50),
            "caught_s_max": caught[-1] if caught else None,
            "last_seq": last_seq,
            "chat_posts": dict(chat),
            "closes": dict(closes),
            "connect_errors": dict(errors),
            "count_samples": len(samples),
            "count_samples_wrong": len(wrong),
            "count_worst": max(wrong, key=lambda w: abs((w[1] or 0) - w[2]), default=None),
            "count_right_since_s": right_since,
            "count_final": settled,
            "steps": self.step_figures(steps, [loss for part in window for loss in part["losses"]], t0),
            "details": details,
        }

    # --- the three faults -----------------------------------------------------------------------
    def node_kill(self, index: int = 0, restart: bool = True, **options: Any) -> dict[str, Any]:
        """SIGKILL to one node's process group; once every viewer is back (on the others), the node
        is started again (``restart``), so that the next scenario has every node."""
        stack = self.stack

        def fault(step: Callable[[str], None]) -> dict[str, Any]:
            step(f"SIGKILL node {index}")
            stack.kill_node(index)
            return {"node": index, "port": stack.node_ports[index]}

        def after() -> None:
            stack.start_node(index)
            stack.wait_node(index)

        return self.scenario("kill", fault, after=after if restart else None, **options)

    def rolling_restart(self, settle: float = 11.0, **options: Any) -> dict[str, Any]:
        """Each node in turn: SIGTERM (``docker stop``), started again, healthy; ``settle`` s before
        the next one (nginx tries a node it saw refuse again after its fail_timeout, 10 s). The time
        to recover is the longest step's: from its SIGTERM until every viewer is back and caught up."""
        stack = self.stack

        def fault(step: Callable[[str], None]) -> dict[str, Any]:
            per_node = []
            for index in range(len(stack.nodes)):
                closes = self.status()["closes"]
                started = time.time()
                step(f"SIGTERM node {index}")
                timing: dict[str, float] = {}
                # The node stops and starts again meanwhile; its viewers come back on the others.
                restart = threading.Thread(target=lambda i=index, t=timing: t.update(stack.restart_node(i)))
                restart.start()
                recovered = self.wait_recovered(started, 120, closes)
                restart.join()
                per_node.append({"node": index, **timing, "recovered_s": recovered})
                time.sleep(settle)
            steps = [node["recovered_s"] for node in per_node]
            return {"per_node": per_node, "recovered_s": None if None in steps else max(steps)}

        return self.scenario("rolling", fault, **options)

    def redis_failover(
        self, how: str = "kill", probe: Callable[[], Any] | None = None, **options: Any
    ) -> dict[str, Any]:
        """The Redis master is lost (``kill``) or handed over (``command``); ``probe()`` then proves
        the Celery worker follows (a task sent after the failover, run by the worker)."""
        redis = self.stack.redis

        def fault(step: Callable[[str], None]) -> dict[str, Any]:
            step(f"Redis master lost ({how})")
            details: dict[str, Any] = redis.failover(how)
            if probe is not None:
                details["probe"] = probe()
            return details

        return self.scenario("failover", fault, **options)

    @staticmethod
    def step_figures(
        steps: list[dict[str, Any]], losses: list[list[float]], t0: float
    ) -> list[dict[str, Any]]:
        """Per fault of the scenario: the sockets lost after it (before the next one), and when they
        were back and caught up, from that fault."""
        figures = []
        for n, step in enumerate(steps):
            start = step["t0"]
            end = steps[n + 1]["t0"] if n + 1 < len(steps) else float("inf")
            mine = [loss for loss in losses if start <= loss[0] < end]
            lost = sorted(loss[0] - start for loss in mine)
            back = sorted(loss[1] - start for loss in mine if loss[1])
            caught = sorted(loss[2] - start for loss in mine if loss[2])
            figures.append(
                {
                    "label": step["label"],
                    "at_s": start - t0,
                    "sockets_lost": len(mine),
                    "lost_s_p50": pct(lost, 50),
                    "lost_s_max": lost[-1] if lost else None,
                    "back_s_p50": pct(back, 50),
                    "back_s_max": back[-1] if back else None,
                    "caught_s_max": caught[-1] if caught else None,
                    "never_back": len(mine) - len(back),
                }
            )
        return figures

    def stop(self) -> None:
        for crowd in self.crowds:
            crowd.stop()
