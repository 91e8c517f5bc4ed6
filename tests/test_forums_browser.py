"""In Chromium against a real daphne (Redis channel layer, PostgreSQL): one browser posts a reply,
another sees it appear live without reloading; a moderator who had the page open before it came
hides it from its live copy and it disappears live; the mayor rejects the proposal and the status
and its reason appear live for the visitor."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect, sync_playwright

from forums import services
from forums.models import Category, Post
from hub.models import Commune
from tests.factories_forums import moderator, phone_only_veteran, staff, veteran
from tests.test_e2e_publication import sign_in
from tests.test_pages_browser import CHROMIUM, CHROMIUM_ARGS
from tests.test_sessions_browser import off_loop

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

REPLY = "Le caniveau de la rue 12 déborde encore"


def test_a_reply_appears_live_elsewhere_and_disappears_when_hidden(
    redis_required, postgres_required, hub_server
):
    # given a thread in Cotonou, its watcher, a citizen who replies and a moderator
    if not CHROMIUM.exists():
        pytest.fail(f"Debian's Chromium is missing at {CHROMIUM} (apt-get install chromium)", pytrace=False)
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
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
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
        assert live_post.locator("time").inner_text().count("/") == 2
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

        # when a later reply comes, then the moderator restores the hidden one
        later_author = off_loop(veteran)
        later_text = "Une réponse plus récente"
        later = off_loop(services.post_create, actor=later_author, thread=thread, body=later_text)
        expect(watcher.locator(".forum-post", has_text=later_text)).to_be_visible(timeout=15_000)
        hidden_post = off_loop(Post.objects.get, pk=post_id)
        assert hidden_post.hidden
        off_loop(services.content_restore, actor=mod_user, thread=thread, post=hidden_post)

        # then it comes back in its place, before the later reply, not at the end
        expect(live_post).to_have_count(1, timeout=15_000)
        order = watcher.evaluate(
            "() => [...document.querySelectorAll('[data-posts] [data-post-id]')].map(e => e.dataset.postId)"
        )
        assert order.index(str(post_id)) < order.index(str(later.pk))

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
        browser.close()
    assert not Post.objects.get(pk=post_id).hidden  # hidden, then restored
