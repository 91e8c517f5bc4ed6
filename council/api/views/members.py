"""A commune's council over REST: its members (with their record and photo), committees and rules.

Reading is open to everyone (the council is public); writing is for the commune's secretary-general
or mayor, through the same services as the staff pages."""

from __future__ import annotations

import posixpath
from typing import Any

from django.core.files.storage import default_storage
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from council import selectors, services
from council.api import serializers as s
from council.api.output import (
    CouncilCommitteeOut,
    CouncilMemberDetailOut,
    CouncilMemberOut,
    CouncilOut,
    CouncilRulesOut,
    commune_data,
)
from council.api.views.common import ERRORS, committee_get, commune_get, manager_check
from council.errors import CouncilNotFound
from hub.api.negotiation import AnyAcceptNegotiation, PassThroughRenderer
from hub.api.schema import IMAGE_CONTENT_TYPES, file_responses
from hub.api.validation import validated, validated_query
from hub.uploads import IMAGE_EXTENSIONS, limit_upload_size

CONTENT_TYPE_OF = {f".{extension}": kind for kind, extension in IMAGE_EXTENSIONS.items()}


def member_response(member_id: int, code: int = status.HTTP_200_OK) -> Response:
    return Response(CouncilMemberOut(selectors.member_get(member_id)).data, status=code)


class CouncilView(APIView):
    @extend_schema(
        operation_id="communes_council_retrieve",
        parameters=[s.CouncilQueryIn],
        responses={200: CouncilOut, 404: ERRORS[404]},
    )
    def get(self, request: Request, slug: str) -> Response:
        """The council: members in office today, the mayor first (``all=true``: ended mandates too),
        its committees and the rules it votes by."""
        commune = commune_get(slug)
        everyone = validated_query(s.CouncilQueryIn, request)["all"]
        members = selectors.sort_members(list(selectors.members(commune, everyone=everyone)))
        return Response(
            {
                "commune": commune_data(commune),
                "members": CouncilMemberOut(members, many=True).data,
                "committees": CouncilCommitteeOut(selectors.committees(commune), many=True).data,
                "rules": CouncilRulesOut(selectors.rules_for(commune)).data,
            }
        )


class MemberCreateView(APIView):
    @extend_schema(request=s.CouncilMemberIn, responses={201: CouncilMemberOut, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        """Add a member to the council (secretary-general or mayor; audited)."""
        commune = commune_get(slug)
        manager_check(request, commune)
        data = validated(s.CouncilMemberIn, request.data)
        member = services.member_create(actor=request.user, commune=commune, **data)
        return member_response(member.pk, status.HTTP_201_CREATED)


class MemberDetailView(APIView):
    @extend_schema(responses={200: CouncilMemberDetailOut, 404: ERRORS[404]})
    def get(self, request: Request, member_id: int) -> Response:
        """A member and their record: attendance (rate, every session called) and every named vote."""
        member = selectors.member_get(member_id)
        return Response(CouncilMemberDetailOut(selectors.member_record(member)).data)

    @extend_schema(request=s.CouncilMemberPatchIn, responses={200: CouncilMemberOut, **ERRORS})
    def patch(self, request: Request, member_id: int) -> Response:
        """Change a member (the fields sent only); ``committees`` replaces the list, ``user`` null
        unlinks the account. Ending a mandate: ``mandate_end``."""
        member = selectors.member_get(member_id)
        manager_check(request, member.commune)
        changes = validated(s.CouncilMemberPatchIn, request.data)
        services.member_update(actor=request.user, member=member, **changes)
        return member_response(member.pk)

    @extend_schema(request=None, responses={204: None, **ERRORS})
    def delete(self, request: Request, member_id: int) -> Response:
        """Delete a member entered by mistake; one on the record (a roll call, a vote) is refused
        (409 ``wrong_status``): end their mandate instead."""
        member = selectors.member_get(member_id)
        services.member_delete(actor=request.user, member=member)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberPhotoView(APIView):
    content_negotiation_class = AnyAcceptNegotiation

    def get_renderers(self) -> list[BaseRenderer]:
        # The photo is a ready-made file (its errors JSON); the writes answer JSON only.
        if self.request is not None and self.request.method in ("GET", "HEAD"):
            return [JSONRenderer(), PassThroughRenderer()]
        return [JSONRenderer()]

    def get_parsers(self) -> list[Any]:
        return [MultiPartParser()]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # The size is checked from Content-Length before the body is parsed, and a streaming guard
        # stops a body that lies about it (as every upload: hub.uploads).
        if request.method == "PUT":
            limit_upload_size(request._request)
        super().initial(request, *args, **kwargs)

    @extend_schema(responses={**file_responses(IMAGE_CONTENT_TYPES), 404: ERRORS[404]})
    def get(self, request: Request, member_id: int) -> Any:
        """The member's photo."""
        member = selectors.member_get(member_id)
        kind = CONTENT_TYPE_OF.get(posixpath.splitext(member.photo)[1].lower()) if member.photo else None
        if kind is None:
            raise CouncilNotFound(_("This member has no photo."))
        try:
            handle = default_storage.open(member.photo, "rb")
        except OSError as exc:
            raise CouncilNotFound(_("This file is no longer available."), code="file_missing") from exc
        response = FileResponse(handle, content_type=kind)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        # A new photo has a new name but the same address: caches keep one briefly.
        response["Cache-Control"] = "public, max-age=300"
        return response

    @extend_schema(
        request={"multipart/form-data": s.CouncilPhotoIn},
        responses={200: CouncilMemberOut, **ERRORS},
    )
    def put(self, request: Request, member_id: int) -> Response:
        """Set the member's photo (PNG, JPEG or WebP, checked from its content)."""
        member = selectors.member_get(member_id)
        manager_check(request, member.commune)
        data = validated(s.CouncilPhotoIn, request.data)
        services.member_photo_set(actor=request.user, member=member, upload=data["photo"])
        return member_response(member.pk)

    @extend_schema(request=None, responses={204: None, **ERRORS})
    def delete(self, request: Request, member_id: int) -> Response:
        """Remove the member's photo (their initials are shown)."""
        member = selectors.member_get(member_id)
        services.member_photo_set(actor=request.user, member=member, upload=None)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CommitteeCreateView(APIView):
    @extend_schema(request=s.CouncilCommitteeIn, responses={201: CouncilCommitteeOut, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        """Create a committee of the council (a name unique in the commune)."""
        commune = commune_get(slug)
        manager_check(request, commune)
        data = validated(s.CouncilCommitteeIn, request.data)
        committee = services.committee_create(actor=request.user, commune=commune, name=data["name"])
        return Response(CouncilCommitteeOut(committee).data, status=status.HTTP_201_CREATED)


class CommitteeDetailView(APIView):
    @extend_schema(request=None, responses={204: None, **ERRORS})
    def delete(self, request: Request, committee_id: int) -> Response:
        """Delete a committee (its members stay on the council)."""
        committee = committee_get(committee_id)
        services.committee_delete(actor=request.user, committee=committee)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RulesView(APIView):
    @extend_schema(request=s.CouncilRulesIn, responses={200: CouncilRulesOut, **ERRORS})
    def patch(self, request: Request, slug: str) -> Response:
        """Change the rules the council votes by (the fields sent only). Motions already opened keep
        the rules they were opened under."""
        commune = commune_get(slug)
        manager_check(request, commune)
        changes = validated(s.CouncilRulesIn, request.data)
        rules = services.rules_update(actor=request.user, commune=commune, **changes)
        return Response(CouncilRulesOut(rules).data)
