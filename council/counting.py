"""The council's arithmetic, pure: the quorum of a roll call and the result of a vote.

Nothing here reads the database; the services give the counts and the rules, and tests check every
rule on its own (ties, proxies, absences, secret ballots).

Defaults follow Benin's communes law: the council deliberates validly when more than half of its
members in office are in the room; a decision takes the absolute majority of the votes cast
(abstentions and members not voting are not votes cast); in a tie, the chair's vote decides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from council.models import MajorityRule, MotionResult, QuorumRule, TieRule, VoteChoice


@dataclass(frozen=True)
class Quorum:
    in_office: int  # the base: members in office on the session's day
    present: int  # in the room (present or arrived late)
    represented: int  # represented by a proxy holder who is in the room
    counted: int  # what counts towards the quorum (``present``, plus ``represented`` if the rules say so)
    required: int
    reached: bool

    def as_dict(self) -> dict[str, int | bool]:
        return {
            "in_office": self.in_office,
            "present": self.present,
            "represented": self.represented,
            "counted": self.counted,
            "required": self.required,
            "reached": self.reached,
        }


def quorum_required(rule: str, in_office: int, fixed: int | None = None) -> int:
    """How many members must count for the council to deliberate (at least 1)."""
    if rule == QuorumRule.TWO_THIRDS:
        needed = math.ceil(2 * in_office / 3)
    elif rule == QuorumRule.FIXED:
        needed = min(fixed or 0, in_office) if in_office else (fixed or 0)
    else:  # a majority: more than half
        needed = in_office // 2 + 1
    return max(needed, 1)


def quorum(
    *,
    rule: str,
    in_office: int,
    present: int,
    represented: int,
    proxies_count: bool,
    fixed: int | None = None,
) -> Quorum:
    counted = present + (represented if proxies_count else 0)
    required = quorum_required(rule, in_office, fixed)
    return Quorum(
        in_office=in_office,
        present=present,
        represented=represented,
        counted=counted,
        required=required,
        reached=in_office > 0 and counted >= required,
    )


@dataclass(frozen=True)
class Tally:
    votes_for: int = 0
    votes_against: int = 0
    abstentions: int = 0
    not_voting: int = 0

    @property
    def cast(self) -> int:
        """Votes cast: for and against (abstentions are not)."""
        return self.votes_for + self.votes_against

    @property
    def voting(self) -> int:
        """Members who took part in the vote, abstaining included."""
        return self.cast + self.abstentions

    def as_dict(self) -> dict[str, int]:
        return {
            "for": self.votes_for,
            "against": self.votes_against,
            "abstain": self.abstentions,
            "not_voting": self.not_voting,
        }


def tally_of(choices: list[str]) -> Tally:
    return Tally(
        votes_for=choices.count(VoteChoice.FOR),
        votes_against=choices.count(VoteChoice.AGAINST),
        abstentions=choices.count(VoteChoice.ABSTAIN),
        not_voting=choices.count(VoteChoice.NOT_VOTING),
    )


@dataclass(frozen=True)
class Outcome:
    result: str  # MotionResult
    reason: str  # "majority", "tie_chair_for", "tie_chair_against", "tie_rejected", "no_votes"
    required: int  # votes "for" that adopt it (the threshold, for display)


def required_for(rule: str, tally: Tally, in_office: int) -> int:
    """The votes "for" that adopt the motion: more than half (or two thirds) of the rule's base."""
    if rule == MajorityRule.PRESENT:
        base = tally.voting
    elif rule == MajorityRule.MEMBERS:
        base = in_office
    elif rule == MajorityRule.TWO_THIRDS:
        return max(math.ceil(2 * tally.cast / 3), 1)
    else:
        base = tally.cast
    return base // 2 + 1


def outcome(
    *, majority_rule: str, tie_rule: str, tally: Tally, in_office: int, chair_choice: str | None
) -> Outcome:
    """Adopted or rejected, and why. ``chair_choice``: how the chair voted (None: secret ballot, or
    the chair did not vote): it decides a tie only under ``TieRule.CHAIR`` and only if it is for or
    against."""
    required = required_for(majority_rule, tally, in_office)
    if tally.cast == 0:
        return Outcome(MotionResult.REJECTED, "no_votes", required)
    # A tie is for == against, under the rule of the votes cast; under the other rules exactly half
    # is not a majority.
    if majority_rule == MajorityRule.CAST and tally.votes_for == tally.votes_against:
        if tie_rule == TieRule.CHAIR and chair_choice == VoteChoice.FOR:
            return Outcome(MotionResult.ADOPTED, "tie_chair_for", required)
        if tie_rule == TieRule.CHAIR and chair_choice == VoteChoice.AGAINST:
            return Outcome(MotionResult.REJECTED, "tie_chair_against", required)
        return Outcome(MotionResult.REJECTED, "tie_rejected", required)
    if tally.votes_for >= required:
        return Outcome(MotionResult.ADOPTED, "majority", required)
    return Outcome(MotionResult.REJECTED, "majority", required)
