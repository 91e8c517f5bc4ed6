"""Several web processes on one machine without Docker: ``manage.py serve --web-only --workers 2``
(docs/deploy.md). Two uvicorn workers share one port; live events and viewer counts cross them
through Redis. REAL processes, PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async

from tests.conftest import ROOT, HubServer, free_port, service_env, start_process
from tests.factories_sessions import LiveSessionLiveFactory
from tests.test_live_fanout import append_events, fanout_here  # noqa: F401 - fixture
from tests.test_sessions_integration import Viewer


def children(parent: int) -> list[tuple[int, bytes]]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == parent:
            found.append((int(stat.parent.name), cmdline))
    return found


def worker_pids(serve: int) -> list[int]:
    """manage.py serve -> the uvicorn supervisor -> its worker processes (multiprocessing spawn)."""
    supervisors = [pid for pid, cmdline in children(serve) if b"uvicorn" in cmdline]
    return [
        pid for supervisor in supervisors for pid, cmdline in children(supervisor) if b"spawn_main" in cmdline
    ]


@pytest.fixture
def served(django_db_setup: None, tmp_path: Path):
    port = free_port()
    env = service_env(tmp_path)
    env.update(SESSIONS_PRESENCE_INTERVAL="0.3")
    command = [sys.executable, "manage.py", "serve", "--web-only", "--workers", "2", "--port", str(port)]
    runner = start_process(command, env, tmp_path / "serve.log")
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert runner.process.poll() is None, runner.log()
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=15)  # noqa: S310 - our own local server
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            assert time.monotonic() < deadline, runner.log()
            time.sleep(0.3)
    yield HubServer(url=url, port=port, runner=runner, mail_dir=tmp_path / "mail")
    runner.stop()


@pytest.mark.asyncio
async def test_two_workers_on_one_port_share_events_and_the_viewer_count(
    redis_required,
    postgres_required,
    hub_server,
    served,
    fanout_here,  # noqa: F811
):
    # given `manage.py serve --workers 2`: two uvicorn worker processes on one port
    deadline = time.monotonic() + 30
    while len(workers := worker_pids(served.runner.process.pid)) < 2:
        assert time.monotonic() < deadline, f"workers: {workers}\n{served.runner.log()}"
        await asyncio.sleep(0.3)
    assert len(workers) == 2, workers
    session = await sync_to_async(LiveSessionLiveFactory)()
    # when 16 viewers connect through that port
    viewers = [Viewer(session.pk) for _ in range(16)]
    await asyncio.gather(*(viewer.open(served) for viewer in viewers))
    # then each of them, on whichever worker, is told the whole count: 16 (counted in Redis)
    deadline = time.monotonic() + 20
    for viewer in viewers:
        while 16 not in viewer.presence:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"counts seen: {viewer.presence[-5:]}"
            assert viewer.ws is not None
            viewer.take(json.loads(await asyncio.wait_for(viewer.ws.recv(), remaining)))
    # and 30 events written elsewhere reach every one of them once, in order
    await sync_to_async(append_events)(session.pk, 30)
    start = viewers[0].hello["last_seq"]
    for viewer in viewers:
        await viewer.pump(start + 30)
        assert viewer.seqs == list(range(start + 1, start + 31))
    # and when 10 of them leave at once, the 6 others are told 6 (leaves are written in batches)
    for viewer in viewers[:10]:
        await viewer.close()
    for viewer in viewers[10:]:
        assert await viewer.presence_reaches(6), viewer.presence[-5:]
    for viewer in viewers[10:]:
        await viewer.close()


def test_several_workers_need_redis(tmp_path: Path) -> None:
    # given no REDIS_URL (the embedded mode)
    env = service_env(tmp_path)
    env.pop("REDIS_URL", None)
    # when two web workers are asked for
    result = subprocess.run(
        [sys.executable, "manage.py", "serve", "--workers", "2", "--port", str(free_port())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # then it refuses, saying why, instead of serving processes that cannot see each other's events
    assert result.returncode != 0
    assert "REDIS_URL" in result.stderr
