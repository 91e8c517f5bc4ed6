"""Counting a consultation's answers: online responses (submitted only) and workshops, always kept
apart by channel, then added up; and broken down by arrondissement.

What is counted, per option, by the question's kind ("people" are online respondents plus workshop
participants):
- single and multiple choice: the people who chose it. Online, each respondent who chose it; a
  workshop, the count its facilitator recorded.
- ranking: points (Borda count). With ``n`` options, rank 1 is worth ``n`` points, rank 2 ``n - 1``...,
  an option left unranked 0. A workshop's ranking is its group's: it counts once per participant.
  Options are ordered by total points.
- envelope allocation: the people who fund the project (online, the respondents who selected it; a
  workshop, its participants when the group gave it an amount) and the XOF given to it (online, its
  cost per respondent who selected it; a workshop, the group's amount once per participant), shown as
  the average per person of the channel.
- free text: how many answered (the texts are for staff, without names).

``base`` is the number of people of the channel who answered the question (online: respondents with
an answer to it; workshops: the participants of the workshops that recorded an answer to it). Shares
are of that base (a ranking's, of all the points its channel gave). Arrondissements: an online
respondent's is the one they chose (or "not stated"), a workshop's is where it was held. An
arrondissement with fewer than ``MIN_ONLINE_CELL`` (5) online respondents has its online answers
pooled with "not stated" (its workshops stay under its name: a group's answers name no one).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Sum

from consultations.models import (
    Answer,
    Consultation,
    Option,
    Question,
    QuestionKind,
    Response,
    Selection,
    Workshop,
    WorkshopAnswer,
)
from hub.models import Arrondissement

CHANNELS = ("online", "workshop")
# An arrondissement's online answers are shown apart only from this many respondents; fewer are
# pooled with those who did not say ("" below), so that no one's answers can be read off a cell.
MIN_ONLINE_CELL = 5


@dataclass
class Figures:
    """One figure per channel, and their total."""

    online: int = 0
    workshop: int = 0

    @property
    def total(self) -> int:
        return self.online + self.workshop

    def add(self, channel: str, amount: int) -> None:
        setattr(self, channel, getattr(self, channel) + amount)

    def get(self, channel: str) -> int:
        return self.total if channel == "total" else int(getattr(self, channel))

    def as_dict(self) -> dict[str, int]:
        return {"online": self.online, "workshop": self.workshop, "total": self.total}


def share(part: int, whole: int) -> float:
    """A percentage with one decimal (0 when there is no base)."""
    return round(100 * part / whole, 1) if whole else 0.0


@dataclass
class OptionResult:
    option: Option
    # People who chose it (single, multiple, envelope) or points (ranking).
    value: Figures = field(default_factory=Figures)
    # Envelope: XOF given to it (summed over people).
    amount: Figures = field(default_factory=Figures)


@dataclass
class QuestionResult:
    question: Question
    base: Figures = field(default_factory=Figures)
    options: list[OptionResult] = field(default_factory=list)
    # Arrondissement name (in the commune's order; "" is "not stated", last) -> option id -> figures
    # (people or points).
    by_arrondissement: dict[str, dict[int, Figures]] = field(default_factory=dict)
    text_answers: int = 0

    @property
    def kind(self) -> str:
        return self.question.kind

    def share(self, result: OptionResult, channel: str) -> float:
        """Of the channel's people who answered; for a ranking, of all the points the channel gave."""
        if self.kind == QuestionKind.RANKING:
            return share(result.value.get(channel), sum(r.value.get(channel) for r in self.options))
        return share(result.value.get(channel), self.base.get(channel))

    def average_amount(self, result: OptionResult, channel: str) -> int:
        """Envelope: XOF per person of the channel who answered (rounded)."""
        base = self.base.get(channel)
        return round(result.amount.get(channel) / base) if base else 0


@dataclass
class Participation:
    online: int = 0
    workshops: int = 0
    workshop_participants: int = 0
    women: int = 0
    men: int = 0
    age_under_18: int = 0
    age_18_34: int = 0
    age_35_59: int = 0
    age_60_plus: int = 0
    with_disability: int = 0
    # Arrondissement name ("" not stated) -> people by channel.
    by_arrondissement: dict[str, Figures] = field(default_factory=dict)

    @property
    def people(self) -> int:
        return self.online + self.workshop_participants


@dataclass
class Results:
    consultation: Consultation
    participation: Participation
    questions: list[QuestionResult]
    # The arrondissements of the participation, in the commune's order ("" last).
    arrondissements: list[str]


def count(consultation: Consultation) -> Results:
    """Count a consultation's answers from the database (a handful of queries, whatever its size)."""
    questions = list(Question.objects.filter(consultation=consultation).prefetch_related("options"))
    by_question = {
        q.pk: QuestionResult(q, options=[OptionResult(o) for o in q.options.all()]) for q in questions
    }
    option_result = {r.option.pk: r for qr in by_question.values() for r in qr.options}
    option_count = {q.pk: len(q.options.all()) for q in questions}

    participation = Participation()

    def arr_figures(qr: QuestionResult, name: str, option_id: int) -> Figures:
        return qr.by_arrondissement.setdefault(name, {}).setdefault(option_id, Figures())

    # Online: submitted responses only, counted by the database (group by), whatever their number.
    submitted = Response.objects.filter(consultation=consultation, submitted_at__isnull=False)
    per_place = dict(
        submitted.order_by()
        .values("arrondissement_id")
        .annotate(n=Count("id"))
        .values_list("arrondissement_id", "n")
    )
    places = dict(Arrondissement.objects.filter(commune_id=consultation.commune_id).values_list("pk", "name"))

    def online_place(arrondissement_id: int | None) -> str:
        """Its name, or "" (not stated; or too few respondents to show apart without exposing
        someone's answers: pooled with "not stated")."""
        if arrondissement_id is None or per_place.get(arrondissement_id, 0) < MIN_ONLINE_CELL:
            return ""
        return places.get(arrondissement_id, "")

    for arrondissement_id, people in per_place.items():
        participation.online += people
        participation.by_arrondissement.setdefault(online_place(arrondissement_id), Figures()).add(
            "online", people
        )
    bases = (
        Answer.objects.filter(response__in=submitted)
        .order_by()
        .values("question_id")
        .annotate(n=Count("id"))
        .values_list("question_id", "n")
    )
    for question_id, people in bases:
        qr = by_question.get(question_id)
        if qr is None:
            continue
        qr.base.add("online", people)
        if qr.kind == QuestionKind.TEXT:
            qr.text_answers += people
    chosen = (
        Selection.objects.filter(answer__response__in=submitted)
        .order_by()
        .values("option_id", "answer__response__arrondissement_id")
        .annotate(n=Count("id"), ranks=Sum("rank"), amount=Sum("amount_xof"))
        .values_list("option_id", "answer__response__arrondissement_id", "n", "ranks", "amount")
    )
    for option_id, arrondissement_id, people, ranks, amount in chosen:
        result = option_result.get(option_id)
        if result is None:
            continue
        question_id = result.option.question_id
        qr = by_question[question_id]
        name = online_place(arrondissement_id)
        if qr.kind == QuestionKind.RANKING:
            # Each ranking gives n - rank + 1 points: together, people × (n + 1) - the sum of ranks.
            points = people * (option_count[question_id] + 1) - (ranks or 0)
            result.value.add("online", points)
            arr_figures(qr, name, option_id).add("online", points)
        else:
            result.value.add("online", people)
            arr_figures(qr, name, option_id).add("online", people)
            if qr.kind == QuestionKind.ENVELOPE:
                result.amount.add("online", amount or 0)

    # Workshops.
    workshops = {
        w.pk: w for w in Workshop.objects.filter(consultation=consultation).select_related("arrondissement")
    }
    for workshop in workshops.values():
        participation.workshops += 1
        participation.workshop_participants += workshop.participants
        for name in (
            "women",
            "men",
            "age_under_18",
            "age_18_34",
            "age_35_59",
            "age_60_plus",
            "with_disability",
        ):
            setattr(participation, name, getattr(participation, name) + getattr(workshop, name))
        participation.by_arrondissement.setdefault(workshop.arrondissement.name, Figures()).add(
            "workshop", workshop.participants
        )
    answered: set[tuple[int, int]] = set()
    rows = WorkshopAnswer.objects.filter(workshop_id__in=list(workshops)).values_list(
        "workshop_id", "question_id", "option_id", "count", "rank", "amount_xof"
    )
    for workshop_id, question_id, option_id, people, rank, amount in rows:
        qr = by_question.get(question_id)
        result = option_result.get(option_id)
        if qr is None or result is None:
            continue
        workshop = workshops[workshop_id]
        if (workshop_id, question_id) not in answered:
            answered.add((workshop_id, question_id))
            qr.base.add("workshop", workshop.participants)
        name = workshop.arrondissement.name
        if qr.kind == QuestionKind.RANKING:
            if rank:
                points = (option_count[question_id] - rank + 1) * workshop.participants
                result.value.add("workshop", points)
                arr_figures(qr, name, option_id).add("workshop", points)
        elif qr.kind == QuestionKind.ENVELOPE:
            if amount:
                result.value.add("workshop", workshop.participants)
                result.amount.add("workshop", amount * workshop.participants)
                arr_figures(qr, name, option_id).add("workshop", workshop.participants)
        elif people:
            result.value.add("workshop", people)
            arr_figures(qr, name, option_id).add("workshop", people)

    # Arrondissements in the commune's order ("1er, 2e... 13e", not alphabetical), "not stated" last.
    positions = dict(
        Arrondissement.objects.filter(commune_id=consultation.commune_id).values_list("name", "position")
    )

    def place(name: str) -> tuple[bool, int, str]:
        return (name == "", positions.get(name, 0), name)

    for qr in by_question.values():
        if qr.kind == QuestionKind.RANKING:
            qr.options.sort(key=lambda r: (-r.value.total, r.option.position))
        qr.by_arrondissement = {
            name: qr.by_arrondissement[name] for name in sorted(qr.by_arrondissement, key=place)
        }
    names = sorted(participation.by_arrondissement, key=place)
    return Results(
        consultation=consultation,
        participation=participation,
        questions=[by_question[q.pk] for q in questions],
        arrondissements=names,
    )


def as_data(results: Results) -> dict[str, object]:
    """The results as plain data (the API and the JSON export)."""
    p = results.participation
    return {
        "consultation": results.consultation.pk,
        "phase": results.consultation.phase,
        "participation": {
            "online_respondents": p.online,
            "workshops": p.workshops,
            "workshop_participants": p.workshop_participants,
            "people": p.people,
            "workshop_gender": {"women": p.women, "men": p.men},
            "workshop_age": {
                "under_18": p.age_under_18,
                "18_34": p.age_18_34,
                "35_59": p.age_35_59,
                "60_plus": p.age_60_plus,
            },
            "workshop_with_disability": p.with_disability,
            "by_arrondissement": [
                {"arrondissement": name or None, **p.by_arrondissement[name].as_dict()}
                for name in results.arrondissements
            ],
        },
        "questions": [
            {
                "id": qr.question.pk,
                "position": qr.question.position,
                "kind": qr.kind,
                "prompt": qr.question.prompt,
                "envelope_xof": qr.question.envelope_xof,
                "base": qr.base.as_dict(),
                "text_answers": qr.text_answers,
                "options": [
                    {
                        "id": r.option.pk,
                        "label": r.option.label,
                        "cost_xof": r.option.cost_xof,
                        "value": r.value.as_dict(),
                        "share": {c: qr.share(r, c) for c in (*CHANNELS, "total")},
                        **(
                            {"average_xof": {c: qr.average_amount(r, c) for c in (*CHANNELS, "total")}}
                            if qr.kind == QuestionKind.ENVELOPE
                            else {}
                        ),
                    }
                    for r in qr.options
                ],
                "by_arrondissement": [
                    {
                        "arrondissement": name or None,
                        "options": [
                            {"id": option_id, **figures.as_dict()}
                            for option_id, figures in sorted(qr.by_arrondissement[name].items())
                        ],
                    }
                    for name in qr.by_arrondissement
                ],
            }
            for qr in results.questions
        ],
    }


def text_answers(consultation: Consultation) -> dict[int, list[str]]:
    """Staff only: the free-text answers of submitted responses, by question, without names."""
    out: dict[int, list[str]] = defaultdict(list)
    rows = (
        Answer.objects.filter(
            response__consultation=consultation,
            response__submitted_at__isnull=False,
            question__kind=QuestionKind.TEXT,
        )
        .exclude(text="")
        .order_by("question_id", "pk")
        .values_list("question_id", "text")
    )
    for question_id, text in rows:
        out[question_id].append(text)
    return dict(out)
