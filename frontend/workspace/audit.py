"""How an audit-log entry reads on the workspace and the journal: a label for its action, the object
it names (with a link, when that object has a page) and the reason given, when there is one.

Some entries name their object by ids only (a roll-call line stores the member's id): the names are
fetched once for a whole page of entries (``lookups_for``), never one query per line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from council.models import CouncilMember, Presence
from hub.models import AuditLogEntry

ACTION_LABELS = {
    "evaluation.report_commentary": _("Evaluation report commentary edited"),
    "evaluation.report_publish": _("Evaluation report published"),
    "evaluation.report_unpublish": _("Evaluation report withdrawn"),
    "practice.create": _("Practice sheet written"),
    "practice.update": _("Practice sheet edited"),
    "practice.publish": _("Practice sheet published"),
    "practice.withdraw": _("Practice sheet withdrawn"),
    "council.attendance": _("Council attendance recorded"),
    "council.committee_create": _("Council committee created"),
    "council.committee_delete": _("Council committee deleted"),
    "council.counts_record": _("Secret ballot counts recorded"),
    "council.counts_correct": _("Secret ballot counts corrected"),
    "council.member_create": _("Council member added"),
    "council.member_delete": _("Council member removed"),
    "council.member_photo": _("Council member's photo changed"),
    "council.member_update": _("Council member edited"),
    "council.motion_close": _("Council vote closed"),
    "council.motion_deliberation": _("Deliberation linked to a motion"),
    "council.motion_open": _("Council vote opened"),
    "council.rules_update": _("Council voting rules changed"),
    "council.votes_record": _("Council votes recorded"),
    "council.vote_correct": _("Council vote corrected"),
    "document.created": _("Document created"),
    "document.updated": _("Document edited"),
    "document.published": _("Document published"),
    "document.withdrawn": _("Document withdrawn"),
    "document.deleted": _("Document deleted"),
    "document.file_added": _("File added to a document"),
    "document.file_replaced": _("File of a document replaced"),
    "contract.created": _("Contract recorded"),
    "contract.updated": _("Contract edited"),
    "contract.published": _("Contract published"),
    "contract.withdrawn": _("Contract withdrawn"),
    "agenda.created": _("Agenda event added"),
    "agenda.updated": _("Agenda event edited"),
    "agenda.published": _("Agenda event published"),
    "agenda.withdrawn": _("Agenda event cancelled"),
    "commitment.create": _("Commitment made"),
    "commitment.update": _("Commitment edited"),
    "commitment.post_update": _("Commitment update posted"),
    "commune.profile_updated": _("Public profile edited"),
    "membership.granted": _("Role granted"),
    "membership.revoked": _("Role revoked"),
    "forum.category_created": _("Forum category created"),
    "forum.category_updated": _("Forum category edited"),
    "forum.thread_status": _("Status of a forum topic changed"),
    "forum.proposal_status": _("Status of a proposal changed"),
    "forum.thread_locked": _("Forum topic locked"),
    "forum.thread_unlocked": _("Forum topic unlocked"),
    "forum.thread_restored": _("Forum topic restored"),
    "forum.official_answer": _("Official answer on the forum"),
    "forum.post_hidden": _("Forum message hidden"),
    "forum.post_restored": _("Forum message restored"),
    "forum.thread_hidden": _("Forum topic hidden"),
    "forum.user_muted": _("Citizen muted on the forum"),
    "session.schedule": _("Session scheduled"),
    "session.update": _("Session edited"),
    "session.start": _("Session started"),
    "session.end": _("Session ended"),
    "session.agenda_add": _("Agenda item added to a session"),
    "session.agenda_update": _("Agenda item of a session edited"),
    "session.agenda_remove": _("Agenda item removed from a session"),
    "session.agenda_reorder": _("Session agenda reordered"),
    "session.agenda_current": _("Session moved to an agenda item"),
    "session.poll_create": _("Poll created"),
    "session.poll_open": _("Poll opened"),
    "session.poll_close": _("Poll closed"),
    "session.chat_remove": _("Chat message removed"),
    "session.commitment_create": _("Commitment made in session"),
    "session.commitment_update": _("Commitment edited in session"),
    "session.question_approve": _("Question approved"),
    "session.question_reject": _("Question rejected"),
    "session.question_answering": _("Question being answered"),
    "session.question_answered": _("Question answered"),
    "session.mute": _("Citizen muted in a session"),
    "session.ban": _("Citizen banned from a session"),
    "session.sanction_lift": _("Sanction lifted"),
    "consultations.create": _("Consultation created"),
    "consultations.update": _("Consultation edited"),
    "consultations.announced": _("Consultation announced"),
    "consultations.open": _("Consultation opened"),
    "consultations.closed": _("Consultation closed"),
    "consultations.respond": _("Response to a consultation published"),
    "consultations.respond_correct": _("Response to a consultation corrected"),
    "consultations.comment_reply": _("Reply to a comment on a draft"),
    "consultations.comment_hide": _("Comment on a draft hidden"),
    "consultations.workshop_record": _("Workshop recorded"),
    "consultations.workshop_update": _("Workshop edited"),
    "consultations.workshop_photo_add": _("Photo added to a workshop"),
    "consultations.workshop_photo_delete": _("Photo of a workshop deleted"),
    "consultations.organisation_accredit": _("Organisation accredited"),
    "consultations.organisation_update": _("Organisation edited"),
    "consultations.organisation_withdraw": _("Accreditation of an organisation withdrawn"),
    "consultations.facilitator_grant": _("Facilitator named"),
    "consultations.facilitator_revoke": _("Facilitator revoked"),
    "consultations.council_member_add": _("Citizen council member added"),
    "consultations.council_member_update": _("Citizen council member edited"),
    "consultations.council_member_leave": _("Citizen council member left"),
    "consultations.council_meeting_record": _("Citizen council meeting recorded"),
    "consultations.council_meeting_update": _("Citizen council meeting edited"),
    "consultations.council_opinion_record": _("Citizen council's opinion recorded"),
    "sms.budget_set": _("Monthly SMS budget set"),
}

# object_type (model label) → (URL name, whether the URL takes the commune's slug first).
OBJECT_PAGES = {
    "practices.practicesheet": ("frontend:practice-detail", False),
    "publications.document": ("frontend:pub-document", True),
    "publications.contract": ("frontend:pub-contract", True),
    "publications.agendaevent": ("frontend:pub-agenda-event", True),
    "commitments.commitment": ("frontend:commitment", False),
    "sessions_live.commitment": ("frontend:commitment", False),  # moved to commitments, same ids
    "sessions_live.livesession": ("frontend:session", False),
    "forums.thread": ("frontend:forum-thread", False),
    "consultations.consultation": ("frontend:consultation-detail", True),
}


# Objects whose own label is technical ("#24 in 9"): named by what they are instead.
OBJECT_NOUNS = {
    "evaluation.evaluationreport": _("a yearly evaluation report"),
    "council.councilrules": _("the council's voting rules"),
    "forums.post": _("a message of the forum"),
    "commitments.commitmentupdate": _("an update of a commitment"),
    "sessions_live.sessionsanction": _("a sanction in a session"),
    "consultations.comment": _("a comment on a draft under consultation"),
    "consultations.workshop": _("a workshop of a consultation"),
    "consultations.workshopphoto": _("a photo of a workshop"),
    "consultations.facilitator": _("a facilitator's appointment"),
    "consultations.citizencouncilmeeting": _("a meeting of the citizen council"),
    "consultations.councilopinion": _("the citizen council's opinion on a consultation"),
    "notifications.smscommunesettings": _("the commune's SMS settings"),
}
ACCOUNT = re.compile(r"^(?P<name>.*) \(#(?P<id>\d+)\)$")


# Actions whose data's "reason" is a code of the platform ("tie_rejected"), not words someone wrote.
CODED_REASONS = {"council.motion_close"}
# The stored labels of objects named by ids: "<commune> <year> (<status>)", "<member>@<session>: <status>".
REPORT_LABEL = re.compile(r"^\d+ (?P<year>\d{4}) ")
ATTENDANCE_LABEL = re.compile(r"^(?P<member>\d+)@(?P<session>\d+): (?P<status>[a-z_]+)$")


@dataclass(frozen=True)
class Lookups:
    """The names a page of entries refers to by id, fetched once for the page."""

    members: Mapping[int, str] = field(default_factory=dict)


NO_LOOKUPS = Lookups()


@dataclass(frozen=True)
class RollCallLine:
    """What a ``council.attendance`` entry says: who, in which session, now in which state."""

    member: int
    session: int | None
    status: str
    holder: int | None = None
    before: str = ""


def _id(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def roll_call_line(entry: AuditLogEntry) -> RollCallLine | None:
    if entry.action != "council.attendance":
        return None
    data = entry.data if isinstance(entry.data, dict) else {}
    after, before, member = data.get("after"), data.get("before"), _id(data.get("member"))
    if member is not None and isinstance(after, dict):
        return RollCallLine(
            member=member,
            session=_id(data.get("session")),
            status=str(after.get("status") or ""),
            holder=_id(after.get("proxy_holder")),
            before=str(before.get("status") or "") if isinstance(before, dict) else "",
        )
    found = ATTENDANCE_LABEL.match(entry.object_label)
    if found is None:
        return None
    return RollCallLine(member=int(found["member"]), session=int(found["session"]), status=found["status"])


def lookups_for(entries: Iterable[AuditLogEntry]) -> Lookups:
    """One query for the council members a page of entries names (none when it names none)."""
    member_ids: set[int] = set()
    communes: set[int] = set()
    for entry in entries:
        line = roll_call_line(entry)
        if line is None or entry.commune_id is None:
            continue
        communes.add(entry.commune_id)
        member_ids.update(i for i in (line.member, line.holder) if i is not None)
    if not member_ids:
        return NO_LOOKUPS
    found = CouncilMember.objects.filter(pk__in=member_ids, commune_id__in=communes)
    return Lookups(members=dict(found.values_list("pk", "full_name")))


def _presence(status: str) -> str:
    """A roll-call state in words, starting lower case as it follows the member's name."""
    words = str(Presence(status).label) if status in Presence.values else status
    return words[:1].lower() + words[1:]


def roll_call_text(line: RollCallLine, lookups: Lookups) -> str:
    def name(member: int) -> str:
        return lookups.members.get(member) or gettext("a council member")

    if line.status == Presence.PROXY and line.holder is not None:
        text = gettext("%(member)s: represented by %(holder)s (proxy)") % {
            "member": name(line.member),
            "holder": name(line.holder),
        }
    else:
        text = gettext("%(member)s: %(status)s") % {
            "member": name(line.member),
            "status": _presence(line.status),
        }
    if line.before and line.before != line.status:
        text += " " + gettext("(before: %(status)s)") % {"status": _presence(line.before)}
    return text


def report_year(entry: AuditLogEntry) -> int | None:
    """The year of the evaluation report an entry names (its data; else its stored label)."""
    if entry.object_type != "evaluation.evaluationreport":
        return None
    year = _id(entry.data.get("year")) if isinstance(entry.data, dict) else None
    if year is not None:
        return year
    found = REPORT_LABEL.match(entry.object_label)
    return int(found["year"]) if found else None


def reason_text(entry: AuditLogEntry) -> str:
    """The reason the person gave (a withdrawal, a hidden message...), as they wrote it, or ""."""
    if entry.action in CODED_REASONS or not isinstance(entry.data, dict):
        return ""
    reason = entry.data.get("reason")
    return reason.strip() if isinstance(reason, str) else ""


def action_label(entry: AuditLogEntry) -> str:
    return str(ACTION_LABELS.get(entry.action, entry.action))


def object_text(entry: AuditLogEntry, lookups: Lookups = NO_LOOKUPS) -> str:
    line = roll_call_line(entry)
    if line is not None:
        return roll_call_text(line, lookups)
    year = report_year(entry)
    if year is not None:
        return gettext("the evaluation report %(year)s") % {"year": year}
    noun = OBJECT_NOUNS.get(entry.object_type)
    return str(noun) if noun is not None else entry.object_label


def actor_parts(entry: AuditLogEntry) -> tuple[str, str]:
    """(name, account number) from the stored label "Name (#12)"; the number may be ""."""
    if entry.actor_label == "system":
        return str(_("the platform")), ""
    found = ACCOUNT.match(entry.actor_label)
    return (found["name"], found["id"]) if found else (entry.actor_label, "")


def _reverse(name: str, *args: object) -> str:
    try:
        return reverse(name, args=list(args))
    except NoReverseMatch:
        return ""


def object_url(entry: AuditLogEntry) -> str:
    """The page of the object the entry names, or "" (no page, or it was deleted)."""
    if (
        entry.object_type == "commitments.commitmentupdate"
        and str(entry.data.get("commitment", "")).isdigit()
    ):
        return reverse("frontend:commitment", args=[int(entry.data["commitment"])])
    line = roll_call_line(entry)
    if line is not None:
        # The session's roll call, on the council desk (kept by those who read the journal).
        return _reverse("frontend:session-council", line.session) if line.session is not None else ""
    year = report_year(entry)
    if year is not None:
        # The report's page: staff also see it when it is a draft again (withdrawn).
        return _reverse("frontend:evaluation-report", entry.commune.slug, year) if entry.commune else ""
    target = OBJECT_PAGES.get(entry.object_type)
    if target is None or not entry.object_id.isdigit() or entry.action.endswith(".deleted"):
        return ""
    name, with_slug = target
    args: list[object] = [int(entry.object_id)]
    if with_slug:
        if entry.commune is None:
            return ""
        args.insert(0, entry.commune.slug)
    return _reverse(name, *args)
