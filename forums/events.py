"""Live events of the forums and the group they go to (``forum.thread.<id>``).

Every event carries the thread's ``seq`` (``Thread.event_seq`` after the write), so a page applies
events in order and, after a reconnect, fetches what it missed with ``GET posts/?after_seq=<seq>``.
"""

from __future__ import annotations

from typing import Any, TypedDict

from hub.realtime.broadcast import broadcast_on_commit

POST_CREATED = "post.created"
POST_EDITED = "post.edited"
POST_REMOVED = "post.removed"
THREAD_ANSWERED = "thread.answered"
THREAD_STATUS = "thread.status"
THREAD_SUPPORT = "thread.support"
THREAD_REMOVED = "thread.removed"


class ForumFrame(TypedDict):
    type: str
    event: str
    seq: int
    data: dict[str, Any]


def thread_group(thread_id: int) -> str:
    return f"forum.thread.{thread_id}"


def thread_event_on_commit(thread_id: int, seq: int, event: str, data: dict[str, Any]) -> None:
    frame: ForumFrame = {"type": "event", "event": event, "seq": seq, "data": data}
    broadcast_on_commit(thread_group(thread_id), {"type": "live.event", "frame": frame})


def post_data(post: Any) -> dict[str, Any]:
    """A post as the API and the live events show it (a removed post keeps only its place)."""
    removed = post.deleted_at is not None or post.hidden
    quote = post.quote_of if post.quote_of_id else None
    return {
        "id": post.pk,
        "thread": post.thread_id,
        "author": {"id": post.author_id, "display_name": post.author.display_name},
        "body_html": "" if removed else post.body_html,
        "quote_of": (
            {"id": quote.pk, "author": quote.author.display_name}
            if quote is not None and not (quote.deleted_at or quote.hidden)
            else None
        ),
        "is_official": post.is_official,
        "is_opening": post.is_opening,
        "created_at": post.created_at.isoformat(),
        "edited_at": post.edited_at.isoformat() if post.edited_at else None,
        "removed": removed,
        "deleted": post.deleted_at is not None,
        "attachments": []
        if removed
        else [
            {"id": a.pk, "url": f"/api/v1/forum/attachments/{a.pk}/", "width": a.width, "height": a.height}
            for a in post.attachments.all()
        ],
        "seq": post.seq,
    }


def thread_state(thread: Any) -> dict[str, Any]:
    return {
        "id": thread.pk,
        "status": thread.status,
        "proposal_status": thread.proposal_status,
        "status_reason": thread.status_reason,
        "locked": thread.locked,
        "support_count": thread.support_count,
        "post_count": thread.post_count,
        "official_answer": thread.official_answer_id,
    }
