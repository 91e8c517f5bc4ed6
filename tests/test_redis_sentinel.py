"""Redis high availability with Sentinel: every Redis client of the hub follows a failover.

(a) The configuration (README "Configuration"): with ``REDIS_SENTINELS`` the cache, the channel layer,
    the Celery broker and the hub's own clients are built on the Sentinels (a real settings module in
    a real process), and ``REDIS_SENTINELS`` without ``REDIS_URL`` is refused.
(b) OUR OWN master, replica and three Sentinels (Debian's ``redis-server`` and ``redis-sentinel``,
    never the shared Redis), a real web node (uvicorn) and a real Celery worker configured with them:
    the master is killed, then handed back with ``SENTINEL FAILOVER``; after each failover the node is
    healthy again (database, channel layer, broker), its cache and broker serve a password reset whose
    e-mail the worker sends, chat written through it reaches a viewer who resumes with ``last_seq``
    (the fan-out subscribes on the new master) with every event once, in order, and a new viewer
    connects and gets live events.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import httpx
import pytest
from asgiref.sync import sync_to_async

from bench.cluster.stack import RedisHA
from tests.conftest import ROOT, require_service, service_env, start_daphne, start_process
from tests.factories import UserFactory
from tests.factories_sessions import LiveSessionLiveFactory
from tests.test_sessions_integration import Viewer, post_chat, token_for

SETTINGS_PROBE = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "sentinels": s.REDIS_SENTINELS, "master": s.REDIS_SENTINEL_MASTER,
    "master_options": s.REDIS_MASTER_OPTIONS, "layer": s.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"],
    "cache_pool": s.CACHES["default"]["OPTIONS"]["pool_class"],
    "broker": s.CELERY_BROKER_URL, "transport": s.CELERY_BROKER_TRANSPORT_OPTIONS,
}))
"""


def read_settings(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REDIS_")}
    environment.update(DJANGO_SETTINGS_MODULE="hub.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", SETTINGS_PROBE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_sentinels_configure_the_cache_the_layer_and_the_broker() -> None:
    # given Sentinels, a master name, and REDIS_URL with a password and a database number
    result = read_settings(
        REDIS_URL="redis://:s3cr%40t@mymaster/3",
        REDIS_SENTINELS="10.0.0.1:26379, sentinel-2:26380",
        REDIS_SENTINEL_MASTER="communes",
    )
    # when the settings are read
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    # then every sentinel is named, with the master's database and credentials (not its host)
    assert found["sentinels"] == [["10.0.0.1", 26379], ["sentinel-2", 26380]]
    assert found["master"] == "communes"
    assert found["master_options"] == {"db": 3, "password": "s3cr@t"}
    # and the channel layer asks them for the master
    (layer,) = found["layer"]
    assert layer["sentinels"] == found["sentinels"]
    assert layer["master_name"] == "communes"
    assert (layer["db"], layer["password"]) == (3, "s3cr@t")
    # and the cache builds its pools through hub.redis_client
    assert found["cache_pool"] == "hub.cache.SharedConnectionPool"
    # and the Celery broker is kombu's Sentinel transport over both, for that master
    assert found["broker"] == (
        "sentinel://:s3cr%40t@10.0.0.1:26379/3;sentinel://:s3cr%40t@sentinel-2:26380/3"
    )
    assert found["transport"]["master_name"] == "communes"
    assert found["transport"]["global_keyprefix"].endswith(":celery:")


def test_one_redis_without_sentinels_keeps_its_url() -> None:
    # given REDIS_URL alone
    result = read_settings(REDIS_URL="redis://127.0.0.1:6390/2")
    # then everything talks to that server, as before
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["sentinels"] == []
    assert found["layer"] == ["redis://127.0.0.1:6390/2"]
    assert found["broker"] == "redis://127.0.0.1:6390/2"
    assert "master_name" not in found["transport"]


def test_sentinels_without_redis_url_are_refused() -> None:
    # given Sentinels but no REDIS_URL (which says Redis is on)
    result = read_settings(REDIS_SENTINELS="127.0.0.1:26379")
    # then the hub does not start half-configured, and says what is missing
    assert result.returncode != 0
    assert "REDIS_SENTINELS needs REDIS_URL" in result.stderr


# --- a real failover -----------------------------------------------------------------------------


def healthz(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=10) as reply:  # noqa: S310 - ours
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")
    except OSError:
        return 0, {}


def wait_healthy(url: str, timeout: float) -> float:
    started = time.monotonic()
    while (status := healthz(url))[0] != 200:
        assert time.monotonic() - started < timeout, f"not healthy after {timeout} s: {status}"
        time.sleep(0.2)
    return time.monotonic() - started


def mails_to(folder: Path, address: str) -> int:
    if not folder.is_dir():
        return 0
    return sum(address in path.read_text(errors="replace") for path in folder.iterdir())


async def reset_mail_arrives(base_url: str, folder: Path, address: str, timeout: float = 30) -> None:
    """A password reset through the node (cache: its limits; broker: the task) and the worker's e-mail."""
    before = mails_to(folder, address)
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as http:
        while True:  # right after a failover the node may answer 503 + Retry-After for a moment
            reply = await http.post("/api/v1/auth/password-reset/", json={"identifier": address})
            if reply.status_code == 202:
                break
            assert reply.status_code == 503, reply.text
            assert time.monotonic() < deadline, "the node kept refusing the reset"
            await asyncio.sleep(0.5)
    while mails_to(folder, address) <= before:
        assert time.monotonic() < deadline, "the worker did not send the reset e-mail"
        await asyncio.sleep(0.2)


async def chat_through(base_url: str, token: str, session_id: int, text: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while (reply := await post_chat(base_url, token, session_id, text)).status_code != 201:
        assert reply.status_code == 503, reply.text
        assert time.monotonic() < deadline, "chat kept being refused"
        await asyncio.sleep(0.5)


@pytest.mark.asyncio
async def test_the_hub_follows_a_killed_master_and_a_planned_failover(
    redis_required, postgres_required, transactional_db, reference_data, tmp_path
):
    require_service("redis-sentinel", bool(shutil.which("redis-sentinel")), "apt-get install redis-sentinel")
    # given our own master, replica and three Sentinels, and a web node and a worker that know only them
    redis = RedisHA(tmp_path / "redis", down_after_ms=2000)
    node = worker = None
    try:
        await asyncio.to_thread(redis.start)
        env = {k: v for k, v in service_env(tmp_path).items() if not k.startswith("REDIS_")}
        env.update(redis.env(), PASSWORD_RESET_PER_HOUR="100", SESSIONS_CHAT_RATE_LIMIT="1000")
        worker_args = [sys.executable, "-m", "celery", "-A", "workers", "worker", "--pool=solo"]
        worker_args += ["--queues=default,notifications", "--without-gossip", "--without-mingle"]
        worker = start_process(worker_args, env, tmp_path / "worker.log")
        node = await asyncio.to_thread(start_daphne, env, tmp_path, "sentinel-node", "uvicorn")
        await asyncio.to_thread(wait_healthy, node.url, 60)
        mail = Path(env["EMAIL_FILE_PATH"])
        user = await sync_to_async(UserFactory)(email="veille@example.bj")
        session = await sync_to_async(LiveSessionLiveFactory)()
        token = await token_for(node.url, "veille@example.bj")
        viewer = Viewer(session.pk)
        await viewer.open(node)
        await chat_through(node.url, token, session.pk, "avant")
        await viewer.pump(1)
        await reset_mail_arrives(node.url, mail, user.email)
        written = 1
        for how in ("kill", "command"):
            # when the master is lost (then handed back on purpose), chat going on meanwhile
            old_master = redis.current_master()
            switched = await asyncio.to_thread(redis.failover, how)
            assert redis.current_master() == switched["new_port"] != old_master
            for n in range(3):
                await chat_through(node.url, token, session.pk, f"après {how} {n}")
                written += 1
            # then the node is healthy again: database, channel layer and broker answer
            await asyncio.to_thread(wait_healthy, node.url, 30)
            # and the viewer, closed when its node's subscription went with the old master, resumed
            # with its last_seq and got every event once, in order (Viewer asserts each seq)
            await viewer.pump(written, timeout=30, reconnect_to=node)
            assert viewer.seqs == list(range(1, written + 1))
            # and a new viewer subscribes on the new master and gets live events
            fresh = Viewer(session.pk)
            await fresh.open(node, retry_for=20)
            assert fresh.hello["last_seq"] == written
            await chat_through(node.url, token, session.pk, f"en direct {how}")
            written += 1
            await fresh.pump(written, reconnect_to=node)
            await fresh.close()
            await viewer.pump(written, reconnect_to=node)
            # and the cache and the broker follow: a reset request is limited and queued, and the
            # worker (on the broker's new master too) sends its e-mail
            await reset_mail_arrives(node.url, mail, user.email)
        # and presence writes to the master of the moment: both viewers were counted there
        master = redis.client(redis.current_master())
        assert master.info("replication")["role"] == "master"
        assert master.zcard(f"{env['KEY_PREFIX']}:sessions:viewers:{session.pk}") >= 1
        await viewer.close()
    finally:
        if node is not None:
            node.runner.stop()
        if worker is not None:
            worker.stop()
        redis.stop()
