"""Helpers shared by the publications API views."""

from __future__ import annotations

from typing import Any

from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.views import APIView

from hub.api.negotiation import PassThroughRenderer
from hub.api.parsers import JSONParser
from hub.uploads import limit_upload_size

# Read by the schema (hub/api/schema.py): the lists and exports that take ``state``.
DRAFTS_NEED_RIGHTS = {403: "`state=draft` or `all`: only for the commune's publishers (`permission_denied`)."}


class ICalendarRenderer(PassThroughRenderer):
    media_type = "text/calendar"
    format = "ics"


class UploadView(APIView):
    """Views receiving files: the size is checked from ``Content-Length`` before the body is parsed
    (DRF's CSRF check for session users reads ``request.POST``, so this runs before authentication),
    and a streaming guard stops a body that lies about its length."""

    parser_classes = [MultiPartParser, JSONParser]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if request.method in ("POST", "PUT", "PATCH"):
            limit_upload_size(request._request)
        super().initial(request, *args, **kwargs)
