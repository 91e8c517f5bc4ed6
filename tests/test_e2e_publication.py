"""The whole publication path, end to end, on real parts: a staff member publishes a budget in
Chromium; a follower signed in elsewhere sees the badge change live, finds the budget through search,
downloads it, and receives the e-mail from a real SMTP server.

Real daphne (Redis channel layer), real Celery worker, real PostgreSQL, real SMTP process (aiosmtpd),
Debian's Chromium through Playwright.
"""

from __future__ import annotations

import mailbox
import sys
from email.header import decode_header, make_header

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from hub.models import Commune, Follow, Membership, Role
from tests.conftest import free_port, service_env, start_process, start_worker, wait_for
from tests.factories import PASSWORD, UserFactory
from tests.factories_publications import pdf_bytes
from tests.test_pages_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TITLE = "Budget primitif 2026 de la ville de Cotonou"


def sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/connexion/")
    page.fill("#id_identifier", email)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base_url}/")


def test_a_budget_published_in_the_browser_reaches_its_follower_everywhere(
    redis_required, postgres_required, exclusive_broker, hub_server, tmp_path
):
    # given a communication officer of Cotonou and a citizen who follows Cotonou
    if not CHROMIUM.exists():
        pytest.fail(f"Debian's Chromium is missing at {CHROMIUM} (apt-get install chromium)", pytrace=False)
    cotonou = Commune.objects.get(slug="cotonou")
    officer = UserFactory(email="communication@cotonou.bj")
    Membership.objects.create(user=officer, commune=cotonou, role=Role.COMMUNICATION_OFFICER)
    follower = UserFactory(email="afiavi@example.bj", preferred_language="fr")
    Follow.objects.create(user=follower, commune=cotonou)
    # and a real worker whose e-mail goes to a real SMTP server
    port = free_port()
    maildir = tmp_path / "maildir"
    env = service_env(tmp_path)
    env.update(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(port),
        EMAIL_USE_TLS="0",
        SITE_URL=hub_server.url,
    )
    smtp_args = [
        "-m",
        "aiosmtpd",
        "-n",
        "-l",
        f"127.0.0.1:{port}",
        "-c",
        "aiosmtpd.handlers.Mailbox",
        str(maildir),
    ]
    smtp = start_process([sys.executable, *smtp_args], env, tmp_path / "smtp.log")
    worker = start_worker(env, tmp_path / "worker.log", "e2e")
    budget_pdf = tmp_path / "budget-2026.pdf"
    budget_pdf.write_bytes(pdf_bytes("Budget primitif 2026 : assainissement, voirie, marchés."))
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            citizen_context = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 740})
            staff_context = browser.new_context(locale="fr-FR")
            citizen_context.set_default_timeout(20_000)
            staff_context.set_default_timeout(20_000)
            citizen = citizen_context.new_page()
            staff = staff_context.new_page()
            sign_in(citizen, hub_server.url, follower.email)
            badge = citizen.locator("[data-unread-count]")
            expect(badge).to_be_hidden()
            citizen.wait_for_function("document.querySelector('[data-unread-value]') !== null")
            citizen.evaluate("window.__noReload = true")

            # when the officer publishes a budget from the staff form
            sign_in(staff, hub_server.url, officer.email)
            staff.goto(f"{hub_server.url}/communes/cotonou/publier/")
            staff.select_option("#id_type", "budget_primitive")
            staff.select_option("#id_fiscal_year", "2026")
            staff.fill("#id_title", TITLE)
            staff.fill("#id_summary", "Le budget voté par le conseil municipal pour 2026.")
            staff.set_input_files("#id_uploads", str(budget_pdf))
            staff.check("#id_publish")
            staff.locator("main form button[type=submit]").last.click()
            staff.wait_for_load_state()
            expect(staff.locator("h1")).to_contain_text(TITLE)

            # then the citizen's badge shows it live, without a reload
            expect(citizen.locator("[data-unread-value]")).to_have_text("1", timeout=30_000)
            expect(badge).to_be_visible()
            assert citizen.evaluate("window.__noReload") is True

            # and the citizen finds the budget through search and downloads it
            citizen.goto(f"{hub_server.url}/rechercher/?q=budget+primitif")
            citizen.get_by_role("link", name=TITLE).first.click()
            expect(citizen.locator("h1")).to_contain_text(TITLE)
            with citizen.expect_download() as download_info:
                citizen.locator("a[download]").first.click()
            downloaded = download_info.value.path().read_bytes()
            assert downloaded == budget_pdf.read_bytes()
            browser.close()

        # and the e-mail arrives through the real SMTP server
        def delivered() -> list:
            return list(mailbox.Maildir(maildir, create=False)) if maildir.exists() else []

        messages = wait_for(delivered, timeout=60)
        assert len(messages) == 1, worker.log()
        message = messages[0]
        assert message["To"] == follower.email
        assert str(make_header(decode_header(str(message["Subject"])))) == f"Cotonou : {TITLE}"
        body = message.get_payload(decode=True).decode()
        assert f"{hub_server.url}/communes/cotonou/documents/" in body
    finally:
        worker.stop()
        smtp.stop()
