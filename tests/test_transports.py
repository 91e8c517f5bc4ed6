"""The live fan-out's writer (``hub.realtime.transports``): under the production command line
(``manage.py serve``) each server process uses its direct transport writer, logs it at start-up
and reports it in ``/healthz`` with its open sockets; a server whose internals moved falls back to
the plain ASGI send, loudly. Runs on both backends (the server serves the test database)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgiref.sync import sync_to_async
from websockets.asyncio.client import connect

from hub.realtime import transports
from tests.conftest import (
    RunningProcess,
    free_port,
    service_env,
    start_process,
    wait_for,
    wait_until_serving,
)
from tests.factories_sessions import LiveSessionLiveFactory

pytestmark = [pytest.mark.django_db(transaction=True)]


def serve(tmp_path: Path, server: str) -> tuple[RunningProcess, str]:
    """``manage.py serve`` as compose.yaml runs it (web only), on a free port, once it answers."""
    port = free_port()
    env = service_env(tmp_path)
    env["LOG_LEVEL"] = "INFO"
    args = [sys.executable, "manage.py", "serve", "--web-only", "--host", "127.0.0.1", "--port", str(port)]
    runner = start_process([*args, "--server", server], env, tmp_path / f"serve-{server}.log")
    url = f"http://127.0.0.1:{port}"
    wait_until_serving(runner, url, "manage.py serve", timeout=40)
    return runner, url


def realtime(url: str) -> dict[str, Any]:
    return httpx.get(f"{url}/healthz", timeout=15).json()["realtime"]


@pytest.mark.parametrize(
    ("server", "writer"), [("uvicorn", transports.UVICORN_DIRECT), ("daphne", transports.DAPHNE_DIRECT)]
)
def test_the_production_command_line_uses_the_direct_writer_and_says_so(tmp_path, server, writer):
    # given a live session and the hub served by manage.py serve
    session = LiveSessionLiveFactory()
    runner, url = serve(tmp_path, server)
    try:
        # then the process logged its writer at start-up, and /healthz reports it with no socket yet
        assert wait_for(lambda: f"live delivery: writer {writer}" in runner.log(), timeout=10), runner.log()
        assert "unavailable" not in runner.log()
        report = realtime(url)
        assert (report["server"], report["writer"], report["problems"]) == (server, writer, [])
        assert report["sockets"] == {}

        # when a viewer watches the session
        async def watch() -> dict[str, Any]:
            ws_url = url.replace("http://", "ws://", 1)
            async with connect(f"{ws_url}/ws/sessions/{session.pk}/", open_timeout=10) as ws:
                assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "hello"
                return await sync_to_async(realtime)(url)

        during = asyncio.run(watch())
        # then its socket is written by the direct writer, and is no longer counted once it left
        assert during["sockets"] == {writer: 1}
        assert wait_for(lambda: realtime(url)["sockets"] == {}, timeout=10)
    finally:
        runner.stop()


def test_a_server_whose_internals_moved_gets_the_portable_writer():
    # given a class that no longer names an attribute the direct writer reads
    class Protocol:
        def __init__(self) -> None:
            self.transport = None

    # then the check names what is missing
    from hub.realtime.transports.base import missing

    assert missing({"P": Protocol}, {"P": ("transport", "writable")}) == ["P.writable"]


def test_sockets_of_an_unknown_server_use_the_asgi_send():
    # given this process (pytest: no uvicorn or daphne server loaded the application here)
    report = transports.report()

    # then the portable writer is the only one a socket may use
    async def send(message):  # an ASGI send of any server (or of a test communicator)
        return None

    assert report.writer == transports.ASGI_SEND
    assert transports.writer_for(send).name == transports.ASGI_SEND
