"""API-wide behaviour: throttling of anonymous and signed-in clients, the OpenAPI schema and docs,
and the JSON error shape on paths that are not API views."""

import pytest
from django.test import Client
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight_rates(monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "5/min", "auth": "2/min"}
    )


def test_anonymous_clients_are_throttled_with_a_json_429(tight_rates, reference_data):
    api = APIClient()
    statuses = [api.get("/api/v1/communes/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api.get("/api/v1/communes/")
    assert response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_signed_in_clients_have_their_own_budget(tight_rates, reference_data):
    api = APIClient()
    api.force_authenticate(UserFactory())
    statuses = [api.get("/api/v1/me/").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def test_sign_up_has_a_tighter_budget(tight_rates):
    api = APIClient()
    statuses = [api.post("/api/v1/auth/signup/", {}, format="json").status_code for _ in range(3)]
    assert statuses == [400, 400, 429]


def test_openapi_schema_describes_the_api_and_token_auth():
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/communes/", "/api/v1/auth/token/", "/api/v1/me/follows/"} <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["tokenAuth"]["scheme"] == "bearer"


def test_the_schema_generates_without_warnings_or_name_collisions():
    """Two serializers or enums with one name make drf-spectacular pick one silently: a wrong schema."""
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    # given a fresh warning count
    GENERATOR_STATS.reset()
    # when the whole schema is generated
    schema = SchemaGenerator().get_schema(request=None, public=True)
    # then it covers every app and nothing collided
    paths = set(schema["paths"])
    assert {"/api/v1/forum/threads/", "/api/v1/sessions/"} <= paths
    assert (GENERATOR_STATS._warn_cache, GENERATOR_STATS._error_cache) == ({}, {})


def test_interactive_docs_are_served_without_external_assets():
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger-ui" in response.content
    assert b"cdn.jsdelivr" not in response.content


def test_healthz_in_embedded_or_real_mode_answers_json():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert {"database", "channel_layer", "broker"} <= set(response.json()["checks"])
