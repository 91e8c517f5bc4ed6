"""The direct writer for daphne (autobahn's websocket protocol on a Twisted transport).

daphne's ASGI ``send`` is ``partial(server.handle_reply, protocol)``: its send never waits, so
the only buffer is Twisted's transport (``dataBuffer`` from ``offset`` on, plus ``_tempDataLen``).
When the socket is open and autobahn has nothing queued, a pre-encoded frame can be written to the
transport as is, after daphne's own liveness check (``server.connections``). The attributes read
here are checked at start-up (``NEEDS``; pinned daphne, autobahn and Twisted versions).
"""

from __future__ import annotations

import functools
from typing import Any

from hub.realtime.transports.base import FULL, LATER, WROTE, missing, unwrap_send

NAME = "daphne-transport"
NEEDS: dict[str, tuple[str, ...]] = {
    "Server": ("connections", "handle_reply"),
    "WebSocketProtocol": ("transport", "send_queue", "state", "STATE_OPEN", "handle_reply"),
    "tcp.Server": ("write", "dataBuffer", "offset", "_tempDataLen"),
}


def check() -> list[str]:
    from daphne.server import Server
    from daphne.ws_protocol import WebSocketProtocol
    from twisted.internet import tcp

    return missing(
        {"Server": Server, "WebSocketProtocol": WebSocketProtocol, "tcp.Server": tcp.Server}, NEEDS
    )


def writer_for(send: Any) -> DaphneWriter | None:
    send = unwrap_send(send)
    if isinstance(send, functools.partial) and send.args:
        server = getattr(send.func, "__self__", None)
        protocol = send.args[0]
        if server is not None and hasattr(server, "connections") and hasattr(protocol, "send_queue"):
            return DaphneWriter(server, protocol)
    return None


class DaphneWriter:
    __slots__ = ("protocol", "server")
    name = NAME

    def __init__(self, server: Any, protocol: Any) -> None:
        self.server = server
        self.protocol = protocol

    def _gone(self) -> bool:
        conn = self.server.connections.get(self.protocol)
        return conn is None or bool(conn.get("disconnected"))

    def buffered(self) -> int:
        transport = self.protocol.transport
        if transport is None:
            return 0
        return (
            len(getattr(transport, "dataBuffer", b""))
            - getattr(transport, "offset", 0)
            + getattr(transport, "_tempDataLen", 0)
        )

    def write_within(self, frame: bytes, limit: int) -> int:
        if self._gone():
            return WROTE
        protocol = self.protocol
        if protocol.state != protocol.STATE_OPEN or protocol.send_queue:
            return LATER
        if self.buffered() > limit:
            return FULL
        protocol.transport.write(frame)
        return WROTE

    def send_now(self, message: dict[str, Any]) -> bool:
        # daphne's send never waits: hand the message over without a task switch.
        if not self._gone():
            self.protocol.handle_reply(message)
        return True

    def close_now(self, code: int, grace: float) -> bool:
        # daphne's send does not wait for the peer: the ASGI close is sent at once, and autobahn
        # drops the connection itself when its closing handshake times out.
        return False
