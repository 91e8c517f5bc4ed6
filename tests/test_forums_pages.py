"""Forum pages without JavaScript: lists, new thread form, thread page, replies, supports, flags,
staff status and moderation all work with POST + redirect; hidden content is gone for the public;
the moderator queue is for the commune's moderators only; the demo data loads twice safely."""

from __future__ import annotations

import pytest
from django.test import Client

from forums import services
from forums.demo import demo_load
from forums.models import Category, Post, Thread
from tests.factories import CommuneFactory
from tests.factories_forums import CategoryFactory, moderator, staff, veteran

pytestmark = pytest.mark.django_db


@pytest.fixture
def cotonou():
    return CommuneFactory(slug="cotonou", name="Cotonou")


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_forum_pages_list_categories_and_threads(cotonou):
    # given a commune without categories yet
    # when the forum is opened: categories are seeded
    page = Client().get("/communes/cotonou/forum/")
    assert page.status_code == 200 and Category.objects.filter(commune=cotonou).count() == 8
    assert "Forum" in page.content.decode()
    thread = services.thread_create(
        actor=veteran(),
        commune=cotonou,
        category=Category.objects.get(commune=cotonou, slug="voirie"),
        title="Trous partout",
        body="b",
        kind="concern",
    )
    listing = Client().get("/communes/cotonou/forum/voirie/", {"tri": "supported", "type": "concern"})
    assert "Trous partout" in listing.content.decode()
    assert Client().get(f"/forum/sujets/{thread.pk}/").status_code == 200
    assert Client().get("/forum/").status_code == 200
    assert Client().get("/communes/cotonou/forum/inconnue/").status_code == 404


def test_a_citizen_opens_a_thread_and_replies_without_javascript(cotonou):
    CategoryFactory(commune=cotonou, slug="eau", name="Eau")
    citizen = signed_in(veteran())
    # when: the new-thread form
    response = citizen.post(
        "/communes/cotonou/forum/nouveau/",
        {"category": "eau", "kind": "proposal", "title": "Un forage", "body": "Au quartier"},
    )
    thread = Thread.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/forum/sujets/{thread.pk}/"
    # and a reply, a support, a flag by someone else
    other = signed_in(veteran())
    reply = other.post(f"/forum/sujets/{thread.pk}/repondre/", {"body": "D'accord **oui**"})
    assert reply.status_code == 302 and "#message-" in reply["Location"]
    other.post(f"/forum/sujets/{thread.pk}/soutenir/", {"supported": "1"})
    other.post(f"/forum/sujets/{thread.pk}/signaler/", {"reason": "off_topic"})
    thread.refresh_from_db()
    assert (thread.post_count, thread.support_count, thread.flag_count) == (2, 1, 1)
    page = other.get(f"/forum/sujets/{thread.pk}/").content.decode()
    assert "<strong>oui</strong>" in page and 'aria-pressed="true"' in page


def test_form_errors_are_shown_and_nothing_is_lost(cotonou):
    CategoryFactory(commune=cotonou, slug="eau")
    citizen = signed_in(veteran())
    response = citizen.post(
        "/communes/cotonou/forum/nouveau/",
        {"category": "eau", "kind": "question", "title": "Ok titre", "body": ""},
    )
    assert response.status_code == 400 and not Thread.objects.exists()
    thread = services.thread_create(
        actor=veteran(),
        commune=cotonou,
        category=Category.objects.get(slug="eau"),
        title="Un titre",
        body="b",
        kind="question",
    )
    services.thread_lock_set(actor=moderator(cotonou), thread=thread, locked=True)
    response = citizen.post(f"/forum/sujets/{thread.pk}/repondre/", {"body": "Encore"}, follow=True)
    assert "verrouill" in response.content.decode() or "locked" in response.content.decode()
    assert Post.objects.filter(thread=thread).count() == 1


def test_staff_answer_and_moderators_hide_from_the_pages(cotonou):
    category = CategoryFactory(commune=cotonou, slug="eau")
    thread = services.thread_create(
        actor=veteran(), commune=cotonou, category=category, title="Un titre", body="b", kind="proposal"
    )
    abusive = services.post_create(actor=veteran(), thread=thread, body="Propos abusifs")
    mayor = signed_in(staff(cotonou))
    mayor.post(f"/forum/sujets/{thread.pk}/repondre/", {"body": "Réponse officielle", "official": "on"})
    mayor.post(f"/forum/sujets/{thread.pk}/statut/", {"proposal_status": "rejected", "reason": "Trop cher"})
    thread.refresh_from_db()
    assert thread.official_answer_id and (thread.proposal_status, thread.status_reason) == (
        "rejected",
        "Trop cher",
    )
    # the official answer is shown once, first; the supports counted in good French
    page = Client().get(f"/forum/sujets/{thread.pk}/").content.decode()
    assert page.count(f'id="message-{thread.official_answer_id}"') == 1
    assert page.index("Réponse officielle") < page.index("Propos abusifs")
    assert "0 soutien<" in page
    services.support_set(actor=veteran(), thread=thread, supported=True)
    assert "1 soutien<" in Client().get(f"/forum/sujets/{thread.pk}/").content.decode()
    services.support_set(actor=veteran(), thread=thread, supported=True)
    assert "2 soutiens<" in Client().get(f"/forum/sujets/{thread.pk}/").content.decode()
    mod_user = moderator(cotonou)
    mod = signed_in(mod_user)
    mod.post(f"/forum/sujets/{thread.pk}/moderer/", {"action": "hide", "post": abusive.pk})
    assert "Propos abusifs" not in Client().get(f"/forum/sujets/{thread.pk}/").content.decode()
    queue = mod.get("/communes/cotonou/forum/moderation/")
    assert queue.status_code == 200 and "Propos abusifs" in queue.content.decode()
    muted = mod.post(
        "/communes/cotonou/forum/moderation/",
        {"user": abusive.author_id, "days": 3, "reason": "Insultes"},
        follow=True,
    )
    assert muted.status_code == 200
    assert signed_in(veteran()).get("/communes/cotonou/forum/moderation/").status_code == 403
    other_mod = signed_in(moderator(CommuneFactory(slug="ouidah")))
    assert other_mod.get("/communes/cotonou/forum/moderation/").status_code == 403
    assert other_mod.post(f"/forum/sujets/{thread.pk}/moderer/", {"action": "lock"}).status_code == 403


def test_anonymous_writes_go_to_the_sign_in_page(cotonou):
    thread = services.thread_create(
        actor=veteran(),
        commune=cotonou,
        category=CategoryFactory(commune=cotonou),
        title="Un titre",
        body="b",
        kind="question",
    )
    response = Client().post(f"/forum/sujets/{thread.pk}/repondre/", {"body": "x"})
    assert response.status_code == 302 and "/connexion/" in response["Location"]


def test_the_demo_data_loads_twice_safely(reference_data):
    from hub.demo_data import demo_data_load

    demo_data_load()
    first = demo_load()
    second = demo_load()
    assert "discussions" in first and second.endswith("0 discussions")
    proposal = Thread.objects.get(commune__slug="cotonou", kind="proposal")
    assert (
        proposal.support_count == 1
        and proposal.official_answer_id
        and proposal.proposal_status == "under_study"
    )
    assert Thread.objects.filter(commune__slug="akpro-misserete").count() == 3


def test_the_author_edits_a_message_from_its_page(cotonou):
    # given a reply by a citizen
    thread = services.thread_create(
        actor=veteran(),
        commune=cotonou,
        category=CategoryFactory(commune=cotonou),
        title="Un titre",
        body="b",
        kind="question",
    )
    author = veteran()
    post = services.post_create(actor=author, thread=thread, body="Premier jet")
    client = signed_in(author)
    # when they edit it through the form
    assert client.get(f"/forum/messages/{post.pk}/modifier/").status_code == 200
    response = client.post(f"/forum/messages/{post.pk}/modifier/", {"body": "Version *corrigée*"})
    # then the thread shows the new text, marked as edited; the old one is in the history
    assert response.status_code == 302
    page = client.get(f"/forum/sujets/{thread.pk}/").content.decode()
    assert "<em>corrigée</em>" in page and "Premier jet" not in page
    assert post.revisions.get().body == "Premier jet"
    # and nobody else may edit it; an empty text is refused
    assert signed_in(veteran()).get(f"/forum/messages/{post.pk}/modifier/").status_code == 403
    assert client.post(f"/forum/messages/{post.pk}/modifier/", {"body": ""}).status_code == 400


def _reply_page(response):
    """The reply form of a page shown again: its text, its error and the link between them."""
    html = response.content.decode()
    start = html.index('<textarea id="id_body"')
    textarea = html[start : html.index("</textarea>", start)]
    return html, textarea


def test_a_refused_reply_comes_back_with_the_typed_text_and_the_reason_next_to_it(cotonou):
    from tests.factories import UserFactory

    category = CategoryFactory(commune=cotonou, slug="eau")
    thread = services.thread_create(
        actor=veteran(), commune=cotonou, category=category, title="Un titre", body="b", kind="question"
    )
    citizen_user = veteran()
    citizen = signed_in(citizen_user)
    # when the body is too long: 400, the text is given back, the error is tied to the field
    long_body = "Trop long " * 2001
    response = citizen.post(f"/forum/sujets/{thread.pk}/repondre/", {"body": long_body})
    html, textarea = _reply_page(response)
    assert response.status_code == 400
    assert long_body.strip() in textarea and 'aria-describedby="id_body-error"' in textarea
    assert 'id="id_body-error"' in html
    # when a new account posts a link: 403, the text stays
    newcomer = signed_in(UserFactory())
    link = "Voir https://exemple.bj/carte pour la carte"
    response = newcomer.post(f"/forum/sujets/{thread.pk}/repondre/", {"body": link})
    html, textarea = _reply_page(response)
    assert response.status_code == 403 and link in textarea and 'id="id_body-error"' in html
    # when the thread is locked: 409, the text stays
    services.thread_lock_set(actor=moderator(cotonou), thread=thread, locked=True)
    response = citizen.post(f"/forum/sujets/{thread.pk}/repondre/", {"body": "Mon texte gardé"})
    html, textarea = _reply_page(response)
    assert response.status_code == 409 and "Mon texte gardé" in textarea
    assert "verrouill" in html[html.index('id="id_body-error"') :][:400]
    services.thread_lock_set(actor=moderator(cotonou), thread=thread, locked=False)
    # when the citizen is muted: 403, the text stays
    services.user_mute(actor=moderator(cotonou), commune=cotonou, user=citizen_user, days=1, reason="Calme")
    response = citizen.post(f"/forum/sujets/{thread.pk}/repondre/", {"body": "Texte muet"})
    html, textarea = _reply_page(response)
    assert response.status_code == 403 and "Texte muet" in textarea and 'id="id_body-error"' in html
    # an out-of-range quote is refused like any bad field, text kept
    other = signed_in(veteran())
    response = other.post(
        f"/forum/sujets/{thread.pk}/repondre/", {"body": "Avec citation", "quote_of": "9" * 30}
    )
    html, textarea = _reply_page(response)
    assert response.status_code == 400 and "Avec citation" in textarea
    assert Post.objects.filter(thread=thread).count() == 1


def test_a_refused_new_thread_keeps_its_text_and_points_to_the_error(cotonou):
    from tests.factories import UserFactory

    CategoryFactory(commune=cotonou, slug="eau")
    newcomer = signed_in(UserFactory())
    body = "Regardez https://exemple.bj/photo du forage"
    response = newcomer.post(
        "/communes/cotonou/forum/nouveau/",
        {"category": "eau", "kind": "question", "title": "Un forage en panne", "body": body},
    )
    html = response.content.decode()
    assert response.status_code == 403 and body in html and not Thread.objects.exists()
    assert 'aria-describedby="id_body-error"' in html and 'id="id_body-error"' in html


@pytest.mark.parametrize("value", ["99999999999999999999999", "-5", "abc", "1e9", "٣", ""])
def test_integer_query_parameters_out_of_range_or_malformed_are_ignored(cotonou, value):
    CategoryFactory(commune=cotonou, slug="voirie")
    thread = services.thread_create(
        actor=veteran(),
        commune=cotonou,
        category=Category.objects.get(slug="voirie"),
        title="Trous partout",
        body="b",
        kind="concern",
    )
    listing = Client().get("/communes/cotonou/forum/voirie/", {"depuis": value})
    assert listing.status_code == 200 and "Trous partout" in listing.content.decode()
    page = signed_in(veteran()).get(f"/forum/sujets/{thread.pk}/", {"citer": value})
    assert page.status_code == 200
    flag = signed_in(veteran()).post(
        f"/forum/sujets/{thread.pk}/signaler/", {"reason": "spam", "post": value}
    )
    assert flag.status_code in (302, 404)
