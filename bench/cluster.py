"""Scale-out, proven on this machine: compose.yaml's deployment without Docker, a crowd of viewers
through nginx, and the faults production sees: a node killed, a rolling restart, a Redis failover.

1. Starts Redis as production runs it with high availability (a master, a replica, three Sentinels;
   the hub reaches it only through the Sentinels), migrates the database (``--database-url``,
   created if missing), creates a live session and the chat writers' accounts and tokens.
2. Starts a Celery worker and ``--nodes`` web nodes with compose.yaml's commands (``manage.py serve
   --web-only --proxy-headers``, ``DB_POOL_MAX_SIZE=8``), each the leader of its own process
   group on its own port, and nginx (Debian's) with compose.yaml's proxy configuration (``least_conn``,
   the websocket location).
3. ``--viewers`` viewers (``--procs`` load processes, ``bench/cluster/crowd.py``) connect through
   nginx to ``/ws/sessions/<id>/?batch=1`` and behave as the live page: they resume with
   ``last_seq``, at once after 4503/4008, after the page's backoff otherwise.
4. For each scenario (``--scenarios``, in that order), chat flows at ``--chat-rate`` messages per
   second (REST, through nginx), and:
   - ``rolling``: each node in turn gets SIGTERM (as ``docker stop``), is started again and waits
     until healthy, then ``--settle`` s (nginx retries a node it saw fail after 10 s);
   - ``failover``: the Redis master is lost (``--failover kill``: SIGKILL; ``command``:
     ``SENTINEL FAILOVER``); the Sentinels promote the replica; the channel layer, the fan-out,
     presence, the cache and Celery follow (a task sent after the failover is run by the worker);
   - ``kill``: SIGKILL to one node's process group (its viewers reconnect through nginx to the
     others); the node is started again if another scenario follows.
   Chat stops a few seconds after every viewer is back and caught up; the window ends at the
   session's last seq in the database.
5. Prints per scenario: viewers, events, received per viewer, missing, duplicates, time to recover
   (every viewer reconnected and caught up), and the viewer count the hub reports against the
   viewers connected (sampled every 0.5 s through nginx).

Usage (PostgreSQL on 127.0.0.1; Redis, nginx, the nodes and the worker are started here):
    .venv/bin/python bench/cluster.py                      # 2,000 viewers, all three scenarios
    .venv/bin/python bench/cluster.py --viewers 200 --scenarios kill --json out.json
Logs and configuration files: ``--out`` (default /tmp/communesplus-bench/cluster).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.cluster.harness import Harness  # noqa: E402
from bench.cluster.stack import Stack  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/cp_bench_cluster"
WRITERS = 4


def prepare_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    from hub.reference_data import reference_data_load

    call_command("migrate", verbosity=0)
    reference_data_load()


def create_session() -> tuple[int, list[str]]:
    """A live session of Cotonou and the chat writers' API tokens."""
    from django.utils import timezone

    from hub.models import Commune, User
    from hub.services.accounts import api_token_create
    from sessions_live.models import LiveSession, SessionKind, SessionStatus

    now = timezone.now()
    session = LiveSession.objects.create(
        commune=Commune.objects.get(slug="cotonou"),
        kind=SessionKind.ORDINARY,
        title=f"Banc d'essai de la grappe {now:%Y-%m-%d %H:%M:%S}",
        status=SessionStatus.LIVE,
        starts_at=now,
        started_at=now,
    )
    tokens = []
    for n in range(WRITERS):
        email = f"grappe-{n}@bench.communesplus.bj"
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email=email, password=None, display_name=f"Écrivain {n}"
        )
        tokens.append(api_token_create(user=user, device_name="bench/cluster.py").key)
    return int(session.pk), tokens


def session_last_seq(session_id: int) -> int:
    from django.db import connection

    from sessions_live.models import LiveSession

    try:
        return int(LiveSession.objects.values_list("last_seq", flat=True).get(pk=session_id))
    finally:
        connection.close()  # called from the harness's threads too


def worker_round_trip(timeout: float = 60) -> float:
    """A real task through the broker: an expired API token that the worker's
    ``purge_expired_api_tokens`` deletes. Returns the seconds it took."""
    from datetime import timedelta

    from django.utils import timezone

    from hub.models import ApiToken, User
    from hub.services.accounts import api_token_create
    from hub.tasks import purge_expired_api_tokens

    user = User.objects.get(email="grappe-0@bench.communesplus.bj")
    issued = api_token_create(user=user, device_name="expired")
    ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=timezone.now() - timedelta(days=1))
    started = time.monotonic()
    purge_expired_api_tokens.delay()
    while ApiToken.objects.filter(pk=issued.token.pk).exists():
        if time.monotonic() - started > timeout:
            raise TimeoutError("the Celery worker did not run a task sent through the broker")
        time.sleep(0.1)
    return time.monotonic() - started


# --- scenarios -----------------------------------------------------------------------------------


def run(options: argparse.Namespace) -> list[dict[str, Any]]:
    out = Path(options.out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # nginx and the crowd inherit it
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="hub.settings",
        DATABASE_URL=options.database_url,
        VAR_DIR=str(out / "var"),
        SECRET_KEY="communesplus-cluster-bench-not-secret-" + "x" * 20,
        KEY_PREFIX="cp",
        LOG_LEVEL="WARNING",
        DEBUG="0",
        THROTTLE_ANON="1000000/min",
        THROTTLE_USER="1000000/min",
        SESSIONS_CHAT_RATE_LIMIT="1000000",
        STATIC_USE_FINDERS="1",
    )
    results: list[dict[str, Any]] = []
    with Stack(out, env, nodes=options.nodes, sentinel_down_after_ms=options.sentinel_down_after) as stack:
        stack.start_redis()
        os.environ.update(stack.env)  # this process is a client of the same Redis, through the Sentinels
        prepare_database(options.database_url)
        session_id, tokens = create_session()
        redis = stack.redis
        print(f"session {session_id}; Redis master :{redis.master_port}, replica :{redis.replica_port}, "
              f"Sentinels {redis.sentinel_ports}", flush=True)  # fmt: skip
        stack.start_worker()
        stack.start_nodes()
        stack.start_nginx()
        print(f"nginx :{stack.proxy_port} → nodes {stack.node_ports}; worker round trip "
              f"{worker_round_trip():.2f} s; {options.viewers} viewers connecting…", flush=True)  # fmt: skip
        harness = Harness(
            stack,
            session_id=session_id,
            viewers=options.viewers,
            tokens=tokens,
            last_seq=lambda: session_last_seq(session_id),
            procs=options.procs,
            connect_rate=options.connect_rate,
            chat_rate=options.chat_rate,
        )
        try:
            print(f"connected in {harness.connect_seconds:.1f} s; {harness.status()}", flush=True)
            names = options.scenarios.split(",")
            for n, name in enumerate(names):
                if name == "kill":  # the node comes back for the next scenario, if any
                    result = harness.node_kill(0, restart=n + 1 < len(names))
                elif name == "rolling":
                    result = harness.rolling_restart(options.settle)
                else:
                    result = harness.redis_failover(options.failover, probe=worker_round_trip)
                results.append(result)
                print(report([result]), flush=True)
        finally:
            harness.stop()
    return results


# --- report --------------------------------------------------------------------------------------


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def counts(values: dict[str, Any] | None) -> str:
    return ", ".join(f"{key}: {value}" for key, value in sorted((values or {}).items())) or "0"


ROWS = [
    ("viewers", lambda r: fmt(r["viewers"])),
    (
        "viewers whose socket was lost / reconnections",
        lambda r: f"{r['viewers_lost']:,} / {r['reconnects']:,}",
    ),
    ("events sent (chat messages in the window)", lambda r: fmt(r["events"])),
    ("events received per viewer (min / max)", lambda r: f"{r['received_min']:,} / {r['received_max']:,}"),
    ("missing (viewers missing some)", lambda r: f"{r['missing']:,} ({r['viewers_missing']:,})"),
    ("duplicates", lambda r: fmt(r["duplicates"])),
    ("time to recover: all back and caught up (s)", lambda r: fmt(r["recovered_s"])),
    ("  back (hello) p50 / max (s)", lambda r: f"{fmt(r['back_s_p50'])} / {fmt(r['back_s_max'])}"),
    ("  caught up p50 / max (s)", lambda r: f"{fmt(r['caught_s_p50'])} / {fmt(r['caught_s_max'])}"),
    ("viewer count: samples wrong / taken", lambda r: f"{r['count_samples_wrong']} / {r['count_samples']}"),
    ("viewer count right (= connected) since (s)", lambda r: fmt(r["count_right_since_s"])),
    (
        "viewer count at the end: reported / connected",
        lambda r: "{reported} / {connected}".format(**r["count_final"]),
    ),
    ("viewer count every viewer was told", lambda r: counts(r["count_final"]["told"])),
    ("socket closes by code", lambda r: counts(r["closes"])),
    ("failed reconnect attempts by kind", lambda r: counts(r["connect_errors"])),
    ("chat posts by status", lambda r: counts(r["chat_posts"])),
]


def report(results: list[dict[str, Any]]) -> str:
    rows = [["", *(r["scenario"] for r in results)]]
    rows += [[label, *(cell(r) for r in results)] for label, cell in ROWS]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append(
            "| "
            + " | ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row))
            + " |"
        )
        if n == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for result in results:
        lines.append(f"{result['scenario']}: {json.dumps(result['details'])}")
        for step in result["steps"]:
            lines.append(
                f"  {step['label']} at {step['at_s']:.1f} s: {step['sockets_lost']} sockets lost (p50 "
                f"{fmt(step['lost_s_p50'])} / max {fmt(step['lost_s_max'])} s after it), back "
                f"p50 {fmt(step['back_s_p50'])} / max {fmt(step['back_s_max'])} s, caught up by "
                f"{fmt(step['caught_s_max'])} s, never back {step['never_back']}"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, default=2000)
    parser.add_argument("--procs", type=int, default=1, help="load processes")
    parser.add_argument("--nodes", type=int, default=3, help="web nodes behind nginx")
    parser.add_argument("--chat-rate", type=float, default=4.0, help="chat messages per second")
    parser.add_argument(
        "--connect-rate", type=float, default=200.0, help="new viewers per second at the start"
    )
    parser.add_argument(
        "--scenarios",
        default="rolling,failover,kill",
        help="in this order (a rolling restart first: each node then holds viewers when it restarts)",
    )
    parser.add_argument("--failover", choices=["kill", "command"], default="kill")
    parser.add_argument(
        "--sentinel-down-after",
        type=int,
        default=5000,
        help="Sentinel down-after-milliseconds (compose.yaml's: 5000)",
    )
    parser.add_argument(
        "--settle", type=float, default=11.0, help="seconds between two nodes of the rolling restart"
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--out", default="/tmp/communesplus-bench/cluster")
    parser.add_argument("--json", help="write the results to this file")
    options = parser.parse_args()
    for name in options.scenarios.split(","):
        if name not in ("kill", "rolling", "failover"):
            parser.error(f"unknown scenario {name!r} (kill, rolling, failover)")
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    results = run(options)
    print()
    print(report(results))
    if options.json:
        Path(options.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
