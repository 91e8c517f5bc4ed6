"""Which writer the live fan-out uses in this process: decided once at start-up, logged, reported.

The fan-out (``hub.realtime.fanout``) writes each frame, encoded once, straight to a socket's
transport when the server lets it: uvicorn's sans-I/O websocket protocol, or daphne's (autobahn on
Twisted). No public API offers that, so those writers read server internals. To keep a renamed
attribute from failing in the middle of a tick, or a renamed class from silently slowing every
socket down:

- the server versions they were written against are pinned in ``pyproject.toml`` (upper bounds);
- ``startup()`` (called by ``hub.asgi`` when a server loads the application) finds the server this
  process runs under (and, for uvicorn, its websocket implementation) and checks that every
  attribute the direct writer reads is still used by the server's classes. If one is missing, it
  logs an error and every socket of the process uses the plain ASGI ``send`` (correct, slower);
- the choice is logged at start-up and reported by ``/healthz`` (``realtime``) with the number of
  open sockets per writer, and ``tests/test_transports.py`` asserts the direct writer under
  ``manage.py serve``.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

logger = logging.getLogger(__name__)

UVICORN_DIRECT = "uvicorn-transport"
DAPHNE_DIRECT = "daphne-transport"
ASGI_SEND = "asgi-send"

# What the direct writers read (hub.realtime.fanout.Outbox), per class.
UVICORN_NEEDS: dict[str, tuple[str, ...]] = {
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
DAPHNE_NEEDS: dict[str, tuple[str, ...]] = {
    "Server": ("connections", "handle_reply"),
    "WebSocketProtocol": ("transport", "send_queue", "state", "STATE_OPEN", "handle_reply"),
    "tcp.Server": ("write", "dataBuffer", "offset", "_tempDataLen"),
}


@dataclass
class Report:
    server: str
    server_version: str
    writer: str
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "server_version": self.server_version,
            "writer": self.writer,
            "problems": list(self.problems),
            "sockets": open_sockets(),
        }


_report: Report | None = None
_lock = threading.Lock()
_sockets: Counter[str] = Counter()


def _used_names(cls: type) -> set[str]:
    """Every attribute a class defines or names in its methods' code (``self.x = ...`` included):
    a static check that needs no instance of a server's protocol."""
    names = set(dir(cls))
    for klass in cls.__mro__:
        for value in vars(klass).values():
            code = getattr(getattr(value, "__func__", value), "__code__", None)
            if code is not None:
                names.update(code.co_names)
    return names


def _missing(classes: dict[str, type], needs: dict[str, tuple[str, ...]]) -> list[str]:
    return [
        f"{name}.{attribute}"
        for name, attributes in needs.items()
        for attribute in attributes
        if attribute not in _used_names(classes[name])
    ]


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return ""


def _argv_option(name: str, default: str) -> str:
    """A server's command-line option, as this process was started (uvicorn's spawned workers keep
    their parent's ``sys.argv``)."""
    argv = sys.argv
    for index, arg in enumerate(argv):
        if arg == name and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return default


def _check_uvicorn() -> tuple[str, list[str]]:
    ws = _argv_option("--ws", "auto")
    if ws != "websockets-sansio":
        return ASGI_SEND, [f"uvicorn runs --ws {ws}; the direct writer needs --ws websockets-sansio"]
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
    from websockets.protocol import State

    problems = _missing({"WebSocketsSansIOProtocol": WebSocketsSansIOProtocol}, UVICORN_NEEDS)
    if not hasattr(State, "OPEN"):
        problems.append("websockets.protocol.State.OPEN")
    return (ASGI_SEND if problems else UVICORN_DIRECT), problems


def _check_daphne() -> tuple[str, list[str]]:
    from daphne.server import Server
    from daphne.ws_protocol import WebSocketProtocol
    from twisted.internet import tcp

    classes = {"Server": Server, "WebSocketProtocol": WebSocketProtocol, "tcp.Server": tcp.Server}
    problems = _missing(classes, DAPHNE_NEEDS)
    return (ASGI_SEND if problems else DAPHNE_DIRECT), problems


def _server() -> str:
    """The server this process runs: uvicorn's or daphne's command line (``python -m uvicorn``,
    ``python -m daphne``, the ``daphne`` script, or daphne's ``manage.py runserver``). Anything
    else (a test process, a worker, a shell) is "other", even if it imported a server module."""
    program = sys.argv[0].replace("\\", "/") if sys.argv else ""
    if "uvicorn.server" in sys.modules and program.endswith(("uvicorn/__main__.py", "/uvicorn")):
        return "uvicorn"
    if "daphne.server" in sys.modules and (
        program.endswith(("daphne/__main__.py", "/daphne")) or sys.argv[1:2] == ["runserver"]
    ):
        return "daphne"
    return "other"


def _detect() -> Report:
    server = _server()
    if server == "uvicorn":
        writer, problems = _check_uvicorn()
        return Report("uvicorn", _package_version("uvicorn"), writer, problems)
    if server == "daphne":
        writer, problems = _check_daphne()
        return Report("daphne", _package_version("daphne"), writer, problems)
    return Report("other", "", ASGI_SEND)


def startup() -> Report:
    """Decide this process's writer (once) and log it."""
    global _report
    with _lock:
        if _report is None:
            try:
                _report = _detect()
            except Exception as exc:  # an import or a class moved: the portable writer, loudly
                _report = Report("unknown", "", ASGI_SEND, [f"{type(exc).__name__}: {exc}"])
            if _report.problems and _report.server in {"uvicorn", "daphne", "unknown"}:
                logger.error(
                    "live delivery: the direct %s writer is unavailable (%s); every socket uses the "
                    "plain ASGI send",
                    _report.server,
                    "; ".join(_report.problems),
                )
            logger.info(
                "live delivery: writer %s (server %s %s)",
                _report.writer,
                _report.server,
                _report.server_version,
            )
        return _report


def report() -> Report:
    return _report if _report is not None else startup()


def direct_allowed(writer: str) -> bool:
    """May a socket of this process use the direct ``writer``?"""
    return report().writer == writer


_mismatch_logged = False


def socket_opened(writer: str) -> None:
    global _mismatch_logged
    expected = report().writer
    with _lock:
        _sockets[writer] += 1
        if writer != expected and not _mismatch_logged:
            _mismatch_logged = True
            logger.warning(
                "live delivery: a socket uses %s although this process chose %s (its server's send "
                "is not the one checked at start-up)",
                writer,
                expected,
            )


def socket_closed(writer: str) -> None:
    with _lock:
        _sockets[writer] -= 1
        if _sockets[writer] <= 0:
            del _sockets[writer]


def open_sockets() -> dict[str, int]:
    with _lock:
        return dict(_sockets)
