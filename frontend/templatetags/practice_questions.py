"""What a forum thread's page shows of the practice sheet it asks about.

A question on a practice sheet is a thread of the commune's forum; the forums app sits below this
one and knows nothing of sheets. Its page's template asks here (``{% load practice_questions %}``),
so the link to the sheet is drawn by the frontend while no forums code imports practices. Only a
thread of the commune's good-practices category costs a query."""

from __future__ import annotations

from typing import Any

from django import template

from practices import selectors
from practices.models import PracticeSheet
from practices.services.questions import CATEGORY_SLUG

register = template.Library()


@register.simple_tag
def practice_question_sheet(thread: Any) -> PracticeSheet | None:
    """The sheet ``thread`` is a question about, or ``None`` for any other thread."""
    category = getattr(thread, "category", None)
    if category is None or category.slug != CATEGORY_SLUG:
        return None
    return selectors.question_sheet(thread.pk)
