"""The base websocket consumer and the personal channel ``/ws/me/``.

Protocol (``docs/realtime.md``): every frame is a JSON object with a ``type``. Clients send
``{"type": "<action>", ...}``; the server answers with ``{"type": "event", "event": ..., "data": ...}``,
``{"type": "pong"}`` or an error frame ``{"type": "error", "error": {"code", "message"}}``.
A bad frame gets an error frame; the connection stays open. That includes JSON nested deeper than
``hub.jsonlimits.MAX_DEPTH`` (error ``too_deep``), which Python's decoder would otherwise answer
with a ``RecursionError`` that drops the socket.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.db import DataError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from hub import jsonlimits, overload
from hub.errors import DomainError
from hub.realtime.events import user_group
from hub.services.accounts import auth_group

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_REVOKED = 4401
MAX_FRAME_BYTES = 16 * 1024
CLOSE_MESSAGE_TOO_BIG = 1009
# Daphne (autobahn) lets an application send only 1000 or 3000-4999; run daphne with
# ``--websocket-max-message-size 65536`` and it sends 1009 itself, before our code runs.
CLOSE_MESSAGE_TOO_BIG_APP = 4009

Handler = Callable[[dict[str, Any]], Awaitable[None]]


REFUSAL_MESSAGES = {
    "not_authenticated": gettext_noop("Sign in to open this channel."),
    "ticket_expired": gettext_noop("This ticket has expired."),
    "ticket_invalid": gettext_noop("This ticket is not valid."),
    "ticket_used": gettext_noop("This ticket has already been used."),
    "not_found": gettext_noop("There is no live channel at this address."),
    "signed_out": gettext_noop("You have been signed out."),
}


def error_frame(code: str, message: str, ref: Any = None, **details: Any) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "error", "error": {"code": code, "message": message, **details}}
    if ref is not None:
        frame["ref"] = ref
    return frame


def clean_ref(content: Any) -> str | int | None:
    """The client's ``ref``, echoed back only when it is a short string or a plain integer."""
    ref = content.get("ref") if isinstance(content, dict) else None
    if isinstance(ref, str) and len(ref) <= 64:
        return ref
    if isinstance(ref, int) and not isinstance(ref, bool) and abs(ref) < 2**53:
        return ref
    return None


def clean_ref_of_text(text: str) -> str | int | None:
    """The ``ref`` of a frame too large to parse whole: only looked for if the JSON still parses."""
    try:
        return clean_ref(jsonlimits.loads(text))
    except ValueError:  # not JSON, or nested too deeply (jsonlimits.TooDeep)
        return None


class BaseConsumer(AsyncJsonWebsocketConsumer):
    """Validates frames, dispatches on ``type`` to ``handle_<type>``, turns DomainError into error frames."""

    actions: ClassVar[frozenset[str]] = frozenset({"ping"})
    # Frames above this size close the connection (1009) instead of getting an error frame;
    # None keeps every connection open (error frame ``frame_too_large`` only).
    close_frame_bytes: ClassVar[int | None] = None
    groups_joined: list[str]

    @property
    def user(self) -> Any:
        return self.scope.get("user")

    @property
    def is_authenticated(self) -> bool:
        user = self.user
        return bool(user is not None and user.is_authenticated and user.is_active)

    async def join(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.append(group)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' ``dispatch`` without its ``aclose_old_connections()`` before every handler: a
        thread hop per frame (and per broadcast on the stock path), on the one thread that also
        runs every database call of the process; it was 42 % of the event loop's busy time under
        1,000 votes/s. Our consumers reach the database only through ``database_sync_to_async``,
        which closes old connections before and after each call itself."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        self.groups_joined = []
        await super().websocket_connect(message)

    async def refuse(self, code: int, reason: str) -> None:
        """Accept then close with an application close code, so clients can tell why."""
        await self.accept()
        await self.send_json(error_frame(reason, _(REFUSAL_MESSAGES.get(reason, reason))))
        await self.close(code=code)

    async def close_too_big(self) -> None:
        try:
            await self.close(code=CLOSE_MESSAGE_TOO_BIG)
        except Exception:  # autobahn refuses 1009 from applications
            await self.close(code=CLOSE_MESSAGE_TOO_BIG_APP)

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def join_auth_group(self) -> None:
        auth_ref = self.scope.get("auth_ref")
        if auth_ref:
            await self.join(auth_group(auth_ref))

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        if text_data is None:
            if self.close_frame_bytes is not None and len(bytes_data or b"") > self.close_frame_bytes:
                await self.close_too_big()
                return
            await self.send_json(error_frame("invalid_frame", _("Frames must be JSON text.")))
            return
        size = len(text_data.encode())
        if self.close_frame_bytes is not None and size > self.close_frame_bytes:
            await self.close_too_big()
            return
        if size > MAX_FRAME_BYTES:
            await self.send_json(
                error_frame(
                    "frame_too_large",
                    _("Frames are limited to %(max)s bytes.") % {"max": MAX_FRAME_BYTES},
                    clean_ref_of_text(text_data),
                )
            )
            return
        try:
            content = jsonlimits.loads(text_data)
        except jsonlimits.TooDeep as exc:
            message = _("This frame is nested too deeply (at most %(limit)s levels).")
            await self.send_json(error_frame("too_deep", message % {"limit": exc.limit}))
            return
        except ValueError:
            await self.send_json(error_frame("invalid_json", _("This frame is not valid JSON.")))
            return
        await self.receive_json(content)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self.send_json(
                error_frame("invalid_frame", _("A frame is a JSON object with a string 'type'."))
            )
            return
        action, ref = content["type"], clean_ref(content)
        if action not in self.actions:
            await self.send_json(
                error_frame("unknown_type", _("Unknown frame type: %(type)s") % {"type": action[:40]}, ref)
            )
            return
        handler: Handler = getattr(self, "handle_" + action.replace(".", "_"))
        try:
            await handler(content)
        except DomainError as exc:
            frame = {"type": "error", **exc.as_dict()}
            if ref is not None:
                frame["ref"] = ref
            await self.send_json(frame)
        except (OverflowError, DataError):
            # Out of the database's range (a 30-digit id): the client's input; nothing was saved.
            await self.send_json(error_frame("out_of_range", _("A value is out of the accepted range."), ref))
        except Exception as exc:
            why = overload.cause(exc)
            if why is not None:
                # Busy, or the database or Redis away for now: nothing was saved, the socket stays
                # open, and the client may send the same frame again after retry_after seconds.
                wait = overload.retry_after()
                await self.send_json(error_frame("unavailable", overload.message(why), ref, retry_after=wait))
                return
            logger.exception("websocket handler %s failed", action)
            message = _("Something went wrong; nothing was saved.")
            await self.send_json(error_frame("server_error", message, ref))

    async def handle_ping(self, content: dict[str, Any]) -> None:
        await self.send_json({"type": "pong", "ref": clean_ref(content)})

    # Channel-layer events ----------------------------------------------------------------------
    async def auth_revoked(self, event: dict[str, Any]) -> None:
        """The session or token this socket was opened with ended (logout, revocation)."""
        await self.send_json(error_frame("signed_out", _(REFUSAL_MESSAGES["signed_out"])))
        await self.close(code=CLOSE_REVOKED)

    async def live_event(self, event: dict[str, Any]) -> None:
        """Relay a broadcast event (see ``hub.realtime.events``) to the client as is."""
        await self.send_json(event["frame"])


class NotFoundConsumer(BaseConsumer):
    """Any other path under /ws/: say so with 4404 instead of dropping the connection."""

    async def connect(self) -> None:
        await self.refuse(CLOSE_NOT_FOUND, "not_found")


class MeConsumer(BaseConsumer):
    """``/ws/me/``: a signed-in user's personal channel.

    Feature apps extend it (``notifications.consumers``) through two hooks: ``extra_groups`` (more
    groups to join) and ``snapshot`` (more state in the ``hello`` frame).
    """

    async def connect(self) -> None:
        if not self.is_authenticated:
            code = self.scope.get("auth_failure") or "not_authenticated"
            await self.refuse(CLOSE_UNAUTHENTICATED, code)
            return
        # Subscribe before taking the snapshot, so nothing sent in between is missed.
        await self.join(user_group(self.user.pk))
        await self.join_auth_group()
        for group in await self.extra_groups():
            await self.join(group)
        await self.accept()
        await self.send_json({"type": "hello", "data": await self.snapshot()})

    async def extra_groups(self) -> list[str]:
        return []

    async def snapshot(self) -> dict[str, Any]:
        return {
            "user": {"id": self.user.pk, "display_name": self.user.display_name},
            "language": self.user.preferred_language,
        }

    async def follows_changed(self, event: dict[str, Any]) -> None:
        """The user followed or unfollowed a commune (from another tab or device)."""
        await self.send_json({"type": "event", "event": "follows.changed", "data": {}})
