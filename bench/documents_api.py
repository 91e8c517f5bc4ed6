"""Document list, search and export API with N published documents: query counts, then p50/p95/p99
latency at fixed request rates against a real daphne process.

1. Fills its own PostgreSQL database (created if missing, migrated, reference data loaded) to N
   published documents across the three pilot communes (plus ~2% withdrawn and ~1% drafts), with
   French titles, summaries and extracted file text; ``search_text``/``search_vector`` are computed
   exactly as ``services.documents.document_reindex`` does, in one UPDATE. Re-running reuses the data.
2. Counts the SQL queries of one request per endpoint (Django test client in-process,
   ``CaptureQueriesContext``), with the in-process time and the slowest query.
3. Starts ``python -m daphne`` (``--processes 1,2``: one process, then two accepting on one shared
   socket) and drives each endpoint with ``wrk`` at fixed rates. A Lua script paces every connection
   on a fixed schedule and measures each latency from the time the request was *due* (like wrk2), so
   a server that falls behind shows it in the percentiles instead of silently lowering the rate
   (coordinated omission). wrk's own p99 (from the actual send) is reported too. Between two runs the
   script waits until daphne is idle again.
4. Times the unpaginated exports (a whole commune, every commune) one request at a time, the daphne
   memory before and after, and the filtered list's latency while one unfiltered export runs.

Usage (PostgreSQL and Redis on 127.0.0.1; ``apt-get install -y wrk``; ~5 min to load 50,000
documents the first time; ~20 min of load tests per daphne process count):
    .venv/bin/python bench/documents_api.py --rates 10,25,50,100 --duration 20 --processes 1,2
    .venv/bin/python bench/documents_api.py --no-http            # query counts only
    .venv/bin/python bench/documents_api.py --only list_filtered,search_rare --duration 10
Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/communesplus_bench_docs),
REDIS_URL (default redis://127.0.0.1:6379/6). Results also go to /tmp/communesplus-bench/.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/communesplus_bench_docs")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/6")
KEY_PREFIX = "cpbenchdocs"
os.environ.update(
    DATABASE_URL=DB_URL,
    REDIS_URL=REDIS_URL,
    KEY_PREFIX=KEY_PREFIX,
    DJANGO_SETTINGS_MODULE="hub.settings",
    THROTTLE_ANON="1000000/min",
    THROTTLE_USER="1000000/min",
    LOG_LEVEL="WARNING",
)
OUT = Path("/tmp/communesplus-bench")
PILOTS = ("cotonou", "abomey-calavi", "akpro-misserete")
PAGE_SIZE = 50  # REST_FRAMEWORK["PAGE_SIZE"]
SEED = 20260
RARE_WORD = "pirogue"  # planted in ~0.05% of the documents
COMMON_WORD = "forage"  # in about a fifth of them
VERY_COMMON_WORD = "assainissement"  # in about four fifths of them


def ensure_database() -> None:
    import psycopg

    name = DB_URL.rsplit("/", 1)[1]
    with psycopg.connect(DB_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


# --- Realistic French documents --------------------------------------------------------------------

QUARTERS = {
    "cotonou": [
        "Akpakpa",
        "Cadjèhoun",
        "Fidjrossè",
        "Gbégamey",
        "Zogbo",
        "Vodjè",
        "Agla",
        "Houénoussou",
        "Placodji",
        "Dantokpa",
        "Ahouansori",
        "Sainte-Rita",
        "Missèbo",
        "Jéricho",
        "Avotrou",
    ],
    "abomey-calavi": [
        "Godomey",
        "Akassato",
        "Togba",
        "Zinvié",
        "Hêvié",
        "Ouèdo",
        "Glo-Djigbé",
        "Kpanroun",
        "Tankpè",
        "Arconville",
        "Zoca",
        "Cocotomey",
        "Bidossessi",
        "Womey",
    ],
    "akpro-misserete": [
        "Vakon",
        "Katagon",
        "Gomè-Sota",
        "Zoungbomè",
        "Akpro-Missérété centre",
        "Ayétèdjou",
        "Houéyogbé",
        "Kpankou",
        "Djrègbé",
        "Sèdjè",
    ],
}
SERVICES = [
    "l'état civil",
    "la voirie",
    "l'assainissement",
    "les affaires domaniales",
    "la santé",
    "l'éducation",
    "les finances",
    "la planification",
    "les affaires sociales",
    "l'eau potable",
    "l'urbanisme",
    "la police municipale",
    "les marchés et foires",
]
WORKS = [
    "la construction de {n} salles de classe à l'EPP de {q}",
    "le pavage de la rue principale de {q}",
    "le curage des caniveaux du quartier {q}",
    "la réhabilitation du marché de {q}",
    "l'extension du réseau d'éclairage public à {q}",
    "la construction d'un centre de santé à {q}",
    "l'aménagement de la piste rurale {q}–{q2}",
    "la réalisation de {n} forages d'eau potable à {q}",
    "l'aménagement d'un dépotoir intermédiaire à {q}",
    "la construction de latrines publiques au marché de {q}",
    "la réfection de la maison des jeunes de {q}",
    "le lotissement du secteur de {q}",
]
DELIBERATION_OBJECTS = [
    "l'adoption du budget primitif de l'exercice {y}",
    "l'approbation du collectif budgétaire n°{k} de l'exercice {y}",
    "l'approbation du compte administratif de l'exercice {y1}",
    "l'autorisation donnée au maire de signer le marché relatif à {work}",
    "la fixation des taux de la taxe de développement local",
    "la création d'un marché de quartier à {q}",
    "la réglementation du stationnement des taxis-motos",
    "la dénomination des rues et places de {q}",
    "l'approbation du plan de curage des caniveaux",
    "la cession d'une parcelle du domaine communal à {q}",
    "l'adhésion de la commune à l'intercommunalité du Grand Nokoué",
    "la mise en place du comité communal de gestion des déchets",
]
ORDER_OBJECTS = [
    "l'interdiction des dépôts sauvages d'ordures à {q}",
    "la réglementation de la circulation pendant les travaux de {work}",
    "la nomination du chef du service de {service}",
    "la fermeture temporaire du marché de {q}",
    "la fixation des horaires d'ouverture des services de la mairie",
    "la création de la commission communale d'attribution des marchés",
    "la délégation de signature au chef d'arrondissement de {q}",
    "l'organisation de la campagne de salubrité du mois de {month}",
    "la réquisition de la place publique de {q} pour la fête de la commune",
    "la mise en fourrière des véhicules abandonnés sur la voie publique",
]
OTHER_TITLES = [
    "Communiqué relatif à {work}",
    "Avis de recrutement de {n} agents pour {service}",
    "Note d'information sur la campagne de vaccination à {q}",
    "Liste des marchés passés au {rank} trimestre {y}",
    "Avis d'appel d'offres pour {work}",
    "Programme de la journée de salubrité à {q}",
    "Résultats du concours de recrutement des agents de {service}",
]
RANKS = ["1re", "2e", "3e", "4e"]
MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
SENTENCES = [
    "Le conseil communal de {name} s'est réuni en session ordinaire le {d} {month} {y} "
    "sous la présidence du maire.",
    "Les travaux d'assainissement du quartier {q} ont été confiés à l'entreprise {company} "
    "pour un montant de {amount} FCFA.",
    "Les recettes de fonctionnement de la commune s'élèvent à {amount} FCFA, "
    "en hausse par rapport à l'exercice précédent.",
    "Les dépenses d'investissement concernent principalement {work}.",
    "Le taux de recouvrement de la taxe de développement local reste insuffisant à {q}.",
    "Le chef d'arrondissement de {q} a présenté les doléances des populations.",
    "La commission des affaires économiques et financières a examiné le projet et émis un avis favorable.",
    "Le service de {service} a enregistré {n} dossiers au cours du trimestre.",
    "Les conseillers ont insisté sur l'entretien des caniveaux avant la saison des pluies.",
    "Le maire a rappelé l'obligation de publier les actes de la commune conformément à la loi.",
    "La délibération a été adoptée à l'unanimité des conseillers présents.",
    "Le point focal de la communication est chargé de la diffusion du présent acte.",
    "Les opérations de curage et d'évacuation des ordures ménagères se poursuivent à {q}.",
    "Un comité de suivi composé de {n} membres est chargé de veiller à l'exécution des travaux.",
    "Le budget de la commune est équilibré en recettes et en dépenses à la somme de {amount} FCFA.",
    "Les usagers du marché de {q} sont invités à s'acquitter des droits de place.",
    "L'état civil a délivré {n} actes de naissance et {n2} actes de mariage.",
    "La mairie remercie les partenaires techniques et financiers pour leur appui.",
    "Les populations de {q} ont signalé l'inondation de plusieurs rues après les fortes pluies.",
    "Le secrétaire général de la mairie a présenté l'état d'exécution du plan de travail annuel.",
]
RARE_SENTENCE = (
    "Le stationnement des {w}s au débarcadère de {q} est réglementé ; chaque {w} doit être "
    "immatriculée auprès du service des affaires économiques."
)
COMPANIES = [
    "SOGEA Bénin",
    "Entreprise Houngbo & Fils",
    "BTP Alafia",
    "Ets Dossou Construction",
    "Sobetra",
    "Groupement Adjovi-Sènou",
    "Entreprise Zinsou Travaux",
    "CEB-Services",
]
# (type, weight): deliberations and municipal orders are most of what a commune publishes.
TYPE_WEIGHTS = [
    ("council_deliberation", 30),
    ("municipal_order", 25),
    ("other", 12),
    ("council_minutes", 8),
    ("activity_report", 6),
    ("budget_amending", 5),
    ("accountability_session", 4),
    ("budget_primitive", 3),
    ("administrative_account", 3),
    ("annual_work_plan", 3),
    ("development_plan", 1),
]
YEARS = list(range(2008, 2026))


class TextMaker:
    def __init__(self, rng: random.Random, slug: str, name: str) -> None:
        self.rng, self.slug, self.name = rng, slug, name

    def _fill(self, template: str, year: int) -> str:
        r = self.rng
        q, q2 = r.sample(QUARTERS[self.slug], 2)
        values = {
            "q": q,
            "q2": q2,
            "n": r.randint(2, 60),
            "n2": r.randint(2, 40),
            "k": r.randint(1, 3),
            "y": year,
            "y1": year - 1,
            "d": r.randint(1, 28),
            "month": r.choice(MONTHS),
            "rank": r.choice(RANKS),
            "service": r.choice(SERVICES),
            "name": self.name,
            "company": r.choice(COMPANIES),
            "amount": f"{r.randint(2, 9_000) * 100_000:,}".replace(",", " "),
        }
        if "{work}" in template:
            values["work"] = r.choice(WORKS).format(**values)
        return template.format(**values)

    def title(self, type_: str, year: int, number: int) -> str:
        r = self.rng
        code = self.slug[:3].upper()
        if type_ == "council_deliberation":
            obj = self._fill(r.choice(DELIBERATION_OBJECTS), year)
            return f"Délibération n°{number}/{year}/CM/{code} portant {obj}"[:200]
        if type_ == "municipal_order":
            obj = self._fill(r.choice(ORDER_OBJECTS), year)
            return f"Arrêté municipal n°{number}/{year}/MC/{code} portant {obj}"[:200]
        if type_ == "council_minutes":
            kind = r.choice([f"{r.choice(RANKS)} session ordinaire", "session extraordinaire"])
            return f"Procès-verbal de la {kind} du conseil communal ({year})"
        if type_ == "activity_report":
            return r.choice(
                [
                    f"Rapport d'activités du {r.choice(RANKS)} trimestre {year}",
                    f"Rapport annuel d'activités {year}",
                    f"Rapport d'activités du service de {r.choice(SERVICES)} ({year})",
                ]
            )
        if type_ == "budget_amending":
            return f"Collectif budgétaire n°{r.randint(1, 3)} de l'exercice {year}"
        if type_ == "budget_primitive":
            return f"Budget primitif de l'exercice {year}"
        if type_ == "administrative_account":
            return f"Compte administratif de l'exercice {year}"
        if type_ == "annual_work_plan":
            return r.choice([f"Plan de travail annuel {year}", f"Plan annuel d'investissement {year}"])
        if type_ == "development_plan":
            return f"Plan de développement communal {year}-{year + 4}"
        if type_ == "accountability_session":
            q = r.choice(QUARTERS[self.slug])
            return f"Reddition de comptes du maire : séance publique de {q} ({year})"
        return self._fill(r.choice(OTHER_TITLES), year)[:200]

    def summary(self, type_: str, year: int) -> str:
        first = f"Document publié par la commune de {self.name} pour l'exercice {year}."
        rest = [self._fill(self.rng.choice(SENTENCES), year) for _ in range(self.rng.randint(1, 3))]
        return " ".join([first, *rest])[:4000]

    def body(self, type_: str, year: int, rare: bool) -> str:
        r = self.rng
        # Budgets, accounts and plans are long; an order is a page or two.
        long_doc = type_ in (
            "budget_primitive",
            "budget_amending",
            "administrative_account",
            "development_plan",
            "annual_work_plan",
            "activity_report",
        )
        count = r.randint(80, 250) if long_doc else r.randint(8, 35)
        sentences = [self._fill(r.choice(SENTENCES), year) for _ in range(count)]
        if rare:
            sentences.insert(
                r.randrange(len(sentences)),
                RARE_SENTENCE.format(w=RARE_WORD, q=r.choice(QUARTERS[self.slug])),
            )
        paragraphs = [" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5)]
        return "\n\n".join(paragraphs)


def load_documents(target: int) -> dict[str, Any]:
    """Top the database up to ``target`` published documents (idempotent)."""
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from hub.models import Commune
    from hub.reference_data import reference_data_load
    from publications.models import Document, DocumentFile, PublicationState
    from publications.text import MAX_CHARS, normalize

    call_command("migrate", verbosity=0)
    reference_data_load()
    communes = list(Commune.objects.filter(slug__in=PILOTS).order_by("slug"))
    assert len(communes) == 3, "the three pilot communes are missing"
    have = Document.objects.filter(state=PublicationState.PUBLISHED).count()
    started = time.monotonic()
    if have < target:
        rng = random.Random(SEED + have)
        makers = {c.pk: TextMaker(rng, c.slug, c.name) for c in communes}
        types = [t for t, _ in TYPE_WEIGHTS]
        weights = [w for _, w in TYPE_WEIGHTS]
        number = have
        batch = 2000
        published = have
        print(f"loading documents: {have} published, target {target}", flush=True)
        while published < target:
            size = min(batch, target - published)
            docs: list[Document] = []
            bodies: list[list[tuple[str, str]]] = []
            for _ in range(size + size // 33):  # ~2% withdrawn and ~1% drafts on top of `size` published
                number += 1
                commune = communes[number % 3]
                maker = makers[commune.pk]
                type_ = rng.choices(types, weights)[0]
                year = rng.choice(YEARS)
                roll = rng.random()
                state = PublicationState.PUBLISHED
                if len(docs) >= size:  # the extra rows
                    state = PublicationState.WITHDRAWN if roll < 0.66 else PublicationState.DRAFT
                published_at = timezone.make_aware(
                    timezone.datetime(
                        min(year + 1, 2025),
                        rng.randint(1, 12),
                        rng.randint(1, 28),
                        rng.randint(7, 18),
                        rng.randint(0, 59),
                    )
                )
                rare = rng.random() < 0.0005
                title = maker.title(type_, year, number)
                summary = maker.summary(type_, year)
                files = [("", maker.body(type_, year, rare))]
                if rng.random() < 0.2:  # an annex
                    files.append(("Annexe", maker.body("other", year, False)))
                body = "\n".join(text for _, text in files)[:MAX_CHARS]
                docs.append(
                    Document(
                        commune=commune,
                        type=type_,
                        fiscal_year=year,
                        title=title,
                        summary=summary,
                        state=state,
                        published_at=published_at if state != PublicationState.DRAFT else None,
                        first_published_at=published_at if state != PublicationState.DRAFT else None,
                        publication_count=0 if state == PublicationState.DRAFT else 1,
                        withdrawn_at=published_at if state == PublicationState.WITHDRAWN else None,
                        withdrawal_reason="Erreur matérielle ; une version corrigée suivra."
                        if state == PublicationState.WITHDRAWN
                        else "",
                        # What document_reindex stores: three normalized lines (normalize() removes newlines).
                        search_text=f"{normalize(title)}\n{normalize(summary)}\n{normalize(body)}",
                    )
                )
                bodies.append(files)
            with transaction.atomic():
                Document.objects.bulk_create(docs, batch_size=500)
                rows: list[DocumentFile] = []
                now = timezone.now()
                for doc, files in zip(docs, bodies, strict=True):
                    for slot, (label, text) in enumerate(files, start=1):
                        pages = max(1, len(text) // 2500)
                        common = dict(
                            document=doc,
                            slot=slot,
                            label=label,
                            kind="pdf",
                            content_type="application/pdf",
                            page_count=pages,
                            extracted_text=text,
                            text_extracted_at=now,
                            original_name=f"{doc.type}-{doc.fiscal_year}-{slot}.pdf",
                        )
                        if slot == 1 and rng.random() < 0.1:  # a replaced first version, kept in the history
                            rows.append(
                                DocumentFile(
                                    **common,
                                    version=1,
                                    is_current=False,
                                    replaced_at=now,
                                    file=f"publications/{doc.commune_id}/{uuid.uuid4().hex}.pdf",
                                    size=pages * 48_000,
                                    sha256=hashlib.sha256(os.urandom(8)).hexdigest(),
                                )
                            )
                            version = 2
                        else:
                            version = 1
                        rows.append(
                            DocumentFile(
                                **common,
                                version=version,
                                is_current=True,
                                file=f"publications/{doc.commune_id}/{uuid.uuid4().hex}.pdf",
                                size=pages * 51_000,
                                sha256=hashlib.sha256(os.urandom(8)).hexdigest(),
                            )
                        )
                DocumentFile.objects.bulk_create(rows, batch_size=1000)
            published += size
            print(f"  {published}/{target} published ({time.monotonic() - started:.0f} s)", flush=True)
    # The weighted French vector of document_reindex, from the three lines of search_text, in SQL.
    with connection.cursor() as cursor:
        t0 = time.monotonic()
        cursor.execute(
            "UPDATE publications_document SET search_vector = "
            + " || ".join(
                f"setweight(to_tsvector('french'::regconfig, "
                f"COALESCE(split_part(search_text, E'\\n', {line}), '')), '{weight}')"
                for line, weight in ((1, "A"), (2, "B"), (3, "C"))
            )
            + " WHERE search_vector IS NULL"
        )
        if cursor.rowcount:
            print(f"search_vector computed for {cursor.rowcount} documents in {time.monotonic() - t0:.0f} s")
            cursor.execute("VACUUM ANALYZE publications_document")
            cursor.execute("VACUUM ANALYZE publications_documentfile")
    index_check()
    counts = {
        "published": Document.objects.filter(state=PublicationState.PUBLISHED).count(),
        "withdrawn": Document.objects.filter(state=PublicationState.WITHDRAWN).count(),
        "draft": Document.objects.filter(state=PublicationState.DRAFT).count(),
        "files": DocumentFile.objects.count(),
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('publications_document')),"
            " pg_size_pretty(pg_total_relation_size('publications_documentfile'))"
        )
        counts["document_table"], counts["file_table"] = cursor.fetchone()
    return counts


def index_check(sample: int = 25) -> None:
    """The bulk vectors must equal what the service computes: re-index a sample, compare, roll back."""
    from django.db import transaction

    from publications.models import Document
    from publications.services.documents import document_reindex

    ids = list(Document.objects.order_by("?").values_list("pk", flat=True)[:sample])
    before = dict(Document.objects.filter(pk__in=ids).values_list("pk", "search_vector"))
    texts = dict(Document.objects.filter(pk__in=ids).values_list("pk", "search_text"))
    with transaction.atomic():
        for doc in Document.objects.filter(pk__in=ids):
            document_reindex(document=doc)
        after = dict(Document.objects.filter(pk__in=ids).values_list("pk", "search_vector"))
        after_texts = dict(Document.objects.filter(pk__in=ids).values_list("pk", "search_text"))
        transaction.set_rollback(True)
    bad = [pk for pk in ids if before[pk] != after[pk] or texts[pk] != after_texts[pk]]
    if bad:
        raise SystemExit(f"bulk search index differs from document_reindex for documents {bad[:5]}")


# --- Scenarios -------------------------------------------------------------------------------------


@dataclass
class Scenario:
    key: str
    label: str
    path: str
    loaded: bool = True  # driven at the fixed rates (False: timed one request at a time)
    results: dict[str, Any] = field(default_factory=dict)


def scenarios() -> list[Scenario]:
    from publications.models import Document, PublicationState

    published = Document.objects.filter(state=PublicationState.PUBLISHED)
    commune = "cotonou"
    in_commune = published.filter(commune__slug=commune).count()
    last_page = max(1, math.ceil(in_commune / PAGE_SIZE))
    year = 2024
    filtered = published.filter(commune__slug=commune, type="council_deliberation", fiscal_year=year).count()
    print(f"{commune}: {in_commune} published ({last_page} pages); deliberations {year}: {filtered}")
    base = "/api/v1/documents/"
    flt = f"commune={commune}&type=council_deliberation&fiscal_year={year}"
    return [
        Scenario("list_p1", f"list {commune}, page 1", f"{base}?commune={commune}"),
        Scenario(
            "list_deep",
            f"list {commune}, page {last_page} (last)",
            f"{base}?commune={commune}&page={last_page}",
        ),
        Scenario("list_filtered", f"list {commune} + type + year ({filtered} docs)", f"{base}?{flt}"),
        Scenario("search_common", f"search q={COMMON_WORD}", f"{base}?q={COMMON_WORD}"),
        Scenario("search_very_common", f"search q={VERY_COMMON_WORD}", f"{base}?q={VERY_COMMON_WORD}"),
        Scenario("search_rare", f"search q={RARE_WORD}", f"{base}?q={RARE_WORD}"),
        Scenario(
            "search_commune",
            f"search q={COMMON_WORD} in {commune}",
            f"{base}?commune={commune}&q={COMMON_WORD}",
        ),
        Scenario("export_csv_filtered", f"export.csv {commune} + type + year", f"{base}export.csv?{flt}"),
        Scenario("export_json_filtered", f"export.json {commune} + type + year", f"{base}export.json?{flt}"),
        Scenario(
            "export_csv_commune",
            f"export.csv {commune} ({in_commune} rows)",
            f"{base}export.csv?commune={commune}",
            loaded=False,
        ),
        Scenario(
            "export_json_commune",
            f"export.json {commune} ({in_commune} rows)",
            f"{base}export.json?commune={commune}",
            loaded=False,
        ),
        Scenario(
            "export_csv_all",
            f"export.csv, no filter ({published.count()} rows)",
            f"{base}export.csv",
            loaded=False,
        ),
    ]


def count_queries(items: list[Scenario], repeat: int) -> None:
    """Queries per request, in-process time and the slowest query, with Django's test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    explain: list[str] = []
    for sc in items:
        times = []
        for i in range(repeat if sc.loaded else 1):
            t0 = time.perf_counter()
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(sc.path, HTTP_ACCEPT_ENCODING="gzip")
                body = b"".join(response.streaming_content) if response.streaming else response.content
            times.append(time.perf_counter() - t0)
            if i == 0:
                queries = list(ctx.captured_queries)
        assert response.status_code == 200, (sc.path, response.status_code, body[:300])
        slowest = max(queries, key=lambda q: float(q["time"]))
        sc.results["queries"] = len(queries)
        sc.results["sql_ms"] = sum(float(q["time"]) for q in queries) * 1000
        sc.results["inproc_ms"] = statistics.median(times) * 1000
        sc.results["bytes"] = len(body)
        sc.results["slowest_ms"] = float(slowest["time"]) * 1000
        sc.results["slowest_sql"] = slowest["sql"]
        explain.append(
            f"### {sc.label}: {sc.path}\n{len(queries)} queries; slowest {sc.results['slowest_ms']:.1f} ms"
        )
        for q in queries:
            explain.append(f"-- {float(q['time']) * 1000:.1f} ms\n{q['sql'][:3000]}")
        if sc.results["slowest_ms"] > 20:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
                explain.append(
                    "EXPLAIN ANALYZE of the slowest:\n" + "\n".join(r[0] for r in cursor.fetchall())
                )
        explain.append("")
        print(
            f"  {sc.label:48} {len(queries)} queries, in-process {sc.results['inproc_ms']:7.1f} ms "
            f"(SQL {sc.results['sql_ms']:6.1f} ms), {len(body) / 1024:8.0f} KiB (gzip)",
            flush=True,
        )
    (OUT / "documents_api_queries.txt").write_text("\n".join(explain))


# --- HTTP load with wrk -----------------------------------------------------------------------------

# One connection per wrk thread; each connection sends on its own fixed schedule (rate / connections
# per second, staggered) and measures every latency from the moment the request was due.
WRK_LUA = r"""
local ffi = require("ffi")
pcall(ffi.cdef, [[
typedef struct { long tv_sec; long tv_nsec; } cpb_timespec;
int clock_gettime(int clk_id, cpb_timespec *tp);
]])
local ts = ffi.new("cpb_timespec[1]")
local function now_us()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts[0].tv_sec) * 1000000 + tonumber(ts[0].tv_nsec) / 1000
end

local threads = {}
local made = 0
function setup(thread)
  thread:set("id", made)
  made = made + 1
  table.insert(threads, thread)
end

function init(args)
  local rate = tonumber(os.getenv("CPB_RATE"))
  local conns = tonumber(os.getenv("CPB_CONNECTIONS"))
  interval = conns * 1000000 / rate
  next_at = now_us() + interval * id / conns
  lat = {}
  bad = 0
  wrk.headers["Accept-Encoding"] = "gzip"
end

function delay()
  local now = now_us()
  due = next_at
  next_at = next_at + interval
  local wait = (due - now) / 1000
  if wait < 0 then return 0 end
  return math.floor(wait)
end

function response(status, headers, body)
  lat[#lat + 1] = math.floor(now_us() - due)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local all = {}
  local bad_total = 0
  for _, thread in ipairs(threads) do
    local l = thread:get("lat")
    for _, v in ipairs(l) do all[#all + 1] = v end
    bad_total = bad_total + thread:get("bad")
  end
  io.write(string.format(
    "CPB {\"requests\": %d, \"duration_us\": %d, \"non200\": %d, \"timeouts\": %d, \"errors\": %d, " ..
    "\"svc_p50\": %d, \"svc_p99\": %d, \"latencies\": [%s]}\n",
    summary.requests, summary.duration, bad_total, summary.errors.timeout,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status,
    latency:percentile(50), latency:percentile(99), table.concat(all, ",")))
end
"""


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def run_wrk(url: str, rate: int, duration: int, connections: int, lua: Path) -> dict[str, Any]:
    env = dict(os.environ, CPB_RATE=str(rate), CPB_CONNECTIONS=str(connections))
    cmd = [
        "wrk",
        "-t",
        str(connections),
        "-c",
        str(connections),
        "-d",
        f"{duration}s",
        "--timeout",
        "30s",
        "-s",
        str(lua),
        url,
    ]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=duration + 90).stdout
    line = next((x for x in out.splitlines() if x.startswith("CPB ")), None)
    if line is None:
        raise RuntimeError(f"wrk said:\n{out}")
    data = json.loads(line[4:])
    lat_ms = [v / 1000 for v in data.pop("latencies")]
    return {
        "target": rate,
        "achieved": data["requests"] / (data["duration_us"] / 1e6),
        "p50": percentile(lat_ms, 50),
        "p95": percentile(lat_ms, 95),
        "p99": percentile(lat_ms, 99),
        "max": max(lat_ms) if lat_ms else float("nan"),
        "svc_p99": data["svc_p99"] / 1000,
        "non200": data["non200"],
        "errors": data["errors"] + data["timeouts"],
        "requests": data["requests"],
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``processes`` daphne processes accepting on one listening socket (``--fd``)."""

    def __init__(self, processes: int, log_dir: Path) -> None:
        self.port = free_port()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(1024)
        self.sock.set_inheritable(True)
        env = dict(os.environ, DATABASE_URL=DB_URL, REDIS_URL=REDIS_URL, KEY_PREFIX=KEY_PREFIX)
        self.procs = []
        for i in range(processes):
            cmd = [
                sys.executable,
                "-m",
                "daphne",
                "--fd",
                str(self.sock.fileno()),
                "-v",
                "0",
                "hub.asgi:application",
            ]
            log = (log_dir / f"daphne-docs-{processes}p-{i}.log").open("wb")
            self.procs.append(
                subprocess.Popen(
                    cmd,
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    pass_fds=[self.sock.fileno()],
                )
            )
        self.command = " ".join(shlex.quote(x) for x in cmd)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline or any(p.poll() is not None for p in self.procs):
                    self.stop()
                    raise RuntimeError("daphne did not start; see " + str(log_dir)) from None
                time.sleep(0.3)

    def cpu_seconds(self) -> float:
        total = 0.0
        for p in self.procs:
            fields = Path(f"/proc/{p.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def settle(self, limit: float = 120) -> None:
        """Wait until the requests still queued after a run are done: daphne idle for a second."""
        deadline = time.monotonic() + limit
        before = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(1)
            now = self.cpu_seconds()
            if now - before < 0.05:
                return
            before = now

    def rss_mib(self) -> float:
        total = 0
        for p in self.procs:
            for line in Path(f"/proc/{p.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        return total / 1024

    def stop(self) -> None:
        for p in self.procs:
            p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.sock.close()


def fetch(url: str) -> tuple[float, int]:
    t0 = time.perf_counter()
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(req, timeout=300) as response:
        size = len(response.read())
    return (time.perf_counter() - t0) * 1000, size


def http_benchmarks(
    items: list[Scenario],
    processes: int,
    rates: list[int],
    duration: int,
    connections: int,
    export_repeat: int,
    lua: Path,
) -> dict[str, Any]:
    server = Server(processes, OUT)
    extra: dict[str, Any] = {"command": server.command}
    try:
        for sc in items:  # warm up: imports, first connections, PostgreSQL cache (every process)
            if sc.loaded:
                for _ in range(2 * processes):
                    fetch(server.url + sc.path)
        server.settle()
        for sc in items:
            if not sc.loaded:
                continue
            for rate in rates:
                result = run_wrk(server.url + sc.path, rate, duration, connections, lua)
                server.settle()
                sc.results.setdefault(f"{processes}p", {})[rate] = result
                print(
                    f"  [{processes} daphne] {sc.label:48} {rate:4d}/s -> {result['achieved']:6.1f}/s "
                    f"p50 {result['p50']:7.1f}  p95 {result['p95']:7.1f}  p99 {result['p99']:7.1f} ms"
                    f"  (errors {result['errors']}, non-200 {result['non200']})",
                    flush=True,
                )
        rss_before = server.rss_mib()
        for sc in items:
            if sc.loaded:
                continue
            timings = [fetch(server.url + sc.path) for _ in range(export_repeat)]
            ms = [t for t, _ in timings]
            sc.results[f"{processes}p"] = {
                "median": statistics.median(ms),
                "max": max(ms),
                "bytes": timings[0][1],
                "n": len(ms),
            }
            print(
                f"  [{processes} daphne] {sc.label:48} one at a time: median {statistics.median(ms):7.0f} ms,"
                f" max {max(ms):7.0f} ms, {timings[0][1] / 1024:.0f} KiB",
                flush=True,
            )
        extra["rss_before_exports_mib"] = rss_before
        extra["rss_after_exports_mib"] = server.rss_mib()
        # The filtered list at the lowest rate while the unfiltered export runs once (from 1/3 of the run).
        full = next((sc for sc in items if sc.key == "export_csv_all"), None)
        lst = next((sc for sc in items if sc.key == "list_filtered"), None)
        if full and lst:
            timer = threading.Timer(
                duration / 3, lambda: extra.setdefault("export_during_ms", fetch(server.url + full.path)[0])
            )
            timer.start()
            extra["list_during_export"] = run_wrk(server.url + lst.path, rates[0], duration, connections, lua)
            timer.join()
            r = extra["list_during_export"]
            print(
                f"  [{processes} daphne] {lst.label} at {rates[0]}/s while one unfiltered export.csv runs "
                f"({extra.get('export_during_ms', 0):.0f} ms): p50 {r['p50']:.1f} p99 {r['p99']:.1f} "
                f"max {r['max']:.0f} ms",
                flush=True,
            )
    finally:
        server.stop()
    return extra


# --- Report -----------------------------------------------------------------------------------------


def report(
    items: list[Scenario],
    counts: dict[str, Any],
    runs: dict[int, dict[str, Any]],
    rates: list[int],
    options: argparse.Namespace,
) -> str:
    lines = [
        f"Documents: {counts['published']} published, {counts['withdrawn']} withdrawn, "
        f"{counts['draft']} drafts; "
        f"{counts['files']} file rows; tables {counts['document_table']} + {counts['file_table']}.",
        "",
        "Queries per request (Django test client in-process, one request; time = median, no HTTP):",
        "",
        "| endpoint | path | queries | in-process ms | SQL ms (1st request) | slowest query ms "
        "| response (gzip) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for sc in items:
        r = sc.results
        lines.append(
            f"| {sc.label} | `{sc.path}` | {r['queries']} | {r['inproc_ms']:.1f} | {r['sql_ms']:.1f} | "
            f"{r['slowest_ms']:.1f} | {r['bytes'] / 1024:.0f} KiB |"
        )
    for processes, extra in runs.items():
        key = f"{processes}p"
        lines += [
            "",
            f"HTTP, {processes} daphne process{'es' if processes > 1 else ''}, wrk, fixed rate, "
            f"{options.duration} s "
            f"per cell, {options.connections} connections; latency from the time each request was due (ms):",
            "",
            "| endpoint | target req/s | achieved req/s | p50 | p95 | p99 | max "
            "| wrk p99 (from send) | errors |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for sc in items:
            if not sc.loaded or key not in sc.results:
                continue
            for rate in rates:
                r = sc.results[key][rate]
                lines.append(
                    f"| {sc.label} | {rate} | {r['achieved']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} "
                    f"| {r['p99']:.1f} | "
                    f"{r['max']:.0f} | {r['svc_p99']:.1f} | {r['errors'] + r['non200']} |"
                )
        lines += [
            "",
            "Unpaginated exports, one request at a time over HTTP:",
            "",
            "| export | requests | median ms | max ms | size (gzip) |",
            "|---|---:|---:|---:|---:|",
        ]
        for sc in items:
            if sc.loaded or key not in sc.results:
                continue
            r = sc.results[key]
            lines.append(
                f"| {sc.label} | {r['n']} | {r['median']:.0f} | {r['max']:.0f} "
                f"| {r['bytes'] / 1024:.0f} KiB |"
            )
        lines += [
            "",
            f"daphne RSS: {extra['rss_before_exports_mib']:.0f} MiB before the exports, "
            f"{extra['rss_after_exports_mib']:.0f} MiB after.",
        ]
        if "list_during_export" in extra:
            r = extra["list_during_export"]
            lines.append(
                f"Filtered list at {rates[0]}/s while one unfiltered export.csv runs "
                f"({extra.get('export_during_ms', float('nan')):.0f} ms, from 1/3 of the run): "
                f"achieved {r['achieved']:.1f}/s, p50 {r['p50']:.1f}, p95 {r['p95']:.1f}, "
                f"p99 {r['p99']:.1f}, "
                f"max {r['max']:.0f} ms."
            )
        lines += ["", f"server: {extra['command']} (x{processes}, one shared socket)"]
    lines += [
        "",
        "command: "
        + " ".join(shlex.quote(x) for x in [".venv/bin/python", "bench/documents_api.py", *sys.argv[1:]]),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--documents", type=int, default=50_000, help="published documents to have")
    parser.add_argument("--rates", default="10,25,50,100", help="fixed request rates, req/s, comma-separated")
    parser.add_argument("--duration", type=int, default=20, help="seconds per endpoint and rate (5-60)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (one per thread)")
    parser.add_argument("--processes", default="1", help="daphne process counts to run, e.g. 1,2")
    parser.add_argument("--repeat", type=int, default=5, help="in-process requests per endpoint")
    parser.add_argument("--export-repeat", type=int, default=1, help="requests per unpaginated export")
    parser.add_argument("--only", default="", help="comma-separated scenario keys (default: all)")
    parser.add_argument("--no-http", action="store_true", help="query counts only")
    options = parser.parse_args()
    options.duration = max(5, min(60, options.duration))
    rates = [int(x) for x in options.rates.split(",") if x]
    OUT.mkdir(exist_ok=True)
    if not options.no_http and shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    ensure_database()
    import django

    django.setup()
    counts = load_documents(options.documents)
    print(counts)
    items = scenarios()
    if options.only:
        keep = set(options.only.split(","))
        items = [sc for sc in items if sc.key in keep]
    print("queries per request:")
    count_queries(items, options.repeat)
    from django.db import connection

    connection.close()
    runs: dict[int, dict[str, Any]] = {}
    if not options.no_http:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(WRK_LUA)
        lua = Path(f.name)
        try:
            for processes in [int(x) for x in options.processes.split(",") if x]:
                print(f"HTTP load, {processes} daphne process(es):")
                runs[processes] = http_benchmarks(
                    items, processes, rates, options.duration, options.connections, options.export_repeat, lua
                )
        finally:
            lua.unlink()
    text = report(items, counts, runs, rates, options)
    (OUT / "documents_api.md").write_text(text + "\n")
    (OUT / "documents_api.json").write_text(
        json.dumps(
            {
                "counts": counts,
                "scenarios": {sc.key: {"label": sc.label, "path": sc.path, **sc.results} for sc in items},
                "runs": {str(k): {kk: vv for kk, vv in v.items()} for k, v in runs.items()},
            },
            indent=1,
            default=str,
        )
    )
    print()
    print(text)


if __name__ == "__main__":
    main()
