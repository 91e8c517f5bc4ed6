"""Hostile input (issue 16): JSON nested until the decoder breaks, and websocket origins that only
looked like ours.

Both findings were reproduced before the fix: a frame of ``[`` x 10,000 dropped the socket without a
close frame (``RecursionError`` out of ``json.loads``) and the same body answered 500 on every JSON
REST endpoint; ``http://127.0.0.1:9999``, another scheme, user info and a control character in the
``Origin`` were accepted because only the host was compared.
"""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from hub import jsonlimits
from hub.asgi import application
from hub.realtime.auth import origin_allowed, parse_origin
from hub.services.accounts import api_token_create
from tests.factories import AdminFactory, CommuneFactory
from tests.factories_forums import ThreadFactory
from tests.factories_sessions import LiveSessionLiveFactory
from tests.test_websocket_me import SAME_ORIGIN, session_cookie_for

DEEP_ARRAYS = "[" * 10_000  # 10 KB: under the frame limit, far over the decoder's recursion limit
DEEP_OBJECTS = '{"a":' * 2_000 + "1" + "}" * 2_000


# --- The nesting limit itself ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ("[]", 1),
        ('{"a": [1, {"b": []}]}', 4),
        ('["[[[[[[", "{{{{{{{{"]', 1),  # brackets inside strings do not count
        ('["\\"[[[["]', 1),  # nor after an escaped quote
        ("[" * 40 + "]" * 40, 40),
    ],
)
def test_depth_counts_containers_not_brackets_in_strings(text, depth):
    assert jsonlimits.depth_of(text) == depth


def test_documents_up_to_the_limit_decode_and_deeper_ones_are_refused_before_decoding():
    limit = jsonlimits.MAX_DEPTH
    at_limit = "[" * limit + "]" * limit
    assert jsonlimits.loads(at_limit) == json.loads(at_limit)
    with pytest.raises(jsonlimits.TooDeep):
        jsonlimits.loads("[" * (limit + 1) + "]" * (limit + 1))
    for hostile in (DEEP_ARRAYS, DEEP_OBJECTS, DEEP_ARRAYS.encode()):
        with pytest.raises(jsonlimits.TooDeep):
            jsonlimits.loads(hostile)
    # many brackets side by side are not deep: a long flat list still decodes
    flat = "[" + ",".join(["[]"] * 5_000) + "]"
    assert len(jsonlimits.loads(flat)) == 5_000


# --- Websockets: an error frame, and the socket stays open -------------------------------------------


async def _assert_refused_then_still_serving(ws: WebsocketCommunicator) -> None:
    for hostile in (DEEP_ARRAYS, DEEP_OBJECTS):
        await ws.send_to(text_data=hostile)
        frame = await _next_error(ws)
        assert frame["error"]["code"] == "too_deep", frame
        assert str(jsonlimits.MAX_DEPTH) in frame["error"]["message"]
    await ws.send_json_to({"type": "ping", "ref": "after"})
    while True:
        frame = await ws.receive_json_from(timeout=5)
        if frame["type"] == "pong":
            assert frame["ref"] == "after"
            break


async def _next_error(ws: WebsocketCommunicator) -> dict:
    while True:
        frame = await ws.receive_json_from(timeout=5)
        if frame["type"] == "error":
            return frame


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_deeply_nested_frame_gets_an_error_frame_on_every_websocket_route():
    # given one open socket on each route: a live session, a forum thread, the personal channel
    commune = await sync_to_async(CommuneFactory)(slug="cotonou", name="Cotonou")
    session = await sync_to_async(LiveSessionLiveFactory)(commune=commune)
    thread = await sync_to_async(ThreadFactory)(commune=commune)
    user = await sync_to_async(AdminFactory)()
    key = await sync_to_async(session_cookie_for)(user)
    cookie = (b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}".encode())
    routes = [f"/ws/sessions/{session.pk}/", f"/ws/forums/threads/{thread.pk}/", "/ws/me/"]
    for path in routes:
        ws = WebsocketCommunicator(application, path, headers=[*SAME_ORIGIN, cookie])
        connected, _ = await ws.connect()
        assert connected, path
        # when hostile frames arrive, then each gets an error frame and the socket keeps answering
        await _assert_refused_then_still_serving(ws)
        await ws.disconnect()


# --- REST: 400 with the project's error shape, on every JSON endpoint --------------------------------


@pytest.fixture
def admin_api(db):
    admin = AdminFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=admin).key}")
    return client


def _json_operations() -> list[tuple[str, str]]:
    """Every operation of the API schema that takes a JSON body, with its path parameters set to 1."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                filled = path
                for part in path.split("/"):
                    if part.startswith("{"):
                        filled = filled.replace(part, "1")
                operations.append((method, filled))
    return operations


@pytest.mark.django_db
def test_a_deeply_nested_body_is_a_400_on_every_json_operation(admin_api, settings):
    settings.READ_CACHE = False
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
    CommuneFactory(slug="cotonou", name="Cotonou")
    operations = _json_operations()
    assert len(operations) > 20  # the schema lists the API's writes
    parsed = 0
    for method, path in operations:
        for hostile in (DEEP_ARRAYS, DEEP_OBJECTS):
            response = getattr(admin_api, method)(path, hostile, content_type="application/json")
            # then never a server error; where the body is read, a 400 that says why
            assert response.status_code < 500, (method, path, response.status_code)
            body = response.json()
            assert set(body) == {"error"}, (method, path, body)
            if response.status_code == 400 and body["error"]["code"] == "malformed_body":
                assert (
                    "nested too deeply" in body["error"]["message"] or "imbriqu" in body["error"]["message"]
                )
                parsed += 1
    assert parsed >= 10, parsed  # most operations reached the parser, not only a 404 before it


@pytest.mark.django_db
def test_sign_in_with_a_nested_body_is_refused_in_french(client):
    response = client.post(
        "/api/v1/auth/token/", DEEP_OBJECTS, content_type="application/json", HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "malformed_body" and str(jsonlimits.MAX_DEPTH) in error["message"]


@pytest.mark.django_db
def test_a_forum_cursor_nested_deeply_is_an_invalid_cursor_not_a_500(client):
    import base64

    cursor = base64.urlsafe_b64encode(("[" * 5_000).encode()).decode().rstrip("=")
    response = client.get("/api/v1/forum/threads/", {"cursor": cursor})
    assert response.status_code == 400, response.content[:200]
    assert "error" in response.json()


# --- Origins: scheme, host and port, exactly --------------------------------------------------------


def _scope(host: str = "127.0.0.1:8798", scheme: str = "ws", **headers: str) -> dict:
    pairs = [(b"host", host.encode())] + [
        (k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()
    ]
    return {"type": "websocket", "scheme": scheme, "headers": pairs}


@pytest.mark.parametrize(
    "origin",
    [
        "http://127.0.0.1:9999",  # another port
        "https://127.0.0.1:8798",  # another scheme
        "http://127.0.0.1",  # the default port is another port
        "http://evil.example@127.0.0.1:8798",  # user info
        "http://127.0.0.1:8798\x85evil.example",  # a control character
        "http://127.0.0.1:8798\u00c2\u0085evil.example",  # the same, as its UTF-8 bytes read as latin-1
        "http://127.0.0.1:8798/",  # a path: not a serialized origin
        "http://127.0.0.1:8798 ",
        "http://127.0.0.1:99999",
        "null",
        "file://",
        "ws://127.0.0.1:8798",
        "http://localhost:8798",  # another host, even one in ALLOWED_HOSTS
        "",
    ],
)
def test_origins_that_are_not_exactly_the_page_s_own_are_refused(origin):
    assert not origin_allowed(origin, _scope())


def test_the_page_s_own_origin_is_accepted_whatever_the_case_and_default_port():
    assert origin_allowed("http://127.0.0.1:8798", _scope())
    assert origin_allowed("HTTP://LOCALHOST", _scope(host="localhost:80"))
    assert origin_allowed("https://localhost", _scope(host="localhost", scheme="wss"))
    assert not origin_allowed("http://localhost", _scope(host="localhost", scheme="wss"))


@override_settings(
    ALLOWED_HOSTS=["communes.example.bj"], SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
)
def test_behind_a_trusted_proxy_the_forwarded_scheme_counts_and_the_host_must_be_allowed():
    proxied = _scope(host="communes.example.bj", x_forwarded_proto="https")
    assert origin_allowed("https://communes.example.bj", proxied)
    assert not origin_allowed("http://communes.example.bj:443", proxied)
    # a Host outside ALLOWED_HOSTS gives no own origin at all
    assert not origin_allowed("http://evil.example", _scope(host="evil.example"))


@override_settings(
    WS_ALLOWED_ORIGINS=["https://app.communes.bj"], CSRF_TRUSTED_ORIGINS=["https://*.communes.bj:8443"]
)
def test_configured_origins_match_exactly_and_wildcards_only_subdomains():
    scope = _scope()
    assert origin_allowed("https://app.communes.bj", scope)
    assert origin_allowed("https://APP.communes.bj:443", scope)
    assert not origin_allowed("http://app.communes.bj", scope)
    assert origin_allowed("https://cotonou.communes.bj:8443", scope)
    assert not origin_allowed("https://cotonou.communes.bj", scope)
    assert not origin_allowed("https://evilcommunes.bj:8443", scope)


def test_parse_origin_normalises_case_and_default_ports():
    assert parse_origin("HTTPS://Example.BJ") == ("https", "example.bj", 443)
    assert parse_origin("http://[::1]:8000") == ("http", "[::1]", 8000)
    assert parse_origin("http://a@b") is None


@pytest.mark.integration
def test_a_real_server_refuses_a_foreign_port_and_accepts_its_own_origin(hub_server):
    """End to end, as the finding was made: the handshake through a real server process."""
    import asyncio

    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus

    async def handshake(origin: str) -> int:
        try:
            async with connect(f"{hub_server.ws_url}/ws/me/", origin=origin, open_timeout=10) as ws:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert frame["error"]["code"] == "not_authenticated"  # accepted, then told why
                return 101
        except InvalidStatus as exc:
            return exc.response.status_code

    own = hub_server.url
    host, port = own.split("://")[1].rsplit(":", 1)
    assert asyncio.run(handshake(own)) == 101
    for foreign in (
        f"http://{host}:{int(port) + 1}",
        f"https://{host}:{port}",
        f"http://evil.example@{host}:{port}",
    ):
        assert asyncio.run(handshake(foreign)) == 403, foreign


def test_an_unclosed_string_is_scanned_once_not_once_per_quote():
    """Found in review: with the closing quote required, every later ``\\"`` restarted a scan to the
    end (64 KB took 13 s in the event loop). One match now consumes an unclosed string whole."""
    hostile = "[" * 40 + '"' + '\\"' * 500_000  # 1 MB
    start = hostile.index('"')
    assert jsonlimits._TOKENS.match(hostile, start).end() == len(hostile)
    with pytest.raises(jsonlimits.TooDeep):
        jsonlimits.loads(hostile)


@pytest.mark.django_db
def test_a_cursor_with_an_impossible_date_is_invalid_not_a_500(client):
    import base64

    cursor = base64.b64encode(b"p=2026-13-45 10:00:00").decode()  # month 13: well formed, impossible
    response = client.get("/api/v1/sessions/", {"cursor": cursor})
    assert response.status_code == 400, response.content[:200]
    assert response.json()["error"]["code"] == "invalid_cursor"


@override_settings(WS_ALLOWED_ORIGINS=["capacitor://localhost"])
def test_a_configured_non_web_origin_is_accepted_exactly():
    assert origin_allowed("capacitor://localhost", _scope())
    assert not origin_allowed("capacitor://localhost.evil", _scope())


def test_http2_bodies_without_a_length_are_counted_like_chunks():
    from hub.uploads_asgi import framing

    json_h2 = {"type": "http", "http_version": "2", "headers": [(b"content-type", b"application/json")]}
    assert framing(json_h2).chunked
    json_h1 = {**json_h2, "http_version": "1.1"}
    assert not framing(json_h1).chunked
