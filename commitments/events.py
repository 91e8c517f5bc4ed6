"""The shapes of a commitment and of a timeline entry, built once and used everywhere: the live events
of a session (``commitment.created`` / ``commitment.updated``, appended to the session's log through
``sessions_live.events.event_append``), the REST API (``commitments.api.output`` declares the same
fields for the schema and writes them with these functions) and the exports.

A commitment keeps the fields it had in the sessions app (``id, session, question, text, due_on,
status, created_at, updated_at``), so the session console and older clients read it unchanged; the
tracker's fields come after them. Labels (status, owner) are words of the reader's language: the REST
output adds them, the stored events do not carry them.
"""

from __future__ import annotations

from typing import Any, TypedDict

from commitments.models import Commitment, CommitmentUpdate
from sessions_live.events import COMMITMENT_CREATED as SESSION_COMMITMENT_CREATED
from sessions_live.events import COMMITMENT_UPDATED as SESSION_COMMITMENT_UPDATED
from sessions_live.events import UserRef, date_text, datetime_text, event_append, user_ref


class CommuneRef(TypedDict):
    id: int
    slug: str
    name: str


class SessionRef(TypedDict):
    id: int
    title: str
    path: str


class OriginData(TypedDict):
    kind: str
    id: int | None
    text: str
    author: str | None
    anonymous: bool
    support_count: int
    answer: str
    path: str | None
    session: SessionRef | None


class OwnerData(TypedDict):
    role: str
    office: str


class CommitmentData(TypedDict):
    id: int
    session: int | None
    question: int | None
    text: str
    due_on: str | None
    status: str
    created_at: str | None
    updated_at: str | None
    commune: CommuneRef
    proposal: int | None
    origin: OriginData
    owner: OwnerData
    progress: int
    overdue: bool
    done_at: str | None
    kept_on_time: bool
    path: str


class DocumentRef(TypedDict):
    id: int
    title: str
    path: str


class PhotoData(TypedDict):
    id: int
    url: str
    width: int | None
    height: int | None


class UpdateData(TypedDict):
    id: int
    commitment: int
    author: UserRef | None
    text: str
    status: str
    progress: int | None
    due_on: str | None
    document: DocumentRef | None
    photos: list[PhotoData]
    created_at: str | None


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def origin_data(commitment: Commitment) -> OriginData:
    """What the page shows of the origin, from the snapshot frozen when the commitment was made."""
    snapshot: dict[str, Any] = (
        commitment.origin_snapshot if isinstance(commitment.origin_snapshot, dict) else {}
    )
    session = snapshot.get("session")
    session_ref: SessionRef | None = None
    if isinstance(session, dict) and _int_or_none(session.get("id")) is not None:
        session_ref = {
            "id": int(session["id"]),
            "title": str(session.get("title", "")),
            "path": str(session.get("path", "")),
        }
    author = snapshot.get("author")
    return {
        "kind": str(commitment.origin_kind),
        "id": _int_or_none(snapshot.get("id")),
        "text": str(snapshot.get("text", "")),
        "author": str(author) if author else None,
        "anonymous": bool(snapshot.get("anonymous", False)),
        "support_count": _int_or_none(snapshot.get("support_count")) or 0,
        "answer": str(snapshot.get("answer", "")),
        "path": str(snapshot["path"]) if snapshot.get("path") else None,
        "session": session_ref,
    }


def commitment_data(commitment: Commitment) -> CommitmentData:
    """A commitment (select ``commune`` when building many)."""
    commune = commitment.commune
    return {
        "id": commitment.pk,
        "session": commitment.session_id,
        "question": commitment.question_id,
        "text": commitment.text,
        "due_on": date_text(commitment.due_on),
        "status": str(commitment.status),
        "created_at": datetime_text(commitment.created_at),
        "updated_at": datetime_text(commitment.updated_at),
        "commune": {"id": commune.pk, "slug": commune.slug, "name": commune.name},
        "proposal": commitment.proposal_id,
        "origin": origin_data(commitment),
        "owner": {"role": commitment.owner_role, "office": commitment.owner_office},
        "progress": commitment.progress,
        "overdue": commitment.is_overdue,
        "done_at": datetime_text(commitment.done_at),
        "kept_on_time": commitment.kept_on_time,
        "path": commitment.get_absolute_url(),
    }


def update_data(update: CommitmentUpdate) -> UpdateData:
    """A timeline entry (select ``author`` and ``document__commune``, prefetch ``photos``)."""
    document = update.document
    return {
        "id": update.pk,
        "commitment": update.commitment_id,
        "author": user_ref(update.author) if update.author is not None else None,
        "text": update.text,
        "status": update.status,
        "progress": update.progress,
        "due_on": date_text(update.due_on),
        "document": (
            {"id": document.pk, "title": document.title, "path": document.get_absolute_url()}
            if document is not None
            else None
        ),
        "photos": [
            {"id": photo.pk, "url": photo.url, "width": photo.width, "height": photo.height}
            for photo in update.photos.all()
        ],
        "created_at": datetime_text(update.created_at),
    }


def session_event_append(commitment: Commitment, *, created: bool) -> None:
    """A commitment of a session is part of the session's live record: append it to the session's
    log (sequenced, broadcast after commit) in the caller's transaction."""
    if commitment.session_id is None:
        return
    name = SESSION_COMMITMENT_CREATED if created else SESSION_COMMITMENT_UPDATED
    event_append(commitment.session_id, name, {"commitment": dict(commitment_data(commitment))})
