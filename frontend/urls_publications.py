"""Routes of the publication pages (documents, contracts, agenda, scorecard, search, staff form)."""

from django.urls import path

from frontend import views_publications as views

urlpatterns = [
    path("rechercher/", views.search, name="pub-search"),
    path("transparence/", views.scorecard, name="pub-scorecard"),
    path("communes/<slug:slug>/transparence/", views.register, name="pub-register"),
    path("communes/<slug:slug>/documents/", views.documents, name="pub-documents"),
    path("communes/<slug:slug>/documents/<int:pk>/", views.document, name="pub-document"),
    path(
        "communes/<slug:slug>/documents/<int:pk>/fichiers/<int:file_id>/",
        views.document_file_download,
        name="pub-file",
    ),
    path("communes/<slug:slug>/publier/", views.publish_form, name="pub-publish"),
    path(
        "communes/<slug:slug>/documents/<int:pk>/publier/",
        views.document_publish,
        name="pub-document-publish",
    ),
    path(
        "communes/<slug:slug>/documents/<int:pk>/retirer/",
        views.document_withdraw,
        name="pub-document-withdraw",
    ),
    path(
        "communes/<slug:slug>/documents/<int:pk>/fichiers/ajouter/",
        views.document_file_add,
        name="pub-file-add",
    ),
    path(
        "communes/<slug:slug>/documents/<int:pk>/fichiers/<int:file_id>/remplacer/",
        views.document_file_replace,
        name="pub-file-replace",
    ),
    path("communes/<slug:slug>/marches/", views.contracts, name="pub-contracts"),
    path("communes/<slug:slug>/marches/<int:pk>/", views.contract, name="pub-contract"),
    path("communes/<slug:slug>/agenda/", views.agenda, name="pub-agenda"),
    path("communes/<slug:slug>/agenda/<int:pk>/", views.agenda_event, name="pub-agenda-event"),
    path("communes/<slug:slug>/agenda.ics", views.agenda_ics, name="pub-agenda-ics"),
]
