"""What the public consultation pages show, shaped for their templates: the list grouped by phase,
the timeline of a consultation, and the results (``results_context``, also used by the staff pages
for the live results).

The results' charts are drawn by the template as inline SVG from the figures computed here: one
horizontal stacked bar per option (online, then workshops), its length in percent of the largest
total, so the chart follows the width of the screen with no script and no inline style (CSP). The
same figures go in a table next to it, for screen readers and for whoever prefers numbers.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from consultations import results as counting
from consultations.models import (
    Consultation,
    CouncilOpinion,
    Phase,
    QuestionKind,
)
from consultations.money import format_xof
from consultations.selectors import can_see_results

# The chart's geometry, in pixels: a label line, the bar, a line of figures.
LABEL_LINE = 18
BAR_HEIGHT = 16
FIGURES_LINE = 18
ROW_GAP = 12
ROW_HEIGHT = LABEL_LINE + 4 + BAR_HEIGHT + 4 + FIGURES_LINE + ROW_GAP
# Option labels are cut in the chart (SVG text does not wrap); the table gives them whole.
CHART_LABEL_CHARS = 40


def xof(amount: int | None) -> str:
    return format_xof(int(amount or 0))


def is_accepting(consultation: Consultation, now: datetime.datetime | None = None) -> bool:
    """Open and within its period: answers and comments are taken."""
    return consultation.accepts_answers(now)


# --- the list -----------------------------------------------------------------------------------


@dataclass
class Groups:
    open: list[Consultation] = field(default_factory=list)
    announced: list[Consultation] = field(default_factory=list)
    closed: list[Consultation] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.open or self.announced or self.closed)


def grouped(consultations: list[Consultation]) -> Groups:
    """Open first (closing soonest first), then announced (opening soonest first), then closed and
    responded (most recently closed first)."""
    groups = Groups()
    for consultation in consultations:
        if consultation.phase == Phase.OPEN:
            groups.open.append(consultation)
        elif consultation.phase == Phase.ANNOUNCED:
            groups.announced.append(consultation)
        elif consultation.phase in (Phase.CLOSED, Phase.RESPONDED):
            groups.closed.append(consultation)
    groups.open.sort(key=lambda c: (c.closes_at, c.pk))
    groups.announced.sort(key=lambda c: (c.opens_at, c.pk))
    groups.closed.sort(key=lambda c: (c.closed_at or c.closes_at, c.pk), reverse=True)
    return groups


# --- the timeline -------------------------------------------------------------------------------


@dataclass
class Step:
    label: str
    when: datetime.datetime | None
    # "done", "current" or "upcoming".
    state: str
    # The date is the one planned, not yet reached.
    planned: bool = False


ORDER = [Phase.ANNOUNCED, Phase.OPEN, Phase.CLOSED, Phase.RESPONDED]


def timeline(consultation: Consultation) -> list[Step]:
    """The four public phases with their dates (reached or planned) and where the consultation is."""
    reached = ORDER.index(Phase(consultation.phase)) if consultation.phase in ORDER else -1
    dates: list[tuple[str, datetime.datetime | None, datetime.datetime | None]] = [
        (_("Announced"), consultation.announced_at, None),
        (_("Open to answers"), consultation.opened_at, consultation.opens_at),
        (pgettext("consultation step", "Closed"), consultation.closed_at, consultation.closes_at),
        (_("Response of the commune published"), consultation.responded_at, None),
    ]
    steps = []
    for index, (label, actual, planned) in enumerate(dates):
        state = "done" if index < reached else "current" if index == reached else "upcoming"
        when = actual if index <= reached and actual else planned
        steps.append(Step(label, when, state, planned=state == "upcoming" and when is not None))
    return steps


# --- the results --------------------------------------------------------------------------------


def _pct(part: int, whole: int) -> str:
    """A length in percent for an SVG attribute ("0" when there is nothing to draw)."""
    if not whole or not part:
        return "0"
    return f"{100 * part / whole:.2f}%"


# The row of the online answers not shown under an arrondissement (consultations.results pools the
# arrondissements with too few respondents with those who did not say).
POOLED = gettext_lazy("Not stated, or fewer than 5 online answers")


@dataclass
class Row:
    """One option of a question: its figures by channel, and its bar."""

    option_id: int
    label: str
    short_label: str
    cost: str
    online: int
    workshop: int
    total: int
    share_online: float
    share_workshop: float
    share_total: float
    average_online: str = ""
    average_workshop: str = ""
    average_total: str = ""
    # Envelope: each channel's part of the average per person (they add up to ``average_total``).
    online_part: str = ""
    workshop_part: str = ""
    # The bar's segments: x and width, in percent of the chart's width.
    online_width: str = "0"
    workshop_x: str = "0"
    workshop_width: str = "0"
    # Top of the row in the chart, in pixels.
    y: int = 0

    @property
    def label_y(self) -> int:
        return self.y + LABEL_LINE - 4

    @property
    def bar_y(self) -> int:
        return self.y + LABEL_LINE + 4

    @property
    def figures_y(self) -> int:
        return self.bar_y + BAR_HEIGHT + FIGURES_LINE


@dataclass
class ArrondissementRow:
    name: str
    cells: list[counting.Figures]


@dataclass
class QuestionView:
    number: int
    pk: int
    prompt: str
    kind: str
    kind_label: str
    base: counting.Figures
    rows: list[Row]
    text_answers: int
    envelope: str
    by_arrondissement: list[ArrondissementRow]
    option_labels: list[str]
    chart_height: int

    @property
    def is_text(self) -> bool:
        return self.kind == QuestionKind.TEXT

    @property
    def is_ranking(self) -> bool:
        return self.kind == QuestionKind.RANKING

    @property
    def is_envelope(self) -> bool:
        return self.kind == QuestionKind.ENVELOPE


def _short(label: str) -> str:
    return label if len(label) <= CHART_LABEL_CHARS else label[: CHART_LABEL_CHARS - 1].rstrip() + "…"


def _question_view(number: int, qr: counting.QuestionResult) -> QuestionView:
    question = qr.question
    envelope = qr.kind == QuestionKind.ENVELOPE
    largest = max((r.value.total for r in qr.options), default=0)
    rows = []
    for index, result in enumerate(qr.options):
        value = result.value
        row = Row(
            option_id=result.option.pk,
            label=result.option.label,
            short_label=_short(result.option.label),
            cost=xof(result.option.cost_xof) if envelope else "",
            online=value.online,
            workshop=value.workshop,
            total=value.total,
            share_online=qr.share(result, "online"),
            share_workshop=qr.share(result, "workshop"),
            share_total=qr.share(result, "total"),
            online_width=_pct(value.online, largest),
            workshop_x=_pct(value.online, largest),
            workshop_width=_pct(value.workshop, largest),
            y=index * ROW_HEIGHT,
        )
        if envelope:
            row.average_online = xof(qr.average_amount(result, "online"))
            row.average_workshop = xof(qr.average_amount(result, "workshop"))
            row.average_total = xof(qr.average_amount(result, "total"))
            # An envelope's bar is the amount given per person (people in favour say little when
            # a group funds several projects): each channel's part of the average, stacked.
            people = qr.base.total
            most = max((r.amount.total for r in qr.options), default=0)
            row.online_width = _pct(result.amount.online, most)
            row.workshop_x = row.online_width
            row.workshop_width = _pct(result.amount.workshop, most)
            row.online_part = xof(round(result.amount.online / people)) if people else xof(0)
            row.workshop_part = xof(round(result.amount.workshop / people)) if people else xof(0)
        rows.append(row)
    names = list(qr.by_arrondissement)  # in the commune's order (consultations.results)
    options = [r.option for r in sorted(qr.options, key=lambda r: (r.option.position, r.option.pk))]
    by_arrondissement = [
        ArrondissementRow(
            name or str(POOLED),
            [qr.by_arrondissement[name].get(o.pk, counting.Figures()) for o in options],
        )
        for name in names
    ]
    return QuestionView(
        number=number,
        pk=question.pk,
        prompt=question.prompt,
        kind=qr.kind,
        kind_label=question.get_kind_display(),
        base=qr.base,
        rows=rows,
        text_answers=qr.text_answers,
        envelope=xof(question.envelope_xof) if envelope else "",
        by_arrondissement=by_arrondissement,
        option_labels=[o.label for o in options],
        chart_height=max(len(rows), 1) * ROW_HEIGHT,
    )


def council_opinion(consultation: Consultation) -> CouncilOpinion | None:
    return CouncilOpinion.objects.filter(consultation=consultation).select_related("meeting").first()


def results_context(consultation: Consultation, user: Any) -> dict[str, Any]:
    """What ``includes/results.html`` needs: participation, one chart and table per question, the
    breakdown by arrondissement, the citizen council's opinion and the commune's response."""
    found = counting.count(consultation)
    participation = found.participation
    arrondissements = [
        (name or str(POOLED), participation.by_arrondissement[name]) for name in found.arrondissements
    ]
    return {
        "consultation": consultation,
        "results": found,
        "participation": participation,
        "participation_by_arrondissement": arrondissements,
        "questions": [_question_view(n, qr) for n, qr in enumerate(found.questions, start=1)],
        "live": not consultation.results_public,
        "can_see_results": can_see_results(user, consultation),
        "opinion": council_opinion(consultation),
        "responded": consultation.phase == Phase.RESPONDED,
    }
