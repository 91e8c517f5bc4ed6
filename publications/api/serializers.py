"""Input and output serializers of the publications API. Input ones validate shape; services decide."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hub.api.validation import DateTimeInRange
from hub.uploads import MAX_FILES_PER_REQUEST
from publications.models import (
    ContractProcedure,
    ContractStatus,
    Document,
    DocumentFile,
    DocumentType,
)

STATE_CHOICES = ["published", "withdrawn", "public", "draft", "all"]


class PublicationFieldsOut(serializers.Serializer):
    commune = serializers.CharField(source="commune.slug")
    commune_name = serializers.CharField(source="commune.name")
    state = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    first_published_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    withdrawal_reason = serializers.CharField()
    path = serializers.SerializerMethodField(help_text="Public page of the item.")

    def get_path(self, item: Any) -> str:
        return item.get_absolute_url()


# --- Documents ------------------------------------------------------------------------------------


class DocumentFileOut(serializers.ModelSerializer):
    display_name = serializers.CharField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = DocumentFile
        fields = [
            "id",
            "slot",
            "version",
            "is_current",
            "display_name",
            "label",
            "original_name",
            "kind",
            "content_type",
            "size",
            "width",
            "height",
            "page_count",
            "uploaded_at",
            "replaced_at",
            "download_url",
        ]

    def get_download_url(self, row: DocumentFile) -> str:
        return reverse("publications-api:document-file-download", args=[row.document_id, row.pk])


class DocumentOut(PublicationFieldsOut):
    id = serializers.IntegerField()
    type = serializers.CharField()
    type_label = serializers.CharField(source="get_type_display")
    fiscal_year = serializers.IntegerField()
    title = serializers.CharField()
    summary = serializers.CharField()
    files = DocumentFileOut(source="current_files", many=True)


class DocumentDetailOut(DocumentOut):
    history = DocumentFileOut(source="all_files", many=True, help_text="Every version of every file.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class DocumentQueryIn(serializers.Serializer):
    commune = serializers.SlugField(required=False, default="")
    type = serializers.ChoiceField(choices=DocumentType.choices, required=False, default="")
    fiscal_year = serializers.IntegerField(required=False, min_value=1, max_value=9999, default=None)
    q = serializers.CharField(required=False, default="", max_length=200, allow_blank=True)
    state = serializers.ChoiceField(choices=STATE_CHOICES, required=False, default="")


class DocumentIn(serializers.Serializer):
    type = serializers.ChoiceField(choices=DocumentType.choices)
    fiscal_year = serializers.IntegerField()
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=4000, required=False, default="", allow_blank=True)
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False),
        required=False,
        default=list,
        max_length=MAX_FILES_PER_REQUEST,
        help_text="multipart/form-data only: the files (PDF, PNG, JPEG, WebP, ODT, ODS, DOCX, XLSX, CSV).",
    )
    publish = serializers.BooleanField(required=False, default=False)


class DocumentPatchIn(serializers.Serializer):
    type = serializers.ChoiceField(choices=DocumentType.choices, required=False)
    fiscal_year = serializers.IntegerField(required=False)
    title = serializers.CharField(max_length=200, required=False)
    summary = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class FileIn(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False)
    label = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)  # type: ignore[assignment]


class ReplaceFileIn(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False)


class WithdrawIn(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, help_text="Shown publicly in the withdrawal notice.")


class DocumentTypeOut(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]


# --- Contracts ------------------------------------------------------------------------------------


class ContractOut(PublicationFieldsOut):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField(help_text="Object of the contract.")
    awardee = serializers.CharField()
    amount_xof = serializers.IntegerField()
    procedure = serializers.CharField()
    procedure_label = serializers.CharField(source="get_procedure_display")
    award_date = serializers.DateField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    fiscal_year = serializers.IntegerField()


class ContractQueryIn(serializers.Serializer):
    commune = serializers.SlugField(required=False, default="")
    fiscal_year = serializers.IntegerField(required=False, min_value=1, max_value=9999, default=None)
    procedure = serializers.ChoiceField(choices=ContractProcedure.choices, required=False, default="")
    status = serializers.ChoiceField(choices=ContractStatus.choices, required=False, default="")
    q = serializers.CharField(required=False, default="", max_length=100, allow_blank=True)
    min_amount = serializers.IntegerField(required=False, min_value=0, default=None)
    max_amount = serializers.IntegerField(required=False, min_value=0, default=None)
    state = serializers.ChoiceField(choices=STATE_CHOICES, required=False, default="")


class ContractIn(serializers.Serializer):
    reference = serializers.CharField(max_length=80)
    title = serializers.CharField(max_length=300)
    awardee = serializers.CharField(max_length=200)
    amount_xof = serializers.IntegerField(min_value=0)
    procedure = serializers.ChoiceField(choices=ContractProcedure.choices)
    award_date = serializers.DateField()
    status = serializers.ChoiceField(
        choices=ContractStatus.choices, required=False, default=ContractStatus.AWARDED
    )
    fiscal_year = serializers.IntegerField(
        required=False, default=None, help_text="Defaults to the award year."
    )
    publish = serializers.BooleanField(required=False, default=False)


class ContractPatchIn(serializers.Serializer):
    reference = serializers.CharField(max_length=80, required=False)
    title = serializers.CharField(max_length=300, required=False)
    awardee = serializers.CharField(max_length=200, required=False)
    amount_xof = serializers.IntegerField(min_value=0, required=False)
    procedure = serializers.ChoiceField(choices=ContractProcedure.choices, required=False)
    award_date = serializers.DateField(required=False)
    status = serializers.ChoiceField(choices=ContractStatus.choices, required=False)
    fiscal_year = serializers.IntegerField(required=False)


# --- Agenda ---------------------------------------------------------------------------------------


class AgendaEventOut(PublicationFieldsOut):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    place = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    is_cancelled = serializers.BooleanField(source="is_withdrawn")


class AgendaQueryIn(serializers.Serializer):
    commune = serializers.SlugField(required=False, default="")
    start = DateTimeInRange(required=False, default=None, help_text="Default: now.")
    end = DateTimeInRange(required=False, default=None)
    state = serializers.ChoiceField(choices=STATE_CHOICES, required=False, default="")


class AgendaEventIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=4000, required=False, default="", allow_blank=True)
    place = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    starts_at = DateTimeInRange()
    ends_at = DateTimeInRange(required=False, default=None)
    publish = serializers.BooleanField(required=False, default=False)


class AgendaEventPatchIn(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    starts_at = DateTimeInRange(required=False)
    ends_at = DateTimeInRange(required=False)


# --- Register -------------------------------------------------------------------------------------


class RegisterDocumentOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    first_published_at = serializers.DateTimeField()
    path = serializers.SerializerMethodField()

    def get_path(self, document: Document) -> str:
        return reverse("frontend:pub-document", args=[self.context["commune_slug"], document.pk])


class RegisterItemOut(serializers.Serializer):
    type = serializers.CharField()
    type_label = serializers.CharField()
    expected_count = serializers.IntegerField()
    published_count = serializers.IntegerField()
    due_date = serializers.DateField()
    status = serializers.CharField(help_text="on_time, late, missing or not_due.")
    status_label = serializers.CharField()
    legal_basis = serializers.CharField(source="expected.legal_basis")
    documents = RegisterDocumentOut(many=True)


class RegisterCountsOut(serializers.Serializer):
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    missing = serializers.IntegerField()
    not_due = serializers.IntegerField()


class RegisterSummaryOut(serializers.Serializer):
    commune = serializers.CharField(source="commune.slug")
    commune_name = serializers.CharField(source="commune.name")
    fiscal_year = serializers.IntegerField()
    as_of = serializers.DateField()
    score = serializers.IntegerField(
        allow_null=True, help_text="Percentage of the publications due that exist; null if none is due yet."
    )
    counts = RegisterCountsOut()


class RegisterOut(RegisterSummaryOut):
    items = serializers.SerializerMethodField()

    @extend_schema_field(RegisterItemOut(many=True))
    def get_items(self, register: Any) -> Any:
        context = {"commune_slug": register.commune.slug}
        return RegisterItemOut(register.items, many=True, context=context).data


class RegisterQueryIn(serializers.Serializer):
    # A register names due dates (a year or two after the fiscal year): years a date can hold.
    fiscal_year = serializers.IntegerField(required=False, min_value=2000, max_value=2200, default=None)


@extend_schema_field(OpenApiTypes.BINARY)
class BinaryField(serializers.Field):
    pass
