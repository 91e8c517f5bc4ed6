"""Typed payloads of the live events the core sends, and the group names they go to."""

from __future__ import annotations

from typing import Any, TypedDict

from hub.realtime.broadcast import broadcast_on_commit


class Frame(TypedDict):
    type: str
    event: str
    data: dict[str, Any]


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def send_to_user_on_commit(user_id: int, event: str, data: dict[str, Any]) -> None:
    frame: Frame = {"type": "event", "event": event, "data": data}
    broadcast_on_commit(user_group(user_id), {"type": "live.event", "frame": frame})
