"""Chat writes: send (length, rate limit, slow mode, sanctions, idempotency), remove, flag.

The per-user rate limit and slow mode are counters in the cache (Redis with several processes);
a refused message is not stored. A rate-limit hit is shown live on the moderators' console.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.errors import Conflict
from hub.models import User
from hub.services.audit import audit_record
from sessions_live import events
from sessions_live.errors import ChatThrottled, SessionNotLive, SlowMode
from sessions_live.events import chat_message_data, rate_limit_hit_data
from sessions_live.models import MAX_CHAT_CHARS, ChatFlag, ChatMessage, LiveSession
from sessions_live.permissions import can_moderate, chat_open
from sessions_live.selectors import RECENT_HITS_KEPT, recent_hits_key, recent_rate_limit_hits
from sessions_live.services.common import (
    idempotency_clean,
    invalid,
    require_moderator,
    require_not_sanctioned,
    require_user,
    text_clean,
)

logger = logging.getLogger(__name__)


def rate_limit() -> tuple[int, int]:
    """(messages, seconds): settings ``SESSIONS_CHAT_RATE_LIMIT`` / ``SESSIONS_CHAT_RATE_WINDOW``."""
    return settings.SESSIONS_CHAT_RATE_LIMIT, settings.SESSIONS_CHAT_RATE_WINDOW


def _rate_limit_hit(session: LiveSession, user: User, retry_after: int) -> None:
    hit = rate_limit_hit_data(user, retry_after)
    key = recent_hits_key(session.pk)
    try:
        cache.set(key, [hit, *recent_rate_limit_hits(session.pk)][:RECENT_HITS_KEPT], 24 * 3600)
    except Exception:
        logger.warning("could not keep the rate-limit hit", exc_info=True)
    # Outside any transaction here: broadcast_on_commit sends at once.
    events.moderation_send(session.pk, events.MOD_RATELIMIT_HIT, hit)


def _rate_limit_check(session: LiveSession, user: User) -> None:
    """At most ``SESSIONS_CHAT_RATE_LIMIT`` messages per ``SESSIONS_CHAT_RATE_WINDOW`` seconds per
    user (fixed window)."""
    limit, seconds = rate_limit()
    now = time.time()
    window = int(now // seconds)
    key = f"sessions:chat-rate:{user.pk}:{window}"
    cache.add(key, 0, seconds * 2)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, seconds * 2)
        count = 1
    if count > limit:
        retry_after = max(1, math.ceil((window + 1) * seconds - now))
        _rate_limit_hit(session, user, retry_after)
        raise ChatThrottled(retry_after=retry_after)


def _slow_mode_check(session: LiveSession, user: User) -> None:
    seconds = session.slow_mode_seconds
    if not seconds or can_moderate(user, session):
        return
    key = f"sessions:slow:{session.pk}:{user.pk}"
    now = time.time()
    if not cache.add(key, now, seconds):
        last = cache.get(key) or now
        raise SlowMode(retry_after=max(1, math.ceil(seconds - (now - float(last)))))


def chat_send(
    *, actor: Any, session: LiveSession, text: Any, idempotency_key: Any = ""
) -> tuple[ChatMessage, bool]:
    """Post a message. Returns ``(message, created)``: a resend with the same key returns the first."""
    user = require_user(actor)
    key = idempotency_clean(idempotency_key)
    if key:
        earlier = (
            ChatMessage.objects.select_related("author").filter(author=user, idempotency_key=key).first()
        )
        if earlier is not None:
            return earlier, False
    if not chat_open(session):
        raise SessionNotLive(_("The chat is open only while the session is live."))
    require_not_sanctioned(user, session)
    clean = text_clean(text, field="text", max_length=MAX_CHAT_CHARS)
    try:
        _rate_limit_check(session, user)
        _slow_mode_check(session, user)
    except (ChatThrottled, SlowMode):
        raise
    except Exception:  # the cache (Redis) is down: let the message through rather than lose it
        logger.warning("chat rate limit unavailable; message accepted", exc_info=True)
    try:
        with transaction.atomic():
            message = ChatMessage.objects.create(
                session=session, author=user, text=clean, idempotency_key=key
            )
            events.event_append(session.pk, events.CHAT_MESSAGE, chat_message_data(message))
    except IntegrityError:  # the same key sent twice at once: the first one won
        earlier = (
            ChatMessage.objects.select_related("author").filter(author=user, idempotency_key=key).first()
        )
        if earlier is None:
            raise
        return earlier, False
    return message, True


def chat_remove(*, actor: Any, message: ChatMessage) -> ChatMessage:
    """A moderator removes a message: gone for everyone at once (``chat.removed``)."""
    session = message.session
    user = require_moderator(actor, session)
    with transaction.atomic():
        locked = ChatMessage.objects.select_for_update().get(pk=message.pk)
        if locked.removed_at is not None:
            return locked
        locked.removed_at, locked.removed_by = timezone.now(), user
        locked.save(update_fields=["removed_at", "removed_by"])
        events.event_append(session.pk, events.CHAT_REMOVED, {"id": locked.pk})
        audit_record(
            actor=user,
            action="session.chat_remove",
            obj=locked,
            commune=session.commune,
            data={"author": locked.author_id, "text": locked.text},
        )
    return locked


def chat_flag(*, actor: Any, message: ChatMessage, reason: Any = "") -> ChatFlag:
    """A signed-in user reports a message to the moderators (once per user and message)."""
    user = require_user(actor)
    if message.removed_at is not None:
        raise Conflict(_("This message has already been removed."))
    if message.author_id == user.pk:
        raise invalid("message", _("You cannot report your own message."))
    clean = text_clean(reason, field="reason", max_length=200, required=False)
    try:
        with transaction.atomic():
            flag = ChatFlag.objects.create(message=message, user=user, reason=clean)
            events.moderation_send(
                message.session_id,
                events.MOD_CHAT_FLAGGED,
                {
                    "message": chat_message_data(message),
                    "reason": clean,
                    "flags": ChatFlag.objects.filter(message=message).count(),
                },
            )
    except IntegrityError:
        return ChatFlag.objects.get(message=message, user=user)
    return flag
