"""Output serializers of the council API. They declare the fields for the schema and write them with
the shape builders the live events and the open data use (``council.events``, ``council.export``), so
a motion or a member reads the same over REST, the session's websocket and the exports. Payloads carry
codes (roles, attendance, choices, results), not words: clients label them."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from council.counting import Quorum
from council.events import attendance_data, correction_data, member_ref, motion_data
from council.export import member_data
from council.models import (
    Committee,
    CouncilMember,
    CouncilRole,
    CouncilRules,
    MajorityRule,
    Motion,
    MotionStatus,
    Presence,
    QuorumRule,
    TieRule,
    VoteChoice,
)
from council.selectors import MemberRecord, SessionRecord, session_day
from hub.models import Commune

RESULT_HELP = "adopted or rejected once the vote is closed; empty while it is open."


def _named(name: str, doc: str, fields: dict[str, serializers.Field]) -> type[serializers.Serializer]:
    """A serializer with fields whose JSON names are Python keywords (``for``)."""
    return type(name, (serializers.Serializer,), {"__doc__": doc, "__module__": __name__, **fields})


CouncilTallyOut = _named(
    "CouncilTallyOut",
    "The votes: from the named votes, or the counts of a secret ballot.",
    {
        "for": serializers.IntegerField(),
        "against": serializers.IntegerField(),
        "abstain": serializers.IntegerField(),
        "not_voting": serializers.IntegerField(),
    },
)


class CouncilCommuneOut(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


def commune_data(commune: Commune) -> dict[str, Any]:
    return {"id": commune.pk, "slug": commune.slug, "name": commune.name}


class CouncilCommitteeOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()

    def to_representation(self, instance: Committee) -> dict[str, Any]:
        return {"id": instance.pk, "name": instance.name}


class CouncilMemberOut(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    role = serializers.ChoiceField(choices=CouncilRole.choices)
    title = serializers.CharField(help_text="e.g. 1er adjoint au maire; empty: the role says it.")
    arrondissement = serializers.CharField()
    committees = CouncilCommitteeOut(many=True)
    mandate_start = serializers.DateField()
    mandate_end = serializers.DateField(allow_null=True)
    photo_url = serializers.CharField(allow_null=True, help_text="null: no photo.")
    path = serializers.CharField(help_text="The member's public page.")
    has_account = serializers.BooleanField(help_text="Whether the member has an account on Communes+.")

    def to_representation(self, instance: CouncilMember) -> dict[str, Any]:
        return member_data(instance)


class CouncilRulesOut(serializers.Serializer):
    quorum_rule = serializers.ChoiceField(choices=QuorumRule.choices)
    quorum_fixed = serializers.IntegerField(allow_null=True)
    proxies_count_for_quorum = serializers.BooleanField()
    majority_rule = serializers.ChoiceField(choices=MajorityRule.choices)
    tie_rule = serializers.ChoiceField(choices=TieRule.choices)

    def to_representation(self, instance: CouncilRules) -> dict[str, Any]:
        return {
            "quorum_rule": instance.quorum_rule,
            "quorum_fixed": instance.quorum_fixed,
            "proxies_count_for_quorum": instance.proxies_count_for_quorum,
            "majority_rule": instance.majority_rule,
            "tie_rule": instance.tie_rule,
        }


class CouncilOut(serializers.Serializer):
    """A commune's council: its members (the mayor first), committees and rules."""

    commune = CouncilCommuneOut()
    members = CouncilMemberOut(many=True)
    committees = CouncilCommitteeOut(many=True)
    rules = CouncilRulesOut()


class CouncilMemberVoteOut(serializers.Serializer):
    motion = serializers.IntegerField()
    motion_number = serializers.IntegerField()
    motion_title = serializers.CharField()
    session = serializers.IntegerField()
    date = serializers.DateField(help_text="The session's day.")
    choice = serializers.ChoiceField(choices=VoteChoice.choices)
    cast_by = serializers.IntegerField(allow_null=True, help_text="The proxy holder who cast it.")
    corrected = serializers.BooleanField()
    status = serializers.ChoiceField(choices=MotionStatus.choices)
    result = serializers.CharField(help_text=RESULT_HELP)


class CouncilMemberAttendanceOut(serializers.Serializer):
    session = serializers.IntegerField()
    session_title = serializers.CharField()
    date = serializers.DateField()
    status = serializers.ChoiceField(choices=Presence.choices)
    proxy_holder = serializers.IntegerField(allow_null=True)


class CouncilMemberDetailOut(CouncilMemberOut):
    """A member and their record: attendance (newest first) and every named vote."""

    sessions_called = serializers.IntegerField(help_text="Council sessions with them on the roll call.")
    sessions_present = serializers.IntegerField(help_text="Present or arrived late.")
    sessions_represented = serializers.IntegerField(help_text="Represented by proxy.")
    attendance_rate = serializers.IntegerField(
        allow_null=True, help_text="Percent of the sessions called, present or late; null: never called."
    )
    attendance = CouncilMemberAttendanceOut(many=True)
    votes = CouncilMemberVoteOut(many=True)

    def to_representation(self, instance: MemberRecord) -> dict[str, Any]:  # type: ignore[override]
        return {
            **member_data(instance.member),
            "sessions_called": instance.sessions_called,
            "sessions_present": instance.sessions_present,
            "sessions_represented": instance.sessions_represented,
            "attendance_rate": instance.attendance_rate,
            "attendance": [
                {
                    "session": row.session_id,
                    "session_title": row.session.title,
                    "date": session_day(row.session).isoformat(),
                    "status": row.status,
                    "proxy_holder": row.proxy_holder_id,
                }
                for row in instance.attendance
            ],
            "votes": [
                {
                    "motion": vote.motion_id,
                    "motion_number": vote.motion.number,
                    "motion_title": vote.motion.title,
                    "session": vote.motion.session_id,
                    "date": session_day(vote.motion.session).isoformat(),
                    "choice": vote.choice,
                    "cast_by": vote.cast_by_id,
                    "corrected": vote.corrected_at is not None,
                    "status": vote.motion.status,
                    "result": vote.motion.result,
                }
                for vote in instance.votes
            ],
        }


class CouncilQuorumOut(serializers.Serializer):
    in_office = serializers.IntegerField(help_text="Members in office on the session's day: the base.")
    present = serializers.IntegerField(help_text="In the room (present or arrived late).")
    represented = serializers.IntegerField(help_text="Represented by a proxy holder in the room.")
    counted = serializers.IntegerField(help_text="What counts towards the quorum under the rules.")
    # DRF takes declared fields off the class: this does not shadow ``Field.required``.
    required = serializers.IntegerField()  # type: ignore[assignment]
    reached = serializers.BooleanField()

    def to_representation(self, instance: Quorum) -> dict[str, Any]:
        return dict(instance.as_dict())


class CouncilMemberRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    role = serializers.ChoiceField(choices=CouncilRole.choices)
    title = serializers.CharField()
    path = serializers.CharField()


class CouncilRollCallOut(serializers.Serializer):
    member = CouncilMemberRefOut()
    status = serializers.CharField(
        allow_null=True, help_text="present, late, proxy, excused or absent; null: not called yet."
    )
    proxy_holder = serializers.IntegerField(allow_null=True)
    arrived_at = serializers.DateTimeField(allow_null=True)


class CouncilDocumentOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    path = serializers.CharField()


class CouncilMotionVoteOut(serializers.Serializer):
    member = serializers.IntegerField()
    full_name = serializers.CharField()
    choice = serializers.ChoiceField(choices=VoteChoice.choices)
    cast_by = serializers.IntegerField(allow_null=True, help_text="The proxy holder who cast it.")
    corrected = serializers.BooleanField()


class CouncilMotionOut(serializers.Serializer):
    """A motion with its tally, result and named votes: the payload of the motion events too."""

    id = serializers.IntegerField()
    session = serializers.IntegerField()
    number = serializers.IntegerField(help_text="Its number within the session, from 1.")
    title = serializers.CharField()
    text = serializers.CharField()
    agenda_item = serializers.IntegerField(allow_null=True)
    document = CouncilDocumentOut(allow_null=True)
    secret = serializers.BooleanField()
    majority_rule = serializers.ChoiceField(choices=MajorityRule.choices)
    tie_rule = serializers.ChoiceField(choices=TieRule.choices)
    chair = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(choices=MotionStatus.choices)
    tally = CouncilTallyOut()
    required = serializers.IntegerField(  # type: ignore[assignment]
        help_text="Votes for that adopt it, under its majority rule."
    )
    members_in_office = serializers.IntegerField()
    result = serializers.CharField(help_text=RESULT_HELP)
    result_reason = serializers.CharField(
        help_text="majority, tie_chair_for, tie_chair_against, tie_rejected, no_votes; empty while open."
    )
    votes = CouncilMotionVoteOut(many=True)
    deliberation = CouncilDocumentOut(allow_null=True)
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, instance: Motion) -> dict[str, Any]:
        votes = self.context.get("votes", {}).get(instance.pk)
        return dict(motion_data(instance, votes))


class CouncilCorrectionOut(serializers.Serializer):
    id = serializers.IntegerField()
    what = serializers.CharField(help_text="vote (a member's vote) or counts (a secret ballot's).")
    member = serializers.IntegerField(allow_null=True, help_text="Whose vote (what: vote).")
    before = serializers.DictField(help_text='{"choice"} or the counts {for, against, abstain, not_voting}.')
    after = serializers.DictField()
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class CouncilMotionDetailOut(CouncilMotionOut):
    """A motion and the public corrections of its record, oldest first."""

    corrections = CouncilCorrectionOut(many=True)

    def to_representation(self, instance: Motion) -> dict[str, Any]:
        corrections = self.context.get("corrections", [])
        return {
            **super().to_representation(instance),
            "corrections": [correction_data(c) for c in corrections],
        }


class CouncilSessionOut(serializers.Serializer):
    """What a session records of the council: its roll call (every member in office, called or not),
    its quorum and its motions. ``council`` false: not a council session (empty lists, no quorum)."""

    session = serializers.IntegerField()
    council = serializers.BooleanField()
    roll_call = CouncilRollCallOut(many=True)
    quorum = CouncilQuorumOut(allow_null=True)
    motions = CouncilMotionOut(many=True)
    current = serializers.IntegerField(
        allow_null=True, help_text="The motion being voted on, else the last one; null: none yet."
    )

    def to_representation(self, instance: SessionRecord) -> dict[str, Any]:
        roll_call: list[dict[str, Any]] = []
        for member in instance.members:
            line = instance.attendance.get(member.pk)
            data = attendance_data(line) if line is not None else None
            roll_call.append(
                {
                    "member": member_ref(member),
                    "status": data["status"] if data else None,
                    "proxy_holder": data["proxy_holder"] if data else None,
                    "arrived_at": data["arrived_at"] if data else None,
                }
            )
        current = instance.current
        return {
            "session": instance.session.pk,
            "council": instance.council,
            "roll_call": roll_call,
            "quorum": instance.quorum.as_dict() if instance.quorum is not None else None,
            "motions": [dict(motion_data(m, m.votes.all())) for m in instance.motions],
            "current": current.pk if current is not None else None,
        }


# --- Open data ------------------------------------------------------------------------------------


class CouncilRecordAttendanceOut(serializers.Serializer):
    member = serializers.IntegerField()
    full_name = serializers.CharField()
    status = serializers.ChoiceField(choices=Presence.choices)
    proxy_holder = serializers.IntegerField(allow_null=True)
    arrived_at = serializers.DateTimeField(allow_null=True)


class CouncilRecordMotionOut(CouncilMotionDetailOut):
    agenda_item_title = serializers.CharField(allow_null=True)


class CouncilRecordSessionOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField(help_text="ordinary or extraordinary.")
    date = serializers.DateField()
    path = serializers.CharField()
    quorum = CouncilQuorumOut()
    attendance = CouncilRecordAttendanceOut(many=True)
    motions = CouncilRecordMotionOut(many=True)


class CouncilRecordOut(serializers.Serializer):
    """The council's record of a commune's year (``council.export.year_json`` writes it)."""

    commune = CouncilCommuneOut()
    year = serializers.IntegerField()
    generated_at = serializers.DateTimeField()
    members = CouncilMemberOut(many=True)
    sessions = CouncilRecordSessionOut(many=True)
