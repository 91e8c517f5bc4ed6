"""Replay and ordering: a session socket gets every event once, in ``seq`` order.

The socket's ``Feed`` (``hub.realtime.feed``) is its subscription to the per-process fan-out. While
the socket sends its ``hello`` and replays what its client missed, the feed only notes how far the
fan-out got; ``catch_up`` then replays up to that point (from the process's recent frames when it
holds all of them, else from the log) and lets the feed deliver live frames. A gap the fan-out sees
(frames published by two processes arriving out of order, a lost publish) is filled the same way;
more than ``MAX_MISSING`` missing events get ``{"type": "reset"}`` (the client reloads).

``SessionStream`` is a mixin of ``SessionConsumer``; it implements the feed's ``FeedOwner`` side and
never writes the feed's state itself.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import json
from typing import TYPE_CHECKING

from channels.db import database_sync_to_async

from hub.realtime import fanout
from hub.realtime.feed import Feed, batch_text
from hub.realtime.outbox import Outbox
from hub.realtime.transports import encode_frame
from sessions_live import selectors
from sessions_live.events import session_group

MAX_MISSING = 5000
REPLAY_PAGE = 500


@functools.lru_cache(maxsize=256)
def _presence_frame(count: int) -> tuple[str, bytes]:
    """Encoded once per count, not per socket (the text, and the websocket frame)."""
    text = json.dumps({"type": "presence", "viewer_count": count})
    return text, encode_frame(text)


class SessionStream:
    """The socket's side of the fan-out (``FeedOwner``): join, catch up, replay, leave."""

    session_id: int | None
    outbox: Outbox
    feed: Feed | None
    stream_group: str | None
    stream_live: bool  # False once the socket is closing: no more frames
    replay_lock: asyncio.Lock
    gap_task: asyncio.Task[None] | None
    drop_task: asyncio.Task[None] | None
    stream_context: contextvars.Context

    if TYPE_CHECKING:  # the consumer's (Channels' AsyncWebsocketConsumer.send)

        async def send(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None: ...

    def stream_init(self) -> None:
        self.feed, self.stream_group, self.stream_live = None, None, False
        self.replay_lock = asyncio.Lock()
        self.gap_task = None
        self.drop_task = None
        # The socket's own context: the fan-out's callbacks may run in another one (a sync caller's).
        self.stream_context = contextvars.copy_context()

    async def stream_join(self, session_id: int, *, wants_batch: bool) -> None:
        """Subscribe before reading anything, so no event slips between the snapshot and live."""
        self.feed = Feed(self.outbox, self, wants_batch=wants_batch)
        self.stream_group = session_group(session_id)
        await fanout.fanout().subscribe(self.stream_group, self.feed)

    async def stream_start(self, hello_seq: int, client_seq: int | None) -> None:
        """The ``hello`` (at ``hello_seq``) is sent: replay what the client missed, then go live."""
        feed = self.feed
        assert feed is not None and self.stream_group is not None
        self.stream_live = True
        feed.start(hello_seq)
        # Frames this process delivered before this socket joined (after the hello's seq).
        feed.note(fanout.fanout().latest_seq(self.stream_group))
        after = client_seq if client_seq is not None and client_seq < hello_seq else hello_seq
        await self.catch_up(after, hello_seq)

    async def stream_leave(self) -> None:
        group, self.stream_group = getattr(self, "stream_group", None), None
        feed = getattr(self, "feed", None)
        self.stream_live = False
        if feed is not None:
            feed.stop()
            if group is not None:
                await fanout.fanout().unsubscribe(group, feed)
        gap_task = getattr(self, "gap_task", None)
        if gap_task is not None and not gap_task.done():
            gap_task.cancel()

    @property
    def last_sent(self) -> int:
        return self.feed.last_sent if self.feed is not None else 0

    # --- replays ---------------------------------------------------------------------------------
    async def catch_up(self, after: int, upto: int) -> None:
        """Replay (after, upto], then whatever the fan-out noted meanwhile; live frames resume after."""
        feed = self.feed
        assert feed is not None
        async with self.replay_lock:
            feed.replay_begin()
            try:
                if after < upto:
                    await self.replay(after, upto)
                while feed.noted_upto > feed.last_sent:
                    before = feed.last_sent
                    await self.replay(feed.last_sent, feed.noted_upto)
                    if feed.last_sent == before:
                        break
            finally:
                if self.stream_live:
                    feed.replay_end()

    async def replay(self, after: int, upto: int) -> None:
        """Send the events in (after, upto] (recent ones from the process's memory when it holds
        all of them, else from the log), or ``reset`` when too many are missing."""
        feed = self.feed
        assert feed is not None and self.session_id is not None
        if upto - after > MAX_MISSING:
            await self.send(text_data=json.dumps({"type": "reset", "last_seq": upto}))
            feed.replayed(upto)
            return
        cursor, group, shared = after, self.stream_group, fanout.fanout()
        while cursor < upto:
            kept = shared.between(group, cursor, min(upto, cursor + REPLAY_PAGE)) if group else None
            if kept is not None:
                frames = list(zip(range(cursor + 1, cursor + 1 + len(kept)), kept, strict=True))
            else:
                frames = await database_sync_to_async(selectors.event_frames_between)(
                    self.session_id, cursor, upto, REPLAY_PAGE
                )
                if not frames:
                    break
                if group is not None:
                    shared.remember(group, frames)
            texts = [text for _seq, text in frames]
            if feed.wants_batch and len(texts) > 1:
                await self.send(text_data=batch_text(texts))
            else:
                for text in texts:
                    await self.send(text_data=text)
            cursor = frames[-1][0]
        feed.replayed(cursor)

    # --- FeedOwner -------------------------------------------------------------------------------
    def feed_gap(self, upto: int) -> None:
        """The fan-out saw a seq beyond ``last_sent + 1``: fill the gap from the log, off its loop."""
        feed = self.feed
        assert feed is not None
        feed.replay_begin()  # now, so the next ticks are noted, not written ahead of the gap
        self.gap_task = asyncio.get_running_loop().create_task(
            self.catch_up(feed.last_sent, feed.last_sent), context=self.stream_context.copy()
        )

    def feed_drop(self, code: int) -> None:
        """Too slow (4008) or the subscription was lost (4503): close; the client resumes with last_seq."""
        feed = self.feed
        self.stream_live = False
        if feed is not None:
            feed.stop()
            if self.stream_group is not None:
                fanout.fanout().leave_now(self.stream_group, feed)
        # Kept: the event loop holds only a weak reference to a task, which could vanish mid-close.
        self.drop_task = asyncio.get_running_loop().create_task(self.outbox.abort(code))

    # --- presence --------------------------------------------------------------------------------
    async def presence_send(self, count: int) -> None:
        if self.feed is None or not self.stream_live:  # not before the hello, not after a drop
            return
        text, frame = _presence_frame(count)
        self.outbox.write_frame(frame, text)
