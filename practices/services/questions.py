"""Asking the commune of a practice sheet a question: a forum thread of THAT commune, opened through
the forum's own service (its checks: a signed-in account, the commune open, mutes, the new-account
link limit), in the commune's "good practices" category (made the first time it is needed). The
commune's staff answer it with the forum's tools (official answer, status); the asker follows the
thread, so the forum tells them of the answer.

The thread's opening message says which sheet it is about, in the commune's language, before the
asker's words: staff reading their forum see the context. The sheet's title is escaped for Markdown,
so it renders as the text it is and never counts as a link the asker wrote.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from forums.models import Category, ThreadKind
from forums.services import thread_create
from forums.services.common import visible_length
from hub.cleaning import FieldCleaner
from practices.errors import Invalid, SheetNotFound
from practices.models import PracticeQuestion, PracticeSheet
from practices.selectors import staff_role
from practices.services.common import require_user
from practices.services.notify import notify_question

CATEGORY_SLUG = "bonnes-pratiques"
CATEGORY_NAME = gettext_noop("Good practices")
CATEGORY_DESCRIPTION = gettext_noop(
    "Questions from other communes and from citizens about our practice sheets."
)
# The forum's limits on a thread's title (5 to 160 characters); a question's own limit.
TITLE_MAX_CHARS = 160
TITLE_MIN_CHARS = 5
BODY_MAX_CHARS = 4000
CONTEXT = gettext_noop("Question about the good practice sheet “%(title)s”.")
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


class QuestionCleaner(FieldCleaner):
    invalid = Invalid
    refuse_nul = True


def markdown_escaped(text: str) -> str:
    """``text`` as Markdown that renders as itself: every ASCII punctuation mark escaped."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(text.split()))


def title_from(body: str) -> str:
    """A thread title from the question: its first line, cut at a word."""
    first_line = next((line.strip() for line in body.splitlines() if line.strip()), "")
    return Truncator(first_line).chars(TITLE_MAX_CHARS - 10)


def _category(sheet: PracticeSheet) -> Category:
    """The commune's category for these questions, made the first time (named in its language). The
    thread created next invalidates the commune's cached forum reads in the same transaction."""
    with translation.override(settings.LANGUAGE_CODE):
        category, _created = Category.objects.get_or_create(
            commune=sheet.commune,
            slug=CATEGORY_SLUG,
            defaults={"name": _(CATEGORY_NAME), "description": _(CATEGORY_DESCRIPTION), "position": 90},
        )
    return category


def question_ask(*, actor: Any, sheet: PracticeSheet, body: Any, title: Any = "") -> PracticeQuestion:
    """Open a thread in the sheet's commune's forum about the sheet (a published one). Without a
    title, the question's first line is the title. The commune's publishing staff are told."""
    user = require_user(actor, _("Sign in to ask a question."))
    cleaner = QuestionCleaner()
    clean_title = cleaner.text(title, field="title", max_length=TITLE_MAX_CHARS, required=False)
    clean_body = cleaner.text(body, field="body", max_length=BODY_MAX_CHARS, required=True)
    if clean_body and not visible_length(clean_body):
        cleaner.fail("body", _("Write a question."))
    cleaner.done()
    clean_title = clean_title or title_from(clean_body)
    if visible_length(clean_title) < TITLE_MIN_CHARS:
        message = _("A title has 5 to 160 characters.")
        raise Invalid(message, fields={"title": [message]})
    asker_commune, asker_role = staff_role(user, other_than=sheet.commune_id)
    with translation.override(settings.LANGUAGE_CODE):
        context = _(CONTEXT) % {"title": markdown_escaped(sheet.title)}
    with transaction.atomic():
        locked = PracticeSheet.objects.select_related("commune").select_for_update(of=("self",))
        current = locked.filter(pk=sheet.pk).first()
        if current is None or not current.is_published:
            raise SheetNotFound()
        thread = thread_create(
            actor=user,
            commune=current.commune,
            category=_category(current),
            title=clean_title,
            body=f"*{context}*\n\n{clean_body}",
            kind=ThreadKind.QUESTION,
        )
        question = PracticeQuestion.objects.create(
            sheet=current, thread=thread, asker_commune=asker_commune, asker_role=asker_role
        )
        notify_question(question, user)
    return question
