"""N websocket viewers of one live session, a steady stream of events, and what reaches them.

1. Uses its own PostgreSQL database (``DATABASE_URL``, default ``cp_bench_live``, created if
   missing, migrated) and its own Redis database index (``REDIS_URL``, default
   ``redis://127.0.0.1:6379/9``, keys under ``KEY_PREFIX=cpbench``, cleared at start), and creates
   a fresh live session.
2. Starts ``--servers`` K server processes (``--server daphne|uvicorn``) on spare ports, as in
   production (``manage.py serve``'s command line, a connection pool per process).
3. Starts ``--procs`` P load processes (``bench/_live_common.py worker``, uvloop, ``--client raw``:
   a minimal websocket client that reads bench events without json.loads, or ``aiohttp``); they
   open ``--viewers`` N anonymous viewers to ``/ws/sessions/<id>/`` with an allowed ``Origin``,
   spread round-robin over the servers (as a proxy would), at ``--connect-rate`` per second in
   total. Connect time = until the ``hello`` frame.
4. Publishes ``--rate`` events/s for ``--duration`` s through the real write path,
   ``sessions_live.events.event_append(session, "chat.message", data)`` in this process (DB row
   with its seq → ``broadcast_on_commit`` → the per-process fan-out → sockets), each with
   ``time.time_ns()`` in its data (~250-byte payload). Then waits up to ``--drain`` s for stragglers.
5. Reports viewers connected / errors, connect p50/p99, delivery latency (receive − send)
   p50/p95/p99/max, delivered ratio (frames / (events × viewers)), missing, duplicates, gaps,
   server CPU per delivered frame (``/proc`` utime+stime of the server trees over the publish
   window), server RSS per 1,000 connections, Redis CPU, the machine's CPU use and the load
   processes' CPU: **the load processes share the machine's 2 cores with the servers, PostgreSQL
   and Redis**.

With ``--storm`` (connect storm), ``--storm-at`` s into publishing every server is stopped
(SIGTERM or SIGKILL) and started again on the same port while publishing goes on; every viewer
reconnects with the session page's backoff and ``?batch=1&last_seq=<its last seq>``. The report
adds reconnect attempts and errors by kind, viewers never back, times from the restart to ``hello``
and to the end of the replay, and the accounting above across the restart.

The channel layer's per-viewer ``group_send`` path ("stock") was retired in issue 12: the fan-out
is the one delivery path, so ``--path`` only accepts ``fanout`` (the documented commands keep
working). To compare two versions of the code, run this script from each checkout, one after the
other (docs/performance-live.md, "Issue 12").

Usage (PostgreSQL and Redis on 127.0.0.1):
    .venv/bin/python bench/live_fanout.py --viewers 500 --duration 15
    .venv/bin/python bench/live_fanout.py --viewers 5000 --procs 3 --servers 2 --server uvicorn \\
        --path fanout --json /tmp/communesplus-bench/live/fanout-5000.json
Logs of the servers and load processes: /tmp/communesplus-bench/live/.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _live_common as common


def create_session() -> int:
    from django.utils import timezone

    from hub.models import Commune
    from sessions_live.models import LiveSession, SessionKind, SessionStatus

    now = timezone.now()
    session = LiveSession.objects.create(
        commune=Commune.objects.get(slug="cotonou"),
        kind=SessionKind.ORDINARY,
        title=f"Bench fan-out {now:%Y-%m-%d %H:%M:%S}",
        status=SessionStatus.LIVE,
        starts_at=now,
        started_at=now,
    )
    return int(session.pk)


def publish(
    session_id: int, rate: float, duration: float, payload: int, log: list[tuple[float, int]] | None = None
) -> dict[str, Any]:
    """Append ``rate × duration`` chat.message events on a fixed schedule; time each append
    (``log`` collects (time.time(), seq) of each, for the storm)."""
    from sessions_live.events import CHAT_MESSAGE, event_append

    count = max(1, round(rate * duration))
    took: list[float] = []
    seqs: list[int] = []
    late = 0
    started = time.perf_counter()
    last_start = started
    for n in range(count):
        delay = started + n / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        else:
            late += 1
        data: dict[str, Any] = {
            "id": n + 1,
            "author": {"id": 1, "display_name": "Banc d'essai"},
            "text": "",
            "created_at": "2026-11-29T14:00:00+01:00",
            "bench_t": 0,
        }
        data["text"] = "x" * max(0, payload - len(json.dumps(data)) - 19)
        before = last_start = time.perf_counter()
        data["bench_t"] = time.time_ns()
        event = event_append(session_id, CHAT_MESSAGE, data)
        took.append((time.perf_counter() - before) * 1000)
        seqs.append(event.seq)
        if log is not None:
            log.append((time.time(), event.seq))
    elapsed = last_start - started
    took.sort()
    return {
        "events": count,
        "first_seq": seqs[0],
        "last_seq": seqs[-1],
        "contiguous": seqs == list(range(seqs[0], seqs[0] + count)),
        "achieved_rate": (count - 1) / elapsed if elapsed else float("nan"),
        "late_sends": late,
        "append_ms_p50": common.pct(took, 50),
        "append_ms_p99": common.pct(took, 99),
        "append_ms_max": took[-1],
    }


def run_one(options: argparse.Namespace) -> dict[str, Any]:
    env = common.bench_environ()
    env.update(item.split("=", 1) for item in options.server_env)
    result_env = dict(item.split("=", 1) for item in options.server_env)
    common.raise_fd_limit()
    common.django_ready()
    common.redis_forget_bench_keys()
    session_id = create_session()
    result: dict[str, Any] = {
        "path": options.path,
        "server_env": result_env,
        "server": options.server,
        "servers": options.servers,
        "procs": options.procs,
        "viewers": options.viewers,
        "rate": options.rate,
        "duration": options.duration,
        "session": session_id,
        "client": options.client,
        "storm": options.storm,
        "load_before": os.getloadavg(),
    }
    with common.Processes() as procs:
        servers = common.start_servers(procs, options.server, options.servers, env)
        time.sleep(1.0)
        rss_before = sum(common.tree_rss_kib(pid) for pid, _port in servers)
        urls = [f"ws://127.0.0.1:{port}/ws/sessions/{session_id}/?batch=1" for _pid, port in servers]
        connect_cpu_before = sum(common.tree_cpu_seconds(pid) for pid, _port in servers)
        shares = common.split_evenly(options.viewers, options.procs)
        workers, first = [], 0
        for index, share in enumerate(shares):
            config = {
                "sockets": [{"url": urls[(first + n) % len(urls)]} for n in range(share)],
                "first_index": first,
                "origin": f"http://127.0.0.1:{servers[0][1]}",
                "connect_rate": options.connect_rate / options.procs,
                "max_pending": options.max_pending,
                "client": options.client,
                "reconnect": options.storm,
                "storm_timeout": options.storm_timeout,
                "storm_max_pending": options.storm_max_pending,
                "seed": index,
                "out": str(common.OUT / f"fanout-worker-{index}.json"),
            }
            workers.append(common.Worker(procs, env, index, config))
            first += share
        connect_timeout = options.viewers / options.connect_rate + 180
        connected_lines = [w.expect("connected", connect_timeout) for w in workers]
        connected = sum(line["connected"] for line in connected_lines)
        result["connect_seconds"] = max(line["seconds"] for line in connected_lines)
        connect_cpu = sum(common.tree_cpu_seconds(pid) for pid, _port in servers) - connect_cpu_before
        result["server_cpu_ms_per_connect"] = connect_cpu / connected * 1000 if connected else None
        time.sleep(options.settle)
        rss_after = sum(common.tree_rss_kib(pid) for pid, _port in servers)
        for worker in workers:
            worker.send({"cmd": "mark"})
        for worker in workers:
            worker.expect("marked", 60)
        cpu_before = sum(common.tree_cpu_seconds(pid) for pid, _port in servers)
        redis_before = common.redis_cpu_seconds()
        machine_before = common.machine_cpu()
        self_before = common.tree_cpu_seconds(os.getpid())
        window_start = time.perf_counter()
        if options.py_spy:  # sample one server process over the publish window
            procs.start(
                [options.py_spy, "record", "-p", str(servers[0][0]), "-d", str(int(options.duration)),
                 "-r", "50", "--format", "raw",
                 "-o", str(common.OUT / f"profile-{options.path}-{options.server}.txt")],
                env, common.OUT / "py-spy.log",
            )  # fmt: skip
        storm: dict[str, Any] = {}
        if options.storm:
            published, servers, cpu_before = run_storm(options, env, procs, servers, session_id, cpu_before)
            storm = published.pop("storm")
        else:
            published = publish(session_id, options.rate, options.duration, options.payload)
        publish_end = time.perf_counter()
        expected = published["events"] * connected
        received = 0
        drain = options.drain if not options.storm else max(options.drain, storm["until"] - time.time())
        while time.perf_counter() - publish_end < drain:
            for worker in workers:
                worker.send({"cmd": "status"})
            statuses = [w.expect("status", 60) for w in workers]
            received = sum(status["bench_frames"] for status in statuses)
            if received >= expected and not sum(status.get("down", 0) for status in statuses):
                break
            time.sleep(0.5)
        window = time.perf_counter() - window_start
        cpu_after = sum(common.tree_cpu_seconds(pid) for pid, _port in servers)
        redis_after = common.redis_cpu_seconds()
        machine_after = common.machine_cpu()
        self_cpu = common.tree_cpu_seconds(os.getpid()) - self_before  # publisher + servers + load
        result["server_rss_mib"] = {"before": rss_before / 1024, "after_connect": rss_after / 1024}
        result["server_rss_mib"]["end"] = sum(common.tree_rss_kib(pid) for pid, _port in servers) / 1024
        for worker in workers:
            worker.send(
                {"cmd": "stop", "first_seq": published["first_seq"], "last_seq": published["last_seq"]}
            )
        parts = [json.loads(Path(w.expect("done", 120)["result"]).read_text()) for w in workers]
    latencies = common.read_latencies([p["latency_file"] for p in parts])
    connect_ms = sorted(v for p in parts for v in p["connect_ms"])
    errors: dict[str, int] = {}
    closed: dict[str, int] = {}
    frames: dict[str, int] = {}
    for part in parts:
        for target, source in ((errors, "errors"), (closed, "closed_during_run"), (frames, "frames")):
            for key, value in part[source].items():
                target[key] = target.get(key, 0) + value
    delivered = sum(p["bench_frames"] for p in parts)
    busy = (machine_after[0] - machine_before[0]) / max(1, machine_after[1] - machine_before[1])
    server_cpu = cpu_after - cpu_before
    machine_core_seconds = (machine_after[0] - machine_before[0]) / common.CLK_TCK
    result.update(
        bench_tree_cpu_seconds=self_cpu,
        other_cpu_seconds=machine_core_seconds - self_cpu - (redis_after - redis_before),
        connected=connected,
        connect_errors=errors,
        closed_during_run=closed,
        connect_ms_p50=common.pct(connect_ms, 50),
        connect_ms_p99=common.pct(connect_ms, 99),
        connect_ms_max=connect_ms[-1] if connect_ms else None,
        publish=published,
        window_seconds=window,
        delivered_frames=delivered,
        expected_frames=expected,
        delivered_ratio=delivered / expected if expected else float("nan"),
        latency_ms_p50=common.pct(latencies, 50) / 1000,
        latency_ms_p95=common.pct(latencies, 95) / 1000,
        latency_ms_p99=common.pct(latencies, 99) / 1000,
        latency_ms_max=(latencies[-1] / 1000) if latencies else None,
        missing_frames=sum(p["missing"] for p in parts),
        viewers_missing_some=sum(p["sockets_missing"] for p in parts),
        duplicates=sum(p["duplicates"] for p in parts),
        gaps_seen=sum(p["gaps_seen"] for p in parts),
        out_of_order=sum(p["out_of_order"] for p in parts),
        frames_by_type=frames,
        server_cpu_seconds=server_cpu,
        server_cpu_us_per_frame=(server_cpu / delivered * 1e6) if delivered else None,
        server_rss_mib_per_1000=((rss_after - rss_before) / 1024 / connected * 1000) if connected else None,
        redis_cpu_seconds=redis_after - redis_before,
        machine_busy=busy,
        load_cpu_seconds=sum(p["cpu_seconds"] for p in parts),
        load_cpu_us_per_frame=(sum(p["cpu_seconds"] for p in parts) / delivered * 1e6) if delivered else None,
    )
    if options.storm:
        result["storm"] = storm_summary(storm, parts, connected)
    return result


def run_storm(
    options: argparse.Namespace,
    env: dict[str, str],
    procs: common.Processes,
    servers: list[tuple[int, int]],
    session_id: int,
    cpu_before: float,
) -> tuple[dict[str, Any], list[tuple[int, int]], float]:
    """Publish as usual, and ``--storm-at`` s into it restart every server on its port.

    Returns (the publish result with a "storm" dict of timestamps, the new [(pid, port)], the server
    CPU baseline to use for the window: the CPU the old servers used until they were stopped is
    added to it, the new servers count from 0, their start-up included)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    log: list[tuple[float, int]] = []
    holder: dict[str, Any] = {}

    def publisher() -> None:
        try:
            holder["result"] = publish(session_id, options.rate, options.duration, options.payload, log)
        except BaseException as exc:  # reported by the main thread
            holder["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=publisher, daemon=True)
    started = time.time()
    thread.start()
    time.sleep(max(0.0, started + options.storm_at - time.time()))
    by_pid = {proc.pid: proc for proc in procs.procs}
    old_cpu = sum(common.tree_cpu_seconds(pid) for pid, _port in servers)
    t0 = time.time()
    with ThreadPoolExecutor(len(servers)) as pool:
        stop_seconds = list(
            pool.map(
                lambda pid: common.stop_server(by_pid[pid], options.storm_signal), [p for p, _ in servers]
            )
        )
    t_down = time.time()
    if options.storm_down > 0:
        time.sleep(options.storm_down)
    t_start = time.time()
    new = [
        (common.start_server(procs, options.server, port, env, f"{index}-restarted"), port)
        for index, (_pid, port) in enumerate(servers)
    ]
    ready_at = common.wait_listening(new, options.server)  # port -> when it accepted connections again
    t_ready = max(ready_at.values())
    startup_cpu = sum(common.tree_cpu_seconds(proc.pid) for proc, _port in new)
    thread.join()
    if "error" in holder:
        raise holder["error"]
    published = holder["result"]
    during = [seq for at, seq in log if t0 <= at < t_ready]
    published["storm"] = {
        "signal": options.storm_signal,
        "t0": t0,
        "t_down": t_down,
        "t_start": t_start,
        "t_ready": t_ready,
        "ready_at": ready_at,
        "until": t0 + options.storm_window,
        "stop_seconds": stop_seconds,
        "startup_cpu_seconds": startup_cpu,
        "events_during_outage": len(during),
    }
    return published, [(proc.pid, port) for proc, port in new], cpu_before - old_cpu


def storm_summary(storm: dict[str, Any], parts: list[dict[str, Any]], connected: int) -> dict[str, Any]:
    """Reconnect attempts, errors by kind, reconnect times from the restart, viewers never back."""
    t0, t_ready = storm["t0"], storm["t_ready"]
    attempts = [a for p in parts for a in p["storm_attempts"]]
    sockets = [s for p in parts for s in p["storm_sockets"]]
    errors: dict[str, int] = {}
    errors_while_down: dict[str, int] = {}
    # An attempt counts "after ready" when it started once its own server accepted connections again.
    ready_at = {int(port): at for port, at in storm["ready_at"].items()}
    after_ready = [a for a in attempts if a[0] >= ready_at.get(a[3], t_ready)]
    for began, _ended, kind, port, _index in attempts:
        if kind:
            target = errors if began >= ready_at.get(port, t_ready) else errors_while_down
            target[kind] = target.get(kind, 0) + 1
    back = sorted(s[1] - t0 for s in sockets if s[1])
    caught = sorted(s[2] - t0 for s in sockets if s[2])
    failed = sum(errors.values()) + sum(errors_while_down.values())
    handshakes = sorted(a[1] - a[0] for a in attempts if not a[2])  # connect → hello, successful ones
    per_viewer: dict[int, int] = {}
    for attempt in attempts:
        per_viewer[attempt[4]] = per_viewer.get(attempt[4], 0) + 1
    return {
        **{k: v for k, v in storm.items() if k not in ("until", "ready_at")},
        "outage_seconds": t_ready - t0,
        "viewers_connected_before": connected,
        "viewers_lost": len(sockets),
        "viewers_back": len(back),
        "viewers_never_back": len(sockets) - len(back),
        "viewers_back_within_60s": sum(1 for v in back if v <= 60),
        "attempts": len(attempts),
        "attempts_failed": failed,
        "error_ratio": failed / len(attempts) if attempts else float("nan"),
        "attempts_after_ready": len(after_ready),
        "attempts_failed_after_ready": sum(errors.values()),
        "error_ratio_after_ready": sum(errors.values()) / len(after_ready) if after_ready else float("nan"),
        "errors_after_ready": errors,
        "errors_while_down": errors_while_down,
        "reconnect_s_p50": common.pct(back, 50),
        "reconnect_s_p99": common.pct(back, 99),
        "reconnect_s_max": back[-1] if back else None,
        "reconnect_from_ready_s_p50": common.pct(back, 50) - (t_ready - t0) if back else None,
        "attempts_per_viewer_max": max(per_viewer.values(), default=0),
        "handshake_s_p50": common.pct(handshakes, 50),
        "handshake_s_p99": common.pct(handshakes, 99),
        "handshake_s_max": handshakes[-1] if handshakes else None,
        "caught_up_s_p50": common.pct(caught, 50),
        "caught_up_s_p99": common.pct(caught, 99),
        "caught_up_s_max": caught[-1] if caught else None,
    }


ROWS: list[tuple[str, str, int]] = [
    ("viewers connected", "connected", 0),
    ("connect errors", "connect_errors", -1),
    ("sockets closed during the run", "closed_during_run", -1),
    ("connect phase: seconds / sockets per s", "connect_seconds", -8),
    ("server CPU per connect (ms)", "server_cpu_ms_per_connect", 1),
    ("connect time p50 (ms)", "connect_ms_p50", 0),
    ("connect time p99 (ms)", "connect_ms_p99", 0),
    ("events published / achieved rate (/s)", "publish", -2),
    ("event_append incl. group_send p50 / p99 (ms)", "publish", -3),
    ("delivery latency p50 (ms)", "latency_ms_p50", 1),
    ("delivery latency p95 (ms)", "latency_ms_p95", 1),
    ("delivery latency p99 (ms)", "latency_ms_p99", 1),
    ("delivery latency max (ms)", "latency_ms_max", 1),
    ("delivered ratio", "delivered_ratio", 4),
    ("missing frames (viewers missing some)", "missing_frames", -4),
    ("duplicates / gaps seen / out of order", "duplicates", -5),
    ("server CPU (s) in the window", "server_cpu_seconds", 2),
    ("server CPU per delivered frame (µs)", "server_cpu_us_per_frame", 1),
    ("server RSS per 1,000 connections (MiB)", "server_rss_mib_per_1000", 1),
    ("Redis CPU (s) in the window", "redis_cpu_seconds", 2),
    ("machine CPU busy (2 cores)", "machine_busy", -6),
    ("load processes' CPU (s) / µs per frame", "load_cpu_seconds", -7),
    ("CPU (s) of everything else (PostgreSQL, other users)", "other_cpu_seconds", 1),
    ("window (s)", "window_seconds", 1),
]


def cell(result: dict[str, Any], key: str, digits: int) -> str:
    value: Any = result.get(key)
    if digits == -1:
        return ", ".join(f"{k}: {v}" for k, v in value.items()) if value else "0"
    if digits == -2:
        return f"{value['events']} / {value['achieved_rate']:.2f}"
    if digits == -3:
        return f"{value['append_ms_p50']:.1f} / {value['append_ms_p99']:.1f}"
    if digits == -4:
        return f"{result['missing_frames']:,} ({result['viewers_missing_some']:,})"
    if digits == -5:
        return f"{result['duplicates']} / {result['gaps_seen']} / {result['out_of_order']}"
    if digits == -6:
        return f"{result['machine_busy'] * 100:.0f} %"
    if digits == -8:
        per_second = result["connected"] / max(0.001, result["connect_seconds"])
        return f"{result['connect_seconds']:.1f} / {per_second:.0f}"
    if digits == -7:
        return f"{result['load_cpu_seconds']:.1f} / {common.fmt(result['load_cpu_us_per_frame'])}"
    return common.fmt(value, digits) if isinstance(value, (int, float)) else str(value)


def report(results: list[dict[str, Any]]) -> str:
    head = results[0]
    lines = [
        f"{head['viewers']:,} viewers, {head['rate']} events/s for {head['duration']} s, "
        f"{head['servers']} × {head['server']}, {head['procs']} load processes "
        f"(load processes, servers, PostgreSQL and Redis share this machine's {os.cpu_count()} cores)"
    ]
    if head.get("server_env"):
        lines.append("server environment: " + " ".join(f"{k}={v}" for k, v in head["server_env"].items()))
    rows = [["measure", *(f"path={r['path']}" for r in results)]]
    rows += [[label, *(cell(r, key, digits) for r in results)] for label, key, digits in ROWS]
    lines.append(common.table(rows))
    storms = [r for r in results if r.get("storm")]
    if storms:
        lines.append("")
        lines.append(
            "Connect storm: every server restarted on its port while events flowed; viewers came back "
            "with ?batch=1&last_seq=<their last seq> and the page's backoff (the table above covers the "
            "whole run: its latencies include the frames replayed after the outage)"
        )
        rows = [["storm", *(f"path={r['path']}" for r in storms)]]
        rows += [[label, *(storm_cell(r, key) for r in storms)] for label, key in STORM_ROWS]
        lines.append(common.table(rows))
    return "\n".join(lines)


STORM_ROWS: list[tuple[str, str]] = [
    ("restart: signal / stop (s) / down until ready (s)", "restart"),
    ("events published during the outage", "events_during_outage"),
    ("viewers lost / back / never back", "viewers"),
    ("viewers back within 60 s of the restart", "viewers_back_within_60s"),
    ("reconnect attempts / failed (ratio) / most by one viewer", "attempts"),
    ("  after the servers were ready: attempts / failed (ratio)", "after_ready"),
    ("  errors after ready, by kind", "errors_after_ready"),
    ("  errors while the servers were down, by kind", "errors_while_down"),
    ("reconnected (hello) from the restart p50 / p99 / max (s)", "reconnect"),
    ("caught up (replay done) from the restart p50 / p99 / max (s)", "caught_up"),
    ("successful attempt, connect → hello p50 / p99 / max (s)", "handshake"),
    ("new servers' start-up CPU (s)", "startup_cpu_seconds"),
]


def storm_cell(result: dict[str, Any], key: str) -> str:
    storm = result["storm"]
    if key == "restart":
        stop = max(storm["stop_seconds"])
        return f"{storm['signal']} / {stop:.1f} / {storm['outage_seconds']:.1f}"
    if key == "viewers":
        return f"{storm['viewers_lost']:,} / {storm['viewers_back']:,} / {storm['viewers_never_back']:,}"
    if key == "attempts":
        return (
            f"{storm['attempts']:,} / {storm['attempts_failed']:,} ({storm['error_ratio'] * 100:.2f} %) "
            f"/ {storm['attempts_per_viewer_max']}"
        )
    if key == "after_ready":
        return (
            f"{storm['attempts_after_ready']:,} / {storm['attempts_failed_after_ready']:,} "
            f"({storm['error_ratio_after_ready'] * 100:.2f} %)"
        )
    if key in ("errors_after_ready", "errors_while_down"):
        return ", ".join(f"{k}: {v}" for k, v in sorted(storm[key].items())) or "0"
    if key in ("reconnect", "caught_up", "handshake"):
        digits = 2 if key == "handshake" else 1
        return " / ".join(common.fmt(storm[f"{key}_s_{q}"], digits) for q in ("p50", "p99", "max"))
    return common.fmt(storm[key], 1 if isinstance(storm[key], float) else 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--procs", type=int, default=3, help="load processes")
    parser.add_argument("--servers", type=int, default=2, help="server processes")
    parser.add_argument("--server", choices=["daphne", "uvicorn"], default="daphne")
    parser.add_argument("--path", choices=["fanout"], default="fanout", help="the one delivery path")
    parser.add_argument("--rate", type=float, default=5.0, help="events per second")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of publishing")
    parser.add_argument("--payload", type=int, default=250, help="bytes of event data")
    parser.add_argument("--connect-rate", type=float, default=100.0, help="new sockets per second, in total")
    parser.add_argument("--max-pending", type=int, default=20, help="handshakes in flight per load process")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds between connecting and publishing")
    parser.add_argument("--drain", type=float, default=15.0, help="seconds to wait for late frames")
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment of the servers",
    )
    parser.add_argument(
        "--py-spy", help="path of a py-spy binary: profile server 0 during the publish window"
    )
    parser.add_argument(
        "--client",
        choices=["raw", "aiohttp"],
        default="raw",
        help="load-process websocket client: raw (asyncio.Protocol, cheap per frame) or aiohttp",
    )
    storm = parser.add_argument_group("connect storm (raw client only)")
    storm.add_argument(
        "--storm", action="store_true", help="restart every server during publishing; viewers reconnect"
    )
    storm.add_argument("--storm-at", type=float, default=5.0, help="seconds into publishing")
    storm.add_argument("--storm-signal", choices=["term", "kill"], default="term")
    storm.add_argument("--storm-down", type=float, default=0.0, help="extra seconds the servers stay down")
    storm.add_argument(
        "--storm-window", type=float, default=90.0, help="seconds from the restart to wait for everyone"
    )
    storm.add_argument("--storm-timeout", type=float, default=30.0, help="seconds an attempt waits for hello")
    storm.add_argument(
        "--storm-max-pending",
        type=int,
        default=0,
        help="reconnect handshakes in flight per load process (0: no limit, like browsers)",
    )
    parser.add_argument("--json", help="write the results to this file")
    options = parser.parse_args()
    if options.storm and options.client != "raw":
        parser.error("--storm needs --client raw")
    common.sigterm_as_interrupt()
    results = [run_one(options)]
    print(report(results))
    if options.json:
        Path(options.json).write_text(json.dumps(results if len(results) > 1 else results[0], indent=2))


if __name__ == "__main__":
    main()
