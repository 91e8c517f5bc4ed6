"""In Chromium against a real daphne: one browser posts a reply, another sees it appear live without
reloading; a moderator who had the page open before it came hides it from its live copy and it
disappears live; a later reply and the restored one come back live, in their places; the mayor
rejects the proposal and the status and its reason appear live for the visitor.

Runs on both backends: the embedded defaults (SQLite, in-memory channel layer, one server process)
and PostgreSQL with the Redis channel layer. Every write a page must show live goes through the
server (a browser or its REST API); the test process only stores the set-up.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from forums import services
from forums.models import Category, Post
from hub.models import Commune
from tests.browser import chromium
from tests.factories_forums import moderator, phone_only_veteran, staff, veteran
from tests.test_e2e_publication import sign_in
from tests.test_sessions_browser import api_post, off_loop

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

REPLY = "Le caniveau de la rue 12 déborde encore"


def test_a_reply_appears_live_elsewhere_and_disappears_when_hidden(hub_server):
    # given a thread in Cotonou, its watcher, a citizen who replies and a moderator
    cotonou = Commune.objects.get(slug="cotonou")
    services.categories_seed(commune=cotonou)
    thread = services.thread_create(
        actor=phone_only_veteran(),  # followers' e-mails would land in a shared worker's mail box
        commune=cotonou,
        category=Category.objects.get(commune=cotonou, slug="assainissement"),
        title="Caniveaux bouchés",
        body="Les caniveaux débordent à chaque pluie.",
        kind="proposal",
    )
    veteran(email="repond@example.bj")
    mod_user = moderator(cotonou, email="moderation@example.bj")
    staff(cotonou, email="maire.live@example.bj")
    url = f"{hub_server.url}/forum/sujets/{thread.pk}/"
    with chromium() as browser:
        contexts = [browser.new_context(locale="fr-FR") for _index in range(4)]
        for context in contexts:
            context.set_default_timeout(20_000)
        watcher, writer, mod, mayor = (context.new_page() for context in contexts)
        # the watcher is an anonymous visitor on a small screen
        watcher.set_viewport_size({"width": 360, "height": 740})
        watcher.goto(url)
        expect(watcher.locator("[data-forum-live-state]")).to_have_attribute("data-state", "online")
        watcher.evaluate("window.__noReload = true")
        # the moderator opened the page before the reply was written
        sign_in(mod, hub_server.url, "moderation@example.bj")
        mod.goto(url)
        expect(mod.locator("[data-forum-live-state]")).to_have_attribute("data-state", "online")
        mod.evaluate("window.__noReload = true")

        # when the citizen replies through the form
        sign_in(writer, hub_server.url, "repond@example.bj")
        writer.goto(url)
        writer.fill("#id_body", REPLY)
        writer.locator("[data-reply-form] button[type=submit]").click()
        writer.wait_for_url(f"{url}#message-*")

        # then the watcher sees it appear without reloading
        live_post = watcher.locator(".forum-post", has_text=REPLY)
        expect(live_post).to_be_visible(timeout=15_000)
        assert watcher.evaluate("window.__noReload") is True
        post_id = live_post.get_attribute("data-post-id")

        # the live copy has the actions the server gives each viewer, its date as the server writes it
        assert re.fullmatch(r"\d{1,2} \w+ \d{4}, \d{2}:\d{2}", live_post.locator("time").inner_text())
        assert live_post.locator("[data-quote], [data-hide-post]").count() == 0  # anonymous visitor
        mod_post = mod.locator(f".forum-post[data-post-id='{post_id}']")
        expect(mod_post).to_be_visible(timeout=15_000)
        assert mod.evaluate("window.__noReload") is True
        expect(mod_post.locator("summary", has_text="Signaler")).to_be_visible()
        expect(mod_post.locator("[name=csrfmiddlewaretoken]").first).to_be_attached()

        # when the moderator hides it from its live copy
        mod_post.locator(f"[data-hide-post='{post_id}']").click()
        mod.wait_for_load_state()

        # then it disappears live for the watcher, and from the public page
        expect(live_post).to_have_count(0, timeout=15_000)
        assert watcher.evaluate("window.__noReload") is True

        # when a later reply comes, then the moderator restores the hidden one (through the API)
        later_author = off_loop(veteran)
        later_text = "Une réponse plus récente"
        api_thread = f"forum/threads/{thread.pk}"
        later = api_post(hub_server.url, later_author, f"{api_thread}/posts/", {"body": later_text})
        expect(watcher.locator(".forum-post", has_text=later_text)).to_be_visible(timeout=15_000)
        assert off_loop(Post.objects.get, pk=post_id).hidden
        api_post(hub_server.url, mod_user, f"{api_thread}/restore/", {"post": int(post_id)})

        # then it comes back in its place, before the later reply, not at the end
        expect(live_post).to_have_count(1, timeout=15_000)
        order = watcher.evaluate(
            "() => [...document.querySelectorAll('[data-posts] [data-post-id]')].map(e => e.dataset.postId)"
        )
        assert order.index(str(post_id)) < order.index(str(later["id"]))

        # when someone supports the thread, the visitor's count says it in good French
        writer.locator(".forum-support button[type=submit]").first.click()
        expect(watcher.locator("[data-support-count]")).to_have_text("1 soutien", timeout=15_000)

        # when the mayor rejects the proposal with a reason
        sign_in(mayor, hub_server.url, "maire.live@example.bj")
        mayor.goto(url)
        mayor.select_option("#id_proposal_status", "rejected")
        mayor.locator("form:has(#id_proposal_status) [name=reason]").fill("Budget déjà engagé")
        mayor.locator("form:has(#id_proposal_status) button[type=submit]").click()
        mayor.wait_for_load_state()

        # then the visitor sees the new status and its reason without reloading
        expect(watcher.locator("[data-proposal-status]")).to_have_text("Rejetée", timeout=15_000)
        expect(watcher.locator("[data-status-reason]")).to_be_visible()
        expect(watcher.locator("[data-status-reason] span")).to_have_text("Budget déjà engagé")
        assert watcher.evaluate("window.__noReload") is True
    assert not Post.objects.get(pk=post_id).hidden  # hidden, then restored
