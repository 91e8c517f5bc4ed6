"""Authentication by e-mail address or Benin phone number, with Django's password hashers."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from hub.errors import InvalidInput
from hub.models import User
from hub.phone import looks_like_email, normalize_benin_phone


def find_user_by_identifier(identifier: str) -> User | None:
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    if looks_like_email(identifier):
        return User.objects.filter(email__iexact=identifier).first()
    try:
        phone = normalize_benin_phone(identifier)
    except InvalidInput:
        return None
    return User.objects.filter(phone=phone).first()


class IdentifierBackend(ModelBackend):
    """``authenticate(request, username=<e-mail or phone>, password=...)``."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        identifier = username or kwargs.get("identifier") or kwargs.get("email")
        if not identifier or password is None:
            return None
        user = find_user_by_identifier(identifier)
        if user is None:
            # Spend the same time hashing as for a real account, so timing does not reveal accounts.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
