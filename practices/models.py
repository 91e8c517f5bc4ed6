"""The good-practices library: themes, the practice sheets communes publish, who follows which theme,
and the questions asked to a sheet's commune (each one a forum thread of that commune).

A sheet is the commune's own account of something that worked: the problem, what it did, the results,
its published documents as evidence and a contact. Drafts and withdrawn sheets are seen by the
commune's staff only; everyone reads published ones. A question is a forum thread opened in the
authoring commune's forum, so staff answer it with the forum's tools (official answer, status); the
row here only ties the thread to the sheet and keeps who asked, as what, at the time.

Themes are reference data (seeded by a migration, curated by platform administrators in the admin),
named in French and English in their own columns: no catalogue needed for a label an administrator
may change.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from hub.models import Commune, Role

MAX_TITLE_CHARS = 160
MAX_SUMMARY_CHARS = 600
MAX_PROBLEM_CHARS = 4000
MAX_ACTIONS_CHARS = 6000
MAX_RESULTS_CHARS = 4000
MAX_CONTACT_CHARS = 120
MAX_THEMES = 4
MAX_DOCUMENTS = 10


class Theme(models.Model):
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    description_fr = models.CharField(_("description (French)"), max_length=400, blank=True)
    description_en = models.CharField(_("description (English)"), max_length=400, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("frontend:practice-theme", args=[self.slug])

    @property
    def name(self) -> str:
        """The name in the reader's language (French when there is no English name)."""
        return self._in_language(self.name_fr, self.name_en)

    @property
    def description(self) -> str:
        return self._in_language(self.description_fr, self.description_en)

    def _in_language(self, french: str, english: str) -> str:
        language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
        return english if language == "en" and english else french


class SheetStatus(models.TextChoices):
    # With a context: other apps' catalogues word "Published" or "Withdrawn" for their own things.
    DRAFT = "draft", pgettext_lazy("practice sheet status", "Draft")
    PUBLISHED = "published", pgettext_lazy("practice sheet status", "Published")
    WITHDRAWN = "withdrawn", pgettext_lazy("practice sheet status", "Withdrawn")


class PracticeSheetQuerySet(models.QuerySet["PracticeSheet"]):
    def published(self) -> PracticeSheetQuerySet:
        return self.filter(status=SheetStatus.PUBLISHED)


class PracticeSheet(models.Model):
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="practice_sheets", verbose_name=_("commune")
    )
    title = models.CharField(_("title"), max_length=MAX_TITLE_CHARS)
    summary = models.TextField(_("summary"), max_length=MAX_SUMMARY_CHARS)
    problem = models.TextField(_("the problem"), max_length=MAX_PROBLEM_CHARS)
    actions = models.TextField(_("what the commune did"), max_length=MAX_ACTIONS_CHARS)
    results = models.TextField(_("results"), max_length=MAX_RESULTS_CHARS)
    themes = models.ManyToManyField(Theme, related_name="sheets", verbose_name=_("themes"))
    # Evidence: published documents of the sheet's own commune (the services check it; the pages
    # show only those still published).
    documents = models.ManyToManyField(
        "publications.Document", blank=True, related_name="+", verbose_name=_("documents")
    )
    contact_name = models.CharField(_("contact name"), max_length=MAX_CONTACT_CHARS)
    contact_role = models.CharField(_("contact's office"), max_length=MAX_CONTACT_CHARS, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    # E.164, normalised like accounts' numbers (hub.phone).
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SheetStatus.choices, default=SheetStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # Set once: followers of its themes are told of a sheet's first publication only.
    first_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    # Lower-case, accent-free words of the title and texts: the text search, the same on every
    # database (hub.selectors.search_key).
    search_text = models.TextField(blank=True, editable=False)

    objects = PracticeSheetQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("practice sheet")
        verbose_name_plural = _("practice sheets")
        indexes = [
            # The library's order: published sheets, newest first.
            models.Index(
                fields=["-published_at", "-id"],
                name="practice_published_idx",
                condition=Q(status="published"),
            ),
            models.Index(fields=["commune", "status", "-id"], name="practice_commune_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="practice_published_has_date",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("frontend:practice-detail", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.status == SheetStatus.PUBLISHED

    @property
    def is_draft(self) -> bool:
        return self.status == SheetStatus.DRAFT

    @property
    def is_withdrawn(self) -> bool:
        return self.status == SheetStatus.WITHDRAWN


class ThemeFollow(models.Model):
    """A person told when a sheet in this theme is first published (whatever its commune)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("theme follow")
        verbose_name_plural = _("theme follows")
        constraints = [models.UniqueConstraint(fields=["user", "theme"], name="practice_theme_follow_once")]
        indexes = [models.Index(fields=["theme", "user"], name="practice_theme_follower_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.theme_id}"


class PracticeQuestion(models.Model):
    """A question to the sheet's commune: one forum thread of that commune, answered there.

    ``asker_commune`` and ``asker_role``: the role the asker held in a commune when asking (staff of
    another commune asking a peer), or empty for a citizen; kept as it was then."""

    sheet = models.ForeignKey(PracticeSheet, on_delete=models.CASCADE, related_name="questions")
    thread = models.OneToOneField("forums.Thread", on_delete=models.CASCADE, related_name="+")
    asker_commune = models.ForeignKey(
        Commune, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    asker_role = models.CharField(max_length=32, choices=Role.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("question on a practice")
        verbose_name_plural = _("questions on practices")
        indexes = [models.Index(fields=["sheet", "-id"], name="practice_question_sheet_idx")]

    def __str__(self) -> str:
        return f"question {self.pk} on {self.sheet_id}"
