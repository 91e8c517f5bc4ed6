"""App configuration."""

from django.apps import AppConfig


class CouncilConfig(AppConfig):
    name = "council"
    verbose_name = "Conseil communal"

    def ready(self) -> None:
        import council.permissions  # noqa: F401  (registers "council.manage")
        from council.models import Attendance, Committee, CouncilMember, CouncilRules, Motion, MotionVote
        from hub.versions import owner_commune, track

        # What the public read cache must forget when it changes (hub/readcache.py): the commune's
        # pages list its council and each member's record; a session's page shows its roll call and
        # motions.
        track(CouncilMember, commune=lambda row: row.commune_id)
        track(Committee, commune=lambda row: row.commune_id)
        track(CouncilRules, commune=lambda row: row.commune_id)
        track(Attendance, commune=lambda row: row.commune_id, session=lambda row: row.session_id)
        track(Motion, commune=lambda row: row.commune_id, session=lambda row: row.session_id)
        track(MotionVote, commune=lambda row: owner_commune(Motion, row.motion_id))
