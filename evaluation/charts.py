"""Charts of the evaluation's figures, drawn on the server as SVG: no JavaScript, no library.

They are made to be read on a 360-pixel phone. Every chart is 340 units wide (``viewBox``) and
shown at the width of the page (``width="100%"``, capped by the stylesheet on wide screens), so
its text, 16 units high, is drawn at about 15 pixels on a 360-pixel phone and never much under
14 on a 320-pixel one. The geometry is worked out here, in Python; the templates under
``frontend/templates/frontend/evaluation/charts/`` only write it out.

- ``bar_chart``: horizontal bars, the label above each bar (over three lines at most; a longer
  one is cut with "…" and read whole in the table), the value at the bar's end. A suppressed figure
  (``None``: a small group, ``evaluation/groups.py``) is a short hatched grey bar reading "< 10 or
  hidden": never a length that would hint at a number.
- ``column_chart``: one column per month, short month names under them (on two staggered rows
  when one row would not hold them), a value above a column only where it fits, and three
  gridlines (0, the middle, the top).

Each chart comes with its table (``Table``: the same figures, a caption, row and column headers),
which the page shows right after it; the chart itself is an image whose accessible name is its
title and whose description gives its gist. Colours have at least 4.5:1 contrast on white, and no
figure is told by colour alone: values are written, a hidden bar is hatched and says so.

Text widths are estimated (no font metrics on the server) from classes of characters, on the
generous side, so that a label that is judged to fit does fit.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from evaluation import labels
from evaluation.labels import Row

WIDTH = 340
FONT = 16
LINE = 20  # a label line's height
BAR = 22  # a bar's thickness
BAR_GAP = 14  # between one bar and the next label
HIDDEN_BAR = 40  # the length of a suppressed bar: fixed, so it hints at nothing
LABEL_CHARS = 36  # characters per label line, at most
PLOT_HEIGHT = 150  # a column chart's plot area

TEXT = "#1a1a1a"  # 17:1 on white
BAR_FILL = "#00663a"  # the site's green: 7.3:1 on white
HATCH = "#6b6b6b"  # 5.3:1 on white
GRID = "#d0d5d2"  # decorative: the values are written
AXIS = "#6b6b6b"

_NARROW = set("iljtfrI.,;:!'’ |()/-")
_WIDE = set("mwMW%")


def text_width(text: str, font: int = FONT) -> float:
    """The width ``text`` takes at ``font`` units, estimated on the generous side."""
    em = 0.0
    for char in text:
        if char in _NARROW or char in "\u00a0\u202f":
            em += 0.32
        elif char in _WIDE:
            em += 0.88
        elif char.isupper() or char == "—":
            em += 0.70
        else:
            em += 0.58
    return em * font


def _n(value: float) -> str:
    """A coordinate as SVG writes it (never localised: a French comma would break it)."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


# --- Tables ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str
    value: int | float | None = None  # the raw figure, for tests and open data (``data-value``)
    numeric: bool = True
    suppressed: bool = False


@dataclass(frozen=True)
class TableRow:
    key: str
    header: str
    cells: list[Cell]


@dataclass(frozen=True)
class Table:
    """A real table: ``caption``, the column headers (the first heads the row headers), rows."""

    id: str
    caption: str
    headers: list[str]
    rows: list[TableRow]


def value_cell(value: int | None, threshold: int = 10) -> Cell:
    if value is None:
        return Cell(labels.suppressed_text(threshold), None, suppressed=True)
    return Cell(labels.number(value), value)


def rows_table(
    id: str,
    caption: str,
    rows: Sequence[Row],
    *,
    label_header: str,
    value_header: str,
    threshold: int = 10,
) -> Table:
    """The table of a chart's rows (a remark, such as "estimated", follows the value)."""
    body = []
    for row in rows:
        cell = value_cell(row.value, threshold)
        if row.note:
            cell = Cell(f"{cell.text} ({row.note})", cell.value, suppressed=cell.suppressed)
        body.append(TableRow(row.key, row.label, [cell]))
    return Table(id, caption, [label_header, value_header], body)


# --- Charts ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    x: str
    y: str
    text: str
    anchor: str = "start"
    fill: str = TEXT


@dataclass(frozen=True)
class Rect:
    x: str
    y: str
    width: str
    height: str
    hatched: bool = False


@dataclass(frozen=True)
class Line:
    x1: str
    y1: str
    x2: str
    y2: str
    stroke: str = GRID


@dataclass
class Chart:
    """A chart ready to write out: its SVG parts, its words, and its table."""

    id: str
    title: str
    desc: str
    table: Table
    height: float = 0
    texts: list[Text] = field(default_factory=list)
    rects: list[Rect] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    hatched: bool = False
    template: str = "frontend/evaluation/charts/chart.svg.html"

    @property
    def width(self) -> int:
        return WIDTH

    @property
    def view_box(self) -> str:
        return f"0 0 {WIDTH} {_n(self.height)}"

    @property
    def font(self) -> int:
        return FONT

    @property
    def svg(self) -> SafeString:
        return SafeString(render_to_string(self.template, {"chart": self}))


def wrap_label(label: str, chars: int = LABEL_CHARS, lines: int = 3) -> list[str]:
    """At most ``lines`` lines of at most ``chars`` characters; the rest cut with "…"."""
    wrapped = textwrap.wrap(label, chars, break_long_words=True) or [""]
    if len(wrapped) > lines:
        kept = wrapped[: lines - 1]
        last = " ".join(wrapped[lines - 1 :])
        kept.append(last[: chars - 1].rstrip() + "…")
        return kept
    return wrapped


def bar_chart(
    id: str,
    title: str,
    rows: Sequence[Row],
    *,
    label_header: str,
    value_header: str,
    threshold: int = 10,
) -> Chart:
    """Horizontal bars, one per row (see the module's docstring)."""
    table = rows_table(
        f"{id}-table", title, rows, label_header=label_header, value_header=value_header, threshold=threshold
    )
    chart = Chart(id=id, title=title, desc=_bars_desc(rows), table=table)
    shown = [row.value for row in rows if row.value is not None]
    top = max(shown, default=0)
    values = [labels.number(v) for v in shown]
    reserve = min(max((text_width(v) for v in values), default=0) + 8, WIDTH * 0.45)
    span = WIDTH - reserve
    hidden_text = labels.suppressed_short(threshold)
    y = 0.0
    for row in rows:
        for line in wrap_label(row.label):
            chart.texts.append(Text("0", _n(y + FONT), line))
            y += LINE
        bar_y = y + 3
        middle = bar_y + BAR / 2 + FONT * 0.35
        if row.value is None:
            chart.hatched = True
            chart.rects.append(Rect("0.75", _n(bar_y + 0.75), _n(HIDDEN_BAR), _n(BAR - 1.5), hatched=True))
            chart.texts.append(Text(_n(HIDDEN_BAR + 6), _n(middle), hidden_text))
        else:
            length = span * row.value / top if top else 0
            chart.rects.append(Rect("0", _n(bar_y), _n(max(length, 2)), _n(BAR)))
            value = labels.number(row.value)
            if length + 6 + text_width(value) <= WIDTH:
                chart.texts.append(Text(_n(max(length, 2) + 6), _n(middle), value))
            else:  # cannot happen with the reserve above, but a value is never drawn off the chart
                chart.texts.append(Text(_n(length - 6), _n(middle), value, anchor="end", fill="#fff"))
        y = bar_y + BAR + BAR_GAP
    chart.height = max(y - BAR_GAP + 2, 1)
    return chart


def _bars_desc(rows: Sequence[Row]) -> str:
    shown = [row for row in rows if row.value is not None]
    if not shown:
        return _("No figure can be shown. The table after the chart says why.")
    best = max(shown, key=lambda row: row.value or 0)
    return _("Highest: %(label)s, %(value)s. The figures are in the table after the chart.") % {
        "label": best.label,
        "value": labels.number(best.value),
    }


def nice_step(top: float) -> int:
    """A round step (1, 2 or 5 times a power of ten) so that two steps reach ``top``."""
    if top <= 0:
        return 1
    raw = top / 2
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return int(factor * power)
    return int(10 * power)


def column_chart(
    id: str,
    title: str,
    rows: Sequence[Row],
    short_labels: Sequence[str],
    *,
    label_header: str,
    value_header: str,
    table: Table | None = None,
) -> Chart:
    """One column per row (a month), ``short_labels`` under them (see the module's docstring).
    ``table`` replaces the default table of the rows (to show more columns than the chart)."""
    table = table or rows_table(
        f"{id}-table", title, rows, label_header=label_header, value_header=value_header
    )
    chart = Chart(id=id, title=title, desc=_columns_desc(rows), table=table)
    values = [row.value or 0 for row in rows]
    step = nice_step(max(values, default=0))
    top_value = 2 * step
    ticks = [0, step, 2 * step]
    gutter = max(text_width(labels.number(t)) for t in ticks) + 8
    top = FONT + 8
    bottom = top + PLOT_HEIGHT
    slot = (WIDTH - gutter) / max(len(rows), 1)
    column = min(slot * 0.66, 36)
    for tick in ticks:
        y = bottom - PLOT_HEIGHT * tick / top_value
        chart.lines.append(Line(_n(gutter), _n(y), _n(WIDTH), _n(y), AXIS if tick == 0 else GRID))
        chart.texts.append(Text(_n(gutter - 6), _n(y + FONT * 0.35), labels.number(tick), anchor="end"))
    label_width = max((text_width(label) for label in short_labels), default=0)
    staggered = label_width > slot - 2
    for index, value in enumerate(values):
        center = gutter + slot * (index + 0.5)
        height = PLOT_HEIGHT * value / top_value
        if value:
            chart.rects.append(Rect(_n(center - column / 2), _n(bottom - height), _n(column), _n(height)))
        text = labels.number(value)
        if value and text_width(text) <= slot - 2:
            chart.texts.append(_centred(center, bottom - height - 5, text))
        second_row = staggered and index % 2 == 1
        label_y = bottom + FONT + 6 + (FONT + 6 if second_row else 0)
        if second_row:  # a light tick leads the eye from the column to its lower label
            chart.lines.append(Line(_n(center), _n(bottom), _n(center), _n(label_y - FONT), GRID))
        chart.texts.append(_centred(center, label_y, short_labels[index]))
    chart.height = bottom + (2 if staggered else 1) * (FONT + 6) + 6
    return chart


def _centred(center: float, y: float, text: str) -> Text:
    """A text centred on ``center``, moved in when it would stick out of the chart's sides."""
    half = text_width(text) / 2
    if center + half > WIDTH:
        return Text(_n(WIDTH), _n(y), text, anchor="end")
    if center - half < 0:
        return Text("0", _n(y), text)
    return Text(_n(center), _n(y), text, anchor="middle")


def _columns_desc(rows: Sequence[Row]) -> str:
    if not rows:
        return _("No figure yet.")
    best = max(rows, key=lambda row: row.value or 0)
    return _(
        "From %(first)s to %(last)s. Highest: %(label)s, %(value)s. "
        "The figures are in the table after the chart."
    ) % {
        "first": rows[0].label,
        "last": rows[-1].label,
        "label": best.label,
        "value": labels.number(best.value or 0),
    }
