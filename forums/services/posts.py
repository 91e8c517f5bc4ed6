"""Writes on posts: replies (with a quote), official answers, edits with history, soft deletion."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from forums import events
from forums.errors import PostNotFound
from forums.models import MAX_IDEMPOTENCY_KEY, Post, PostRevision, Thread, ThreadStatus
from forums.services.attachments import FOLDER, attachments_check, attachments_save
from forums.services.common import (
    KIND_ANSWER,
    KIND_REPLY,
    check_not_muted,
    check_writable,
    clean_body,
    lock_thread,
    next_seq,
    notify_followers,
    require_perm,
    require_user,
    send,
)
from hub.errors import Conflict, InvalidInput, PermissionDenied
from hub.services.audit import audit_record
from hub.uploads import images_stored


def _idempotency_clean(value: Any) -> str:
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or len(value.strip()) > MAX_IDEMPOTENCY_KEY:
        message = _("A string of at most %(max)d characters.") % {"max": MAX_IDEMPOTENCY_KEY}
        raise InvalidInput(fields={"idempotency_key": [message]})
    return value.strip()


def _earlier_reply(earlier: Post, thread: Thread) -> Post:
    if earlier.thread_id != thread.pk:
        message = _("This key was already used for a reply in another discussion.")
        raise Conflict(message, code="idempotency_key_reused", fields={"idempotency_key": [message]})
    return earlier


def post_create(
    *,
    actor: Any,
    thread: Thread,
    body: str,
    quote_of: int | None = None,
    official: bool = False,
    images: list[Any] | None = None,
    idempotency_key: Any = "",
) -> Post:
    """Reply in a thread. ``official=True``: commune staff answer as the town hall — the answer is
    marked, shown first, and the thread becomes "answered". Followers are notified (not the writer).

    With an ``idempotency_key`` (a reply queued offline, a retry after a lost answer), sending the
    same reply again returns the reply already made, before any other check: a thread locked
    since still shows the reply that reached it. The key used for another thread is a conflict."""
    user = require_user(actor)
    key = _idempotency_clean(idempotency_key)
    if key:
        earlier = Post.objects.filter(author=user, idempotency_key=key).first()
        if earlier is not None:
            return _earlier_reply(earlier, thread)
    require_perm(user, "forums.answer_officially" if official else "forums.participate", thread.commune)
    checked = attachments_check(user, thread.commune, images or [])
    try:
        with images_stored(checked, FOLDER) as names, transaction.atomic():
            locked = lock_thread(thread.pk)
            if locked.hidden:
                raise InvalidInput(_("This discussion is hidden."), code="thread_hidden")
            check_writable(locked)
            check_not_muted(user, locked.commune)
            text, html = clean_body(user, locked.commune, body)
            quoted = None
            if quote_of is not None:
                quoted = Post.objects.filter(
                    pk=quote_of, thread=locked, hidden=False, deleted_at__isnull=True
                ).first()
                if quoted is None:
                    raise InvalidInput(fields={"quote_of": [_("This message cannot be quoted.")]})
            now = timezone.now()
            changes: dict[str, Any] = {"post_count": F("post_count") + 1, "last_activity_at": now}
            post = Post.objects.create(
                thread=locked,
                author=user,
                body=text,
                body_html=html,
                quote_of=quoted,
                is_official=official,
                created_at=now,
                idempotency_key=key,
            )
            attachments_save(post, checked, names)
            if official:
                changes.update(official_answer=post, status=ThreadStatus.ANSWERED)
            seq = next_seq(locked.pk, **changes)
            Post.objects.filter(pk=post.pk).update(seq=seq)
            post.seq = seq
            locked.refresh_from_db()
            send(locked, seq, events.POST_CREATED, events.post_data(post))
            if official:
                audit_record(
                    actor=user,
                    action="forum.official_answer",
                    obj=post,
                    commune=locked.commune,
                    data={"thread": locked.pk},
                )
                answered_seq = next_seq(locked.pk)
                send(
                    locked,
                    answered_seq,
                    events.THREAD_ANSWERED,
                    {**events.thread_state(locked), "post": post.pk},
                )
            notify_followers(
                kind=KIND_ANSWER if official else KIND_REPLY, thread=locked, post=post, actor=user
            )
    except IntegrityError:
        # The same key sent twice at once: the other request made the reply.
        earlier = Post.objects.filter(author=user, idempotency_key=key).first() if key else None
        if earlier is None:
            raise
        return _earlier_reply(earlier, thread)
    return post


def _own_post(user: Any, post: Post) -> Post:
    if post.author_id != user.pk:
        raise PermissionDenied(_("Only its author may change this message."))
    if post.deleted_at is not None or post.hidden:
        raise PostNotFound()
    return post


def post_edit(*, actor: Any, post: Post, body: str) -> Post:
    """The author edits: the earlier text goes to the history, the post is marked "edited"."""
    user = require_user(actor)
    with transaction.atomic():
        locked = lock_thread(post.thread_id)
        current = _own_post(user, Post.objects.select_related("author").get(pk=post.pk))
        check_writable(locked)
        check_not_muted(user, locked.commune)
        text, html = clean_body(user, locked.commune, body)
        if text == current.body:
            return current
        PostRevision.objects.create(post=current, body=current.body, editor=user)
        seq = next_seq(locked.pk)
        now = timezone.now()
        Post.objects.filter(pk=current.pk).update(body=text, body_html=html, edited_at=now, seq=seq)
        current.refresh_from_db()
        send(locked, seq, events.POST_EDITED, events.post_data(current))
    return current


def post_delete(*, actor: Any, post: Post) -> Post:
    """The author deletes a reply: it stays in place, shown as removed (an opening post cannot go)."""
    user = require_user(actor)
    with transaction.atomic():
        locked = lock_thread(post.thread_id)
        current = _own_post(user, Post.objects.select_related("author").get(pk=post.pk))
        if current.is_opening:
            raise InvalidInput(_("The opening message cannot be deleted."), code="opening_post")
        changes: dict[str, Any] = {"post_count": F("post_count") - 1}
        if locked.official_answer_id == current.pk:
            changes.update(official_answer=None, status=ThreadStatus.OPEN)
        seq = next_seq(locked.pk, **changes)
        Post.objects.filter(pk=current.pk).update(deleted_at=timezone.now(), seq=seq)
        current.refresh_from_db()
        send(locked, seq, events.POST_REMOVED, events.post_data(current))
    return current
