"""The council's arithmetic (``council/counting.py``), rule by rule: the quorum of a roll call and the
result of a vote under each majority rule, ties and the chair's casting vote, no votes at all. Pure
functions: no database."""

from __future__ import annotations

import pytest

from council.counting import Tally, outcome, quorum, quorum_required, required_for, tally_of
from council.models import MajorityRule, MotionResult, QuorumRule, TieRule, VoteChoice

ADOPTED, REJECTED = MotionResult.ADOPTED, MotionResult.REJECTED
CAST, PRESENT, MEMBERS, TWO_THIRDS = (
    MajorityRule.CAST,
    MajorityRule.PRESENT,
    MajorityRule.MEMBERS,
    MajorityRule.TWO_THIRDS,
)
FOR, AGAINST, ABSTAIN = VoteChoice.FOR, VoteChoice.AGAINST, VoteChoice.ABSTAIN


# --- Quorum --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "in_office", "fixed", "required"),
    [
        # A majority of the members in office: more than half.
        (QuorumRule.MAJORITY, 19, None, 10),
        (QuorumRule.MAJORITY, 20, None, 11),
        (QuorumRule.MAJORITY, 49, None, 25),
        (QuorumRule.MAJORITY, 1, None, 1),
        # Two thirds, rounded up.
        (QuorumRule.TWO_THIRDS, 19, None, 13),
        (QuorumRule.TWO_THIRDS, 20, None, 14),
        (QuorumRule.TWO_THIRDS, 21, None, 14),
        # A fixed number, never more than the members in office, never less than one.
        (QuorumRule.FIXED, 49, 12, 12),
        (QuorumRule.FIXED, 20, 30, 20),
        (QuorumRule.FIXED, 20, None, 1),
        (QuorumRule.FIXED, 20, 0, 1),
        # No member in office: one is still required (and the quorum is never reached, below).
        (QuorumRule.MAJORITY, 0, None, 1),
        (QuorumRule.TWO_THIRDS, 0, None, 1),
    ],
)
def test_quorum_required_by_rule(rule, in_office, fixed, required):
    # given a rule and the members in office, when the quorum is computed, then it requires so many
    assert quorum_required(rule, in_office, fixed) == required


@pytest.mark.parametrize(
    ("in_office", "present", "represented", "proxies_count", "counted", "reached"),
    [
        (19, 10, 0, False, 10, True),  # exactly the majority
        (19, 9, 0, False, 9, False),  # one short
        (20, 10, 0, False, 10, False),  # half is not a majority
        (20, 11, 0, False, 11, True),
        # proxies counted towards the quorum only when the rules say so
        (19, 9, 2, False, 9, False),
        (19, 9, 2, True, 11, True),
        (19, 8, 2, True, 10, True),
        # zero members in office: never reached, whatever is recorded
        (0, 0, 0, False, 0, False),
        (0, 3, 0, True, 3, False),
    ],
)
def test_quorum_counts_the_room_and_proxies_if_the_rules_say_so(
    in_office, present, represented, proxies_count, counted, reached
):
    # given a roll call, when its quorum is computed under the majority rule
    result = quorum(
        rule=QuorumRule.MAJORITY,
        in_office=in_office,
        present=present,
        represented=represented,
        proxies_count=proxies_count,
    )
    # then it counts what the rules count and says whether it is reached
    assert (result.counted, result.reached) == (counted, reached)
    assert result.as_dict() == {
        "in_office": in_office,
        "present": present,
        "represented": represented,
        "counted": counted,
        "required": quorum_required(QuorumRule.MAJORITY, in_office),
        "reached": reached,
    }


def test_fixed_quorum_is_reached_at_the_fixed_number():
    # given a fixed quorum of 12 among 49, when 11 then 12 are present
    short = quorum(
        rule=QuorumRule.FIXED, in_office=49, present=11, represented=0, proxies_count=False, fixed=12
    )
    enough = quorum(
        rule=QuorumRule.FIXED, in_office=49, present=12, represented=0, proxies_count=False, fixed=12
    )
    # then 12 reach it and 11 do not
    assert (short.required, short.reached) == (12, False)
    assert (enough.required, enough.reached) == (12, True)


# --- Tallies -------------------------------------------------------------------------------------


def test_tally_of_counts_each_choice():
    # given named votes, when tallied, then each choice is counted and abstentions are not cast
    counts = tally_of([FOR, FOR, AGAINST, ABSTAIN, VoteChoice.NOT_VOTING, FOR])
    assert counts == Tally(votes_for=3, votes_against=1, abstentions=1, not_voting=1)
    assert (counts.cast, counts.voting) == (4, 5)
    assert counts.as_dict() == {"for": 3, "against": 1, "abstain": 1, "not_voting": 1}


def test_tally_of_nothing_is_zero():
    assert tally_of([]) == Tally() and Tally().cast == 0


# --- Outcome under each majority rule ------------------------------------------------------------


def decide(rule, tally, *, in_office=19, tie_rule=TieRule.CHAIR, chair=None):
    return outcome(
        majority_rule=rule, tie_rule=tie_rule, tally=tally, in_office=in_office, chair_choice=chair
    )


@pytest.mark.parametrize(
    ("rule", "tally", "in_office", "result", "required"),
    [
        # CAST (Benin's default): abstentions and members not voting are not votes cast.
        (CAST, Tally(5, 4, 6, 2), 19, ADOPTED, 5),
        (CAST, Tally(4, 5, 9, 0), 19, REJECTED, 5),
        (CAST, Tally(1, 0, 15, 3), 19, ADOPTED, 1),
        (CAST, Tally(10, 9, 0, 0), 19, ADOPTED, 10),
        # PRESENT: abstentions count in the base (members voting), not voting does not.
        (PRESENT, Tally(5, 4, 2, 0), 19, REJECTED, 6),
        (PRESENT, Tally(6, 4, 1, 0), 19, ADOPTED, 6),
        (PRESENT, Tally(6, 4, 1, 7), 19, ADOPTED, 6),
        (PRESENT, Tally(5, 0, 5, 0), 19, REJECTED, 6),
        # MEMBERS: the base is the members in office, whoever voted.
        (MEMBERS, Tally(9, 0, 0, 0), 19, REJECTED, 10),
        (MEMBERS, Tally(10, 0, 0, 0), 19, ADOPTED, 10),
        (MEMBERS, Tally(10, 9, 0, 0), 20, REJECTED, 11),
        (MEMBERS, Tally(25, 3, 2, 0), 49, ADOPTED, 25),
        # TWO_THIRDS of the votes cast, rounded up.
        (TWO_THIRDS, Tally(6, 3, 0, 0), 19, ADOPTED, 6),
        (TWO_THIRDS, Tally(5, 3, 4, 0), 19, REJECTED, 6),
        (TWO_THIRDS, Tally(2, 1, 0, 0), 19, ADOPTED, 2),
        (TWO_THIRDS, Tally(4, 4, 0, 0), 19, REJECTED, 6),
    ],
)
def test_outcome_under_each_majority_rule(rule, tally, in_office, result, required):
    # given a tally under a rule, when decided, then the result and the threshold follow the rule
    decided = decide(rule, tally, in_office=in_office)
    assert (decided.result, decided.reason, decided.required) == (result, "majority", required)
    assert required_for(rule, tally, in_office) == required


# --- Ties ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tie_rule", "chair", "result", "reason"),
    [
        (TieRule.CHAIR, FOR, ADOPTED, "tie_chair_for"),
        (TieRule.CHAIR, AGAINST, REJECTED, "tie_chair_against"),
        (TieRule.CHAIR, ABSTAIN, REJECTED, "tie_rejected"),
        (TieRule.CHAIR, VoteChoice.NOT_VOTING, REJECTED, "tie_rejected"),
        # A secret ballot (or a chair who did not vote): no chair's choice to decide.
        (TieRule.CHAIR, None, REJECTED, "tie_rejected"),
        # Under the "rejected" tie rule, the chair's vote decides nothing.
        (TieRule.REJECTED, FOR, REJECTED, "tie_rejected"),
        (TieRule.REJECTED, AGAINST, REJECTED, "tie_rejected"),
        (TieRule.REJECTED, None, REJECTED, "tie_rejected"),
    ],
)
def test_a_tie_of_the_votes_cast(tie_rule, chair, result, reason):
    # given 4 for, 4 against (and abstentions, which do not break a tie)
    tally = Tally(votes_for=4, votes_against=4, abstentions=3)
    # when decided under the tie rule with the chair's choice
    decided = decide(CAST, tally, tie_rule=tie_rule, chair=chair)
    # then the tie is resolved as the rule says
    assert (decided.result, decided.reason) == (result, reason)


def test_the_chairs_vote_does_not_decide_when_there_is_no_tie():
    # given 5 for, 4 against with the chair against, when decided, then the majority decides
    decided = decide(CAST, Tally(5, 4), chair=AGAINST)
    assert (decided.result, decided.reason) == (ADOPTED, "majority")


@pytest.mark.parametrize("rule", [PRESENT, MEMBERS, TWO_THIRDS])
def test_under_the_other_rules_exactly_half_is_no_majority_even_with_the_chair_for(rule):
    # given 5 for, 5 against and the chair for, under a rule other than the votes cast
    decided = decide(rule, Tally(5, 5), in_office=10, chair=FOR)
    # then the motion is rejected by the majority rule, not by a tie-break
    assert (decided.result, decided.reason) == (REJECTED, "majority")


# --- No votes at all -----------------------------------------------------------------------------


@pytest.mark.parametrize("rule", [CAST, PRESENT, MEMBERS, TWO_THIRDS])
@pytest.mark.parametrize(
    "tally", [Tally(), Tally(abstentions=7), Tally(not_voting=4), Tally(abstentions=2, not_voting=2)]
)
def test_no_votes_cast_rejects_with_no_votes(rule, tally):
    # given no vote for or against, when decided under any rule, then it is rejected: "no_votes"
    decided = decide(rule, tally, chair=FOR)
    assert (decided.result, decided.reason) == (REJECTED, "no_votes")
