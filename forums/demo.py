"""Demo forum content for ``make run`` (never loaded in production). Safe to run again.

Every enabled commune gets its categories. Each pilot commune gets a few discussions with replies
and a proposal supported by the demo citizens, answered officially by the mayor and moved to
"under study".
"""

from __future__ import annotations

from django.db import transaction

from forums import services
from forums.models import Category, ProposalStatus, Thread, ThreadKind
from hub.demo_data import DEMO_DOMAIN, PILOT_STAFF
from hub.models import Commune, User

THREADS = [
    (
        "voirie",
        ThreadKind.CONCERN,
        "Nids-de-poule sur la route du marché",
        "Depuis les pluies, la route qui mène au marché est pleine de trous. "
        "Les zémidjans roulent sur le trottoir. **Quand des travaux sont-ils prévus ?**",
        [
            "Même constat près de l'école primaire.",
            "> Les zémidjans roulent sur le trottoir\n\nC'est dangereux.",
        ],
    ),
    (
        "eau",
        ThreadKind.QUESTION,
        "Coupures d'eau dans le quartier",
        "Nous avons des coupures d'eau presque tous les soirs. Est-ce que la mairie a des informations ?",
        ["Chez nous aussi, depuis deux semaines."],
    ),
]
PROPOSAL = (
    "assainissement",
    "Installer des poubelles publiques au marché central",
    "Je propose d'installer des poubelles et d'organiser une collecte deux fois par semaine :\n\n"
    "- moins de déchets dans les caniveaux\n- moins d'inondations\n- un marché plus propre",
)


def _user(email: str) -> User | None:
    return User.objects.filter(email=email).first()


def _pilot(commune: Commune) -> int:
    short = commune.slug.split("-")[0]
    afiavi, koffi = _user(f"citoyenne@{DEMO_DOMAIN}"), _user(f"citoyen@{DEMO_DOMAIN}")
    mayor = _user(f"maire.{short}@{DEMO_DOMAIN}")
    if afiavi is None or koffi is None or mayor is None:
        return 0
    if Thread.objects.filter(commune=commune, author=afiavi).exists():
        return 0
    categories = {c.slug: c for c in Category.objects.filter(commune=commune)}
    created = 0
    for slug, kind, title, body, replies in THREADS:
        thread = services.thread_create(
            actor=afiavi, commune=commune, category=categories[slug], title=title, body=body, kind=kind
        )
        for index, reply in enumerate(replies):
            services.post_create(actor=koffi if index % 2 == 0 else afiavi, thread=thread, body=reply)
        created += 1
    slug, title, body = PROPOSAL
    proposal = services.thread_create(
        actor=afiavi,
        commune=commune,
        category=categories[slug],
        title=title,
        body=body,
        kind=ThreadKind.PROPOSAL,
    )
    services.support_set(actor=koffi, thread=proposal, supported=True)
    services.post_create(actor=koffi, thread=proposal, body="Très bonne idée, je soutiens.")
    services.post_create(
        actor=mayor,
        thread=proposal,
        official=True,
        body="Merci pour cette proposition. Les services techniques étudient l'emplacement de "
        "vingt poubelles et le coût de la collecte. Réponse au prochain conseil municipal.",
    )
    services.proposal_status_set(actor=mayor, thread=proposal, proposal_status=ProposalStatus.UNDER_STUDY)
    return created + 1


@transaction.atomic
def demo_load() -> str:
    seeded = sum(services.categories_seed(commune=c) for c in Commune.objects.filter(is_enabled=True))
    threads = sum(_pilot(c) for c in Commune.objects.filter(slug__in=PILOT_STAFF, is_enabled=True))
    return f"forums: {seeded} categories, {threads} discussions"
