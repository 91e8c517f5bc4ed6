"""Checks shared by the session services: input cleaning, roles, sanctions."""

from __future__ import annotations

import urllib.parse
from typing import Any

from django.utils.translation import gettext as _

from hub.errors import NotAuthenticated, PermissionDenied
from hub.models import User
from sessions_live.errors import Banned, Invalid, Muted
from sessions_live.models import MAX_IDEMPOTENCY_KEY, LiveSession
from sessions_live.permissions import can_manage, can_moderate
from sessions_live.selectors import sanction_state

# Embeds the pages may frame (the Content Security Policy allows exactly these, hub.security).
EMBED_HOSTS = frozenset({"www.youtube-nocookie.com", "www.youtube.com", "www.facebook.com"})


def invalid(field: str, message: str) -> Invalid:
    return Invalid(message, fields={field: [message]})


def require_user(actor: Any) -> User:
    if not isinstance(actor, User) or not actor.is_active:
        raise NotAuthenticated(_("Sign in to take part."))
    return actor


def require_manager(actor: Any, session: LiveSession) -> User:
    user = require_user(actor)
    if not can_manage(user, session):
        raise PermissionDenied(code="forbidden")
    return user


def require_moderator(actor: Any, session: LiveSession) -> User:
    user = require_user(actor)
    if not can_moderate(user, session):
        raise PermissionDenied(code="forbidden")
    return user


def text_clean(value: Any, *, field: str, max_length: int, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise invalid(field, _("Send text."))
    text = value.strip()
    if required and not text:
        raise invalid(field, _("This field is required."))
    if len(text) > max_length:
        raise invalid(field, _("At most %(max)d characters.") % {"max": max_length})
    return text


def idempotency_clean(value: Any) -> str:
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or len(value) > MAX_IDEMPOTENCY_KEY:
        raise invalid(
            "idempotency_key", _("A string of at most %(max)d characters.") % {"max": MAX_IDEMPOTENCY_KEY}
        )
    return value


def url_clean(value: Any, *, field: str, embed: bool = False) -> str:
    text = text_clean(value, field=field, max_length=500, required=False)
    if not text:
        return ""
    parts = urllib.parse.urlsplit(text)
    if parts.scheme != "https" or not parts.hostname:
        raise invalid(field, _("Give an https:// address."))
    if embed and parts.hostname not in EMBED_HOSTS:
        raise invalid(field, _("Give a YouTube or Facebook embed address."))
    return text


def require_not_sanctioned(user: User, session: LiveSession, *, mute_applies: bool = True) -> None:
    muted_until, banned = sanction_state(user.pk, session)
    if banned:
        raise Banned()
    if mute_applies and muted_until is not None:
        raise Muted(until=muted_until.isoformat())
