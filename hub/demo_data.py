"""Demo accounts for ``make run`` (never loaded in production). Safe to run again.

Every demo account's password is ``DEMO_PASSWORD``; the accounts are listed in README.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from hub.models import Commune, Follow, Membership, Role, User

DEMO_PASSWORD = "Demo-Communes+2026"  # noqa: S105 - public demo credential, documented in README
DEMO_DOMAIN = "demo.communesplus.bj"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    display_name: str
    commune: str | None = None
    role: str | None = None
    title: str = ""
    phone: str | None = None
    is_admin: bool = False
    is_public: bool = True


PILOT_STAFF = {
    "cotonou": "Cotonou",
    "abomey-calavi": "Abomey-Calavi",
    "akpro-misserete": "Akpro-Missérété",
}


def _staff(slug: str, label: str) -> list[DemoAccount]:
    short = slug.split("-")[0]
    return [
        DemoAccount(f"maire.{short}@{DEMO_DOMAIN}", f"Maire de {label}", slug, Role.MAYOR),
        DemoAccount(
            f"adjoint.{short}@{DEMO_DOMAIN}",
            f"1er adjoint de {label}",
            slug,
            Role.DEPUTY_MAYOR,
            "1er adjoint au maire",
        ),
        DemoAccount(f"conseiller.{short}@{DEMO_DOMAIN}", f"Conseiller de {label}", slug, Role.COUNCILLOR),
        DemoAccount(
            f"sg.{short}@{DEMO_DOMAIN}", f"Secrétaire général de {label}", slug, Role.SECRETARY_GENERAL
        ),
        DemoAccount(f"pointfocal.{short}@{DEMO_DOMAIN}", f"Point focal de {label}", slug, Role.FOCAL_POINT),
        DemoAccount(
            f"communication.{short}@{DEMO_DOMAIN}",
            f"Chargé de communication de {label}",
            slug,
            Role.COMMUNICATION_OFFICER,
        ),
        DemoAccount(
            f"moderateur.{short}@{DEMO_DOMAIN}",
            f"Modérateur de {label}",
            slug,
            Role.MODERATOR,
            is_public=False,
        ),
    ]


DEMO_ACCOUNTS: list[DemoAccount] = [
    DemoAccount(f"admin@{DEMO_DOMAIN}", "Administrateur Communes+", is_admin=True),
    *[account for slug, label in PILOT_STAFF.items() for account in _staff(slug, label)],
    DemoAccount(f"citoyenne@{DEMO_DOMAIN}", "Afiavi Houngbo", phone="+2290197000001"),
    DemoAccount(f"citoyen@{DEMO_DOMAIN}", "Koffi Agossou", phone="+2290166000002"),
]
DEMO_FOLLOWS = {
    f"citoyenne@{DEMO_DOMAIN}": ["cotonou", "abomey-calavi"],
    f"citoyen@{DEMO_DOMAIN}": ["cotonou"],
}


@transaction.atomic
def demo_data_load() -> int:
    """Create the demo accounts, roles and follows, once; returns how many accounts were created.

    Once the demo administrator exists, nothing is touched again: roles an operator revoked stay
    revoked, and passwords changed stay changed.
    """
    if User.objects.filter(email=f"admin@{DEMO_DOMAIN}").exists():
        return 0
    created_count = 0
    communes = {c.slug: c for c in Commune.objects.filter(slug__in=PILOT_STAFF)}
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(email=account.email).first()
        if user is None:
            user = User.objects.create_user(
                email=account.email,
                password=DEMO_PASSWORD,
                display_name=account.display_name,
                phone=account.phone,
                is_staff=account.is_admin,
                is_superuser=account.is_admin,
            )
            created_count += 1
        if account.commune and account.role and account.commune in communes:
            Membership.objects.get_or_create(
                user=user,
                commune=communes[account.commune],
                role=account.role,
                defaults={"title": account.title, "is_public": account.is_public},
            )
        for slug in DEMO_FOLLOWS.get(account.email, []):
            Follow.objects.get_or_create(user=user, commune=communes[slug])
    return created_count
