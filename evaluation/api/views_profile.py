"""A participant's own profile for the mobile apps: ``/api/v1/me/participation-profile/``.

``GET`` reads one's answers (404 when there are none), ``PUT`` replaces them with consent (201 the
first time, 200 after), ``DELETE`` removes them (204; 404 when there were none). Always the signed-in
person's own profile: there is no id in the path, so no one else's can be asked for. The
``arrondissements/`` list gives the ids a profile may name. Throttled like every signed-in call (the
default ``hub.api.throttles.RequestRateThrottle``, ``user`` rate). Thin: the service decides."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from evaluation import selectors_profile as selectors
from evaluation.api import serializers_profile as s
from evaluation.models import ParticipantProfile
from evaluation.services import profile as services
from hub.api.validation import validated
from hub.errors import NotFound
from hub.models import User
from hub.selectors import signed_in

NO_PROFILE = OpenApiResponse(description="No profile: none was given, or it was deleted (`not_found`).")


def _own_profile(user: User) -> ParticipantProfile:
    profile = selectors.profile_of(user)
    if profile is None:
        raise NotFound(_("You have not given a participation profile."))
    return profile


class ParticipationProfileView(APIView):
    """The optional profile that shows who takes part: gender, age band, arrondissement, disability.
    Only ever counted in aggregate, with groups under 10 people suppressed; no one else sees it."""

    permission_classes = [permissions.IsAuthenticated]
    never_answers = {409}  # read by the schema (hub/api/schema.py)

    @extend_schema(responses={200: s.ParticipationProfileOut, 404: NO_PROFILE})
    def get(self, request: Request) -> Response:
        profile = _own_profile(signed_in(request.user))
        return Response(s.ParticipationProfileOut(profile).data)

    @extend_schema(
        request=s.ParticipationProfileIn,
        responses={200: s.ParticipationProfileOut, 201: s.ParticipationProfileOut},
    )
    def put(self, request: Request) -> Response:
        """Replace one's answers (``consent`` must be true, every time)."""
        user = signed_in(request.user)
        data = validated(s.ParticipationProfileIn, request.data)
        _profile, created = services.save_profile(user, data)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(s.ParticipationProfileOut(_own_profile(user)).data, status=code)

    @extend_schema(responses={204: None, 404: NO_PROFILE})
    def delete(self, request: Request) -> Response:
        """Delete one's answers: nothing of them is kept."""
        if not services.delete_profile(signed_in(request.user)):
            raise NotFound(_("You have not given a participation profile."))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ParticipationArrondissementsView(APIView):
    """The arrondissements a profile may name: those of the enabled communes, by commune."""

    permission_classes = [permissions.IsAuthenticated]
    never_answers = {403}  # a read open to every account (read by the schema)

    @extend_schema(responses=s.ParticipationCommuneOut(many=True))
    def get(self, request: Request) -> Response:
        signed_in(request.user)
        return Response(s.ParticipationCommuneOut(selectors.arrondissement_choices(), many=True).data)
