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
        _track_public_content()


def _track_public_content() -> None:
    """What the public read cache must forget when it changes (hub/readcache.py)."""
    from hub.models import Commune, Follow, Membership, User
    from hub.versions import track

    track(Commune, commune=lambda row: row.pk)
    track(Membership, commune=lambda row: row.commune_id)  # the officials a commune page lists
    track(Follow, commune=lambda row: row.commune_id)  # follower counts
    # A name shown on many pages; a new account, a sign-in (last_login) or a new password changes
    # nothing public (a crowd signing up during a session must not empty every cache).
    track(User, everything=True, ignore_fields={"last_login", "password"}, new_rows=False)
