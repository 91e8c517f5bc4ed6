"""What each section of the evaluation shows, prepared from a figures dict for its template.

The sections (``frontend/templates/frontend/evaluation/_section_<name>.html``) are shared by the
staff dashboard, the public "open evaluation" page and the yearly report: each is given
``figures`` (``evaluation.selectors.commune_figures``, live or frozen in a report) and, when there
is one, ``previous`` (the year before's), and reads the ``Section`` built here through the
``{% evaluation_section %}`` tag (``frontend/templatetags/evaluation_charts.py``). The templates
only write out: every number is formatted, every label chosen and every chart drawn here.

A key figure (``Stat``) compared with the year before reads "2025: 1,200 → 2026: 1,500 (+25 %)".
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from evaluation import labels
from evaluation.charts import Cell, Chart, Table, TableRow, bar_chart, column_chart, rows_table

Figures = dict[str, Any]


@dataclass(frozen=True)
class Stat:
    """A key figure: ``value`` raw (``data-value``), ``text`` as read, ``compared`` with last year."""

    key: str
    label: str
    value: int | float | None
    text: str
    compared: str = ""


@dataclass
class Section:
    name: str
    title: str
    year: int
    stats: list[Stat] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    groups: dict[str, list[Stat]] = field(default_factory=dict)  # further key figures, by heading
    extra: dict[str, Any] = field(default_factory=dict)


FORMATS: dict[str, Callable[[Any], str]] = {
    "count": labels.number,
    "percent": labels.percent,
    "hours": labels.duration,
    "money": labels.money_xof,
}


def _dig(figures: Figures | None, path: str) -> Any:
    value: Any = figures
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def stat(figures: Figures, previous: Figures | None, path: str, label: str, kind: str = "count") -> Stat:
    """The figure at ``path`` (``"usage.views"``), compared with ``previous`` when given."""
    value = _dig(figures, path)
    show = FORMATS[kind]
    compared = ""
    if previous is not None:
        before = _dig(previous, path)
        change = labels.change(value, before) if kind in ("count", "money") else ""
        compared = _("%(previous_year)s: %(previous)s → %(year)s: %(current)s") % {
            "previous_year": previous["year"],
            "previous": show(before),
            "year": figures["year"],
            "current": show(value),
        }
        if change:
            compared += f" ({change})"
    return Stat(path, label, value, show(value), compared)


def _new(name: str, figures: Figures) -> Section:
    return Section(name, str(labels.SECTION_TITLES[name]), int(figures["year"]))


# --- The sections ---------------------------------------------------------------------------------


def usage(figures: Figures, previous: Figures | None) -> Section:
    section = _new("usage", figures)
    section.stats = [
        stat(figures, previous, "usage.views", _("Page views")),
        stat(figures, previous, "usage.downloads", _("Document downloads")),
    ]
    months = figures["usage"]["by_month"]
    if any(m["views"] or m["downloads"] for m in months):
        views = labels.usage_month_rows(figures, "views")
        downloads = {row.key: row for row in labels.usage_month_rows(figures, "downloads")}
        title = _("Page views by month")
        table = Table(
            "ev-usage-months-table",
            _("Page views and downloads by month"),
            [_("Month"), _("Page views"), _("Downloads")],
            [
                TableRow(
                    row.key,
                    row.label,
                    [
                        Cell(labels.number(row.value), row.value),
                        Cell(labels.number(downloads[row.key].value), downloads[row.key].value),
                    ],
                )
                for row in views
            ],
        )
        section.charts.append(
            column_chart(
                "ev-usage-months",
                title,
                views,
                [labels.month_short(row.key) for row in views],
                label_header=_("Month"),
                value_header=_("Page views"),
                table=table,
            )
        )
        # The last month of a year still running is counted so far, not whole: said under the chart.
        last_day = datetime.date.fromisoformat(figures["end"])
        if not figures["complete"] and (last_day + datetime.timedelta(days=1)).day != 1:
            section.extra["partial_month"] = labels.day_label(figures["end"])
    kinds = labels.kind_rows(figures)
    if kinds:
        section.charts.append(
            bar_chart(
                "ev-usage-kinds",
                _("Page views by kind of page"),
                kinds,
                label_header=_("Kind of page"),
                value_header=_("Page views"),
            )
        )
    return section


def audience(figures: Figures, previous: Figures | None) -> Section:
    section = _new("audience", figures)
    a = figures["audience"]
    section.stats = [
        stat(figures, previous, "audience.followers", _("Followers at the end of the period")),
        stat(figures, previous, "audience.followers_at_start", _("Followers at the start of the year")),
        stat(figures, previous, "audience.sms_subscribers", _("Followers who receive alerts by SMS")),
    ]
    section.extra["gained"] = a["followers"] - a["followers_at_start"]
    rows = labels.follower_month_rows(figures)
    if any(row.value for row in rows):
        section.charts.append(
            column_chart(
                "ev-audience-months",
                _("Followers at the end of each month"),
                rows,
                [labels.month_short(row.key) for row in rows],
                label_header=_("Month"),
                value_header=_("Followers"),
            )
        )
        section.extra["estimated"] = any(row.note for row in rows)
    return section


def live(figures: Figures, previous: Figures | None, *, show_sessions: bool = False) -> Section:
    section = _new("live", figures)
    section.stats = [
        stat(figures, previous, "live.sessions", _("Sessions held live")),
        stat(figures, previous, "live.peak_viewers", _("Most viewers at once, in a single session")),
        stat(figures, previous, "live.total_viewers", _("Connections to the live sessions, all together")),
    ]
    sessions = figures["live"]["by_session"]
    if sessions:
        rows = [
            labels.Row(str(s["id"]), f"{s['title']} ({labels.day_label(s['date'])})", int(s["total"]))
            for s in sessions
        ]
        section.charts.append(
            bar_chart(
                "ev-live-sessions",
                _("Connections to each session (a reconnection is not counted again)"),
                rows,
                label_header=_("Session"),
                value_header=_("Connections"),
            )
        )
    if show_sessions:
        section.extra["sessions"] = [
            {
                "id": s["id"],
                "title": s["title"],
                "date": labels.day_label(s["date"]),
                "url": reverse("frontend:session", args=[s["id"]]),
                "peak": labels.number(s["peak"]),
                "peak_value": s["peak"],
                "total": labels.number(s["total"]),
                "total_value": s["total"],
            }
            for s in sessions
        ]
    return section


def answers(figures: Figures, previous: Figures | None) -> Section:
    section = _new("answers", figures)
    section.groups = {
        "questions": [
            stat(figures, previous, "questions.asked", _("Questions asked")),
            stat(figures, previous, "questions.answered", _("Questions answered")),
            stat(figures, previous, "questions.answered_percent", _("Share answered"), "percent"),
            stat(figures, previous, "questions.median_hours", _("Median time to answer"), "hours"),
            stat(figures, previous, "questions.sms", _("Asked by SMS")),
        ],
        "forums": [
            stat(figures, previous, "forums.threads", _("Discussions opened")),
            stat(figures, previous, "forums.posts", _("Messages")),
            stat(figures, previous, "forums.questions", _("Questions to the town hall")),
            stat(figures, previous, "forums.answered", _("Given an official answer")),
            stat(figures, previous, "forums.median_hours", _("Median time to answer"), "hours"),
        ],
        "commitments": [
            stat(figures, previous, "commitments.due", _("Commitments due in the year")),
            stat(figures, previous, "commitments.percent", _("Kept on time"), "percent"),
            stat(figures, previous, "commitments.not_due_yet", _("Not due yet")),
        ],
    }
    if figures["commitments"]["due"]:
        section.charts.append(
            bar_chart(
                "ev-commitments",
                _("Commitments due in the year, by outcome"),
                labels.commitment_rows(figures),
                label_header=_("Outcome"),
                value_header=_("Commitments"),
            )
        )
    return section


def participation(figures: Figures, previous: Figures | None) -> Section:
    section = _new("participation", figures)
    section.stats = [
        stat(figures, previous, "participation.participants", _("People who took part online or by SMS")),
        stat(figures, previous, "participation.web", _("Online (website and app)")),
        stat(figures, previous, "participation.sms", _("By SMS")),
        stat(figures, previous, "participation.workshop_attendance", _("Attendance at workshops")),
    ]
    section.charts.append(
        bar_chart(
            "ev-channels",
            _("Participation by channel"),
            labels.channel_rows(figures),
            label_header=_("Channel"),
            value_header=_("People or attendance"),
        )
    )
    section.groups = {
        "forums": [
            stat(figures, previous, "forums.participants", _("People who wrote in the forum")),
            stat(figures, previous, "forums.posts", _("Messages")),
        ],
        "consultations": [
            stat(figures, previous, "consultations.consultations", _("Consultations opened")),
            stat(figures, previous, "consultations.responses", _("Answers to questionnaires")),
            stat(figures, previous, "consultations.comments", _("Comments on drafts")),
            stat(figures, previous, "consultations.participants", _("People who took part")),
        ],
        "polls": [
            stat(figures, previous, "polls.polls", _("Polls in sessions")),
            stat(figures, previous, "polls.ballots", _("Votes")),
        ],
    }
    if figures["polls"]["ballots"]:
        section.charts.append(
            bar_chart(
                "ev-ballots",
                _("Votes in polls, by channel"),
                labels.ballot_rows(figures),
                label_header=_("Channel"),
                value_header=_("Votes"),
            )
        )
    return section


def groups(figures: Figures, previous: Figures | None) -> Section:
    section = _new("groups", figures)
    threshold = labels.threshold(figures)
    section.extra["threshold"] = threshold
    found = figures.get("groups")
    if found:
        section.extra["start"] = labels.day_label(found["start"])
        section.extra["end"] = labels.day_label(found["end"])
        section.stats = [
            Stat(
                "groups.participants",
                _("Participants in the period"),
                found["participants"],
                labels.number(found["participants"]),
            ),
            Stat(
                "groups.profiled",
                _("Of whom gave a profile"),
                found["profiled"],
                labels.number(found["profiled"]),
            ),
        ]
        for table in labels.GROUP_TABLES:
            section.charts.append(
                bar_chart(
                    f"ev-groups-{table}",
                    str(labels.GROUP_TABLE_TITLES[table]),
                    labels.group_rows(figures, table),
                    label_header=_("Group"),
                    value_header=_("Participants"),
                    threshold=threshold,
                )
            )
    workshops = figures["workshops"]
    section.extra["workshops"] = {
        "count": workshops["workshops"],
        "count_text": labels.number(workshops["workshops"]),
        "participants": workshops["participants"],
        "participants_text": labels.number(workshops["participants"]),
    }
    if workshops["workshops"]:
        section.tables = [
            rows_table(
                f"ev-workshops-{table}-table",
                _("Workshops: %(table)s") % {"table": labels.GROUP_TABLE_TITLES[table]},
                labels.workshop_rows(figures, table),
                label_header=_("Group"),
                value_header=_("People counted"),
                threshold=threshold,
            )
            for table in labels.WORKSHOP_TABLES
        ]
    return section


def transparency(figures: Figures, previous: Figures | None) -> Section:
    section = _new("transparency", figures)
    t = figures["transparency"]
    section.stats = [
        stat(figures, previous, "transparency.score", _("Publications due that were published"), "percent"),
        stat(figures, previous, "transparency.due", _("Publications due")),
    ]
    section.extra["fiscal_year"] = t["fiscal_year"]
    section.extra["register_url"] = (
        reverse("frontend:pub-register", args=[figures["commune"]["slug"]]) + f"?annee={t['fiscal_year']}"
    )
    if t["due"] or t["not_due"]:
        section.charts.append(
            bar_chart(
                "ev-transparency-chart",
                _("Publications expected for the fiscal year, by status"),
                labels.transparency_rows(figures),
                label_header=_("Status"),
                value_header=_("Publications"),
            )
        )
    return section


def sms(figures: Figures, previous: Figures | None) -> Section:
    section = _new("sms", figures)
    s = figures["sms"]
    section.extra["enabled"] = bool(s["enabled"])
    delivered_share = round(100 * s["delivered"] / s["sent"]) if s["sent"] else None
    section.stats = [
        stat(figures, previous, "sms.subscribers", _("Followers who receive alerts by SMS")),
        stat(figures, previous, "sms.sent", _("SMS sent")),
        stat(figures, previous, "sms.delivered", _("SMS delivered")),
        Stat("sms.delivered_percent", _("Share delivered"), delivered_share, labels.percent(delivered_share)),
        stat(figures, previous, "sms.cost_xof", _("Cost"), "money"),
    ]
    return section


BUILDERS: dict[str, Callable[..., Section]] = {
    "usage": usage,
    "audience": audience,
    "live": live,
    "answers": answers,
    "participation": participation,
    "groups": groups,
    "transparency": transparency,
    "sms": sms,
}
SECTION_NAMES = tuple(BUILDERS)


def build(name: str, figures: Figures, previous: Figures | None = None, **options: Any) -> Section:
    """The section ``name`` of ``figures`` (``previous``: the year before's, to compare with)."""
    if previous is not None and previous.get("year") == figures.get("year"):
        previous = None
    return BUILDERS[name](figures, previous, **options)
