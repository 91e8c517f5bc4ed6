"""One socket's place in a stream of sequenced frames: the interface between the fan-out and a socket.

A ``Feed`` belongs to one socket. It owns the socket's ordering state: ``last_sent`` (the highest
``seq`` the socket has been sent, every one before it included), whether a replay from the log is
running, and how far the fan-out got meanwhile. Nobody else writes that state:

- the fan-out (``hub.realtime.fanout.LocalFanout``) calls ``offer(tick)`` once per tick for each
  local feed of the group; the feed writes the tick's frames to its outbox, or notes them while a
  replay runs, or tells its owner about a gap (``feed_gap``) or that the socket is too slow
  (``feed_drop``);
- the owner (the socket's consumer) sets the starting point (``start``), runs replays between
  ``replay_begin`` and ``replay_end``, and reports what it replayed (``replayed``).

The owner implements ``FeedOwner``. Both sides run on the socket's event loop.
"""

from __future__ import annotations

import logging
from typing import Protocol

from hub.realtime.outbox import Outbox
from hub.realtime.transports import encode_frame

# offer()'s answers, for the fan-out's counters
SKIPPED = 0  # nothing new for this socket
NOTED = 1  # a replay is running: it will send these from the log or from memory
DELIVERED = 2
GAP = 3  # the socket misses frames before this tick: its owner replays them
DROPPED = 4  # too slow: closed

CLOSE_TOO_SLOW = 4008

logger = logging.getLogger(__name__)


def batch_text(texts: list[str]) -> str:
    """Several encoded frames as one ``{"type": "batch", "frames": [...]}`` message."""
    return '{"type":"batch","frames":[' + ",".join(texts) + "]}"


class Tick:
    """The frames one group received in one tick, sorted by ``seq``, encoded once for every socket."""

    __slots__ = ("_singles", "contiguous", "first", "frame", "frames", "last", "text")

    def __init__(self, frames: list[tuple[int, str]]) -> None:
        self.frames = frames
        self.first, self.last = frames[0][0], frames[-1][0]
        self.contiguous = self.last - self.first + 1 == len(frames)
        texts = [text for _seq, text in frames]
        # The whole tick as one message (batch clients) and as bytes on the wire.
        self.text = texts[0] if len(texts) == 1 else batch_text(texts)
        self.frame = encode_frame(self.text)
        self._singles: list[tuple[bytes, str]] | None = None

    def singles(self) -> list[tuple[bytes, str]]:
        """Each frame on its own, encoded (once per tick, for the sockets that want them so)."""
        if self._singles is None:
            if len(self.frames) == 1:
                self._singles = [(self.frame, self.text)]
            else:
                self._singles = [(encode_frame(text), text) for _seq, text in self.frames]
        return self._singles


class FeedOwner(Protocol):
    def feed_gap(self, upto: int) -> None:
        """Frames up to ``upto`` arrived but some before them did not: replay from ``last_sent``."""
        ...

    def feed_drop(self, code: int) -> None:
        """Close the socket with ``code`` (4008: too slow; 4503: the subscription was lost)."""
        ...


class Feed:
    __slots__ = ("_last_sent", "_noted_upto", "_replaying", "outbox", "owner", "wants_batch")

    def __init__(self, outbox: Outbox, owner: FeedOwner, *, wants_batch: bool) -> None:
        self.outbox = outbox
        self.owner = owner
        self.wants_batch = wants_batch
        self._last_sent = 0
        self._replaying = True  # until the owner has sent its snapshot and replay
        self._noted_upto = 0

    @property
    def last_sent(self) -> int:
        return self._last_sent

    @property
    def replaying(self) -> bool:
        return self._replaying

    @property
    def noted_upto(self) -> int:
        """The highest seq the fan-out offered while a replay ran (0: none)."""
        return self._noted_upto

    # --- the owner's side ------------------------------------------------------------------------
    def start(self, seq: int) -> None:
        """The snapshot sent to the client is at ``seq``."""
        self._last_sent = max(self._last_sent, seq)

    def note(self, upto: int) -> None:
        """Frames up to ``upto`` exist (e.g. what this process delivered before the socket joined)."""
        self._noted_upto = max(self._noted_upto, upto)

    def replay_begin(self) -> None:
        self._replaying = True

    def replayed(self, upto: int) -> None:
        """The owner sent every frame up to ``upto`` (from the log, from memory, or a reset)."""
        self._last_sent = max(self._last_sent, upto)

    def replay_end(self) -> None:
        self._replaying = False

    def stop(self) -> None:
        """No more frames for this socket (it is closing); offers are noted and ignored."""
        self._replaying = True
        self._noted_upto = 0

    # --- the fan-out's side ----------------------------------------------------------------------
    def lost(self, code: int) -> None:
        """The group's subscription is gone (Redis lost): the socket must reconnect."""
        self.owner.feed_drop(code)

    def offer(self, tick: Tick, limit: int) -> int:
        sent = self._last_sent
        last = tick.last
        if sent >= last:
            return SKIPPED
        if self._replaying:
            if last > self._noted_upto:
                self._noted_upto = last
            return NOTED
        first = tick.first
        if not tick.contiguous or sent < first - 1:
            self._noted_upto = max(self._noted_upto, last)
            self.owner.feed_gap(last)
            return GAP
        outbox = self.outbox
        if sent == first - 1 and self.wants_batch:
            # The common case (a page): one frame, the checks and the write in one call.
            if not outbox.deliver(tick.frame, tick.text, limit):
                return self._too_slow(limit)
            self._last_sent = last
            return DELIVERED
        if outbox.pending_bytes() > limit:  # what it has not taken yet, before this tick
            return self._too_slow(limit)
        if sent == first - 1:
            for frame, text in tick.singles():
                outbox.write_frame(frame, text)
        else:  # it already has the head of this tick (replayed): send the rest
            rest = [text for seq, text in tick.frames if seq > sent]
            if self.wants_batch:
                rest_text = batch_text(rest)
                outbox.write_frame(encode_frame(rest_text), rest_text)
            else:
                for text in rest:
                    outbox.write_frame(encode_frame(text), text)
        self._last_sent = last
        return DELIVERED

    def _too_slow(self, limit: int) -> int:
        logger.info(
            "live socket too slow, closed with %s: %s bytes unsent (limit %s)",
            CLOSE_TOO_SLOW,
            self.outbox.pending_bytes(),
            limit,
        )
        self.owner.feed_drop(CLOSE_TOO_SLOW)
        return DROPPED
