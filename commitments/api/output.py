"""Output serializers of the commitments API. They declare the fields for the schema and write
them with the shape builders of ``commitments.events`` (one shape for REST, the session's live events
and the exports), adding the reader's words: ``status_label`` and ``owner_label``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from commitments.events import commitment_data, update_data
from commitments.models import Commitment, CommitmentStatus, CommitmentUpdate
from commitments.selectors import KeptOnTime


class CommitmentCommuneOut(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class CommitmentSessionOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    path = serializers.CharField()


class CommitmentOriginOut(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["question", "proposal", "direct"])
    id = serializers.IntegerField(allow_null=True, help_text="The question's or the proposal's id.")
    text = serializers.CharField(help_text="The question, or the proposal's title (empty: direct).")
    author = serializers.CharField(
        allow_null=True, help_text="The asker (null when anonymous) or the proposal's author."
    )
    anonymous = serializers.BooleanField()
    support_count = serializers.IntegerField(help_text="Upvotes of the question, supporters of the proposal.")
    answer = serializers.CharField(help_text="The answer given in the session (question only).")
    path = serializers.CharField(allow_null=True)
    session = CommitmentSessionOut(allow_null=True)


class CommitmentOwnerOut(serializers.Serializer):
    role = serializers.CharField(help_text="A role of the commune, or empty.")
    office = serializers.CharField(help_text="An office's name, or empty.")


def labels(commitment: Commitment) -> dict[str, str]:
    return {
        "status_label": str(CommitmentStatus(commitment.status).label),
        "owner_label": commitment.owner_label,
    }


class CommitmentOut(serializers.Serializer):
    """A commitment: the fields it had in the sessions app first, then the tracker's."""

    id = serializers.IntegerField()
    session = serializers.IntegerField(allow_null=True)
    question = serializers.IntegerField(allow_null=True)
    text = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=CommitmentStatus.choices)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    commune = CommitmentCommuneOut()
    proposal = serializers.IntegerField(allow_null=True)
    origin = CommitmentOriginOut()
    owner = CommitmentOwnerOut()
    progress = serializers.IntegerField(min_value=0, max_value=100)
    overdue = serializers.BooleanField(help_text="Due date passed, neither done nor dropped (today).")
    done_at = serializers.DateTimeField(allow_null=True)
    kept_on_time = serializers.BooleanField(help_text="Done on or before its due date.")
    path = serializers.CharField(help_text="The commitment's public page.")
    status_label = serializers.CharField()
    owner_label = serializers.CharField()

    def to_representation(self, instance: Commitment) -> dict[str, Any]:
        return {**commitment_data(instance), **labels(instance)}


class CommitmentDocumentOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    path = serializers.CharField()


class CommitmentPhotoOut(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)


class CommitmentAuthorOut(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class CommitmentUpdateOut(serializers.Serializer):
    """A timeline entry; ``status``/``progress``/``due_on`` are what it changed (empty or null: not)."""

    id = serializers.IntegerField()
    commitment = serializers.IntegerField()
    author = CommitmentAuthorOut(allow_null=True)
    text = serializers.CharField()
    status = serializers.CharField()
    progress = serializers.IntegerField(allow_null=True)
    due_on = serializers.DateField(allow_null=True)
    document = CommitmentDocumentOut(allow_null=True)
    photos = CommitmentPhotoOut(many=True)
    created_at = serializers.DateTimeField()

    def to_representation(self, instance: CommitmentUpdate) -> dict[str, Any]:
        return dict(update_data(instance))


class CommitmentDetailOut(CommitmentOut):
    timeline = serializers.SerializerMethodField()

    @extend_schema_field(CommitmentUpdateOut(many=True))
    def get_timeline(self, commitment: Commitment) -> list[dict[str, Any]]:
        return [dict(update_data(update)) for update in self.context.get("timeline", [])]

    def to_representation(self, instance: Commitment) -> dict[str, Any]:
        return {**super().to_representation(instance), "timeline": self.get_timeline(instance)}


class CommitmentPageOut(serializers.Serializer):
    next = serializers.CharField(allow_null=True)
    results = CommitmentOut(many=True)


class CommitmentsKeptOnTimeOut(serializers.Serializer):
    commune = CommitmentCommuneOut()
    year = serializers.IntegerField()
    due = serializers.IntegerField(help_text="Commitments due that year.")
    kept_on_time = serializers.IntegerField(help_text="Done on or before their due date.")
    kept_late = serializers.IntegerField()
    dropped = serializers.IntegerField()
    overdue = serializers.IntegerField()
    not_due_yet = serializers.IntegerField(help_text="Still open, due later this year.")
    rate = serializers.FloatField(
        allow_null=True, help_text="kept_on_time / (due - not_due_yet); null when nothing is known yet."
    )

    def to_representation(self, instance: KeptOnTime) -> dict[str, Any]:
        commune = instance.commune
        return {
            "commune": {"id": commune.pk, "slug": commune.slug, "name": commune.name},
            "year": instance.year,
            "due": instance.due,
            "kept_on_time": instance.kept_on_time,
            "kept_late": instance.kept_late,
            "dropped": instance.dropped,
            "overdue": instance.overdue,
            "not_due_yet": instance.not_due_yet,
            "rate": instance.rate,
        }
