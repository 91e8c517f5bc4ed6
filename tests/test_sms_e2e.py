"""SMS end to end, on real parts: a feature phone follows Cotonou by SMS, receives the alert when a
budget is published, asks the mayor a question by SMS during a live accountability session, the
moderator approves it and the mayor answers on the web; the phone receives the answer. Then the bad
cases of the issue: an unknown keyword, an unknown commune, a 2,000-character message, a resent
message, and a number that said STOP, each answered clearly, nothing lost, nothing sent twice.

The parts: the SMSC simulator (a real SMPP 3.4 server process, ``tests/smsc_simulator.py``), the
receiver ``manage.py sms_receive`` as its own process, a real daphne serving the web, and, with
``REDIS_URL``, PostgreSQL and a real Celery worker that runs every task (inbound processing, the
fan-out, the SMS sends). On the embedded defaults there is no broker: each process runs its tasks
in-process (the receiver processes what it receives, daphne what the mayor does on the web).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hub.models import Commune, Follow, Membership, Role, User
from hub.services.accounts import api_token_create
from notifications.models import InboundSms, SmsCommuneSettings, SmsMessage, SmsProfile, SmsStatus
from publications.services.documents import document_create
from sessions_live.models import Question, QuestionStatus
from sessions_live.services.sessions import session_schedule, session_start
from tests.conftest import RunningProcess, service_env, start_daphne, start_process, start_worker
from tests.factories import UserFactory
from tests.factories_publications import pdf_bytes
from tests.sms_fixtures import Smsc, smsc, wait_for  # noqa: F401

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PHONE = "+2290197123456"
SHORT_CODE = "7345"


def texts_to(server: Smsc, phone: str) -> list[str]:
    """What the phone received, in order (the simulator decodes each submitted message)."""
    digits = phone.lstrip("+")
    return [m["text"] for m in server.mt() if str(m.get("to", "")).lstrip("+") == digits]


def wait_for_texts(server: Smsc, phone: str, count: int, what: str) -> list[str]:
    return list(
        wait_for(lambda: (t := texts_to(server, phone)) and len(t) >= count and t, timeout=60, what=what)
    )


def inbound_outcome(text: str) -> str:
    row = wait_for(
        lambda: InboundSms.objects.filter(text=text, processed_at__isnull=False).first(),
        timeout=60,
        what=f"the processing of {text[:30]!r}",
    )
    return str(row.outcome)


def publish_budget(mayor: User, commune: Commune, title: str) -> None:
    upload = SimpleUploadedFile("budget.pdf", pdf_bytes(title), content_type="application/pdf")
    document_create(
        actor=mayor,
        commune=commune,
        type="budget_primitive",
        fiscal_year=2027,
        title=title,
        uploads=[upload],
        publish=True,
    )


def test_a_feature_phone_follows_gets_alerts_asks_the_mayor_and_gets_the_answer(
    request: pytest.FixtureRequest,
    reference_data: None,
    smsc: Smsc,  # noqa: F811
    tmp_path: Path,
    settings: Any,
) -> None:
    # given Cotonou with an SMS budget, its mayor and a moderator
    cotonou = Commune.objects.get(slug="cotonou")
    SmsCommuneSettings.objects.create(commune=cotonou, monthly_budget_xof=10_000)
    mayor = UserFactory(email="maire@cotonou.bj")
    Membership.objects.create(user=mayor, commune=cotonou, role=Role.MAYOR)
    moderator = UserFactory(email="moderation@cotonou.bj")
    Membership.objects.create(user=moderator, commune=cotonou, role=Role.MODERATOR)
    # and the whole stack: the web, the receiver, and with a broker a real worker
    with_broker = bool(os.environ.get("REDIS_URL"))
    if with_broker:
        request.getfixturevalue("exclusive_broker")
    settings.SMS_SHARED_NUMBER = SHORT_CODE
    env = {**service_env(tmp_path), "SMS_URL": smsc.url, "SMS_SHARED_NUMBER": SHORT_CODE}
    if not with_broker:
        # As `make run` serves the embedded defaults: the web process runs the periodic tasks too, so
        # a message whose first hand-over failed (a busy SQLite, a slow operator) is sent again by
        # the schedule, as it would be in use (CI's embedded pass once waited 60 s for the answer).
        env["EMBEDDED_SCHEDULE"] = "1"
    processes: list[RunningProcess] = []
    web = start_daphne(env, tmp_path)
    processes.append(web.runner)
    try:
        if with_broker:
            processes.append(start_worker(env, tmp_path / "worker.log", name="smsworker"))
        receiver = start_process([sys.executable, "manage.py", "sms_receive"], env, tmp_path / "receiver.log")
        processes.append(receiver)
        wait_for(
            lambda: any(s["mode"] in ("receiver", "transceiver") for s in smsc.health()["sessions"]),
            timeout=30,
            what="the receiver to bind",
        )

        # when a feature phone texts "suivre cotonou" (lower case), which the carrier delivers 3 times
        smsc.mo(PHONE, SHORT_CODE, "suivre cotonou", repeat=3)
        # then it is acted on once: an account for the number, following Cotonou, one confirmation
        assert inbound_outcome("suivre cotonou") == "followed"
        citizen = User.objects.get(phone=PHONE)
        assert Follow.objects.filter(user=citizen, commune=cotonou).exists()
        assert SmsProfile.objects.get(user=citizen).opted_out_at is None
        received = wait_for_texts(smsc, PHONE, 1, "the confirmation")
        assert "Cotonou" in received[0]
        assert InboundSms.objects.filter(text="suivre cotonou").count() == 1

        # when the mayor publishes the budget
        publish_budget(mayor, cotonou, "Budget primitif 2027 de Cotonou")
        # then the phone receives the alert by SMS, in one GSM-7 segment
        received = wait_for_texts(smsc, PHONE, 2, "the budget alert")
        assert "Cotonou" in received[1] or "Budget" in received[1]
        alert = SmsMessage.objects.get(user=citizen, kind="document.published")
        assert (alert.encoding, alert.segments) == ("gsm7", 1)

        # when an accountability session goes live
        session = session_schedule(
            actor=mayor,
            commune=cotonou,
            kind="accountability",
            title="Reddition de comptes 2026",
            starts_at=timezone.now(),
        )
        session_start(actor=mayor, session=session)
        received = wait_for_texts(smsc, PHONE, 3, "the session alert")

        # and the phone asks a question by SMS
        question_text = "QUESTION Quand la route de Fidjrosse sera-t-elle pavee ?"
        smsc.mo(PHONE, SHORT_CODE, question_text)
        assert inbound_outcome(question_text) == "session_question"
        question = Question.objects.get(session=session, author=citizen)
        # then it waits for moderation like a web question, marked as sent by SMS
        assert (question.status, question.channel) == (QuestionStatus.PENDING, "sms")
        assert question.text == "Quand la route de Fidjrosse sera-t-elle pavee ?"
        wait_for_texts(smsc, PHONE, 4, "the question's acknowledgement")

        # when the moderator approves it and the mayor answers, both on the web
        api = f"{web.url}/api/v1/sessions/{session.pk}/questions/{question.pk}"
        moderate = requests.post(
            f"{api}/moderate/",
            json={"decision": "approve"},
            headers={"Authorization": f"Bearer {api_token_create(user=moderator).key}"},
            timeout=30,
        )
        assert moderate.status_code == 200, moderate.text
        answer = "Les travaux commencent en mars 2027."
        answered = requests.post(
            f"{api}/answer/",
            json={"status": "answered", "answer": answer},
            headers={"Authorization": f"Bearer {api_token_create(user=mayor).key}"},
            timeout=30,
        )
        assert answered.status_code == 200, answered.text
        # then the phone receives the answer by SMS
        received = wait_for_texts(smsc, PHONE, 5, "the answer")
        assert "mars 2027" in received[4]

        # the bad cases: each answered clearly, each message kept
        for text, outcome in (
            ("BONJOUR", "unknown"),
            ("SUIVRE ATLANTIDE", "unknown_commune"),
            ("QUESTION " + "Pourquoi " * 250, "session_refused"),
        ):
            smsc.mo(PHONE, SHORT_CODE, text)
            assert inbound_outcome(text) == outcome, text
        assert len(InboundSms.objects.get(text__startswith="QUESTION Pourquoi").text) > 2000
        received = wait_for_texts(smsc, PHONE, 8, "the three replies")
        assert Question.objects.filter(author=citizen).count() == 1  # the long one made nothing

        # when the number says STOP, then publishes go on without it
        smsc.mo(PHONE, SHORT_CODE, "Stop")
        assert inbound_outcome("Stop") == "stopped"
        wait_for_texts(smsc, PHONE, 9, "the STOP confirmation")
        publish_budget(mayor, cotonou, "Budget supplementaire 2027 de Cotonou")
        wait_for(
            lambda: (
                not SmsMessage.objects.filter(status=SmsStatus.QUEUED).exists()
                and SmsMessage.objects.filter(kind="document.published").count() >= 1
            ),
            timeout=30,
            what="the second publication's fan-out",
        )
        # then nothing more reached the phone, and nothing was ever sent twice
        final = texts_to(smsc, PHONE)
        assert len(final) == 9, final
        sent = SmsMessage.objects.filter(phone=PHONE).exclude(status=SmsStatus.OPTED_OUT)
        assert sent.count() == 9
        assert not SmsMessage.objects.filter(phone=PHONE, status=SmsStatus.FAILED).exists()
    finally:
        for process in reversed(processes):
            process.stop()
