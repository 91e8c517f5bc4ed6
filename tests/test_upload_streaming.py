"""Request bodies are limited while they stream in (``hub/uploads_asgi.py``), on a REAL server:
``manage.py serve`` (uvicorn) and a raw socket client.

Django's ASGI handler reads a whole body into a temporary file before any view runs, so a chunked
30 MB upload used to be read in full (and written to disk) before the view refused it. Now a body
that declares more than its limit is refused before a byte of it is read, and a chunked one as
soon as the running total passes the limit, while the client is still sending. How much the
server read is measured from the outside: the server process's ``rchar`` (``/proc/<pid>/io``, every
byte it read from any socket or file), and its resident memory.
"""

from __future__ import annotations

import json
import re
import select
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from asgiref.sync import async_to_sync
from django.conf import settings

from hub.models import Role
from publications.models import Document
from tests.conftest import RunningProcess, free_port, service_env, start_process, wait_for, wait_until_serving
from tests.factories import PASSWORD, CommuneFactory
from tests.factories_publications import pdf_bytes, publisher
from tests.test_sessions_integration import token_for

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT = 25 * 1024 * 1024  # UPLOAD_MAX_BYTES, the default
TOTAL = 30 * 1024 * 1024
CHUNK = 64 * 1024
BOUNDARY = "----communes-plus-test"


@dataclass
class Server:
    runner: RunningProcess
    url: str
    port: int
    pid: int  # the uvicorn process (manage.py serve's child)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _proc_field(pid: int, name: str, field_name: str) -> int:
    for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
        if line.startswith(field_name + ":"):
            value = int(line.split()[1])
            return value * 1024 if line.endswith("kB") else value
    raise LookupError(field_name)


def bytes_read(pid: int) -> int:
    return _proc_field(pid, "io", "rchar")


def rss(pid: int) -> int:
    return _proc_field(pid, "status", "VmRSS")


@pytest.fixture(scope="module")
def upload_server(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``manage.py serve`` as compose.yaml runs it (web only), with the default upload limit."""
    tmp_dir = tmp_path_factory.mktemp("uploads")
    port = free_port()
    env = service_env(tmp_dir)
    env.update(UPLOAD_MAX_BYTES=str(LIMIT), LOG_LEVEL="INFO", MEDIA_ROOT=str(tmp_dir / "media"))
    args = [sys.executable, "manage.py", "serve", "--web-only", "--host", "127.0.0.1", "--port", str(port)]
    runner = start_process(args, env, tmp_dir / "serve.log")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(runner, url, "manage.py serve", timeout=40)
        children = wait_for(lambda: _children(runner.process.pid), timeout=10)
        assert children, runner.log()
        yield Server(runner, url, port, children[0])
    finally:
        runner.stop()


# --- A raw HTTP/1.1 client that keeps sending while it watches for an answer -----------------------


@dataclass
class Exchange:
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    sent: int = 0  # bytes of the body (with its chunk framing) the client's kernel took from it
    sent_when_answered: int | None = None  # how far it was when the answer's first bytes came
    finished: bool = False  # the whole body was sent
    send_error: str = ""

    def json(self) -> dict:
        return json.loads(self.body)


def _parse(raw: bytes, exchange: Exchange) -> None:
    head, _sep, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if lines and lines[0].startswith("HTTP/1.1 "):
        exchange.status = int(lines[0].split()[1])
    exchange.headers = {
        name.strip().lower(): value.strip() for name, _s, value in (line.partition(":") for line in lines[1:])
    }
    exchange.body = body


def exchange(
    port: int, request_head: str, pieces: Iterator[bytes], *, chunked: bool, size: int | None = None
) -> Exchange:
    """Send the head, then the body's pieces (chunk-encoded if ``chunked``) as fast as the server
    takes them, reading whatever it answers meanwhile; stop when the body is sent and the answer
    is complete, or when the server closes."""
    result = Exchange()
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 256 * 1024)
    raw = b""
    try:
        sock.sendall(request_head.encode("latin-1"))
        sock.setblocking(False)
        pending = b""
        pieces = iter(pieces)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if not pending and not result.finished:
                piece = next(pieces, None)
                if piece is None:
                    result.finished = True
                    pending = b"0\r\n\r\n" if chunked else b""
                else:
                    pending = b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
            want_write = [sock] if pending and not result.send_error else []
            readable, writable, _ = select.select([sock], want_write, [], 10)
            if readable:
                try:
                    data = sock.recv(65536)
                except ConnectionResetError:
                    data = b""
                if not data:
                    break
                if result.sent_when_answered is None:
                    result.sent_when_answered = result.sent
                raw += data
                _parse(raw, result)
                length = result.headers.get("content-length")
                if length is not None and len(result.body) >= int(length) and result.finished:
                    break
            if writable:
                try:
                    count = sock.send(pending)
                except OSError as exc:  # the server closed: nothing more goes out
                    result.send_error = type(exc).__name__
                    pending = b""
                    continue
                result.sent += count
                pending = pending[count:]
            if not readable and not writable:
                break
    finally:
        sock.close()
    _parse(raw, result)
    return result


def request_head(
    path: str, port: int, *, chunked: bool, length: int = 0, extra: str = "", content_type: str = ""
) -> str:
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}"
    content_type = content_type or f"multipart/form-data; boundary={BOUNDARY}"
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: {content_type}\r\n{framing}\r\n{extra}\r\n"
    )


def multipart_fields(fields: dict[str, str]) -> bytes:
    return b"".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )


def file_part_head(name: str, filename: str) -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()


def big_file_body(total: int) -> Iterator[bytes]:
    """A multipart body whose one file is ``total`` bytes, in 64 KiB pieces."""
    yield multipart_fields({"type": "budget_primitive", "fiscal_year": "2025", "title": "Budget"})
    yield file_part_head("files", "budget.pdf")
    remaining = total
    while remaining > 0:
        yield b"%" * min(CHUNK, remaining)
        remaining -= CHUNK
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def publisher_token(server: Server) -> tuple[str, str]:
    commune = CommuneFactory(slug="cotonou", name="Cotonou")
    user = publisher(commune, Role.MAYOR)
    return commune.slug, async_to_sync(token_for)(server.url, user.email)


def json_pieces(total: int) -> Iterator[bytes]:
    """A JSON body of ``total`` bytes (one long string), in 64 KiB pieces."""
    yield b'{"identifier": "'
    for _n in range(total // CHUNK):
        yield b"x" * CHUNK
    yield b'", "password": "x"}'


# --- Tests ------------------------------------------------------------------------------------------


def test_uploads_and_chunked_bodies_within_their_limits_go_through(upload_server):
    # given a publisher of Cotonou, on the sign-in page
    commune = CommuneFactory(slug="cotonou", name="Cotonou")
    user = publisher(commune, Role.MAYOR)
    page = httpx.get(f"{upload_server.url}/connexion/", timeout=30)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert csrf is not None
    # when the sign-in form is sent chunked (no length declared), ten bytes at a time
    form = urlencode(
        {"csrfmiddlewaretoken": csrf[1], "identifier": user.email, "password": PASSWORD}
    ).encode()
    head = request_head(
        "/connexion/",
        upload_server.port,
        chunked=True,
        content_type="application/x-www-form-urlencoded",
        extra=f"Cookie: csrftoken={page.cookies['csrftoken']}\r\nReferer: {upload_server.url}/connexion/\r\n",
    )
    pieces = (form[offset : offset + 10] for offset in range(0, len(form), 10))
    signed_in = exchange(upload_server.port, head, pieces, chunked=True)
    # then Django read it whole: the publisher is signed in
    assert signed_in.status == 302, signed_in.body[:300]
    assert "sessionid=" in signed_in.headers.get("set-cookie", "")
    # and an upload within the limit (with its length, as browsers and HTTP libraries send it) is stored
    token = async_to_sync(token_for)(upload_server.url, user.email)
    response = httpx.post(
        f"{upload_server.url}/api/v1/communes/cotonou/documents/",
        data={"type": "budget_primitive", "fiscal_year": "2025", "title": "Budget primitif 2025"},
        files={"files": ("budget.pdf", pdf_bytes("Budget"), "application/pdf")},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    document = Document.objects.get(pk=response.json()["id"])
    assert [f.original_name for f in document.files.all()] == ["budget.pdf"]


def test_a_chunked_30_mb_body_is_refused_while_it_is_still_being_sent(upload_server):
    # given a server that already answered requests of the kind, and refused one (warm: the first
    # refusal's imports, translations and thread pool are no part of what a body costs)
    head = request_head(
        "/api/v1/auth/token/", upload_server.port, chunked=True, content_type="application/json"
    )
    assert exchange(upload_server.port, head, json_pieces(1000), chunked=True).status == 400
    warm_limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024 * 1024
    assert exchange(upload_server.port, head, json_pieces(warm_limit), chunked=True).status == 413
    read_before, rss_before = bytes_read(upload_server.pid), rss(upload_server.pid)
    # when a client sends 30 MB of JSON, chunked (no length declared), as fast as the server takes them
    answer = exchange(upload_server.port, head, json_pieces(TOTAL), chunked=True)
    read = bytes_read(upload_server.pid) - read_before
    grown = rss(upload_server.pid) - rss_before
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    print(
        f"\nchunked JSON {TOTAL} B, limit {limit} B: 413 after {answer.sent_when_answered} B sent, "
        f"{answer.sent} B sent in all; server read {read} B, RSS {grown:+d} B"
    )
    # then the 413, in the project's error shape, came while the client was still sending
    assert answer.status == 413, (answer.status, answer.body[:300])
    assert answer.json()["error"]["code"] == "payload_too_large"
    assert answer.headers["connection"] == "close"
    assert answer.sent_when_answered is not None and answer.sent_when_answered < TOTAL
    assert not answer.finished
    # and the server read what passed the limit and no more, nor kept it in memory
    assert read < limit + 1024 * 1024
    # What was read before the refusal sits in memory (Django spools a body up to 2.5 MB in memory),
    # and the allocator need not give it back at once: the bound is twice the limit, against the
    # 30 MB a server that kept the body would hold (runs in CI measured +0.1 to +3.2 MB).
    assert grown < 2 * limit
    assert wait_for(lambda: "request body refused (413, payload_too_large)" in upload_server.runner.log())


def test_a_chunked_upload_is_refused_before_a_byte_of_it_is_read(upload_server):
    # given a publisher (the refusal comes before anything else, even for someone allowed to upload)
    slug, token = publisher_token(upload_server)
    head = request_head(
        f"/api/v1/communes/{slug}/documents/",
        upload_server.port,
        chunked=True,
        extra=f"Authorization: Bearer {token}\r\n",
    )
    read_before = bytes_read(upload_server.pid)
    # when a 30 MB file is sent chunked: no length that Django could parse a form with
    answer = exchange(upload_server.port, head, big_file_body(TOTAL), chunked=True)
    read = bytes_read(upload_server.pid) - read_before
    sent = answer.sent_when_answered
    print(f"\nchunked upload of {TOTAL} B: {answer.status} after {sent} B sent, server read {read} B")
    # then 411 at once, in the project's shape, and the server read (almost) none of it
    assert answer.status == 411, (answer.status, answer.body[:300])
    assert answer.json()["error"]["code"] == "length_required"
    assert "Content-Length" in answer.json()["error"]["message"]
    assert not answer.finished
    assert read < 1024 * 1024
    assert not Document.objects.filter(commune__slug=slug).exists()


def test_a_declared_length_past_the_limit_is_refused_before_a_byte_of_the_body_is_read(upload_server):
    # given a client that declares 30 MB and waits for "100 Continue" before sending them
    slug, token = publisher_token(upload_server)
    head = request_head(
        f"/api/v1/communes/{slug}/documents/",
        upload_server.port,
        chunked=False,
        length=TOTAL,
        extra=f"Authorization: Bearer {token}\r\nExpect: 100-continue\r\n",
    )
    read_before = bytes_read(upload_server.pid)
    # when it has sent its head only
    answer = exchange(upload_server.port, head, iter(()), chunked=False)
    # then the answer is a final 413 (no "100 Continue"): not one byte of the body was asked for
    assert answer.status == 413 and answer.sent == 0
    error = answer.json()["error"]
    assert error["code"] == "file_too_large" and "25 Mo" in error["message"]  # French by default
    assert error["fields"] == {"file": [error["message"]]}  # as the view's own refusal
    assert bytes_read(upload_server.pid) - read_before < 64 * 1024
    # and a client that does not wait is answered the same before it has sent 25 MB
    eager = exchange(upload_server.port, head, big_file_body(TOTAL), chunked=False)
    assert eager.status == 413 and eager.sent_when_answered is not None
    assert eager.sent_when_answered < LIMIT


def test_a_form_gets_a_page_in_the_visitors_language(upload_server):
    # given the publication form of a commune, filled with a 30 MB file
    port = upload_server.port
    form = f"{upload_server.url}/communes/cotonou/publier/"
    head = request_head(
        "/communes/cotonou/publier/", port, chunked=False, length=TOTAL, extra=f"Referer: {form}\r\n"
    )
    # when the browser posts it
    answer = exchange(port, head, iter(()), chunked=False)
    # then a page in French says so, with the limit and the way back to the form
    assert answer.status == 413
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    page = answer.body.decode()
    assert '<html lang="fr">' in page
    assert "Fichier trop volumineux" in page and "25 Mo" in page and "Rien n" in page
    assert 'href="/communes/cotonou/publier/"' in page
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    # and in English for a visitor who chose English; a foreign referrer is not linked
    english = exchange(
        port,
        request_head(
            "/communes/cotonou/publier/",
            port,
            chunked=False,
            length=TOTAL,
            extra="Cookie: cp_lang=en\r\nReferer: https://evil.example/\r\n",
        ),
        iter(()),
        chunked=False,
    )
    assert "File too large" in english.body.decode() and 'href="/"' in english.body.decode()
    assert "evil.example" not in english.body.decode()
