"""Forum API views of moderation: flags, the moderators' queue, hide and restore, mutes."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from forums import selectors, services
from forums.api import serializers as s
from forums.api.views.common import ERRORS, post_in
from forums.permissions import MODERATE
from hub.api.validation import validated
from hub.errors import NotFound
from hub.models import User
from hub.selectors import access_commune_for, signed_in


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
            post=post_in(thread, data["post"]),
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
            post=post_in(thread, data["post"]),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class RestoreView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=s.RestoreIn, responses={204: None, **ERRORS})
    def post(self, request: Request, thread_id: int) -> Response:
        thread = selectors.access_thread(request.user, thread_id)
        data = validated(s.RestoreIn, request.data)
        services.content_restore(
            actor=signed_in(request.user), thread=thread, post=post_in(thread, data["post"])
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
