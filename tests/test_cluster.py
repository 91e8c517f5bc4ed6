"""Scale-out proven in the suite: compose.yaml's deployment without Docker, a crowd through nginx.

The harness of ``bench/cluster.py`` (``bench/cluster/``), smaller: OUR OWN Redis master, replica and
three Sentinels, a Celery worker, three web nodes (compose.yaml's ``manage.py serve --web-only``,
each its own process group and port) and Debian's nginx with compose.yaml's proxy configuration
(``least_conn``, the websocket location); 50 viewers of one live session connect through nginx and
behave as the live page (resume with ``last_seq``), while chat flows over REST through nginx.

(a) a rolling restart (SIGTERM, restart, healthy, one node after the other): every viewer loses its
socket once or more; (b) the Redis master is killed: the Sentinels promote the replica, the hub
follows, and the worker sends an e-mail queued after the failover; (c) SIGKILL one node: its viewers
come back through nginx on the others. After each: every viewer has every event of the window
exactly once (0 missing, 0 duplicates), and the viewer count the hub reports is the number of
viewers connected, which is also the count every viewer was last told.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.cluster.harness import Harness
from bench.cluster.stack import Stack
from hub.services.accounts import api_token_create
from sessions_live.models import LiveSession
from tests.conftest import require_service, service_env
from tests.factories import UserFactory
from tests.factories_sessions import LiveSessionLiveFactory

VIEWERS = 50


def nginx_available() -> bool:
    return bool(shutil.which("nginx") or Path("/usr/sbin/nginx").exists())


@pytest.fixture
def cluster(
    redis_required: None,
    postgres_required: None,
    transactional_db: None,
    reference_data: None,
    tmp_path: Path,
) -> Iterator[tuple[Stack, Harness, Path]]:
    require_service("nginx", nginx_available(), "apt-get install nginx")
    require_service("redis-sentinel", bool(shutil.which("redis-sentinel")), "apt-get install redis-sentinel")
    env = {k: v for k, v in service_env(tmp_path).items() if not k.startswith("REDIS_")}
    env.update(
        THROTTLE_ANON="1000000/min",
        THROTTLE_USER="1000000/min",
        SESSIONS_CHAT_RATE_LIMIT="1000000",
        PASSWORD_RESET_PER_HOUR="1000",
    )
    stack = Stack(tmp_path / "cluster", env, sentinel_down_after_ms=2000)
    harness = None
    try:
        stack.start()
        session = LiveSessionLiveFactory()
        tokens = [api_token_create(user=UserFactory()).key for _ in range(2)]
        harness = Harness(
            stack,
            session_id=session.pk,
            viewers=VIEWERS,
            tokens=tokens,
            last_seq=lambda: LiveSession.objects.values_list("last_seq", flat=True).get(pk=session.pk),
            chat_rate=4.0,
        )
        yield stack, harness, Path(env["EMAIL_FILE_PATH"])
    finally:
        if harness is not None:
            harness.stop()
        stack.stop()


def reset_mail_through(stack: Stack, folder: Path, timeout: float = 60) -> dict[str, float]:
    """A password reset through nginx (a node's cache and broker) and the worker's e-mail."""
    user = UserFactory()
    started = time.monotonic()
    while True:  # 503 + Retry-After while the node waits for Redis
        reply = httpx.post(
            f"{stack.origin}/api/v1/auth/password-reset/", json={"identifier": user.email}, timeout=10
        )
        if reply.status_code == 202:
            break
        assert reply.status_code == 503, reply.text
        assert time.monotonic() - started < timeout, "the reset kept being refused"
        time.sleep(0.5)

    def arrived() -> bool:
        return folder.is_dir() and any(
            user.email in path.read_text(errors="replace") for path in folder.iterdir()
        )

    while not arrived():
        assert time.monotonic() - started < timeout, "the worker did not send the e-mail"
        time.sleep(0.2)
    return {"mail_s": time.monotonic() - started}


def assert_nothing_lost(result: dict[str, Any]) -> None:
    # every viewer has every event of the window exactly once
    assert result["events"] > 0, result
    assert result["missing"] == 0, result
    assert result["duplicates"] == 0, result
    assert result["received_min"] == result["received_max"] == result["events"] == result["expected_min"], (
        result
    )
    # every viewer came back and caught up
    assert result["recovered_s"] is not None, result
    # the hub counts every connected viewer, and every viewer was told that count
    assert result["count_final"] == {
        "reported": VIEWERS,
        "connected": VIEWERS,
        "told": {str(VIEWERS): VIEWERS},
    }


def test_viewers_behind_nginx_miss_nothing_when_nodes_die_restart_and_redis_fails_over(
    cluster: tuple[Stack, Harness, Path],
) -> None:
    stack, harness, mail = cluster
    # given 50 viewers through nginx, spread by least_conn over the three nodes, chat flowing
    assert harness.status()["up"] == VIEWERS
    # when every node in turn is stopped as `docker stop` does, started again and healthy
    rolling = harness.rolling_restart(settle=0, warmup=1.5, tail=1.5)
    # then every viewer lost its socket at least once, and nobody missed an event
    assert rolling["viewers_lost"] == VIEWERS, rolling
    assert_nothing_lost(rolling)
    # when the Redis master is killed
    failover = harness.redis_failover(
        "kill", probe=lambda: reset_mail_through(stack, mail), warmup=1.5, tail=1.5
    )
    # then the Sentinels named the replica, the hub followed (the live fan-out closed its sockets with
    # 4503 and they resumed), the worker sent a mail queued after it, and nobody missed an event
    assert failover["details"]["new_port"] == stack.redis.current_master() != failover["details"]["old_port"]
    assert failover["closes"].get("4503", 0) >= 1, failover
    assert failover["details"]["probe"]["mail_s"] > 0
    assert_nothing_lost(failover)
    # when one node is killed (SIGKILL to its process group; it stays down)
    kill = harness.node_kill(0, restart=False, warmup=1.5, tail=1.5)
    # then its viewers came back through nginx on the two others, and nobody missed an event
    assert kill["viewers_lost"] > 0, kill
    assert_nothing_lost(kill)
