"""The council's record end to end in Debian's Chromium (Playwright), against a real server process.

The secretary-general, at the council desk, takes the roll call, opens a motion and records the
named votes (one by a proxy holder), then closes the vote. A citizen on a phone (the session's live
page) and the council room's screen (the projector page) see the quorum, the motion, the tally and
the result arrive live; the member's public page and the session's archive show the vote afterwards.

Each live change's delay, from the secretary's click to the change in the citizen's page (a
MutationObserver stamps it with the page's clock, the same machine's), is printed: it is a figure,
not an assertion (docs/council.md reports it; ``bench/council_live.py`` measures it under load).
Playwright's waits give a change up to 15 s on a busy CI machine before the test fails.

Runs on both backends, like tests/test_sessions_browser.py: the desk's forms post to the server the
pages are connected to, so the live events reach them on the in-memory layer too.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from council.models import Motion, MotionResult
from hub.models import Commune, Membership, Role
from sessions_live.services.sessions import session_end
from tests.browser import chromium
from tests.conftest import HubServer
from tests.factories import UserFactory
from tests.factories_council import CouncilMemberFactory, CouncilSessionFactory
from tests.test_sessions_browser import go_live, off_loop, open_page

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
SCREEN = {"width": 1920, "height": 1080}

# Stamps (Date.now()) of every change of the council's hooks, kept by the page.
WATCH = """() => {
  window.__changes = [];
  new MutationObserver((records) => {
    for (const r of records) window.__changes.push({t: Date.now(), name: r.attributeName || "text",
      value: r.target.getAttribute ? r.target.getAttribute(r.attributeName || "") : null});
  }).observe(document.body, {subtree: true, childList: true, characterData: true,
    attributes: true,
    attributeFilter: ["data-council-quorum", "data-council-result", "data-council-motion"]});
}"""


# The desk stamps the moment a form is submitted (Playwright's click first waits for the button to
# stop moving: the page scrolls smoothly to it), kept across the page load that follows.
STAMP_SUBMITS = """() => document.addEventListener("submit", () => {
  sessionStorage.setItem("submitted", String(Date.now()));
}, true)"""


def submit(desk: Page, action: str) -> None:
    desk.locator(f"form:has(input[name=action][value={action}]) button[type=submit]").click()


def submitted_at(desk: Page) -> float:
    desk.wait_for_load_state()
    return float(desk.evaluate("Number(sessionStorage.getItem('submitted'))"))


def first_change_after(page: Page, started_ms: float) -> float:
    """Milliseconds from ``started_ms`` (wall clock) to the first change the page stamped after it."""
    stamps = page.evaluate("window.__changes.map((c) => c.t)")
    later = [stamp for stamp in stamps if stamp >= started_ms]
    return (min(later) - started_ms) if later else float("nan")


@pytest.fixture
def council_room(hub_server: HubServer) -> dict[str, Any]:
    cotonou = Commune.objects.get(slug="cotonou")
    Commune.objects.filter(pk=cotonou.pk).update(is_enabled=True)
    secretary = UserFactory(display_name="Secrétaire générale")
    Membership.objects.create(user=secretary, commune=cotonou, role=Role.SECRETARY_GENERAL)
    members = [CouncilMemberFactory(commune=cotonou, role="mayor", full_name="Alice Maire")]
    members += [CouncilMemberFactory(commune=cotonou, full_name=f"Conseiller {n}") for n in range(1, 7)]
    session = CouncilSessionFactory(commune=cotonou, title="Session ordinaire de décembre")
    return {"session": session, "members": members, "secretary": secretary, "mayor_user": secretary}


def test_roll_call_motion_and_named_votes_reach_the_citizen_and_the_projector_live(
    hub_server: HubServer, council_room: dict[str, Any]
) -> None:
    session, members = council_room["session"], council_room["members"]
    base = hub_server.url
    delays: dict[str, float] = {}

    with chromium() as browser:
        # given a citizen on a phone on the live page, the room's screen and the secretary's desk
        citizen = open_page(browser, base, viewport=PHONE)
        go_live(citizen, f"{base}/seances/{session.pk}/")
        projector = open_page(browser, base, viewport=SCREEN)
        projector.goto(f"{base}/seances/{session.pk}/projecteur/")
        expect(projector.locator("[data-projector] [data-council-quorum]")).to_have_count(1)
        projector.wait_for_function("() => document.querySelector('[data-projector]').sessionSocket")
        desk = open_page(browser, base, council_room["secretary"])
        desk.on("dialog", lambda dialog: dialog.accept())  # "Close the vote?" asks first
        desk.add_init_script(f"({STAMP_SUBMITS})()")
        desk.goto(f"{base}/seances/{session.pk}/conseil/")
        for page in (citizen, projector):
            page.evaluate(WATCH)
            expect(page.locator("[data-council-quorum]").first).to_have_attribute(
                "data-council-quorum", "missing"
            )

        # when the secretary takes the roll call: five present, one represented by proxy, one excused
        for member in members[:5]:
            desk.check(f"#status-{member.pk}-present")
        desk.check(f"#status-{members[5].pk}-proxy")
        desk.select_option(f"#holder-{members[5].pk}", str(members[1].pk))
        desk.check(f"#status-{members[6].pk}-excused")
        submit(desk, "roll_call")

        # then the quorum is reached on the citizen's phone and on the room's screen
        for page in (citizen, projector):
            expect(page.locator("[data-council-quorum]").first).to_have_attribute(
                "data-council-quorum", "reached"
            )
        started = submitted_at(desk)
        delays["roll call → citizen"] = first_change_after(citizen, started)
        delays["roll call → projector"] = first_change_after(projector, started)

        # when the secretary opens a motion
        desk.wait_for_load_state()
        desk.fill("#id_title", "Budget primitif 2027")
        submit(desk, "motion_open")

        # then it appears on both, open, with nothing counted yet
        for page in (citizen, projector):
            motion = page.locator("[data-council-motion]:not([data-council-motion=''])").first
            expect(motion).to_contain_text("Budget primitif 2027")
            expect(motion).to_have_attribute("data-status", "open")
        started = submitted_at(desk)
        delays["motion opened → citizen"] = first_change_after(citizen, started)
        motion_id = off_loop(lambda: Motion.objects.get(session=session).pk)

        # when the named votes are recorded: 4 for (one cast by the proxy holder), 2 against
        desk.wait_for_load_state()
        for member, choice in zip(
            members[:6], ["for", "for", "for", "against", "against", "for"], strict=True
        ):
            desk.check(f"#choice-{member.pk}-{choice}")
        submit(desk, "votes")

        # then the tally arrives
        for page in (citizen, projector):
            motion = page.locator(f"[data-council-motion='{motion_id}']").first
            expect(motion.locator("[data-council-tally-for]")).to_have_text("4")
            expect(motion.locator("[data-council-tally-against]")).to_have_text("2")
            expect(motion.locator("[data-council-tally-abstain]")).to_have_text("0")

        # when the vote is closed
        desk.wait_for_load_state()
        submit(desk, "close")

        # then the computed result shows on both
        for page in (citizen, projector):
            result = page.locator(f"[data-council-motion='{motion_id}'] [data-council-result]").first
            expect(result).to_have_attribute("data-council-result", "adopted")
            expect(result).to_be_visible()
        started = submitted_at(desk)
        delays["result → citizen"] = first_change_after(citizen, started)
        delays["result → projector"] = first_change_after(projector, started)
        assert citizen.js_errors == [] and projector.js_errors == [] and desk.js_errors == []  # type: ignore[attr-defined]

        # and the database holds what the pages show
        motion_row = off_loop(lambda: Motion.objects.get(pk=motion_id))
        assert (motion_row.votes_for, motion_row.votes_against, motion_row.result) == (
            4,
            2,
            MotionResult.ADOPTED,
        )

        # when the session ends, the member represented by proxy has the vote on their page
        off_loop(session_end, actor=council_room["secretary"], session=session)
        represented = members[5]
        citizen.goto(f"{base}/communes/cotonou/conseil/{represented.pk}-{represented.slug}/")
        vote = citizen.locator(f"[data-council-vote='{motion_id}']")
        expect(vote).to_contain_text("Budget primitif 2027")
        expect(vote).to_contain_text(members[1].full_name)  # cast by the proxy holder

        # and the archive shows attendance, the motion, its votes and its result
        citizen.goto(f"{base}/seances/{session.pk}/")
        archived = citizen.locator(f"[data-council-motion='{motion_id}']")
        expect(archived.locator("[data-council-result]")).to_have_attribute("data-council-result", "adopted")
        expect(citizen.locator("[data-council-roll] [data-member-id]")).to_have_count(len(members))

    print(
        "\nlive delays (ms, click → change on the page): "
        + ", ".join(f"{k} {v:.0f}" for k, v in delays.items())
    )
