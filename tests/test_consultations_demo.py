"""The consultations demo data of `make run`: loaded by load_demo_data, twice without duplicates."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from consultations import results
from consultations.demo import AKPRO_TITLE, calavi_title, cotonou_title, demo_load
from consultations.models import (
    CitizenCouncilMeeting,
    CitizenCouncilMember,
    Comment,
    Consultation,
    CouncilOpinion,
    Facilitator,
    Organisation,
    Phase,
    Response,
    Workshop,
    WorkshopAnswer,
)
from hub.models import User
from publications.models import Document, DocumentType, PublicationState

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        "consultations": Consultation.objects.count(),
        "responses": Response.objects.count(),
        "comments": Comment.objects.count(),
        "workshops": Workshop.objects.count(),
        "workshop_answers": WorkshopAnswer.objects.count(),
        "organisations": Organisation.objects.count(),
        "facilitators": Facilitator.objects.count(),
        "members": CitizenCouncilMember.objects.count(),
        "meetings": CitizenCouncilMeeting.objects.count(),
        "opinions": CouncilOpinion.objects.count(),
        "users": User.objects.count(),
        "documents": Document.objects.count(),
    }


def test_load_demo_data_twice_creates_the_consultations_once(reference_data):
    # given the whole demo of `make run`
    call_command("load_demo_data", verbosity=0)
    first = _counts()
    # when it is loaded again
    call_command("load_demo_data", verbosity=0)
    # then nothing new is made
    assert _counts() == first
    assert demo_load() == "consultations: nothing new"
    today = timezone.localdate()
    by_title = {c.title: c for c in Consultation.objects.select_related("commune")}
    assert set(by_title) == {cotonou_title(today), calavi_title(today), AKPRO_TITLE}

    # Cotonou: open, on its published draft PTA, with one answer online and a workshop of 35
    cotonou = by_title[cotonou_title(today)]
    assert cotonou.commune.slug == "cotonou" and cotonou.phase == Phase.OPEN
    assert cotonou.opens_at < timezone.now() < cotonou.closes_at
    # on the draft of the year it consults on, not on a past year's plan
    draft = cotonou.draft
    assert draft is not None and draft.type == DocumentType.ANNUAL_WORK_PLAN
    assert draft.title == cotonou.title and draft.fiscal_year == today.year + 1
    assert draft.state == PublicationState.PUBLISHED and draft.commune_id == cotonou.commune_id
    assert draft.published_at is not None and draft.published_at < cotonou.opens_at
    assert cotonou.draft_file is not None and cotonou.draft_file.document_id == draft.pk
    assert cotonou.comments_enabled and cotonou.sections.count() == 3
    assert sorted(cotonou.questions.values_list("kind", flat=True)) == sorted(
        ["single", "multiple", "ranking", "envelope", "text"]
    )
    counted = results.count(cotonou)
    assert counted.participation.online == 1  # the draft is not counted
    assert counted.participation.workshops == 1
    assert counted.participation.workshop_participants == 35
    assert counted.participation.women == 19 and counted.participation.with_disability == 3
    assert Response.objects.filter(consultation=cotonou, submitted_at__isnull=True).count() == 1
    reply = Comment.objects.get(section__consultation=cotonou, is_staff_reply=True)
    assert reply.parent is not None and not reply.parent.is_staff_reply
    envelope = next(q for q in counted.questions if q.kind == "envelope")
    # its help adds to the built-in hint (the total must not exceed the envelope), not repeats it
    assert envelope.question.help_text and "dépasser" not in envelope.question.help_text
    assert envelope.base.workshop == 35 and envelope.base.online == 1
    assert sum(
        WorkshopAnswer.objects.filter(question=envelope.question).values_list("amount_xof", flat=True)
    ) <= (envelope.question.envelope_xof or 0)

    # Abomey-Calavi: answered, with six answers online, two workshops and the council's opinion
    calavi = by_title[calavi_title(today)]
    assert calavi.phase == Phase.RESPONDED and calavi.closes_at < timezone.now()
    assert calavi.response_text.startswith("Ce que nous avons entendu")
    assert calavi.responded_at is not None and calavi.responded_by is not None
    assert calavi.adopted_document is not None
    assert calavi.adopted_document.type == DocumentType.BUDGET_PRIMITIVE
    counted = results.count(calavi)
    assert counted.participation.online == 6
    assert counted.participation.workshop_participants == 42 + 28
    by_org = Workshop.objects.get(consultation=calavi, organisation__isnull=False)
    assert by_org.recorded_by.email == "animatrice.godomey@demo.communesplus.bj"
    assert Facilitator.objects.filter(user=by_org.recorded_by, organisation=by_org.organisation).exists()
    opinion = CouncilOpinion.objects.get(consultation=calavi)
    assert opinion.meeting is not None
    # the meeting's minutes are the citizen council's own, not the municipal council's
    minutes = opinion.meeting.minutes
    assert minutes is not None and minutes.title == "Compte rendu de la réunion du conseil citoyen"
    assert minutes.type == DocumentType.OTHER and minutes.state == PublicationState.PUBLISHED
    assert minutes.commune_id == calavi.commune_id and minutes.files.filter(is_current=True).exists()
    members = CitizenCouncilMember.objects.filter(commune=calavi.commune)
    assert members.count() == 7 and members.filter(organisation__isnull=False).count() == 2

    # Akpro-Missérété: announced, not open yet
    akpro = by_title[AKPRO_TITLE]
    assert akpro.phase == Phase.ANNOUNCED and akpro.opens_at > timezone.now()
    assert akpro.questions.count() == 2


def test_without_the_demo_accounts_nothing_is_made(reference_data):
    # given the reference data only (no demo accounts)
    # when the consultations demo is loaded
    report = demo_load()
    # then it makes nothing and says so
    assert report == "consultations: nothing new"
    assert not Consultation.objects.exists()
