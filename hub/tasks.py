"""Celery tasks of the core (thin: ids in, one job, safe to run twice)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from hub.models import ApiToken, User


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_password_reset_email(user_id: int) -> bool:
    user = User.objects.filter(pk=user_id, is_active=True).exclude(email=None).first()
    if user is None:
        return False
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    with translation.override(user.preferred_language):
        link = settings.SITE_URL.rstrip("/") + reverse(
            "frontend:password-reset-confirm", kwargs={"uidb64": uid, "token": token}
        )
        context = {"user": user, "link": link, "hours": settings.PASSWORD_RESET_TIMEOUT // 3600}
        subject = render_to_string("hub/email/password_reset_subject.txt", context).strip()
        body = render_to_string("hub/email/password_reset.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [str(user.email)])
    return True


@shared_task
def purge_expired_api_tokens() -> int:
    deleted, _details = ApiToken.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


@shared_task
def clear_expired_sessions() -> int:
    deleted, _details = Session.objects.filter(expire_date__lte=timezone.now()).delete()
    return deleted
