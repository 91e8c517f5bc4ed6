"""Documents a commune publishes (budgets, accounts, plans, deliberations...), and their files.

A document holds one or more files, each in a *slot*. Replacing a file adds a new version in the
same slot and keeps the earlier one (``is_current=False``) in the history.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from hub.models import Commune
from hub.uploads import FileKind
from publications.models.common import Publishable, PublishableQuerySet

FISCAL_YEAR_MIN = 1990


class DocumentType(models.TextChoices):
    BUDGET_PRIMITIVE = "budget_primitive", _("Primitive budget")
    BUDGET_AMENDING = "budget_amending", _("Amending budget")
    ADMINISTRATIVE_ACCOUNT = "administrative_account", _("Administrative account")
    ANNUAL_WORK_PLAN = "annual_work_plan", _("Annual work plan")
    DEVELOPMENT_PLAN = "development_plan", _("Communal development plan")
    COUNCIL_DELIBERATION = "council_deliberation", _("Council deliberation")
    COUNCIL_MINUTES = "council_minutes", _("Minutes of a council session")
    MUNICIPAL_ORDER = "municipal_order", _("Municipal order")
    ACTIVITY_REPORT = "activity_report", _("Activity report")
    ACCOUNTABILITY_SESSION = "accountability_session", _("Accountability session material")
    OTHER = "other", _("Other document")


class DocumentQuerySet(PublishableQuerySet):
    pass


class Document(Publishable):
    public_url_name = "frontend:pub-document"

    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="documents", verbose_name=_("commune")
    )
    type = models.CharField(_("type"), max_length=32, choices=DocumentType.choices)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True, max_length=4000)
    # Lower-case, accent-free title + summary + text of the current files: the SQLite search fallback.
    search_text = models.TextField(blank=True, editable=False)
    # PostgreSQL only (French configuration, GIN index); NULL elsewhere.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-fiscal_year", "-published_at", "-id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.CheckConstraint(
                condition=Q(fiscal_year__gte=FISCAL_YEAR_MIN, fiscal_year__lte=2200),
                name="document_fiscal_year_range",
            ),
        ]
        indexes = [
            models.Index(fields=["commune", "state", "fiscal_year"], name="document_commune_idx"),
            # The commune list's order, so a page is an index range (bench/documents_api.py).
            models.Index(
                "commune",
                "state",
                F("fiscal_year").desc(),
                "type",
                F("published_at").desc(),
                F("id").desc(),
                name="document_commune_order_idx",
            ),
            models.Index(fields=["state", "type", "fiscal_year"], name="document_type_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.fiscal_year})"


def document_file_path(instance: DocumentFile, filename: str) -> str:
    """A random stored name: never the uploader's, which only ever appears in the history."""
    return f"publications/{instance.document.commune_id}/{uuid.uuid4().hex}.{instance.kind}"


class DocumentFile(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="files")
    slot = models.PositiveSmallIntegerField(_("slot"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    is_current = models.BooleanField(default=True)
    file = models.FileField(upload_to=document_file_path, max_length=255)
    label = models.CharField(_("label"), max_length=200, blank=True)
    # Shown in the history only; sanitised, never used to store or serve the file.
    original_name = models.CharField(_("original name"), max_length=200, blank=True)
    kind = models.CharField(_("file type"), max_length=8, choices=FileKind.choices)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    extracted_text = models.TextField(blank=True, editable=False)
    text_extracted_at = models.DateTimeField(null=True, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["slot", "-version"]
        verbose_name = _("document file")
        verbose_name_plural = _("document files")
        constraints = [
            models.UniqueConstraint(fields=["document", "slot", "version"], name="document_file_version"),
            models.UniqueConstraint(
                fields=["document", "slot"], condition=Q(is_current=True), name="document_file_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} v{self.version}"

    @property
    def display_name(self) -> str:
        return self.label or self.original_name or f"{self.kind.upper()} {self.slot}"

    def download_name(self) -> str:
        stem = slugify(self.label or self.document.title)[:80] or "document"
        suffix = f"-v{self.version}" if self.version > 1 else ""
        return f"{stem}{suffix}.{self.kind if self.kind != FileKind.JPEG else 'jpg'}"
