"""The workshops API against a real server, with schemathesis: signed out and with a platform
administrator's token, on a consultation open (workshops recorded, photos) and one closed, every
workshop operation answers within its schema and never with a server error (the whole API's run is
``tests/test_openapi_contract.py``; this one aims at the workshops with data to find)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from consultations.models import Consultation, Phase
from consultations.services.workshops import workshop_record
from tests.conftest import service_env, start_daphne
from tests.factories import AdminFactory
from tests.test_consultations_workshops import png, setting, workshop_data
from tests.test_openapi_contract import CHECKS, schemathesis

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def workshops_server(transactional_db: None, tmp_path: Path) -> Any:
    # given an open consultation with a recorded workshop (and a photo), and a closed one
    opened = setting()
    workshop_record(
        actor=opened.focal_point, consultation=opened.consultation, data=workshop_data(opened), photos=[png()]
    )
    closed = setting()
    workshop_record(actor=closed.focal_point, consultation=closed.consultation, data=workshop_data(closed))
    Consultation.objects.filter(pk=closed.consultation.pk).update(
        phase=Phase.CLOSED, closed_at=timezone.now()
    )
    env = service_env(tmp_path)
    for scope in ("ANON", "USER", "AUTH"):
        env[f"THROTTLE_{scope}"] = "1000000/min"
    server = start_daphne(env, tmp_path, name="workshops", server="uvicorn")
    yield server
    server.runner.stop()


def admin_token() -> str:
    from hub.services import accounts

    return accounts.api_token_create(user=AdminFactory(), device_name="schemathesis").key


@pytest.mark.parametrize("signed_in", [False, True])
def test_schemathesis_finds_no_server_error_on_the_workshop_operations(workshops_server, tmp_path, signed_in):
    options = ["--include-path-regex", "workshops"]
    checks = CHECKS
    if signed_in:
        options += ["--header", f"Authorization: Bearer {admin_token()}"]
        checks = [*CHECKS, "ignored_auth"]
    # when schemathesis calls every workshop operation with generated and boundary cases
    status, totals, printed = schemathesis(
        workshops_server,
        tmp_path / "workshops.xml",
        "examples,coverage,fuzzing",
        *options,
        "--checks",
        ",".join(checks),
    )
    # then each was tested and nothing failed
    assert totals["tests"] >= 5, printed[-3000:]
    assert (status, totals["failures"], totals["errors"]) == (0, 0, 0), printed[-12000:]
