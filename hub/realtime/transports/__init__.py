"""The live fan-out's writers, one adapter per server, and which one this process uses.

The fan-out (``hub.realtime.fanout``) writes each frame, encoded once, straight to a socket's
transport when the server lets it: uvicorn's sans-I/O websocket protocol (``uvicorn.py``), or
daphne's, autobahn on Twisted (``daphne.py``); the interface is ``base.Writer`` and the portable
fallback, the plain ASGI ``send``, is ``base.AsgiWriter``. No public API offers a direct write, so
the adapters read server internals. To keep a renamed attribute from failing in the middle of a
tick, or a renamed class from silently slowing every socket down:

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
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from hub.realtime.transports import daphne, uvicorn
from hub.realtime.transports.base import (
    ASGI,
    CLOSE_GRACE,
    FULL,
    LATER,
    WROTE,
    AsgiWriter,
    Writer,
    encode_frame,
)

__all__ = [
    "ASGI_SEND",
    "CLOSE_GRACE",
    "DAPHNE_DIRECT",
    "FULL",
    "LATER",
    "UVICORN_DIRECT",
    "WROTE",
    "AsgiWriter",
    "Writer",
    "encode_frame",
    "report",
    "startup",
    "writer_for",
]

logger = logging.getLogger(__name__)

UVICORN_DIRECT = uvicorn.NAME
DAPHNE_DIRECT = daphne.NAME
ASGI_SEND = AsgiWriter.name

# The adapters by name: their start-up check, and how each finds its writer in an ASGI ``send``.
_CHECKS: dict[str, Callable[[], list[str]]] = {UVICORN_DIRECT: uvicorn.check, DAPHNE_DIRECT: daphne.check}
_FINDERS: dict[str, Callable[[Any], Writer | None]] = {
    UVICORN_DIRECT: uvicorn.writer_for,
    DAPHNE_DIRECT: daphne.writer_for,
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


def _check(server: str, writer: str) -> tuple[str, list[str]]:
    if server == "uvicorn":
        ws = _argv_option("--ws", "auto")
        if ws != "websockets-sansio":
            return ASGI_SEND, [f"uvicorn runs --ws {ws}; the direct writer needs --ws websockets-sansio"]
    problems = _CHECKS[writer]()
    return (ASGI_SEND if problems else writer), problems


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
    if server == "other":
        return Report("other", "", ASGI_SEND)
    writer, problems = _check(server, UVICORN_DIRECT if server == "uvicorn" else DAPHNE_DIRECT)
    return Report(server, _package_version(server), writer, problems)


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


def writer_for(send: Any) -> Writer:
    """The writer of the socket whose ASGI ``send`` this is: this process's direct writer when the
    start-up check allowed it and the socket is that server's, else the ASGI send."""
    chosen = report().writer
    finder = _FINDERS.get(chosen)
    found = finder(send) if finder is not None else None
    return found if found is not None else ASGI


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
