"""Demo consultations for ``make run`` (never loaded in production). Safe to run again.

- Cotonou: the draft annual work plan of next year, open (opened a few days ago, closing in three
  weeks): comments on its three axes (a citizen's comment and the staff's reply), a questionnaire of
  every kind (a 150 000 000 FCFA envelope), one submitted answer online, one draft, and a workshop of
  35 people in the 5th arrondissement recorded by the focal point.
- Abomey-Calavi: the priorities of this year's primitive budget, consulted last autumn and answered
  (the response links the adopted budget): six citizens' answers, two workshops (one by an accredited
  women traders' association, through its facilitator), and the opinion of the standing citizen
  council (seven members, two of them organisations' delegates).
- Akpro-Missérété: a consultation announced, opening in ten days.

Consultations are made by ``consultation_create`` (as the secretary-general), answers and comments by
the answering services as the citizens; phases and dates are then set directly (the phase services
would notify followers today of a consultation held last year). Workshops, organisations,
facilitators and the citizen council are written with the ORM. Each consultation is skipped when a
consultation of its title already exists in its commune.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

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
    WorkshopAnswer,
)
from consultations.services import comment_post, consultation_create, response_save
from hub import versions
from hub.demo_data import DEMO_DOMAIN, DEMO_PASSWORD
from hub.models import Arrondissement, Commune, Follow, User
from publications.models import Document, DocumentType

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


def cotonou_title(today: datetime.date) -> str:
    return f"Projet de plan de travail annuel {today.year + 1}"


def calavi_title(today: datetime.date) -> str:
    return f"Budget primitif {today.year} : vos priorités d'investissement"


AKPRO_TITLE = "Aménagement des marchés de la commune : vos attentes"


def _user(local: str) -> User | None:
    return User.objects.filter(email=f"{local}@{DEMO_DOMAIN}", is_active=True).first()


def _account(local: str, name: str, commune: Commune) -> User:
    email = f"{local}@{DEMO_DOMAIN}"
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, display_name=name)
    Follow.objects.get_or_create(user=user, commune=commune)
    return user


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _latest_published(commune: Commune, kind: str, **filters: Any) -> Document | None:
    return (
        Document.objects.published()
        .filter(commune=commune, type=kind, **filters)
        .order_by("-fiscal_year", "-published_at")
        .first()
    )


def _options(*labels: str) -> list[dict[str, Any]]:
    return [{"label": label} for label in labels]


def _ids(consultation: Consultation) -> dict[str, list[int]]:
    """Each question's id and its options' ids, by kind (one question per kind in these demos)."""
    out: dict[str, list[int]] = {}
    for question in consultation.questions.prefetch_related("options"):
        out[question.kind] = [question.pk, *(o.pk for o in question.options.all())]
    return out


def _open_now(consultation: Consultation, *, opened: datetime.datetime) -> Consultation:
    Consultation.objects.filter(pk=consultation.pk).update(
        phase=Phase.OPEN, opens_at=opened, opened_at=opened, announced_at=opened
    )
    consultation.refresh_from_db()
    return consultation


def _group_answers(workshop: Workshop, ids: dict[str, list[int]], values: dict[str, list[int]]) -> None:
    """The group's answers: per kind, one value (count, rank or amount) per option, in order."""
    field: dict[str, str] = {
        QuestionKind.SINGLE: "count",
        QuestionKind.MULTIPLE: "count",
        QuestionKind.RANKING: "rank",
        QuestionKind.ENVELOPE: "amount_xof",
    }
    WorkshopAnswer.objects.bulk_create(
        WorkshopAnswer(workshop=workshop, question_id=ids[kind][0], option_id=option, **{field[kind]: value})
        for kind, numbers in values.items()
        for option, value in zip(ids[kind][1:], numbers, strict=True)
    )


# --- Cotonou: the draft annual work plan, open ------------------------------------------------------


def _cotonou(commune: Commune, today: datetime.date) -> int:
    title = cotonou_title(today)
    sg, focal = _user("sg.cotonou"), _user("pointfocal.cotonou")
    citoyenne, citoyen = _user("citoyenne"), _user("citoyen")
    if sg is None or focal is None or citoyenne is None or citoyen is None:
        return 0
    if Consultation.objects.filter(commune=commune, title=title).exists():
        return 0
    now = timezone.now()
    draft = _latest_published(commune, DocumentType.ANNUAL_WORK_PLAN)
    consultation = consultation_create(
        sg,
        commune,
        {
            "title": title,
            "summary": (
                f"La mairie prépare son plan de travail annuel {today.year + 1}. Lisez le projet, "
                "commentez ses trois axes et dites-nous quelles actions doivent passer en premier. "
                "Vos avis seront présentés au conseil municipal avant le vote du plan."
            ),
            "opens_at": now - datetime.timedelta(days=4),
            "closes_at": _at(today + datetime.timedelta(days=21), 18),
            "draft": draft.pk if draft is not None else None,
            "comments_enabled": True,
            "sections": [
                {
                    "heading": "Axe 1 : assainissement et cadre de vie",
                    "body": "Curage des caniveaux avant la saison des pluies, collecte des ordures "
                    "ménagères, aménagement des bassins de rétention d'eau.",
                },
                {
                    "heading": "Axe 2 : services sociaux de base",
                    "body": "Salles de classe et tables-bancs, centres de santé d'arrondissement, "
                    "bornes-fontaines dans les quartiers non desservis.",
                },
                {
                    "heading": "Axe 3 : économie locale et emploi des jeunes",
                    "body": "Réhabilitation des marchés d'arrondissement, appui aux artisans, "
                    "chantiers à haute intensité de main-d'œuvre pour les jeunes.",
                },
            ],
            "questions": [
                {
                    "kind": QuestionKind.SINGLE,
                    "prompt": "Quel secteur doit être la priorité du plan de travail annuel ?",
                    "required": True,
                    "options": _options(
                        "Assainissement et drainage des eaux de pluie",
                        "Éducation : salles de classe et tables-bancs",
                        "Santé : centres de santé d'arrondissement",
                        "Voirie et éclairage public",
                        "Marchés et commerce",
                    ),
                },
                {
                    "kind": QuestionKind.MULTIPLE,
                    "prompt": "Quels services de la mairie faut-il améliorer d'abord ? (deux au plus)",
                    "max_choices": 2,
                    "options": _options(
                        "État civil (actes de naissance, certificats)",
                        "Enlèvement des ordures ménagères",
                        "Permis de construire",
                        "Gestion des marchés et des gares routières",
                    ),
                },
                {
                    "kind": QuestionKind.RANKING,
                    "prompt": "Classez ces priorités, de la plus urgente à la moins urgente",
                    "options": _options(
                        "Lutte contre les inondations",
                        "Accès à l'eau potable",
                        "Sécurité et éclairage des rues",
                        "Emploi des jeunes",
                    ),
                },
                {
                    "kind": QuestionKind.ENVELOPE,
                    "prompt": "Répartissez l'enveloppe d'investissement de 150 000 000 FCFA",
                    "help_text": "Choisissez les projets à financer : leur coût total ne doit pas "
                    "dépasser l'enveloppe.",
                    "envelope_xof": 150_000_000,
                    "options": [
                        {"label": "Curage des caniveaux du 5e arrondissement", "cost_xof": 45_000_000},
                        {"label": "Pavage des voies d'accès au marché Dantokpa", "cost_xof": 60_000_000},
                        {"label": "Éclairage solaire de la route des pêches", "cost_xof": 38_000_000},
                        {"label": "Trois salles de classe à l'EPP de Fidjrossè", "cost_xof": 30_000_000},
                    ],
                },
                {"kind": QuestionKind.TEXT, "prompt": "Une autre idée pour votre arrondissement ?"},
            ],
        },
    )
    consultation = _open_now(consultation, opened=now - datetime.timedelta(days=4))
    ids = _ids(consultation)
    fifth = Arrondissement.objects.filter(commune=commune, name="5e arrondissement").first()
    twelfth = Arrondissement.objects.filter(commune=commune, name="12e arrondissement").first()
    response_save(
        citoyenne,
        consultation,
        {
            "arrondissement": twelfth.pk if twelfth else None,
            "answers": [
                {"question": ids["single"][0], "option": ids["single"][1]},
                {"question": ids["multiple"][0], "options": [ids["multiple"][2], ids["multiple"][1]]},
                {"question": ids["ranking"][0], "ranking": [ids["ranking"][i] for i in (1, 2, 4, 3)]},
                {"question": ids["envelope"][0], "projects": [ids["envelope"][i] for i in (1, 3, 4)]},
                {
                    "question": ids["text"][0],
                    "text": "Installer des bacs à ordures près du marché de Fidjrossè et les vider "
                    "chaque semaine.",
                },
            ],
        },
        submit=True,
    )
    response_save(
        citoyen,
        consultation,
        {"answers": [{"question": ids["single"][0], "option": ids["single"][4]}]},
        submit=False,
    )
    section = consultation.sections.order_by("position").first()
    if section is not None:
        comment = comment_post(
            citoyenne,
            section,
            "Dans notre quartier, les caniveaux débordent à chaque grosse pluie. Merci de prévoir "
            "leur curage avant la saison des pluies d'avril, pas après.",
        )
        comment_post(
            sg,
            section,
            "Merci pour votre contribution. Le curage des caniveaux est inscrit à l'axe 1 et le "
            "calendrier des travaux sera publié avant la fin du mois de février.",
            parent=comment.pk,
        )
    if fifth is not None:
        workshop = Workshop.objects.create(
            consultation=consultation,
            commune=commune,
            recorded_by=focal,
            held_on=today - datetime.timedelta(days=2),
            arrondissement=fifth,
            language=Language.FON,
            participants=35,
            women=19,
            men=16,
            age_under_18=3,
            age_18_34=14,
            age_35_59=13,
            age_60_plus=5,
            with_disability=3,
            summary=(
                "Atelier tenu en fon à la maison des jeunes, avec le chef d'arrondissement. Les "
                "participants ont surtout parlé des inondations : les caniveaux bouchés coupent les "
                "rues pendant des jours. Les femmes du marché demandent des latrines et de "
                "l'éclairage ; les jeunes, des chantiers de curage qui les emploient."
            ),
        )
        _group_answers(
            workshop,
            ids,
            {
                QuestionKind.SINGLE: [14, 6, 5, 7, 3],
                QuestionKind.MULTIPLE: [9, 27, 4, 18],
                QuestionKind.RANKING: [1, 2, 3, 4],
                QuestionKind.ENVELOPE: [60_000_000, 35_000_000, 30_000_000, 25_000_000],
            },
        )
    versions.changed(commune_id=commune.pk)
    return 1


# --- Abomey-Calavi: the primitive budget, consulted and answered ------------------------------------


def _calavi_questions() -> list[dict[str, Any]]:
    return [
        {
            "kind": QuestionKind.SINGLE,
            "prompt": "Quel domaine doit recevoir le plus d'investissements ?",
            "required": True,
            "options": _options(
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
            "options": _options(
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
    animatrice = _account("animatrice.godomey", "Mahougnon Tossou", commune)
    if not Facilitator.objects.filter(commune=commune, user=animatrice, revoked_at__isnull=True).exists():
        Facilitator.objects.create(commune=commune, user=animatrice, organisation=traders, granted_by=sg)
    return traders, youth, animatrice


def _calavi(commune: Commune, today: datetime.date) -> int:
    title = calavi_title(today)
    sg, focal = _user("sg.abomey"), _user("pointfocal.abomey")
    if sg is None or focal is None or Consultation.objects.filter(commune=commune, title=title).exists():
        return 0
    places = {a.name: a for a in Arrondissement.objects.filter(commune=commune)}
    citizens = [
        (_account(f"citoyen.calavi{n}", name, commune), places.get(place))
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
    consultation = _open_now(consultation, opened=now - datetime.timedelta(hours=1))
    ids = _ids(consultation)
    opens = _at(datetime.date(today.year - 1, 10, 6), 8)
    closes = _at(datetime.date(today.year - 1, 11, 7), 18)
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
            created_at=_at(datetime.date(today.year - 1, 10, day), 17),
            updated_at=_at(datetime.date(today.year - 1, 10, day), 17),
        )
        _group_answers(
            workshop,
            ids,
            {
                QuestionKind.SINGLE: single_counts[where],
                QuestionKind.RANKING: ranks[where],
                QuestionKind.ENVELOPE: amounts[where],
            },
        )
    budget = _latest_published(commune, DocumentType.BUDGET_PRIMITIVE, fiscal_year=today.year)
    Consultation.objects.filter(pk=consultation.pk).update(
        phase=Phase.RESPONDED,
        opens_at=opens,
        closes_at=closes,
        announced_at=opens - datetime.timedelta(days=7),
        opened_at=opens,
        closed_at=closes,
        reminded_at=closes - datetime.timedelta(days=7),
        created_at=opens - datetime.timedelta(days=10),
        responded_at=_at(datetime.date(today.year - 1, 12, 18), 10),
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
    minutes = _latest_published(commune, DocumentType.COUNCIL_MINUTES)
    meeting = CitizenCouncilMeeting.objects.create(
        commune=commune,
        held_on=closed_on + datetime.timedelta(days=7),
        place="Salle de réunion de la mairie d'Abomey-Calavi",
        agenda=f"1. Résultats de la consultation « {consultation.title} »\n2. Avis du conseil\n3. Divers",
        minutes=minutes,
    )
    CouncilOpinion.objects.create(
        consultation=consultation,
        meeting=meeting,
        recorded_by=sg,
        recorded_at=_at(meeting.held_on, 16),
        text=(
            "Le conseil citoyen constate que les priorités exprimées en ligne et dans les ateliers "
            "convergent : l'eau potable et le marché de Godomey. Il recommande d'inscrire le forage "
            "de Zinvié dès cette année, de consulter les commerçantes sur le plan du nouveau marché "
            "et de tenir un atelier dans chaque arrondissement lors de la prochaine consultation, "
            "car seuls deux arrondissements ont été touchés sur le terrain."
        ),
    )


# --- Akpro-Missérété: announced ---------------------------------------------------------------------


def _akpro(commune: Commune, today: datetime.date) -> int:
    sg = _user("sg.akpro")
    if sg is None or Consultation.objects.filter(commune=commune, title=AKPRO_TITLE).exists():
        return 0
    opens = _at(today + datetime.timedelta(days=10), 8)
    consultation = consultation_create(
        sg,
        commune,
        {
            "title": AKPRO_TITLE,
            "summary": "La commune prépare l'aménagement de ses marchés. Dites-nous par où commencer.",
            "opens_at": opens,
            "closes_at": opens + datetime.timedelta(days=21),
            "questions": [
                {
                    "kind": QuestionKind.SINGLE,
                    "prompt": "Quel marché faut-il aménager en premier ?",
                    "required": True,
                    "options": _options("Marché de Vakon", "Marché de Katagon", "Marché central d'Akpro"),
                },
                {
                    "kind": QuestionKind.MULTIPLE,
                    "prompt": "Quels aménagements sont les plus urgents ? (deux au plus)",
                    "max_choices": 2,
                    "options": _options(
                        "Hangars et étals", "Latrines et points d'eau", "Éclairage", "Drainage des eaux"
                    ),
                },
            ],
        },
    )
    Consultation.objects.filter(pk=consultation.pk).update(phase=Phase.ANNOUNCED, announced_at=timezone.now())
    versions.changed(commune_id=commune.pk)
    return 1


def demo_load() -> str:
    today = timezone.localdate()
    made = []
    for slug, loader, label in (
        ("cotonou", _cotonou, "Cotonou (open)"),
        ("abomey-calavi", _calavi, "Abomey-Calavi (responded)"),
        ("akpro-misserete", _akpro, "Akpro-Missérété (announced)"),
    ):
        commune = Commune.objects.filter(slug=slug, is_enabled=True).first()
        if commune is None:
            continue
        with transaction.atomic():
            if loader(commune, today):
                made.append(label)
    if not made:
        return "consultations: nothing new"
    return f"{len(made)} consultations created: " + ", ".join(made)
