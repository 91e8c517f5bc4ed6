"""Staff pages of contracts and agenda events (create, edit, publish, withdraw) through Django's test
client: who may use them (role × action, nothing written when refused), every bad input of their
forms (the API's words, next to the field, what was typed kept, nothing written), and the audit and
outbox entries they leave. The withdrawal page is shared with documents."""

from __future__ import annotations

import datetime
import html as html_lib
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from hub.models import AuditLogEntry, Commune, OutboxEvent, Role, User
from publications.models import AgendaEvent, Contract, Document, PublicationState
from tests.factories import CommuneFactory, MembershipFactory, UserFactory
from tests.factories_publications import (
    AgendaEventFactory,
    ContractFactory,
    DocumentFileFactory,
    PublishedAgendaEventFactory,
    PublishedContractFactory,
    PublishedDocumentFactory,
)

pytestmark = pytest.mark.django_db

# --- Who is who ----------------------------------------------------------------------------------------

# Everyone the matrices try: the commune's staff by role, a citizen, an anonymous visitor, and the
# mayor of another commune.
WHO = [
    "mayor",
    "secretary_general",
    "communication_officer",
    "focal_point",
    "moderator",
    "councillor",
    "citizen",
    "anonymous",
    "other_commune_mayor",
]
PUBLISHERS = {"mayor", "secretary_general", "communication_officer", "focal_point"}


@pytest.fixture
def cotonou() -> Commune:
    return CommuneFactory(slug="cotonou", name="Cotonou")


@pytest.fixture
def calavi() -> Commune:
    return CommuneFactory(slug="abomey-calavi", name="Abomey-Calavi")


def person(who: str, commune: Commune, other: Commune) -> User | None:
    """The user behind ``who`` (None for an anonymous visitor)."""
    if who == "anonymous":
        return None
    if who == "citizen":
        return UserFactory()
    if who == "other_commune_mayor":
        return MembershipFactory(commune=other, role=Role.MAYOR).user
    return MembershipFactory(commune=commune, role=Role(who)).user


def browser_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def api_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# Fields that are not text in the API (choices, numbers, dates): left blank in a form, they are absent.
NOT_TEXT = {"amount_xof", "procedure", "award_date", "status", "fiscal_year", "starts_at", "ends_at", "role"}


# Fields that are numbers in the API's JSON (its types are strict: "12" is not an integer there).
NUMBERS = {"amount_xof", "fiscal_year"}


def as_json(data: dict[str, str]) -> dict[str, Any]:
    """The JSON an API client sends for what a form sends: a blank choice, number or date is absent,
    and a number typed in figures is a JSON number (anything else stays text, and is refused)."""
    sent: dict[str, Any] = {}
    for name, value in data.items():
        if value == "" and name in NOT_TEXT:
            continue
        sent[name] = int(value) if name in NUMBERS and re.fullmatch(r"-?[0-9]+", value) else value
    return sent


def page(response: Any) -> str:
    return response.content.decode()


def writes() -> tuple[Any, ...]:
    """Everything a staff action can write, to check that a refused one wrote nothing."""
    return (
        list(Contract.objects.values_list("pk", "state", "reference", "title", "updated_at")),
        list(AgendaEvent.objects.values_list("pk", "state", "title", "updated_at")),
        AuditLogEntry.objects.count(),
        OutboxEvent.objects.count(),
    )


def to_login(response: Any) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/connexion/")


# --- Forms and what a valid one holds ------------------------------------------------------------------


def contract_data(**extra: str) -> dict[str, str]:
    data = {
        "reference": "AOO/2026/007",
        "title": "Réhabilitation du marché de Dantokpa, aile nord",
        "awardee": "Entreprise Houngbédji BTP",
        "amount_xof": "125000000",
        "procedure": "open_tender",
        "award_date": "2026-01-20",
        "status": "signed",
        "fiscal_year": "",
    }
    data.update(extra)
    return data


def event_data(**extra: str) -> dict[str, str]:
    starts = timezone.localtime() + datetime.timedelta(days=10)
    data = {
        "title": "Audience publique sur le budget",
        "starts_at": starts.strftime("%Y-%m-%dT10:00"),
        "ends_at": starts.strftime("%Y-%m-%dT12:00"),
        "place": "Salle des fêtes de l'hôtel de ville",
        "description": "Présentation du budget primitif aux habitants.",
    }
    data.update(extra)
    return data


KINDS: dict[str, dict[str, Any]] = {
    "contract": {
        "draft": ContractFactory,
        "published": PublishedContractFactory,
        "path": "marches",
        "withdraw": "retirer",
        "data": contract_data,
        "model": Contract,
    },
    "agenda": {
        "draft": AgendaEventFactory,
        "published": PublishedAgendaEventFactory,
        "path": "agenda",
        "withdraw": "annuler",
        "data": event_data,
        "model": AgendaEvent,
    },
}


def urls(kind: str, pk: int) -> dict[str, str]:
    base = f"/communes/cotonou/{KINDS[kind]['path']}/"
    return {
        "new": f"{base}nouveau/",
        "page": f"{base}{pk}/",
        "edit": f"{base}{pk}/modifier/",
        "publish": f"{base}{pk}/publier/",
        "withdraw": f"{base}{pk}/{KINDS[kind]['withdraw']}/",
    }


# --- Role × action -------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["draft", "published"])
@pytest.mark.parametrize("kind", ["contract", "agenda"])
@pytest.mark.parametrize("who", WHO)
def test_who_may_use_the_staff_pages(who: str, kind: str, state: str, cotonou: Commune, calavi: Commune):
    # given an item of Cotonou in this state, and someone
    item = KINDS[kind][state](commune=cotonou)
    client = browser_for(person(who, cotonou, calavi))
    to = urls(kind, item.pk)
    before = writes()
    edit = KINDS[kind]["data"](reference="AOO/2026/999", title="Titre changé")

    # when they open the staff pages and submit each form
    got = {
        "new (GET)": client.get(to["new"]),
        "new (POST)": client.post(to["new"], KINDS[kind]["data"]()),
        "edit (GET)": client.get(to["edit"]),
        "edit (POST)": client.post(to["edit"], edit),
        "withdraw (GET)": client.get(to["withdraw"]),
        "withdraw (POST)": client.post(to["withdraw"], {"reason": "Erreur dans l'avis d'attribution"}),
        "publish (POST)": client.post(to["publish"]),
    }

    # then publishers of Cotonou may; everyone else is refused and nothing is written
    if who in PUBLISHERS:
        assert got["new (GET)"].status_code == 200
        assert got["new (POST)"].status_code == 302
        assert got["edit (GET)"].status_code == 200
        assert got["edit (POST)"].status_code == 302
        assert got["withdraw (GET)"].status_code == 200
        # a draft cannot be withdrawn (409, said on the page); a published item can
        assert got["withdraw (POST)"].status_code == (409 if state == "draft" else 302)
        assert got["publish (POST)"].status_code == 302
        assert KINDS[kind]["model"].objects.get(pk=item.pk).state == PublicationState.PUBLISHED
        return
    for action, response in got.items():
        on_item = not action.startswith("new")
        if who == "anonymous" and not (on_item and state == "draft"):
            assert to_login(response), action  # sign in first
        elif on_item and state == "draft":
            assert response.status_code == 404, action  # a draft is not there for them
        else:
            assert response.status_code == 403, action
    assert writes() == before


def test_an_item_under_another_communes_address_is_404(cotonou: Commune, calavi: Commune):
    # given a contract of Abomey-Calavi and a publisher of Cotonou
    contract = PublishedContractFactory(commune=calavi)
    client = browser_for(person("mayor", cotonou, calavi))
    before = writes()
    # when they reach it through Cotonou's address
    for action in ("edit", "publish", "withdraw"):
        response = client.post(urls("contract", contract.pk)[action], contract_data())
        # then it is not found there, and nothing changes
        assert response.status_code == 404, action
    assert writes() == before


def test_staff_links_show_each_publisher_the_staff_pages(cotonou: Commune, calavi: Commune):
    for who in WHO:
        response = browser_for(person(who, cotonou, calavi)).get("/communes/cotonou/marches/")
        shown = 'href="/communes/cotonou/marches/nouveau/"' in page(response)
        assert shown is (who in PUBLISHERS), who
    agenda = browser_for(person("focal_point", cotonou, calavi)).get("/communes/cotonou/agenda/")
    assert 'href="/communes/cotonou/agenda/nouveau/"' in page(agenda)
    form = browser_for(person("mayor", cotonou, calavi)).get("/communes/cotonou/marches/nouveau/")
    for link in (
        "/communes/cotonou/publier/",
        "/communes/cotonou/agenda/nouveau/",
        "/communes/cotonou/equipe/",
    ):
        assert f'href="{link}"' in page(form)


# --- Contracts: the whole life from the pages ----------------------------------------------------------


def test_a_publisher_records_a_draft_then_publishes_edits_and_withdraws_it(cotonou: Commune, calavi: Commune):
    # given a focal point of Cotonou
    officer = person("focal_point", cotonou, calavi)
    client = browser_for(officer)

    # when they record a contract with "Save as draft"
    response = client.post(
        "/communes/cotonou/marches/nouveau/", contract_data(amount_xof="125 000 000", publish="false")
    )

    # then it is a draft: on its page for staff, listed among the drafts, not public
    contract = Contract.objects.get()
    assert response["Location"] == f"/communes/cotonou/marches/{contract.pk}/"
    assert (contract.state, contract.amount_xof, contract.fiscal_year) == ("draft", 125_000_000, 2026)
    assert "Brouillon" in page(client.get(response["Location"]))
    assert contract.reference in page(client.get("/communes/cotonou/marches/nouveau/"))
    assert Client().get(f"/communes/cotonou/marches/{contract.pk}/").status_code == 404
    assert contract.reference not in page(Client().get("/communes/cotonou/marches/"))

    # when they publish it, twice (a double click)
    client.post(f"/communes/cotonou/marches/{contract.pk}/publier/")
    client.post(f"/communes/cotonou/marches/{contract.pk}/publier/")

    # then it is public, and followers are told once
    assert contract.reference in page(Client().get("/communes/cotonou/marches/"))
    assert OutboxEvent.objects.filter(kind="contract.published").count() == 1

    # when they correct the amount and the status
    response = client.post(
        f"/communes/cotonou/marches/{contract.pk}/modifier/",
        contract_data(amount_xof="130000000", status="in_progress", fiscal_year="2026"),
    )

    # then the change is saved and audited, with only what changed
    assert response.status_code == 302
    contract.refresh_from_db()
    assert (contract.amount_xof, contract.status) == (130_000_000, "in_progress")
    updated = AuditLogEntry.objects.get(action="contract.updated")
    assert updated.data["after"] == {"amount_xof": 130_000_000, "status": "in_progress"}

    # when they withdraw it with a reason
    response = client.post(
        f"/communes/cotonou/marches/{contract.pk}/retirer/", {"reason": "Attribution annulée par la DNCMP"}
    )

    # then a notice with the reason stays public
    assert response.status_code == 302
    public = page(Client().get(f"/communes/cotonou/marches/{contract.pk}/"))
    assert "Attribution annulée par la DNCMP" in public
    actions = list(AuditLogEntry.objects.order_by("id").values_list("action", "actor"))
    assert actions == [
        ("contract.created", officer.pk),
        ("contract.published", officer.pk),
        ("contract.updated", officer.pk),
        ("contract.withdrawn", officer.pk),
    ]


def test_publish_now_publishes_at_once(cotonou: Commune, calavi: Commune):
    client = browser_for(person("mayor", cotonou, calavi))
    client.post("/communes/cotonou/marches/nouveau/", contract_data(publish="true"))
    assert Contract.objects.get().state == PublicationState.PUBLISHED
    assert OutboxEvent.objects.filter(kind="contract.published").count() == 1


def publish_buttons(text: str) -> list[str]:
    """The values of the form's ``publish`` submit buttons, in page order."""
    return re.findall(r'<button type="submit" name="publish" value="(\w+)"', text)


@pytest.mark.parametrize("kind", ["contract", "agenda"])
def test_the_new_form_offers_publish_first_then_save_as_draft(kind: str, cotonou: Commune, calavi: Commune):
    # given a publisher of Cotonou
    client = browser_for(person("mayor", cotonou, calavi))
    # when they open the form of a new item
    text = page(client.get(urls(kind, 0)["new"]))
    # then "Publish" comes first (the button Enter presses), "Save as draft" second, no checkbox
    assert publish_buttons(text) == ["true", "false"]
    assert 'type="checkbox"' not in text


@pytest.mark.parametrize("kind", ["contract", "agenda"])
@pytest.mark.parametrize(
    ("button", "state", "told"),
    [
        ("true", PublicationState.PUBLISHED, 1),
        ("false", PublicationState.DRAFT, 0),
        ("", PublicationState.DRAFT, 0),
    ],
    ids=["publish", "save as draft", "neither (as the API: a draft)"],
)
def test_the_button_pressed_decides_published_or_draft(
    kind: str, button: str, state: str, told: int, cotonou: Commune, calavi: Commune
):
    # given a publisher of Cotonou
    client = browser_for(person("secretary_general", cotonou, calavi))
    # when they fill in the form of a new item and press one of the two buttons
    pressed = {"publish": button} if button else {}
    response = client.post(urls(kind, 0)["new"], KINDS[kind]["data"](**pressed))
    # then the item has the state the button says; followers are told only of a published one
    item = KINDS[kind]["model"].objects.get()
    assert response.status_code == 302 and response["Location"] == urls(kind, item.pk)["page"]
    assert item.state == state
    assert OutboxEvent.objects.count() == told
    public = Client().get(urls(kind, item.pk)["page"]).status_code
    assert public == (200 if button == "true" else 404)


@pytest.mark.parametrize("kind", ["contract", "agenda"])
@pytest.mark.parametrize("button", ["true", "false"], ids=["publish", "save as draft"])
def test_bad_input_shows_both_buttons_again(kind: str, button: str, cotonou: Commune, calavi: Commune):
    # given a publisher of Cotonou
    client = browser_for(person("mayor", cotonou, calavi))
    before = writes()
    # when they press either button with the title left blank
    response = client.post(urls(kind, 0)["new"], KINDS[kind]["data"](title="", publish=button))
    # then the form comes back with the error and both buttons, and nothing is written
    assert response.status_code == 400
    assert field_errors(page(response), "title")
    assert publish_buttons(page(response)) == ["true", "false"]
    assert writes() == before


def test_saving_an_unchanged_form_writes_nothing(cotonou: Commune, calavi: Commune):
    contract = PublishedContractFactory(commune=cotonou, status="awarded")
    client = browser_for(person("mayor", cotonou, calavi))
    form = {
        "reference": contract.reference,
        "title": contract.title,
        "awardee": contract.awardee,
        "amount_xof": str(contract.amount_xof),
        "procedure": contract.procedure,
        "award_date": contract.award_date.isoformat(),
        "status": contract.status,
        "fiscal_year": str(contract.fiscal_year),
    }
    before = writes()
    assert client.post(f"/communes/cotonou/marches/{contract.pk}/modifier/", form).status_code == 302
    assert writes() == before


def test_the_edit_form_shows_what_the_contract_holds(cotonou: Commune, calavi: Commune):
    contract = ContractFactory(commune=cotonou, reference="AOO/2025/042", amount_xof=7_500_000)
    text = page(
        browser_for(person("mayor", cotonou, calavi)).get(
            f"/communes/cotonou/marches/{contract.pk}/modifier/"
        )
    )
    assert 'value="AOO/2025/042"' in text and 'value="7500000"' in text
    assert 'value="2025-03-14"' in text  # the award date, as <input type="date"> reads it
    assert 'name="publish"' not in text  # publishing is a button on the contract's page


# --- Bad input: the API's words, next to the field, what was typed kept, nothing written -------------


def field_errors(text: str, field: str) -> str:
    """The text of the error block of ``field`` ("" when it has none)."""
    match = re.search(rf'<div class="field-error" id="id_{field}_error">(.*?)</div>', text, re.S)
    return html_lib.unescape(match.group(1)) if match else ""


def assert_refused_like_the_api(
    page_response: Any, api_response: Any, *, kept: dict[str, str] | None = None
) -> None:
    """The page answers the API's status and shows each of the API's field messages next to its
    field, with a summary that links to the field, and the field says it is invalid."""
    assert page_response.status_code == api_response.status_code, page(page_response)
    text = page(page_response)
    error = api_response.json()["error"]
    fields = error.get("fields") or {}
    assert fields, error
    assert "data-error-summary" in text
    for name, messages in fields.items():
        shown = field_errors(text, name)
        for message in messages:
            assert message in shown, (name, message, shown)
        assert f'href="#id_{name}"' in text
        tag = re.search(rf'<(?:input|select|textarea)[^>]*\bid="id_{name}"[^>]*>', text).group(0)
        assert 'aria-invalid="true"' in tag and f"id_{name}_error" in tag, tag
    for name, value in (kept or {}).items():
        assert html_lib.escape(value) in text, name  # what was typed is still there


CONTRACT_BAD_INPUT = {
    "empty reference": {"reference": ""},
    "overlong reference": {"reference": "R" * 81},
    "empty object": {"title": "   "},
    "overlong object": {"title": "x" * 301},
    "empty awardee": {"awardee": ""},
    "overlong awardee": {"awardee": "y" * 201},
    "negative amount": {"amount_xof": "-5"},
    "non-numeric amount": {"amount_xof": "cent millions"},
    "amount past the limit": {"amount_xof": str(10**15 + 1)},
    "empty amount": {"amount_xof": ""},
    "unknown procedure": {"procedure": "gre_a_gre"},
    "no procedure": {"procedure": ""},
    "impossible award date": {"award_date": "2025-02-30"},
    "award date not a date": {"award_date": "hier"},
    "award date in the future": {"award_date": "2999-01-01"},
    "unknown status": {"status": "paid"},
    "non-numeric fiscal year": {"fiscal_year": "deux mille"},
    "fiscal year out of range": {"fiscal_year": "1850"},
}


@pytest.mark.parametrize("bad", CONTRACT_BAD_INPUT.values(), ids=CONTRACT_BAD_INPUT.keys())
def test_bad_contract_input_is_refused_as_the_api_refuses_it(
    bad: dict[str, str], cotonou: Commune, calavi: Commune
):
    # given a mayor of Cotonou
    mayor = person("mayor", cotonou, calavi)
    data = contract_data(**bad)
    api_answer = api_for(mayor).post("/api/v1/communes/cotonou/contracts/", as_json(data), format="json")
    before = writes()
    # when they submit the same input through the page
    response = browser_for(mayor).post("/communes/cotonou/marches/nouveau/", data)
    # then
    text_fields = {
        k: v for k, v in data.items() if k in ("reference", "title", "awardee", "amount_xof") and v
    }
    assert_refused_like_the_api(response, api_answer, kept=text_fields)
    assert writes() == before


def test_a_duplicate_reference_is_refused_next_to_the_reference(cotonou: Commune, calavi: Commune):
    mayor = person("mayor", cotonou, calavi)
    ContractFactory(commune=cotonou, reference="AOO/2026/007")
    api_answer = api_for(mayor).post(
        "/api/v1/communes/cotonou/contracts/", as_json(contract_data()), format="json"
    )
    before = writes()
    response = browser_for(mayor).post("/communes/cotonou/marches/nouveau/", contract_data())
    assert api_answer.status_code == 409
    assert_refused_like_the_api(response, api_answer, kept={"title": contract_data()["title"]})
    assert writes() == before
    # the same reference in another commune is fine
    calavi_mayor = api_for(person("mayor", calavi, cotonou))
    url = "/api/v1/communes/abomey-calavi/contracts/"
    assert calavi_mayor.post(url, as_json(contract_data()), format="json").status_code == 201


@pytest.mark.parametrize(
    "bad",
    [{"title": ""}, {"amount_xof": "-1"}, {"reference": "AOO/2025/001"}],
    ids=["empty", "negative", "duplicate"],
)
def test_bad_input_when_editing_changes_nothing(bad: dict[str, str], cotonou: Commune, calavi: Commune):
    # given a published contract and another one whose reference it could take
    ContractFactory(commune=cotonou, reference="AOO/2025/001")
    contract = PublishedContractFactory(commune=cotonou, reference="AOO/2025/002")
    client = browser_for(person("secretary_general", cotonou, calavi))
    before = writes()
    # when the form comes with bad input
    response = client.post(f"/communes/cotonou/marches/{contract.pk}/modifier/", contract_data(**bad))
    # then it is shown again with the error, and nothing changed
    assert response.status_code in (400, 409)
    assert "data-error-summary" in page(response)
    assert writes() == before


AGENDA_BAD_INPUT = {
    "empty title": {"title": ""},
    "overlong title": {"title": "t" * 201},
    "no start": {"starts_at": ""},
    "start not a date": {"starts_at": "demain matin"},
    "impossible start": {"starts_at": "2026-02-30T10:00"},
    "end not a date": {"ends_at": "midi"},
    "end before start": {"starts_at": "2026-09-10T10:00", "ends_at": "2026-09-10T09:00"},
    "overlong place": {"place": "p" * 201},
    "overlong description": {"description": "d" * 4001},
}


@pytest.mark.parametrize("bad", AGENDA_BAD_INPUT.values(), ids=AGENDA_BAD_INPUT.keys())
def test_bad_agenda_input_is_refused_as_the_api_refuses_it(
    bad: dict[str, str], cotonou: Commune, calavi: Commune
):
    officer = person("communication_officer", cotonou, calavi)
    data = event_data(**bad)
    api_answer = api_for(officer).post("/api/v1/communes/cotonou/agenda/", as_json(data), format="json")
    before = writes()
    response = browser_for(officer).post("/communes/cotonou/agenda/nouveau/", data)
    kept = {k: v for k, v in data.items() if k in ("title", "place", "starts_at", "ends_at") and v}
    assert_refused_like_the_api(response, api_answer, kept=kept)
    assert writes() == before


def test_an_event_edited_to_end_before_it_starts_is_refused(cotonou: Commune, calavi: Commune):
    event = PublishedAgendaEventFactory(commune=cotonou)
    client = browser_for(person("mayor", cotonou, calavi))
    before = writes()
    response = client.post(
        f"/communes/cotonou/agenda/{event.pk}/modifier/",
        event_data(starts_at="2026-09-10T10:00", ends_at="2026-09-09T10:00"),
    )
    assert response.status_code == 400
    assert "La fin est avant le début." in field_errors(page(response), "ends_at")
    assert writes() == before


# --- Agenda: the whole life from the pages -------------------------------------------------------------


def test_an_event_is_published_edited_and_cancelled_from_the_pages(cotonou: Commune, calavi: Commune):
    # given the secretary-general of Cotonou
    client = browser_for(person("secretary_general", cotonou, calavi))

    # when they add an event without an end, published at once
    response = client.post("/communes/cotonou/agenda/nouveau/", event_data(ends_at="", publish="true"))

    # then it is in the agenda, ending when it starts
    event = AgendaEvent.objects.get()
    assert response["Location"] == f"/communes/cotonou/agenda/{event.pk}/"
    assert event.state == PublicationState.PUBLISHED and event.ends_at == event.starts_at
    assert timezone.localtime(event.starts_at).hour == 10  # the commune's time, as typed
    assert event.title in page(Client().get("/communes/cotonou/agenda/"))

    # when they move it one hour later
    moved = event_data(starts_at=timezone.localtime(event.starts_at).strftime("%Y-%m-%dT11:00"), ends_at="")
    assert client.post(f"/communes/cotonou/agenda/{event.pk}/modifier/", moved).status_code == 302

    # then the start and the end moved
    event.refresh_from_db()
    assert timezone.localtime(event.starts_at).hour == 11 and event.ends_at == event.starts_at

    # when they cancel it with a reason
    response = client.post(
        f"/communes/cotonou/agenda/{event.pk}/annuler/", {"reason": "Report pour cause de pluie"}
    )

    # then the page says it is cancelled, and so does the calendar feed
    assert response.status_code == 302
    public = page(Client().get(f"/communes/cotonou/agenda/{event.pk}/"))
    assert "Cet événement est annulé." in public and "Report pour cause de pluie" in public
    assert b"STATUS:CANCELLED" in Client().get("/communes/cotonou/agenda.ics").content
    actions = list(AuditLogEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["agenda.created", "agenda.published", "agenda.updated", "agenda.withdrawn"]


def test_the_event_form_shows_the_communes_local_time(cotonou: Commune, calavi: Commune):
    starts = timezone.make_aware(datetime.datetime(2026, 7, 1, 9, 30))
    event = AgendaEventFactory(commune=cotonou, starts_at=starts, ends_at=starts)
    text = page(
        browser_for(person("mayor", cotonou, calavi)).get(f"/communes/cotonou/agenda/{event.pk}/modifier/")
    )
    assert 'value="2026-07-01T09:30"' in text


# --- Withdrawal: its reason, for the three kinds -------------------------------------------------------


WITHDRAW_BAD_INPUT = {"empty reason": "  ", "overlong reason": "r" * 1001}


@pytest.mark.parametrize("reason", WITHDRAW_BAD_INPUT.values(), ids=WITHDRAW_BAD_INPUT.keys())
@pytest.mark.parametrize("kind", ["document", "contract", "agenda"])
def test_a_withdrawal_without_a_proper_reason_is_refused(
    kind: str, reason: str, cotonou: Commune, calavi: Commune
):
    # given a published item and its publisher
    mayor = person("mayor", cotonou, calavi)
    if kind == "document":
        item = PublishedDocumentFactory(commune=cotonou)
        DocumentFileFactory(document=item)
        url = f"/communes/cotonou/documents/{item.pk}/retirer/"
        api_url = f"/api/v1/documents/{item.pk}/withdraw/"
    else:
        item = KINDS[kind]["published"](commune=cotonou)
        url = urls(kind, item.pk)["withdraw"]
        api_url = f"/api/v1/{'contracts' if kind == 'contract' else 'agenda'}/{item.pk}/withdraw/"
    api_answer = api_for(mayor).post(api_url, {"reason": reason}, format="json")
    before = writes(), AuditLogEntry.objects.count()
    # when the reason is missing or too long
    response = browser_for(mayor).post(url, {"reason": reason})
    # then the withdrawal page says so next to the reason, keeps it, and nothing is withdrawn
    assert_refused_like_the_api(
        response, api_answer, kept={"reason": reason.strip()} if reason.strip() else {}
    )
    assert (writes(), AuditLogEntry.objects.count()) == before
    assert type(item).objects.get(pk=item.pk).state == PublicationState.PUBLISHED


def test_withdrawing_a_draft_is_refused_on_the_page(cotonou: Commune, calavi: Commune):
    contract = ContractFactory(commune=cotonou)
    response = browser_for(person("mayor", cotonou, calavi)).post(
        urls("contract", contract.pk)["withdraw"], {"reason": "Erreur"}
    )
    assert response.status_code == 409
    assert "Seul un élément publié peut être retiré." in page(response)
    assert Contract.objects.get().state == PublicationState.DRAFT


def test_the_document_page_offers_the_same_withdrawal(cotonou: Commune, calavi: Commune):
    document = PublishedDocumentFactory(commune=cotonou)
    DocumentFileFactory(document=document)
    client = browser_for(person("communication_officer", cotonou, calavi))
    text = page(client.get(f"/communes/cotonou/documents/{document.pk}/"))
    assert f'action="/communes/cotonou/documents/{document.pk}/retirer/"' in text
    response = client.post(
        f"/communes/cotonou/documents/{document.pk}/retirer/", {"reason": "Mauvaise version"}
    )
    assert response.status_code == 302
    assert Document.objects.get().state == PublicationState.WITHDRAWN
