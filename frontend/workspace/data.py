"""The sections of a commune's workspace, each gathered only for those whose role lets them act on
it (``hub/permissions.py``): a communication officer does not see the moderation queue, a moderator
does not see the drafts. Every list is short and its count exact; each item links to its page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from commitments.models import Commitment
from commitments.selectors import commune_counts, open_commitments
from forums.models import Flag, Thread
from forums.selectors import flagged_content, proposals_awaiting_status
from frontend.consultations.staff.common import Attention, workspace_attention
from frontend.workspace.audit import (
    NO_LOOKUPS,
    Lookups,
    action_label,
    actor_parts,
    lookups_for,
    object_text,
    object_url,
    reason_text,
)
from hub.models import AuditLogEntry, Commune
from hub.selectors import commune_audit_entries
from publications.selectors.workspace import Drafts, DueItem, drafts, register_attention
from sessions_live.models import LiveSession
from sessions_live.selectors import workspace_sessions

AUDIT_SHOWN = 10


@dataclass
class AuditLine:
    entry: AuditLogEntry
    label: str
    url: str
    target: str
    actor: str
    account: str
    reason: str = ""

    @classmethod
    def of(cls, entry: AuditLogEntry, lookups: Lookups = NO_LOOKUPS) -> AuditLine:
        actor, account = actor_parts(entry)
        return cls(
            entry,
            action_label(entry),
            object_url(entry),
            object_text(entry, lookups),
            actor,
            account,
            reason_text(entry),
        )


def audit_lines(entries: Iterable[AuditLogEntry]) -> list[AuditLine]:
    """The lines of a page of entries, with the names they refer to by id fetched once for all."""
    listed = list(entries)
    lookups = lookups_for(listed)
    return [AuditLine.of(entry, lookups) for entry in listed]


@dataclass
class Workspace:
    commune: Commune
    can_publish: bool
    can_moderate: bool
    can_set_status: bool
    can_read_audit: bool
    sessions: list[LiveSession] = field(default_factory=list)
    late: list[DueItem] = field(default_factory=list)
    due_soon: list[DueItem] = field(default_factory=list)
    drafts: Drafts | None = None
    overdue_commitments: list[Commitment] = field(default_factory=list)
    open_commitments: list[Commitment] = field(default_factory=list)
    commitment_counts: Any = None
    flags: list[Flag] = field(default_factory=list)
    flag_count: int = 0
    proposals: list[Thread] = field(default_factory=list)
    proposal_count: int = 0
    audit: list[AuditLine] = field(default_factory=list)
    consultations: Attention | None = None

    @property
    def questions_to_moderate(self) -> int:
        return sum(getattr(s, "pending_count", 0) for s in self.sessions) if self.can_moderate else 0

    @property
    def questions_to_answer(self) -> int:
        return sum(getattr(s, "unanswered_count", 0) for s in self.sessions) if self.can_publish else 0

    @property
    def summary(self) -> list[tuple[str, int, str]]:
        """(key, count, anchor) of what waits, for the line at the top: only what this person acts on."""
        lines: list[tuple[str, int, str]] = []
        if self.can_publish:
            lines.append(("late", len(self.late), "registre"))
            lines.append(("drafts", self.drafts.total if self.drafts else 0, "brouillons"))
        if self.can_moderate:
            lines.append(("to_moderate", self.questions_to_moderate, "seances"))
        if self.can_publish:
            lines.append(("to_answer", self.questions_to_answer, "seances"))
        if self.can_publish:  # those who post the commitments' updates
            overdue = self.commitment_counts.overdue if self.commitment_counts else 0
            lines.append(("overdue", overdue, "engagements"))
        if self.can_moderate:
            lines.append(("flags", self.flag_count, "signalements"))
        if self.can_set_status:
            lines.append(("proposals", self.proposal_count, "propositions"))
        return lines


def workspace_for(request: HttpRequest, commune: Commune) -> Workspace:
    user = request.user
    space = Workspace(
        commune=commune,
        can_publish=user.has_perm("hub.publish_in_commune", commune),
        can_moderate=user.has_perm("hub.moderate_commune", commune),
        can_set_status=user.has_perm("forums.set_status", commune),
        can_read_audit=user.has_perm("hub.view_commune_audit_log", commune),
    )
    space.sessions = workspace_sessions(commune_id=commune.pk)
    if space.can_publish:
        space.late, space.due_soon = register_attention(commune=commune)
        space.drafts = drafts(commune=commune)
        space.consultations = workspace_attention(commune)
    space.overdue_commitments, space.open_commitments = open_commitments(commune=commune)
    space.commitment_counts = commune_counts(commune)
    if space.can_moderate:
        space.flags, space.flag_count = flagged_content(commune=commune)
    if space.can_set_status:
        space.proposals, space.proposal_count = proposals_awaiting_status(commune=commune)
    if space.can_read_audit:
        entries = commune_audit_entries(commune=commune)[:AUDIT_SHOWN]
        space.audit = audit_lines(entries)
    return space
