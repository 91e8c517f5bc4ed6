"""Django admin of publications: read-only. Staff publish through the pages or the API, so that every
write is checked, audited and announced (outbox) by the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from publications.models import AgendaEvent, Contract, Document, DocumentFile


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DocumentFileInline(admin.TabularInline):
    model = DocumentFile
    fields = ["slot", "version", "is_current", "kind", "size", "original_name", "uploaded_at", "replaced_at"]
    readonly_fields = (
        "slot",
        "version",
        "is_current",
        "kind",
        "size",
        "original_name",
        "uploaded_at",
        "replaced_at",
    )
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["title", "commune", "type", "fiscal_year", "state", "published_at"]
    list_filter = ["state", "type", "fiscal_year", "commune"]
    search_fields = ["title", "commune__name"]
    inlines = [DocumentFileInline]
    exclude = ["search_text", "search_vector"]


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = ["reference", "title", "commune", "amount_xof", "award_date", "state"]
    list_filter = ["state", "procedure", "status", "fiscal_year", "commune"]
    search_fields = ["reference", "title", "awardee"]


@admin.register(AgendaEvent)
class AgendaEventAdmin(ReadOnlyAdmin):
    list_display = ["title", "commune", "starts_at", "state"]
    list_filter = ["state", "commune"]
    search_fields = ["title", "place"]
