"""Accounts over the API: sign-up, token login, throttling, profile, password reset, bad input."""

import json
import re

import pytest
from django.core import mail
from rest_framework.test import APIClient

from hub.models import ApiToken, User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def signup(api, **fields):
    body = {"display_name": "Afiavi", "password": "Un-mot-de-passe-2026", **fields}
    return api.post("/api/v1/auth/signup/", body, format="json")


def test_signup_with_email_and_phone_normalises_both(api):
    # when
    response = signup(api, email="Afiavi@Example.BJ", phone="97 00 00 11")
    # then
    assert response.status_code == 201, response.content
    user = User.objects.get()
    assert (user.email, user.phone) == ("afiavi@example.bj", "+2290197000011")
    assert user.password.startswith(("md5$", "pbkdf2_sha256$")) and PASSWORD not in user.password
    assert response.json()["preferred_language"] == "fr"


def test_signup_with_phone_only_then_login_by_phone(api):
    # given
    assert signup(api, phone="+229 01 66 00 00 01").status_code == 201
    # when
    response = api.post(
        "/api/v1/auth/token/", {"identifier": "0166000001", "password": "Un-mot-de-passe-2026"}, format="json"
    )
    # then
    assert response.status_code == 201, response.content
    assert response.json()["user"]["phone"] == "+2290166000001"


@pytest.mark.parametrize("field", ["email", "phone"])
def test_duplicate_email_or_phone_is_400_and_creates_nothing(api, field):
    # given
    UserFactory(email="pris@example.bj", phone="+2290197000099")
    value = {"email": "PRIS@example.bj", "phone": "97000099"}[field]
    # when
    response = signup(api, **{field: value})
    # then
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "duplicate" and field in body["fields"]
    assert User.objects.count() == 1


def test_invalid_phone_is_400(api):
    response = signup(api, phone="+33 6 12 34 56 78")
    assert response.status_code == 400
    assert "phone" in response.json()["error"]["fields"]
    assert not User.objects.exists()


def test_signup_without_email_or_phone_is_400(api):
    response = signup(api)
    assert response.status_code == 400
    assert "identifier" in response.json()["error"]["fields"]


def test_weak_password_is_400(api):
    response = signup(api, email="a@example.bj", password="12345678")
    assert response.status_code == 400
    assert "password" in response.json()["error"]["fields"]
    assert not User.objects.exists()


def test_malformed_json_is_400_with_field_errors(api):
    response = api.generic("POST", "/api/v1/auth/signup/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_body"
    assert "body" in response.json()["error"]["fields"]


def test_missing_fields_are_listed(api):
    response = api.post("/api/v1/auth/signup/", {}, format="json")
    assert response.status_code == 400
    assert {"display_name", "password"} <= set(response.json()["error"]["fields"])


def test_token_login_then_bearer_and_token_headers_work_and_logout_revokes(api):
    # given
    user = UserFactory(email="mobile@example.bj")
    response = api.post(
        "/api/v1/auth/token/", {"identifier": "mobile@example.bj", "password": PASSWORD}, format="json"
    )
    key = response.json()["token"]
    # then the key is not stored, only its digest
    assert not ApiToken.objects.filter(digest=key).exists()
    for scheme in ("Bearer", "Token"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"{scheme} {key}")
        assert client.get("/api/v1/me/").json()["id"] == user.pk
    # when
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.delete("/api/v1/auth/token/").status_code == 204
    # then
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_wrong_password_six_times_is_throttled_whether_or_not_the_account_exists(api):
    # given
    UserFactory(email="real@example.bj")
    for identifier in ("real@example.bj", "ghost@example.bj"):
        statuses = [
            api.post(
                "/api/v1/auth/token/", {"identifier": identifier, "password": "wrong-one"}, format="json"
            )
            for _ in range(6)
        ]
        # then: five plain refusals, then 429 with the same body for both identifiers
        assert [r.status_code for r in statuses] == [400] * 5 + [429]
        assert statuses[0].json()["error"]["code"] == "invalid_credentials"
        assert statuses[-1].json()["error"]["code"] == "throttled"
        assert "Retry-After" in statuses[-1]
    # and even the right password is refused while throttled
    right = api.post(
        "/api/v1/auth/token/", {"identifier": "real@example.bj", "password": PASSWORD}, format="json"
    )
    assert right.status_code == 429


def test_me_requires_authentication(api):
    response = api.get("/api/v1/me/")
    assert response.status_code in (401, 403)
    assert response.json()["error"]["code"] == "not_authenticated"


def test_profile_update_validates_and_saves(api):
    # given
    user = UserFactory()
    api.force_authenticate(user)
    # when
    bad = api.patch("/api/v1/me/", {"preferred_language": "de"}, format="json")
    good = api.patch("/api/v1/me/", {"preferred_language": "en", "display_name": "Koffi A."}, format="json")
    # then
    assert bad.status_code == 400
    assert good.status_code == 200
    user.refresh_from_db()
    assert (user.preferred_language, user.display_name) == ("en", "Koffi A.")


def test_password_reset_sends_a_link_that_works_once(api, django_capture_on_commit_callbacks):
    # given
    user = UserFactory(email="oubli@example.bj", preferred_language="fr")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/auth/password-reset/", {"identifier": "oubli@example.bj"}, format="json")
    # then
    assert response.status_code == 202
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["oubli@example.bj"]
    uid, token = re.search(r"/mot-de-passe/nouveau/([^/]+)/([^/]+)/", mail.outbox[0].body).groups()
    confirm = {"uid": uid, "token": token, "new_password": "Nouveau-secret-2026"}
    assert api.post("/api/v1/auth/password-reset/confirm/", confirm, format="json").status_code == 204
    user.refresh_from_db()
    assert user.check_password("Nouveau-secret-2026")
    again = api.post("/api/v1/auth/password-reset/confirm/", confirm, format="json")
    assert again.status_code == 400 and again.json()["error"]["code"] == "invalid_reset_link"


def test_password_reset_for_unknown_account_answers_the_same(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/auth/password-reset/", {"identifier": "nobody@example.bj"}, format="json"
        )
    assert response.status_code == 202
    assert mail.outbox == []


def test_session_login_over_api_requires_csrf():
    # given
    UserFactory(email="web@example.bj")
    client = APIClient(enforce_csrf_checks=True)
    # when
    response = client.post(
        "/api/v1/auth/session/",
        json.dumps({"identifier": "web@example.bj", "password": PASSWORD}),
        content_type="application/json",
    )
    # then
    assert response.status_code == 403
    assert response.json()["error"]["code"] in {"permission_denied", "csrf_failed"}


def test_password_change_over_the_api_asks_the_current_one_and_revokes_tokens(api):
    user = UserFactory(email="mobile@example.bj")
    key = api.post(
        "/api/v1/auth/token/", {"identifier": user.email, "password": PASSWORD}, format="json"
    ).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    wrong = api.post(
        "/api/v1/me/password/", {"current_password": "x", "new_password": "Autre-secret-2026"}, format="json"
    )
    assert wrong.status_code == 400 and "current_password" in wrong.json()["error"]["fields"]
    ok = api.post(
        "/api/v1/me/password/",
        {"current_password": PASSWORD, "new_password": "Autre-secret-2026"},
        format="json",
    )
    assert ok.status_code == 204
    assert api.get("/api/v1/me/").status_code == 401
