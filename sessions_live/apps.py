"""App configuration."""

from django.apps import AppConfig


class SessionsLiveConfig(AppConfig):
    name = "sessions_live"

    def ready(self) -> None:
        from hub.versions import track
        from sessions_live.models import (
            AgendaItem,
            ChatMessage,
            LiveSession,
            Poll,
            Question,
            SessionDocument,
            SessionEvent,
        )
        from sessions_live.sms import sms_handlers_register

        # What the public read cache must forget when it changes (hub/readcache.py). A session row
        # is its commune's content (lists, agendas); what happens inside it is the session's own
        # stream, and every change there appends a ``SessionEvent`` (the tallies bump it as they go
        # out: ``sessions_live.tally``).
        track(LiveSession, commune=lambda row: row.commune_id, session=lambda row: row.pk)
        for model in (AgendaItem, SessionDocument, ChatMessage, Poll, Question, SessionEvent):
            track(model, session=lambda row: row.session_id)

        # QUESTION and poll answers by SMS (received by the notifications app: ``hub.sms_commands``).
        sms_handlers_register()
