"""Shared fixtures: real services, real server and worker processes, and the CI no-skip rule.

With ``DATABASE_URL``/``REDIS_URL`` unset the suite runs on SQLite and the in-memory layer, and tests
that need PostgreSQL, Redis or a Celery worker skip. When ``CI`` is set, such a skip FAILS the run.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from celery._state import _set_task_join_will_block

ROOT = Path(__file__).resolve().parents[1]
IN_CI = bool(os.environ.get("CI"))


SERVICE_HINTS = {
    "PostgreSQL": "set DATABASE_URL=postgres://...",
    "Redis": "set REDIS_URL=redis://...",
}
# Every skip for a missing service starts so; .ci/run's embedded pass accepts only these, for
# PostgreSQL and Redis (tests/ci_report.py), and its services pass accepts none.
NEEDS = "needs "


def require_service(name: str, available: bool, how: str = "") -> None:
    """Skip locally when a service is not available; in CI, fail instead."""
    if available:
        return
    message = f"{NEEDS}{name}: {how or SERVICE_HINTS.get(name, '')} (see README)"
    if IN_CI:
        pytest.fail(f"CI must exercise {name}: {message}", pytrace=False)
    pytest.skip(message)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which must run every test: {report.longrepr}"


# --- The run's report (read by .ci/run through tests/ci_report.py) -----------------------------

_outcomes: dict[str, dict[str, str]] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    entry = _outcomes.setdefault(report.nodeid, {"outcome": "passed"})
    if report.failed:
        entry["outcome"] = "failed" if report.when == "call" else "error"
    elif report.skipped and entry["outcome"] == "passed":
        entry["outcome"] = "skipped"
        longrepr = report.longrepr
        entry["reason"] = str(longrepr[2] if isinstance(longrepr, tuple) else longrepr)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    import json

    from django.conf import settings

    if getattr(session.config.option, "collectonly", False) or not _outcomes:
        return
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    report_path = Path(settings.VAR_DIR) / "test-report.json"
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(
        json.dumps(
            {
                "database": database,
                "channel_layer": layer,
                "exit_status": int(exitstatus),
                "tests": _outcomes,
            },
            indent=1,
            sort_keys=True,
        )
    )


# --- Per-test hygiene ----------------------------------------------------------------------------


def clear_cache() -> None:
    from django.conf import settings
    from django.core.cache import cache

    if "redis" in settings.CACHES["default"]["BACKEND"].lower():
        client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
        for key in client.scan_iter(match=f"{settings.KEY_PREFIX}:*", count=500):
            if b":asgi" not in key and b":celery" not in key:
                client.delete(key)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _views_own_queries(request: pytest.FixtureRequest, settings: Any) -> None:
    """A test that pins a view's query count counts the view's queries: the public read cache
    (hub/readcache.py, tested on its own in test_read_cache.py) would answer before the view."""
    if {"django_assert_num_queries", "django_assert_max_num_queries"} & set(request.fixturenames):
        settings.READ_CACHE = False


@pytest.fixture(autouse=True)
def _fresh_cache_and_eager_tasks() -> Iterator[None]:
    """Throttle counters and tickets start empty; Celery runs tasks in-process unless a test
    asks for the real worker (``celery_worker``)."""
    from evaluation import usage
    from hub import celery_app, readcache, versions

    clear_cache()
    usage.reset_local()
    # Ids come back after a rolled-back test (SQLite): what this process learnt of them goes too.
    readcache.LOCAL.clear()
    readcache.RENDERING.clear()
    versions._memo.clear()
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager
    # An eager ``apply_async`` flips Celery's process-wide "join would block" flag and restores it
    # on the way out; threads doing so at once (the concurrency tests) can leave it set, and the next
    # test's ``EagerResult.get()`` would refuse. Each test starts with Celery's default.
    _set_task_join_will_block(False)


@pytest.fixture
def fresh_chat_window(settings: Any) -> None:
    """A chat burst that must fall in one rate-limit window (fixed windows aligned on the clock):
    start it at the beginning of a window, so that a slow machine never spreads it over two."""
    window = settings.SESSIONS_CHAT_RATE_WINDOW
    if time.time() % window > window / 2:
        time.sleep(window - time.time() % window + 0.05)


@pytest.fixture
def redis_required() -> None:
    require_service("Redis", bool(os.environ.get("REDIS_URL")))


@pytest.fixture
def postgres_required() -> None:
    require_service("PostgreSQL", os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")))


@pytest.fixture
def reference_data(db: None) -> None:
    from hub.reference_data import reference_data_load

    reference_data_load()


# --- Real processes ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_database_url() -> str:
    from django.db import connection

    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    auth = quote(params.get("USER") or "")
    if params.get("PASSWORD"):
        auth += ":" + quote(params["PASSWORD"])
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{params['NAME']}"


def service_env(tmp_dir: Path) -> dict[str, str]:
    from django.conf import settings

    env = dict(os.environ)
    env.update(
        DATABASE_URL=test_database_url(),
        SECRET_KEY=settings.SECRET_KEY,
        DEBUG="0",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_dir / "mail"),
        STATIC_USE_FINDERS="1",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        KEY_PREFIX=settings.KEY_PREFIX,
        # Page views handed to Redis at once (evaluation/usage.py), so a test reads them without waiting.
        USAGE_PUSH_SECONDS="0",
    )
    return env


@dataclass
class RunningProcess:
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_process(args: list[str], env: dict[str, str], log_path: Path) -> RunningProcess:
    log = log_path.open("wb")
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return RunningProcess(process, log_path)


def close_other_connections() -> None:
    """Let the test database be dropped: PostgreSQL refuses while stopped servers' sessions linger."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@dataclass
class HubServer:
    url: str
    port: int
    runner: RunningProcess
    mail_dir: Path

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://", 1)


def wait_until_serving(runner: RunningProcess, url: str, what: str, timeout: float = 30) -> None:
    """Return once ``url``/healthz answers (any status); stop the process and raise otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if runner.process.poll() is not None:
            raise RuntimeError(f"{what} exited early:\n{runner.log()}")
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=15)  # noqa: S310 - our own local server
            return
        except urllib.error.HTTPError:
            return  # it answers (503 is a fine answer while a service is being checked)
        except OSError:
            time.sleep(0.2)
    runner.stop()
    raise RuntimeError(f"{what} did not start:\n{runner.log()}")


def start_daphne(
    env: dict[str, str], log_dir: Path, name: str = "daphne", server: str = "daphne", port: int = 0
) -> HubServer:
    """A real ASGI server process (daphne, or uvicorn with ``server="uvicorn"``) on ``port`` (a free
    one by default)."""
    from hub.management.commands.serve import web_command

    port = port or free_port()
    # The production command line (manage.py serve, compose.yaml), one process.
    runner = start_process(web_command(server, "127.0.0.1", port), env, log_dir / f"{name}-{port}.log")
    url = f"http://127.0.0.1:{port}"
    wait_until_serving(runner, url, server)
    return HubServer(url=url, port=port, runner=runner, mail_dir=Path(env["EMAIL_FILE_PATH"]))


@pytest.fixture(scope="session", autouse=True)
def _end_lingering_connections(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Before the test database is dropped, end the connections that worker threads of async tests
    left open (a test's own ``sync_to_async`` calls do not close theirs)."""
    yield
    from django.db import connection

    if str(connection.settings_dict.get("NAME", "")).startswith("test_"):
        with django_db_blocker.unblock():
            close_other_connections()


@pytest.fixture(scope="session")
def _hub_server_process(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HubServer]:
    tmp_dir = tmp_path_factory.mktemp("hub")
    server = start_daphne(service_env(tmp_dir), tmp_dir)
    yield server
    server.runner.stop()
    with django_db_blocker.unblock():
        close_other_connections()


@pytest.fixture
def hub_server(_hub_server_process: HubServer, transactional_db: None) -> HubServer:
    """A real daphne process serving the test database (reference data loaded)."""
    from hub.reference_data import reference_data_load

    if _hub_server_process.runner.process.poll() is not None:
        pytest.fail(f"the daphne test server died:\n{_hub_server_process.runner.log()}")
    reference_data_load()
    return _hub_server_process


def start_worker(env: dict[str, str], log_path: Path, name: str = "testworker") -> RunningProcess:
    """A real Celery worker process on the Redis broker, returned once it is ready."""
    args = [sys.executable, "-m", "celery", "-A", "workers", "worker", "--pool=solo", "--concurrency=1"]
    args += ["--queues=default,notifications", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    args += [f"--hostname={name}@%h", "--loglevel=INFO"]
    from hub import celery_app

    # Tasks left on the broker by earlier tests (a real daphne enqueues with no worker running)
    # name rows of a flushed database: they would only make noise in this worker.
    celery_app.control.purge()
    runner = start_process(args, env, log_path)
    deadline = time.monotonic() + 40
    while "ready." not in runner.log_path.read_text(errors="replace"):
        if runner.process.poll() is not None or time.monotonic() > deadline:
            runner.stop()
            raise RuntimeError(f"the Celery worker did not start:\n{runner.log()}")
        time.sleep(0.2)
    return runner


@dataclass
class CeleryWorker:
    runner: RunningProcess
    mail_dir: Path


class SharedWorker:
    """The suite's one shared worker, started on first use. Tests that start workers of their own
    stop it first (``exclusive_broker``), since two workers on one broker would share the work."""

    def __init__(self, tmp_dir: Path) -> None:
        self.tmp_dir = tmp_dir
        self.worker: CeleryWorker | None = None

    def get(self) -> CeleryWorker:
        if self.worker is not None and self.worker.runner.process.poll() is not None:
            pytest.fail(f"the Celery worker died:\n{self.worker.runner.log()}")
        if self.worker is None:
            env = service_env(self.tmp_dir)
            runner = start_worker(env, self.tmp_dir / f"worker-{time.monotonic_ns()}.log")
            self.worker = CeleryWorker(runner=runner, mail_dir=Path(env["EMAIL_FILE_PATH"]))
        return self.worker

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.runner.stop()
            self.worker = None


@pytest.fixture(scope="session")
def _shared_worker(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SharedWorker]:
    if os.environ.get("REDIS_URL"):
        from hub import celery_app

        # Messages left on the broker by an earlier run would name ids of a dropped test database.
        celery_app.control.purge()
    shared = SharedWorker(tmp_path_factory.mktemp("worker"))
    yield shared
    shared.stop()
    with django_db_blocker.unblock():
        close_other_connections()


@pytest.fixture
def celery_worker(
    redis_required: None, _shared_worker: SharedWorker, transactional_db: None
) -> Iterator[CeleryWorker]:
    """A real Celery worker process on the Redis broker; tasks are NOT run in-process meanwhile."""
    from hub import celery_app

    worker = _shared_worker.get()
    celery_app.conf.task_always_eager = False
    yield worker
    celery_app.conf.task_always_eager = True


@pytest.fixture
def exclusive_broker(
    redis_required: None, _shared_worker: SharedWorker, transactional_db: None
) -> Iterator[None]:
    """No other worker consumes the broker during this test; tasks go to the broker, not in-process."""
    from hub import celery_app

    _shared_worker.stop()
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


def wait_for(predicate, timeout: float = 15.0, interval: float = 0.1):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return predicate()
