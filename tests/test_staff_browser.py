"""In Chromium against a real daphne: the mayor of Cotonou records and publishes a contract through the
form (after a first try with mistakes, whose summary takes the focus and links to the fields), adds a
published event to the agenda, and appoints a moderator on the team page; the moderator signs in and
reaches the forum's moderation queue from the commune's page, and loses it as soon as the mayor
revokes the role.

Runs on both backends: the embedded defaults (SQLite, one server process) and PostgreSQL with Redis.
Every write goes through the server's pages; the test process only stores the set-up and reads.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hub.models import AuditLogEntry, Commune, Membership, Role
from publications.models import AgendaEvent, Contract, PublicationState
from tests.browser import chromium
from tests.factories import MembershipFactory, UserFactory
from tests.test_e2e_publication import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAYOR = "maire.equipe@example.bj"
NEWCOMER = "afi.moderation@example.bj"
OBJECT = "Construction de caniveaux au quartier Agla"


def test_the_mayor_publishes_a_contract_and_an_event_and_appoints_a_moderator(hub_server):
    # given the mayor of Cotonou, and a citizen with an account who will moderate the forum
    cotonou = Commune.objects.get(slug="cotonou")
    MembershipFactory(
        commune=cotonou, role=Role.MAYOR, user=UserFactory(email=MAYOR, display_name="Maire Test")
    )
    UserFactory(email=NEWCOMER, display_name="Afi Houénou")
    url = hub_server.url
    with chromium() as browser:
        mayor_context = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 740})
        mayor_context.set_default_timeout(20_000)
        mayor = mayor_context.new_page()
        sign_in(mayor, url, MAYOR)

        # when the mayor opens the contracts and records one, forgetting the awardee, amount negative
        mayor.goto(f"{url}/communes/cotonou/marches/")
        mayor.get_by_role("link", name="Enregistrer un marché").click()
        expect(mayor.get_by_role("heading", name="Enregistrer un marché attribué", level=1)).to_be_visible()
        mayor.get_by_label("Référence").fill("AOO/2026/031")
        mayor.get_by_label("Objet du marché").fill(OBJECT)
        mayor.get_by_label("Montant (francs CFA)").fill("-5")
        mayor.get_by_label("Procédure").select_option("open_tender")
        mayor.get_by_label("Date d'attribution").fill("2026-01-15")
        mayor.get_by_role("button", name="Publier", exact=True).click()

        # then the page comes back with a summary that has the focus, linked to the fields, and
        # what was typed is still there
        summary = mayor.locator("[data-error-summary]")
        expect(summary).to_be_focused()
        expect(summary).to_contain_text("Attributaire")
        expect(mayor.get_by_label("Référence")).to_have_value("AOO/2026/031")
        amount = mayor.get_by_label("Montant (francs CFA)")
        expect(amount).to_have_attribute("aria-invalid", "true")
        summary.get_by_role("link", name="Attributaire").click()
        expect(mayor.get_by_label("Attributaire")).to_be_focused()
        # and both buttons are offered again, "Publish" first (the one Enter presses)
        buttons = mayor.locator("main form button[name=publish]")
        expect(buttons).to_have_count(2)
        expect(buttons.first).to_have_attribute("value", "true")

        # when they correct it (the amount written the usual way) and publish at once
        mayor.get_by_label("Attributaire").fill("Entreprise Adjovi et Fils")
        amount.fill("48 500 000")
        expect(mayor.locator("[data-amount-shown]")).to_contain_text("francs CFA")  # read back grouped
        mayor.get_by_role("button", name="Publier", exact=True).click()

        # then the contract's page says it is published
        expect(mayor.get_by_role("heading", name=OBJECT, level=1)).to_be_visible()
        expect(mayor.get_by_role("status")).to_contain_text("Le marché est publié.")

        # when they add a published event to the agenda
        mayor.goto(f"{url}/communes/cotonou/agenda/")
        mayor.get_by_role("link", name="Ajouter un événement à l'agenda").click()
        day = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
        mayor.get_by_label("Titre").fill("Audience foraine à Akpakpa")
        mayor.get_by_label("Début").fill(f"{day}T09:00")
        mayor.get_by_label("Fin (facultatif)").fill(f"{day}T11:30")
        mayor.get_by_label("Lieu").fill("Place de l'Étoile rouge")
        mayor.get_by_role("button", name="Publier", exact=True).click()

        # then the event's page says it is published
        expect(mayor.get_by_role("heading", name="Audience foraine à Akpakpa", level=1)).to_be_visible()
        expect(mayor.get_by_role("status")).to_contain_text("L'événement est publié dans l'agenda.")

        # when they open the team from the staff links and appoint the citizen as moderator
        mayor.goto(f"{url}/communes/cotonou/agenda/nouveau/")
        mayor.get_by_role("navigation", name="Pages du personnel de Cotonou").get_by_role(
            "link", name="Équipe"
        ).click()
        expect(mayor.get_by_role("heading", name="Équipe de Cotonou", level=1)).to_be_visible()
        mayor.get_by_label("Adresse e-mail ou numéro de téléphone de la personne").fill(NEWCOMER)
        mayor.get_by_label("Rôle", exact=True).select_option("moderator")
        mayor.get_by_role("button", name="Nommer").click()

        # then the team lists her
        expect(mayor.get_by_role("status")).to_contain_text(
            "Afi Houénou est désormais modérateur de Cotonou."
        )
        expect(mayor.locator(".staff-members")).to_contain_text("Afi Houénou")

        # when the new moderator signs in and goes from the commune's page to its forum
        moderator_context = browser.new_context(locale="fr-FR", viewport={"width": 1366, "height": 768})
        moderator_context.set_default_timeout(20_000)
        moderator = moderator_context.new_page()
        moderator.goto(f"{url}/communes/cotonou/marches/")
        expect(moderator.get_by_role("link", name="AOO/2026/031")).to_be_visible()  # public now
        sign_in(moderator, url, NEWCOMER)
        moderator.goto(f"{url}/communes/cotonou/")
        moderator.get_by_role("link", name="Forum de Cotonou").click()
        moderator.get_by_role("link", name="File de modération").click()

        # then she is in the moderation queue
        expect(moderator.get_by_role("heading", name="File de modération", level=1)).to_be_visible()

        # when the mayor revokes the role, confirming when asked
        questions: list[str] = []
        mayor.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
        row = mayor.locator(".staff-members li", has_text="Afi Houénou")
        row.get_by_role("button", name="Retirer le rôle").click()

        # then she loses the queue at once
        expect(mayor.get_by_role("status")).to_contain_text("Afi Houénou n'est plus modérateur de Cotonou.")
        assert questions and "Afi Houénou" in questions[0]
        reloaded = moderator.reload()
        assert reloaded is not None and reloaded.status == 403
        mayor_context.close()
        moderator_context.close()

    contract = Contract.objects.get(reference="AOO/2026/031")
    assert (contract.state, contract.amount_xof, contract.awardee) == (
        PublicationState.PUBLISHED,
        48_500_000,
        "Entreprise Adjovi et Fils",
    )
    event = AgendaEvent.objects.get(commune=cotonou)
    assert event.state == PublicationState.PUBLISHED
    assert timezone.localtime(event.ends_at).strftime("%H:%M") == "11:30"
    assert not Membership.objects.filter(user__email=NEWCOMER).exists()
    actions = set(AuditLogEntry.objects.filter(actor__email=MAYOR).values_list("action", flat=True))
    assert {"contract.created", "contract.published", "agenda.created", "agenda.published"} <= actions
    assert {"membership.granted", "membership.revoked"} <= actions
