"""The commitment pages: the commune's tracker (filters, pages, open-data links), a commitment's page
(origin, timeline with photos and documents), and the staff forms (update, edit, new) as role ×
action with nothing written when refused, and every bad input shown next to its field in the API's
words. Everything works without JavaScript."""

from __future__ import annotations

import datetime
import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import pgettext

from commitments import services
from commitments.models import Commitment, CommitmentPhoto, CommitmentUpdate
from hub.models import AuditLogEntry, OutboxEvent, Role
from tests.factories import CommuneFactory, MembershipFactory, UserFactory
from tests.factories_commitments import CommitmentFactory, accepted_proposal, answered_question
from tests.factories_publications import EXE_BYTES, DocumentFactory, PublishedDocumentFactory, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def staff(commune, role=Role.MAYOR):  # type: ignore[no-untyped-def]
    return MembershipFactory(commune=commune, role=role).user


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def png(name: str = "chantier.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(40, 30), content_type="image/png")


# --- Reading ---------------------------------------------------------------------------------------


def test_the_tracker_lists_filters_and_links_the_open_data():
    # given Cotonou's commitments: one overdue, one done, and one elsewhere
    cotonou = CommuneFactory(slug="cotonou", name="Cotonou")
    late = CommitmentFactory(commune=cotonou, text="Éclairage de la route des pêches", due_on=in_days(-3))
    done = CommitmentFactory(commune=cotonou, text="Toiture du marché", status="done")
    CommitmentFactory(text="Ailleurs")
    # when anyone opens the tracker
    page = html(Client().get("/communes/cotonou/engagements/"))
    # then both are listed with their status, the overdue one says so, and the open data follows
    assert escape(late.text) in page and escape(done.text) in page and "Ailleurs" not in page
    assert "commitment-status--overdue" in page and f'href="/engagements/{late.pk}/"' in page
    assert "/api/v1/commitments/export.csv?commune=cotonou" in page
    assert "New commitment" not in page and "Nouvel engagement" not in page
    # and the filters narrow it, the export links following them
    overdue = html(Client().get("/communes/cotonou/engagements/", {"en_retard": "oui"}))
    assert escape(late.text) in overdue and escape(done.text) not in overdue
    assert "export.csv?commune=cotonou&amp;overdue=true" in overdue
    kept = html(Client().get("/communes/cotonou/engagements/", {"statut": "done"}))
    assert escape(done.text) in kept and escape(late.text) not in kept
    # and junk in the query string is ignored, not an error
    assert (
        Client()
        .get("/communes/cotonou/engagements/", {"statut": "<x>", "seance": "abc", "page": "zz"})
        .status_code
        == 200
    )
    assert Client().get("/communes/atlantide/engagements/").status_code == 404


def counts_shown(page: str) -> list[str]:
    block = re.search(r'<ul class="commitment-counts"[^>]*>(.*?)</ul>', page, re.S).group(1)  # type: ignore[union-attr]
    return [
        " ".join(unescape(re.sub(r"<[^>]+>", "", item)).split())
        for item in re.findall(r"<li>(.*?)</li>", block, re.S)
    ]


def test_the_trackers_counts_say_done_not_kept_and_agree_in_number():
    # given one commitment done on time, one done late, one overdue
    cotonou = CommuneFactory(slug="cotonou")
    now = timezone.now()
    CommitmentFactory(commune=cotonou, status="done", due_on=in_days(5), done_at=now)
    CommitmentFactory(commune=cotonou, status="done", due_on=in_days(-5), done_at=now)
    CommitmentFactory(commune=cotonou, due_on=in_days(-1))
    # when anyone reads the tracker in English
    page = html(Client().get("/communes/cotonou/engagements/", HTTP_ACCEPT_LANGUAGE="en"))
    # then the done count includes the late one and says "done" (not "kept", which is the
    # scorecard's "kept on time"), and each label agrees with its number
    assert counts_shown(page) == ["3 commitments", "1 open", "1 overdue", "2 done"]
    one = html(
        Client().get("/communes/cotonou/engagements/", {"en_retard": "oui"}, HTTP_ACCEPT_LANGUAGE="en")
    )
    assert counts_shown(one)[3] == "2 done"  # the counts are the commune's, whatever the filters


def test_the_trackers_filter_button_is_a_verb():
    # given a commune's tracker in French
    CommuneFactory(slug="cotonou")
    page = html(Client().get("/communes/cotonou/engagements/"))
    # then its button is not the admin's noun "Filtre" (the shared msgid "Filter" is one)
    button = re.search(r'<button type="submit" class="button">(.*?)</button>', page).group(1)  # type: ignore[union-attr]
    assert button.strip() and button.strip() != "Filtre"
    with translation.override("fr"):
        assert button.strip() == pgettext("verb", "Filter")


def test_the_tracker_pages_twenty_at_a_time():
    cotonou = CommuneFactory(slug="cotonou")
    CommitmentFactory.create_batch(25, commune=cotonou)
    first = html(Client().get("/communes/cotonou/engagements/"))
    second = html(Client().get("/communes/cotonou/engagements/", {"page": 2}))
    assert first.count('class="commitment-item"') == 20 and second.count('class="commitment-item"') == 5
    assert 'rel="next"' in first


def test_a_commitments_page_shows_its_question_and_its_timeline_with_evidence():
    # given a commitment from an answered question, with an update bearing a photo and a document
    question = answered_question(upvoters=2)
    commune = question.session.commune
    mayor = staff(commune)
    commitment = services.commitment_create_from_question(
        actor=mayor, commune=commune, question_id=question.pk, text="Curer les caniveaux", due_on=in_days(30)
    )
    document = PublishedDocumentFactory(commune=commune, title="Rapport des travaux")
    services.commitment_post_update(
        actor=mayor,
        commitment=commitment,
        text="Premier tronçon fini",
        progress=40,
        document=document.pk,
        photos=[png()],
    )
    # when anyone opens it
    page = html(Client().get(f"/engagements/{commitment.pk}/"))
    # then the question, its asker and upvotes, the answer and the timeline are there
    assert escape(question.text) in page and escape(question.author.display_name) in page
    assert "2 citoyens l’ont soutenue" in page or "2 citizens upvoted it" in page or "2 citoyens" in page
    assert escape("Les travaux commencent en mars.") in page
    assert "Premier tronçon fini" in page and "Rapport des travaux" in page
    photo = CommitmentPhoto.objects.get()
    assert f'src="/api/v1/commitments/photos/{photo.pk}/"' in page and 'alt="' in page
    assert 'value="40"' in page  # the progress bar
    # and no staff form for a citizen
    assert "update-form" not in page
    assert Client().get("/engagements/999999/").status_code == 404


def test_a_proposals_commitment_shows_the_proposal_and_its_supporters():
    proposal = accepted_proposal(supporters=3)
    commitment = services.commitment_create_from_proposal(
        actor=staff(proposal.commune), commune=proposal.commune, proposal_id=proposal.pk, text="Poubelles"
    )
    page = html(Client().get(f"/engagements/{commitment.pk}/"))
    assert escape(proposal.title) in page and escape(proposal.author.display_name) in page
    assert "3 soutiens" in page or "3 supporters" in page
    assert f'href="/forum/sujets/{proposal.pk}/"' in page


def test_an_anonymous_askers_name_is_never_shown():
    question = answered_question(anonymous=True)
    commitment = services.commitment_create_from_question(
        actor=staff(question.session.commune),
        commune=question.session.commune,
        question_id=question.pk,
        text="E",
    )
    assert escape(question.author.display_name) not in html(Client().get(f"/engagements/{commitment.pk}/"))


def test_the_commune_page_links_the_tracker_and_the_scorecard_has_the_column():
    cotonou = CommuneFactory(slug="cotonou", name="Cotonou")
    assert 'href="/communes/cotonou/engagements/"' in html(Client().get("/communes/cotonou/"))
    scorecard = Client().get("/transparence/")
    assert scorecard.status_code == 200
    del cotonou


# --- Staff forms: who may -------------------------------------------------------------------------

ROLES = {
    "mayor": Role.MAYOR,
    "secretary_general": Role.SECRETARY_GENERAL,
    "communication": Role.COMMUNICATION_OFFICER,
    "moderator": Role.MODERATOR,
    "deputy": Role.DEPUTY_MAYOR,
}
ALLOWED = {"mayor", "secretary_general", "communication"}


def user_for(who: str, commune):  # type: ignore[no-untyped-def]
    if who == "anonymous":
        return None
    if who == "citizen":
        return UserFactory()
    if who == "mayor_elsewhere":
        return staff(CommuneFactory())
    return staff(commune, ROLES[who])


FORMS = {
    "update": lambda c: (
        f"/engagements/{c.pk}/mise-a-jour/",
        {"text": "Avancement", "status": "in_progress"},
    ),
    "edit": lambda c: (
        f"/engagements/{c.pk}/modifier/",
        {"text": "Corrigé", "owner_role": "", "owner_office": "", "due_on": ""},
    ),
    "new": lambda c: (
        f"/communes/{c.commune.slug}/engagements/nouveau/",
        {"origin": "direct", "text": "Nouveau"},
    ),
}


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("who", [*ROLES, "citizen", "anonymous", "mayor_elsewhere"])
def test_staff_forms_matrix(form, who):
    # given a commitment and someone
    commitment = CommitmentFactory()
    user = user_for(who, commitment.commune)
    path, data = FORMS[form](commitment)
    client = signed_in(user)
    # when they open the page, then submit the form
    page = client.get(f"/engagements/{commitment.pk}/") if form != "new" else client.get(path)
    response = client.post(path, data)
    # then only the commune's publishing staff see the form and may submit it
    if who in ALLOWED:
        assert page.status_code == 200 and ("update-form" in html(page) or form == "new")
        assert response.status_code == 302, html(response)[:2000]
        assert AuditLogEntry.objects.filter(actor=user).exists()
        return
    if who == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/connexion/?next=")
    else:
        assert response.status_code == 403
        if form != "new":
            assert "update-form" not in html(page)
        else:
            assert page.status_code == 403
    fresh = Commitment.objects.get()
    assert Commitment.objects.count() == 1 and (fresh.text, fresh.status) == (commitment.text, "planned")
    assert not CommitmentUpdate.objects.exists() and not AuditLogEntry.objects.exists()
    assert not OutboxEvent.objects.exists()


def test_forms_need_their_csrf_token():
    commitment = CommitmentFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff(commitment.commune))
    response = client.post(f"/engagements/{commitment.pk}/mise-a-jour/", {"text": "x"})
    assert response.status_code == 403 and not CommitmentUpdate.objects.exists()


# --- Staff forms: the happy paths -------------------------------------------------------------------


def test_posting_an_update_with_photos_and_a_document_puts_it_on_the_timeline():
    commitment = CommitmentFactory()
    document = PublishedDocumentFactory(commune=commitment.commune, title="Procès-verbal de réception")
    client = signed_in(staff(commitment.commune, Role.SECRETARY_GENERAL))
    page = html(client.get(f"/engagements/{commitment.pk}/"))
    assert "Procès-verbal de réception" in page  # offered as evidence
    response = client.post(
        f"/engagements/{commitment.pk}/mise-a-jour/",
        {
            "text": "Réception des travaux",
            "status": "done",
            "progress": "",
            "document": str(document.pk),
            "photos": [png("a.png"), png("b.png")],
        },
    )
    update = CommitmentUpdate.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/engagements/{commitment.pk}/#update-{update.pk}"
    )
    assert update.status == "done" and update.document == document and update.photos.count() == 2
    assert Commitment.objects.get().progress == 100
    after = html(Client().get(f"/engagements/{commitment.pk}/"))
    assert "Réception des travaux" in after and after.count("/api/v1/commitments/photos/") >= 2


def test_editing_and_making_a_commitment_from_an_accepted_proposal():
    cotonou = CommuneFactory(slug="cotonou")
    proposal = accepted_proposal(cotonou, supporters=1)
    mayor = staff(cotonou)
    client = signed_in(mayor)
    form = html(client.get("/communes/cotonou/engagements/nouveau/", {"proposition": proposal.pk}))
    assert escape(proposal.title) in form
    made = client.post(
        "/communes/cotonou/engagements/nouveau/",
        {
            "origin": "proposal",
            "proposal": str(proposal.pk),
            "text": "Vingt poubelles",
            "owner_role": "",
            "owner_office": "Service d'hygiène",
            "due_on": in_days(60).isoformat(),
        },
    )
    commitment = Commitment.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/engagements/{commitment.pk}/"
    assert commitment.proposal == proposal and commitment.owner_office == "Service d'hygiène"
    edited = client.post(
        f"/engagements/{commitment.pk}/modifier/",
        {
            "text": "Vingt-cinq poubelles",
            "owner_role": "secretary_general",
            "owner_office": "",
            "due_on": in_days(90).isoformat(),
        },
    )
    commitment.refresh_from_db()
    assert edited.status_code == 302 and commitment.text == "Vingt-cinq poubelles"
    assert commitment.owner_role == "secretary_general" and commitment.due_on == in_days(90)
    assert CommitmentUpdate.objects.get(commitment=commitment).due_on == in_days(90)


# --- Staff forms: bad input, next to its field, in the API's words ------------------------------------


def field_error(page: str, field: str) -> str:
    """The error text shown with a field (the include's ``<id>_error`` block)."""
    match = re.search(rf'id="id_{field}_error">(.*?)</div>', page, re.S)
    if not match:
        return ""
    shown = re.sub(r'<span class="visually-hidden">.*?</span>', "", match.group(1))
    return unescape(re.sub(r"<[^>]+>", "", shown)).strip()


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"progress": "150"}, "progress", "100"),
        ({"progress": "beaucoup"}, "progress", ""),
        ({"status": "lost"}, "status", ""),
        ({"text": ""}, "text", "Dites ce qui est nouveau"),
        ({"text": "x" * 4001}, "text", "4000"),
        ({"document": "draft"}, "document", "document publié"),
        ({"document": "foreign"}, "document", "document publié"),
        ({"photos": "five"}, "photos", "4 photos"),
        ({"photos": "exe"}, "photos", ""),
    ],
)
def test_a_bad_update_comes_back_with_the_reason_and_nothing_is_written(data, field, words):
    commitment = CommitmentFactory()
    documents = {
        "draft": str(DocumentFactory(commune=commitment.commune).pk),
        "foreign": str(PublishedDocumentFactory().pk),
    }

    def body():  # type: ignore[no-untyped-def]
        """The form as sent, with fresh files each time."""
        values = {
            **documents,
            "five": [png(f"{i}.png") for i in range(5)],
            "exe": [SimpleUploadedFile("photo.png", EXE_BYTES, content_type="image/png")],
        }
        sent = {key: values.get(value, value) for key, value in data.items()}
        return {"text": "Avancement", "status": "", "progress": "", "document": "", **sent}

    response = signed_in(staff(commitment.commune)).post(f"/engagements/{commitment.pk}/mise-a-jour/", body())
    page = html(response)
    assert response.status_code == 400, page[:500]
    assert field_error(page, field), page[page.find("error-summary") : page.find("error-summary") + 800]
    assert words in field_error(page, field)
    assert "error-summary" in page and "aria-invalid" in page
    assert not CommitmentUpdate.objects.exists() and not CommitmentPhoto.objects.exists()
    # the same input refused by the API in the same words
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(staff(commitment.commune))
    answer = api.post(f"/api/v1/commitments/{commitment.pk}/updates/", body(), format="multipart")
    assert answer.status_code == 400
    assert (
        answer.json()["error"]["fields"][field][0]
        == field_error(page, field).removeprefix("Erreur : ").strip()
    )


def staff_forms(page: str) -> list[str]:
    """The opening tags of the page's own forms (not the header's sign-out button)."""
    return re.findall(r'<form method="post"[^>]*class="stack-form"[^>]*>', page)


def test_the_staff_forms_leave_the_checks_to_the_server():
    # given a commitment and a mayor of its commune
    commitment = CommitmentFactory(commune=CommuneFactory(slug="cotonou"))
    client = signed_in(staff(commitment.commune))
    # when the mayor opens the commitment's page and the new commitment's page
    detail = html(client.get(f"/engagements/{commitment.pk}/"))
    new = html(client.get("/communes/cotonou/engagements/nouveau/"))
    # then the update, edit and new forms are not checked by the browser (its popups speak the
    # browser's language): the server's errors come back next to the fields, in the page's
    forms = staff_forms(detail) + staff_forms(new)
    assert len(forms) == 3 and all(" novalidate" in form for form in forms), forms
    assert 'id="update-form"' in forms[0] and 'id="edit-form"' in forms[1]


@pytest.mark.parametrize("progress", ["150", "abc", "-1", "12.5"])
def test_a_progress_out_of_range_comes_back_next_to_its_field_with_what_was_typed(progress):
    # given a commitment at 40 %
    commitment = CommitmentFactory(progress=40)
    client = signed_in(staff(commitment.commune))
    # when staff post an update with a bad progress
    response = client.post(
        f"/engagements/{commitment.pk}/mise-a-jour/",
        {"text": "Dalles posées", "status": "in_progress", "progress": progress, "document": ""},
    )
    # then the page comes back (400) with the reason next to the progress field
    page = html(response)
    assert response.status_code == 400
    assert field_error(page, "progress") and not field_error(page, "text")
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*name="progress"[^>]*>', page).group(0)
    # and what was typed is kept
    assert re.search(rf'<input[^>]*name="progress"[^>]*value="{re.escape(progress)}"', page)
    assert re.search(r'<textarea[^>]*name="text"[^>]*>\s*Dalles posées</textarea>', page)
    assert re.search(r'<option value="in_progress" selected>', page)
    # and nothing is written
    fresh = Commitment.objects.get()
    assert (fresh.progress, fresh.status) == (40, commitment.status)
    assert not CommitmentUpdate.objects.exists() and not AuditLogEntry.objects.exists()
    assert not OutboxEvent.objects.filter(kind__startswith="commitment.").exists()


def test_an_oversized_update_is_refused_before_its_body_is_read(settings):
    settings.UPLOAD_MAX_BYTES = 1000
    commitment = CommitmentFactory()
    response = signed_in(staff(commitment.commune)).post(
        f"/engagements/{commitment.pk}/mise-a-jour/",
        {"text": "x", "photos": [SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * 400_000)]},
    )
    assert response.status_code == 413 and "Mo" in html(response) and not CommitmentUpdate.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "x" * 1001}, "text"),
        ({"due_on": "2020-01-01"}, "due_on"),
        ({"due_on": "pas une date"}, "due_on"),
        ({"owner_role": "mayor", "owner_office": "Voirie"}, "owner_office"),
        ({"owner_role": "emperor"}, "owner_role"),
    ],
)
def test_a_bad_edit_comes_back_with_the_reason_and_nothing_changes(data, field):
    commitment = CommitmentFactory()
    body = {"text": "Corrigé", "owner_role": "", "owner_office": "", "due_on": "", **data}
    response = signed_in(staff(commitment.commune)).post(f"/engagements/{commitment.pk}/modifier/", body)
    assert response.status_code == 400 and field_error(html(response), field)
    fresh = Commitment.objects.get()
    assert (fresh.text, fresh.due_on, fresh.owner_role) == (commitment.text, commitment.due_on, "")
    assert not AuditLogEntry.objects.exists()


@pytest.mark.parametrize(
    ("data", "field", "status"),
    [
        ({"origin": "proposal", "proposal": ""}, "proposal", 400),
        ({"origin": "proposal", "proposal": "foreign"}, "proposal", 404),
        ({"origin": "proposal", "proposal": "under_study"}, "proposal", 409),
        ({"origin": "question"}, "origin", 400),
        ({"text": ""}, "text", 400),
        ({"due_on": "2020-01-01"}, "due_on", 400),
    ],
)
def test_a_bad_new_commitment_comes_back_with_the_reason_and_nothing_is_written(data, field, status):
    cotonou = CommuneFactory(slug="cotonou")
    accepted_proposal(cotonou)
    values = {
        "foreign": str(accepted_proposal().pk),
        "under_study": str(accepted_proposal(cotonou, status="under_study").pk),
    }
    data = {key: values.get(value, value) for key, value in data.items()}
    body = {
        "origin": "direct",
        "text": "Engagement",
        "owner_role": "",
        "owner_office": "",
        "due_on": "",
        **data,
    }
    response = signed_in(staff(cotonou)).post("/communes/cotonou/engagements/nouveau/", body)
    assert response.status_code == status and field_error(html(response), field)
    assert not Commitment.objects.exists()
