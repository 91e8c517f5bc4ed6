"""Writes on threads: categories, opening a thread, statuses, supports, follows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forums import cache as forum_cache
from forums import events
from forums.models import (
    Category,
    Post,
    ProposalStatus,
    Support,
    Thread,
    ThreadFollow,
    ThreadKind,
    ThreadStatus,
)
from forums.services.attachments import FOLDER, attachments_check, attachments_save
from forums.services.common import (
    TITLE_MIN_CHARS,
    check_not_muted,
    check_writable,
    clean_body,
    follow,
    lock_thread,
    next_seq,
    notify_supporters,
    require_perm,
    require_user,
    send,
    visible_length,
)
from hub import versions
from hub.errors import InvalidInput
from hub.models import Commune, User
from hub.services.audit import audit_record
from hub.uploads import images_stored

DEFAULT_CATEGORIES = [
    ("assainissement", gettext_noop("Sanitation")),
    ("voirie", gettext_noop("Roads")),
    ("marches", gettext_noop("Markets")),
    ("eau", gettext_noop("Water")),
    ("ecoles", gettext_noop("Schools")),
    ("budget", gettext_noop("Budget")),
    ("securite", gettext_noop("Security")),
    ("divers", gettext_noop("Other")),
]


def categories_seed(*, commune: Commune) -> int:
    """Give a commune the default categories it lacks (idempotent). Returns how many were added."""
    existing = set(Category.objects.filter(commune=commune).values_list("slug", flat=True))
    rows = [
        Category(commune=commune, slug=slug, name=_(name), position=position)
        for position, (slug, name) in enumerate(DEFAULT_CATEGORIES)
        if slug not in existing
    ]
    Category.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        versions.changed(commune_id=commune.pk)  # bulk_create sends no signal
    return len(rows)


def category_save(
    *, actor: Any, commune: Commune, name: str, description: str = "", position: int = 0, slug: str = ""
) -> Category:
    """Create or rename a category (commune staff)."""
    user = require_user(actor)
    require_perm(user, "forums.edit_categories", commune)
    slug = slugify(slug or name)[:60]
    if not slug or not name.strip():
        raise InvalidInput(fields={"name": [_("Give the category a name.")]})
    with transaction.atomic():
        category, created = Category.objects.update_or_create(
            commune=commune,
            slug=slug,
            defaults={"name": name.strip()[:80], "description": description[:240], "position": position},
        )
        forum_cache.invalidate(commune_id=commune.pk)
        audit_record(
            actor=user,
            action="forum.category_created" if created else "forum.category_updated",
            obj=category,
            commune=commune,
            data={"name": category.name, "position": position},
        )
    return category


def thread_create(
    *,
    actor: Any,
    commune: Commune,
    category: Category,
    title: str,
    body: str,
    kind: str,
    images: list[Any] | None = None,
) -> Thread:
    """Open a thread: the thread and its opening post; the author follows it."""
    user = require_user(actor)
    require_perm(user, "forums.participate", commune)
    if not commune.is_enabled:
        raise InvalidInput(_("This commune's forum is not open yet."), code="forum_closed")
    if category.commune_id != commune.pk:
        raise InvalidInput(fields={"category": [_("This category belongs to another commune.")]})
    title = (title or "").strip()
    if visible_length(title) < TITLE_MIN_CHARS or len(title) > 160:
        raise InvalidInput(fields={"title": [_("A title has 5 to 160 characters.")]})
    if kind not in ThreadKind.values:
        raise InvalidInput(fields={"kind": [_("Unknown kind.")]})
    check_not_muted(user, commune)
    text, html = clean_body(user, commune, body)
    checked = attachments_check(user, commune, images or [])
    now = timezone.now()
    with images_stored(checked, FOLDER) as names, transaction.atomic():
        thread = Thread.objects.create(
            commune=commune,
            category=category,
            author=user,
            title=title,
            kind=kind,
            proposal_status=ProposalStatus.SUBMITTED if kind == ThreadKind.PROPOSAL else "",
            post_count=1,
            event_seq=1,
            created_at=now,
            last_activity_at=now,
        )
        opening = Post.objects.create(
            thread=thread, author=user, body=text, body_html=html, is_opening=True, created_at=now, seq=1
        )
        attachments_save(opening, checked, names)
        follow(user.pk, thread.pk)
        forum_cache.invalidate(commune_id=commune.pk, thread_id=thread.pk)
    return thread


def _staff_change(
    thread_id: int,
    actor: Any,
    perm: str,
    action: str,
    changes: dict[str, Any],
    event: str,
    on_change: Callable[[Thread, User, dict[str, Any], int], None] | None = None,
) -> Thread:
    """``on_change(thread, user, before, seq)`` runs in the write's transaction (notifications)."""
    user = require_user(actor)
    with transaction.atomic():
        thread = lock_thread(thread_id)
        require_perm(user, perm, thread.commune)
        before = {key: getattr(thread, key) for key in changes}
        seq = next_seq(thread.pk, **changes)
        thread.refresh_from_db()
        audit_record(
            actor=user,
            action=action,
            obj=thread,
            commune=thread.commune,
            data={"before": before, "after": changes},
        )
        send(thread, seq, event, events.thread_state(thread))
        if on_change is not None:
            on_change(thread, user, before, seq)
    return thread


def _proposal_status_notify(thread: Thread, user: User, before: dict[str, Any], seq: int) -> None:
    if before.get("proposal_status") != thread.proposal_status:
        notify_supporters(thread=thread, actor=user, seq=seq)


def thread_status_set(*, actor: Any, thread: Thread, status: str, reason: str = "") -> Thread:
    """Commune staff set the status: open, answered, closed, archived."""
    if status not in ThreadStatus.values:
        raise InvalidInput(fields={"status": [_("Unknown status.")]})
    return _staff_change(
        thread.pk,
        actor,
        "forums.set_status",
        "forum.thread_status",
        # A proposal's stated reason (a rejection's) stays unless a new reason is given.
        {"status": status, **({"status_reason": reason.strip()[:500]} if (reason or "").strip() else {})},
        events.THREAD_STATUS,
    )


def proposal_status_set(*, actor: Any, thread: Thread, proposal_status: str, reason: str = "") -> Thread:
    """Commune staff move a proposal along; a rejection states its reason. Its author and supporters
    are notified when the status changes."""
    if not thread.is_proposal:
        raise InvalidInput(_("Only a proposal has a proposal status."), code="not_a_proposal")
    if proposal_status not in ProposalStatus.values:
        raise InvalidInput(fields={"proposal_status": [_("Unknown status.")]})
    reason = (reason or "").strip()[:500]
    if proposal_status == ProposalStatus.REJECTED and not reason:
        raise InvalidInput(fields={"reason": [_("Say why the proposal is rejected.")]})
    return _staff_change(
        thread.pk,
        actor,
        "forums.set_status",
        "forum.proposal_status",
        {"proposal_status": proposal_status, "status_reason": reason},
        events.THREAD_STATUS,
        on_change=_proposal_status_notify,
    )


def thread_lock_set(*, actor: Any, thread: Thread, locked: bool) -> Thread:
    """Moderators lock (no new replies) or unlock a thread."""
    return _staff_change(
        thread.pk,
        actor,
        "hub.moderate_commune",
        "forum.thread_locked" if locked else "forum.thread_unlocked",
        {"locked": bool(locked)},
        events.THREAD_STATUS,
    )


def support_set(*, actor: Any, thread: Thread, supported: bool) -> Thread:
    """Support (or withdraw support from) a thread: idempotent, one support per user whatever the
    concurrency (the thread row lock serialises, the unique constraint guarantees)."""
    user = require_user(actor)
    require_perm(user, "forums.participate", thread.commune)
    with transaction.atomic():
        locked = lock_thread(thread.pk)
        if locked.hidden:
            raise InvalidInput(_("This discussion is hidden."), code="thread_hidden")
        if supported:
            check_writable(locked)
            check_not_muted(user, locked.commune)
            try:
                with transaction.atomic():
                    _support, changed = Support.objects.get_or_create(thread=locked, user=user)
            except IntegrityError:
                changed = False
            if changed:
                follow(user.pk, locked.pk)
        else:
            deleted, _details = Support.objects.filter(thread=locked, user=user).delete()
            changed = deleted > 0
        if changed:
            delta = 1 if supported else -1
            seq = next_seq(locked.pk, support_count=F("support_count") + delta)
            locked.refresh_from_db()
            send(locked, seq, events.THREAD_SUPPORT, {"id": locked.pk, "support_count": locked.support_count})
    return locked


def follow_set(*, actor: Any, thread: Thread, following: bool) -> bool:
    user = require_user(actor)
    if following:
        follow(user.pk, thread.pk)
    else:
        ThreadFollow.objects.filter(thread=thread, user=user).delete()
    return following
