"""Security headers Django 5.2 does not set itself: a Content Security Policy for our pages.

Our pages have no inline script or style, so the policy can be strict. The interactive API docs
(Swagger UI) and the Django admin carry inline code of their own and are left out.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.deprecation import MiddlewareMixin

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self'",
        # Live council sessions embed YouTube / Facebook Live players and play audio-only streams.
        "frame-src https://www.youtube-nocookie.com https://www.youtube.com https://www.facebook.com",
        "media-src 'self' https:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
EXEMPT_PREFIXES = ("/api/docs/", "/admin/")


class ContentSecurityPolicyMiddleware(MiddlewareMixin):
    """Sync and async (``MiddlewareMixin``): an async request stays in the event loop through it."""

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if not request.path.startswith(EXEMPT_PREFIXES):
            response.headers.setdefault("Content-Security-Policy", POLICY)
        return response
