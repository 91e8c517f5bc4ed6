"""What counting page views (evaluation/usage.py) adds to a page's server time.

The issue's bar: under 5 %. Measured in this process, through Django's ASGI handler (the
production entry point: every middleware, the read cache, the view), with and without the counting
middleware (``USAGE_COUNTING``), in alternating rounds so that drift affects both alike:

- ``commune page, from the read cache``: an anonymous phone's visit of a commune page, answered from
  this process's memory (hub/readcache.py): the fastest page there is, so the worst case for the
  share counting takes;
- ``document page, rendered``: the same reader on a document page whose view runs each time (a
  different query string per request, so the read cache never answers);
- ``file download``: a PDF of the document, through the page's download address.

Each request carries what a phone sends (mobile User-Agent, ``Accept-Encoding: gzip``); the time is
from the handler's call to the response's last byte. Prints the median and mean per request of
each, the difference and its share. Counting hands its counts to Redis every ``USAGE_PUSH_SECONDS``
in a worker thread: that thread's CPU is part of the process's time in the rounds that count.

Stack: the embedded defaults by default (SQLite in a temporary folder, no Redis); with
``BENCH_DATABASE_URL``/``BENCH_REDIS_URL`` (e.g. ``postgres://postgres@127.0.0.1:5432/cp_bench_usage``,
``redis://127.0.0.1:6379/7``) PostgreSQL and Redis as in production.

Usage:
    .venv/bin/python bench/usage_counting.py                        # embedded, 5 rounds of 2,000
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_bench_usage \\
      BENCH_REDIS_URL=redis://127.0.0.1:6379/7 .venv/bin/python bench/usage_counting.py
    .venv/bin/python bench/usage_counting.py --requests 5000 --rounds 7
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

PHONE = (
    "Mozilla/5.0 (Linux; Android 10; TECNO KE5) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120 Mobile Safari/537.36"
)


def environment() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    os.environ.update(
        VAR_DIR=os.environ.get("BENCH_VAR_DIR", tempfile.mkdtemp(prefix="cp-bench-usage-")),
        DEBUG="0",
        LOG_LEVEL="WARNING",
        KEY_PREFIX="cpbenchusage",
        SECRET_KEY="communesplus-usage-bench-not-secret-" + "x" * 20,
        THROTTLE_ANON="1000000/min",
    )
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
        if os.environ.get(f"BENCH_{name}"):
            os.environ[name] = os.environ[f"BENCH_{name}"]
    if os.environ.get("DATABASE_URL"):
        from _live_common import ensure_database

        ensure_database(os.environ["DATABASE_URL"])


def prepare() -> dict[str, str]:
    import django

    django.setup()
    from django.core.management import call_command

    from hub.models import Commune
    from hub.reference_data import reference_data_load

    call_command("migrate", verbosity=0)
    reference_data_load()
    from django.core.files.base import ContentFile

    from hub.uploads import FileKind
    from publications.models import Document, DocumentFile, DocumentType, PublicationState

    commune = Commune.objects.get(slug="cotonou")
    document = Document.objects.filter(commune=commune, title="Budget primitif (bench)").first()
    if document is None:
        from django.utils import timezone

        document = Document.objects.create(
            commune=commune,
            title="Budget primitif (bench)",
            type=DocumentType.values[0],
            fiscal_year=2026,
            state=PublicationState.PUBLISHED,
            published_at=timezone.now(),
            first_published_at=timezone.now(),
            publication_count=1,
        )
        body = b"%PDF-1.4\n" + b"0" * 40_000
        file = DocumentFile(
            document=document,
            slot=1,
            version=1,
            is_current=True,
            original_name="budget.pdf",
            kind=FileKind.PDF,
            content_type="application/pdf",
            size=len(body),
            sha256="0" * 64,
        )
        file.file.save("bench-budget.pdf", ContentFile(body), save=False)
        file.save()
    file_id = DocumentFile.objects.filter(document=document).values_list("pk", flat=True).first()
    return {
        "commune page, from the read cache": "/communes/cotonou/",
        "document page, rendered": f"/communes/cotonou/documents/{document.pk}/",
        "file download": f"/communes/cotonou/documents/{document.pk}/fichiers/{file_id}/",
    }


def handler(counting: bool) -> Any:
    from django.core.handlers.asgi import ASGIHandler
    from django.test import override_settings

    with override_settings(USAGE_COUNTING=counting):
        return ASGIHandler()


async def one(app: Any, path: str, query: str) -> float:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"user-agent", PHONE.encode()),
            (b"accept", b"text/html"),
            (b"accept-encoding", b"gzip"),
            (b"accept-language", b"fr"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    done = asyncio.Event()
    status = [0]

    sent_body = [False]

    async def receive() -> dict[str, Any]:
        if not sent_body[0]:
            sent_body[0] = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client never leaves (the handler cancels this wait)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status[0] = message["status"]
        elif message["type"] == "http.response.body" and not message.get("more_body"):
            done.set()

    started = time.perf_counter()
    await app(scope, receive, send)
    await done.wait()
    elapsed = time.perf_counter() - started
    if status[0] != 200:
        raise SystemExit(f"{path}?{query} answered {status[0]}")
    return elapsed


async def run(args: argparse.Namespace, pages: dict[str, str]) -> None:
    from evaluation import usage

    apps = {False: handler(False), True: handler(True)}
    times: dict[tuple[str, bool], list[float]] = {(name, c): [] for name in pages for c in (False, True)}
    serial = 0
    for name, path in pages.items():  # warm-up: caches, templates, connections
        for counting in (False, True):
            for _ in range(200):
                serial += 1
                await one(apps[counting], path, f"w={serial}" if "rendered" in name else "")
    for round_no in range(args.rounds):
        order = (False, True) if round_no % 2 == 0 else (True, False)
        for name, path in pages.items():
            for counting in order:
                batch = []
                for _ in range(args.requests):
                    serial += 1
                    batch.append(await one(apps[counting], path, f"n={serial}" if "rendered" in name else ""))
                times[(name, counting)].extend(batch)
    counted = sum(usage.pending_local().values())
    from asgiref.sync import sync_to_async

    await sync_to_async(usage.flush)()
    print(
        f"requests per page and mode: {args.rounds} rounds x {args.requests}; "
        f"views still held at the end: {counted}"
    )
    print(
        f"{'page':36} {'without (median/mean µs)':>26} {'with (median/mean µs)':>24} {'added (median)':>16}"
    )
    for name in pages:
        off, on = times[(name, False)], times[(name, True)]
        med_off, med_on = statistics.median(off) * 1e6, statistics.median(on) * 1e6
        mean_off, mean_on = statistics.fmean(off) * 1e6, statistics.fmean(on) * 1e6
        added = med_on - med_off
        print(
            f"{name:36} {med_off:12.0f} / {mean_off:9.0f} {med_on:11.0f} / {mean_on:9.0f} "
            f"{added:+8.1f} µs {100 * added / med_off:+5.1f} %"
        )


def own_cost(pages: dict[str, str], calls: int) -> None:
    """The counting step alone, per request (the middleware's work on a response already made):
    steady, where the page comparison above is noisy on a shared machine."""
    from django.http import HttpResponse
    from django.test import RequestFactory

    from evaluation import usage

    factory = RequestFactory()
    response = HttpResponse(b"ok")
    print(f"counting's own work per request ({calls:,} calls each, this process):")
    for name, path in pages.items():
        request = factory.get(path, HTTP_USER_AGENT=PHONE)
        usage.count_request(request, response)  # the address's kind, resolved once and remembered
        started = time.perf_counter()
        for _ in range(calls):
            usage.count_request(request, response)
        per_call = (time.perf_counter() - started) / calls * 1e6
        print(f"  {name:36} {per_call:6.2f} µs")
    usage.reset_local()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000, help="requests per page, mode and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=100_000, help="calls of the counting step alone")
    args = parser.parse_args()
    environment()
    pages = prepare()
    from django.conf import settings

    print(
        f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}; "
        f"Redis: {'yes' if settings.REDIS_URL else 'no (embedded)'}"
    )
    own_cost(pages, args.calls)
    asyncio.run(run(args, pages))


if __name__ == "__main__":
    main()
