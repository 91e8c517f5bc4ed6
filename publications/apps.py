"""App configuration of commune publications (app label ``publications``)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicationsConfig(AppConfig):
    name = "publications"
    label = "publications"
    verbose_name = _("Publications")

    def ready(self) -> None:
        # Registers the app's permissions with `rules`.
        from publications import permissions  # noqa: F401
