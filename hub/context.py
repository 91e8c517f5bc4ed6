"""Request context that services need without taking a request: the client's address for the audit log."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpRequest, HttpResponse

client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)


def request_ip(request: HttpRequest) -> str | None:
    if settings.REST_FRAMEWORK.get("NUM_PROXIES"):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Sync and async: under ASGI the request stays in the event loop until the view (a sync-only
    middleware would send it to a worker thread and back for every request)."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if iscoroutinefunction(self):
            return self._acall(request)
        token = client_ip.set(request_ip(request))
        try:
            return self.get_response(request)
        finally:
            client_ip.reset(token)

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        token = client_ip.set(request_ip(request))
        try:
            return await self.get_response(request)  # type: ignore[no-any-return, misc]
        finally:
            client_ip.reset(token)
