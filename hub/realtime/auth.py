"""Websocket authentication and origin checks for everything under ``/ws/``.

- Browsers: the session cookie (Channels' ``AuthMiddleware``), only from an allowed ``Origin``.
- Mobile apps: ``?ticket=<t>``, a short-lived single-use ticket from ``POST /api/v1/auth/ws-ticket/``.
  Native clients often send no ``Origin``; that is accepted only with a ticket, never with a cookie,
  because cross-site websocket hijacking needs a browser and browsers always send ``Origin``.
A foreign ``Origin`` is refused at the handshake (HTTP 403): an origin is allowed when its scheme, host
and port all equal the handshake's own (its ``Host``, one of ``ALLOWED_HOSTS``) or one configured in
``WS_ALLOWED_ORIGINS``/``CSRF_TRUSTED_ORIGINS``. Without credentials the connection is
anonymous; consumers that need a user close it with 4401.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.request import validate_host

from hub import overload
from hub.errors import NotAuthenticated
from hub.services.accounts import auth_ref_for_session, ws_ticket_redeem

# A serialized origin (RFC 6454): scheme, host, optional port; nothing else (no user info, no path).
_ORIGIN = re.compile(r"(https?)://([a-z0-9.-]+|\[[0-9a-f:.]+\])(?::([0-9]{1,5}))?", re.IGNORECASE)
_HOST = re.compile(r"([a-z0-9.-]+|\[[0-9a-f:.]+\])(?::([0-9]{1,5}))?", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_tuple(scheme: str, host: str, port: str | None) -> tuple[str, str, int] | None:
    number = int(port) if port else _DEFAULT_PORTS[scheme]
    if not 0 < number < 65536:
        return None
    return scheme, host.lower().rstrip("."), number


def parse_origin(value: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of an ``Origin`` header, or None when it is not a plain origin."""
    match = _ORIGIN.fullmatch(value)
    if match is None:
        return None
    return _origin_tuple(match.group(1).lower(), match.group(2), match.group(3))


def _configured_origins() -> tuple[set[tuple[str, str, int]], list[tuple[str, str, int]]]:
    """The origins named in ``WS_ALLOWED_ORIGINS`` and ``CSRF_TRUSTED_ORIGINS``: exact ones, and
    ``scheme://*.domain[:port]`` ones (any subdomain), as Django's CSRF check reads the latter."""
    exact: set[tuple[str, str, int]] = set()
    wildcard: list[tuple[str, str, int]] = []
    for entry in [*settings.WS_ALLOWED_ORIGINS, *settings.CSRF_TRUSTED_ORIGINS]:
        if "://*." in entry:
            parsed = parse_origin(entry.replace("://*.", "://", 1))
            if parsed is not None:
                wildcard.append(parsed)
        else:
            parsed = parse_origin(entry)
            if parsed is not None:
                exact.add(parsed)
    return exact, wildcard


def _own_origin(scope: dict[str, Any]) -> tuple[str, str, int] | None:
    """The origin the page was served from, as this handshake names it: its ``Host`` (or, behind a
    trusted proxy, ``X-Forwarded-Host``), which must be one of ``ALLOWED_HOSTS``, and its scheme
    (``wss`` is https; behind a trusted proxy, ``X-Forwarded-Proto``)."""
    host_header = _header(scope, b"host")
    trusted_proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None) is not None
    if getattr(settings, "USE_X_FORWARDED_HOST", False):
        host_header = (_header(scope, b"x-forwarded-host") or "").split(",")[0].strip() or host_header
    if not host_header:
        return None
    match = _HOST.fullmatch(host_header)
    if match is None or not validate_host(match.group(1).lower().rstrip("."), settings.ALLOWED_HOSTS):
        return None
    secure = scope.get("scheme") in {"wss", "https"}
    if trusted_proxy:
        proto = (_header(scope, b"x-forwarded-proto") or "").split(",")[0].strip().lower()
        secure = secure or proto == "https"
    return _origin_tuple("https" if secure else "http", match.group(1), match.group(2))


def origin_allowed(origin: str, scope: dict[str, Any]) -> bool:
    """Whether a browser on ``origin`` may open this socket: the same origin as the handshake's own
    (scheme, host and port, all three), or one configured in ``WS_ALLOWED_ORIGINS`` or
    ``CSRF_TRUSTED_ORIGINS``. Anything that is not a plain ``scheme://host[:port]`` is refused (user
    info, paths, control characters, ``null``)."""
    if origin in settings.WS_ALLOWED_ORIGINS:  # exact, also a non-web one (``capacitor://localhost``)
        return True
    parsed = parse_origin(origin)
    if parsed is None:
        return False
    if parsed == _own_origin(scope):
        return True
    exact, wildcard = _configured_origins()
    if parsed in exact:
        return True
    scheme, host, port = parsed
    return any(
        scheme == w_scheme and port == w_port and host.endswith("." + w_host)
        for w_scheme, w_host, w_port in wildcard
    )


def _has_session_cookie(scope: dict[str, Any]) -> bool:
    """Whether the handshake carries our session cookie at all (the cheap test, before any parsing)."""
    cookie = _header(scope, b"cookie")
    return cookie is not None and f"{settings.SESSION_COOKIE_NAME}=" in cookie


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return None


@database_sync_to_async
def _redeem(ticket: str) -> tuple[Any, str | None, str | None]:
    try:
        user, auth_ref = ws_ticket_redeem(ticket)
    except NotAuthenticated as exc:
        return AnonymousUser(), None, exc.code
    return user, auth_ref, None


class TicketOrSessionAuthMiddleware:
    """Resolves ``scope["user"]`` and ``scope["auth_ref"]`` (the session or token it came from)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.session_auth = AuthMiddlewareStack(self._after_session)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] != "websocket":
            return await self.inner(scope, receive, send)
        # A lost database or Redis is a clean refusal (503), never the server's 500 (hub.overload).
        return await overload.guard_websocket(self._websocket, scope, receive, send)

    async def _websocket(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        origin = _header(scope, b"origin")
        if origin is not None and not origin_allowed(origin, scope):
            return await WebsocketDenier()(scope, receive, send)
        query = parse_qs(scope.get("query_string", b"").decode("latin1"))
        ticket = (query.get("ticket") or [""])[0]
        if ticket:
            user, auth_ref, failure = await _redeem(ticket)
            scope = {**scope, "user": user, "auth_ref": auth_ref, "auth_failure": failure}
            return await self.inner(scope, receive, send)
        if origin is None or not _has_session_cookie(scope):
            # No browser, no ticket: anonymous (cookies are ignored without an Origin). A browser
            # without a session cookie is anonymous too, without the session lookup's thread hop:
            # most viewers of a live session are such visitors, and connect storms are theirs.
            scope = {**scope, "user": AnonymousUser(), "auth_ref": None, "auth_failure": None}
            return await self.inner(scope, receive, send)
        return await self.session_auth(scope, receive, send)

    async def _after_session(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        session = scope.get("session")
        key = getattr(session, "session_key", None)
        user = scope.get("user")
        authenticated = bool(user is not None and getattr(user, "is_authenticated", False))
        auth_ref = auth_ref_for_session(key) if key and authenticated else None
        scope = {**scope, "auth_ref": auth_ref, "auth_failure": None}
        return await self.inner(scope, receive, send)
