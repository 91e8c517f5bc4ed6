"""The public pages of consultations: the commune's list (open first), a consultation's page (draft,
timeline, sections with comments and staff replies), answering it without JavaScript (draft, submit,
edit; every refusal next to its question with the values kept), and its results (live for staff
only, public after close, the same figures as ``consultations.results.count``)."""

from __future__ import annotations

import datetime
import re
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from consultations import results
from consultations.models import (
    Comment,
    Consultation,
    CouncilOpinion,
    Phase,
    QuestionKind,
    Response,
    Workshop,
    WorkshopAnswer,
)
from consultations.services import comment_post, consultation_create, response_save
from hub.models import Role
from tests.factories import CommuneFactory, UserFactory
from tests.factories_consultations import Setup, consultation_setup, questionnaire
from tests.factories_sessions import staff_of

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def client_for(user: Any = None, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    if user is not None:
        client.force_login(user)
    return client


def html(response: Any) -> str:
    return unescape(response.content.decode())


def url(setup: Setup, suffix: str = "") -> str:
    return f"/communes/{setup.commune.slug}/consultations/{setup.consultation.pk}/{suffix}"


def another(setup: Setup, phase: str, title: str, **fields: Any) -> Consultation:
    """A second consultation of the same commune, moved to ``phase``."""
    now = timezone.now()
    data = {
        "title": title,
        "opens_at": (now - datetime.timedelta(days=30)).isoformat(),
        "closes_at": (now - datetime.timedelta(days=2)).isoformat(),
        "questions": questionnaire()[:1],
    }
    data.update(fields)
    consultation = consultation_create(setup.staff, setup.commune, data)
    Consultation.objects.filter(pk=consultation.pk).update(phase=phase)
    consultation.refresh_from_db()
    return consultation


def answers_post(setup: Setup, **overrides: Any) -> dict[str, Any]:
    """A full, valid form: Eau; État civil; Caniveaux first then Forages; Forage + Marché (45 M)."""
    single = setup.option_ids(QuestionKind.SINGLE)
    multiple = setup.option_ids(QuestionKind.MULTIPLE)
    ranking = setup.option_ids(QuestionKind.RANKING)
    envelope = setup.option_ids(QuestionKind.ENVELOPE)
    q = {kind: setup.question(kind).pk for kind in QuestionKind.values}
    post: dict[str, Any] = {
        f"q{q['single']}": str(single[0]),
        f"q{q['multiple']}": [str(multiple[0])],
        f"q{q['ranking']}_o{ranking[2]}": "1",
        f"q{q['ranking']}_o{ranking[0]}": "2",
        f"q{q['ranking']}_o{ranking[1]}": "",
        f"q{q['envelope']}": [str(envelope[0]), str(envelope[1])],
        f"q{q['text']}": "Plus de lampadaires",
        "arrondissement": str(setup.arrondissements[1].pk),
        "action": "draft",
    }
    post.update(overrides)
    return post


def error_next_to(page: str, question_id: int) -> str:
    """The error block inside the question's fieldset."""
    match = re.search(rf'<fieldset[^>]*id="question-{question_id}".*?</fieldset>', page, re.S)
    assert match, f"no fieldset for question {question_id}"
    block = re.search(r'<div class="field-error"[^>]*>(.*?)</div>', match.group(0), re.S)
    return block.group(1) if block else ""


# --- The list and the commune page -----------------------------------------------------------------


def test_the_list_groups_public_consultations_open_first_and_hides_drafts():
    # given an open consultation, an announced one, a closed one and a draft in one commune
    setup = consultation_setup()
    now = timezone.now()
    announced = another(
        setup,
        Phase.ANNOUNCED,
        "Budget primitif 2027",
        opens_at=(now + datetime.timedelta(days=5)).isoformat(),
        closes_at=(now + datetime.timedelta(days=30)).isoformat(),
    )
    closed = another(setup, Phase.CLOSED, "Schéma directeur")
    draft = another(setup, Phase.DRAFT, "Brouillon secret")
    # when anyone opens the list
    page = html(Client().get(f"/communes/{setup.commune.slug}/consultations/", **EN))
    # then open comes first (with its closing date and its draft), then announced, then closed
    assert draft.title not in page
    positions = [page.index(c.title) for c in (setup.consultation, announced, closed)]
    assert positions == sorted(positions)
    assert page.index("Open now") < page.index("Coming soon") < page.index("Closed")
    assert "Closes on" in page and setup.draft.title in page
    assert f"/communes/{setup.commune.slug}/documents/{setup.draft.pk}/" in page
    assert f"/consultations/{closed.pk}/resultats/" in page


def test_the_list_of_a_commune_without_consultations_says_so_and_unknown_communes_are_404():
    commune = CommuneFactory()
    assert "No consultation has been announced yet." in html(
        Client().get(f"/communes/{commune.slug}/consultations/", **EN)
    )
    assert Client().get("/communes/nulle-part/consultations/").status_code == 404


def test_the_commune_page_links_the_consultations_with_the_number_open():
    setup = consultation_setup()
    page = html(Client().get(f"/communes/{setup.commune.slug}/", **EN))
    assert "data-consultations-link" in page and f"/communes/{setup.commune.slug}/consultations/" in page
    assert "1 open" in page


def test_the_pages_are_french_first():
    setup = consultation_setup()
    response = Client().get(url(setup), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200 and '<html lang="fr"' in html(response)
    answer = html(client_for(UserFactory()).get(url(setup, "repondre/"), HTTP_ACCEPT_LANGUAGE="fr"))
    # amounts in FCFA grouped the French way
    assert "20\u202f000\u202f000 FCFA" in answer and "50\u202f000\u202f000 FCFA" in answer


# --- A consultation's page -----------------------------------------------------------------------------


def test_the_page_shows_the_draft_the_timeline_the_sections_and_the_way_to_answer():
    setup = consultation_setup()
    page = html(Client().get(url(setup), **EN))
    assert setup.consultation.title in page and "Donnez votre avis sur le projet de PTA." in page
    assert f'href="/communes/{setup.commune.slug}/documents/{setup.draft.pk}/"' in page
    # the timeline is an ordered list with the current step marked
    assert '<ol class="consult-timeline">' in page and 'aria-current="step"' in page
    assert "Open to answers" in page and "Response of the commune published" in page
    # the sections, each an anchor, and an invitation to sign in to comment
    section = setup.consultation.sections.order_by("position").first()
    assert section is not None and f'id="section-{section.pk}"' in page and "Axe 1 : eau" in page
    assert "Sign in to comment on the draft." in page
    assert f'href="{url(setup, "repondre/")}"' in page
    # no results for the public while it is open
    assert "resultats/" not in page and "The results will be published when the consultation closes." in page


def test_staff_see_the_live_results_link_and_a_citizen_does_not():
    setup = consultation_setup()
    staff_page = html(client_for(setup.staff).get(url(setup), **EN))
    assert "Results so far (staff)" in staff_page and f'href="{url(setup, "resultats/")}"' in staff_page
    citizen_page = html(client_for(UserFactory()).get(url(setup), **EN))
    assert "resultats/" not in citizen_page


def test_a_draft_consultation_is_not_found_for_the_public_and_shown_to_its_staff():
    setup = consultation_setup(phase=Phase.DRAFT)
    for path in ("", "repondre/", "resultats/"):
        assert Client().get(url(setup, path)).status_code == 404
        assert client_for(UserFactory()).get(url(setup, path)).status_code == 404
    assert client_for(setup.staff).get(url(setup)).status_code == 200
    # staff of another commune do not see it either
    other = staff_of(CommuneFactory(is_enabled=True), Role.SECRETARY_GENERAL)
    assert client_for(other).get(url(setup)).status_code == 404


def test_a_consultation_under_another_communes_address_is_not_found():
    setup = consultation_setup()
    elsewhere = CommuneFactory()
    path = f"/communes/{elsewhere.slug}/consultations/{setup.consultation.pk}/"
    assert Client().get(path).status_code == 404


def test_the_response_and_the_citizen_councils_opinion_are_shown_once_published():
    setup = consultation_setup(phase=Phase.CLOSED)
    adopted = setup.draft
    Consultation.objects.filter(pk=setup.consultation.pk).update(
        phase=Phase.RESPONDED,
        response_text="Nous avons entendu : l'eau d'abord.",
        adopted_document=adopted,
        responded_at=timezone.now(),
    )
    CouncilOpinion.objects.create(consultation=setup.consultation, text="Avis favorable du conseil citoyen.")
    for path in ("", "resultats/"):
        page = html(Client().get(url(setup, path), **EN))
        assert "The commune's response" in page and "Nous avons entendu : l'eau d'abord." in page
        assert f"/documents/{adopted.pk}/" in page
        assert "Opinion of the citizen council" in page and "Avis favorable du conseil citoyen." in page


# --- Comments --------------------------------------------------------------------------------------


def test_a_citizen_comments_a_section_and_staff_reply_and_hidden_comments_are_not_shown():
    setup = consultation_setup()
    section = setup.consultation.sections.order_by("position").first()
    assert section is not None
    citizen = UserFactory()
    comment_url = url(setup, f"sections/{section.pk}/commenter/")
    # when a citizen comments
    response = client_for(citizen).post(comment_url, {"body": "Il faut un forage à Togba."}, **EN)
    # then they come back to the section, and the comment is there
    assert response.status_code == 302 and response["Location"].endswith(f"#section-{section.pk}")
    comment = Comment.objects.get(section=section)
    assert comment.author == citizen and not comment.is_staff_reply
    # when staff reply
    staff_page = html(client_for(setup.staff).get(url(setup), **EN))
    assert "Reply for the town hall" in staff_page and f'name="parent" value="{comment.pk}"' in staff_page
    response = client_for(setup.staff).post(
        comment_url, {"body": "C'est prévu au budget.", "parent": comment.pk}
    )
    assert response.status_code == 302
    reply = Comment.objects.get(parent=comment)
    assert reply.is_staff_reply
    # and a hidden comment is not shown
    hidden = comment_post(UserFactory(), section, "Message injurieux")
    Comment.objects.filter(pk=hidden.pk).update(hidden=True, hidden_reason="insultes")
    page = html(Client().get(url(setup), **EN))
    assert "Il faut un forage à Togba." in page and "C'est prévu au budget." in page
    assert "Reply of the town hall" in page
    assert "Message injurieux" not in page
    # and a citizen sees no reply form
    assert "Reply for the town hall" not in html(client_for(citizen).get(url(setup), **EN))


def test_a_citizen_cannot_reply_for_the_town_hall_and_an_empty_comment_is_refused_in_place():
    setup = consultation_setup()
    section = setup.consultation.sections.order_by("position").first()
    assert section is not None
    comment = comment_post(UserFactory(), section, "Une remarque")
    comment_url = url(setup, f"sections/{section.pk}/commenter/")
    citizen = client_for(UserFactory())
    assert citizen.post(comment_url, {"body": "Je réponds", "parent": comment.pk}).status_code == 403
    response = citizen.post(comment_url, {"body": "   "}, **EN)
    assert response.status_code == 400
    page = html(response)
    assert f'id="comment-body-{section.pk}-error"' in page and 'aria-invalid="true"' in page
    assert Comment.objects.filter(section=section).count() == 1


def test_comments_need_sign_in_an_open_consultation_and_a_csrf_token():
    setup = consultation_setup()
    section = setup.consultation.sections.order_by("position").first()
    assert section is not None
    comment_url = url(setup, f"sections/{section.pk}/commenter/")
    # signed out: sign in first
    response = Client().post(comment_url, {"body": "Bonjour"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("frontend:login"))
    # without the CSRF token: refused
    strict = client_for(UserFactory(), enforce_csrf_checks=True)
    assert strict.post(comment_url, {"body": "Bonjour"}).status_code == 403
    # closed: refused with a reason, nothing written
    Consultation.objects.filter(pk=setup.consultation.pk).update(phase=Phase.CLOSED)
    response = client_for(UserFactory()).post(comment_url, {"body": "Trop tard"}, **EN)
    assert response.status_code == 409 and "closed" in html(response)
    assert not Comment.objects.exists()


# --- Answering -------------------------------------------------------------------------------------


def test_signed_out_visitors_are_asked_to_sign_in_before_answering():
    setup = consultation_setup()
    response = Client().get(url(setup, "repondre/"))
    assert response.status_code == 302 and "next=" in response["Location"]
    assert Client().post(url(setup, "repondre/"), answers_post(setup)).status_code == 302
    assert not Response.objects.exists()


def test_the_form_is_plain_html_with_every_kind_of_question():
    setup = consultation_setup()
    page = html(client_for(UserFactory()).get(url(setup, "repondre/"), **EN))
    single, multiple, ranking, text = (setup.question(k) for k in ("single", "multiple", "ranking", "text"))
    assert f'type="radio" id="q{single.pk}-o' in page
    assert f'type="checkbox" id="q{multiple.pk}-o' in page and "Choose at most 2 answers." in page
    assert f'<select id="q{ranking.pk}-o' in page and "Not ranked" in page and "Rank 3" in page
    assert "Envelope: 50\u202f000\u202f000 FCFA" in page and "25\u202f000\u202f000 FCFA" in page
    assert f'name="q{text.pk}" rows="5" maxlength="1000"' in page
    assert 'name="arrondissement"' in page and "Godomey" in page
    assert "Save as draft" in page and "Submit my answers" in page
    assert "<script" not in page.split("</head>")[1]


def test_a_citizen_saves_a_draft_then_submits_then_changes_the_answers():
    setup = consultation_setup()
    citizen = UserFactory()
    client = client_for(citizen)
    answer_url = url(setup, "repondre/")
    # when they save a draft
    response = client.post(answer_url, answers_post(setup), **EN)
    # then it is kept, not submitted, and the form shows it back with the projects' total
    assert response.status_code == 302 and response["Location"] == answer_url
    saved = Response.objects.get(user=citizen)
    assert saved.submitted_at is None and saved.arrondissement == setup.arrondissements[1]
    page = html(client.get(answer_url, **EN))
    assert "Your draft is saved." in page and 'data-response-state="draft"' in page
    single = setup.option_ids(QuestionKind.SINGLE)
    assert f'value="{single[0]}" checked' in page
    assert "Your saved choice costs 45\u202f000\u202f000 FCFA" in page
    ranking = setup.question(QuestionKind.RANKING)
    first = setup.option_ids(QuestionKind.RANKING)[2]
    assert re.search(rf'id="q{ranking.pk}-o{first}".*?<option value="1" selected>', page, re.S)
    # when they submit
    response = client.post(answer_url, answers_post(setup, action="submit"), **EN)
    assert response.status_code == 302
    saved.refresh_from_db()
    assert saved.submitted_at is not None
    page = html(client.get(answer_url, **EN))
    assert "Update my answers" in page and "Save as draft" not in page
    # when they change an answer
    response = client.post(
        answer_url,
        answers_post(setup, action="submit", **{f"q{setup.question('single').pk}": str(single[2])}),
    )
    assert response.status_code == 302
    answer = saved.answers.get(question=setup.question(QuestionKind.SINGLE))
    assert [s.option_id for s in answer.selections.all()] == [single[2]]
    assert Response.objects.filter(user=citizen).count() == 1
    ranked = saved.answers.get(question=ranking).selections.order_by("rank")
    assert [s.option_id for s in ranked] == [first, setup.option_ids(QuestionKind.RANKING)[0]]


def test_an_envelope_overspent_is_refused_next_to_the_question_with_the_values_kept():
    setup = consultation_setup()
    envelope = setup.question(QuestionKind.ENVELOPE)
    projects = setup.option_ids(QuestionKind.ENVELOPE)
    post = answers_post(setup, **{f"q{envelope.pk}": [str(projects[1]), str(projects[2])]})
    response = client_for(UserFactory()).post(url(setup, "repondre/"), post, **EN)
    assert response.status_code == 400
    page = html(response)
    assert "more than the envelope" in error_next_to(page, envelope.pk)
    assert f'href="#question-{envelope.pk}"' in page and "data-error-summary" in page
    assert f'value="{projects[1]}" checked' in page and f'value="{projects[2]}" checked' in page
    assert "Plus de lampadaires" in page
    assert not Response.objects.filter(submitted_at__isnull=False).exists()
    assert not Response.objects.filter(answers__isnull=False).exists()


def test_two_options_with_the_same_rank_are_refused_before_saving():
    setup = consultation_setup()
    ranking = setup.question(QuestionKind.RANKING)
    ids = setup.option_ids(QuestionKind.RANKING)
    post = answers_post(setup, **{f"q{ranking.pk}_o{ids[0]}": "1", f"q{ranking.pk}_o{ids[1]}": "1"})
    response = client_for(UserFactory()).post(url(setup, "repondre/"), post, **EN)
    assert response.status_code == 400
    page = html(response)
    assert "Several options share ranks" in error_next_to(page, ranking.pk) or "rank 1" in error_next_to(
        page, ranking.pk
    )
    assert f'href="#question-{ranking.pk}"' in page
    assert not Response.objects.exists()
    # a rank out of range too
    post = answers_post(setup, **{f"q{ranking.pk}_o{ids[1]}": "9"})
    page = html(client_for(UserFactory()).post(url(setup, "repondre/"), post, **EN))
    assert "Choose a rank between 1 and 3" in error_next_to(page, ranking.pk)


def test_a_required_question_left_empty_is_refused_on_submit_but_not_in_a_draft():
    setup = consultation_setup()
    single = setup.question(QuestionKind.SINGLE)
    client = client_for(UserFactory())
    post = answers_post(setup, action="submit", **{f"q{single.pk}": ""})
    response = client.post(url(setup, "repondre/"), post, **EN)
    assert response.status_code == 400
    assert "This question requires an answer." in error_next_to(html(response), single.pk)
    assert not Response.objects.filter(submitted_at__isnull=False).exists()
    # as a draft it is kept
    assert client.post(url(setup, "repondre/"), {**post, "action": "draft"}).status_code == 302
    assert Response.objects.filter(submitted_at__isnull=True).count() == 1


def test_an_arrondissement_of_another_commune_is_refused_next_to_its_field():
    setup = consultation_setup()
    other = consultation_setup()
    post = answers_post(setup, arrondissement=str(other.arrondissements[0].pk))
    response = client_for(UserFactory()).post(url(setup, "repondre/"), post, **EN)
    assert response.status_code == 400
    page = html(response)
    assert 'href="#id_arrondissement"' in page and 'id="id_arrondissement_error"' in page


def test_answering_is_refused_with_a_clear_page_when_not_open():
    for phase, words in ((Phase.ANNOUNCED, "not open yet"), (Phase.CLOSED, "closed")):
        setup = consultation_setup(phase=phase)
        client = client_for(UserFactory())
        response = client.get(url(setup, "repondre/"), **EN)
        assert response.status_code == 409 and words in html(response) and "data-not-open" in html(response)
        response = client.post(url(setup, "repondre/"), answers_post(setup), **EN)
        assert response.status_code == 409
        assert not Response.objects.filter(consultation=setup.consultation).exists()


def test_answering_needs_a_csrf_token():
    setup = consultation_setup()
    strict = client_for(UserFactory(), enforce_csrf_checks=True)
    assert strict.post(url(setup, "repondre/"), answers_post(setup)).status_code == 403
    assert not Response.objects.exists()


# --- Results ---------------------------------------------------------------------------------------


def _answered(setup: Setup) -> None:
    """Two online respondents (one in Godomey) and a workshop of 10 in Togba."""
    single = setup.option_ids(QuestionKind.SINGLE)
    envelope = setup.option_ids(QuestionKind.ENVELOPE)
    for n, arrondissement in enumerate((setup.arrondissements[1].pk, None)):
        response_save(
            UserFactory(),
            setup.consultation,
            {
                "arrondissement": arrondissement,
                "answers": [
                    {"question": setup.question(QuestionKind.SINGLE).pk, "option": single[n]},
                    {"question": setup.question(QuestionKind.ENVELOPE).pk, "projects": [envelope[0]]},
                    {"question": setup.question(QuestionKind.TEXT).pk, "text": "Merci"},
                ],
            },
            submit=True,
        )
    # a draft does not count
    response_save(
        UserFactory(),
        setup.consultation,
        {"answers": [{"question": setup.question(QuestionKind.SINGLE).pk, "option": single[2]}]},
        submit=False,
    )
    workshop = Workshop.objects.create(
        consultation=setup.consultation,
        commune=setup.commune,
        recorded_by=setup.staff,
        held_on=timezone.localdate(),
        arrondissement=setup.arrondissements[2],
        language="fon",
        participants=10,
        women=6,
        men=4,
        age_18_34=7,
        age_35_59=3,
        with_disability=1,
        summary="Atelier de Togba",
    )
    question = setup.question(QuestionKind.SINGLE)
    WorkshopAnswer.objects.create(workshop=workshop, question=question, option_id=single[0], count=7)
    WorkshopAnswer.objects.create(workshop=workshop, question=question, option_id=single[2], count=3)


def test_results_are_refused_to_citizens_while_open_and_shown_live_to_staff():
    setup = consultation_setup()
    _answered(setup)
    assert client_for(UserFactory()).get(url(setup, "resultats/")).status_code == 403
    anonymous = Client().get(url(setup, "resultats/"), **EN)
    assert anonymous.status_code == 403 and "data-results-refused" in html(anonymous)
    # staff of another commune neither
    other = staff_of(CommuneFactory(is_enabled=True), Role.SECRETARY_GENERAL)
    assert client_for(other).get(url(setup, "resultats/")).status_code == 403
    page = html(client_for(setup.staff).get(url(setup, "resultats/"), **EN))
    assert "data-live-results" in page and "data-results" in page


def test_results_are_public_after_close_with_the_figures_of_the_count():
    setup = consultation_setup()
    _answered(setup)
    Consultation.objects.filter(pk=setup.consultation.pk).update(phase=Phase.CLOSED, closed_at=timezone.now())
    setup.consultation.refresh_from_db()
    response = Client().get(url(setup, "resultats/"), **EN)
    assert response.status_code == 200
    page = html(response)
    counted = results.count(setup.consultation)
    p = counted.participation
    assert (p.online, p.workshops, p.workshop_participants, p.people) == (2, 1, 10, 12)
    assert f"<dd data-online>{p.online}</dd>" in page and f"<dd data-people>{p.people}</dd>" in page
    assert f"<dd data-workshop-participants>{p.workshop_participants}</dd>" in page
    assert "data-live-results" not in page
    # the single-choice question: one chart and one table, channels apart
    single = next(qr for qr in counted.questions if qr.kind == QuestionKind.SINGLE)
    table = re.search(rf'data-question-table="{single.question.pk}".*?</table>', page, re.S)
    assert table is not None
    first = single.options[0]
    assert (first.value.online, first.value.workshop, first.value.total) == (1, 7, 8)
    row = re.search(
        rf"<th scope=\"row\">{re.escape(first.option.label)}</th>(.*?)</tr>", table.group(0), re.S
    )
    assert row is not None
    cells = re.findall(r"<td class=\"num\" data-channel=\"(?:online|workshop|total)\">(\d+)", row.group(1))
    assert cells == ["1", "7", "8"]
    assert page.count('role="img"') == 4  # one chart per choice question; the text question has none
    assert '<svg class="consult-chart"' in page and "<title id=" in page and "style=" not in page
    # the envelope: people in favour and the average per person
    envelope = next(qr for qr in counted.questions if qr.kind == QuestionKind.ENVELOPE)
    average = envelope.average_amount(envelope.options[0], "online")
    assert average == 20_000_000 and "20\u202f000\u202f000 FCFA" in page
    # the text question: a count only, never the texts
    assert "2 written answers online." in page and "Merci" not in page
    # by arrondissement: Godomey, Togba and "not stated"
    assert f'data-arrondissement-table="{single.question.pk}"' in page
    assert "Godomey" in page and "Togba" in page and "Not stated" in page
    # gender and age of the workshops' participants
    assert re.search(r"Women</th><td class=\"num\">6<", page)


def test_the_results_include_renders_alone_for_the_staff_pages():
    from django.template.loader import render_to_string

    from frontend.consultations.data import results_context

    setup = consultation_setup()
    _answered(setup)
    context = {"commune": setup.commune, **results_context(setup.consultation, setup.staff)}
    rendered = render_to_string("frontend/consultations/includes/results.html", context)
    assert "data-live-results" in rendered and "data-question-table" in rendered
    assert escape(setup.question(QuestionKind.SINGLE).prompt) in rendered


def test_the_pages_refusals_and_the_services_come_in_one_round():
    # given duplicate ranks (the page's own check) and a required question left empty on submit
    setup = consultation_setup()
    ranking = setup.question(QuestionKind.RANKING)
    single = setup.question(QuestionKind.SINGLE)
    ids = setup.option_ids(QuestionKind.RANKING)
    post = answers_post(
        setup,
        action="submit",
        **{f"q{single.pk}": "", f"q{ranking.pk}_o{ids[0]}": "1", f"q{ranking.pk}_o{ids[1]}": "1"},
    )
    response = client_for(UserFactory()).post(url(setup, "repondre/"), post, **EN)
    # then both are shown at once, each next to its question, and nothing is saved
    assert response.status_code == 400
    page = html(response)
    assert error_next_to(page, ranking.pk)
    assert "requires an answer" in error_next_to(page, single.pk)
    assert f'href="#question-{single.pk}"' in page and f'href="#question-{ranking.pk}"' in page
    assert not Response.objects.exists()
