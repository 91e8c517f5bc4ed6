"""Forums: categories, threads (questions, concerns, proposals), posts and their history, supports,
flags, mutes and thread follows.

Counters (``support_count``, ``post_count``, ``flag_count``, ``event_seq``) are denormalised and only
ever changed with ``F()`` inside the transaction of the write that changes them (``forums.services``).
Each public list ordering has a partial index scoped by commune over visible threads.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hub.models import Commune

# A client-chosen key, as long as the live sessions' and consultations' (a UUID fits).
MAX_IDEMPOTENCY_KEY = 64


class Category(models.Model):
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="forum_categories")
    slug = models.SlugField(_("slug"), max_length=60)
    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=240, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["commune", "position", "name"]
        verbose_name = _("forum category")
        verbose_name_plural = _("forum categories")
        constraints = [
            models.UniqueConstraint(fields=["commune", "slug"], name="forum_category_slug_per_commune")
        ]

    def __str__(self) -> str:
        return self.name


class ThreadKind(models.TextChoices):
    QUESTION = "question", _("Question")
    CONCERN = "concern", _("Concern")
    PROPOSAL = "proposal", _("Proposal")


class ThreadStatus(models.TextChoices):
    # With a context: "Open" and "Closed" are masculine elsewhere (sessions, polls); a thread is a
    # "discussion".
    OPEN = "open", pgettext_lazy("thread status", "Open")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", pgettext_lazy("thread status", "Closed")
    ARCHIVED = "archived", _("Archived")


class ProposalStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    UNDER_STUDY = "under_study", _("Under study")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    CARRIED_OUT = "carried_out", _("Carried out")


class FlagReason(models.TextChoices):
    SPAM = "spam", _("Spam")
    ABUSIVE = "abusive", _("Abusive")
    OFF_TOPIC = "off_topic", _("Off topic")
    PERSONAL_DATA = "personal_data", _("Personal data")


class ThreadQuerySet(models.QuerySet["Thread"]):
    def visible(self) -> ThreadQuerySet:
        return self.filter(hidden=False)


class Thread(models.Model):
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="forum_threads")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="threads")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=160)
    kind = models.CharField(_("kind"), max_length=10, choices=ThreadKind.choices, default=ThreadKind.QUESTION)
    status = models.CharField(
        _("status"), max_length=10, choices=ThreadStatus.choices, default=ThreadStatus.OPEN
    )
    proposal_status = models.CharField(
        _("proposal status"), max_length=12, choices=ProposalStatus.choices, blank=True
    )
    status_reason = models.CharField(_("reason"), max_length=500, blank=True)
    locked = models.BooleanField(_("locked"), default=False)
    hidden = models.BooleanField(_("hidden"), default=False)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=240, blank=True)
    official_answer = models.ForeignKey(
        "Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    support_count = models.PositiveIntegerField(default=0)
    post_count = models.PositiveIntegerField(default=0)
    flag_count = models.PositiveIntegerField(default=0)
    # Incremented in every write that sends a live event: the page orders events and catches up by it.
    event_seq = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        indexes = [
            models.Index(
                fields=["commune", "-last_activity_at", "-id"],
                name="forum_thread_recent_idx",
                condition=Q(hidden=False),
            ),
            models.Index(
                fields=["commune", "-support_count", "-id"],
                name="forum_thread_supported_idx",
                condition=Q(hidden=False),
            ),
            models.Index(
                fields=["commune", "-last_activity_at", "-id"],
                name="forum_thread_unanswered_idx",
                condition=Q(hidden=False, official_answer__isnull=True),
            ),
            models.Index(
                fields=["category", "-last_activity_at", "-id"],
                name="forum_thread_category_idx",
                condition=Q(hidden=False),
            ),
            models.Index(
                fields=["commune", "-flag_count"],
                name="forum_thread_queue_idx",
                condition=Q(hidden=True) | Q(flag_count__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_proposal(self) -> bool:
        return self.kind == ThreadKind.PROPOSAL

    @property
    def is_answered(self) -> bool:
        return self.official_answer_id is not None


class PostQuerySet(models.QuerySet["Post"]):
    def visible(self) -> PostQuerySet:
        return self.filter(hidden=False)


class Post(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("text"))
    body_html = models.TextField()
    quote_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    is_opening = models.BooleanField(default=False)
    is_official = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=240, blank=True)
    flag_count = models.PositiveIntegerField(default=0)
    # The thread's event_seq at this post's last change (creation, edit, removal): catch-up key.
    seq = models.PositiveBigIntegerField(default=0)
    # Chosen by the client: a reply sent again (a lost answer, an offline queue) is made once.
    idempotency_key = models.CharField(max_length=MAX_IDEMPOTENCY_KEY, blank=True, default="")

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        indexes = [
            models.Index(fields=["thread", "id"], name="forum_post_thread_idx"),
            models.Index(fields=["thread", "seq"], name="forum_post_seq_idx"),
            models.Index(fields=["author", "-id"], name="forum_post_author_idx"),
            models.Index(
                fields=["thread", "-flag_count"],
                name="forum_post_queue_idx",
                condition=Q(hidden=True) | Q(flag_count__gt=0),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="forum_post_idempotency_once",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} in {self.thread_id}"

    @property
    def is_removed(self) -> bool:
        return self.deleted_at is not None or self.hidden


class PostRevision(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["post", "-id"]
        verbose_name = _("post revision")
        verbose_name_plural = _("post revisions")

    def __str__(self) -> str:
        return f"revision of {self.post_id}"


class Support(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [models.UniqueConstraint(fields=["user", "thread"], name="forum_support_once")]

    def __str__(self) -> str:
        return f"{self.user_id} supports {self.thread_id}"


class ThreadFollow(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("thread follow")
        verbose_name_plural = _("thread follows")
        constraints = [models.UniqueConstraint(fields=["user", "thread"], name="forum_follow_once")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.thread_id}"


class Flag(models.Model):
    """A citizen's report of a thread (``post`` empty) or of one post."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="flags")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, null=True, blank=True, related_name="flags")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=16, choices=FlagReason.choices)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "post"], name="forum_flag_post_once", condition=Q(post__isnull=False)
            ),
            models.UniqueConstraint(
                fields=["user", "thread"], name="forum_flag_thread_once", condition=Q(post__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reason} by {self.user_id}"


class Mute(models.Model):
    """A user may not write in the commune's forum until ``until``."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    until = models.DateTimeField()
    reason = models.CharField(max_length=240)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("mute")
        verbose_name_plural = _("mutes")
        indexes = [models.Index(fields=["commune", "user", "-until"], name="forum_mute_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} muted until {self.until:%Y-%m-%d}"


class Attachment(models.Model):
    """A photo attached to a post (checked like document uploads; images only)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="forum/%Y/%m/", max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return f"attachment {self.pk} of post {self.post_id}"
