"""Live council sessions: the session and its agenda, chat, polls, questions, sanctions, and the
per-session event log that lets any client resume without a gap (``docs/sessions.md``).

Constraints carry the rules that must survive concurrency: one ballot per (poll, user), one upvote
per (question, user), one row per (session, seq) in the log, one write per client idempotency key.
Commitments made in a session belong to the ``commitments`` app, which links its sessions and
questions (this app does not know it).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hub.models import Commune

MAX_CHAT_CHARS = 500
MAX_QUESTION_CHARS = 1000
MAX_IDEMPOTENCY_KEY = 64


class SessionKind(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary council session")
    EXTRAORDINARY = "extraordinary", _("Extraordinary council session")
    ACCOUNTABILITY = "accountability", _("Accountability session")
    HEARING = "hearing", _("Public hearing")


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    LIVE = "live", _("Live")
    ENDED = "ended", _("Ended")


# Kinds whose questions may be collected before the session opens.
EARLY_QUESTION_KINDS = frozenset({SessionKind.ACCOUNTABILITY, SessionKind.HEARING})


class ParticipationChannel(models.TextChoices):
    """How a question or a ballot came in: the web (site, app, websocket) or an SMS."""

    WEB = "web", _("Web")
    SMS = "sms", _("SMS")


class LiveSession(models.Model):
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="live_sessions")
    kind = models.CharField(_("kind"), max_length=16, choices=SessionKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=4000)
    starts_at = models.DateTimeField(_("starts at"))
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    stream_url = models.URLField(_("video stream (embed URL)"), blank=True, max_length=500)
    audio_url = models.URLField(_("audio stream"), blank=True, max_length=500)
    recording_url = models.URLField(_("recording"), blank=True, max_length=500)
    current_item = models.ForeignKey(
        "AgendaItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    slow_mode_seconds = models.PositiveIntegerField(_("slow mode (seconds)"), default=0)
    questions_premoderated = models.BooleanField(_("questions are moderated first"), default=True)
    # The sequence number of the last event in the log; bumped under the row lock.
    last_seq = models.BigIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # The audience, for the yearly evaluation (``sessions_live.audience``): the most viewers
    # connected at once while live, and the connections that were not resumptions (connections,
    # not people: nobody is identified). Saved while live and at the end; never lowered.
    peak_viewers = models.PositiveIntegerField(_("peak viewers"), default=0)
    total_viewers = models.PositiveIntegerField(_("viewer connections"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("live session")
        verbose_name_plural = _("live sessions")
        indexes = [
            models.Index(fields=["commune", "status", "starts_at"], name="livesession_commune_idx"),
            models.Index(fields=["status", "starts_at", "id"], name="livesession_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def group(self) -> str:
        return f"session.{self.pk}"


class AgendaItem(models.Model):
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=200)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "position"], name="agendaitem_unique_position")
        ]

    def __str__(self) -> str:
        return self.title


class SessionDocument(models.Model):
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="session_documents")
    document = models.ForeignKey("publications.Document", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "document"], name="sessiondocument_unique")]

    def __str__(self) -> str:
        return f"{self.session_id}: {self.document_id}"


class ChatMessage(models.Model):
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="chat_messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=MAX_CHAT_CHARS)
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    idempotency_key = models.CharField(max_length=MAX_IDEMPOTENCY_KEY, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["session", "id"], name="chat_session_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="chat_unique_idempotency",
            )
        ]

    def __str__(self) -> str:
        return self.text[:60]


class ChatFlag(models.Model):
    message = models.ForeignKey(ChatMessage, on_delete=models.CASCADE, related_name="flags")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="chatflag_unique")]

    def __str__(self) -> str:
        return f"flag {self.message_id} by {self.user_id}"


class PollStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Poll(models.Model):
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="polls")
    question = models.CharField(_("question"), max_length=300)
    multiple = models.BooleanField(_("several choices allowed"), default=False)
    status = models.CharField(max_length=8, choices=PollStatus.choices, default=PollStatus.DRAFT)
    # Number of ballots (voters), kept with F() like the options' counts; of them, cast by SMS.
    ballot_count = models.PositiveIntegerField(default=0)
    sms_ballot_count = models.PositiveIntegerField(default=0)
    results = models.JSONField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.question


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(max_length=200)
    position = models.PositiveIntegerField()
    vote_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "position"], name="polloption_unique_position")
        ]

    def __str__(self) -> str:
        return self.label


class PollBallot(models.Model):
    """One row per voter: the database's own proof of "one vote per user"."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="ballots")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    idempotency_key = models.CharField(max_length=MAX_IDEMPOTENCY_KEY, blank=True)
    # The channel of the ballot's current choice (a change by SMS of a web vote makes it "sms").
    channel = models.CharField(
        max_length=3, choices=ParticipationChannel.choices, default=ParticipationChannel.WEB
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "user"], name="pollballot_one_per_user"),
        ]

    def __str__(self) -> str:
        return f"ballot {self.poll_id} by {self.user_id}"


class PollVote(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="votes")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "user", "option"], name="pollvote_unique"),
        ]

    def __str__(self) -> str:
        return f"vote {self.poll_id}/{self.option_id} by {self.user_id}"


class QuestionStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting moderation")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    ANSWERING = "answering", _("Being answered")
    ANSWERED = "answered", _("Answered")


PUBLIC_QUESTION_STATUSES = (QuestionStatus.APPROVED, QuestionStatus.ANSWERING, QuestionStatus.ANSWERED)


class Question(models.Model):
    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="questions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    anonymous = models.BooleanField(default=False)
    text = models.CharField(max_length=MAX_QUESTION_CHARS)
    status = models.CharField(max_length=10, choices=QuestionStatus.choices, default=QuestionStatus.PENDING)
    answer = models.TextField(blank=True, max_length=4000)
    vote_count = models.PositiveIntegerField(default=0)
    idempotency_key = models.CharField(max_length=MAX_IDEMPOTENCY_KEY, blank=True)
    channel = models.CharField(
        max_length=3, choices=ParticipationChannel.choices, default=ParticipationChannel.WEB
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    # The staff member who marked it answered (an elected official's page lists what they answered).
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["session", "status", "-vote_count", "id"], name="question_votes_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="question_unique_idempotency",
            )
        ]

    def __str__(self) -> str:
        return self.text[:60]


class QuestionVote(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["question", "user"], name="questionvote_unique")]

    def __str__(self) -> str:
        return f"upvote {self.question_id} by {self.user_id}"


class SanctionKind(models.TextChoices):
    MUTE = "mute", _("Muted")
    BAN = "ban", _("Banned")


class SessionSanction(models.Model):
    """A mute (until a time) or a ban (``until`` null: the whole session) of one user.

    ``session`` null means the sanction holds in every session of the commune."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(
        LiveSession, on_delete=models.CASCADE, null=True, blank=True, related_name="sanctions"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=4, choices=SanctionKind.choices)
    until = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "commune"], name="sanction_user_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.user_id}"


class SessionEvent(models.Model):
    """The replay log: every public event of a session, numbered without gaps. Kept forever."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="events")
    seq = models.BigIntegerField()
    event_id = models.UUIDField(default=uuid.uuid4, unique=True)
    name = models.CharField(max_length=40)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "seq"]
        constraints = [models.UniqueConstraint(fields=["session", "seq"], name="sessionevent_unique_seq")]

    def __str__(self) -> str:
        return f"{self.session_id}#{self.seq} {self.name}"

    def frame(self) -> dict[str, object]:
        return {
            "type": "event",
            "event": self.name,
            "seq": self.seq,
            "id": str(self.event_id),
            "data": self.data,
        }
