"""Domain errors of the forums (subclasses of the project's ``DomainError``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from hub.errors import Conflict, InvalidInput, NotFound, PermissionDenied


class ThreadNotFound(NotFound):
    code = "thread_not_found"
    default_message: Any = _("There is no such discussion.")


class PostNotFound(NotFound):
    code = "post_not_found"
    default_message: Any = _("There is no such message.")


class ThreadLocked(Conflict):
    code = "thread_locked"
    default_message: Any = _("This discussion is locked: no new replies.")


class ThreadClosed(Conflict):
    code = "thread_closed"
    default_message: Any = _("This discussion is closed: no new replies or supports.")


class UserMuted(PermissionDenied):
    code = "muted"
    default_message: Any = _("You are muted in this commune's forum.")


class NewAccountLimited(PermissionDenied):
    code = "new_account_limited"
    default_message: Any = _("New accounts cannot post links yet. Take part a little first.")


class FlagOwnContent(InvalidInput):
    code = "flag_own_content"
    default_message: Any = _("You cannot flag your own message.")
