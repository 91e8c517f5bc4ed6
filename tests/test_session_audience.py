"""A live session's audience (``sessions_live.audience``): peak and total viewers, counted over real
websocket connections through the real ASGI router (WebsocketCommunicator), in this process: on the
embedded defaults in memory, with ``REDIS_URL`` in Redis. Then what the row keeps (saved while live,
at the end, never lowered), and where the figures show: the staff consoles, the archive page for
everyone, the session's API detail (read-only).

Real server processes, and the peak across two of them: ``test_session_audience_servers.py``.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings as django_settings
from django.test import Client
from rest_framework.test import APIClient

from hub.models import Role
from sessions_live import audience, presence
from sessions_live.audience import Figures
from sessions_live.models import LiveSession, SessionStatus
from sessions_live.services import sessions
from tests.factories import CommuneFactory, UserFactory
from tests.factories_sessions import LiveSessionFactory, LiveSessionLiveFactory, staff_of
from tests.test_sessions_websocket import open_socket

# A presence round every 0.1 s: the audience is saved every 1.5 s (audience.SAVE_ROUNDS rounds).
ROUND = 0.1


@pytest.fixture(autouse=True)
def fresh_audience(settings: Any) -> Iterator[None]:
    """Fast presence rounds; without Redis, no figures left in memory by an earlier test (ids come
    back on SQLite). With Redis, the conftest empties the test prefix's keys."""
    settings.SESSIONS_PRESENCE_INTERVAL = ROUND
    audience._memory.clear()
    presence._memory.clear()
    yield
    audience._memory.clear()
    presence._memory.clear()


def row(session_id: int) -> Figures:
    peak, total = LiveSession.objects.values_list("peak_viewers", "total_viewers").get(pk=session_id)
    return Figures(peak, total)


async def eventually(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    """``check()`` (run in a thread: it may read the database) once it is true; fails after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = await sync_to_async(check)()
        if value:
            return value
        assert time.monotonic() < deadline, f"still {value!r} after {timeout} s"
        await asyncio.sleep(0.05)


def counted(session_id: int) -> audience.Reading:
    reading = audience.figures_read(session_id)
    assert reading is not None
    return reading


# --- Counting, over real sockets -----------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_each_connection_counts_once_and_a_resumption_not_at_all():
    # given a live session
    session = await sync_to_async(LiveSessionLiveFactory)()
    # when a viewer connects as an app does (no last_seq) and another as a page does: with the
    # last_seq the page was rendered at, which does not make it a resumption
    first, _ = await open_socket(session.pk)
    page, hello = await open_socket(session.pk, query=f"?batch=1&last_seq={0}")
    # then both are counted, and the peak reaches 2 at the next presence round
    assert counted(session.pk).total == 2
    await eventually(lambda: counted(session.pk).peak == 2)
    # when the page loses its connection and comes back with its last_seq, saying it resumes
    await page.disconnect()
    back, _ = await open_socket(session.pk, query=f"?batch=1&last_seq={hello['data']['last_seq']}&resumed=1")
    # then it is not counted again
    assert counted(session.pk).total == 2
    # when a third viewer arrives and everyone leaves
    third, _ = await open_socket(session.pk, query="?resumed=0")
    await eventually(lambda: counted(session.pk).peak == 3)
    for ws in (first, back, third):
        await ws.disconnect()
    # then the figures keep what was reached: 3 at once, 3 connections
    await asyncio.sleep(3 * ROUND)
    assert counted(session.pk)[:2] == (3, 3)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_figures_are_saved_to_the_row_while_live_and_when_the_last_viewer_leaves(settings):
    # given a live session with two viewers
    session = await sync_to_async(LiveSessionLiveFactory)()
    sockets = [(await open_socket(session.pk))[0] for _ in range(2)]
    # then, without the session ending, the row gets them within a save interval (1.5 s here)
    await eventually(lambda: row(session.pk) == (2, 2), timeout=3 * audience.save_interval())
    for ws in sockets:
        await ws.disconnect()
    # given saves far apart (every 30 s)
    settings.SESSIONS_PRESENCE_INTERVAL = 2.0
    late, _ = await open_socket(session.pk)
    # when this process's last viewer of the session leaves
    await late.disconnect()
    # then what it counted is saved at the next round, not 30 s later
    await eventually(lambda: row(session.pk) == (2, 3), timeout=6)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_ending_keeps_the_figures_and_nothing_lowers_them_afterwards():
    # given a live session watched by three viewers at once, then by one
    session = await sync_to_async(LiveSessionLiveFactory)()
    mayor = await sync_to_async(staff_of)(session.commune)
    sockets = [(await open_socket(session.pk))[0] for _ in range(3)]
    await eventually(lambda: counted(session.pk).peak == 3)
    for ws in sockets[1:]:
        await ws.disconnect()
    # when the mayor ends it (the service the API and the console call)
    ended = await sync_to_async(sessions.session_end)(actor=mayor, session=session)
    # then the row keeps the peak and the total
    assert (ended.status, ended.peak_viewers, ended.total_viewers) == (SessionStatus.ENDED, 3, 3)
    assert await sync_to_async(row)(session.pk) == (3, 3)
    # when more viewers come to the ended session and the presence loop saves again
    more = [(await open_socket(session.pk))[0] for _ in range(4)]
    await asyncio.sleep(2 * audience.save_interval())
    for ws in [*more, sockets[0]]:
        await ws.disconnect()
    # then the row does not move: only a live session's audience is kept
    assert await sync_to_async(row)(session.pk) == (3, 3)
    assert not await sync_to_async(audience.figures_store)(session.pk, Figures(9, 99))
    assert await sync_to_async(row)(session.pk) == (3, 3)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_count_starts_with_the_viewers_connected_when_the_session_starts():
    # given a scheduled session: one visitor came and went, two wait for the start
    session = await sync_to_async(LiveSessionFactory)()
    mayor = await sync_to_async(staff_of)(session.commune)
    gone, _ = await open_socket(session.pk)
    await gone.disconnect()
    waiting = [(await open_socket(session.pk))[0] for _ in range(2)]
    # when the mayor starts it
    await sync_to_async(sessions.session_start)(actor=mayor, session=session)
    # then the two waiting are its first viewers (the one who left before the start is not)
    assert counted(session.pk) == (2, 2, True)
    # and a viewer arriving now is the third
    late, _ = await open_socket(session.pk)
    await eventually(lambda: counted(session.pk)[:2] == (3, 3))
    # and the end keeps that
    ended = await sync_to_async(sessions.session_end)(actor=mayor, session=session)
    assert (ended.peak_viewers, ended.total_viewers) == (3, 3)
    for ws in [*waiting, late]:
        await ws.disconnect()


def forget_counts(session_id: int) -> None:
    """What a restarted Redis (or, without Redis, a restarted process) knows of the figures: nothing."""
    if django_settings.REDIS_URL:
        from hub.redis_client import sync_redis

        sync_redis().delete(audience.figures_key(session_id))
    else:
        audience._memory.clear()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_after_the_counts_are_lost_the_total_goes_on_from_the_row():
    # given a live session whose row kept 7 at once and 40 connections, and counts that were lost
    # since (a Redis or a process restarted)
    session = await sync_to_async(LiveSessionLiveFactory)(peak_viewers=7, total_viewers=40)
    await sync_to_async(forget_counts)(session.pk)
    # when two viewers connect
    sockets = [(await open_socket(session.pk))[0] for _ in range(2)]
    # then the next save adds them to the row's total, and the row's peak stands
    await eventually(lambda: row(session.pk) == (7, 42), timeout=3 * audience.save_interval())
    # when the counts are lost once more and one more viewer connects
    await sync_to_async(forget_counts)(session.pk)
    sockets.append((await open_socket(session.pk))[0])
    # then the total goes on (43), once: the next saves add nothing more
    await eventually(lambda: row(session.pk) == (7, 43), timeout=3 * audience.save_interval())
    await asyncio.sleep(2 * audience.save_interval())
    assert await sync_to_async(row)(session.pk) == (7, 43)
    # and the end keeps it
    mayor = await sync_to_async(staff_of)(session.commune)
    ended = await sync_to_async(sessions.session_end)(actor=mayor, session=session)
    assert (ended.peak_viewers, ended.total_viewers) == (7, 43)
    for ws in sockets:
        await ws.disconnect()


# --- What the row keeps --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_stored_figure_never_goes_down():
    # given a live session whose row kept (5, 10)
    session = LiveSessionLiveFactory(peak_viewers=5, total_viewers=10)
    # when lower figures are saved, then nothing changes
    assert not audience.figures_store(session.pk, Figures(3, 7))
    assert row(session.pk) == (5, 10)
    # when one is higher, then only that one rises
    assert audience.figures_store(session.pk, Figures(6, 8))
    assert row(session.pk) == (6, 10)
    assert audience.figures_store(session.pk, Figures(2, 11))
    assert row(session.pk) == (6, 11)


@pytest.mark.django_db
def test_only_a_live_session_is_saved():
    scheduled = LiveSessionFactory()
    ended = LiveSessionFactory(status=SessionStatus.ENDED, peak_viewers=4, total_viewers=9)
    assert not audience.figures_store(scheduled.pk, Figures(3, 3))
    assert not audience.figures_store(ended.pk, Figures(30, 90))
    assert row(scheduled.pk) == (0, 0) and row(ended.pk) == (4, 9)
    # and nothing is counted for a session that does not exist
    assert not audience.figures_save(10**9)


@pytest.mark.django_db
def test_the_end_never_stores_less_than_the_live_saves_did():
    # given a live session whose row kept more than what is counted now (counted since a loss: 2, 3)
    session = LiveSessionLiveFactory(peak_viewers=10, total_viewers=100)
    mayor = staff_of(session.commune)
    assert audience.figures_combined(Figures(10, 100), audience.Reading(2, 3, based=False)) == (10, 103)
    assert audience.figures_combined(Figures(10, 100), audience.Reading(12, 3, based=True)) == (12, 100)
    assert audience.figures_combined(Figures(10, 100), None) == (10, 100)
    # when it ends with nothing counted in this process
    ended = sessions.session_end(actor=mayor, session=session)
    # then the row keeps its figures
    assert (ended.peak_viewers, ended.total_viewers) == (10, 100)


# --- Where they show -----------------------------------------------------------------------------


def audience_line(html: str) -> str:
    found = re.search(r"data-audience>(.*?)</(?:p|span)>\s*(?:</span>|<p|$)", html, re.S)
    assert found, "no audience line"
    return re.sub(r"<[^>]+>", "", found.group(1))


@pytest.mark.django_db
def test_the_archive_shows_the_figures_to_everyone():
    # given an ended session that kept its audience, and one that ended before audiences were kept
    session = LiveSessionFactory(status=SessionStatus.ENDED, peak_viewers=123, total_viewers=456)
    older = LiveSessionFactory(status=SessionStatus.ENDED)
    # when anyone opens its page (the archive)
    html = Client().get(f"/seances/{session.pk}/").content.decode()
    # then the peak and the connections are there
    line = audience_line(html)
    assert "123" in line and "456" in line, line
    # and a session without figures shows none rather than a 0 that would say nobody watched
    assert "data-audience" not in Client().get(f"/seances/{older.pk}/").content.decode()


@pytest.mark.django_db
def test_a_live_session_page_shows_no_figures_to_the_public():
    session = LiveSessionLiveFactory(peak_viewers=3, total_viewers=5)
    html = Client().get(f"/seances/{session.pk}/").content.decode()
    assert "data-audience" not in html and "data-viewer-count" in html


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["console", "moderation"])
def test_the_staff_consoles_show_the_current_count_and_the_peak(page):
    # given a live session whose row kept a peak of 5 and 9 connections
    session = LiveSessionLiveFactory(peak_viewers=5, total_viewers=9)
    client = Client()
    client.force_login(staff_of(session.commune, Role.MAYOR))
    # when its mayor opens the console
    response = client.get(f"/seances/{session.pk}/{page}/")
    html = response.content.decode()
    # then the current count and the peak are side by side, the peak ready for the live count
    assert response.status_code == 200
    assert "data-viewer-count" in html and 'data-viewer-peak="5"' in html
    line = audience_line(html)
    assert "5" in line and "9" in line, line


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["console", "moderation"])
def test_the_consoles_show_no_figures_before_the_start(page):
    session = LiveSessionFactory()
    client = Client()
    client.force_login(staff_of(session.commune, Role.MAYOR))
    response = client.get(f"/seances/{session.pk}/{page}/")
    assert response.status_code == 200 and "data-audience" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["console", "moderation"])
def test_the_figures_of_a_console_stay_with_the_communes_staff(page):
    session = LiveSessionLiveFactory(peak_viewers=5, total_viewers=9)
    # staff of another commune: refused
    elsewhere = Client()
    elsewhere.force_login(staff_of(CommuneFactory(), Role.MAYOR))
    response = elsewhere.get(f"/seances/{session.pk}/{page}/")
    assert response.status_code == 403 and "data-audience" not in response.content.decode()
    # a citizen: refused; signed out: sent to sign in
    citizen = Client()
    citizen.force_login(UserFactory())
    assert citizen.get(f"/seances/{session.pk}/{page}/").status_code == 403
    assert Client().get(f"/seances/{session.pk}/{page}/").status_code == 302


@pytest.mark.django_db
def test_the_api_detail_has_the_figures_read_only():
    # given a live session with figures, and its mayor
    session = LiveSessionLiveFactory(peak_viewers=5, total_viewers=9)
    api = APIClient()
    # when anyone reads it, then the figures are there
    data = api.get(f"/api/v1/sessions/{session.pk}/").json()
    assert (data["peak_viewers"], data["total_viewers"]) == (5, 9)
    # when its mayor tries to write them, then they do not change (the settings do not take them)
    api.force_authenticate(staff_of(session.commune))
    response = api.patch(
        f"/api/v1/sessions/{session.pk}/", {"peak_viewers": 99999, "total_viewers": -1}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["peak_viewers"], response.json()["total_viewers"]) == (5, 9)
    assert row(session.pk) == (5, 9)
    # and the schema says they are read-only
    schema = api.get("/api/schema/", {"format": "json"}).json()
    detail = schema["components"]["schemas"]["SessionDetailOut"]["properties"]
    assert detail["peak_viewers"]["readOnly"] and detail["total_viewers"]["readOnly"]
    # and the archive carries them too
    LiveSession.objects.filter(pk=session.pk).update(status=SessionStatus.ENDED)
    archive = APIClient().get(f"/api/v1/sessions/{session.pk}/archive/").json()
    assert (archive["session"]["peak_viewers"], archive["session"]["total_viewers"]) == (5, 9)
