"""Poll writes: create (draft), open, close, vote.

One vote per user is a database fact (``PollBallot`` unique on poll and user). A vote takes the
poll's row lock through ``UPDATE ... WHERE status = 'open'``, so votes and the close are ordered:
no vote lands after the close has archived the results. Counts move with ``F()`` updates, never a
recount per vote; the close recounts once from the stored votes and archives the results.
Live tallies are coalesced (``sessions_live.tally``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.errors import NotFound
from hub.limits import is_id
from hub.models import User
from hub.services.audit import audit_record
from sessions_live import events
from sessions_live.errors import AlreadyVoted, InvalidOption, PollClosed, SessionNotLive, WrongStatus
from sessions_live.models import Poll, PollBallot, PollOption, PollStatus, PollVote, SessionStatus
from sessions_live.serializers import poll_data
from sessions_live.services.common import (
    idempotency_clean,
    invalid,
    require_manager,
    require_not_sanctioned,
    require_user,
    text_clean,
)
from sessions_live.tally import tally_schedule

MAX_OPTIONS = 20


def poll_create(
    *, actor: Any, session: Any, question: Any, options: Sequence[Any], multiple: bool = False
) -> Poll:
    user = require_manager(actor, session)
    if session.status == SessionStatus.ENDED:
        raise WrongStatus(_("This session has ended."))
    clean_question = text_clean(question, field="question", max_length=300)
    if not isinstance(options, (list, tuple)) or not 2 <= len(options) <= MAX_OPTIONS:
        raise invalid("options", _("Give between 2 and %(max)d choices.") % {"max": MAX_OPTIONS})
    labels = [text_clean(label, field="options", max_length=200) for label in options]
    if len(set(labels)) != len(labels):
        raise invalid("options", _("Each choice must be different."))
    with transaction.atomic():
        poll = Poll.objects.create(session=session, question=clean_question, multiple=bool(multiple))
        PollOption.objects.bulk_create(
            [PollOption(poll=poll, label=label, position=index + 1) for index, label in enumerate(labels)]
        )
        audit_record(actor=user, action="session.poll_create", obj=poll, commune=session.commune)
    return poll


def poll_open(*, actor: Any, poll: Poll) -> Poll:
    session = poll.session
    user = require_manager(actor, session)
    if session.status != SessionStatus.LIVE:
        raise SessionNotLive(_("Polls open only while the session is live."))
    with transaction.atomic():
        opened = Poll.objects.filter(pk=poll.pk, status=PollStatus.DRAFT).update(
            status=PollStatus.OPEN, opened_at=timezone.now()
        )
        fresh = Poll.objects.prefetch_related("options").get(pk=poll.pk)
        if not opened:
            if fresh.status == PollStatus.OPEN:
                return fresh
            raise PollClosed(_("This poll is closed."))
        events.event_append(session.pk, events.POLL_OPENED, {"poll": poll_data(fresh)})
        audit_record(actor=user, action="session.poll_open", obj=fresh, commune=session.commune)
    return fresh


def _results(poll: Poll) -> dict[str, Any]:
    counts = dict(PollVote.objects.filter(poll=poll).values_list("option_id").annotate(n=Count("id")))
    total = PollBallot.objects.filter(poll=poll).count()
    options = list(PollOption.objects.filter(poll=poll))
    for option in options:
        option.vote_count = counts.get(option.pk, 0)
    PollOption.objects.bulk_update(options, ["vote_count"])
    Poll.objects.filter(pk=poll.pk).update(ballot_count=total)
    return {
        "total": total,
        "counts": {str(option.pk): option.vote_count for option in options},
        "options": [{"id": o.pk, "label": o.label, "votes": o.vote_count} for o in options],
    }


def poll_close(*, actor: Any, poll: Poll) -> Poll:
    """open → closed: the counts are reconciled from the stored votes and archived with the poll."""
    session = poll.session
    user = require_manager(actor, session)
    with transaction.atomic():
        # Waits for votes in flight (they hold the poll row), then no vote can start.
        closed = Poll.objects.filter(pk=poll.pk, status=PollStatus.OPEN).update(
            status=PollStatus.CLOSED, closed_at=timezone.now()
        )
        if not closed:
            fresh = Poll.objects.get(pk=poll.pk)
            if fresh.status == PollStatus.CLOSED:
                return fresh
            raise WrongStatus(_("Open the poll before closing it."))
        results = _results(poll)
        Poll.objects.filter(pk=poll.pk).update(results=results)
        events.event_append(session.pk, events.POLL_CLOSED, {"poll": poll.pk, "results": results})
        audit_record(
            actor=user,
            action="session.poll_close",
            obj=poll,
            commune=session.commune,
            data={"total": results["total"]},
        )
    return Poll.objects.prefetch_related("options").get(pk=poll.pk)


def _option_ids_clean(poll: Poll, option_ids: Any) -> set[int]:
    if (
        not isinstance(option_ids, list)
        or not option_ids
        or not all(is_id(i) for i in option_ids)
    ):
        raise invalid("options", _("Give the ids of the chosen options."))
    chosen = set(option_ids)
    if len(chosen) != len(option_ids):
        raise invalid("options", _("Each choice once."))
    if not poll.multiple and len(chosen) != 1:
        raise invalid("options", _("This poll takes one choice."))
    valid = set(PollOption.objects.filter(poll=poll, pk__in=chosen).values_list("pk", flat=True))
    if valid != chosen:
        raise InvalidOption()
    return chosen


def _ack(poll: Poll, option_ids: set[int] | list[int]) -> dict[str, Any]:
    return {"poll": poll.pk, "options": sorted(option_ids)}


def poll_vote(*, actor: Any, poll: Poll, option_ids: Any, idempotency_key: Any = "") -> dict[str, Any]:
    """Vote, or change one's vote while the poll is open. Returns ``{"poll", "options"}``.

    The same vote sent again without its idempotency key is ``already_voted``; with the same key
    it is answered as the first time. Options of another poll are ``invalid_option``.
    """
    user: User = require_user(actor)
    key = idempotency_clean(idempotency_key)
    if key:
        ballot = PollBallot.objects.filter(poll=poll, user=user, idempotency_key=key).first()
        if ballot is not None:
            return _ack(
                poll, list(PollVote.objects.filter(poll=poll, user=user).values_list("option_id", flat=True))
            )
    require_not_sanctioned(user, poll.session, mute_applies=False)
    chosen = _option_ids_clean(poll, option_ids)
    with transaction.atomic():
        # The poll's row lock, taken only while it is open: orders votes against the close.
        if not Poll.objects.filter(pk=poll.pk, status=PollStatus.OPEN).update(ballot_count=F("ballot_count")):
            raise PollClosed()
        try:
            with transaction.atomic():
                PollBallot.objects.create(poll=poll, user=user, idempotency_key=key)
            created = True
        except IntegrityError:
            created = False
        if created:
            PollVote.objects.bulk_create([PollVote(poll=poll, user=user, option_id=pk) for pk in chosen])
            PollOption.objects.filter(pk__in=chosen).update(vote_count=F("vote_count") + 1)
            Poll.objects.filter(pk=poll.pk).update(ballot_count=F("ballot_count") + 1)
        else:
            ballot = PollBallot.objects.select_for_update().get(poll=poll, user=user)
            before = set(PollVote.objects.filter(poll=poll, user=user).values_list("option_id", flat=True))
            if before == chosen:
                if key and ballot.idempotency_key == key:
                    return _ack(poll, chosen)
                raise AlreadyVoted(_("You have already voted for this."))
            removed, added = before - chosen, chosen - before
            PollVote.objects.filter(poll=poll, user=user, option_id__in=removed).delete()
            PollVote.objects.bulk_create([PollVote(poll=poll, user=user, option_id=pk) for pk in added])
            PollOption.objects.filter(pk__in=removed).update(vote_count=F("vote_count") - 1)
            PollOption.objects.filter(pk__in=added).update(vote_count=F("vote_count") + 1)
            ballot.idempotency_key = key
            ballot.save(update_fields=["idempotency_key", "updated_at"])
        session_id = poll.session_id
        transaction.on_commit(lambda: tally_schedule(poll.pk, session_id))
    return _ack(poll, chosen)


def poll_get(session_id: int, poll_id: Any) -> Poll:
    poll = (
        Poll.objects.select_related("session", "session__commune")
        .filter(pk=poll_id, session_id=session_id)
        .first()
        if is_id(poll_id)
        else None
    )
    if poll is None:
        raise NotFound(_("This poll does not exist."))
    return poll
