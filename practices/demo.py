"""Demo good practices for ``make run`` (never loaded in production). Safe to run again.

Afiavi (the demo citizen) follows two themes, then the pilot communes' communication officers write
and publish their sheets through the services (audit, outbox: she is told of those in her themes):
Cotonou's budget explained in plain words, Abomey-Calavi's market fees paid by mobile money,
Akpro-Missérété's mobile civil-registration hearings; Cotonou keeps a draft on waste collection. The
secretary-general of Akpro-Missérété asks Abomey-Calavi a question about its sheet, and the mayor of
Abomey-Calavi answers it officially in the forum.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from forums.services import post_create
from hub import versions
from hub.demo_data import DEMO_DOMAIN
from hub.models import Commune, User
from practices.models import PracticeQuestion, PracticeSheet, Theme
from practices.services import (
    question_ask,
    sheet_create,
    sheet_publish,
    theme_follow,
    themes_seed,
)
from publications.models import Document, DocumentType

AFIAVI_THEMES = ("participation-citoyenne", "etat-civil")


@dataclass(frozen=True)
class DemoSheet:
    commune: str
    title: str
    summary: str
    problem: str
    actions: str
    results: str
    themes: tuple[str, ...]
    contact_name: str
    contact_role: str
    contact_phone: str = ""
    document_types: tuple[str, ...] = ()
    published_days_ago: int | None = None  # None: a draft


SHEETS = [
    DemoSheet(
        commune="cotonou",
        title="Le budget expliqué en langage simple, affiché dans les arrondissements",
        summary="Cotonou publie chaque année une version de quatre pages de son budget, en français "
        "simple et en fon, affichée dans les 13 arrondissements et lue à la radio communautaire.",
        problem="Le budget primitif compte plus de 200 pages de tableaux. Lors de la reddition de comptes, "
        "la plupart des questions des citoyens portaient sur des chiffres qu'ils n'avaient pas pu lire.",
        actions="La direction des finances et le service de la communication ont rédigé un « budget "
        "citoyen » de quatre pages : d'où vient l'argent, où il va, ce qui change par rapport à l'année "
        "précédente, avec des pictogrammes.\n\nIl est traduit en fon, affiché dans chaque mairie "
        "d'arrondissement et au marché Dantokpa, publié sur Communes+ et lu pendant une émission de la "
        "radio communautaire, avec les questions des auditeurs en direct.\n\nCoût : environ 450 000 FCFA "
        "par an (impression et traduction).",
        results="Les questions posées à la reddition de comptes ont doublé, et elles portent désormais "
        "sur les choix (les caniveaux d'Agla, l'éclairage public) plutôt que sur le sens des chiffres. "
        "Le budget citoyen est le document le plus téléchargé de la commune.",
        themes=("transparence-budgetaire", "participation-citoyenne"),
        contact_name="Service de la communication",
        contact_role="",
        contact_phone="+229 01 97 12 34 56",
        document_types=(DocumentType.BUDGET_PRIMITIVE, DocumentType.ACCOUNTABILITY_SESSION),
        published_days_ago=45,
    ),
    DemoSheet(
        commune="abomey-calavi",
        title="Les taxes de marché payées par mobile money au marché de Calavi",
        summary="Un recensement des places et un paiement par mobile money ont augmenté les recettes du "
        "marché de 38 % en un an, sans augmenter les tarifs.",
        problem="Les recettes des droits de place du marché de Calavi stagnaient depuis cinq ans. Les "
        "collecteurs encaissaient en espèces, sans reçu, et une partie de l'argent n'arrivait pas à la "
        "recette-perception.",
        actions="1. Recensement des 1 850 places du marché avec l'association des commerçantes, chaque "
        "place recevant un numéro peint et un code.\n2. Paiement des droits par mobile money sur un "
        "numéro marchand de la mairie, avec un reçu par SMS ; les espèces restent possibles au guichet "
        "du marché.\n3. Publication chaque mois des montants encaissés, affichée au marché et sur "
        "Communes+.",
        results="Recettes du marché : +38 % la première année. Les plaintes pour double paiement ont "
        "presque disparu. Les commerçantes demandent maintenant que les recettes financent les "
        "toilettes du marché, ce que le conseil a inscrit au budget suivant.",
        themes=("ressources-locales", "numerique"),
        contact_name="Chef du service des affaires financières",
        contact_role="",
        contact_phone="+229 01 97 23 45 67",
        document_types=(DocumentType.ADMINISTRATIVE_ACCOUNT,),
        published_days_ago=20,
    ),
    DemoSheet(
        commune="akpro-misserete",
        title="Des audiences foraines pour les actes de naissance des enfants non déclarés",
        summary="Avec le tribunal de Porto-Novo, la commune a tenu des audiences foraines dans les "
        "villages : 1 240 enfants ont reçu un acte de naissance en six mois.",
        problem="Beaucoup d'enfants des villages éloignés n'étaient pas déclarés à la naissance. Sans acte, "
        "ils ne peuvent pas passer le certificat d'études primaires, et les familles ne pouvaient pas "
        "payer le voyage jusqu'au tribunal.",
        actions="Les directeurs d'école ont recensé les enfants sans acte. Le tribunal a accepté de tenir "
        "des audiences foraines dans cinq arrondissements, avec un agent de l'état civil de la mairie. "
        "Les crieurs publics et les chefs de village ont annoncé les dates ; les jugements supplétifs "
        "ont été transcrits sur place.",
        results="1 240 jugements supplétifs rendus en six mois, dont 55 % pour des filles. Tous les "
        "élèves de CM2 recensés ont pu s'inscrire à l'examen.",
        themes=("etat-civil", "inclusion", "education"),
        contact_name="Bureau de l'état civil",
        contact_role="",
        contact_phone="+229 01 97 34 56 78",
        document_types=(DocumentType.ACTIVITY_REPORT,),
        published_days_ago=8,
    ),
    DemoSheet(
        commune="cotonou",
        title="La pré-collecte des déchets par les ONG de quartier, payée par abonnement",
        summary="Brouillon : l'abonnement mensuel des ménages à la pré-collecte, et le contrôle par les "
        "chefs quartier.",
        problem="Les dépotoirs sauvages bouchent les caniveaux avant chaque saison des pluies.",
        actions="Conventions avec douze ONG de pré-collecte, abonnement de 1 500 FCFA par mois, carte des "
        "rues desservies publiée.",
        results="À compléter après la première année.",
        themes=("gestion-dechets", "eau-assainissement"),
        contact_name="Direction des services techniques",
        contact_role="",
        contact_phone="+229 01 97 45 67 89",
    ),
]

QUESTION = (
    "Quel opérateur pour le paiement des taxes de marché ?",
    "Bonjour, nous voudrions faire de même au marché de Missérété. Avec quel opérateur de mobile "
    "money avez-vous signé, et qui paie les frais de transaction : la mairie ou les commerçantes ?",
)
ANSWER = (
    "Bonjour, nous avons un numéro marchand chez les deux opérateurs du pays. Les frais sont payés "
    "par la mairie (1 %), pour que les commerçantes ne paient pas plus qu'en espèces. La convention "
    "type est à votre disposition : écrivez au service des affaires financières."
)


def _user(local: str) -> User | None:
    return User.objects.filter(email=f"{local}@{DEMO_DOMAIN}").first()


def _officer(commune: Commune) -> User | None:
    return _user(f"communication.{commune.slug.split('-')[0]}")


def _documents(commune: Commune, types: tuple[str, ...]) -> list[int]:
    ids = []
    for doc_type in types:
        published = Document.objects.published().filter(commune=commune, type=doc_type)
        document = published.order_by("-fiscal_year").first()
        if document is not None:
            ids.append(document.pk)
    return ids


def _sheet(item: DemoSheet) -> PracticeSheet | None:
    commune = Commune.objects.filter(slug=item.commune, is_enabled=True).first()
    officer = _officer(commune) if commune is not None else None
    if commune is None or officer is None:
        return None
    existing = PracticeSheet.objects.filter(commune=commune, title=item.title).first()
    if existing is not None:
        return existing
    sheet = sheet_create(
        actor=officer,
        commune=commune,
        data={
            "title": item.title,
            "summary": item.summary,
            "problem": item.problem,
            "actions": item.actions,
            "results": item.results,
            "themes": list(item.themes),
            "documents": _documents(commune, item.document_types),
            "contact_name": item.contact_name,
            "contact_role": item.contact_role,
            "contact_phone": item.contact_phone,
        },
    )
    if item.published_days_ago is not None:
        sheet = sheet_publish(actor=officer, sheet=sheet)
        # Spread over the last weeks, as a library grows (a service always publishes now).
        when = timezone.now() - datetime.timedelta(days=item.published_days_ago)
        PracticeSheet.objects.filter(pk=sheet.pk).update(
            published_at=when, first_published_at=when, created_at=when, updated_at=when
        )
        versions.changed(commune_id=commune.pk)
    return sheet


def _question(sheet: PracticeSheet | None) -> int:
    asker, mayor = _user("sg.akpro"), _user("maire.abomey")
    if sheet is None or asker is None or mayor is None or not sheet.is_published:
        return 0
    if PracticeQuestion.objects.filter(sheet=sheet).exists():
        return 0
    title, body = QUESTION
    question = question_ask(actor=asker, sheet=sheet, title=title, body=body)
    post_create(actor=mayor, thread=question.thread, body=ANSWER, official=True)
    return 1


def demo_load() -> str:
    """Themes, Afiavi's follows, the pilot communes' sheets and one answered question."""
    with transaction.atomic():
        themes_seed()
        afiavi = _user("citoyenne")
        if afiavi is not None:
            for theme in Theme.objects.filter(slug__in=AFIAVI_THEMES):
                theme_follow(actor=afiavi, theme=theme)
    made = 0
    sheets: list[PracticeSheet | None] = []
    for item in SHEETS:
        with transaction.atomic():
            before = PracticeSheet.objects.count()
            sheets.append(_sheet(item))
            made += PracticeSheet.objects.count() - before
    with transaction.atomic():
        questions = _question(sheets[1])
    return f"{made} practice sheets, {questions} question answered"
