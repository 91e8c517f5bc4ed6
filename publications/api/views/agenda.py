"""The mayor's agenda over the API: list, staff writes, publication, cancellation, iCalendar feed."""

from __future__ import annotations

import datetime

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.generics import ListAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.negotiation import AnyAcceptNegotiation
from hub.api.validation import validated, validated_query
from hub.selectors import access_commune_for, commune_get, signed_in
from publications.api import serializers as s
from publications.api.views.common import DRAFTS_NEED_RIGHTS, ICalendarRenderer
from publications.exports import ics_calendar, uid_domain
from publications.selectors.agenda import access_agenda_event, agenda_event_list, agenda_feed
from publications.services import agenda as services

FEED_PAST_DAYS = 90


def _detail(request: Request, event_id: int) -> Response:
    return Response(s.AgendaEventOut(access_agenda_event(request.user, event_id)).data)


@extend_schema(parameters=[s.AgendaQueryIn])
class AgendaEventListView(ListAPIView):
    """Agenda events (cancelled ones included, ``is_cancelled``), soonest first, from ``start``
    (default: now) to ``end``."""

    also_answers = DRAFTS_NEED_RIGHTS
    serializer_class = s.AgendaEventOut

    def get_queryset(self):  # type: ignore[no-untyped-def]
        query = validated_query(s.AgendaQueryIn, self.request)
        query["start"] = query["start"] or timezone.now()
        return agenda_event_list(user=self.request.user, **query)


class CommuneAgendaEventCreateView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=s.AgendaEventIn, responses={201: s.AgendaEventOut})
    def post(self, request: Request, slug: str) -> Response:
        commune = access_commune_for(request.user, slug, "hub.publish_in_commune")
        data = validated(s.AgendaEventIn, request.data)
        event = services.agenda_event_create(actor=signed_in(request.user), commune=commune, **data)
        return Response(
            s.AgendaEventOut(access_agenda_event(request.user, event.pk)).data, status=status.HTTP_201_CREATED
        )


class AgendaEventDetailView(APIView):
    @extend_schema(responses=s.AgendaEventOut)
    def get(self, request: Request, event_id: int) -> Response:
        return _detail(request, event_id)

    @extend_schema(request=s.AgendaEventPatchIn, responses=s.AgendaEventOut)
    def patch(self, request: Request, event_id: int) -> Response:
        event = access_agenda_event(request.user, event_id, manage=True)
        changes = validated(s.AgendaEventPatchIn, request.data)
        services.agenda_event_update(actor=signed_in(request.user), event=event, changes=changes)
        return _detail(request, event_id)


class AgendaEventPublishView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses=s.AgendaEventOut)
    def post(self, request: Request, event_id: int) -> Response:
        event = access_agenda_event(request.user, event_id, manage=True)
        services.agenda_event_publish(actor=signed_in(request.user), event=event)
        return _detail(request, event_id)


class AgendaEventWithdrawView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=s.WithdrawIn, responses=s.AgendaEventOut)
    def post(self, request: Request, event_id: int) -> Response:
        """Cancel a published event (it stays listed as cancelled, with the reason)."""
        event = access_agenda_event(request.user, event_id, manage=True)
        data = validated(s.WithdrawIn, request.data)
        services.agenda_event_withdraw(actor=signed_in(request.user), event=event, reason=data["reason"])
        return _detail(request, event_id)


class CommuneAgendaFeedView(APIView):
    renderer_classes = [JSONRenderer, ICalendarRenderer]
    content_negotiation_class = AnyAcceptNegotiation

    @extend_schema(operation_id="communes_agenda_ics", responses={(200, "text/calendar"): OpenApiTypes.STR})
    def get(self, request: Request, slug: str) -> HttpResponse:
        """The commune's public agenda as an iCalendar feed (subscribe to it from any calendar app)."""
        return agenda_ics_response(request, slug)


def agenda_ics_response(request: Request | HttpRequest, slug: str) -> HttpResponse:
    commune = commune_get(slug=slug)
    since = timezone.now() - datetime.timedelta(days=FEED_PAST_DAYS)
    domain = uid_domain()
    events = (
        {
            "uid": f"agenda-{event.pk}@{domain}",
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
            "updated_at": event.updated_at,
            "title": event.title,
            "description": event.description,
            "place": event.place,
            "url": request.build_absolute_uri(event.get_absolute_url()),
            "cancelled": event.is_withdrawn,
        }
        for event in agenda_feed(commune_slug=commune.slug, since=since)
    )
    name = _("Agenda of the mayor of %(commune)s") % {"commune": commune.name}
    response = HttpResponse(
        ics_calendar(name=name, events=events), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="agenda-{commune.slug}.ics"'
    response["Cache-Control"] = "public, max-age=600"
    return response
