"""Group commit of websocket votes: one transaction for every vote a server process received in
the last few milliseconds, instead of one per vote.

``vote_submit`` queues a vote on its event loop's ``VoteBatcher`` and waits for its result. The
batcher starts a batch after ``SESSIONS_VOTE_BATCH_WAIT`` seconds (or at once with
``SESSIONS_VOTE_BATCH_MAX`` votes) and keeps one batch in flight: votes that arrive meanwhile form
the next batch, so batches grow with the load and the database sees one transaction per batch
(``polls.poll_votes``: the rules of ``poll_vote`` for each vote, in order, then a handful of bulk
statements). Each waiting vote is answered after the commit: its ack, or its own error (the other
votes of the batch are unaffected). A batch that fails as a whole is applied again vote by vote
by ``poll_votes``.

Tallies: after a batch commits, the poll's coalescing flag (``tally.tally_claim``) is tried once
per poll, and a won flag schedules the flush on this event loop: a task that sleeps
``SESSIONS_TALLY_INTERVAL`` then runs ``tally.tally_flush_logged`` in the batcher's thread.

A REST vote (a synchronous view in one of the server's worker threads) joins the same batches
through ``vote_from_thread`` and waits at most ``SESSIONS_VOTE_WAIT`` seconds for its answer.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import weakref
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connection

from hub.realtime.serverloop import server_loop
from sessions_live import tally
from sessions_live.errors import VoteNotConfirmed
from sessions_live.services import polls

_Item = tuple[int, polls.VoteIn, "asyncio.Future[dict[str, Any]]"]


class VoteBatcher:
    """The vote queue of one event loop (one server process)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.pending: list[_Item] = []
        self.timer: asyncio.TimerHandle | None = None
        self.flushing = False
        self.tasks: set[asyncio.Task[None]] = set()
        # Its own thread: batches never queue behind the consumers' other database calls, and a
        # REST request waiting for its vote can never hold the thread the batch needs.
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="votebatch")
        self.context = contextvars.Context()
        # Polls whose tally flush this process has scheduled and not started: their next batches
        # need not ask Redis (the flush reads the counts after they committed).
        self.tally_pending: set[int] = set()

    async def submit(self, session_id: int, vote: polls.VoteIn) -> dict[str, Any]:
        future: asyncio.Future[dict[str, Any]] = self.loop.create_future()
        self.pending.append((session_id, vote, future))
        if not self.flushing:
            if len(self.pending) >= settings.SESSIONS_VOTE_BATCH_MAX:
                self._start()
            elif self.timer is None:
                self.timer = self.loop.call_later(settings.SESSIONS_VOTE_BATCH_WAIT, self._start)
        # A socket that goes away cancels only its wait: its vote is applied (or not) with the batch.
        return await future

    def in_thread(self, function: Any) -> Any:
        def run(*args: Any) -> Any:
            # Here, in the task's context: Django's connections live in it (channels'
            # database_sync_to_async closes those of the thread's own context, not these).
            close_old_connections()
            try:
                return function(*args)
            finally:
                close_old_connections()

        return sync_to_async(run, thread_sensitive=False, executor=self.executor)

    def _spawn(self, coroutine: Any) -> None:
        # The batcher's own context, not that of whichever socket or thread started the task: what
        # its thread sets up (Django's cache client and its Redis connection) is kept between tasks.
        task = self.loop.create_task(coroutine, context=self.context)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def _start(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.flushing or not self.pending:
            return
        most = settings.SESSIONS_VOTE_BATCH_MAX
        batch, self.pending = self.pending[:most], self.pending[most:]
        self.flushing = True
        self._spawn(self._flush(batch))

    async def _flush(self, batch: list[_Item]) -> None:
        try:
            try:
                results = await self.in_thread(self._apply)(batch)
            except Exception as exc:  # poll_votes answers per vote; this is a bug or a lost thread
                results = [exc] * len(batch)
            for (_session, _vote, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, Exception):
                    future.set_exception(result)
                else:
                    future.set_result(result)
        finally:
            self.flushing = False
            if self.pending:
                # These votes already waited for a whole batch: no extra wait.
                self._start()

    def _apply(self, batch: list[_Item]) -> list[polls.VoteResult]:
        """In a worker thread: one ``poll_votes`` per session in the batch (one, in practice)."""
        by_session: dict[int, list[int]] = defaultdict(list)
        for index, (session_id, _vote, _future) in enumerate(batch):
            by_session[session_id].append(index)
        results: list[polls.VoteResult | None] = [None] * len(batch)
        for session_id, indexes in by_session.items():
            answers = polls.poll_votes(
                session_id=session_id, votes=[batch[i][1] for i in indexes], on_tally=self._tally_claim
            )
            for index, answer in zip(indexes, answers, strict=True):
                results[index] = answer
        return [r if r is not None else RuntimeError("vote not answered") for r in results]

    def _tally_claim(self, poll_id: int, session_id: int) -> None:
        """After the batch commits (in the batcher's thread, which also runs the flushes, so
        ``tally_pending`` changes only there): make sure a flush including the batch is scheduled."""
        if poll_id in self.tally_pending:
            return
        if tally.tally_claim(poll_id):
            self.tally_pending.add(poll_id)
            self.loop.call_soon_threadsafe(self._spawn, self._tally_later(poll_id))

    async def _tally_later(self, poll_id: int) -> None:
        await asyncio.sleep(settings.SESSIONS_TALLY_INTERVAL)
        await self.in_thread(self._tally_flush)(poll_id)

    def _tally_flush(self, poll_id: int) -> None:
        self.tally_pending.discard(poll_id)  # before the flush deletes the flag and reads the counts
        tally.tally_flush_logged(poll_id)


_batchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, VoteBatcher] = weakref.WeakKeyDictionary()


def batcher() -> VoteBatcher:
    loop = asyncio.get_running_loop()
    found = _batchers.get(loop)
    if found is None:
        found = _batchers[loop] = VoteBatcher(loop)
    return found


def vote_from_thread(*, session_id: int, vote: polls.VoteIn) -> dict[str, Any]:
    """For synchronous callers (a REST request): under an ASGI server the vote joins the batches of
    the server's event loop, so a REST vote holds no database connection while it waits for the
    others; elsewhere (WSGI, a shell, inside a transaction) it is applied at once, as a batch of one.

    The wait is bounded (``SESSIONS_VOTE_WAIT``): past it the caller gets ``VoteNotConfirmed``
    (503). The vote may still land with its batch; sent again with its idempotency key it is
    answered as the first time, so a retry never counts twice."""
    loop = server_loop()
    if loop is not None and not connection.in_atomic_block:
        # Give the request's database connection back (to the pool) while waiting: the batch needs
        # one, and requests waiting for their votes must not hold them all.
        connection.close()
        future = asyncio.run_coroutine_threadsafe(vote_submit(session_id=session_id, vote=vote), loop)
        try:
            return future.result(timeout=settings.SESSIONS_VOTE_WAIT)
        except concurrent.futures.TimeoutError:
            future.cancel()  # only the wait: a vote already in a batch is applied with it
            raise VoteNotConfirmed() from None
    (result,) = polls.poll_votes(session_id=session_id, votes=[vote])
    if isinstance(result, Exception):
        raise result
    return result


async def vote_submit(*, session_id: int, vote: polls.VoteIn) -> dict[str, Any]:
    """Apply ``vote`` with the other votes of this process's next batch; its ack once committed,
    or raises its error (``DomainError``)."""
    return await batcher().submit(session_id, vote)
