"""Django's PostgreSQL backend, failing fast while the database is away and recovering by itself.

``DATABASES["default"]["ENGINE"] = "hub.backends.postgresql"`` (hub/settings.py) for every PostgreSQL
configuration. Three things differ from Django's backend (docs/resilience.md tells the outcome):

- **Fail fast.** While ``hub.overload.DATABASE`` says the database is down, a new connection is
  refused at once (an ``OperationalError``, which the 500 handlers answer 503 + ``Retry-After``)
  instead of each request waiting ``DB_POOL_TIMEOUT`` for a pool that cannot connect. The first
  failure to connect marks it down: ours, or the pool's own attempts (``WatchedConnection``). A
  probe thread connects every ``SERVICE_PROBE_INTERVAL`` seconds and marks it up again.
- **A new pool after an outage.** When the database goes down, the process's pool is closed:
  requests waiting in it fail at once (``PoolClosed``), its broken connections go, and with them
  its reconnection attempts, which back off exponentially (psycopg_pool waits 1, 2, 4, 8, 16 s...
  between them: the reason websocket handshakes still failed 27 s after a restart, each one
  holding the consumers' one database thread for ``DB_POOL_TIMEOUT`` behind the others). The
  first request after the probe's success opens a new pool, whose connections are fresh.
- **Checked connections.** Each pooled connection is checked (``ConnectionPool.check_connection``,
  an empty query) before a request gets it. A broken one (the server restarted, a session was
  terminated) is given back, which discards it, and a direct connection tells whether the server
  is down (then the request fails fast) or the next pooled connection is worth trying. So no
  request fails on a stale connection after the database is back, and a connection that broke
  during a request is discarded when it is given back (psycopg_pool drops a connection whose
  state is unknown). Django 5.2 cannot pass ``check`` in ``OPTIONS["pool"]`` (a ``TypeError``: it
  passes its own), and the pool's own check (``CONN_HEALTH_CHECKS``) sleeps 1 s, then 2 s... between
  stale connections: hence the check here.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import psycopg
from django.db import connections
from django.db.backends.postgresql import base
from psycopg_pool import ConnectionPool

from hub import overload

logger = logging.getLogger(__name__)

_pools_lock = threading.Lock()
DOWN_MESSAGE = "the database is unavailable (this process could not reach it; retrying in the background)"


class WatchedConnection(psycopg.Connection):  # type: ignore[type-arg]
    """The pool's connections (``OPTIONS["pool"]["connection_class"]``, set by ``DatabaseWrapper``):
    a failed attempt to reach the server, the pool's own included, marks the database down."""

    @classmethod
    def connect(cls, conninfo: str = "", **kwargs: Any) -> Any:  # type: ignore[override]
        try:
            return super().connect(conninfo, **kwargs)
        except psycopg.OperationalError as exc:
            if overload.database_lost(exc):
                overload.DATABASE.failed(exc)
            raise


# Django keeps each alias's pool in this class attribute (5.1+) and makes a new one when it is
# missing; ``close_pool()`` would close the pool before forgetting it, so a request arriving
# meanwhile would find it closed. Checked at import: without it, pools are not replaced (the
# breaker still fails requests fast).
_POOLS_FOUND = isinstance(getattr(base.DatabaseWrapper, "_connection_pools", None), dict)
if not _POOLS_FOUND:
    logger.error("DatabaseWrapper._connection_pools is gone: connection pools are kept after outages")


def _discard_pools(up: bool) -> None:
    """Listener of ``overload.DATABASE``: when the database goes down, forget this process's pools
    and close them (in threads: closing waits for the pool's workers), so that the requests waiting
    in them fail now; the next request after the outage opens a new one."""
    if up or not _POOLS_FOUND:
        return
    pools = base.DatabaseWrapper._connection_pools  # type: ignore[attr-defined]
    with _pools_lock:
        found = list(pools.items())
        pools.clear()
    for alias, pool in found:
        logger.info("database %s down: its connection pool is closed; a new one opens when it is back", alias)
        threading.Thread(target=pool.close, kwargs={"timeout": 2.0}, daemon=True).start()


def _probe() -> None:
    """One direct connection to the default database (not the pool's), closed at once."""
    params = connections["default"].get_connection_params()
    with psycopg.connect(**params, autocommit=True):
        pass


overload.DATABASE.prober = _probe
overload.DATABASE.listeners.append(_discard_pools)


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, settings_dict: dict[str, Any], alias: str = "default") -> None:
        super().__init__(settings_dict, alias)
        pool_options = settings_dict.get("OPTIONS", {}).get("pool")
        if isinstance(pool_options, dict):
            pool_options.setdefault("connection_class", WatchedConnection)

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        if not overload.DATABASE.available():
            raise psycopg.OperationalError(DOWN_MESSAGE)
        pool = self.pool  # type: ignore[attr-defined]  # Django 5.1+, not in the stubs yet
        if not pool:
            try:
                return super().get_new_connection(conn_params)
            except psycopg.OperationalError as exc:
                if overload.database_lost(exc):
                    overload.DATABASE.failed(exc)
                raise
        # Each broken connection found is discarded, so this ends; a few more than the pool holds.
        broken: Exception | None = None
        for _attempt in range(pool.max_size + 2):
            connection = super().get_new_connection(conn_params)
            try:
                ConnectionPool.check_connection(connection)
                return connection
            except psycopg.Error as exc:
                broken = exc
                try:
                    pool.putconn(connection)  # broken: the pool discards it and opens another
                except psycopg.Error:  # from a pool closed meanwhile
                    connection.close()
            try:
                with psycopg.connect(**conn_params, autocommit=True):
                    pass  # the server answers: the next pooled connection is worth a try
            except psycopg.OperationalError as exc:
                if not overload.database_lost(exc):  # it answers, but refuses (too many clients...)
                    raise
                overload.DATABASE.failed(exc)
                raise psycopg.OperationalError(DOWN_MESSAGE) from broken
            if not overload.DATABASE.up:
                raise psycopg.OperationalError(DOWN_MESSAGE) from broken
        raise psycopg.OperationalError("no working pooled connection") from broken
