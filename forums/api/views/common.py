"""What the forum API views share: the read throttles, the documented errors, the thread detail
response, the upload guard and the lookup of a post named in a request."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from forums import selectors
from forums.api import serializers as s
from forums.errors import PostNotFound
from forums.models import Post, Thread
from hub.api.parsers import JSONParser
from hub.api.throttles import RequestRateThrottle
from hub.uploads import limit_upload_size

READ_THROTTLES = [RequestRateThrottle]

ERRORS = {
    400: OpenApiResponse(description="Invalid input (``{error: {code, message, fields}}``)."),
    403: OpenApiResponse(description="Not allowed (muted: ``until`` gives the end of the mute)."),
    404: OpenApiResponse(description="No such thread or post (hidden content is not found)."),
    409: OpenApiResponse(description="The thread is locked."),
}


def thread_detail(request: Request, thread_id: int, code: int = status.HTTP_200_OK) -> Response:
    """The thread as the viewer sees it: every write on a thread answers with this."""
    thread = selectors.access_thread(request.user, thread_id)
    context = selectors.thread_viewer_state(request.user, thread)
    return Response(s.ThreadDetailOut(thread, context=context).data, status=code)


def post_in(thread: Thread, post_id: int | None) -> Post | None:
    """The post a request names in this thread (``None`` when it names none)."""
    if post_id is None:
        return None
    post = Post.objects.select_related("author").filter(pk=post_id, thread=thread).first()
    if post is None:
        raise PostNotFound()
    return post


class UploadGuard(APIView):
    """JSON or multipart (photos); an oversized body is refused from its Content-Length first."""

    parser_classes = [JSONParser, MultiPartParser]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if request.method == "POST":
            limit_upload_size(request._request)
        super().initial(request, *args, **kwargs)
