"""The fan-out (``hub.realtime.fanout``) without Redis: the in-process bus of one server process,
through the real ASGI router (WebsocketCommunicator; the sockets use the portable ASGI-send
writer). With Redis and real server processes: ``tests/test_live_fanout.py``."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async

from sessions_live.services import chat
from tests.factories import UserFactory
from tests.factories_sessions import LiveSessionLiveFactory
from tests.test_live_fanout import append_events, append_silently
from tests.test_sessions_websocket import events_of, open_socket, quiet

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def in_process_fanout(settings):
    settings.REDIS_URL = ""
    settings.SESSIONS_CHAT_RATE_LIMIT = 100_000


async def batch_seqs(ws, last: int) -> tuple[list[int], int]:
    seqs: list[int] = []
    messages = 0
    while not seqs or seqs[-1] < last:
        frame = json.loads(await ws.receive_from(timeout=5))
        messages += 1
        frames = frame["frames"] if frame["type"] == "batch" else [frame]
        seqs += [inner["seq"] for inner in frames if inner["type"] == "event"]
    return seqs, messages


async def test_events_reach_every_local_socket_once_in_order(in_process_fanout):
    # given two viewers of one session in this process
    session = await sync_to_async(LiveSessionLiveFactory)()
    first, _ = await open_socket(session.pk)
    second, _ = await open_socket(session.pk)
    user = await sync_to_async(UserFactory)()
    # when three messages are written through the service
    for text in ("un", "deux", "trois"):
        await sync_to_async(chat.chat_send)(actor=user, session=session, text=text)
    # then both get seq 1, 2, 3 once each
    for ws in (first, second):
        assert [frame["seq"] for frame in await events_of(ws, 3)] == [1, 2, 3]
        assert await quiet(ws)
        await ws.disconnect()


async def test_a_burst_becomes_fewer_messages_for_a_batch_client(in_process_fanout):
    # given a client that accepts batches
    session = await sync_to_async(LiveSessionLiveFactory)()
    ws, _ = await open_socket(session.pk, query="?batch=1")
    # when 50 events commit together
    await sync_to_async(append_events)(session.pk, 50, one_transaction=True)
    # then all 50 seqs arrive once, in order, in fewer websocket messages
    seqs, messages = await batch_seqs(ws, 50)
    assert seqs == list(range(1, 51))
    assert messages < 50
    assert await quiet(ws)
    await ws.disconnect()


async def test_resume_and_gap_fill_on_the_fanout_path(in_process_fanout):
    # given a viewer that reconnects with last_seq=1 after two events
    session = await sync_to_async(LiveSessionLiveFactory)()
    await sync_to_async(append_events)(session.pk, 2)
    ws, hello = await open_socket(session.pk, query="?last_seq=1")
    assert hello["data"]["last_seq"] == 2
    # then it gets 2 from the log
    assert [frame["seq"] for frame in await events_of(ws, 1)] == [2]
    # when seq 3 is in the log without a broadcast and seq 4 is broadcast
    await sync_to_async(append_silently)(session.pk)
    await sync_to_async(append_events)(session.pk, 1)
    # then it gets 3 (from the log) and 4, once each
    assert [frame["seq"] for frame in await events_of(ws, 2)] == [3, 4]
    # and a resume from 2 sends 3 and 4 again, then the ack
    await ws.send_json_to({"type": "resume", "last_seq": 2, "ref": "r"})
    assert [frame["seq"] for frame in await events_of(ws, 2)] == [3, 4]
    assert await quiet(ws)
    await ws.disconnect()


async def test_plain_and_batch_clients_get_every_event_once_and_a_viewer_back_replays(in_process_fanout):
    # given a plain viewer and a batch viewer
    session = await sync_to_async(LiveSessionLiveFactory)()
    first, _ = await open_socket(session.pk)
    second, _ = await open_socket(session.pk, query="?batch=1")
    # when three events are written
    await sync_to_async(append_events)(session.pk, 3)
    # then both get 1, 2, 3 once each, in order
    assert [frame["seq"] for frame in await events_of(first, 3)] == [1, 2, 3]
    assert (await batch_seqs(second, 3))[0] == [1, 2, 3]
    for ws in (first, second):
        assert await quiet(ws)
        await ws.disconnect()
    # and a viewer back with last_seq=1 gets 2 and 3 from the log, then live events
    again, hello = await open_socket(session.pk, query="?last_seq=1")
    assert hello["data"]["last_seq"] == 3
    assert [frame["seq"] for frame in await events_of(again, 2)] == [2, 3]
    await sync_to_async(append_events)(session.pk, 1)
    assert [frame["seq"] for frame in await events_of(again, 1)] == [4]
    assert await quiet(again)
    await again.disconnect()


async def test_a_resume_reads_recent_frames_from_the_process_memory(in_process_fanout):
    # given a viewer that keeps the session's group subscribed in this process, and 5 events it got
    session = await sync_to_async(LiveSessionLiveFactory)()
    watcher, _ = await open_socket(session.pk)
    await sync_to_async(append_events)(session.pk, 5)
    assert [frame["seq"] for frame in await events_of(watcher, 5)] == [1, 2, 3, 4, 5]
    # when the log rows 2..5 are gone from the database (so only the memory can answer)
    from sessions_live.models import SessionEvent

    await sync_to_async(SessionEvent.objects.filter(session_id=session.pk, seq__gte=2).delete)()
    # then a viewer back with last_seq=1 still gets 2..5 once, in order, as one batch
    again, hello = await open_socket(session.pk, query="?last_seq=1&batch=1")
    assert hello["data"]["last_seq"] == 5
    seqs, messages = await batch_seqs(again, 5)
    assert seqs == [2, 3, 4, 5] and messages == 1
    # and a plain client gets them as single frames
    plain, _ = await open_socket(session.pk, query="?last_seq=3")
    assert [frame["seq"] for frame in await events_of(plain, 2)] == [4, 5]
    for ws in (watcher, again, plain):
        assert await quiet(ws)
        await ws.disconnect()


async def test_concurrent_connects_share_reads_and_each_resumes_exactly(in_process_fanout):
    # given a session at seq 3, and 20 viewers that each saw up to seq 3 before a cut
    session = await sync_to_async(LiveSessionLiveFactory)()
    await sync_to_async(append_events)(session.pk, 3)

    # when they all reconnect at once while 5 more events are written
    opening = asyncio.gather(*(open_socket(session.pk, query="?last_seq=3") for _ in range(20)))
    # (database_sync_to_async: its thread's connection is closed after, as in the servers)
    writing = asyncio.create_task(database_sync_to_async(append_events)(session.pk, 5))
    sockets = await opening
    await writing
    for ws, hello in sockets:
        # then no hello is behind what its client had seen
        assert hello["data"]["last_seq"] >= 3
        # and each gets 4..8 exactly once, in order (from the log, the memory or live)
        assert [frame["seq"] for frame in await events_of(ws, 5)] == [4, 5, 6, 7, 8]
        assert await quiet(ws)
        await ws.disconnect()
    # and a viewer arriving now gets a hello at the current seq (the shared read is never stale)
    late, hello = await open_socket(session.pk)
    assert hello["data"]["last_seq"] == 8
    await late.disconnect()
