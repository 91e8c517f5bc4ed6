"""The fan-out inserts, as ``INSERT … SELECT … ON CONFLICT DO NOTHING`` over a range of followers.

One statement per channel per batch moves the rows inside the database: no follower row travels to
Python and back. Preferences are resolved in the same statement: a row for the commune wins over
the all-communes row, which wins over the default (on, immediate). The same SQL runs on PostgreSQL
and SQLite (≥ 3.24).
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection

from hub.models import Follow, User
from notifications.models import Notification, NotificationPreference, PushSubscription


def _pref(column: str, channel: str, default: str) -> str:
    prefs = NotificationPreference._meta.db_table
    return (
        f"COALESCE("
        f"(SELECT p.{column} FROM {prefs} p WHERE p.user_id = f.user_id AND p.channel = '{channel}'"
        f" AND p.commune_id = %(commune)s),"
        f"(SELECT p.{column} FROM {prefs} p WHERE p.user_id = f.user_id AND p.channel = '{channel}'"
        f" AND p.commune_id IS NULL),"
        f"{default})"
    )


def _insert(channel: str, status_sql: str, sent_at: bool, extra_where: str) -> str:
    notifications, follows, users = Notification._meta.db_table, Follow._meta.db_table, User._meta.db_table
    return (
        f"INSERT INTO {notifications} "
        f"(event_id, recipient_id, channel, status, created_at, read_at, sent_at, attempts, last_error) "
        f"SELECT %(event)s, f.user_id, '{channel}', {status_sql}, %(now)s, NULL, "
        f"{'%(now)s' if sent_at else 'NULL'}, 0, '' "
        f"FROM {follows} f JOIN {users} u ON u.id = f.user_id "
        f"WHERE f.commune_id = %(commune)s AND f.user_id > %(low)s AND f.user_id <= %(high)s AND u.is_active "
        f"AND {_pref('enabled', channel, 'TRUE')} {extra_where} "
        f"ON CONFLICT DO NOTHING"
    )


IN_APP_SQL = _insert("in_app", "'sent'", True, "")
EMAIL_SQL = _insert(
    "email",
    f"CASE WHEN {_pref('daily_digest', 'email', 'FALSE')} THEN 'digest' ELSE 'pending' END",
    False,
    "AND u.email IS NOT NULL",
)
PUSH_SQL = _insert(
    "push",
    "'pending'",
    False,
    f"AND EXISTS (SELECT 1 FROM {PushSubscription._meta.db_table} s WHERE s.user_id = f.user_id)",
)


def insert_batch(
    *, event_id: int, commune_id: int, low: int, high: int, now: datetime, push: bool
) -> dict[str, int]:
    """Insert the notifications of followers with ``low < user_id <= high``; returns rows per channel."""
    params: dict[str, int | datetime] = {
        "event": event_id,
        "commune": commune_id,
        "low": low,
        "high": high,
        "now": now,
    }
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        statements = [("in_app", IN_APP_SQL), ("email", EMAIL_SQL)] + ([("push", PUSH_SQL)] if push else [])
        for channel, sql in statements:
            cursor.execute(sql, params)
            counts[channel] = max(cursor.rowcount, 0)
    return counts
