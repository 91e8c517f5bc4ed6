"""Regression tests for the defects an exploratory review found (forged proxy headers, password reset
through the page, unthrottled forms, stale tickets, malformed requests, error shapes)."""

import re

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from hub.asgi import application
from hub.models import ApiToken, User
from hub.services.accounts import api_token_create, api_token_revoke, auth_ref_for_token, ws_ticket_issue
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_a_forged_x_forwarded_for_does_not_dodge_throttling(monkeypatch, reference_data):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "5/min", "auth": "2/min"}
    )
    api = APIClient()
    statuses = [
        api.get("/api/v1/communes/", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_password_reset_through_the_page_revokes_mobile_tokens(django_capture_on_commit_callbacks):
    # given a user with a mobile token, who asks for a reset link
    user = UserFactory(email="vol@example.bj")
    issued = api_token_create(user=user)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/mot-de-passe/oublie/", {"identifier": "vol@example.bj"})
    link = re.search(r"(/mot-de-passe/nouveau/\S+/\S+/)", mail.outbox[0].body).group(1)
    # when the new password is chosen on the page
    browser = Client()
    form_url = browser.get(link, follow=True).redirect_chain[-1][0]
    new = {"new_password1": "Autre-secret-2026", "new_password2": "Autre-secret-2026"}
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(form_url, new)
    # then
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Autre-secret-2026")
    assert not ApiToken.objects.filter(pk=issued.token.pk).exists()
    stolen = APIClient()
    stolen.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.key}")
    assert stolen.get("/api/v1/me/").status_code == 401


def test_reset_and_signup_pages_are_rate_limited(django_capture_on_commit_callbacks):
    UserFactory(email="cible@example.bj")
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [
            Client().post("/mot-de-passe/oublie/", {"identifier": "cible@example.bj"}).status_code
            for _ in range(5)
        ]
    assert statuses == [302, 302, 302, 429, 429]
    assert len(mail.outbox) == 3
    signups = [
        Client()
        .post(
            "/inscription/",
            {
                "display_name": "X",
                "phone": f"01970000{n:02d}",
                "password": "Un-mot-de-passe-2026",
                "preferred_language": "fr",
            },
        )
        .status_code
        for n in range(11)
    ]
    assert signups == [302] * 10 + [429]
    assert User.objects.count() == 11


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_ticket_from_a_revoked_token_or_an_old_password_is_refused():
    user = await sync_to_async(UserFactory)()
    issued = await sync_to_async(api_token_create)(user=user)
    ticket = await sync_to_async(ws_ticket_issue)(user=user, auth_ref=auth_ref_for_token(issued.token))
    await sync_to_async(api_token_revoke)(token=issued.token)
    ws = WebsocketCommunicator(application, f"/ws/me/?ticket={ticket}")
    await ws.connect()
    assert (await ws.receive_json_from())["error"]["code"] == "ticket_invalid"
    # and a ticket issued before a password change
    other = await sync_to_async(api_token_create)(user=user)
    ticket = await sync_to_async(ws_ticket_issue)(user=user, auth_ref=auth_ref_for_token(other.token))
    user.set_password("Encore-un-autre-2026")
    await sync_to_async(user.save)()
    ws = WebsocketCommunicator(application, f"/ws/me/?ticket={ticket}")
    await ws.connect()
    assert (await ws.receive_json_from())["error"]["code"] == "ticket_invalid"


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_unknown_frame_types_echo_the_ref_and_odd_refs_are_dropped():
    from tests.test_websocket_me import connect_with_cookie

    user = await sync_to_async(UserFactory)()
    ws, _connected, _key = await connect_with_cookie(user)
    await ws.receive_json_from()
    await ws.send_json_to({"type": "nope", "ref": "r-9"})
    assert (await ws.receive_json_from())["ref"] == "r-9"
    await ws.send_to(text_data='{"type": "ping", "ref": 1e400}')
    assert await ws.receive_json_from() == {"type": "pong", "ref": None}
    await ws.disconnect()


def test_oversized_json_body_is_413_json():
    body = '{"display_name": "' + "x" * (3 * 1024 * 1024) + '"}'
    response = APIClient().generic("POST", "/api/v1/auth/signup/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_too_many_query_parameters_is_400_json(reference_data):
    query = "&".join(f"a{n}=1" for n in range(1200))
    response = APIClient().get(f"/api/v1/communes/?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_a_huge_actor_id_is_a_field_error_not_a_crash():
    api = APIClient()
    api.force_authenticate(UserFactory(is_superuser=True, is_staff=True))
    response = api.get("/api/v1/audit/", {"actor": "99999999999999999999"})
    assert response.status_code == 400
    assert "actor" in response.json()["error"]["fields"]


def test_an_unknown_host_gets_the_json_error_shape_under_api():
    response = Client().get("/api/v1/departments/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_csrf_failures_on_api_writes_say_so(reference_data):
    client = APIClient(enforce_csrf_checks=True)
    client.login(username=UserFactory(email="c@example.bj").email, password=PASSWORD)
    response = client.post("/api/v1/communes/cotonou/follow/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"


def test_anonymous_staff_calls_are_401(reference_data):
    response = APIClient().patch("/api/v1/communes/cotonou/", {"description": "x"}, format="json")
    assert response.status_code == 401


def test_a_search_with_no_letters_finds_nothing(reference_data):
    assert APIClient().get("/api/v1/communes/", {"q": "🇧🇯"}).json()["count"] == 0


def test_healthz_does_not_answer_post_with_a_csrf_error():
    assert Client().post("/healthz").status_code == 405


def test_accounts_created_in_the_admin_are_normalised_and_unique():
    UserFactory(email="citoyenne@example.bj")
    admin = Client()
    admin.force_login(UserFactory(is_superuser=True, is_staff=True))
    form = {"display_name": "Y", "password1": "Un-mot-de-passe-2026", "password2": "Un-mot-de-passe-2026"}
    duplicate = admin.post("/admin/hub/user/add/", {**form, "email": "CITOYENNE@example.bj", "phone": ""})
    assert duplicate.status_code == 200  # the form again, with the error
    assert User.objects.filter(email__iexact="citoyenne@example.bj").count() == 1
    created = admin.post("/admin/hub/user/add/", {**form, "email": "", "phone": "97 00 00 09"})
    assert created.status_code == 302
    assert User.objects.filter(phone="+2290197000009").exists()


@pytest.mark.parametrize("name", ["\u200b\u200b", "\u202e\u202e", "   ", "!!!"])
def test_invisible_or_symbol_only_display_names_are_refused(name):
    response = APIClient().post(
        "/api/v1/auth/signup/",
        {"display_name": name, "email": "n@example.bj", "password": "Un-mot-de-passe-2026"},
        format="json",
    )
    assert response.status_code == 400
    assert "display_name" in response.json()["error"]["fields"]


def test_bidi_overrides_are_stripped_from_display_names():
    response = APIClient().post(
        "/api/v1/auth/signup/",
        {
            "display_name": "Koffi\u202e Agossou",
            "email": "k@example.bj",
            "phone": None,
            "password": "Un-mot-de-passe-2026",
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["display_name"] == "Koffi Agossou"


def test_null_clears_an_email_when_a_phone_remains():
    user = UserFactory(email="a@example.bj", phone="+2290197000044")
    api = APIClient()
    api.force_authenticate(user)
    assert api.patch("/api/v1/me/", {"email": None}, format="json").status_code == 200
    user.refresh_from_db()
    assert user.email is None


def test_the_audit_log_names_actors_without_their_contact_details(reference_data):
    admin = UserFactory(is_superuser=True, is_staff=True, email="admin@example.bj", display_name="Admin")
    api = APIClient()
    api.force_authenticate(admin)
    api.patch("/api/v1/communes/cotonou/", {"description": "x"}, format="json")
    entry = api.get("/api/v1/audit/").json()["results"][0]
    assert entry["actor_label"] == f"Admin (#{admin.pk})"


def test_commune_contact_phones_are_shown_in_pairs(reference_data):
    from hub.models import Commune

    Commune.objects.filter(slug="cotonou").update(contact_phone="+2290121300000")
    assert "+229 01 21 30 00 00" in Client().get("/communes/cotonou/").content.decode()
