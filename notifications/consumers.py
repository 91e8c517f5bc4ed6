"""``/ws/me/`` with notifications: the unread count in the ``hello`` snapshot, and one group per
followed commune so that a publication reaches every follower's socket with ONE broadcast."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from hub.realtime.consumers import MeConsumer
from notifications.events import commune_followers_group
from notifications.selectors import live_commune_ids, unread_count


class InboxConsumer(MeConsumer):
    async def extra_groups(self) -> list[str]:
        commune_ids = await database_sync_to_async(live_commune_ids)(user_id=self.user.pk)
        self.commune_groups = {commune_followers_group(commune_id) for commune_id in commune_ids}
        return sorted(self.commune_groups)

    async def snapshot(self) -> dict[str, Any]:
        data = await super().snapshot()
        data["unread_count"] = await database_sync_to_async(unread_count)(user=self.user)
        return data

    async def follows_changed(self, event: dict[str, Any]) -> None:
        commune_ids = await database_sync_to_async(live_commune_ids)(user_id=self.user.pk)
        wanted = {commune_followers_group(commune_id) for commune_id in commune_ids}
        for group in wanted - self.commune_groups:
            await self.join(group)
        for group in self.commune_groups - wanted:
            await self.channel_layer.group_discard(group, self.channel_name)
            self.groups_joined.remove(group)
        self.commune_groups = wanted
        await super().follows_changed(event)
