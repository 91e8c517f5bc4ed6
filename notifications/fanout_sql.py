"""The fan-out inserts, as ``INSERT … SELECT … ON CONFLICT DO NOTHING`` over a batch of recipients.

One statement per channel per batch moves the rows inside the database: no follower row travels to
Python and back. Who gets which channel, and in which status, is the preference rule of
``notifications.preferences``, inlined in the statement. Two sources of recipients share it: a range
of a commune's followers, and a chunk of an event's named audience (a forum thread's followers).

Every count is the statement's own: the rows THIS statement inserted. A retry, a re-drive or a
second worker conflicts on (event, recipient, channel) and inserts, counts and returns nothing for
rows that exist. The same SQL runs on PostgreSQL and SQLite (≥ 3.35 for ``RETURNING``).

SMS rows come from the same statements, for events that have an SMS topic (``Sms``: the topic a
person must have chosen, and whether the event's named users are reachable without it); the SMS
statement takes three more placeholders (``sms_named``, ``sms_topic``, ``sms_topic_any``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection

from hub.models import Follow, User
from notifications.models import Channel, Notification
from notifications.preferences import receives_sql, status_sql

# The placeholders every statement takes; a source adds its own.
Params = dict[str, int | bool | str | datetime]


@dataclass(frozen=True)
class Sms:
    """How an event reaches people by SMS: its topic, its kind's catch-all topic, and whether the
    users it names are reachable without either (the answer to a question asked by SMS)."""

    topic: str
    topic_any: str
    named: bool = False

    def params(self, *, named: bool) -> Params:
        return {"sms_named": named and self.named, "sms_topic": self.topic, "sms_topic_any": self.topic_any}


def _insert(channel: str, *, source: str, user: str, returning: bool = False) -> str:
    """Insert ``channel`` rows for the users of ``source`` (a FROM … WHERE … naming the user row
    ``u``, and ``user``, the SQL of their id) who receive it for ``%(commune)s``."""
    notifications = Notification._meta.db_table
    sent_at = "%(now)s" if channel == Channel.IN_APP else "NULL"
    return (
        f"INSERT INTO {notifications} "
        f"(event_id, recipient_id, channel, status, created_at, read_at, sent_at, attempts, last_error) "
        f"SELECT %(event)s, {user}, '{Channel(channel).value}', "
        f"{status_sql(channel, user=user, commune='%(commune)s')}, %(now)s, NULL, {sent_at}, 0, '' "
        f"{source} AND {receives_sql(channel, user=user, commune='%(commune)s')} "
        f"ON CONFLICT DO NOTHING" + (" RETURNING recipient_id" if returning else "")
    )


_FOLLOWERS = (
    f"FROM {Follow._meta.db_table} f JOIN {User._meta.db_table} u ON u.id = f.user_id "
    f"WHERE f.commune_id = %(commune)s AND f.user_id > %(low)s AND f.user_id <= %(high)s"
)
FOLLOWERS_SQL = {channel: _insert(channel, source=_FOLLOWERS, user="f.user_id") for channel in Channel.values}


def _audience_sql(channel: str, size: int) -> str:
    ids = ", ".join(f"%(u{i})s" for i in range(size))
    source = f"FROM {User._meta.db_table} u WHERE u.id IN ({ids})"
    # In-app returns who got a row, for their live badge; the others only count.
    return _insert(channel, source=source, user="u.id", returning=channel == Channel.IN_APP)


def fan_out_channels(*, push: bool, sms: Sms | None, sms_only: bool = False) -> list[Channel]:
    """The channels an event goes out on: SMS only for an event that asks for it (and has a topic),
    else in-app and e-mail, push when configured, SMS when the event has a topic."""
    if sms_only:
        return [Channel.SMS] if sms is not None else []
    return (
        [Channel.IN_APP, Channel.EMAIL]
        + ([Channel.PUSH] if push else [])
        + ([Channel.SMS] if sms is not None else [])
    )


def _params(base: Params, channel: str, sms: Sms | None, *, named: bool) -> Params:
    if channel != Channel.SMS or sms is None:
        return base
    return {**base, **sms.params(named=named)}


def followers_insert_batch(
    *,
    event_id: int,
    commune_id: int,
    low: int,
    high: int,
    now: datetime,
    push: bool,
    sms: Sms | None = None,
    sms_only: bool = False,
) -> dict[str, int]:
    """Insert the notifications of followers with ``low < user_id <= high``; returns the rows this
    call inserted, per channel."""
    params: Params = {"event": event_id, "commune": commune_id, "low": low, "high": high, "now": now}
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        for channel in fan_out_channels(push=push, sms=sms, sms_only=sms_only):
            cursor.execute(FOLLOWERS_SQL[channel], _params(params, channel, sms, named=False))
            counts[channel] = max(cursor.rowcount, 0)
    return counts


@dataclass
class AudienceBatch:
    """What one audience chunk inserted: rows per channel, and who got a new in-app row."""

    counts: dict[str, int] = field(default_factory=dict)
    in_app_recipients: list[int] = field(default_factory=list)


def audience_chunk_size(batch_size: int) -> int:
    """A chunk's ids are parameters: stay under the database's limit (999 on some SQLite builds)."""
    limit = connection.features.max_query_params
    return max(1, min(batch_size, limit - 10)) if limit else batch_size


def audience_insert_batch(
    *,
    event_id: int,
    commune_id: int,
    user_ids: Sequence[int],
    now: datetime,
    push: bool,
    sms: Sms | None = None,
    sms_only: bool = False,
) -> AudienceBatch:
    """Insert the notifications of the named users; returns what this call inserted."""
    params: Params = {"event": event_id, "commune": commune_id, "now": now}
    params.update({f"u{i}": user_id for i, user_id in enumerate(user_ids)})
    batch = AudienceBatch()
    with connection.cursor() as cursor:
        for channel in fan_out_channels(push=push, sms=sms, sms_only=sms_only):
            cursor.execute(_audience_sql(channel, len(user_ids)), _params(params, channel, sms, named=True))
            if channel == Channel.IN_APP:
                batch.in_app_recipients = sorted(int(recipient_id) for (recipient_id,) in cursor.fetchall())
                batch.counts[channel] = len(batch.in_app_recipients)
            else:
                batch.counts[channel] = max(cursor.rowcount, 0)
    return batch
