"""Services of a test's own, which it may stop and start: a ``redis-server`` and a PostgreSQL cluster,
and a hub (``manage.py serve``) that uses them.

The shared PostgreSQL and Redis of the machine (``DATABASE_URL``/``REDIS_URL``) are never stopped or
reconfigured: a test that takes a service away starts its own, on a free port, in a temporary
directory, and ends it. PostgreSQL's tools refuse to run as root, so when the suite runs as root
they run as the ``postgres`` user (``runuser``), in a directory that user owns.

These tests need neither variable: they run in both passes of ``.ci/run``. Without the binaries
(``redis-server``; PostgreSQL's ``initdb``/``pg_ctl``/``psql``) a test skips with the service's
"needs ..." reason locally (accepted by ``tests/ci_report.py``) and fails in CI
(``tests.conftest.require_service``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, RunningProcess, free_port, require_service, start_process, wait_for

PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def pg_tool(name: str) -> str | None:
    """A PostgreSQL tool (initdb, pg_ctl, psql), from PATH or Debian's versioned directory."""
    for directory in PG_BIN_DIRS:
        if (directory / name).exists():
            return str(directory / name)
    return shutil.which(name)


# --- Redis ---------------------------------------------------------------------------------------


def require_redis_server() -> None:
    require_service(
        "Redis", shutil.which("redis-server") is not None, "install redis-server (a test starts its own)"
    )


@dataclass
class OwnRedis:
    port: int
    directory: Path
    extra: list[str] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--dir", str(self.directory), *self.extra]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait_for(self.answers, timeout=10), "our redis-server did not start"

    def answers(self) -> bool:
        return self.cli("ping") == "PONG"

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            ["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True, check=False
        )
        return result.stdout.strip()

    def kill(self) -> None:
        """Gone at once, as in a crash or a lost network (SIGKILL: no goodbye, nothing kept)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


# --- PostgreSQL ----------------------------------------------------------------------------------


def _as_postgres() -> list[str]:
    """PostgreSQL's tools refuse to run as root: run them as ``postgres`` then."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


@dataclass
class OwnPostgres:
    """A cluster of our own: ``trust`` on 127.0.0.1 only, its socket in its own directory, ``fsync``
    off (a stopped or killed server loses nothing the OS holds) but a commit acknowledged only once
    it is in the WAL (``synchronous_commit`` stays on): what the tests check."""

    port: int
    directory: Path
    seeded: dict[str, Any] = field(default_factory=dict)  # what ``SEED`` wrote in ``TEMPLATE``

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _tool(self, name: str, *args: str) -> None:
        subprocess.run(
            [*_as_postgres(), pg_tool(name) or name, *args], check=True, capture_output=True, timeout=120
        )

    def init(self) -> None:
        self._tool(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.directory}"
            " -c fsync=off -c full_page_writes=off -c max_connections=200"
        )
        log = str(self.directory / "server.log")
        self._tool("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """``fast``: sessions are ended (``AdminShutdown``); ``immediate``: the server quits at once,
        as in a crash, and recovers from its WAL at the next start."""
        self._tool("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def sql(self, database: str, query: str) -> str:
        psql = [pg_tool("psql") or "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        result = subprocess.run(
            [*psql, "-d", database, "-At", "-v", "ON_ERROR_STOP=1", "-c", query],
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.strip()


TEMPLATE = "hub_template"


def hub_env(database_url: str, redis_url: str, var_dir: Path) -> dict[str, str]:
    """A hub process's environment on our own services: the suite's own variables are replaced."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    for name in ("DB_POOL_MAX_SIZE", "DB_POOL_TIMEOUT", "READ_CACHE", "WEB_WORKERS", "SITE_URL", "CI"):
        env.pop(name, None)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        VAR_DIR=str(var_dir),
        SECRET_KEY="own-services-" + "k" * 50,
        DEBUG="0",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        KEY_PREFIX="cpown",
        FAST_PASSWORD_HASHER="1",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    if not redis_url:
        env.pop("REDIS_URL")
    return env


def manage(env: dict[str, str], *command: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"manage.py {' '.join(command)}:\n{result.stderr[-3000:]}"


@pytest.fixture(scope="session")
def own_postgres() -> Iterator[OwnPostgres]:
    """One cluster of our own for the run, with a migrated database (``TEMPLATE``, with what
    ``SEED`` writes) that each module copies: migrating takes longer than a copy."""
    available = all(pg_tool(name) for name in ("initdb", "pg_ctl", "psql"))
    require_service("PostgreSQL", available, "install PostgreSQL's server (a test starts its own cluster)")
    directory = Path(tempfile.mkdtemp(prefix="own-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    cluster = OwnPostgres(port=free_port(), directory=directory)
    try:
        cluster.init()
        cluster.start()
        cluster.sql("postgres", f"CREATE DATABASE {TEMPLATE}")
        env = hub_env(cluster.url(TEMPLATE), "", directory / "var")
        manage(env, "migrate", "--noinput", "-v0")
        seeded = subprocess.run(
            [sys.executable, "-c", SEED],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "hub.settings"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        cluster.seeded = json.loads(seeded.stdout.strip().splitlines()[-1])
        yield cluster
    finally:
        if cluster.running():
            cluster.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)


# --- A hub on them -------------------------------------------------------------------------------

# One commune (not the 77 of the reference data: quicker), a live session there and a citizen.
SEED = """
import json
import django

django.setup()
from tests.factories import CommuneFactory, UserFactory
from tests.factories_sessions import LiveSessionLiveFactory

commune = CommuneFactory(slug="cotonou", name="Cotonou")
session = LiveSessionLiveFactory(commune=commune)
user = UserFactory(email="resilience@example.bj")
print(json.dumps({"session": session.pk, "commune": commune.slug, "email": user.email}))
"""


@dataclass
class OwnHub:
    """``manage.py serve --web-only --workers 2`` (two uvicorn worker processes sharing a port, a
    connection pool each) on our own PostgreSQL database and our own Redis, with a live session in
    Cotonou and a citizen."""

    url: str
    runner: RunningProcess
    postgres: OwnPostgres
    database: str
    redis: OwnRedis
    session_id: int
    email: str

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://", 1)

    def sql(self, query: str) -> str:
        return self.postgres.sql(self.database, query)

    def log(self) -> str:
        return self.runner.log_path.read_text(errors="replace")


def start_hub(postgres: OwnPostgres, redis: OwnRedis, directory: Path, name: str, **settings: str) -> OwnHub:
    database = f"hub_{name}_{os.getpid()}"
    postgres.sql("postgres", f"CREATE DATABASE {database} TEMPLATE {TEMPLATE}")
    env = hub_env(postgres.url(database), redis.url, directory / "var")
    env.update(DB_POOL_MAX_SIZE="4", SESSIONS_CHAT_RATE_LIMIT="100000", HEALTHZ_REUSE_SECONDS="0", **settings)
    data = postgres.seeded
    port = free_port()
    # The web processes only: what the tests look at (a Celery worker and beat would double the
    # start-up time on a busy machine, and nothing here waits for a task).
    command = [sys.executable, "manage.py", "serve", "--port", str(port), "--workers", "2", "--web-only"]
    runner = start_process(command, env, directory / f"serve-{name}.log")
    url = f"http://127.0.0.1:{port}"
    _wait_until_answering(runner, url)
    return OwnHub(url, runner, postgres, database, redis, int(data["session"]), str(data["email"]))


def _wait_until_answering(runner: RunningProcess, url: str, timeout: float = 90) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if runner.process.poll() is not None:
            raise RuntimeError(f"manage.py serve exited:\n{runner.log()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=10).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    runner.stop()
    raise RuntimeError(f"manage.py serve did not answer:\n{runner.log()}")
