"""The session socket's connection: who may open it, what it joins, and in which order.

Connect: subscribe to the session's frames FIRST (``stream.SessionStream.stream_join``), join the
user's groups when signed in, accept, send the ``hello`` (``snapshot``), then replay what the
client missed since its ``last_seq`` (``stream_start``). Every message the consumer sends goes
through the socket's ``Outbox`` (``hub.realtime.outbox``), given to Channels as the ASGI ``send``,
so the consumer's frames and the fan-out's are one ordered stream.

A connection adds one to the session's total viewers (``sessions_live.audience``) unless the
client says it resumes an earlier one (``?resumed=1``). ``last_seq`` alone does not say so: a
page's first connection sends the ``last_seq`` the page was rendered at.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.utils.translation import gettext as _

from hub.errors import DomainError
from hub.models import User
from hub.permissions import forget_roles
from hub.realtime.consumers import (
    CLOSE_NOT_FOUND,
    CLOSE_UNAUTHENTICATED,
    REFUSAL_MESSAGES,
    BaseConsumer,
    clean_ref,
    error_frame,
)
from hub.realtime.events import user_group
from hub.realtime.outbox import Outbox
from sessions_live import selectors
from sessions_live.consumers import service, snapshot
from sessions_live.consumers.actions import SessionActions
from sessions_live.consumers.stream import SessionStream
from sessions_live.errors import SessionNotFound
from sessions_live.events import session_user_group
from sessions_live.presence import CLOSE_SERVICE_RESTART, tracker

MAX_CLOSE_BYTES = 64 * 1024


class SessionConsumer(SessionActions, SessionStream, BaseConsumer):
    actions: ClassVar[frozenset[str]] = frozenset(
        {
            "ping",
            "resume",
            "chat.send",
            "poll.vote",
            "question.ask",
            "question.upvote",
            "question.unvote",
            "moderation.subscribe",
        }
    )
    close_frame_bytes: ClassVar[int | None] = MAX_CLOSE_BYTES

    session_id: int | None
    actor: User | None
    moderating: bool

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # One ordered, bounded output for everything this socket sends (ours and the fan-out's).
        self.outbox = Outbox(send)
        self.session_id = None
        self.stream_init()
        try:
            await super().__call__(scope, receive, self.outbox)
        finally:
            # Also when the consumer died (e.g. Redis went away): it must leave the viewer count.
            # The outbox is closed whatever these raise (Redis away) or if they are cancelled, so
            # /healthz stops counting the socket and no drain task is left pending.
            try:
                if self.session_id is not None:
                    await tracker().remove(self.session_id, self)  # type: ignore[arg-type]
                service.leave(self)
                await self.stream_leave()
            finally:
                await self.outbox.aclose()

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        self.actor, self.moderating = None, False
        await super().websocket_connect(message)

    async def connect(self) -> None:
        try:
            session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
            await snapshot.session_check(session_id)
        except (SessionNotFound, ValueError, KeyError):
            await self.refuse(CLOSE_NOT_FOUND, "not_found")
            return
        failure = self.scope.get("auth_failure")
        if failure:
            # A ticket was sent but refused (expired, used, forged): say so instead of quietly
            # opening a read-only socket, so that a client can fetch a new ticket and retry.
            await self.refuse(CLOSE_UNAUTHENTICATED, failure)
            return
        self.session_id = session_id
        await self.stream_join(session_id, wants_batch=self._query("batch") == "1")
        if self.is_authenticated:
            # user.<id>: a password change signs every socket out; sessions.user.<id>: sanctions.
            await self.join(user_group(self.user.pk))
            await self.join(session_user_group(self.user.pk))
            await self.join_auth_group()
            self.actor = await database_sync_to_async(User.objects.get)(pk=self.user.pk)
        await self.accept()
        resumed = self._query("resumed") == "1"
        count = await tracker().add(session_id, self, counted=not resumed)  # type: ignore[arg-type]
        try:
            hello = await snapshot.hello(session_id, self.actor, count)
        except SessionNotFound:  # deleted since session_check's answer was cached
            await self.send_json(error_frame("not_found", _(REFUSAL_MESSAGES["not_found"])))
            await self.close(code=CLOSE_NOT_FOUND)
            return
        await self.send_json({"type": "hello", "data": hello})
        await self.stream_start(hello["last_seq"], self._query_last_seq())
        service.join(self)  # told when the database goes away (read-only for now) and comes back

    def _query(self, name: str) -> str:
        query = parse_qs(self.scope.get("query_string", b"").decode("latin1"))
        return (query.get(name) or [""])[0]

    def _query_last_seq(self) -> int | None:
        raw = self._query("last_seq")
        return int(raw) if raw.isdigit() else None

    async def disconnect(self, code: int) -> None:
        if self.session_id is not None:
            await tracker().remove(self.session_id, self)  # type: ignore[arg-type]
        await self.stream_leave()
        await super().disconnect(code)

    # --- messages from the channel layer (the user's, sign-in and moderation groups) -------------
    async def dispatch(self, message: dict[str, Any]) -> None:
        # The user's group carries other apps' messages too (notifications): ignore what is not ours.
        if message.get("type", "").startswith("websocket.") or hasattr(
            self, message.get("type", "").replace(".", "_")
        ):
            await super().dispatch(message)

    async def live_event(self, event: dict[str, Any]) -> None:
        """Session events come through the fan-out, in order; on the channel layer this socket
        hears only its user's group, whose other apps' events (notifications) are not for it."""

    async def moderation_frame(self, event: dict[str, Any]) -> None:
        if self.moderating:
            await self.send_json(event["frame"])

    async def sessions_rights(self, event: dict[str, Any]) -> None:
        """A sanction changed for this user: re-read the rights and tell the client."""
        if event.get("session") not in (None, self.session_id) or self.actor is None:
            return
        me = await database_sync_to_async(self._me)()
        await self.send_json({"type": "me", "data": me})

    def _me(self) -> dict[str, Any]:
        session = selectors.session_get(self.session_id)
        assert self.actor is not None
        forget_roles(self.actor)
        return selectors.session_me(self.actor, session)

    async def presence_lost(self) -> None:
        await self.close(code=CLOSE_SERVICE_RESTART)

    # --- client frames ---------------------------------------------------------------------------
    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and (
            "group" in content or content.get("session", self.session_id) != self.session_id
        ):
            await self.send_json(
                error_frame("forbidden", _("A socket acts only on its own session."), clean_ref(content))
            )
            return
        await super().receive_json(content, **kwargs)


__all__ = ["DomainError", "SessionConsumer"]
