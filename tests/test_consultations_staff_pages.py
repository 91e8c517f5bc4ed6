"""The consultations' staff pages through Django's test client: the commune's consultations
(``consultations-manage``), a new one (``consultation-new``) and one consultation's page
(``consultation-manage``: its fields, the questionnaire and sections builder, the phases, the live
results, the moderation of comments and the response), and the workspace's consultations block.

Every change goes through the consultations services and lands in the database; every bad input the
pages handle is sent and comes back next to its field, with nothing changed. Who may open the pages
is a matrix (the commune's staff who publish; not the staff of another commune nor a citizen;
anonymous visitors sign in first)."""

from __future__ import annotations

import datetime
import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from consultations.models import Comment, Consultation, Phase, QuestionKind
from consultations.services import comment_post, consultation_create, response_save
from hub.models import AuditLogEntry, Role
from publications.models import DocumentType
from tests.factories import CommuneFactory, UserFactory
from tests.factories_consultations import consultation_setup
from tests.factories_publications import PublishedDocumentFactory
from tests.factories_sessions import staff_of

pytestmark = pytest.mark.django_db


# --- Given ---------------------------------------------------------------------------------------------


def client_for(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def html(response):
    return response.content.decode()


def field_error(response, field_id):
    """The text of the error shown next to the field ``field_id`` (empty when there is none)."""
    found = re.search(rf'<div class="field-error" id="{field_id}_error">(.*?)</div>', html(response), re.S)
    return unescape(re.sub(r"<[^>]+>", "", found.group(1))) if found else ""


def list_url(commune):
    return reverse("frontend:consultations-manage", args=[commune.slug])


def new_url(commune):
    return reverse("frontend:consultation-new", args=[commune.slug])


def manage_url(consultation):
    return reverse("frontend:consultation-manage", args=[consultation.commune.slug, consultation.pk])


@pytest.fixture
def town():
    commune = CommuneFactory(is_enabled=True)
    staff = staff_of(commune, Role.SECRETARY_GENERAL)
    draft = PublishedDocumentFactory(
        commune=commune, type=DocumentType.ANNUAL_WORK_PLAN, title="Projet de PTA 2027", fiscal_year=2027
    )
    return commune, staff, draft


def new_fields(document, **changes):
    day = timezone.localdate() + datetime.timedelta(days=3)
    data = {
        "title": "Projet de PTA 2027",
        "summary": "Donnez votre avis.",
        "opens_on": day.isoformat(),
        "opens_time": "08:00",
        "closes_on": (day + datetime.timedelta(days=20)).isoformat(),
        "closes_time": "18:00",
        "draft": str(document.pk),
        "comments_enabled": "on",
    }
    data.update(changes)
    return data


def question(**changes):
    data = {"action": "question_save", "kind": "single", "prompt": "Quel secteur ?", "help_text": ""}
    data.update(changes)
    return data


def draft_consultation(commune, staff, **fields):
    now = timezone.now()
    data = {
        "title": "Budget 2027",
        "opens_at": (now + datetime.timedelta(days=2)).isoformat(),
        "closes_at": (now + datetime.timedelta(days=30)).isoformat(),
        "questions": [
            {"kind": "single", "prompt": "Premier ?", "options": [{"label": "A"}, {"label": "B"}]},
            {"kind": "text", "prompt": "Deuxième ?"},
            {"kind": "ranking", "prompt": "Troisième ?", "options": [{"label": "X"}, {"label": "Y"}]},
        ],
        **fields,
    }
    return consultation_create(staff, commune, data)


# --- Making a consultation -----------------------------------------------------------------------------


def test_staff_create_a_consultation_and_build_its_questionnaire_and_sections(town):
    commune, staff, draft = town
    client = client_for(staff)

    # When the staff create it from the list page's form
    listing = client.get(list_url(commune))
    assert listing.status_code == 200 and escape("Projet de PTA 2027") in html(listing)
    created = client.post(new_url(commune), new_fields(draft))

    # Then it is a draft about the document, and the manage page opens
    consultation = Consultation.objects.get(commune=commune)
    assert created.status_code == 302 and created["Location"] == manage_url(consultation)
    assert consultation.phase == Phase.DRAFT and consultation.draft == draft
    assert consultation.comments_enabled is True
    assert timezone.localtime(consultation.opens_at).strftime("%H:%M") == "08:00"
    assert AuditLogEntry.objects.filter(action="consultations.create").count() == 1

    # When they add a single choice, a ranking and an envelope question
    url = manage_url(consultation)
    assert client.post(url, question(options="Eau\nÉcoles\n\nRoutes", required="on")).status_code == 302
    ranking = question(
        kind="ranking", prompt="Classez", max_choices="2", options="Forages\nÉclairage\nCaniveaux"
    )
    assert client.post(url, ranking).status_code == 302
    envelope = question(
        kind="envelope",
        prompt="Répartissez l'enveloppe",
        envelope_xof="50 000 000",
        options="Forage à Zinvié | 12500000\nMarché de Godomey | 20 000 000 FCFA | Halle couverte",
    )
    assert client.post(url, envelope).status_code == 302
    # and two sections of the draft
    client.post(url, {"action": "section_save", "heading": "Axe 1 : eau", "body": "Forages"})
    client.post(url, {"action": "section_save", "heading": "Axe 2 : écoles", "body": ""})

    # Then the questionnaire is in the database, options parsed with their costs
    questions = list(consultation.questions.prefetch_related("options"))
    assert [q.kind for q in questions] == ["single", "ranking", "envelope"]
    assert [o.label for o in questions[0].options.all()] == ["Eau", "Écoles", "Routes"]
    assert questions[0].required is True and questions[1].max_choices == 2
    assert questions[2].envelope_xof == 50_000_000
    assert [(o.label, o.cost_xof, o.description) for o in questions[2].options.all()] == [
        ("Forage à Zinvié", 12_500_000, ""),
        ("Marché de Godomey", 20_000_000, "Halle couverte"),
    ]
    assert list(consultation.sections.values_list("heading", flat=True)) == ["Axe 1 : eau", "Axe 2 : écoles"]
    page = html(client.get(url))
    assert "12\u202f500\u202f000 FCFA" in page and escape("Axe 2 : écoles") in page
    listing = html(client.get(list_url(commune)))
    assert f'id="consultation-{consultation.pk}" data-phase="draft"' in listing


def test_bad_options_come_back_next_to_the_options_field(town):
    commune, staff, _draft = town
    consultation = draft_consultation(commune, staff)
    client = client_for(staff)
    url = manage_url(consultation)
    before = list(consultation.questions.values_list("pk", flat=True))

    # An envelope line without a cost, and a cost that is not a number
    refused = client.post(
        url,
        question(kind="envelope", envelope_xof="1000000", options="Forage | 500000\nMarché\nPistes | abc\n"),
    )
    assert refused.status_code == 400
    error = field_error(refused, "id_q_options")
    assert "Line 2 (“Marché”): give the project's cost" in error
    assert "Line 3 (“Pistes”): the cost “abc” is not a whole amount in XOF." in error
    # What was typed comes back
    assert "Forage | 500000" in html(refused)

    # One option only for a single choice: the service's words, next to the options
    refused = client.post(url, question(options="Seule option"))
    assert refused.status_code == 400
    assert "Give at least 2 options." in field_error(refused, "id_q_options")

    # Two options with the same label: the service's error on the line it came from
    refused = client.post(url, question(options="Eau\n\nEau"))
    assert "Line 3: Two options have the same label." in field_error(refused, "id_q_options")

    # An envelope without its amount, a bad limit of choices
    refused = client.post(url, question(kind="envelope", envelope_xof="", options="A | 10"))
    assert "This field is required." in field_error(refused, "id_q_envelope_xof")
    refused = client.post(url, question(kind="multiple", max_choices="abc", options="A\nB"))
    assert "Enter a whole number." in field_error(refused, "id_q_max_choices")
    # A question without its prompt
    refused = client.post(url, question(prompt="", options="A\nB"))
    assert field_error(refused, "id_q_prompt")

    # Nothing changed
    assert list(consultation.questions.values_list("pk", flat=True)) == before


def test_bad_fields_of_a_new_consultation_come_back_next_to_them(town):
    commune, staff, draft = town
    client = client_for(staff)

    # Closing before it opens
    day = timezone.localdate() + datetime.timedelta(days=5)
    refused = client.post(
        new_url(commune),
        new_fields(draft, closes_on=(day - datetime.timedelta(days=1)).isoformat(), opens_on=day.isoformat()),
    )
    assert refused.status_code == 400
    assert "The consultation must close after it opens." in field_error(refused, "id_new_closes_on")

    # No title, a document of another commune, no time
    elsewhere = PublishedDocumentFactory(commune=CommuneFactory(is_enabled=True), fiscal_year=2027)
    refused = client.post(new_url(commune), new_fields(draft, title="", draft=str(elsewhere.pk)))
    assert field_error(refused, "id_new_title")
    assert field_error(refused, "id_new_draft")
    refused = client.post(new_url(commune), new_fields(draft, opens_time=""))
    assert field_error(refused, "id_new_opens_time")

    assert not Consultation.objects.filter(commune=commune).exists()


def test_edit_move_and_delete_a_question(town):
    commune, staff, _draft = town
    consultation = draft_consultation(commune, staff)
    client = client_for(staff)
    url = manage_url(consultation)
    first = consultation.questions.first()

    # The edit link fills the form with the question, its options one per line
    editing = client.get(url, {"question": first.pk})
    assert f'name="question" value="{first.pk}"' in html(editing)
    assert "A\nB</textarea>" in html(editing)

    # When the first question is edited
    edited = client.post(url, question(question=str(first.pk), prompt="Premier, revu ?", options="A\nB\nC"))
    assert edited.status_code == 302
    assert list(consultation.questions.values_list("prompt", flat=True)) == [
        "Premier, revu ?",
        "Deuxième ?",
        "Troisième ?",
    ]
    assert consultation.questions.first().options.count() == 3

    # When the last question moves up
    third = consultation.questions.get(prompt="Troisième ?")
    client.post(url, {"action": "question_move", "question": third.pk, "direction": "up"})
    assert list(consultation.questions.values_list("prompt", flat=True)) == [
        "Premier, revu ?",
        "Troisième ?",
        "Deuxième ?",
    ]

    # When the first is deleted
    first = consultation.questions.get(prompt="Premier, revu ?")
    client.post(url, {"action": "question_delete", "question": first.pk})
    assert list(consultation.questions.values_list("prompt", flat=True)) == ["Troisième ?", "Deuxième ?"]

    # A stale id (the list was rebuilt meanwhile) changes nothing and says so
    stale = client.post(url, {"action": "question_delete", "question": first.pk}, follow=True)
    assert "changed in the meantime" in html(stale)
    assert consultation.questions.count() == 2

    # Sections too: add, edit, move, delete
    client.post(url, {"action": "section_save", "heading": "Axe 1", "body": ""})
    client.post(url, {"action": "section_save", "heading": "Axe 2", "body": ""})
    one, two = consultation.sections.all()
    client.post(url, {"action": "section_save", "section": one.pk, "heading": "Axe 1 : eau", "body": "x"})
    two = consultation.sections.get(heading="Axe 2")
    client.post(url, {"action": "section_move", "section": two.pk, "direction": "up"})
    assert list(consultation.sections.values_list("heading", flat=True)) == ["Axe 2", "Axe 1 : eau"]
    refused = client.post(url, {"action": "section_save", "heading": "", "body": ""})
    assert refused.status_code == 400 and field_error(refused, "id_s_heading")
    client.post(url, {"action": "section_delete", "section": consultation.sections.get(heading="Axe 2").pk})
    assert list(consultation.sections.values_list("heading", flat=True)) == ["Axe 1 : eau"]


# --- Phases ----------------------------------------------------------------------------------------


def test_announce_open_and_close_then_the_questionnaire_is_read_only(town):
    commune, staff, _draft = town
    consultation = draft_consultation(commune, staff)
    client = client_for(staff)
    url = manage_url(consultation)

    # Announce
    assert client.post(url, {"action": "phase", "target": "announced"}).status_code == 302
    consultation.refresh_from_db()
    assert consultation.phase == Phase.ANNOUNCED and consultation.announced_at is not None

    # Open now
    assert client.post(url, {"action": "phase", "target": "open"}).status_code == 302
    consultation.refresh_from_db()
    assert consultation.phase == Phase.OPEN and consultation.opens_at <= timezone.now()

    # Once open: the questionnaire is read-only, and a builder's form sent anyway is refused
    page = html(client.get(url))
    assert "data-read-only" in page and 'value="question_save"' not in page
    assert 'name="opens_on"' not in page and 'name="closes_on"' in page
    refused = client.post(url, question(options="A\nB"))
    assert refused.status_code == 409
    assert "Once open, only the title, the summary and the closing date can change" in html(refused)
    assert consultation.questions.count() == 3

    # Close without confirming: refused next to the box
    refused = client.post(url, {"action": "phase", "target": "closed"})
    assert refused.status_code == 400
    assert "Tick the box to confirm the closing." in field_error(refused, "id_phase_confirm")
    consultation.refresh_from_db()
    assert consultation.phase == Phase.OPEN

    # Close, confirmed
    assert client.post(url, {"action": "phase", "target": "closed", "confirm": "on"}).status_code == 302
    consultation.refresh_from_db()
    assert consultation.phase == Phase.CLOSED
    actions = set(AuditLogEntry.objects.values_list("action", flat=True))
    assert {"consultations.announced", "consultations.open", "consultations.closed"} <= actions

    # A move the phase does not allow: the service's reason on the page
    refused = client.post(url, {"action": "phase", "target": "open"})
    assert refused.status_code == 409
    assert "cannot become" in html(refused)


def test_opening_an_empty_consultation_is_refused_with_the_reason(town):
    commune, staff, _draft = town
    now = timezone.now()
    empty = consultation_create(
        staff,
        commune,
        {
            "title": "Vide",
            "opens_at": (now + datetime.timedelta(days=1)).isoformat(),
            "closes_at": (now + datetime.timedelta(days=9)).isoformat(),
        },
    )
    refused = client_for(staff).post(manage_url(empty), {"action": "phase", "target": "open"})
    assert refused.status_code == 400
    assert "Add at least one question" in html(refused)
    empty.refresh_from_db()
    assert empty.phase == Phase.DRAFT


# --- Results, comments, response -------------------------------------------------------------------


def test_staff_follow_live_results_and_read_free_text_answers_without_names():
    setup = consultation_setup(phase=Phase.OPEN)
    citizen = UserFactory(display_name="Koffi Secret")
    text_question = setup.question(QuestionKind.TEXT)
    response_save(
        citizen,
        setup.consultation,
        {
            "answers": [
                {"question": setup.question(QuestionKind.SINGLE).pk, "option": setup.option_ids("single")[0]},
                {"question": text_question.pk, "text": "Plus de lampadaires à Togba"},
            ]
        },
        submit=True,
    )

    page = client_for(setup.staff).get(manage_url(setup.consultation))

    assert page.status_code == 200
    body = html(page)
    assert 'id="results"' in body and "Live results" in body
    assert f'data-text-answers="{text_question.pk}"' in body
    assert escape("Plus de lampadaires à Togba") in body
    assert "Koffi Secret" not in body


def test_staff_hide_a_comment_and_reply_to_another():
    setup = consultation_setup(phase=Phase.OPEN)
    citizen = UserFactory(display_name="Awa")
    section = setup.consultation.sections.first()
    rude = comment_post(citizen, section, "Un commentaire injurieux")
    fair = comment_post(citizen, section, "Il faut un forage à Akassato")
    client = client_for(setup.staff)
    url = manage_url(setup.consultation)

    page = html(client.get(url))
    assert f'id="comment-{rude.pk}"' in page and 'value="comment_hide"' in page

    # Hiding without a reason is refused next to the reason
    refused = client.post(url, {"action": "comment_hide", "comment": rude.pk, "reason": ""})
    assert refused.status_code == 400
    assert field_error(refused, f"id_hide_{rude.pk}_reason")
    rude.refresh_from_db()
    assert rude.hidden is False

    # Hidden with a reason
    assert (
        client.post(url, {"action": "comment_hide", "comment": rude.pk, "reason": "Injure"}).status_code
        == 302
    )
    rude.refresh_from_db()
    assert rude.hidden is True and rude.hidden_reason == "Injure"

    # A reply, then an empty one refused
    replied = client.post(
        url, {"action": "comment_reply", "comment": fair.pk, "body": "C'est prévu en 2027."}
    )
    assert replied.status_code == 302
    reply = Comment.objects.get(parent=fair)
    assert reply.is_staff_reply and reply.author == setup.staff
    refused = client.post(url, {"action": "comment_reply", "comment": fair.pk, "body": ""})
    assert refused.status_code == 400 and field_error(refused, f"id_reply_{fair.pk}_body")

    # A comment of another consultation is not found here
    other = consultation_setup(phase=Phase.OPEN)
    stranger = comment_post(citizen, other.consultation.sections.first(), "Ailleurs")
    missing = client.post(url, {"action": "comment_hide", "comment": stranger.pk, "reason": "x"})
    assert missing.status_code == 404
    assert set(AuditLogEntry.objects.values_list("action", flat=True)) >= {
        "consultations.comment_hide",
        "consultations.comment_reply",
    }


def test_staff_publish_the_response_with_the_adopted_document():
    setup = consultation_setup(phase=Phase.OPEN)
    citizen = UserFactory()
    response_save(
        citizen,
        setup.consultation,
        {
            "answers": [
                {"question": setup.question(QuestionKind.SINGLE).pk, "option": setup.option_ids("single")[0]}
            ]
        },
        submit=True,
    )
    Consultation.objects.filter(pk=setup.consultation.pk).update(phase=Phase.CLOSED)
    adopted = PublishedDocumentFactory(
        commune=setup.commune, type=DocumentType.ANNUAL_WORK_PLAN, title="PTA 2027 adopté", fiscal_year=2027
    )
    client = client_for(setup.staff)
    url = manage_url(setup.consultation)

    # The response form offers the commune's published documents
    page = html(client.get(url))
    assert 'value="respond"' in page and f'<option value="{adopted.pk}">' in page

    # An empty response is refused next to its field
    refused = client.post(url, {"action": "respond", "response_text": "", "adopted_document": ""})
    assert refused.status_code == 400 and field_error(refused, "id_r_response_text")

    # Published
    done = client.post(
        url,
        {
            "action": "respond",
            "response_text": "Nous avons entendu : l'eau d'abord.",
            "adopted_document": adopted.pk,
        },
        follow=True,
    )
    setup.consultation.refresh_from_db()
    assert setup.consultation.phase == Phase.RESPONDED
    assert setup.consultation.adopted_document == adopted
    body = html(done)
    assert "1 participant is told" in body
    assert "Response published on" in body and "1 participant notified." in body
    assert escape("PTA 2027 adopté") in body


# --- Who may ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["other_staff", "citizen", "moderator"])
def test_only_the_communes_publishing_staff_open_the_pages(town, who):
    commune, staff, draft = town
    consultation = draft_consultation(commune, staff)
    user = {
        "other_staff": lambda: staff_of(CommuneFactory(is_enabled=True), Role.MAYOR),
        "citizen": UserFactory,
        "moderator": lambda: staff_of(commune, Role.MODERATOR),
    }[who]()
    client = client_for(user)
    url = manage_url(consultation)

    for page in (list_url(commune), new_url(commune), url):
        refused = client.get(page)
        assert refused.status_code == 403
        assert "make and run its consultations" in html(refused)
    assert client.post(new_url(commune), new_fields(draft)).status_code == 403
    assert client.post(url, question(options="A\nB")).status_code == 403
    assert client.post(url, {"action": "phase", "target": "open"}).status_code == 403
    consultation.refresh_from_db()
    assert consultation.phase == Phase.DRAFT and consultation.questions.count() == 3
    assert Consultation.objects.filter(commune=commune).count() == 1


def test_signed_out_visitors_sign_in_first_and_posts_need_csrf(town):
    commune, staff, _draft = town
    consultation = draft_consultation(commune, staff)
    for page in (list_url(commune), new_url(commune), manage_url(consultation)):
        answer = Client().get(page)
        assert answer.status_code == 302 and answer["Location"].startswith(reverse("frontend:login"))

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff)
    assert strict.post(manage_url(consultation), {"action": "phase", "target": "open"}).status_code == 403
    consultation.refresh_from_db()
    assert consultation.phase == Phase.DRAFT


def test_a_consultation_of_another_commune_is_not_found_here(town):
    commune, staff, _draft = town
    other = consultation_setup(phase=Phase.DRAFT)
    url = reverse("frontend:consultation-manage", args=[commune.slug, other.consultation.pk])
    assert client_for(staff).get(url).status_code == 404


# --- The workspace ---------------------------------------------------------------------------------


def test_the_workspace_counts_open_consultations_and_those_awaiting_a_response():
    setup = consultation_setup(phase=Phase.OPEN)
    closed = draft_consultation(setup.commune, setup.staff, title="PDC 2027-2031")
    Consultation.objects.filter(pk=closed.pk).update(phase=Phase.CLOSED)

    page = client_for(setup.staff).get(reverse("frontend:workspace", args=[setup.commune.slug]))

    body = html(page)
    assert page.status_code == 200
    assert "1 consultation open" in body
    assert f"{manage_url(closed)}#response" in body
    assert escape("PDC 2027-2031") in body


def test_staff_record_the_citizen_councils_opinion_shown_beside_the_results():
    from consultations.models import CitizenCouncilMeeting, CouncilOpinion

    setup = consultation_setup(phase=Phase.CLOSED)
    meeting = CitizenCouncilMeeting.objects.create(commune=setup.commune, held_on=timezone.localdate())
    other_meeting = CitizenCouncilMeeting.objects.create(
        commune=CommuneFactory(is_enabled=True), held_on=timezone.localdate()
    )
    client = client_for(setup.staff)
    url = manage_url(setup.consultation)

    # An empty opinion, or a meeting of another commune, is refused next to its field
    refused = client.post(url, {"action": "opinion", "text": "", "meeting": ""})
    assert refused.status_code == 400 and field_error(refused, "id_o_text")
    refused = client.post(url, {"action": "opinion", "text": "Avis", "meeting": str(other_meeting.pk)})
    assert refused.status_code == 400 and field_error(refused, "id_o_meeting")
    assert not CouncilOpinion.objects.exists()

    # Recorded, then replaced
    done = client.post(
        url, {"action": "opinion", "text": "Le conseil citoyen approuve.", "meeting": str(meeting.pk)}
    )
    assert done.status_code == 302 and done["Location"].endswith("#opinion")
    client.post(
        url, {"action": "opinion", "text": "Le conseil citoyen approuve, avec réserves.", "meeting": ""}
    )
    opinion = CouncilOpinion.objects.get(consultation=setup.consultation)
    assert opinion.text == "Le conseil citoyen approuve, avec réserves." and opinion.meeting is None
    assert AuditLogEntry.objects.filter(object_type="consultations.councilopinion").exists()

    # Shown beside the public results
    results = Client().get(
        reverse("frontend:consultation-results", args=[setup.commune.slug, setup.consultation.pk])
    )
    assert "Le conseil citoyen approuve, avec réserves." in html(results)

    # Staff of another commune cannot record it
    elsewhere = client_for(staff_of(CommuneFactory(is_enabled=True), Role.SECRETARY_GENERAL))
    assert elsewhere.post(url, {"action": "opinion", "text": "Non"}).status_code in (403, 404)
