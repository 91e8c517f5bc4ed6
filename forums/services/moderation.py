"""Moderation: flags (automatic hiding after N distinct flags), hide/restore, mutes. Every action of
a moderator goes to the audit log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from forums import events
from forums.errors import FlagOwnContent
from forums.models import Flag, FlagReason, Mute, Post, Thread, ThreadStatus
from forums.permissions import MODERATE
from forums.services.common import (
    check_not_muted,
    is_new_account,
    lock_thread,
    next_seq,
    require_perm,
    require_user,
    send,
    setting,
)
from hub.errors import Conflict, InvalidInput
from hub.models import Commune, User
from hub.services.audit import audit_record

MAX_MUTE_DAYS = 365


def flag_create(*, actor: Any, thread: Thread, reason: str, post: Post | None = None) -> Flag:
    """Flag a thread or one of its posts. After ``FORUM_FLAGS_TO_HIDE`` distinct flags the content
    is hidden pending review."""
    user = require_user(actor)
    require_perm(user, "forums.participate", thread.commune)
    if reason not in FlagReason.values:
        raise InvalidInput(fields={"reason": [_("Choose a reason.")]})
    target_author = post.author_id if post is not None else thread.author_id
    if target_author == user.pk:
        raise FlagOwnContent()
    check_not_muted(user, thread.commune)
    threshold = setting("FORUM_FLAGS_TO_HIDE")
    # A new account's flag reaches the moderators' queue but does not count towards hiding the
    # content automatically: otherwise a few throwaway accounts could silence anyone.
    counts = not is_new_account(user)
    with transaction.atomic():
        locked = lock_thread(thread.pk)
        try:
            with transaction.atomic():
                flag = Flag.objects.create(thread=locked, post=post, user=user, reason=reason)
        except IntegrityError as exc:
            raise Conflict(_("You have already flagged this."), code="already_flagged") from exc
        if counts and post is not None:
            Post.objects.filter(pk=post.pk).update(flag_count=F("flag_count") + 1)
            count = Post.objects.filter(pk=post.pk).values_list("flag_count", flat=True)[0]
            if count >= threshold and not post.hidden:
                _hide_post(locked, post.pk, _("Hidden automatically after several flags."), None)
        elif counts:
            Thread.objects.filter(pk=locked.pk).update(flag_count=F("flag_count") + 1)
            if locked.flag_count + 1 >= threshold and not locked.hidden:
                _hide_thread(locked, _("Hidden automatically after several flags."), None)
    return flag


def _hide_post(thread: Thread, post_id: int, reason: str, actor: User | None) -> Post:
    post = Post.objects.select_related("author").get(pk=post_id)
    changes: dict[str, Any] = {}
    if not post.deleted_at:
        changes["post_count"] = F("post_count") - 1
    if thread.official_answer_id == post.pk:
        changes.update(official_answer=None, status=ThreadStatus.OPEN)
    seq = next_seq(thread.pk, **changes)
    Post.objects.filter(pk=post.pk).update(hidden=True, hidden_reason=reason[:240], seq=seq)
    post.refresh_from_db()
    audit_record(
        actor=actor, action="forum.post_hidden", obj=post, commune=thread.commune, data={"reason": reason}
    )
    send(thread, seq, events.POST_REMOVED, events.post_data(post))
    return post


def _hide_thread(thread: Thread, reason: str, actor: User | None) -> None:
    seq = next_seq(thread.pk, hidden=True, hidden_reason=reason[:240])
    audit_record(
        actor=actor, action="forum.thread_hidden", obj=thread, commune=thread.commune, data={"reason": reason}
    )
    send(thread, seq, events.THREAD_REMOVED, {"id": thread.pk})


def content_hide(*, actor: Any, thread: Thread, reason: str, post: Post | None = None) -> None:
    """A moderator of the commune hides a thread or a post: gone from every public list, live."""
    user = require_user(actor)
    require_perm(user, MODERATE, thread.commune)
    reason = (reason or "").strip() or _("Hidden by a moderator.")
    with transaction.atomic():
        locked = lock_thread(thread.pk)
        if post is not None:
            if not Post.objects.filter(pk=post.pk, hidden=True).exists():
                _hide_post(locked, post.pk, reason, user)
        elif not locked.hidden:
            _hide_thread(locked, reason, user)


def content_restore(*, actor: Any, thread: Thread, post: Post | None = None) -> None:
    """A moderator restores hidden content; its open flags are resolved."""
    user = require_user(actor)
    require_perm(user, MODERATE, thread.commune)
    now = timezone.now()
    with transaction.atomic():
        locked = lock_thread(thread.pk)
        if post is not None:
            current = Post.objects.select_related("author").get(pk=post.pk)
            Flag.objects.filter(post=current, resolved_at__isnull=True).update(resolved_at=now)
            if current.hidden:
                changes: dict[str, Any] = {} if current.deleted_at else {"post_count": F("post_count") + 1}
                seq = next_seq(locked.pk, **changes)
                Post.objects.filter(pk=current.pk).update(
                    hidden=False, hidden_reason="", flag_count=0, seq=seq
                )
                current.refresh_from_db()
                send(locked, seq, events.POST_EDITED, events.post_data(current))
            obj: Any = current
        else:
            Flag.objects.filter(thread=locked, post__isnull=True, resolved_at__isnull=True).update(
                resolved_at=now
            )
            seq = next_seq(locked.pk, hidden=False, hidden_reason="", flag_count=0)
            obj = locked
        audit_record(
            actor=user,
            action="forum.post_restored" if post is not None else "forum.thread_restored",
            obj=obj,
            commune=locked.commune,
        )


def user_mute(*, actor: Any, commune: Commune, user: User, days: int, reason: str) -> Mute:
    """A moderator mutes a user in the commune's forum for ``days`` days."""
    moderator = require_user(actor)
    require_perm(moderator, MODERATE, commune)
    if not isinstance(days, int) or not 1 <= days <= MAX_MUTE_DAYS:
        raise InvalidInput(fields={"days": [_("From 1 to 365 days.")]})
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={"reason": [_("Say why.")]})
    if user.pk == moderator.pk:
        raise InvalidInput(_("You cannot mute yourself."), code="mute_self")
    until: datetime = timezone.now() + timedelta(days=days)
    with transaction.atomic():
        mute = Mute.objects.create(commune=commune, user=user, until=until, reason=reason[:240], by=moderator)
        audit_record(
            actor=moderator,
            action="forum.user_muted",
            obj=mute,
            commune=commune,
            data={"user": user.pk, "until": until.isoformat(), "reason": reason[:240]},
        )
    return mute
