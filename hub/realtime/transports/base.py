"""The writer interface: how the live fan-out hands a socket's frames to the server.

A ``Writer`` wraps one socket's server-side connection. The fan-out encodes each frame once
(``encode_frame``) and asks each socket's writer to put those bytes on the wire now
(``write_within``); anything a writer cannot take now goes through the socket's ordered queue
(``hub.realtime.outbox.Outbox``) and the plain ASGI ``send``. ``AsgiWriter`` is that portable
fallback: it takes nothing directly, so every frame goes through ``send``.

One adapter per server (``uvicorn.py``, ``daphne.py``) reads that server's internals; each has a
start-up check of the attributes it reads (``transports.startup``).
"""

from __future__ import annotations

from typing import Any, Protocol

# write_within's answers
WROTE = 0  # written (or the socket is already gone: nothing to do)
FULL = 1  # more than ``limit`` bytes already wait for this socket: it is too slow
LATER = 2  # cannot write directly now: queue it

# Seconds a socket closed for reading too slowly (or for a lost subscription) is given to read up
# to its close frame before its connection is reset: a peer that reads nothing would otherwise keep
# the connection, and what is buffered for it, until the server's keepalive gave up (40 s on
# uvicorn, whose close then still waits for the peer to read).
CLOSE_GRACE = 5.0


class Writer(Protocol):
    name: str

    def buffered(self) -> int:
        """Bytes the server holds for this socket and has not sent yet."""
        ...

    def write_within(self, frame: bytes, limit: int) -> int:
        """Write an encoded frame straight to the transport: ``WROTE``, ``FULL`` (over ``limit``
        buffered bytes, nothing written) or ``LATER`` (not now; the caller queues it)."""
        ...

    def send_now(self, message: dict[str, Any]) -> bool:
        """Hand an ASGI ``websocket.send`` message to the server without awaiting, if the server's
        send never waits; False: the caller awaits the ASGI ``send``."""
        ...

    def close_now(self, code: int, grace: float) -> bool:
        """Close the socket with ``code`` without waiting for the peer to read: the close frame
        goes behind what is unsent, and the connection is reset if the peer has not read up to it
        within ``grace`` seconds. False: the caller sends ``websocket.close`` through the ASGI
        ``send`` (a server whose send does not wait for the peer, or the portable writer)."""
        ...


def encode_frame(text: str) -> bytes:
    """One unmasked, unfragmented, uncompressed websocket text frame (RFC 6455 §5.2), built once and
    written as is to every socket. Uncompressed is allowed even where permessage-deflate was
    negotiated (RFC 7692 §6: RSV1 clear); autobahn's ``PreparedMessage(doNotCompress=True)`` does
    the same."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        head = bytes((0x81, size))
    elif size < 65536:
        head = bytes((0x81, 126)) + size.to_bytes(2, "big")
    else:
        head = bytes((0x81, 127)) + size.to_bytes(8, "big")
    return head + payload


class AsgiWriter:
    """The portable writer: every frame through the ASGI ``send`` (any ASGI server, tests)."""

    __slots__ = ()
    name = "asgi-send"

    def buffered(self) -> int:
        return 0

    def write_within(self, frame: bytes, limit: int) -> int:
        return LATER

    def send_now(self, message: dict[str, Any]) -> bool:
        return False

    def close_now(self, code: int, grace: float) -> bool:
        return False


ASGI = AsgiWriter()


def unwrap_send(send: Any) -> Any:
    """The server's own ``send`` under Channels' session middleware wrapper (``real_send``), which
    does nothing for ``websocket.send``."""
    while hasattr(getattr(send, "__self__", None), "real_send"):
        send = send.__self__.real_send
    return send


def used_names(cls: type) -> set[str]:
    """Every attribute a class defines or names in its methods' code (``self.x = ...`` included):
    a static check that needs no instance of a server's protocol."""
    names = set(dir(cls))
    for klass in cls.__mro__:
        for value in vars(klass).values():
            code = getattr(getattr(value, "__func__", value), "__code__", None)
            if code is not None:
                names.update(code.co_names)
    return names


def missing(classes: dict[str, type], needs: dict[str, tuple[str, ...]]) -> list[str]:
    """``Class.attribute`` for each attribute in ``needs`` its class no longer names."""
    return [
        f"{name}.{attribute}"
        for name, attributes in needs.items()
        for attribute in attributes
        if attribute not in used_names(classes[name])
    ]
