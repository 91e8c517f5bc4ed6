"""Websocket routes of the sessions_live app (spliced in by hub.asgi before the core's fallback)."""

from django.urls import URLPattern, URLResolver, re_path

from sessions_live.consumers import SessionConsumer

websocket_urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^ws/sessions/(?P<session_id>[0-9]{1,12})/$", SessionConsumer.as_asgi()),
]
