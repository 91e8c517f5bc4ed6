"""Questions to a sheet's commune: a thread of the AUTHORING commune's forum, in its "good practices"
category (made once), opened through the forum's service (its rules apply: mutes, the commune open);
the asker follows it and hears the official answer from the forum; the commune's publishing staff
are told; staff of another commune are named with their role. Bad input and sheets nobody may see
are refused with nothing written."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from forums.models import Category, Mute, Post, Thread, ThreadFollow, ThreadKind, ThreadStatus
from forums.services import post_create
from hub.errors import DomainError, NotAuthenticated
from hub.models import OutboxEvent, Role
from notifications.models import Channel, Notification
from practices import services
from practices.errors import Invalid, SheetNotFound
from practices.models import PracticeQuestion, SheetStatus
from practices.services.questions import CATEGORY_SLUG, markdown_escaped
from tests.factories import CommuneFactory, MembershipFactory, UserFactory
from tests.factories_practices import PracticeSheetFactory, publisher

pytestmark = pytest.mark.django_db


def test_a_question_opens_a_thread_in_the_authoring_communes_forum(django_capture_on_commit_callbacks):
    # given a published sheet of Abomey-Calavi, its staff who publish, and the secretary-general of
    # Akpro-Missérété (staff of another commune) who asks
    calavi = CommuneFactory(name="Abomey-Calavi", slug="abomey-calavi")
    akpro = CommuneFactory(name="Akpro-Missérété", slug="akpro-misserete")
    sheet = PracticeSheetFactory(commune=calavi, title="Taxes de marché [par] *mobile* money www.calavi.bj")
    mayor = MembershipFactory(commune=calavi, role=Role.MAYOR).user
    officer = publisher(calavi)
    MembershipFactory(commune=calavi, role=Role.MODERATOR)
    asker = MembershipFactory(commune=akpro, role=Role.SECRETARY_GENERAL).user
    # when they ask
    with django_capture_on_commit_callbacks(execute=True):
        question = services.question_ask(
            actor=asker, sheet=sheet, title="Quel opérateur ?", body="Qui paie les frais de transaction ?"
        )
    # then a question thread is open in Abomey-Calavi's forum, in its good practices category
    thread = question.thread
    assert thread.commune == calavi and thread.kind == ThreadKind.QUESTION and thread.author == asker
    assert thread.category.slug == CATEGORY_SLUG and thread.category.commune == calavi
    assert thread.title == "Quel opérateur ?"
    opening = Post.objects.get(thread=thread, is_opening=True)
    # its opening message names the sheet as plain text (never a link) before the question
    assert "Qui paie les frais de transaction ?" in opening.body
    assert "Taxes de marché [par] *mobile* money www.calavi.bj" in opening.body_html
    assert "<a " not in opening.body_html
    # the asker follows it, and is named with their role in their own commune
    assert ThreadFollow.objects.filter(thread=thread, user=asker).exists()
    assert (question.asker_commune, question.asker_role) == (akpro, Role.SECRETARY_GENERAL)
    # the commune's publishing staff are told (not its moderator)
    event = OutboxEvent.objects.get(kind="practice.question")
    assert event.commune == calavi
    assert event.payload["audience"]["user_ids"] == sorted([mayor.pk, officer.pk])
    # when the mayor answers officially in the forum, the asker hears it from the forum
    with django_capture_on_commit_callbacks(execute=True):
        post_create(actor=mayor, thread=thread, body="Les deux opérateurs ; la mairie paie.", official=True)
    thread.refresh_from_db()
    assert thread.official_answer_id is not None and thread.status == ThreadStatus.ANSWERED
    assert Notification.objects.filter(
        recipient=asker, event__kind="forum.answer", channel=Channel.IN_APP
    ).exists()


def test_the_category_is_made_once_and_a_citizens_question_has_no_role():
    sheet = PracticeSheetFactory()
    first = services.question_ask(actor=UserFactory(), sheet=sheet, body="Première question, assez longue.")
    second = services.question_ask(actor=UserFactory(), sheet=sheet, body="Deuxième question ?")
    assert Category.objects.filter(commune=sheet.commune, slug=CATEGORY_SLUG).count() == 1
    assert first.thread.category_id == second.thread.category_id
    assert (first.asker_commune, first.asker_role) == (None, "")
    # without a title, the question's first line is the title
    assert first.thread.title == "Première question, assez longue."


def test_a_staff_member_of_the_same_commune_is_named_by_another_commune_first():
    sheet = PracticeSheetFactory()
    other = CommuneFactory(name="Zè")
    asker = MembershipFactory(commune=sheet.commune, role=Role.MAYOR).user
    MembershipFactory(user=asker, commune=other, role=Role.COUNCILLOR)
    question = services.question_ask(actor=asker, sheet=sheet, body="Une question d'un voisin ?")
    assert (question.asker_commune, question.asker_role) == (other, Role.COUNCILLOR)


@pytest.mark.parametrize(
    ("title", "body", "field"),
    [
        ("", "", "body"),
        ("", "   ", "body"),
        ("", "\u200b\u200b", "body"),
        ("", 42, "body"),
        ("", "x" * 4001, "body"),
        ("Ab", "Une question ?", "title"),
        ("x" * 161, "Une question ?", "title"),
        ("", "Ok?", "title"),
        ("", "nul\x00", "body"),
    ],
)
def test_bad_questions_are_refused_and_nothing_is_written(title, body, field):
    sheet = PracticeSheetFactory()
    with pytest.raises(DomainError) as refused:
        services.question_ask(actor=UserFactory(), sheet=sheet, title=title, body=body)
    assert refused.value.status == 400 and field in refused.value.details["fields"]
    assert not Thread.objects.exists() and not PracticeQuestion.objects.exists()


def test_drafts_withdrawn_sheets_and_the_signed_out_are_refused():
    draft = PracticeSheetFactory(status=SheetStatus.DRAFT)
    withdrawn = PracticeSheetFactory(status=SheetStatus.WITHDRAWN)
    for sheet in (draft, withdrawn):
        with pytest.raises(SheetNotFound):
            services.question_ask(actor=UserFactory(), sheet=sheet, body="Une question ?")
    with pytest.raises(NotAuthenticated):
        services.question_ask(actor=None, sheet=PracticeSheetFactory(), body="Une question ?")
    assert not Thread.objects.exists()


def test_the_forums_rules_apply_a_muted_citizen_cannot_ask():
    sheet = PracticeSheetFactory()
    citizen = UserFactory()
    Mute.objects.create(
        commune=sheet.commune,
        user=citizen,
        until=timezone.now() + datetime.timedelta(days=1),
        reason="Insultes",
        by=MembershipFactory(commune=sheet.commune, role=Role.MODERATOR).user,
    )
    with pytest.raises(DomainError) as refused:
        services.question_ask(actor=citizen, sheet=sheet, body="Une question ?")
    assert refused.value.code == "muted"
    assert not Thread.objects.exists() and not PracticeQuestion.objects.exists()
    assert not Category.objects.filter(slug=CATEGORY_SLUG).exists()


def test_invalid_is_the_code_of_the_practices_own_checks():
    with pytest.raises(Invalid) as refused:
        services.question_ask(actor=UserFactory(), sheet=PracticeSheetFactory(), body="")
    assert refused.value.code == "validation_error"


def test_markdown_escaping_keeps_the_text_and_defeats_links():
    escaped = markdown_escaped("Voir [ici](http://x.bj) ou www.y.bj <https://z.bj>")
    from forums.markdown import has_link, render

    assert not has_link(escaped)
    assert "Voir [ici](http://x.bj) ou www.y.bj &lt;https://z.bj&gt;" in render(escaped)
