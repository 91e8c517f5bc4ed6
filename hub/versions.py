"""Content versions: counters that change whenever what a public read shows changes.

``hub.readcache`` keys the anonymous pages and API answers it keeps with these versions (its
docstring tells the whole scheme). Here is the part that writes and services use:

- ``c<id>`` for a commune's content (its documents, contracts, agenda, forum, sessions, commitments,
  officials...), and ``any`` with it (pages that list several communes);
- ``s<id>`` for a live session's own stream (chat, polls, questions: everything that has a ``seq``);
- ``g`` for everything (an account renamed: its name appears in many places).

A model is tracked with ``track()`` (each app registers its models in ``AppConfig.ready``); its saves
and deletes bump the versions they belong to at once *and* again when the transaction commits, so a
reader that renders between the write and the commit caches under a version that the commit then
leaves behind: a change is visible to the next read after it commits, in every process. Writes that
bypass model signals (``QuerySet.update``, ``bulk_create``, raw SQL) call ``changed()`` themselves.
With Redis the counters live in Redis; on the embedded defaults they are ``ContentVersion`` rows (in
the write's own transaction), so servers started on the same SQLite file see them too. A counter
starts at the time it was created in microseconds, not at 0, so a database or Redis emptied by a
test never repeats an earlier version.

Also here: ``count_hit``, the fixed-window counter the request limits use (``hub.api.throttles``),
so that the read cache can count a request in the same Redis round trip as it reads versions.

**Without Redis for a while** (``hub.overload.REDIS`` down; docs/resilience.md): a write that
changes what public reads show is refused (``ServiceUnavailable``, 503: its transaction rolls back),
since the other processes could not learn of it; so content does not change meanwhile, and reads
use the versions this process read last, if it read them shortly before Redis went away (a busy
process did): its cached answers keep being served. Counters count in this process's memory.
Nothing is logged per request: the breaker logs the outage once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Model
from django.db.models.signals import post_delete, post_save

from hub.errors import ServiceUnavailable
from hub.overload import REDIS, local_counters, redis_lost

logger = logging.getLogger(__name__)

GLOBAL = "g"
ANY_COMMUNE = "any"


def commune_key(commune_id: int) -> str:
    return f"c{commune_id}"


def session_key(session_id: int) -> str:
    return f"s{session_id}"


def window_key(scope: str, ident: str, window: int, now: float | None = None) -> str:
    bucket = int((now if now is not None else time.time()) // window)
    return f"{settings.KEY_PREFIX}:rl:{scope}:{ident}:{bucket}"


def count_hit(key: str, window: int) -> int:
    """One more hit on a window's counter; its new value (counted in this process while Redis is
    away)."""
    if settings.REDIS_URL:
        if REDIS.available():
            from hub.redis_client import sync_redis

            try:
                pipe = sync_redis().pipeline(transaction=False)
                pipe.incr(key)
                pipe.expire(key, window + 1, nx=True)
                return int(pipe.execute()[0])
            except Exception as exc:
                if not redis_lost(exc):
                    raise
                REDIS.failed(exc)
        return local_counters.hit(key, window)
    from django.core.cache import cache

    cache.add(key, 0, window + 1)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window + 1)
        return 1


def _redis_name(key: str) -> str:
    return f"{settings.KEY_PREFIX}:cv:{key}"


def _start_value() -> int:
    return time.time_ns() // 1000


# The versions this process read last from Redis, and when: what reads use while Redis is away.
_known: dict[str, tuple[int, float]] = {}
# Versions read this long before Redis went away may still be current (writes are refused while it
# is away); older ones may have been bumped since by another process.
KNOWN_FRESH_SECONDS = 2.0


def _remember(keys: list[str], values: list[int]) -> None:
    now = time.monotonic()
    if len(_known) > 50_000:
        _known.clear()
    for key, value in zip(keys, values, strict=True):
        _known[key] = (value, now)


def _last_known(keys: list[str]) -> list[int]:
    """The versions read last, if all of them were read shortly before Redis went away (else
    ``LookupError``: the read is served without the cache)."""
    since = REDIS.down_since
    oldest = (since if since is not None else time.monotonic()) - KNOWN_FRESH_SECONDS
    values = []
    for key in keys:
        value, read_at = _known.get(key, (0, -1.0))
        if read_at < oldest:
            raise LookupError(key)
        values.append(value)
    return values


class VersionsUnavailable(LookupError):
    """Redis is away and this process has no recent versions for these keys."""


def read_versions(keys: list[str], counter: str | None = None, window: int = 60) -> tuple[list[int], int]:
    """The versions of ``keys`` (0 when never bumped) and, with ``counter``, that counter after one
    more hit: one Redis round trip, or one query and a local cache increment without Redis.

    ``keys[0]`` must be ``GLOBAL``. It is created when missing (a new database or Redis, one a test
    emptied), with a start that no earlier one had: so whatever a process still holds from before
    is never read as current, even for keys that have not been bumped since.
    """
    if settings.REDIS_URL:
        if REDIS.available():
            try:
                return _read_from_redis(keys, counter, window)
            except Exception as exc:
                if not redis_lost(exc):
                    raise
                REDIS.failed(exc)
        return _read_offline(keys, counter, window)
    from hub.models import ContentVersion

    found = dict(ContentVersion.objects.filter(key__in=keys).values_list("key", "value"))
    if GLOBAL not in found:
        row, _created = ContentVersion.objects.get_or_create(key=GLOBAL, defaults={"value": _start_value()})
        found[GLOBAL] = row.value
    hits = 0
    if counter:
        hits = count_hit(counter, window)
    return [found.get(key, 0) for key in keys], hits


def _read_from_redis(keys: list[str], counter: str | None, window: int) -> tuple[list[int], int]:
    from hub.redis_client import sync_redis

    client = sync_redis()
    pipe = client.pipeline(transaction=False)
    if counter:
        pipe.incr(counter)
        pipe.expire(counter, window + 1, nx=True)
    pipe.mget([_redis_name(key) for key in keys])
    results = pipe.execute()
    values = results[-1]
    hits = int(results[0]) if counter else 0
    if values[0] is None:
        client.set(_redis_name(GLOBAL), _start_value(), nx=True)
        values[0] = client.get(_redis_name(GLOBAL))
    found = [int(value) if value is not None else 0 for value in values]
    _remember(keys, found)
    return found, hits


def _read_offline(keys: list[str], counter: str | None, window: int) -> tuple[list[int], int]:
    """Redis is away: this process's last versions (or ``VersionsUnavailable``) and its own count."""
    try:
        values = _last_known(keys)
    except LookupError:
        raise VersionsUnavailable(keys[-1]) from None
    return values, local_counters.hit(counter, window) if counter else 0


async def aread_versions(
    keys: list[str], counter: str | None = None, window: int = 60
) -> tuple[list[int], int] | None:
    """``read_versions`` from the event loop, with Redis only; ``None`` when ``GLOBAL`` is missing
    (the ordinary path creates it) or, Redis being away, this process has no recent versions."""
    from hub.redis_client import async_redis

    if REDIS.up:
        try:
            pipe = async_redis().pipeline(transaction=False)
            if counter:
                pipe.incr(counter)
                pipe.expire(counter, window + 1, nx=True)
            pipe.mget([_redis_name(key) for key in keys])
            results = await pipe.execute()
        except Exception as exc:
            if not redis_lost(exc):
                raise
            REDIS.failed(exc)
        else:
            values = results[-1]
            if values[0] is None:
                return None
            found = [int(value) if value is not None else 0 for value in values]
            _remember(keys, found)
            return found, int(results[0]) if counter else 0
    try:
        return _read_offline(keys, counter, window)
    except VersionsUnavailable:
        return None


def _bump(keys: Iterable[str], *, refuse: bool = False) -> None:
    """Bump ``keys`` in Redis. If it cannot: with ``refuse`` (inside the write's transaction) raise
    ``ServiceUnavailable``, which rolls the write back; else remember them for when it is back."""
    keys = sorted(set(keys))
    if not keys:
        return
    if settings.REDIS_URL:
        if REDIS.available():
            from hub.redis_client import sync_redis

            try:
                pipe = sync_redis().pipeline(transaction=False)
                start = _start_value()
                for key in keys:
                    pipe.set(_redis_name(key), start, nx=True)
                    pipe.incr(_redis_name(key))
                pipe.execute()
                return
            except Exception as exc:
                if redis_lost(exc):
                    REDIS.failed(exc)
                else:
                    logger.exception("content versions: Redis refused a bump")
        if refuse:  # the write rolls back: nothing changed, nothing to drop
            raise ServiceUnavailable("redis")
        _redis_down(keys)
        return
    from hub.models import ContentVersion

    for key in keys:
        if not ContentVersion.objects.filter(key=key).update(value=F("value") + 1):
            ContentVersion.objects.get_or_create(key=key, defaults={"value": _start_value()})


# Called when a bump could not be made (the read cache drops what it holds: ``hub.readcache``).
on_bump_failure: list[Callable[[], None]] = []
# Bumps Redis did not take, made when it is back (``REDIS``'s listener below).
_pending: set[str] = set()
_pending_lock = threading.Lock()


def _redis_down(keys: list[str]) -> None:
    # The versions could not be bumped: nothing this process cached under them may be trusted, and
    # the bump is made again when Redis is back, so that the other processes leave theirs behind.
    with _pending_lock:
        _pending.update(keys)
    for callback in on_bump_failure:
        callback()


def _redis_back(up: bool) -> None:
    if not up:
        return
    with _pending_lock:
        keys = list(_pending)
        _pending.clear()
    if keys:
        _bump(keys)


REDIS.listeners.append(_redis_back)


def changed(
    *, commune_id: int | None = None, session_id: int | None = None, everything: bool = False
) -> None:
    """Say that what public reads show has changed (now and when the current transaction commits)."""
    keys: list[str] = []
    if everything:
        keys.append(GLOBAL)
    if commune_id is not None:
        keys += [commune_key(commune_id), ANY_COMMUNE]
    if session_id is not None:
        keys.append(session_key(session_id))
    if not keys:
        return
    in_transaction = transaction.get_connection().in_atomic_block
    _bump(keys, refuse=in_transaction)
    # Without Redis the bump is a row written in the same transaction: its commit is the bump.
    if settings.REDIS_URL and in_transaction:
        transaction.on_commit(lambda: _bump(keys))


@dataclass(frozen=True)
class _Tracked:
    commune: Callable[[Any], int | None] | None
    session: Callable[[Any], int | None] | None
    everything: bool
    ignore_fields: frozenset[str]


def track(
    model: type[Model],
    *,
    commune: Callable[[Any], int | None] | None = None,
    session: Callable[[Any], int | None] | None = None,
    everything: bool = False,
    ignore_fields: Iterable[str] = (),
    new_rows: bool = True,
) -> None:
    """Bump the versions ``model``'s rows belong to whenever one is saved or deleted.

    ``commune`` and ``session`` return the commune's (the session's) id of a row; ``everything`` bumps
    the global version; a save whose ``update_fields`` are all in ``ignore_fields`` changes nothing
    public (a sign-in's ``last_login``); with ``new_rows=False`` a new row changes nothing either (a
    new account shows nowhere until it writes, and what it writes bumps its own scope).
    """
    spec = _Tracked(commune, session, everything, frozenset(ignore_fields))

    def on_change(sender: Any, instance: Any, **kwargs: Any) -> None:
        if kwargs.get("created") and not new_rows:
            return
        fields = kwargs.get("update_fields")
        if fields and spec.ignore_fields and set(fields) <= spec.ignore_fields:
            return
        changed(
            commune_id=spec.commune(instance) if spec.commune else None,
            session_id=spec.session(instance) if spec.session else None,
            everything=spec.everything,
        )

    uid = f"readcache:{model._meta.label}"
    post_save.connect(on_change, sender=model, weak=False, dispatch_uid=uid + ":save")
    post_delete.connect(on_change, sender=model, weak=False, dispatch_uid=uid + ":delete")


# --- whose content is a row ----------------------------------------------------------------------


# Set by the read cache's event-loop path, which must not query the database: a fact not known
# yet raises LookupError there (the request then goes the ordinary way, which learns it).
MEMO_ONLY: ContextVar[bool] = ContextVar("versions_memo_only", default=False)


class _Memo:
    """A bounded map of immutable facts (a commune's id by slug, a thread's commune)."""

    def clear(self) -> None:
        self._values.clear()

    def __init__(self, size: int = 20_000) -> None:
        self._values: dict[Any, Any] = {}
        self._size = size

    def get(self, key: Any, load: Callable[[], Any]) -> Any:
        try:
            return self._values[key]
        except KeyError:
            if MEMO_ONLY.get():
                raise LookupError(key) from None
            value = load()
            if value is not None:
                if len(self._values) >= self._size:
                    self._values.clear()
                self._values[key] = value
            return value


_memo = _Memo()


def commune_id_by_slug(slug: str) -> int | None:
    from hub.models import Commune

    return _memo.get(
        ("commune", slug),
        lambda: Commune.objects.filter(slug=slug).values_list("id", flat=True).first(),
    )


def owner_commune(model: type[Model], pk: Any) -> int | None:
    """The commune of row ``pk`` of ``model`` (a model with a ``commune`` that never changes)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return _memo.get(
        (model._meta.label, pk),
        lambda: model._default_manager.filter(pk=pk).values_list("commune_id", flat=True).first(),
    )
