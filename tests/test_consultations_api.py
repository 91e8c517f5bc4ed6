"""The consultations' REST API: a whole cycle (make, announce, open, answer, close, count, export,
respond), the phases, the envelope rule, who may do what (staff of another commune, citizens, signed
out), the privacy of answers, and bad input with its fields."""

from __future__ import annotations

import csv
import datetime
import io
from collections import defaultdict
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from consultations.models import Consultation, Option, Phase, Question, QuestionKind, Selection
from hub.models import Arrondissement, OutboxEvent, Role
from tests.factories import CommuneFactory, UserFactory
from tests.factories_publications import DocumentFileFactory, PublishedDocumentFactory
from tests.factories_sessions import staff_of

pytestmark = pytest.mark.django_db

API = "/api/v1"


def client(user: Any = None) -> APIClient:
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api


def soon(days: float) -> str:
    return (timezone.now() + datetime.timedelta(days=days)).isoformat()


def questionnaire() -> list[dict[str, Any]]:
    """One question of each kind."""
    return [
        {
            "kind": "single",
            "prompt": "Quelle priorité pour 2026 ?",
            "required": True,
            "options": [{"label": "Eau"}, {"label": "Routes"}],
        },
        {
            "kind": "multiple",
            "prompt": "Quels services utilisez-vous ?",
            "max_choices": 2,
            "options": [{"label": "État civil"}, {"label": "Marché"}, {"label": "Santé"}],
        },
        {
            "kind": "ranking",
            "prompt": "Classez les axes",
            "options": [{"label": "Axe 1"}, {"label": "Axe 2"}, {"label": "Axe 3"}],
        },
        {
            "kind": "envelope",
            "prompt": "Répartissez 1 000 000 FCFA",
            "envelope_xof": 1_000_000,
            "options": [
                {"label": "Forage", "cost_xof": 600_000},
                {"label": "Latrines", "cost_xof": 400_000},
                {"label": "Lampadaires", "cost_xof": 300_000},
            ],
        },
        {"kind": "text", "prompt": "Autre chose ?"},
    ]


def creation(**extra: Any) -> dict[str, Any]:
    return {
        "title": "Plan annuel d'investissement 2026",
        "summary": "Donnez votre avis.",
        "opens_at": soon(1),
        "closes_at": soon(30),
        "questions": questionnaire(),
        **extra,
    }


@pytest.fixture
def commune() -> Any:
    return CommuneFactory(is_enabled=True)


@pytest.fixture
def staff(commune: Any) -> Any:
    return staff_of(commune, Role.MAYOR)


def create(staff: Any, commune: Any, **extra: Any) -> dict[str, Any]:
    response = client(staff).post(
        f"{API}/communes/{commune.slug}/consultations/", creation(**extra), format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def move(staff: Any, consultation_id: int, phase: str) -> Any:
    return client(staff).post(
        f"{API}/consultations/{consultation_id}/phase/", {"phase": phase}, format="json"
    )


def opened(staff: Any, commune: Any, **extra: Any) -> dict[str, Any]:
    made = create(staff, commune, **extra)
    assert move(staff, made["id"], "open").status_code == 200
    return client(staff).get(f"{API}/consultations/{made['id']}/").json()


def answer(user: Any, consultation_id: int, body: dict[str, Any]) -> Any:
    return client(user).put(f"{API}/consultations/{consultation_id}/my-response/", body, format="json")


def ids(question: dict[str, Any]) -> list[int]:
    return [o["id"] for o in question["options"]]


def fields(response: Any) -> dict[str, Any]:
    assert response.status_code == 400, (response.status_code, response.content)
    error = response.json()["error"]
    assert error["code"] in {"invalid", "validation_error"} and error["message"]
    return error["fields"]


def recount(consultation_id: int) -> dict[int, dict[int, int]]:
    """Online values per question and option, counted here from the rows: people, or points
    (n - rank + 1) for a ranking."""
    values: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    questions = {q.pk: q for q in Question.objects.filter(consultation_id=consultation_id)}
    size = {q: Option.objects.filter(question_id=q).count() for q in questions}
    rows = Selection.objects.filter(
        answer__response__consultation_id=consultation_id, answer__response__submitted_at__isnull=False
    ).values_list("answer__question_id", "option_id", "rank")
    for question_id, option_id, rank in rows:
        kind = questions[question_id].kind
        values[question_id][option_id] += size[question_id] - rank + 1 if kind == QuestionKind.RANKING else 1
    return values


# --- A whole cycle ------------------------------------------------------------------------------------


def test_a_whole_cycle_over_the_api(commune, staff):
    # given an enabled commune with two arrondissements, its mayor and a published draft with a file
    north = Arrondissement.objects.create(commune=commune, name="Nord", position=1)
    Arrondissement.objects.create(commune=commune, name="Sud", position=2)
    draft = PublishedDocumentFactory(commune=commune)
    pinned = DocumentFileFactory(document=draft)
    amina, koffi = UserFactory(), UserFactory()

    # when staff make it with one question of each kind and two sections for comments
    made = create(
        staff,
        commune,
        draft=draft.pk,
        comments_enabled=True,
        sections=[{"heading": "Axe 1 : eau", "body": "…"}, {"heading": "Axe 2 : routes"}],
    )
    # then it is a draft with its questionnaire, the draft document and the file version pinned
    assert made["phase"] == Phase.DRAFT and made["can_manage"] is True
    assert [q["kind"] for q in made["questions"]] == ["single", "multiple", "ranking", "envelope", "text"]
    assert [q["answer_key"] for q in made["questions"]] == [
        "option",
        "options",
        "ranking",
        "projects",
        "text",
    ]
    assert made["draft"]["id"] == draft.pk and made["draft_file"]["id"] == pinned.pk
    assert made["draft_file"]["download_url"].endswith(f"/documents/{draft.pk}/files/{pinned.pk}/download/")
    single, multiple, ranking, envelope, text = made["questions"]
    cid = made["id"]
    # and citizens do not see it yet
    assert client(amina).get(f"{API}/consultations/{cid}/").status_code == 404
    assert client().get(f"{API}/communes/{commune.slug}/consultations/").json()["results"] == []

    # when staff announce it, then answers are refused until it opens
    assert move(staff, cid, "announced").json()["phase"] == "announced"
    early = answer(amina, cid, {"answers": [{"question": single["id"], "option": ids(single)[0]}]})
    assert early.status_code == 409 and early.json()["error"]["code"] == "wrong_phase"
    listed = client().get(f"{API}/communes/{commune.slug}/consultations/", {"phase": "announced"}).json()
    assert [row["id"] for row in listed["results"]] == [cid]

    # when they open it
    assert move(staff, cid, "open").json()["phase"] == "open"
    # and Amina saves a draft first, then submits
    partial = answer(amina, cid, {"answers": [{"question": single["id"], "option": ids(single)[0]}]})
    assert partial.status_code == 200 and partial.json()["submitted"] is False
    mine = client(amina).get(f"{API}/consultations/{cid}/my-response/").json()
    assert mine["answers"] == [
        {
            "question": single["id"],
            "option": ids(single)[0],
            "options": [],
            "ranking": [],
            "projects": [],
            "text": "",
        }
    ]
    amina_body = {
        "arrondissement": north.pk,
        "submit": True,
        "answers": [
            {"question": single["id"], "option": ids(single)[0]},
            {"question": multiple["id"], "options": ids(multiple)[:2]},
            {"question": ranking["id"], "ranking": [ids(ranking)[2], ids(ranking)[0], ids(ranking)[1]]},
            {"question": envelope["id"], "projects": ids(envelope)[:2]},
            {"question": text["id"], "text": "Plus de bornes-fontaines."},
        ],
    }
    submitted = answer(amina, cid, amina_body)
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["submitted"] is True and submitted.json()["arrondissement"] == north.pk
    # and saving the same body again changes nothing (idempotent)
    again = answer(amina, cid, amina_body)
    assert again.json()["answers"] == submitted.json()["answers"]
    # and Koffi submits at once
    koffi_body = {
        "submit": True,
        "answers": [
            {"question": single["id"], "option": ids(single)[1]},
            {"question": multiple["id"], "options": [ids(multiple)[1]]},
            {"question": ranking["id"], "ranking": [ids(ranking)[0]]},
            {"question": envelope["id"], "projects": [ids(envelope)[2]]},
        ],
    }
    assert answer(koffi, cid, koffi_body).status_code == 200

    # then while it is open, staff follow the results and citizens may not
    assert client(staff).get(f"{API}/consultations/{cid}/results/").status_code == 200
    refused = client(amina).get(f"{API}/consultations/{cid}/results/")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert client().get(f"{API}/consultations/{cid}/results.csv").status_code == 403

    # when Amina comments on a section and staff reply
    section = made["sections"][0]["id"]
    comments = f"{API}/consultations/{cid}/sections/{section}/comments/"
    posted = client(amina).post(comments, {"body": "Pensez aux quartiers du nord."}, format="json")
    assert posted.status_code == 201, posted.content
    reply = client(staff).post(
        comments, {"body": "C'est noté.", "parent": posted.json()["id"]}, format="json"
    )
    assert reply.status_code == 201 and reply.json()["is_staff_reply"] is True
    [thread] = client().get(comments).json()
    assert thread["body"] == "Pensez aux quartiers du nord." and thread["replies"][0]["body"] == "C'est noté."

    # when staff close it
    assert move(staff, cid, "closed").json()["phase"] == "closed"
    late = answer(koffi, cid, koffi_body)
    assert late.status_code == 409 and late.json()["error"]["code"] == "wrong_phase"

    # then the results are public and equal a recount of the rows
    results = client().get(f"{API}/consultations/{cid}/results/")
    assert results.status_code == 200
    data = results.json()
    assert "text_answers" not in data
    assert data["participation"]["online_respondents"] == 2
    expected = recount(cid)
    for question in data["questions"]:
        for option in question["options"]:
            assert option["value"]["online"] == expected[question["id"]].get(option["id"], 0), (
                question,
                option,
            )
            assert option["value"]["total"] == option["value"]["online"]  # no workshop
    by_id = {q["id"]: q for q in data["questions"]}
    assert by_id[single["id"]]["base"]["online"] == 2
    assert by_id[text["id"]]["text_answers"] == 1
    # Ranking (Borda, 3 options): Axe 3 = 3, Axe 1 = 2 + 3, Axe 2 = 1: Axe 1 first
    assert by_id[ranking["id"]]["options"][0]["id"] == ids(ranking)[0]
    forage = next(o for o in by_id[envelope["id"]]["options"] if o["id"] == ids(envelope)[0])
    assert forage["average_xof"]["online"] == 300_000  # 600 000 given by one of two respondents
    # and staff also get the free texts, without names
    staff_data = client(staff).get(f"{API}/consultations/{cid}/results/").json()
    assert staff_data["text_answers"] == [{"question": text["id"], "texts": ["Plus de bornes-fontaines."]}]

    # and the open data: JSON as the results, CSV one row per (question, option, channel)
    exported = client().get(f"{API}/consultations/{cid}/results.json")
    assert exported.status_code == 200 and exported.json() == data
    assert f'filename="consultation-{cid}-results.json"' in exported["Content-Disposition"]
    sheet = client().get(f"{API}/consultations/{cid}/results.csv")
    assert sheet.status_code == 200 and sheet["Content-Type"].startswith("text/csv")
    assert f'filename="consultation-{cid}-results.csv"' in sheet["Content-Disposition"]
    text_csv = b"".join(sheet.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text_csv), delimiter=";"))
    participation = {(r["channel"], r["metric"]): r["value"] for r in rows if r["row"] == "participation"}
    assert participation[("online", "respondents")] == "2"
    option_rows = [r for r in rows if r["row"] == "question" and r["option_id"]]
    choice_options = sum(len(q["options"]) for q in data["questions"])
    assert len(option_rows) == 3 * choice_options  # online, workshop, total
    for question in data["questions"]:
        for option in question["options"]:
            for channel in ("online", "workshop", "total"):
                [row] = [
                    r for r in option_rows if r["option_id"] == str(option["id"]) and r["channel"] == channel
                ]
                assert int(row["value"]) == option["value"][channel]
                assert float(row["share"]) == option["share"][channel]

    # when staff publish the response with the adopted document
    adopted = PublishedDocumentFactory(commune=commune)
    body = {"response_text": "Nous avons entendu : l'eau d'abord.", "adopted_document": adopted.pk}
    responded = client(staff).put(f"{API}/consultations/{cid}/response/", body, format="json")
    # then it is responded, with the text and the document
    assert responded.status_code == 200, responded.content
    after = client().get(f"{API}/consultations/{cid}/").json()
    assert after["phase"] == "responded"
    assert after["response"]["text"] == body["response_text"]
    assert after["response"]["adopted_document"]["id"] == adopted.pk

    # and the outbox holds what tells people: opened, closed (participants) and the response
    kinds = set(OutboxEvent.objects.filter(payload__consultation_id=cid).values_list("kind", flat=True))
    assert {"consultation.opened", "consultation.closed", "consultation.response"} <= kinds


# --- Phases -------------------------------------------------------------------------------------------


def test_phases_move_forward_only(commune, staff):
    made = opened(staff, commune)
    back = move(staff, made["id"], "announced")
    assert back.status_code == 409 and back.json()["error"]["code"] == "wrong_phase"
    move(staff, made["id"], "closed")
    reopen = move(staff, made["id"], "open")
    assert reopen.status_code == 409 and reopen.json()["error"]["code"] == "wrong_phase"


def test_a_phase_that_is_not_a_move_is_refused_with_its_field(commune, staff):
    made = create(staff, commune)
    for bad in ("responded", "draft", "", 3, None):
        assert "phase" in fields(move(staff, made["id"], bad))
    assert Consultation.objects.get(pk=made["id"]).phase == Phase.DRAFT


def test_a_closed_consultation_cannot_be_changed(commune, staff):
    made = opened(staff, commune)
    move(staff, made["id"], "closed")
    patched = client(staff).patch(f"{API}/consultations/{made['id']}/", {"title": "Autre"}, format="json")
    assert patched.status_code == 409 and patched.json()["error"]["code"] == "wrong_phase"


def test_once_open_only_title_summary_and_a_later_closing_can_change(commune, staff):
    made = opened(staff, commune)
    url = f"{API}/consultations/{made['id']}/"
    refused = client(staff).patch(url, {"questions": questionnaire()}, format="json")
    assert refused.status_code == 409
    done = client(staff).patch(url, {"title": "PAI 2026 (révisé)", "closes_at": soon(40)}, format="json")
    assert done.status_code == 200 and done.json()["title"] == "PAI 2026 (révisé)"


# --- The envelope rule --------------------------------------------------------------------------------


def test_projects_over_the_envelope_are_refused_under_the_question(commune, staff):
    made = opened(staff, commune)
    envelope = made["questions"][3]
    body = {"answers": [{"question": envelope["id"], "projects": ids(envelope)}]}  # 1 300 000 > 1 000 000
    errors = fields(answer(UserFactory(), made["id"], body))
    assert list(errors) == [f"question_{envelope['id']}"]
    assert "FCFA" in errors[f"question_{envelope['id']}"][0]


# --- Who may do what ----------------------------------------------------------------------------------


def test_staff_of_another_commune_cannot_act_here(commune, staff):
    # given a consultation of commune A and the mayor of commune B
    made = create(staff, commune)
    other = staff_of(CommuneFactory(is_enabled=True), Role.MAYOR)
    api = client(other)
    url = f"{API}/consultations/{made['id']}/"
    # then each write is 403 forbidden, before its body is read
    answers = [
        api.post(f"{API}/communes/{commune.slug}/consultations/", creation(), format="json"),
        api.post(f"{API}/communes/{commune.slug}/consultations/", {"title": 1}, format="json"),
    ]
    for response in answers:
        assert response.status_code == 403, response.content
        assert response.json()["error"]["code"] == "forbidden"
    # and the draft is not even visible to them: its writes are 404 like its reads (no draft's
    # existence is given away)
    writes = [
        lambda: api.patch(url, {"title": "Piraté"}, format="json"),
        lambda: api.post(url + "phase/", {"phase": "open"}, format="json"),
        lambda: api.put(url + "response/", {"response_text": "x"}, format="json"),
    ]
    for write in writes:
        assert write().status_code == 404
    assert api.get(url).status_code == 404
    # once announced (public), each write is 403 forbidden, before its body is read
    Consultation.objects.filter(pk=made["id"]).update(phase="announced")
    for write in writes:
        response = write()
        assert response.status_code == 403, response.content
        assert response.json()["error"]["code"] == "forbidden"
    assert Consultation.objects.get(pk=made["id"]).title == creation()["title"]


def test_citizens_and_signed_out_callers_cannot_manage(commune, staff):
    made = create(staff, commune)
    citizen = client(UserFactory())
    made_by_citizen = citizen.post(f"{API}/communes/{commune.slug}/consultations/", creation(), format="json")
    assert made_by_citizen.status_code == 403
    assert (
        citizen.post(f"{API}/consultations/{made['id']}/phase/", {"phase": "open"}, format="json").status_code
        == 404
    )
    Consultation.objects.filter(pk=made["id"]).update(phase="announced")
    assert (
        citizen.post(f"{API}/consultations/{made['id']}/phase/", {"phase": "open"}, format="json").status_code
        == 403
    )
    signed_out = client().post(f"{API}/communes/{commune.slug}/consultations/", creation(), format="json")
    assert signed_out.status_code == 401 and signed_out.json()["error"]["code"] == "not_authenticated"
    assert client().get(f"{API}/consultations/{made['id']}/my-response/").status_code == 401


def test_nobody_reads_another_persons_answers(commune, staff):
    # given Amina's submitted answers
    made = opened(staff, commune)
    single = made["questions"][0]
    amina = UserFactory()
    assert (
        answer(
            amina,
            made["id"],
            {"submit": True, "answers": [{"question": single["id"], "option": ids(single)[0]}]},
        ).status_code
        == 200
    )
    # then another citizen, and the commune's staff, have no response to read: their own only
    for reader in (UserFactory(), staff):
        mine = client(reader).get(f"{API}/consultations/{made['id']}/my-response/")
        assert mine.status_code == 404 and mine.json()["error"]["code"] == "not_found"
    # and the results staff follow are aggregates: no account or response id in them
    results = client(staff).get(f"{API}/consultations/{made['id']}/results/").json()
    assert str(amina.pk) not in {str(v) for v in _leaves(results, "user")}
    assert "user" not in str(results) and "response" not in str(results)


def _leaves(data: Any, key: str) -> list[Any]:
    if isinstance(data, dict):
        return [v for k, v in data.items() if k == key] + [x for v in data.values() for x in _leaves(v, key)]
    if isinstance(data, list):
        return [x for v in data for x in _leaves(v, key)]
    return []


def test_results_are_for_staff_until_closed_then_for_everyone(commune, staff):
    made = opened(staff, commune)
    url = f"{API}/consultations/{made['id']}/results/"
    assert client(UserFactory()).get(url).status_code == 403
    assert client().get(url).status_code == 403
    assert client(staff).get(url).status_code == 200
    move(staff, made["id"], "closed")
    assert client(UserFactory()).get(url).status_code == 200
    assert client().get(url).status_code == 200


def test_a_moderator_hides_a_comment_and_a_citizen_cannot(commune, staff):
    made = opened(staff, commune, comments_enabled=True, sections=[{"heading": "Axe 1"}])
    comments = f"{API}/consultations/{made['id']}/sections/{made['sections'][0]['id']}/comments/"
    posted = client(UserFactory()).post(comments, {"body": "Hors sujet"}, format="json").json()
    hide = f"{API}/consultations/comments/{posted['id']}/hide/"
    assert client(UserFactory()).post(hide, {"reason": "spam"}, format="json").status_code == 403
    moderator = staff_of(commune, Role.MODERATOR)
    hidden = client(moderator).post(hide, {"reason": "Hors sujet"}, format="json")
    assert hidden.status_code == 200 and hidden.json()["hidden"] is True
    assert client().get(comments).json() == []


def test_the_list_shows_drafts_to_staff_only_in_a_fixed_number_of_queries(
    commune, staff, django_assert_num_queries
):
    create(staff, commune)
    announced = create(staff, commune)
    move(staff, announced["id"], "announced")
    for _ in range(3):
        create(staff, commune)
    url = f"{API}/communes/{commune.slug}/consultations/"
    assert len(client().get(url).json()["results"]) == 1
    assert client(staff).get(url).json()["count"] == 5
    with django_assert_num_queries(3):  # commune, count, page (the roles were read above)
        client(staff).get(url)


# --- Bad input ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": 12}, "title"),
        ({"opens_at": "demain"}, "opens_at"),
        ({"opens_at": "1464-02-11T23:23:47Z"}, "opens_at"),
        ({"closes_at": soon(0.5)}, "closes_at"),  # before it opens
        ({"questions": "toutes"}, "questions"),
        ({"comments_enabled": "yes"}, "comments_enabled"),
        ({"draft": 10**30}, "draft"),
        ({"draft": 987654}, "draft"),  # not a published document of this commune
    ],
)
def test_creating_with_bad_input_says_which_field(commune, staff, change, field):
    response = client(staff).post(
        f"{API}/communes/{commune.slug}/consultations/", creation(**change), format="json"
    )
    assert field in fields(response)
    assert not Consultation.objects.exists()


@pytest.mark.parametrize(
    ("question", "field"),
    [
        (
            {"kind": "envelope", "prompt": "Budget", "options": [{"label": "A", "cost_xof": 5}]},
            "questions.0.envelope_xof",
        ),
        ({"kind": "single", "prompt": "Choix"}, "questions.0.options"),
        ({"kind": "single", "prompt": "Choix", "options": [{"label": "Seule"}]}, "questions.0.options"),
        (
            {"kind": "single", "prompt": "Choix", "options": [{"label": "A"}, {"label": "a"}]},
            "questions.0.options.1.label",
        ),
        (
            {"kind": "envelope", "prompt": "B", "envelope_xof": 10, "options": [{"label": "A"}]},
            "questions.0.options.0.cost_xof",
        ),
        ({"kind": "text", "prompt": "Texte", "max_choices": 2}, "questions.0.max_choices"),
        (
            {
                "kind": "multiple",
                "prompt": "M",
                "max_choices": 5,
                "options": [{"label": "A"}, {"label": "B"}],
            },
            "questions.0.max_choices",
        ),
    ],
)
def test_a_bad_question_is_refused_with_its_place(commune, staff, question, field):
    response = client(staff).post(
        f"{API}/communes/{commune.slug}/consultations/", creation(questions=[question]), format="json"
    )
    errors = fields(response)
    assert response.json()["error"]["code"] == "validation_error"
    assert field in errors, errors


@pytest.mark.parametrize(
    ("shape", "type_error"),
    [
        ({"kind": "quiz", "prompt": "?"}, True),
        ({"kind": "single", "prompt": "?", "options": [{"label": "A", "cost_xof": "5"}]}, True),
        (
            {"kind": "single", "prompt": "?", "required": "oui", "options": [{"label": "A"}, {"label": "B"}]},
            True,
        ),
    ],
)
def test_a_question_of_the_wrong_json_type_is_invalid(commune, staff, shape, type_error):
    response = client(staff).post(
        f"{API}/communes/{commune.slug}/consultations/", creation(questions=[shape]), format="json"
    )
    assert "questions" in fields(response) and response.json()["error"]["code"] == "invalid"


def test_opening_without_anything_to_answer_is_refused(commune, staff):
    made = create(staff, commune, questions=[])
    assert "questions" in fields(move(staff, made["id"], "open"))


@pytest.fixture
def open_consultation(commune: Any, staff: Any) -> dict[str, Any]:
    return opened(staff, commune)


def bad_answers(consultation: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    single, multiple, ranking, _envelope, text = consultation["questions"]
    foreign = Option.objects.exclude(question_id=single["id"]).first()
    return [
        ({"answers": [{"question": 987654, "option": 1}]}, "answers.0.question"),
        ({"answers": [{"question": single["id"], "option": foreign.pk}]}, f"question_{single['id']}"),
        ({"answers": [{"question": single["id"], "option": 10**30}]}, "answers"),
        ({"answers": [{"question": single["id"], "option": str(ids(single)[0])}]}, "answers"),
        ({"answers": [{"question": single["id"], "options": ids(single)}]}, f"question_{single['id']}"),
        ({"answers": [{"question": multiple["id"], "options": ids(multiple)}]}, f"question_{multiple['id']}"),
        (
            {"answers": [{"question": ranking["id"], "ranking": [ids(ranking)[0], ids(ranking)[0]]}]},
            f"question_{ranking['id']}",
        ),
        ({"answers": [{"question": text["id"], "text": 42}]}, "answers"),
        ({"answers": [{"question": text["id"], "text": "x" * 1001}]}, "answers"),
        (
            {"answers": [{"question": single["id"], "option": ids(single)[0]}] * 2},
            f"question_{single['id']}",
        ),
        (
            {"submit": True, "answers": [{"question": multiple["id"], "options": ids(multiple)[:1]}]},
            f"question_{single['id']}",
        ),
        ({"submit": "yes"}, "submit"),
        ({"answers": {"question": single["id"]}}, "answers"),
        ({"arrondissement": 987654}, "arrondissement"),
    ]


def test_bad_answers_are_refused_with_their_field_and_nothing_is_saved(open_consultation):
    citizen = UserFactory()
    for body, field in bad_answers(open_consultation):
        assert field in fields(answer(citizen, open_consultation["id"], body)), body
    assert (
        client(citizen).get(f"{API}/consultations/{open_consultation['id']}/my-response/").status_code == 404
    )


def test_a_body_that_is_not_an_object_is_bad_input(open_consultation):
    for body in ([], "x", 3):
        response = answer(UserFactory(), open_consultation["id"], body)
        assert response.status_code == 400


@pytest.mark.parametrize(
    "path", ["consultations/{id}/", "consultations/{id}/results/", "consultations/{id}/results.csv"]
)
@pytest.mark.parametrize("unknown", [987654, 10**20])
def test_unknown_ids_are_404(path, unknown):
    response = client().get(f"{API}/" + path.format(id=unknown))
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_unknown_commune_section_and_comment_are_404(open_consultation):
    citizen = client(UserFactory())
    assert client().get(f"{API}/communes/nowhere/consultations/").status_code == 404
    url = f"{API}/consultations/{open_consultation['id']}/sections/987654/comments/"
    assert citizen.get(url).status_code == 404
    assert citizen.post(url, {"body": "x"}, format="json").status_code == 404
    hide = citizen.post(f"{API}/consultations/comments/987654/hide/", {"reason": "x"}, format="json")
    assert hide.status_code == 404


def test_an_unknown_phase_filter_is_bad_input(commune):
    for bad in ("", "ouverte"):
        assert "phase" in fields(
            client().get(f"{API}/communes/{commune.slug}/consultations/", {"phase": bad})
        )
