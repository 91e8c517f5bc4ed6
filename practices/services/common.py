"""What the sheet writes share: the permission check and the input cleaner (every field in error is
reported at once, so a page shows each message next to its field and the API answers them all)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from hub.cleaning import FieldCleaner, as_id
from hub.errors import InvalidInput, NotAuthenticated
from hub.models import Commune, User
from hub.phone import normalize_benin_phone
from hub.selectors import search_key
from practices.errors import Forbidden, Invalid
from practices.models import (
    MAX_ACTIONS_CHARS,
    MAX_CONTACT_CHARS,
    MAX_DOCUMENTS,
    MAX_PROBLEM_CHARS,
    MAX_RESULTS_CHARS,
    MAX_SUMMARY_CHARS,
    MAX_THEMES,
    MAX_TITLE_CHARS,
    PracticeSheet,
    Theme,
)
from practices.permissions import can_manage, is_signed_in
from publications.models import Document

# The texts of a sheet: (field, longest, required).
TEXT_FIELDS: tuple[tuple[str, int, bool], ...] = (
    ("title", MAX_TITLE_CHARS, True),
    ("summary", MAX_SUMMARY_CHARS, True),
    ("problem", MAX_PROBLEM_CHARS, True),
    ("actions", MAX_ACTIONS_CHARS, True),
    ("results", MAX_RESULTS_CHARS, True),
    ("contact_name", MAX_CONTACT_CHARS, True),
    ("contact_role", MAX_CONTACT_CHARS, False),
)
CONTACT_FIELDS = ("contact_email", "contact_phone")
SHEET_FIELDS = (*(name for name, _max, _required in TEXT_FIELDS), *CONTACT_FIELDS, "themes", "documents")
TITLE_MIN_CHARS = 5


def require_user(actor: Any, message: str = "") -> User:
    if not isinstance(actor, User) or not is_signed_in(actor):
        raise NotAuthenticated(message or None)
    return actor


def require_manager(actor: Any, commune: Commune) -> User:
    """The acting staff member: 401 signed out, 403 (``forbidden``) without the right in *this*
    commune. Checked before anything else is read or written."""
    user = require_user(actor)
    if not can_manage(user, commune):
        raise Forbidden(code="forbidden")
    return user


def search_text(sheet: PracticeSheet, commune_name: str) -> str:
    """What the text search looks in: the commune's name, the title and every text of the sheet
    (``practices.selectors.sheet_list`` looks for each word of a search in it)."""
    parts = [commune_name, sheet.title, sheet.summary, sheet.problem, sheet.actions, sheet.results]
    return f" {search_key(' '.join(parts))} "


class Cleaner(FieldCleaner):
    """``hub.cleaning.FieldCleaner`` with a sheet's fields."""

    invalid = Invalid
    refuse_nul = True

    def title(self, value: Any) -> str:
        text = self.text(value, field="title", max_length=MAX_TITLE_CHARS, required=True)
        if text and len(text) < TITLE_MIN_CHARS and "title" not in self.errors:
            self.fail("title", _("At least %(min)d characters.") % {"min": TITLE_MIN_CHARS})
        return text

    def email(self, value: Any) -> str:
        text = self.text(value, field="contact_email", max_length=254, required=False)
        if text:
            try:
                validate_email(text)
            except ValidationError:
                self.fail("contact_email", _("Enter a valid e-mail address."))
        return text

    def phone(self, value: Any) -> str:
        text = self.text(value, field="contact_phone", max_length=40, required=False)
        if not text:
            return ""
        try:
            return normalize_benin_phone(text)
        except InvalidInput as exc:
            self.fail("contact_phone", exc.message)
            return ""

    def themes(self, value: Any) -> list[Theme]:
        """One to ``MAX_THEMES`` themes, by slug (an unknown one is named)."""
        slugs = _strings(value)
        if slugs is None:
            self.fail("themes", _("Send a list of theme slugs."))
            return []
        slugs = list(dict.fromkeys(slugs))
        if not slugs:
            self.fail("themes", _("Choose at least one theme."))
            return []
        if len(slugs) > MAX_THEMES:
            self.fail("themes", _("At most %(max)d themes.") % {"max": MAX_THEMES})
            return []
        found = {theme.slug: theme for theme in Theme.objects.filter(slug__in=slugs)}
        unknown = [slug for slug in slugs if slug not in found]
        if unknown:
            self.fail("themes", _("Unknown theme: %(slugs)s.") % {"slugs": ", ".join(unknown)})
            return []
        return [found[slug] for slug in slugs]

    def documents(self, value: Any, commune: Commune) -> list[Document]:
        """Up to ``MAX_DOCUMENTS`` published documents of the sheet's commune, by id (anything else
        is refused in one message)."""
        if value is None or value == "":
            return []
        items = value if isinstance(value, list | tuple) else None
        if items is None:
            self.fail("documents", _("Send a list of document ids."))
            return []
        ids = [as_id(item) for item in items]
        if any(pk is None for pk in ids):
            self.fail("documents", _("Choose published documents of this commune."))
            return []
        unique = list(dict.fromkeys(pk for pk in ids if pk is not None))
        if len(unique) > MAX_DOCUMENTS:
            self.fail("documents", _("At most %(max)d documents.") % {"max": MAX_DOCUMENTS})
            return []
        found = {
            document.pk: document
            for document in Document.objects.published().filter(pk__in=unique, commune_id=commune.pk)
        }
        if len(found) != len(unique):
            self.fail("documents", _("Choose published documents of this commune."))
            return []
        return [found[pk] for pk in unique]


def _strings(value: Any) -> list[str] | None:
    if value is None or value == "":
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        return None
    return [item.strip() for item in value if item.strip()]


def fields_clean(
    changes: dict[str, Any], *, commune: Commune, creating: bool, current: PracticeSheet | None = None
) -> dict[str, Any]:
    """The cleaned fields among ``changes`` (every field when ``creating``); raises ``Invalid`` with
    every field in error. A sheet keeps a way to reach its contact: an e-mail or a phone."""
    cleaner = Cleaner()
    clean: dict[str, Any] = {}
    for name, longest, required in TEXT_FIELDS:
        if creating or name in changes:
            if name == "title":
                clean[name] = cleaner.title(changes.get(name))
            else:
                value = changes.get(name)
                clean[name] = cleaner.text(value, field=name, max_length=longest, required=required)
    if creating or "contact_email" in changes:
        clean["contact_email"] = cleaner.email(changes.get("contact_email"))
    if creating or "contact_phone" in changes:
        clean["contact_phone"] = cleaner.phone(changes.get("contact_phone"))
    if creating or "themes" in changes:
        clean["themes"] = cleaner.themes(changes.get("themes"))
    if creating or "documents" in changes:
        clean["documents"] = cleaner.documents(changes.get("documents"), commune)
    email = clean.get("contact_email", current.contact_email if current is not None else "")
    phone = clean.get("contact_phone", current.contact_phone if current is not None else "")
    has_errors = any(name in cleaner.errors for name in CONTACT_FIELDS)
    if not email and not phone and not has_errors:
        cleaner.fail("contact_email", _("Give an e-mail address or a phone number to reach the contact."))
    cleaner.done()
    return clean


def slugs(themes: Sequence[Theme]) -> list[str]:
    return [theme.slug for theme in themes]
