"""The personal websocket /ws/me/ through the real ASGI router: origin checks, session cookie and
ticket authentication, error frames for bad input, and sign-out closing the socket."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core import signing

from hub.asgi import application
from hub.realtime.events import send_to_user_on_commit
from hub.services.accounts import (
    WS_TICKET_SALT,
    api_token_create,
    api_token_revoke,
    auth_ref_for_session,
    auth_ref_for_token,
    sign_out_sockets,
    ws_ticket_issue,
)
from tests.factories import UserFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

# What a browser on the hub sends: its own origin, and the Host it asked for (the origin check compares both).
SAME_ORIGIN = [(b"host", b"127.0.0.1:8000"), (b"origin", b"http://127.0.0.1:8000")]


def session_cookie_for(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "hub.auth_backends.IdentifierBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def communicator(path="/ws/me/", headers=None):
    return WebsocketCommunicator(application, path, headers=headers or [])


async def connect_with_cookie(user):
    key = await sync_to_async(session_cookie_for)(user)
    cookie = (b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}".encode())
    ws = communicator(headers=[*SAME_ORIGIN, cookie])
    connected, _ = await ws.connect()
    return ws, connected, key


async def test_browser_with_session_cookie_gets_hello_then_events_in_order():
    # given
    user = await sync_to_async(UserFactory)()
    ws, connected, _key = await connect_with_cookie(user)
    assert connected
    hello = await ws.receive_json_from()
    assert hello["type"] == "hello" and hello["data"]["user"]["id"] == user.pk
    # when the server sends two events after commit
    await sync_to_async(send_to_user_on_commit)(user.pk, "test.one", {"n": 1})
    await sync_to_async(send_to_user_on_commit)(user.pk, "test.two", {"n": 2})
    # then
    first, second = await ws.receive_json_from(), await ws.receive_json_from()
    assert [first["event"], second["event"]] == ["test.one", "test.two"]
    await ws.disconnect()


async def test_foreign_origin_is_refused_at_handshake_and_server_stays_healthy():
    user = await sync_to_async(UserFactory)()
    key = await sync_to_async(session_cookie_for)(user)
    ws = communicator(
        headers=[(b"origin", b"https://evil.example"), (b"cookie", f"sessionid={key}".encode())]
    )
    connected, _ = await ws.connect()
    assert not connected
    # the same application keeps serving good clients
    ws2, connected2, _ = await connect_with_cookie(user)
    assert connected2
    await ws2.disconnect()


async def test_no_credentials_is_closed_with_4401():
    ws = communicator(headers=SAME_ORIGIN)
    connected, _ = await ws.connect()
    assert connected  # accepted only to say why, then closed
    frame = await ws.receive_json_from()
    assert frame["type"] == "error" and frame["error"]["code"] == "not_authenticated"
    assert (await ws.receive_output())["code"] == 4401


async def test_cookie_without_origin_is_ignored():
    user = await sync_to_async(UserFactory)()
    key = await sync_to_async(session_cookie_for)(user)
    ws = communicator(headers=[(b"cookie", f"sessionid={key}".encode())])
    await ws.connect()
    assert (await ws.receive_json_from())["error"]["code"] == "not_authenticated"
    assert (await ws.receive_output())["code"] == 4401


async def test_mobile_ticket_works_once_without_origin():
    # given
    user = await sync_to_async(UserFactory)()
    issued = await sync_to_async(api_token_create)(user=user)
    ticket = await sync_to_async(ws_ticket_issue)(user=user, auth_ref=auth_ref_for_token(issued.token))
    # when
    ws = communicator(f"/ws/me/?ticket={ticket}")
    connected, _ = await ws.connect()
    # then
    assert connected and (await ws.receive_json_from())["type"] == "hello"
    await ws.disconnect()
    replay = communicator(f"/ws/me/?ticket={ticket}")
    await replay.connect()
    assert (await replay.receive_json_from())["error"]["code"] == "ticket_used"
    assert (await replay.receive_output())["code"] == 4401


class PastSigner(signing.TimestampSigner):
    def timestamp(self):
        import time

        return signing.b62_encode(int(time.time()) - 3600)


@pytest.mark.parametrize(
    ("make_ticket", "code"),
    [
        (
            lambda uid: PastSigner(salt=WS_TICKET_SALT).sign_object({"u": uid, "n": "x", "a": "t-1"}),
            "ticket_expired",
        ),
        (
            lambda uid: signing.TimestampSigner(key="forged", salt=WS_TICKET_SALT).sign_object(
                {"u": uid, "n": "y", "a": "t-1"}
            ),
            "ticket_invalid",
        ),
        (lambda uid: "not-a-ticket", "ticket_invalid"),
    ],
    ids=["expired", "forged", "garbage"],
)
async def test_bad_tickets_are_refused(make_ticket, code):
    user = await sync_to_async(UserFactory)()
    ws = communicator(f"/ws/me/?ticket={make_ticket(user.pk)}")
    await ws.connect()
    assert (await ws.receive_json_from())["error"]["code"] == code
    assert (await ws.receive_output())["code"] == 4401


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{broken", "invalid_json"),
        ("[1, 2]", "invalid_frame"),
        ('{"type": 3}', "invalid_frame"),
        ('{"type": "launch_rockets"}', "unknown_type"),
        ('{"type": "ping", "pad": "' + "x" * 20000 + '"}', "frame_too_large"),
    ],
)
async def test_bad_frames_get_an_error_frame_and_the_socket_stays_open(frame, code):
    user = await sync_to_async(UserFactory)()
    ws, _connected, _ = await connect_with_cookie(user)
    await ws.receive_json_from()
    # when
    await ws.send_to(text_data=frame)
    # then
    assert (await ws.receive_json_from())["error"]["code"] == code
    await ws.send_json_to({"type": "ping", "ref": "r1"})
    assert await ws.receive_json_from() == {"type": "pong", "ref": "r1"}
    await ws.disconnect()


async def test_logout_closes_the_sockets_of_that_session():
    user = await sync_to_async(UserFactory)()
    ws, _connected, key = await connect_with_cookie(user)
    await ws.receive_json_from()
    # when the web session signs out
    await sync_to_async(sign_out_sockets)(auth_ref_for_session(key))
    # then
    assert (await ws.receive_json_from())["error"]["code"] == "signed_out"
    assert (await ws.receive_output())["code"] == 4401


async def test_revoking_a_token_closes_sockets_opened_with_its_tickets():
    user = await sync_to_async(UserFactory)()
    issued = await sync_to_async(api_token_create)(user=user)
    ticket = await sync_to_async(ws_ticket_issue)(user=user, auth_ref=auth_ref_for_token(issued.token))
    ws = communicator(f"/ws/me/?ticket={ticket}")
    await ws.connect()
    await ws.receive_json_from()
    await sync_to_async(api_token_revoke)(token=issued.token)
    assert (await ws.receive_json_from())["error"]["code"] == "signed_out"
    assert (await ws.receive_output())["code"] == 4401


async def test_unknown_websocket_path_is_closed_with_4404():
    ws = communicator("/ws/nowhere/", headers=SAME_ORIGIN)
    connected, _ = await ws.connect()
    assert connected
    assert (await ws.receive_json_from())["error"]["code"] == "not_found"
    assert (await ws.receive_output())["code"] == 4404


async def test_error_frames_speak_french_and_echo_the_ref_even_when_too_large():
    user = await sync_to_async(UserFactory)()
    ws, _connected, _ = await connect_with_cookie(user)
    await ws.receive_json_from()
    # when a broken frame and an oversized one (with a ref) arrive
    await ws.send_to(text_data="{broken")
    broken = await ws.receive_json_from()
    await ws.send_to(text_data='{"type": "ping", "ref": "big-1", "pad": "' + "x" * 20000 + '"}')
    too_large = await ws.receive_json_from()
    # then the messages are in French (the first language) and the oversized frame's ref comes back
    assert broken["error"]["message"] == "Cette trame n'est pas du JSON valide."
    assert too_large["error"]["code"] == "frame_too_large" and too_large["ref"] == "big-1"
    assert "octets" in too_large["error"]["message"]
    await ws.disconnect()
