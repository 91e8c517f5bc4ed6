"""Routes of the publications API under ``/api/v1/`` (namespace ``publications-api``)."""

from django.urls import path

from hub.readcache import all_communes, commune_in_path, commune_in_query, owned_by, public_read
from publications.api.views import agenda, contracts, documents, register
from publications.models import AgendaEvent, Contract, Document

app_name = "publications-api"

urlpatterns = [
    # Documents
    path(
        "documents/",
        public_read(commune_in_query)(documents.DocumentListView.as_view()),
        name="document-list",
    ),
    path("documents/export.csv", documents.DocumentExportCSVView.as_view(), name="document-export-csv"),
    path("documents/export.json", documents.DocumentExportJSONView.as_view(), name="document-export-json"),
    path(
        "document-types/",
        public_read(all_communes)(documents.DocumentTypeListView.as_view()),
        name="document-types",
    ),
    path(
        "communes/<slug:slug>/documents/",
        documents.CommuneDocumentCreateView.as_view(),
        name="commune-document-create",
    ),
    path(
        "documents/<int:document_id>/",
        public_read(owned_by(Document, kwarg="document_id"))(documents.DocumentDetailView.as_view()),
        name="document-detail",
    ),
    path(
        "documents/<int:document_id>/publish/",
        documents.DocumentPublishView.as_view(),
        name="document-publish",
    ),
    path(
        "documents/<int:document_id>/withdraw/",
        documents.DocumentWithdrawView.as_view(),
        name="document-withdraw",
    ),
    path(
        "documents/<int:document_id>/files/",
        documents.DocumentFileAddView.as_view(),
        name="document-file-add",
    ),
    path(
        "documents/<int:document_id>/files/<int:file_id>/replace/",
        documents.DocumentFileReplaceView.as_view(),
        name="document-file-replace",
    ),
    path(
        "documents/<int:document_id>/files/<int:file_id>/download/",
        documents.DocumentFileDownloadView.as_view(),
        name="document-file-download",
    ),
    # Awarded contracts
    path(
        "contracts/",
        public_read(commune_in_query)(contracts.ContractListView.as_view()),
        name="contract-list",
    ),
    path("contracts/export.csv", contracts.ContractExportCSVView.as_view(), name="contract-export-csv"),
    path("contracts/export.json", contracts.ContractExportJSONView.as_view(), name="contract-export-json"),
    path(
        "communes/<slug:slug>/contracts/",
        contracts.CommuneContractCreateView.as_view(),
        name="commune-contract-create",
    ),
    path(
        "contracts/<int:contract_id>/",
        public_read(owned_by(Contract, kwarg="contract_id"))(contracts.ContractDetailView.as_view()),
        name="contract-detail",
    ),
    path(
        "contracts/<int:contract_id>/publish/",
        contracts.ContractPublishView.as_view(),
        name="contract-publish",
    ),
    path(
        "contracts/<int:contract_id>/withdraw/",
        contracts.ContractWithdrawView.as_view(),
        name="contract-withdraw",
    ),
    # Agenda
    path("agenda/", public_read(commune_in_query)(agenda.AgendaEventListView.as_view()), name="agenda-list"),
    path(
        "communes/<slug:slug>/agenda/",
        agenda.CommuneAgendaEventCreateView.as_view(),
        name="commune-agenda-create",
    ),
    path(
        "communes/<slug:slug>/agenda.ics",
        public_read(commune_in_path)(agenda.CommuneAgendaFeedView.as_view()),
        name="commune-agenda-ics",
    ),
    path(
        "agenda/<int:event_id>/",
        public_read(owned_by(AgendaEvent, kwarg="event_id"))(agenda.AgendaEventDetailView.as_view()),
        name="agenda-detail",
    ),
    path("agenda/<int:event_id>/publish/", agenda.AgendaEventPublishView.as_view(), name="agenda-publish"),
    path("agenda/<int:event_id>/withdraw/", agenda.AgendaEventWithdrawView.as_view(), name="agenda-withdraw"),
    # Publication register and transparency scorecard
    path(
        "communes/<slug:slug>/register/",
        public_read(commune_in_path)(register.CommuneRegisterView.as_view()),
        name="commune-register",
    ),
    path("register/", public_read(all_communes)(register.ScorecardView.as_view()), name="scorecard"),
]
