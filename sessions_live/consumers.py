"""``/ws/sessions/<id>/``: the live channel of one council session (protocol in ``docs/sessions.md``).

Connect: join the session's group (and, signed in, the user's and the sign-in's groups) FIRST,
then read the snapshot (``hello``) and replay the log from the client's ``last_seq``. Live events
that arrive meanwhile wait in the channel's queue (Channels handles one message at a time), and
every event is sent in ``seq`` order exactly once: older ones are dropped, and a gap (events
broadcast by two processes arriving out of order) is filled from the log before going on.

Actions call the same services as the REST API, through ``database_sync_to_async``; each is
answered with ``ack`` or an error frame carrying the client's ``ref``.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import json
import logging
import time
import weakref
from collections import OrderedDict
from typing import Any, ClassVar
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext as _

from hub.errors import DomainError, PermissionDenied
from hub.limits import ID_MAX
from hub.models import User
from hub.permissions import forget_roles
from hub.realtime import fanout
from hub.realtime.consumers import (
    CLOSE_NOT_FOUND,
    CLOSE_UNAUTHENTICATED,
    REFUSAL_MESSAGES,
    BaseConsumer,
    clean_ref,
    error_frame,
)
from hub.realtime.events import user_group
from sessions_live import selectors, votebatch
from sessions_live.errors import Invalid, SessionNotFound
from sessions_live.events import moderation_group, session_group, session_user_group
from sessions_live.models import LiveSession, SessionEvent
from sessions_live.permissions import can_moderate
from sessions_live.presence import CLOSE_SERVICE_RESTART, tracker
from sessions_live.serializers import SessionDetailOut, chat_message_data, question_data
from sessions_live.services import chat, polls, questions

logger = logging.getLogger(__name__)

MAX_CLOSE_BYTES = 64 * 1024
MAX_MISSING = 5000
REPLAY_PAGE = 500


@functools.lru_cache(maxsize=256)
def _presence_frame(count: int) -> tuple[str, bytes]:
    """Encoded once per count, not per socket (the text, and the websocket frame for the fan-out)."""
    text = json.dumps({"type": "presence", "viewer_count": count})
    return text, fanout.encode_frame(text)


# --- cheap connects (a connect storm is thousands of these within a minute) ---------------------
KNOWN_SESSION_SECONDS = 10.0
_known_sessions: dict[int, float] = {}
SNAPSHOTS_KEPT = 32
_snapshots: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()


async def _session_check(session_id: int) -> None:
    """Raise SessionNotFound unless the session exists; a yes is remembered for a few seconds per
    process, so a storm of connects costs one query here, not one thread hop per socket."""
    now = time.monotonic()
    seen = _known_sessions.get(session_id)
    if seen is not None and now - seen < KNOWN_SESSION_SECONDS:
        return
    await database_sync_to_async(selectors.session_get)(session_id)
    if len(_known_sessions) > 1000:
        _known_sessions.clear()
    _known_sessions[session_id] = now


# Connects of anonymous viewers share their database reads (a connect storm is thousands of them
# within seconds): one read of the session's (last_seq, updated_at) per round for every socket that
# arrived before the round started, and one serialized snapshot per (seq, updated_at, language).
class _SharedReads:
    """One per event loop (per server process; tests run several loops)."""

    def __init__(self) -> None:
        self.rows: dict[int, tuple[float, asyncio.Task[tuple[int, Any]]]] = {}
        self.builds: dict[tuple[Any, ...], asyncio.Task[tuple[dict[str, Any], int]]] = {}


_shared_reads: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _SharedReads] = (
    weakref.WeakKeyDictionary()
)


def _shared() -> _SharedReads:
    loop = asyncio.get_running_loop()
    found = _shared_reads.get(loop)
    if found is None:
        found = _shared_reads[loop] = _SharedReads()
    return found


def _session_row(session_id: int) -> tuple[int, Any]:
    # Plain SQL: this runs once per connect outside storms, and the ORM's query building cost more
    # than the query. updated_at as text: it is only part of a cache key.
    table = LiveSession._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT last_seq, CAST(updated_at AS TEXT) FROM {table} WHERE id = %s",  # noqa: S608 - our table
            [session_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise SessionNotFound()
    return int(row[0]), row[1]


async def _session_row_now(session_id: int) -> tuple[int, Any]:
    """The session's (last_seq, updated_at), read AFTER this call began (so never older than what
    the caller's client has seen), shared with every caller that arrived before the same read."""
    arrived = time.monotonic()
    reads = _shared().rows
    while True:
        entry = reads.get(session_id)
        if entry is None or (entry[1].done() and entry[0] < arrived):
            task = asyncio.get_running_loop().create_task(database_sync_to_async(_session_row)(session_id))
            entry = reads[session_id] = (time.monotonic(), task)
            if len(reads) > 1000:
                for stale in [key for key, (_t, other) in reads.items() if other.done()]:
                    del reads[stale]
        started, task = entry
        if started >= arrived:
            return await asyncio.shield(task)
        await asyncio.wait([task])  # an older read: wait for it, then join (or start) the next one


def _snapshot_build(session_id: int) -> tuple[dict[str, Any], int]:
    session = selectors.session_get(session_id, detail=True)
    data = dict(SessionDetailOut(session, context={"user": None, "viewer_count": 0}).data)
    return data, session.last_seq


async def _anonymous_snapshot(session_id: int) -> tuple[dict[str, Any], int]:
    """The session as an anonymous viewer sees it and the seq it is at (never behind what the
    caller's client saw): one small shared read, and the serialized snapshot is reused while the
    session's ``last_seq`` (every public change appends an event) and ``updated_at`` hold."""
    last_seq, updated_at = await _session_row_now(session_id)
    key = (session_id, last_seq, updated_at, translation.get_language())
    found = _snapshots.get(key)
    if found is not None:
        return found, last_seq
    builds = _shared().builds
    build = builds.get(key)
    if build is None:
        build = builds[key] = asyncio.get_running_loop().create_task(
            database_sync_to_async(_snapshot_build)(session_id)
        )
        build.add_done_callback(lambda _task: builds.pop(key, None))
    data, built_seq = await asyncio.shield(build)
    if built_seq == last_seq:
        _snapshots[key] = data
        while len(_snapshots) > SNAPSHOTS_KEPT:
            _snapshots.popitem(last=False)
    return data, built_seq  # a later seq than read: still never behind the client


def _missing(field: str) -> Invalid:
    return Invalid(_("Some fields are missing or invalid."), fields={field: [_("This field is required.")]})


class SessionConsumer(BaseConsumer):
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
    last_sent: int
    actor: User | None
    moderating: bool
    hello_sent: bool
    # LIVE_DELIVERY=fanout (hub.realtime.fanout): this socket is a local subscriber of its session.
    catching_up: bool
    pending_upto: int
    wants_batch: bool
    outbox: fanout.Outbox
    fanout_group: str | None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # Also when the consumer died (e.g. Redis went away): it must leave the viewer count.
            if getattr(self, "session_id", None) is not None:
                await tracker().remove(self.session_id, self)  # type: ignore[arg-type]
            await self._fanout_leave()
            outbox = getattr(self, "outbox", None)
            if outbox is not None:
                outbox.release()

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        self.session_id, self.last_sent, self.actor = None, 0, None
        self.moderating, self.hello_sent = False, False
        self.catching_up, self.pending_upto, self.wants_batch, self.fanout_group = True, 0, False, None
        self.replay_lock = asyncio.Lock()
        self.fanout_context = contextvars.copy_context()
        self.gap_task: asyncio.Task[None] | None = None
        if fanout.delivery() == "fanout":
            # Every send of this socket (ours and the fan-out's) goes through one ordered, bounded outbox.
            self.outbox = fanout.Outbox(self.base_send)  # type: ignore[has-type]
            self.base_send = self.outbox
        await super().websocket_connect(message)

    # --- connecting -------------------------------------------------------------------------------
    async def connect(self) -> None:
        try:
            session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
            await _session_check(session_id)
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
        # Subscribe before reading anything, so no event slips between snapshot and live.
        if fanout.delivery() == "fanout":
            self.wants_batch = self._query("batch") == "1"
            self.fanout_group = session_group(session_id)
            await fanout.fanout().subscribe(self.fanout_group, self)
        else:
            await self.join(session_group(session_id))
        if self.is_authenticated:
            # user.<id>: a password change signs every socket out; sessions.user.<id>: sanctions.
            await self.join(user_group(self.user.pk))
            await self.join(session_user_group(self.user.pk))
            await self.join_auth_group()
            self.actor = await database_sync_to_async(User.objects.get)(pk=self.user.pk)
        await self.accept()
        count = await tracker().add(session_id, self)
        try:
            hello = await self._hello(count)
        except SessionNotFound:  # deleted since _session_check's answer was cached
            await self.send_json(error_frame("not_found", _(REFUSAL_MESSAGES["not_found"])))
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.last_sent = hello["last_seq"]
        await self.send_json({"type": "hello", "data": hello})
        self.hello_sent = True
        client_seq = self._query_last_seq()
        if self.fanout_group is not None:
            # Frames this process delivered before this socket joined (after the hello's seq).
            self.pending_upto = max(self.pending_upto, fanout.fanout().latest.get(self.fanout_group, 0))
            after = client_seq if client_seq is not None and client_seq < self.last_sent else self.last_sent
            await self._catch_up(after, self.last_sent)
        elif client_seq is not None and client_seq < self.last_sent:
            await self._replay(client_seq, self.last_sent)

    def _query(self, name: str) -> str:
        query = parse_qs(self.scope.get("query_string", b"").decode("latin1"))
        return (query.get(name) or [""])[0]

    def _query_last_seq(self) -> int | None:
        raw = self._query("last_seq")
        return int(raw) if raw.isdigit() else None

    async def _hello(self, viewer_count: int) -> dict[str, Any]:
        if self.actor is None:  # most viewers: shared reads (see _anonymous_snapshot)
            data, last_seq = await _anonymous_snapshot(self.session_id)  # type: ignore[arg-type]
            data = {**data, "viewer_count": viewer_count}
            return {"session": data, "last_seq": last_seq, "viewer_count": viewer_count, "me": data["me"]}
        return await database_sync_to_async(self._hello_signed_in)(viewer_count)

    def _hello_signed_in(self, viewer_count: int) -> dict[str, Any]:
        session = selectors.session_get(self.session_id, detail=True)
        data = dict(
            SessionDetailOut(session, context={"user": self.actor, "viewer_count": viewer_count}).data
        )
        return {
            "session": data,
            "last_seq": session.last_seq,
            "viewer_count": viewer_count,
            "me": selectors.session_me(self.actor, session),
        }

    async def disconnect(self, code: int) -> None:
        if self.session_id is not None:
            await tracker().remove(self.session_id, self)
        await self._fanout_leave()
        await super().disconnect(code)

    # --- the fan-out path (LIVE_DELIVERY=fanout) ----------------------------------------------
    async def _fanout_leave(self) -> None:
        group, self.fanout_group = getattr(self, "fanout_group", None), None
        if group is not None:
            await fanout.fanout().unsubscribe(group, self)
        if getattr(self, "gap_task", None) is not None and not self.gap_task.done():  # type: ignore[union-attr]
            self.gap_task.cancel()  # type: ignore[union-attr]

    async def _catch_up(self, after: int, upto: int) -> None:
        """Replay (after, upto] from the log, then whatever the fan-out saw meanwhile; while this
        runs the fan-out only records how far it got (``pending_upto``), so order holds."""
        async with self.replay_lock:
            self.catching_up = True
            try:
                if after < upto:
                    await self._replay(after, upto)
                while self.pending_upto > self.last_sent:
                    before = self.last_sent
                    await self._replay(self.last_sent, self.pending_upto)
                    if self.last_sent == before:
                        break
            finally:
                self.catching_up = self.fanout_group is None

    def fanout_gap(self, upto: int) -> None:
        """The fan-out saw a seq beyond ``last_sent + 1``: fill the gap from the log, off its loop."""
        self.pending_upto = max(self.pending_upto, upto)
        if self.catching_up:
            return
        self.catching_up = True
        # In the socket's own context: the fan-out's callback may run in another's (a sync caller's).
        self.gap_task = asyncio.get_running_loop().create_task(
            self._catch_up(self.last_sent, self.last_sent), context=self.fanout_context.copy()
        )

    def fanout_drop(self, code: int) -> None:
        """Too slow (4008) or the pub/sub was lost (4503): close; the client resumes with last_seq."""
        self.catching_up = True
        self.pending_upto = 0
        group, self.fanout_group = self.fanout_group, None
        if group is not None:
            subscribers = fanout.fanout().groups.get(group)
            if subscribers is not None:
                subscribers.discard(self)
        asyncio.get_running_loop().create_task(self.outbox.abort(code))

    # --- sending events in order --------------------------------------------------------------
    def _events_between(self, after: int, upto: int) -> list[tuple[int, str]]:
        rows = SessionEvent.objects.filter(session_id=self.session_id, seq__gt=after, seq__lte=upto).order_by(
            "seq"
        )
        return [(row.seq, json.dumps(row.frame())) for row in rows[:REPLAY_PAGE]]

    async def _replay(self, after: int, upto: int) -> None:
        """Send the log's events in (after, upto], or ``reset`` when too many are missing. On the
        fan-out path recent frames come from the process's memory when it holds all of them."""
        if upto - after > MAX_MISSING:
            await self.send_json({"type": "reset", "last_seq": upto})
            self.last_sent = max(self.last_sent, upto)
            return
        cursor = after
        group = self.fanout_group
        while cursor < upto:
            kept = fanout.fanout().between(group, cursor, min(upto, cursor + REPLAY_PAGE)) if group else None
            if kept is not None:
                frames = list(zip(range(cursor + 1, cursor + 1 + len(kept)), kept, strict=True))
            else:
                frames = await database_sync_to_async(self._events_between)(cursor, upto)
                if not frames:
                    break
                if group is not None:
                    fanout.fanout().remember(group, frames)
            texts = [text for _seq, text in frames]
            if self.wants_batch and len(texts) > 1:
                await self.send(text_data=fanout.batch_text(texts))
            else:
                for text in texts:
                    await self.send(text_data=text)
            cursor = frames[-1][0]
        self.last_sent = max(self.last_sent, cursor)

    async def live_event(self, event: dict[str, Any]) -> None:
        frame = event.get("frame") or {}
        seq = frame.get("seq")
        if not isinstance(seq, int) or not self.hello_sent:
            return  # not a session event (the user's group also carries notifications)
        if seq <= self.last_sent:
            return  # already sent (replayed from the log)
        if seq > self.last_sent + 1:
            await self._replay(self.last_sent, seq - 1)
            if seq <= self.last_sent:
                return
        await self.send_json(frame)
        self.last_sent = seq

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

    async def dispatch(self, message: dict[str, Any]) -> None:
        # The user's group carries other apps' messages too (notifications): ignore what is not ours.
        if message.get("type", "").startswith("websocket.") or hasattr(
            self, message.get("type", "").replace(".", "_")
        ):
            await super().dispatch(message)

    # --- presence -----------------------------------------------------------------------------
    async def presence_send(self, count: int) -> None:
        if not self.hello_sent:
            return
        text, frame = _presence_frame(count)
        if self.fanout_group is not None:
            self.outbox.write_frame(frame, text)
        else:
            await self.send(text_data=text)

    async def presence_lost(self) -> None:
        await self.close(code=CLOSE_SERVICE_RESTART)

    # --- client actions -----------------------------------------------------------------------
    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and (
            "group" in content or content.get("session", self.session_id) != self.session_id
        ):
            await self.send_json(
                error_frame("forbidden", _("A socket acts only on its own session."), clean_ref(content))
            )
            return
        await super().receive_json(content, **kwargs)

    async def ack(self, content: dict[str, Any], data: dict[str, Any]) -> None:
        await self.send_json({"type": "ack", "ref": clean_ref(content), "data": data})

    async def handle_resume(self, content: dict[str, Any]) -> None:
        last_seq = content.get("last_seq")
        if not isinstance(last_seq, int) or isinstance(last_seq, bool) or not 0 <= last_seq <= ID_MAX:
            raise Invalid(
                _("Some fields are missing or invalid."),
                fields={"last_seq": [_("The last sequence number you received (0 or more).")]},
            )
        if self.fanout_group is not None:
            await self._catch_up(last_seq, self.last_sent)
        elif last_seq < self.last_sent:
            await self._replay(last_seq, self.last_sent)
        await self.ack(content, {"last_seq": self.last_sent})

    def _session(self) -> Any:
        session = selectors.session_get(self.session_id)
        if self.actor is not None:
            forget_roles(self.actor)
        return session

    def _chat_send(self, content: dict[str, Any]) -> dict[str, Any]:
        if "text" not in content:
            raise _missing("text")
        message, _created = chat.chat_send(
            actor=self.actor,
            session=self._session(),
            text=content["text"],
            idempotency_key=content.get("idempotency_key", ""),
        )
        return {"message": chat_message_data(message)}

    async def handle_chat_send(self, content: dict[str, Any]) -> None:
        await self.ack(content, await database_sync_to_async(self._chat_send)(content))

    async def handle_poll_vote(self, content: dict[str, Any]) -> None:
        # Group commit (sessions_live.votebatch): applied with this process's other votes of the moment.
        for field in ("poll", "options"):
            if field not in content:
                raise _missing(field)
        assert self.session_id is not None
        vote = polls.VoteIn(
            actor=self.actor,
            poll_id=content["poll"],
            option_ids=content["options"],
            idempotency_key=content.get("idempotency_key", ""),
        )
        await self.ack(content, await votebatch.vote_submit(session_id=self.session_id, vote=vote))

    def _question_ask(self, content: dict[str, Any]) -> dict[str, Any]:
        if "text" not in content:
            raise _missing("text")
        question, _created = questions.question_ask(
            actor=self.actor,
            session=self._session(),
            text=content["text"],
            anonymous=content.get("anonymous", False),
            idempotency_key=content.get("idempotency_key", ""),
        )
        return {"question": question_data(question)}

    async def handle_question_ask(self, content: dict[str, Any]) -> None:
        await self.ack(content, await database_sync_to_async(self._question_ask)(content))

    def _question_vote(self, content: dict[str, Any], up: bool) -> dict[str, Any]:
        if "question" not in content:
            raise _missing("question")
        question = questions.question_get(self.session_id, content["question"])  # type: ignore[arg-type]
        service = questions.question_upvote if up else questions.question_unvote
        return {"question": question_data(service(actor=self.actor, question=question))}

    async def handle_question_upvote(self, content: dict[str, Any]) -> None:
        await self.ack(content, await database_sync_to_async(self._question_vote)(content, True))

    async def handle_question_unvote(self, content: dict[str, Any]) -> None:
        await self.ack(content, await database_sync_to_async(self._question_vote)(content, False))

    def _may_moderate(self) -> bool:
        return self.actor is not None and can_moderate(self.actor, self._session())

    async def handle_moderation_subscribe(self, content: dict[str, Any]) -> None:
        if not await database_sync_to_async(self._may_moderate)():
            raise PermissionDenied(_("Only this commune's moderators see the console."), code="forbidden")
        if not self.moderating:
            assert self.session_id is not None
            await self.join(moderation_group(self.session_id))
            self.moderating = True
        await self.ack(content, {"moderation": True})


__all__ = ["DomainError", "SessionConsumer"]
