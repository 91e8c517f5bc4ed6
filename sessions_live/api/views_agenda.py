"""Agenda items over REST, before the session starts: rename, remove, reorder. Thin views over
``sessions_live.services.agenda`` (adding an item and setting the current one are in ``views``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.validation import validated
from sessions_live import selectors
from sessions_live import serializers as out
from sessions_live.api import serializers as s
from sessions_live.services import agenda


class AgendaItemDetailView(APIView):
    @extend_schema(request=s.AgendaItemIn, responses=out.AgendaItemOut)
    def patch(self, request: Request, session_id: int, item_id: int) -> Response:
        """Rename an item (scheduled sessions only; 409 ``wrong_status`` after the start)."""
        session = selectors.access_session(request.user, session_id, manage=True)
        data = validated(s.AgendaItemIn, request.data)
        item = agenda.agenda_item_update(
            actor=request.user, session=session, item_id=item_id, title=data["title"]
        )
        return Response(out.AgendaItemOut(item).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, session_id: int, item_id: int) -> Response:
        """Remove an item; the next ones move up (scheduled sessions only)."""
        session = selectors.access_session(request.user, session_id, manage=True)
        agenda.agenda_item_remove(actor=request.user, session=session, item_id=item_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AgendaOrderView(APIView):
    @extend_schema(request=s.AgendaOrderIn, responses=out.AgendaItemOut(many=True))
    def post(self, request: Request, session_id: int) -> Response:
        """Reorder the agenda: ``items`` names every item once (scheduled sessions only)."""
        session = selectors.access_session(request.user, session_id, manage=True)
        data = validated(s.AgendaOrderIn, request.data)
        items = agenda.agenda_reorder(actor=request.user, session=session, item_ids=data["items"])
        return Response(out.AgendaItemOut(items, many=True).data)
