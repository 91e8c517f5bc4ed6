"""Documents over the API: list and search, drafts, files, publication, withdrawal, download, export."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.generics import ListAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.exports import CSVExportView, ExportView, csv_export_response, json_export_response
from hub.api.negotiation import AnyAcceptNegotiation, PassThroughRenderer
from hub.api.schema import FILE_CONTENT_TYPES, file_responses
from hub.api.validation import validated, validated_query
from hub.selectors import access_commune_for, signed_in
from publications.api import serializers as s
from publications.api.views.common import DRAFTS_NEED_RIGHTS, UploadView
from publications.downloads import file_response
from publications.errors import PublicationNotFound
from publications.models import DocumentType
from publications.selectors.documents import access_document, access_document_file, document_list
from publications.services import documents as services


def _detail(request: Request, document_id: int) -> Response:
    return Response(s.DocumentDetailOut(access_document(request.user, document_id)).data)


@extend_schema(parameters=[s.DocumentQueryIn])
class DocumentListView(ListAPIView):
    """Published documents, newest fiscal year first; with ``q``, a full-text search, best first.

    ``state=withdrawn`` lists withdrawal notices; ``state=draft``/``all`` need ``commune`` and
    publishing rights there."""

    also_answers = DRAFTS_NEED_RIGHTS
    serializer_class = s.DocumentOut

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return document_list(user=self.request.user, **validated_query(s.DocumentQueryIn, self.request))


class DocumentTypeListView(APIView):
    @extend_schema(responses=s.DocumentTypeOut(many=True))
    def get(self, request: Request) -> Response:
        types = [{"value": value, "label": str(label)} for value, label in DocumentType.choices]
        return Response(s.DocumentTypeOut(types, many=True).data)


class CommuneDocumentCreateView(UploadView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request={"multipart/form-data": s.DocumentIn, "application/json": s.DocumentIn},
        responses={201: s.DocumentDetailOut, 413: OpenApiResponse(description="A file is too large.")},
    )
    def post(self, request: Request, slug: str) -> Response:
        """Create a draft (publishers of the commune), with its files; ``publish=true`` publishes it."""
        commune = access_commune_for(request.user, slug, "hub.publish_in_commune")
        data = validated(s.DocumentIn, request.data)
        document = services.document_create(
            actor=signed_in(request.user), commune=commune, uploads=data.pop("files"), **data
        )
        return Response(
            s.DocumentDetailOut(access_document(request.user, document.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class DocumentDetailView(APIView):
    @extend_schema(responses=s.DocumentDetailOut)
    def get(self, request: Request, document_id: int) -> Response:
        """A published or withdrawn document (a draft only for its commune's publishers; else 404)."""
        return _detail(request, document_id)

    @extend_schema(request=s.DocumentPatchIn, responses=s.DocumentDetailOut)
    def patch(self, request: Request, document_id: int) -> Response:
        document = access_document(request.user, document_id, manage=True)
        changes = validated(s.DocumentPatchIn, request.data)
        services.document_update(actor=signed_in(request.user), document=document, changes=changes)
        return _detail(request, document_id)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, document_id: int) -> Response:
        """Delete a draft that was never published (a published document is withdrawn instead)."""
        document = access_document(request.user, document_id, manage=True)
        services.document_delete_draft(actor=signed_in(request.user), document=document)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentPublishView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses=s.DocumentDetailOut)
    def post(self, request: Request, document_id: int) -> Response:
        """Publish (idempotent: publishing twice publishes once and notifies once)."""
        document = access_document(request.user, document_id, manage=True)
        services.document_publish(actor=signed_in(request.user), document=document)
        return _detail(request, document_id)


class DocumentWithdrawView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=s.WithdrawIn, responses=s.DocumentDetailOut)
    def post(self, request: Request, document_id: int) -> Response:
        """Withdraw a published document: its files stop being public; a notice with the reason stays."""
        document = access_document(request.user, document_id, manage=True)
        data = validated(s.WithdrawIn, request.data)
        services.document_withdraw(actor=signed_in(request.user), document=document, reason=data["reason"])
        return _detail(request, document_id)


class DocumentFileAddView(UploadView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request={"multipart/form-data": s.FileIn}, responses={201: s.DocumentFileOut})
    def post(self, request: Request, document_id: int) -> Response:
        document = access_document(request.user, document_id, manage=True)
        data = validated(s.FileIn, request.data)
        row = services.document_file_add(
            actor=signed_in(request.user), document=document, upload=data["file"], label=data["label"]
        )
        return Response(s.DocumentFileOut(row).data, status=status.HTTP_201_CREATED)


class DocumentFileReplaceView(UploadView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request={"multipart/form-data": s.ReplaceFileIn}, responses={201: s.DocumentFileOut})
    def post(self, request: Request, document_id: int, file_id: int) -> Response:
        """Upload a new version of a file; the earlier one stays in the history."""
        document = access_document(request.user, document_id, manage=True)
        current = next((f for f in document.all_files if f.pk == file_id), None)  # type: ignore[attr-defined]
        if current is None:
            raise PublicationNotFound()
        data = validated(s.ReplaceFileIn, request.data)
        row = services.document_file_replace(
            actor=signed_in(request.user), document_file=current, upload=data["file"]
        )
        return Response(s.DocumentFileOut(row).data, status=status.HTTP_201_CREATED)


class DocumentFileDownloadView(APIView):
    renderer_classes = [JSONRenderer, PassThroughRenderer]
    content_negotiation_class = AnyAcceptNegotiation

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "If-None-Match",
                str,
                OpenApiParameter.HEADER,
                description="The `ETag` of a copy held: 304 while the file is unchanged and public.",
            )
        ],
        responses={
            **file_responses(FILE_CONTENT_TYPES),
            304: OpenApiResponse(description="Not modified: the copy held is still the public file."),
        },
    )
    def get(self, request: Request, document_id: int, file_id: int) -> Any:
        """The file, as an attachment (`Cache-Control: public, no-cache` with an `ETag`: caches
        revalidate before each use). Files of a draft or withdrawn document are 404 for the public."""
        return file_response(access_document_file(request.user, document_id, file_id), request._request)


DOCUMENT_EXPORT_COLUMNS = [
    "id",
    "commune",
    "commune_name",
    "type",
    "type_label",
    "fiscal_year",
    "title",
    "summary",
    "published_at",
    "url",
    "file_count",
    "file_urls",
]


def document_export_rows(request: Request, documents: Any) -> Any:
    # One serializer for all rows: building one per row cost 8x more (bench/documents_api.py).
    for data in s.DocumentOut(list(documents), many=True).data:
        yield {
            **data,
            "url": request.build_absolute_uri(data["path"]),
            "file_count": len(data["files"]),
            "file_urls": " ".join(request.build_absolute_uri(f["download_url"]) for f in data["files"]),
        }


@extend_schema(parameters=[s.DocumentQueryIn])
class DocumentExportCSVView(CSVExportView):
    also_answers = DRAFTS_NEED_RIGHTS

    @extend_schema(operation_id="documents_export_csv", responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request: Request) -> HttpResponse:
        """The document index as CSV (UTF-8, ``;``-separated, formulas neutralised)."""
        query = validated_query(s.DocumentQueryIn, request)
        rows = document_export_rows(request, document_list(user=request.user, **query))
        return csv_export_response(DOCUMENT_EXPORT_COLUMNS, rows, "documents.csv")  # type: ignore[return-value]


@extend_schema(parameters=[s.DocumentQueryIn])
class DocumentExportJSONView(ExportView):
    also_answers = DRAFTS_NEED_RIGHTS

    @extend_schema(operation_id="documents_export_json", responses=s.DocumentOut(many=True))
    def get(self, request: Request) -> Response:
        """The document index as JSON (every matching document, not paginated)."""
        query = validated_query(s.DocumentQueryIn, request)
        rows = document_export_rows(request, document_list(user=request.user, **query))
        return json_export_response(rows, "documents.json")
