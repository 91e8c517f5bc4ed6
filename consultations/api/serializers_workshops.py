"""Serializers of the workshops API: the input's shape (the service decides the rules: totals,
counts per option, the consultation's period...) and the output a workshop reads as.

A workshop is sent as JSON (``answers`` a list) or as multipart with its photos (``answers`` then a
JSON text, as a form field cannot hold a list of objects)."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from consultations.models import (
    MAX_ENVELOPE_XOF,
    MAX_OPTIONS,
    MAX_PARTICIPANTS,
    MAX_QUESTIONS,
    MAX_WORKSHOP_SUMMARY_CHARS,
    Language,
    Workshop,
    WorkshopAnswer,
    WorkshopPhoto,
)
from consultations.services.workshops import MAX_PHOTOS, MAX_VILLAGE_CHARS
from hub.api.validation import ID_MAX

MAX_ANSWERS = MAX_QUESTIONS * MAX_OPTIONS
MAX_ANSWERS_TEXT = 200_000


class WorkshopAnswerIn(serializers.Serializer):
    """The group's answer for one option: ``count`` (single or multiple choice: how many chose it),
    ``rank`` (ranking: 1 first) or ``amount_xof`` (envelope)."""

    question = serializers.IntegerField(min_value=1, max_value=ID_MAX)
    option = serializers.IntegerField(min_value=1, max_value=ID_MAX)
    count = serializers.IntegerField(min_value=0, max_value=MAX_PARTICIPANTS, required=False)
    rank = serializers.IntegerField(min_value=1, max_value=MAX_OPTIONS, required=False)
    amount_xof = serializers.IntegerField(min_value=0, max_value=MAX_ENVELOPE_XOF, required=False)


def _count(required: bool = True, minimum: int = 0, help_text: str = "") -> serializers.IntegerField:
    if required:
        return serializers.IntegerField(min_value=minimum, max_value=MAX_PARTICIPANTS, help_text=help_text)
    return serializers.IntegerField(
        min_value=minimum, max_value=MAX_PARTICIPANTS, required=False, default=0, help_text=help_text
    )


class WorkshopFieldsIn(serializers.Serializer):
    held_on = serializers.DateField(help_text="Within the consultation's period, not in the future.")
    arrondissement = serializers.IntegerField(
        min_value=1, max_value=ID_MAX, help_text="An arrondissement of the consultation's commune."
    )
    village = serializers.CharField(
        max_length=MAX_VILLAGE_CHARS, required=False, allow_blank=True, default=""
    )
    organisation = serializers.IntegerField(
        min_value=1,
        max_value=ID_MAX,
        required=False,
        allow_null=True,
        default=None,
        help_text="An accredited organisation of the commune; ignored for a facilitator named for "
        "an organisation (theirs is recorded).",
    )
    language = serializers.ChoiceField(choices=Language.choices)
    participants = _count(minimum=1)
    women = _count()
    men = _count(help_text="women + men = participants.")
    age_under_18 = _count(required=False)
    age_18_34 = _count(required=False)
    age_35_59 = _count(required=False)
    age_60_plus = _count(required=False, help_text="The four age bands add up to participants.")
    with_disability = _count(required=False, help_text="At most participants.")
    summary = serializers.CharField(max_length=MAX_WORKSHOP_SUMMARY_CHARS)


class WorkshopIn(WorkshopFieldsIn):
    """``POST /consultations/<id>/workshops/`` as JSON."""

    answers = serializers.ListField(
        child=WorkshopAnswerIn(), required=False, default=list, max_length=MAX_ANSWERS
    )


class WorkshopMultipartIn(WorkshopFieldsIn):
    """``POST /consultations/<id>/workshops/`` as multipart: the same fields, ``answers`` as a JSON
    text, and up to 6 ``photos``."""

    answers = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=MAX_ANSWERS_TEXT,
        help_text="The answers as JSON: a list of {question, option, count|rank|amount_xof}.",
    )
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        max_length=MAX_PHOTOS,
        help_text="Up to 6 photos (PNG, JPEG, WebP).",
    )

    def validate_answers(self, value: str) -> list[dict[str, Any]]:
        if not value.strip():
            return []
        try:
            parsed = json.loads(value)
        except ValueError as exc:
            raise serializers.ValidationError(_("Send the answers as a JSON list.")) from exc
        items = WorkshopAnswerIn(data=parsed, many=True)
        if not isinstance(parsed, list) or len(parsed) > MAX_ANSWERS:
            raise serializers.ValidationError(_("Send the answers as a JSON list."))
        items.is_valid(raise_exception=True)
        return [dict(item) for item in items.validated_data]


class WorkshopPatchIn(serializers.Serializer):
    """``PATCH /workshops/<id>/``: the fields sent only; ``answers`` replaces all the answers."""

    held_on = serializers.DateField(required=False)
    arrondissement = serializers.IntegerField(min_value=1, max_value=ID_MAX, required=False)
    village = serializers.CharField(max_length=MAX_VILLAGE_CHARS, required=False, allow_blank=True)
    organisation = serializers.IntegerField(min_value=1, max_value=ID_MAX, required=False, allow_null=True)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    participants = serializers.IntegerField(min_value=1, max_value=MAX_PARTICIPANTS, required=False)
    women = serializers.IntegerField(min_value=0, max_value=MAX_PARTICIPANTS, required=False)
    men = serializers.IntegerField(min_value=0, max_value=MAX_PARTICIPANTS, required=False)
    age_under_18 = serializers.IntegerField(min_value=0, max_value=MAX_PARTICIPANTS, required=False)
    age_18_34 = serializers.IntegerField(min_value=0, max_value=MAX_PARTICIPANTS, required=False)
    age_35_59 = serializers.IntegerField(min_value=0, max_value=MAX_PARTICIPANTS, required=False)
    age_60_plus = serializers.IntegerField(min_value=0, max_value=MAX_PARTICIPANTS, required=False)
    with_disability = serializers.IntegerField(min_value=0, max_value=MAX_PARTICIPANTS, required=False)
    summary = serializers.CharField(max_length=MAX_WORKSHOP_SUMMARY_CHARS, required=False)
    answers = serializers.ListField(child=WorkshopAnswerIn(), required=False, max_length=MAX_ANSWERS)


class WorkshopPhotosIn(serializers.Serializer):
    photos = serializers.ListField(
        child=serializers.FileField(), max_length=MAX_PHOTOS, help_text="PNG, JPEG or WebP; 6 per workshop."
    )


# --- Output ---------------------------------------------------------------------------------------


class WorkshopPlaceOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class WorkshopPhotoOut(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField(help_text="The image (GET).")
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)

    def to_representation(self, instance: WorkshopPhoto) -> dict[str, Any]:
        return {"id": instance.pk, "url": instance.url, "width": instance.width, "height": instance.height}


class WorkshopAnswerOut(serializers.Serializer):
    question = serializers.IntegerField()
    option = serializers.IntegerField()
    option_label = serializers.CharField()
    count = serializers.IntegerField(allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    amount_xof = serializers.IntegerField(allow_null=True)

    def to_representation(self, instance: WorkshopAnswer) -> dict[str, Any]:
        return {
            "question": instance.question_id,
            "option": instance.option_id,
            "option_label": instance.option.label,
            "count": instance.count,
            "rank": instance.rank,
            "amount_xof": instance.amount_xof,
        }


class WorkshopOut(serializers.Serializer):
    """A workshop: where and when, who came (by gender, age band, disability), the group's answers
    (the workshop channel: never mixed with the online answers here) and its photos."""

    id = serializers.IntegerField()
    consultation = serializers.IntegerField()
    held_on = serializers.DateField()
    arrondissement = WorkshopPlaceOut()
    village = serializers.CharField()
    organisation = WorkshopPlaceOut(allow_null=True, help_text="null: recorded by the commune itself.")
    language = serializers.ChoiceField(choices=Language.choices)
    participants = serializers.IntegerField()
    women = serializers.IntegerField()
    men = serializers.IntegerField()
    age_under_18 = serializers.IntegerField()
    age_18_34 = serializers.IntegerField()
    age_35_59 = serializers.IntegerField()
    age_60_plus = serializers.IntegerField()
    with_disability = serializers.IntegerField()
    summary = serializers.CharField()
    answers = WorkshopAnswerOut(many=True)
    photos = WorkshopPhotoOut(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, instance: Workshop) -> dict[str, Any]:
        organisation = instance.organisation
        return {
            "id": instance.pk,
            "consultation": instance.consultation_id,
            "held_on": instance.held_on.isoformat(),
            "arrondissement": {"id": instance.arrondissement_id, "name": instance.arrondissement.name},
            "village": instance.village,
            "organisation": {"id": organisation.pk, "name": organisation.name} if organisation else None,
            "language": instance.language,
            "participants": instance.participants,
            "women": instance.women,
            "men": instance.men,
            "age_under_18": instance.age_under_18,
            "age_18_34": instance.age_18_34,
            "age_35_59": instance.age_35_59,
            "age_60_plus": instance.age_60_plus,
            "with_disability": instance.with_disability,
            "summary": instance.summary,
            "answers": [WorkshopAnswerOut(row).data for row in instance.answers.all()],
            "photos": [WorkshopPhotoOut(photo).data for photo in instance.photos.all()],
            "created_at": serializers.DateTimeField().to_representation(instance.created_at),
            "updated_at": serializers.DateTimeField().to_representation(instance.updated_at),
        }
