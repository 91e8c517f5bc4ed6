"""``{% evaluation_section "usage" figures previous as section %}``: a section of the evaluation
(``frontend/evaluation/sections.py``), prepared from a figures dict for the section templates
(``frontend/templates/frontend/evaluation/_section_<name>.html``), so that they only write it out.

``previous`` (the year before's figures) and the options (``show_sessions=True`` for the live
section's table of sessions) may be left out: an include that is not given them compares nothing.
"""

from __future__ import annotations

from typing import Any

from django import template

from evaluation.labels import SECTION_TITLES
from frontend.evaluation.sections import Section, build

register = template.Library()


@register.simple_tag
def evaluation_section(name: str, figures: dict[str, Any], previous: Any = None, **options: Any) -> Section:
    # An include not given ``previous`` resolves it to "" (the engine's empty value): no comparison.
    return build(name, figures, previous if isinstance(previous, dict) else None, **options)


# The sections in the order _sections.html shows them (the SMS one only where SMS is on).
CONTENTS_ORDER = ("usage", "audience", "live", "participation", "groups", "answers", "transparency", "sms")


@register.simple_tag
def evaluation_contents(figures: dict[str, Any]) -> list[tuple[str, str]]:
    """(anchor, title) of each section the page shows: a contents list to jump ahead on a long page."""
    shown = [name for name in CONTENTS_ORDER if name != "sms" or figures.get("sms", {}).get("enabled")]
    return [(f"ev-{name}", str(SECTION_TITLES[name])) for name in shown]
