"""Forum services: threads and their opening post, replies and quotes, official answers, statuses,
supports, edits and their history, soft deletion, flags and automatic hiding, moderation, mutes,
new-account limits, live events and follower notifications. Services are tested hardest."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from forums import services
from forums.errors import FlagOwnContent, NewAccountLimited, ThreadLocked, UserMuted
from forums.models import Post, PostRevision, Support, Thread, ThreadFollow, ThreadStatus
from forums.selectors import access_thread, post_list, thread_list
from hub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from hub.models import AuditLogEntry, OutboxEvent, Role
from tests.factories import CommuneFactory, UserFactory
from tests.factories_forums import CategoryFactory, moderator, staff, veteran

pytestmark = pytest.mark.django_db


@pytest.fixture
def cotonou():
    return CommuneFactory(slug="cotonou", name="Cotonou")


@pytest.fixture
def category(cotonou):
    return CategoryFactory(commune=cotonou, slug="voirie", name="Voirie")


@pytest.fixture
def thread(cotonou, category):
    return services.thread_create(
        actor=veteran(),
        commune=cotonou,
        category=category,
        title="Route du marché",
        body="Des trous.",
        kind="concern",
    )


@pytest.fixture
def broadcasts(monkeypatch):
    """The live events the services hand to the broadcast helper (sent after commit)."""
    sent = []
    monkeypatch.setattr("forums.events.broadcast_on_commit", lambda group, event: sent.append((group, event)))
    return sent


def frames(sent):
    return [(event["frame"]["event"], event["frame"]["seq"]) for _group, event in sent]


# --- Threads and posts -------------------------------------------------------------------------------


def test_opening_a_thread_creates_its_opening_post_and_the_author_follows(cotonou, category):
    # given a citizen
    citizen = veteran()
    # when they open a proposal
    thread = services.thread_create(
        actor=citizen,
        commune=cotonou,
        category=category,
        title="Des poubelles",
        body="*Vite*",
        kind="proposal",
    )
    # then
    assert thread.proposal_status == "submitted" and thread.post_count == 1
    opening = Post.objects.get(thread=thread)
    assert opening.is_opening and opening.body_html == "<p><em>Vite</em></p>"
    assert ThreadFollow.objects.filter(thread=thread, user=citizen).exists()


@pytest.mark.parametrize("body", ["", "   ", "x" * 20_001, None])
def test_an_empty_or_oversized_body_is_refused(cotonou, category, body):
    with pytest.raises(InvalidInput) as caught:
        services.thread_create(
            actor=veteran(), commune=cotonou, category=category, title="Titre ok", body=body, kind="question"
        )
    assert "body" in caught.value.details["fields"]
    assert not Thread.objects.exists()


def test_a_category_of_another_commune_is_refused(cotonou):
    other = CategoryFactory()
    with pytest.raises(InvalidInput):
        services.thread_create(
            actor=veteran(), commune=cotonou, category=other, title="Titre ok", body="b", kind="question"
        )


def test_a_reply_counts_orders_its_event_and_quotes(thread, broadcasts):
    # given a reply to quote
    first = services.post_create(actor=veteran(), thread=thread, body="Premier")
    # when someone replies quoting it
    second = services.post_create(actor=veteran(), thread=thread, body="Second", quote_of=first.pk)
    # then counters, sequence numbers and events follow
    thread.refresh_from_db()
    assert thread.post_count == 3 and thread.event_seq == 3
    assert (first.seq, second.seq) == (2, 3) and second.quote_of_id == first.pk
    assert frames(broadcasts) == [("post.created", 2), ("post.created", 3)]
    assert {group for group, _event in broadcasts} == {f"forum.thread.{thread.pk}"}


def test_quoting_a_post_of_another_thread_is_refused(thread, cotonou, category):
    other = services.thread_create(
        actor=veteran(), commune=cotonou, category=category, title="Autre sujet", body="b", kind="question"
    )
    foreign = Post.objects.get(thread=other)
    with pytest.raises(InvalidInput):
        services.post_create(actor=veteran(), thread=thread, body="Hop", quote_of=foreign.pk)


def test_replying_in_a_locked_thread_is_a_conflict(thread, cotonou):
    services.thread_lock_set(actor=moderator(cotonou), thread=thread, locked=True)
    with pytest.raises(ThreadLocked) as caught:
        services.post_create(actor=veteran(), thread=thread, body="Encore")
    assert caught.value.status == 409
    assert Post.objects.filter(thread=thread).count() == 1


def test_a_script_or_javascript_link_is_rendered_inert(thread):
    body = '<script>alert(1)</script> [clic](javascript:alert(1)) [d](data:text/html,x) <a onclick="x">y</a> [ok](https://ex.bj)'
    post = services.post_create(actor=veteran(), thread=thread, body=body)
    html = post.body_html
    assert "<script" not in html
    assert 'href="javascript' not in html and 'href="data' not in html
    assert "<a onclick" not in html
    assert '<a href="https://ex.bj" rel="nofollow ugc noopener">ok</a>' in html


# --- Edits and deletion ------------------------------------------------------------------------------


def test_editing_keeps_the_history_and_marks_the_post(thread, broadcasts):
    author = veteran()
    post = services.post_create(actor=author, thread=thread, body="Avant")
    edited = services.post_edit(actor=author, post=post, body="Après")
    assert edited.edited_at is not None and edited.body_html == "<p>Après</p>"
    assert list(PostRevision.objects.filter(post=post).values_list("body", flat=True)) == ["Avant"]
    assert frames(broadcasts)[-1] == ("post.edited", 3)


def test_only_the_author_edits_or_deletes(thread):
    post = services.post_create(actor=veteran(), thread=thread, body="Mien")
    with pytest.raises(PermissionDenied):
        services.post_edit(actor=veteran(), post=post, body="Pas à toi")
    with pytest.raises(PermissionDenied):
        services.post_delete(actor=veteran(), post=post)


def test_a_deleted_post_stays_in_place_as_removed(thread, broadcasts):
    author = veteran()
    post = services.post_create(actor=author, thread=thread, body="Oups")
    services.post_delete(actor=author, post=post)
    post.refresh_from_db()
    thread.refresh_from_db()
    assert post.deleted_at is not None and thread.post_count == 1
    listed = list(post_list(user=None, thread=thread))
    assert post in listed
    assert frames(broadcasts)[-1] == ("post.removed", 3)


# --- Official answers and statuses -------------------------------------------------------------------


def test_the_town_hall_answers_officially_and_followers_are_notified(thread, cotonou, broadcasts):
    # given a supporter (who follows automatically) and a staff member
    supporter = veteran()
    services.support_set(actor=supporter, thread=thread, supported=True)
    mayor = staff(cotonou)
    # when the mayor answers officially
    answer = services.post_create(actor=mayor, thread=thread, body="Travaux en mars.", official=True)
    # then the thread is answered, the events are ordered, the action is audited
    thread.refresh_from_db()
    assert thread.official_answer_id == answer.pk and thread.status == ThreadStatus.ANSWERED
    assert [e for e, _s in frames(broadcasts)][-2:] == ["post.created", "thread.answered"]
    assert AuditLogEntry.objects.filter(action="forum.official_answer", commune=cotonou).exists()
    # and one outbox event names the followers but not the writer
    event = OutboxEvent.objects.get(kind="forum.answer")
    assert sorted(event.payload["audience"]["user_ids"]) == sorted([thread.author_id, supporter.pk])
    assert event.payload["path"].startswith(f"/forum/sujets/{thread.pk}/")


def test_a_reply_notifies_followers_but_not_its_writer(thread):
    # given a thread followed only by its author
    # when someone else replies: the author is notified
    services.post_create(actor=veteran(), thread=thread, body="Moi aussi")
    event = OutboxEvent.objects.get(kind="forum.reply")
    assert event.payload["audience"]["user_ids"] == [thread.author_id]
    # when the author replies: nobody else follows, so no event at all
    services.post_create(actor=thread.author, thread=thread, body="Merci")
    assert OutboxEvent.objects.filter(kind="forum.reply").count() == 1


def test_a_citizen_cannot_answer_officially_or_set_a_status(thread):
    citizen = veteran()
    with pytest.raises(PermissionDenied):
        services.post_create(actor=citizen, thread=thread, body="Je suis le maire", official=True)
    with pytest.raises(PermissionDenied):
        services.thread_status_set(actor=citizen, thread=thread, status="closed")


def test_staff_of_another_commune_cannot_answer(thread):
    other_mayor = staff(CommuneFactory(slug="porto-novo"))
    with pytest.raises(PermissionDenied):
        services.post_create(actor=other_mayor, thread=thread, body="Réponse", official=True)
    with pytest.raises(PermissionDenied):
        services.thread_lock_set(actor=other_mayor, thread=thread, locked=True)


def test_a_rejection_states_its_reason(cotonou, category):
    proposal = services.thread_create(
        actor=veteran(),
        commune=cotonou,
        category=category,
        title="Une proposition",
        body="b",
        kind="proposal",
    )
    mayor = staff(cotonou)
    with pytest.raises(InvalidInput):
        services.proposal_status_set(actor=mayor, thread=proposal, proposal_status="rejected")
    services.proposal_status_set(
        actor=mayor, thread=proposal, proposal_status="rejected", reason="Pas de budget"
    )
    proposal.refresh_from_db()
    assert (proposal.proposal_status, proposal.status_reason) == ("rejected", "Pas de budget")
    assert AuditLogEntry.objects.filter(action="forum.proposal_status").exists()


def test_a_question_has_no_proposal_status(thread, cotonou):
    with pytest.raises(InvalidInput):
        services.proposal_status_set(actor=staff(cotonou), thread=thread, proposal_status="accepted")


# --- Supports ----------------------------------------------------------------------------------------


def test_supporting_twice_is_one_support_and_withdrawing_is_idempotent(thread, broadcasts):
    citizen = veteran()
    services.support_set(actor=citizen, thread=thread, supported=True)
    services.support_set(actor=citizen, thread=thread, supported=True)
    thread.refresh_from_db()
    assert thread.support_count == 1 and Support.objects.filter(thread=thread).count() == 1
    services.support_set(actor=citizen, thread=thread, supported=False)
    services.support_set(actor=citizen, thread=thread, supported=False)
    thread.refresh_from_db()
    assert thread.support_count == 0
    assert [e for e, _s in frames(broadcasts)] == ["thread.support", "thread.support"]


# --- Moderation --------------------------------------------------------------------------------------


def test_flagging_ones_own_post_is_refused(thread):
    with pytest.raises(FlagOwnContent) as caught:
        services.flag_create(actor=thread.author, thread=thread, reason="spam")
    assert caught.value.status == 400


def test_flagging_twice_is_a_conflict(thread):
    post = services.post_create(actor=veteran(), thread=thread, body="Spam")
    reporter = veteran()
    services.flag_create(actor=reporter, thread=thread, reason="spam", post=post)
    with pytest.raises(Conflict):
        services.flag_create(actor=reporter, thread=thread, reason="spam", post=post)


def test_a_post_is_hidden_after_n_distinct_flags(thread, settings, broadcasts):
    # given a threshold of 2 and an abusive reply
    settings.FORUM_FLAGS_TO_HIDE = 2
    post = services.post_create(actor=veteran(), thread=thread, body="Insulte")
    # when two citizens flag it
    for _index in range(2):
        services.flag_create(actor=veteran(), thread=thread, reason="abusive", post=post)
    # then it is hidden from the public, the removal is live and audited
    post.refresh_from_db()
    assert post.hidden and post.flag_count == 2
    assert post not in list(post_list(user=None, thread=thread))
    assert frames(broadcasts)[-1][0] == "post.removed"
    assert AuditLogEntry.objects.filter(action="forum.post_hidden", actor=None).exists()


def test_a_moderator_hides_and_restores_a_thread(thread, cotonou, broadcasts):
    mod = moderator(cotonou)
    services.content_hide(actor=mod, thread=thread, reason="Hors sujet")
    assert not thread_list(commune=cotonou).exists()
    with pytest.raises(NotFound):
        access_thread(veteran(), thread.pk)
    assert access_thread(mod, thread.pk).hidden
    assert frames(broadcasts)[-1][0] == "thread.removed"
    services.content_restore(actor=mod, thread=thread)
    assert thread_list(commune=cotonou).count() == 1
    actions = set(AuditLogEntry.objects.values_list("action", flat=True))
    assert {"forum.thread_hidden", "forum.thread_restored"} <= actions


def test_a_citizen_cannot_moderate(thread):
    with pytest.raises(PermissionDenied):
        services.content_hide(actor=veteran(), thread=thread, reason="x")


def test_a_muted_user_cannot_post_and_is_told_until_when(thread, cotonou):
    citizen = veteran()
    mute = services.user_mute(
        actor=moderator(cotonou), commune=cotonou, user=citizen, days=3, reason="Insultes"
    )
    with pytest.raises(UserMuted) as caught:
        services.post_create(actor=citizen, thread=thread, body="Je reviens")
    assert caught.value.status == 403
    assert caught.value.details["until"] == mute.until.isoformat()
    assert AuditLogEntry.objects.filter(action="forum.user_muted").exists()
    # an expired mute no longer applies
    type(mute).objects.filter(pk=mute.pk).update(until=timezone.now() - datetime.timedelta(minutes=1))
    services.post_create(actor=citizen, thread=thread, body="Je reviens")


def test_a_mute_in_one_commune_does_not_apply_in_another(thread, cotonou):
    citizen = veteran()
    porto = CommuneFactory(slug="porto-novo")
    services.user_mute(actor=moderator(porto), commune=porto, user=citizen, days=3, reason="x")
    services.post_create(actor=citizen, thread=thread, body="Ici je peux")


def test_a_new_account_cannot_post_links_yet(thread, settings):
    # given an account created today with no post
    settings.FORUM_NEW_ACCOUNT_DAYS = 3
    settings.FORUM_NEW_ACCOUNT_POSTS = 2
    newcomer = UserFactory()
    # when it posts a link: refused; plain text is fine
    with pytest.raises(NewAccountLimited):
        services.post_create(actor=newcomer, thread=thread, body="Voir https://spam.example")
    services.post_create(actor=newcomer, thread=thread, body="Bonjour")
    services.post_create(actor=newcomer, thread=thread, body="Merci")
    # then after two posts the link goes through
    services.post_create(actor=newcomer, thread=thread, body="Voir https://ok.example")


def test_categories_are_seeded_once(cotonou):
    assert services.categories_seed(commune=cotonou) == 8
    assert services.categories_seed(commune=cotonou) == 0


def test_staff_edit_categories_of_their_commune_only(cotonou):
    mayor = staff(cotonou)
    category = services.category_save(actor=mayor, commune=cotonou, name="Santé", position=3)
    assert category.slug == "sante"
    with pytest.raises(PermissionDenied):
        services.category_save(actor=mayor, commune=CommuneFactory(slug="ouidah"), name="Santé")
    with pytest.raises(PermissionDenied):
        services.category_save(actor=veteran(), commune=cotonou, name="Santé")


def test_a_moderator_role_is_not_a_staff_answer_role_for_other_roles(cotonou, thread):
    councillor = staff(cotonou, Role.COUNCILLOR)
    post = services.post_create(actor=councillor, thread=thread, body="Réponse", official=True)
    assert post.is_official


# --- Review fixes: closed threads, kept reasons, flags from muted or new accounts, invisible text ---


@pytest.mark.parametrize("status", ["closed", "archived"])
def test_a_closed_or_archived_thread_takes_no_reply_and_no_new_support(thread, cotonou, status):
    # given a thread the town hall closed (or archived), with one earlier supporter
    supporter = veteran()
    services.support_set(actor=supporter, thread=thread, supported=True)
    services.thread_status_set(actor=staff(cotonou), thread=thread, status=status)
    # when a citizen replies or supports it
    with pytest.raises(Conflict) as reply:
        services.post_create(actor=veteran(), thread=thread, body="Encore une chose")
    with pytest.raises(Conflict) as support:
        services.support_set(actor=veteran(), thread=thread, supported=True)
    # then both are refused with 409 thread_closed, nothing is stored, and a support can still be withdrawn
    assert (reply.value.code, support.value.code) == ("thread_closed", "thread_closed")
    assert reply.value.status == 409
    thread.refresh_from_db()
    assert (thread.post_count, thread.support_count) == (1, 1)
    services.support_set(actor=supporter, thread=thread, supported=False)
    thread.refresh_from_db()
    assert thread.support_count == 0


def test_closing_a_rejected_proposal_keeps_the_stated_reason(cotonou, category):
    # given a proposal rejected with a reason
    proposal = services.thread_create(
        actor=veteran(),
        commune=cotonou,
        category=category,
        title="Une proposition",
        body="b",
        kind="proposal",
    )
    mayor = staff(cotonou)
    services.proposal_status_set(
        actor=mayor, thread=proposal, proposal_status="rejected", reason="Pas de budget"
    )
    # when the thread is then closed without a new reason
    services.thread_status_set(actor=mayor, thread=proposal, status="closed")
    # then the rejection's reason is still there
    proposal.refresh_from_db()
    assert (proposal.status, proposal.proposal_status, proposal.status_reason) == (
        "closed",
        "rejected",
        "Pas de budget",
    )


def test_a_muted_user_cannot_flag(thread, cotonou):
    # given a citizen muted in Cotonou and someone else's reply
    muted = veteran()
    services.user_mute(actor=moderator(cotonou), commune=cotonou, user=muted, days=2, reason="Insultes")
    post = services.post_create(actor=veteran(), thread=thread, body="Réponse")
    # when the muted citizen flags it, then it is refused with the mute's end, and nothing is stored
    with pytest.raises(UserMuted) as caught:
        services.flag_create(actor=muted, thread=thread, reason="spam", post=post)
    assert caught.value.status == 403 and "until" in caught.value.as_dict()["error"]
    post.refresh_from_db()
    assert post.flag_count == 0


def test_flags_from_new_accounts_reach_moderators_but_do_not_hide_automatically(thread, settings):
    # given a threshold of 2 and a reply
    settings.FORUM_FLAGS_TO_HIDE = 2
    post = services.post_create(actor=veteran(), thread=thread, body="Réponse gênante pour quelqu'un")
    # when three brand-new accounts flag it
    for _index in range(3):
        services.flag_create(actor=UserFactory(), thread=thread, reason="abusive", post=post)
    # then the flags are stored (the moderators' queue shows them) but the reply stays visible
    post.refresh_from_db()
    assert not post.hidden and post.flag_count == 0
    assert post.flags.count() == 3
    # and two flags from established accounts do hide it
    for _index in range(2):
        services.flag_create(actor=veteran(), thread=thread, reason="abusive", post=post)
    post.refresh_from_db()
    assert post.hidden


INVISIBLE_TITLES = ["\u200b\u200b\u200b\u200b\u200b\u200b", "a\u200b\u200b\u200b\u200b", "    \u2060"]


@pytest.mark.parametrize("title", INVISIBLE_TITLES)
def test_titles_and_bodies_of_invisible_characters_are_refused(cotonou, category, title):
    with pytest.raises(InvalidInput) as caught:
        services.thread_create(
            actor=veteran(),
            commune=cotonou,
            category=category,
            title=title,
            body="Un vrai message",
            kind="question",
        )
    assert "title" in caught.value.as_dict()["error"]["fields"]
    with pytest.raises(InvalidInput) as caught_body:
        services.thread_create(
            actor=veteran(),
            commune=cotonou,
            category=category,
            title="Un titre correct",
            body="\u200b\u200b",
            kind="question",
        )
    assert "body" in caught_body.value.as_dict()["error"]["fields"]
