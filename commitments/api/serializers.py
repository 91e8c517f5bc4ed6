"""Input serializers of the commitments API: they validate the shape; the services decide the rest
(past due dates, an owner given twice, an origin of another commune...). The staff pages check their
forms with these same serializers (``frontend.forms.ApiCheckedForm``), so a page and the API refuse
the same input in the same words."""

from __future__ import annotations

from rest_framework import serializers

from commitments.models import (
    MAX_OFFICE_CHARS,
    MAX_TEXT_CHARS,
    MAX_UPDATE_CHARS,
    CommitmentStatus,
    OriginKind,
)
from hub.api.validation import ID_MAX
from hub.models import Role


class CommitmentQueryIn(serializers.Serializer):
    commune = serializers.SlugField(required=False, default="")
    status = serializers.ChoiceField(choices=CommitmentStatus.choices, required=False, default="")
    overdue = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="true: overdue only; false: not overdue."
    )
    session = serializers.IntegerField(min_value=1, max_value=ID_MAX, required=False, default=None)
    origin = serializers.ChoiceField(choices=OriginKind.choices, required=False, default="")


class CommitmentPageQueryIn(CommitmentQueryIn):
    """The list's filters and its keyset pagination (the exports take the filters only)."""

    cursor = serializers.CharField(required=False, max_length=200, help_text="From `next`.")
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100)


class ScorecardQueryIn(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2200, required=False, default=None)


class CommitmentFieldsIn(serializers.Serializer):
    """What a commitment says, whatever its origin."""

    text = serializers.CharField(max_length=MAX_TEXT_CHARS)
    owner_role = serializers.ChoiceField(
        choices=Role.choices, required=False, allow_blank=True, default="", help_text="A role of the commune."
    )
    owner_office = serializers.CharField(
        max_length=MAX_OFFICE_CHARS,
        required=False,
        allow_blank=True,
        default="",
        help_text="An office that is not a role (the technical services...); not with owner_role.",
    )
    due_on = serializers.DateField(required=False, allow_null=True, default=None)
    status = serializers.ChoiceField(choices=CommitmentStatus.choices, required=False)
    progress = serializers.IntegerField(min_value=0, max_value=100, required=False)


class CommitmentIn(CommitmentFieldsIn):
    """``POST /commitments/``: direct, or from an answered question or an accepted proposal."""

    commune = serializers.SlugField()
    origin = serializers.ChoiceField(choices=OriginKind.choices, required=False, default=OriginKind.DIRECT)
    question = serializers.IntegerField(min_value=1, max_value=ID_MAX, required=False, allow_null=True)
    proposal = serializers.IntegerField(min_value=1, max_value=ID_MAX, required=False, allow_null=True)


class SessionCommitmentIn(CommitmentFieldsIn):
    """``POST /sessions/<id>/commitments/``: with ``question``, from that answered question of the
    session; without, made directly during the session."""

    question = serializers.IntegerField(min_value=1, max_value=ID_MAX, required=False, allow_null=True)


class CommitmentPatchIn(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_TEXT_CHARS, required=False)
    owner_role = serializers.ChoiceField(choices=Role.choices, required=False, allow_blank=True)
    owner_office = serializers.CharField(max_length=MAX_OFFICE_CHARS, required=False, allow_blank=True)
    due_on = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=CommitmentStatus.choices, required=False)
    progress = serializers.IntegerField(min_value=0, max_value=100, required=False)


class CommitmentEditIn(CommitmentPatchIn):
    """The staff page's edit form: the PATCH's fields, all sent, so the text is required (an empty
    box is refused, not skipped)."""

    text = serializers.CharField(max_length=MAX_TEXT_CHARS)


class UpdateIn(serializers.Serializer):
    """A timeline entry: multipart (with ``photos``) or JSON."""

    text = serializers.CharField(max_length=MAX_UPDATE_CHARS, required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(choices=CommitmentStatus.choices, required=False, allow_blank=True)
    progress = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)
    document = serializers.IntegerField(
        min_value=1,
        max_value=ID_MAX,
        required=False,
        allow_null=True,
        help_text="A published document of the commitment's commune.",
    )
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="Up to 4 photos (PNG, JPEG, WebP)."
    )
