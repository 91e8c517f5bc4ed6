"""Integration: real PostgreSQL, Redis, daphne processes and a Celery worker, talking to each other.

These run only with DATABASE_URL/REDIS_URL set (CI sets both); locally without them they skip, and
in CI a skip fails the run (see conftest).
"""

import asyncio
import json

import httpx
import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.test import Client
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from hub.realtime.events import send_to_user_on_commit
from tests.conftest import service_env, start_daphne, wait_for
from tests.factories import PASSWORD, UserFactory
from tests.factories_sessions import LiveSessionLiveFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_the_suite_runs_on_postgresql(postgres_required):
    assert connection.vendor == "postgresql"


def test_healthz_reports_every_real_service(postgres_required, redis_required):
    # when
    response = Client().get("/healthz")
    # then
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["checks"]["database"]["backend"] == "postgresql"
    assert body["checks"]["channel_layer"]["backend"] == "RedisChannelLayer"
    assert body["checks"]["broker"]["backend"] == "redis"


def test_a_server_with_a_connection_pool_reuses_its_postgresql_connections(
    postgres_required, redis_required, tmp_path
):
    # given a daphne process with a pool of at most 2 connections (DB_POOL_MAX_SIZE)
    env = service_env(tmp_path)
    env["DB_POOL_MAX_SIZE"] = "2"
    env["DATABASE_URL"] += "?application_name=pooled-test"
    server = start_daphne(env, tmp_path, name="pooled")
    try:
        # when it serves many requests that each query the database
        url = f"{server.url}/api/v1/communes/?page_size=1"
        statuses = [httpx.get(url, timeout=30).status_code for _ in range(30)]
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pooled-test'")
            (backends,) = cursor.fetchone()
        # then every request succeeded and the server held at most its pool's connections open
        assert statuses == [200] * 30
        assert 1 <= backends <= 2, backends  # without a pool each request's connection is closed: 0
    finally:
        server.runner.stop()


def test_healthz_is_503_when_redis_does_not_answer(redis_required, tmp_path):
    # given a server whose Redis is a closed port
    env = service_env(tmp_path)
    env["REDIS_URL"] = "redis://127.0.0.1:1/0"
    server = start_daphne(env, tmp_path, name="no-redis")
    try:
        # when
        response = httpx.get(f"{server.url}/healthz", timeout=30)
        # then
        body = response.json()
        assert response.status_code == 503
        assert body["status"] == "error"
        assert body["checks"]["database"]["status"] == "ok"
        assert body["checks"]["broker"]["status"] == "error"
        assert body["checks"]["channel_layer"]["status"] == "error"
    finally:
        server.runner.stop()


@pytest.mark.asyncio
@pytest.mark.parametrize("server_kind", ["daphne", "uvicorn"])
async def test_healthz_stays_200_while_websockets_are_open(
    redis_required, postgres_required, tmp_path, server_kind
):
    # given a real server with the Redis channel layer and open websockets (each holds a receive
    # on the layer)
    server = await sync_to_async(start_daphne)(service_env(tmp_path), tmp_path, "health", server=server_kind)
    session = await sync_to_async(LiveSessionLiveFactory)()
    origin = {"Origin": server.url}
    try:
        url = f"{server.ws_url}/ws/sessions/{session.pk}/"
        sockets = [await connect(url, additional_headers=origin) for _ in range(3)]
        for ws in sockets:
            assert json.loads(await ws.recv())["type"] == "hello"
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            # when the health check runs, several times
            responses = [await http.get("/healthz") for _ in range(3)]
        # then every check of the channel layer answers
        for response in responses:
            assert response.status_code == 200, response.text
            assert response.json()["checks"]["channel_layer"]["status"] == "ok"
        for ws in sockets:
            await ws.close()
    finally:
        server.runner.stop()


def test_password_reset_mail_is_sent_by_the_real_worker(celery_worker, hub_server):
    # given
    UserFactory(email="oubli@example.bj", preferred_language="fr")
    # when: the API (a real daphne process) enqueues after commit on the Redis broker
    response = httpx.post(
        f"{hub_server.url}/api/v1/auth/password-reset/", json={"identifier": "oubli@example.bj"}
    )
    assert response.status_code == 202

    # then: the worker process renders and sends it
    # (the shared worker's mail folder also holds what earlier tests' notifications sent)
    def reset_mails() -> list[str]:
        texts = [path.read_text() for path in celery_worker.mail_dir.glob("*.log")]
        return [text for text in texts if "oubli@example.bj" in text]

    mails = wait_for(reset_mails, timeout=20)
    assert mails, f"no mail from the worker:\n{celery_worker.runner.log()}"
    assert len(mails) == 1 and "/mot-de-passe/nouveau/" in mails[0]


async def _token_and_ticket(base_url: str, email: str) -> tuple[str, str]:
    async with httpx.AsyncClient(base_url=base_url) as http:
        token = (
            await http.post("/api/v1/auth/token/", json={"identifier": email, "password": PASSWORD})
        ).json()["token"]
        ticket = await http.post("/api/v1/auth/ws-ticket/", headers={"Authorization": f"Bearer {token}"})
        assert ticket.status_code == 201, ticket.text
        return token, ticket.json()["ticket"]


@pytest.mark.asyncio
async def test_events_cross_processes_through_the_redis_layer(redis_required, hub_server):
    # given a mobile client connected to the daphne process with a ticket
    user = await sync_to_async(UserFactory)(email="mobile@example.bj")
    _token, ticket = await _token_and_ticket(hub_server.url, "mobile@example.bj")
    async with connect(f"{hub_server.ws_url}/ws/me/?ticket={ticket}", open_timeout=10) as ws:
        assert json.loads(await ws.recv())["type"] == "hello"
        # when this test process (another process) broadcasts through the Redis channel layer
        await sync_to_async(send_to_user_on_commit)(user.pk, "test.ping", {"from": "pytest"})
        # then the frame arrives over the real socket
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
        assert frame == {"type": "event", "event": "test.ping", "data": {"from": "pytest"}}


@pytest.mark.asyncio
async def test_foreign_origin_is_refused_by_the_real_server_which_stays_healthy(hub_server):
    with pytest.raises(InvalidStatus) as info:
        async with connect(f"{hub_server.ws_url}/ws/me/", origin="https://evil.example", open_timeout=10):
            pass
    assert info.value.response.status_code == 403
    async with httpx.AsyncClient() as http:
        assert (await http.get(f"{hub_server.url}/healthz")).status_code == 200


@pytest.mark.asyncio
async def test_signing_out_on_one_server_closes_the_socket_on_another(
    redis_required, postgres_required, hub_server, tmp_path
):
    # given a second daphne process sharing PostgreSQL and Redis
    second = await sync_to_async(start_daphne)(service_env(tmp_path), tmp_path, "second")
    try:
        await sync_to_async(UserFactory)(email="two@example.bj")
        token, ticket = await _token_and_ticket(hub_server.url, "two@example.bj")
        async with connect(f"{second.ws_url}/ws/me/?ticket={ticket}", open_timeout=10) as ws:
            assert json.loads(await ws.recv())["type"] == "hello"
            # when the token is revoked through the FIRST server
            async with httpx.AsyncClient() as http:
                revoked = await http.delete(
                    f"{hub_server.url}/api/v1/auth/token/", headers={"Authorization": f"Bearer {token}"}
                )
            assert revoked.status_code == 204
            # then the socket on the SECOND server is told and closed with 4401
            frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
            assert frame["error"]["code"] == "signed_out"
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), timeout=10)
            assert closed.value.rcvd.code == 4401
    finally:
        second.runner.stop()
