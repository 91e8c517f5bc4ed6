"""The words and numbers of the evaluation's figures, in the reader's language: labels for every key
of the figures dict (``evaluation.selectors.commune_figures``) and the rows each chart and table
shows.

One place for them, so that the dashboard, the public "open evaluation" page and the yearly report
(its page and its PDF) call a group, a channel or a month by the same name and print a number the
same way. Everything here reads a figures dict only (a published report's frozen one renders in
French or English years later); nothing queries the database.

A row's ``value`` is ``None`` when the figure is suppressed (a group under the threshold, or the
cell hidden with it: ``evaluation/groups.py``). The reader cannot tell which of the two a hidden
cell is (that is the point of hiding the second one), so both read "fewer than 10, or hidden".
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from evaluation import groups as suppression
from evaluation.models import AgeBand, Disability, Gender, PageKind

# --- Labels ---------------------------------------------------------------------------------------

SECTION_TITLES: dict[str, Promise] = {
    "usage": gettext_lazy("Visits to the commune's pages"),
    "audience": gettext_lazy("Followers"),
    "live": gettext_lazy("Live council sessions"),
    "answers": gettext_lazy("Questions, answers and commitments"),
    "participation": gettext_lazy("Who took part, and how"),
    "groups": gettext_lazy("Participants by group"),
    "transparency": gettext_lazy("Transparency: documents published"),
    "sms": gettext_lazy("Alerts by SMS"),
}

KIND_LABELS: dict[str, Promise] = {str(value): label for value, label in PageKind.choices}

CHANNEL_LABELS: dict[str, Promise] = {
    "web": gettext_lazy("Website and app"),
    "sms": gettext_lazy("SMS"),
    "workshop": gettext_lazy("Workshops on the ground"),
}

# What a key of a group table means, table by table (the arrondissements' names come with the
# figures: ``groups.arrondissement_names``).
NO_PROFILE_LABEL = gettext_lazy("No profile given")
DID_NOT_SAY_LABEL = gettext_lazy("Did not say")
GROUP_LABELS: dict[str, dict[str, Promise]] = {
    "gender": {
        Gender.WOMAN.value: pgettext_lazy("group", "Women"),
        Gender.MAN.value: pgettext_lazy("group", "Men"),
        Gender.UNDISCLOSED.value: DID_NOT_SAY_LABEL,
        "no_profile": NO_PROFILE_LABEL,
    },
    "age": {
        AgeBand.UNDER_18.value: AgeBand.UNDER_18.label,
        AgeBand.AGE_18_34.value: AgeBand.AGE_18_34.label,
        AgeBand.AGE_35_59.value: AgeBand.AGE_35_59.label,
        AgeBand.AGE_60_PLUS.value: AgeBand.AGE_60_PLUS.label,
        AgeBand.UNDISCLOSED.value: DID_NOT_SAY_LABEL,
        "no_profile": NO_PROFILE_LABEL,
    },
    "disability": {
        Disability.YES.value: gettext_lazy("Living with a disability"),
        Disability.NO.value: gettext_lazy("Without a disability"),
        Disability.UNDISCLOSED.value: DID_NOT_SAY_LABEL,
        "no_or_unknown": gettext_lazy("Without a disability, or not known"),
        "no_profile": NO_PROFILE_LABEL,
    },
    "arrondissement": {
        "elsewhere": gettext_lazy("Another commune"),
        "undisclosed": DID_NOT_SAY_LABEL,
        "no_profile": NO_PROFILE_LABEL,
    },
}
GROUP_TABLES = ("gender", "age", "disability", "arrondissement")
WORKSHOP_TABLES = ("gender", "age", "disability")
GROUP_TABLE_TITLES: dict[str, Promise] = {
    "gender": gettext_lazy("By gender"),
    "age": gettext_lazy("By age"),
    "disability": gettext_lazy("Disability"),
    "arrondissement": gettext_lazy("By arrondissement"),
}

# Short month names for the charts' axes, where Django's own ("jan.", "fév.") are not the usual
# French ones ("janv.", "févr.").
SHORT_MONTHS: tuple[Promise, ...] = (
    pgettext_lazy("short month", "Jan"),
    pgettext_lazy("short month", "Feb"),
    pgettext_lazy("short month", "Mar"),
    pgettext_lazy("short month", "Apr"),
    pgettext_lazy("short month", "May"),
    pgettext_lazy("short month", "Jun"),
    pgettext_lazy("short month", "Jul"),
    pgettext_lazy("short month", "Aug"),
    pgettext_lazy("short month", "Sep"),
    pgettext_lazy("short month", "Oct"),
    pgettext_lazy("short month", "Nov"),
    pgettext_lazy("short month", "Dec"),
)


def group_label(table: str, key: str, names: dict[str, str] | None = None) -> str:
    """A group's name: an arrondissement's from ``names`` (``groups.arrondissement_names``)."""
    if names and key in names:
        return names[key]
    label = GROUP_LABELS.get(table, {}).get(key)
    return str(label) if label is not None else key


def suppressed_text(threshold: int) -> str:
    """What a hidden cell reads, in a table."""
    return _("fewer than %(n)s, or hidden") % {"n": threshold}


def suppressed_short(threshold: int) -> str:
    """What a hidden bar reads, in a chart (short: it sits beside the bar)."""
    return _("< %(n)s or hidden") % {"n": threshold}


def _month(value: str) -> datetime.date:
    year, month = value.split("-")
    return datetime.date(int(year), int(month), 1)


def month_short(value: str) -> str:
    """``"2026-01"`` → "Jan" ("janv.")."""
    return str(SHORT_MONTHS[_month(value).month - 1])


def month_long(value: str) -> str:
    """``"2026-01"`` → "January 2026" ("janvier 2026")."""
    return formats.date_format(_month(value), "F Y")


def day_label(value: str) -> str:
    """An ISO date, as the reader writes dates (``6 décembre 2026``)."""
    return formats.date_format(datetime.date.fromisoformat(value), "j F Y")


# --- Numbers --------------------------------------------------------------------------------------


def number(value: int | float | None) -> str:
    """A count with the reader's thousands separator (``12 345`` in French); "—" for none."""
    if value is None:
        return "—"
    return formats.number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)


def percent(value: int | float | None) -> str:
    """``45 %`` (in French, a no-break space before the sign); "—" when nothing was due."""
    if value is None:
        return "—"
    return _("%(n)s %%") % {"n": number(value)}


def duration(hours: float | None) -> str:
    """A median time to answer: in hours up to two days, then in days; "—" when none."""
    if hours is None:
        return "—"
    if hours < 1:
        return _("less than an hour")
    if hours < 48:
        rounded = round(hours, 1) if hours < 10 else round(hours)
        decimals = 0 if rounded == int(rounded) else 1
        shown = formats.number_format(rounded, decimal_pos=decimals, use_l10n=True)
        return _("%(n)s h") % {"n": shown}
    days = round(hours / 24)
    return ngettext("%(n)s day", "%(n)s days", days) % {"n": number(days)}


def money_xof(value: int | None) -> str:
    return _("%(n)s FCFA") % {"n": number(value)}


def change(current: int | float | None, previous: int | float | None) -> str:
    """The change from last year, in percent (``+25 %``, ``-3 %``); "" when it means nothing (no
    figure, or nothing last year)."""
    if current is None or previous is None or not previous:
        return ""
    delta = round(100 * (current - previous) / previous)
    sign = "+" if delta > 0 else ("−" if delta < 0 else "")
    return _("%(sign)s%(n)s %%") % {"sign": sign, "n": number(abs(delta))}


# --- Rows -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of a chart and of its table: ``value`` None when suppressed; ``note`` a short
    remark shown in the table (an estimated month)."""

    key: str
    label: str
    value: int | None
    note: str = ""


def kind_rows(figures: dict[str, Any]) -> list[Row]:
    """Page views by kind of page, most viewed first; kinds with no view and downloads (a figure of
    their own) left out."""
    by_kind = figures["usage"]["by_kind"]
    rows = [
        Row(kind, str(KIND_LABELS.get(kind, kind)), int(views))
        for kind, views in by_kind.items()
        if views and kind != PageKind.DOWNLOAD
    ]
    return sorted(rows, key=lambda row: -(row.value or 0))


def usage_month_rows(figures: dict[str, Any], field: str = "views") -> list[Row]:
    """Page views (or ``downloads``) month by month."""
    return [Row(m["month"], month_long(m["month"]), int(m[field])) for m in figures["usage"]["by_month"]]


def follower_month_rows(figures: dict[str, Any]) -> list[Row]:
    """Followers at each month's end; a month without a day's record is rebuilt from today's
    follows (unfollows since are missing), and says so."""
    estimated = _("estimated")
    return [
        Row(m["month"], month_long(m["month"]), int(m["followers"]), "" if m["recorded"] else estimated)
        for m in figures["audience"]["by_month"]
    ]


def channel_rows(figures: dict[str, Any]) -> list[Row]:
    """Participants by channel: online, by SMS (people), and workshop attendance (headcounts)."""
    participation = figures["participation"]
    return [
        Row("web", str(CHANNEL_LABELS["web"]), participation["web"]),
        Row("sms", str(CHANNEL_LABELS["sms"]), participation["sms"]),
        Row("workshop", str(CHANNEL_LABELS["workshop"]), participation["workshop_attendance"]),
    ]


def ballot_rows(figures: dict[str, Any]) -> list[Row]:
    polls = figures["polls"]
    return [
        Row("web", str(CHANNEL_LABELS["web"]), polls["web"]),
        Row("sms", str(CHANNEL_LABELS["sms"]), polls["sms"]),
    ]


def question_channel_rows(figures: dict[str, Any]) -> list[Row]:
    questions = figures["questions"]
    return [
        Row("web", str(CHANNEL_LABELS["web"]), questions["web"]),
        Row("sms", str(CHANNEL_LABELS["sms"]), questions["sms"]),
    ]


def commitment_rows(figures: dict[str, Any]) -> list[Row]:
    """The commitments due in the year, by what became of them."""
    c = figures["commitments"]
    return [
        Row("kept_on_time", _("Kept on time"), c["kept_on_time"]),
        Row("kept_late", _("Kept late"), c["kept_late"]),
        Row("overdue", _("Overdue, not kept yet"), c["overdue"]),
        Row("dropped", _("Dropped"), c["dropped"]),
    ]


def transparency_rows(figures: dict[str, Any]) -> list[Row]:
    """The publications the law expects for the fiscal year, by where they stand."""
    t = figures["transparency"]
    return [
        Row("on_time", _("Published on time"), t["on_time"]),
        Row("late", _("Published late"), t["late"]),
        Row("missing", _("Missing"), t["missing"]),
        Row("not_due", _("Not due yet"), t["not_due"]),
    ]


def group_rows(figures: dict[str, Any], table: str) -> list[Row]:
    """A group table of the participants (closed period), in the figures' order."""
    groups = figures.get("groups")
    if not groups:
        return []
    names = groups.get("arrondissement_names") or {}
    return [
        Row(cell["key"], group_label(table, cell["key"], names), cell["count"])
        for cell in groups["tables"][table]
    ]


def workshop_rows(figures: dict[str, Any], table: str) -> list[Row]:
    """A group table of the workshops' headcounts (reported by facilitators)."""
    return [
        Row(cell["key"], group_label(table, cell["key"]), cell["count"])
        for cell in figures["workshops"]["cells"][table]
    ]


def threshold(figures: dict[str, Any]) -> int:
    """The smallest group shown, as it was when the figures were computed."""
    groups = figures.get("groups")
    return int(groups["threshold"]) if groups else suppression.minimum()
