"""The post fragments a thread page fetches for its live updates (``/forum/sujets/<id>/messages/
?apres=<seq>``): every post changed since a number, rendered by the same include as the page, with
the viewer's own actions; a post hidden from the viewer as a ``data-gone`` marker; the number the
answer is complete up to; bad numbers refused; hidden threads not found; queries pinned."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from forums import services
from forums.models import Thread
from frontend.forums.pages.thread import POSTS_PER_FRAGMENT
from tests.factories import CommuneFactory
from tests.factories_forums import CategoryFactory, PostFactory, moderator, staff, veteran

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture
def cotonou():
    return CommuneFactory(slug="cotonou", name="Cotonou")


@pytest.fixture
def thread(cotonou):
    return services.thread_create(
        actor=veteran(),
        commune=cotonou,
        category=CategoryFactory(commune=cotonou, slug="eau"),
        title="Un forage en panne",
        body="Le forage du quartier est en panne.",
        kind="proposal",
    )


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def article(html: str, post_id: int) -> str:
    """One post's <article> in a page or fragment, with its CSRF tokens (masked anew on every
    render) made equal."""
    start = html.index(f'id="message-{post_id}"')
    start = html.rindex("<article", 0, start)
    return CSRF.sub('name="csrfmiddlewaretoken" value="…"', html[start : html.index("</article>", start)])


def fragment(client: Client, thread: Thread, after: object) -> tuple[int, str]:
    response = client.get(f"/forum/sujets/{thread.pk}/messages/", {"apres": after})
    return response.status_code, response.content.decode()


def test_a_fragment_post_is_the_post_the_page_shows_to_each_viewer(cotonou, thread):
    # given a reply with a quote, a reply by the viewer, and viewers with different rights
    author = veteran()
    first = services.post_create(actor=author, thread=thread, body="Il faut une **pompe** neuve")
    mine_author = veteran()
    mine = services.post_create(actor=mine_author, thread=thread, body="D'accord", quote_of=first.pk)
    viewers = [Client(), signed_in(veteran()), signed_in(mine_author), signed_in(moderator(cotonou))]
    for client in viewers:
        # when the page and the fragment since the thread's start are rendered for the same viewer
        page = client.get(f"/forum/sujets/{thread.pk}/").content.decode()
        status, html = fragment(client, thread, 1)
        # then each post is the same markup, actions included
        assert status == 200
        for post in (first, mine):
            assert article(html, post.pk) == article(page, post.pk)
    # and the viewer's own post has edit and delete, another's a flag form
    _status, html = fragment(viewers[2], thread, 1)
    assert f"/forum/messages/{mine.pk}/modifier/" in article(html, mine.pk)
    assert 'value="delete"' in article(html, mine.pk) and "forum-flag" in article(html, first.pk)
    assert "data-quote=" not in article(fragment(viewers[0], thread, 1)[1], first.pk)  # anonymous


def test_only_posts_changed_since_the_number_come_with_the_number_reached(cotonou, thread):
    # given two replies, the first edited later
    first = services.post_create(actor=veteran(), thread=thread, body="Premier")
    second = services.post_create(actor=veteran(), thread=thread, body="Second")
    services.post_edit(actor=first.author, post=first, body="Premier, corrigé")
    thread.refresh_from_db()
    # when the page asks for what changed after the second reply
    status, html = fragment(Client(), thread, second.seq)
    # then only the edited one comes, and the number reached is the thread's
    assert status == 200
    assert f'data-seq="{thread.event_seq}"' in html.split(">", 1)[0]
    assert f'id="message-{first.pk}"' in html and f'id="message-{second.pk}"' not in html
    assert "Premier, corrigé" in html
    # and nothing after the thread's number
    status, html = fragment(Client(), thread, thread.event_seq)
    assert status == 200 and "<article" not in html


def test_a_hidden_post_is_a_marker_for_the_public_and_itself_for_moderators(cotonou, thread):
    # given a reply hidden by a moderator and one deleted by its author
    hidden = services.post_create(actor=veteran(), thread=thread, body="Propos abusifs")
    mod_user = moderator(cotonou)
    services.content_hide(actor=mod_user, thread=thread, post=hidden, reason="Insultes")
    deleted = services.post_create(actor=veteran(), thread=thread, body="Je retire")
    services.post_delete(actor=deleted.author, post=deleted)
    # when the public asks for the changes
    _status, html = fragment(Client(), thread, 1)
    # then the hidden one is only a marker, the deleted one its placeholder, as on the page
    assert f'<template data-gone="{hidden.pk}"></template>' in html and "Propos abusifs" not in html
    assert "Insultes" not in html and "Je retire" not in html
    assert article(html, deleted.pk) == article(
        Client().get(f"/forum/sujets/{thread.pk}/").content.decode(), deleted.pk
    )
    # and a moderator gets the hidden post itself, with its reason and the restore button
    mod = signed_in(mod_user)
    _status, html = fragment(mod, thread, 1)
    post = article(html, hidden.pk)
    assert "Propos abusifs" in post and "Insultes" in post and 'value="restore"' in post
    assert post == article(mod.get(f"/forum/sujets/{thread.pk}/").content.decode(), hidden.pk)


def test_the_fragment_names_the_official_answer(cotonou, thread):
    # given no answer yet: the attribute is empty
    assert 'data-answer=""' in fragment(Client(), thread, 0)[1]
    # when the town hall answers officially
    answer = services.post_create(actor=staff(cotonou), thread=thread, body="Réponse", official=True)
    # then the fragment names it, and it is the post of the answer section
    _status, html = fragment(Client(), thread, 1)
    assert f'data-answer="{answer.pk}"' in html and "forum-post--official" in article(html, answer.pk)


def test_a_long_absence_comes_in_pages_that_say_where_they_stop(cotonou, thread):
    # given more changed posts than one fragment holds
    for n in range(POSTS_PER_FRAGMENT + 5):
        services.post_create(actor=veteran(), thread=thread, body=f"Réponse {n}")
    thread.refresh_from_db()
    # when the page asks from the start
    _status, html = fragment(Client(), thread, 1)
    # then it gets one page, numbered with its last post's number, and the rest after it
    assert html.count("<article") == POSTS_PER_FRAGMENT
    reached = int(re.search(r'data-seq="(\d+)"', html).group(1))
    assert reached < thread.event_seq
    _status, rest = fragment(Client(), thread, reached)
    assert rest.count("<article") == 5 and f'data-seq="{thread.event_seq}"' in rest


@pytest.mark.parametrize("value", [None, "", "abc", "-1", "1e3", "99999999999999999999", "٣"])
def test_a_missing_or_malformed_number_is_a_bad_request(thread, value):
    params = {} if value is None else {"apres": value}
    response = Client().get(f"/forum/sujets/{thread.pk}/messages/", params)
    assert response.status_code == 400


def test_hidden_or_unknown_threads_are_not_found_and_writes_are_refused(cotonou, thread):
    services.content_hide(actor=moderator(cotonou), thread=thread, reason="Hors sujet")
    assert fragment(Client(), thread, 0)[0] == 404
    assert Client().get("/forum/sujets/999999/messages/", {"apres": 0}).status_code == 404
    assert fragment(signed_in(moderator(cotonou)), thread, 0)[0] == 200
    assert Client().post(f"/forum/sujets/{thread.pk}/messages/?apres=0").status_code == 405


def test_the_fragment_is_not_cached_and_its_queries_are_pinned(
    cotonou, thread, django_assert_max_num_queries
):
    for n in range(10):
        post = PostFactory(thread=thread, author=veteran(), seq=10 + n)
        post.attachments.create(file="forums/x.jpg", width=10, height=10, size=1, content_type="image/jpeg")
    Thread.objects.filter(pk=thread.pk).update(event_seq=30)
    client = signed_in(veteran())
    client.get(f"/forum/sujets/{thread.pk}/")  # the session and its user are warm
    # the session, its user, the thread, the moderator check, the posts, their photos, and the
    # unread count of the notifications' context processor
    with django_assert_max_num_queries(7):
        response = client.get(f"/forum/sujets/{thread.pk}/messages/", {"apres": 1})
    assert response.status_code == 200 and response.content.decode().count("<article") == 10
    assert "no-store" in response["Cache-Control"]
