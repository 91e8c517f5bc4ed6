"""Websocket routes of the forums app (spliced in by hub.asgi before the core's fallback)."""

from django.urls import URLPattern, URLResolver, path

from forums.consumers import ThreadConsumer

websocket_urlpatterns: list[URLPattern | URLResolver] = [
    path("ws/forums/threads/<int:thread_id>/", ThreadConsumer.as_asgi()),
]
