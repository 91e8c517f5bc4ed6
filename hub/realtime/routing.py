"""Websocket routes of the core. Feature apps add theirs in ``hub.asgi``."""

from django.urls import path

from hub.realtime.consumers import MeConsumer

websocket_urlpatterns = [
    path("ws/me/", MeConsumer.as_asgi()),
]
