"""A forum reply sent again with the same idempotency key (a reply queued offline and resent, a
retry after a lost answer) is made once, by the service, the API and the page alike."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from forums import services
from forums.models import Post
from tests.factories import CommuneFactory
from tests.factories_forums import CategoryFactory, veteran

pytestmark = pytest.mark.django_db

KEY = "7f0c1c2e-3b7a-4d55-9a8e-5f1f0d8c9a10"


@pytest.fixture
def thread():
    commune = CommuneFactory(slug="cotonou", name="Cotonou")
    category = CategoryFactory(commune=commune, slug="voirie", name="Voirie")
    return services.thread_create(
        actor=veteran(),
        commune=commune,
        category=category,
        title="Route du marché",
        body="Des trous.",
        kind="question",
    )


def api_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def replies(thread, author):
    return Post.objects.filter(thread=thread, author=author, is_opening=False)


def test_the_same_key_twice_makes_one_reply(thread):
    # given a citizen
    citizen = veteran()
    # when the same reply is sent twice with the same key
    first = services.post_create(
        actor=citizen, thread=thread, body="Le marché ferme à 18 h ?", idempotency_key=KEY
    )
    again = services.post_create(
        actor=citizen, thread=thread, body="Le marché ferme à 18 h ?", idempotency_key=KEY
    )
    # then one reply exists, and the second call returned it
    assert again.pk == first.pk
    assert replies(thread, citizen).count() == 1
    thread.refresh_from_db()
    assert thread.post_count == Post.objects.filter(thread=thread).count()


def test_a_resend_after_the_thread_was_locked_returns_the_reply_that_reached_it(thread):
    citizen = veteran()
    first = services.post_create(actor=citizen, thread=thread, body="Première réponse", idempotency_key=KEY)
    thread.locked = True
    thread.save(update_fields=["locked"])
    again = services.post_create(actor=citizen, thread=thread, body="Première réponse", idempotency_key=KEY)
    assert again.pk == first.pk
    assert replies(thread, citizen).count() == 1


def test_without_a_key_each_reply_is_its_own(thread):
    citizen = veteran()
    services.post_create(actor=citizen, thread=thread, body="Un")
    services.post_create(actor=citizen, thread=thread, body="Deux")
    assert replies(thread, citizen).count() == 2


def test_the_api_makes_one_reply_per_key_and_refuses_a_key_reused_elsewhere(thread):
    citizen = veteran()
    client = api_for(citizen)
    url = f"/api/v1/forum/threads/{thread.pk}/posts/"
    first = client.post(url, {"body": "Bonjour", "idempotency_key": KEY}, format="json")
    again = client.post(url, {"body": "Bonjour", "idempotency_key": KEY}, format="json")
    assert first.status_code == 201 and again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert replies(thread, citizen).count() == 1
    # the same key in another discussion of the commune is a conflict, and nothing is made there
    other = services.thread_create(
        actor=veteran(),
        commune=thread.commune,
        category=thread.category,
        title="Éclairage",
        body="Panne.",
        kind="question",
    )
    reused = client.post(
        f"/api/v1/forum/threads/{other.pk}/posts/", {"body": "Bonjour", "idempotency_key": KEY}, format="json"
    )
    assert reused.status_code == 409
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert replies(other, citizen).count() == 0


@pytest.mark.parametrize("bad", [12, ["k"], "k" * 65])
def test_a_key_that_is_not_a_short_string_is_refused_with_its_field(thread, bad):
    citizen = veteran()
    response = api_for(citizen).post(
        f"/api/v1/forum/threads/{thread.pk}/posts/",
        {"body": "Bonjour", "idempotency_key": bad},
        format="json",
    )
    assert response.status_code == 400
    assert "idempotency_key" in response.json()["error"]["fields"]
    assert replies(thread, citizen).count() == 0


def test_the_reply_form_sent_twice_with_its_key_makes_one_reply(thread):
    citizen = veteran()
    client = Client()
    client.force_login(citizen)
    url = f"/forum/sujets/{thread.pk}/repondre/"
    for _attempt in range(2):
        response = client.post(url, {"body": "Envoyé hors ligne", "idempotency_key": KEY})
        assert response.status_code == 302
    assert replies(thread, citizen).count() == 1
