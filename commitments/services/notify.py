"""Who is told about a commitment, recorded as outbox events in the write's transaction.

A commitment's news (made, updated, status changed) goes to its watchers (the citizen who asked and
those who upvoted the question, or the proposal's author and supporters) AND to the commune's
followers: one event whose ``audience`` names the watchers and asks for the followers too
(``{"user_ids": [...], "followers": true}``); the notifications app sends each person one
notification per channel, with their preferences. The writer is not among the named watchers.

Reminders go to the staff responsible only (named audience, no followers).
"""

from __future__ import annotations

from typing import Any

from commitments.models import Commitment, CommitmentUpdate, CommitmentWatcher
from hub.models import User
from hub.services.outbox import outbox_record

# Notification kinds (worded by notifications.wording).
KIND_CREATED = "commitment.created"
KIND_UPDATED = "commitment.updated"
KIND_STATUS = "commitment.status"
KIND_DUE_SOON = "commitment.due_soon"
KIND_OVERDUE = "commitment.overdue"

TITLE_CHARS = 200


def watcher_ids(commitment: Commitment, *, excluding: int | None = None) -> list[int]:
    rows = CommitmentWatcher.objects.filter(commitment=commitment).order_by("user_id")
    if excluding is not None:
        rows = rows.exclude(user_id=excluding)
    return list(rows.values_list("user_id", flat=True))


def _payload(commitment: Commitment, **extra: Any) -> dict[str, Any]:
    return {
        "title": commitment.text[:TITLE_CHARS],
        "path": commitment.get_absolute_url(),
        "commitment_id": commitment.pk,
        **extra,
    }


def notify_created(commitment: Commitment, actor: User) -> None:
    outbox_record(
        kind=KIND_CREATED,
        commune=commitment.commune,
        obj=commitment,
        payload=_payload(
            commitment,
            author=actor.display_name,
            audience={"user_ids": watcher_ids(commitment, excluding=actor.pk), "followers": True},
        ),
        dedup_key=f"{KIND_CREATED}.{commitment.pk}",
    )


def notify_update(commitment: Commitment, update: CommitmentUpdate, actor: User) -> None:
    """One event per timeline entry: ``commitment.status`` when it changed the status, else
    ``commitment.updated``."""
    kind = KIND_STATUS if update.status else KIND_UPDATED
    outbox_record(
        kind=kind,
        commune=commitment.commune,
        obj=update,
        payload=_payload(
            commitment,
            update_id=update.pk,
            status=update.status or commitment.status,
            progress=commitment.progress,
            author=actor.display_name,
            audience={"user_ids": watcher_ids(commitment, excluding=actor.pk), "followers": True},
        ),
        dedup_key=f"{kind}.{update.pk}",
    )


def notify_reminder(commitment: Commitment, kind: str, staff_ids: list[int]) -> bool:
    """A reminder to the staff responsible; one per commitment, kind and due date. True when the
    event is new (False: this due date was already reminded, the existing event stands)."""
    _event, created = outbox_record(
        kind=kind,
        commune=commitment.commune,
        obj=commitment,
        payload=_payload(
            commitment,
            due_on=commitment.due_on.isoformat() if commitment.due_on else None,
            audience={"user_ids": staff_ids},
        ),
        dedup_key=f"{kind}.{commitment.pk}.{commitment.due_on}",
    )
    return created
