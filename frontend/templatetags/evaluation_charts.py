"""``{% evaluation_section "usage" figures previous as section %}``: a section of the evaluation
(``frontend/evaluation/sections.py``), prepared from a figures dict for the section templates
(``frontend/templates/frontend/evaluation/_section_<name>.html``), so that they only write it out.

``previous`` (the year before's figures) and the options (``show_sessions=True`` for the live
section's table of sessions) may be left out: an include that is not given them compares nothing.
"""

from __future__ import annotations

from typing import Any

from django import template

from frontend.evaluation.sections import Section, build

register = template.Library()


@register.simple_tag
def evaluation_section(name: str, figures: dict[str, Any], previous: Any = None, **options: Any) -> Section:
    # An include not given ``previous`` resolves it to "" (the engine's empty value): no comparison.
    return build(name, figures, previous if isinstance(previous, dict) else None, **options)
