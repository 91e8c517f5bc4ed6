"""The public read cache (hub/readcache.py, hub/versions.py): anonymous reads answered from memory
under content versions, and what it must never do: show a draft, show someone's own data to someone
else, show a change late, or break a form.

These run on both backends: with REDIS_URL the versions are Redis counters, without it rows of the
embedded database (so a read costs one query there, none with Redis).
"""

import re
import time

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.throttling import SimpleRateThrottle

from forums.models import Post
from forums.services.moderation import content_hide
from hub import readcache
from hub.models import Role
from publications.models import Document, PublicationState
from publications.services.documents import document_publish, document_withdraw
from sessions_live.services.chat import chat_send
from sessions_live.services.sessions import session_end
from tests.factories import CommuneFactory, FollowFactory, MembershipFactory, UserFactory
from tests.factories_forums import PostFactory, ThreadFactory, moderator, veteran
from tests.factories_publications import DocumentFactory, DocumentFileFactory, PublishedDocumentFactory
from tests.factories_sessions import LiveSessionLiveFactory, staff_of

pytestmark = pytest.mark.django_db

# What a cached read may still cost: the versions (one query without Redis, none with it).
VERSION_QUERIES = 0 if settings.REDIS_URL else 1


@pytest.fixture
def cotonou():
    return CommuneFactory(slug="cotonou", name="Cotonou")


@pytest.fixture
def staff_member(cotonou):
    return MembershipFactory(commune=cotonou, role=Role.COMMUNICATION_OFFICER).user


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def queries_of(client, url, **headers):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, **headers)
    return response, len(context.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/communes/",
        "/api/v1/documents/?commune=cotonou",
        "/communes/cotonou/",
        "/communes/cotonou/documents/",
        "/",
    ],
)
def test_a_second_anonymous_read_needs_no_database_beyond_the_versions(cotonou, url):
    # given a commune with a published document, read once (the cache is filled)
    PublishedDocumentFactory(commune=cotonou, title="Budget primitif 2026")
    first = Client().get(url)
    assert first.status_code == 200
    # when another visitor reads the same address
    second, count = queries_of(Client(), url)
    # then the answer is the same and came from memory
    assert second.status_code == 200
    assert count == VERSION_QUERIES
    strip = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')  # each visitor's own token
    assert strip.sub(b"", second.content) == strip.sub(b"", first.content)


def test_a_publication_is_visible_at_the_next_read(cotonou, staff_member):
    # given the documents page and list read (and cached) by citizens while a draft is prepared
    draft = DocumentFactory(commune=cotonou, title="Compte administratif 2025")
    DocumentFileFactory(document=draft)
    assert "Compte administratif 2025" not in Client().get("/communes/cotonou/documents/").text
    assert Client().get("/api/v1/documents/?commune=cotonou").json()["results"] == []
    # when the commune publishes it
    document_publish(actor=staff_member, document=draft)
    # then the very next anonymous reads show it, page and API
    assert "Compte administratif 2025" in Client().get("/communes/cotonou/documents/").text
    titles = [row["title"] for row in Client().get("/api/v1/documents/?commune=cotonou").json()["results"]]
    assert titles == ["Compte administratif 2025"]
    # and a withdrawal is gone at once too
    document_withdraw(actor=staff_member, document=Document.objects.get(pk=draft.pk), reason="Erreur")
    assert "Retiré" in Client().get("/communes/cotonou/documents/").text  # listed as withdrawn, at once


@pytest.mark.django_db(transaction=True)
def test_a_change_committed_by_another_connection_is_seen_after_commit(cotonou, staff_member):
    """The bump after commit (a reader between the write and its commit caches under a version
    the commit leaves behind)."""
    from django.db import transaction

    draft = DocumentFactory(commune=cotonou, title="Plan annuel 2027")
    Client().get("/communes/cotonou/documents/")
    with transaction.atomic():
        Document.objects.filter(pk=draft.pk).update(state=PublicationState.PUBLISHED)
        # a read inside the write's transaction, before the bump: what it caches must not outlive it
        Client().get("/communes/cotonou/documents/")
        from hub.versions import changed

        changed(commune_id=cotonou.pk)
    assert "Plan annuel 2027" in Client().get("/communes/cotonou/documents/").text


def test_a_cached_page_never_shows_a_draft_and_staff_are_never_served_the_citizens_copy(
    cotonou, staff_member
):
    # given a draft and a published document
    DocumentFactory(commune=cotonou, title="Brouillon du budget")
    PublishedDocumentFactory(commune=cotonou, title="Budget adopté")
    # when a citizen reads the list first (filling the cache), then staff, then a citizen again
    citizen_before = Client().get("/api/v1/documents/?commune=cotonou").json()
    staff_view = signed_in(staff_member).get("/communes/cotonou/documents/?etat=brouillons")
    citizen_after = Client().get("/communes/cotonou/documents/").text
    # then citizens never see the draft, and staff see the working copy, not the cached one
    assert [row["title"] for row in citizen_before["results"]] == ["Budget adopté"]
    assert "Brouillon du budget" not in citizen_after
    assert staff_view.status_code == 200
    assert "ETag" not in staff_view


def test_nobody_is_served_another_persons_page(cotonou):
    # given a citizen who follows the commune, one who does not, and anonymous visitors
    awa, koffi = UserFactory(), UserFactory()
    FollowFactory(user=awa, commune=cotonou)
    awa_page = signed_in(awa).get("/communes/cotonou/").text
    anonymous_page = Client().get("/communes/cotonou/").text
    koffi_page = signed_in(koffi).get("/communes/cotonou/").text
    anonymous_again = Client().get("/communes/cotonou/").text
    # then each page is its reader's own: Awa's follow state is hers only
    assert 'aria-pressed="true"' in awa_page
    assert 'aria-pressed="false"' in koffi_page
    assert "aria-pressed" not in anonymous_page
    assert "aria-pressed" not in anonymous_again
    assert "Sign in to follow" in anonymous_again or "Connectez-vous pour suivre" in anonymous_again


def test_each_visitor_of_a_cached_page_gets_a_working_csrf_token_of_their_own(cotonou):
    # given a page served from the cache to two new visitors
    Client().get("/communes/cotonou/")
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    pages = [client.get("/communes/cotonou/") for client in (first, second)]
    tokens = [re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1) for page in pages]
    # then no placeholder is left, each got its own token and cookie, and the forms work
    assert all(readcache.CSRF_PLACEHOLDER not in page.text for page in pages)
    assert tokens[0] != tokens[1]
    for client, token in zip((first, second), tokens, strict=True):
        switched = client.post(
            "/i18n/setlang/", {"language": "en", "csrfmiddlewaretoken": token, "next": "/"}
        )
        assert switched.status_code == 302
    # and a stale token (another visitor's) is still refused
    refused = Client(enforce_csrf_checks=True)
    refused.get("/communes/cotonou/")
    assert (
        refused.post("/i18n/setlang/", {"language": "en", "csrfmiddlewaretoken": tokens[0]}).status_code
        == 403
    )


def test_conditional_requests_answer_304_until_the_content_changes(cotonou, staff_member):
    # given an API list and a page read once, with their validators
    PublishedDocumentFactory(commune=cotonou, title="Budget 2026")
    api = Client()
    listed = api.get("/api/v1/documents/?commune=cotonou")
    etag = listed["ETag"]
    assert listed["Cache-Control"] == "public, no-cache"
    # when the same client asks again with If-None-Match
    again = api.get("/api/v1/documents/?commune=cotonou", HTTP_IF_NONE_MATCH=etag)
    # then 304 and no body
    assert again.status_code == 304
    assert again.content == b""
    # and a page with a form: the validator follows the visitor's CSRF cookie too
    browser = Client()
    page = browser.get("/communes/cotonou/documents/")
    assert page["Cache-Control"] == "private, no-cache"
    assert browser.get("/communes/cotonou/documents/", HTTP_IF_NONE_MATCH=page["ETag"]).status_code == 304
    assert Client().get("/communes/cotonou/documents/", HTTP_IF_NONE_MATCH=page["ETag"]).status_code == 200
    # when the commune publishes, the old validator no longer matches
    newer = DocumentFactory(commune=cotonou, title="Budget 2027")
    DocumentFileFactory(document=newer)
    document_publish(actor=staff_member, document=newer)
    changed = api.get("/api/v1/documents/?commune=cotonou", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert "Budget 2027" in changed.text


def test_cached_api_reads_are_still_limited_per_address_and_pages_are_not(cotonou, monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "anon": "3/min"}
    )
    client = Client()
    statuses = [client.get("/api/v1/communes/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/v1/communes/")
    assert refused.json()["error"]["code"] == "throttled"
    assert int(refused["Retry-After"]) > 0
    # pages have no per-address limit: a mobile operator's customers may share one address
    assert [client.get("/communes/cotonou/").status_code for _ in range(5)] == [200] * 5


def test_a_hidden_forum_post_disappears_from_the_cached_thread_at_once(cotonou):
    # given a thread whose page citizens have read (cached)
    thread = ThreadFactory(category__commune=cotonou)
    post = PostFactory(
        thread=thread, author=veteran(), body="Message injurieux", body_html="<p>Message injurieux</p>"
    )
    assert "Message injurieux" in Client().get(f"/forum/sujets/{thread.pk}/").text
    # when a moderator hides it (an UPDATE, no model signal)
    content_hide(
        actor=moderator(cotonou), thread=thread, post=Post.objects.get(pk=post.pk), reason="Insultes"
    )
    # then the next anonymous read no longer shows it, page and API
    assert "Message injurieux" not in Client().get(f"/forum/sujets/{thread.pk}/").text
    bodies = [
        row.get("body_html", "")
        for row in Client().get(f"/api/v1/forum/threads/{thread.pk}/posts/").json()["results"]
    ]
    assert not any("Message injurieux" in body for body in bodies)


def test_the_live_page_follows_the_session_stream(cotonou):
    # given a live session whose page citizens have read (cached)
    session = LiveSessionLiveFactory(commune=cotonou, title="Reddition de comptes")
    first = Client().get(f"/seances/{session.pk}/").text
    seq_before = int(re.search(r'data-last-seq="(\d+)"', first).group(1))
    # when someone writes in the chat
    chat_send(actor=veteran(), session=session, text="Où en est le marché de Dantokpa ?")
    # then the next anonymous read shows it, with the sequence number the page resumes from
    page = Client().get(f"/seances/{session.pk}/").text
    assert "Où en est le marché de Dantokpa ?" in page
    assert int(re.search(r'data-last-seq="(\d+)"', page).group(1)) > seq_before
    # and when the session ends, the page becomes its archive
    session_end(actor=staff_of(cotonou), session=session)
    assert "Reddition de comptes" in Client().get(f"/seances/{session.pk}/").text
    listed = Client().get("/api/v1/sessions/?commune=cotonou").json()["results"]
    assert [row["status"] for row in listed if row["id"] == session.pk] == ["ended"]


def test_while_one_request_renders_a_sessions_new_state_the_others_get_the_previous_one(cotonou):
    """A busy session's stream moves several times a second: the request that renders its new
    state renders alone, the others meanwhile get the last rendering, which says which ``seq`` it
    is complete up to (the page's socket resumes from there). Commune changes are never served late."""
    session = LiveSessionLiveFactory(commune=cotonou, title="Séance budgétaire")
    citizen = veteran()
    first = Client().get(f"/seances/{session.pk}/").text
    seq = int(re.search(r'data-last-seq="(\d+)"', first).group(1))
    (stream,) = list(readcache.RENDERING._latest)  # the live page's rendering, by stream
    # given a request of this process rendering the page's newer state (claimed here)
    assert readcache.RENDERING.claim(stream)
    chat_send(actor=citizen, session=session, text="Première question")
    # when another citizen arrives meanwhile: the previous rendering, consistent with its seq
    meanwhile = Client().get(f"/seances/{session.pk}/").text
    assert int(re.search(r'data-last-seq="(\d+)"', meanwhile).group(1)) == seq
    assert "Première question" not in meanwhile
    # and once that rendering is done, everyone gets the new state
    readcache.RENDERING.release(stream)
    after = Client().get(f"/seances/{session.pk}/").text
    assert "Première question" in after
    assert int(re.search(r'data-last-seq="(\d+)"', after).group(1)) > seq
    # a change of the commune's content is never served late, even while a rendering is claimed
    (stream,) = [base for base in readcache.RENDERING._latest if base != stream] or [stream]
    readcache.RENDERING.claim(stream)
    session.title = "Séance budgétaire (reportée)"
    session.save()
    assert "Séance budgétaire (reportée)" in Client().get(f"/seances/{session.pk}/").text
    readcache.RENDERING.release(stream)


def test_a_renamed_account_is_renamed_everywhere(cotonou):
    thread = ThreadFactory(category__commune=cotonou, author=veteran(display_name="Ancien nom"))
    PostFactory(thread=thread, author=thread.author)
    assert "Ancien nom" in Client().get(f"/forum/sujets/{thread.pk}/").text
    author = thread.author
    author.display_name = "Nouveau nom"
    author.save()
    page = Client().get(f"/forum/sujets/{thread.pk}/").text
    assert "Nouveau nom" in page
    assert "Ancien nom" not in page


@pytest.fixture
def redis_lost(monkeypatch):
    """This process's Redis client pointed at a port where nothing listens (a real client, a real
    refused connection); the breaker it trips is reset afterwards, for the next tests."""
    import redis

    from hub import overload, redis_client

    with socket_nobody_listens() as port:
        # Made as hub.redis_client makes its client (a pool: a refused connection fails at once).
        pool = redis.ConnectionPool(port=port, socket_timeout=0.5, socket_connect_timeout=0.5)
        lost = redis.Redis(connection_pool=pool)
        yield lambda: monkeypatch.setattr(redis_client, "_client", lost)
    monkeypatch.undo()
    overload.REDIS.succeeded()


@pytest.mark.usefixtures("redis_required")
def test_without_redis_reads_use_the_last_versions_read_then_the_view_never_refused(cotonou, redis_lost):
    """Reads keep answering while Redis is away: from this process's cache under the versions it
    read just before (writes are refused meanwhile, so they are current), else from the view."""
    from hub import overload

    # given a read this process has just answered and cached, and another commune
    PublishedDocumentFactory(commune=cotonou, title="Budget 2026")
    CommuneFactory(slug="porto-novo", name="Porto-Novo")
    Client().get("/api/v1/documents/?commune=cotonou")
    # when Redis goes away
    redis_lost()
    # then the same read is answered from the cache (an ETag), and the outage is known
    cached = Client().get("/api/v1/documents/?commune=cotonou")
    assert cached.status_code == 200 and "ETag" in cached
    assert [row["title"] for row in cached.json()["results"]] == ["Budget 2026"]
    assert not overload.REDIS.up
    # and a read of a commune whose versions this process never read is answered by the view
    other = Client().get("/api/v1/documents/?commune=porto-novo")
    assert other.status_code == 200 and "ETag" not in other
    assert other.json()["results"] == []


@pytest.mark.usefixtures("redis_required")
@pytest.mark.django_db(transaction=True)
def test_without_redis_a_public_change_is_refused_and_nothing_is_saved(cotonou, redis_lost):
    """A change other processes' caches must learn of needs Redis: the service's transaction is
    rolled back and the write refused (the 500 handlers answer it 503 + Retry-After)."""
    from hub.errors import ServiceUnavailable
    from sessions_live.models import ChatMessage, SessionEvent

    session = LiveSessionLiveFactory(commune=cotonou)
    author = UserFactory()
    redis_lost()
    with pytest.raises(ServiceUnavailable):
        chat_send(actor=author, session=session, text="Bonjour")
    assert not ChatMessage.objects.filter(session=session).exists()
    assert not SessionEvent.objects.filter(session=session).exists()


def socket_nobody_listens():
    import contextlib
    import socket

    @contextlib.contextmanager
    def closed_port():
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        yield port

    return closed_port()


def test_the_local_entries_stay_within_their_byte_budget(settings):
    settings.READ_CACHE_MAX_BYTES = 10_000
    cache = readcache.LocalCache()
    for index in range(40):
        entry = readcache.Entry(body=b"x" * 1_000, headers=[], csrf=False, stored=time.monotonic())
        cache.put(str(index), entry)
    assert len(cache) == 10
    assert cache.get("0") is None
    assert cache.get("39") is not None


@pytest.mark.asyncio
@pytest.mark.usefixtures("redis_required")
@pytest.mark.django_db(transaction=True)
async def test_under_asgi_a_hit_is_answered_in_the_event_loop_and_a_change_still_shows():
    """Django's async handler, as uvicorn runs it: the second read is answered by the middleware
    in the event loop (a database query there would raise SynchronousOnlyOperation), and a
    publication is visible at the next read."""
    from asgiref.sync import sync_to_async
    from django.test import AsyncClient

    cotonou = await sync_to_async(CommuneFactory)(slug="cotonou", name="Cotonou")
    staff_member = await sync_to_async(lambda: MembershipFactory(commune=cotonou, role=Role.MAYOR).user)()
    client = AsyncClient()
    first = await client.get("/communes/cotonou/documents/")
    before = readcache.STATS["async_hit"]
    second = await client.get("/communes/cotonou/documents/")
    assert first.status_code == second.status_code == 200
    assert readcache.STATS["async_hit"] == before + 1
    assert second["ETag"]
    # and conditional requests are answered there too
    again = await client.get("/communes/cotonou/documents/", headers={"If-None-Match": second["ETag"]})
    assert again.status_code == 304
    # a publication shows at the next read
    draft = await sync_to_async(DocumentFactory)(commune=cotonou, title="Budget primitif 2027")
    await sync_to_async(DocumentFileFactory)(document=draft)
    await sync_to_async(document_publish)(actor=staff_member, document=draft)
    assert "Budget primitif 2027" in (await client.get("/communes/cotonou/documents/")).content.decode()
