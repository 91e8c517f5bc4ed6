"""How a notification reads, by event kind. Publications (the default) carry their own type label;
other kinds (forum replies and proposals, live sessions, commitments...) get a label and an e-mail
opening line from here, in the recipient's language (looked up when rendered, never frozen in the
payload)."""

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
_COMMITMENT_REASON = gettext_noop(
    "You receive this message because you follow %(commune)s, or took part in the question or the "
    "proposal this commitment answers. To stop these e-mails for this commune:"
)
_STAFF_REASON = gettext_noop(
    "You receive this message because you are responsible for this commitment in %(commune)s. "
    "To stop these e-mails for this commune:"
)
_CONSULTATION_REASON = gettext_noop(
    "You receive this message because you follow %(commune)s, or took part in this consultation. "
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
    "session.question_answered": Wording(
        gettext_noop("Your question was answered"),
        gettext_noop("%(commune)s answered the question you asked during a live session:"),
        gettext_noop(
            "You receive this message because you asked this question in a live session of %(commune)s. "
            "To stop these e-mails for this commune:"
        ),
    ),
    "session.poll_opened": Wording(
        gettext_noop("Live poll open"),
        gettext_noop("%(commune)s asks for your answer in a live session:"),
        PUBLICATION.reason,
    ),
    "forum.proposal_status": Wording(
        gettext_noop("Proposal status changed"),
        gettext_noop("The town hall of %(commune)s changed the status of a proposal you made or support:"),
        gettext_noop(
            "You receive this message because you made or support this proposal in %(commune)s. "
            "To stop these e-mails for this commune:"
        ),
    ),
    "commitment.created": Wording(
        gettext_noop("New commitment"),
        gettext_noop("%(commune)s has made a commitment:"),
        _COMMITMENT_REASON,
    ),
    "commitment.updated": Wording(
        gettext_noop("Commitment update"),
        gettext_noop("%(commune)s has posted news of a commitment:"),
        _COMMITMENT_REASON,
    ),
    "commitment.status": Wording(
        gettext_noop("Commitment status changed"),
        gettext_noop("%(commune)s has changed the status of a commitment:"),
        _COMMITMENT_REASON,
    ),
    "commitment.due_soon": Wording(
        gettext_noop("Commitment due soon"),
        gettext_noop("A commitment of %(commune)s is due soon:"),
        _STAFF_REASON,
    ),
    "commitment.overdue": Wording(
        gettext_noop("Commitment overdue"),
        gettext_noop("A commitment of %(commune)s is overdue:"),
        _STAFF_REASON,
    ),
    "consultation.opened": Wording(
        gettext_noop("Consultation open"),
        gettext_noop("%(commune)s asks for your opinion until the date below:"),
        PUBLICATION.reason,
    ),
    "consultation.closing_soon": Wording(
        gettext_noop("Consultation closing soon"),
        gettext_noop("A consultation of %(commune)s closes in a week; there is still time to answer:"),
        PUBLICATION.reason,
    ),
    "consultation.closed": Wording(
        gettext_noop("Consultation results"),
        gettext_noop("A consultation of %(commune)s you took part in has closed; its results are public:"),
        _CONSULTATION_REASON,
    ),
    "consultation.response": Wording(
        gettext_noop("The commune's response"),
        gettext_noop(
            "%(commune)s has published its response to a consultation (what it heard, what it will do):"
        ),
        _CONSULTATION_REASON,
    ),
    # The good-practices library (practices app): reaches the followers of a theme, whatever commune.
    "practice.published": Wording(
        gettext_noop("New good practice"),
        gettext_noop("%(commune)s has shared a good practice in a theme you follow:"),
        gettext_noop(
            "You receive this message because you follow one of its themes in the good practices "
            "library (you can stop following it on the theme's page). To stop these e-mails for this "
            "commune:"
        ),
    ),
    "practice.question": Wording(
        gettext_noop("Question on a good practice"),
        gettext_noop("Someone asked %(commune)s a question about one of its good practices:"),
        gettext_noop(
            "You receive this message because you publish for %(commune)s on Communes+. "
            "To stop these e-mails for this commune:"
        ),
    ),
}

# A status change says which status: "Commitment kept" reads better than "status changed".
STATUS_LABELS: dict[str, tuple[str, dict[str, str]]] = {
    "commitment.status": (
        "status",
        {
            "planned": gettext_noop("Commitment planned"),
            "in_progress": gettext_noop("Commitment in progress"),
            "done": gettext_noop("Commitment kept"),
            "dropped": gettext_noop("Commitment dropped"),
        },
    ),
    "forum.proposal_status": (
        "proposal_status",
        {
            "submitted": gettext_noop("Proposal submitted"),
            "under_study": gettext_noop("Proposal under study"),
            "accepted": gettext_noop("Proposal accepted"),
            "rejected": gettext_noop("Proposal rejected"),
            "carried_out": gettext_noop("Proposal carried out"),
        },
    ),
}


def wording_for(kind: str) -> Wording:
    return KIND_WORDING.get(kind, PUBLICATION)


def label(kind: str, payload: dict[str, Any]) -> str:
    """The short label shown before the title ("Budget", "New reply", "Live session scheduled")."""
    wording = KIND_WORDING.get(kind)
    if wording is None:
        return str(payload.get("type_label", ""))
    key, labels = STATUS_LABELS.get(kind, ("", {}))
    status = payload.get(key)
    if isinstance(status, str) and status in labels:
        return _(labels[status])
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
