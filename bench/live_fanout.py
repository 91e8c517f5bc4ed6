"""N websocket viewers of one live session, a steady stream of events, and what reaches them.

1. Uses its own PostgreSQL database (``DATABASE_URL``, default ``cp_bench_live``, created if
   missing, migrated) and its own Redis database index (``REDIS_URL``, default
   ``redis://127.0.0.1:6379/9``, keys under ``KEY_PREFIX=cpbench``, cleared at start), and creates
   a fresh live session.
2. Starts ``--servers`` K server processes (``--server daphne|uvicorn``) on spare ports, with
   ``LIVE_DELIVERY=<path>`` in their environment (the delivery-path switch of issue 6).
3. Starts ``--procs`` P load processes (``bench/_live_common.py worker``, aiohttp + uvloop); they
   open ``--viewers`` N anonymous viewers to ``/ws/sessions/<id>/`` with an allowed ``Origin``,
   spread round-robin over the servers (as a proxy would), at ``--connect-rate`` per second in
   total. Connect time = until the ``hello`` frame.
4. Publishes ``--rate`` events/s for ``--duration`` s through the real write path,
   ``sessions_live.events.event_append(session, "chat.message", data)`` in this process (DB row
   with its seq → ``broadcast_on_commit`` → channel layer / delivery path → sockets), each with
   ``time.time_ns()`` in its data (~250-byte payload). Then waits up to ``--drain`` s for stragglers.
5. Reports viewers connected / errors, connect p50/p99, delivery latency (receive − send)
   p50/p95/p99/max, delivered ratio (frames / (events × viewers)), missing, duplicates, gaps,
   server CPU per delivered frame (``/proc`` utime+stime of the server trees over the publish
   window), server RSS per 1,000 connections, Redis CPU, the machine's CPU use and the load
   processes' CPU: **the load processes share the machine's 2 cores with the servers, PostgreSQL
   and Redis**.

``--path all`` runs ``stock`` then ``fanout`` with the same N and prints them side by side. If no
server code reads ``LIVE_DELIVERY`` both runs take the same path; the script says so.

Usage (PostgreSQL and Redis on 127.0.0.1):
    .venv/bin/python bench/live_fanout.py --viewers 500 --duration 15
    .venv/bin/python bench/live_fanout.py --viewers 5000 --procs 3 --servers 2 --server uvicorn \\
        --path all --json /tmp/communesplus-bench/live/fanout-5000.json
Logs of the servers and load processes: /tmp/communesplus-bench/live/.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
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


def publish(session_id: int, rate: float, duration: float, payload: int) -> dict[str, Any]:
    """Append ``rate × duration`` chat.message events on a fixed schedule; time each append."""
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
    env = common.bench_environ(options.path)
    env.update(item.split("=", 1) for item in options.server_env)
    result_env = dict(item.split("=", 1) for item in options.server_env)
    common.raise_fd_limit()
    common.django_ready()
    common.redis_forget_bench_keys()
    understood = common.delivery_switch_understood()
    session_id = create_session()
    result: dict[str, Any] = {
        "path": options.path,
        "server_env": result_env,
        "delivery_switch_understood": understood,
        "server": options.server,
        "servers": options.servers,
        "procs": options.procs,
        "viewers": options.viewers,
        "rate": options.rate,
        "duration": options.duration,
        "session": session_id,
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
        published = publish(session_id, options.rate, options.duration, options.payload)
        publish_end = time.perf_counter()
        expected = published["events"] * connected
        received = 0
        while time.perf_counter() - publish_end < options.drain:
            for worker in workers:
                worker.send({"cmd": "status"})
            received = sum(w.expect("status", 60)["bench_frames"] for w in workers)
            if received >= expected:
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
    return result


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
    if not head["delivery_switch_understood"] and len(results) > 1:
        lines.append(
            "NOTE: no server code reads LIVE_DELIVERY: 'stock' and 'fanout' ran the SAME (stock) path."
        )
    elif not head["delivery_switch_understood"]:
        lines.append("NOTE: no server code reads LIVE_DELIVERY yet: this is the stock path.")
    rows = [["measure", *(f"path={r['path']}" for r in results)]]
    rows += [[label, *(cell(r, key, digits) for r in results)] for label, key, digits in ROWS]
    lines.append(common.table(rows))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--procs", type=int, default=3, help="load processes")
    parser.add_argument("--servers", type=int, default=2, help="server processes")
    parser.add_argument("--server", choices=["daphne", "uvicorn"], default="daphne")
    parser.add_argument("--path", choices=["stock", "fanout", "all"], default="stock")
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
    parser.add_argument("--json", help="write the results to this file")
    options = parser.parse_args()
    common.sigterm_as_interrupt()
    if options.path == "all":
        results = []
        for path in ("stock", "fanout"):
            out = common.OUT / f"live_fanout-{path}.json"
            args = [a for a in sys.argv[1:] if not a.startswith("--path") and a != "all"]
            cleaned, skip = [], False
            for arg in args:  # drop '--json FILE' (each run writes its own file)
                if skip:
                    skip = False
                    continue
                if arg == "--json":
                    skip = True
                    continue
                if not arg.startswith("--json="):
                    cleaned.append(arg)
            subprocess.run(
                [sys.executable, __file__, *cleaned, "--path", path, "--json", str(out)], check=True
            )
            results.append(json.loads(out.read_text()))
        print()
        print(report(results))
    else:
        results = [run_one(options)]
        print(report(results))
    if options.json:
        Path(options.json).write_text(json.dumps(results if len(results) > 1 else results[0], indent=2))


if __name__ == "__main__":
    main()
