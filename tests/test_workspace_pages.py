"""The commune workspace (``/communes/<slug>/espace/``), its chooser (``/espace/``), the header link
that leads there, and the commune's journal (``/communes/<slug>/journal/``), through Django's test
client: what each role sees (a communication officer does not see what only the mayor or a moderator
acts on), what another commune's staff, a citizen and a visitor get, that each item links to the
page that acts on it, that nothing of another commune shows, and that the page's query count does
not grow with what waits."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone

from commitments.models import CommitmentStatus
from forums.models import Flag, FlagReason, ProposalStatus, ThreadKind
from hub.models import Commune, Role
from hub.services.audit import audit_record
from publications.selectors.workspace import register_attention
from sessions_live.models import QuestionStatus
from tests.factories import AdminFactory, CommuneFactory, MembershipFactory, UserFactory
from tests.factories_commitments import CommitmentFactory
from tests.factories_forums import PostFactory, ThreadFactory
from tests.factories_publications import (
    AgendaEventFactory,
    ContractFactory,
    DocumentFactory,
    PublishedDocumentFactory,
)
from tests.factories_sessions import LiveSessionFactory, LiveSessionLiveFactory, QuestionFactory
from tests.test_publications_staff_pages import WHO, browser_for, page, person, to_login

pytestmark = pytest.mark.django_db

# What each role acts on (hub/permissions.py, forums/permissions.py).
PUBLISHERS = {"mayor", "secretary_general", "communication_officer", "focal_point"}
MODERATORS = {"mayor", "secretary_general", "moderator"}
HEADS = {"mayor", "secretary_general"}
STAFF = PUBLISHERS | MODERATORS | {"councillor"}
ALL_SECTIONS = {
    "sessions",
    "register",
    "drafts",
    "commitments",
    "flags",
    "proposals",
    "audit",
    "consultations",
    "sms",
}


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def cotonou() -> Commune:
    return CommuneFactory(slug="cotonou", name="Cotonou")


@pytest.fixture
def calavi() -> Commune:
    return CommuneFactory(slug="abomey-calavi", name="Abomey-Calavi")


def given_what_waits(commune: Commune, tag: str = "") -> dict[str, Any]:
    """One of everything the workspace lists, in ``commune``; ``tag`` marks the titles."""
    live = LiveSessionLiveFactory(commune=commune, title=f"Reddition des comptes{tag}")
    scheduled = LiveSessionFactory(commune=commune, title=f"Session ordinaire{tag}")
    QuestionFactory.create_batch(2, session=live, status=QuestionStatus.PENDING)
    QuestionFactory(session=live, status=QuestionStatus.APPROVED)
    QuestionFactory(session=live, status=QuestionStatus.ANSWERED)
    document = DocumentFactory(commune=commune, title=f"Projet de budget{tag}")
    contract = ContractFactory(commune=commune, title=f"Pavage de la rue{tag}")
    event = AgendaEventFactory(commune=commune, title=f"Audience du maire{tag}")
    overdue = CommitmentFactory(commune=commune, text=f"Curer les caniveaux{tag}", due_on=in_days(-3))
    upcoming = CommitmentFactory(
        commune=commune, text=f"Éclairer le marché{tag}", due_on=in_days(20), status="in_progress"
    )
    CommitmentFactory(commune=commune, text=f"Déjà tenu{tag}", status=CommitmentStatus.DONE)
    flagged = ThreadFactory(category__commune=commune, title=f"Sujet signalé{tag}")
    post = PostFactory(thread=flagged)
    Flag.objects.create(thread=flagged, post=post, user=UserFactory(), reason=FlagReason.choices[0][0])
    proposal = ThreadFactory(
        category__commune=commune,
        kind=ThreadKind.PROPOSAL,
        proposal_status=ProposalStatus.SUBMITTED,
        support_count=7,
        title=f"Un marché couvert{tag}",
    )
    ThreadFactory(
        category__commune=commune,
        kind=ThreadKind.PROPOSAL,
        proposal_status=ProposalStatus.ACCEPTED,
        title=f"Proposition déjà acceptée{tag}",
    )
    mayor = MembershipFactory(commune=commune, role=Role.MAYOR).user
    audit_record(actor=mayor, action="contract.created", obj=contract, commune=commune)
    return {
        "live": live,
        "scheduled": scheduled,
        "document": document,
        "contract": contract,
        "event": event,
        "overdue": overdue,
        "upcoming": upcoming,
        "flagged": flagged,
        "post": post,
        "proposal": proposal,
    }


def sections(html: str) -> set[str]:
    return set(re.findall(r'data-ws-section="([a-z]+)"', html))


def hrefs(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', html.replace("&amp;", "&")))


# --- Role × page ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", WHO)
def test_each_role_sees_the_sections_it_acts_on(who: str, cotonou: Commune, calavi: Commune):
    given_what_waits(cotonou)
    client = browser_for(person(who, cotonou, calavi))

    response = client.get("/communes/cotonou/espace/")

    if who == "anonymous":
        assert to_login(response)
        return
    if who not in STAFF:  # a citizen, another commune's mayor
        assert response.status_code == 403
        assert "data-ws-section" not in page(response)
        return
    assert response.status_code == 200
    expected = {"sessions", "commitments", "proposals", "sms"}
    if who in PUBLISHERS:
        expected |= {"register", "drafts", "consultations"}
    if who in MODERATORS:
        expected |= {"flags"}
    if who in HEADS:
        expected |= {"audit"}
    assert sections(page(response)) == expected
    if who in HEADS:
        assert expected == ALL_SECTIONS


def test_the_mayor_sees_everything_that_waits_each_linking_to_where_it_is_acted_on(cotonou: Commune):
    world = given_what_waits(cotonou)
    given_what_waits(CommuneFactory(slug="abomey-calavi"), tag=" (Calavi)")
    mayor = MembershipFactory(commune=cotonou, role=Role.MAYOR).user

    html = page(browser_for(mayor).get("/communes/cotonou/espace/"))
    links = hrefs(html)

    live, scheduled = world["live"], world["scheduled"]
    # sessions: the live one first, its questions to moderate and to answer, console and moderation
    assert html.index("Reddition des comptes") < html.index("Session ordinaire")
    assert f"/seances/{live.pk}/moderation/" in links and f"/seances/{live.pk}/console/" in links
    assert f"/seances/{scheduled.pk}/modifier/" in links and f"/seances/{live.pk}/modifier/" not in links
    assert "/communes/cotonou/seances/nouvelle/" in links
    assert re.search(r"data-ws-to-moderate>\s*2 questions à modérer", html)
    assert re.search(r"data-ws-to-answer>\s*1 question en attente de réponse", html)
    # drafts, each on its page (where it is published)
    assert f"/communes/cotonou/documents/{world['document'].pk}/" in links
    assert f"/communes/cotonou/marches/{world['contract'].pk}/" in links
    assert f"/communes/cotonou/agenda/{world['event'].pk}/" in links
    # commitments: the overdue one, then the open one; the kept one is not there
    assert (
        f"/engagements/{world['overdue'].pk}/" in links and f"/engagements/{world['upcoming'].pk}/" in links
    )
    assert "Déjà tenu" not in html
    # the flagged post, at its anchor; the proposal awaiting a status, not the accepted one
    assert f"/forum/sujets/{world['flagged'].pk}/#message-{world['post'].pk}" in links
    assert f"/forum/sujets/{world['proposal'].pk}/#staff-heading" in links
    assert "Proposition déjà acceptée" not in html
    # the journal: the contract's entry links to the contract
    assert "Marché enregistré" in html and "/communes/cotonou/journal/" in links
    # nothing of Calavi's
    assert "(Calavi)" not in html


def test_the_summary_counts_only_what_this_person_acts_on(cotonou: Commune):
    given_what_waits(cotonou)
    officer = MembershipFactory(commune=cotonou, role=Role.COMMUNICATION_OFFICER).user
    moderator = MembershipFactory(commune=cotonou, role=Role.MODERATOR).user

    for_officer = page(browser_for(officer).get("/communes/cotonou/espace/"))
    for_moderator = page(browser_for(moderator).get("/communes/cotonou/espace/"))

    # the officer: drafts (3) and questions to answer (1), no moderation; the moderator the reverse
    assert re.search(r"<strong>3</strong>\s*brouillons", for_officer)
    assert re.search(r"<strong>1</strong>\s*question en attente de réponse", for_officer)
    assert "à modérer" not in for_officer and "signalé" not in for_officer
    assert re.search(r"<strong>2</strong>\s*questions à modérer", for_moderator)
    assert re.search(r"<strong>1</strong>\s*élément signalé", for_moderator)
    assert "brouillon" not in for_moderator and "en attente de réponse" not in for_moderator


def test_the_page_reads_in_a_bounded_number_of_queries(cotonou: Commune, django_assert_max_num_queries: Any):
    mayor = MembershipFactory(commune=cotonou, role=Role.MAYOR).user
    given_what_waits(cotonou)
    client = browser_for(mayor)
    client.get("/communes/cotonou/espace/")  # warm the register file's cache
    with django_assert_max_num_queries(40) as few:
        client.get("/communes/cotonou/espace/")
    # five more of everything costs no query more
    for n in range(5):
        given_what_waits(cotonou, tag=f" {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/communes/cotonou/espace/").status_code == 200


def test_an_unknown_commune_is_404(cotonou: Commune):
    mayor = MembershipFactory(commune=cotonou, role=Role.MAYOR).user
    assert browser_for(mayor).get("/communes/nulle-part/espace/").status_code == 404


def test_the_page_refuses_anything_but_get(cotonou: Commune):
    mayor = MembershipFactory(commune=cotonou, role=Role.MAYOR).user
    assert browser_for(mayor).post("/communes/cotonou/espace/").status_code == 405


# --- The register's late and upcoming items ------------------------------------------------------------


def test_the_register_lists_what_is_late_and_what_falls_due_within_two_months(cotonou: Commune):
    today = datetime.date(2026, 12, 5)

    late, soon = register_attention(commune=cotonou, today=today)

    # the 2026 budget (due 31 Dec 2025) is late; the 2027 budget and the 2026 accountability
    # session fall due on 31 Dec 2026, the 2027 work plan on 31 Jan 2027
    assert ("budget_primitive", 2026) in {(d.item.type, d.fiscal_year) for d in late}
    due_soon = {(d.item.type, d.fiscal_year) for d in soon}
    assert {("budget_primitive", 2027), ("accountability_session", 2026)} <= due_soon
    assert ("annual_work_plan", 2027) in due_soon
    assert all(today < d.item.due_date <= datetime.date(2027, 2, 3) for d in soon)

    # when the 2026 budget is published, it is late no more
    PublishedDocumentFactory(commune=cotonou, type="budget_primitive", fiscal_year=2026)
    late, _ = register_attention(commune=cotonou, today=today)
    assert ("budget_primitive", 2026) not in {(d.item.type, d.fiscal_year) for d in late}


def test_a_late_item_links_to_the_publishing_form_filled_with_its_type_and_year(cotonou: Commune):
    mayor = MembershipFactory(commune=cotonou, role=Role.MAYOR).user
    client = browser_for(mayor)
    html = page(client.get("/communes/cotonou/espace/"))
    late = re.findall(r'href="(/communes/cotonou/publier/\?type=[a-z_]+&amp;annee=\d+)"', html)
    assert late, "the register has items due"

    form = page(client.get(late[0].replace("&amp;", "&")))

    kind, year = re.search(r"type=([a-z_]+)&amp;annee=(\d+)", late[0]).groups()  # type: ignore[union-attr]
    type_select = form[form.index('name="type"') :]
    year_select = form[form.index('name="fiscal_year"') :]
    assert re.search(rf'<option value="{kind}" selected>', type_select[: type_select.index("</select>")])
    assert re.search(rf'<option value="{year}" selected>', year_select[: year_select.index("</select>")])
    # a value that is not a choice is ignored, not an error
    assert client.get("/communes/cotonou/publier/?type=nimporte&annee=abc").status_code == 200


def test_the_draft_documents_list_is_for_publishers_only(cotonou: Commune, calavi: Commune):
    DocumentFactory(commune=cotonou, title="Projet de compte administratif")
    PublishedDocumentFactory(commune=cotonou, title="Budget publié")
    officer = MembershipFactory(commune=cotonou, role=Role.COMMUNICATION_OFFICER).user

    drafts = page(browser_for(officer).get("/communes/cotonou/documents/?etat=brouillons"))
    as_citizen = page(browser_for(UserFactory()).get("/communes/cotonou/documents/?etat=brouillons"))

    assert "Projet de compte administratif" in drafts and "Budget publié" not in drafts
    assert "Projet de compte administratif" not in as_citizen and "Budget publié" in as_citizen


# --- The header link and the chooser -------------------------------------------------------------------


def header_link(html: str) -> str | None:
    found = re.search(r'<a href="([^"]+)"[^>]*data-workspace-link', html)
    return found.group(1) if found else None


def test_the_header_leads_staff_to_their_workspace_and_no_one_else(cotonou: Commune, calavi: Commune):
    officer = MembershipFactory(commune=cotonou, role=Role.COMMUNICATION_OFFICER).user
    both = MembershipFactory(commune=cotonou, role=Role.COUNCILLOR).user
    MembershipFactory(commune=calavi, role=Role.MODERATOR, user=both)
    admin = AdminFactory()

    assert header_link(page(browser_for(officer).get("/"))) == "/communes/cotonou/espace/"
    assert header_link(page(browser_for(both).get("/"))) == "/espace/"
    assert header_link(page(browser_for(admin).get("/"))) == "/espace/"
    assert header_link(page(browser_for(UserFactory()).get("/"))) is None
    assert header_link(page(browser_for(None).get("/"))) is None


def test_the_chooser_sends_one_commune_straight_there_and_lists_several(cotonou: Commune, calavi: Commune):
    officer = MembershipFactory(commune=cotonou, role=Role.COMMUNICATION_OFFICER).user
    both = MembershipFactory(commune=cotonou, role=Role.COUNCILLOR).user
    MembershipFactory(commune=calavi, role=Role.MODERATOR, user=both)

    one = browser_for(officer).get("/espace/")
    several = page(browser_for(both).get("/espace/"))
    citizen = page(browser_for(UserFactory()).get("/espace/"))

    assert one.status_code == 302 and one["Location"] == "/communes/cotonou/espace/"
    assert {"/communes/cotonou/espace/", "/communes/abomey-calavi/espace/"} <= hrefs(several)
    assert "/espace/" not in {h for h in hrefs(citizen) if h.endswith("/espace/")}
    assert "aucun rôle" in citizen
    assert to_login(browser_for(None).get("/espace/"))


# --- The journal ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", WHO)
def test_only_the_heads_of_the_commune_read_its_journal(who: str, cotonou: Commune, calavi: Commune):
    world = given_what_waits(cotonou)
    response = browser_for(person(who, cotonou, calavi)).get("/communes/cotonou/journal/")
    if who == "anonymous":
        assert to_login(response)
    elif who in HEADS:
        assert response.status_code == 200
        assert f"/communes/cotonou/marches/{world['contract'].pk}/" in hrefs(page(response))
    else:
        assert response.status_code == 403
        # the refusal says who reads the journal (not the publishers' roles, refused here too)
        assert "secrétaire général" in page(response) and "point focal" not in page(response)


def test_the_journal_pages_by_fifty_newest_first_and_names_unknown_actions_as_they_are(cotonou: Commune):
    mayor = MembershipFactory(commune=cotonou, role=Role.MAYOR).user
    contract = ContractFactory(commune=cotonou)
    for n in range(55):
        audit_record(actor=mayor, action="contract.updated", obj=contract, commune=cotonou, data={"n": n})
    audit_record(actor=mayor, action="something.new", obj=contract, commune=cotonou)
    client = browser_for(mayor)

    first = page(client.get("/communes/cotonou/journal/"))
    second = page(client.get("/communes/cotonou/journal/?page=2"))

    assert first.count("data-ws-audit") == 50 and second.count("data-ws-audit") == 6
    assert first.index("something.new") < first.index("Marché modifié")
    assert "Page 1 sur 2" in first


def test_the_journal_names_objects_and_people_in_words(cotonou: Commune):
    mayor = MembershipFactory(commune=cotonou, role=Role.MAYOR, user__display_name="Maire Adjovi").user
    post = PostFactory(thread=ThreadFactory(category__commune=cotonou))
    audit_record(actor=mayor, action="forum.post_hidden", obj=post, commune=cotonou)
    audit_record(actor=None, action="forum.thread_status", obj=post.thread, commune=cotonou)

    html = page(browser_for(mayor).get("/communes/cotonou/journal/"))

    assert "Message du forum masqué" in html and "un message du forum" in html
    assert f"#{post.pk} in" not in html and "forum.thread_status" not in html
    assert f"par Maire Adjovi (compte n° {mayor.pk})" in html and "par la plateforme" in html


def test_every_audited_action_of_every_app_has_a_label_in_the_journal() -> None:
    # A journal line must read as words for a mayor, never as a code like "council.motion_close".
    import re
    from pathlib import Path

    from frontend.workspace.audit import ACTION_LABELS

    apps = ("hub", "publications", "forums", "sessions_live", "notifications", "commitments", "council")
    apps += ("consultations", "practices", "evaluation", "frontend")
    actions: set[str] = set()
    for app in apps:
        for path in Path(app).rglob("*.py"):
            if "migrations" not in path.parts:
                actions |= set(re.findall(r'action="([a-z_]+\.[a-z_]+)"', path.read_text()))
    assert len(actions) > 40
    assert sorted(actions - set(ACTION_LABELS)) == []
