"""The council's record, live, over real websockets: a viewer of a council session receives the roll
call's quorum, the motion opened, the votes and the result as ``event`` frames in seq order with the
payloads of the session's log; a viewer cut off mid-vote resumes with ``last_seq`` and gets exactly
what it missed (no gap, no duplicate), and the motion it rebuilds from the frames is the server's.

Through the real ASGI application (``WebsocketCommunicator``: the in-memory layer embedded, the Redis
channel layer in services mode), and, with Redis, through a real daphne process serving the test
database while the writes are made in this process.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from websockets.asyncio.client import connect

from council import services
from council.events import motion_data
from council.selectors import motion_get, quorum_of
from hub.asgi import application
from sessions_live.models import SessionEvent
from tests.factories_council import Council, council
from tests.test_websocket_me import SAME_ORIGIN

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


# --- The viewer ----------------------------------------------------------------------------------


class MotionBoard:
    """What a client keeps from the frames: the quorum and each motion, applied strictly in seq
    order (a gap or a duplicate fails the test), each motion event replacing the motion held."""

    def __init__(self) -> None:
        self.last_seq = 0
        self.seqs: list[int] = []
        self.names: list[str] = []
        self.frames: list[dict[str, Any]] = []
        self.quorum: dict[str, Any] | None = None
        self.motions: dict[int, dict[str, Any]] = {}

    def take(self, frame: dict[str, Any]) -> None:
        assert frame["type"] == "event", frame
        assert frame["seq"] == self.last_seq + 1, f"got seq {frame['seq']} after {self.last_seq}"
        self.last_seq = frame["seq"]
        self.seqs.append(frame["seq"])
        self.names.append(frame["event"])
        self.frames.append(frame)
        if frame["event"] == "attendance.updated":
            self.quorum = frame["data"]["quorum"]
        elif frame["event"].startswith("motion."):
            motion = frame["data"]["motion"]
            self.motions[motion["id"]] = motion


async def communicator(session_id: int, query: str = "") -> tuple[WebsocketCommunicator, dict[str, Any]]:
    ws = WebsocketCommunicator(application, f"/ws/sessions/{session_id}/{query}", headers=list(SAME_ORIGIN))
    connected, _ = await ws.connect()
    assert connected
    hello = await ws.receive_json_from(timeout=5)
    assert hello["type"] == "hello", hello
    return ws, hello["data"]


async def next_event(ws: WebsocketCommunicator, timeout: float = 5) -> dict[str, Any]:
    """The next ``event`` frame (presence frames and others skipped)."""
    while True:
        frame = await ws.receive_json_from(timeout=timeout)
        if frame["type"] == "event":
            return frame


async def pump(ws: WebsocketCommunicator, board: MotionBoard, count: int) -> None:
    for _ in range(count):
        board.take(await next_event(ws))


async def quiet(ws: WebsocketCommunicator, timeout: float = 0.4) -> bool:
    """No event frame arrives within ``timeout``."""
    while not await ws.receive_nothing(timeout=timeout):
        if (await ws.receive_json_from())["type"] == "event":
            return False
    return True


# --- The sitting, through the services (as the console and the API call them) --------------------


def sitting() -> tuple[Council, list[int]]:
    """A council of 9, a live ordinary session and its secretary-general; member ids."""
    c = council(9)
    return c, [m.pk for m in c.members]


def roll_call(c: Council, ids: list[int]) -> None:
    entries = [{"member": pk, "status": "present"} for pk in ids[:6]]
    entries.append({"member": ids[6], "status": "proxy", "proxy_holder": ids[1]})
    entries.append({"member": ids[7], "status": "excused"})
    services.roll_call(actor=c.secretary, session=c.session, entries=entries)


def motion_open(c: Council) -> int:
    return services.motion_open(actor=c.secretary, session=c.session, title="Budget primitif 2027").pk


def votes(c: Council, motion_id: int, choices: dict[int, str]) -> None:
    services.votes_record(
        actor=c.secretary,
        motion=motion_get(motion_id),
        votes=[{"member": pk, "choice": choice} for pk, choice in choices.items()],
    )


def motion_close(c: Council, motion_id: int) -> None:
    services.motion_close(actor=c.secretary, motion=motion_get(motion_id))


def server_motion(motion_id: int) -> dict[str, Any]:
    """The motion as the server renders it now (JSON round trip, as a client receives it)."""
    return json.loads(json.dumps(dict(motion_data(motion_get(motion_id)))))


def server_log(session_id: int) -> list[tuple[int, str, Any]]:
    return list(
        SessionEvent.objects.filter(session_id=session_id).order_by("seq").values_list("seq", "name", "data")
    )


def server_quorum(c: Council) -> dict[str, Any]:
    return dict(quorum_of(c.session).as_dict())


# --- Through the ASGI application ----------------------------------------------------------------


async def test_a_viewer_sees_the_quorum_the_motion_the_votes_and_the_result_in_order():
    # given a citizen watching a council session (signed out: the record is public)
    c, ids = await sync_to_async(sitting)()
    ws, hello = await communicator(c.session.pk)
    assert hello["last_seq"] == 0
    board = MotionBoard()
    # when the secretary-general takes the roll call
    await sync_to_async(roll_call)(c, ids)
    await pump(ws, board, 1)
    # then the viewer has the lines and the quorum at once
    assert board.names == ["attendance.updated"]
    assert board.quorum == {
        "in_office": 9,
        "present": 6,
        "represented": 1,
        "counted": 6,
        "required": 5,
        "reached": True,
    }
    statuses = {e["member"]["id"]: e["status"] for e in board.frames[0]["data"]["entries"]}
    assert statuses[ids[6]] == "proxy" and statuses[ids[7]] == "excused" and len(statuses) == 8
    # when a motion is opened, voted (one vote by proxy) and closed
    motion_id = await sync_to_async(motion_open)(c)
    await pump(ws, board, 1)
    assert board.motions[motion_id]["status"] == "open" and board.motions[motion_id]["votes"] == []
    await sync_to_async(votes)(
        c, motion_id, {ids[0]: "for", ids[1]: "for", ids[2]: "for", ids[3]: "against", ids[6]: "for"}
    )
    await pump(ws, board, 1)
    await sync_to_async(motion_close)(c, motion_id)
    await pump(ws, board, 1)
    # then the frames came in seq order, each with the log's payload
    assert board.seqs == [1, 2, 3, 4]
    assert board.names == ["attendance.updated", "motion.opened", "motion.vote", "motion.closed"]
    log = await sync_to_async(server_log)(c.session.pk)
    assert [(f["seq"], f["event"], f["data"]) for f in board.frames] == [tuple(x) for x in log]
    vote_frame = board.frames[2]["data"]
    assert vote_frame["motion"]["tally"] == {"for": 4, "against": 1, "abstain": 0, "not_voting": 0}
    assert {v["member"]: v["cast_by"] for v in vote_frame["motion"]["votes"]}[ids[6]] == ids[1]
    # and the result reached the viewer as the server computed it
    closed = board.motions[motion_id]
    assert (closed["status"], closed["result"], closed["result_reason"]) == ("closed", "adopted", "majority")
    assert closed == await sync_to_async(server_motion)(motion_id)
    assert await quiet(ws)
    await ws.disconnect()


async def test_a_viewer_cut_off_mid_vote_resumes_with_exactly_what_it_missed():
    # given a viewer that saw the roll call, the opening and the first votes
    c, ids = await sync_to_async(sitting)()
    ws, _hello = await communicator(c.session.pk)
    board = MotionBoard()
    await sync_to_async(roll_call)(c, ids)
    motion_id = await sync_to_async(motion_open)(c)
    await sync_to_async(votes)(c, motion_id, {ids[0]: "for", ids[1]: "against"})
    await pump(ws, board, 3)
    assert board.seqs == [1, 2, 3] and board.motions[motion_id]["tally"]["for"] == 1
    # when it is cut off, and meanwhile more votes come (one by proxy), a late arrival and the close
    await ws.disconnect()
    await sync_to_async(votes)(c, motion_id, {ids[2]: "for", ids[3]: "for"})
    await sync_to_async(services.attendance_record)(
        actor=c.secretary, session=c.session, member=ids[8], status="late"
    )
    await sync_to_async(votes)(c, motion_id, {ids[6]: "against", ids[8]: "abstain"})
    await sync_to_async(motion_close)(c, motion_id)
    # and it reconnects with its last_seq
    ws2, hello = await communicator(c.session.pk, f"?last_seq={board.last_seq}")
    assert hello["last_seq"] == 7
    await pump(ws2, board, 4)
    # then it got exactly the missed events, once each, in order, and nothing more
    assert board.seqs == [1, 2, 3, 4, 5, 6, 7]
    assert board.names[3:] == ["motion.vote", "attendance.updated", "motion.vote", "motion.closed"]
    assert await quiet(ws2)
    # and what it holds is what the server holds
    assert board.motions[motion_id] == await sync_to_async(server_motion)(motion_id)
    assert board.quorum == await sync_to_async(server_quorum)(c)
    assert board.motions[motion_id]["tally"] == {"for": 3, "against": 2, "abstain": 1, "not_voting": 0}
    # and it keeps receiving live after the replay
    await sync_to_async(services.attendance_record)(
        actor=c.secretary, session=c.session, member=ids[7], status="present"
    )
    await pump(ws2, board, 1)
    assert board.seqs[-1] == 8 and board.quorum["present"] == 8
    await ws2.disconnect()


async def test_two_viewers_one_resuming_end_with_the_same_motion():
    # given two viewers, one of which drops after the opening
    c, ids = await sync_to_async(sitting)()
    steady, _ = await communicator(c.session.pk)
    flaky, _ = await communicator(c.session.pk)
    boards = MotionBoard(), MotionBoard()
    await sync_to_async(roll_call)(c, ids)
    motion_id = await sync_to_async(motion_open)(c)
    await pump(steady, boards[0], 2)
    await pump(flaky, boards[1], 2)
    await flaky.disconnect()
    # when the vote goes on in several batches and closes while it is away
    for batch in ({ids[0]: "for"}, {ids[1]: "for", ids[2]: "against"}, {ids[3]: "abstain"}):
        await sync_to_async(votes)(c, motion_id, batch)
    await sync_to_async(motion_close)(c, motion_id)
    await pump(steady, boards[0], 4)
    flaky, _ = await communicator(c.session.pk, f"?last_seq={boards[1].last_seq}")
    await pump(flaky, boards[1], 4)
    # then both saw the same log and hold the same motion
    assert boards[0].seqs == boards[1].seqs == [1, 2, 3, 4, 5, 6]
    assert [f["id"] for f in boards[0].frames] == [f["id"] for f in boards[1].frames]
    assert boards[0].motions == boards[1].motions
    assert await quiet(flaky) and await quiet(steady)
    await steady.disconnect()
    await flaky.disconnect()


# --- Through a real server -----------------------------------------------------------------------


class SocketViewer:
    """A plain websocket client of a real server, applying frames to a ``MotionBoard``."""

    def __init__(self, server: Any, session_id: int, board: MotionBoard) -> None:
        self.server, self.session_id, self.board = server, session_id, board
        self.ws: Any = None

    async def open(self) -> dict[str, Any]:
        query = f"?last_seq={self.board.last_seq}" if self.board.seqs else ""
        self.ws = await connect(
            f"{self.server.ws_url}/ws/sessions/{self.session_id}/{query}", open_timeout=10
        )
        hello = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
        assert hello["type"] == "hello", hello
        return hello["data"]

    async def pump(self, until_seq: int, timeout: float = 15) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.board.last_seq < until_seq:
            remaining = deadline - loop.time()
            assert remaining > 0, f"stuck at seq {self.board.last_seq}, waiting for {until_seq}"
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), remaining))
            if frame["type"] == "event":
                self.board.take(frame)

    async def quiet(self, timeout: float = 0.5) -> bool:
        try:
            while True:
                frame = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
                if frame["type"] == "event":
                    return False
        except TimeoutError:
            return True

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


async def test_through_a_real_server_live_frames_and_a_resume_without_gap(redis_required, hub_server):
    # given a viewer on a real daphne process (writes made here reach it through Redis)
    c, ids = await sync_to_async(sitting)()
    board = MotionBoard()
    viewer = SocketViewer(hub_server, c.session.pk, board)
    try:
        hello = await viewer.open()
        assert hello["last_seq"] == 0
        await sync_to_async(roll_call)(c, ids)
        motion_id = await sync_to_async(motion_open)(c)
        await sync_to_async(votes)(c, motion_id, {ids[0]: "for", ids[1]: "for"})
        await viewer.pump(3)
        assert board.names == ["attendance.updated", "motion.opened", "motion.vote"]
        assert board.quorum is not None and board.quorum["reached"] is True
        # when it drops mid-vote and the vote goes on and closes
        await viewer.close()
        await sync_to_async(votes)(c, motion_id, {ids[2]: "against", ids[6]: "for"})
        await sync_to_async(votes)(c, motion_id, {ids[3]: "against"})
        await sync_to_async(motion_close)(c, motion_id)
        hello = await viewer.open()
        assert hello["last_seq"] == 6
        await viewer.pump(6)
        # then nothing is missing, nothing twice, and its motion is the server's
        assert board.seqs == [1, 2, 3, 4, 5, 6]
        assert board.names[3:] == ["motion.vote", "motion.vote", "motion.closed"]
        assert await viewer.quiet()
        assert board.motions[motion_id] == await sync_to_async(server_motion)(motion_id)
        assert board.motions[motion_id]["result"] == "adopted"
        assert {v["member"]: v["cast_by"] for v in board.motions[motion_id]["votes"]}[ids[6]] == ids[1]
        # and a live frame still follows the replay
        await sync_to_async(services.attendance_record)(
            actor=c.secretary, session=c.session, member=ids[8], status="late"
        )
        await viewer.pump(7)
        assert board.quorum == await sync_to_async(server_quorum)(c)
    finally:
        await viewer.close()
