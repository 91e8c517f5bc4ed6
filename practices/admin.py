"""Django admin of the good-practices library. Themes are curated here by platform administrators
(names in both languages, descriptions, order). Sheets and questions are read-only: staff write them
through the pages or the API, so that every write is checked, audited and announced by the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from practices.models import PracticeQuestion, PracticeSheet, Theme


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name_fr", "name_en", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name_fr", "name_en", "slug"]
    prepopulated_fields = {"slug": ("name_fr",)}

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A theme with sheets stays: removing it would take it off sheets a commune published.
        if obj is not None and obj.sheets.exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(PracticeSheet)
class PracticeSheetAdmin(ReadOnlyAdmin):
    list_display = ["title", "commune", "status", "published_at", "updated_at"]
    list_filter = ["status", "themes", "commune"]
    search_fields = ["title", "commune__name"]
    exclude = ["search_text"]


@admin.register(PracticeQuestion)
class PracticeQuestionAdmin(ReadOnlyAdmin):
    list_display = ["thread", "sheet", "asker_commune", "asker_role", "created_at"]
    list_filter = ["asker_role"]
