"""Output shapes shared by the REST API, the websocket ``hello`` frame and the live events, so a
client sees one shape for a chat message or a poll whichever way it arrives."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sessions_live.models import (
    AgendaItem,
    ChatMessage,
    Commitment,
    LiveSession,
    Poll,
    Question,
    SessionSanction,
)


def session_path(session: LiveSession | int) -> str:
    pk = session if isinstance(session, int) else session.pk
    return f"/seances/{pk}/"


class SessionUserRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class CommuneRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class AgendaItemOut(serializers.ModelSerializer):
    class Meta:
        model = AgendaItem
        fields = ["id", "position", "title"]


class DocumentRefOut(serializers.Serializer):
    id = serializers.IntegerField(source="document.id")
    title = serializers.CharField(source="document.title")
    type = serializers.CharField(source="document.type")
    path = serializers.SerializerMethodField()

    def get_path(self, row: Any) -> str:
        # The document's own public URL: this app does not import publications.
        return row.document.get_absolute_url()


class ChatMessageOut(serializers.ModelSerializer):
    author = SessionUserRefOut()

    class Meta:
        model = ChatMessage
        fields = ["id", "author", "text", "created_at"]


class PollOptionOut(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]
    position = serializers.IntegerField()
    vote_count = serializers.IntegerField()


class PollOut(serializers.ModelSerializer):
    options = PollOptionOut(many=True)
    total = serializers.IntegerField(source="ballot_count", help_text="Number of voters.")
    session = serializers.IntegerField(source="session_id")

    class Meta:
        model = Poll
        fields = [
            "id",
            "session",
            "question",
            "multiple",
            "status",
            "options",
            "total",
            "results",
            "opened_at",
            "closed_at",
        ]


class QuestionOut(serializers.ModelSerializer):
    """``author`` is null for anonymous questions, except for moderators (``reveal_authors``)."""

    author = serializers.SerializerMethodField()
    session = serializers.IntegerField(source="session_id")

    class Meta:
        model = Question
        fields = [
            "id",
            "session",
            "text",
            "anonymous",
            "author",
            "status",
            "answer",
            "vote_count",
            "created_at",
            "answered_at",
        ]

    @extend_schema_field(SessionUserRefOut(allow_null=True))
    def get_author(self, question: Question) -> dict[str, Any] | None:
        if question.anonymous and not self.context.get("reveal_authors"):
            return None
        return {"id": question.author.pk, "display_name": question.author.display_name}


class CommitmentOut(serializers.ModelSerializer):
    session = serializers.IntegerField(source="session_id")
    question = serializers.IntegerField(source="question_id", allow_null=True)

    class Meta:
        model = Commitment
        fields = ["id", "session", "question", "text", "due_on", "status", "created_at", "updated_at"]


class SanctionOut(serializers.ModelSerializer):
    user = SessionUserRefOut()
    session = serializers.IntegerField(source="session_id", allow_null=True)

    class Meta:
        model = SessionSanction
        fields = ["id", "session", "user", "kind", "until", "reason", "created_at", "lifted_at"]


class SessionMeOut(serializers.Serializer):
    authenticated = serializers.BooleanField()
    can_chat = serializers.BooleanField()
    can_ask = serializers.BooleanField()
    can_moderate = serializers.BooleanField()
    can_manage = serializers.BooleanField()
    muted_until = serializers.DateTimeField(allow_null=True)
    banned = serializers.BooleanField()


class SessionOut(serializers.ModelSerializer):
    commune = CommuneRefOut()
    kind_label = serializers.CharField(source="get_kind_display")
    status_label = serializers.CharField(source="get_status_display")
    path = serializers.SerializerMethodField()

    class Meta:
        model = LiveSession
        fields = [
            "id",
            "commune",
            "kind",
            "kind_label",
            "title",
            "description",
            "starts_at",
            "status",
            "status_label",
            "started_at",
            "ended_at",
            "path",
        ]

    def get_path(self, session: LiveSession) -> str:
        return session_path(session)


class SessionDetailOut(SessionOut):
    agenda = AgendaItemOut(many=True, source="agenda_items.all")
    current_item = serializers.IntegerField(source="current_item_id", allow_null=True)
    documents = DocumentRefOut(many=True, source="session_documents.all")
    open_polls = serializers.SerializerMethodField()
    viewer_count = serializers.SerializerMethodField()
    me = serializers.SerializerMethodField()

    class Meta(SessionOut.Meta):
        fields = [
            *SessionOut.Meta.fields,
            "stream_url",
            "audio_url",
            "recording_url",
            "slow_mode_seconds",
            "questions_premoderated",
            "last_seq",
            "agenda",
            "current_item",
            "documents",
            "open_polls",
            "viewer_count",
            "me",
        ]

    @extend_schema_field(PollOut(many=True))
    def get_open_polls(self, session: LiveSession) -> list[dict[str, Any]]:
        polls = getattr(session, "open_polls", None)
        if polls is None:
            polls = list(session.polls.filter(status="open").prefetch_related("options"))
        return PollOut(polls, many=True).data  # type: ignore[return-value]

    @extend_schema_field(serializers.IntegerField())
    def get_viewer_count(self, session: LiveSession) -> int:
        known = self.context.get("viewer_count")
        if isinstance(known, int):  # the websocket knows it already (presence.add)
            return known
        from sessions_live.presence import viewer_count

        return viewer_count(session.pk)

    @extend_schema_field(SessionMeOut())
    def get_me(self, session: LiveSession) -> dict[str, Any]:
        from sessions_live.selectors import session_me

        return session_me(self.context.get("user"), session)


class ArchiveOut(serializers.Serializer):
    session = SessionDetailOut()
    transcript = ChatMessageOut(many=True)
    questions = QuestionOut(many=True)
    polls = PollOut(many=True)
    commitments = CommitmentOut(many=True)


class EventFrameOut(serializers.Serializer):
    type = serializers.CharField(default="event")
    event = serializers.CharField()
    seq = serializers.IntegerField()
    id = serializers.UUIDField()
    data = serializers.DictField()  # type: ignore[assignment]


class EventPageOut(serializers.Serializer):
    events = EventFrameOut(many=True)
    last_seq = serializers.IntegerField()
    has_more = serializers.BooleanField()


def chat_message_data(message: ChatMessage) -> dict[str, Any]:
    return dict(ChatMessageOut(message).data)


def poll_data(poll: Poll) -> dict[str, Any]:
    return dict(PollOut(poll).data)


def question_data(question: Question) -> dict[str, Any]:
    return dict(QuestionOut(question).data)


def commitment_data(commitment: Commitment) -> dict[str, Any]:
    return dict(CommitmentOut(commitment).data)
