"""Checks and helpers shared by the forum services: permissions, mutes, new-account limits, the
per-thread event sequence, follower notifications."""

from __future__ import annotations

import unicodedata
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from forums import cache as forum_cache
from forums import markdown
from forums.errors import NewAccountLimited, ThreadClosed, ThreadLocked, UserMuted
from forums.events import thread_event_on_commit
from forums.models import Post, Support, Thread, ThreadFollow, ThreadStatus
from forums.selectors import active_mute
from hub.errors import InvalidInput, NotAuthenticated, PermissionDenied
from hub.models import Commune, User
from hub.services.outbox import outbox_record

BODY_MAX_CHARS = 20_000
TITLE_MIN_CHARS = 5

# Notification kinds (the notifications app words them; see notifications.wording).
KIND_REPLY = "forum.reply"
KIND_ANSWER = "forum.answer"
KIND_PROPOSAL_STATUS = "forum.proposal_status"


def setting(name: str) -> int:
    """An integer setting declared in ``hub/settings.py``, read when it is used."""
    return int(getattr(settings, name))


def require_user(actor: Any) -> User:
    if not isinstance(actor, User) or not actor.is_active:
        raise NotAuthenticated()
    return actor


def require_perm(actor: User, perm: str, commune: Commune) -> None:
    if not actor.has_perm(perm, commune):
        raise PermissionDenied()


def check_not_muted(actor: User, commune: Commune) -> None:
    mute = active_mute(commune_id=commune.pk, user_id=actor.pk)
    if mute is not None:
        until = timezone.localtime(mute.until)
        raise UserMuted(
            _("You are muted in this commune's forum until %(until)s.")
            % {"until": until.strftime("%d/%m/%Y %H:%M")},
            until=mute.until.isoformat(),
        )


def is_new_account(actor: User) -> bool:
    days = setting("FORUM_NEW_ACCOUNT_DAYS")
    posts = setting("FORUM_NEW_ACCOUNT_POSTS")
    if actor.date_joined <= timezone.now() - timedelta(days=days):
        return False
    return Post.objects.filter(author=actor, deleted_at__isnull=True)[:posts].count() < posts


def visible_length(text: str) -> int:
    """Characters a reader sees: invisible ones (zero-width spaces, joiners, controls) and spaces do
    not make a title or a message."""
    return sum(1 for char in text if unicodedata.category(char) not in {"Cf", "Cc", "Zs", "Zl", "Zp"})


def clean_body(actor: User, commune: Commune, body: Any) -> tuple[str, str]:
    """The Markdown source, checked, and its safe HTML."""
    text = (body or "").strip() if isinstance(body, str) else ""
    if not visible_length(text):
        raise InvalidInput(fields={"body": [_("Write a message.")]})
    if len(text) > BODY_MAX_CHARS:
        raise InvalidInput(
            fields={"body": [_("A message is limited to %(max)s characters.") % {"max": BODY_MAX_CHARS}]}
        )
    if (
        markdown.has_link(text)
        and is_new_account(actor)
        and not actor.has_perm("hub.view_staff_area", commune)
    ):
        raise NewAccountLimited()
    html = markdown.render(text)
    if not html:
        raise InvalidInput(fields={"body": [_("Write a message.")]})
    return text, html


def check_writable(thread: Thread) -> None:
    """Replies (and new supports) need a thread that is neither locked nor closed or archived."""
    if thread.locked:
        raise ThreadLocked()
    if thread.status in (ThreadStatus.CLOSED, ThreadStatus.ARCHIVED):
        raise ThreadClosed()


def next_seq(thread_id: int, **changes: Any) -> int:
    """Take the thread's next event number (the row is locked by the caller) and apply ``changes``.
    Every write that others can see goes through here, so it also invalidates the cached reads."""
    Thread.objects.filter(pk=thread_id).update(event_seq=F("event_seq") + 1, **changes)
    seq, commune_id = Thread.objects.filter(pk=thread_id).values_list("event_seq", "commune_id")[0]
    forum_cache.invalidate(commune_id=commune_id, thread_id=thread_id)
    return int(seq)


def lock_thread(thread_id: int) -> Thread:
    """Lock the thread row for this transaction: writes to one thread run one at a time."""
    return Thread.objects.select_related("commune").select_for_update(of=("self",)).get(pk=thread_id)


def thread_path(thread_id: int) -> str:
    return reverse("frontend:forum-thread", kwargs={"pk": thread_id})


def follow(user_id: int, thread_id: int) -> None:
    ThreadFollow.objects.bulk_create(
        [ThreadFollow(user_id=user_id, thread_id=thread_id)], ignore_conflicts=True
    )


def notify_followers(*, kind: str, thread: Thread, post: Post, actor: User) -> None:
    """One outbox event whose audience is the thread's followers except the writer."""
    followers = list(
        ThreadFollow.objects.filter(thread_id=thread.pk)
        .exclude(user_id=actor.pk)
        .values_list("user_id", flat=True)
    )
    if not followers:
        return
    outbox_record(
        kind=kind,
        commune=thread.commune,
        obj=post,
        payload={
            "title": thread.title,
            "path": f"{thread_path(thread.pk)}#message-{post.pk}",
            "thread_id": thread.pk,
            "post_id": post.pk,
            "author": actor.display_name,
            "audience": {"user_ids": followers},
        },
        dedup_key=f"{kind}.{post.pk}",
    )


def notify_supporters(*, thread: Thread, actor: User, seq: int) -> None:
    """One outbox event when a proposal's status changes: its author and supporters, except the
    writer (the thread's event number makes each change its own event)."""
    supporters = Support.objects.filter(thread_id=thread.pk).values_list("user_id", flat=True)
    audience = sorted({thread.author_id, *supporters} - {actor.pk})
    if not audience:
        return
    outbox_record(
        kind=KIND_PROPOSAL_STATUS,
        commune=thread.commune,
        obj=thread,
        payload={
            "title": thread.title,
            "path": thread_path(thread.pk),
            "thread_id": thread.pk,
            "proposal_status": thread.proposal_status,
            "reason": thread.status_reason,
            "author": actor.display_name,
            "audience": {"user_ids": audience},
        },
        dedup_key=f"{KIND_PROPOSAL_STATUS}.{thread.pk}.{seq}",
    )


def send(thread: Thread, seq: int, event: str, data: dict[str, Any]) -> None:
    thread_event_on_commit(thread.pk, seq, event, data)
