"""A fan-out that dies after its rows are written and before the rest, then is re-driven, neither
counts nor broadcasts twice.

The death is real database failure: a trigger makes the statement at the chosen boundary raise, so
the run's open transaction rolls back exactly as it would if the worker were killed there. The
re-drive is the real one (the beat task ``outbox_redrive`` with ``OUTBOX_REDRIVE_AFTER`` elapsed, or
the dispatch task called again), and the live events are observed on real ``/ws/me/`` sockets
through the ASGI router. On PostgreSQL + Redis the same tests run with the Redis channel layer, and
the last one with a real Celery worker.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connection, transaction
from django.utils import timezone

from hub.asgi import application
from hub.models import Commune, OutboxEvent, User
from hub.services.outbox import outbox_record
from notifications.models import Channel, Notification, NotificationPreference
from notifications.tasks import outbox_event_dispatch, outbox_redrive
from tests.conftest import wait_for
from tests.factories import CommuneFactory, FollowFactory, UserFactory
from tests.factories_notifications import OutboxEventFactory
from tests.test_websocket_me import SAME_ORIGIN, session_cookie_for

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

DIED = "the worker died here (test)"


# --- Where the run dies ------------------------------------------------------------------------------


def trigger_create(name: str, *, fires: str, on: str, when: str, postgresql: str, sqlite: str) -> None:
    """A row trigger ``fires`` (``BEFORE INSERT``, ``AFTER UPDATE OF col``…) on table ``on`` for rows
    matching ``when`` (SQL on ``NEW``), running ``postgresql`` (plpgsql) or ``sqlite`` (statements)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {postgresql} END $$"
            )
            cursor.execute(
                f"CREATE TRIGGER {name} {fires} ON {on} FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION {name}()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER {name} {fires} ON {on} FOR EACH ROW WHEN {when} BEGIN {sqlite} END"
            )


def trigger_drop(name: str, *, on: str) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER {name} ON {on}")
            cursor.execute(f"DROP FUNCTION {name}()")
        else:
            cursor.execute(f"DROP TRIGGER {name}")


@asynccontextmanager
async def worker_dies(*, before: str, on: str, when: str) -> AsyncIterator[None]:
    """Every statement that does ``before`` (``INSERT``, ``UPDATE OF col``) on table ``on`` to a row
    matching ``when`` fails until the block ends: the run dies right there, its transaction undone."""
    await sync_to_async(trigger_create)(
        "test_worker_dies",
        fires=f"BEFORE {before}",
        on=on,
        when=when,
        postgresql=f"RAISE EXCEPTION '{DIED}';",
        sqlite=f"SELECT RAISE(ABORT, '{DIED}');",
    )
    try:
        yield
    finally:
        await sync_to_async(trigger_drop)("test_worker_dies", on=on)


def dies_after_the_rows() -> AbstractAsyncContextManager[None]:
    """Every row is committed; the run dies marking the event processed (the rest never happens)."""
    return worker_dies(
        before="UPDATE OF processed_at", on=OutboxEvent._meta.db_table, when="NEW.processed_at IS NOT NULL"
    )


def dies_before_the_rows_of(user: User) -> AbstractAsyncContextManager[None]:
    """The batches before ``user``'s are committed; the run dies inserting ``user``'s batch."""
    return worker_dies(before="INSERT", on=Notification._meta.db_table, when=f"NEW.recipient_id = {user.pk}")


# --- The world ---------------------------------------------------------------------------------------


@dataclass
class Socket:
    user: User
    ws: WebsocketCommunicator

    async def notifications(self) -> int:
        """How many ``notification.new`` frames arrived since the last call (waiting for stragglers)."""
        count = 0
        while not await self.ws.receive_nothing(timeout=0.3):
            frame = await self.ws.receive_json_from()
            count += frame.get("event") == "notification.new"
        return count


async def open_socket(user: User) -> Socket:
    key = await sync_to_async(session_cookie_for)(user)
    ws = WebsocketCommunicator(
        application, "/ws/me/", headers=[*SAME_ORIGIN, (b"cookie", f"sessionid={key}".encode())]
    )
    connected, _code = await ws.connect()
    assert connected
    assert (await ws.receive_json_from())["type"] == "hello"
    return Socket(user, ws)


@dataclass
class Thread:
    commune: Commune
    recipients: list[User]  # in the audience, in-app on
    muted: User  # in the audience, in-app off for this commune
    bystander: User  # not in the audience


def a_thread_with_followers() -> Thread:
    commune = CommuneFactory()
    recipients = UserFactory.create_batch(4)
    muted, bystander = UserFactory(), UserFactory()
    NotificationPreference.objects.create(user=muted, commune=commune, channel=Channel.IN_APP, enabled=False)
    return Thread(commune, recipients, muted, bystander)


def reply(thread: Thread) -> OutboxEvent:
    """What the forum does for a reply: one event naming its audience, recorded in the write's
    transaction; the dispatch runs after commit (in-process here)."""
    audience = [user.pk for user in [*thread.recipients, thread.muted]]
    with transaction.atomic():
        event, _created = outbox_record(
            kind="forum.reply",
            commune=thread.commune,
            obj=thread.commune,
            payload={"title": "Des poubelles au marché", "path": "/", "audience": {"user_ids": audience}},
            dedup_key="forum.reply.1",
        )
    return event


def rows(event: OutboxEvent) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {channel: [] for channel in Channel.values}
    for recipient_id, channel in Notification.objects.filter(event=event).values_list(
        "recipient_id", "channel"
    ):
        found[channel].append(recipient_id)
    return {channel: sorted(ids) for channel, ids in found.items()}


def counted(records: list[logging.LogRecord], event: OutboxEvent) -> list[tuple[int, int, int]]:
    """The counters each run of the dispatch task reported: (in-app, e-mail, push)."""
    runs = []
    for record in records:
        message = record.getMessage()
        if record.name == "notifications.tasks" and message.startswith(f"outbox event {event.pk}:"):
            in_app, email, push = (int(n) for n in re.findall(r"(\d+) (?:in-app|e-mail|push)", message))
            runs.append((in_app, email, push))
    return runs


def redrive_after_the_delay(settings) -> int:  # type: ignore[no-untyped-def]
    """What celery beat does every minute once ``OUTBOX_REDRIVE_AFTER`` has passed."""
    OutboxEvent.objects.update(
        created_at=timezone.now() - timedelta(seconds=settings.OUTBOX_REDRIVE_AFTER + 1)
    )
    return outbox_redrive.apply_async().get()


# --- The audience fan-out (a forum thread's followers) ----------------------------------------------


@pytest.mark.parametrize("death", ["after_the_rows", "between_batches"])
async def test_a_redriven_audience_fan_out_counts_and_broadcasts_each_row_once(settings, caplog, death):
    # given a thread's followers (batches of two), each with a /ws/me/ socket open, and one bystander
    settings.NOTIFICATION_BATCH_SIZE = 2
    caplog.set_level(logging.INFO, logger="notifications.tasks")
    thread = await sync_to_async(a_thread_with_followers)()
    people = [*thread.recipients, thread.muted, thread.bystander]
    sockets = {user.pk: await open_socket(user) for user in people}
    # when a reply is recorded and its fan-out dies at the boundary
    first_batch = thread.recipients[:2]
    dying = (
        dies_after_the_rows() if death == "after_the_rows" else dies_before_the_rows_of(thread.recipients[2])
    )
    async with dying:
        event = await sync_to_async(reply)(thread)
    # then the rows written so far stay, each announced once, and the event waits for a re-drive
    written = first_batch if death == "between_batches" else thread.recipients
    assert (await sync_to_async(rows)(event))[Channel.IN_APP] == sorted(u.pk for u in written)
    heard = {pk: await socket.notifications() for pk, socket in sockets.items()}
    assert heard == {user.pk: int(user in written) for user in people}
    await sync_to_async(event.refresh_from_db)()
    assert event.processed_at is None and event.attempts == 1
    assert counted(caplog.records, event) == []  # the run died before reporting anything
    # when the beat task re-drives it, and later a late duplicate of the task runs too
    assert await sync_to_async(redrive_after_the_delay)(settings) == 1
    duplicate = await sync_to_async(lambda: outbox_event_dispatch.apply_async(args=[event.pk]).get())()
    # then every recipient has exactly one notification per channel
    audience = sorted(u.pk for u in [*thread.recipients, thread.muted])
    assert await sync_to_async(rows)(event) == {
        Channel.IN_APP: sorted(u.pk for u in thread.recipients),
        Channel.EMAIL: audience,
        Channel.PUSH: [],
        Channel.SMS: [],
    }
    # and the re-drive counted only what the dead run left undone, the duplicate nothing
    left_in_app = len(thread.recipients) - len(written)
    left_email = len(audience) - (len(written) if death == "between_batches" else len(audience))
    assert counted(caplog.records, event) == [(left_in_app, left_email, 0), (0, 0, 0)]
    assert duplicate == {"followers": 0, "in_app": 0, "email": 0, "push": 0, "sms": 0}
    # and each recipient heard notification.new once in all, the others never
    heard_after = {pk: await socket.notifications() for pk, socket in sockets.items()}
    assert {pk: heard[pk] + heard_after[pk] for pk in heard} == {
        user.pk: int(user in thread.recipients) for user in people
    }
    await sync_to_async(event.refresh_from_db)()
    assert event.processed_at is not None and event.attempts == 2
    for socket in sockets.values():
        await socket.ws.disconnect()


# --- The commune followers' fan-out ------------------------------------------------------------------


def publish(commune: Commune) -> OutboxEvent:
    with transaction.atomic():
        event, _created = outbox_record(
            kind="document.published",
            commune=commune,
            obj=commune,
            payload={"title": "Budget primitif 2026", "type_label": "Budget", "path": "/"},
            dedup_key="doc.1",
        )
    return event


@pytest.mark.parametrize("death", ["after_the_rows", "between_batches"])
async def test_a_redriven_publication_fan_out_counts_each_row_once_and_broadcasts_once(
    settings, caplog, death
):
    # given five followers (batches of two) with sockets open, one of them with in-app off
    settings.NOTIFICATION_BATCH_SIZE = 2
    caplog.set_level(logging.INFO, logger="notifications.tasks")
    commune = await sync_to_async(CommuneFactory)()
    followers = [(await sync_to_async(FollowFactory)(commune=commune)).user for _ in range(5)]
    muted = followers[-1]
    await sync_to_async(NotificationPreference.objects.create)(
        user=muted, commune=commune, channel=Channel.IN_APP, enabled=False
    )
    sockets = {user.pk: await open_socket(user) for user in followers}
    # when a publication commits and its fan-out dies at the boundary
    dying = dies_after_the_rows() if death == "after_the_rows" else dies_before_the_rows_of(followers[2])
    async with dying:
        event = await sync_to_async(publish)(commune)
    written = followers[:2] if death == "between_batches" else followers
    assert len((await sync_to_async(rows)(event))[Channel.EMAIL]) == len(written)
    # then nobody has heard anything yet: the one broadcast leaves with the processed mark
    assert {pk: await socket.notifications() for pk, socket in sockets.items()} == dict.fromkeys(sockets, 0)
    # when the task is run again (a re-drive), then once more (a late duplicate)
    again = await sync_to_async(lambda: outbox_event_dispatch.apply_async(args=[event.pk]).get())()
    once_more = await sync_to_async(lambda: outbox_event_dispatch.apply_async(args=[event.pk]).get())()
    # then one notification per follower and channel, counted once
    assert await sync_to_async(rows)(event) == {
        Channel.IN_APP: sorted(u.pk for u in followers if u != muted),
        Channel.EMAIL: sorted(u.pk for u in followers),
        Channel.PUSH: [],
        Channel.SMS: [],
    }
    in_app_left = len([u for u in followers if u != muted and u not in written])
    assert again == {"followers": 5, "in_app": in_app_left, "email": 5 - len(written), "push": 0, "sms": 0}
    assert once_more == {"followers": 0, "in_app": 0, "email": 0, "push": 0, "sms": 0}
    assert counted(caplog.records, event) == [(in_app_left, 5 - len(written), 0), (0, 0, 0)]
    # and each follower with in-app on heard the publication exactly once, the muted one never
    heard = {pk: await socket.notifications() for pk, socket in sockets.items()}
    assert heard == {user.pk: int(user != muted) for user in followers}
    for socket in sockets.values():
        await socket.ws.disconnect()


async def test_a_run_that_finds_the_event_finished_by_another_sends_nothing(caplog):
    """Two workers on one event (a re-drive while the first still runs): only the run that marks it
    processed broadcasts and enqueues delivery. The other one is made to finish second by a trigger
    that completes the event, as the other worker would, while this run inserts its rows."""
    # given a follower with a socket open and a publication's event, recorded but not dispatched
    caplog.set_level(logging.INFO, logger="notifications.tasks")
    commune = await sync_to_async(CommuneFactory)()
    follower = (await sync_to_async(FollowFactory)(commune=commune)).user
    socket = await open_socket(follower)
    event = await sync_to_async(OutboxEventFactory)(commune=commune)
    # when this run goes while another worker marks the event processed as this run inserts its rows
    outbox, notifications = OutboxEvent._meta.db_table, Notification._meta.db_table
    mark = f"UPDATE {outbox} SET processed_at = CURRENT_TIMESTAMP WHERE id = NEW.event_id;"  # noqa: S608
    await sync_to_async(trigger_create)(
        "test_other_worker",
        fires="AFTER INSERT",
        on=notifications,
        when="NEW.event_id IS NOT NULL",
        postgresql=f"{mark} RETURN NEW;",
        sqlite=mark,
    )
    try:
        late = await sync_to_async(lambda: outbox_event_dispatch.apply_async(args=[event.pk]).get())()
    finally:
        await sync_to_async(trigger_drop)("test_other_worker", on=notifications)
    # then this run counts the rows it inserted, but sends nothing: the other run announced the event
    assert late == {"followers": 1, "in_app": 1, "email": 1, "push": 0, "sms": 0}
    assert any(
        r.getMessage().startswith(f"outbox event {event.pk}: 1 in-app")
        and "(already processed)" in r.getMessage()
        for r in caplog.records
    )
    assert await socket.notifications() == 0
    await socket.ws.disconnect()


# --- With a real Celery worker (PostgreSQL + Redis) -------------------------------------------------


@pytest.mark.integration
async def test_a_real_worker_redriven_by_beat_announces_each_reply_once(
    settings, celery_worker, postgres_required
):
    # given a thread's followers with sockets open, and a real worker on the Redis broker
    thread = await sync_to_async(a_thread_with_followers)()
    people = [*thread.recipients, thread.muted, thread.bystander]
    sockets = {user.pk: await open_socket(user) for user in people}
    # when the worker's fan-out dies after writing every row
    async with dies_after_the_rows():
        event = await sync_to_async(reply)(thread)

        def died() -> bool:
            event.refresh_from_db()
            return event.attempts == 1 and Notification.objects.filter(event=event).count() == 9

        assert await sync_to_async(wait_for)(died, timeout=30), celery_worker.runner.log()
        assert await sync_to_async(wait_for)(lambda: DIED in celery_worker.runner.log()), (
            celery_worker.runner.log()
        )
    first = {pk: await socket.notifications() for pk, socket in sockets.items()}
    # and beat's re-drive runs on the worker once the delay has passed
    await sync_to_async(OutboxEvent.objects.filter(pk=event.pk).update)(
        created_at=timezone.now() - timedelta(seconds=settings.OUTBOX_REDRIVE_AFTER + 1)
    )
    await sync_to_async(outbox_redrive.apply_async)()

    def processed() -> bool:
        return OutboxEvent.objects.filter(pk=event.pk, processed_at__isnull=False).exists()

    assert await sync_to_async(wait_for)(processed, timeout=30), celery_worker.runner.log()
    # then one notification per recipient and channel, and each recipient heard it once
    assert await sync_to_async(rows)(event) == {
        Channel.IN_APP: sorted(u.pk for u in thread.recipients),
        Channel.EMAIL: sorted(u.pk for u in [*thread.recipients, thread.muted]),
        Channel.PUSH: [],
        Channel.SMS: [],
    }
    second = {pk: await socket.notifications() for pk, socket in sockets.items()}
    assert {pk: first[pk] + second[pk] for pk in first} == {
        user.pk: int(user in thread.recipients) for user in people
    }
    assert re.search(rf"outbox event {event.pk}: 0 in-app, 0 e-mail, 0 push", celery_worker.runner.log())
    for socket in sockets.values():
        await socket.ws.disconnect()
