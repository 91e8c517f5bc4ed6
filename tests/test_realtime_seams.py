"""The places where our realtime code overrides a library's public method: each is pinned to the
library's current shape, so an upgrade that changes it fails here instead of in production."""

from __future__ import annotations

from channels.consumer import AsyncConsumer

from hub.realtime.consumers import BaseConsumer


def test_channels_dispatch_still_only_looks_up_the_handler_closes_old_connections_and_calls_it():
    # BaseConsumer.dispatch is Channels' dispatch without aclose_old_connections() (a thread hop per
    # frame; our consumers reach the database only through database_sync_to_async, which closes old
    # connections itself). If Channels' dispatch starts doing anything else, re-check the override.
    names = set(AsyncConsumer.dispatch.__code__.co_names)
    assert names <= {"getattr", "get_handler_name", "aclose_old_connections", "ValueError", "format"}, names
    assert "get_handler_name" in names and "aclose_old_connections" in names
    ours = set(BaseConsumer.dispatch.__code__.co_names)
    assert "aclose_old_connections" not in ours and "get_handler_name" in ours
