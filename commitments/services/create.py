"""Making a commitment: from an answered session question, from an accepted forum proposal, or
directly. The origin's page-facing facts are frozen in a snapshot and its citizens become watchers
in the same transaction; the session's live record gets ``commitment.created``; the watchers and the
commune's followers are told."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.errors import OriginNotFound, WrongStatus
from commitments.events import session_event_append
from commitments.models import (
    Commitment,
    CommitmentStatus,
    CommitmentWatcher,
    OriginKind,
    WatcherReason,
)
from commitments.services.common import Cleaner, fields_clean, require_manager, status_apply
from commitments.services.notify import notify_created
from forums.models import ProposalStatus, Support, Thread, ThreadKind
from hub.cleaning import as_id
from hub.models import Commune, User
from hub.services.audit import audit_record
from sessions_live.events import session_path
from sessions_live.models import LiveSession, Question, QuestionStatus, QuestionVote


def question_snapshot(question: Question) -> dict[str, Any]:
    session = question.session
    return {
        "id": question.pk,
        "text": question.text,
        "author": None if question.anonymous else question.author.display_name,
        "anonymous": bool(question.anonymous),
        "support_count": question.vote_count,
        "answer": question.answer,
        "path": session_path(session),
        "session": {"id": session.pk, "title": session.title, "path": session_path(session)},
    }


def proposal_snapshot(thread: Thread) -> dict[str, Any]:
    return {
        "id": thread.pk,
        "text": thread.title,
        "author": thread.author.display_name,
        "anonymous": False,
        "support_count": thread.support_count,
        "answer": "",
        "path": reverse("frontend:forum-thread", kwargs={"pk": thread.pk}),
        "session": None,
    }


def session_snapshot(session: LiveSession) -> dict[str, Any]:
    """A commitment made during a session, in answer to no particular question."""
    return {"session": {"id": session.pk, "title": session.title, "path": session_path(session)}}


def _clean(changes: dict[str, Any], origin: tuple[str, Any, str] | None = None) -> dict[str, Any]:
    """The commitment's fields; ``origin`` is (field, id given, message when none is)."""
    cleaner = Cleaner()
    clean = fields_clean(cleaner, changes, creating=True)
    if origin is not None and origin[1] in (None, ""):
        cleaner.fail(origin[0], origin[2])
    cleaner.done()
    return clean


def _create(
    *,
    user: User,
    commune: Commune,
    clean: dict[str, Any],
    origin_kind: str,
    snapshot: dict[str, Any],
    watchers: list[tuple[int, str]],
    session: LiveSession | None = None,
    question: Question | None = None,
    proposal: Thread | None = None,
) -> Commitment:
    """Write the commitment, its watchers, the audit entry, the session event and the outbox event
    (the caller's transaction)."""
    status = clean.pop("status", CommitmentStatus.PLANNED)
    progress = clean.pop("progress", None)
    now = timezone.now()
    commitment = Commitment(
        commune=commune,
        origin_kind=origin_kind,
        origin_snapshot=snapshot,
        session=session,
        question=question,
        proposal=proposal,
        created_by=user,
        created_at=now,
        **clean,
    )
    status_apply(commitment, status, progress)
    commitment.save()
    seen: set[int] = set()
    rows = []
    for user_id, reason in watchers:
        if user_id not in seen:
            seen.add(user_id)
            rows.append(CommitmentWatcher(commitment=commitment, user_id=user_id, reason=reason))
    CommitmentWatcher.objects.bulk_create(rows, ignore_conflicts=True)
    audit_record(
        actor=user,
        action="commitment.create",
        obj=commitment,
        commune=commune,
        data={"origin": origin_kind, "status": commitment.status},
    )
    session_event_append(commitment, created=True)
    notify_created(commitment, user)
    return commitment


def commitment_create_from_question(
    *,
    actor: Any,
    commune: Commune,
    question_id: Any,
    session: LiveSession | None = None,
    **changes: Any,
) -> Commitment:
    """A commitment in answer to an answered question of a session of ``commune`` (of ``session``,
    when the session's own endpoint is used). The asker and the upvoters watch it."""
    user = require_manager(actor, commune)
    clean = _clean(changes, origin=("question", question_id, _("Choose the question.")))
    with transaction.atomic():
        questions = Question.objects.select_related("session", "author").filter(
            pk=as_id(question_id) or 0, session__commune=commune
        )
        if session is not None:
            questions = questions.filter(session=session)
        # The question's row is locked: its votes (the watchers) are read as of its answer.
        question = questions.select_for_update(of=("self",)).first()
        if question is None:
            raise OriginNotFound(_("There is no such question in this commune's sessions."))
        if question.status != QuestionStatus.ANSWERED:
            raise WrongStatus(_("Answer the question first: only an answered question becomes a commitment."))
        upvoters = QuestionVote.objects.filter(question=question).order_by("user_id")
        watchers = [(question.author_id, WatcherReason.ASKER.value)] + [
            (user_id, WatcherReason.UPVOTER.value) for user_id in upvoters.values_list("user_id", flat=True)
        ]
        return _create(
            user=user,
            commune=commune,
            clean=clean,
            origin_kind=OriginKind.QUESTION,
            snapshot=question_snapshot(question),
            watchers=watchers,
            session=question.session,
            question=question,
        )


def commitment_create_from_proposal(
    *, actor: Any, commune: Commune, proposal_id: Any, **changes: Any
) -> Commitment:
    """A commitment in answer to a forum proposal of ``commune`` that the commune accepted. Its author
    and supporters watch it."""
    user = require_manager(actor, commune)
    clean = _clean(changes, origin=("proposal", proposal_id, _("Choose the proposal.")))
    with transaction.atomic():
        proposal = (
            Thread.objects.select_related("author")
            .select_for_update(of=("self",))
            .filter(pk=as_id(proposal_id) or 0, commune=commune, kind=ThreadKind.PROPOSAL, hidden=False)
            .first()
        )
        if proposal is None:
            raise OriginNotFound(_("There is no such proposal in this commune's forum."))
        if proposal.proposal_status != ProposalStatus.ACCEPTED:
            raise WrongStatus(_("Only a proposal the commune has accepted becomes a commitment."))
        supporters = Support.objects.filter(thread=proposal).order_by("user_id")
        watchers = [(proposal.author_id, WatcherReason.AUTHOR.value)] + [
            (user_id, WatcherReason.SUPPORTER.value)
            for user_id in supporters.values_list("user_id", flat=True)
        ]
        return _create(
            user=user,
            commune=commune,
            clean=clean,
            origin_kind=OriginKind.PROPOSAL,
            snapshot=proposal_snapshot(proposal),
            watchers=watchers,
            proposal=proposal,
        )


def commitment_create(
    *, actor: Any, commune: Commune, session: LiveSession | None = None, **changes: Any
) -> Commitment:
    """A commitment the commune makes directly (during ``session``, when given: it is then part of the
    session's record). Only the commune's followers are told."""
    user = require_manager(actor, commune)
    if session is not None and session.commune_id != commune.pk:
        raise OriginNotFound(_("There is no such session in this commune."))
    clean = _clean(changes)
    with transaction.atomic():
        return _create(
            user=user,
            commune=commune,
            clean=clean,
            origin_kind=OriginKind.DIRECT,
            snapshot=session_snapshot(session) if session is not None else {},
            watchers=[],
            session=session,
        )
