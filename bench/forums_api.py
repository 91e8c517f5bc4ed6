"""Forum lists and thread pages with 100,000 threads and 1,000,000 posts: queries per request, then
p50/p99 latency at a fixed request rate against a real daphne process (and uvicorn if asked).

1. Fills its own PostgreSQL database (created if missing, migrated, reference data loaded): 500
   citizens, the default categories of the three pilot communes, N threads and 10 posts per thread,
   with one INSERT … SELECT FROM generate_series each (a few seconds, not minutes); about a third of
   the threads get an official answer, 0.5% are hidden, 1% of the posts are hidden. Re-running
   reuses the data.
2. Counts the SQL queries of one request per scenario (Django test client, ``CaptureQueriesContext``)
   with the in-process time and the slowest query (``EXPLAIN ANALYZE`` of it when over 20 ms).
3. Starts the server and drives each scenario with ``wrk`` at a fixed rate; the Lua pacing script of
   ``bench/documents_api.py`` measures each latency from the time the request was *due* (wrk2-like,
   no coordinated omission), so a server that falls behind shows it in the percentiles.

Usage (PostgreSQL and Redis on 127.0.0.1; ``apt-get install -y wrk``):
    .venv/bin/python bench/forums_api.py                       # 100 req/s, 20 s per scenario, daphne
    .venv/bin/python bench/forums_api.py --servers daphne,uvicorn --rates 50,100,200
    .venv/bin/python bench/forums_api.py --no-http             # query counts only
Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/cp_bench_forums),
BENCH_REDIS_URL (default redis://127.0.0.1:6379/7). Results also go to /tmp/communesplus-bench/.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from documents_api import WRK_LUA, run_wrk  # noqa: E402 - after the path set-up

DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cp_bench_forums")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
KEY_PREFIX = "cpbenchforums"
os.environ.update(
    DATABASE_URL=DB_URL,
    REDIS_URL=REDIS_URL,
    KEY_PREFIX=KEY_PREFIX,
    DJANGO_SETTINGS_MODULE="hub.settings",
    THROTTLE_ANON="1000000/min",
    THROTTLE_USER="1000000/min",
    LOG_LEVEL="WARNING",
    DEBUG="0",
)
OUT = Path("/tmp/communesplus-bench")
PILOTS = ("cotonou", "abomey-calavi", "akpro-misserete")
POSTS_PER_THREAD = 10
CITIZENS = 500


def ensure_database() -> None:
    import psycopg

    name = DB_URL.rsplit("/", 1)[1]
    with psycopg.connect(DB_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


SEED_THREADS_SQL = """
WITH cats AS (
    SELECT array_agg(id ORDER BY commune_id, position) AS ids,
           array_agg(commune_id ORDER BY commune_id, position) AS communes
    FROM forums_category WHERE commune_id = ANY(%(communes)s)
), users AS (
    SELECT array_agg(id ORDER BY id) AS ids FROM hub_user WHERE email LIKE 'bench-%%@forum.bj'
)
INSERT INTO forums_thread (commune_id, category_id, author_id, title, kind, status, proposal_status,
    status_reason, locked, hidden, hidden_reason, official_answer_id, support_count, post_count, flag_count,
    event_seq, created_at, last_activity_at)
SELECT cats.communes[1 + (g %% array_length(cats.ids, 1))],
       cats.ids[1 + (g %% array_length(cats.ids, 1))],
       users.ids[1 + (g %% array_length(users.ids, 1))],
       (ARRAY['Route', 'Marché', 'Caniveaux', 'Forage', 'École', 'Éclairage', 'Ordures', 'Budget'])
         [1 + g %% 8]
         || ' du quartier ' || (g %% 997) || ' : question n°' || g,
       (ARRAY['question', 'concern', 'proposal'])[1 + g %% 3],
       'open',
       CASE WHEN g %% 3 = 2 THEN 'submitted' ELSE '' END,
       '', FALSE, g %% 200 = 0, '', NULL,
       (floor(power(random(), 4) * 400))::int, %(posts)s, 0, %(posts)s,
       now() - make_interval(mins => g * 5),
       now() - make_interval(secs => (random() * 86400 * 365)::int)
FROM generate_series(%(start)s, %(stop)s) AS g, cats, users
"""

SEED_POSTS_SQL = """
WITH users AS (SELECT array_agg(id ORDER BY id) AS ids FROM hub_user WHERE email LIKE 'bench-%%@forum.bj')
INSERT INTO forums_post (thread_id, author_id, body, body_html, quote_of_id, is_opening, is_official,
    created_at, edited_at, deleted_at, hidden, hidden_reason, flag_count, seq)
SELECT t.id,
       users.ids[1 + ((t.id + n) %% array_length(users.ids, 1))],
       'Message ' || n || ' : les habitants de ce quartier attendent des travaux depuis longtemps.',
       '<p>Message ' || n || ' : les habitants de ce quartier attendent des travaux depuis longtemps.</p>',
       NULL, n = 1, n = %(posts)s AND t.id %% 3 = 0,
       t.created_at + make_interval(mins => n), NULL, NULL, (t.id * 7 + n) %% 100 = 0, '', 0, n
FROM forums_thread t, generate_series(1, %(posts)s) AS n, users
WHERE t.id BETWEEN %(low)s AND %(high)s
"""


def load(threads: int) -> dict[str, int]:
    """Top the database up to ``threads`` threads with their posts (idempotent)."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from forums.models import Post, Thread
    from forums.services import categories_seed
    from hub.models import Commune, User
    from hub.reference_data import reference_data_load

    call_command("migrate", verbosity=0)
    reference_data_load()
    communes = list(Commune.objects.filter(slug__in=PILOTS))
    assert len(communes) == 3, "the three pilot communes are missing"
    for commune in communes:
        categories_seed(commune=commune)
    if User.objects.filter(email__startswith="bench-").count() < CITIZENS:
        User.objects.bulk_create(
            [
                User(email=f"bench-{i}@forum.bj", display_name=f"Citoyen {i}", password="!")
                for i in range(CITIZENS + POSTS_PER_THREAD + 1)
            ],
            ignore_conflicts=True,
        )
    have = Thread.objects.count()
    started = time.monotonic()
    if have < threads:
        print(f"seeding threads {have} -> {threads} with {POSTS_PER_THREAD} posts each", flush=True)
        step = 20_000
        for start in range(have + 1, threads + 1, step):
            stop = min(threads, start + step - 1)
            with transaction.atomic(), connection.cursor() as cursor:
                low = Thread.objects.order_by("-id").values_list("id", flat=True).first() or 0
                cursor.execute(
                    SEED_THREADS_SQL,
                    {
                        "communes": [c.pk for c in communes],
                        "start": start,
                        "stop": stop,
                        "posts": POSTS_PER_THREAD,
                    },
                )
                high = Thread.objects.order_by("-id").values_list("id", flat=True).first()
                cursor.execute(SEED_POSTS_SQL, {"posts": POSTS_PER_THREAD, "low": low + 1, "high": high})
                cursor.execute(
                    "UPDATE forums_thread t SET official_answer_id = p.id, status = 'answered' "
                    "FROM forums_post p "
                    "WHERE p.thread_id = t.id AND p.is_official AND t.id BETWEEN %s AND %s",
                    [low + 1, high],
                )
            print(f"  {stop} threads ({time.monotonic() - started:.0f} s)", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return {
        "threads": Thread.objects.count(),
        "posts": Post.objects.count(),
        "seed_seconds": int(time.monotonic() - started),
    }


@dataclass
class Scenario:
    key: str
    label: str
    path: str
    thread_ids: list[int] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)


def scenarios() -> list[Scenario]:
    from django.test import Client

    from forums.models import Thread

    thread = (
        Thread.objects.filter(commune__slug="cotonou", hidden=False, official_answer__isnull=False)
        .order_by("-last_activity_at")
        .first()
    )
    assert thread is not None
    first_page = Client().get("/api/v1/forum/threads/", {"commune": "cotonou", "page_size": 25}).json()
    # A cursor ten pages deep: keyset pagination must cost what page 1 costs.
    cursor_url = first_page["next"]
    for _page in range(9):
        cursor_url = Client().get(cursor_url).json()["next"]
    deep = cursor_url.split("/api/", 1)[1]
    base = "/api/v1/forum/threads/?commune=cotonou&page_size=25"
    return [
        Scenario("list_recent", "API list, recent activity", base),
        Scenario("list_supported", "API list, most supported", base + "&sort=supported"),
        Scenario("list_unanswered", "API list, unanswered", base + "&sort=unanswered"),
        Scenario("list_deep", "API list, recent, 10 pages deep (cursor)", "/api/" + deep),
        Scenario("list_category", "API list, one category", base + "&category=voirie"),
        Scenario("list_search", "API list, title search (q=forage)", base + "&q=forage"),
        Scenario("thread_api", "API thread detail", f"/api/v1/forum/threads/{thread.pk}/", [thread.pk]),
        Scenario(
            "posts_api", "API posts of a thread", f"/api/v1/forum/threads/{thread.pk}/posts/", [thread.pk]
        ),
        Scenario("thread_html", "HTML thread page", f"/forum/sujets/{thread.pk}/", [thread.pk]),
        Scenario("list_html", "HTML category list", "/communes/cotonou/forum/voirie/?tri=supported"),
    ]


def count_queries(items: list[Scenario], repeat: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from forums import cache as forum_cache
    from forums.models import Thread

    client = Client()
    explain: list[str] = []
    scopes = [forum_cache.ALL] + [
        f"c{pk}" for pk in Thread.objects.order_by().values_list("commune_id", flat=True).distinct()
    ]
    for sc in items:
        uncached, times = [], []
        for index in range(repeat):
            # The uncached cost: every cached read of the forums is made stale first.
            forum_cache._bump(scopes + [f"t{pk}" for pk in sc.thread_ids])
            t0 = time.perf_counter()
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(sc.path)
            uncached.append(time.perf_counter() - t0)
            if index == 0:
                queries = list(ctx.captured_queries)
            t0 = time.perf_counter()
            client.get(sc.path)  # anonymous: now from the cache
            times.append(time.perf_counter() - t0)
        assert response.status_code == 200, (sc.path, response.status_code, response.content[:300])
        slowest = max(queries, key=lambda q: float(q["time"]))
        sc.results.update(
            queries=len(queries),
            sql_ms=sum(float(q["time"]) for q in queries) * 1000,
            inproc_ms=statistics.median(uncached) * 1000,
            cached_ms=statistics.median(times) * 1000,
            slowest_ms=float(slowest["time"]) * 1000,
        )
        explain.append(f"### {sc.label}: {sc.path}\n{len(queries)} queries")
        explain += [f"-- {float(q['time']) * 1000:.1f} ms\n{q['sql'][:2000]}" for q in queries]
        if sc.results["slowest_ms"] > 20:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
                explain.append("EXPLAIN ANALYZE:\n" + "\n".join(r[0] for r in cursor.fetchall()))
        print(
            f"  {sc.label:44} {len(queries)} queries, in-process {sc.results['inproc_ms']:6.1f} ms "
            f"(SQL {sc.results['sql_ms']:5.1f} ms, slowest {sc.results['slowest_ms']:5.1f} ms), "
            f"cached {sc.results['cached_ms']:5.1f} ms",
            flush=True,
        )
    (OUT / "forums_api_queries.txt").write_text("\n\n".join(explain))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, kind: str, log_dir: Path) -> None:
        self.port = free_port()
        if kind == "daphne":
            cmd = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "-v", "0"]
        else:  # "uvicorn" (one process) or "uvicorn2" (two worker processes)
            cmd = [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(self.port)]
            cmd += ["--log-level", "warning", "--no-access-log"]
            if kind == "uvicorn2":
                cmd += ["--workers", "2"]
        cmd.append("hub.asgi:application")
        self.command = " ".join(shlex.quote(x) for x in cmd)
        log = (log_dir / f"forums-{kind}.log").open("wb")
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=5).read()
                return
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"{kind} did not start; see {log_dir}") from None
                time.sleep(0.3)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def http_runs(
    items: list[Scenario], kind: str, rates: list[int], duration: int, connections: int, lua: Path
) -> str:
    server = Server(kind, OUT)
    try:
        for sc in items:  # warm up: connections, caches, compiled templates
            for _index in range(20):
                urllib.request.urlopen(server.url + sc.path, timeout=30).read()
        for sc in items:
            for rate in rates:
                load_before = os.getloadavg()[0]
                result = run_wrk(server.url + sc.path, rate, duration, connections, lua)
                # Other programs on this machine (tests, other benches) show in the load average.
                result["load_before"], result["load_after"] = load_before, os.getloadavg()[0]
                sc.results[f"{kind}@{rate}"] = result
                print(
                    f"  {kind:7} {sc.label:44} {rate:4d} req/s -> achieved {result['achieved']:6.1f}, "
                    f"p50 {result['p50']:6.1f} ms, p99 {result['p99']:7.1f} ms, non-200 {result['non200']}, "
                    f"errors {result['errors']}, "
                    f"load {result['load_before']:.1f}->{result['load_after']:.1f}",
                    flush=True,
                )
                time.sleep(2)
    finally:
        server.stop()
    return server.command


def report(
    items: list[Scenario], counts: dict[str, int], kinds: list[str], rates: list[int], duration: int
) -> str:
    lines = [
        f"{counts['threads']:,} threads, {counts['posts']:,} posts; {duration} s per run; "
        f"latency from the scheduled send time (wrk + pacing Lua).",
        "",
        "| scenario | queries | in-process ms (uncached / cached) | "
        + " | ".join(f"{k} @{r}/s p50 / p99 ms (achieved)" for k in kinds for r in rates)
        + " |",
        "|---|---|---|" + "---|" * (len(kinds) * len(rates)),
    ]
    for sc in items:
        cells = []
        for kind in kinds:
            for rate in rates:
                res = sc.results.get(f"{kind}@{rate}")
                cells.append(f"{res['p50']:.1f} / {res['p99']:.1f} ({res['achieved']:.0f})" if res else "–")
        lines.append(
            f"| {sc.label} | {sc.results['queries']} | {sc.results['inproc_ms']:.1f} | "
            + " | ".join(cells)
            + " |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threads", type=int, default=100_000)
    parser.add_argument("--rates", default="100", help="fixed request rates, req/s, comma-separated")
    parser.add_argument("--duration", type=int, default=20, help="seconds per scenario and rate")
    parser.add_argument("--connections", type=int, default=10, help="wrk connections (one per thread)")
    parser.add_argument(
        "--servers", default="daphne", help="daphne, uvicorn, uvicorn2 (2 workers), comma-separated"
    )
    parser.add_argument("--repeat", type=int, default=5, help="in-process requests per scenario")
    parser.add_argument("--only", default="", help="comma-separated scenario keys")
    parser.add_argument("--no-http", action="store_true", help="query counts only")
    options = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    if not options.no_http and shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    ensure_database()
    import django

    django.setup()
    counts = load(options.threads)
    print(counts, flush=True)
    items = scenarios()
    if options.only:
        items = [sc for sc in items if sc.key in set(options.only.split(","))]
    print("queries per request:", flush=True)
    count_queries(items, options.repeat)
    from django.db import connection

    connection.close()
    rates = [int(x) for x in options.rates.split(",") if x]
    kinds = [] if options.no_http else [k for k in options.servers.split(",") if k]
    commands = {}
    if kinds:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(WRK_LUA)
        lua = Path(f.name)
        try:
            for kind in kinds:
                commands[kind] = http_runs(items, kind, rates, options.duration, options.connections, lua)
        finally:
            lua.unlink()
    text = report(items, counts, kinds, rates, options.duration)
    (OUT / "forums_api.md").write_text(text + "\n")
    (OUT / "forums_api.json").write_text(
        json.dumps(
            {"counts": counts, "commands": commands, "scenarios": {sc.key: sc.results for sc in items}},
            indent=1,
        )
    )
    print()
    print(text)


if __name__ == "__main__":
    main()
