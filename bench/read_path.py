"""The public read path against a plain-Django reference, side by side in one run.

The goal it checks (the read-path issue): on this machine, every public anonymous GET read serves
at least 70 % of the reference's throughput for the API and 50 % for HTML pages, and keeps p99 under
100 ms at a fixed 100 requests/s (open loop, coordinated omission corrected), with 2 server workers.

1. Environment: its own PostgreSQL database (``BENCH_DATABASE_URL``, default ``cp_bench_read``,
   created if missing, migrated, reference data, and ``load_demo_data`` when the demo content is
   missing) and Redis database 7 (``BENCH_REDIS_URL``) with ``KEY_PREFIX=cpbenchread`` (its keys are
   cleared at start). Output, logs and raw figures: ``/tmp/communesplus-bench/read/``.
2. Servers, both running all along: the hub, with ``manage.py serve``'s command line
   (``web_command("uvicorn", ..., workers=2)``, as in production), a connection pool
   per process (``DB_POOL_MAX_SIZE=8``), ``DEBUG`` off and the DRF throttles raised out of the way
   (``THROTTLE_ANON``/``THROTTLE_USER`` at 10,000,000/min: still in the code path, never hit);
   ``--server-env NAME=VALUE`` adds to the hub's environment for A/B runs. The reference,
   ``bench/plainview/``: the same uvicorn flags and workers, the same database through psycopg's
   pool (8), two middlewares (security, common), one sync view returning the 77 rows of
   ``hub_commune`` with a raw cursor as ``JsonResponse`` (~22 KB, not compressed: it has no GZip
   middleware).
3. Endpoints: every public anonymous GET of the API and the pages, with ids found in the database
   (Cotonou's live session, its ended one, its busiest forum thread, a published document, contract,
   agenda event, a commitment). The exports (``*/export.*``, throttled per hour) and the file
   downloads are left out. Each request carries what a phone browser sends: ``Accept-Encoding:
   gzip``, ``Accept-Language: fr``, an ``Accept`` for a page or for JSON, a mobile User-Agent; no
   cookie (anonymous). The reference gets the JSON headers.
4. Per endpoint: a conditional GET check (a GET, then the same with ``If-None-Match`` /
   ``If-Modified-Since`` from the first answer and the cookies it set, as a browser revisits; which
   validators and ``Cache-Control`` it sends, the bytes on the wire), ``--warmup`` s of load not
   counted, then closed-loop throughput with ``wrk -t2 -c16 -d8s --latency`` (req/s, p50/p99,
   non-2xx/3xx, socket errors) with the CPU seconds of the server's process tree and of the
   database's backends over the run, then ``--open-duration`` s at ``--rate`` req/s open loop.
   Under load every request is a first visit (no cookie): a page answers it with a new CSRF cookie.
5. The reference's closed-loop run is repeated at the start, in the middle and at the end; the ratio
   of each endpoint is to their mean, and their spread is printed: a spread of more than a few per
   cent says the machine was busy with something else (the "other CPU" column says how much).

Open loop: a client process of its own (``read_path.py openloop``, uvloop, raw asyncio streams,
keep-alive HTTP/1.1, Content-Length and chunked bodies) schedules request i at t0 + i/rate and
measures its latency from that *scheduled* time, as wrk2 does: a server that falls behind shows it
in the percentiles instead of lowering the rate (coordinated omission). A request waits for no
connection: when none is idle another is opened (up to ``--open-max-connections``); the connect
time is then part of its latency. Requests still unanswered at the end are errors and enter the
percentiles at their time so far (a lower bound).

Limits: wrk, the open-loop client, PostgreSQL and Redis share the machine's 2 cores with the
servers, as in the original measurement, so req/s is what one 2-core machine does as a whole. So
does anything else running on the machine (another bench, a test run): the "other CPU" column is
the share of the machine such processes took during each closed-loop run, and ``--wait-quiet S``
waits (up to S s before each run) for the machine to fall under 20 % busy.
wrk counts 3xx as success; the conditional GET's first status is printed, so a redirect shows.

Usage (PostgreSQL and Redis on 127.0.0.1, ``wrk`` installed; the defaults take ~20 min):
    .venv/bin/python bench/read_path.py
    .venv/bin/python bench/read_path.py --duration 3 --open-duration 3 --only api_documents,page_session
    .venv/bin/python bench/read_path.py --server-env DB_POOL_MAX_SIZE=0 --json /tmp/no-pool.json
    .venv/bin/python bench/read_path.py --list         # the endpoints and their paths, nothing run
Table: /tmp/communesplus-bench/read/read_path.md; raw figures: read_path.json in the same folder.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import http.client
import io
import json
import math
import os
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from array import array
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _live_common as common

ROOT = common.ROOT
OUT = Path(os.environ.get("BENCH_READ_OUT", "/tmp/communesplus-bench/read"))
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cp_bench_read"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/7"
KEY_PREFIX = "cpbenchread"
COMMUNE = "cotonou"
HUB_APP = "hub.asgi:application"
REFERENCE_APP = "bench.plainview.asgi:application"
REFERENCE_PATH = "/communes/"

GOALS = {"API": 0.7, "HTML": 0.5}  # share of the reference's req/s
P99_GOAL_MS = 100.0

MOBILE_UA = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)
ACCEPT = {
    "API": "application/json",
    "HTML": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
    "ics": "text/calendar,*/*;q=0.8",
}


@dataclass(frozen=True)
class Endpoint:
    name: str
    kind: str  # "API" or "HTML": which throughput goal applies
    path: str
    accept: str = ""  # a key of ACCEPT; the kind's by default

    def headers(self) -> dict[str, str]:
        return {
            "Accept": ACCEPT[self.accept or self.kind],
            "Accept-Encoding": "gzip",
            "Accept-Language": "fr",
            "User-Agent": MOBILE_UA,
        }


REFERENCE = Endpoint("reference", "API", REFERENCE_PATH)


# --- environment and data ------------------------------------------------------------------------


def bench_environment(server_env: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """(hub environment, reference environment); also sets this process's environment."""
    common.OUT = OUT  # _live_common's logs and VAR_DIR go to this bench's folder
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    os.environ["KEY_PREFIX"] = KEY_PREFIX
    common.bench_environ()
    os.environ.update(
        DEBUG="0",
        DB_POOL_MAX_SIZE="8",
        THROTTLE_ANON="10000000/min",
        THROTTLE_USER="10000000/min",
        DEMO_DATA="1",
    )
    hub = dict(os.environ)
    hub.update(item.split("=", 1) for item in server_env)
    reference = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.plainview.settings")
    return hub, reference


def database_ready() -> str:
    """Migrate, load the reference data and (when some is missing) the demo content; a report."""
    common.django_ready()
    from django.core.management import call_command

    from commitments.models import Commitment
    from forums.models import Thread
    from publications.models import Document
    from sessions_live.models import LiveSession

    present = [
        model.objects.filter(commune__slug=COMMUNE).exists()
        for model in (Document, LiveSession, Thread, Commitment)
    ]
    if all(present):
        return "demo data already there"
    output = io.StringIO()
    started = time.monotonic()
    call_command("load_demo_data", stdout=output)
    return f"load_demo_data ({time.monotonic() - started:.0f} s): " + "; ".join(
        output.getvalue().splitlines()
    )


def discover() -> tuple[list[Endpoint], dict[str, Any], list[str]]:
    """Every public read with ids from the database: (endpoints, ids, what was skipped and why)."""
    from django.db import connections

    from commitments.models import Commitment
    from forums.models import Thread
    from hub.models import Commune
    from publications.models import AgendaEvent, Contract, Document
    from publications.models.common import PublicationState
    from sessions_live.models import LiveSession, SessionStatus

    commune = Commune.objects.get(slug=COMMUNE)
    published = PublicationState.PUBLISHED
    sessions = list(LiveSession.objects.filter(commune=commune).order_by("id"))
    open_session = next(
        (
            s
            for status in (SessionStatus.LIVE, SessionStatus.SCHEDULED)
            for s in sessions
            if s.status == status
        ),
        None,
    )
    ended = next((s for s in sessions if s.status == SessionStatus.ENDED), None)
    thread = (
        Thread.objects.filter(commune=commune, hidden=False)
        .select_related("category")
        .order_by("-post_count", "id")
        .first()
    )
    ids: dict[str, Any] = {
        "document": Document.objects.filter(commune=commune, state=published).order_by("-id").first(),
        "contract": Contract.objects.filter(commune=commune, state=published).order_by("-id").first(),
        "agenda_event": AgendaEvent.objects.filter(commune=commune, state=published).order_by("-id").first(),
        "thread": thread,
        "session": open_session,
        "ended_session": ended,
        "commitment": Commitment.objects.filter(commune=commune).order_by("id").first(),
    }
    ids = {key: value.pk for key, value in ids.items() if value is not None}
    if thread is not None:
        ids["category"] = thread.category.slug
    connections.close_all()

    c = COMMUNE
    wanted: list[tuple[str, str, str, tuple[str, ...]]] = [
        # (name, kind, path, ids it needs); the API first, then the pages
        ("healthz", "API", "/healthz", ()),
        ("api_communes", "API", "/api/v1/communes/", ()),
        ("api_commune", "API", f"/api/v1/communes/{c}/", ()),
        ("api_departments", "API", "/api/v1/departments/", ()),
        ("api_documents", "API", f"/api/v1/documents/?commune={c}", ()),
        ("api_document", "API", "/api/v1/documents/{document}/", ("document",)),
        ("api_document_types", "API", "/api/v1/document-types/", ()),
        ("api_contracts", "API", f"/api/v1/contracts/?commune={c}", ()),
        ("api_contract", "API", "/api/v1/contracts/{contract}/", ("contract",)),
        ("api_agenda", "API", f"/api/v1/agenda/?commune={c}", ()),
        ("api_agenda_event", "API", "/api/v1/agenda/{agenda_event}/", ("agenda_event",)),
        ("api_agenda_ics", "API", f"/api/v1/communes/{c}/agenda.ics", ()),
        ("api_register", "API", f"/api/v1/communes/{c}/register/", ()),
        ("api_scorecard", "API", "/api/v1/register/", ()),
        ("api_forum_categories", "API", f"/api/v1/communes/{c}/forum/categories/", ()),
        ("api_threads", "API", f"/api/v1/forum/threads/?commune={c}", ()),
        ("api_thread", "API", "/api/v1/forum/threads/{thread}/", ("thread",)),
        ("api_thread_posts", "API", "/api/v1/forum/threads/{thread}/posts/", ("thread",)),
        ("api_sessions", "API", f"/api/v1/sessions/?commune={c}", ()),
        ("api_session", "API", "/api/v1/sessions/{session}/", ("session",)),
        ("api_session_events", "API", "/api/v1/sessions/{session}/events/", ("session",)),
        ("api_session_chat", "API", "/api/v1/sessions/{session}/chat/", ("session",)),
        ("api_session_polls", "API", "/api/v1/sessions/{session}/polls/", ("session",)),
        ("api_session_questions", "API", "/api/v1/sessions/{session}/questions/", ("session",)),
        ("api_session_commitments", "API", "/api/v1/sessions/{session}/commitments/", ("session",)),
        ("api_session_archive", "API", "/api/v1/sessions/{ended_session}/archive/", ("ended_session",)),
        ("api_commitments", "API", f"/api/v1/commitments/?commune={c}", ()),
        ("api_commitment", "API", "/api/v1/commitments/{commitment}/", ("commitment",)),
        ("api_commitment_scorecard", "API", "/api/v1/commitments/scorecard/", ()),
        ("page_home", "HTML", "/", ()),
        ("page_commune", "HTML", f"/communes/{c}/", ()),
        ("page_documents", "HTML", f"/communes/{c}/documents/", ()),
        ("page_document", "HTML", f"/communes/{c}/documents/{{document}}/", ("document",)),
        ("page_contracts", "HTML", f"/communes/{c}/marches/", ()),
        ("page_contract", "HTML", f"/communes/{c}/marches/{{contract}}/", ("contract",)),
        ("page_agenda", "HTML", f"/communes/{c}/agenda/", ()),
        ("page_agenda_event", "HTML", f"/communes/{c}/agenda/{{agenda_event}}/", ("agenda_event",)),
        ("page_agenda_ics", "HTML", f"/communes/{c}/agenda.ics", ()),
        ("page_scorecard", "HTML", "/transparence/", ()),
        ("page_register", "HTML", f"/communes/{c}/transparence/", ()),
        ("page_search", "HTML", "/rechercher/?q=budget", ()),
        ("page_forum_index", "HTML", "/forum/", ()),
        ("page_forum", "HTML", f"/communes/{c}/forum/", ()),
        ("page_forum_category", "HTML", f"/communes/{c}/forum/{{category}}/", ("category",)),
        ("page_thread", "HTML", "/forum/sujets/{thread}/", ("thread",)),
        ("page_thread_posts", "HTML", "/forum/sujets/{thread}/messages/?apres=0", ("thread",)),
        ("page_sessions", "HTML", "/seances/", ()),
        ("page_commune_sessions", "HTML", f"/communes/{c}/seances/", ()),
        ("page_session", "HTML", "/seances/{session}/", ("session",)),
        ("page_session_ended", "HTML", "/seances/{ended_session}/", ("ended_session",)),
        ("page_commitments", "HTML", f"/communes/{c}/engagements/", ()),
        ("page_commitment", "HTML", "/engagements/{commitment}/", ("commitment",)),
    ]
    endpoints, skipped = [], []
    for name, kind, path, needs in wanted:
        missing = [need for need in needs if need not in ids]
        if missing:
            skipped.append(f"{name}: no {', '.join(missing)} in {COMMUNE}'s data")
            continue
        accept = "ics" if path.endswith(".ics") else ""
        endpoints.append(Endpoint(name, kind, path.format(**ids) if needs else path, accept))
    return endpoints, ids, skipped


# --- servers -------------------------------------------------------------------------------------


@dataclass
class Server:
    label: str
    proc: Any
    port: int
    command: list[str]

    @property
    def pid(self) -> int:
        return int(self.proc.pid)

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise RuntimeError(
                f"{self.label} exited (code {self.proc.returncode}); see {OUT}/{self.label}.log"
            )


def server_start(procs: common.Processes, label: str, app: str, env: dict[str, str], workers: int) -> Server:
    from hub.management.commands.serve import web_command

    port = common.free_port()
    command = web_command("uvicorn", "127.0.0.1", port, workers=workers)
    command[command.index(HUB_APP)] = app
    return Server(label, procs.start(command, env, OUT / f"{label}.log"), port, command)


def wait_answers(server: Server, path: str, timeout: float = 90) -> None:
    """Wait until ``path`` answers 200 (the hub's /healthz checks PostgreSQL, Redis, Celery's broker)."""
    deadline = time.monotonic() + timeout
    while True:
        server.check_alive()
        with contextlib.suppress(OSError, http.client.HTTPException):
            if http_get(server.port, path, {})["status"] == 200:
                return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{server.label} does not answer {path}; see {OUT}/{server.label}.log")
        time.sleep(0.1)


# --- CPU readings --------------------------------------------------------------------------------


class CpuMeter:
    """CPU seconds over a run: the server's process tree, the database backends of the bench
    database (both servers' pools; the idle one's cost nothing), Redis, this process's reaped
    children (wrk), and the machine as a whole."""

    def __init__(self, database_url: str) -> None:
        import psycopg

        self.database = database_url.rsplit("/", 1)[1]
        self.conn = psycopg.connect(database_url.rsplit("/", 1)[0] + "/postgres", autocommit=True)

    def backend_cpu(self) -> dict[int, float]:
        rows = self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [self.database],
        ).fetchall()
        cpu = {}
        for (pid,) in rows:
            with contextlib.suppress(OSError, IndexError, ValueError):  # a backend that just ended
                stat = Path(f"/proc/{pid}/stat").read_text()
                utime, stime = stat[stat.rindex(")") + 2 :].split()[11:13]  # fields 14 and 15
                cpu[pid] = (int(utime) + int(stime)) / common.CLK_TCK
        return cpu

    def read(self, server_pid: int) -> dict[str, Any]:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return {
            "t": time.monotonic(),
            "server": common.tree_cpu_seconds(server_pid),
            "db": self.backend_cpu(),
            "redis": common.redis_cpu_seconds(),
            "children": children.ru_utime + children.ru_stime,
            "machine": machine_times(),
        }

    @staticmethod
    def delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, float]:
        wall = after["t"] - before["t"]
        db = sum(cpu - before["db"].get(pid, 0.0) for pid, cpu in after["db"].items())
        machine = {key: after["machine"][key] - before["machine"][key] for key in before["machine"]}
        total = machine["total"] or float("nan")
        server = after["server"] - before["server"]
        redis = after["redis"] - before["redis"]
        load = after["children"] - before["children"]
        other = machine["processes"] - server - db - redis - load
        return {
            "wall_s": wall,
            "server_cpu_s": server,
            "db_cpu_s": db,
            "redis_cpu_s": redis,
            "load_cpu_s": load,
            "machine_busy": (machine["processes"] + machine["irq"]) / total,
            "irq_share": machine["irq"] / total,
            "steal_share": machine["steal"] / total,
            "other_cpu_share": max(0.0, other) / total,
        }

    def close(self) -> None:
        self.conn.close()


def machine_times() -> dict[str, float]:
    """Seconds of the machine's CPUs since boot (all cores): in processes (user, nice, system), in
    interrupts (irq, softirq: much of the loopback's networking), stolen by the hypervisor, total."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return {
        "processes": (user + nice + system) / common.CLK_TCK,
        "irq": (irq + softirq) / common.CLK_TCK,
        "steal": steal / common.CLK_TCK,
        "total": sum(fields) / common.CLK_TCK,
    }


def machine_busy_over(seconds: float) -> float:
    before = machine_times()
    time.sleep(seconds)
    after = machine_times()
    busy = sum(after[key] - before[key] for key in ("processes", "irq"))
    return busy / max(1e-9, after["total"] - before["total"])


def wait_quiet(limit: float) -> float:
    """The machine's CPU use over 1 s (the servers idle); with ``--wait-quiet`` S, wait up to S s
    for it to fall under 20 %: another bench or test run on the 2 cores would be measured too."""
    if limit <= 0:
        return float("nan")
    busy = machine_busy_over(1)
    deadline = time.monotonic() + limit
    while busy > 0.2 and time.monotonic() < deadline:
        print(f"  the machine is {busy * 100:.0f} % busy: waiting for it to be quiet", flush=True)
        busy = machine_busy_over(2)
    return busy


def wait_idle(servers: list[Server], limit: float = 5.0) -> None:
    """Until both server trees use under 5 % of a core over 0.25 s (at most ``limit`` s)."""
    deadline = time.monotonic() + limit
    before, t = sum(common.tree_cpu_seconds(s.pid) for s in servers), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now, t_now = sum(common.tree_cpu_seconds(s.pid) for s in servers), time.monotonic()
        if (now - before) / (t_now - t) < 0.05:
            return
        before, t = now, t_now


# --- one GET (conditional check) ------------------------------------------------------------------


def http_get(port: int, path: str, headers: dict[str, str], timeout: float = 30) -> dict[str, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        return {
            "status": response.status,
            "bytes": len(body),
            "headers": {name.lower(): value for name, value in response.getheaders()},
            "cookies": dict(
                value.split(";", 1)[0].strip().split("=", 1)
                for name, value in response.getheaders()
                if name.lower() == "set-cookie" and "=" in value
            ),
        }
    finally:
        conn.close()


def conditional_check(port: int, endpoint: Endpoint) -> dict[str, Any]:
    """A GET, then the same GET with the validators of the first answer (when it sent any) and, as a
    browser would, the cookies it set (a page's ETag may depend on the visitor's CSRF cookie)."""
    first = http_get(port, endpoint.path, endpoint.headers())
    headers = first["headers"]
    result: dict[str, Any] = {
        "status": first["status"],
        "bytes": first["bytes"],
        "content_encoding": headers.get("content-encoding", ""),
        "content_type": headers.get("content-type", ""),
        "etag": headers.get("etag", ""),
        "last_modified": headers.get("last-modified", ""),
        "cache_control": headers.get("cache-control", ""),
        "vary": headers.get("vary", ""),
        "set_cookie": sorted(first["cookies"]),
        "conditional_status": None,
        "conditional_bytes": None,
    }
    revisit = {}
    if result["etag"]:
        revisit["If-None-Match"] = result["etag"]
    if result["last_modified"]:
        revisit["If-Modified-Since"] = result["last_modified"]
    if first["cookies"]:
        revisit["Cookie"] = "; ".join(f"{name}={value}" for name, value in first["cookies"].items())
    if result["etag"] or result["last_modified"]:
        second = http_get(port, endpoint.path, {**endpoint.headers(), **revisit})
        result["conditional_status"] = second["status"]
        result["conditional_bytes"] = second["bytes"]
    return result


# --- closed loop: wrk ----------------------------------------------------------------------------

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def wrk_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not match:
        return float("nan")
    return float(match.group(1)) * UNITS[match.group(2)]


def wrk_command(port: int, endpoint: Endpoint, options: argparse.Namespace, duration: float) -> list[str]:
    command = ["wrk", "-t", str(options.threads), "-c", str(options.connections), "-d", f"{duration:g}s"]
    command.append("--latency")
    for name, value in endpoint.headers().items():
        command += ["-H", f"{name}: {value}"]
    return [*command, f"http://127.0.0.1:{port}{endpoint.path}"]


def wrk_parse(output: str) -> dict[str, Any]:
    def number(pattern: str) -> float | None:
        match = re.search(pattern, output)
        return float(match.group(1)) if match else None

    percentiles = {
        int(p): wrk_ms(v) for p, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", output, re.MULTILINE)
    }
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    requests = re.search(r"(\d+) requests in ([\d.]+\w+),", output)
    rate = number(r"Requests/sec:\s+([\d.]+)")
    if rate is None or requests is None:
        raise RuntimeError(f"wrk said:\n{output}")
    return {
        "rps": rate,
        "requests": int(requests.group(1)),
        "p50_ms": percentiles.get(50, float("nan")),
        "p75_ms": percentiles.get(75, float("nan")),
        "p90_ms": percentiles.get(90, float("nan")),
        "p99_ms": percentiles.get(99, float("nan")),
        "non_2xx_3xx": int(number(r"Non-2xx or 3xx responses:\s+(\d+)") or 0),
        "socket_errors": dict(
            zip(("connect", "read", "write", "timeout"), map(int, socket_errors.groups()), strict=True)
        )
        if socket_errors
        else {},
    }


def closed_loop(
    server: Server, endpoint: Endpoint, options: argparse.Namespace, meter: CpuMeter
) -> dict[str, Any]:
    server.check_alive()
    before = meter.read(server.pid)
    run = subprocess.run(
        wrk_command(server.port, endpoint, options, options.duration),
        capture_output=True,
        text=True,
        timeout=options.duration + 60,
    )
    after = meter.read(server.pid)
    result = wrk_parse(run.stdout + run.stderr)
    cpu = CpuMeter.delta(before, after)
    served = max(1, result["requests"])
    result.update(
        cpu,
        server_cpu_ms_per_request=cpu["server_cpu_s"] * 1000 / served,
        db_cpu_ms_per_request=cpu["db_cpu_s"] * 1000 / served,
        errors=result["non_2xx_3xx"] + sum(result["socket_errors"].values()),
    )
    return result


def warm_up(server: Server, endpoint: Endpoint, options: argparse.Namespace) -> None:
    if options.warmup > 0:
        subprocess.run(
            wrk_command(server.port, endpoint, options, options.warmup),
            capture_output=True,
            timeout=options.warmup + 60,
        )


# --- open loop: the client process ---------------------------------------------------------------


async def read_response(reader: asyncio.StreamReader) -> tuple[int, int, bool]:
    """(status, body bytes, connection reusable) of one HTTP/1.1 response."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head[:-4].split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length, chunked, close = None, False, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value
        elif name == b"connection":
            close = value == b"close"
    if status in (204, 304) or status < 200:
        return status, 0, not close
    if chunked:
        size = 0
        while True:
            size_line = await reader.readuntil(b"\r\n")
            chunk = int(size_line.split(b";", 1)[0].strip(), 16)
            if chunk == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                    pass
                return status, size, not close
            await reader.readexactly(chunk + 2)
            size += chunk
    if length is not None:
        await reader.readexactly(length)
        return status, length, not close
    return status, len(await reader.read()), False  # delimited by the end of the connection


class OpenLoopClient:
    """Requests at fixed intervals; each latency measured from the request's scheduled time."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.host, self.port = "127.0.0.1", int(config["port"])
        headers = "".join(f"{name}: {value}\r\n" for name, value in config["headers"].items())
        self.request = (
            f"GET {config['path']} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{headers}\r\n"
        ).encode()
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.opened = 0
        self.latencies: array[float] = array("d")
        self.service: array[float] = array("d")  # from the actual send (what wrk reports)
        self.send_lag: array[float] = array("d")
        self.statuses: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.stale_retries = 0
        self.bytes = 0

    async def connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bool]:
        while self.idle:
            reader, writer = self.idle.pop()  # the most recently used: least likely to be timed out
            if not reader.at_eof() and not writer.is_closing():
                return reader, writer, True
            writer.close()
        self.opened += 1
        reader, writer = await asyncio.open_connection(self.host, self.port, limit=1 << 20)
        return reader, writer, False

    async def one(self, due: float, slots: asyncio.Semaphore) -> None:
        timeout = float(self.config["timeout"])
        async with slots:
            conn = None
            try:
                async with asyncio.timeout(timeout - (time.perf_counter() - due)):
                    for attempt in (0, 1):
                        reader, writer, reused = await self.connection()
                        conn = (reader, writer)
                        sent = time.perf_counter()
                        if attempt == 0:
                            self.send_lag.append(sent - due)
                        writer.write(self.request)
                        try:
                            status, size, keep = await read_response(reader)
                            break
                        except (asyncio.IncompleteReadError, ConnectionResetError):
                            writer.close()
                            conn = None
                            # The server closed an idle keep-alive connection as we sent: a browser
                            # retries such a request once on a new connection.
                            if not reused or attempt:
                                raise
                            self.stale_retries += 1
            except TimeoutError:
                self.errors["timeout"] += 1
                self.latencies.append(time.perf_counter() - due)  # a lower bound
                if conn is not None:
                    conn[1].close()
                return
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
                self.errors[type(exc).__name__] += 1
                if conn is not None:
                    conn[1].close()
                return
            done = time.perf_counter()
            self.latencies.append(done - due)
            self.service.append(done - sent)
            self.statuses[str(status)] += 1
            self.bytes += size
            if keep:
                self.idle.append(conn)
            else:
                conn[1].close()

    async def run(self) -> dict[str, Any]:
        config = self.config
        rate, count = float(config["rate"]), int(config["rate"] * config["duration"])
        slots = asyncio.Semaphore(int(config["max_connections"]))
        for _ in range(int(config["preopen"])):
            with contextlib.suppress(OSError):
                reader, writer = await asyncio.open_connection(self.host, self.port, limit=1 << 20)
                self.opened += 1
                self.idle.append((reader, writer))
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu_before = usage.ru_utime + usage.ru_stime
        tasks = []
        t0 = time.perf_counter() + 0.05
        for index in range(count):
            due = t0 + index / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.one(due, slots)))
        sending_s = time.perf_counter() - t0
        _done, pending = await asyncio.wait(tasks, timeout=float(config["timeout"]) + 5)
        now = time.perf_counter()
        for task in pending:  # not answered within the timeout: errors, at their time so far
            task.cancel()
        if pending:
            self.errors["unfinished"] += len(pending)
            self.latencies.extend(now - (t0 + tasks.index(task) / rate) for task in pending)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        for _reader, writer in self.idle:
            writer.close()
        latencies = sorted(v * 1000 for v in self.latencies)
        service = sorted(v * 1000 for v in self.service)
        lag = sorted(v * 1000 for v in self.send_lag)
        return {
            "rate": rate,
            "duration_s": config["duration"],
            "scheduled": count,
            "answered": sum(self.statuses.values()),
            "sending_s": sending_s,
            "p50_ms": common.pct(latencies, 50),
            "p90_ms": common.pct(latencies, 90),
            "p99_ms": common.pct(latencies, 99),
            "p999_ms": common.pct(latencies, 99.9),
            "max_ms": latencies[-1] if latencies else float("nan"),
            "service_p50_ms": common.pct(service, 50),
            "service_p99_ms": common.pct(service, 99),
            "send_lag_p99_ms": common.pct(lag, 99),
            "send_lag_max_ms": lag[-1] if lag else float("nan"),
            "statuses": dict(self.statuses),
            "errors": dict(self.errors),
            "connections_opened": self.opened,
            "stale_keepalive_retries": self.stale_retries,
            "body_bytes": self.bytes,
            "client_cpu_s": usage.ru_utime + usage.ru_stime - cpu_before,
        }


def openloop_entry() -> None:
    """``read_path.py openloop``: one open-loop run; config as JSON on stdin, result on stdout."""
    common.raise_fd_limit()
    config = json.loads(sys.stdin.readline())
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    result = asyncio.run(OpenLoopClient(config).run())
    sys.stdout.write(json.dumps(result) + "\n")


def open_loop(
    procs: common.Processes, server: Server, endpoint: Endpoint, options: argparse.Namespace
) -> dict[str, Any]:
    server.check_alive()
    config = {
        "port": server.port,
        "path": endpoint.path,
        "headers": endpoint.headers(),
        "rate": options.rate,
        "duration": options.open_duration,
        "max_connections": options.open_max_connections,
        "preopen": 4,
        "timeout": options.open_timeout,
    }
    proc = procs.start(
        [sys.executable, str(Path(__file__).resolve()), "openloop"],
        os.environ.copy(),
        OUT / "openloop.log",
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=(OUT / "openloop.log").open("ab"),
    )
    stdout, _ = proc.communicate(
        json.dumps(config).encode() + b"\n", timeout=options.open_duration + options.open_timeout + 60
    )
    procs.procs.remove(proc)
    if proc.returncode != 0 or not stdout.strip():
        raise RuntimeError(f"the open-loop client failed (code {proc.returncode}); see {OUT}/openloop.log")
    return dict(json.loads(stdout.splitlines()[-1]))


# --- the run -------------------------------------------------------------------------------------


def measure(
    procs: common.Processes,
    server: Server,
    endpoint: Endpoint,
    options: argparse.Namespace,
    meter: CpuMeter,
    servers: list[Server],
    open_run: bool,
) -> dict[str, Any]:
    record: dict[str, Any] = {"name": endpoint.name, "kind": endpoint.kind, "path": endpoint.path}
    record["conditional"] = conditional_check(server.port, endpoint)
    warm_up(server, endpoint, options)
    wait_idle(servers)
    busy_before = wait_quiet(options.wait_quiet)
    record["closed"] = closed_loop(server, endpoint, options, meter)
    record["closed"]["machine_busy_before"] = busy_before
    if open_run:
        wait_idle(servers)
        busy_before = wait_quiet(options.wait_quiet)
        record["open"] = open_loop(procs, server, endpoint, options)
        record["open"]["machine_busy_before"] = busy_before
    return record


def progress(record: dict[str, Any]) -> None:
    closed = record["closed"]
    line = (
        f"  {record['name']:<26} {closed['rps']:>7.1f} req/s  p99 {closed['p99_ms']:6.1f} ms  "
        f"CPU {closed['server_cpu_ms_per_request']:.2f}+{closed['db_cpu_ms_per_request']:.2f} ms/req"
    )
    if closed["errors"]:
        line += f"  ERRORS {closed['non_2xx_3xx']} non-2xx/3xx {closed['socket_errors']}"
    if "open" in record:
        line += f"  | open p99 {record['open']['p99_ms']:.1f} ms"
        if record["open"]["errors"]:
            line += f" errors {record['open']['errors']}"
    if record["conditional"]["status"] != 200:
        line += f"  status {record['conditional']['status']}"
    print(line, flush=True)


def run(options: argparse.Namespace) -> dict[str, Any]:
    hub_env, reference_env = bench_environment(options.server_env)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    print(
        f"database {os.environ['DATABASE_URL']}, Redis {os.environ['REDIS_URL']} ({KEY_PREFIX}:*)", flush=True
    )
    print(database_ready(), flush=True)
    common.redis_forget_bench_keys()
    endpoints, ids, skipped = discover()
    if options.list:
        for endpoint in endpoints:
            print(f"{endpoint.name:<26} {endpoint.kind:<4} {endpoint.path}")
        for line in skipped:
            print("skipped:", line)
        raise SystemExit(0)
    if options.only:
        names = {endpoint.name for endpoint in endpoints}
        unknown = sorted(set(options.only) - names)
        if unknown:
            raise SystemExit(f"unknown endpoints {unknown}; known: {', '.join(sorted(names))}")
        endpoints = [endpoint for endpoint in endpoints if endpoint.name in options.only]
    started = datetime.datetime.now(datetime.UTC)
    result: dict[str, Any] = {
        "command": shlex.join([sys.executable, *sys.argv]),
        "started": started.isoformat(timespec="seconds"),
        "git": git_state(),
        "machine": {"cores": os.cpu_count()},
        "options": {k: v for k, v in vars(options).items() if k != "list"},
        "server_env": dict(item.split("=", 1) for item in options.server_env),
        "ids": ids,
        "skipped": skipped,
        "reference": {"runs": []},
        "endpoints": [],
    }
    meter = CpuMeter(os.environ["DATABASE_URL"])
    try:
        with common.Processes() as procs:
            hub = server_start(procs, "hub", HUB_APP, hub_env, options.workers)
            reference = server_start(procs, "reference", REFERENCE_APP, reference_env, options.workers)
            wait_answers(hub, "/healthz")
            wait_answers(reference, REFERENCE_PATH)
            servers = [hub, reference]
            result["servers"] = {"hub": shlex.join(hub.command), "reference": shlex.join(reference.command)}
            print(f"hub: {result['servers']['hub']}\nreference: {result['servers']['reference']}", flush=True)

            def reference_run(moment: str, open_run: bool = False) -> None:
                record = measure(procs, reference, REFERENCE, options, meter, servers, open_run)
                result["reference"]["runs"].append({"moment": moment, **record["closed"]})
                result["reference"].setdefault("conditional", record["conditional"])
                if open_run:
                    result["reference"]["open"] = record["open"]
                print(f"reference ({moment}):", end="", flush=True)
                progress({**record, "name": ""})

            reference_run("start", open_run=not options.skip_open)
            middle = (len(endpoints) + 1) // 2
            for index, endpoint in enumerate(endpoints):
                if index == middle:
                    reference_run("middle")
                record = measure(procs, hub, endpoint, options, meter, servers, not options.skip_open)
                result["endpoints"].append(record)
                progress(record)
            reference_run("end")
            hub.check_alive()
    finally:
        meter.close()
    summarise(result, options)
    return result


def git_state() -> dict[str, Any]:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    changed = [line for line in git("status", "--porcelain").splitlines() if line]
    return {"commit": git("rev-parse", "--short", "HEAD"), "changed_files": len(changed)}


def summarise(result: dict[str, Any], options: argparse.Namespace) -> None:
    rates = [run["rps"] for run in result["reference"]["runs"]]
    mean = statistics.fmean(rates)
    result["reference"].update(
        rps_mean=mean, rps_min=min(rates), rps_max=max(rates), spread=(max(rates) - min(rates)) / mean
    )
    met = {"throughput": 0, "p99": 0, "both": 0}
    for record in result["endpoints"]:
        closed, opened = record["closed"], record.get("open")
        clean = closed["errors"] == 0 and record["conditional"]["status"] == 200
        record["ratio"] = closed["rps"] / mean
        throughput_ok = clean and record["ratio"] >= GOALS[record["kind"]]
        p99_ok = None
        if opened is not None:
            p99_ok = (
                not opened["errors"] and opened["p99_ms"] < P99_GOAL_MS and set(opened["statuses"]) == {"200"}
            )
        record["goal"] = {"throughput": throughput_ok, "p99": p99_ok, "clean": clean}
        met["throughput"] += throughput_ok
        met["p99"] += bool(p99_ok)
        met["both"] += throughput_ok and (p99_ok is not False)
    result["summary"] = {"endpoints": len(result["endpoints"]), "met": met}


# --- report --------------------------------------------------------------------------------------


def yes_no(value: bool | None) -> str:
    return "–" if value is None else ("yes" if value else "**no**")


def percent(share: float) -> str:
    return "–" if math.isnan(share) else f"{share * 100:.0f} %"


def validators_cell(conditional: dict[str, Any]) -> str:
    sent = [name for name, key in (("ETag", "etag"), ("LM", "last_modified")) if conditional[key]]
    if not sent:
        return "none"
    return "+".join(sent) + f"→{conditional['conditional_status']}"


def report(result: dict[str, Any], options: argparse.Namespace) -> str:
    ref = result["reference"]
    rate = f"{options.rate:g}/s"
    head = [
        "request",
        "kind",
        "req/s",
        "ratio",
        "goal met",
        "p50/p99 ms",
        "CPU ms/req server+DB",
        "other CPU",
        f"open p50/p99 ms @{rate}",
        "p99<100",
        "ETag/304",
        "bytes",
    ]
    rows = [head]

    def open_cell(opened: dict[str, Any] | None) -> str:
        if opened is None:
            return "–"
        return f"{common.fmt(opened['p50_ms'])}/{common.fmt(opened['p99_ms'])}"

    ref_open = ref.get("open")
    ref_cond = ref.get("conditional") or {}
    ref_cpu = statistics.fmean(run["server_cpu_ms_per_request"] for run in ref["runs"])
    ref_db = statistics.fmean(run["db_cpu_ms_per_request"] for run in ref["runs"])
    ref_p50 = statistics.fmean(run["p50_ms"] for run in ref["runs"])
    ref_p99 = statistics.fmean(run["p99_ms"] for run in ref["runs"])
    rows.append(
        [
            "reference (plain Django, mean of 3)",
            "JSON",
            common.fmt(ref["rps_mean"]),
            "1.00",
            "",
            f"{common.fmt(ref_p50)}/{common.fmt(ref_p99)}",
            f"{ref_cpu:.2f}+{ref_db:.2f}",
            "/".join(percent(run["other_cpu_share"]) for run in ref["runs"]),
            open_cell(ref_open),
            yes_no(ref_open["p99_ms"] < P99_GOAL_MS) if ref_open else "–",
            validators_cell(ref_cond) if ref_cond else "–",
            f"{ref_cond.get('bytes', 0):,}",
        ]
    )
    for record in result["endpoints"]:
        closed, goal = record["closed"], record["goal"]
        goal_cell = yes_no(goal["throughput"]) + f" (≥{GOALS[record['kind']]:g})"
        if not goal["clean"]:
            goal_cell = "**no (errors)**"
        rows.append(
            [
                f"`{record['path']}`",
                record["kind"],
                common.fmt(closed["rps"]),
                f"{record['ratio']:.2f}",
                goal_cell,
                f"{common.fmt(closed['p50_ms'])}/{common.fmt(closed['p99_ms'])}",
                f"{closed['server_cpu_ms_per_request']:.2f}+{closed['db_cpu_ms_per_request']:.2f}",
                percent(closed["other_cpu_share"]),
                open_cell(record.get("open")),
                yes_no(goal["p99"]),
                validators_cell(record["conditional"]),
                f"{record['conditional']['bytes']:,}",
            ]
        )
    spread = ", ".join(f"{run['moment']} {run['rps']:.1f}" for run in ref["runs"])
    met, count = result["summary"]["met"], result["summary"]["endpoints"]
    lines = [
        f"# Public read path vs plain Django ({result['started']}, commit {result['git']['commit']}"
        + (
            f", {result['git']['changed_files']} files changed in the work tree"
            if result["git"]["changed_files"]
            else ""
        )
        + ")",
        "",
        f"Command: `{result['command']}`",
        f"Hub: `{result['servers']['hub']}`",
        f"Reference: `{result['servers']['reference']}` (`bench/plainview/`)",
        f"Closed loop: `wrk -t{options.threads} -c{options.connections} -d{options.duration:g}s --latency`, "
        f"after {options.warmup:g} s of warm-up; open loop: {rate} for {options.open_duration:g} s, "
        "latency from the scheduled send time (coordinated omission corrected).",
        f"Reference: {ref['rps_mean']:.1f} req/s mean ({spread}; spread {ref['spread'] * 100:.1f} %).",
    ]
    if result["server_env"]:
        lines.append("Hub environment: " + " ".join(f"{k}={v}" for k, v in result["server_env"].items()))
    lines += ["", common.table(rows), ""]
    lines.append(
        f"**Goal met for {met['both']} of {count}** (throughput ≥ 0.7 API / ≥ 0.5 HTML of the reference: "
        f"{met['throughput']} of {count}; open-loop p99 < {P99_GOAL_MS:g} ms at {rate}: "
        + (f"{met['p99']} of {count})." if not options.skip_open else "not measured, --skip-open).")
    )
    lines += [
        "",
        "CPU ms/req: the server's process tree, then PostgreSQL's backends of the bench database, per "
        "request served in the closed-loop run. Other CPU: the share of the machine (both cores) used "
        "during that run by processes outside the bench (not the servers, their database backends, Redis "
        "or wrk): other sessions, other benches. Above a few per cent that row's req/s is low by about as "
        "much.",
    ]
    runs = [r["closed"] for r in result["endpoints"]] + ref["runs"]
    for key, label in (
        ("other_cpu_share", "other processes"),
        ("irq_share", "interrupts"),
        ("steal_share", "stolen by the hypervisor"),
    ):
        shares = [run[key] for run in runs if not math.isnan(run[key])]
        if shares:
            lines.append(
                f"Machine CPU {label} during the closed-loop runs: median "
                f"{statistics.median(shares) * 100:.0f} %, max {max(shares) * 100:.0f} %."
            )
    problems = problems_lines(result)
    if problems:
        lines += ["", "Errors seen:", *problems]
    if result["skipped"]:
        lines += ["", "Skipped: " + "; ".join(result["skipped"])]
    lines += [
        "",
        "Caching headers (a GET without cookies, then the same GET with its validators and the cookies "
        "it set, as a browser sends them):",
        "",
    ]
    cache_rows = [
        [
            "request",
            "status",
            "Content-Encoding",
            "ETag",
            "Last-Modified",
            "Cache-Control",
            "Set-Cookie",
            "Vary",
            "conditional",
        ]
    ]
    for name, cond in [("reference", ref_cond)] + [
        (r["name"], r["conditional"]) for r in result["endpoints"]
    ]:
        if not cond:
            continue
        cache_rows.append(
            [
                name,
                str(cond["status"]),
                cond["content_encoding"] or "–",
                cond["etag"] or "–",
                cond["last_modified"] or "–",
                cond["cache_control"] or "–",
                ",".join(cond["set_cookie"]) or "–",
                cond["vary"] or "–",
                "–"
                if cond["conditional_status"] is None
                else f"{cond['conditional_status']} ({cond['conditional_bytes']} B)",
            ]
        )
    lines.append(common.table(cache_rows))
    return "\n".join(lines) + "\n"


def problems_lines(result: dict[str, Any]) -> list[str]:
    lines = []
    for record in result["endpoints"]:
        closed, opened, cond = record["closed"], record.get("open"), record["conditional"]
        issues = []
        if cond["status"] != 200:
            issues.append(f"first GET answered {cond['status']}")
        if closed["non_2xx_3xx"]:
            issues.append(f"wrk: {closed['non_2xx_3xx']} non-2xx/3xx of {closed['requests']}")
        if any(closed["socket_errors"].values()):
            issues.append(f"wrk socket errors {closed['socket_errors']}")
        if opened and (opened["errors"] or set(opened["statuses"]) - {"200"}):
            issues.append(f"open loop: statuses {opened['statuses']}, errors {opened['errors']}")
        if issues:
            lines.append(f"- `{record['path']}`: " + "; ".join(issues) + f" (server log: {OUT}/hub.log)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--duration", type=float, default=8, help="seconds of wrk per endpoint (default 8)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--warmup", type=float, default=1, help="seconds of wrk before each run, not counted")
    parser.add_argument("--rate", type=float, default=100, help="open-loop requests per second (default 100)")
    parser.add_argument("--open-duration", type=float, default=10, help="open-loop seconds per endpoint")
    parser.add_argument("--open-max-connections", type=int, default=256, help="open-loop connection cap")
    parser.add_argument("--open-timeout", type=float, default=30, help="open-loop request timeout, s")
    parser.add_argument("--skip-open", action="store_true", help="closed loop only")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        metavar="S",
        help="before each run, wait up to S s for the machine to be under 20 %% busy (default 0: no wait)",
    )
    parser.add_argument(
        "--only",
        type=lambda v: [n.strip() for n in v.split(",") if n.strip()],
        default=[],
        help="name1,name2",
    )
    parser.add_argument(
        "--list", action="store_true", help="print the endpoints and their paths, run nothing"
    )
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers of each server (default 2)")
    parser.add_argument(
        "--server-env", action="append", default=[], metavar="NAME=VALUE", help="hub environment (repeatable)"
    )
    parser.add_argument("--json", help="also write the raw figures to this file")
    options = parser.parse_args()
    for item in options.server_env:
        if "=" not in item:
            parser.error(f"--server-env wants NAME=VALUE, not {item!r}")
    common.sigterm_as_interrupt()
    try:
        result = run(options)
    except KeyboardInterrupt:
        raise SystemExit("interrupted; every process this bench started is stopped") from None
    text = report(result, options)
    print("\n" + text)
    (OUT / "read_path.md").write_text(text)
    raw = json.dumps(result, indent=1, default=str)
    (OUT / "read_path.json").write_text(raw)
    if options.json:
        Path(options.json).write_text(raw)
    print(f"table: {OUT}/read_path.md; raw figures: {OUT}/read_path.json", flush=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["openloop"]:
        openloop_entry()
    else:
        main()
