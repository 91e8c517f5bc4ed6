"""Forum API views (thin): validate input, call one selector or service, serialise the output."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from forums import cache as forum_cache
from forums import selectors, services
from forums.api import serializers as s
from forums.api.pagination import MAX_PAGE_SIZE, keyset_page
from forums.errors import PostNotFound
from forums.models import Post, Thread
from forums.permissions import MODERATE
from forums.selectors import SORTS
from hub.api.negotiation import AnyAcceptNegotiation, PassThroughRenderer
from hub.api.validation import validated
from hub.errors import InvalidInput, NotFound
from hub.models import Commune, User
from hub.selectors import access_commune_for, signed_in
from hub.uploads import limit_upload_size


class SignedInUserRateThrottle(UserRateThrottle):
    """The per-account limit for signed-in users only: an anonymous client is already held to the
    (stricter) per-address anonymous limit, so counting it twice only costs two more Redis trips."""

    def allow_request(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return True
        return super().allow_request(request, view)


READ_THROTTLES = [AnonRateThrottle, SignedInUserRateThrottle]

ERRORS = {
    400: OpenApiResponse(description="Invalid input (``{error: {code, message, fields}}``)."),
    403: OpenApiResponse(description="Not allowed (muted: ``until`` gives the end of the mute)."),
    404: OpenApiResponse(description="No such thread or post (hidden content is not found)."),
    409: OpenApiResponse(description="The thread is locked."),
}


def _thread_detail(request: Request, thread_id: int, code: int = status.HTTP_200_OK) -> Response:
    thread = selectors.access_thread(request.user, thread_id)
    context = selectors.thread_viewer_state(request.user, thread)
    return Response(s.ThreadDetailOut(thread, context=context).data, status=code)


def _post_in(thread: Thread, post_id: int | None) -> Post | None:
    if post_id is None:
        return None
    post = Post.objects.select_related("author").filter(pk=post_id, thread=thread).first()
    if post is None:
        raise PostNotFound()
    return post


class CategoryListView(APIView):
    @extend_schema(responses=s.CategoryOut(many=True))
    def get(self, request: Request, slug: str) -> Response:
        """The categories of a commune's forum, in their order."""
        commune = selectors.commune_by_slug(slug)
        return Response(s.CategoryOut(selectors.category_list(commune=commune), many=True).data)

    @extend_schema(request=s.CategoryIn, responses={201: s.CategoryOut, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        """Create or rename (same slug) a category: commune staff."""
        commune = access_commune_for(request.user, slug, "forums.edit_categories")
        data = validated(s.CategoryIn, request.data)
        category = services.category_save(actor=signed_in(request.user), commune=commune, **data)
        return Response(s.CategoryOut(category).data, status=status.HTTP_201_CREATED)


class ThreadListView(APIView):
    throttle_classes = READ_THROTTLES

    @extend_schema(
        operation_id="forum_threads_list",
        parameters=[s.ThreadQueryIn],
        responses={200: s.ThreadPageOut, 400: ERRORS[400]},
    )
    def get(self, request: Request) -> Response:
        """Visible threads; ``sort`` = recent (activity), supported, unanswered; cursor pagination."""
        if request.user.is_authenticated:
            return Response(self.page(request))
        scope = forum_cache.ALL
        commune_slug = request.query_params.get("commune") or ""
        if commune_slug:
            commune_id = selectors.commune_id_by_slug(commune_slug)
            scope = f"c{commune_id}" if commune_id else forum_cache.ALL
        key = request.get_host() + request.get_full_path()
        return Response(forum_cache.cached(scope, key, lambda: self.page(request)))

    def page(self, request: Request) -> dict[str, Any]:
        query = validated(s.ThreadQueryIn, request.query_params)
        commune: Commune | None = selectors.commune_by_slug(query["commune"]) if query["commune"] else None
        category = None
        if query["category"]:
            if commune is None:
                raise InvalidInput(fields={"category": [_("Give the commune too.")]})
            category = selectors.category_get(commune=commune, slug=query["category"])
        threads = selectors.thread_list(
            user=request.user,
            commune=commune,
            category=category,
            kind=query["kind"],
            status=query["status"],
            author=query["author"],
            q=query["q"],
            sort=query["sort"],
        )
        field = SORTS[query["sort"]][0].lstrip("-")
        page, next_url = keyset_page(request, threads, field)
        return {"next": next_url, "results": s.thread_rows(page)}


class UploadGuard(APIView):
    """JSON or multipart (photos); an oversized body is refused from its Content-Length first."""

    parser_classes = [JSONParser, MultiPartParser]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if request.method == "POST":
            limit_upload_size(request._request)
        super().initial(request, *args, **kwargs)


class CommuneThreadCreateView(UploadGuard):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request={"application/json": s.ThreadIn, "multipart/form-data": s.ThreadIn},
        responses={201: s.ThreadDetailOut, **ERRORS},
    )
    def post(self, request: Request, slug: str) -> Response:
        """Open a thread (question, concern or proposal) in a category of the commune."""
        commune = selectors.commune_by_slug(slug)
        data = validated(s.ThreadIn, request.data)
        category = selectors.category_get(commune=commune, slug=data.pop("category"))
        thread = services.thread_create(
            actor=signed_in(request.user), commune=commune, category=category, **data
        )
        return _thread_detail(request, thread.pk, status.HTTP_201_CREATED)


class ThreadDetailView(APIView):
    throttle_classes = READ_THROTTLES

    @extend_schema(responses={200: s.ThreadDetailOut, 404: ERRORS[404]})
    def get(self, request: Request, thread_id: int) -> Response:
        """A thread with its official answer; ``event_seq`` is where live events continue from."""
        if request.user.is_authenticated:
            return _thread_detail(request, thread_id)
        return Response(
            forum_cache.cached(f"t{thread_id}", "detail", lambda: _thread_detail(request, thread_id).data)
        )


class ThreadStatusView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=s.ThreadStatusIn, responses={200: s.ThreadDetailOut, **ERRORS})
    def post(self, request: Request, thread_id: int) -> Response:
        """Set the status (commune staff)."""
        thread = selectors.access_thread(request.user, thread_id)
        data = validated(s.ThreadStatusIn, request.data)
        services.thread_status_set(actor=signed_in(request.user), thread=thread, **data)
        return _thread_detail(request, thread_id)


class ProposalStatusView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=s.ProposalStatusIn, responses={200: s.ThreadDetailOut, **ERRORS})
    def post(self, request: Request, thread_id: int) -> Response:
        """Move a proposal along (commune staff); ``rejected`` needs a ``reason``."""
        thread = selectors.access_thread(request.user, thread_id)
        data = validated(s.ProposalStatusIn, request.data)
        services.proposal_status_set(actor=signed_in(request.user), thread=thread, **data)
        return _thread_detail(request, thread_id)


class ThreadLockView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=s.LockIn, responses={200: s.ThreadDetailOut, **ERRORS})
    def post(self, request: Request, thread_id: int) -> Response:
        """Lock or unlock a thread (moderators of the commune)."""
        thread = selectors.access_thread(request.user, thread_id)
        data = validated(s.LockIn, request.data)
        services.thread_lock_set(actor=signed_in(request.user), thread=thread, locked=data["locked"])
        return _thread_detail(request, thread_id)


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
        thread = selectors.access_thread(request.user, thread_id)
        after_seq = validated(s.PostQueryIn, request.query_params)["after_seq"]
        posts = selectors.post_list(user=request.user, thread=thread, after_seq=after_seq)
        after = request.query_params.get("after") or ""
        if after:
            try:
                posts = posts.filter(pk__gt=int(after))
            except ValueError:
                raise InvalidInput(fields={"after": [_("A post id.")]}) from None
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

    @extend_schema(responses={(200, "image/*"): OpenApiTypes.BINARY, 404: ERRORS[404]})
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


class SupportView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    def _set(self, request: Request, thread_id: int, supported: bool) -> Response:
        thread = selectors.access_thread(request.user, thread_id)
        thread = services.support_set(actor=signed_in(request.user), thread=thread, supported=supported)
        return Response({"supported": supported, "support_count": thread.support_count})

    @extend_schema(request=None, responses={200: s.SupportOut, **ERRORS})
    def post(self, request: Request, thread_id: int) -> Response:
        """Support the thread (idempotent: twice is one support)."""
        return self._set(request, thread_id, True)

    @extend_schema(responses={200: s.SupportOut, **ERRORS})
    def delete(self, request: Request, thread_id: int) -> Response:
        """Withdraw one's support (idempotent)."""
        return self._set(request, thread_id, False)


class FollowView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: s.ThreadFollowOut})
    def post(self, request: Request, thread_id: int) -> Response:
        """Follow the thread: be notified of replies and of the official answer."""
        thread = selectors.access_thread(request.user, thread_id)
        return Response({"following": services.follow_set(actor=request.user, thread=thread, following=True)})

    @extend_schema(responses={200: s.ThreadFollowOut})
    def delete(self, request: Request, thread_id: int) -> Response:
        thread = selectors.access_thread(request.user, thread_id)
        return Response(
            {"following": services.follow_set(actor=request.user, thread=thread, following=False)}
        )


class FlagView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=s.FlagIn, responses={201: s.FlagOut, **ERRORS})
    def post(self, request: Request, thread_id: int) -> Response:
        """Flag the thread, or one of its posts (``post``), with a reason."""
        thread = selectors.access_thread(request.user, thread_id)
        data = validated(s.FlagIn, request.data)
        flag = services.flag_create(
            actor=signed_in(request.user),
            thread=thread,
            reason=data["reason"],
            post=_post_in(thread, data["post"]),
        )
        return Response({"id": flag.pk, "reason": flag.reason}, status=status.HTTP_201_CREATED)


class ModerationQueueView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: s.QueueOut, 403: ERRORS[403]})
    def get(self, request: Request, slug: str) -> Response:
        """Hidden and flagged threads and posts of the commune (its moderators)."""
        commune = access_commune_for(request.user, slug, MODERATE)
        return Response(s.QueueOut(selectors.moderation_queue(commune=commune)).data)


class HideView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=s.HideIn, responses={204: None, **ERRORS})
    def post(self, request: Request, thread_id: int) -> Response:
        """Hide the thread, or one post (``post``): gone from every public list, live."""
        thread = selectors.access_thread(request.user, thread_id)
        data = validated(s.HideIn, request.data)
        services.content_hide(
            actor=signed_in(request.user),
            thread=thread,
            reason=data["reason"],
            post=_post_in(thread, data["post"]),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class RestoreView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=s.RestoreIn, responses={204: None, **ERRORS})
    def post(self, request: Request, thread_id: int) -> Response:
        thread = selectors.access_thread(request.user, thread_id)
        data = validated(s.RestoreIn, request.data)
        services.content_restore(
            actor=signed_in(request.user), thread=thread, post=_post_in(thread, data["post"])
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class MuteView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=s.MuteIn, responses={201: s.MuteOut, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        """Mute a user in this commune's forum for ``days`` days (moderators)."""
        commune = access_commune_for(request.user, slug, MODERATE)
        data = validated(s.MuteIn, request.data)
        target = User.objects.filter(pk=data["user"], is_active=True).first()
        if target is None:
            raise NotFound(_("No such account."), code="user_not_found")
        mute = services.user_mute(
            actor=signed_in(request.user),
            commune=commune,
            user=target,
            days=data["days"],
            reason=data["reason"],
        )
        return Response(s.MuteOut(mute).data, status=status.HTTP_201_CREATED)
