"""ASGI entry point: static files from memory, other HTTP through Django (request bodies limited
while they stream in), websockets under /ws/ behind origin checks and auth."""

import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from forums.routing import websocket_urlpatterns as forum_routes  # noqa: E402
from hub import scheduler  # noqa: E402
from hub.realtime import serverloop, transports  # noqa: E402
from hub.realtime.auth import TicketOrSessionAuthMiddleware  # noqa: E402
from hub.realtime.routing import fallback_websocket_urlpatterns, websocket_urlpatterns  # noqa: E402
from hub.static_asgi import StaticFiles  # noqa: E402
from hub.uploads_asgi import BodyLimit  # noqa: E402
from notifications.routing import websocket_urlpatterns as notification_routes  # noqa: E402
from sessions_live.routing import websocket_urlpatterns as session_routes  # noqa: E402

router = ProtocolTypeRouter(
    {
        # Static files straight from memory (hub/static_asgi.py); everything else through Django,
        # whose handler reads a whole body before any view: bodies are limited before it
        # (hub/uploads_asgi.py).
        "http": StaticFiles(BodyLimit(django_asgi_app)),
        "websocket": TicketOrSessionAuthMiddleware(
            URLRouter(
                [
                    *notification_routes,
                    *forum_routes,
                    *session_routes,
                    *websocket_urlpatterns,
                    *fallback_websocket_urlpatterns,
                ]
            )
        ),
    }
)


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    # The server's loop, for synchronous code in its worker threads (hub.realtime.serverloop).
    serverloop.remember()
    # On the embedded defaults, beat's schedule runs in this loop (hub.scheduler; off elsewhere).
    scheduler.ensure_started()
    await router(scope, receive, send)


# The live fan-out's writer for this server process, checked, logged and reported by /healthz.
transports.startup()
