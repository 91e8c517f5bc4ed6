"""Overload and a lost database answer 503 with Retry-After, never 500 (hub/overload.py).

A real server process whose database does not answer (PostgreSQL on a port where nothing listens:
what a stopped database looks like to a request); then what tells a lost service from a busy one,
the breakers and the local counters. Services that go away and come back under a running hub:
tests/test_degradation_redis.py and tests/test_degradation_postgres.py."""

import httpx
import pytest

from tests.conftest import free_port, service_env, start_daphne


@pytest.fixture
def server_without_database(tmp_path):
    env = service_env(tmp_path)
    env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{free_port()}/nowhere"
    env["DB_POOL_MAX_SIZE"] = "0"
    env["LOG_LEVEL"] = "CRITICAL"
    server = start_daphne(env, tmp_path, name="no-database")
    yield server
    server.runner.stop()


def test_pages_and_api_answer_503_with_retry_after_when_the_database_cannot_serve(server_without_database):
    url = server_without_database.url
    # a page: the visitor is told to come back, in French, not that the site is broken
    page = httpx.get(f"{url}/communes/cotonou/", timeout=30)
    assert page.status_code == 503
    assert int(page.headers["Retry-After"]) > 0
    assert "Réessayez dans un instant" in page.text
    # the API: the same, as JSON
    listed = httpx.get(f"{url}/api/v1/documents/?commune=cotonou", timeout=30)
    assert listed.status_code == 503
    assert int(listed.headers["Retry-After"]) > 0
    assert listed.json()["error"]["code"] == "unavailable"
    # and the server is still there for the next request
    assert httpx.get(f"{url}/api/v1/communes/", timeout=30).status_code == 503


def test_a_refused_connection_is_a_lost_service_and_a_query_error_or_a_busy_pool_is_not():
    import psycopg
    import redis
    from psycopg_pool import PoolTimeout

    from hub import overload

    nobody = free_port()
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect(host="127.0.0.1", port=nobody, dbname="none", user="none", connect_timeout=2)
    assert overload.database_lost(refused.value)
    assert not overload.database_lost(psycopg.errors.DeadlockDetected("deadlock detected"))
    assert not overload.database_lost(PoolTimeout("couldn't get a connection after 5.00 sec"))
    with pytest.raises(redis.exceptions.ConnectionError) as lost:
        redis.Redis(connection_pool=redis.ConnectionPool(port=nobody)).ping()
    assert overload.redis_lost(lost.value)
    assert not overload.redis_lost(redis.exceptions.ResponseError("WRONGTYPE"))


def test_a_breaker_says_down_once_and_up_when_the_service_answers_again():
    import socket

    from hub import overload
    from tests.conftest import wait_for

    # given a breaker whose probe connects to a port where nothing listens yet
    port = free_port()
    breaker = overload.Breaker("test service")
    breaker.prober = lambda: socket.create_connection(("127.0.0.1", port), timeout=1).close()
    changes: list[bool] = []
    breaker.listeners.append(changes.append)
    # when two failures are seen
    breaker.failed(ConnectionRefusedError("refused"))
    breaker.failed(ConnectionRefusedError("refused again"))
    # then it is down once, and a try made now fails
    assert not breaker.up and changes == [False] and breaker.outages == 1
    assert not breaker.available()
    # when the service listens again, the probe thread finds it without anyone asking
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", port))
        listener.listen()
        # (the listeners are told just after the state flips: wait for what they were told)
        assert wait_for(lambda: changes == [False, True], timeout=10)
    assert breaker.up
    assert breaker.state() == {"status": "up", "outages": 1}


def test_local_counters_count_per_key_within_their_window():
    import time

    from hub.overload import LocalCounters

    counters = LocalCounters()
    assert [counters.hit("a", 1) for _ in range(3)] == [1, 2, 3]
    assert counters.hit("b", 1) == 1
    assert counters.get("a") == 3
    time.sleep(1.1)
    assert counters.get("a") == 0 and counters.hit("a", 1) == 1
