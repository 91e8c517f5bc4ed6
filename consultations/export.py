"""A consultation's results as open data: the JSON document the API answers
(``consultations.results.as_data``), and one CSV table of it for spreadsheets.

The CSV has one row per (question, option, channel) with the value (people who chose the option;
points for a ranking), its share of the channel's base and, for an envelope allocation, the average
amount per person; a free-text question has one row per channel with how many answered. Participation
rows come first (respondents online, workshops and their participants by gender, age band and
disability, people per arrondissement). Channels are ``online``, ``workshop`` and ``total``, always
apart. Nothing in it names a person: results are aggregates, and the free-text answers are not in it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from consultations.models import Consultation, QuestionKind
from consultations.results import as_data, count

CHANNELS = ("online", "workshop", "total")

RESULT_COLUMNS = [
    "consultation",
    "row",
    "arrondissement",
    "question_id",
    "question_position",
    "question_kind",
    "question",
    "option_id",
    "option",
    "cost_xof",
    "channel",
    "metric",
    "value",
    "share",
    "base",
    "average_xof",
]

# Workshop participation figures (as_data's keys) and the metric each is written as.
WORKSHOP_FIGURES = [
    ("workshops", "workshops"),
    ("workshop_participants", "participants"),
    ("workshop_with_disability", "with_disability"),
]


def results_data(consultation: Consultation) -> dict[str, Any]:
    """The results as plain data (the API, the JSON export)."""
    return as_data(count(consultation))


def results_filename(consultation: Consultation, extension: str) -> str:
    return f"consultation-{consultation.pk}-results.{extension}"


def _participation_rows(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    base = {"consultation": data["consultation"], "row": "participation"}
    p = data["participation"]
    yield {**base, "channel": "online", "metric": "respondents", "value": p["online_respondents"]}
    for key, metric in WORKSHOP_FIGURES:
        yield {**base, "channel": "workshop", "metric": metric, "value": p[key]}
    for key, value in p["workshop_gender"].items():
        yield {**base, "channel": "workshop", "metric": key, "value": value}
    for key, value in p["workshop_age"].items():
        yield {**base, "channel": "workshop", "metric": f"age_{key}", "value": value}
    yield {**base, "channel": "total", "metric": "people", "value": p["people"]}
    for row in p["by_arrondissement"]:
        for channel in CHANNELS:
            yield {
                **base,
                "arrondissement": row["arrondissement"] or "",
                "channel": channel,
                "metric": "people",
                "value": row[channel],
            }


def _question_rows(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for question in data["questions"]:
        base = {
            "consultation": data["consultation"],
            "row": "question",
            "question_id": question["id"],
            "question_position": question["position"],
            "question_kind": question["kind"],
            "question": question["prompt"],
        }
        if question["kind"] == QuestionKind.TEXT:
            for channel in CHANNELS:
                figure = question["base"][channel]
                yield {**base, "channel": channel, "metric": "answers", "value": figure, "base": figure}
            continue
        metric = "points" if question["kind"] == QuestionKind.RANKING else "people"
        for option in question["options"]:
            for channel in CHANNELS:
                yield {
                    **base,
                    "option_id": option["id"],
                    "option": option["label"],
                    "cost_xof": option["cost_xof"],
                    "channel": channel,
                    "metric": metric,
                    "value": option["value"][channel],
                    "share": option["share"][channel],
                    "base": question["base"][channel],
                    "average_xof": option.get("average_xof", {}).get(channel),
                }


def result_rows(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The CSV's rows (``RESULT_COLUMNS``), from ``results_data``."""
    yield from _participation_rows(data)
    yield from _question_rows(data)
