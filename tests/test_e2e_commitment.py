"""Issue 13's whole path, end to end, in Debian's Chromium against a real daphne, on both backends
(embedded: SQLite, the in-memory layer, tasks in the server process; with ``REDIS_URL``: PostgreSQL,
Redis and a real Celery worker that fans the notifications out).

The mayor of Cotonou signs in, goes to the commune's workspace from the header, schedules an
accountability session with an agenda through the form, opens the console from the session's page
and starts the session. A citizen asks a question and another upvotes it (through the API, as the
mobile app would). The workspace shows the question waiting for moderation; the mayor approves it,
answers it in the console, turns the answer into a commitment and ends the session. Later the mayor
posts an update with a photo, then marks the commitment done. The citizen who asked and the upvoter
each get a notification; the commune's tracker and the scorecard count it; the commitment's page
shows the whole timeline. Assertions use the pages' structure, not their wording."""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from commitments.models import Commitment
from hub.models import Commune, Membership, Role
from notifications.models import Channel, Notification
from sessions_live.models import LiveSession, Question
from tests.browser import chromium
from tests.conftest import HubServer, wait_for
from tests.factories import UserFactory
from tests.factories_publications import png_bytes
from tests.test_sessions_browser import api_post, off_loop, open_page

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TITLE = "Reddition de comptes de décembre"
PROMISE = "Réparer la pompe du forage de Zogbo avant la fin du mois"


@pytest.fixture
def people(hub_server: HubServer, request: pytest.FixtureRequest) -> dict[str, Any]:
    if os.environ.get("REDIS_URL"):
        request.getfixturevalue("celery_worker")  # the fan-out runs in a real worker
    cotonou = Commune.objects.get(slug="cotonou")
    Commune.objects.filter(pk=cotonou.pk).update(is_enabled=True)
    mayor = UserFactory(display_name="Maire de Cotonou")
    Membership.objects.create(user=mayor, commune=cotonou, role=Role.MAYOR)
    return {
        "mayor": mayor,
        "asker": UserFactory(display_name="Afiavi Asker"),
        "upvoter": UserFactory(display_name="Codjo Upvoter"),
    }


def notified(user: Any, kind_prefix: str) -> list[str]:
    rows = Notification.objects.filter(
        recipient=user, channel=Channel.IN_APP, event__kind__startswith=kind_prefix
    )
    return list(rows.values_list("event__kind", flat=True))


def test_a_question_answered_in_session_becomes_a_commitment_kept_and_everyone_is_told(
    hub_server: HubServer, people: dict[str, Any], tmp_path: Path
) -> None:
    base = hub_server.url
    today = timezone.localdate()
    due = today + datetime.timedelta(days=3)
    photo = tmp_path / "pompe-reparee.png"
    photo.write_bytes(png_bytes(64, 48))
    with chromium() as browser:
        page = open_page(browser, base, people["mayor"], viewport={"width": 1366, "height": 768})

        # the mayor reaches the workspace from the header, and schedules a session from there
        page.locator("[data-workspace-link]").click()
        page.wait_for_url("**/communes/cotonou/espace/")
        page.locator("[data-ws-section=sessions] a[href$='/seances/nouvelle/']").click()
        page.select_option("#id_kind", "accountability")
        page.fill("#id_title", TITLE)
        page.fill("#id_starts_on", today.isoformat())
        page.fill("#id_starts_time", timezone.localtime().strftime("%H:%M"))
        expect(page.locator("#id_questions_premoderated")).to_be_checked()  # approved before shown
        rows = page.locator("[data-agenda-rows] [data-agenda-title]")
        rows.nth(0).fill("Eau potable à Zogbo")
        page.locator("[data-agenda-add]").click()
        rows.nth(1).fill("Budget 2027")
        page.locator("[data-session-form] button[type=submit]").click()
        page.wait_for_url("**/seances/*/")
        session = off_loop(LiveSession.objects.get, title=TITLE)
        expect(page.locator("[data-agenda] [data-item-id]")).to_have_count(2)

        # opens the console from the session's page, and starts the session
        page.locator("[data-console-link]").first.click()
        page.wait_for_url(f"**/seances/{session.pk}/console/")
        expect(page.locator("[data-connection]")).to_have_attribute("data-state", "open")
        page.locator('[data-action="start"]').click()
        expect(page.locator('[data-action="end"]')).to_be_visible()

        # a citizen asks (pre-moderated: it waits), and it shows on the workspace
        asked = api_post(
            base, people["asker"], f"sessions/{session.pk}/questions/", {"text": "Et le forage ?"}
        )
        question_id = (asked.get("question") or asked)["id"]
        page.goto(f"{base}/communes/cotonou/espace/")
        waiting = page.locator(f"[data-ws-session='{session.pk}'] [data-ws-to-moderate]")
        expect(waiting).to_be_visible()
        waiting.click()

        # the mayor approves it in the moderation console; another citizen upvotes it
        page.wait_for_url(f"**/seances/{session.pk}/moderation/")
        pending = page.locator(f"[data-pending-list] [data-question-id='{question_id}']")
        pending.locator("[data-moderate=approve]").click()
        expect(pending).to_have_count(0)
        api_post(base, people["upvoter"], f"sessions/{session.pk}/questions/{question_id}/upvote/", {})

        # answers it in the console and turns the answer into a commitment
        page.goto(f"{base}/seances/{session.pk}/console/")
        question = page.locator(f"[data-question-list] [data-question-id='{question_id}']")
        question.locator("[data-answer-text]").fill("La pompe sera réparée avant la fin du mois.")
        question.locator("[data-answered]").click()
        expect(question).to_have_attribute("data-status", "answered")
        question.locator("[data-commit]").click()
        expect(page.locator("#commitment-text")).to_be_focused()
        page.fill("#commitment-text", PROMISE)
        page.fill("#commitment-due", due.isoformat())
        page.locator("[data-commitment-form] button[type=submit]").click()
        made = page.locator("[data-commitment-list] [data-commitment-id]").filter(has_text=PROMISE)
        expect(made).to_have_count(1)

        # and ends the session (the browser asks to confirm)
        page.once("dialog", lambda dialog: dialog.accept())
        page.locator('[data-action="end"]').click()
        expect(page.locator("[data-session]")).to_have_attribute("data-status", "ended")
        commitment = off_loop(Commitment.objects.get, text=PROMISE)
        assert commitment.question_id == question_id and commitment.session_id == session.pk

        # later: an update with a photo, from the commitment's page
        page.goto(f"{base}/engagements/{commitment.pk}/")
        page.fill("#update-form [name=text]", "La pièce est commandée ; les travaux commencent lundi.")
        page.select_option("#update-form [name=status]", "in_progress")
        page.fill("#update-form [name=progress]", "40")
        page.set_input_files("#update-form [name=photos]", str(photo))
        page.locator("#update-form button[type=submit]").click()
        page.wait_for_url(f"**/engagements/{commitment.pk}/**")
        expect(page.locator(".commitment-timeline .timeline-photos img")).to_have_count(1)

        # then marks it done
        page.fill("#update-form [name=text]", "La pompe fonctionne de nouveau.")
        page.select_option("#update-form [name=status]", "done")
        page.locator("#update-form button[type=submit]").click()
        page.wait_for_url(f"**/engagements/{commitment.pk}/**")

        # the commitment's page shows the whole timeline: made, the update with its photo, done
        entries = page.locator(".commitment-timeline > li")
        expect(entries).to_have_count(3)
        expect(entries.nth(1).locator(".timeline-photos img")).to_have_count(1)
        expect(page.locator(".commitment-state .commitment-status--done")).to_be_visible()
        expect(page.locator(".commitment-origin-box blockquote")).to_contain_text("Et le forage ?")
        assert page.locator(".commitment-timeline .timeline-photos img").evaluate(
            "img => img.complete && img.naturalWidth === 64"
        )

        # the commune's tracker lists it as done; the scorecard counts it kept on time
        page.goto(f"{base}/communes/cotonou/engagements/?statut=done")
        expect(page.locator(f"a[href='/engagements/{commitment.pk}/']")).to_be_visible()
        page.goto(f"{base}/transparence/?annee={due.year}")
        cotonou_row = page.locator("tbody tr").filter(has=page.locator("th a[href^='/communes/cotonou/']"))
        expect(cotonou_row.locator("a[href='/communes/cotonou/engagements/']")).to_contain_text("1")
        assert page.js_errors == []  # type: ignore[attr-defined]

    # the citizen who asked and the upvoter were each told, at each step
    for who in ("asker", "upvoter"):
        kinds = wait_for(lambda who=who: off_loop(notified, people[who], "commitment."), timeout=60)
        assert kinds, f"{who} was not told"
        done = wait_for(lambda who=who: len(off_loop(notified, people[who], "commitment.")) >= 3, timeout=60)
        assert done, (who, off_loop(notified, people[who], "commitment."))
    assert off_loop(lambda: Question.objects.get(pk=question_id).vote_count) == 1
    final = off_loop(Commitment.objects.get, pk=commitment.pk)
    assert final.status == "done" and final.kept_on_time
