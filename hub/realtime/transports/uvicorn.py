"""The direct writer for uvicorn's sans-I/O websocket protocol (``--ws websockets-sansio``).

uvicorn's ASGI ``send`` for a websocket is the bound ``send`` of its
``WebSocketsSansIOProtocol``, which holds the asyncio transport and the ``websockets`` connection
state. When the socket is open, writable and not closing, a pre-encoded frame can be written to the
transport as is. The attributes read here are checked at start-up (``NEEDS``; pinned uvicorn and
websockets versions in ``pyproject.toml``).
"""

from __future__ import annotations

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
    ),
}


def check() -> list[str]:
    """What the writer reads and the installed uvicorn/websockets no longer have."""
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
    from websockets.protocol import State

    problems = missing({"WebSocketsSansIOProtocol": WebSocketsSansIOProtocol}, NEEDS)
    if not hasattr(State, "OPEN"):
        problems.append("websockets.protocol.State.OPEN")
    return problems


def writer_for(send: Any) -> UvicornWriter | None:
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

    owner = getattr(unwrap_send(send), "__self__", None)
    return UvicornWriter(owner) if isinstance(owner, WebSocketsSansIOProtocol) else None


class UvicornWriter:
    __slots__ = ("open_state", "ws")
    name = NAME

    def __init__(self, ws: Any) -> None:
        from websockets.protocol import State

        self.ws = ws
        self.open_state = State.OPEN

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
