"""Who may do what in a live session: pure predicates on (user, session), built on ``hub.permissions``.

"Staff" is ``hub.publish_in_commune`` on the session's commune, "moderator" is
``hub.moderate_commune``; staff of another commune are neither.
"""

from __future__ import annotations

from typing import Any

from sessions_live.models import EARLY_QUESTION_KINDS, LiveSession, SessionStatus


def is_signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def can_manage(user: Any, session: LiveSession) -> bool:
    return is_signed_in(user) and bool(user.has_perm("hub.publish_in_commune", session.commune))


def can_moderate(user: Any, session: LiveSession) -> bool:
    return is_signed_in(user) and bool(user.has_perm("hub.moderate_commune", session.commune))


def questions_open(session: LiveSession) -> bool:
    """Questions are collected while live, and before an accountability session or a hearing."""
    if session.status == SessionStatus.LIVE:
        return True
    return session.status == SessionStatus.SCHEDULED and session.kind in EARLY_QUESTION_KINDS


def chat_open(session: LiveSession) -> bool:
    return session.status == SessionStatus.LIVE
