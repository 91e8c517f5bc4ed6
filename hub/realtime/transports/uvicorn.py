"""The direct writer for uvicorn's sans-I/O websocket protocol (``--ws websockets-sansio``).

uvicorn's ASGI ``send`` for a websocket is the bound ``send`` of its
``WebSocketsSansIOProtocol``, which holds the asyncio transport and the ``websockets`` connection
state. When the socket is open, writable and not closing, a pre-encoded frame can be written to the
transport as is.

Closing a socket that does not read cannot go through that ``send``: it waits until the transport
is writable again, that is until the peer reads, and uvicorn's own closing timer only asks the
transport to close once its buffer is flushed, which never happens either. ``close_now`` does what
uvicorn's ``send`` does for ``websocket.close`` without that wait (the close frame behind the unsent
data, the application told the socket is closed, reading resumed for the peer's answer), and arms
the closing timer to reset the connection: SO_LINGER 0 then abort, so neither the process nor the
kernel keeps the unsent bytes for a peer that reads nothing.

The attributes read here are checked at start-up (``NEEDS``; pinned uvicorn and websockets
versions in ``pyproject.toml``).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from typing import Any

from hub.realtime.transports.base import FULL, LATER, WROTE, missing, unwrap_send

NAME = "uvicorn-transport"
NEEDS: dict[str, tuple[str, ...]] = {
    "WebSocketsSansIOProtocol": (
        "transport",
        "writable",
        "close_sent",
        "disconnected",
        "handshake_complete",
        "initial_response",
        "conn",
        "send",
        # close_now
        "queue",
        "read_paused",
    ),
    "ServerProtocol": ("send_close", "data_to_send", "state"),
}
RESET = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() sends RST and drops the send queue


def check() -> list[str]:
    """What the writer reads and the installed uvicorn/websockets no longer have."""
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
    from websockets.protocol import State
    from websockets.server import ServerProtocol

    problems = missing(
        {"WebSocketsSansIOProtocol": WebSocketsSansIOProtocol, "ServerProtocol": ServerProtocol}, NEEDS
    )
    if not hasattr(State, "OPEN"):
        problems.append("websockets.protocol.State.OPEN")
    return problems


def writer_for(send: Any) -> UvicornWriter | None:
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

    owner = getattr(unwrap_send(send), "__self__", None)
    return UvicornWriter(owner) if isinstance(owner, WebSocketsSansIOProtocol) else None


class UvicornWriter:
    __slots__ = ("open_state", "reset_handle", "ws")
    name = NAME

    def __init__(self, ws: Any) -> None:
        from websockets.protocol import State

        self.ws = ws
        self.open_state = State.OPEN
        self.reset_handle: asyncio.TimerHandle | None = None

    def buffered(self) -> int:
        transport = self.ws.transport
        if transport is None or transport.is_closing():
            return 0
        return int(transport.get_write_buffer_size())

    def write_within(self, frame: bytes, limit: int) -> int:
        # The hot path: once per socket per tick. uvicorn's own checks before it writes a frame.
        ws = self.ws
        if ws.disconnected:
            return WROTE  # gone: nothing to write to
        transport = ws.transport
        if (
            ws.writable.is_set()
            and not ws.close_sent
            and ws.handshake_complete
            and ws.initial_response is None
            and not transport.is_closing()
            and ws.conn.state is self.open_state
        ):
            if transport.get_write_buffer_size() > limit:
                return FULL
            transport.write(frame)
            return WROTE
        return LATER

    def send_now(self, message: dict[str, Any]) -> bool:
        return False  # uvicorn's send may wait (flow control): the outbox awaits it

    def close_now(self, code: int, grace: float) -> bool:
        ws = self.ws
        transport = ws.transport
        if ws.disconnected or ws.close_sent or transport is None or transport.is_closing():
            return True  # closed or closing already: nothing to add
        if (
            not ws.handshake_complete
            or ws.initial_response is not None
            or ws.conn.state is not self.open_state
        ):
            return False  # not an open websocket: the ASGI send knows what to do
        ws.conn.send_close(code)
        transport.write(b"".join(ws.conn.data_to_send()))
        ws.close_sent = True
        ws.queue.put_nowait({"type": "websocket.disconnect", "code": code, "reason": ""})
        if ws.read_paused:
            ws.read_paused = False
            transport.resume_reading()
        # Our own timer, not uvicorn's close_timer: a peer's close frame cancels that one and leaves
        # uvicorn waiting for the unsent bytes to drain, which a peer that never reads never lets
        # happen. A connection that ended in between is left alone (_reset checks).
        self.reset_handle = asyncio.get_running_loop().call_later(grace, self._reset)
        return True

    def _reset(self) -> None:
        ws = self.ws
        transport = ws.transport
        if ws.disconnected or transport is None:
            return
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RESET)
        transport.abort()
