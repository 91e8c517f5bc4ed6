"""Abomey-Calavi's demo consultation: the priorities of this year's primitive budget, consulted last
autumn and answered (the response links the adopted budget): six citizens' answers, two workshops
(one by an accredited women traders' association, through its facilitator), and the opinion of the
standing citizen council (seven members, two of them organisations' delegates), given at a meeting
whose minutes are published."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from consultations.demo.common import (
    at,
    demo_account,
    demo_user,
    group_answers,
    latest_published,
    open_now,
    options,
    published_document,
    question_ids,
)
from consultations.models import (
    CitizenCouncilMeeting,
    CitizenCouncilMember,
    Consultation,
    CouncilOpinion,
    Facilitator,
    Language,
    Organisation,
    OrganisationKind,
    Phase,
    QuestionKind,
    Response,
    Workshop,
)
from consultations.services import consultation_create, response_save
from hub import versions
from hub.models import Arrondissement, Commune, User
from publications.models import DocumentType

WOMEN_TRADERS = "Association des femmes commerçantes de Godomey"
YOUTH_ZINVIE = "Union des jeunes de Zinvié pour le développement"
CALAVI_CITIZENS = (
    ("Rachidatou Sanni", "Akassato"),
    ("Euloge Dossou", "Godomey"),
    ("Sèna Hounkpatin", "Togba"),
    ("Gildas Azonhiho", "Zinvié"),
    ("Prudence Adjovi", "Hêvié"),
    ("Théophile Kpadonou", "Abomey-Calavi"),
)


def calavi_title(today: datetime.date) -> str:
    return f"Budget primitif {today.year} : vos priorités d'investissement"


def _calavi_questions() -> list[dict[str, Any]]:
    return [
        {
            "kind": QuestionKind.SINGLE,
            "prompt": "Quel domaine doit recevoir le plus d'investissements ?",
            "required": True,
            "options": options(
                "Pistes rurales et voirie",
                "Eau potable (forages, bornes-fontaines)",
                "Écoles",
                "Marchés",
                "Santé",
            ),
        },
        {
            "kind": QuestionKind.RANKING,
            "prompt": "Classez ces projets, du plus urgent au moins urgent",
            "options": options(
                "Forage à Zinvié",
                "Réhabilitation du marché de Godomey",
                "Éclairage public à Togba",
                "Maternité de Hêvié",
            ),
        },
        {
            "kind": QuestionKind.ENVELOPE,
            "prompt": "Répartissez l'enveloppe d'investissement de 200 000 000 FCFA",
            "envelope_xof": 200_000_000,
            "options": [
                {"label": "Forage à Zinvié", "cost_xof": 35_000_000},
                {"label": "Réhabilitation du marché de Godomey", "cost_xof": 95_000_000},
                {"label": "Éclairage public à Togba", "cost_xof": 40_000_000},
                {"label": "Maternité de Hêvié", "cost_xof": 70_000_000},
            ],
        },
        {"kind": QuestionKind.TEXT, "prompt": "Un message pour le conseil communal ?"},
    ]


# Each citizen's single choice, ranking and projects (option indexes, 1 first).
CALAVI_ANSWERS = (
    (2, (1, 4, 2, 3), (1, 2, 3)),
    (4, (2, 1, 3, 4), (2, 3)),
    (1, (3, 1, 2, 4), (1, 3, 4)),
    (2, (1, 3, 4, 2), (1, 4)),
    (5, (4, 1, 2, 3), (1, 4, 3)),
    (3, (1, 2, 4, 3), (2, 1)),
)


def _organisations(commune: Commune, sg: User) -> tuple[Organisation, Organisation, User]:
    traders, _ = Organisation.objects.get_or_create(
        commune=commune,
        name=WOMEN_TRADERS,
        defaults={"kind": OrganisationKind.WOMEN, "contact": "+229 01 97 12 34 56", "accredited_by": sg},
    )
    youth, _ = Organisation.objects.get_or_create(
        commune=commune,
        name=YOUTH_ZINVIE,
        defaults={"kind": OrganisationKind.YOUTH, "contact": "ujzd@exemple.bj", "accredited_by": sg},
    )
    animatrice = demo_account("animatrice.godomey", "Mahougnon Tossou", commune)
    if not Facilitator.objects.filter(commune=commune, user=animatrice, revoked_at__isnull=True).exists():
        Facilitator.objects.create(commune=commune, user=animatrice, organisation=traders, granted_by=sg)
    return traders, youth, animatrice


def load(commune: Commune, today: datetime.date) -> int:
    title = calavi_title(today)
    sg, focal = demo_user("sg.abomey"), demo_user("pointfocal.abomey")
    if sg is None or focal is None or Consultation.objects.filter(commune=commune, title=title).exists():
        return 0
    places = {a.name: a for a in Arrondissement.objects.filter(commune=commune)}
    citizens = [
        (demo_account(f"citoyen.calavi{n}", name, commune), places.get(place))
        for n, (name, place) in enumerate(CALAVI_CITIZENS, start=1)
    ]
    traders, youth, animatrice = _organisations(commune, sg)
    now = timezone.now()
    consultation = consultation_create(
        sg,
        commune,
        {
            "title": title,
            "summary": (
                f"Avant le vote du budget primitif {today.year}, la mairie demande aux habitants des "
                "neuf arrondissements quels investissements financer en priorité."
            ),
            "opens_at": now - datetime.timedelta(hours=1),
            "closes_at": now + datetime.timedelta(days=1),
            "questions": _calavi_questions(),
        },
    )
    # Answered while it is open (the services check it), then moved back to last autumn.
    consultation = open_now(consultation, opened=now - datetime.timedelta(hours=1))
    ids = question_ids(consultation)
    opens = at(datetime.date(today.year - 1, 10, 6), 8)
    closes = at(datetime.date(today.year - 1, 11, 7), 18)
    for n, ((user, place), (single, ranking, projects)) in enumerate(
        zip(citizens, CALAVI_ANSWERS, strict=True)
    ):
        response = response_save(
            user,
            consultation,
            {
                "arrondissement": place.pk if place else None,
                "answers": [
                    {"question": ids["single"][0], "option": ids["single"][single]},
                    {"question": ids["ranking"][0], "ranking": [ids["ranking"][i] for i in ranking]},
                    {"question": ids["envelope"][0], "projects": [ids["envelope"][i] for i in projects]},
                ],
            },
            submit=True,
        )
        sent = opens + datetime.timedelta(days=3 + 4 * n, hours=n)
        Response.objects.filter(pk=response.pk).update(created_at=sent, updated_at=sent, submitted_at=sent)
    workshops = (
        (animatrice, traders, "Godomey", "Marché de Godomey", Language.FON, (42, 30, 12), (0, 15, 20, 7), 2),
        (focal, None, "Zinvié", "Place du marché de Zinvié", Language.AIZO, (28, 11, 17), (2, 9, 10, 7), 1),
    )
    single_counts = {"Godomey": [6, 9, 5, 19, 3], "Zinvié": [8, 14, 3, 1, 2]}
    ranks = {"Godomey": [3, 1, 4, 2], "Zinvié": [1, 3, 4, 2]}
    amounts = {
        "Godomey": [20_000_000, 95_000_000, 25_000_000, 60_000_000],
        "Zinvié": [80_000_000, 30_000_000, 20_000_000, 70_000_000],
    }
    for day, (recorder, organisation, where, village, language, gender, ages, disabled) in zip(
        (18, 25), workshops, strict=True
    ):
        if where not in places:
            continue
        workshop = Workshop.objects.create(
            consultation=consultation,
            commune=commune,
            recorded_by=recorder,
            organisation=organisation,
            held_on=datetime.date(today.year - 1, 10, day),
            arrondissement=places[where],
            village=village,
            language=language,
            participants=gender[0],
            women=gender[1],
            men=gender[2],
            age_under_18=ages[0],
            age_18_34=ages[1],
            age_35_59=ages[2],
            age_60_plus=ages[3],
            with_disability=disabled,
            summary=(
                "Les commerçantes veulent d'abord un marché couvert, éclairé, avec des latrines ; "
                "elles acceptent de payer une taxe de place si les travaux sont faits."
                if organisation is not None
                else "Le village manque d'eau potable : les femmes marchent plus d'une heure pour "
                "puiser. Le forage passe avant tout le reste, puis la maternité de Hêvié."
            ),
            created_at=at(datetime.date(today.year - 1, 10, day), 17),
            updated_at=at(datetime.date(today.year - 1, 10, day), 17),
        )
        group_answers(
            workshop,
            ids,
            {
                QuestionKind.SINGLE: single_counts[where],
                QuestionKind.RANKING: ranks[where],
                QuestionKind.ENVELOPE: amounts[where],
            },
        )
    budget = latest_published(commune, DocumentType.BUDGET_PRIMITIVE, fiscal_year=today.year)
    Consultation.objects.filter(pk=consultation.pk).update(
        phase=Phase.RESPONDED,
        opens_at=opens,
        closes_at=closes,
        announced_at=opens - datetime.timedelta(days=7),
        opened_at=opens,
        closed_at=closes,
        reminded_at=closes - datetime.timedelta(days=7),
        created_at=opens - datetime.timedelta(days=10),
        responded_at=at(datetime.date(today.year - 1, 12, 18), 10),
        responded_by=sg,
        adopted_document=budget,
        response_text=(
            "Ce que nous avons entendu : 6 habitants ont répondu en ligne et 70 personnes ont pris part "
            "aux ateliers de Godomey et de Zinvié. L'eau potable et le marché de Godomey arrivent en "
            "tête ; à Zinvié, le forage passe avant tout le reste.\n\n"
            f"Ce que nous allons faire : le budget primitif {today.year} inscrit le forage de Zinvié "
            "et la première tranche de la réhabilitation du marché de Godomey. La maternité de Hêvié "
            "fera l'objet d'une étude cette année ; l'éclairage de Togba est reporté au collectif "
            "budgétaire. Nous rendrons compte de l'avancement des travaux en séance publique."
        ),
    )
    consultation.refresh_from_db()
    _citizen_council(commune, sg, consultation, traders, youth, places, closes.date())
    versions.changed(commune_id=commune.pk)
    return 1


def _citizen_council(
    commune: Commune,
    sg: User,
    consultation: Consultation,
    traders: Organisation,
    youth: Organisation,
    places: dict[str, Arrondissement],
    closed_on: datetime.date,
) -> None:
    """The standing citizen council: its members (once), a meeting and its opinion."""
    if not CitizenCouncilMember.objects.filter(commune=commune).exists():
        joined = datetime.date(closed_on.year, 3, 1)
        members = (
            ("Honorine Agbo", None, "Akassato", "Présidente"),
            ("Isidore Houessou", None, "Godomey", "Vice-président"),
            ("Armelle Gbénou", None, "Togba", "Secrétaire"),
            ("Célestin Orou", None, "Ouèdo", ""),
            ("Victorine Dégbé", None, "Kpanroun", ""),
            ("Afiavi Zannou", traders, "Godomey", "Déléguée de l'association"),
            ("Judicaël Sossou", youth, "Zinvié", "Délégué de l'union"),
        )
        CitizenCouncilMember.objects.bulk_create(
            CitizenCouncilMember(
                commune=commune,
                full_name=name,
                organisation=organisation,
                arrondissement=places.get(place),
                role=role,
                joined_on=joined,
            )
            for name, organisation, place, role in members
        )
    held_on = closed_on + datetime.timedelta(days=7)
    agenda = f"1. Résultats de la consultation « {consultation.title} »\n2. Avis du conseil\n3. Divers"
    # The council's own minutes, published by the mairie (not the municipal council's minutes).
    minutes = published_document(
        actor=demo_user("communication.abomey") or sg,
        commune=commune,
        kind=DocumentType.OTHER,
        fiscal_year=held_on.year,
        title="Compte rendu de la réunion du conseil citoyen",
        summary=f"Réunion du conseil citoyen sur la consultation « {consultation.title} ».",
        text=agenda.replace("\n", " "),
        published_at=at(held_on + datetime.timedelta(days=5), 10),
    )
    meeting = CitizenCouncilMeeting.objects.create(
        commune=commune,
        held_on=held_on,
        place="Salle de réunion de la mairie d'Abomey-Calavi",
        agenda=agenda,
        minutes=minutes,
    )
    CouncilOpinion.objects.create(
        consultation=consultation,
        meeting=meeting,
        recorded_by=sg,
        recorded_at=at(meeting.held_on, 16),
        text=(
            "Le conseil citoyen constate que les priorités exprimées en ligne et dans les ateliers "
            "convergent : l'eau potable et le marché de Godomey. Il recommande d'inscrire le forage "
            "de Zinvié dès cette année, de consulter les commerçantes sur le plan du nouveau marché "
            "et de tenir un atelier dans chaque arrondissement lors de la prochaine consultation, "
            "car seuls deux arrondissements ont été touchés sur le terrain."
        ),
    )
