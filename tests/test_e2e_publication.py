"""The whole publication path, end to end, on real parts: a staff member publishes a budget in
Chromium; a follower signed in elsewhere sees the badge change live, finds the budget through search,
downloads it, and receives the e-mail from a real SMTP server.

A real daphne, a real SMTP process (aiosmtpd) and Debian's Chromium through Playwright, on both
backends. With ``REDIS_URL`` set: the Redis channel layer, PostgreSQL (``DATABASE_URL``) and a real
Celery worker that sends the e-mail. On the embedded defaults (SQLite, in-memory layer, no broker)
tasks run inside the server process, which sends the e-mail itself. Either way the test starts its
own server, whose address is known before it starts: the e-mail's link is built from ``SITE_URL``.
"""

from __future__ import annotations

import mailbox
import os
import socket
import sys
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from hub.models import Commune, Follow, Membership, Role
from tests.browser import chromium
from tests.conftest import RunningProcess, free_port, service_env, start_process, start_worker, wait_for
from tests.factories import PASSWORD, UserFactory
from tests.factories_publications import pdf_bytes
from tests.test_sessions_browser import start_daphne_on

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TITLE = "Budget primitif 2026 de la ville de Cotonou"


def sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/connexion/")
    page.fill("#id_identifier", email)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base_url}/")


def accepts_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def test_a_budget_published_in_the_browser_reaches_its_follower_everywhere(
    request: pytest.FixtureRequest, reference_data: None, tmp_path: Path
) -> None:
    # given a communication officer of Cotonou and a citizen who follows Cotonou
    cotonou = Commune.objects.get(slug="cotonou")
    officer = UserFactory(email="communication@cotonou.bj")
    Membership.objects.create(user=officer, commune=cotonou, role=Role.COMMUNICATION_OFFICER)
    follower = UserFactory(email="afiavi@example.bj", preferred_language="fr")
    Follow.objects.create(user=follower, commune=cotonou)
    # and a server whose e-mail goes to a real SMTP server, through a real worker when there is a broker
    with_broker = bool(os.environ.get("REDIS_URL"))
    if with_broker:
        request.getfixturevalue("exclusive_broker")  # the shared worker would take the task otherwise
    smtp_port, web_port = free_port(), free_port()
    site_url = f"http://127.0.0.1:{web_port}"
    maildir = tmp_path / "maildir"
    env = service_env(tmp_path)
    env.update(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        EMAIL_USE_TLS="0",
        SITE_URL=site_url,
    )
    smtp_args = ["-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}", "-c", "aiosmtpd.handlers.Mailbox"]
    smtp = start_process([sys.executable, *smtp_args, str(maildir)], env, tmp_path / "smtp.log")
    processes: list[RunningProcess] = [smtp]
    try:
        assert wait_for(lambda: accepts_connections(smtp_port), timeout=30), smtp.log()
        server = start_daphne_on(web_port, env, tmp_path, "daphne")
        processes.append(server)
        mailer = server  # on the embedded defaults, tasks run in the server process
        if with_broker:
            mailer = start_worker(env, tmp_path / "worker.log", "e2e")
            processes.append(mailer)
        budget_pdf = tmp_path / "budget-2026.pdf"
        budget_pdf.write_bytes(pdf_bytes("Budget primitif 2026 : assainissement, voirie, marchés."))
        with chromium() as browser:
            citizen_context = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 740})
            staff_context = browser.new_context(locale="fr-FR")
            citizen_context.set_default_timeout(20_000)
            staff_context.set_default_timeout(20_000)
            citizen = citizen_context.new_page()
            staff = staff_context.new_page()
            sign_in(citizen, site_url, follower.email)
            badge = citizen.locator("[data-unread-count]")
            expect(badge).to_be_hidden()
            citizen.wait_for_function("document.querySelector('[data-unread-value]') !== null")
            citizen.evaluate("window.__noReload = true")

            # when the officer publishes a budget from the staff form
            sign_in(staff, site_url, officer.email)
            staff.goto(f"{site_url}/communes/cotonou/publier/")
            staff.select_option("#id_type", "budget_primitive")
            staff.select_option("#id_fiscal_year", "2026")
            staff.fill("#id_title", TITLE)
            staff.fill("#id_summary", "Le budget voté par le conseil municipal pour 2026.")
            staff.set_input_files("#id_uploads", str(budget_pdf))
            staff.get_by_role("button", name="Publier", exact=True).click()
            staff.wait_for_load_state()
            expect(staff.locator("h1")).to_contain_text(TITLE)

            # then the citizen's badge shows it live, without a reload
            expect(citizen.locator("[data-unread-value]")).to_have_text("1", timeout=30_000)
            expect(badge).to_be_visible()
            assert citizen.evaluate("window.__noReload") is True

            # and the citizen finds the budget through search and downloads it
            citizen.goto(f"{site_url}/rechercher/?q=budget+primitif")
            citizen.get_by_role("link", name=TITLE).first.click()
            expect(citizen.locator("h1")).to_contain_text(TITLE)
            with citizen.expect_download() as download_info:
                citizen.locator("a[download]").first.click()
            downloaded = download_info.value.path().read_bytes()
            assert downloaded == budget_pdf.read_bytes()

        # and the e-mail arrives through the real SMTP server
        def delivered() -> list[mailbox.MaildirMessage]:
            return list(mailbox.Maildir(maildir, create=False)) if maildir.exists() else []

        messages = wait_for(delivered, timeout=60)
        assert len(messages) == 1, mailer.log()
        message = messages[0]
        assert message["To"] == follower.email
        assert str(make_header(decode_header(str(message["Subject"])))) == f"Cotonou : {TITLE}"
        body = message.get_payload(decode=True).decode()
        assert f"{site_url}/communes/cotonou/documents/" in body
    finally:
        for process in reversed(processes):
            process.stop()
