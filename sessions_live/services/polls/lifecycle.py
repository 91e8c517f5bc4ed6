"""A poll's life: create (draft), open, close, and the lookup of a session's poll.

The close takes the poll's row lock through ``UPDATE ... WHERE status = 'open'``, so it waits for the
vote batches in flight (``polls.votes`` takes the same lock right before its counters) and no vote
starts after it; then it recounts once from the stored votes and archives the results.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.errors import NotFound
from hub.limits import is_id
from hub.services.audit import audit_record
from hub.services.outbox import outbox_record
from sessions_live import events
from sessions_live.errors import PollClosed, SessionNotLive, WrongStatus
from sessions_live.events import poll_data, session_path
from sessions_live.models import (
    ParticipationChannel,
    Poll,
    PollBallot,
    PollOption,
    PollStatus,
    PollVote,
    SessionStatus,
)
from sessions_live.services.common import invalid, require_manager, text_clean

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
        _poll_announce(session, fresh)
    return fresh


def _poll_announce(session: Any, poll: Poll) -> None:
    """Offer the poll by SMS to the commune's followers who chose it (answered with a digit:
    ``sessions_live.sms``). Only SMS rows: the web page shows the poll live already."""
    outbox_record(
        kind="session.poll_opened",
        commune=session.commune,
        obj=poll,
        payload={
            "title": session.title,
            "path": session_path(session),
            "poll_id": poll.pk,
            "question": poll.question,
            "options": [option.label for option in poll.options.all()],
            "multiple": bool(poll.multiple),
            "channels": ["sms"],
        },
        dedup_key=f"session.poll_opened:{poll.pk}",
    )


def _results(poll: Poll) -> dict[str, Any]:
    counts = dict(PollVote.objects.filter(poll=poll).values_list("option_id").annotate(n=Count("id")))
    by_channel = dict(PollBallot.objects.filter(poll=poll).values_list("channel").annotate(n=Count("id")))
    total = sum(by_channel.values())
    sms = by_channel.get(ParticipationChannel.SMS, 0)
    options = list(PollOption.objects.filter(poll=poll))
    for option in options:
        option.vote_count = counts.get(option.pk, 0)
    PollOption.objects.bulk_update(options, ["vote_count"])
    Poll.objects.filter(pk=poll.pk).update(ballot_count=total, sms_ballot_count=sms)
    return {
        "total": total,
        "channels": events.ballot_channels(total, sms),
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
