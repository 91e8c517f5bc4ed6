"""The themes of the good-practices library for Benin's communes: (slug, French name, English name,
French description, English description), in the order they are listed.

Plain data, read by the migration that seeds them (``0002_themes``) and by ``themes_seed`` (the demo
data, a database emptied by tests); platform administrators edit them in the admin afterwards.
"""

from __future__ import annotations

THEMES: list[tuple[str, str, str, str, str]] = [
    (
        "transparence-budgetaire",
        "Transparence budgétaire",
        "Budget transparency",
        "Publier et expliquer le budget, le compte administratif et leur exécution.",
        "Publishing and explaining the budget, the administrative account and how they are carried out.",
    ),
    (
        "ressources-locales",
        "Mobilisation des ressources locales",
        "Local revenue",
        "Taxes et redevances, recensement fiscal, marchés et gares, paiement mobile des recettes.",
        "Local taxes and fees, tax census, markets and bus stations, mobile payment of revenue.",
    ),
    (
        "participation-citoyenne",
        "Participation citoyenne",
        "Citizen participation",
        "Redditions de comptes, budgets participatifs, consultations, comités de quartier.",
        "Accountability sessions, participatory budgets, consultations, neighbourhood committees.",
    ),
    (
        "etat-civil",
        "État civil",
        "Civil registration",
        "Déclaration des naissances, actes et jugements supplétifs, numérisation des registres.",
        "Birth registration, certificates and late registration, digitised registers.",
    ),
    (
        "eau-assainissement",
        "Eau et assainissement",
        "Water and sanitation",
        "Points d'eau, latrines publiques, curage des caniveaux, lutte contre les inondations.",
        "Water points, public latrines, drain clearing, flood prevention.",
    ),
    (
        "gestion-dechets",
        "Gestion des déchets",
        "Waste management",
        "Pré-collecte, dépotoirs, tri et valorisation, salubrité des marchés.",
        "Waste collection, dumps, sorting and recycling, clean markets.",
    ),
    (
        "marches-publics",
        "Marchés publics",
        "Public procurement",
        "Plans de passation, publication des attributions, suivi des chantiers.",
        "Procurement plans, publishing contract awards, following the works.",
    ),
    (
        "inclusion",
        "Inclusion : femmes, jeunes, personnes handicapées",
        "Inclusion: women, young people, people with disabilities",
        "Place des femmes, des jeunes, des personnes âgées et handicapées dans la vie communale.",
        "Women, young people, elderly people and people with disabilities in the commune's life.",
    ),
    (
        "numerique",
        "Numérique et services en ligne",
        "Digital and online services",
        "Démarches en ligne, SMS, paiement mobile, données ouvertes.",
        "Online procedures, SMS, mobile payment, open data.",
    ),
    (
        "sante",
        "Santé et hygiène",
        "Health and hygiene",
        "Centres de santé, vaccination, hygiène publique, mutuelles de santé.",
        "Health centres, vaccination, public hygiene, health insurance schemes.",
    ),
    (
        "education",
        "Éducation",
        "Education",
        "Écoles, cantines scolaires, alphabétisation.",
        "Schools, school canteens, literacy.",
    ),
    (
        "foncier-urbanisme",
        "Foncier et urbanisme",
        "Land and urban planning",
        "Lotissements, registre foncier, conflits domaniaux, plans d'urbanisme.",
        "Land subdivision, land register, land disputes, urban plans.",
    ),
]
