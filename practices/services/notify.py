"""Who is told about the library, recorded as outbox events in the write's transaction.

A sheet's first publication goes to the followers of its themes: one event whose audience names
them (``{"user_ids": [...]}``), each person once whichever of its themes they follow, resolved when
the event is recorded (the notifications app never reads this app's tables). The event belongs to
the sheet's commune, so each person's preferences for that commune apply (e-mail off for it, a
daily digest...). The publisher is not told of their own sheet.

A question asked about a sheet goes to the commune's staff who publish (they answer it in the
forum; the asker follows the thread and hears the answer from the forum).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from hub.models import User
from hub.services.outbox import outbox_record
from practices.models import PracticeQuestion, PracticeSheet
from practices.selectors import commune_publisher_ids, theme_follower_ids

# Notification kinds (worded by notifications.wording).
KIND_PUBLISHED = "practice.published"
KIND_QUESTION = "practice.question"


def _sheet_payload(sheet: PracticeSheet) -> dict[str, Any]:
    return {
        "title": sheet.title,
        "path": sheet.get_absolute_url(),
        "sheet_id": sheet.pk,
        "themes": sorted(sheet.themes.values_list("slug", flat=True)),
    }


def notify_published(sheet: PracticeSheet, actor: User) -> None:
    """The followers of the sheet's themes, once per sheet (its first publication)."""
    followers = theme_follower_ids(sheet, excluding=actor.pk)
    if not followers:
        return
    outbox_record(
        kind=KIND_PUBLISHED,
        commune=sheet.commune,
        obj=sheet,
        payload={**_sheet_payload(sheet), "audience": {"user_ids": followers}},
        dedup_key=f"{KIND_PUBLISHED}.{sheet.pk}",
    )


def notify_question(question: PracticeQuestion, actor: User) -> None:
    """The staff who publish in the sheet's commune, except the asker."""
    sheet, thread = question.sheet, question.thread
    staff = commune_publisher_ids(sheet.commune, excluding=actor.pk)
    if not staff:
        return
    outbox_record(
        kind=KIND_QUESTION,
        commune=sheet.commune,
        obj=question,
        payload={
            "title": thread.title,
            "path": reverse("frontend:forum-thread", kwargs={"pk": thread.pk}),
            "thread_id": thread.pk,
            "sheet_id": sheet.pk,
            "sheet_title": sheet.title,
            "author": actor.display_name,
            "audience": {"user_ids": staff},
        },
        dedup_key=f"{KIND_QUESTION}.{question.pk}",
    )
