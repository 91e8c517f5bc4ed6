"""Websocket routes of the core. Feature apps add theirs in ``hub.asgi``."""

from django.urls import path, re_path

from hub.realtime.consumers import MeConsumer, NotFoundConsumer

websocket_urlpatterns = [
    path("ws/me/", MeConsumer.as_asgi()),
]

# Last, after the feature apps' routes (see hub.asgi).
fallback_websocket_urlpatterns = [re_path(r"", NotFoundConsumer.as_asgi())]
