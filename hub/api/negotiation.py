"""Content negotiation for views that answer a ready-made response (a file, CSV, iCalendar): any
``Accept`` header is served, and an error is still the JSON error shape."""

from __future__ import annotations

from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request


class PassThroughRenderer(BaseRenderer):
    """For views answering a ready-made ``HttpResponse`` (CSV, iCalendar, files); errors stay JSON."""

    media_type = "*/*"
    format = "raw"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return JSONRenderer().render(data, "application/json", renderer_context)


class AnyAcceptNegotiation(DefaultContentNegotiation):
    """Never 406: downloads and feeds answer whatever the client says it accepts. What DRF renders
    for such a view is an error (the file, CSV or feed is a ready-made response), and it is labelled
    as what it is, JSON, whatever the client asked for (``Accept: application/pdf`` included)."""

    def select_renderer(self, request: Request, renderers: Any, format_suffix: str | None = None) -> Any:
        try:
            renderer, media_type = super().select_renderer(request, renderers, format_suffix)
        except Exception:
            renderer, media_type = renderers[0], renderers[0].media_type
        if isinstance(renderer, PassThroughRenderer):
            # DRF labels a response with its renderer's media type: JSON's, for the JSON it is.
            return JSONRenderer(), JSONRenderer.media_type
        return renderer, media_type
