"""Factories of the practices app. Sheets made here skip the services (for lists, filters and pages);
tests of behaviour call the services (``sheet_data`` is a valid input for them).

Themes are made by slug (get or create): a test never relies on the migration's themes, which a
transactional test elsewhere in the suite may have flushed."""

from __future__ import annotations

from typing import Any

import factory
from django.utils import timezone

from hub.models import Role
from practices.models import PracticeSheet, SheetStatus, Theme, ThemeFollow
from practices.services.common import search_text
from tests.factories import CommuneFactory, MembershipFactory, UserFactory


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"theme-{n}")
    name_fr = factory.LazyAttribute(lambda t: f"Thème {t.slug}")
    name_en = factory.LazyAttribute(lambda t: f"Theme {t.slug}")
    description_fr = "Ce que les communes ont fait."
    description_en = "What communes did."
    position = factory.Sequence(lambda n: n)


class PracticeSheetFactory(factory.django.DjangoModelFactory):
    """A published sheet (``status="draft"`` for a draft) with one theme unless ``themes`` are given."""

    class Meta:
        model = PracticeSheet
        skip_postgeneration_save = True

    commune = factory.SubFactory(CommuneFactory)
    title = factory.Sequence(lambda n: f"Une bonne pratique numéro {n}")
    summary = "Ce que la commune a fait, en deux phrases."
    problem = "Les recettes stagnaient."
    actions = "Un recensement des places du marché."
    results = "Les recettes ont augmenté de 38 %."
    contact_name = "Service des finances"
    contact_email = "finances@mairie.bj"
    status = SheetStatus.PUBLISHED
    published_at = factory.LazyAttribute(
        lambda s: timezone.now() if s.status == SheetStatus.PUBLISHED else None
    )
    first_published_at = factory.LazyAttribute(lambda s: s.published_at)

    @factory.post_generation
    def themes(obj: PracticeSheet, create: bool, extracted: Any, **kwargs: Any) -> None:  # type: ignore[misc]
        if not create:
            return
        obj.themes.set(extracted if extracted is not None else [ThemeFactory()])
        obj.search_text = search_text(obj, obj.commune.name)
        obj.save(update_fields=["search_text"])


class ThemeFollowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ThemeFollow

    user = factory.SubFactory(UserFactory)
    theme = factory.SubFactory(ThemeFactory)


def publisher(commune, role: str = Role.COMMUNICATION_OFFICER):  # type: ignore[no-untyped-def]
    return MembershipFactory(commune=commune, role=role).user


def sheet_data(*themes: Theme, **changes: Any) -> dict[str, Any]:
    """A valid input of ``sheet_create`` (themes by slug; one new theme when none is given)."""
    data: dict[str, Any] = {
        "title": "Le budget expliqué aux citoyens",
        "summary": "Un budget de quatre pages, affiché dans les arrondissements.",
        "problem": "Personne ne lisait le budget de 200 pages.",
        "actions": "Un budget citoyen en français simple et en fon.",
        "results": "Deux fois plus de questions à la reddition de comptes.",
        "themes": [theme.slug for theme in themes] or [ThemeFactory().slug],
        "documents": [],
        "contact_name": "Service de la communication",
        "contact_role": "Mairie",
        "contact_email": "communication@mairie.bj",
        "contact_phone": "",
    }
    data.update(changes)
    return data
