"""Issue 18's whole cycle in Debian's Chromium (Playwright), against a real server process, on both
backends (embedded: SQLite and tasks in the server process; with ``REDIS_URL``: PostgreSQL, Redis and
a real Celery worker that fans the notifications out).

The secretary-general of Cotonou creates a consultation on the draft work plan (PTA) and builds its
questionnaire with the page's forms (a single choice, a ranking, an envelope allocation written as
"Label | cost" lines, a short text), then opens it. A citizen on a phone saves a draft and then submits
answers; another overspends the envelope, sees the refusal next to that question with everything else
kept, fixes it and submits. A facilitator of an accredited organisation records a workshop of 35
participants. The secretary closes the consultation and publishes the response with the adopted
document. An anonymous visitor on a phone reads the results: every figure of every choice question, by
channel (online, workshops) and in total, equals a recount made here from the database rows
(independently of ``consultations.results``). Those who took part are notified, staff are not, and
the first citizen finds the notification on the notifications page.

Each step's duration (from its first action to the page confirming it) is printed: a figure, not an
assertion. Assertions use the pages' structure (ids, data attributes, the results tables' cells), not
their wording, except the channels' column headings, matched in French or English.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from consultations.models import (
    Answer,
    Consultation,
    Option,
    Organisation,
    OrganisationKind,
    Phase,
    Question,
    QuestionKind,
    Response,
    Selection,
    Workshop,
    WorkshopAnswer,
)
from consultations.models import Facilitator as FacilitatorRow
from hub.models import Arrondissement, Commune, Membership, Role
from notifications.models import Channel, Notification
from publications.models import DocumentType
from tests.browser import chromium
from tests.conftest import HubServer, wait_for
from tests.factories import FollowFactory, UserFactory
from tests.factories_publications import DocumentFileFactory, PublishedDocumentFactory
from tests.test_sessions_browser import off_loop, open_page

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 768}
SHOTS = Path("/tmp/shots_h7")  # screenshots to look at (not committed)

TITLE = "Consultation sur le projet de PTA 2027"
SINGLE = "Quel secteur doit passer en premier ?"
RANKING = "Classez ces priorités pour votre quartier"
ENVELOPE = "Répartissez l'enveloppe d'investissement"
TEXT = "Autre chose à dire au conseil communal ?"
SECTORS = ["Eau potable", "Écoles", "Routes"]
PRIORITIES = ["Forages", "Éclairage public", "Caniveaux"]
# Project -> cost in XOF; the envelope is 50 000 000.
PROJECTS = {
    "Forage à Zinvié": 20_000_000,
    "Marché de Dantokpa": 25_000_000,
    "Pistes de Fidjrossè": 15_000_000,
    "Lampadaires solaires": 10_000_000,
}
ENVELOPE_XOF = 50_000_000
PARTICIPANTS = 35

# What the citizens and the workshop answer (the recount must find exactly this).
CITIZEN_1: dict[str, Any] = {
    "single": "Eau potable",
    "ranks": {"Forages": 1, "Éclairage public": 2, "Caniveaux": 3},
    "projects": ["Forage à Zinvié", "Pistes de Fidjrossè"],  # 35 000 000
    "text": "Merci de publier le calendrier des travaux.",
    "arrondissement": "5e arrondissement",
}
CITIZEN_2: dict[str, Any] = {
    "single": "Routes",
    "ranks": {"Caniveaux": 1, "Forages": 2},  # "Éclairage public" not ranked
    "too_many": ["Forage à Zinvié", "Marché de Dantokpa", "Pistes de Fidjrossè"],  # 60 000 000
    "projects": ["Forage à Zinvié", "Pistes de Fidjrossè"],  # after dropping the market
    "text": "Les caniveaux débordent à chaque pluie.",
    "arrondissement": "12e arrondissement",
}
WORKSHOP: dict[str, Any] = {
    "counts": {"Eau potable": 20, "Écoles": 10, "Routes": 5},
    "ranks": {"Éclairage public": 1, "Forages": 2, "Caniveaux": 3},
    "amounts": {
        "Forage à Zinvié": 20_000_000,
        "Pistes de Fidjrossè": 15_000_000,
        "Lampadaires solaires": 10_000_000,
    },
}


@pytest.fixture
def cycle(hub_server: HubServer, request: pytest.FixtureRequest) -> dict[str, Any]:
    if os.environ.get("REDIS_URL"):
        request.getfixturevalue("celery_worker")  # the notifications' fan-out runs in a real worker
    cotonou = Commune.objects.get(slug="cotonou")
    Commune.objects.filter(pk=cotonou.pk).update(is_enabled=True)
    secretary = UserFactory(display_name="Secrétaire générale de Cotonou")
    Membership.objects.create(user=secretary, commune=cotonou, role=Role.SECRETARY_GENERAL)
    mayor = UserFactory(display_name="Maire de Cotonou")  # staff who took no part: never notified
    Membership.objects.create(user=mayor, commune=cotonou, role=Role.MAYOR)
    draft = PublishedDocumentFactory(
        commune=cotonou, type=DocumentType.ANNUAL_WORK_PLAN, title="Projet de PTA 2027", fiscal_year=2027
    )
    DocumentFileFactory(document=draft, original_name="projet-pta-2027.pdf")
    adopted = PublishedDocumentFactory(
        commune=cotonou, type=DocumentType.ANNUAL_WORK_PLAN, title="PTA 2027 adopté", fiscal_year=2027
    )
    organisation = Organisation.objects.create(
        commune=cotonou,
        name="Association des femmes de Zogbo",
        kind=OrganisationKind.WOMEN,
        accredited_by=secretary,
    )
    facilitator = UserFactory(display_name="Animatrice de Zogbo")
    FacilitatorRow.objects.create(
        commune=cotonou, user=facilitator, organisation=organisation, granted_by=secretary
    )
    citizens = [UserFactory(display_name="Afiavi Citoyenne"), UserFactory(display_name="Codjo Citoyen")]
    for citizen in citizens:
        FollowFactory(user=citizen, commune=cotonou)
    arrondissements = {a.name: a.pk for a in Arrondissement.objects.filter(commune=cotonou)}
    return {
        "commune": cotonou,
        "secretary": secretary,
        "mayor": mayor,
        "draft": draft,
        "adopted": adopted,
        "organisation": organisation,
        "facilitator": facilitator,
        "citizens": citizens,
        "arrondissements": arrondissements,
    }


# --- Reading the pages -------------------------------------------------------------------------------


def click_submit(page: Page, form: str) -> None:
    page.locator(f"{form} button[type=submit]").click()
    page.wait_for_load_state()


def action_form(action: str, target: str = "") -> str:
    selector = f"form:has(input[name=action][value={action}])"
    return selector + (f":has(input[name=target][value={target}])" if target else "")


def number(text: str) -> int:
    """A figure as a cell shows it ("1 234", "1\u202f234"): its digits."""
    digits = re.sub(r"\D", "", text)
    assert digits, f"no figure in {text!r}"
    return int(digits)


def table_rows(page: Page, question_id: int) -> list[list[str]]:
    """The rows of a question's results table: the row heading, then the figure of each channel
    (``data-channel``: online, workshop, total; without the share in its span), then for an envelope
    the averages per person (``data-average``)."""
    rows = page.locator(f"[data-question-table='{question_id}'] tbody tr[data-option]")
    return rows.evaluate_all(
        """rows => rows.map(r => {
             const own = (td) => (td && td.firstChild ? td.firstChild.textContent : '').trim();
             const cells = (attr) => ['online', 'workshop', 'total']
               .map(c => r.querySelector(`td[${attr}="${c}"]`)).filter(td => td).map(own);
             return [r.querySelector('th').textContent.trim(), ...cells('data-channel'),
                     ...cells('data-average')];
           })"""
    )


def column_headings(page: Page, question_id: int) -> list[str]:
    return [
        text.strip()
        for text in page.locator(f"[data-question-table='{question_id}'] thead th").all_text_contents()
    ]


def shown_figures(page: Page, question: dict[str, Any]) -> dict[str, tuple[int, int, int]]:
    """Option label -> (online, workshops, total) as the results page shows them."""
    shown = {}
    for row in table_rows(page, question["id"]):
        label = re.sub(r"^\d+\.\s*", "", row[0]) if question["kind"] == QuestionKind.RANKING else row[0]
        shown[label] = (number(row[1]), number(row[2]), number(row[3]))
    return shown


# --- The recount, from the rows ----------------------------------------------------------------------


def recount(consultation_id: int) -> dict[str, dict[str, tuple[int, int, int]]]:
    """Prompt -> option label -> (online, workshops, total), counted from Selection and WorkshopAnswer
    rows: people (single choice, projects funded) or Borda points (ranking: ``n - rank + 1``, a
    workshop's ranks once per participant). Only submitted responses count."""
    out: dict[str, dict[str, tuple[int, int, int]]] = {}
    questions = Question.objects.filter(consultation_id=consultation_id).exclude(kind=QuestionKind.TEXT)
    for question in questions:
        options = list(Option.objects.filter(question=question))
        n = len(options)
        online = {o.pk: 0 for o in options}
        workshop = {o.pk: 0 for o in options}
        selections = Selection.objects.filter(
            answer__question=question, answer__response__submitted_at__isnull=False
        )
        for selection in selections:
            if question.kind == QuestionKind.RANKING:
                assert selection.rank, "every option ranked online has its rank"
                online[selection.option_id] += n - selection.rank + 1
            else:
                online[selection.option_id] += 1
        for row in WorkshopAnswer.objects.filter(question=question).select_related("workshop"):
            people = row.workshop.participants
            if question.kind == QuestionKind.RANKING:
                workshop[row.option_id] += (n - row.rank + 1) * people if row.rank else 0
            elif question.kind == QuestionKind.ENVELOPE:
                workshop[row.option_id] += people if row.amount_xof else 0
            else:
                workshop[row.option_id] += row.count or 0
        out[question.prompt] = {
            o.label: (online[o.pk], workshop[o.pk], online[o.pk] + workshop[o.pk]) for o in options
        }
    return out


def recount_envelope_averages(question_id: int) -> dict[str, tuple[int, int, int]]:
    """Envelope: project -> the XOF per person who answered (online, workshops, total): online, its
    cost for each submitted response that funded it; a workshop, the group's amount once per
    participant; divided by the people of the channel who answered the question."""
    options = list(Option.objects.filter(question_id=question_id))
    online_base = (
        Answer.objects.filter(question_id=question_id, response__submitted_at__isnull=False)
        .values("response_id")
        .distinct()
        .count()
    )
    rows = list(WorkshopAnswer.objects.filter(question_id=question_id).select_related("workshop"))
    workshop_base = sum({row.workshop_id: row.workshop.participants for row in rows}.values())
    out = {}
    for o in options:
        online = Selection.objects.filter(
            option=o, answer__question_id=question_id, answer__response__submitted_at__isnull=False
        ).count() * (o.cost_xof or 0)
        workshop = sum(
            (row.amount_xof or 0) * row.workshop.participants for row in rows if row.option_id == o.pk
        )

        def per_person(amount: int, base: int) -> int:
            return round(amount / base) if base else 0

        out[o.label] = (
            per_person(online, online_base),
            per_person(workshop, workshop_base),
            per_person(online + workshop, online_base + workshop_base),
        )
    return out


def expected_from_the_scenario() -> dict[str, dict[str, tuple[int, int, int]]]:
    """What the steps entered should count (so that an empty database cannot pass the recount)."""

    def borda(ranks: dict[str, int], times: int = 1) -> dict[str, int]:
        return {label: (len(PRIORITIES) - rank + 1) * times for label, rank in ranks.items()}

    single = {label: [0, WORKSHOP["counts"].get(label, 0)] for label in SECTORS}
    for citizen in (CITIZEN_1, CITIZEN_2):
        single[citizen["single"]][0] += 1
    ranking = {label: [0, borda(WORKSHOP["ranks"], PARTICIPANTS).get(label, 0)] for label in PRIORITIES}
    for citizen in (CITIZEN_1, CITIZEN_2):
        for label, points in borda(citizen["ranks"]).items():
            ranking[label][0] += points
    envelope = {label: [0, PARTICIPANTS if label in WORKSHOP["amounts"] else 0] for label in PROJECTS}
    for citizen in (CITIZEN_1, CITIZEN_2):
        for label in citizen["projects"]:
            envelope[label][0] += 1
    return {
        prompt: {label: (a, b, a + b) for label, (a, b) in figures.items()}
        for prompt, figures in ((SINGLE, single), (RANKING, ranking), (ENVELOPE, envelope))
    }


def response_notified(consultation_id: int) -> set[int]:
    return set(
        Notification.objects.filter(
            channel=Channel.IN_APP,
            event__kind="consultation.response",
            event__payload__consultation_id=consultation_id,
        ).values_list("recipient_id", flat=True)
    )


# --- The cycle ----------------------------------------------------------------------------------------


def test_a_whole_consultation_cycle_through_the_pages(hub_server: HubServer, cycle: dict[str, Any]) -> None:
    base = hub_server.url
    slug = cycle["commune"].slug
    citizen_1, citizen_2 = cycle["citizens"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    pages: list[Page] = []

    def timed(name: str, step: Callable[[], Any]) -> Any:
        started = time.monotonic()
        result = step()
        timings[name] = time.monotonic() - started
        return result

    with chromium() as browser:
        # given the secretary-general at a desk
        staff = open_page(browser, base, cycle["secretary"], viewport=DESKTOP)
        pages.append(staff)

        # when she creates the consultation on the draft PTA
        def create() -> int:
            staff.goto(f"{base}/communes/{slug}/consultations/nouvelle/")
            staff.fill("#id_new_title", TITLE)
            staff.fill("#id_new_summary", "Donnez votre avis sur les priorités du PTA 2027 de Cotonou.")
            staff.select_option("#id_new_draft", str(cycle["draft"].pk))
            click_submit(staff, f"form[action$='/{slug}/consultations/nouvelle/']")
            staff.wait_for_url(re.compile(r"/consultations/\d+/gerer/"))
            return int(re.search(r"/consultations/(\d+)/gerer/", staff.url).group(1))  # type: ignore[union-attr]

        pk = timed("create the consultation", create)
        manage_url = f"{base}/communes/{slug}/consultations/{pk}/gerer/"
        created = off_loop(lambda: Consultation.objects.select_related("draft_file").get(pk=pk))
        assert created.phase == Phase.DRAFT and created.draft_id == cycle["draft"].pk
        assert created.draft_file is not None  # pinned to the draft's current file

        # and builds the questionnaire with the builder's form, one question at a time
        def add_question(
            kind: str, prompt: str, options: list[str], required: bool = False, envelope: str = ""
        ) -> None:
            before = staff.locator("section[aria-labelledby=questions] li[data-question]").count()
            staff.select_option("#id_q_kind", kind)
            staff.fill("#id_q_prompt", prompt)
            if required:
                staff.check("#id_q_required")
            if envelope:
                staff.fill("#id_q_envelope_xof", envelope)
            staff.fill("#id_q_options", "\n".join(options))
            click_submit(staff, action_form("question_save"))
            expect(staff.locator("section[aria-labelledby=questions] li[data-question]")).to_have_count(
                before + 1
            )
            expect(
                staff.locator("section[aria-labelledby=questions] li[data-question]").last
            ).to_have_attribute("data-question", kind)

        def build() -> None:
            add_question(QuestionKind.SINGLE, SINGLE, SECTORS, required=True)
            add_question(QuestionKind.RANKING, RANKING, PRIORITIES)
            # costs written as people write them: spaces between thousands, "FCFA" after
            lines = [f"{label} | {cost:,} FCFA".replace(",", " ") for label, cost in PROJECTS.items()]
            add_question(QuestionKind.ENVELOPE, ENVELOPE, lines, envelope="50 000 000")
            add_question(QuestionKind.TEXT, TEXT, [])

        timed("build the questionnaire (4 questions)", build)
        envelope_item = staff.locator("section[aria-labelledby=questions] li[data-question=envelope]")
        for label, cost in PROJECTS.items():
            expect(envelope_item.locator(f"li:has([data-cost='{cost}'])")).to_contain_text(label)
        staff.screenshot(path=str(SHOTS / "staff_manage_questionnaire.png"), full_page=True)

        # and opens it now
        def open_now() -> None:
            click_submit(staff, action_form("phase", "open"))
            expect(staff.locator(".consult-phase--open").first).to_be_visible()

        timed("open now", open_now)
        questions = off_loop(
            lambda: {
                q.kind: {
                    "id": q.pk,
                    "kind": q.kind,
                    "prompt": q.prompt,
                    "envelope": q.envelope_xof,
                    "options": {o.label: o.pk for o in q.options.all()},
                    "costs": {o.label: o.cost_xof for o in q.options.all()},
                }
                for q in Question.objects.filter(consultation_id=pk).prefetch_related("options")
            }
        )
        assert [questions[k]["prompt"] for k in ("single", "ranking", "envelope", "text")] == [
            SINGLE,
            RANKING,
            ENVELOPE,
            TEXT,
        ]
        assert questions["envelope"]["envelope"] == ENVELOPE_XOF
        assert questions["envelope"]["costs"] == PROJECTS
        single, ranking, envelope, text = (questions[k] for k in ("single", "ranking", "envelope", "text"))

        def option(question: dict[str, Any], label: str) -> str:
            return f"#q{question['id']}-o{question['options'][label]}"

        def fill_answers(page: Page, answers: dict[str, Any], projects: list[str]) -> None:
            page.check(option(single, answers["single"]))
            for label in PRIORITIES:
                page.select_option(option(ranking, label), str(answers["ranks"].get(label, "")))
            for label in PROJECTS:
                page.set_checked(option(envelope, label), label in projects)
            page.fill(f"#q{text['id']}-text", answers["text"])
            page.select_option("#id_arrondissement", str(cycle["arrondissements"][answers["arrondissement"]]))

        def answers_kept(page: Page, answers: dict[str, Any], projects: list[str]) -> None:
            expect(page.locator(option(single, answers["single"]))).to_be_checked()
            for label in PRIORITIES:
                expect(page.locator(option(ranking, label))).to_have_value(
                    str(answers["ranks"].get(label, ""))
                )
            for label in PROJECTS:
                box = page.locator(option(envelope, label))
                if label in projects:
                    expect(box).to_be_checked()
                else:
                    expect(box).not_to_be_checked()
            expect(page.locator(f"#q{text['id']}-text")).to_have_value(answers["text"])
            expect(page.locator("#id_arrondissement")).to_have_value(
                str(cycle["arrondissements"][answers["arrondissement"]])
            )

        answer_url = f"{base}/communes/{slug}/consultations/{pk}/repondre/"

        # when the first citizen, on a phone, saves a draft, comes back to it and submits
        phone_1 = open_page(browser, base, citizen_1, viewport=PHONE)
        pages.append(phone_1)

        # the draft counts for nothing until it is submitted
        phone_1.goto(answer_url)
        fill_answers(phone_1, CITIZEN_1, CITIZEN_1["projects"][:1])
        started = time.monotonic()
        phone_1.locator("button[name=action][value=draft]").click()
        phone_1.wait_for_load_state()
        expect(phone_1.locator("[data-response-state=draft]")).to_be_visible()
        timings["citizen 1: save a draft"] = time.monotonic() - started
        draft_row = off_loop(lambda: Response.objects.get(consultation_id=pk, user=citizen_1))
        assert draft_row.submitted_at is None
        phone_1.goto(answer_url)
        answers_kept(phone_1, CITIZEN_1, CITIZEN_1["projects"][:1])
        phone_1.check(option(envelope, CITIZEN_1["projects"][1]))
        expect(phone_1.locator(f"#question-{envelope['id']}")).to_be_visible()
        phone_1.screenshot(path=str(SHOTS / "answer_form_phone.png"), full_page=True)
        started = time.monotonic()
        phone_1.locator("button[name=action][value=submit]").click()
        phone_1.wait_for_load_state()
        expect(phone_1.locator("[data-response-state=submitted]")).to_be_visible()
        timings["citizen 1: submit"] = time.monotonic() - started
        answers_kept(phone_1, CITIZEN_1, CITIZEN_1["projects"])

        # when the second citizen picks three projects that overspend the envelope
        phone_2 = open_page(browser, base, citizen_2, viewport=PHONE)
        pages.append(phone_2)
        phone_2.goto(answer_url)
        fill_answers(phone_2, CITIZEN_2, CITIZEN_2["too_many"])
        started = time.monotonic()
        phone_2.locator("button[name=action][value=submit]").click()
        phone_2.wait_for_load_state()

        # then the refusal shows next to the envelope question, and every other answer is kept
        error = phone_2.locator(f"#question-{envelope['id']}-error")
        expect(error).to_be_visible()
        timings["citizen 2: overspend refused"] = time.monotonic() - started
        expect(error).to_contain_text("50")  # names the envelope (50 000 000)
        expect(phone_2.locator(f"#question-{envelope['id']}")).to_have_class(re.compile(r"field--invalid"))
        expect(phone_2.locator("[data-error-summary]")).to_be_visible()
        expect(phone_2.locator(f"[data-error-summary] a[href='#question-{envelope['id']}']")).to_have_count(1)
        for other in (single, ranking, text):
            expect(phone_2.locator(f"#question-{other['id']}-error")).to_have_count(0)
        answers_kept(phone_2, CITIZEN_2, CITIZEN_2["too_many"])
        assert off_loop(lambda: Response.objects.filter(consultation_id=pk, user=citizen_2).count()) == 0

        # when they drop the market and submit again
        phone_2.uncheck(option(envelope, "Marché de Dantokpa"))
        started = time.monotonic()
        phone_2.locator("button[name=action][value=submit]").click()
        phone_2.wait_for_load_state()
        expect(phone_2.locator("[data-response-state=submitted]")).to_be_visible()
        timings["citizen 2: submit"] = time.monotonic() - started
        answers_kept(phone_2, CITIZEN_2, CITIZEN_2["projects"])

        # when the facilitator records a workshop of 35 participants
        field = open_page(browser, base, cycle["facilitator"], viewport=PHONE)
        pages.append(field)

        def record_workshop() -> None:
            field.goto(f"{base}/communes/{slug}/consultations/{pk}/ateliers/nouveau/")
            expect(field.locator("#id_organisation")).to_have_count(0)  # forced: their organisation's
            field.fill("#id_held_on", timezone.localdate().isoformat())
            field.select_option("#id_arrondissement", str(cycle["arrondissements"]["5e arrondissement"]))
            field.fill("#id_village", "Zogbo")
            field.select_option("#id_language", "fon")
            for name, value in {
                "participants": PARTICIPANTS,
                "women": 19,
                "men": 16,
                "age_under_18": 3,
                "age_18_34": 14,
                "age_35_59": 12,
                "age_60_plus": 6,
                "with_disability": 2,
            }.items():
                field.fill(f"#id_{name}", str(value))
            field.fill("#id_summary", "Le groupe veut d'abord l'eau potable et l'éclairage des rues.")
            for label, count in WORKSHOP["counts"].items():
                field.fill(f"#id_option_{single['options'][label]}", str(count))
            for label, rank in WORKSHOP["ranks"].items():
                field.fill(f"#id_option_{ranking['options'][label]}", str(rank))
            for label, amount in WORKSHOP["amounts"].items():
                field.fill(f"#id_option_{envelope['options'][label]}", str(amount))
            click_submit(field, f"form[action$='/consultations/{pk}/ateliers/nouveau/']")
            field.wait_for_url(f"**/communes/{slug}/consultations/{pk}/ateliers/")

        timed("facilitator: record the workshop", record_workshop)
        workshop = off_loop(lambda: Workshop.objects.get(consultation_id=pk))
        assert (workshop.participants, workshop.women, workshop.men, workshop.with_disability) == (
            35,
            19,
            16,
            2,
        )
        assert workshop.organisation_id == cycle["organisation"].pk
        assert workshop.recorded_by_id == cycle["facilitator"].pk

        # when the secretary closes it (ticking the confirmation) and publishes the response
        def close() -> None:
            staff.goto(manage_url)
            staff.check("#id_phase_confirm")
            click_submit(staff, action_form("phase", "closed"))
            expect(staff.locator(".consult-phase--closed").first).to_be_visible()

        def respond() -> None:
            staff.fill(
                "#id_r_response_text", "Nous avons entendu : l'eau d'abord. Le forage de Zinvié est retenu."
            )
            staff.select_option("#id_r_adopted_document", str(cycle["adopted"].pk))
            click_submit(staff, action_form("respond"))
            expect(staff.locator("[data-responded]")).to_be_visible()

        timed("staff: close", close)
        timed("staff: publish the response", respond)
        staff.screenshot(path=str(SHOTS / "staff_manage_responded.png"), full_page=True)
        closed = off_loop(lambda: Consultation.objects.get(pk=pk))
        assert closed.phase == Phase.RESPONDED and closed.adopted_document_id == cycle["adopted"].pk

        # then an anonymous visitor on a phone reads results equal to a recount of the rows
        visitor = open_page(browser, base, viewport=PHONE)
        pages.append(visitor)
        timed(
            "visitor: open the results",
            lambda: visitor.goto(f"{base}/communes/{slug}/consultations/{pk}/resultats/"),
        )
        expect(visitor.locator("[data-results]")).to_be_visible()
        visitor.screenshot(path=str(SHOTS / "results_phone.png"), full_page=True)
        counted = off_loop(recount, pk)
        assert counted == expected_from_the_scenario()
        shown = {q["prompt"]: shown_figures(visitor, q) for q in (single, ranking, envelope)}
        assert shown == counted
        # the ranking is shown by total points, highest first
        assert [row[0] for row in table_rows(visitor, ranking["id"])] == [
            f"{n}. {label}"
            for n, label in enumerate(sorted(PRIORITIES, key=lambda p: -counted[RANKING][p][2]), start=1)
        ]
        # the envelope's average amounts per person
        averages = {
            row[0]: tuple(number(cell) for cell in row[4:7]) for row in table_rows(visitor, envelope["id"])
        }
        assert averages == off_loop(recount_envelope_averages, envelope["id"])

        # and each table keeps the channels apart, in columns of their own
        for question in (single, ranking):
            headings = column_headings(visitor, question["id"])
            assert re.search(r"online|en ligne", headings[1], re.I), headings
            assert re.search(r"workshop|atelier", headings[2], re.I), headings
            assert re.search(r"total", headings[3], re.I), headings
        headings = column_headings(visitor, envelope["id"])
        assert any(re.search(r"online|en ligne", h, re.I) for h in headings), headings
        assert any(re.search(r"workshop|atelier", h, re.I) for h in headings), headings

        # and participation counts both channels
        expect(visitor.locator("[data-online]")).to_have_text("2")
        expect(visitor.locator("[data-workshops]")).to_have_text("1")
        expect(visitor.locator("[data-workshop-participants]")).to_have_text(str(PARTICIPANTS))
        expect(visitor.locator("[data-people]")).to_have_text(str(2 + PARTICIPANTS))

        # and those who took part are notified (the citizens, the facilitator), no staff
        started = time.monotonic()
        participants = {citizen_1.pk, citizen_2.pk, cycle["facilitator"].pk}
        notified = wait_for(lambda: off_loop(response_notified, pk) >= participants, timeout=30)
        timings["response → notifications stored"] = time.monotonic() - started
        assert notified, f"notified: {off_loop(response_notified, pk)}"
        assert off_loop(response_notified, pk) == participants  # not the secretary, not the mayor
        mine = off_loop(
            lambda: (
                Notification.objects.get(
                    recipient=citizen_1, channel=Channel.IN_APP, event__kind="consultation.response"
                ).pk
            )
        )

        # and the first citizen finds it on the notifications page, and it leads to the consultation
        phone_1.goto(f"{base}/notifications/")
        item = phone_1.locator(f"[data-notification='{mine}']")
        expect(item).to_be_visible()
        expect(item).to_contain_text(TITLE)
        item.locator("a.notification-link").click()
        phone_1.wait_for_url(f"**/communes/{slug}/consultations/{pk}/")

        for page in pages:
            assert page.js_errors == [], page.js_errors  # type: ignore[attr-defined]

    print("\nresults (online + workshops = total), recounted from the rows and read on the page:")
    for prompt, figures in counted.items():
        print(f"  {prompt}")
        for label, (online, workshops, total) in figures.items():
            print(f"    {label}: {online} + {workshops} = {total}")
    print("  envelope, XOF per person who answered (online, workshops, total):")
    for label, figures in averages.items():
        print(f"    {label}: {figures[0]:,} / {figures[1]:,} / {figures[2]:,}".replace(",", " "))
    print("timings (s): " + ", ".join(f"{name} {seconds:.2f}" for name, seconds in timings.items()))
    print(f"screenshots: {', '.join(str(path) for path in sorted(SHOTS.glob('*.png')))}")
