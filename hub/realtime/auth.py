"""Websocket authentication and origin checks for everything under ``/ws/``.

- Browsers: the session cookie (Channels' ``AuthMiddleware``), only from an allowed ``Origin``.
- Mobile apps: ``?ticket=<t>``, a short-lived single-use ticket from ``POST /api/v1/auth/ws-ticket/``.
  Native clients often send no ``Origin``; that is accepted only with a ticket, never with a cookie,
  because cross-site websocket hijacking needs a browser and browsers always send ``Origin``.
A foreign ``Origin`` is refused at the handshake (HTTP 403). Without credentials the connection is
anonymous; consumers that need a user close it with 4401.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.request import split_domain_port, validate_host

from hub.errors import NotAuthenticated
from hub.services.accounts import auth_ref_for_session, ws_ticket_redeem


def origin_allowed(origin: str) -> bool:
    if origin in settings.WS_ALLOWED_ORIGINS:
        return True
    parts = urlsplit(origin)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return False
    host, _port = split_domain_port(parts.netloc)
    allowed = [h for h in settings.ALLOWED_HOSTS if h != "*"] or ["localhost", "127.0.0.1", "[::1]"]
    if "*" in settings.ALLOWED_HOSTS:
        return True
    return validate_host(host or parts.hostname, allowed)


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
        origin = _header(scope, b"origin")
        if origin is not None and not origin_allowed(origin):
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
