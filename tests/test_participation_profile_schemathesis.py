"""The participation profile API against a real server, with schemathesis: signed out and with an
account's token, every operation of ``/api/v1/me/participation-profile/`` answers within its schema
and never with a server error (the whole API's run is ``tests/test_openapi_contract.py``; this one
aims at the profile, with enabled communes' arrondissements to name)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import service_env, start_daphne
from tests.factories import UserFactory
from tests.test_openapi_contract import CHECKS, schemathesis

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def profile_server(transactional_db: None, tmp_path: Path) -> Any:
    from hub.reference_data import reference_data_load

    # given the communes (the pilot ones enabled, with their arrondissements)
    reference_data_load()
    env = service_env(tmp_path)
    for scope in ("ANON", "USER", "AUTH"):
        env[f"THROTTLE_{scope}"] = "1000000/min"
    server = start_daphne(env, tmp_path, name="participation", server="uvicorn")
    yield server
    server.runner.stop()


def user_token() -> str:
    from hub.services import accounts

    return accounts.api_token_create(user=UserFactory(), device_name="schemathesis").key


@pytest.mark.parametrize("signed_in", [False, True])
def test_schemathesis_finds_no_server_error_on_the_profile_operations(profile_server, tmp_path, signed_in):
    options = ["--include-path-regex", "participation-profile"]
    checks = CHECKS
    if signed_in:
        options += ["--header", f"Authorization: Bearer {user_token()}"]
        checks = [*CHECKS, "ignored_auth"]
    # when schemathesis calls every profile operation with generated and boundary cases
    status, totals, printed = schemathesis(
        profile_server,
        tmp_path / "participation.xml",
        "examples,coverage,fuzzing",
        *options,
        "--checks",
        ",".join(checks),
    )
    # then each was tested and nothing failed
    assert totals["tests"] >= 4, printed[-3000:]
    assert (status, totals["failures"], totals["errors"]) == (0, 0, 0), printed[-12000:]
