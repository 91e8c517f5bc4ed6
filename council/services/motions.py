"""Motions and their votes.

The secretary-general opens a motion on the session's current agenda item (one open at a time, with
the quorum reached), then records either each member's vote by name (members in the room vote, a
proxy holder votes for the member they represent) or, for a secret ballot, the counts; then closes
it. The result is computed here from the votes and the rules the motion was opened under, never
typed. A recorded vote is not recorded again: a change is a correction, with its reason, kept in the
public record (``Correction``) and in the audit log, and sent live like every change
(``motion.opened``, ``motion.vote``, ``motion.closed``, ``motion.corrected``, ``motion.updated``).
An adopted motion is linked later to the deliberation the commune publishes.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from council.counting import Tally, outcome, tally_of
from council.errors import (
    AlreadyVoted,
    CouncilNotFound,
    Invalid,
    MotionClosed,
    NoQuorum,
    NotAMember,
    NotPresent,
    WrongStatus,
    invalid,
)
from council.events import (
    MOTION_CLOSED,
    MOTION_CORRECTED,
    MOTION_OPENED,
    MOTION_UPDATED,
    MOTION_VOTE,
    correction_data,
    motion_append,
)
from council.models import (
    IN_ROOM,
    MAX_MOTION_TEXT_CHARS,
    MAX_MOTION_TITLE_CHARS,
    MAX_REASON_CHARS,
    Attendance,
    Correction,
    CouncilMember,
    CouncilRole,
    MajorityRule,
    Motion,
    MotionResult,
    MotionStatus,
    MotionVote,
    Presence,
    TieRule,
    VoteChoice,
)
from council.selectors import quorum_of, rules_for, session_day
from council.services.common import Cleaner, require_council_session, require_manager
from hub.cleaning import as_id
from hub.services.audit import audit_record
from publications.models import Document
from publications.models.documents import DocumentType
from sessions_live.models import AgendaItem, LiveSession, SessionStatus

MAX_VOTES_PER_CALL = 500
DELIBERATION_TYPES = (DocumentType.COUNCIL_DELIBERATION, DocumentType.COUNCIL_MINUTES)


def _locked_motion(motion: Motion) -> Motion:
    return (
        Motion.objects.select_for_update(of=("self",)).select_related("session", "commune").get(pk=motion.pk)
    )


def _recount(motion: Motion) -> None:
    """A named vote's tally from its rows (the rows are the truth), and its result if closed."""
    if not motion.secret:
        counts = tally_of(list(MotionVote.objects.filter(motion=motion).values_list("choice", flat=True)))
        motion.votes_for, motion.votes_against = counts.votes_for, counts.votes_against
        motion.abstentions, motion.not_voting = counts.abstentions, counts.not_voting
    if motion.status == MotionStatus.CLOSED:
        _decide(motion)


def _decide(motion: Motion) -> None:
    chair_choice = None
    if not motion.secret and motion.chair_id is not None:
        chair_choice = (
            MotionVote.objects.filter(motion=motion, member_id=motion.chair_id)
            .values_list("choice", flat=True)
            .first()
        )
    decided = outcome(
        majority_rule=motion.majority_rule,
        tie_rule=motion.tie_rule,
        tally=Tally(motion.votes_for, motion.votes_against, motion.abstentions, motion.not_voting),
        in_office=motion.members_in_office,
        chair_choice=chair_choice,
    )
    motion.result, motion.result_reason = decided.result, decided.reason


def _require_sitting(motion: Motion) -> None:
    """Votes are recorded while the session sits: once it has ended, its roll call (who could vote)
    is the record and no longer changes, so neither do the votes; a vote left open is closed with
    the votes it has, and a mistake is a correction."""
    if motion.session.status == SessionStatus.ENDED:
        raise WrongStatus(_("The session has ended: close this vote with the votes recorded."))


def _voters(motion: Motion) -> dict[int, int | None]:
    """Who may have a vote recorded now: member id -> the proxy holder casting it (None: in person)."""
    rows = Attendance.objects.filter(session_id=motion.session_id)
    in_room = {row.member_id for row in rows if row.status in IN_ROOM}
    voters: dict[int, int | None] = {member_id: None for member_id in in_room}
    for row in rows:
        if row.status == Presence.PROXY and row.proxy_holder_id in in_room:
            voters[row.member_id] = row.proxy_holder_id
    return voters


def motion_open(
    *,
    actor: Any,
    session: LiveSession,
    title: Any,
    text: Any = "",
    document: Any = None,
    agenda_item: Any = None,
    secret: Any = False,
    majority_rule: Any = None,
    tie_rule: Any = None,
    chair: Any = None,
) -> Motion:
    user = require_manager(actor, session.commune)
    require_council_session(session)
    rules = rules_for(session.commune_id)
    cleaner = Cleaner()
    clean_title = cleaner.text(title, field="title", max_length=MAX_MOTION_TITLE_CHARS, required=True)
    clean_text = cleaner.text(text, field="text", max_length=MAX_MOTION_TEXT_CHARS, required=False)
    is_secret = cleaner.flag(secret, field="secret")
    majority = cleaner.choice(
        majority_rule or rules.majority_rule, field="majority_rule", choices=MajorityRule.values
    )
    tie = cleaner.choice(tie_rule or rules.tie_rule, field="tie_rule", choices=TieRule.values)
    document_id = cleaner.identifier(document, field="document", required=False)
    item_id = cleaner.identifier(agenda_item, field="agenda_item", required=False)
    chair_id = cleaner.identifier(chair, field="chair", required=False)
    cleaner.done()
    found_document = None
    if document_id is not None:
        found_document = (
            Document.objects.published().filter(pk=document_id, commune_id=session.commune_id).first()
        )
        if found_document is None:
            raise invalid("document", _("Choose a document this commune has published."))
    with transaction.atomic():
        locked = (
            LiveSession.objects.select_for_update(of=("self",)).select_related("commune").get(pk=session.pk)
        )
        if locked.status != SessionStatus.LIVE:
            raise WrongStatus(_("Start the session before putting a motion to the vote."))
        if Motion.objects.filter(session=locked, status=MotionStatus.OPEN).exists():
            raise WrongStatus(_("A vote is in progress: close it before opening another."))
        item = None
        if item_id is not None:
            item = AgendaItem.objects.filter(pk=item_id, session=locked).first()
            if item is None:
                raise invalid("agenda_item", _("Choose an item of this session's agenda."))
        elif locked.current_item_id is not None:
            item = AgendaItem.objects.filter(pk=locked.current_item_id).first()
        quorum = quorum_of(locked)
        if not quorum.reached:
            raise NoQuorum(
                _("The quorum is not reached (%(counted)d of %(required)d members): the council cannot vote.")
                % {"counted": quorum.counted, "required": quorum.required},
                quorum=quorum.as_dict(),
            )
        in_room = set(
            Attendance.objects.filter(session=locked, status__in=IN_ROOM).values_list("member_id", flat=True)
        )
        if chair_id is not None:
            if chair_id not in in_room:
                raise invalid("chair", _("The chair must be a member in the room."))
        else:  # the mayor presides when present
            chair_id = (
                CouncilMember.objects.filter(pk__in=in_room, role=CouncilRole.MAYOR)
                .values_list("pk", flat=True)
                .first()
            )
        number = (Motion.objects.filter(session=locked).aggregate(n=Max("number"))["n"] or 0) + 1
        motion = Motion.objects.create(
            session=locked,
            commune_id=locked.commune_id,
            agenda_item=item,
            number=number,
            title=clean_title,
            text=clean_text,
            document=found_document,
            secret=is_secret,
            majority_rule=majority,
            tie_rule=tie,
            chair_id=chair_id,
            members_in_office=quorum.in_office,
            opened_by=user,
        )
        audit_record(
            actor=user,
            action="council.motion_open",
            obj=motion,
            commune=locked.commune,
            data={
                "session": locked.pk,
                "secret": is_secret,
                "majority_rule": majority,
                "tie_rule": tie,
                "quorum": quorum.as_dict(),
            },
        )
        motion_append(MOTION_OPENED, motion)
    return motion


def votes_record(*, actor: Any, motion: Motion, votes: Any) -> Motion:
    """Record named votes (``[{"member": id, "choice": "for"|"against"|"abstain"|"not_voting"}]``),
    all or none. A member already recorded is refused (``already_voted``): correct it instead."""
    user = require_manager(actor, motion.commune)
    cleaner = Cleaner()
    if not isinstance(votes, list) or not votes or len(votes) > MAX_VOTES_PER_CALL:
        raise Invalid(
            _("Send the votes: a list of members and their votes."), fields={"votes": [_("Send a list.")]}
        )
    wanted: dict[int, str] = {}
    for index, entry in enumerate(votes):
        field = f"votes.{index}"
        if not isinstance(entry, dict):
            cleaner.fail(field, _("Send a member and their vote."))
            continue
        member_id = cleaner.identifier(entry.get("member"), field=f"{field}.member")
        choice = cleaner.choice(entry.get("choice"), field=f"{field}.choice", choices=VoteChoice.values)
        if member_id is not None and member_id in wanted:
            cleaner.fail(f"{field}.member", _("This member is twice in the list."))
        if member_id is not None:
            wanted[member_id] = choice
    cleaner.done()
    with transaction.atomic():
        locked = _locked_motion(motion)
        if locked.status != MotionStatus.OPEN:
            raise MotionClosed()
        _require_sitting(locked)
        if locked.secret:
            raise WrongStatus(_("This is a secret ballot: record the counts, not names."))
        members = CouncilMember.objects.filter(commune_id=locked.commune_id, pk__in=list(wanted)).in_office(
            session_day(locked.session)
        )
        known = set(members.values_list("pk", flat=True))
        strangers = sorted(set(wanted) - known)
        if strangers:
            raise NotAMember(
                _("Not a member of this council in office: %(ids)s.")
                % {"ids": ", ".join(map(str, strangers))},
                members=strangers,
            )
        voters = _voters(locked)
        absent = sorted(set(wanted) - set(voters))
        if absent:
            names = ", ".join(members.filter(pk__in=absent).values_list("full_name", flat=True))
            raise NotPresent(
                _("Neither present nor represented: %(names)s. Record their attendance first.")
                % {"names": names},
                members=absent,
            )
        already = sorted(
            MotionVote.objects.filter(motion=locked, member_id__in=list(wanted)).values_list(
                "member_id", flat=True
            )
        )
        if already:
            names = ", ".join(members.filter(pk__in=already).values_list("full_name", flat=True))
            raise AlreadyVoted(
                _("Already recorded: %(names)s. To change a vote, correct it and give the reason.")
                % {"names": names},
                members=already,
            )
        now = timezone.now()
        MotionVote.objects.bulk_create(
            [
                MotionVote(
                    motion=locked,
                    member_id=member_id,
                    choice=choice,
                    cast_by_id=voters[member_id],
                    recorded_by=user,
                    recorded_at=now,
                )
                for member_id, choice in wanted.items()
            ]
        )
        _recount(locked)
        locked.updated_at = now
        locked.save()
        audit_record(
            actor=user,
            action="council.votes_record",
            obj=locked,
            commune=locked.commune,
            data={"votes": {str(k): v for k, v in wanted.items()}},
        )
        motion_append(MOTION_VOTE, locked, members=sorted(wanted))
    return locked


def vote_record(*, actor: Any, motion: Motion, member: Any, choice: Any) -> Motion:
    return votes_record(actor=actor, motion=motion, votes=[{"member": member, "choice": choice}])


def _counts_clean(cleaner: Cleaner, counts: Any) -> Tally:
    if not isinstance(counts, dict):
        raise Invalid(
            _("Send the counts: for, against, abstain."), fields={"counts": [_("Send the counts.")]}
        )
    return Tally(
        votes_for=cleaner.count(counts.get("for"), field="for"),
        votes_against=cleaner.count(counts.get("against"), field="against"),
        abstentions=cleaner.count(counts.get("abstain", 0), field="abstain"),
        not_voting=cleaner.count(counts.get("not_voting", 0), field="not_voting"),
    )


def _counts_check(motion: Motion, counts: Tally) -> None:
    voters = len(_voters(motion))
    total = counts.voting + counts.not_voting
    # No ballot at all is not a count: recorded, it would read as "not recorded yet" (the close
    # would refuse it and a second record would pass), so it is refused here.
    if total == 0:
        raise invalid("counts", _("Enter the ballots counted: at least one."))
    if total > voters:
        raise invalid(
            "counts",
            _("%(total)d ballots for %(voters)d members present or represented: check the counts.")
            % {"total": total, "voters": voters},
        )


def counts_record(*, actor: Any, motion: Motion, counts: Any) -> Motion:
    """A secret ballot's counts, once, while the vote is open (a change is a correction)."""
    user = require_manager(actor, motion.commune)
    cleaner = Cleaner()
    tally = _counts_clean(cleaner, counts)
    cleaner.done()
    with transaction.atomic():
        locked = _locked_motion(motion)
        if locked.status != MotionStatus.OPEN:
            raise MotionClosed()
        _require_sitting(locked)
        if not locked.secret:
            raise WrongStatus(_("This motion is voted by name: record each member's vote."))
        if locked.votes_for or locked.votes_against or locked.abstentions or locked.not_voting:
            raise AlreadyVoted(
                _("The counts are already recorded. To change them, correct them and give the reason.")
            )
        _counts_check(locked, tally)
        locked.votes_for, locked.votes_against = tally.votes_for, tally.votes_against
        locked.abstentions, locked.not_voting = tally.abstentions, tally.not_voting
        locked.updated_at = timezone.now()
        locked.save()
        audit_record(
            actor=user,
            action="council.counts_record",
            obj=locked,
            commune=locked.commune,
            data=tally.as_dict(),
        )
        motion_append(MOTION_VOTE, locked)
    return locked


def motion_close(*, actor: Any, motion: Motion) -> Motion:
    """Close the vote: the result is computed from the votes (or counts) and the motion's rules."""
    user = require_manager(actor, motion.commune)
    with transaction.atomic():
        locked = _locked_motion(motion)
        if locked.status != MotionStatus.OPEN:
            raise MotionClosed(_("This vote is closed already."))
        if locked.secret and not (
            locked.votes_for or locked.votes_against or locked.abstentions or locked.not_voting
        ):
            raise WrongStatus(_("Record the counts of the secret ballot before closing it."))
        locked.status = MotionStatus.CLOSED
        locked.closed_at = locked.updated_at = timezone.now()
        _recount(locked)
        locked.save()
        audit_record(
            actor=user,
            action="council.motion_close",
            obj=locked,
            commune=locked.commune,
            data={
                "result": locked.result,
                "reason": locked.result_reason,
                **Tally(
                    locked.votes_for, locked.votes_against, locked.abstentions, locked.not_voting
                ).as_dict(),
            },
        )
        motion_append(MOTION_CLOSED, locked)
    return locked


def _reason_clean(reason: Any) -> str:
    cleaner = Cleaner()
    text = cleaner.text(reason, field="reason", max_length=MAX_REASON_CHARS, required=True)
    cleaner.done()
    return text


def vote_correct(*, actor: Any, motion: Motion, member: Any, choice: Any, reason: Any) -> Motion:
    """Change a recorded vote, with the reason: public (``Correction``), audited, sent live; a closed
    motion's result is computed again."""
    user = require_manager(actor, motion.commune)
    cleaner = Cleaner()
    member_id = cleaner.identifier(member, field="member")
    new_choice = cleaner.choice(choice, field="choice", choices=VoteChoice.values)
    cleaner.done()
    why = _reason_clean(reason)
    with transaction.atomic():
        locked = _locked_motion(motion)
        vote = MotionVote.objects.select_for_update().filter(motion=locked, member_id=member_id).first()
        if vote is None:
            raise CouncilNotFound(
                _("This member's vote is not recorded: record it instead of correcting it.")
            )
        if vote.choice == new_choice:
            raise invalid("choice", _("This is the vote already recorded."))
        before_result = locked.result
        correction = Correction.objects.create(
            motion=locked,
            member_id=member_id,
            what="vote",
            before={"choice": vote.choice},
            after={"choice": new_choice},
            reason=why,
            by=user,
        )
        old = vote.choice
        vote.choice = new_choice
        vote.corrected_at = timezone.now()
        vote.save(update_fields=["choice", "corrected_at"])
        _corrected(
            locked,
            user,
            correction,
            "council.vote_correct",
            {
                "member": member_id,
                "before": old,
                "after": new_choice,
                "reason": why,
                "result_before": before_result,
            },
        )
    return locked


def counts_correct(*, actor: Any, motion: Motion, counts: Any, reason: Any) -> Motion:
    user = require_manager(actor, motion.commune)
    cleaner = Cleaner()
    tally = _counts_clean(cleaner, counts)
    cleaner.done()
    why = _reason_clean(reason)
    with transaction.atomic():
        locked = _locked_motion(motion)
        if not locked.secret:
            raise WrongStatus(_("This motion is voted by name: correct a member's vote."))
        before = Tally(locked.votes_for, locked.votes_against, locked.abstentions, locked.not_voting)
        if before == Tally():
            # Like a vote never recorded: nothing to correct, and a "correction" from nothing would
            # put counts on the record that were never entered as such.
            raise CouncilNotFound(
                _("The counts of this ballot are not recorded: record them instead of correcting them.")
            )
        if before == tally:
            raise invalid("counts", _("These are the counts already recorded."))
        _counts_check(locked, tally)
        correction = Correction.objects.create(
            motion=locked, what="counts", before=before.as_dict(), after=tally.as_dict(), reason=why, by=user
        )
        before_result = locked.result
        locked.votes_for, locked.votes_against = tally.votes_for, tally.votes_against
        locked.abstentions, locked.not_voting = tally.abstentions, tally.not_voting
        _corrected(
            locked,
            user,
            correction,
            "council.counts_correct",
            {
                "before": before.as_dict(),
                "after": tally.as_dict(),
                "reason": why,
                "result_before": before_result,
            },
        )
    return locked


def _corrected(motion: Motion, user: Any, correction: Correction, action: str, data: dict[str, Any]) -> None:
    """After a correction: the tally and (closed) result again, audited, sent live with the correction."""
    _recount(motion)
    motion.updated_at = timezone.now()
    motion.save()
    data = {**data, "result_after": motion.result}
    audit_record(actor=user, action=action, obj=motion, commune=motion.commune, data=data)
    motion_append(MOTION_CORRECTED, motion, correction=correction_data(correction))


def motion_link_deliberation(*, actor: Any, motion: Motion, document: Any) -> Motion:
    """Link an adopted motion to the deliberation (or minutes) the commune published (None unlinks)."""
    user = require_manager(actor, motion.commune)
    document_id = as_id(document) if document not in (None, "") else None
    if document not in (None, "") and document_id is None:
        raise invalid("deliberation", _("Give an identifier (a whole number)."))
    with transaction.atomic():
        locked = _locked_motion(motion)
        if locked.status != MotionStatus.CLOSED or locked.result != MotionResult.ADOPTED:
            raise WrongStatus(_("Only an adopted motion becomes a deliberation."))
        found = None
        if document_id is not None:
            found = (
                Document.objects.published()
                .filter(pk=document_id, commune_id=locked.commune_id, type__in=DELIBERATION_TYPES)
                .first()
            )
            if found is None:
                raise invalid(
                    "deliberation", _("Choose a deliberation or minutes this commune has published.")
                )
        before = locked.deliberation_id
        locked.deliberation = found
        locked.updated_at = timezone.now()
        locked.save()
        audit_record(
            actor=user,
            action="council.motion_deliberation",
            obj=locked,
            commune=locked.commune,
            data={"before": before, "after": document_id},
        )
        motion_append(MOTION_UPDATED, locked)
    return locked


def motions_close_open(*, actor: Any, session: LiveSession) -> list[Motion]:
    """Close the vote left open in ``session`` (the session is ending): computed like any close."""
    require_manager(actor, session.commune)
    return [
        motion_close(actor=actor, motion=motion)
        for motion in Motion.objects.filter(session=session, status=MotionStatus.OPEN).select_related(
            "commune"
        )
    ]
