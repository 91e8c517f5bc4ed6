"""Session pages through Django's test client: the list, the live page (first paint for anonymous
visitors and citizens), the archive an ended session becomes, and who may open the staff and
moderator consoles (role × commune matrix)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from commitments.models import Commitment
from hub.models import Membership, Role
from sessions_live.models import (
    AgendaItem,
    ChatMessage,
    LiveSession,
    Poll,
    PollBallot,
    PollOption,
    PollVote,
    Question,
    QuestionVote,
    SessionDocument,
)
from tests.factories import CommuneFactory, UserFactory
from tests.factories_commitments import CommitmentFactory
from tests.factories_publications import PublishedDocumentFactory

pytestmark = pytest.mark.django_db


# --- Given ---------------------------------------------------------------------------------------


@pytest.fixture
def cotonou():
    return CommuneFactory(slug="cotonou", name="Cotonou")


@pytest.fixture
def porto_novo():
    return CommuneFactory(slug="porto-novo", name="Porto-Novo")


def member(commune, role):
    user = UserFactory()
    Membership.objects.create(user=user, commune=commune, role=role)
    return user


def signed_in(user, **kwargs):
    client = Client(**kwargs)
    client.force_login(user)
    return client


def html(response):
    return response.content.decode()


def live_session(commune, *, status="live", kind="accountability", **fields):
    now = timezone.now()
    values = {
        "title": "Reddition de comptes 2026",
        "starts_at": now - datetime.timedelta(minutes=30),
        "started_at": now - datetime.timedelta(minutes=30) if status != "scheduled" else None,
        "ended_at": now if status == "ended" else None,
        "stream_url": "https://www.youtube-nocookie.com/embed/abc123",
        "audio_url": "https://radio.example.bj/live.mp3",
    }
    values.update(fields)
    return LiveSession.objects.create(commune=commune, kind=kind, status=status, **values)


def poll_with_votes(session, *, status="open", votes=(2, 1)):
    poll = Poll.objects.create(session=session, question="Quelle priorité pour 2027 ?", status=status)
    options = [
        PollOption.objects.create(poll=poll, label=label, position=i)
        for i, label in enumerate(["Assainissement", "Voirie"])
    ]
    for option, count in zip(options, votes, strict=True):
        for _ in range(count):
            voter = UserFactory()
            PollBallot.objects.create(poll=poll, user=voter)
            PollVote.objects.create(poll=poll, user=voter, option=option)
        option.vote_count = count
        option.save()
    poll.ballot_count = sum(votes)
    poll.save()
    return poll, options


# --- The list ------------------------------------------------------------------------------------


def test_the_list_shows_live_upcoming_and_archived_sessions_and_filters_by_commune(cotonou, porto_novo):
    live_session(cotonou, title="Séance en direct")
    live_session(
        cotonou,
        status="scheduled",
        title="Séance à venir",
        starts_at=timezone.now() + datetime.timedelta(days=3),
    )
    live_session(cotonou, status="ended", title="Séance passée")
    live_session(porto_novo, status="scheduled", title="Séance de Porto-Novo")

    page = html(Client().get("/seances/"))
    assert page.index("Séance en direct") < page.index("Séance à venir") < page.index("Séance passée")
    assert "Séance de Porto-Novo" in page

    filtered = html(Client().get("/seances/", {"commune": "cotonou"}))
    assert "Séance de Porto-Novo" not in filtered and "Séance à venir" in filtered
    by_commune = html(Client().get("/communes/porto-novo/seances/"))
    assert "Séance de Porto-Novo" in by_commune and "Séance en direct" not in by_commune


def test_the_menu_and_the_commune_page_lead_to_the_sessions(cotonou):
    page = html(Client().get("/communes/cotonou/"))
    assert 'href="/seances/"' in page
    assert 'href="/communes/cotonou/seances/"' in page


def test_an_unknown_session_or_commune_is_an_html_404():
    assert Client().get("/seances/999999/").status_code == 404
    assert Client().get("/communes/atlantide/seances/").status_code == 404
    assert Client().get("/seances/999999/console/").status_code == 404


# --- The live page -------------------------------------------------------------------------------


def test_anonymous_visitors_read_the_live_page_without_an_account(cotonou):
    # given a live session with an agenda, chat, an open poll and questions in every state
    session = live_session(cotonou)
    first = AgendaItem.objects.create(session=session, position=1, title="Budget 2026")
    AgendaItem.objects.create(session=session, position=2, title="Marchés publics")
    session.current_item = first
    session.last_seq = 42
    session.save()
    author = UserFactory(display_name="Afiavi Dossou")
    ChatMessage.objects.create(session=session, author=author, text="Bonjour à tous")
    ChatMessage.objects.create(
        session=session, author=author, text="Message retiré", removed_at=timezone.now()
    )
    poll_with_votes(session)
    Question.objects.create(session=session, author=author, text="Où en est la voirie ?", status="approved")
    Question.objects.create(session=session, author=author, text="Question en attente", status="pending")
    Question.objects.create(session=session, author=author, text="Question rejetée", status="rejected")
    Question.objects.create(
        session=session,
        author=UserFactory(display_name="Secret Name"),
        text="Question anonyme",
        status="approved",
        anonymous=True,
    )

    # when an anonymous visitor opens the page
    response = Client().get(f"/seances/{session.pk}/")

    # then everything public is in the first paint, read-only, with a sign-in link
    assert response.status_code == 200
    page = html(response)
    assert "Reddition de comptes 2026" in page
    assert re.search(
        r'<li data-item-id="\d+" aria-current="step" class="is-current"><span data-part="title">Budget 2026',
        page,
    )
    assert page.count("Bonjour à tous") == 1 and "Message retiré" not in page  # in the chat, not as a flash
    assert "Quelle priorité pour 2027 ?" in page and 'value="2"' in page  # the tally bar
    assert "Où en est la voirie ?" in page and "Question anonyme" in page
    assert "Question en attente" not in page and "Question rejetée" not in page
    assert "Secret Name" not in page
    assert 'data-last-seq="42"' in page
    assert f'data-socket="/ws/sessions/{session.pk}/"' in page
    assert "/connexion/?next=" in page
    assert "data-chat-form" not in page and "data-question-form" not in page and "data-upvote" not in page
    # the heavy video waits for a click; the sound-only link is there for slow connections
    assert "<iframe" not in page
    assert 'href="https://radio.example.bj/live.mp3"' in page
    assert 'preload="none"' in page
    # a strict policy that still lets the embed and the sound stream play
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert re.search(r"frame-src [^;]*https://www\.youtube-nocookie\.com", policy)
    assert re.search(r"media-src [^;]*https:", policy)
    # no inline script or style anywhere (strict CSP)
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert " style=" not in page and "<style" not in page


def test_a_citizen_sees_the_forms_their_votes_and_their_own_pending_question(cotonou):
    session = live_session(cotonou)
    citizen = UserFactory(display_name="Koffi Test")
    poll, options = poll_with_votes(session)
    PollBallot.objects.create(poll=poll, user=citizen)
    PollVote.objects.create(poll=poll, user=citizen, option=options[1])
    supported = Question.objects.create(
        session=session, author=UserFactory(), text="Soutenue", status="approved"
    )
    QuestionVote.objects.create(question=supported, user=citizen)
    Question.objects.create(session=session, author=UserFactory(), text="Pas soutenue", status="approved")
    Question.objects.create(session=session, author=citizen, text="Ma question en attente", status="pending")

    page = html(signed_in(citizen).get(f"/seances/{session.pk}/"))

    assert "data-chat-form" in page and 'maxlength="500"' in page and 'for="chat-text"' in page
    assert "data-question-form" in page and 'id="question-anonymous"' in page
    assert re.search(rf'value="{options[1].pk}" checked', page)
    assert re.search(rf'data-question-id="{supported.pk}".*?aria-pressed="true"', page, re.S)
    assert page.count('aria-pressed="false"') >= 1
    assert "Ma question en attente" in page


def test_without_javascript_no_session_form_can_be_sent_as_a_get(cotonou):
    """With JavaScript off a form without method/action would put the typed text in a GET address:
    every such form of the live page and of the staff console comes hidden (the script shows it)."""
    session = live_session(cotonou)
    poll_with_votes(session)
    pages = [
        html(signed_in(UserFactory()).get(f"/seances/{session.pk}/")),
        html(signed_in(member(cotonou, Role.MAYOR)).get(f"/seances/{session.pk}/console/")),
    ]
    forms = [tag for page in pages for tag in re.findall(r"<form\b[^>]*>", page)]
    assert len([tag for tag in forms if "data-needs-js" in tag]) >= 7  # chat, question, poll, 4 console
    for tag in forms:
        if 'method="post"' in tag or 'method="get"' in tag:
            continue
        assert re.search(r"\shidden[\s>]", tag), tag
    assert "<noscript>" in pages[0] and "<noscript>" in pages[1]


@pytest.mark.parametrize("value", ["99999999999999999999999", "-1", "1e400", "abc"])
def test_integer_query_parameters_never_fail(cotonou, value):
    session = live_session(cotonou, status="ended")
    assert Client().get("/seances/", {"page": value}).status_code == 200
    assert Client().get(f"/seances/{session.pk}/", {"page": value, "ordre": value}).status_code == 200
    assert Client().get(f"/seances/{99999999999999999999}/").status_code == 404


def test_questions_are_sorted_by_support_or_by_time(cotonou):
    session = live_session(cotonou)
    Question.objects.create(
        session=session, author=UserFactory(), text="Ancienne populaire", status="approved", vote_count=9
    )
    Question.objects.create(
        session=session, author=UserFactory(), text="Récente", status="approved", vote_count=1
    )
    by_votes = html(Client().get(f"/seances/{session.pk}/"))
    assert by_votes.index("Ancienne populaire") < by_votes.index("Récente")
    by_time = html(Client().get(f"/seances/{session.pk}/", {"ordre": "recent"}))
    assert by_time.index("Récente") < by_time.index("Ancienne populaire")


def test_a_scheduled_accountability_session_collects_questions_but_not_chat(cotonou):
    session = live_session(cotonou, status="scheduled", starts_at=timezone.now() + datetime.timedelta(days=1))
    page = html(signed_in(UserFactory()).get(f"/seances/{session.pk}/"))
    # the forms need JavaScript: hidden as served, the script shows those the state allows
    assert re.search(r"<form class=\"question-form\" data-question-form hidden data-needs-js>", page)
    assert re.search(
        r"<form class=\"chat-form\" data-chat-form hidden data-needs-js data-initially-hidden>", page
    )
    ordinary = live_session(cotonou, status="scheduled", kind="ordinary")
    page = html(signed_in(UserFactory()).get(f"/seances/{ordinary.pk}/"))
    assert re.search(
        r"<form class=\"question-form\" data-question-form hidden data-needs-js data-initially-hidden>", page
    )


def attach_documents(session, *titles):
    documents = [PublishedDocumentFactory(commune=session.commune, title=title) for title in titles]
    for position, document in enumerate(documents):
        SessionDocument.objects.create(session=session, document=document, position=position)
    return documents


@pytest.mark.parametrize("status", ["scheduled", "live", "ended"])
def test_the_session_page_links_its_documents_before_during_and_after_the_session(cotonou, status):
    # given a session with two published documents attached, the budget first
    session = live_session(cotonou, status=status, starts_at=timezone.now() + datetime.timedelta(hours=1))
    budget, minutes = attach_documents(session, "Budget primitif 2027", "Procès-verbal de mars")
    # when anyone opens its page
    page = html(Client().get(f"/seances/{session.pk}/"))
    # then each document links to its page, in the order given
    listed = re.search(r"<ul class=\"links\" data-documents>(.*?)</ul>", page, re.S)
    assert listed, page
    links = re.findall(r'data-document-id="(\d+)"><a href="([^"]+)">([^<]+)</a>', listed.group(1))
    assert links == [
        (str(budget.pk), f"/communes/cotonou/documents/{budget.pk}/", "Budget primitif 2027"),
        (str(minutes.pk), f"/communes/cotonou/documents/{minutes.pk}/", "Procès-verbal de mars"),
    ]


def test_a_session_without_documents_says_so(cotonou):
    session = live_session(cotonou, status="scheduled", starts_at=timezone.now() + datetime.timedelta(days=1))
    page = html(Client().get(f"/seances/{session.pk}/"))
    assert "data-documents-empty" in page and "data-documents>" not in page


def test_the_page_speaks_english_when_asked(cotonou):
    session = live_session(cotonou)
    page = html(Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/seances/{session.pk}/"))
    assert "Watch the video" in page and "Connection lost, reconnecting…" in page


# --- The archive ---------------------------------------------------------------------------------


def test_an_ended_session_shows_its_archive_without_javascript(cotonou):
    # given an ended session with its record
    session = live_session(cotonou, status="ended", recording_url="https://www.youtube.com/watch?v=rec")
    AgendaItem.objects.create(session=session, position=1, title="Compte administratif")
    author = UserFactory(display_name="Afiavi Dossou")
    ChatMessage.objects.create(session=session, author=author, text="Premier message")
    ChatMessage.objects.create(session=session, author=author, text="Deuxième message")
    ChatMessage.objects.create(
        session=session, author=author, text="Insulte retirée", removed_at=timezone.now()
    )
    question = Question.objects.create(
        session=session,
        author=author,
        text="Quand le marché sera-t-il rénové ?",
        status="answered",
        answer="Les travaux commencent en mars.",
        vote_count=12,
    )
    Question.objects.create(session=session, author=author, text="Refusée", status="rejected")
    poll_with_votes(session, status="closed", votes=(3, 1))
    Poll.objects.create(session=session, question="Brouillon jamais ouvert", status="draft")
    commitment = CommitmentFactory(
        session=session,
        question=question,
        text="Rénover le marché Dantokpa",
        due_on=datetime.date(2027, 6, 30),
        status="in_progress",
        origin_snapshot={"id": question.pk, "text": question.text},
    )

    # when anyone opens its page
    response = Client().get(f"/seances/{session.pk}/")

    # then the page is the archive, readable without any script
    page = html(response)
    assert response.status_code == 200
    assert 'href="https://www.youtube.com/watch?v=rec"' in page
    assert "Compte administratif" in page
    assert page.index("Premier message") < page.index("Deuxième message")
    assert "Insulte retirée" not in page
    assert "Quand le marché sera-t-il rénové ?" in page and "Les travaux commencent en mars." in page
    assert "Refusée" not in page
    assert "Quelle priorité pour 2027 ?" in page and "Brouillon jamais ouvert" not in page
    assert "Rénover le marché Dantokpa" in page and f'href="/engagements/{commitment.pk}/"' in page
    assert "session-live.js" not in page and "data-chat-form" not in page


# --- Consoles: who may open them -----------------------------------------------------------------

CONSOLE_MATRIX = [
    # (who, console status, moderation status)
    ("anonymous", 302, 302),
    ("citizen", 403, 403),
    ("mayor", 200, 200),
    ("communication_officer", 200, 403),
    ("moderator", 403, 200),
    ("mayor_of_another_commune", 403, 403),
    ("moderator_of_another_commune", 403, 403),
]


@pytest.mark.parametrize(("who", "console_status", "moderation_status"), CONSOLE_MATRIX)
@pytest.mark.parametrize("state", ["scheduled", "live", "ended"])
def test_consoles_open_only_for_the_sessions_commune_staff_and_moderators(
    cotonou, porto_novo, who, console_status, moderation_status, state
):
    session = live_session(cotonou, status=state)
    client = {
        "anonymous": lambda: Client(),
        "citizen": lambda: signed_in(UserFactory()),
        "mayor": lambda: signed_in(member(cotonou, Role.MAYOR)),
        "communication_officer": lambda: signed_in(member(cotonou, Role.COMMUNICATION_OFFICER)),
        "moderator": lambda: signed_in(member(cotonou, Role.MODERATOR)),
        "mayor_of_another_commune": lambda: signed_in(member(porto_novo, Role.MAYOR)),
        "moderator_of_another_commune": lambda: signed_in(member(porto_novo, Role.MODERATOR)),
    }[who]()

    console = client.get(f"/seances/{session.pk}/console/")
    moderation = client.get(f"/seances/{session.pk}/moderation/")

    assert console.status_code == console_status
    assert moderation.status_code == moderation_status
    if console_status == 302:
        assert console["Location"].startswith("/connexion/?next=")


def test_the_staff_console_lists_drafts_questions_to_answer_and_commitments(cotonou):
    session = live_session(cotonou)
    Poll.objects.create(session=session, question="Sondage en préparation", status="draft")
    Question.objects.create(session=session, author=UserFactory(), text="Approuvée", status="approved")
    Question.objects.create(
        session=session, author=UserFactory(), text="Question pas encore modérée", status="pending"
    )
    CommitmentFactory(session=session, text="Engagement existant")
    page = html(signed_in(member(cotonou, Role.MAYOR)).get(f"/seances/{session.pk}/console/"))
    assert "Sondage en préparation" in page and "data-poll-open" in page
    assert "Approuvée" in page and "data-answered" in page
    assert "Question pas encore modérée" not in page
    assert "Engagement existant" in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert "session-console.js" in page
    assert page.count("Ordre du jour</h2>") == 1  # the agenda panel has one heading


def test_the_moderation_console_shows_pending_questions_with_their_author(cotonou):
    session = live_session(cotonou)
    hidden = UserFactory(display_name="Auteur Discret")
    Question.objects.create(
        session=session, author=hidden, text="Anonyme en attente", status="pending", anonymous=True
    )
    ChatMessage.objects.create(session=session, author=UserFactory(display_name="Bavard"), text="Du chat")
    page = html(signed_in(member(cotonou, Role.MODERATOR)).get(f"/seances/{session.pk}/moderation/"))
    assert "Anonyme en attente" in page and "Auteur Discret" in page
    assert 'data-moderate="approve"' in page and 'data-moderate="reject"' in page
    assert (
        page.count("Du chat") == 1
        and "data-chat-delete" in page
        and "data-mute" in page
        and "data-ban" in page
    )
    assert "session-moderation.js" in page


# --- The demo ------------------------------------------------------------------------------------


def test_the_demo_sessions_render_live_upcoming_and_archived(reference_data):
    # given the demo accounts and the sessions' demo data of `make run` (load_demo_data), with the
    # commitments made in answer to their questions
    from commitments.demo import demo_load as commitments_demo_load
    from hub.demo_data import demo_data_load
    from sessions_live.demo import ARCHIVED_TITLE, LIVE_TITLE, UPCOMING_TITLE, demo_load

    demo_data_load()
    demo_load()
    commitments_demo_load()
    live = LiveSession.objects.get(title=LIVE_TITLE)
    archived = LiveSession.objects.get(title=ARCHIVED_TITLE)

    # then the list shows all three, and the live page shows its open poll and questions
    listing = html(Client().get("/seances/"))
    assert all(escape(title) in listing for title in (LIVE_TITLE, UPCOMING_TITLE, ARCHIVED_TITLE))
    page = html(Client().get(f"/seances/{live.pk}/"))
    assert live.status == "live" and escape(LIVE_TITLE) in page
    assert escape(Poll.objects.get(session=live, status="open").question) in page
    assert page.count("data-question-id=") >= 2  # the <template> has an empty one
    assert page.count('class="chat-message"') >= 2
    # and the archived hearing shows its record
    archive = html(Client().get(f"/seances/{archived.pk}/"))
    assert "session-archive" in archive and archive.count('class="chat-message"') >= 1
    assert escape(Commitment.objects.filter(session=archived).first().text) in archive


def fill(session, n):
    for i in range(n):
        author = UserFactory()
        ChatMessage.objects.create(session=session, author=author, text=f"Message {i}")
        question = Question.objects.create(
            session=session, author=author, text=f"Question {i}", status="approved"
        )
        QuestionVote.objects.create(question=question, user=UserFactory())
        AgendaItem.objects.create(session=session, position=i + 1, title=f"Point {i}")
    attach_documents(session, *(f"Document {i}" for i in range(n)))
    for _ in range(n // 3):
        poll_with_votes(session, votes=(1, 1))


@pytest.mark.parametrize(
    ("page", "status"),
    [
        ("", "scheduled"),
        ("", "live"),
        ("", "ended"),
        ("console/", "live"),
        ("console/", "ended"),
        ("moderation/", "live"),
    ],
)
def test_each_page_costs_the_same_queries_for_a_small_or_a_busy_session(cotonou, page, status):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small, busy = live_session(cotonou, status=status), live_session(cotonou, status=status)
    fill(small, 3)
    fill(busy, 12)
    client = signed_in(member(cotonou, Role.MAYOR))
    counts = []
    for session in (small, busy):
        client.get(f"/seances/{session.pk}/{page}")  # warm the per-request caches of the first call
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/seances/{session.pk}/{page}").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] < 30, counts


def test_the_communes_page_shows_a_session_live_now_and_only_then(cotonou):
    from tests.factories_sessions import LiveSessionFactory, LiveSessionLiveFactory

    LiveSessionFactory(commune=cotonou, title="Session à venir")
    client = Client()
    before = client.get(f"/communes/{cotonou.slug}/").content.decode()
    live = LiveSessionLiveFactory(commune=cotonou, title="Reddition en direct")
    LiveSessionLiveFactory(commune=CommuneFactory(), title="Ailleurs en direct")

    during = client.get(f"/communes/{cotonou.slug}/").content.decode()

    assert "data-live-now" not in before
    assert re.findall(r'data-live-now>.*?href="([^"]+)"', during) == [f"/seances/{live.pk}/"]
    assert "Ailleurs en direct" not in during and "Session à venir" not in during


# --- What each person is offered on the live page (issue 14): nothing the services would refuse ---


def sanctioned(commune, session, kind):
    from sessions_live.models import SessionSanction

    user = UserFactory()
    until = timezone.now() + datetime.timedelta(minutes=30) if kind == "mute" else None
    by = member(commune, Role.MODERATOR)
    SessionSanction.objects.create(commune=commune, session=session, user=user, kind=kind, until=until, by=by)
    return user


RIGHTS = {
    # role: (chat form, question form, poll vote form, support buttons, report buttons, sign-in links)
    "anonymous": (False, False, False, False, False, True),
    "citizen": (True, True, True, True, True, False),
    "muted": (False, False, True, True, True, False),
    "banned": (False, False, False, False, True, False),
    "staff": (True, True, True, True, True, False),
    "moderator": (True, True, True, True, True, False),
}


@pytest.mark.parametrize("role", list(RIGHTS))
def test_each_person_is_offered_only_what_they_may_do_on_the_live_page(cotonou, role):
    # given a live session with a message, an open poll and a public question by someone else
    session = live_session(cotonou)
    other = UserFactory(display_name="Autre Citoyen")
    ChatMessage.objects.create(session=session, author=other, text="Message d'un autre")
    poll_with_votes(session)
    Question.objects.create(session=session, author=other, text="Question d'un autre", status="approved")
    users = {
        "citizen": lambda: UserFactory(),
        "muted": lambda: sanctioned(cotonou, session, "mute"),
        "banned": lambda: sanctioned(cotonou, session, "ban"),
        "staff": lambda: member(cotonou, Role.COMMUNICATION_OFFICER),
        "moderator": lambda: member(cotonou, Role.MODERATOR),
    }
    client = signed_in(users[role]()) if role != "anonymous" else Client()

    # when they open the live page
    page = html(client.get(f"/seances/{session.pk}/"))

    # then each control is offered exactly when its service would accept it
    chat, ask, vote, support, report, signin = RIGHTS[role]
    chat_form = re.search(
        r"<form class=\"chat-form\" data-chat-form hidden data-needs-js( data-initially-hidden)?>", page
    )
    assert (chat_form is not None and chat_form.group(1) is None) == chat
    question_form = re.search(r"<form class=\"question-form\"[^>]*>", page)
    assert (question_form is not None and "data-initially-hidden" not in question_form.group(0)) == ask
    assert ("data-poll-form" in page) == vote
    assert ("data-upvote" in page) == support
    assert ("data-chat-flag" in page) == report
    assert ("data-signin" in page) == signin
    if not vote:  # "Open: you can vote" is not said to someone who cannot
        assert 'data-status="open"' in page and "vous pouvez voter" not in page.split("data-poll-list", 1)[1]


def test_no_one_supports_their_own_question_or_reports_their_own_message(cotonou):
    # given a citizen's own message and question, and another citizen's
    session = live_session(cotonou)
    citizen, other = UserFactory(), UserFactory()
    mine = ChatMessage.objects.create(session=session, author=citizen, text="Mon message")
    theirs = ChatMessage.objects.create(session=session, author=other, text="Son message")
    own = Question.objects.create(session=session, author=citizen, text="Ma question", status="pending")
    Question.objects.create(session=session, author=other, text="Sa question", status="approved")

    # when the citizen opens the page
    page = html(signed_in(citizen).get(f"/seances/{session.pk}/"))

    # then only the other's message can be reported, and only the other's question supported
    mine_li = re.search(rf'data-message-id="{mine.pk}".*?</li>', page, re.S).group(0)
    theirs_li = re.search(rf'data-message-id="{theirs.pk}".*?</li>', page, re.S).group(0)
    assert "data-chat-flag" not in mine_li and "data-chat-flag" in theirs_li
    own_li = re.search(rf'data-question-id="{own.pk}".*?</li>', page, re.S).group(0)
    assert "data-upvote" not in own_li and 'data-mine="1"' in own_li
    assert page.count("data-upvote") == 2  # the other's question, and the template for live additions


def test_a_supported_question_says_so_and_offers_to_withdraw(cotonou):
    # given a question the citizen supports
    session = live_session(cotonou)
    citizen = UserFactory()
    question = Question.objects.create(session=session, author=UserFactory(), text="Q", status="approved")
    QuestionVote.objects.create(question=question, user=citizen)

    # when the page is opened
    page = html(signed_in(citizen).get(f"/seances/{session.pk}/"))

    # then its button is pressed, and its text differs from the not-supported one
    button = re.search(
        rf'data-question-id="{question.pk}".*?(<button[^>]*data-upvote.*?</button>)', page, re.S
    ).group(1)
    template = re.search(
        r'<template id="tpl-question">.*?(<button[^>]*data-upvote.*?</button>)', page, re.S
    ).group(1)
    assert 'aria-pressed="true"' in button and 'aria-pressed="false"' in template
    assert re.sub(r"<[^>]+>", "", button).strip() != re.sub(r"<[^>]+>", "", template).strip()


def test_a_scheduled_session_does_not_offer_the_video_yet(cotonou):
    # given a scheduled session with a stream
    session = live_session(cotonou, status="scheduled")

    # when anyone opens its page
    page = html(Client().get(f"/seances/{session.pk}/"))

    # then the stream buttons are there for when it starts, but hidden
    assert re.search(r'<p class="stream-choices" data-when-live hidden>', page)


def test_commitments_of_the_session_are_on_the_live_page_with_a_template_for_live_ones(cotonou):
    # given a live session with a commitment recorded in it
    session = live_session(cotonou)
    commitment = CommitmentFactory(commune=cotonou, session=session, text="Réparer la pompe du marché")

    # when the page is opened
    page = html(Client().get(f"/seances/{session.pk}/"))

    # then it is listed (with its status), and live ones are rendered from the same partial
    assert f'data-commitment-id="{commitment.pk}"' in page and "Réparer la pompe du marché" in page
    assert 'id="tpl-commitment-public"' in page and "data-commitment-status" not in page
    assert 'id="panel-commitments"' in page and "data-statuses=" in page


def test_the_live_page_preloads_every_module_it_imports(cotonou):
    # one round trip on 3G instead of a chain: every module reachable from the page's script is
    # announced in <head> with rel=modulepreload
    from pathlib import Path

    from tests.factories_sessions import LiveSessionLiveFactory

    js = Path(__file__).resolve().parent.parent / "frontend" / "static" / "frontend" / "js"
    reachable, todo = set(), ["session-live.js"]
    while todo:
        name = todo.pop()
        if name not in reachable:
            reachable.add(name)
            todo += re.findall(r'from "\./([\w-]+\.js)"', (js / name).read_text())
    live = LiveSessionLiveFactory(commune=cotonou)

    page = Client().get(f"/seances/{live.pk}/").content.decode()

    preloaded = set(re.findall(r'<link rel="modulepreload" href="/static/frontend/js/([\w-]+\.js)"', page))
    assert preloaded == reachable
