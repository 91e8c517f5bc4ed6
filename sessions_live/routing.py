"""Websocket routes of the sessions_live app (spliced in by hub.asgi before the core's fallback)."""

from django.urls import URLPattern, URLResolver

websocket_urlpatterns: list[URLPattern | URLResolver] = []
