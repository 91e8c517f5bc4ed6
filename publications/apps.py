"""App configuration of commune publications (app label ``publications``)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from hub.versions import owner_commune, track


class PublicationsConfig(AppConfig):
    name = "publications"
    label = "publications"
    verbose_name = _("Publications")

    def ready(self) -> None:
        # Registers the app's permissions with `rules`.
        from publications import permissions  # noqa: F401
        from publications.models import AgendaEvent, Contract, Document, DocumentFile

        # What the public read cache must forget when it changes (hub/readcache.py).
        track(AgendaEvent, commune=lambda row: row.commune_id)
        track(Contract, commune=lambda row: row.commune_id)
        track(Document, commune=lambda row: row.commune_id)
        track(DocumentFile, commune=lambda row: owner_commune(Document, row.document_id))
