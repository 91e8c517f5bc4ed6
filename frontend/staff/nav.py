"""The staff links of a commune, shown on its staff pages: each one only to those who may use it."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from hub.models import Commune


@dataclass(frozen=True)
class StaffLink:
    label: str
    url: str
    current: bool


def staff_links(request: HttpRequest, commune: Commune) -> list[StaffLink]:
    user = request.user
    current = request.resolver_match.url_name if request.resolver_match else ""
    links: list[tuple[str, str]] = []
    if user.has_perm("hub.view_staff_area", commune):
        links.append((_("Workspace"), "workspace"))
    if user.has_perm("hub.publish_in_commune", commune):
        links += [
            (_("Publish a document"), "pub-publish"),
            (_("Record a contract"), "pub-contract-new"),
            (_("Add an agenda event"), "pub-agenda-new"),
            (_("Consultations"), "consultations-manage"),
            (_("Organisations and citizen council"), "consultation-organisations"),
            (_("Good practices"), "practice-commune"),
        ]
    if user.has_perm("hub.moderate_commune", commune):
        links.append((_("Moderation queue"), "forum-moderation"))
    if user.has_perm("hub.view_staff_area", commune):
        links += [(_("Team"), "staff-team"), (_("SMS"), "staff-sms")]
    if user.has_perm("evaluation.view_dashboard", commune):
        links += [(_("Evaluation"), "evaluation-dashboard"), (_("Yearly reports"), "evaluation-reports")]
    if user.has_perm("hub.change_commune_profile", commune):
        links.append((_("Public profile"), "staff-profile"))
    if user.has_perm("hub.view_commune_audit_log", commune):
        links.append((_("Journal"), "workspace-journal"))
    return [
        StaffLink(label=label, url=reverse(f"frontend:{name}", args=[commune.slug]), current=name == current)
        for label, name in links
    ]
