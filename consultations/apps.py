"""App configuration."""

from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = "Consultations citoyennes"

    def ready(self) -> None:
        import consultations.permissions  # noqa: F401  (registers the consultations' permissions)
        from consultations.models import (
            CitizenCouncilMeeting,
            CitizenCouncilMember,
            Consultation,
            CouncilOpinion,
            Organisation,
            Workshop,
        )
        from hub.versions import owner_commune, track

        # What the public read cache must forget when it changes (hub/readcache.py): the commune's
        # pages list its consultations, organisations and citizen council.
        track(Consultation, commune=lambda row: row.commune_id)
        track(Workshop, commune=lambda row: row.commune_id)
        track(Organisation, commune=lambda row: row.commune_id)
        track(CitizenCouncilMember, commune=lambda row: row.commune_id)
        track(CitizenCouncilMeeting, commune=lambda row: row.commune_id)
        track(CouncilOpinion, commune=lambda row: owner_commune(Consultation, row.consultation_id))
