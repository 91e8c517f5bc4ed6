"""Live events of the notifications app and the groups they go to."""

from __future__ import annotations

from typing import Any

from hub.realtime.broadcast import broadcast_on_commit


def commune_followers_group(commune_id: int) -> str:
    """Every open /ws/me/ socket of a follower of the commune (with in-app notifications on)."""
    return f"commune.{commune_id}.followers"


def notification_new_on_commit(commune_id: int, data: dict[str, Any]) -> None:
    """One broadcast per publication, whatever the number of followers."""
    frame = {"type": "event", "event": "notification.new", "data": data}
    broadcast_on_commit(commune_followers_group(commune_id), {"type": "live.event", "frame": frame})
