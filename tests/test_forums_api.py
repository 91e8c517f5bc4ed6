"""Forum API: the bad inputs of issue 4 (each with its status and error body), cursor pagination
and its tampering, filters and orderings, constant query counts, concurrent supports, the schema."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from django.db import connection
from rest_framework.test import APIClient

from forums import services
from forums.models import Post, Support, Thread
from hub.models import Role, User
from tests.factories import CommuneFactory, UserFactory
from tests.factories_forums import (
    CategoryFactory,
    PostFactory,
    SupportFactory,
    ThreadFactory,
    moderator,
    staff,
    veteran,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cotonou():
    return CommuneFactory(slug="cotonou", name="Cotonou")


@pytest.fixture
def category(cotonou):
    return CategoryFactory(commune=cotonou, slug="voirie", name="Voirie")


@pytest.fixture
def thread(cotonou, category):
    return services.thread_create(
        actor=veteran(),
        commune=cotonou,
        category=category,
        title="Route du marché",
        body="Des trous.",
        kind="proposal",
    )


def client_for(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def reply(client, thread, **body):
    return client.post(f"/api/v1/forum/threads/{thread.pk}/posts/", body, format="json")


# --- The flow ----------------------------------------------------------------------------------------


def test_a_citizen_opens_a_proposal_others_support_and_the_town_hall_answers(cotonou, category):
    # given a citizen, a supporter and the mayor
    author, supporter, mayor = client_for(veteran()), client_for(veteran()), client_for(staff(cotonou))
    # when the citizen opens a proposal
    created = author.post(
        "/api/v1/communes/cotonou/forum/threads/",
        {"category": "voirie", "title": "Des lampadaires", "body": "Rue **sombre**", "kind": "proposal"},
        format="json",
    )
    assert created.status_code == 201, created.content
    thread_id = created.json()["id"]
    assert created.json()["proposal_status"] == "submitted"
    # and another supports it and replies
    assert supporter.post(f"/api/v1/forum/threads/{thread_id}/support/").json() == {
        "supported": True,
        "support_count": 1,
    }
    assert (
        supporter.post(
            f"/api/v1/forum/threads/{thread_id}/posts/", {"body": "Oui !"}, format="json"
        ).status_code
        == 201
    )
    # and the mayor answers officially then accepts it
    answer = mayor.post(
        f"/api/v1/forum/threads/{thread_id}/posts/", {"body": "Accepté", "official": True}, format="json"
    )
    assert answer.status_code == 201 and answer.json()["is_official"]
    status = mayor.post(
        f"/api/v1/forum/threads/{thread_id}/proposal-status/", {"proposal_status": "accepted"}, format="json"
    )
    assert status.status_code == 200
    # then the public sees the answered, accepted proposal with its official answer first
    detail = client_for().get(f"/api/v1/forum/threads/{thread_id}/").json()
    assert (detail["status"], detail["proposal_status"], detail["support_count"]) == (
        "answered",
        "accepted",
        1,
    )
    assert detail["official_answer"]["body_html"] == "<p>Accepté</p>"
    posts = client_for().get(f"/api/v1/forum/threads/{thread_id}/posts/").json()["results"]
    assert [p["is_opening"] for p in posts] == [True, False, False]


# --- Bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["", "x" * 100_000])
def test_an_empty_or_100kb_body_is_400(thread, body):
    response = reply(client_for(veteran()), thread, body=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid" and "body" in response.json()["error"]["fields"]
    assert Post.objects.filter(thread=thread).count() == 1


def test_posting_in_a_locked_thread_is_409(thread, cotonou):
    assert (
        client_for(moderator(cotonou))
        .post(f"/api/v1/forum/threads/{thread.pk}/lock/", {"locked": True}, format="json")
        .status_code
        == 200
    )
    response = reply(client_for(veteran()), thread, body="Encore")
    assert response.status_code == 409 and response.json()["error"]["code"] == "thread_locked"


def test_supporting_twice_gives_one_support(thread):
    client = client_for(veteran())
    for _attempt in range(2):
        assert client.post(f"/api/v1/forum/threads/{thread.pk}/support/").status_code == 200
    thread.refresh_from_db()
    assert thread.support_count == 1 and Support.objects.filter(thread=thread).count() == 1
    assert client.delete(f"/api/v1/forum/threads/{thread.pk}/support/").json()["support_count"] == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_supports_by_one_user_give_one_row():
    # given a thread and one citizen sending the same support four times at once
    commune = CommuneFactory(slug="cotonou")
    thread = ThreadFactory(category=CategoryFactory(commune=commune))
    citizen = veteran()
    barrier = threading.Barrier(4)
    statuses = []

    def support():
        try:
            client = client_for(citizen)
            barrier.wait(timeout=10)
            statuses.append(client.post(f"/api/v1/forum/threads/{thread.pk}/support/").status_code)
        finally:
            connection.close()

    workers = [threading.Thread(target=support) for _index in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    # then every request succeeded and there is one support, counted once
    assert statuses == [200, 200, 200, 200]
    thread.refresh_from_db()
    assert Support.objects.filter(thread=thread).count() == 1 and thread.support_count == 1


def test_a_muted_user_posting_is_403_with_the_end_of_the_mute(thread, cotonou):
    citizen = veteran()
    muted = client_for(moderator(cotonou)).post(
        "/api/v1/communes/cotonou/forum/mutes/",
        {"user": citizen.pk, "days": 2, "reason": "Insultes"},
        format="json",
    )
    assert muted.status_code == 201
    response = reply(client_for(citizen), thread, body="Coucou")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "muted"
    assert datetime.fromisoformat(error["until"]) == datetime.fromisoformat(muted.json()["until"])
    assert "until" in error["message"] or "jusqu" in error["message"]


def test_flagging_ones_own_post_is_400(thread):
    response = client_for(thread.author).post(
        f"/api/v1/forum/threads/{thread.pk}/flags/", {"reason": "spam"}, format="json"
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "flag_own_content"


def test_a_script_or_javascript_link_is_rendered_inert(thread):
    body = "<script>alert('x')</script>\n\n[gagner](javascript:alert(1)) <img src=x onerror=alert(1)>"
    created = reply(client_for(veteran()), thread, body=body).json()
    html = created["body_html"]
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html


def test_a_citizen_setting_an_official_status_is_403(thread):
    citizen = client_for(veteran())
    assert (
        citizen.post(
            f"/api/v1/forum/threads/{thread.pk}/status/", {"status": "closed"}, format="json"
        ).status_code
        == 403
    )
    assert (
        citizen.post(
            f"/api/v1/forum/threads/{thread.pk}/proposal-status/",
            {"proposal_status": "accepted"},
            format="json",
        ).status_code
        == 403
    )
    assert reply(citizen, thread, body="Officiel", official=True).status_code == 403


def test_staff_of_commune_a_answering_in_commune_b_is_403(thread):
    other = client_for(staff(CommuneFactory(slug="abomey-calavi")))
    response = reply(other, thread, body="Réponse", official=True)
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"


def test_moderation_of_another_commune_is_403(thread):
    other = client_for(moderator(CommuneFactory(slug="abomey-calavi")))
    assert other.post(f"/api/v1/forum/threads/{thread.pk}/hide/", {}, format="json").status_code == 403
    assert other.get("/api/v1/communes/cotonou/forum/moderation/").status_code == 403


@pytest.mark.parametrize("cursor", ["nope", "WyJ4IiwieSJd", "eyJhIjoxfQ", "W251bGwsLTFd", "%%%"])
def test_a_tampered_cursor_is_400(thread, cursor):
    response = client_for().get("/api/v1/forum/threads/", {"cursor": cursor, "sort": "supported"})
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_cursor"
    response = client_for().get("/api/v1/forum/threads/", {"cursor": cursor})
    assert response.status_code == 400


def test_anonymous_writes_are_401(thread):
    assert reply(client_for(), thread, body="x").status_code in (401, 403)
    assert client_for().post(f"/api/v1/forum/threads/{thread.pk}/support/").status_code in (401, 403)


def test_unknown_filters_are_400():
    assert client_for().get("/api/v1/forum/threads/", {"sort": "random"}).status_code == 400
    assert client_for().get("/api/v1/forum/threads/", {"page_size": 1000}).status_code == 400


# --- Lists -------------------------------------------------------------------------------------------


def test_pages_follow_the_cursor_without_gaps_or_duplicates(cotonou, category):
    threads = [ThreadFactory(category=category, support_count=i % 3) for i in range(7)]
    for sort in ("recent", "supported", "unanswered"):
        seen, url = [], "/api/v1/forum/threads/?commune=cotonou&page_size=3&sort=" + sort
        while url:
            body = client_for().get(url).json()
            seen += [t["id"] for t in body["results"]]
            url = body["next"]
        assert sorted(seen) == sorted(t.pk for t in threads) and len(seen) == 7, sort
    supported = client_for().get("/api/v1/forum/threads/?sort=supported").json()["results"]
    assert [t["support_count"] for t in supported] == sorted(
        (t["support_count"] for t in supported), reverse=True
    )


def test_filters_and_hidden_threads(cotonou, category):
    author = veteran()
    ThreadFactory(category=category, kind="proposal", title="Lampadaires rue 12", author=author)
    ThreadFactory(category=category, kind="question", title="Marché fermé ?")
    ThreadFactory(category=category, hidden=True, title="Spam caché")
    ThreadFactory(category=CategoryFactory(), title="Ailleurs")
    api = client_for()

    def titles(**params):
        return {t["title"] for t in api.get("/api/v1/forum/threads/", params).json()["results"]}

    assert titles(commune="cotonou") == {"Lampadaires rue 12", "Marché fermé ?"}
    assert titles(commune="cotonou", kind="proposal") == {"Lampadaires rue 12"}
    assert titles(q="marché") == {"Marché fermé ?"}
    assert titles(author=author.pk) == {"Lampadaires rue 12"}
    assert titles(commune="cotonou", category="voirie", status="open") == {
        "Lampadaires rue 12",
        "Marché fermé ?",
    }


def test_a_hidden_post_is_absent_from_the_api_and_a_hidden_thread_is_404(thread, cotonou):
    post = reply(client_for(veteran()), thread, body="Insulte").json()
    mod = client_for(moderator(cotonou))
    assert (
        mod.post(f"/api/v1/forum/threads/{thread.pk}/hide/", {"post": post["id"]}, format="json").status_code
        == 204
    )
    public = client_for().get(f"/api/v1/forum/threads/{thread.pk}/posts/").json()["results"]
    assert post["id"] not in [p["id"] for p in public]
    queue = mod.get("/api/v1/communes/cotonou/forum/moderation/").json()
    assert [p["id"] for p in queue["posts"]] == [post["id"]]
    assert mod.post(f"/api/v1/forum/threads/{thread.pk}/hide/", {}, format="json").status_code == 204
    assert client_for().get(f"/api/v1/forum/threads/{thread.pk}/").status_code == 404
    assert client_for().get("/api/v1/forum/threads/", {"commune": "cotonou"}).json()["results"] == []


def test_the_catch_up_returns_every_post_changed_since_a_sequence_number(thread):
    citizen = veteran()
    first = reply(client_for(citizen), thread, body="Un").json()
    client_for(citizen).patch(f"/api/v1/forum/posts/{first['id']}/", {"body": "Un (corrigé)"}, format="json")
    second = reply(client_for(veteran()), thread, body="Deux").json()
    client_for(citizen).delete(f"/api/v1/forum/posts/{first['id']}/")
    changes = (
        client_for().get(f"/api/v1/forum/threads/{thread.pk}/posts/", {"after_seq": 1}).json()["results"]
    )
    assert [(p["id"], p["removed"]) for p in changes] == [(second["id"], False), (first["id"], True)]
    assert [p["seq"] for p in changes] == sorted(p["seq"] for p in changes)


def _seed_threads(commune, count):
    category = CategoryFactory(commune=commune, slug="eau")
    for index in range(count):
        thread = ThreadFactory(category=category)
        PostFactory(thread=thread, is_opening=True)
        if index % 2:
            SupportFactory(thread=thread)


@pytest.mark.parametrize("sort", ["recent", "supported", "unanswered"])
def test_thread_list_query_count_is_constant(cotonou, django_assert_num_queries, sort):
    # given 30 threads and a signed-in reader (their supports are part of the rows)
    _seed_threads(cotonou, 30)
    reader = client_for(veteran())
    # then a page of 5 and a page of 25 cost the same: commune, threads
    for size in (5, 25):
        with django_assert_num_queries(2):
            body = reader.get(
                "/api/v1/forum/threads/", {"commune": "cotonou", "sort": sort, "page_size": size}
            ).json()
        assert len(body["results"]) == size


def test_post_list_query_count_is_constant(thread, django_assert_num_queries):
    for _index in range(3):
        reply(client_for(veteran()), thread, body="court")
    reader_id = veteran().pk  # signed in: not served from the cache

    def reader_client():  # a fresh user object per request, as in real requests
        return client_for(User.objects.get(pk=reader_id))

    # thread, the reader's roles (moderators see hidden posts), posts, their photos
    reader = reader_client()
    with django_assert_num_queries(4):
        small = reader.get(f"/api/v1/forum/threads/{thread.pk}/posts/").json()
    for _index in range(20):
        PostFactory(thread=thread)
    reader = reader_client()
    with django_assert_num_queries(4):
        large = reader.get(f"/api/v1/forum/threads/{thread.pk}/posts/").json()
    assert (len(small["results"]), len(large["results"])) == (4, 24)


def test_categories_and_the_schema(cotonou, category):
    assert [c["slug"] for c in client_for().get("/api/v1/communes/cotonou/forum/categories/").json()] == [
        "voirie"
    ]
    mayor = client_for(staff(cotonou))
    assert (
        mayor.post("/api/v1/communes/cotonou/forum/categories/", {"name": "Santé"}, format="json").status_code
        == 201
    )
    assert (
        client_for(veteran())
        .post("/api/v1/communes/cotonou/forum/categories/", {"name": "X"}, format="json")
        .status_code
        == 403
    )
    schema = client_for(UserFactory(is_staff=True)).get("/api/v1/schema/")
    if schema.status_code == 200:
        text = schema.content.decode()
        assert "/api/v1/forum/threads/{thread_id}/posts/" in text


def test_a_councillor_is_staff_but_not_a_moderator(thread, cotonou):
    councillor = client_for(staff(cotonou, Role.COUNCILLOR))
    assert (
        councillor.post(
            f"/api/v1/forum/threads/{thread.pk}/status/", {"status": "closed"}, format="json"
        ).status_code
        == 200
    )
    assert (
        councillor.post(
            f"/api/v1/forum/threads/{thread.pk}/lock/", {"locked": True}, format="json"
        ).status_code
        == 403
    )
    assert Thread.objects.get(pk=thread.pk).status == "closed"


# --- Cached anonymous reads ---------------------------------------------------------------------------


def test_anonymous_reads_are_cached_and_every_write_invalidates_them(
    thread, cotonou, django_assert_num_queries
):
    # given an anonymous visitor who read the list, the thread and its posts once
    api = client_for()
    list_url, posts_url = (
        "/api/v1/forum/threads/?commune=cotonou",
        f"/api/v1/forum/threads/{thread.pk}/posts/",
    )
    first = api.get(list_url).json()
    api.get(posts_url)
    api.get(f"/api/v1/forum/threads/{thread.pk}/")
    # when they read again: no database query at all
    with django_assert_num_queries(0):
        assert api.get(list_url).json() == first
        api.get(posts_url)
        api.get(f"/api/v1/forum/threads/{thread.pk}/")
    # when someone replies, supports, and a moderator hides the reply
    post = services.post_create(actor=veteran(), thread=thread, body="Nouveau")
    assert [p["id"] for p in api.get(posts_url).json()["results"]][-1] == post.pk
    services.support_set(actor=veteran(), thread=thread, supported=True)
    assert api.get(list_url).json()["results"][0]["support_count"] == 1
    assert api.get(f"/api/v1/forum/threads/{thread.pk}/").json()["support_count"] == 1
    services.content_hide(actor=moderator(cotonou), thread=thread, post=post, reason="x")
    assert post.pk not in [p["id"] for p in api.get(posts_url).json()["results"]]
    # then hiding the thread removes it from the cached list and its cached page at once
    services.content_hide(actor=moderator(cotonou), thread=thread, reason="x")
    assert api.get(list_url).json()["results"] == []
    assert api.get(f"/api/v1/forum/threads/{thread.pk}/").status_code == 404


def test_signed_in_readers_are_not_served_from_the_cache(thread):
    reader = veteran()
    client_for().get("/api/v1/forum/threads/?commune=cotonou")
    client_for(reader).post(f"/api/v1/forum/threads/{thread.pk}/support/")
    mine = client_for(reader).get("/api/v1/forum/threads/?commune=cotonou").json()["results"][0]
    assert mine["supported"] is True
    assert (
        client_for().get("/api/v1/forum/threads/?commune=cotonou").json()["results"][0]["supported"] is False
    )


def test_numbers_past_any_database_id_are_400(thread):
    huge = str(10**23)
    assert client_for().get("/api/v1/forum/threads/", {"author": huge}).status_code == 400
    posts = client_for().get(f"/api/v1/forum/threads/{thread.pk}/posts/", {"after_seq": huge})
    assert posts.status_code == 400
