"""Errors of the council app: ``hub.errors.DomainError`` subclasses (one JSON error shape).

``validation_error`` (with ``fields``) for input the services check; ``not_a_member`` for a vote or a
roll-call line naming someone who is not a member of this council in office; ``not_present`` for a
vote of a member neither in the room nor represented; ``already_voted`` for a second vote of one
member (a change is a correction, with a reason); ``motion_closed`` for a vote after the close;
``no_quorum`` to open a motion without the quorum; ``wrong_status`` for the rest of "not now";
``forbidden`` for staff of another commune or without the role."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from hub.errors import Conflict, InvalidInput, NotFound, PermissionDenied


class Invalid(InvalidInput):
    code = "validation_error"
    default_message: Any = _("Some fields are missing or invalid.")


class NotAMember(InvalidInput):
    code = "not_a_member"
    default_message: Any = _("This person is not a member of this council in office.")


class CouncilNotFound(NotFound):
    code = "not_found"
    default_message: Any = _("Not found.")


class WrongStatus(Conflict):
    code = "wrong_status"
    default_message: Any = _("This is not possible in the current state.")


class NotPresent(Conflict):
    code = "not_present"
    default_message: Any = _("This member is neither present nor represented: record their attendance first.")


class AlreadyVoted(Conflict):
    code = "already_voted"
    default_message: Any = _(
        "This member's vote is already recorded. To change it, correct it and give the reason."
    )


class MotionClosed(Conflict):
    code = "motion_closed"
    default_message: Any = _("The vote on this motion is closed.")


class NoQuorum(Conflict):
    code = "no_quorum"
    default_message: Any = _("The quorum is not reached: the council cannot vote.")


class Forbidden(PermissionDenied):
    code = "forbidden"


def invalid(field: str, message: str) -> Invalid:
    return Invalid(message, fields={field: [message]})
