"""Reads of the forums. ``access_*`` fetch AND authorise; hidden content is filtered in the query.

The public never sees a hidden thread or post (it is simply not found); moderators of the commune
see them in their queue and on the thread page.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from forums.errors import PostNotFound, ThreadNotFound
from forums.models import (
    Attachment,
    Category,
    Flag,
    Mute,
    Post,
    ProposalStatus,
    Support,
    Thread,
    ThreadFollow,
    ThreadKind,
)
from forums.permissions import MODERATE
from hub.errors import NotFound
from hub.models import Commune

SORTS = {
    # sort name -> (ordering, extra filter)
    "recent": ("-last_activity_at", Q()),
    "supported": ("-support_count", Q()),
    "unanswered": ("-last_activity_at", Q(official_answer__isnull=True)),
}

THREAD_LIST_FIELDS = (
    "id",
    "title",
    "kind",
    "status",
    "proposal_status",
    "locked",
    "hidden",
    "support_count",
    "post_count",
    "created_at",
    "last_activity_at",
    "official_answer_id",
    "event_seq",
    "commune__id",
    "commune__slug",
    "commune__name",
    "commune__is_enabled",
    "category__id",
    "category__slug",
    "category__name",
    "author__id",
    "author__display_name",
)


def is_moderator(user: Any, commune: Commune) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_perm(MODERATE, commune))


def commune_by_slug(slug: str) -> Commune:
    """The commune alone (one query), or ``NotFound``."""
    commune = Commune.objects.filter(slug=slug).first()
    if commune is None:
        raise NotFound(_("No commune has this name."), code="commune_not_found")
    return commune


def commune_id_by_slug(slug: str) -> int | None:
    """The commune's id, remembered for an hour (slugs do not change): a cached read needs no
    database connection at all."""
    key = "forum:commune-id:" + slug[:80]
    try:
        found = cache.get(key)
    except Exception:
        found = None
    if found is None:
        found = Commune.objects.filter(slug=slug).values_list("pk", flat=True).first() or 0
        try:
            cache.set(key, found, 3600)
        except Exception:  # the cache is an optimisation only
            return found or None
    return found or None


def category_list(*, commune: Commune) -> QuerySet[Category]:
    return Category.objects.filter(commune=commune).order_by("position", "name")


def category_get(*, commune: Commune, slug: str) -> Category:
    category = Category.objects.filter(commune=commune, slug=slug).first()
    if category is None:
        raise ThreadNotFound()
    return category


def thread_list(
    *,
    user: Any = None,
    commune: Commune | None = None,
    category: Category | None = None,
    kind: str = "",
    status: str = "",
    author: int | None = None,
    q: str = "",
    sort: str = "recent",
) -> QuerySet[Thread]:
    """Visible threads, ordered for ``sort``: one query whatever the page size."""
    ordering, extra = SORTS.get(sort, SORTS["recent"])
    threads = (
        Thread.objects.visible()
        .filter(extra)
        .select_related("commune", "category", "author")
        .only(*THREAD_LIST_FIELDS)
    )
    if commune is not None:
        threads = threads.filter(commune=commune)
    if category is not None:
        threads = threads.filter(category=category)
    if kind:
        threads = threads.filter(kind=kind)
    if status:
        threads = threads.filter(status=status)
    if author:
        threads = threads.filter(author_id=author)
    if q.strip():
        threads = threads.filter(title__icontains=q.strip())
    if user is not None and getattr(user, "is_authenticated", False):
        threads = threads.annotate(
            supported=Exists(Support.objects.filter(thread_id=OuterRef("pk"), user_id=user.pk))
        )
    return threads.order_by(ordering, "-id")


def access_thread(user: Any, thread_id: int) -> Thread:
    """The thread, if ``user`` may see it: hidden threads only for the commune's moderators."""
    thread = (
        Thread.objects.select_related("commune", "category", "author", "official_answer__author")
        .filter(pk=thread_id)
        .first()
    )
    if thread is None or (thread.hidden and not is_moderator(user, thread.commune)):
        raise ThreadNotFound()
    return thread


def thread_is_public(thread_id: int) -> bool:
    return Thread.objects.filter(pk=thread_id, hidden=False).exists()


def thread_viewer_state(user: Any, thread: Thread) -> dict[str, bool]:
    if not getattr(user, "is_authenticated", False):
        return {"supported": False, "following": False}
    return {
        "supported": Support.objects.filter(thread=thread, user_id=user.pk).exists(),
        "following": ThreadFollow.objects.filter(thread=thread, user_id=user.pk).exists(),
    }


def post_list(*, user: Any, thread: Thread, after_seq: int | None = None) -> QuerySet[Post]:
    """Posts of a thread in order. Hidden posts are left out for the public; with ``after_seq`` (the
    catch-up after a reconnect) every post changed since is returned, removed ones as tombstones."""
    posts = (
        Post.objects.filter(thread=thread)
        .select_related("author", "quote_of__author")
        .prefetch_related("attachments")
    )
    if after_seq is not None:
        return posts.filter(seq__gt=after_seq).order_by("seq", "id")
    if not is_moderator(user, thread.commune):
        posts = posts.filter(hidden=False)
    return posts.order_by("id")


def access_post(user: Any, post_id: int) -> Post:
    post = Post.objects.select_related("thread__commune", "author").filter(pk=post_id).first()
    if post is None:
        raise PostNotFound()
    if (post.hidden or post.thread.hidden) and not is_moderator(user, post.thread.commune):
        raise PostNotFound()
    return post


def access_attachment(user: Any, attachment_id: int) -> Attachment:
    """A photo of a post the user may read (hidden or deleted posts: not found)."""
    attachment = Attachment.objects.select_related("post").filter(pk=attachment_id).first()
    if attachment is None or attachment.post.deleted_at is not None:
        raise PostNotFound()
    access_post(user, attachment.post_id)
    return attachment


def active_mute(*, commune_id: int, user_id: int) -> Mute | None:
    return (
        Mute.objects.filter(commune_id=commune_id, user_id=user_id, until__gt=timezone.now())
        .order_by("-until")
        .first()
    )


def moderation_queue(*, commune: Commune) -> dict[str, Any]:
    """Hidden or flagged threads and posts of the commune, most flagged first."""
    threads = (
        Thread.objects.filter(commune=commune)
        .filter(Q(hidden=True) | Q(flag_count__gt=0))
        .select_related("author", "category", "commune")
        .order_by("-flag_count", "-id")[:100]
    )
    posts = (
        Post.objects.filter(thread__commune=commune)
        .filter(Q(hidden=True) | Q(flag_count__gt=0))
        .select_related("author", "thread")
        .order_by("-flag_count", "-id")[:100]
    )
    return {"threads": list(threads), "posts": list(posts)}


def open_flags(*, commune: Commune) -> QuerySet[Flag]:
    return Flag.objects.filter(thread__commune=commune, resolved_at__isnull=True)


AWAITING_PROPOSAL_STATUSES = (ProposalStatus.SUBMITTED, ProposalStatus.UNDER_STUDY)


def proposals_awaiting_status(*, commune: Commune, limit: int = 10) -> tuple[list[Thread], int]:
    """Visible proposals the commune has not decided on (submitted or under study), most supported
    first, and how many there are."""
    rows = Thread.objects.filter(
        commune=commune,
        kind=ThreadKind.PROPOSAL,
        hidden=False,
        proposal_status__in=AWAITING_PROPOSAL_STATUSES,
    )
    return list(rows.order_by("-support_count", "id")[:limit]), rows.count()


def flagged_content(*, commune: Commune, limit: int = 10) -> tuple[list[Flag], int]:
    """The commune's unresolved flags, one line per flagged thread or post (its latest flag), newest
    first, and how many threads and posts wait for a moderator."""
    open_rows = Flag.objects.filter(thread__commune=commune, resolved_at__isnull=True)
    latest_ids = (
        open_rows.values("thread_id", "post_id").annotate(last=Max("id")).values_list("last", flat=True)
    )
    flags = (
        Flag.objects.filter(id__in=list(latest_ids))
        .select_related("thread", "post")
        .order_by("-created_at", "-id")
    )
    return list(flags[:limit]), open_rows.values("thread_id", "post_id").distinct().count()
