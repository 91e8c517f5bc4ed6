"""Routes of the publication pages (documents, contracts, agenda, scorecard, search) and of their
staff pages (publishing, editing, withdrawing)."""

from django.urls import path

from frontend.publications import agenda_staff, contracts_staff, pages, staff
from hub.readcache import (
    all_read,
    commune_read,
    query_read,
)

# ``*_read(view)``: anonymous reads answered from the public read cache (hub/readcache.py).
urlpatterns = [
    path("rechercher/", query_read(pages.search), name="pub-search"),
    path("transparence/", all_read(pages.scorecard), name="pub-scorecard"),
    path(
        "communes/<slug:slug>/transparence/",
        commune_read(pages.register),
        name="pub-register",
    ),
    path("communes/<slug:slug>/documents/", commune_read(pages.documents), name="pub-documents"),
    path(
        "communes/<slug:slug>/documents/<int:pk>/",
        commune_read(pages.document),
        name="pub-document",
    ),
    path(
        "communes/<slug:slug>/documents/<int:pk>/fichiers/<int:file_id>/",
        pages.document_file_download,
        name="pub-file",
    ),
    path("communes/<slug:slug>/publier/", staff.publish_form, name="pub-publish"),
    path(
        "communes/<slug:slug>/documents/<int:pk>/publier/",
        staff.document_publish,
        name="pub-document-publish",
    ),
    path(
        "communes/<slug:slug>/documents/<int:pk>/retirer/",
        staff.document_withdraw,
        name="pub-document-withdraw",
    ),
    path(
        "communes/<slug:slug>/documents/<int:pk>/fichiers/ajouter/",
        staff.document_file_add,
        name="pub-file-add",
    ),
    path(
        "communes/<slug:slug>/documents/<int:pk>/fichiers/<int:file_id>/remplacer/",
        staff.document_file_replace,
        name="pub-file-replace",
    ),
    path("communes/<slug:slug>/marches/", commune_read(pages.contracts), name="pub-contracts"),
    path(
        "communes/<slug:slug>/marches/<int:pk>/",
        commune_read(pages.contract),
        name="pub-contract",
    ),
    path("communes/<slug:slug>/marches/nouveau/", contracts_staff.contract_new, name="pub-contract-new"),
    path(
        "communes/<slug:slug>/marches/<int:pk>/modifier/",
        contracts_staff.contract_edit,
        name="pub-contract-edit",
    ),
    path(
        "communes/<slug:slug>/marches/<int:pk>/publier/",
        contracts_staff.contract_publish,
        name="pub-contract-publish",
    ),
    path(
        "communes/<slug:slug>/marches/<int:pk>/retirer/",
        contracts_staff.contract_withdraw,
        name="pub-contract-withdraw",
    ),
    path("communes/<slug:slug>/agenda/", commune_read(pages.agenda), name="pub-agenda"),
    path(
        "communes/<slug:slug>/agenda/<int:pk>/",
        commune_read(pages.agenda_event),
        name="pub-agenda-event",
    ),
    path("communes/<slug:slug>/agenda/nouveau/", agenda_staff.agenda_event_new, name="pub-agenda-new"),
    path(
        "communes/<slug:slug>/agenda/<int:pk>/modifier/",
        agenda_staff.agenda_event_edit,
        name="pub-agenda-event-edit",
    ),
    path(
        "communes/<slug:slug>/agenda/<int:pk>/publier/",
        agenda_staff.agenda_event_publish,
        name="pub-agenda-event-publish",
    ),
    path(
        "communes/<slug:slug>/agenda/<int:pk>/annuler/",
        agenda_staff.agenda_event_withdraw,
        name="pub-agenda-event-withdraw",
    ),
    path(
        "communes/<slug:slug>/agenda.ics",
        commune_read(pages.agenda_ics),
        name="pub-agenda-ics",
    ),
]
