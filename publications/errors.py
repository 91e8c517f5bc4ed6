"""Errors of the publications app, all ``hub.errors.DomainError`` subclasses (one JSON error shape).

The upload errors (``FileTooLarge``, ``UnsupportedFile``) are shared with other apps: ``hub.uploads``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from hub.errors import NotFound


class PublicationNotFound(NotFound):
    code = "publication_not_found"
    default_message: Any = _("This publication does not exist or is not public.")
