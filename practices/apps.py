"""App configuration of the good-practices library (practice sheets shared across communes)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticesConfig(AppConfig):
    name = "practices"
    verbose_name = _("Good practices")

    def ready(self) -> None:
        import practices.permissions  # noqa: F401  (registers "practices.manage_sheet"...)
        from hub.versions import owner_commune, track
        from practices.models import PracticeQuestion, PracticeSheet, Theme

        # What the public read cache must forget when it changes (hub/readcache.py). A sheet belongs
        # to its commune (and the library's lists: "any"); its questions show on its page; themes
        # name every list, so a change of theme is a change of everything (it is rare: the admin).
        # A sheet's themes and documents are set in the transaction that saves the sheet.
        track(PracticeSheet, commune=lambda row: row.commune_id)
        track(PracticeQuestion, commune=lambda row: owner_commune(PracticeSheet, row.sheet_id))
        track(Theme, everything=True)
