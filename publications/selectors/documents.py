"""Document reads: public lists with filters and full-text search, detail, files to download."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.db.models import Case, F, FloatField, Prefetch, QuerySet, Subquery, Value, When

from hub.errors import PermissionDenied
from hub.models import Commune
from publications.errors import PublicationNotFound
from publications.models import Document, DocumentFile, PublicationState
from publications.selectors.common import state_filter
from publications.text import normalize

MAX_SEARCH_WORDS = 12


def current_files(*, published_only: bool = False) -> Prefetch:
    """The current files of each document; with ``published_only``, of published documents only
    (a withdrawn document's notice stays public, its files do not: no name, size or link)."""
    files = DocumentFile.objects.filter(is_current=True)
    if published_only:
        files = files.filter(document__state=PublicationState.PUBLISHED)
    return Prefetch("files", queryset=files.order_by("slot"), to_attr="current_files")


def all_files() -> Prefetch:
    return Prefetch("files", queryset=DocumentFile.objects.order_by("slot", "-version"), to_attr="all_files")


def _fallback_stem(word: str) -> str:
    """Plural to singular, roughly ("assainissements" → "assainissement"); PostgreSQL does it right."""
    return word[:-1] if len(word) > 3 and word[-1] in "sx" else word


def document_search(
    documents: QuerySet[Document], q: str, *, full_text: bool | None = None
) -> QuerySet[Document]:
    """Documents matching ``q``, best first.

    PostgreSQL: French full-text search (stemming, stop words) over title (weight A), summary (B)
    and the files' text (C), accents ignored on both sides. Elsewhere (or ``full_text=False``): every
    word, plural stripped, must appear in the accent-free text; titles that match come first."""
    terms = normalize(q)[:200]
    if not terms:
        return documents
    if full_text if full_text is not None else connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank

        query = SearchQuery(terms, config="french", search_type="websearch")
        return (
            documents.filter(search_vector=query)
            .annotate(rank=SearchRank(F("search_vector"), query))
            .order_by("-rank", "-published_at", "-id")
        )
    words = [_fallback_stem(word) for word in re.findall(r"\w+", terms) if len(word) > 1][:MAX_SEARCH_WORDS]
    if not words:
        return documents.none()
    for word in words:
        documents = documents.filter(search_text__contains=word)
    return documents.annotate(
        rank=Case(
            When(title__icontains=words[0], then=Value(1.0)), default=Value(0.0), output_field=FloatField()
        )
    ).order_by("-rank", "-published_at", "-id")


def document_list(
    *,
    user: Any,
    commune: str = "",
    type: str = "",
    fiscal_year: int | None = None,
    q: str = "",
    state: str = "",
) -> QuerySet[Document]:
    """Published documents by default (``state=withdrawn`` for the notices; drafts for publishers).
    Files are listed for published documents only, except to publishers listing their commune's
    drafts (``state=draft``/``all``, which ``state_filter`` allows them alone)."""
    publisher_view = state in ("draft", "all")
    # The search columns are large and only the search's WHERE/ORDER BY reads them.
    documents: QuerySet[Document] = (
        Document.objects.select_related("commune")
        .defer("search_text", "search_vector")
        .prefetch_related(current_files(published_only=not publisher_view))
    )
    documents = state_filter(documents, user=user, commune_slug=commune, state=state, default="published")
    if commune:
        # By id from a scalar subquery, not a join on the slug: the planner then uses the commune
        # index instead of guessing the join's size (50 ms → 2 ms per page, bench/documents_api.py).
        commune_id = Subquery(Commune.objects.filter(slug=commune).values("pk")[:1])
        documents = documents.filter(commune_id=commune_id)
    if type:
        documents = documents.filter(type=type)
    if fiscal_year:
        documents = documents.filter(fiscal_year=fiscal_year)
    if q.strip():
        return document_search(documents, q)
    return documents.order_by("-fiscal_year", "type", "-published_at", "-id")


def access_document(user: Any, document_id: int, *, manage: bool = False) -> Document:
    """A document the user may see (a draft is "not found" for those who may not publish it);
    with ``manage``, also one the user may change (``PermissionDenied`` otherwise)."""
    document = (
        Document.objects.select_related("commune", "commune__department", "published_by", "withdrawn_by")
        .prefetch_related(all_files())
        .filter(pk=document_id)
        .first()
    )
    if document is None or not user.has_perm("publications.view_item", document):
        raise PublicationNotFound()
    if manage and not user.has_perm("publications.manage_item", document):
        raise PermissionDenied()
    if not user.has_perm("publications.download_file", document):
        # A withdrawn document's notice is public, its files are gone: not even their names.
        document.all_files = []  # type: ignore[attr-defined]
    document.current_files = [f for f in document.all_files if f.is_current]  # type: ignore[attr-defined]
    return document


def access_document_file(user: Any, document_id: int, file_id: int) -> DocumentFile:
    """A file to download: any version of a published document's files; drafts' and withdrawn
    documents' files only for the commune's publishers."""
    document = access_document(user, document_id)
    row = next((f for f in document.all_files if f.pk == file_id), None)  # type: ignore[attr-defined]
    if row is None or not user.has_perm("publications.download_file", document):
        raise PublicationNotFound()
    row.document = document
    return row


def document_years(*, commune_slug: str) -> list[int]:
    """Fiscal years with published documents, newest first (for filters)."""
    return list(
        Document.objects.published()
        .filter(commune__slug=commune_slug)
        .order_by("-fiscal_year")
        .values_list("fiscal_year", flat=True)
        .distinct()
    )
