"""Photos on forum posts: checked from their content like document uploads, images only, at most
four, not for new accounts; served only while the post is visible."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from forums import services
from forums.models import Attachment, Post, Thread
from tests.factories import CommuneFactory, UserFactory
from tests.factories_forums import CategoryFactory, moderator, veteran
from tests.factories_publications import EXE_BYTES, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def thread():
    commune = CommuneFactory(slug="cotonou")
    CategoryFactory(commune=commune, slug="voirie")
    return services.thread_create(
        actor=veteran(),
        commune=commune,
        category=commune.forum_categories.get(),
        title="Route",
        body="b",
        kind="concern",
    )


def png(name="trou.png"):
    return SimpleUploadedFile(name, png_bytes(40, 30), content_type="image/png")


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_reply_with_a_photo_is_stored_and_served_while_visible(thread):
    # given a citizen replying with a photo (multipart)
    response = client_for(veteran()).post(
        f"/api/v1/forum/threads/{thread.pk}/posts/",
        {"body": "Voici le trou", "images": [png()]},
        format="multipart",
    )
    # then
    assert response.status_code == 201, response.content
    photo = response.json()["attachments"][0]
    assert (photo["width"], photo["height"]) == (40, 30)
    served = APIClient().get(photo["url"])
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content) == png_bytes(40, 30)
    # when a moderator hides the post, the photo is gone for the public
    post = Post.objects.get(pk=response.json()["id"])
    services.content_hide(actor=moderator(thread.commune), thread=thread, post=post, reason="x")
    assert APIClient().get(photo["url"]).status_code == 404


def test_a_thread_opens_with_photos(thread):
    commune = thread.commune
    response = client_for(veteran()).post(
        "/api/v1/communes/cotonou/forum/threads/",
        {
            "category": "voirie",
            "title": "Caniveau bouché",
            "body": "Photos",
            "kind": "concern",
            "images": [png(), png("b.png")],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    opening = Post.objects.get(thread_id=response.json()["id"], is_opening=True)
    assert opening.attachments.count() == 2 and commune.pk == opening.thread.commune_id


def test_an_executable_named_png_is_400_and_nothing_is_saved(thread):
    fake = SimpleUploadedFile("photo.png", EXE_BYTES, content_type="image/png")
    response = client_for(veteran()).post(
        f"/api/v1/forum/threads/{thread.pk}/posts/",
        {"body": "Regardez", "images": [fake]},
        format="multipart",
    )
    assert response.status_code == 400
    assert Post.objects.filter(thread=thread).count() == 1 and not Attachment.objects.exists()


def test_five_photos_are_too_many(thread):
    response = client_for(veteran()).post(
        f"/api/v1/forum/threads/{thread.pk}/posts/",
        {"body": "Regardez", "images": [png(f"{i}.png") for i in range(5)]},
        format="multipart",
    )
    assert response.status_code == 400 and "images" in response.json()["error"]["fields"]


def test_a_new_account_cannot_attach_photos_yet(thread):
    response = client_for(UserFactory()).post(
        f"/api/v1/forum/threads/{thread.pk}/posts/",
        {"body": "Regardez", "images": [png()]},
        format="multipart",
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "new_account_limited"
    assert not Attachment.objects.exists()


def test_the_page_form_accepts_a_photo(thread):
    client = Client()
    client.force_login(veteran())
    response = client.post(
        f"/forum/sujets/{thread.pk}/repondre/", {"body": "Photo jointe", "images": [png()]}
    )
    assert response.status_code == 302
    page = client.get(f"/forum/sujets/{thread.pk}/").content.decode()
    attachment = Attachment.objects.get()
    assert f'src="/api/v1/forum/attachments/{attachment.pk}/"' in page
    assert Thread.objects.get().post_count == 2


@pytest.mark.django_db(transaction=True)
def test_a_reply_refused_after_its_photos_are_stored_leaves_no_file(tmp_path, settings):
    # given a citizen replying with a photo to a thread hidden meanwhile (refused inside the write)
    from hub.errors import InvalidInput
    from tests.factories_forums import ThreadFactory

    settings.MEDIA_ROOT = str(tmp_path)
    thread = ThreadFactory(hidden=True)
    photo = SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")
    # when the reply is refused
    with pytest.raises(InvalidInput):
        services.post_create(actor=veteran(), thread=thread, body="La photo du caniveau.", images=[photo])
    # then the photo stored before the transaction was removed with it, and no row names it
    assert not list(tmp_path.rglob("*.png"))
    assert not Attachment.objects.exists()
