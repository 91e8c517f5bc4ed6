"""App configuration of the project core."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HubConfig(AppConfig):
    name = "hub"
    verbose_name = _("Communes+ core")

    def ready(self) -> None:
        # Registers the project's permissions with `rules` (they live in permissions.py, not rules.py).
        from hub import db, permissions  # noqa: F401

        db.install()
