"""REST output serializers of the live sessions (and the websocket ``hello`` frame, which is the
session's detail). The shapes that live events also carry (a chat message, a poll, a question, a
sanction) are built by the payload functions of ``sessions_live.events``: these
serializers declare the fields for the API schema and write their output with those functions, so a
client sees one shape whichever way it arrives. Services never import this module."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sessions_live.events import (
    agenda_item_data,
    chat_message_data,
    poll_data,
    question_data,
    sanction_data,
    session_path,
)
from sessions_live.models import (
    AgendaItem,
    ChatMessage,
    LiveSession,
    Poll,
    Question,
    SessionSanction,
)
from sessions_live.presence import viewer_count
from sessions_live.selectors import session_me


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

    def to_representation(self, instance: AgendaItem) -> dict[str, Any]:
        return dict(agenda_item_data(instance))


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

    def to_representation(self, instance: ChatMessage) -> dict[str, Any]:
        return dict(chat_message_data(instance))


class PollOptionOut(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]
    position = serializers.IntegerField()
    vote_count = serializers.IntegerField()


class PollOut(serializers.ModelSerializer):
    options = PollOptionOut(many=True)
    total = serializers.IntegerField(source="ballot_count", help_text="Number of voters.")
    channels = serializers.DictField(
        child=serializers.IntegerField(), read_only=True, help_text="Voters by channel: web, sms."
    )
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
            "channels",
            "results",
            "opened_at",
            "closed_at",
        ]

    def to_representation(self, instance: Poll) -> dict[str, Any]:
        return dict(poll_data(instance))


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
            "channel",
            "created_at",
            "answered_at",
        ]

    @extend_schema_field(SessionUserRefOut(allow_null=True))
    def get_author(self, question: Question) -> dict[str, Any] | None:
        author = question_data(question, reveal_authors=self._reveal_authors)["author"]
        return dict(author) if author is not None else None

    def to_representation(self, instance: Question) -> dict[str, Any]:
        return dict(question_data(instance, reveal_authors=self._reveal_authors))

    @property
    def _reveal_authors(self) -> bool:
        return bool(self.context.get("reveal_authors"))


class SanctionOut(serializers.ModelSerializer):
    user = SessionUserRefOut()
    session = serializers.IntegerField(source="session_id", allow_null=True)

    class Meta:
        model = SessionSanction
        fields = ["id", "session", "user", "kind", "until", "reason", "created_at", "lifted_at"]

    def to_representation(self, instance: SessionSanction) -> dict[str, Any]:
        return dict(sanction_data(instance))


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
    peak_viewers = serializers.IntegerField(
        read_only=True,
        help_text=(
            "Most viewers connected at once while live. Saved every 30 s while live, final at the end."
        ),
    )
    total_viewers = serializers.IntegerField(
        read_only=True,
        help_text=(
            "Viewer connections while live, resumptions after a drop not counted: connections, not "
            "people (nobody is identified). Saved every 30 s while live, final at the end."
        ),
    )
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
            "peak_viewers",
            "total_viewers",
            "me",
        ]

    @extend_schema_field(PollOut(many=True))
    def get_open_polls(self, session: LiveSession) -> list[dict[str, Any]]:
        polls = getattr(session, "open_polls", None)
        if polls is None:
            polls = list(session.polls.filter(status="open").prefetch_related("options"))
        return [dict(poll_data(poll)) for poll in polls]

    @extend_schema_field(serializers.IntegerField())
    def get_viewer_count(self, session: LiveSession) -> int:
        known = self.context.get("viewer_count")
        if isinstance(known, int):  # the websocket knows it already (presence.add)
            return known
        return viewer_count(session.pk)

    @extend_schema_field(SessionMeOut())
    def get_me(self, session: LiveSession) -> dict[str, Any]:
        return session_me(self.context.get("user"), session)


class ArchiveOut(serializers.Serializer):
    session = SessionDetailOut()
    transcript = ChatMessageOut(many=True)
    questions = QuestionOut(many=True)
    polls = PollOut(many=True)


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
