"""Overload and a lost database answer 503 with Retry-After, never 500 (hub/overload.py).

A real server process whose database does not answer (PostgreSQL on a port where nothing listens:
what a stopped database or an exhausted connection pool look like to a request)."""

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
