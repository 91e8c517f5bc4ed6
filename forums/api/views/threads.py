"""Forum API views of categories and threads: list, open, read, status, lock, support, follow."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from forums import cache as forum_cache
from forums import selectors, services
from forums.api import serializers as s
from forums.api.pagination import keyset_page
from forums.api.views.common import ERRORS, READ_THROTTLES, UploadGuard, thread_detail
from forums.selectors import SORTS
from hub.api.validation import validated, validated_query
from hub.errors import InvalidInput
from hub.models import Commune
from hub.selectors import access_commune_for, signed_in


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
    also_answers = {404: "No commune (or category of it) has this slug."}  # read by the schema

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
        query = validated_query(s.ThreadQueryIn, request)
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
        return thread_detail(request, thread.pk, status.HTTP_201_CREATED)


class ThreadDetailView(APIView):
    throttle_classes = READ_THROTTLES

    @extend_schema(responses={200: s.ThreadDetailOut, 404: ERRORS[404]})
    def get(self, request: Request, thread_id: int) -> Response:
        """A thread with its official answer; ``event_seq`` is where live events continue from."""
        if request.user.is_authenticated:
            return thread_detail(request, thread_id)
        return Response(
            forum_cache.cached(f"t{thread_id}", "detail", lambda: thread_detail(request, thread_id).data)
        )


class ThreadStatusView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=s.ThreadStatusIn, responses={200: s.ThreadDetailOut, **ERRORS})
    def post(self, request: Request, thread_id: int) -> Response:
        """Set the status (commune staff)."""
        thread = selectors.access_thread(request.user, thread_id)
        data = validated(s.ThreadStatusIn, request.data)
        services.thread_status_set(actor=signed_in(request.user), thread=thread, **data)
        return thread_detail(request, thread_id)


class ProposalStatusView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=s.ProposalStatusIn, responses={200: s.ThreadDetailOut, **ERRORS})
    def post(self, request: Request, thread_id: int) -> Response:
        """Move a proposal along (commune staff); ``rejected`` needs a ``reason``."""
        thread = selectors.access_thread(request.user, thread_id)
        data = validated(s.ProposalStatusIn, request.data)
        services.proposal_status_set(actor=signed_in(request.user), thread=thread, **data)
        return thread_detail(request, thread_id)


class ThreadLockView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=s.LockIn, responses={200: s.ThreadDetailOut, **ERRORS})
    def post(self, request: Request, thread_id: int) -> Response:
        """Lock or unlock a thread (moderators of the commune)."""
        thread = selectors.access_thread(request.user, thread_id)
        data = validated(s.LockIn, request.data)
        services.thread_lock_set(actor=signed_in(request.user), thread=thread, locked=data["locked"])
        return thread_detail(request, thread_id)


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
