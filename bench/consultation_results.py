"""How long a consultation's results take to count and to show, with many answers.

Stack: its own PostgreSQL database (``BENCH_DATABASE_URL``, default ``cp_bench_consult``, created,
migrated and loaded with the communes if missing), Redis database 7 for the cache; no server: the
count (``consultations.results.count``), the public results page, the API's results and the CSV
export are timed in this process through Django's test client (server time, without the network).

1. Creates (once, then reuses) a closed consultation in Cotonou with the demo's questionnaire (a
   single choice, a multiple choice, a ranking of three, an envelope of three projects, a text), and
   ``--responses`` submitted online answers spread over the 13 arrondissements (written in bulk:
   ``response_save`` is timed separately, below), plus ``--workshops`` workshops of 35 people.
2. Times, ``--repeat`` times each (after one request of each, not counted: the process's first
   request loads the URLs, the templates and the translations): ``results.count`` (and its number
   of queries), the results page (``/communes/cotonou/consultations/<id>/resultats/``, anonymous,
   the read cache cleared before each request so that each one counts),
   ``GET /api/v1/consultations/<id>/results/`` and ``results.csv``.
3. Times ``response_save`` (an answer submitted through the service, one transaction) on an open
   copy of the consultation, ``--saves`` times, each by a new account.

Prints the median and the slowest of each, in milliseconds, and the queries per count.

Usage:
    .venv/bin/python bench/consultation_results.py                      # 10,000 answers, 40 workshops
    .venv/bin/python bench/consultation_results.py --responses 100000 --workshops 200
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _live_common import ensure_database

DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cp_bench_consult")
TITLE = "Bench: consultation of {responses} answers and {workshops} workshops"


def environment() -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="hub.settings",
        DATABASE_URL=DB_URL,
        REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"),
        KEY_PREFIX="cpbench-consult",
        VAR_DIR="/tmp/communesplus-bench/consultations",
        SECRET_KEY="communesplus-consultation-bench-not-secret-" + "x" * 20,
        LOG_LEVEL="WARNING",
        THROTTLE_ANON="1000000/min",
        THROTTLE_USER="1000000/min",
        THROTTLE_EXPORT="1000000/min",
        ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
    )


def django_ready() -> None:
    ensure_database(DB_URL)
    import django

    django.setup()
    from django.core.management import call_command

    from hub.reference_data import reference_data_load

    call_command("migrate", verbosity=0)
    reference_data_load()


def staff_and_draft() -> tuple[Any, Any, Any]:
    from hub.models import Commune, Membership, Role, User
    from publications.models import Document, DocumentType, PublicationState

    commune = Commune.objects.get(slug="cotonou")
    Commune.objects.filter(pk=commune.pk).update(is_enabled=True)
    commune.refresh_from_db()
    staff, _ = User.objects.get_or_create(
        email="bench-sg@bench.bj", defaults={"display_name": "SG bench", "is_active": True}
    )
    Membership.objects.get_or_create(user=staff, commune=commune, role=Role.SECRETARY_GENERAL)
    draft, _ = Document.objects.get_or_create(
        commune=commune,
        title="Bench: projet de PTA",
        defaults={
            "type": DocumentType.ANNUAL_WORK_PLAN,
            "fiscal_year": 2027,
            "state": PublicationState.PUBLISHED,
        },
    )
    return commune, staff, draft


def make_consultation(commune: Any, staff: Any, draft: Any, *, title: str, phase: str) -> Any:
    from django.utils import timezone

    from consultations.models import Consultation
    from consultations.services import consultation_create
    from tests.factories_consultations import questionnaire

    now = timezone.now()
    consultation = consultation_create(
        staff,
        commune,
        {
            "title": title,
            "opens_at": (now - datetime.timedelta(days=10)).isoformat(),
            "closes_at": (now + datetime.timedelta(days=10)).isoformat(),
            "draft": draft.pk,
            "questions": questionnaire(),
        },
    )
    Consultation.objects.filter(pk=consultation.pk).update(phase=phase, opened_at=now)
    consultation.refresh_from_db()
    return consultation


def fill(consultation: Any, staff: Any, *, responses: int, workshops: int) -> None:
    """Submitted answers and workshops, in bulk (what ``response_save`` would have written)."""
    import random

    from django.utils import timezone

    from consultations.models import Answer, QuestionKind, Response, Selection, Workshop, WorkshopAnswer
    from hub.models import Arrondissement, User

    rng = random.Random(18)
    places = list(Arrondissement.objects.filter(commune=consultation.commune))
    questions = list(consultation.questions.prefetch_related("options"))
    now = timezone.now()
    users = User.objects.bulk_create(
        [
            User(
                email=f"bench-citizen-{consultation.pk}-{n}@bench.bj",
                display_name=f"Citoyen {n}",
                is_active=True,
            )
            for n in range(responses)
        ],
        batch_size=2000,
    )
    rows = Response.objects.bulk_create(
        [
            Response(
                consultation=consultation,
                user=user,
                arrondissement=rng.choice(places) if rng.random() < 0.8 else None,
                submitted_at=now,
                updated_at=now,
            )
            for user in users
        ],
        batch_size=2000,
    )
    answers: list[Answer] = []
    chosen: list[tuple[int, list[tuple[int, int | None, int | None]]]] = []
    for response in rows:
        for question in questions:
            options = list(question.options.all())
            if question.kind == QuestionKind.TEXT:
                if rng.random() < 0.3:
                    answers.append(Answer(response=response, question=question, text="Plus d'eau potable"))
                    chosen.append((len(answers) - 1, []))
                continue
            answers.append(Answer(response=response, question=question))
            if question.kind == QuestionKind.SINGLE:
                picks = [(rng.choice(options).pk, None, None)]
            elif question.kind == QuestionKind.MULTIPLE:
                picks = [(o.pk, None, None) for o in rng.sample(options, 2)]
            elif question.kind == QuestionKind.RANKING:
                picks = [
                    (o.pk, rank, None) for rank, o in enumerate(rng.sample(options, len(options)), start=1)
                ]
            else:
                funded = rng.sample(options, 1)
                picks = [(o.pk, None, o.cost_xof) for o in funded]
            chosen.append((len(answers) - 1, picks))
    Answer.objects.bulk_create(answers, batch_size=5000)
    Selection.objects.bulk_create(
        [
            Selection(answer=answers[index], option_id=option, rank=rank, amount_xof=amount)
            for index, picks in chosen
            for option, rank, amount in picks
        ],
        batch_size=5000,
    )
    for n in range(workshops):
        workshop = Workshop.objects.create(
            consultation=consultation,
            commune=consultation.commune,
            recorded_by=staff,
            held_on=timezone.localdate(),
            arrondissement=places[n % len(places)],
            language="fon",
            participants=35,
            women=19,
            men=16,
            age_18_34=20,
            age_35_59=15,
            summary="Atelier de bench",
        )
        group: list[WorkshopAnswer] = []
        for question in questions:
            options = list(question.options.all())
            if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
                group += [
                    WorkshopAnswer(workshop=workshop, question=question, option=o, count=10) for o in options
                ]
            elif question.kind == QuestionKind.RANKING:
                group += [
                    WorkshopAnswer(workshop=workshop, question=question, option=o, rank=r)
                    for r, o in enumerate(options, start=1)
                ]
            elif question.kind == QuestionKind.ENVELOPE:
                group.append(
                    WorkshopAnswer(
                        workshop=workshop,
                        question=question,
                        option=options[0],
                        amount_xof=options[0].cost_xof,
                    )
                )
        WorkshopAnswer.objects.bulk_create(group)


def timed(function: Any, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        out.append((time.perf_counter() - started) * 1000)
    return out


def line(name: str, values: list[float], extra: str = "") -> str:
    return f"  {name:<34} median {statistics.median(values):8.1f} ms   max {max(values):8.1f} ms{extra}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--responses", type=int, default=10_000)
    parser.add_argument("--workshops", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--saves", type=int, default=50)
    args = parser.parse_args()
    environment()
    django_ready()

    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from consultations import results
    from consultations.models import Consultation, Phase, QuestionKind
    from consultations.services import response_save
    from hub.models import User

    commune, staff, draft = staff_and_draft()
    title = TITLE.format(responses=args.responses, workshops=args.workshops)
    consultation = Consultation.objects.filter(commune=commune, title=title).first()
    if consultation is None:
        started = time.perf_counter()
        consultation = make_consultation(commune, staff, draft, title=title, phase=Phase.CLOSED)
        fill(consultation, staff, responses=args.responses, workshops=args.workshops)
        took = time.perf_counter() - started
        print(f"loaded {args.responses} answers and {args.workshops} workshops in {took:.0f} s")
    print(
        f"consultation {consultation.pk}: {args.responses} answers online, {args.workshops} workshops of 35"
    )

    queries: list[str] = []

    def counting(execute: Any, sql: str, *rest: Any) -> Any:
        queries.append(sql)
        return execute(sql, *rest)

    with connection.execute_wrapper(counting):
        counted = results.count(consultation)
    assert counted.participation.online == args.responses
    count_ms = timed(lambda: results.count(consultation), args.repeat)

    client = Client()
    page = f"/communes/{commune.slug}/consultations/{consultation.pk}/resultats/"
    api = f"/api/v1/consultations/{consultation.pk}/results/"
    csv = f"/api/v1/consultations/{consultation.pk}/results.csv"

    def get(url: str) -> None:
        cache.clear()  # each request counts (no read cache)
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
        assert response.status_code == 200, (url, response.status_code)

    for url in (page, api, csv):  # the first request of a process loads URLs, templates, catalogs
        get(url)
    page_ms = timed(lambda: get(page), args.repeat)
    api_ms = timed(lambda: get(api), args.repeat)
    csv_ms = timed(lambda: get(csv), args.repeat)

    open_copy = make_consultation(commune, staff, draft, title=f"{title} (open, saves)", phase=Phase.OPEN)
    questions = {q.kind: q for q in open_copy.questions.prefetch_related("options")}

    def options(kind: str) -> list[int]:
        return [o.pk for o in questions[kind].options.all()]

    data = {
        "answers": [
            {"question": questions[QuestionKind.SINGLE].pk, "option": options(QuestionKind.SINGLE)[0]},
            {"question": questions[QuestionKind.MULTIPLE].pk, "options": options(QuestionKind.MULTIPLE)[:2]},
            {"question": questions[QuestionKind.RANKING].pk, "ranking": options(QuestionKind.RANKING)},
            {"question": questions[QuestionKind.ENVELOPE].pk, "projects": options(QuestionKind.ENVELOPE)[:2]},
            {"question": questions[QuestionKind.TEXT].pk, "text": "Merci"},
        ]
    }
    savers = [
        User.objects.create(
            email=f"bench-saver-{open_copy.pk}-{n}@bench.bj", display_name="S", is_active=True
        )
        for n in range(args.saves)
    ]
    save_ms = []
    for saver in savers:
        started = time.perf_counter()
        response_save(saver, open_copy, data, submit=True)
        save_ms.append((time.perf_counter() - started) * 1000)

    print(f"server time, {args.repeat} runs each (PostgreSQL {connection.pg_version // 10000}):")
    print(line("results.count", count_ms, f"   ({len(queries)} queries)"))
    print(line("results page (anonymous, no cache)", page_ms))
    print(line("API results (JSON)", api_ms))
    print(line("results.csv", csv_ms))
    print(line(f"response_save, {args.saves} submits", save_ms))


if __name__ == "__main__":
    main()
