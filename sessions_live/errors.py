"""Errors of the live sessions app: ``hub.errors.DomainError`` subclasses with the codes of
``docs/sessions.md`` (one JSON error shape for REST and websocket frames)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from hub.errors import Conflict, DomainError, InvalidInput, NotFound, Throttled


class SessionNotFound(NotFound):
    code = "not_found"
    default_message: Any = _("This session does not exist.")


class Invalid(InvalidInput):
    code = "validation_error"
    default_message: Any = _("Some fields are missing or invalid.")


class SessionNotLive(Conflict):
    code = "session_not_live"
    default_message: Any = _("This is only possible while the session is live.")


class WrongStatus(Conflict):
    code = "wrong_status"
    default_message: Any = _("This is not possible in the session's current state.")


class VoteNotConfirmed(DomainError):
    code = "vote_not_confirmed"
    status = 503
    default_message: Any = _(
        "Your vote could not be confirmed in time. Send it again: it will be counted only once."
    )


class Muted(DomainError):
    code = "muted"
    status = 403
    default_message: Any = _("You have been muted by a moderator.")


class Banned(DomainError):
    code = "banned"
    status = 403
    default_message: Any = _("A moderator has banned you from this session.")


class ChatThrottled(Throttled):
    default_message: Any = _("You are sending messages too fast. Wait a moment.")


class SlowMode(Throttled):
    code = "slow_mode"
    default_message: Any = _("Slow mode is on: wait a little before your next message.")


class PollClosed(Conflict):
    code = "poll_closed"
    default_message: Any = _("This poll is not open for votes.")


class InvalidOption(InvalidInput):
    code = "invalid_option"
    default_message: Any = _("This choice does not belong to this poll.")


class AlreadyVoted(Conflict):
    code = "already_voted"
    default_message: Any = _("You have already voted.")


class NotVoted(Conflict):
    code = "not_voted"
    default_message: Any = _("You have not upvoted this question.")
