"""Input serializers of the council API: they check the shape and the JSON types the schema states
(``hub.api.validation.validated``); the services decide the rest (a member of this council in office,
present or represented, a vote not yet recorded, the quorum...), and say so in the one error shape."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from council.models import (
    MAX_MOTION_TEXT_CHARS,
    MAX_MOTION_TITLE_CHARS,
    MAX_NAME_CHARS,
    MAX_REASON_CHARS,
    CouncilRole,
    MajorityRule,
    Presence,
    QuorumRule,
    TieRule,
    VoteChoice,
)
from hub.api.validation import ID_MAX

MAX_LINES = 500  # the services' own limit on a roll call or a batch of votes
MAX_COUNT = 10_000


def an_id(**options: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=ID_MAX, **options)


class CouncilQueryIn(serializers.Serializer):
    all = serializers.BooleanField(
        required=False, default=False, help_text="true: members whose mandate has ended too."
    )


class CouncilMemberIn(serializers.Serializer):
    full_name = serializers.CharField(max_length=MAX_NAME_CHARS)
    role = serializers.ChoiceField(choices=CouncilRole.choices, required=False)
    title = serializers.CharField(
        max_length=MAX_NAME_CHARS, required=False, allow_blank=True, help_text="e.g. 1er adjoint au maire."
    )
    arrondissement = serializers.CharField(max_length=80, required=False, allow_blank=True)
    mandate_start = serializers.DateField()
    mandate_end = serializers.DateField(required=False, allow_null=True)
    committees = serializers.ListField(
        child=an_id(), required=False, max_length=50, help_text="Committees of this commune's council."
    )
    user = an_id(
        required=False, allow_null=True, help_text="The member's account on Communes+, if they have one."
    )


class CouncilMemberPatchIn(CouncilMemberIn):
    full_name = serializers.CharField(max_length=MAX_NAME_CHARS, required=False)
    mandate_start = serializers.DateField(required=False)


class CouncilPhotoIn(serializers.Serializer):
    photo = serializers.FileField(help_text="PNG, JPEG or WebP.")


class CouncilCommitteeIn(serializers.Serializer):
    name = serializers.CharField(max_length=MAX_NAME_CHARS)


class CouncilRulesIn(serializers.Serializer):
    quorum_rule = serializers.ChoiceField(choices=QuorumRule.choices, required=False)
    quorum_fixed = serializers.IntegerField(
        min_value=1, max_value=500, required=False, allow_null=True, help_text="With quorum_rule fixed."
    )
    proxies_count_for_quorum = serializers.BooleanField(required=False)
    majority_rule = serializers.ChoiceField(choices=MajorityRule.choices, required=False)
    tie_rule = serializers.ChoiceField(choices=TieRule.choices, required=False)


class CouncilAttendanceEntryIn(serializers.Serializer):
    member = an_id()
    status = serializers.ChoiceField(choices=Presence.choices)
    proxy_holder = an_id(
        required=False, allow_null=True, help_text="With status proxy: the member in the room who holds it."
    )


class CouncilAttendanceIn(serializers.Serializer):
    entries = serializers.ListField(child=CouncilAttendanceEntryIn(), min_length=1, max_length=MAX_LINES)


class CouncilMotionIn(serializers.Serializer):
    title = serializers.CharField(max_length=MAX_MOTION_TITLE_CHARS)
    text = serializers.CharField(
        max_length=MAX_MOTION_TEXT_CHARS, required=False, allow_blank=True, default=""
    )
    document = an_id(
        required=False, allow_null=True, default=None, help_text="A document this commune has published."
    )
    agenda_item = an_id(
        required=False,
        allow_null=True,
        default=None,
        help_text="An item of this session's agenda (default: the current item).",
    )
    secret = serializers.BooleanField(required=False, default=False)
    majority_rule = serializers.ChoiceField(
        choices=MajorityRule.choices, required=False, help_text="Default: the commune's rules."
    )
    tie_rule = serializers.ChoiceField(
        choices=TieRule.choices, required=False, help_text="Default: the commune's rules."
    )
    chair = an_id(
        required=False,
        allow_null=True,
        default=None,
        help_text="A member in the room (default: the mayor, when present).",
    )


class CouncilMotionPatchIn(serializers.Serializer):
    deliberation = an_id(
        allow_null=True, help_text="A deliberation or minutes this commune has published; null unlinks."
    )


class CouncilVoteIn(serializers.Serializer):
    member = an_id()
    choice = serializers.ChoiceField(choices=VoteChoice.choices)


class CouncilVotesIn(serializers.Serializer):
    votes = serializers.ListField(child=CouncilVoteIn(), min_length=1, max_length=MAX_LINES)


def _count(**options: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=MAX_COUNT, **options)


# "for" is a keyword: the class is built with its fields named as the JSON names them.
CouncilCountsIn: type[serializers.Serializer] = type(
    "CouncilCountsIn",
    (serializers.Serializer,),
    {
        "__doc__": "A secret ballot's counts.",
        "__module__": __name__,
        "for": _count(),
        "against": _count(),
        "abstain": _count(required=False, default=0),
        "not_voting": _count(required=False, default=0),
    },
)


class CouncilCorrectionIn(serializers.Serializer):
    """Either a member's vote (``member`` and ``choice``) or a secret ballot's ``counts``."""

    member = an_id(required=False)
    choice = serializers.ChoiceField(choices=VoteChoice.choices, required=False)
    counts = CouncilCountsIn(required=False)
    reason = serializers.CharField(max_length=MAX_REASON_CHARS)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        vote = "member" in attrs or "choice" in attrs
        if vote and "counts" in attrs:
            raise serializers.ValidationError(
                {"counts": [_("Correct either a member's vote or the counts, not both.")]}
            )
        if "counts" not in attrs:
            missing = {
                name: [_("This field is required.")] for name in ("member", "choice") if name not in attrs
            }
            if missing:
                raise serializers.ValidationError(missing)
        return attrs
