"""The thread websocket /ws/forums/threads/<id>/ through the real ASGI router (anonymous watchers,
4404 for unknown or hidden threads, ordered events), then for real: a daphne process, the Redis
channel layer and HTTP writes from another client."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from forums import services
from hub.asgi import application
from tests.factories import PASSWORD, CommuneFactory
from tests.factories_forums import CategoryFactory, moderator, phone_only_veteran, veteran

pytestmark = [pytest.mark.django_db(transaction=True)]


def a_thread(slug="cotonou"):
    commune = CommuneFactory(slug=slug)
    return services.thread_create(
        actor=phone_only_veteran(),
        commune=commune,
        category=CategoryFactory(commune=commune),
        title="Route",
        body="Trous",
        kind="concern",
    )


async def watch(thread_id):
    ws = WebsocketCommunicator(application, f"/ws/forums/threads/{thread_id}/")
    connected, _ = await ws.connect()
    return ws, connected


@pytest.mark.asyncio
async def test_an_anonymous_watcher_sees_posts_and_removals_live_in_order():
    # given a public thread watched by an anonymous visitor
    thread = await sync_to_async(a_thread)()
    ws, connected = await watch(thread.pk)
    assert connected
    hello = await ws.receive_json_from()
    assert hello["type"] == "hello" and hello["data"]["seq"] == 1
    # when a citizen replies twice and a moderator hides the first reply
    citizen = await sync_to_async(veteran)()
    first = await sync_to_async(services.post_create)(actor=citizen, thread=thread, body="Un")
    await sync_to_async(services.post_create)(actor=citizen, thread=thread, body="**Deux**")
    mod = await sync_to_async(moderator)(thread.commune)
    await sync_to_async(services.content_hide)(actor=mod, thread=thread, post=first, reason="x")
    # then the frames arrive in order with consecutive numbers; the hidden post's text is gone
    frames = [await ws.receive_json_from(timeout=5) for _index in range(3)]
    assert [(f["event"], f["seq"]) for f in frames] == [
        ("post.created", 2),
        ("post.created", 3),
        ("post.removed", 4),
    ]
    assert frames[1]["data"]["body_html"] == "<p><strong>Deux</strong></p>"
    assert frames[2]["data"] == {**frames[2]["data"], "id": first.pk, "removed": True, "body_html": ""}
    await ws.disconnect()


@pytest.mark.asyncio
async def test_support_status_and_official_answer_are_live():
    thread = await sync_to_async(a_thread)()
    ws, _connected = await watch(thread.pk)
    await ws.receive_json_from()
    mod = await sync_to_async(moderator)(thread.commune)
    await sync_to_async(services.support_set)(
        actor=await sync_to_async(veteran)(), thread=thread, supported=True
    )
    await sync_to_async(services.post_create)(actor=mod, thread=thread, body="Réponse", official=True)
    await sync_to_async(services.thread_lock_set)(actor=mod, thread=thread, locked=True)
    frames = [await ws.receive_json_from(timeout=5) for _index in range(4)]
    assert [f["event"] for f in frames] == [
        "thread.support",
        "post.created",
        "thread.answered",
        "thread.status",
    ]
    assert [f["seq"] for f in frames] == [2, 3, 4, 5]
    assert frames[0]["data"]["support_count"] == 1 and frames[3]["data"]["locked"] is True
    await ws.disconnect()


@pytest.mark.asyncio
async def test_unknown_and_hidden_threads_close_with_4404():
    thread = await sync_to_async(a_thread)()
    ws, connected = await watch(999_999)
    assert connected
    assert (await ws.receive_json_from())["error"]["code"] == "not_found"
    assert (await ws.receive_output())["code"] == 4404
    mod = await sync_to_async(moderator)(thread.commune)
    await sync_to_async(services.content_hide)(actor=mod, thread=thread, reason="spam")
    ws, _connected = await watch(thread.pk)
    await ws.receive_json_from()
    assert (await ws.receive_output())["code"] == 4404


@pytest.mark.asyncio
async def test_a_hidden_thread_is_removed_live_for_its_watchers():
    thread = await sync_to_async(a_thread)()
    ws, _connected = await watch(thread.pk)
    await ws.receive_json_from()
    mod = await sync_to_async(moderator)(thread.commune)
    await sync_to_async(services.content_hide)(actor=mod, thread=thread, reason="spam")
    frame = await ws.receive_json_from(timeout=5)
    assert (frame["event"], frame["data"]) == ("thread.removed", {"id": thread.pk})
    await ws.disconnect()


@pytest.mark.asyncio
async def test_bad_frames_get_error_frames_and_the_socket_stays_open():
    thread = await sync_to_async(a_thread)()
    ws, _connected = await watch(thread.pk)
    await ws.receive_json_from()
    await ws.send_to(text_data="not json")
    assert (await ws.receive_json_from())["error"]["code"] == "invalid_json"
    await ws.send_json_to({"type": "post.create", "body": "x"})
    assert (await ws.receive_json_from())["error"]["code"] == "unknown_type"
    await ws.send_json_to({"type": "ping", "ref": 7})
    assert await ws.receive_json_from() == {"type": "pong", "ref": 7}
    await ws.disconnect()


# --- For real: a daphne process (both backends) ---------------------------------------------------


async def _token(base_url, email):
    async with httpx.AsyncClient(base_url=base_url) as http:
        response = await http.post("/api/v1/auth/token/", json={"identifier": email, "password": PASSWORD})
        return response.json()["token"]


@pytest.mark.integration
@pytest.mark.asyncio
async def test_a_reply_over_http_reaches_a_watcher_of_the_real_server_and_its_hiding_too(hub_server):
    # given a thread, a citizen and a moderator with API tokens, and a watcher on the daphne process
    thread = await sync_to_async(a_thread)("cotonou-live")
    await sync_to_async(veteran)(email="ecrit@example.bj")
    await sync_to_async(moderator)(thread.commune, email="mod@example.bj")
    citizen_token = await _token(hub_server.url, "ecrit@example.bj")
    mod_token = await _token(hub_server.url, "mod@example.bj")
    async with connect(f"{hub_server.ws_url}/ws/forums/threads/{thread.pk}/", open_timeout=10) as ws:
        assert json.loads(await ws.recv())["type"] == "hello"
        async with httpx.AsyncClient(base_url=hub_server.url, timeout=20) as http:
            # when the citizen replies over HTTP
            created = await http.post(
                f"/api/v1/forum/threads/{thread.pk}/posts/",
                json={"body": "Réponse en direct"},
                headers={"Authorization": f"Bearer {citizen_token}"},
            )
            assert created.status_code == 201, created.text
            # then the watcher gets it live
            frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
            assert (frame["event"], frame["data"]["id"]) == ("post.created", created.json()["id"])
            # when the moderator hides it
            hidden = await http.post(
                f"/api/v1/forum/threads/{thread.pk}/hide/",
                json={"post": created.json()["id"], "reason": "abusif"},
                headers={"Authorization": f"Bearer {mod_token}"},
            )
            assert hidden.status_code == 204, hidden.text
        # then the removal arrives too, and the catch-up after a reconnect agrees
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
        assert (frame["event"], frame["data"]["removed"]) == ("post.removed", True)
    async with httpx.AsyncClient(base_url=hub_server.url) as http:
        changes = (await http.get(f"/api/v1/forum/threads/{thread.pk}/posts/?after_seq=1")).json()["results"]
    assert [(p["removed"], p["body_html"]) for p in changes] == [(True, "")]
    # and a hidden thread refuses new watchers with 4404
    async with httpx.AsyncClient(base_url=hub_server.url) as http:
        await http.post(
            f"/api/v1/forum/threads/{thread.pk}/hide/",
            json={},
            headers={"Authorization": f"Bearer {mod_token}"},
        )
    async with connect(f"{hub_server.ws_url}/ws/forums/threads/{thread.pk}/", open_timeout=10) as ws:
        await ws.recv()
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd.code == 4404
