"""The one way to send a live event: ``broadcast_on_commit(group, event)``.

Events leave only after the surrounding transaction commits, so a rolled-back write sends nothing.
Sequenced session events (``session.<id>`` groups) go through the per-process fan-out
(``hub.realtime.fanout``): encoded once, one PUBLISH for every process. Every other group (a user's
sockets, a sign-in, a moderation console, a forum thread) goes through the channel layer.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from hub.realtime import fanout

logger = logging.getLogger(__name__)

GROUP_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,99}$")


def check_group_name(group: str) -> str:
    if not GROUP_NAME.fullmatch(group):
        raise ValueError(f"invalid group name: {group!r}")
    return group


def broadcast_now(group: str, event: dict[str, Any]) -> None:
    """Send immediately. Only for code already outside any transaction (use the on-commit form)."""
    frame = event.get("frame")
    if event.get("type") == "live.event" and fanout.uses_fanout(group) and isinstance(frame, dict):
        try:  # encoded once, one PUBLISH for every process (hub.realtime.fanout)
            fanout.publish(check_group_name(group), int(frame["seq"]), json.dumps(frame))
        except Exception:
            logger.exception("fan-out broadcast to %s failed", group)
        return
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(check_group_name(group), event)
    except Exception:  # the write is committed; a lost live event is caught up by clients from the API
        logger.exception("broadcast to %s failed", group)


def broadcast_on_commit(group: str, event: dict[str, Any]) -> None:
    """Send ``event`` (a channel-layer message: ``{"type": "<handler>", ...}``) after commit."""
    check_group_name(group)
    if "type" not in event:
        raise ValueError("a channel-layer event needs a 'type'")
    transaction.on_commit(lambda: broadcast_now(group, event), robust=True)
