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
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Model
from django.db.models.signals import post_delete, post_save

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
    """One more hit on a window's counter; its new value."""
    if settings.REDIS_URL:
        from hub.redis_client import sync_redis

        pipe = sync_redis().pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, window + 1, nx=True)
        return int(pipe.execute()[0])
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


def read_versions(keys: list[str], counter: str | None = None, window: int = 60) -> tuple[list[int], int]:
    """The versions of ``keys`` (0 when never bumped) and, with ``counter``, that counter after one
    more hit: one Redis round trip, or one query and a local cache increment without Redis.

    ``keys[0]`` must be ``GLOBAL``. It is created when missing (a new database or Redis, one a test
    emptied), with a start that no earlier one had: so whatever a process still holds from before
    is never read as current, even for keys that have not been bumped since.
    """
    if settings.REDIS_URL:
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
        return [int(value) if value is not None else 0 for value in values], hits
    from hub.models import ContentVersion

    found = dict(ContentVersion.objects.filter(key__in=keys).values_list("key", "value"))
    if GLOBAL not in found:
        row, _created = ContentVersion.objects.get_or_create(key=GLOBAL, defaults={"value": _start_value()})
        found[GLOBAL] = row.value
    hits = 0
    if counter:
        hits = count_hit(counter, window)
    return [found.get(key, 0) for key in keys], hits


async def aread_versions(
    keys: list[str], counter: str | None = None, window: int = 60
) -> tuple[list[int], int] | None:
    """``read_versions`` from the event loop, with Redis only; ``None`` when ``GLOBAL`` is missing
    (the ordinary path creates it)."""
    from hub.redis_client import async_redis

    pipe = async_redis().pipeline(transaction=False)
    if counter:
        pipe.incr(counter)
        pipe.expire(counter, window + 1, nx=True)
    pipe.mget([_redis_name(key) for key in keys])
    results = await pipe.execute()
    values = results[-1]
    if values[0] is None:
        return None
    return [int(value) if value is not None else 0 for value in values], int(results[0]) if counter else 0


def _bump(keys: Iterable[str]) -> None:
    keys = sorted(set(keys))
    if not keys:
        return
    if settings.REDIS_URL:
        from hub.redis_client import sync_redis

        try:
            pipe = sync_redis().pipeline(transaction=False)
            start = _start_value()
            for key in keys:
                pipe.set(_redis_name(key), start, nx=True)
                pipe.incr(_redis_name(key))
            pipe.execute()
        except Exception:
            _redis_down()
        return
    from hub.models import ContentVersion

    for key in keys:
        if not ContentVersion.objects.filter(key=key).update(value=F("value") + 1):
            ContentVersion.objects.get_or_create(key=key, defaults={"value": _start_value()})


# Called when a bump could not be made (the read cache drops what it holds: ``hub.readcache``).
on_bump_failure: list[Callable[[], None]] = []


def _redis_down() -> None:
    # The versions could not be bumped: nothing cached under them may be trusted. The other
    # processes' reads of the versions fail too while Redis is away, so they serve uncached, and
    # their entries are keyed by versions that the next successful bump leaves behind.
    logger.warning("content versions: Redis did not take a bump; cached reads dropped")
    for callback in on_bump_failure:
        callback()


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
    _bump(keys)
    # Without Redis the bump is a row written in the same transaction: its commit is the bump.
    if settings.REDIS_URL and transaction.get_connection().in_atomic_block:
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
