"""Errors of the publications app, all ``hub.errors.DomainError`` subclasses (one JSON error shape)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from hub.errors import DomainError, InvalidInput, NotFound


class FileTooLarge(DomainError):
    code = "file_too_large"
    status = 413
    default_message: Any = _("This file is too large.")


class UnsupportedFile(InvalidInput):
    code = "unsupported_file_type"
    default_message: Any = _("This kind of file is not accepted.")


class PublicationNotFound(NotFound):
    code = "publication_not_found"
    default_message: Any = _("This publication does not exist or is not public.")
