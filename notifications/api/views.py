"""Thin views of the notifications API."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.validation import StrictCursorPagination, validated
from hub.selectors import commune_get, signed_in
from notifications import selectors, services
from notifications.api import serializers as s
from notifications.models import Notification


class InboxPagination(StrictCursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 30


class InboxView(ListAPIView):
    """The signed-in user's in-app notifications, newest first (cursor pagination)."""

    permission_classes = [permissions.IsAuthenticated]
    never_answers = {403}  # one's own inbox (read by the schema, hub/api/schema.py)
    serializer_class = s.NotificationOut
    pagination_class = InboxPagination

    def get_queryset(self) -> QuerySet[Notification]:
        return selectors.inbox(user=signed_in(self.request.user))


class UnreadCountView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    never_answers = {403}

    @extend_schema(responses=s.UnreadCountOut)
    def get(self, request: Request) -> Response:
        return Response({"unread_count": selectors.unread_count(user=signed_in(request.user))})


class MarkReadView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    never_answers = {409}

    @extend_schema(request=None, responses=s.NotificationOut)
    def post(self, request: Request, notification_id: int) -> Response:
        notification = services.notification_mark_read(
            user=signed_in(request.user), notification_id=notification_id
        )
        return Response(s.NotificationOut(notification).data)


class MarkAllReadView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    never_answers = {409}

    @extend_schema(request=None, responses=s.UnreadCountOut)
    def post(self, request: Request) -> Response:
        user = signed_in(request.user)
        services.notification_mark_all_read(user=user)
        return Response({"unread_count": selectors.unread_count(user=user)})


class PreferencesView(APIView):
    """Per channel, for all communes (``commune: null``) or one commune (its slug)."""

    permission_classes = [permissions.IsAuthenticated]
    never_answers = {409}

    @extend_schema(responses=s.PreferenceOut(many=True))
    def get(self, request: Request) -> Response:
        return Response(s.PreferenceOut(selectors.preferences(user=signed_in(request.user)), many=True).data)

    @extend_schema(
        request=s.PreferenceIn,
        responses={200: s.PreferenceOut, 404: OpenApiResponse(description="No commune has this slug.")},
    )
    def put(self, request: Request) -> Response:
        data = validated(s.PreferenceIn, request.data)
        commune = commune_get(slug=data.pop("commune")) if data.get("commune") else None
        data.pop("commune", None)
        preference = services.preference_set(user=signed_in(request.user), commune=commune, **data)
        return Response(s.PreferenceOut(preference).data)


class PushSubscriptionView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    never_answers = {409}

    @extend_schema(responses=s.VapidKeyOut)
    def get(self, request: Request) -> Response:
        """The VAPID public key the browser needs to subscribe (empty when push is off)."""
        return Response({"public_key": settings.VAPID_PUBLIC_KEY})

    @extend_schema(request=s.PushSubscriptionIn, responses={201: None})
    def post(self, request: Request) -> Response:
        data = validated(s.PushSubscriptionIn, request.data)
        services.push_subscription_save(
            user=signed_in(request.user),
            endpoint=data["endpoint"],
            p256dh=data["keys"]["p256dh"],
            auth=data["keys"]["auth"],
        )
        return Response(status=status.HTTP_201_CREATED)

    @extend_schema(request=s.PushUnsubscribeIn, responses={204: None})
    def delete(self, request: Request) -> Response:
        data = validated(s.PushUnsubscribeIn, request.data)
        services.push_subscription_delete(user=signed_in(request.user), endpoint=data["endpoint"])
        return Response(status=status.HTTP_204_NO_CONTENT)
