"""What an SMS says: the alert for each kind of event, and the replies to inbound keywords.

Every text is written in English with gettext (French is the translation people read), rendered in
the recipient's language by the caller (``translation.override``), folded to GSM-7 and fitted to one
segment (160 units): one SMS is what a commune pays for and what a basic phone shows whole. An alert
ends with the link (``SITE_URL`` + the item's path) only when the link leaves room for the words; the
words are cut first, the link is dropped rather than cut.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from notifications.sms import gsm7

# The fewest characters of the message itself worth keeping next to a link.
_MIN_WORDS = 60

ALERT_HEADS: dict[str, str] = {
    "document.published": gettext_noop("%(commune)s published a document:"),
    "contract.published": gettext_noop("%(commune)s published a public contract:"),
    "agenda.published": gettext_noop("%(commune)s announces:"),
    "session.live": gettext_noop("%(commune)s is live now:"),
    "session.question_answered": gettext_noop("%(commune)s answered your question:"),
    "session.poll_opened": gettext_noop("%(commune)s asks, live:"),
    "commitment.created": gettext_noop("%(commune)s made a commitment:"),
    "commitment.updated": gettext_noop("News of a commitment of %(commune)s:"),
    "commitment.status": gettext_noop("A commitment of %(commune)s changed status:"),
}
_DEFAULT_HEAD = gettext_noop("%(commune)s on Communes+:")


# Characters of titles GSM-7 lacks that have a plain spelling (one such character would make the
# whole message UCS-2: 70 characters instead of 160).
_PLAIN = str.maketrans({"°": "o", "º": "o", "ª": "a", "²": "2", "³": "3", "`": "'", "´": "'", "•": "-"})


def gsm7_only(text: str) -> str:
    """``text`` folded to GSM-7, every other character replaced by its letter without accent, or
    dropped (emoji, symbols): an alert is worth more whole in 160 characters than exact in 70."""
    folded = gsm7.fold(text).translate(_PLAIN)
    if gsm7.is_gsm7(folded):
        return folded
    out = []
    for ch in folded:
        if gsm7.is_gsm7(ch):
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out.append(base if base and gsm7.is_gsm7(base) else "")
    return "".join(out)


def site_link(path: object) -> str:
    if not isinstance(path, str) or not path.startswith("/"):
        return ""
    return settings.SITE_URL.rstrip("/") + path


# An answer to a question asked by SMS may take up to three segments (a budget's worth of words).
ANSWER_SEGMENTS = 3


def fit_with_link(words: str, link: str) -> str:
    """``words`` and ``link`` in one segment: the link is kept whole when the words keep at least
    ``_MIN_WORDS`` units beside it, else dropped; the words are cut to what is left."""
    words = gsm7_only(" ".join(words.split()))
    if link:
        whole = f"{words} {link}"
        if gsm7.measure(whole).segments == 1 and gsm7.measure(whole).encoding == "gsm7":
            return whole
        room = gsm7.GSM7_SINGLE - 1 - gsm7.measure(link).units
        if room >= _MIN_WORDS and gsm7.measure(gsm7.fit(words, limit=room)).encoding == "gsm7":
            return f"{gsm7.fit(words, limit=room)} {link}"
    return gsm7.fit(words)


def _poll_words(payload: dict[str, Any]) -> str:
    options = [str(o) for o in payload.get("options", []) if isinstance(o, str)]
    choices = " ".join(f"{i}={label}" for i, label in enumerate(options, start=1))
    how = _("Reply with the numbers.") if payload.get("multiple") else _("Reply with a number.")
    return f"{payload.get('question', '')} {choices} {how}"


def alert_text(kind: str, payload: dict[str, Any], commune_name: str) -> str:
    """The alert for an event, in the active language, in one segment."""
    head = _(ALERT_HEADS.get(kind, _DEFAULT_HEAD)) % {"commune": commune_name}
    if kind == "session.poll_opened":
        # The options are the message: no link (a poll is answered by SMS).
        return gsm7.fit(gsm7_only(" ".join(f"{head} {_poll_words(payload)}".split())))
    title = str(payload.get("title", ""))
    if kind == "session.question_answered" and payload.get("answer"):
        # The answer is the message, whole if it fits three segments: a feature phone cannot
        # follow a link.
        words = gsm7_only(" ".join(f"{head} {payload['answer']}".split()))
        return gsm7.fit(words, limit=ANSWER_SEGMENTS * gsm7.GSM7_PART)
    if kind == "session.question_answered":
        body = title
    elif kind == "document.published" and payload.get("type_label"):
        body = f"{payload['type_label']} - {title}"
    else:
        body = title
    return fit_with_link(f"{head} {body}", site_link(payload.get("path")))


# --- Replies to inbound messages --------------------------------------------------------------------


def reply_help(*, question: bool) -> str:
    text = _("Communes+: SUIVRE <commune> to follow (e.g. SUIVRE COTONOU), STOP to stop SMS.")
    if question:
        text += " " + _("Live session: QUESTION <text>, or the number of a poll answer.")
    return gsm7.fit(text)


def reply_followed(commune_name: str, path: str) -> str:
    text = _("You follow %(commune)s: you will receive its news by SMS. STOP to stop, AIDE for help.") % {
        "commune": commune_name
    }
    return fit_with_link(text, site_link(path)) if len(text) < 100 else gsm7.fit(text)


def reply_follow_how() -> str:
    return gsm7.fit(_("To follow a commune, write SUIVRE and its name, e.g. SUIVRE COTONOU."))


def reply_unknown_commune(typed: str, suggestions: list[str]) -> str:
    typed = gsm7.fit(" ".join(typed.split()), limit=24)
    if suggestions:
        text = _("Unknown commune: %(typed)s. Did you mean: %(names)s? Write e.g. SUIVRE %(first)s.") % {
            "typed": typed,
            "names": ", ".join(suggestions),
            "first": suggestions[0].upper(),
        }
    else:
        text = _(
            "Unknown commune: %(typed)s. Write SUIVRE and the name of the commune, e.g. SUIVRE COTONOU."
        ) % {"typed": typed}
    return gsm7.fit(text)


def reply_stopped() -> str:
    return gsm7.fit(
        _("You will no longer receive SMS from Communes+. To start again, write SUIVRE <commune>.")
    )


def reply_unknown() -> str:
    return gsm7.fit(_("Message not understood. Write AIDE to receive the list of commands."))


def reply_too_many() -> str:
    return gsm7.fit(_("Too many messages from this number: the next ones will not be answered for an hour."))
