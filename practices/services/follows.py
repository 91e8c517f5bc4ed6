"""Following a theme of the library: told when a sheet in it is first published, whatever its
commune. Idempotent both ways; one row per person and theme whatever the concurrency (the unique
constraint decides)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from practices.models import Theme, ThemeFollow
from practices.services.common import require_user


def theme_follow(*, actor: Any, theme: Theme) -> bool:
    """Follow the theme; True when the follow is new."""
    user = require_user(actor, _("Sign in to follow a theme."))
    try:
        with transaction.atomic():
            _follow, created = ThemeFollow.objects.get_or_create(user=user, theme=theme)
    except IntegrityError:  # the same request twice at once: the other one made it
        created = False
    return created


def theme_unfollow(*, actor: Any, theme: Theme) -> bool:
    """Stop following the theme; True when there was a follow to remove."""
    user = require_user(actor, _("Sign in to follow a theme."))
    deleted, _details = ThemeFollow.objects.filter(user=user, theme=theme).delete()
    return deleted > 0
