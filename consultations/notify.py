"""Who is told about a consultation, recorded as outbox events in the write's transaction
(``hub.services.outbox``; the notifications app sends each person one notification per channel, with
their preferences).

- Opened: the commune's followers.
- A week before it closes: the followers who have not submitted an answer yet are the point, but
  answering is private, so the reminder goes to all followers (the notification says when it closes).
- Closed: those who took part (the results are now public).
- Response published: those who took part (online answers submitted, comments, workshops recorded)
  and the commune's followers.
"""

from __future__ import annotations

from typing import Any

from consultations.models import Comment, Consultation, Response, Workshop
from hub.models import User
from hub.services.outbox import outbox_record

KIND_OPENED = "consultation.opened"
KIND_CLOSING_SOON = "consultation.closing_soon"
KIND_CLOSED = "consultation.closed"
KIND_RESPONSE = "consultation.response"

TITLE_CHARS = 200


def participant_ids(consultation: Consultation) -> list[int]:
    """Accounts that took part: a submitted answer, a comment (staff replies are not taking part),
    or a workshop recorded."""
    ids: set[int] = set(
        Response.objects.filter(consultation=consultation, submitted_at__isnull=False).values_list(
            "user_id", flat=True
        )
    )
    ids.update(
        Comment.objects.filter(section__consultation=consultation, is_staff_reply=False).values_list(
            "author_id", flat=True
        )
    )
    ids.update(Workshop.objects.filter(consultation=consultation).values_list("recorded_by_id", flat=True))
    return sorted(ids)


def _payload(consultation: Consultation, **extra: Any) -> dict[str, Any]:
    return {
        "title": consultation.title[:TITLE_CHARS],
        "path": consultation.get_absolute_url(),
        "consultation_id": consultation.pk,
        "closes_at": consultation.closes_at.isoformat(),
        **extra,
    }


def notify_opened(consultation: Consultation) -> None:
    outbox_record(
        kind=KIND_OPENED,
        commune=consultation.commune,
        obj=consultation,
        payload=_payload(consultation, audience={"followers": True}),
        dedup_key=f"{KIND_OPENED}.{consultation.pk}",
    )


def notify_closing_soon(consultation: Consultation) -> None:
    outbox_record(
        kind=KIND_CLOSING_SOON,
        commune=consultation.commune,
        obj=consultation,
        payload=_payload(consultation, audience={"followers": True}),
        dedup_key=f"{KIND_CLOSING_SOON}.{consultation.pk}",
    )


def notify_closed(consultation: Consultation) -> None:
    ids = participant_ids(consultation)
    if not ids:
        return
    outbox_record(
        kind=KIND_CLOSED,
        commune=consultation.commune,
        obj=consultation,
        payload=_payload(consultation, audience={"user_ids": ids}),
        dedup_key=f"{KIND_CLOSED}.{consultation.pk}",
    )


def notify_response(consultation: Consultation, *, actor: User) -> None:
    ids = [pk for pk in participant_ids(consultation) if pk != actor.pk]
    outbox_record(
        kind=KIND_RESPONSE,
        commune=consultation.commune,
        obj=consultation,
        payload=_payload(
            consultation, author=actor.display_name, audience={"user_ids": ids, "followers": True}
        ),
        dedup_key=f"{KIND_RESPONSE}.{consultation.pk}",
    )
