"""The notification preference rule, defined once, as SQL that every decision runs.

Which channels a user gets for a commune's event: a preference row for that commune wins over the
all-communes row (``commune`` empty), which wins over the default (``DEFAULT``: on, immediate). Only
e-mail has a daily digest. On top of the preference, a channel needs somewhere to go: in-app for
active users, e-mail for active users with an address, push for active users with a subscription,
SMS for active users with a phone who did not say STOP and chose the event's topic (or whom the
event names for SMS: ``sms_reachable_sql``).

Why SQL and not Python: the bulk fan-out must resolve preferences inside one
``INSERT … SELECT`` per channel and batch, with no follower row travelling to Python (measured,
docs/performance.md "Fan-out"). So the SQL is the definition, and the other decisions run the same
fragments instead of re-implementing them: the fan-out to a named audience
(``notifications.fanout_sql``), the communes whose live events a socket hears
(``in_app_commune_ids``), and what the preferences page shows (``preference_choices``). A Python copy
would be a second implementation that could drift; a query per decision costs one round trip.

The fragments are built from trusted pieces only (table names, channel values, column references
chosen by the caller); values always travel as query parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from django.db import connection
from django.db.models import Exists, OuterRef, Q

from hub.models import Follow, User
from notifications.models import (
    Channel,
    NotificationPreference,
    PushSubscription,
    SmsProfile,
    SmsTopic,
    Status,
)


@dataclass(frozen=True)
class ChannelChoice:
    enabled: bool = True
    daily_digest: bool = False


# What applies without any row; the SQL below takes its defaults from here.
DEFAULT = ChannelChoice()

Column = Literal["enabled", "daily_digest"]


def _sql_bool(value: bool) -> str:
    return "TRUE" if value else "FALSE"


def _row(column: Column, *, user: str, channel: str, commune: str | None) -> str:
    scope = "p.commune_id IS NULL" if commune is None else f"p.commune_id = {commune}"
    where = f"p.user_id = {user} AND p.channel = {channel} AND {scope}"
    return f"(SELECT p.{column} FROM {NotificationPreference._meta.db_table} p WHERE {where})"  # noqa: S608


def choice_sql(column: Column, *, user: str, channel: str, commune: str) -> str:
    """The user's resolved ``enabled`` or ``daily_digest`` for one channel and commune.

    ``user``, ``channel`` and ``commune`` are SQL expressions (a column, a placeholder, a quoted
    channel value). A ``commune`` that is NULL matches no commune row: the all-communes choice.
    """
    default = _sql_bool(getattr(DEFAULT, column))
    return (
        f"COALESCE({_row(column, user=user, channel=channel, commune=commune)}, "
        f"{_row(column, user=user, channel=channel, commune=None)}, {default})"
    )


def _channel_literal(channel: str) -> str:
    return f"'{Channel(channel).value}'"


def reachable_sql(channel: str, *, user: str) -> str:
    """Whether the channel can reach the user at all; ``u`` is the user's row in the query."""
    if channel == Channel.IN_APP:
        return "u.is_active"
    if channel == Channel.EMAIL:
        return "u.is_active AND u.email IS NOT NULL AND u.email <> ''"
    if channel == Channel.PUSH:
        table = PushSubscription._meta.db_table
        return f"u.is_active AND EXISTS (SELECT 1 FROM {table} s WHERE s.user_id = {user})"  # noqa: S608
    if channel == Channel.SMS:
        return sms_reachable_sql(user=user)
    raise ValueError(f"unknown channel {channel!r}")


def sms_reachable_sql(*, user: str) -> str:
    """SMS reaches an active user with a phone number and an SMS profile that has not said STOP, for
    an event whose topic they chose (``%(sms_topic)s``, or the kind's catch-all ``%(sms_topic_any)s``),
    or one that names them and asks for SMS (``%(sms_named)s``: the answer to their own question).
    The three placeholders are the statement's parameters (``notifications.sms.topics``)."""
    profiles, topics = SmsProfile._meta.db_table, SmsTopic._meta.db_table
    return (
        f"u.is_active AND u.phone IS NOT NULL AND u.phone <> '' "  # noqa: S608
        f"AND EXISTS (SELECT 1 FROM {profiles} sp WHERE sp.user_id = {user} AND sp.opted_out_at IS NULL) "
        f"AND (%(sms_named)s OR EXISTS (SELECT 1 FROM {topics} st WHERE st.user_id = {user} "
        f"AND st.topic IN (%(sms_topic)s, %(sms_topic_any)s)))"
    )


def sms_subscriber_q(user: str = "user") -> Q:
    """The rule of ``sms_reachable_sql`` for any topic, as a filter on a model with a ``user``
    foreign key (a follow): an active user with a phone number, an SMS profile that has not said STOP
    and at least one topic chosen. Those are the people an SMS alert can reach, as counted on the
    SMS page and in the evaluation's followers."""
    return (
        Q(
            **{
                f"{user}__is_active": True,
                f"{user}__phone__isnull": False,
                f"{user}__sms_profile__isnull": False,
                f"{user}__sms_profile__opted_out_at__isnull": True,
            }
        )
        & ~Q(**{f"{user}__phone": ""})
        & Q(Exists(SmsTopic.objects.filter(user_id=OuterRef(f"{user}_id"))))
    )


def receives_sql(channel: str, *, user: str, commune: str) -> str:
    """Whether the user gets this channel for the commune's event (``u``: the user's row)."""
    enabled = choice_sql("enabled", user=user, channel=_channel_literal(channel), commune=commune)
    return f"{reachable_sql(channel, user=user)} AND {enabled}"


def status_sql(channel: str, *, user: str, commune: str) -> str:
    """The status a new notification starts in: in-app is delivered at once, e-mail may wait for
    the daily digest, push waits for its delivery task."""
    if channel == Channel.IN_APP:
        return f"'{Status.SENT.value}'"
    if channel == Channel.EMAIL:
        digest = choice_sql("daily_digest", user=user, channel=_channel_literal(channel), commune=commune)
        return f"CASE WHEN {digest} THEN '{Status.DIGEST.value}' ELSE '{Status.PENDING.value}' END"
    return f"'{Status.PENDING.value}'"


# --- Single decisions (the same fragments, for one user) -------------------------------------------


def in_app_commune_ids(*, user_id: int) -> list[int]:
    """The followed communes whose publications reach this user in the app (one query)."""
    follows, users = Follow._meta.db_table, User._meta.db_table
    receives = receives_sql(Channel.IN_APP, user="f.user_id", commune="f.commune_id")
    sql = (
        f"SELECT f.commune_id FROM {follows} f JOIN {users} u ON u.id = f.user_id "  # noqa: S608
        f"WHERE f.user_id = %(user)s AND {receives} ORDER BY f.commune_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"user": user_id})
        return [int(commune_id) for (commune_id,) in cursor.fetchall()]


def preference_choices(
    *, user_id: int, commune_ids: Sequence[int | None]
) -> dict[tuple[int | None, str], ChannelChoice]:
    """``{(commune_id, channel): choice}`` for every channel and every commune asked for; ``None``
    stands for the all-communes scope (what applies to a commune without rows of its own)."""
    if not commune_ids:
        return {}
    scopes = " UNION ALL ".join(
        f"SELECT CAST(%(c{i})s AS BIGINT) AS commune_id" for i in range(len(commune_ids))
    )
    channels = " UNION ALL ".join(f"SELECT {_channel_literal(c)} AS channel" for c in Channel.values)
    where = {"user": "%(user)s", "channel": "ch.channel", "commune": "sc.commune_id"}
    enabled_sql, digest_sql = choice_sql("enabled", **where), choice_sql("daily_digest", **where)
    sql = (
        f"SELECT sc.commune_id, ch.channel, {enabled_sql}, {digest_sql} "  # noqa: S608
        f"FROM ({scopes}) sc CROSS JOIN ({channels}) ch"
    )
    params: dict[str, int | None] = {f"c{i}": c for i, c in enumerate(commune_ids)}
    params["user"] = user_id
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {
            (None if commune_id is None else int(commune_id), str(channel)): ChannelChoice(
                bool(enabled), bool(daily_digest)
            )
            for commune_id, channel, enabled, daily_digest in cursor.fetchall()
        }
