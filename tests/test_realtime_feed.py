"""The interface between the fan-out and a socket (``hub.realtime.feed``): what a feed does with
each tick, and that only the feed changes its ordering state. The outbox is a recording stand-in
(the real one is exercised by every websocket test)."""

from __future__ import annotations

import json

from hub.realtime.feed import DELIVERED, DROPPED, GAP, NOTED, SKIPPED, Feed, Tick


class RecordingOutbox:
    def __init__(self, backlog: int = 0) -> None:
        self.texts: list[str] = []
        self.backlog = backlog

    def pending_bytes(self) -> int:
        return self.backlog

    def deliver(self, frame: bytes, text: str, limit: int) -> bool:
        if self.backlog > limit:
            return False
        self.texts.append(text)
        return True

    def write_frame(self, frame: bytes, text: str) -> None:
        self.texts.append(text)


class Owner:
    def __init__(self) -> None:
        self.gaps: list[int] = []
        self.drops: list[int] = []

    def feed_gap(self, upto: int) -> None:
        self.gaps.append(upto)

    def feed_drop(self, code: int) -> None:
        self.drops.append(code)


def tick(*seqs: int) -> Tick:
    return Tick([(seq, json.dumps({"type": "event", "seq": seq})) for seq in seqs])


def live_feed(last_sent: int, *, batch: bool = True, backlog: int = 0) -> tuple[Feed, RecordingOutbox, Owner]:
    outbox, owner = RecordingOutbox(backlog), Owner()
    feed = Feed(outbox, owner, wants_batch=batch)  # type: ignore[arg-type]
    feed.start(last_sent)
    feed.replay_end()
    return feed, outbox, owner


def test_a_batch_socket_gets_a_tick_as_one_message_and_moves_on():
    feed, outbox, _owner = live_feed(2)
    assert feed.offer(tick(3, 4), limit=1000) == DELIVERED
    assert [json.loads(text)["type"] for text in outbox.texts] == ["batch"]
    assert feed.last_sent == 4
    # a tick it already has is skipped
    assert feed.offer(tick(4), limit=1000) == SKIPPED and len(outbox.texts) == 1


def test_a_plain_socket_gets_each_frame_and_only_the_part_it_lacks():
    feed, outbox, _owner = live_feed(3, batch=False)
    assert feed.offer(tick(3, 4, 5), limit=1000) == DELIVERED  # it had 3 (replayed)
    assert [json.loads(text)["seq"] for text in outbox.texts] == [4, 5]


def test_while_replaying_ticks_are_only_noted_for_the_owner_to_replay():
    outbox, owner = RecordingOutbox(), Owner()
    feed = Feed(outbox, owner, wants_batch=True)  # type: ignore[arg-type]
    feed.start(1)  # the hello is at 1; the replay has not ended
    assert feed.offer(tick(2, 3), limit=1000) == NOTED
    assert outbox.texts == [] and feed.noted_upto == 3 and feed.last_sent == 1
    feed.replayed(3)
    feed.replay_end()
    assert feed.offer(tick(4), limit=1000) == DELIVERED and feed.last_sent == 4


def test_a_gap_asks_the_owner_to_replay_and_writes_nothing_ahead_of_it():
    feed, outbox, owner = live_feed(1)
    assert feed.offer(tick(3), limit=1000) == GAP
    assert owner.gaps == [3] and outbox.texts == [] and feed.last_sent == 1 and feed.noted_upto == 3


def test_a_socket_with_too_much_unsent_is_dropped_with_4008():
    feed, outbox, owner = live_feed(1, backlog=5000)
    assert feed.offer(tick(2), limit=1000) == DROPPED
    assert owner.drops == [4008] and outbox.texts == [] and feed.last_sent == 1


def test_a_stopped_feed_takes_nothing_more():
    feed, outbox, _owner = live_feed(1)
    feed.stop()
    assert feed.offer(tick(2), limit=1000) == NOTED and outbox.texts == []
