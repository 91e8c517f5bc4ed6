"""``/ws/forums/threads/<id>/``: the live feed of one thread (anyone who may read it, signed in or not).

The consumer joins the thread's group *before* reading the snapshot (``hello`` with the thread's
``event_seq``), so no event falls between the two; the page ignores events with ``seq`` at or below
what it already has, and catches up from the API after a reconnect. Unknown or hidden: 4404.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from forums.errors import ThreadNotFound
from forums.events import thread_group, thread_state
from forums.selectors import access_thread
from hub.realtime.consumers import CLOSE_NOT_FOUND, BaseConsumer


def _snapshot(user: Any, thread_id: int) -> dict[str, Any] | None:
    try:
        thread = access_thread(user, thread_id)
    except ThreadNotFound:
        return None
    return {**thread_state(thread), "seq": thread.event_seq}


class ThreadConsumer(BaseConsumer):
    async def connect(self) -> None:
        thread_id = int(self.scope["url_route"]["kwargs"]["thread_id"])
        await self.join(thread_group(thread_id))
        snapshot = await database_sync_to_async(_snapshot)(self.user, thread_id)
        if snapshot is None:
            await self.refuse(CLOSE_NOT_FOUND, "not_found")
            return
        await self.join_auth_group()
        await self.accept()
        await self.send_json({"type": "hello", "data": snapshot})
