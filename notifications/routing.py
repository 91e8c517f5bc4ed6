"""Websocket routes of the notifications app (spliced in by hub.asgi before the core's)."""

from django.urls import path

from notifications.consumers import InboxConsumer

websocket_urlpatterns = [
    path("ws/me/", InboxConsumer.as_asgi()),
]
