"""How a notification reads, by event kind. Publications (the default) carry their own type label;
other kinds (forum replies, live sessions...) get a label and an e-mail opening line from here, in
the recipient's language (looked up when rendered, never frozen in the payload)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop


@dataclass(frozen=True)
class Wording:
    label: str
    intro: str  # e-mail opening line; may use %(commune)s
    reason: str  # why the recipient receives it; may use %(commune)s


PUBLICATION = Wording(
    label="",
    intro=gettext_noop("%(commune)s has just published on Communes+:"),
    reason=gettext_noop(
        "You receive this message because you follow %(commune)s. To stop these e-mails for this commune:"
    ),
)
_THREAD_REASON = gettext_noop(
    "You receive this message because you follow this discussion in %(commune)s. "
    "To stop these e-mails for this commune:"
)

KIND_WORDING: dict[str, Wording] = {
    "forum.reply": Wording(
        gettext_noop("New reply"),
        gettext_noop("There is a new reply in a discussion you follow in %(commune)s:"),
        _THREAD_REASON,
    ),
    "forum.answer": Wording(
        gettext_noop("Official answer"),
        gettext_noop("The town hall of %(commune)s answered a discussion you follow:"),
        _THREAD_REASON,
    ),
    "session.scheduled": Wording(
        gettext_noop("Live session scheduled"),
        gettext_noop("%(commune)s has scheduled a live session on Communes+:"),
        PUBLICATION.reason,
    ),
    "session.live": Wording(
        gettext_noop("Live session starting now"),
        gettext_noop("%(commune)s is live now on Communes+:"),
        PUBLICATION.reason,
    ),
}


def wording_for(kind: str) -> Wording:
    return KIND_WORDING.get(kind, PUBLICATION)


def label(kind: str, payload: dict[str, Any]) -> str:
    """The short label shown before the title ("Budget", "New reply", "Live session scheduled")."""
    wording = KIND_WORDING.get(kind)
    if wording is None:
        return str(payload.get("type_label", ""))
    return _(wording.label)


def push_body(kind: str, payload: dict[str, Any]) -> str:
    """A publication's push shows its title; other kinds say what happened first."""
    title = str(payload.get("title", ""))
    return f"{label(kind, payload)} — {title}" if kind in KIND_WORDING else title


def email_lines(kind: str, commune_name: str) -> dict[str, str]:
    wording = wording_for(kind)
    return {
        "intro": _(wording.intro) % {"commune": commune_name},
        "reason": _(wording.reason) % {"commune": commune_name},
    }
