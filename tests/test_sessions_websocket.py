"""/ws/sessions/<id>/ through the real ASGI router (WebsocketCommunicator): hello, replay and resume
without gap or duplicate, actions answered with ack or error frames, every bad input."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from hub.asgi import application
from hub.models import Role
from sessions_live.models import ChatMessage, PollBallot, PollStatus, SessionEvent
from sessions_live.services import chat, moderation, polls
from tests.factories import CommuneFactory, UserFactory
from tests.factories_sessions import LiveSessionLiveFactory, PollFactory, QuestionFactory, staff_of
from tests.test_websocket_me import SAME_ORIGIN, session_cookie_for

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def no_chat_limit(settings):
    """For tests that need many messages from one user (the rate limit has tests of its own)."""
    settings.SESSIONS_CHAT_RATE_LIMIT = 100_000


async def open_socket(session_id, user=None, query=""):
    headers = list(SAME_ORIGIN)
    if user is not None:
        key = await sync_to_async(session_cookie_for)(user)
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}".encode()))
    ws = WebsocketCommunicator(application, f"/ws/sessions/{session_id}/{query}", headers=headers)
    connected, _ = await ws.connect()
    assert connected
    hello = await ws.receive_json_from(timeout=5)
    assert hello["type"] == "hello", hello
    return ws, hello


async def next_of(ws, type_, timeout=5):
    """The next frame of ``type_`` (presence frames and others are skipped)."""
    while True:
        frame = await ws.receive_json_from(timeout=timeout)
        if frame["type"] == type_:
            return frame


async def events_of(ws, count, timeout=5):
    return [await next_of(ws, "event", timeout) for _ in range(count)]


async def quiet(ws, timeout=0.3):
    """No event frame arrives within ``timeout``."""
    while not await ws.receive_nothing(timeout=timeout):
        if (await ws.receive_json_from())["type"] == "event":
            return False
    return True


send_chat = sync_to_async(lambda user, session, text: chat.chat_send(actor=user, session=session, text=text))


async def test_anyone_can_watch_and_gets_hello_with_state_then_live_events():
    session = await sync_to_async(LiveSessionLiveFactory)()
    ws, hello = await open_socket(session.pk)
    data = hello["data"]
    assert data["session"]["id"] == session.pk and data["last_seq"] == 0
    assert data["me"]["authenticated"] is False and data["me"]["can_chat"] is False
    assert data["viewer_count"] >= 1
    user = await sync_to_async(UserFactory)()
    await send_chat(user, session, "bonjour")
    frame = await next_of(ws, "event")
    assert frame["event"] == "chat.message" and frame["seq"] == 1 and frame["data"]["text"] == "bonjour"
    assert len(frame["id"]) == 36
    await ws.disconnect()


async def test_unknown_session_is_closed_with_4404():
    ws = WebsocketCommunicator(application, "/ws/sessions/999999/", headers=SAME_ORIGIN)
    connected, _ = await ws.connect()
    assert connected
    assert (await ws.receive_json_from())["error"]["code"] == "not_found"
    assert (await ws.receive_output())["code"] == 4404


async def test_reconnect_with_last_seq_replays_missed_events_once_in_order(no_chat_limit):
    # given a viewer who saw events 1..3 and was cut off
    session = await sync_to_async(LiveSessionLiveFactory)()
    user = await sync_to_async(UserFactory)()
    ws, _hello = await open_socket(session.pk)
    for n in range(3):
        await send_chat(user, session, f"m{n}")
    seen = [f["seq"] for f in await events_of(ws, 3)]
    await ws.disconnect()
    # when 4 more events happen while away, and it reconnects with last_seq=3
    for n in range(3, 7):
        await send_chat(user, session, f"m{n}")
    ws2, hello = await open_socket(session.pk, query="?last_seq=3")
    assert hello["data"]["last_seq"] == 7
    replayed = await events_of(ws2, 4)
    # and events keep flowing live after the replay
    await send_chat(user, session, "m7")
    live = await events_of(ws2, 1)
    # then every event arrives once, in order, no gap
    assert seen + [f["seq"] for f in replayed + live] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert [f["data"]["text"] for f in replayed] == ["m3", "m4", "m5", "m6"]
    assert await quiet(ws2)
    await ws2.disconnect()


async def test_events_written_during_the_replay_are_neither_lost_nor_duplicated(no_chat_limit):
    session = await sync_to_async(LiveSessionLiveFactory)()
    user = await sync_to_async(UserFactory)()
    for n in range(50):
        await send_chat(user, session, f"old{n}")

    async def writer():
        for n in range(20):
            await send_chat(user, session, f"new{n}")
            await asyncio.sleep(0)

    task = asyncio.create_task(writer())
    ws, _hello = await open_socket(session.pk, query="?last_seq=10")
    await task
    frames = await events_of(ws, 60)
    assert [f["seq"] for f in frames] == list(range(11, 71))
    assert await quiet(ws)
    await ws.disconnect()


async def test_resume_frame_sends_the_missing_events_again(no_chat_limit):
    session = await sync_to_async(LiveSessionLiveFactory)()
    user = await sync_to_async(UserFactory)()
    ws, _ = await open_socket(session.pk)
    for n in range(4):
        await send_chat(user, session, f"m{n}")
    await events_of(ws, 4)
    await ws.send_json_to({"type": "resume", "last_seq": 1, "ref": "r1"})
    again = await events_of(ws, 3)
    ack = await next_of(ws, "ack")
    assert [f["seq"] for f in again] == [2, 3, 4] and ack == {
        "type": "ack",
        "ref": "r1",
        "data": {"last_seq": 4},
    }
    await ws.disconnect()


async def test_more_than_5000_missing_events_answers_reset():
    session = await sync_to_async(LiveSessionLiveFactory)()

    def many():
        SessionEvent.objects.bulk_create(
            [
                SessionEvent(session=session, seq=n, name="chat.removed", data={"id": n})
                for n in range(1, 5102)
            ]
        )
        type(session).objects.filter(pk=session.pk).update(last_seq=5101)

    await sync_to_async(many)()
    ws, _hello = await open_socket(session.pk, query="?last_seq=100")
    assert (await ws.receive_json_from()) == {"type": "reset", "last_seq": 5101}
    ws2, _ = await open_socket(session.pk, query="?last_seq=200")
    frames = await events_of(ws2, 4901, timeout=10)
    assert frames[0]["seq"] == 201 and frames[-1]["seq"] == 5101
    await ws.disconnect()
    await ws2.disconnect()


async def test_chat_over_the_socket_is_acked_broadcast_and_idempotent():
    session = await sync_to_async(LiveSessionLiveFactory)()
    user = await sync_to_async(UserFactory)()
    ws, hello = await open_socket(session.pk, user)
    assert hello["data"]["me"]["can_chat"] is True
    frame = {"type": "chat.send", "text": "Salut", "idempotency_key": "k1", "ref": "c-1"}
    await ws.send_json_to(frame)
    ack = await next_of(ws, "ack")
    assert ack["ref"] == "c-1" and ack["data"]["message"]["text"] == "Salut"
    await ws.send_json_to({**frame, "ref": "c-2"})
    ack2 = await next_of(ws, "ack")
    assert ack2["data"] == ack["data"] and ack2["ref"] == "c-2"
    assert await sync_to_async(ChatMessage.objects.count)() == 1
    await ws.disconnect()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "invalid_json"),
        ('["a list"]', "invalid_frame"),
        ('{"type": "shout"}', "unknown_type"),
        ('{"type": "chat.send"}', "validation_error"),
        ('{"type": "poll.vote", "options": [1]}', "validation_error"),
        ('{"type": "question.upvote"}', "validation_error"),
        ('{"type": "resume"}', "validation_error"),
        ('{"type": "chat.send", "text": "' + "x" * 17000 + '"}', "frame_too_large"),
    ],
    ids=[
        "malformed",
        "not-object",
        "unknown",
        "chat-missing",
        "vote-missing",
        "upvote-missing",
        "resume-missing",
        "16k",
    ],
)
async def test_bad_frames_get_an_error_and_the_connection_stays_usable(raw, code):
    session = await sync_to_async(LiveSessionLiveFactory)()
    user = await sync_to_async(UserFactory)()
    ws, _ = await open_socket(session.pk, user)
    await ws.send_to(text_data=raw)
    error = await next_of(ws, "error")
    assert error["error"]["code"] == code
    await ws.send_json_to({"type": "ping", "ref": 5})
    assert (await next_of(ws, "pong"))["ref"] == 5
    await ws.send_json_to({"type": "chat.send", "text": "still here", "ref": "ok"})
    assert (await next_of(ws, "ack"))["ref"] == "ok"
    await ws.disconnect()


async def test_a_frame_over_64_kib_closes_with_1009_and_others_are_served():
    session = await sync_to_async(LiveSessionLiveFactory)()
    ws, _ = await open_socket(session.pk)
    await ws.send_to(text_data=json.dumps({"type": "chat.send", "text": "x" * (65 * 1024)}))
    assert (await ws.receive_output(timeout=5))["code"] == 1009
    ws2, hello = await open_socket(session.pk)
    assert hello["type"] == "hello"
    await ws2.disconnect()


async def test_anonymous_chat_gets_an_error_frame():
    session = await sync_to_async(LiveSessionLiveFactory)()
    ws, _ = await open_socket(session.pk)
    await ws.send_json_to({"type": "chat.send", "text": "hi", "ref": "a"})
    error = await next_of(ws, "error")
    assert error["ref"] == "a" and error["error"]["code"] == "not_authenticated"
    assert await sync_to_async(ChatMessage.objects.count)() == 0
    await ws.disconnect()


async def test_chat_flood_over_the_socket_is_throttled_and_not_stored(fresh_chat_window):
    session = await sync_to_async(LiveSessionLiveFactory)()
    user = await sync_to_async(UserFactory)()
    ws, _ = await open_socket(session.pk, user)
    for n in range(7):
        await ws.send_json_to({"type": "chat.send", "text": f"flood {n}", "ref": n})
    answers = [await next_of_any(ws, {"ack", "error"}) for _ in range(7)]
    errors = [a for a in answers if a["type"] == "error"]
    assert len(errors) == 2 and all(
        e["error"]["code"] == "throttled" and e["error"]["retry_after"] for e in errors
    )
    assert await sync_to_async(ChatMessage.objects.count)() == 5
    await ws.disconnect()


async def next_of_any(ws, types, timeout=5):
    while True:
        frame = await ws.receive_json_from(timeout=timeout)
        if frame["type"] in types:
            return frame


async def test_votes_over_the_socket_one_ballot_closed_and_foreign_options_rejected():
    poll = await sync_to_async(PollFactory)()
    other = await sync_to_async(PollFactory)(session=poll.session)
    options = await sync_to_async(lambda p: list(p.options.values_list("pk", flat=True)))(poll)
    foreign = await sync_to_async(lambda p: p.options.first().pk)(other)
    user = await sync_to_async(UserFactory)()
    ws, _ = await open_socket(poll.session_id, user)
    await ws.send_json_to({"type": "poll.vote", "poll": poll.pk, "options": [options[0]], "ref": 1})
    assert (await next_of_any(ws, {"ack", "error"}))["data"] == {"poll": poll.pk, "options": [options[0]]}
    await ws.send_json_to({"type": "poll.vote", "poll": poll.pk, "options": [options[0]], "ref": 2})
    assert (await next_of_any(ws, {"ack", "error"}))["error"]["code"] == "already_voted"
    await ws.send_json_to({"type": "poll.vote", "poll": poll.pk, "options": [foreign], "ref": 3})
    assert (await next_of_any(ws, {"ack", "error"}))["error"]["code"] == "invalid_option"
    await sync_to_async(type(poll).objects.filter(pk=poll.pk).update)(status=PollStatus.CLOSED)
    await ws.send_json_to({"type": "poll.vote", "poll": poll.pk, "options": [options[1]], "ref": 4})
    assert (await next_of_any(ws, {"ack", "error"}))["error"]["code"] == "poll_closed"
    counts = await sync_to_async(lambda: dict(poll.options.values_list("pk", "vote_count")))()
    assert counts == {options[0]: 1, options[1]: 0, options[2]: 0}
    assert await sync_to_async(PollBallot.objects.count)() == 1
    await ws.disconnect()


async def test_tallies_are_coalesced_and_the_last_one_is_exact():
    poll = await sync_to_async(PollFactory)()
    yes = await sync_to_async(lambda: poll.options.first().pk)()
    ws, _ = await open_socket(poll.session_id)
    voters = await sync_to_async(UserFactory.create_batch)(30)
    vote = sync_to_async(lambda u: polls.poll_vote(actor=u, poll=poll, option_ids=[yes]))
    for user in voters:
        await vote(user)
    await asyncio.sleep(1.0)
    tallies = []
    while not await ws.receive_nothing(timeout=0.5):
        frame = await ws.receive_json_from()
        if frame["type"] == "event" and frame["event"] == "poll.tally":
            tallies.append(frame)
    assert 1 <= len(tallies) < 30
    assert tallies[-1]["data"]["counts"][str(yes)] == 30 and tallies[-1]["data"]["total"] == 30
    await ws.disconnect()


async def test_question_flow_and_upvotes_over_the_socket():
    question = await sync_to_async(QuestionFactory)()
    user = await sync_to_async(UserFactory)()
    ws, _ = await open_socket(question.session_id, user)
    await ws.send_json_to({"type": "question.upvote", "question": question.pk, "ref": "u"})
    ack = await next_of(ws, "ack")
    assert ack["data"]["question"]["vote_count"] == 1
    await ws.send_json_to({"type": "question.upvote", "question": question.pk, "ref": "u2"})
    assert (await next_of(ws, "error"))["error"]["code"] == "already_voted"
    await ws.send_json_to({"type": "question.unvote", "question": question.pk, "ref": "u3"})
    assert (await next_of(ws, "ack"))["data"]["question"]["vote_count"] == 0
    await ws.send_json_to(
        {
            "type": "question.ask",
            "text": "Et les lampadaires ?",
            "anonymous": True,
            "idempotency_key": "q1",
            "ref": "q",
        }
    )
    asked = await next_of(ws, "ack")
    assert asked["data"]["question"]["author"] is None
    await ws.disconnect()


async def test_moderator_console_only_for_moderators_of_the_commune_and_never_another_session():
    session = await sync_to_async(LiveSessionLiveFactory)(questions_premoderated=True)
    other = await sync_to_async(LiveSessionLiveFactory)()
    moderator = await sync_to_async(staff_of)(session.commune, Role.MODERATOR)
    outsider = await sync_to_async(staff_of)(await sync_to_async(CommuneFactory)(), Role.MODERATOR)
    citizen = await sync_to_async(UserFactory)()
    # an outsider moderator and a citizen are refused
    for user in (outsider, citizen):
        ws, _ = await open_socket(session.pk, user)
        await ws.send_json_to({"type": "moderation.subscribe", "ref": "m"})
        assert (await next_of(ws, "error"))["error"]["code"] == "forbidden"
        await ws.disconnect()
    # a moderator of this commune cannot name another session or a group
    ws, _ = await open_socket(session.pk, moderator)
    for frame in (
        {"type": "moderation.subscribe", "session": other.pk},
        {"type": "moderation.subscribe", "group": f"session.{other.pk}.moderation"},
    ):
        await ws.send_json_to(frame)
        assert (await next_of(ws, "error"))["error"]["code"] == "forbidden"
    # but subscribes to its own and sees pending questions live
    await ws.send_json_to({"type": "moderation.subscribe", "ref": "ok"})
    assert (await next_of(ws, "ack"))["ref"] == "ok"
    citizen_ws, _ = await open_socket(session.pk, citizen)
    await citizen_ws.send_json_to({"type": "question.ask", "text": "Pourquoi ?", "ref": 1})
    await next_of(citizen_ws, "ack")
    pending = await next_of(ws, "moderation")
    assert (
        pending["event"] == "question.pending" and pending["data"]["question"]["author"]["id"] == citizen.pk
    )
    await ws.disconnect()
    await citizen_ws.disconnect()


async def test_a_mute_reaches_every_open_socket_of_the_user_at_once():
    session = await sync_to_async(LiveSessionLiveFactory)()
    moderator = await sync_to_async(staff_of)(session.commune, Role.MODERATOR)
    user = await sync_to_async(UserFactory)()
    first, _ = await open_socket(session.pk, user)
    second, _ = await open_socket(session.pk, user)
    # and the user's personal channel, which must not be disturbed by the sanction
    personal = WebsocketCommunicator(application, "/ws/me/", headers=first.scope["headers"])
    assert (await personal.connect())[0]
    assert (await personal.receive_json_from())["type"] == "hello"
    await sync_to_async(moderation.sanction_create)(
        actor=moderator, session=session, user_id=user.pk, kind="mute", minutes=10
    )
    for ws in (first, second):
        me = await next_of(ws, "me")
        assert me["data"]["muted_until"] and me["data"]["can_chat"] is False
        await ws.send_json_to({"type": "chat.send", "text": "hé", "ref": "x"})
        error = await next_of(ws, "error")
        assert error["error"]["code"] == "muted" and error["error"]["until"]
        await ws.disconnect()
    await personal.send_json_to({"type": "ping", "ref": "still"})
    assert (await personal.receive_json_from())["ref"] == "still"
    await personal.disconnect()


async def test_signing_out_closes_the_session_socket():
    from hub.services.accounts import auth_ref_for_session, sign_out_sockets

    session = await sync_to_async(LiveSessionLiveFactory)()
    user = await sync_to_async(UserFactory)()
    key = await sync_to_async(session_cookie_for)(user)
    ws = WebsocketCommunicator(
        application,
        f"/ws/sessions/{session.pk}/",
        headers=[*SAME_ORIGIN, (b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}".encode())],
    )
    await ws.connect()
    await next_of(ws, "hello")
    await sync_to_async(sign_out_sockets)(auth_ref_for_session(key))
    assert (await next_of(ws, "error"))["error"]["code"] == "signed_out"
    assert (await ws.receive_output(timeout=5))["code"] == 4401


async def test_a_client_back_after_more_than_24_hours_gets_every_missed_event(no_chat_limit):
    # given events written 25 hours ago, after the last one the client saw, and one today
    session = await sync_to_async(LiveSessionLiveFactory)()
    user = await sync_to_async(UserFactory)()
    for n in range(5):
        await send_chat(user, session, f"yesterday {n}")

    def backdate():
        import datetime

        from django.utils import timezone

        SessionEvent.objects.filter(session=session).update(
            created_at=timezone.now() - datetime.timedelta(hours=25)
        )

    await sync_to_async(backdate)()
    await send_chat(user, session, "today")
    # when it reconnects with the last seq it saw a day ago
    ws, _ = await open_socket(session.pk, query="?last_seq=2")
    # then it gets 3..6, in order, once
    frames = await events_of(ws, 4)
    assert [f["seq"] for f in frames] == [3, 4, 5, 6] and frames[-1]["data"]["text"] == "today"
    assert await quiet(ws)
    await ws.disconnect()


async def test_sockets_are_closed_with_4503_when_redis_comes_back_empty(redis_required):
    """Redis restarted between two checks (no error seen): the groups are gone, so are the sockets."""
    from django.conf import settings

    from hub.redis_client import sync_redis
    from sessions_live.presence import tracker

    interval = settings.SESSIONS_PRESENCE_INTERVAL

    session = await sync_to_async(LiveSessionLiveFactory)()
    ws, _ = await open_socket(session.pk)
    # given the presence loop has seen Redis once
    await asyncio.sleep(interval + 0.5)
    # when Redis loses its data (what a restart without persistence does to our marker)
    await sync_to_async(sync_redis().delete)(tracker().marker)
    # then the socket is closed with 4503 ("reconnect now with your last_seq")
    deadline = asyncio.get_running_loop().time() + 3 * interval
    while True:
        output = await ws.receive_output(timeout=deadline - asyncio.get_running_loop().time())
        if output["type"] == "websocket.close":
            break
    assert output["code"] == 4503


async def test_a_refused_ticket_closes_with_4401_instead_of_opening_a_read_only_socket():
    from hub.services.accounts import api_token_create, auth_ref_for_token, ws_ticket_issue

    # given a live session and a mobile client whose single-use ticket was already used once
    session = await sync_to_async(LiveSessionLiveFactory)()
    user = await sync_to_async(UserFactory)()
    issued = await sync_to_async(api_token_create)(user=user)
    ticket = await sync_to_async(ws_ticket_issue)(user=user, auth_ref=auth_ref_for_token(issued.token))
    first = WebsocketCommunicator(application, f"/ws/sessions/{session.pk}/?ticket={ticket}")
    assert (await first.connect())[0]
    hello = await next_of(first, "hello")
    assert hello["data"]["me"]["authenticated"] is True
    await first.disconnect()
    # when the client retries with the same ticket (e.g. an HTTP library retrying the handshake)
    retry = WebsocketCommunicator(application, f"/ws/sessions/{session.pk}/?ticket={ticket}")
    await retry.connect()
    # then it is told why and closed with 4401, so it can fetch a new ticket
    assert (await retry.receive_json_from())["error"]["code"] == "ticket_used"
    assert (await retry.receive_output(timeout=5))["code"] == 4401


async def test_numbers_past_any_database_id_get_a_clear_error_and_the_socket_stays_usable():
    # given an open poll and a signed-in viewer
    poll = await sync_to_async(PollFactory)()
    user = await sync_to_async(UserFactory)()
    ws, _ = await open_socket(poll.session_id, user)
    huge = 10**23
    # when they vote with a 24-digit option id, a 24-digit poll id, and upvote a 24-digit question
    for ref, frame in enumerate(
        [
            {"type": "poll.vote", "poll": poll.pk, "options": [huge]},
            {"type": "poll.vote", "poll": huge, "options": [1]},
            {"type": "question.upvote", "question": huge},
        ]
    ):
        await ws.send_json_to({**frame, "ref": ref})
        error = (await next_of_any(ws, {"ack", "error"}))["error"]
        # then each is a client error, never a server error
        assert error["code"] in {"validation_error", "not_found"}, error
    await ws.send_json_to({"type": "ping", "ref": "still-there"})
    assert (await next_of(ws, "pong"))["ref"] == "still-there"
    assert await sync_to_async(PollBallot.objects.count)() == 0
    await ws.disconnect()
