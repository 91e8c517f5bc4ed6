"""The council's public pages through Django's test client: the council of a commune, a member's
page (attendance, votes, questions answered, commitments owned; canonical address; another commune's
member), the open data page, the projector of a session, and the council panel of a session's page
(live first paint and archive). The record is built through ``council.services``, as staff build it.
Two layouts only a browser computes are checked in Debian's Chromium: the projector fits one screen
(1920x1080, 1280x720, 1024x768) with the result in view, and the live page's tabs on a phone.

Hooks the browser test relies on: ``data-council-quorum``, ``data-council-motion="<id>"``,
``data-council-result``, ``data-council-tally-for|against|abstain``."""

from __future__ import annotations

import datetime
import itertools
import os
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from playwright.sync_api import expect

from council import services
from council.models import MAX_MOTION_TITLE_CHARS, Motion
from hub.models import Membership, Role
from publications.models import DocumentType
from sessions_live.models import LiveSession, SessionKind, SessionStatus
from tests.browser import chromium
from tests.conftest import HubServer
from tests.factories import CommuneFactory, UserFactory
from tests.factories_commitments import CommitmentFactory
from tests.factories_council import CommitteeFactory, CouncilMemberFactory, council
from tests.factories_publications import PublishedDocumentFactory
from tests.factories_sessions import PollFactory, QuestionFactory
from tests.test_sessions_browser import api_post, go_live, open_page

pytestmark = pytest.mark.django_db


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def block(page: str, start: str) -> str:
    """The markup from the element carrying ``start`` to the end of the page (for "in this part")."""
    index = page.index(start)
    return page[index:]


def element(page: str, hook: str) -> str:
    """The text inside the first element carrying the attribute ``hook`` (e.g. 'data-council-tally-for')."""
    found = re.search(rf"<[^>]*\b{re.escape(hook)}\b[^>]*>([^<]*)<", page)
    assert found, f"no element with {hook}"
    return found.group(1).strip()


def sitting(size: int = 9, **fields):
    """A council with a roll call taken (6 present, one represented by proxy by member 1, one excused)
    and one motion voted by name (4 for, 3 against, one cast by proxy), closed: adopted."""
    c = council(size, **fields)
    m = c.members
    entries = [{"member": x.pk, "status": "present"} for x in m[:6]]
    entries.append({"member": m[6].pk, "status": "proxy", "proxy_holder": m[1].pk})
    entries.append({"member": m[7].pk, "status": "excused"})
    services.roll_call(actor=c.secretary, session=c.session, entries=entries)
    motion = services.motion_open(actor=c.secretary, session=c.session, title="Budget primitif 2027")
    votes = [{"member": x.pk, "choice": "for"} for x in m[:4]]
    votes += [{"member": x.pk, "choice": "against"} for x in (m[4], m[5], m[6])]
    services.votes_record(actor=c.secretary, motion=motion, votes=votes)
    motion = services.motion_close(actor=c.secretary, motion=motion)
    return c, motion


def end(session: LiveSession) -> None:
    LiveSession.objects.filter(pk=session.pk).update(status=SessionStatus.ENDED, ended_at=timezone.now())


# --- The council of a commune ----------------------------------------------------------------------


def test_the_council_page_lists_members_in_office_mayor_first_and_past_mandates_apart():
    # given a council with a deputy, a councillor in a committee, and a member whose mandate ended
    c = council(3)
    commune = c.commune
    c.members[1].full_name, c.members[1].role, c.members[1].title = (
        "Bio Adjoint",
        "deputy_mayor",
        "1er adjoint",
    )
    c.members[1].arrondissement = "1er arrondissement"
    c.members[1].save()
    committee = CommitteeFactory(commune=commune, name="Commission des finances")
    c.members[2].committees.add(committee)
    past = CouncilMemberFactory(
        commune=commune,
        full_name="Ancien Conseiller",
        mandate_start=timezone.localdate() - datetime.timedelta(days=3000),
        mandate_end=timezone.localdate() - datetime.timedelta(days=400),
    )

    # when anyone opens the council's page
    page = html(Client().get(f"/communes/{commune.slug}/conseil/"))

    # then the members in office are listed, the mayor first, each linked to their page
    in_office = page[page.index("data-council-members") : page.index("data-council-past")]
    assert (
        in_office.index("Aa Maire") < in_office.index("Bio Adjoint") < in_office.index(c.members[2].full_name)
    )
    for member in c.members:
        assert f'href="{member.get_absolute_url()}"' in in_office
    assert "1er adjoint" in in_office and "Commission des finances" in in_office
    # the arrondissement as it is written (the field holds its whole name)
    assert re.search(r"1er adjoint · 1er arrondissement\s*</span>", in_office)
    assert 'class="council-initials"' in in_office and ">AM<" in in_office
    # and the past mandate apart, with the link to the open data
    assert "Ancien Conseiller" not in in_office
    assert "Ancien Conseiller" in block(page, "data-council-past")
    assert past.get_absolute_url() in page
    assert f'href="{reverse("frontend:council-data", args=[commune.slug])}"' in page


def test_a_member_with_a_photo_shows_it_and_one_without_shows_initials():
    c = council(2)
    type(c.mayor).objects.filter(pk=c.mayor.pk).update(photo="council/maire.png")
    page = html(Client().get(f"/communes/{c.commune.slug}/conseil/"))
    assert f'src="{reverse("council-api:member-photo", args=[c.mayor.pk])}"' in page
    assert page.count('class="council-initials"') == 1  # the other member


def queries(path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        html(Client().get(path))
    return len(captured.captured_queries)


def test_the_council_page_reads_the_same_number_of_queries_for_3_or_12_members():
    small, large = council(3), council(12)
    for c in (small, large):
        for member in c.members:
            member.committees.add(CommitteeFactory(commune=c.commune))
    assert queries(f"/communes/{small.commune.slug}/conseil/") == queries(
        f"/communes/{large.commune.slug}/conseil/"
    )


def test_the_session_page_reads_the_same_number_of_queries_for_1_or_3_motions():
    # given two sittings, the second with two more motions (one with a corrected vote)
    one, _ = sitting()
    three, motion = sitting()
    services.vote_correct(
        actor=three.secretary, motion=motion, member=three.members[0].pk, choice="abstain", reason="x"
    )
    for title in ("Deuxième", "Troisième"):
        extra = services.motion_open(actor=three.secretary, session=three.session, title=title)
        services.votes_record(
            actor=three.secretary,
            motion=extra,
            votes=[{"member": x.pk, "choice": "for"} for x in three.members[:5]],
        )
        services.motion_close(actor=three.secretary, motion=extra)
    # then their pages cost the same number of queries
    assert queries(f"/seances/{one.session.pk}/") == queries(f"/seances/{three.session.pk}/")


def test_the_council_page_of_an_unknown_commune_is_404():
    assert Client().get("/communes/nulle-part/conseil/").status_code == 404


def test_the_commune_page_links_to_its_council():
    commune = CommuneFactory()
    page = html(Client().get(f"/communes/{commune.slug}/"))
    assert f'href="{reverse("frontend:council", args=[commune.slug])}"' in page


# --- A member's page -------------------------------------------------------------------------------


def test_a_member_page_shows_role_mandate_attendance_and_every_vote():
    # given a session where member 6 was represented by member 1, who cast their vote
    c, motion = sitting()
    represented = c.members[6]
    committee = CommitteeFactory(commune=c.commune, name="Commission des affaires domaniales")
    represented.committees.add(committee)
    represented.arrondissement = "Godomey"
    represented.save()

    # when anyone opens the represented member's page
    page = html(Client().get(represented.get_absolute_url()))

    # then their role, arrondissement and committee are there
    assert (
        represented.full_name in page and "Godomey" in page and "Commission des affaires domaniales" in page
    )
    assert represented.mandate_start.strftime("%Y") in page
    # their attendance: called once, present at none (represented), so 0 %
    assert 'data-council-attendance-rate="0"' in page
    # and their vote: the motion (linked to the session page), against, by proxy (the holder named),
    # and the motion's result
    votes = block(page, f'data-council-vote="{motion.pk}"')
    assert f'href="/seances/{c.session.pk}/#motion-{motion.pk}"' in votes
    assert "Budget primitif 2027" in votes and c.session.title in votes
    assert "council-choice--against" in votes
    assert c.members[1].full_name in votes  # who cast it
    assert "council-outcome--adopted" in votes


def test_a_present_members_attendance_rate_counts_sessions_present_out_of_called():
    # given a member present at one session and absent at another
    c, _ = sitting()
    other = LiveSession.objects.create(
        commune=c.commune,
        kind=SessionKind.ORDINARY,
        status=SessionStatus.LIVE,
        title="Deuxième session",
        starts_at=timezone.now(),
        started_at=timezone.now(),
    )
    services.roll_call(
        actor=c.secretary, session=other, entries=[{"member": c.members[0].pk, "status": "absent"}]
    )

    # when their page is read
    page = html(Client().get(c.members[0].get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en"))

    # then the counts it comes from come first, then the rate: 50 %, of presence in the room
    assert element(page, "data-council-attendance-counts") == "Present at 1 session out of 2."
    assert 'data-council-attendance-rate="50"' in page
    assert "presence in the room" in block(page, "data-council-attendance-rate").split("</p>")[0]
    assert "represented by proxy" not in block(page, "data-council-attendance-counts").split("</section>")[0]


def test_a_member_represented_by_proxy_reads_as_represented_not_as_absent():
    # given a member represented by proxy at the only session
    c, _ = sitting()
    represented = c.members[6]

    # when their page is read
    page = html(Client().get(represented.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en"))

    # then the counts say so (present at none of one, represented at one), and the rate of 0 % is
    # explained: it counts presence in the room, which a proxy is not
    assert (
        element(page, "data-council-attendance-counts")
        == "Present at 0 sessions out of 1, represented by proxy at 1."
    )
    assert 'data-council-attendance-rate="0"' in page
    assert "represented by proxy does not count as presence in the room" in page


def test_a_member_never_called_has_no_rate_and_no_votes():
    c = council(3)
    page = html(Client().get(c.members[2].get_absolute_url()))
    assert "data-council-attendance-rate" not in page and "data-council-vote=" not in page


def test_a_wrong_member_slug_redirects_permanently_to_the_canonical_address():
    c = council(3)
    member = c.members[1]
    response = Client().get(f"/communes/{c.commune.slug}/conseil/{member.pk}-un-autre-nom/")
    assert response.status_code == 301
    assert response["Location"] == member.get_absolute_url()


def test_a_member_of_another_commune_is_404_under_this_commune():
    # given two communes, each with its council
    ours, theirs = council(3), council(3)
    member = theirs.members[1]
    # when the other commune's member is asked for under ours
    response = Client().get(f"/communes/{ours.commune.slug}/conseil/{member.pk}-{member.slug}/")
    # then there is no such page
    assert response.status_code == 404


def test_an_unknown_member_is_404():
    c = council(3)
    assert Client().get(f"/communes/{c.commune.slug}/conseil/999999-personne/").status_code == 404


def test_a_mayor_with_an_account_shows_the_questions_answered_and_the_commitments_of_the_mayor():
    # given a mayor with an account holding the mayor's role, who answered a question
    c = council(3)
    mayor = c.mayor
    mayor.user = UserFactory()
    mayor.save()
    Membership.objects.create(user=mayor.user, commune=c.commune, role=Role.MAYOR)
    QuestionFactory(
        session=c.session,
        text="Quand le marché sera-t-il réhabilité ?",
        status="answered",
        answer="Les travaux commencent en mars.",
        answered_by=mayor.user,
        answered_at=timezone.now(),
    )
    QuestionFactory(session=c.session, text="Question restée sans réponse ?", status="approved")
    mine = CommitmentFactory(commune=c.commune, owner_role=Role.MAYOR, text="Réhabiliter le marché Dantokpa")
    CommitmentFactory(commune=c.commune, owner_role=Role.SECRETARY_GENERAL, text="Publier les comptes")

    # when the mayor's page is read
    page = html(Client().get(mayor.get_absolute_url()))

    # then the answered question (with its session) and the mayor's commitment are listed, not the others
    assert "Quand le marché sera-t-il réhabilité ?" in page and "Les travaux commencent en mars." in page
    assert f'href="/seances/{c.session.pk}/"' in page
    assert "Question restée sans réponse ?" not in page
    assert "Réhabiliter le marché Dantokpa" in page and mine.get_absolute_url() in page
    assert "Publier les comptes" not in page


def test_a_member_without_the_matching_account_role_owns_no_commitment():
    # given a councillor with an account, and the mayor's commitments
    c = council(3)
    councillor = c.members[1]
    councillor.user = UserFactory()
    councillor.save()
    Membership.objects.create(user=councillor.user, commune=c.commune, role=Role.MAYOR)  # not their seat
    CommitmentFactory(commune=c.commune, owner_role=Role.MAYOR, text="Réhabiliter le marché Dantokpa")
    # when their page is read, then none is theirs
    page = html(Client().get(councillor.get_absolute_url()))
    assert "Réhabiliter le marché Dantokpa" not in page


# --- The open data page ------------------------------------------------------------------------------


def test_the_open_data_page_lists_each_year_with_its_files_and_the_licence():
    # given council sessions this year and two years ago
    c, _ = sitting()
    year = timezone.localdate().year
    LiveSession.objects.create(
        commune=c.commune,
        kind=SessionKind.ORDINARY,
        status=SessionStatus.ENDED,
        title="Session ancienne",
        starts_at=timezone.now() - datetime.timedelta(days=800),
    )
    old = timezone.localtime(timezone.now() - datetime.timedelta(days=800)).year

    # when the open data page is read
    page = html(Client().get(f"/communes/{c.commune.slug}/conseil/donnees/"))

    # then both years are listed, newest first, each with the API's files where served
    assert page.index(f'data-council-year="{year}"') < page.index(f'data-council-year="{old}"')
    for name in ("council-api:record", "council-api:record-votes-csv", "council-api:record-attendance-csv"):
        try:
            address = reverse(name, args=[c.commune.slug, year])
        except NoReverseMatch:
            continue  # not served yet: the page says the files are being prepared
        assert f'href="{address}"' in page
    assert "data-council-licence" in page


def test_the_open_data_page_of_a_commune_without_sessions_says_so():
    commune = CommuneFactory()
    page = html(Client().get(f"/communes/{commune.slug}/conseil/donnees/"))
    assert "data-council-year" not in page and "data-council-licence" in page


def test_the_open_data_page_of_an_unknown_commune_is_404():
    assert Client().get("/communes/nulle-part/conseil/donnees/").status_code == 404


# --- The session's page: the council panel --------------------------------------------------------


def test_the_live_page_first_paint_has_the_quorum_the_current_motion_and_its_tally():
    # given a roll call and an open motion with two votes recorded
    c = council(9)
    m = c.members
    services.roll_call(
        actor=c.secretary, session=c.session, entries=[{"member": x.pk, "status": "present"} for x in m[:7]]
    )
    closed = services.motion_open(actor=c.secretary, session=c.session, title="Procès-verbal précédent")
    services.votes_record(
        actor=c.secretary, motion=closed, votes=[{"member": x.pk, "choice": "for"} for x in m[:7]]
    )
    services.motion_close(actor=c.secretary, motion=closed)
    current = services.motion_open(actor=c.secretary, session=c.session, title="Taxe de marché")
    services.votes_record(
        actor=c.secretary,
        motion=current,
        votes=[{"member": m[0].pk, "choice": "for"}, {"member": m[1].pk, "choice": "against"}],
    )

    # when a citizen opens the session's page
    page = html(Client().get(f"/seances/{c.session.pk}/"))

    # then the council panel is there, first of the live tools, with the quorum reached (7 of 9, 5 needed)
    assert 'data-panel="council"' in page and 'href="#panel-council"' in page
    assert 'data-council-quorum="reached"' in page
    quorum = element(page, "data-council-quorum")  # the box itself; its text follows
    assert quorum == ""
    assert re.search(r'data-part="quorum-text">[^<]*\b7\b[^<]*\b9\b[^<]*\b5\b', page)
    # the open motion first, with its live tally, and the closed one after it, adopted
    panel = block(page, "data-council-motions")
    assert panel.index(f'data-council-motion="{current.pk}"') < panel.index(
        f'data-council-motion="{closed.pk}"'
    )
    first = block(panel, f'data-council-motion="{current.pk}"')
    assert element(first, "data-council-tally-for") == "1"
    assert element(first, "data-council-tally-against") == "1"
    assert element(first, "data-council-tally-abstain") == "0"
    assert re.search(r'data-council-result=""[^>]*hidden', first)
    assert 'data-council-result="adopted"' in block(panel, f'data-council-motion="{closed.pk}"')
    # the roll call lists each member; the script and the motion template are there for live updates
    assert all(f'data-member-id="{x.pk}"' in page for x in m)
    assert 'id="tpl-council-motion"' in page and "council-live.js" in page
    # and it resumes from the sequence number read before the record
    assert f'data-last-seq="{LiveSession.objects.get(pk=c.session.pk).last_seq}"' in page


def test_the_live_page_before_the_roll_call_shows_the_quorum_missing():
    c = council(5)
    page = html(Client().get(f"/seances/{c.session.pk}/"))
    assert (
        'data-council-quorum="missing"' in page and "data-council-motion=" not in page.split("<template")[0]
    )


def test_a_session_that_is_not_a_council_session_has_no_council_panel():
    # given an accountability session (no roll call, no motion)
    c = council(3, kind=SessionKind.ACCOUNTABILITY)
    # when its live page and then its archive are read, then neither has a council panel
    page = html(Client().get(f"/seances/{c.session.pk}/"))
    assert "data-council" not in page and "council-live.js" not in page
    end(c.session)
    archive = html(Client().get(f"/seances/{c.session.pk}/"))
    assert "data-council" not in archive


def test_the_archive_lists_attendance_motions_named_votes_results_and_corrections():
    # given a sitting with an adopted motion linked to a document, a corrected vote, and a deliberation
    c, motion = sitting()
    m = c.members
    document = PublishedDocumentFactory(commune=c.commune, title="Projet de budget 2027")
    Motion.objects.filter(pk=motion.pk).update(document=document)
    services.vote_correct(
        actor=c.secretary, motion=motion, member=m[5].pk, choice="abstain", reason="Erreur de saisie"
    )
    deliberation = PublishedDocumentFactory(
        commune=c.commune, title="Délibération n° 2027-001", type=DocumentType.COUNCIL_DELIBERATION
    )
    services.motion_link_deliberation(actor=c.secretary, motion=motion, document=deliberation.pk)
    end(c.session)

    # when anyone reads the archive
    page = html(Client().get(f"/seances/{c.session.pk}/"))

    # then the roll call lists each member with their attendance (the proxy holder named)
    roll = block(page, "data-council-roll")
    for member in m:
        assert f'data-member-id="{member.pk}"' in roll
    assert re.search(rf'data-member-id="{m[6].pk}" data-status="proxy"', roll)
    assert re.search(rf'data-member-id="{m[7].pk}" data-status="excused"', roll)
    assert re.search(rf'data-member-id="{m[8].pk}" data-status=""', roll)  # never called
    # the motion with its tally after the correction (4 for, 2 against, 1 abstention), adopted
    article = block(page, f'data-council-motion="{motion.pk}"')
    assert element(article, "data-council-tally-for") == "4"
    assert element(article, "data-council-tally-against") == "2"
    assert element(article, "data-council-tally-abstain") == "1"
    assert 'data-council-result="adopted"' in article
    # the named votes grouped by choice, the corrected one marked, the proxy holder named
    assert re.search(r'data-choice="for"[\s\S]*data-choice="against"[\s\S]*data-choice="abstain"', article)
    assert f'data-member-id="{m[5].pk}"' in block(article, 'data-choice="abstain"')
    assert 'class="council-corrected"' in article and "Erreur de saisie" in article
    # the document concerned and the deliberation, linked
    assert document.get_absolute_url() in article and deliberation.get_absolute_url() in article
    # and nothing live: no template, no script
    assert 'id="tpl-council-motion"' not in page and "council-live.js" not in page


def test_a_secret_ballot_shows_counts_and_no_named_votes():
    # given a secret ballot counted 5 for, 1 against
    c = council(9)
    services.roll_call(
        actor=c.secretary,
        session=c.session,
        entries=[{"member": x.pk, "status": "present"} for x in c.members[:6]],
    )
    motion = services.motion_open(
        actor=c.secretary, session=c.session, title="Élection du bureau", secret=True
    )
    services.counts_record(actor=c.secretary, motion=motion, counts={"for": 5, "against": 1, "abstain": 0})
    services.motion_close(actor=c.secretary, motion=motion)
    # when the page is read, then the counts and the result are there, and no list of names
    article = block(html(Client().get(f"/seances/{c.session.pk}/")), f'data-council-motion="{motion.pk}"')
    assert element(article, "data-council-tally-for") == "5"
    assert 'data-council-result="adopted"' in article
    assert re.search(r'data-part="votes-box"[^>]*hidden', article)


# --- The projector -------------------------------------------------------------------------------


def test_the_projector_shows_the_item_the_motion_its_result_and_the_quorum_without_the_site_chrome():
    # given a sitting (adopted motion), an agenda item in progress and approved questions
    c, motion = sitting()
    item = c.session.agenda_items.create(position=1, title="Vote du budget primitif")
    LiveSession.objects.filter(pk=c.session.pk).update(current_item=item)
    QuestionFactory(session=c.session, text="Question la plus soutenue ?", vote_count=9)
    QuestionFactory(session=c.session, text="Question moyenne ?", vote_count=5)
    QuestionFactory(session=c.session, text="Question en attente ?", status="pending", vote_count=50)

    # when the room's screen opens the projector
    page = html(Client().get(f"/seances/{c.session.pk}/projecteur/"))

    # then there is no site header, menu or footer
    assert "site-header" not in page and "site-footer" not in page and "site-nav" not in page
    # the item in progress, the motion with its tally and result, the quorum (6 present of 9, 5 needed)
    assert re.search(r"data-projector-item>\s*Vote du budget primitif", page)
    assert f'data-council-motion="{motion.pk}"' in page
    assert element(page, "data-council-tally-for") == "4"
    assert element(page, "data-council-tally-against") == "3"
    assert 'data-council-result="adopted"' in page
    assert 'data-council-quorum="reached"' in page
    assert re.search(r'data-part="quorum-text">[^<]*\b6\b[^<]*\b9\b[^<]*\b5\b', page)
    # the approved questions, most supported first, not the pending one
    assert page.index("Question la plus soutenue ?") < page.index("Question moyenne ?")
    assert "Question en attente ?" not in page
    # and it connects like the live page, from the sequence number of its render
    session = LiveSession.objects.get(pk=c.session.pk)
    assert (
        f'data-last-seq="{session.last_seq}"' in page and f'data-socket="/ws/sessions/{session.pk}/"' in page
    )
    assert "projector.js" in page


def test_the_projector_shows_an_open_polls_results_rather_than_the_questions():
    c = council(3)
    PollFactory(session=c.session, question="Faut-il paver la rue du marché ?")
    QuestionFactory(session=c.session, text="Une question ?")
    page = html(Client().get(f"/seances/{c.session.pk}/projecteur/"))
    assert "Faut-il paver la rue du marché ?" in page
    assert re.search(r"data-projector-poll[^>]*>", page) and not re.search(
        r"data-projector-poll[^>]*hidden", page
    )
    assert re.search(r"data-projector-questions[^>]*hidden", page)


def test_the_projector_of_a_session_that_is_not_a_council_session_has_no_motion_or_quorum():
    c = council(3, kind=SessionKind.ACCOUNTABILITY)
    page = html(Client().get(f"/seances/{c.session.pk}/projecteur/"))
    assert "data-projector-motion" not in page and "data-council-quorum" not in page
    assert "data-projector-questions" in page


def test_the_projector_of_an_unknown_session_is_404():
    assert Client().get("/seances/999999/projecteur/").status_code == 404


# --- Motions: their order, the reason of the result, members with no vote recorded ---------------


def closed_motion(c, title: str, votes: list[tuple[int, str]]) -> Motion:
    motion = services.motion_open(actor=c.secretary, session=c.session, title=title)
    services.votes_record(
        actor=c.secretary, motion=motion, votes=[{"member": pk, "choice": choice} for pk, choice in votes]
    )
    return services.motion_close(actor=c.secretary, motion=motion)


def test_the_live_page_shows_the_open_motion_first_then_the_others_in_order():
    # given two closed motions (1 and 2) and a third open
    c, first = sitting()
    second = closed_motion(c, "Deuxième", [(x.pk, "for") for x in c.members[:5]])
    third = services.motion_open(actor=c.secretary, session=c.session, title="Troisième")

    # when the live page is read
    panel = block(html(Client().get(f"/seances/{c.session.pk}/")), "data-council-motions")

    # then the open one comes first, then motion 1, then motion 2
    places = [panel.index(f'data-council-motion="{m.pk}"') for m in (third, first, second)]
    assert places == sorted(places)


def test_the_archive_lists_the_motions_in_order_motion_1_first():
    # given three closed motions, the session ended
    c, first = sitting()
    second = closed_motion(c, "Deuxième", [(x.pk, "for") for x in c.members[:5]])
    third = closed_motion(c, "Troisième", [(x.pk, "against") for x in c.members[:5]])
    end(c.session)

    # when the archive is read, then they come in their order
    panel = block(html(Client().get(f"/seances/{c.session.pk}/")), "data-council-motions")
    places = [panel.index(f'data-council-motion="{m.pk}"') for m in (first, second, third)]
    assert places == sorted(places)


def test_the_projector_shows_the_latest_motion_when_none_is_open():
    # given motions 1 and 2, both closed
    c, first = sitting()
    second = closed_motion(c, "Deuxième motion", [(x.pk, "for") for x in c.members[:5]])
    # when the projector is read, then it shows motion 2
    page = html(Client().get(f"/seances/{c.session.pk}/projecteur/"))
    assert f'data-council-motion="{second.pk}"' in page and f'data-council-motion="{first.pk}"' not in page
    assert "Deuxième motion" in page


def test_a_closed_named_vote_says_how_many_members_present_or_represented_have_no_vote_recorded():
    # given a sitting (6 in the room, one represented by a member in the room, one excused, one not
    # called) and a motion where only 3 of those 7 have a vote recorded (one "did not vote")
    c, complete = sitting()
    m = c.members
    partial = closed_motion(
        c, "Motion incomplète", [(m[0].pk, "for"), (m[1].pk, "for"), (m[2].pk, "not_voting")]
    )
    end(c.session)

    # when the archive is read (in English)
    page = html(Client().get(f"/seances/{c.session.pk}/", HTTP_ACCEPT_LANGUAGE="en"))

    # then the motion with missing votes says 4 have none (the excused and the uncalled do not count)
    article = block(page, f'data-council-motion="{partial.pk}"').split("</article>")[0]
    assert re.search(r'data-part="no-vote">\s*No vote recorded: 4\s*<', article)
    # and the complete one says nothing
    article = block(page, f'data-council-motion="{complete.pk}"').split("</article>")[0]
    assert re.search(r'data-part="no-vote"[^>]*hidden', article)


def test_no_missing_vote_is_shown_for_an_open_vote_or_a_secret_ballot():
    # given a secret ballot counted and closed, and a named vote still open with one vote
    c, _ = sitting()
    secret = services.motion_open(actor=c.secretary, session=c.session, title="Élection", secret=True)
    services.counts_record(actor=c.secretary, motion=secret, counts={"for": 2, "against": 1})
    services.motion_close(actor=c.secretary, motion=secret)
    open_vote = services.motion_open(actor=c.secretary, session=c.session, title="En cours")
    services.votes_record(
        actor=c.secretary, motion=open_vote, votes=[{"member": c.members[0].pk, "choice": "for"}]
    )

    # when the live page is read, then neither says members have no vote recorded
    page = html(Client().get(f"/seances/{c.session.pk}/"))
    for motion in (secret, open_vote):
        article = block(page, f'data-council-motion="{motion.pk}"').split("</article>")[0]
        assert re.search(r'data-part="no-vote"[^>]*hidden', article)


def test_the_reason_of_a_result_agrees_with_the_number_of_votes_needed():
    # given a motion adopted by 1 vote for (1 needed), and the sitting's (4 for, 3 against: 4 needed)
    c, four = sitting()
    one = closed_motion(c, "Une voix", [(c.members[0].pk, "for")])

    # when the page is read in English
    page = html(Client().get(f"/seances/{c.session.pk}/", HTTP_ACCEPT_LANGUAGE="en"))

    # then each reason is said once, in the singular or the plural, beside the result's word
    first = block(page, f'data-council-motion="{one.pk}"').split("</article>")[0]
    assert re.search(
        r'data-part="result">Adopted</strong> <span data-part="reason">1 for, 1 vote needed\.<', first
    )
    second = block(page, f'data-council-motion="{four.pk}"').split("</article>")[0]
    assert "4 for, 4 votes needed." in second
    # and the script gets both forms, to choose as the numbers change
    assert "1 for, 1 vote needed." not in page.split("data-labels=")[1].split(">")[0]
    assert "{for} for, {required} vote needed." in page and "{for} for, {required} votes needed." in page
    assert "No vote recorded: {count}" in page


def test_the_projector_says_a_ballot_is_secret_and_how_many_did_not_take_part():
    # given a secret ballot: 3 for, 3 against, 2 did not take part
    c, _ = sitting()
    motion = services.motion_open(
        actor=c.secretary, session=c.session, title="Élection du bureau", secret=True
    )
    services.counts_record(
        actor=c.secretary, motion=motion, counts={"for": 3, "against": 3, "abstain": 0, "not_voting": 1}
    )
    services.motion_close(actor=c.secretary, motion=motion)

    # when the projector is read
    page = html(Client().get(f"/seances/{c.session.pk}/projecteur/", HTTP_ACCEPT_LANGUAGE="en"))

    # then the secret ballot is named, the count of those who did not vote shown, the result given
    assert re.search(r'<span class="projector-ballot" data-part="ballot">Secret ballot<', page)
    assert re.search(r'data-part="not-voting">Did not vote: 1<', page)
    assert 'data-council-result="rejected"' in page


def test_the_projector_of_a_named_vote_hides_the_secret_ballot_mark():
    c, _ = sitting()
    page = html(Client().get(f"/seances/{c.session.pk}/projecteur/"))
    assert re.search(r'data-part="ballot" hidden', page)
    assert re.search(r'data-part="not-voting" hidden', page)


# --- On screens: the projector fits one screen; the live page's tabs on a phone ------------------
# In Debian's Chromium against a real server: these check a layout, which only a browser computes.

SCREENS = [{"width": 1920, "height": 1080}, {"width": 1280, "height": 720}, {"width": 1024, "height": 768}]
PHONE = {"width": 360, "height": 740}
# `SCREENSHOTS_DIR=<dir>` keeps a picture of each screen checked.
SCREENSHOTS = os.environ.get("SCREENSHOTS_DIR", "")
LONG_TITLE = (
    "Autorisation donnée au maire de signer la convention de partenariat avec l'Agence nationale de "
    "l'assainissement pour la réhabilitation des caniveaux et la création d'une commission ad hoc"
)[:MAX_MOTION_TITLE_CHARS]


def crowded_room(secret: bool) -> tuple[LiveSession, Motion]:
    """A session as crowded as the projector gets: 49 members, a long agenda item in progress, a long
    motion title, a closed tie (a secret ballot with members not voting, or a named vote the chair's
    vote decides, whose reason is the longest) and three long questions."""
    c = council(49)
    m = c.members
    services.roll_call(
        actor=c.secretary, session=c.session, entries=[{"member": x.pk, "status": "present"} for x in m[:46]]
    )
    item = c.session.agenda_items.create(
        position=1, title="Affaires domaniales : cession à titre gratuit d'une parcelle communale à Fidjrossè"
    )
    LiveSession.objects.filter(pk=c.session.pk).update(current_item=item)
    motion = services.motion_open(actor=c.secretary, session=c.session, title=LONG_TITLE, secret=secret)
    if secret:
        counts = {"for": 20, "against": 20, "abstain": 2, "not_voting": 4}
        services.counts_record(actor=c.secretary, motion=motion, counts=counts)
    else:
        votes = [{"member": x.pk, "choice": "for"} for x in m[:20]]
        votes += [{"member": x.pk, "choice": "against"} for x in m[20:40]]
        votes += [{"member": x.pk, "choice": "not_voting"} for x in m[40:43]]
        services.votes_record(actor=c.secretary, motion=motion, votes=votes)
    motion = services.motion_close(actor=c.secretary, motion=motion)
    for n in range(3):
        QuestionFactory(session=c.session, vote_count=10 - n, text=f"Question {n} : " + "pourquoi " * 40)
    return c.session, motion


FITS = """() => {
  const inView = (node) => {
    const r = node.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth;
  };
  const tally = (key) => document.querySelector(`[data-council-tally-${key}]`);
  const root = document.scrollingElement;
  const title = document.querySelector("[data-projector-motion] [data-part='title']");
  return {
    scrolls: root.scrollHeight > innerHeight || root.scrollWidth > innerWidth,
    result: inView(document.querySelector("[data-projector-motion] [data-council-result]")),
    counts: ["for", "against", "abstain"].every((key) => inView(tally(key))),
    quorum: inView(document.querySelector("[data-projector] [data-council-quorum]")),
    titleCut: title.scrollHeight > title.clientHeight + 1,
    titleWhole: title.textContent,
  };
}"""


@pytest.mark.browser
@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_projector_fits_one_screen_with_the_result_in_view_from_1024x768_to_1920x1080(
    hub_server: HubServer,
) -> None:
    # given a secret ballot and a named vote, closed ties, with long titles and questions
    rooms = [crowded_room(secret=True), crowded_room(secret=False)]
    with chromium() as browser:
        for (session, motion), screen in itertools.product(rooms, SCREENS):
            # when the room's screen shows the projector
            page = open_page(browser, hub_server.url, viewport=screen)
            page.goto(f"{hub_server.url}/seances/{session.pk}/projecteur/")
            expect(page.locator(f"[data-council-motion='{motion.pk}']")).to_be_visible()
            if SCREENSHOTS:
                kind = "secret" if motion.secret else "named"
                name = f"projector-{kind}-{screen['width']}x{screen['height']}.png"
                page.screenshot(path=str(Path(SCREENSHOTS) / name))
            fits = page.evaluate(FITS)

            # then nothing scrolls; the result, the counts and the quorum are whole on the screen
            assert not fits["scrolls"], screen
            assert fits["result"] and fits["counts"] and fits["quorum"], (screen, fits)
            # the long title is cut on the screen but whole in the page (read out whole)
            assert fits["titleCut"] and LONG_TITLE in fits["titleWhole"], (screen, fits)
            # and a secret ballot says so, with the members who did not take part
            ballot = page.locator("[data-projector-motion] [data-part='ballot']")
            not_voting = page.locator("[data-projector-motion] [data-part='not-voting']")
            if motion.secret:
                expect(ballot).to_be_visible()
                expect(not_voting).to_contain_text("4")
            else:
                expect(ballot).to_be_hidden()
                expect(not_voting).to_contain_text("3")
            assert page.js_errors == []  # type: ignore[attr-defined]
            page.context.close()


TABS = """() => Array.from(document.querySelectorAll("[data-live-tabs] a")).map((a) => {
  const r = a.getBoundingClientRect(), style = getComputedStyle(a);
  return {left: r.left, right: r.right, size: parseFloat(style.fontSize),
          padding: parseFloat(style.paddingLeft), text: a.textContent.trim()};
})"""


@pytest.mark.browser
@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_five_live_tabs_are_readable_apart_and_scroll_sideways(hub_server: HubServer) -> None:
    # given a live council session (five tabs: council, chat, polls, questions, commitments)
    c = council(3)
    with chromium() as browser:
        # when a citizen opens it on a 360-pixel phone
        page = open_page(browser, hub_server.url, viewport=PHONE)
        go_live(page, f"{hub_server.url}/seances/{c.session.pk}/")
        tabs = page.evaluate(TABS)
        if SCREENSHOTS:
            page.locator("[data-live-tabs]").scroll_into_view_if_needed()
            page.screenshot(path=str(Path(SCREENSHOTS) / "live-tabs-phone.png"))

        # then each tab's text is at least 14 px, padded, and the tabs do not touch
        assert len(tabs) == 5
        assert all(tab["size"] >= 14 and tab["padding"] >= 8 for tab in tabs), tabs
        assert all(after["left"] - before["right"] >= 2 for before, after in itertools.pairwise(tabs)), tabs
        # and what does not fit scrolls sideways, a shadow marking the side with more
        tab_list = page.locator("[data-live-tabs] ul")
        assert tab_list.evaluate("(ul) => ul.scrollWidth > ul.clientWidth")
        assert "radial-gradient" in tab_list.evaluate("(ul) => getComputedStyle(ul).backgroundImage")
        # the last tab is reached by scrolling
        page.locator("[data-tab='commitments']").scroll_into_view_if_needed()
        assert tab_list.evaluate("(ul) => ul.scrollLeft") > 0
        assert page.js_errors == []  # type: ignore[attr-defined]


@pytest.mark.browser
@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_live_a_motion_closed_with_missing_votes_says_how_many_and_takes_its_place_in_order(
    hub_server: HubServer,
) -> None:
    # given a roll call (4 in the room, one represented by a member in the room) and motion 1 closed
    c = council(6)
    m = c.members
    entries = [{"member": x.pk, "status": "present"} for x in m[:4]]
    entries.append({"member": m[4].pk, "status": "proxy", "proxy_holder": m[0].pk})
    services.roll_call(actor=c.secretary, session=c.session, entries=entries)
    first = closed_motion(c, "Procès-verbal", [(x.pk, "for") for x in m[:5]])
    base = hub_server.url
    with chromium() as browser:
        page = open_page(browser, base, viewport=PHONE)
        go_live(page, f"{base}/seances/{c.session.pk}/")
        motions = page.locator("[data-council-motions] > [data-council-motion]")

        # when the secretary opens motion 2 (through the server the page is connected to)
        second = api_post(base, c.secretary, f"sessions/{c.session.pk}/motions/", {"title": "Taxe"})["id"]
        # then it comes first, while open
        expect(motions.first).to_have_attribute("data-council-motion", str(second))

        # when one member's vote is recorded and the vote closed
        api_post(
            base,
            c.secretary,
            f"motions/{second}/votes/",
            {"votes": [{"member": m[0].pk, "choice": "for"}]},
        )
        api_post(base, c.secretary, f"motions/{second}/close/", {})

        # then it takes its place after motion 1, adopted by 1 vote for of 1 needed, and says that the
        # 4 others present or represented have no vote recorded
        node = page.locator(f"[data-council-motion='{second}']")
        expect(node.locator("[data-council-result]")).to_have_attribute("data-council-result", "adopted")
        expect(motions.first).to_have_attribute("data-council-motion", str(first.pk))
        missing = node.locator("[data-part='no-vote']")
        expect(missing).to_be_visible()
        expect(missing).to_contain_text("4")
        live_reason = node.locator("[data-part='reason']").text_content()

        # when a member present leaves the roll call (marked absent), then one fewer is missing
        api_post(
            base,
            c.secretary,
            f"sessions/{c.session.pk}/attendance/",
            {"entries": [{"member": m[1].pk, "status": "absent"}]},
        )
        expect(missing).to_contain_text("3")

        # and the page drawn afresh says the same as the live one
        page.reload()
        node = page.locator(f"[data-council-motion='{second}']")
        expect(node.locator("[data-part='no-vote']")).to_contain_text("3")
        assert node.locator("[data-part='reason']").text_content() == live_reason
        assert page.js_errors == []  # type: ignore[attr-defined]
