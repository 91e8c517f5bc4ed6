"""API token authentication for mobile clients: ``Authorization: Token <key>`` or ``Bearer <key>``."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from hub.models import ApiToken, User
from hub.services.accounts import api_token_lookup

KEYWORDS = {b"token", b"bearer"}


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from exc
        token = api_token_lookup(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"
