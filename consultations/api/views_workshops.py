"""Workshops over REST: recording one (JSON, or multipart with its photos), the consultation's
workshops, one workshop, changing it, its photos.

Thin views: the selectors decide who sees (public once the results are, else the commune's staff and
facilitators), the services who writes and what is valid. A write asks the service's permission
question before the body is read, so a citizen or a facilitator of another commune is told 403, never
400 about fields they may not send at all."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consultations import selectors_workshops as selectors
from consultations.api import serializers_workshops as s
from consultations.services import workshops as services
from consultations.services.common import require_facilitator
from hub.api.negotiation import AnyAcceptNegotiation, PassThroughRenderer
from hub.api.parsers import JSONParser
from hub.api.schema import IMAGE_CONTENT_TYPES, file_responses
from hub.api.validation import validated
from hub.errors import NotFound
from hub.uploads import limit_upload_size

ERRORS = {
    400: OpenApiResponse(
        description="Invalid input: `invalid` (the shape, with `fields`), `validation_error` (a rule: "
        "the totals by gender or age band, a count above the participants, ranks with a gap, "
        "an envelope exceeded, a question of another consultation; with `fields`, a question's "
        "under `question_<id>`), `unsupported_file_type` (a photo that is not an image)."
    ),
    403: OpenApiResponse(
        description="Not a focal point, staff member or facilitator of this commune, or not the "
        "workshop's recorder (`forbidden`); or CSRF."
    ),
    404: OpenApiResponse(description="No such consultation, workshop or photo (`not_found`)."),
    409: OpenApiResponse(description="The consultation is not open (`wrong_phase`)."),
}
READ_ERRORS = {
    401: OpenApiResponse(description="Sign in: the workshops are public once the consultation closes."),
    403: OpenApiResponse(
        description="Not staff or facilitator of this commune while it is open (`forbidden`)."
    ),
    404: ERRORS[404],
}


def workshop_response(workshop_id: int, user: Any, code: int = status.HTTP_200_OK) -> Response:
    return Response(s.WorkshopOut(selectors.access_workshop(user, workshop_id)).data, status=code)


class UploadView(APIView):
    """A view whose writes may carry photos: the size is checked from ``Content-Length`` before the
    body is parsed (DRF's CSRF check reads ``request.POST``), and a streaming guard stops a body that
    lies about it (``hub.uploads``)."""

    parser_classes = [MultiPartParser, JSONParser]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if request.method == "POST":
            limit_upload_size(request._request)
        super().initial(request, *args, **kwargs)


class WorkshopListView(UploadView):
    @extend_schema(
        operation_id="consultations_workshops_list", responses={200: s.WorkshopOut(many=True), **READ_ERRORS}
    )
    def get(self, request: Request, consultation_id: int) -> Response:
        """The consultation's workshops, oldest first: public once its results are (closed,
        responded); before, for the commune's staff and facilitators."""
        consultation = selectors.access_consultation_workshops(request.user, consultation_id)
        rows = selectors.workshops(consultation)
        return Response([s.WorkshopOut(row).data for row in rows])

    @extend_schema(
        operation_id="consultations_workshops_create",
        request={"application/json": s.WorkshopIn, "multipart/form-data": s.WorkshopMultipartIn},
        responses={201: s.WorkshopOut, **ERRORS, 413: OpenApiResponse(description="A file is too large.")},
    )
    def post(self, request: Request, consultation_id: int) -> Response:
        """Record a workshop held on the ground (the commune's focal points, staff and named
        facilitators; while the consultation is open): its participants, the group's answers, photos."""
        consultation = selectors.consultation_get(consultation_id, request.user)
        require_facilitator(request.user, consultation.commune)
        multipart = (request.content_type or "").startswith("multipart/")
        data = validated(s.WorkshopMultipartIn if multipart else s.WorkshopIn, request.data)
        photos = data.pop("photos", None) or []
        workshop = services.workshop_record(
            actor=request.user, consultation=consultation, data=data, photos=photos
        )
        return workshop_response(workshop.pk, request.user, status.HTTP_201_CREATED)


class WorkshopDetailView(APIView):
    @extend_schema(
        operation_id="consultations_workshop_retrieve", responses={200: s.WorkshopOut, **READ_ERRORS}
    )
    def get(self, request: Request, workshop_id: int) -> Response:
        """A workshop (seen as the consultation's list)."""
        return workshop_response(workshop_id, request.user)

    @extend_schema(
        operation_id="consultations_workshop_update",
        request=s.WorkshopPatchIn,
        responses={200: s.WorkshopOut, **ERRORS},
    )
    def patch(self, request: Request, workshop_id: int) -> Response:
        """Change a workshop (its recorder or the commune's staff, while the consultation is open):
        the fields sent only; ``answers`` replaces all the answers. The totals are checked again."""
        workshop = selectors.access_workshop(request.user, workshop_id)
        services.require_editor(request.user, workshop)
        changes = validated(s.WorkshopPatchIn, request.data)
        services.workshop_update(actor=request.user, workshop=workshop, data=changes)
        return workshop_response(workshop_id, request.user)


class WorkshopPhotosView(UploadView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="consultations_workshop_photos_create",
        request={"multipart/form-data": s.WorkshopPhotosIn},
        responses={201: s.WorkshopOut, **ERRORS, 413: OpenApiResponse(description="A file is too large.")},
    )
    def post(self, request: Request, workshop_id: int) -> Response:
        """Add photos to a workshop (6 in all)."""
        workshop = selectors.access_workshop(request.user, workshop_id)
        services.require_editor(request.user, workshop)
        data = validated(s.WorkshopPhotosIn, request.data)
        services.workshop_photo_add(actor=request.user, workshop=workshop, photos=data["photos"])
        return workshop_response(workshop_id, request.user, status.HTTP_201_CREATED)


class WorkshopPhotoView(APIView):
    content_negotiation_class = AnyAcceptNegotiation

    def get_renderers(self) -> list[BaseRenderer]:
        # The photo is a ready-made file (its errors JSON); the delete answers JSON only.
        if self.request is not None and self.request.method in ("GET", "HEAD"):
            return [JSONRenderer(), PassThroughRenderer()]
        return [JSONRenderer()]

    @extend_schema(
        operation_id="consultations_workshop_photo_retrieve",
        responses={**file_responses(IMAGE_CONTENT_TYPES), 404: ERRORS[404]},
    )
    def get(self, request: Request, photo_id: int) -> Any:
        """A photo of a workshop (seen as its workshop; 404 otherwise)."""
        photo = selectors.access_photo(request.user, photo_id)
        try:
            handle = photo.file.open("rb")
        except OSError as exc:
            raise NotFound(_("This file is no longer available."), code="file_missing") from exc
        response = FileResponse(handle, content_type=photo.content_type)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        # Private until the results are public: no shared cache keeps it.
        response["Cache-Control"] = "private, max-age=3600"
        return response

    @extend_schema(
        operation_id="consultations_workshop_photo_destroy", request=None, responses={204: None, **ERRORS}
    )
    def delete(self, request: Request, photo_id: int) -> Response:
        """Remove a photo (the workshop's recorder or the commune's staff, while it is open)."""
        photo = selectors.access_photo(request.user, photo_id)
        services.workshop_photo_delete(actor=request.user, photo=photo)
        return Response(status=status.HTTP_204_NO_CONTENT)
