"""``{% sms_workspace_figures commune as sms %}``: the commune's SMS figures for the SMS card of the
workspace (``frontend/sms/_workspace.html``), read where the card is drawn so that the workspace's own
data stays about what needs doing."""

from __future__ import annotations

from django import template

from frontend.sms.figures import SmsFigures, sms_figures
from hub.models import Commune

register = template.Library()


@register.simple_tag
def sms_workspace_figures(commune: Commune) -> SmsFigures:
    return sms_figures(commune)
