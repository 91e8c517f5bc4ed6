"""Forum API views of posts: list (and catch up by event number), reply, edit, delete, photos."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from forums import cache as forum_cache
from forums import selectors, services
from forums.api import serializers as s
from forums.api.pagination import MAX_PAGE_SIZE
from forums.api.views.common import ERRORS, READ_THROTTLES, UploadGuard
from hub.api.negotiation import AnyAcceptNegotiation, PassThroughRenderer
from hub.api.schema import IMAGE_CONTENT_TYPES, file_responses
from hub.api.validation import validated, validated_query
from hub.errors import NotFound
from hub.selectors import signed_in


class PostListView(UploadGuard):
    throttle_classes = READ_THROTTLES

    @extend_schema(
        parameters=[s.PostQueryIn],
        responses={200: s.PostPageOut, 404: ERRORS[404]},
        operation_id="forum_posts",
    )
    def get(self, request: Request, thread_id: int) -> Response:
        """Posts in order (``after`` = last post id seen, for paging). ``after_seq``: every post
        created, edited or removed since that event number, for the catch-up after a reconnect."""
        if request.user.is_authenticated:
            return Response(self.page(request, thread_id))
        key = request.get_host() + request.get_full_path()
        return Response(forum_cache.cached(f"t{thread_id}", key, lambda: self.page(request, thread_id)))

    def page(self, request: Request, thread_id: int) -> dict[str, Any]:
        query = validated_query(s.PostQueryIn, request)
        thread = selectors.access_thread(request.user, thread_id)
        posts = selectors.post_list(user=request.user, thread=thread, after_seq=query["after_seq"])
        if query["after"] is not None:
            posts = posts.filter(pk__gt=query["after"])
        page = list(posts[: MAX_PAGE_SIZE + 1])
        next_url = None
        if len(page) > MAX_PAGE_SIZE:
            page = page[:MAX_PAGE_SIZE]
            next_url = request.build_absolute_uri(f"?after={page[-1].pk}")
        return {"next": next_url, "results": s.PostOut(page, many=True).data}

    @extend_schema(
        request={"application/json": s.PostIn, "multipart/form-data": s.PostIn},
        responses={201: s.PostOut, **ERRORS},
    )
    def post(self, request: Request, thread_id: int) -> Response:
        """Reply (``quote_of`` quotes an earlier post); ``official=true``: the town hall's answer."""
        thread = selectors.access_thread(request.user, thread_id)
        data = validated(s.PostIn, request.data)
        post = services.post_create(actor=signed_in(request.user), thread=thread, **data)
        return Response(s.PostOut(post).data, status=status.HTTP_201_CREATED)

    def get_permissions(self) -> list[Any]:
        return [permissions.IsAuthenticated()] if self.request.method == "POST" else []


class AttachmentView(APIView):
    renderer_classes = [JSONRenderer, PassThroughRenderer]
    content_negotiation_class = AnyAcceptNegotiation

    @extend_schema(responses={**file_responses(IMAGE_CONTENT_TYPES), 404: ERRORS[404]})
    def get(self, request: Request, attachment_id: int) -> Any:
        """A photo of a post (not found once the post is hidden or deleted)."""
        attachment = selectors.access_attachment(request.user, attachment_id)
        try:
            handle = attachment.file.open("rb")
        except OSError as exc:
            raise NotFound(_("This file is no longer available."), code="file_missing") from exc
        response = FileResponse(handle, content_type=attachment.content_type)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, max-age=300"
        return response


class PostDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=s.PostEditIn, responses={200: s.PostOut, **ERRORS})
    def patch(self, request: Request, post_id: int) -> Response:
        """Edit one's post; the earlier text goes to its history."""
        post = selectors.access_post(request.user, post_id)
        data = validated(s.PostEditIn, request.data)
        return Response(s.PostOut(services.post_edit(actor=signed_in(request.user), post=post, **data)).data)

    @extend_schema(responses={200: s.PostOut, **ERRORS})
    def delete(self, request: Request, post_id: int) -> Response:
        """Delete one's post: it stays in place, shown as removed."""
        post = selectors.access_post(request.user, post_id)
        return Response(s.PostOut(services.post_delete(actor=signed_in(request.user), post=post)).data)
