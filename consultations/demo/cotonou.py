"""Cotonou's demo consultation: the draft annual work plan of next year, open (opened a few days ago,
closing in three weeks), on its own published draft: comments on its three axes (a citizen's comment
and the staff's reply), a questionnaire of every kind (a 150 000 000 FCFA envelope), one submitted
answer online, one draft, and a workshop of 35 people in the 5th arrondissement recorded by the focal
point."""

from __future__ import annotations

import datetime

from django.utils import timezone

from consultations.demo.common import (
    at,
    demo_user,
    group_answers,
    open_now,
    options,
    published_document,
    question_ids,
)
from consultations.models import Consultation, Language, QuestionKind, Workshop
from consultations.services import comment_post, consultation_create, response_save
from hub import versions
from hub.models import Arrondissement, Commune
from publications.models import DocumentType


def cotonou_title(today: datetime.date) -> str:
    return f"Projet de plan de travail annuel {today.year + 1}"


def load(commune: Commune, today: datetime.date) -> int:
    title = cotonou_title(today)
    sg, focal = demo_user("sg.cotonou"), demo_user("pointfocal.cotonou")
    citoyenne, citoyen = demo_user("citoyenne"), demo_user("citoyen")
    if sg is None or focal is None or citoyenne is None or citoyen is None:
        return 0
    if Consultation.objects.filter(commune=commune, title=title).exists():
        return 0
    now = timezone.now()
    draft = published_document(
        actor=demo_user("communication.cotonou") or sg,
        commune=commune,
        kind=DocumentType.ANNUAL_WORK_PLAN,
        fiscal_year=today.year + 1,
        title=title,
        summary=(
            f"Le projet de plan de travail annuel {today.year + 1}, soumis aux habitants avant son "
            "examen par le conseil municipal."
        ),
        text="Axe 1 : assainissement. Axe 2 : services sociaux de base. Axe 3 : économie locale.",
        published_at=now - datetime.timedelta(days=6),
    )
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
            "closes_at": at(today + datetime.timedelta(days=21), 18),
            "draft": draft.pk,
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
                    "options": options(
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
                    "options": options(
                        "État civil (actes de naissance, certificats)",
                        "Enlèvement des ordures ménagères",
                        "Permis de construire",
                        "Gestion des marchés et des gares routières",
                    ),
                },
                {
                    "kind": QuestionKind.RANKING,
                    "prompt": "Classez ces priorités, de la plus urgente à la moins urgente",
                    "options": options(
                        "Lutte contre les inondations",
                        "Accès à l'eau potable",
                        "Sécurité et éclairage des rues",
                        "Emploi des jeunes",
                    ),
                },
                {
                    "kind": QuestionKind.ENVELOPE,
                    "prompt": "Répartissez l'enveloppe d'investissement de 150 000 000 FCFA",
                    "help_text": "Coûts estimés par les services techniques de la mairie.",
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
    consultation = open_now(consultation, opened=now - datetime.timedelta(days=4))
    ids = question_ids(consultation)
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
        group_answers(
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
