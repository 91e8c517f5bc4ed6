"""Workshops on the ground: a facilitator records one (its participants, the group's answers, photos)
through the service, the API and the facilitators' page, and corrects it on its own page (counts,
answers, photos: the recorder or the commune's staff only, while open); every rule refused with its
field; the phases; who may record (commune A's facilitator not in commune B, a withdrawn organisation's
facilitator, a citizen, signed out) and who sees the workshops."""

from __future__ import annotations

import datetime
import io
import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework.test import APIClient

from consultations.errors import Forbidden, Invalid, WrongPhase
from consultations.models import (
    Consultation,
    Facilitator,
    Option,
    Organisation,
    Phase,
    Question,
    QuestionKind,
    Workshop,
    WorkshopAnswer,
    WorkshopPhoto,
)
from consultations.services.workshops import (
    question_field,
    workshop_photo_add,
    workshop_photo_delete,
    workshop_record,
    workshop_update,
)
from hub.errors import InvalidInput, NotAuthenticated
from hub.models import Arrondissement, AuditLogEntry, Commune, Role, User
from tests.factories import CommuneFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- Fixtures -------------------------------------------------------------------------------------


def png(name: str = "atelier.png") -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 102, 58)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@dataclass
class Setting:
    commune: Commune
    consultation: Consultation
    arrondissement: Arrondissement
    single: Question
    multiple: Question
    ranking: Question
    envelope: Question
    text: Question
    organisation: Organisation
    focal_point: User
    facilitator: User  # named for ``organisation``

    def options(self, question: Question) -> list[Option]:
        return list(question.options.order_by("position"))


def _question(
    consultation: Consultation, position: int, kind: str, labels: list[str], **extra: Any
) -> Question:
    question = Question.objects.create(
        consultation=consultation,
        position=position,
        kind=kind,
        prompt=f"Question {position} ({kind})",
        **extra,
    )
    for index, label in enumerate(labels):
        Option.objects.create(question=question, position=index, label=label)
    return question


def make_consultation(commune: Commune, phase: str = Phase.OPEN) -> Consultation:
    now = timezone.now()
    return Consultation.objects.create(
        commune=commune,
        title="Plan annuel d'investissement 2026",
        phase=phase,
        opens_at=now - datetime.timedelta(days=10),
        closes_at=now + datetime.timedelta(days=10),
    )


def setting(phase: str = Phase.OPEN, commune: Commune | None = None) -> Setting:
    commune = commune or CommuneFactory(is_enabled=True)
    arrondissement = Arrondissement.objects.create(commune=commune, name="Ouèdo", position=1)
    Arrondissement.objects.create(commune=commune, name="Togba", position=2)
    consultation = make_consultation(commune, phase)
    organisation = Organisation.objects.create(commune=commune, name="Femmes de Ouèdo", kind="women")
    facilitator = UserFactory()
    Facilitator.objects.create(commune=commune, user=facilitator, organisation=organisation)
    return Setting(
        commune=commune,
        consultation=consultation,
        arrondissement=arrondissement,
        single=_question(consultation, 1, QuestionKind.SINGLE, ["Eau", "Écoles"]),
        multiple=_question(
            consultation, 2, QuestionKind.MULTIPLE, ["Routes", "Santé", "Marchés"], max_choices=2
        ),
        ranking=_question(consultation, 3, QuestionKind.RANKING, ["Forages", "Latrines", "Éclairage"]),
        envelope=_question(
            consultation, 4, QuestionKind.ENVELOPE, ["Pont", "Dispensaire"], envelope_xof=1_000_000
        ),
        text=_question(consultation, 5, QuestionKind.TEXT, []),
        organisation=organisation,
        focal_point=MembershipFactory(commune=commune, role=Role.FOCAL_POINT).user,
        facilitator=facilitator,
    )


@pytest.fixture
def s() -> Setting:
    return setting()


def answers(s: Setting) -> list[dict[str, Any]]:
    single, multiple, ranking, envelope = (
        s.options(q) for q in (s.single, s.multiple, s.ranking, s.envelope)
    )
    return [
        {"question": s.single.pk, "option": single[0].pk, "count": 20},
        {"question": s.single.pk, "option": single[1].pk, "count": 15},
        {"question": s.multiple.pk, "option": multiple[0].pk, "count": 30},
        {"question": s.multiple.pk, "option": multiple[1].pk, "count": 25},
        {"question": s.ranking.pk, "option": ranking[0].pk, "rank": 2},
        {"question": s.ranking.pk, "option": ranking[1].pk, "rank": 1},
        {"question": s.ranking.pk, "option": ranking[2].pk, "rank": 3},
        {"question": s.envelope.pk, "option": envelope[0].pk, "amount_xof": 600_000},
        {"question": s.envelope.pk, "option": envelope[1].pk, "amount_xof": 400_000},
    ]


def workshop_data(s: Setting, **changes: Any) -> dict[str, Any]:
    """A workshop of 35 participants, two days ago."""
    data: dict[str, Any] = {
        "held_on": (timezone.localdate() - datetime.timedelta(days=2)).isoformat(),
        "arrondissement": s.arrondissement.pk,
        "village": "Houèto",
        "language": "fon",
        "participants": 35,
        "women": 20,
        "men": 15,
        "age_under_18": 5,
        "age_18_34": 15,
        "age_35_59": 10,
        "age_60_plus": 5,
        "with_disability": 3,
        "summary": "Le groupe demande d'abord des latrines, puis des forages.",
        "answers": answers(s),
    }
    data.update(changes)
    return data


def api(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def refused_fields(data: dict[str, Any], s: Setting, actor: User | None = None) -> dict[str, list[str]]:
    with pytest.raises(Invalid) as caught:
        workshop_record(actor=actor or s.focal_point, consultation=s.consultation, data=data)
    assert not Workshop.objects.exists()
    return caught.value.details["fields"]


# --- Recording: the happy path --------------------------------------------------------------------


def test_a_facilitator_records_a_workshop_of_35_participants(s):
    # given an open consultation and a facilitator named for an accredited organisation
    # when they record a workshop of 35 participants with the group's answers
    workshop = workshop_record(actor=s.facilitator, consultation=s.consultation, data=workshop_data(s))
    # then it is recorded for their organisation, with every answer by kind, and audited
    workshop.refresh_from_db()
    assert (workshop.participants, workshop.women, workshop.men, workshop.with_disability) == (35, 20, 15, 3)
    assert workshop.organisation == s.organisation and workshop.recorded_by == s.facilitator
    assert workshop.commune == s.commune and workshop.language == "fon"
    rows = {row.option_id: row for row in WorkshopAnswer.objects.filter(workshop=workshop)}
    assert len(rows) == 9
    ranking = s.options(s.ranking)
    assert [rows[o.pk].rank for o in ranking] == [2, 1, 3]
    assert rows[s.options(s.envelope)[0].pk].amount_xof == 600_000
    assert rows[s.options(s.single)[0].pk].count == 20
    entry = AuditLogEntry.objects.get(action="consultations.workshop_record")
    assert entry.commune == s.commune and entry.data["participants"] == 35


def test_a_facilitator_named_for_an_organisation_records_for_it_whatever_they_send(s):
    other = Organisation.objects.create(commune=s.commune, name="Jeunes de Togba", kind="youth")
    workshop = workshop_record(
        actor=s.facilitator, consultation=s.consultation, data=workshop_data(s, organisation=other.pk)
    )
    assert workshop.organisation == s.organisation


def test_the_focal_point_records_for_the_commune_or_an_accredited_organisation(s):
    alone = workshop_record(actor=s.focal_point, consultation=s.consultation, data=workshop_data(s))
    assert alone.organisation is None
    withdrawn = Organisation.objects.create(
        commune=s.commune, name="Ancienne ONG", kind="association", withdrawn_at=timezone.now()
    )
    fields = refused_fields_after(s, organisation=withdrawn.pk)
    assert "organisation" in fields
    chosen = workshop_record(
        actor=s.focal_point,
        consultation=s.consultation,
        data=workshop_data(s, organisation=s.organisation.pk),
    )
    assert chosen.organisation == s.organisation


def refused_fields_after(s: Setting, **changes: Any) -> dict[str, list[str]]:
    before = Workshop.objects.count()
    with pytest.raises(Invalid) as caught:
        workshop_record(actor=s.focal_point, consultation=s.consultation, data=workshop_data(s, **changes))
    assert Workshop.objects.count() == before
    return caught.value.details["fields"]


# --- Each rule ------------------------------------------------------------------------------------


def test_gender_age_and_disability_totals_are_all_reported_at_once(s):
    # when the genders, the age bands and the disability count all disagree with the participants
    fields = refused_fields(workshop_data(s, women=21, age_60_plus=6, with_disability=36, answers=[]), s)
    # then each is refused with its field, at once
    assert "20" not in fields["women"][0] and "36" in fields["women"][0] and "35" in fields["women"][0]
    assert "men" in fields
    assert "36" in fields["age_under_18"][0]
    assert "35" in fields["with_disability"][0]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"participants": 0}, "participants"),
        ({"participants": 5001}, "participants"),
        ({"participants": "beaucoup"}, "participants"),
        ({"arrondissement": 999999}, "arrondissement"),
        ({"language": "klingon"}, "language"),
        ({"summary": "  "}, "summary"),
        ({"held_on": "2001-01-01"}, "held_on"),
        ({"held_on": "pas une date"}, "held_on"),
    ],
)
def test_a_bad_field_is_refused_with_its_name(s, changes, field):
    assert field in refused_fields(workshop_data(s, **changes), s)


def test_a_workshop_in_the_future_or_before_the_opening_is_refused(s):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    future = refused_fields(workshop_data(s, held_on=tomorrow), s)["held_on"]
    before = (timezone.localdate() - datetime.timedelta(days=30)).isoformat()
    too_early = refused_fields(workshop_data(s, held_on=before), s)["held_on"]
    assert future != too_early  # each says what is wrong


def test_an_arrondissement_of_another_commune_is_refused(s):
    elsewhere = Arrondissement.objects.create(commune=CommuneFactory(), name="Ailleurs")
    assert "arrondissement" in refused_fields(workshop_data(s, arrondissement=elsewhere.pk), s)


def test_single_choice_counts_above_the_participants_are_refused(s):
    single = s.options(s.single)
    data = workshop_data(
        s,
        answers=[
            {"question": s.single.pk, "option": single[0].pk, "count": 20},
            {"question": s.single.pk, "option": single[1].pk, "count": 16},
        ],
    )
    assert "36" in refused_fields(data, s)[question_field(s.single.pk)][0]


def test_multiple_choice_counts_are_each_at_most_the_participants_and_within_max_choices(s):
    multiple = s.options(s.multiple)
    one_too_many = [{"question": s.multiple.pk, "option": multiple[0].pk, "count": 36}]
    assert question_field(s.multiple.pk) in refused_fields(workshop_data(s, answers=one_too_many), s)
    # 2 choices each at most: 35 participants give at most 70 choices
    over_max = [{"question": s.multiple.pk, "option": o.pk, "count": 30} for o in multiple]
    message = refused_fields(workshop_data(s, answers=over_max), s)[question_field(s.multiple.pk)][0]
    assert "70" in message


@pytest.mark.parametrize("ranks", [[1, 1, 2], [1, 3], [2, 3]])
def test_ranks_are_distinct_and_follow_each_other_from_1(s, ranks):
    ranking = s.options(s.ranking)
    rows = [
        {"question": s.ranking.pk, "option": o.pk, "rank": r} for o, r in zip(ranking, ranks, strict=False)
    ]
    assert question_field(s.ranking.pk) in refused_fields(workshop_data(s, answers=rows), s)


def test_an_option_given_twice_is_refused(s):
    option = s.options(s.ranking)[0]
    rows = [{"question": s.ranking.pk, "option": option.pk, "rank": 1}] * 2
    assert question_field(s.ranking.pk) in refused_fields(workshop_data(s, answers=rows), s)


def test_envelope_amounts_above_the_envelope_are_refused(s):
    envelope = s.options(s.envelope)
    rows = [{"question": s.envelope.pk, "option": o.pk, "amount_xof": 600_000} for o in envelope]
    message = refused_fields(workshop_data(s, answers=rows), s)[question_field(s.envelope.pk)][0]
    assert "1\u202f200\u202f000" in message and "1\u202f000\u202f000" in message


def test_a_question_of_another_consultation_or_a_foreign_option_is_refused(s):
    other = make_consultation(s.commune)
    foreign = _question(other, 1, QuestionKind.SINGLE, ["Autre"])
    rows = [{"question": foreign.pk, "option": foreign.options.get().pk, "count": 3}]
    assert "answers" in refused_fields(workshop_data(s, answers=rows), s)
    mixed = [{"question": s.single.pk, "option": foreign.options.get().pk, "count": 3}]
    assert question_field(s.single.pk) in refused_fields(workshop_data(s, answers=mixed), s)


def test_a_text_question_takes_no_workshop_answer(s):
    rows = [{"question": s.text.pk, "option": s.options(s.single)[0].pk, "count": 3}]
    assert question_field(s.text.pk) in refused_fields(workshop_data(s, answers=rows), s)


def test_an_answer_without_its_kind_of_value_is_refused(s):
    rows = [{"question": s.ranking.pk, "option": s.options(s.ranking)[0].pk, "count": 3}]
    assert question_field(s.ranking.pk) in refused_fields(workshop_data(s, answers=rows), s)
    assert "answers" in refused_fields(workshop_data(s, answers="tout"), s)
    assert "answers" in refused_fields(workshop_data(s, answers=["x"]), s)


# --- Phases ---------------------------------------------------------------------------------------

WRONG_PHASE_BEFORE = "This consultation is not open yet: workshops are recorded once it opens."
WRONG_PHASE_AFTER = "This consultation is closed: workshops can no longer be recorded or changed."


@pytest.mark.parametrize("phase", [Phase.DRAFT, Phase.ANNOUNCED, Phase.CLOSED, Phase.RESPONDED])
def test_a_workshop_is_recorded_only_while_the_consultation_is_open(s, phase):
    Consultation.objects.filter(pk=s.consultation.pk).update(phase=phase)
    s.consultation.refresh_from_db()
    with pytest.raises(WrongPhase) as caught:
        workshop_record(actor=s.focal_point, consultation=s.consultation, data=workshop_data(s))
    assert caught.value.code == "wrong_phase"
    # the message says whether it is not open yet or already closed
    expected = WRONG_PHASE_BEFORE if phase in (Phase.DRAFT, Phase.ANNOUNCED) else WRONG_PHASE_AFTER
    assert caught.value.message == _(expected)
    response = api(s.focal_point).post(
        f"/api/v1/consultations/{s.consultation.pk}/workshops/", workshop_data(s), format="json"
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "wrong_phase"


# --- Permissions ----------------------------------------------------------------------------------


def test_a_facilitator_of_commune_a_cannot_record_in_commune_b(s):
    # given commune B's own open consultation
    b = setting()
    # when commune A's facilitator and focal point try to record there
    for actor in (s.facilitator, s.focal_point):
        with pytest.raises(Forbidden):
            workshop_record(actor=actor, consultation=b.consultation, data=workshop_data(b))
        response = api(actor).post(
            f"/api/v1/consultations/{b.consultation.pk}/workshops/", workshop_data(b), format="json"
        )
        # then they are refused, before their input is read
        assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert not Workshop.objects.exists()


def test_citizens_signed_out_callers_and_a_withdrawn_organisations_facilitator_cannot_record(s):
    url = f"/api/v1/consultations/{s.consultation.pk}/workshops/"
    citizen = UserFactory()
    assert api(citizen).post(url, workshop_data(s), format="json").status_code == 403
    assert api().post(url, workshop_data(s), format="json").status_code == 401
    with pytest.raises(NotAuthenticated):
        workshop_record(actor=None, consultation=s.consultation, data=workshop_data(s))
    Organisation.objects.filter(pk=s.organisation.pk).update(withdrawn_at=timezone.now())
    response = api(s.facilitator).post(url, workshop_data(s), format="json")
    assert response.status_code == 403
    revoked = UserFactory()
    Facilitator.objects.create(commune=s.commune, user=revoked, revoked_at=timezone.now())
    assert api(revoked).post(url, workshop_data(s), format="json").status_code == 403
    assert not Workshop.objects.exists()


def test_the_focal_point_and_a_facilitator_for_the_commune_itself_may_record(s):
    own = UserFactory()
    Facilitator.objects.create(commune=s.commune, user=own)
    url = f"/api/v1/consultations/{s.consultation.pk}/workshops/"
    for actor in (s.focal_point, own):
        assert api(actor).post(url, workshop_data(s), format="json").status_code == 201
    assert Workshop.objects.filter(organisation__isnull=True).count() == 2


def test_only_the_recorder_or_staff_change_a_workshop_while_it_is_open(s):
    workshop = workshop_record(actor=s.facilitator, consultation=s.consultation, data=workshop_data(s))
    other = UserFactory()
    Facilitator.objects.create(commune=s.commune, user=other, organisation=s.organisation)
    with pytest.raises(Forbidden):
        workshop_update(actor=other, workshop=workshop, data={"village": "Autre"})
    updated = workshop_update(actor=s.facilitator, workshop=workshop, data={"village": "Ouèdo-Centre"})
    assert updated.village == "Ouèdo-Centre" and updated.organisation == s.organisation
    # the totals are checked again against what was not sent
    with pytest.raises(Invalid) as caught:
        workshop_update(actor=s.focal_point, workshop=workshop, data={"participants": 36})
    assert {"women", "age_under_18"} <= set(caught.value.details["fields"])
    # the stored counts per option are checked against fewer participants too
    with pytest.raises(Invalid) as caught:
        workshop_update(
            actor=s.focal_point,
            workshop=workshop,
            data={"participants": 30, "women": 15, "age_18_34": 10},
        )
    assert set(caught.value.details["fields"]) == {question_field(s.single.pk)}  # 35 counted, 30 came
    Consultation.objects.filter(pk=s.consultation.pk).update(phase=Phase.CLOSED)
    workshop.consultation.refresh_from_db()
    with pytest.raises(WrongPhase):
        workshop_update(actor=s.facilitator, workshop=workshop, data={"village": "Trop tard"})
    assert AuditLogEntry.objects.filter(action="consultations.workshop_update").count() == 1


# --- Photos ---------------------------------------------------------------------------------------


def test_photos_are_images_checked_from_their_content(s):
    workshop = workshop_record(
        actor=s.facilitator, consultation=s.consultation, data=workshop_data(s), photos=[png()]
    )
    photo = WorkshopPhoto.objects.get(workshop=workshop)
    assert (photo.content_type, photo.width, photo.height) == ("image/png", 40, 30)
    fake = SimpleUploadedFile("photo.png", b"MZ\x90\x00 not an image", content_type="image/png")
    with pytest.raises(InvalidInput) as caught:  # unsupported_file_type
        workshop_photo_add(actor=s.facilitator, workshop=workshop, photos=[fake])
    assert "photos" in caught.value.details["fields"]
    with pytest.raises(Invalid):
        workshop_photo_add(actor=s.facilitator, workshop=workshop, photos=[png(f"{i}.png") for i in range(6)])
    assert len(workshop_photo_add(actor=s.facilitator, workshop=workshop, photos=[png("b.png")])) == 1
    workshop_photo_delete(actor=s.focal_point, photo=photo)
    assert WorkshopPhoto.objects.filter(workshop=workshop).count() == 1


def test_a_workshop_with_photos_over_multipart_and_the_photo_served(s):
    url = f"/api/v1/consultations/{s.consultation.pk}/workshops/"
    data = workshop_data(s)
    data["answers"] = json.dumps(data["answers"])
    response = api(s.facilitator).post(
        url, {**data, "photos": [png("a.png"), png("b.png")]}, format="multipart"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["photos"]) == 2 and len(body["answers"]) == 9
    # while open, the photo is for the commune's facilitators only
    photo_url = body["photos"][0]["url"]
    assert api().get(photo_url).status_code == 404
    served = api(s.focal_point).get(photo_url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff" and "sandbox" in served["Content-Security-Policy"]
    # a file that is not an image is refused, and nothing is recorded
    fake = SimpleUploadedFile("photo.png", b"%PDF-1.4 not a photo", content_type="image/png")
    refused = api(s.facilitator).post(url, {**data, "photos": [fake]}, format="multipart")
    assert refused.status_code == 400 and "photos" in refused.json()["error"]["fields"]
    assert Workshop.objects.count() == 1
    bad_json = api(s.facilitator).post(url, {**data, "answers": "[{"}, format="multipart")
    assert bad_json.status_code == 400 and "answers" in bad_json.json()["error"]["fields"]


# --- API: reading, changing -----------------------------------------------------------------------


def test_the_api_records_lists_and_changes_a_workshop(s):
    url = f"/api/v1/consultations/{s.consultation.pk}/workshops/"
    created = api(s.facilitator).post(url, workshop_data(s), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["participants"] == 35 and body["organisation"]["name"] == "Femmes de Ouèdo"
    assert body["arrondissement"]["name"] == "Ouèdo"
    # while open: the commune's facilitators see the list; others do not
    assert [w["id"] for w in api(s.focal_point).get(url).json()] == [body["id"]]
    assert api().get(url).status_code == 401
    assert api(UserFactory()).get(url).status_code == 403
    detail = f"/api/v1/workshops/{body['id']}/"
    patched = api(s.facilitator).patch(detail, {"summary": "Résumé corrigé"}, format="json")
    assert patched.status_code == 200 and patched.json()["summary"] == "Résumé corrigé"
    assert api(UserFactory()).patch(detail, {"summary": "x"}, format="json").status_code == 403
    bad = api(s.facilitator).patch(detail, {"women": 30}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "validation_error"
    # once closed, everyone reads the workshops
    Consultation.objects.filter(pk=s.consultation.pk).update(phase=Phase.CLOSED)
    public = api().get(url)
    assert public.status_code == 200 and public.json()[0]["answers"][0]["count"] == 20
    assert api().get(detail).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"participants": "35"},
        {"answers": [{"question": "1", "option": 1, "count": 3}]},
        {"answers": {"not": "a list"}},
        {"held_on": 20260101},
        {"language": ""},
    ],
)
def test_the_api_refuses_a_malformed_body(s, body):
    url = f"/api/v1/consultations/{s.consultation.pk}/workshops/"
    response = api(s.facilitator).post(url, workshop_data(s, **body), format="json")
    assert response.status_code == 400
    assert set(body) <= set(response.json()["error"]["fields"])


def test_a_draft_consultation_and_unknown_ids_are_not_found(s):
    draft = make_consultation(s.commune, Phase.DRAFT)
    assert api(s.facilitator).get(f"/api/v1/consultations/{draft.pk}/workshops/").status_code == 404
    assert api().get("/api/v1/consultations/999999/workshops/").status_code == 404
    assert api().get("/api/v1/workshops/999999/").status_code == 404
    assert api().get("/api/v1/workshops/photos/999999/").status_code == 404


# --- The facilitators' page -----------------------------------------------------------------------


def page_data(s: Setting, **changes: Any) -> dict[str, Any]:
    data = workshop_data(s)
    rows = data.pop("answers")
    form = {key: str(value) for key, value in data.items()}
    for row in rows:
        value = row.get("count", row.get("rank", row.get("amount_xof")))
        form[f"option_{row['option']}"] = str(value)
    form.update(changes)
    return form


def new_url(s: Setting) -> str:
    return f"/communes/{s.commune.slug}/consultations/{s.consultation.pk}/ateliers/nouveau/"


def test_the_page_shows_a_fieldset_per_question_and_records_a_workshop(client, s):
    client.force_login(s.facilitator)
    # given the form
    page = client.get(new_url(s))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Question 3 (ranking)" in html and "Question 5 (text)" not in html
    assert f'name="option_{s.options(s.envelope)[0].pk}"' in html
    assert 'name="organisation"' not in html  # forced: their own organisation
    # when a workshop of 35 participants is sent
    response = client.post(new_url(s), {**page_data(s), "photos": [png()]})
    # then it is recorded and the list shows it
    assert response.status_code == 302, response.content.decode()[:3000]
    workshop = Workshop.objects.get()
    assert workshop.participants == 35 and workshop.photos.count() == 1
    assert WorkshopAnswer.objects.filter(workshop=workshop).count() == 9
    listing = client.get(response["Location"])
    assert listing.status_code == 200 and "Houèto" in listing.content.decode()


def test_the_page_shows_every_error_next_to_its_field_and_keeps_the_values(client, s):
    client.force_login(s.focal_point)
    ranking = s.options(s.ranking)
    response = client.post(
        new_url(s),
        page_data(s, women="21", **{f"option_{ranking[0].pk}": "1", f"option_{ranking[1].pk}": "1"}),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "error-summary" in html and 'href="#id_women"' in html
    assert f'href="#id_option_{ranking[0].pk}"' in html
    assert 'value="Houèto"' in html and 'value="21"' in html
    assert not Workshop.objects.exists()


def test_the_page_refuses_others_and_says_when_the_consultation_is_not_open(client, s):
    b = setting()
    client.force_login(s.facilitator)
    other_commune = f"/communes/{b.commune.slug}/consultations/{b.consultation.pk}/ateliers/nouveau/"
    assert client.get(other_commune).status_code == 403
    assert client.post(other_commune, page_data(b)).status_code == 403
    # a consultation under another commune's address is not found
    wrong_slug = f"/communes/{b.commune.slug}/consultations/{s.consultation.pk}/ateliers/nouveau/"
    assert client.get(wrong_slug).status_code == 404
    client.logout()
    assert client.get(new_url(s)).status_code == 302  # sign in first
    client.force_login(s.focal_point)
    Consultation.objects.filter(pk=s.consultation.pk).update(phase=Phase.CLOSED)
    closed = client.post(new_url(s), page_data(s))
    assert closed.status_code == 409 and "error-summary" not in closed.content.decode()
    assert not Workshop.objects.exists()


def test_the_list_reads_in_a_fixed_number_of_queries(s):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"/api/v1/consultations/{s.consultation.pk}/workshops/"
    client = api(s.focal_point)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    workshop_record(actor=s.focal_point, consultation=s.consultation, data=workshop_data(s), photos=[png()])
    one = queries()
    for _index in range(3):
        workshop_record(
            actor=s.focal_point, consultation=s.consultation, data=workshop_data(s), photos=[png()]
        )
    assert queries() == one


# --- The correction page --------------------------------------------------------------------------


def edit_url(s: Setting, workshop: Workshop) -> str:
    return f"/communes/{s.commune.slug}/consultations/{s.consultation.pk}/ateliers/{workshop.pk}/modifier/"


def recorded(s: Setting, actor: User | None = None, **changes: Any) -> Workshop:
    return workshop_record(
        actor=actor or s.facilitator, consultation=s.consultation, data=workshop_data(s, **changes)
    )


def test_the_recorder_corrects_a_count_and_an_answer_through_the_page(client, s):
    # given a workshop of 35 participants recorded by the facilitator
    workshop = recorded(s)
    single = s.options(s.single)
    client.force_login(s.facilitator)
    # when they open the correction page
    page = client.get(edit_url(s, workshop))
    # then it is the recording form, filled from the workshop and its answers
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="participants"' in html and 'value="35"' in html and 'value="Houèto"' in html
    assert f'name="option_{single[0].pk}" id="id_option_{single[0].pk}" value="20"' in html
    assert 'name="action" value="save"' in html and 'id="photos"' in html
    # when one more participant (a man over 60) is counted and the first answer gets his vote
    response = client.post(
        edit_url(s, workshop),
        page_data(s, participants="36", men="16", age_60_plus="6", **{f"option_{single[0].pk}": "21"}),
    )
    # then the workshop and its answer are changed, audited, and the list shows it
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"].endswith(f"/ateliers/#workshop-{workshop.pk}")
    workshop.refresh_from_db()
    assert (workshop.participants, workshop.men, workshop.age_60_plus) == (36, 16, 6)
    assert workshop.organisation == s.organisation  # forced: their own organisation
    assert WorkshopAnswer.objects.get(workshop=workshop, option=single[0]).count == 21
    assert WorkshopAnswer.objects.filter(workshop=workshop).count() == 9
    entry = AuditLogEntry.objects.get(action="consultations.workshop_update")
    assert entry.commune == s.commune and entry.actor == s.facilitator
    assert entry.data["after"]["participants"] == "36" and entry.data["before"]["participants"] == "35"
    listing = client.get(response["Location"]).content.decode()
    corrected = _("The workshop of %(date)s (%(count)d participants) is corrected.") % {
        "date": date_format(workshop.held_on, "j F Y"),
        "count": 36,
    }
    assert corrected in listing
    assert edit_url(s, workshop) in listing


def test_a_wrong_total_is_refused_next_to_its_field_and_the_values_are_kept(client, s):
    workshop = recorded(s)
    ranking = s.options(s.ranking)
    client.force_login(s.facilitator)
    # when the women no longer add up with the men, and two options share a rank
    response = client.post(
        edit_url(s, workshop),
        page_data(s, women="22", village="Houèto-Centre", **{f"option_{r.pk}": "1" for r in ranking[:2]}),
    )
    # then both are refused next to their fields, linked from the summary, with what was typed kept
    assert response.status_code == 400
    html = response.content.decode()
    assert "error-summary" in html and 'href="#id_women"' in html
    assert 'id="id_women_error"' in html and "37" in html  # 22 + 15, not 35
    assert f'href="#id_option_{ranking[0].pk}"' in html
    assert 'value="22"' in html and 'value="Houèto-Centre"' in html
    assert f'name="option_{ranking[1].pk}" id="id_option_{ranking[1].pk}" value="1"' in html
    # and nothing changed
    workshop.refresh_from_db()
    assert (workshop.women, workshop.village) == (20, "Houèto")
    assert WorkshopAnswer.objects.get(workshop=workshop, option=ranking[0]).rank == 2
    assert not AuditLogEntry.objects.filter(action="consultations.workshop_update").exists()


def test_another_facilitator_a_citizen_and_signed_out_visitors_may_not_correct(client, s):
    workshop = recorded(s)
    other = UserFactory()
    Facilitator.objects.create(commune=s.commune, user=other, organisation=s.organisation)
    url = edit_url(s, workshop)
    for user in (other, UserFactory()):
        client.force_login(user)
        assert client.get(url).status_code == 403
        refused = client.post(url, page_data(s, village="Ailleurs"))
        only = _("Only the person who recorded this workshop, or the staff of %(name)s, may change it.")
        assert refused.status_code == 403 and only % {"name": s.commune.name} in refused.content.decode()
        photo = client.post(url, {"action": "photo_add", "photos": [png()]})
        assert photo.status_code == 403
    # another facilitator sees the workshop in the list, without the link to correct it
    client.force_login(other)
    listing = client.get(f"/communes/{s.commune.slug}/consultations/{s.consultation.pk}/ateliers/")
    assert listing.status_code == 200 and url not in listing.content.decode()
    client.logout()
    signed_out = client.get(url)
    assert signed_out.status_code == 302 and "next=" in signed_out["Location"]
    workshop.refresh_from_db()
    assert workshop.village == "Houèto" and not workshop.photos.exists()
    # the commune's focal point may, and sees the link
    client.force_login(s.focal_point)
    listing = client.get(f"/communes/{s.commune.slug}/consultations/{s.consultation.pk}/ateliers/")
    assert url in listing.content.decode()
    kept = page_data(s, village="Ouèdo-Centre", organisation=str(s.organisation.pk))  # as pre-selected
    assert client.post(url, kept).status_code == 302
    workshop.refresh_from_db()
    assert workshop.village == "Ouèdo-Centre" and workshop.organisation == s.organisation


def test_staff_of_another_commune_are_refused_or_do_not_find_it(client, s):
    workshop = recorded(s)
    b = setting()
    client.force_login(b.focal_point)
    # commune A's address: not theirs
    assert client.get(edit_url(s, workshop)).status_code == 403
    assert client.post(edit_url(s, workshop), page_data(s, village="B")).status_code == 403
    # under commune B's address or B's consultation, commune A's workshop does not exist
    under_b = f"/communes/{b.commune.slug}/consultations/{s.consultation.pk}/ateliers/{workshop.pk}/modifier/"
    assert client.get(under_b).status_code == 404
    b_consultation = (
        f"/communes/{b.commune.slug}/consultations/{b.consultation.pk}/ateliers/{workshop.pk}/modifier/"
    )
    assert client.get(b_consultation).status_code == 404
    assert client.post(b_consultation, page_data(s, village="B")).status_code == 404
    unknown = f"/communes/{s.commune.slug}/consultations/{s.consultation.pk}/ateliers/999999/modifier/"
    client.force_login(s.focal_point)
    assert client.get(unknown).status_code == 404
    workshop.refresh_from_db()
    assert workshop.village == "Houèto"


def test_once_the_consultation_is_closed_the_page_says_so_and_changes_nothing(client, s):
    workshop = recorded(s)
    client.force_login(s.facilitator)
    Consultation.objects.filter(pk=s.consultation.pk).update(phase=Phase.CLOSED)
    page = client.get(edit_url(s, workshop))
    assert page.status_code == 409
    html = page.content.decode()
    assert _(WRONG_PHASE_AFTER) in html and 'name="participants"' not in html
    refused = client.post(edit_url(s, workshop), page_data(s, village="Trop tard"))
    assert refused.status_code == 409 and "error-summary" not in refused.content.decode()
    assert client.post(edit_url(s, workshop), {"action": "photo_add", "photos": [png()]}).status_code == 409
    workshop.refresh_from_db()
    assert workshop.village == "Houèto" and not workshop.photos.exists()
    listing = client.get(f"/communes/{s.commune.slug}/consultations/{s.consultation.pk}/ateliers/")
    assert listing.status_code == 200 and edit_url(s, workshop) not in listing.content.decode()


def test_photos_are_added_refused_and_deleted_on_the_page(client, s):
    workshop = recorded(s)
    client.force_login(s.facilitator)
    url = edit_url(s, workshop)
    # when two photos are added
    added = client.post(url, {"action": "photo_add", "photos": [png("a.png"), png("b.png")]})
    # then they are stored, audited, and listed with a button each to delete them
    assert added.status_code == 302 and added["Location"].endswith("#photos")
    photos = list(WorkshopPhoto.objects.filter(workshop=workshop).order_by("id"))
    assert len(photos) == 2
    assert AuditLogEntry.objects.filter(action="consultations.workshop_photo_add").count() == 1
    html = client.get(url).content.decode()
    assert html.count('name="action" value="photo_delete"') == 2
    room = ngettext(
        "You may add %(count)d more photo (PNG, JPEG or WebP).",
        "You may add %(count)d more photos (PNG, JPEG or WebP).",
        4,
    ) % {"count": 4}
    assert f'name="photo" value="{photos[0].pk}"' in html and room in html
    # a file that is not an image, or too many photos, are refused next to the file input
    fake = SimpleUploadedFile("photo.png", b"%PDF-1.4 not a photo", content_type="image/png")
    for refused in (
        client.post(url, {"action": "photo_add", "photos": [fake]}),
        client.post(url, {"action": "photo_add", "photos": [png(f"{i}.png") for i in range(5)]}),
        client.post(url, {"action": "photo_add"}),
    ):
        assert refused.status_code == 400
        body = refused.content.decode()
        assert 'href="#id_photos"' in body and 'id="id_photos_error"' in body
        assert 'value="35"' in body  # the main form still shows the workshop
    assert WorkshopPhoto.objects.filter(workshop=workshop).count() == 2
    # when the first is deleted
    deleted = client.post(url, {"action": "photo_delete", "photo": str(photos[0].pk)})
    assert deleted.status_code == 302
    assert list(WorkshopPhoto.objects.filter(workshop=workshop)) == [photos[1]]
    assert AuditLogEntry.objects.filter(action="consultations.workshop_photo_delete").count() == 1
    # sent twice, or another workshop's photo: nothing happens
    again = client.post(url, {"action": "photo_delete", "photo": str(photos[0].pk)})
    assert again.status_code == 302
    other = workshop_record(
        actor=s.focal_point, consultation=s.consultation, data=workshop_data(s), photos=[png()]
    )
    foreign = other.photos.get()
    assert client.post(url, {"action": "photo_delete", "photo": str(foreign.pk)}).status_code == 302
    assert WorkshopPhoto.objects.filter(pk=foreign.pk).exists()
    assert AuditLogEntry.objects.filter(action="consultations.workshop_photo_delete").count() == 1


def test_the_page_stops_offering_photos_at_the_maximum(client, s):
    workshop = workshop_record(
        actor=s.facilitator,
        consultation=s.consultation,
        data=workshop_data(s),
        photos=[png(f"{i}.png") for i in range(6)],
    )
    client.force_login(s.facilitator)
    html = client.get(edit_url(s, workshop)).content.decode()
    assert 'value="photo_add"' not in html and html.count('value="photo_delete"') == 6


def test_staff_keep_a_withdrawn_organisation_unless_they_change_it(client, s):
    # given a workshop the focal point recorded for an organisation whose accreditation was withdrawn since
    workshop = recorded(s, actor=s.focal_point, organisation=s.organisation.pk)
    Organisation.objects.filter(pk=s.organisation.pk).update(withdrawn_at=timezone.now())
    client.force_login(s.focal_point)
    page = client.get(edit_url(s, workshop)).content.decode()
    assert _("%(name)s (accreditation withdrawn)") % {"name": s.organisation.name} in page
    # when the page is saved with the organisation as it was
    response = client.post(edit_url(s, workshop), page_data(s, organisation=str(s.organisation.pk)))
    # then the organisation is kept
    assert response.status_code == 302
    workshop.refresh_from_db()
    assert workshop.organisation == s.organisation
    # and choosing the commune itself is possible
    assert client.post(edit_url(s, workshop), page_data(s, organisation="")).status_code == 302
    workshop.refresh_from_db()
    assert workshop.organisation is None
