"""Demo publications for ``make run`` (never loaded in production). Safe to run again.

For each pilot commune: documents of several types over three fiscal years, awarded contracts and
agenda events. Files are real (small) PDFs created here and go through the upload checks and the
text extraction like any upload. The publication dates are set in the past so that the
transparency scorecard has a history; for the last closed fiscal year, every expected publication
exists except Akpro-Missérété's administrative account (the gap the scorecard shows) and
Abomey-Calavi's activity report came late. Backdated publications record no outbox event: nobody
should be notified today of a budget published two years ago.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from hub.demo_data import DEMO_DOMAIN, PILOT_STAFF
from hub.models import Commune, User
from hub.uploads import bytes_upload
from publications.models import AgendaEvent, Contract, Document, PublicationState
from publications.services import agenda as agenda_services
from publications.services import contracts as contract_services
from publications.services import documents as document_services


def minimal_pdf(*pages: str) -> bytes:
    """A small valid PDF, one page of Helvetica text per argument (readable by pypdf)."""
    texts = pages or ("Document",)
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    page_ids = [4 + 2 * index for index in range(len(texts))]
    kids = b" ".join(b"%d 0 R" % pid for pid in page_ids)
    objects.append(b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % len(texts))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for index, text in enumerate(texts):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (page_ids[index] + 1)
        )
        raw = text.encode("cp1252", errors="replace").replace(b"\\", b"\\\\")
        raw = raw.replace(b"(", b"\\(").replace(b")", b"\\)")
        stream = b"BT /F1 12 Tf 72 770 Td (" + raw + b") Tj ET"
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


@dataclass(frozen=True)
class DemoDocument:
    type: str
    fiscal_year_offset: int  # relative to the last closed fiscal year
    title: str
    summary: str
    text: str
    published: tuple[int, int, int]  # (year offset, month, day) of the publication


def _documents(name: str) -> list[DemoDocument]:
    minutes = [
        DemoDocument(
            "council_minutes",
            0,
            f"Procès-verbal de la {rank} session ordinaire du conseil communal",
            f"Délibérations de la {rank} session ordinaire du conseil communal de {name}.",
            f"Le conseil communal de {name} a délibéré sur le budget, l'assainissement et les marchés.",
            (0, month, 20),
        )
        for rank, month in (("1re", 3), ("2e", 6), ("3e", 9), ("4e", 12))
    ]
    return [
        DemoDocument(
            "budget_primitive",
            0,
            "Budget primitif de l'exercice",
            f"Budget primitif de la commune de {name}, voté par le conseil communal.",
            "Recettes de fonctionnement, dépenses d'investissement, assainissement et voirie.",
            (-1, 12, 15),
        ),
        DemoDocument(
            "annual_work_plan",
            0,
            "Plan de travail annuel",
            "Les actions prévues par la mairie pour l'année, service par service.",
            "Construction de salles de classe, curage des caniveaux, éclairage public.",
            (0, 1, 20),
        ),
        *minutes,
        DemoDocument(
            "accountability_session",
            0,
            "Reddition de comptes du maire aux citoyens",
            "Présentation publique du bilan de l'année et questions des citoyens.",
            "Bilan des travaux d'assainissement, des marchés publics et des recettes fiscales.",
            (0, 11, 28),
        ),
        DemoDocument(
            "activity_report",
            0,
            "Rapport annuel d'activités",
            f"Ce que la commune de {name} a réalisé pendant l'exercice.",
            "Réalisations : pistes rurales, adduction d'eau, état civil, assainissement.",
            (1, 3, 10),
        ),
        DemoDocument(
            "administrative_account",
            0,
            "Compte administratif de l'exercice",
            "L'exécution du budget : ce qui a été encaissé et dépensé.",
            "Taux d'exécution des recettes et des dépenses de l'exercice.",
            (1, 6, 25),
        ),
        DemoDocument(
            "municipal_order",
            0,
            "Arrêté municipal portant réglementation des marchés de nuit",
            "Horaires et conditions d'installation des vendeuses et vendeurs.",
            "Il est interdit d'occuper la chaussée après 23 heures.",
            (0, 5, 4),
        ),
        DemoDocument(
            "budget_primitive",
            -1,
            "Budget primitif de l'exercice",
            "Budget primitif de l'exercice précédent.",
            "Recettes et dépenses prévues.",
            (-2, 12, 18),
        ),
        DemoDocument(
            "administrative_account",
            -1,
            "Compte administratif de l'exercice",
            "Exécution du budget de l'exercice précédent.",
            "Taux d'exécution.",
            (0, 6, 12),
        ),
        DemoDocument(
            "budget_primitive",
            1,
            "Budget primitif de l'exercice",
            "Budget primitif de l'exercice en cours.",
            "Recettes et dépenses prévues pour l'exercice en cours.",
            (0, 12, 16),
        ),
    ]


# The one gap and the one delay of the last closed fiscal year, so the scorecard has something to say.
MISSING = {("akpro-misserete", "administrative_account", 0)}
LATE = {("abomey-calavi", "activity_report", 0): (1, 5, 2)}

CONTRACTS = [
    (
        "AOO/{year}/001",
        "Construction d'un module de trois salles de classe",
        "Entreprise Houénou BTP",
        48_500_000,
        "open_tender",
        (3, 14),
        "in_progress",
    ),
    (
        "DC/{year}/014",
        "Fourniture de tables-bancs aux écoles primaires",
        "Menuiserie Dossou et Fils",
        7_800_000,
        "request_for_quotations",
        (5, 2),
        "completed",
    ),
    (
        "AOO/{year}/006",
        "Curage et réhabilitation des caniveaux du centre-ville",
        "Société Adjovi Assainissement",
        126_000_000,
        "open_tender",
        (7, 21),
        "signed",
    ),
    (
        "DP/{year}/002",
        "Étude de faisabilité d'un marché moderne",
        "Cabinet Sègbo Conseil",
        19_900_000,
        "request_for_proposals",
        (9, 9),
        "awarded",
    ),
]


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _publish_backdated(
    model: type[Document] | type[Contract] | type[AgendaEvent], pk: int, when: datetime.datetime, actor: User
) -> None:
    model.objects.filter(pk=pk).update(  # type: ignore[attr-defined]
        state=PublicationState.PUBLISHED,
        published_at=when,
        first_published_at=when,
        published_by=actor,
        publication_count=1,
    )


def _commune_demo(commune: Commune, officer: User, last_closed: int) -> int:
    created = 0
    for item in _documents(commune.name):
        fiscal_year = last_closed + item.fiscal_year_offset
        if (commune.slug, item.type, item.fiscal_year_offset) in MISSING:
            continue
        offset, month, day = LATE.get((commune.slug, item.type, item.fiscal_year_offset), item.published)
        published_on = datetime.date(last_closed + offset, month, day)
        if published_on > timezone.localdate():
            continue
        title = f"{item.title} {fiscal_year}" if "exercice" in item.title else item.title
        pdf = minimal_pdf(f"{title} - {commune.name}", item.text)
        document = document_services.document_create(
            actor=officer,
            commune=commune,
            type=item.type,
            fiscal_year=fiscal_year,
            title=title,
            summary=item.summary,
            uploads=[bytes_upload(pdf, f"{item.type}-{fiscal_year}.pdf")],
        )
        _publish_backdated(Document, document.pk, _at(published_on), officer)
        created += 1
    for reference, title, awardee, amount, procedure, (month, day), status in CONTRACTS:
        contract = contract_services.contract_create(
            actor=officer,
            commune=commune,
            reference=reference.format(year=last_closed),
            title=title,
            awardee=awardee,
            amount_xof=amount,
            procedure=procedure,
            award_date=datetime.date(last_closed, month, day),
            status=status,
        )
        _publish_backdated(
            Contract,
            contract.pk,
            _at(datetime.date(last_closed, month, day) + datetime.timedelta(days=10)),
            officer,
        )
    now = timezone.localtime()
    events = [
        ("Session ordinaire du conseil communal", "Salle du conseil, hôtel de ville", 6, 9, 4),
        ("Reddition de comptes aux citoyens", "Place de l'indépendance", 13, 16, 3),
        ("Visite des chantiers d'assainissement", "Départ : hôtel de ville", 20, 8, 3),
        ("Audience publique du maire", "Cabinet du maire", -5, 10, 2),
    ]
    for title, place, days, hour, hours in events:
        start = (now + datetime.timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)
        event = agenda_services.agenda_event_create(
            actor=officer,
            commune=commune,
            title=title,
            place=place,
            description=f"Ouvert au public. Commune de {commune.name}.",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=hours),
        )
        _publish_backdated(AgendaEvent, event.pk, now - datetime.timedelta(days=7), officer)
    return created


def demo_load() -> str:
    """Demo publications for the pilot communes that have none yet; reports how many documents.

    Called by ``manage.py load_demo_data`` before the apps after this one in INSTALLED_APPS (live
    sessions may link these documents)."""
    last_closed = timezone.localdate().year - 1
    created = 0
    for slug in PILOT_STAFF:
        commune = Commune.objects.filter(slug=slug).first()
        short = slug.split("-")[0]
        officer = User.objects.filter(email=f"communication.{short}@{DEMO_DOMAIN}").first()
        if commune is None or officer is None or not commune.is_enabled:
            continue
        if Document.objects.filter(commune=commune).exists():
            continue  # already loaded
        with transaction.atomic():
            created += _commune_demo(commune, officer, last_closed)
    return f"{created} documents published"
