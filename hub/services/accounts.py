"""Account writes: sign-up, profile, sign-in, API tokens, websocket tickets, password reset."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _

from hub.auth_backends import find_user_by_identifier
from hub.errors import InvalidInput, NotAuthenticated
from hub.models import ApiToken, User
from hub.phone import normalize_benin_phone
from hub.realtime.broadcast import broadcast_on_commit
from hub.realtime.events import user_group
from hub.tasks import send_password_reset_email
from hub.throttling import login_check_allowed, login_record_failure, login_record_success, rate_limit_hit

WS_TICKET_SALT = "communesplus.ws-ticket"


def _clean_email(email: str | None) -> str | None:
    email = (email or "").strip()
    if not email:
        return None
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput(
            _("Enter a valid e-mail address."), fields={"email": [_("Enter a valid e-mail address.")]}
        ) from exc
    return email.lower()


def _clean_phone(phone: str | None) -> str | None:
    phone = (phone or "").strip()
    if not phone:
        return None
    try:
        return normalize_benin_phone(phone)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, code="invalid_phone", fields={"phone": [exc.message]}) from exc


def clean_display_name(raw: str | None) -> str:
    """Visible text only: no control or format characters (bidi overrides, zero-width spaces), at
    least one letter or digit, spaces collapsed, 80 characters at most."""
    text = "".join(ch for ch in (raw or "") if unicodedata.category(ch) not in {"Cc", "Cf", "Co", "Cs"})
    text = " ".join(text.split())[:80]
    if not any(ch.isalnum() for ch in text):
        return ""
    return text


def _check_unique(*, email: str | None, phone: str | None, exclude_pk: int | None = None) -> None:
    errors: dict[str, list[str]] = {}
    others = User.objects.exclude(pk=exclude_pk) if exclude_pk else User.objects.all()
    if email and others.filter(email__iexact=email).exists():
        errors["email"] = [_("An account already uses this e-mail address.")]
    if phone and others.filter(phone=phone).exists():
        errors["phone"] = [_("An account already uses this phone number.")]
    if errors:
        raise InvalidInput(_("This account already exists."), code="duplicate", fields=errors)


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(
            exc.messages[0], code="weak_password", fields={"password": list(exc.messages)}
        ) from exc


def user_signup(
    *,
    password: str,
    display_name: str,
    email: str | None = None,
    phone: str | None = None,
    preferred_language: str = User.Language.FRENCH,
    ip: str | None = None,
) -> User:
    if ip:
        rate_limit_hit("signup-ip", ip, settings.SIGNUP_PER_IP_PER_HOUR, 3600)
    email, phone = _clean_email(email), _clean_phone(phone)
    display_name = clean_display_name(display_name)
    errors: dict[str, list[str]] = {}
    if not email and not phone:
        errors["identifier"] = [_("Give an e-mail address or a phone number.")]
    if not display_name:
        errors["display_name"] = [_("This field is required.")]
    if preferred_language not in User.Language.values:
        errors["preferred_language"] = [_("Choose French or English.")]
    if errors:
        raise InvalidInput(_("Some fields are missing or invalid."), fields=errors)
    _check_unique(email=email, phone=phone)
    user = User(
        email=email, phone=phone, display_name=display_name[:80], preferred_language=preferred_language
    )
    _check_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # two sign-ups raced past the check
        raise InvalidInput(_("This account already exists."), code="duplicate") from exc
    return user


def user_update_profile(
    *,
    user: User,
    display_name: str | None = None,
    preferred_language: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> User:
    changed: list[str] = []
    if display_name is not None:
        display_name = clean_display_name(display_name)
        if not display_name:
            raise InvalidInput(
                _("This field is required."), fields={"display_name": [_("This field is required.")]}
            )
        user.display_name = display_name
        changed.append("display_name")
    if preferred_language is not None:
        if preferred_language not in User.Language.values:
            raise InvalidInput(
                _("Choose French or English."),
                fields={"preferred_language": [_("Choose French or English.")]},
            )
        user.preferred_language = preferred_language
        changed.append("preferred_language")
    new_email = _clean_email(email) if email is not None else user.email
    new_phone = _clean_phone(phone) if phone is not None else user.phone
    if email is not None or phone is not None:
        if not new_email and not new_phone:
            raise InvalidInput(
                _("Give an e-mail address or a phone number."),
                fields={"identifier": [_("Give an e-mail address or a phone number.")]},
            )
        _check_unique(email=new_email, phone=new_phone, exclude_pk=user.pk)
        user.email, user.phone = new_email, new_phone
        changed += ["email", "phone"]
    if changed:
        try:
            with transaction.atomic():
                user.save(update_fields=changed)
        except IntegrityError as exc:
            raise InvalidInput(_("This account already exists."), code="duplicate") from exc
    return user


def login_authenticate(*, identifier: str, password: str, ip: str | None, request: Any = None) -> User:
    """Check credentials under failed-login throttling. Raises ``Throttled`` or ``InvalidInput``."""
    identifier = (identifier or "").strip()
    login_check_allowed(identifier, ip)
    user = authenticate(request, username=identifier, password=password or "")
    if user is None:
        login_record_failure(identifier, ip)
        raise InvalidInput(_("The identifier or the password is incorrect."), code="invalid_credentials")
    login_record_success(identifier)
    return user  # type: ignore[return-value]


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str


def api_token_create(*, user: User, device_name: str = "") -> IssuedToken:
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        digest=_digest(key),
        prefix=key[:8],
        device_name=device_name[:80],
        expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS),
    )
    return IssuedToken(token=token, key=key)


def api_token_lookup(key: str) -> ApiToken | None:
    token = ApiToken.objects.select_related("user").filter(digest=_digest(key)).first()
    if token is None or token.expires_at <= timezone.now() or not token.user.is_active:
        return None
    if token.last_used_at is None or timezone.now() - token.last_used_at > timedelta(hours=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token


def auth_ref_for_token(token: ApiToken) -> str:
    return f"t-{token.pk}"


def auth_ref_for_session(session_key: str) -> str:
    return "s-" + hashlib.sha256(session_key.encode()).hexdigest()[:24]


def auth_group(auth_ref: str) -> str:
    """The group of every websocket opened with one web session or one API token."""
    return f"auth.{auth_ref}"


def sign_out_sockets(auth_ref: str) -> None:
    """After commit, close the websockets that were opened with this session or token."""
    broadcast_on_commit(auth_group(auth_ref), {"type": "auth.revoked"})


def api_token_revoke(*, token: ApiToken) -> None:
    with transaction.atomic():
        ref = auth_ref_for_token(token)
        ApiToken.objects.filter(pk=token.pk).delete()
        sign_out_sockets(ref)


def ws_ticket_issue(*, user: User, auth_ref: str) -> str:
    """A short-lived, single-use ticket to open a websocket without a cookie (mobile apps)."""
    payload = {
        "u": user.pk,
        "n": secrets.token_urlsafe(12),
        "a": auth_ref,
        "h": user.get_session_auth_hash()[:16],
    }
    return signing.TimestampSigner(salt=WS_TICKET_SALT).sign_object(payload, compress=False)


def ws_ticket_redeem(ticket: str) -> tuple[User, str]:
    """Return (user, auth_ref) for a valid ticket, once; raise ``NotAuthenticated`` otherwise."""
    try:
        payload = signing.TimestampSigner(salt=WS_TICKET_SALT).unsign_object(
            ticket, max_age=settings.WS_TICKET_TTL
        )
    except signing.SignatureExpired as exc:
        raise NotAuthenticated(_("This ticket has expired."), code="ticket_expired") from exc
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise NotAuthenticated(_("This ticket is not valid."), code="ticket_invalid") from exc
    if not isinstance(payload, dict) or not {"u", "n", "a", "h"} <= payload.keys():
        raise NotAuthenticated(_("This ticket is not valid."), code="ticket_invalid")
    if not cache.add(f"ws-ticket-used:{payload['n']}", 1, settings.WS_TICKET_TTL + 5):
        raise NotAuthenticated(_("This ticket has already been used."), code="ticket_used")
    user = User.objects.filter(pk=payload["u"], is_active=True).first()
    # The password changed, or the token the ticket came from was revoked, since it was issued.
    if user is None or not hmac.compare_digest(user.get_session_auth_hash()[:16], str(payload["h"])):
        raise NotAuthenticated(_("This ticket is not valid."), code="ticket_invalid")
    auth_ref = str(payload["a"])
    if (
        auth_ref.startswith("t-")
        and not ApiToken.objects.filter(
            pk=auth_ref[2:] if auth_ref[2:].isdigit() else 0, user=user, expires_at__gt=timezone.now()
        ).exists()
    ):
        raise NotAuthenticated(_("This ticket is not valid."), code="ticket_invalid")
    return user, auth_ref


def password_reset_request(*, identifier: str, ip: str | None = None) -> None:
    """E-mail a reset link if an active account with an e-mail matches. Silent either way, but
    limited per identifier and per address so that nobody can flood someone's mailbox."""
    if ip:
        rate_limit_hit("reset-ip", ip, 20, 3600)
    rate_limit_hit("reset-id", identifier.strip().lower(), settings.PASSWORD_RESET_PER_HOUR, 3600)
    user = find_user_by_identifier(identifier)
    if user is None or not user.is_active or not user.email or not user.has_usable_password():
        return
    send_password_reset_email.delay_on_commit(user.pk)


def password_reset_confirm(*, uidb64: str, token: str, new_password: str) -> User:
    try:
        uid = int(force_str(urlsafe_base64_decode(uidb64)))
        user = User.objects.get(pk=uid, is_active=True)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist) as exc:
        raise InvalidInput(
            _("This reset link is invalid or has expired."), code="invalid_reset_link"
        ) from exc
    if not default_token_generator.check_token(user, token):
        raise InvalidInput(_("This reset link is invalid or has expired."), code="invalid_reset_link")
    return password_set(user=user, new_password=new_password)


def password_change(*, user: User, current_password: str, new_password: str) -> User:
    """A signed-in user changes their password; the current one is asked again."""
    if not user.check_password(current_password or ""):
        message = _("Your current password is not this one.")
        raise InvalidInput(message, code="wrong_password", fields={"current_password": [message]})
    return password_set(user=user, new_password=new_password)


def password_set(*, user: User, new_password: str) -> User:
    """Set a new password. Every API token is revoked and every open socket of the user closed."""
    _check_password(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        # A new password signs out every mobile client and closes every open socket of the user
        # (web sessions end too: their session hash no longer matches).
        for api_token in list(user.api_tokens.all()):
            api_token_revoke(token=api_token)
        broadcast_on_commit(user_group(user.pk), {"type": "auth.revoked"})
    return user
