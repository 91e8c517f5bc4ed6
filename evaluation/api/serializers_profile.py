"""Serializers of a participant's own profile (``/api/v1/me/participation-profile/``).

The input serializer checks the shape (the schema's enums, an id, a boolean); the service
(``evaluation.services.profile``) decides the rest: consent given, an arrondissement of an enabled
commune. The page checks its form with this same serializer (``frontend.forms.ApiCheckedForm``), so
the page and the API refuse the same input in the same words."""

from __future__ import annotations

from rest_framework import serializers

from evaluation.models import AgeBand, Disability, Gender
from hub.limits import ID_MAX

NOT_SAID = "`undisclosed`: prefer not to say (also when left out)."


class ParticipationProfileIn(serializers.Serializer):
    """The whole profile: what is left out is "prefer not to say" (or no arrondissement)."""

    gender = serializers.ChoiceField(choices=Gender.choices, default=Gender.UNDISCLOSED, help_text=NOT_SAID)
    age_band = serializers.ChoiceField(
        choices=AgeBand.choices, default=AgeBand.UNDISCLOSED, help_text=NOT_SAID
    )
    disability = serializers.ChoiceField(
        choices=Disability.choices, default=Disability.UNDISCLOSED, help_text=NOT_SAID
    )
    arrondissement = serializers.IntegerField(
        min_value=1,
        max_value=ID_MAX,
        allow_null=True,
        default=None,
        help_text="Where the person lives: an arrondissement of an enabled commune (ids from "
        "`GET /api/v1/me/participation-profile/arrondissements/`); null: not said.",
    )
    consent = serializers.BooleanField(
        help_text="Must be true: the person agrees that these answers are used, anonymously, for the "
        "participation figures (only ever counts of at least 10 people). Asked on every save."
    )


class ParticipationArrondissementOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ParticipationPlaceOut(ParticipationArrondissementOut):
    """The arrondissement a profile names, with its commune."""

    commune = serializers.SlugField(source="commune.slug", help_text="The commune's slug.")
    commune_name = serializers.CharField(source="commune.name")


class ParticipationProfileOut(serializers.Serializer):
    """One's own answers, as saved."""

    gender = serializers.ChoiceField(choices=Gender.choices)
    age_band = serializers.ChoiceField(choices=AgeBand.choices)
    disability = serializers.ChoiceField(choices=Disability.choices)
    arrondissement = ParticipationPlaceOut(allow_null=True, help_text="null: not said.")
    consented_at = serializers.DateTimeField(help_text="When the person last agreed (every save).")
    updated_at = serializers.DateTimeField()


class ParticipationCommuneOut(serializers.Serializer):
    """An enabled commune and the arrondissements a profile may name in it."""

    slug = serializers.SlugField(source="commune.slug")
    name = serializers.CharField(source="commune.name")
    arrondissements = ParticipationArrondissementOut(many=True)
