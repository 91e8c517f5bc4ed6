"""Input serializers of the live sessions API: they validate the shape; services decide the rest.
Output shapes live in ``sessions_live.serializers`` (shared with the websocket events)."""

from __future__ import annotations

from rest_framework import serializers

from hub.api.validation import ID_MAX, DateTimeInRange
from sessions_live.models import (
    MAX_CHAT_CHARS,
    MAX_IDEMPOTENCY_KEY,
    MAX_QUESTION_CHARS,
    SanctionKind,
    SessionKind,
    SessionStatus,
)


class SessionQueryIn(serializers.Serializer):
    commune = serializers.SlugField(required=False, default="")
    status = serializers.ChoiceField(choices=SessionStatus.choices, required=False, default="")


class SessionPageQueryIn(SessionQueryIn):
    """The list's filters and its cursor pagination."""

    cursor = serializers.CharField(required=False, max_length=200, help_text="From `next`.")
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100)


class SessionSettingsIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SessionKind.choices, required=False)
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    starts_at = DateTimeInRange(required=False)
    stream_url = serializers.CharField(max_length=500, required=False, allow_blank=True)
    audio_url = serializers.CharField(max_length=500, required=False, allow_blank=True)
    recording_url = serializers.CharField(max_length=500, required=False, allow_blank=True)
    slow_mode_seconds = serializers.IntegerField(min_value=0, max_value=3600, required=False)
    questions_premoderated = serializers.BooleanField(required=False)
    documents = serializers.ListField(
        child=serializers.IntegerField(max_value=ID_MAX), required=False, max_length=50
    )
    # The whole agenda, as titles (before the session starts): unchanged titles keep their item.
    agenda = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=100
    )


class SessionIn(SessionSettingsIn):
    commune = serializers.SlugField()
    kind = serializers.ChoiceField(choices=SessionKind.choices)
    title = serializers.CharField(max_length=200)
    starts_at = DateTimeInRange()
    agenda = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, default=list, max_length=100
    )


class AgendaItemIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)


class AgendaOrderIn(serializers.Serializer):
    items = serializers.ListField(child=serializers.IntegerField(max_value=ID_MAX), max_length=100)


class AgendaCurrentIn(serializers.Serializer):
    item = serializers.IntegerField(max_value=ID_MAX, allow_null=True)


class EventQueryIn(serializers.Serializer):
    after = serializers.IntegerField(max_value=ID_MAX, min_value=0, required=False, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=500, required=False, default=500)


class ChatQueryIn(serializers.Serializer):
    before = serializers.IntegerField(
        max_value=ID_MAX, min_value=1, required=False, allow_null=True, default=None
    )


class ChatIn(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_CHAT_CHARS, trim_whitespace=False)
    idempotency_key = serializers.CharField(max_length=MAX_IDEMPOTENCY_KEY, required=False, default="")


class ChatFlagIn(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class PollIn(serializers.Serializer):
    question = serializers.CharField(max_length=300)
    options = serializers.ListField(child=serializers.CharField(max_length=200), min_length=2, max_length=20)
    multiple = serializers.BooleanField(required=False, default=False)


class VoteIn(serializers.Serializer):
    options = serializers.ListField(
        child=serializers.IntegerField(max_value=ID_MAX), min_length=1, max_length=20
    )
    idempotency_key = serializers.CharField(max_length=MAX_IDEMPOTENCY_KEY, required=False, default="")


class QuestionQueryIn(serializers.Serializer):
    order = serializers.ChoiceField(choices=["votes", "time"], required=False, default="votes")


class QuestionIn(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_QUESTION_CHARS)
    anonymous = serializers.BooleanField(required=False, default=False)
    idempotency_key = serializers.CharField(max_length=MAX_IDEMPOTENCY_KEY, required=False, default="")


class ModerateIn(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])


class AnswerIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=["answering", "answered"])
    answer = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class SanctionIn(serializers.Serializer):
    user = serializers.IntegerField(max_value=ID_MAX)
    kind = serializers.ChoiceField(choices=SanctionKind.choices)
    minutes = serializers.IntegerField(min_value=1, max_value=24 * 60, required=False, allow_null=True)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
