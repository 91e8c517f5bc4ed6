"""Commitments made in answer to citizens, followed up by staff after the session."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from hub.services.audit import audit_record
from sessions_live import events
from sessions_live.events import commitment_data
from sessions_live.models import Commitment, CommitmentStatus, LiveSession, Question
from sessions_live.services.common import invalid, require_manager, text_clean


def _clean(changes: dict[str, Any], session: LiveSession) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if "text" in changes:
        clean["text"] = text_clean(changes["text"], field="text", max_length=1000)
    if "due_on" in changes:
        if changes["due_on"] is not None and not isinstance(changes["due_on"], datetime.date):
            raise invalid("due_on", _("Give a date."))
        clean["due_on"] = changes["due_on"]
    if "status" in changes:
        if changes["status"] not in CommitmentStatus.values:
            raise invalid("status", _("planned, in_progress, done or dropped."))
        clean["status"] = changes["status"]
    if changes.get("question") is not None:
        if not Question.objects.filter(pk=changes["question"], session=session).exists():
            raise invalid("question", _("This question is not from this session."))
        clean["question_id"] = changes["question"]
    return clean


def commitment_create(*, actor: Any, session: LiveSession, **changes: Any) -> Commitment:
    user = require_manager(actor, session)
    clean = _clean({"text": changes.get("text"), **changes}, session)
    with transaction.atomic():
        commitment = Commitment.objects.create(session=session, **clean)
        events.event_append(
            session.pk, events.COMMITMENT_CREATED, {"commitment": commitment_data(commitment)}
        )
        audit_record(actor=user, action="session.commitment_create", obj=commitment, commune=session.commune)
    return commitment


def commitment_update(*, actor: Any, commitment: Commitment, changes: dict[str, Any]) -> Commitment:
    session = commitment.session
    user = require_manager(actor, session)
    clean = _clean(changes, session)
    with transaction.atomic():
        for field, value in clean.items():
            setattr(commitment, field, value)
        commitment.save()
        events.event_append(
            session.pk, events.COMMITMENT_UPDATED, {"commitment": commitment_data(commitment)}
        )
        audit_record(
            actor=user,
            action="session.commitment_update",
            obj=commitment,
            commune=session.commune,
            data={k: str(v) for k, v in clean.items()},
        )
    return commitment
