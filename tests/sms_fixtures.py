"""The ``smsc`` fixture: a real SMSC simulator process (``tests/smsc_simulator.py``) on free ports.

Import it in a test module (``from tests.sms_fixtures import smsc  # noqa: F401``). It yields an
``Smsc`` with the ``SMS_URL`` to bind to and helpers for the simulator's control port; the fixture
also points ``settings.SMS_URL`` at it for the test. ``restart()`` stops the process and starts a new
one on the same ports (a receiver must reconnect by itself).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
SYSTEM_ID, PASSWORD = "communes", "secret"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(condition: Callable[[], Any], *, timeout: float = 10.0, what: str = "condition") -> Any:
    """Poll ``condition`` until it returns something truthy; fail the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


class Smsc:
    def __init__(self, log_path: Path) -> None:
        self.port, self.control_port = _free_port(), _free_port()
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"smpp://{SYSTEM_ID}:{PASSWORD}@127.0.0.1:{self.port}?source=22990000000"
        self.control = f"http://127.0.0.1:{self.control_port}"

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "tests" / "smsc_simulator.py"),
                "--port",
                str(self.port),
                "--control-port",
                str(self.control_port),
                "--system-id",
                SYSTEM_ID,
                "--password",
                PASSWORD,
                "--dlr-delay",
                "0.3",
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_for(self._serving, timeout=20, what=f"the SMSC simulator (log: {self.log_path})")

    def _serving(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            pytest.fail(f"SMSC simulator exited: {self.log_path.read_text(errors='replace')[-2000:]}")
        try:
            requests.get(f"{self.control}/health", timeout=1).raise_for_status()
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except (requests.RequestException, OSError):
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    # --- control port --------------------------------------------------------------------------
    def _post(self, path: str, body: dict[str, Any]) -> Any:
        resp = requests.post(f"{self.control}{path}", json=body, timeout=5)
        resp.raise_for_status()
        return resp.json()

    def mo(self, sender: str, to: str, text: str, *, repeat: int = 1, split: bool = False) -> Any:
        return self._post("/mo", {"from": sender, "to": to, "text": text, "repeat": repeat, "split": split})

    def dlr(self, message_id: str, stat: str = "DELIVRD") -> Any:
        return self._post("/dlr", {"id": message_id, "stat": stat})

    def fail(self, count: int, status: int) -> Any:
        return self._post("/fail", {"count": count, "status": status})

    def reset(self) -> Any:
        return self._post("/reset", {})

    def mt(self) -> list[dict[str, Any]]:
        return list(requests.get(f"{self.control}/mt", timeout=5).json())

    def mt_parts(self) -> list[dict[str, Any]]:
        return list(requests.get(f"{self.control}/mt/parts", timeout=5).json())

    def acks(self) -> list[dict[str, Any]]:
        return list(requests.get(f"{self.control}/acks", timeout=5).json())

    def health(self) -> dict[str, Any]:
        return dict(requests.get(f"{self.control}/health", timeout=5).json())


@pytest.fixture
def smsc(settings: Any, tmp_path: Path) -> Iterator[Smsc]:
    server = Smsc(tmp_path / "smsc.log")
    server.start()
    settings.SMS_URL = server.url
    try:
        yield server
    finally:
        server.stop()
