"""Thin API views: parse input, call a selector or a service, serialize the result."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from hub.api import serializers as s
from hub.api.validation import validated, validated_query
from hub.context import request_ip
from hub.errors import NotAuthenticated
from hub.models import ApiToken, Commune
from hub.selectors import (
    access_commune_for,
    access_membership,
    audit_log_list,
    commune_get,
    commune_list,
    commune_memberships,
    department_list,
    follower_count,
    signed_in,
    user_follows,
    user_lookup,
    user_memberships,
)
from hub.services import accounts, communes


class AuthThrottled(APIView):
    """Sign-up, sign-in and password reset: open to anonymous callers, on a budget of their own."""

    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"
    never_answers = {409}  # read by the schema (hub/api/schema.py)


# --- Communes ---------------------------------------------------------------------------------


class DepartmentListView(ListAPIView):
    serializer_class = s.DepartmentOut
    pagination_class = None

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return department_list()


@extend_schema(parameters=[s.CommuneQueryIn])
class CommuneListView(ListAPIView):
    """All 77 communes, pilot communes first.

    Filters: ``q`` (accent-insensitive), ``department``, ``enabled``.
    """

    serializer_class = s.CommuneSummaryOut

    def get_queryset(self):  # type: ignore[no-untyped-def]
        query = validated_query(s.CommuneQueryIn, self.request)
        return commune_list(user=self.request.user, **query)


class CommuneDetailView(APIView):
    @extend_schema(responses=s.CommuneDetailOut)
    def get(self, request: Request, slug: str) -> Response:
        return Response(s.CommuneDetailOut(commune_get(slug=slug, user=request.user)).data)

    @extend_schema(request=s.CommuneProfileIn, responses=s.CommuneDetailOut)
    def patch(self, request: Request, slug: str) -> Response:
        commune = access_commune_for(request.user, slug, "hub.change_commune_profile")
        changes = validated(s.CommuneProfileIn, request.data)
        communes.commune_update_profile(actor=signed_in(request.user), commune=commune, changes=changes)
        return Response(s.CommuneDetailOut(commune_get(slug=slug, user=request.user)).data)


class CommuneFollowView(APIView):
    """Follow (201, or 200 when already followed) or unfollow (200); both answer the new state."""

    permission_classes = [permissions.IsAuthenticated]

    @staticmethod
    def _state(commune: Commune, is_followed: bool) -> dict[str, Any]:
        return {
            "commune": commune.slug,
            "is_followed": is_followed,
            "follower_count": follower_count(commune),
        }

    @extend_schema(request=None, responses={200: s.FollowStateOut, 201: s.FollowStateOut})
    def post(self, request: Request, slug: str) -> Response:
        commune = access_commune_for(request.user, slug, "hub.follow_commune")
        _follow, created = communes.commune_follow(user=signed_in(request.user), commune=commune)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(s.FollowStateOut(self._state(commune, True)).data, status=code)

    @extend_schema(request=None, responses={200: s.FollowStateOut})
    def delete(self, request: Request, slug: str) -> Response:
        commune = access_commune_for(request.user, slug, "hub.follow_commune")
        communes.commune_unfollow(user=signed_in(request.user), commune=commune)
        return Response(s.FollowStateOut(self._state(commune, False)).data)


class CommuneMembershipsView(APIView):
    """Staff memberships of one commune: readable by its staff, managed by its mayor/secretary-general."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=s.MembershipOut(many=True))
    def get(self, request: Request, slug: str) -> Response:
        commune = access_commune_for(request.user, slug, "hub.view_staff_area")
        return Response(s.MembershipOut(commune_memberships(commune=commune), many=True).data)

    @extend_schema(request=s.MembershipIn, responses={201: s.MembershipOut})
    def post(self, request: Request, slug: str) -> Response:
        commune = access_commune_for(request.user, slug, "hub.manage_memberships")
        data = validated(s.MembershipIn, request.data)
        member = user_lookup(data.pop("user"))
        membership = communes.membership_grant(
            actor=signed_in(request.user), commune=commune, user=member, **data
        )
        return Response(s.MembershipOut(membership).data, status=status.HTTP_201_CREATED)


class CommuneMembershipDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request: Request, slug: str, membership_id: int) -> Response:
        commune = access_commune_for(request.user, slug, "hub.manage_memberships")
        membership = access_membership(request.user, commune, membership_id)
        communes.membership_revoke(actor=signed_in(request.user), membership=membership)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Me ---------------------------------------------------------------------------------------


class MeView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    never_answers = {409}

    @extend_schema(responses=s.MeOut)
    def get(self, request: Request) -> Response:
        return Response(s.MeOut(request.user).data)

    @extend_schema(request=s.ProfileIn, responses=s.MeOut)
    def patch(self, request: Request) -> Response:
        changes = validated(s.ProfileIn, request.data)
        # null clears an e-mail or phone, like an empty string
        changes = {key: "" if value is None else value for key, value in changes.items()}
        user = accounts.user_update_profile(user=signed_in(request.user), **changes)
        return Response(s.MeOut(user).data)


class MyPasswordView(AuthThrottled):
    """Change the password (the current one is asked). Every API token is revoked, the one in use
    included: sign in again for a new token."""

    permission_classes = [permissions.IsAuthenticated]
    never_answers = {409}

    @extend_schema(request=s.PasswordChangeIn, responses={204: None})
    def post(self, request: Request) -> Response:
        data = validated(s.PasswordChangeIn, request.data)
        accounts.password_change(user=signed_in(request.user), **data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyMembershipsView(ListAPIView):
    permission_classes = [permissions.IsAuthenticated]
    never_answers = {403}  # one's own (read by the schema, hub/api/schema.py)
    serializer_class = s.MembershipOut
    pagination_class = None

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return user_memberships(user=signed_in(self.request.user))


class MyFollowsView(ListAPIView):
    permission_classes = [permissions.IsAuthenticated]
    never_answers = {403}  # one's own (read by the schema, hub/api/schema.py)
    serializer_class = s.FollowOut
    pagination_class = None

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return user_follows(user=signed_in(self.request.user))


# --- Authentication ---------------------------------------------------------------------------


class SignupView(AuthThrottled):
    @extend_schema(request=s.SignupIn, responses={201: s.MeOut})
    def post(self, request: Request) -> Response:
        user = accounts.user_signup(**validated(s.SignupIn, request.data), ip=request_ip(request))
        return Response(s.MeOut(user).data, status=status.HTTP_201_CREATED)


class TokenView(AuthThrottled):
    """Mobile sign-in: exchange an identifier and password for a bearer token; DELETE signs out."""

    @extend_schema(request=s.TokenIn, responses={201: s.TokenOut})
    def post(self, request: Request) -> Response:
        data = validated(s.TokenIn, request.data)
        user = accounts.login_authenticate(
            identifier=data["identifier"], password=data["password"], ip=request_ip(request), request=request
        )
        issued = accounts.api_token_create(user=user, device_name=data["device_name"])
        body = {"token": issued.key, "expires_at": issued.token.expires_at, "user": s.MeOut(user).data}
        return Response(body, status=status.HTTP_201_CREATED)

    def get_permissions(self) -> list[Any]:
        if self.request.method == "DELETE":
            return [permissions.IsAuthenticated()]
        return list(super().get_permissions())

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        if not isinstance(request.auth, ApiToken):
            raise NotAuthenticated(_("Sign out with the token you want to revoke."))
        accounts.api_token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


@method_decorator(csrf_protect, name="dispatch")
class SessionLoginView(AuthThrottled):
    """Browser sign-in over JSON (sets the session cookie). CSRF applies even though the caller is
    anonymous: DRF only checks it for authenticated sessions, and login CSRF is a real attack."""

    @extend_schema(request=s.TokenIn, responses=s.MeOut)
    def post(self, request: Request) -> Response:
        data = validated(s.TokenIn, request.data)
        user = accounts.login_authenticate(
            identifier=data["identifier"], password=data["password"], ip=request_ip(request), request=request
        )
        login(request._request, user, backend="hub.auth_backends.IdentifierBackend")
        return Response(s.MeOut(user).data)


class WsTicketView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    never_answers = {409}

    @extend_schema(request=None, responses={201: s.TicketOut})
    def post(self, request: Request) -> Response:
        if isinstance(request.auth, ApiToken):
            auth_ref = accounts.auth_ref_for_token(request.auth)
        else:
            auth_ref = accounts.auth_ref_for_session(request._request.session.session_key or "")
        ticket = accounts.ws_ticket_issue(user=signed_in(request.user), auth_ref=auth_ref)
        body = {"ticket": ticket, "expires_in": settings.WS_TICKET_TTL, "url": f"/ws/me/?ticket={ticket}"}
        return Response(body, status=status.HTTP_201_CREATED)


class PasswordResetView(AuthThrottled):
    @extend_schema(request=s.PasswordResetIn, responses={202: None})
    def post(self, request: Request) -> Response:
        accounts.password_reset_request(**validated(s.PasswordResetIn, request.data), ip=request_ip(request))
        # Same answer whether or not an account matches.
        return Response(
            {"detail": _("If an account matches, we sent it a link to choose a new password.")},
            status=status.HTTP_202_ACCEPTED,
        )


class PasswordResetConfirmView(AuthThrottled):
    @extend_schema(request=s.PasswordResetConfirmIn, responses={204: None})
    def post(self, request: Request) -> Response:
        data = validated(s.PasswordResetConfirmIn, request.data)
        accounts.password_reset_confirm(
            uidb64=data["uid"], token=data["token"], new_password=data["new_password"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Audit log --------------------------------------------------------------------------------


@extend_schema(parameters=[s.AuditQueryIn])
class AuditLogView(ListAPIView):
    """Platform admins read everything; a commune's mayor and secretary-general read their commune's."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = s.AuditLogEntryOut

    def get_queryset(self):  # type: ignore[no-untyped-def]
        query = validated_query(s.AuditQueryIn, self.request)
        return audit_log_list(
            user=self.request.user,
            commune_slug=query["commune"],
            action=query["action"],
            actor_id=query.get("actor"),
        )
