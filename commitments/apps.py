"""App configuration."""

from django.apps import AppConfig


class CommitmentsConfig(AppConfig):
    name = "commitments"

    def ready(self) -> None:
        from commitments.models import Commitment, CommitmentUpdate
        from hub.versions import owner_commune, track

        # What the public read cache must forget when it changes (hub/readcache.py); a commitment
        # made in a session also shows on the session's page. Photos come with their update (its save).
        track(Commitment, commune=lambda row: row.commune_id, session=lambda row: row.session_id)
        track(CommitmentUpdate, commune=lambda row: owner_commune(Commitment, row.commitment_id))
