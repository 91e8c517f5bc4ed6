"""Page views and downloads counted on the server, per commune, kind of page and day: nothing else.

Privacy first: no third-party tracker, and nothing that points to a person is kept with a view: no
address, no account, no cookie, no path (a path names a thread or a document, not a person, but the
kind is all the evaluation needs). Bots are left out by their ``User-Agent`` (and a request without
one), as are prefetches, ``HEAD`` and anything that did not answer 200 (206/304: a resumed or
revalidated download is the same download).

Counting must not slow a request (bench/usage_counting.py measures it):

1. ``UsageCountingMiddleware`` (above the public read cache, so that pages answered from memory
   count too) adds one to a counter in this process's memory: a dictionary key
   ``day|kind|owner`` where ``owner`` is ``s:<commune slug>`` or ``<model>:<pk>`` (a session, a
   thread… whose commune is looked up later, in the batch). The address's kind is resolved once
   per address and remembered (bounded).
2. At most every ``USAGE_PUSH_SECONDS`` the process hands its counts over, off the request path (a
   worker thread): with Redis, one pipelined ``HINCRBY`` per key into one hash, which every web
   process shares; on the embedded defaults the counts stay in memory for step 3.
3. ``evaluation.tasks.usage_flush`` (every minute: Celery beat, or the embedded schedule) moves the
   shared hash (renamed first, so no count is read twice or lost) and this process's memory into
   ``DailyUsage`` rows, resolving each owner to its commune.

What can be lost: the counts a web process holds (at most ``USAGE_PUSH_SECONDS``) when it dies
without a word. Figures are therefore "at least"; the docs say so (docs/evaluation.md). Nothing is
counted twice: a batch taken from Redis is recorded (``UsageBatch``) in the transaction that writes
its rows, so a batch that died before deleting its hash, or two batches taking the same hash, add it
once.
"""

from __future__ import annotations

import datetime
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.apps import apps
from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponseBase
from django.urls import Resolver404, resolve
from django.utils import timezone

from evaluation.models import DailyUsage, PageKind, UsageBatch
from hub.models import Commune

logger = logging.getLogger(__name__)

# URL name -> kind of page. Addresses not listed are not counted (staff pages, forms, the API
# except file downloads, account pages).
KIND_BY_URL_NAME: dict[str, str] = {
    "frontend:commune": PageKind.COMMUNE,
    "frontend:pub-documents": PageKind.DOCUMENT,
    "frontend:pub-document": PageKind.DOCUMENT,
    "frontend:pub-file": PageKind.DOWNLOAD,
    "publications-api:document-file-download": PageKind.DOWNLOAD,
    "frontend:pub-register": PageKind.TRANSPARENCY,
    "frontend:pub-contracts": PageKind.CONTRACT,
    "frontend:pub-contract": PageKind.CONTRACT,
    "frontend:pub-agenda": PageKind.AGENDA,
    "frontend:pub-agenda-event": PageKind.AGENDA,
    "frontend:commune-sessions": PageKind.SESSION,
    "frontend:session": PageKind.SESSION,
    "frontend:forum-categories": PageKind.FORUM,
    "frontend:forum-category": PageKind.FORUM,
    "frontend:forum-thread": PageKind.FORUM,
    "frontend:commitments": PageKind.COMMITMENT,
    "frontend:commitment": PageKind.COMMITMENT,
    "frontend:council": PageKind.COUNCIL,
    "frontend:council-member": PageKind.COUNCIL,
    "frontend:council-data": PageKind.COUNCIL,
    "frontend:consultations": PageKind.CONSULTATION,
    "frontend:consultation-detail": PageKind.CONSULTATION,
    "frontend:consultation-results": PageKind.CONSULTATION,
    "frontend:citizen-council": PageKind.CONSULTATION,
    "frontend:practice-detail": PageKind.PRACTICE,
    "frontend:evaluation-public": PageKind.EVALUATION,
    "frontend:evaluation-report": PageKind.EVALUATION,
    "frontend:evaluation-report-pdf": PageKind.EVALUATION,
}

# Addresses that name their object by primary key, not by commune: (URL kwarg, "app.Model"). The
# object's commune is read in the batch, not during the request.
OWNER_BY_URL_NAME: dict[str, tuple[str, str]] = {
    "frontend:session": ("pk", "sessions_live.LiveSession"),
    "frontend:forum-thread": ("pk", "forums.Thread"),
    "frontend:commitment": ("pk", "commitments.Commitment"),
    "frontend:practice-detail": ("pk", "practices.PracticeSheet"),
    "publications-api:document-file-download": ("document_id", "publications.Document"),
}

# Crawlers, link previews, monitors, scripts and headless browsers name themselves so.
BOT_PATTERN = re.compile(
    r"bot|crawl|spider|slurp|archiver|preview|facebookexternalhit|whatsapp|telegram|monitor|uptime|"
    r"pingdom|lighthouse|headless|phantom|curl|wget|python|httpx|aiohttp|java/|go-http|okhttp|scrapy|"
    r"feedfetcher|validator|checker",
    re.IGNORECASE,
)
COUNTED_STATUSES = frozenset({200, 206, 304})
_MAX_KNOWN_PATHS = 20_000
HASH_KEY_SUFFIX = "evaluation:usage"
# A renamed hash still there after this long belongs to a batch that died: the next batch takes it.
ABANDONED_AFTER_SECONDS = 600
BATCH_RECORD_KEPT = datetime.timedelta(days=1)


_bot_verdicts: dict[str, bool] = {}
_MAX_KNOWN_AGENTS = 5_000


def is_bot(user_agent: str) -> bool:
    """Whether the agent names itself a bot; remembered per agent (phones send a handful of them)."""
    verdict = _bot_verdicts.get(user_agent)
    if verdict is None:
        verdict = not user_agent.strip() or bool(BOT_PATTERN.search(user_agent))
        if len(_bot_verdicts) >= _MAX_KNOWN_AGENTS:
            _bot_verdicts.clear()
        _bot_verdicts[user_agent] = verdict
    return verdict


_today: tuple[float, str] = (0.0, "")


def _day() -> str:
    """Today's date in the project's time zone, recomputed only when the day may have changed."""
    global _today
    now = time.time()
    if now >= _today[0]:
        local = timezone.localtime()
        tomorrow = (local + datetime.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        _today = (min(now + 60.0, tomorrow.timestamp()), local.date().isoformat())
    return _today[1]


def _hash_key() -> str:
    return f"{settings.KEY_PREFIX}:{HASH_KEY_SUFFIX}"


class _Counts:
    """This process's counts since it last handed them over, and when it did."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.pushed_at = time.monotonic()
        self.pushing = False
        self.paths: dict[str, tuple[str, str] | None] = {}

    def add(self, key: str) -> bool:
        """Count one; True when it is time to hand the counts over."""
        with self.lock:
            self.counts[key] += 1
            if self.pushing or time.monotonic() - self.pushed_at < settings.USAGE_PUSH_SECONDS:
                return False
            self.pushing = True
            return True

    def take(self) -> Counter[str]:
        with self.lock:
            taken, self.counts = self.counts, Counter()
            self.pushed_at = time.monotonic()
            return taken

    def give_back(self, counts: Counter[str]) -> None:
        with self.lock:
            self.counts.update(counts)


_local = _Counts()
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="usage-push")


def _classify(path: str) -> tuple[str, str] | None:
    """(kind, owner) of the address, or None when it is not counted; remembered per address."""
    known = _local.paths.get(path, ())
    if known != ():
        return known  # type: ignore[return-value]
    result: tuple[str, str] | None = None
    try:
        match = resolve(path)
    except Resolver404:
        match = None
    if match is not None:
        name = f"{match.namespace}:{match.url_name}" if match.namespace else str(match.url_name)
        kind = KIND_BY_URL_NAME.get(name)
        if kind is not None:
            owner_spec = OWNER_BY_URL_NAME.get(name)
            if owner_spec is not None:
                value = match.kwargs.get(owner_spec[0])
                result = (kind, f"{owner_spec[1]}:{value}") if value is not None else None
            elif "slug" in match.kwargs:
                result = (kind, f"s:{match.kwargs['slug']}")
    if len(_local.paths) >= _MAX_KNOWN_PATHS:
        _local.paths.clear()
    _local.paths[path] = result
    return result


def count_request(request: HttpRequest, response: HttpResponseBase) -> None:
    """Count the request if it is a human's successful read of a counted kind of page."""
    if request.method != "GET" or response.status_code not in COUNTED_STATUSES:
        return
    meta = request.META
    if meta.get("HTTP_SEC_PURPOSE") or meta.get("HTTP_PURPOSE") or meta.get("HTTP_X_MOZ") == "prefetch":
        return
    if is_bot(meta.get("HTTP_USER_AGENT", "")):
        return
    classified = _classify(request.path_info)
    if classified is None:
        return
    if _local.add(f"{_day()}|{classified[0]}|{classified[1]}"):
        _executor.submit(_push_in_background)


def _push_in_background() -> None:
    try:
        push()
    except Exception:  # counts are given back by push(); never let the thread die loudly
        logger.warning("usage counts not handed over", exc_info=True)
    finally:
        _local.pushing = False


def push() -> int:
    """Hand this process's counts to the shared Redis hash (no-op on the embedded defaults, where
    ``usage_flush`` reads them from memory). Returns how many keys were handed over. On failure the
    counts go back to memory: nothing is lost while the process lives."""
    if not settings.REDIS_URL:
        _local.pushed_at = time.monotonic()
        return 0
    counts = _local.take()
    if not counts:
        return 0
    from hub.redis_client import sync_redis

    try:
        pipe = sync_redis().pipeline(transaction=False)
        key = _hash_key()
        for field, n in counts.items():
            pipe.hincrby(key, field, n)
        pipe.execute()
    except Exception:
        _local.give_back(counts)
        raise
    return len(counts)


class UsageCountingMiddleware:
    """Counts page views and downloads (see the module's docstring); async-capable like the rest of
    the stack, so a request stays in the event loop."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        if not settings.USAGE_COUNTING:
            raise MiddlewareNotUsed("USAGE_COUNTING=0")
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self._acall(request)
        response = self.get_response(request)
        self._count(request, response)
        return response

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        response = await self.get_response(request)  # type: ignore[misc]
        self._count(request, response)
        return response

    @staticmethod
    def _count(request: HttpRequest, response: HttpResponseBase) -> None:
        try:
            count_request(request, response)
        except Exception:  # counting never breaks a page
            logger.warning("usage counting failed", exc_info=True)


# --- The batch: counts into rows ------------------------------------------------------------------


def _take_shared() -> tuple[str | None, dict[str, int]]:
    """Every count in the shared hash, read once: renamed under a unique name first, so that counts
    pushed meanwhile go into a new hash and none is read twice. The renamed hash is kept until its
    rows are written (``flush`` deletes it then): a batch that dies in between leaves it for the next."""
    from hub.redis_client import sync_redis

    client = sync_redis()
    taking = f"{_hash_key()}:taking:{time.time_ns()}"
    try:
        client.rename(_hash_key(), taking)
    except Exception as exc:  # no such key: nothing was counted since the last batch
        if "no such key" in str(exc).lower():
            return None, {}
        raise
    return taking, _decode(client.hgetall(taking))


def _decode(raw: dict[Any, Any]) -> dict[str, int]:
    return {k.decode() if isinstance(k, bytes) else k: int(v) for k, v in raw.items()}


def _abandoned_takings() -> list[str]:
    """Hashes a batch renamed more than ``ABANDONED_AFTER_SECONDS`` ago and never finished."""
    from hub.redis_client import sync_redis

    oldest = time.time_ns() - ABANDONED_AFTER_SECONDS * 1_000_000_000
    found = []
    for raw in sync_redis().scan_iter(f"{_hash_key()}:taking:*", count=100):
        key = raw.decode() if isinstance(raw, bytes) else raw
        stamp = key.rsplit(":", 1)[-1]
        if stamp.isdigit() and int(stamp) < oldest:
            found.append(key)
    return found


def _owners_to_communes(owners: Iterable[str]) -> dict[str, int]:
    """``s:<slug>`` and ``<app.Model>:<pk>`` owners -> commune id (owners that no longer resolve
    are dropped: a document deleted since, a made-up slug)."""
    slugs: set[str] = set()
    by_model: dict[str, set[int]] = {}
    for owner in owners:
        if owner.startswith("s:"):
            slugs.add(owner[2:])
            continue
        label, _, pk = owner.rpartition(":")
        if pk.isdigit():
            by_model.setdefault(label, set()).add(int(pk))
    result: dict[str, int] = {}
    for slug, commune_id in Commune.objects.filter(slug__in=slugs).values_list("slug", "pk"):
        result[f"s:{slug}"] = commune_id
    for model_label, pks in by_model.items():
        try:
            model = apps.get_model(model_label)
        except LookupError:
            continue
        for pk, commune_id in model._default_manager.filter(pk__in=pks).values_list("pk", "commune_id"):
            result[f"{model_label}:{pk}"] = commune_id
    return result


def _write(counts: dict[str, int], batch: str | None = None) -> int:
    """Add the counts to their ``DailyUsage`` rows (one transaction). Returns views written.

    ``batch`` names counts taken from Redis (the renamed hash): it is recorded (``UsageBatch``, unique)
    in the same transaction, so a batch written once is never written again, whether its hash
    outlived it (the batch died before deleting it) or two batches took it at once."""
    parsed: list[tuple[datetime.date, str, str, int]] = []
    for key, n in counts.items():
        parts = key.split("|", 2)
        if len(parts) != 3 or n <= 0 or parts[1] not in PageKind.values:
            continue
        try:
            day = datetime.date.fromisoformat(parts[0])
        except ValueError:
            continue
        parsed.append((day, parts[1], parts[2], n))
    communes = _owners_to_communes({owner for _, _, owner, _ in parsed})
    totals: Counter[tuple[int, datetime.date, str]] = Counter()
    for day, kind, owner, n in parsed:
        commune_id = communes.get(owner)
        if commune_id is not None:
            totals[(commune_id, day, kind)] += n
    if not totals:
        return 0
    with transaction.atomic():
        if batch is not None and not _record_batch(batch):
            return 0
        existing = {
            (row.commune_id, row.day, row.kind): row.pk
            for row in DailyUsage.objects.filter(
                commune_id__in={c for c, _, _ in totals}, day__in={d for _, d, _ in totals}
            ).only("pk", "commune_id", "day", "kind")
        }
        new_rows = []
        for (commune_id, day, kind), n in totals.items():
            pk = existing.get((commune_id, day, kind))
            if pk is None:
                new_rows.append(DailyUsage(commune_id=commune_id, day=day, kind=kind, views=n))
            else:
                DailyUsage.objects.filter(pk=pk).update(views=F("views") + n)
        DailyUsage.objects.bulk_create(new_rows)
    return sum(totals.values())


def _record_batch(name: str) -> bool:
    """Record the batch in the current transaction; False if it was written already (by this run's
    predecessor, or by another run that commits first: the unique name makes the second wait, then
    fail)."""
    try:
        with transaction.atomic():
            UsageBatch.objects.create(name=name)
    except IntegrityError:
        return False
    return True


def flush() -> int:
    """Move every count held (this process's memory, the shared hash and any hash a previous batch
    took but did not finish) into ``DailyUsage``. Safe to run at any time and twice. Returns views."""
    written = 0
    local = _local.take()
    if local:
        try:
            written += _write(dict(local))
        except Exception:
            _local.give_back(local)
            raise
    if settings.REDIS_URL:
        from hub.redis_client import sync_redis

        client = sync_redis()
        for abandoned in _abandoned_takings():
            written += _write(_decode(client.hgetall(abandoned)), batch=abandoned)
            client.delete(abandoned)
        taking, counts = _take_shared()
        if taking and counts:
            written += _write(counts, batch=taking)
        if taking:
            client.delete(taking)
        # A batch's record matters only while its hash may outlive it (minutes): a day is ample.
        UsageBatch.objects.filter(written_at__lt=timezone.now() - BATCH_RECORD_KEPT).delete()
    return written


def pending_local() -> dict[str, int]:
    """This process's counts not yet handed over (tests and the bench)."""
    with _local.lock:
        return dict(_local.counts)


def reset_local() -> None:
    """Forget this process's counts and remembered addresses (tests)."""
    with _local.lock:
        _local.counts.clear()
        _local.paths.clear()
        _local.pushing = False
        _local.pushed_at = time.monotonic()
