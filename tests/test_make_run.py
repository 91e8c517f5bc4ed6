"""``make run`` as a newcomer runs it: no variables (SQLite, the in-memory layer, tasks
in-process, demo data), on a port of its own. A citizen who just signed up votes in the demo's live
poll and changes the vote over REST, then again over the websocket: one ballot, exact counts. The
e-mails the demo data sends while it loads link to the port served on.

Whatever the suite's own backend, this test starts ``make run`` with DATABASE_URL and REDIS_URL
removed from its environment: it is the embedded defaults' end-to-end test in both CI passes.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.conftest import ROOT, free_port

PASSWORD = "Pirogue-Ganvie-2026"
CITIZEN = "nouvelle.citoyenne@example.bj"
START_TIMEOUT = 240  # s: a fresh SQLite database is migrated and the demo data loaded first


@pytest.fixture(scope="module")
def make_run(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One ``make run`` for this module's tests (it takes a while to migrate and load the demo)."""
    tmp_path = tmp_path_factory.mktemp("make-run")
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SITE_URL", "CI", "KEY_PREFIX", "PYTEST_ADDOPTS"}
        and not key.startswith(("PYTEST_", "DJANGO_"))
    }
    mail_dir = tmp_path / "mail"
    env.update(
        PORT=str(port),
        VAR_DIR=str(tmp_path / "var"),  # a fresh checkout's var/: no database, no secret key yet
        # The one observation point: e-mails go to files instead of the terminal.
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
    )
    log_path = tmp_path / "make-run.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["make", "run"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"make run exited with {process.returncode}:\n{log_path.read_text()[-4000:]}")
            try:
                if httpx.get(f"{url}/healthz", timeout=10).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                tail = log_path.read_text()[-4000:]
                pytest.fail(f"make run did not serve within {START_TIMEOUT} s:\n{tail}")
            time.sleep(0.5)
        yield {"url": url, "port": port, "mail_dir": mail_dir, "log": log_path}
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def open_demo_poll(http: httpx.Client) -> tuple[int, dict[str, Any]]:
    sessions = http.get("/api/v1/sessions/", params={"status": "live"}).json()["results"]
    for session in sessions:
        for poll in http.get(f"/api/v1/sessions/{session['id']}/polls/").json():
            if poll["status"] == "open" and not poll.get("multiple"):
                return session["id"], poll
    raise AssertionError(f"the demo has no open single-choice poll in a live session: {sessions}")


def counts(http: httpx.Client, session_id: int, poll_id: int) -> tuple[dict[int, int], int]:
    poll = next(p for p in http.get(f"/api/v1/sessions/{session_id}/polls/").json() if p["id"] == poll_id)
    return {o["id"]: o["vote_count"] for o in poll["options"]}, poll["total"]


def test_a_citizen_changes_a_vote_over_rest_and_the_websocket_in_make_run(make_run):
    url = make_run["url"]
    # given a citizen who just signed up (a token) and the demo's open poll
    with httpx.Client(base_url=url, timeout=20) as http:
        signup = {"email": CITIZEN, "display_name": "Nouvelle Citoyenne", "password": PASSWORD}
        assert http.post("/api/v1/auth/signup/", json=signup).status_code == 201
        token = http.post("/api/v1/auth/token/", json={"identifier": CITIZEN, "password": PASSWORD})
        assert token.status_code == 201, token.text
        http.headers["Authorization"] = f"Bearer {token.json()['token']}"
        session_id, poll = open_demo_poll(http)
        first, second, third = (option["id"] for option in poll["options"][:3])
        before, total_before = counts(http, session_id, poll["id"])
        vote_url = f"/api/v1/sessions/{session_id}/polls/{poll['id']}/vote/"

        # when she votes, then changes her vote, over REST
        voted = http.post(vote_url, json={"options": [first]})
        changed = http.post(vote_url, json={"options": [second]})

        # then both are accepted and her one ballot moved
        assert voted.status_code == 200, voted.text
        assert changed.status_code == 200, changed.text
        assert changed.json()["options"] == [second]
        after_rest, total_after_rest = counts(http, session_id, poll["id"])
        assert total_after_rest == total_before + 1
        assert after_rest[first] == before[first] and after_rest[second] == before[second] + 1

        # when she changes it again over the websocket (a ticket from the API)
        ticket = http.post("/api/v1/auth/ws-ticket/").json()["ticket"]

        async def vote_by_socket() -> dict[str, Any]:
            ws_url = url.replace("http://", "ws://", 1)
            async with connect(f"{ws_url}/ws/sessions/{session_id}/?ticket={ticket}", open_timeout=10) as ws:
                assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "hello"
                frame = {"type": "poll.vote", "poll": poll["id"], "options": [third], "ref": "change"}
                await ws.send(json.dumps(frame))
                while True:
                    answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
                    if answer.get("ref") == "change":
                        return answer

        answer = asyncio.run(vote_by_socket())

        # then it is acknowledged, and still one ballot: the count moved from the second to the third
        assert answer["type"] == "ack", answer
        after_ws, total_after_ws = counts(http, session_id, poll["id"])
        assert total_after_ws == total_before + 1
        assert after_ws[second] == before[second] and after_ws[third] == before[third] + 1

        # and the same vote again is refused clearly, over REST, with the error shape
        again = http.post(vote_url, json={"options": [third]})
        assert again.status_code == 409, again.text
        assert again.json()["error"]["code"] == "already_voted"


def test_links_built_while_make_run_loads_the_demo_use_the_port_it_serves_on(make_run):
    # given make run on a port other than 8000, whose demo data sent e-mails while loading
    mails = [path.read_text(errors="replace") for path in make_run["mail_dir"].glob("*.log")]
    assert mails, f"the demo data sent no e-mail:\n{make_run['log'].read_text()[-2000:]}"
    # then every link in them names that port
    port = make_run["port"]
    assert all(f"http://127.0.0.1:{port}/" in mail for mail in mails)
    assert not any("127.0.0.1:8000" in mail for mail in mails)


def test_make_run_runs_beats_schedule_in_its_web_process(make_run):
    # given make run serving (a request has reached it), when its log is read
    httpx.get(f"{make_run['url']}/healthz", timeout=10)
    from workers.celery import app

    # then the web process runs every entry of beat's schedule itself (there is no beat without a broker)
    def started() -> str:
        return make_run["log"].read_text(errors="replace")

    deadline = time.monotonic() + 20
    while "embedded schedule:" not in started() and time.monotonic() < deadline:
        time.sleep(0.2)
    line = next(line for line in started().splitlines() if "embedded schedule:" in line)
    assert f"embedded schedule: {len(app.conf.beat_schedule)} periodic tasks" in line
    assert all(name in line for name in app.conf.beat_schedule)
