"""Reads of the practices app. Published sheets are public; drafts and withdrawn sheets are seen by
their commune's staff only (to anyone else they do not exist: 404). ``access_sheet(..., manage=True)``
fetches AND authorises a staff write (401, 403, 404). Filters are in the query. Selectors never
import services (the services import them)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from hub.errors import NotAuthenticated
from hub.models import AuditLogEntry, Commune, Membership
from hub.models.roles import ROLE_ORDER
from hub.permissions import PUBLISHER_ROLES
from hub.selectors import search_key
from practices.errors import Forbidden, SheetNotFound, ThemeNotFound
from practices.models import PracticeQuestion, PracticeSheet, SheetStatus, Theme, ThemeFollow
from practices.permissions import can_manage, is_signed_in
from publications.models import Document

# Published documents offered as evidence on the staff form (newest first).
EVIDENCE_CHOICES = 200


def _with_themes(sheets: QuerySet[PracticeSheet]) -> QuerySet[PracticeSheet]:
    return sheets.select_related("commune").prefetch_related(
        Prefetch("themes", queryset=Theme.objects.order_by("position", "slug"))
    )


def search_words(q: str) -> list[str]:
    """The words of a search, as ``search_text`` holds them (lower case, no accents)."""
    return search_key(q).split()[:10]


def sheet_list(*, theme: str = "", commune: str = "", q: str = "") -> QuerySet[PracticeSheet]:
    """Published sheets of every commune, newest first; ``theme`` and ``commune`` are slugs, ``q``
    words that must all appear (accents and case ignored)."""
    sheets = _with_themes(PracticeSheet.objects.published()).order_by("-published_at", "-id")
    if theme:
        sheets = sheets.filter(themes__slug=theme)
    if commune:
        sheets = sheets.filter(commune__slug=commune)
    for word in search_words(q):
        sheets = sheets.filter(search_text__contains=word)
    return sheets


def commune_sheets(commune: Commune, *, user: Any = None) -> QuerySet[PracticeSheet]:
    """The commune's sheets: all of them (drafts and withdrawn ones too) for its staff, the published
    ones for everyone else; drafts first for staff, then newest first."""
    sheets = _with_themes(PracticeSheet.objects.filter(commune=commune))
    if not can_manage(user, commune):
        return sheets.filter(status=SheetStatus.PUBLISHED).order_by("-published_at", "-id")
    return sheets.annotate(
        question_count=Count("questions", filter=Q(questions__thread__hidden=False), distinct=True)
    ).order_by("status", "-updated_at", "-id")


def access_sheet(user: Any, sheet_id: Any, *, manage: bool = False) -> PracticeSheet:
    """The sheet: a published one for everyone, an unpublished one only for its commune's staff
    (404 for anyone else). With ``manage``, for its commune's staff only: 401 signed out, 403 for
    anyone else (staff of another commune included), whatever the sheet's status."""
    pk = sheet_id if isinstance(sheet_id, int) and not isinstance(sheet_id, bool) else 0
    sheet = _with_themes(PracticeSheet.objects.filter(pk=pk)).first()
    if sheet is None:
        raise SheetNotFound()
    managing = can_manage(user, sheet.commune)
    if manage and not managing:
        if not is_signed_in(user):
            raise NotAuthenticated()
        raise Forbidden(code="forbidden")
    if not sheet.is_published and not managing:
        raise SheetNotFound()
    return sheet


def withdrawn_sheet_commune(sheet_id: Any) -> Commune | None:
    """The commune of a withdrawn sheet (to tell anyone who may not see it that it is no longer
    online), or ``None`` for a sheet that does not exist or was never withdrawn (a draft)."""
    pk = sheet_id if isinstance(sheet_id, int) and not isinstance(sheet_id, bool) else 0
    sheet = (
        PracticeSheet.objects.filter(pk=pk, status=SheetStatus.WITHDRAWN).select_related("commune").first()
    )
    return sheet.commune if sheet is not None else None


def withdrawal_reason(sheet: PracticeSheet) -> str:
    """The reason given when the sheet was last withdrawn, from the commune's journal (where the
    withdrawal keeps it, for its staff only); empty when none was given or the sheet is not withdrawn."""
    if not sheet.is_withdrawn:
        return ""
    entry = (
        AuditLogEntry.objects.filter(
            commune_id=sheet.commune_id,
            action="practice.withdraw",
            object_type=PracticeSheet._meta.label_lower,
            object_id=str(sheet.pk),
        )
        .order_by("-created_at", "-id")
        .values_list("data", flat=True)
        .first()
    )
    reason = entry.get("reason") if isinstance(entry, dict) else ""
    return reason if isinstance(reason, str) else ""


def question_sheet(thread_id: int) -> PracticeSheet | None:
    """The sheet a forum thread asks about, if it is a question on a practice sheet."""
    question = PracticeQuestion.objects.filter(thread_id=thread_id).select_related("sheet").first()
    return question.sheet if question is not None else None


def sheet_documents(sheet: PracticeSheet) -> list[Document]:
    """The sheet's documents still published (a document withdrawn since is not shown)."""
    return list(
        sheet.documents.all()
        .published()
        .filter(commune_id=sheet.commune_id)
        .select_related("commune")
        .order_by("-fiscal_year", "title", "id")
    )


def sheet_questions(sheet: PracticeSheet) -> list[PracticeQuestion]:
    """The questions asked about the sheet whose thread is visible, newest first, with the thread,
    its author and the asker's commune (one query)."""
    return list(
        PracticeQuestion.objects.filter(sheet=sheet, thread__hidden=False)
        .select_related("thread", "thread__author", "asker_commune")
        .order_by("-created_at", "-id")
    )


def evidence_documents(commune: Commune) -> list[Document]:
    """The commune's published documents a sheet may cite, newest first."""
    return list(
        Document.objects.published()
        .filter(commune=commune)
        .order_by("-published_at", "-id")[:EVIDENCE_CHOICES]
    )


def theme_list(*, user: Any = None) -> QuerySet[Theme]:
    """Every theme in order, with how many published sheets it has and, for a signed-in user,
    whether they follow it (``is_followed``)."""
    themes = Theme.objects.annotate(
        sheet_count=Count("sheets", filter=Q(sheets__status=SheetStatus.PUBLISHED), distinct=True)
    ).order_by("position", "slug")
    if is_signed_in(user):
        return themes.annotate(
            is_followed=Exists(ThemeFollow.objects.filter(user_id=user.pk, theme_id=OuterRef("pk")))
        )
    return themes


def theme_get(slug: Any, *, user: Any = None) -> Theme:
    """A theme by its slug (with ``sheet_count`` and, signed in, ``is_followed``), or 404."""
    theme = theme_list(user=user).filter(slug=slug).first() if isinstance(slug, str) else None
    if theme is None:
        raise ThemeNotFound()
    return theme


def followed_theme_ids(user: Any) -> set[int]:
    if not is_signed_in(user):
        return set()
    return set(ThemeFollow.objects.filter(user_id=user.pk).values_list("theme_id", flat=True))


def theme_follower_ids(sheet: PracticeSheet, *, excluding: int | None = None) -> list[int]:
    """Everyone who follows at least one of the sheet's themes, each once, by id."""
    follows = ThemeFollow.objects.filter(theme__sheets=sheet, user__is_active=True)
    if excluding is not None:
        follows = follows.exclude(user_id=excluding)
    return sorted(set(follows.values_list("user_id", flat=True)))


def theme_follower_count(sheet: PracticeSheet, *, excluding: int | None = None) -> int:
    """How many people its first publication tells (``theme_follower_ids``: the same rule)."""
    return len(theme_follower_ids(sheet, excluding=excluding))


def commune_publisher_ids(commune: Commune, *, excluding: int | None = None) -> list[int]:
    """The commune's staff who publish (they write its sheets and hear of questions on them)."""
    members = Membership.objects.filter(commune=commune, role__in=PUBLISHER_ROLES, user__is_active=True)
    if excluding is not None:
        members = members.exclude(user_id=excluding)
    return sorted(set(members.values_list("user_id", flat=True)))


def staff_role(user: Any, *, other_than: int | None = None) -> tuple[Commune | None, str]:
    """The commune and role of a staff member (the highest role; a commune other than ``other_than``
    first), or ``(None, "")`` for a citizen."""
    memberships = list(Membership.objects.filter(user_id=user.pk).select_related("commune"))
    if not memberships:
        return None, ""
    memberships.sort(
        key=lambda m: (m.commune_id == other_than, ROLE_ORDER.index(m.role), m.commune.name, m.pk)
    )
    chosen = memberships[0]
    return chosen.commune, str(chosen.role)


def communes_with_sheets() -> list[Commune]:
    """The communes that have published sheets (the library's commune filter)."""
    return list(
        Commune.objects.filter(
            Exists(PracticeSheet.objects.published().filter(commune_id=OuterRef("pk")))
        ).order_by("name")
    )
