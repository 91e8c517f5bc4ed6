"""The council: its members and committees, the rules it votes by, and what each council session
records: the roll call (``Attendance``), motions and their votes, and corrections.

A member is a person elected to the council, with or without an account on Communes+ (``user``).
"In office" on a day means the mandate had started and not ended that day; the quorum's base is the
number of members in office on the session's day.

Results are never typed: ``council.rules`` computes them from the votes (named) or the counts (secret
ballot) and the rules the motion was opened under, which it keeps (``majority_rule``, ``tie_rule``),
so a later change of the commune's rules never changes a past result. Constraints carry what must
hold under concurrency: one roll-call row per (session, member), one vote per (motion, member), at
most one open motion per session.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hub.models import Commune

MAX_NAME_CHARS = 120
MAX_MOTION_TITLE_CHARS = 200
MAX_MOTION_TEXT_CHARS = 8000
MAX_REASON_CHARS = 300


class CouncilRole(models.TextChoices):
    MAYOR = "mayor", _("Mayor")
    DEPUTY_MAYOR = "deputy_mayor", _("Deputy mayor")
    ARRONDISSEMENT_HEAD = "arrondissement_head", _("Head of arrondissement")
    COUNCILLOR = "councillor", _("Municipal councillor")


ROLE_ORDER = [role.value for role in CouncilRole]


class QuorumRule(models.TextChoices):
    MAJORITY = "majority", _("A majority of the members in office (more than half)")
    TWO_THIRDS = "two_thirds", _("Two thirds of the members in office")
    FIXED = "fixed", _("A fixed number of members")


class MajorityRule(models.TextChoices):
    # Benin's communes law: decisions are taken by the absolute majority of the votes cast
    # (abstentions are not votes cast).
    CAST = "cast", _("Majority of the votes cast (for > against)")
    PRESENT = "present", _("Majority of the members voting, abstentions included")
    MEMBERS = "members", _("Majority of the members in office")
    TWO_THIRDS = "two_thirds", _("Two thirds of the votes cast")


class TieRule(models.TextChoices):
    CHAIR = "chair", _("The chair's vote decides")
    REJECTED = "rejected", _("A tie rejects the motion")


class CouncilRules(models.Model):
    """How a commune's council counts its quorum and decides (defaults: Benin's communes law)."""

    commune = models.OneToOneField(Commune, on_delete=models.CASCADE, related_name="council_rules")
    quorum_rule = models.CharField(
        _("quorum"), max_length=12, choices=QuorumRule.choices, default=QuorumRule.MAJORITY
    )
    quorum_fixed = models.PositiveSmallIntegerField(_("fixed quorum (members)"), null=True, blank=True)
    proxies_count_for_quorum = models.BooleanField(
        _("members represented by proxy count towards the quorum"), default=False
    )
    majority_rule = models.CharField(
        _("majority"), max_length=12, choices=MajorityRule.choices, default=MajorityRule.CAST
    )
    tie_rule = models.CharField(
        _("in case of a tie"), max_length=10, choices=TieRule.choices, default=TieRule.CHAIR
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("council rules")
        verbose_name_plural = _("council rules")

    def __str__(self) -> str:
        return f"rules of {self.commune_id}"


class Committee(models.Model):
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="council_committees")
    name = models.CharField(_("name"), max_length=MAX_NAME_CHARS)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("committee")
        verbose_name_plural = _("committees")
        constraints = [models.UniqueConstraint(fields=["commune", "name"], name="committee_unique_name")]

    def __str__(self) -> str:
        return self.name


class CouncilMemberQuerySet(models.QuerySet["CouncilMember"]):
    def in_office(self, on: datetime.date) -> CouncilMemberQuerySet:
        return self.filter(Q(mandate_end__isnull=True) | Q(mandate_end__gte=on), mandate_start__lte=on)


class CouncilMember(models.Model):
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="council_members")
    full_name = models.CharField(_("full name"), max_length=MAX_NAME_CHARS)
    role = models.CharField(
        pgettext_lazy("council member", "role"),
        max_length=20,
        choices=CouncilRole.choices,
        default=CouncilRole.COUNCILLOR,
    )
    title = models.CharField(
        _("title"), max_length=MAX_NAME_CHARS, blank=True, help_text=_("e.g. 1st deputy mayor")
    )
    arrondissement = models.CharField(_("arrondissement"), max_length=80, blank=True)
    committees = models.ManyToManyField(
        Committee, blank=True, related_name="members", verbose_name=_("committees")
    )
    mandate_start = models.DateField(_("mandate starts"))
    mandate_end = models.DateField(_("mandate ends"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="council_seats",
    )
    # A checked image (hub.uploads), stored under council/; empty: initials are shown.
    photo = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = CouncilMemberQuerySet.as_manager()

    class Meta:
        ordering = ["commune", "full_name", "id"]
        verbose_name = _("council member")
        verbose_name_plural = _("council members")
        indexes = [models.Index(fields=["commune", "mandate_start"], name="councilmember_commune_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(mandate_end__isnull=True) | Q(mandate_end__gte=models.F("mandate_start")),
                name="councilmember_mandate_order",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("frontend:council-member", args=[self.commune.slug, self.pk, self.slug])

    @property
    def slug(self) -> str:
        return slugify(self.full_name)[:60] or "membre"

    def in_office_on(self, day: datetime.date) -> bool:
        return self.mandate_start <= day and (self.mandate_end is None or self.mandate_end >= day)

    @property
    def role_label(self) -> str:
        return self.title or str(self.get_role_display())


class Presence(models.TextChoices):
    PRESENT = "present", pgettext_lazy("roll call", "Present")
    LATE = "late", pgettext_lazy("roll call", "Arrived late")
    PROXY = "proxy", pgettext_lazy("roll call", "Represented by proxy")
    EXCUSED = "excused", pgettext_lazy("roll call", "Excused")
    ABSENT = "absent", pgettext_lazy("roll call", "Absent")


# In the room (and so may vote, and hold a proxy).
IN_ROOM = (Presence.PRESENT, Presence.LATE)


class Attendance(models.Model):
    """One member's line of a session's roll call."""

    session = models.ForeignKey("sessions_live.LiveSession", on_delete=models.CASCADE, related_name="+")
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(CouncilMember, on_delete=models.PROTECT, related_name="attendances")
    status = models.CharField(_("attendance"), max_length=8, choices=Presence.choices)
    proxy_holder = models.ForeignKey(
        CouncilMember, on_delete=models.PROTECT, null=True, blank=True, related_name="proxies_held"
    )
    arrived_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session", "member__full_name", "id"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="attendance_once_per_member"),
            models.CheckConstraint(
                condition=Q(status="proxy", proxy_holder__isnull=False)
                | (~Q(status="proxy") & Q(proxy_holder__isnull=True)),
                name="attendance_proxy_has_holder",
            ),
        ]
        indexes = [models.Index(fields=["member", "session"], name="attendance_member_idx")]

    def __str__(self) -> str:
        return f"{self.member_id}@{self.session_id}: {self.status}"


class MotionStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("motion", "Vote in progress")
    CLOSED = "closed", pgettext_lazy("motion", "Vote closed")


class MotionResult(models.TextChoices):
    ADOPTED = "adopted", pgettext_lazy("motion", "Adopted")
    REJECTED = "rejected", pgettext_lazy("motion", "Rejected")


class Motion(models.Model):
    session = models.ForeignKey("sessions_live.LiveSession", on_delete=models.PROTECT, related_name="+")
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="+")
    agenda_item = models.ForeignKey(
        "sessions_live.AgendaItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Its number within the session, from 1.
    number = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=MAX_MOTION_TITLE_CHARS)
    text = models.TextField(_("text"), blank=True, max_length=MAX_MOTION_TEXT_CHARS)
    document = models.ForeignKey(
        "publications.Document",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document it concerns"),
    )
    secret = models.BooleanField(_("secret ballot"), default=False)
    majority_rule = models.CharField(max_length=12, choices=MajorityRule.choices)
    tie_rule = models.CharField(max_length=10, choices=TieRule.choices)
    # Who presides (the mayor when present): their vote decides a tie under ``TieRule.CHAIR``.
    chair = models.ForeignKey(
        CouncilMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=8, choices=MotionStatus.choices, default=MotionStatus.OPEN)
    # The tally: from the votes (named) or as entered (secret); kept with the votes, in one transaction.
    votes_for = models.PositiveIntegerField(default=0)
    votes_against = models.PositiveIntegerField(default=0)
    abstentions = models.PositiveIntegerField(default=0)
    not_voting = models.PositiveIntegerField(default=0)
    # The quorum's base when it was opened (members in office that day).
    members_in_office = models.PositiveIntegerField(default=0)
    result = models.CharField(max_length=10, choices=MotionResult.choices, blank=True)
    # Why: "majority", "tie_chair_for", "tie_chair_against", "tie_rejected", "no_votes".
    result_reason = models.CharField(max_length=20, blank=True)
    deliberation = models.ForeignKey(
        "publications.Document",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("deliberation"),
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session", "number"]
        verbose_name = _("motion")
        verbose_name_plural = _("motions")
        constraints = [
            models.UniqueConstraint(fields=["session", "number"], name="motion_unique_number"),
            models.UniqueConstraint(
                fields=["session"], condition=Q(status="open"), name="motion_one_open_per_session"
            ),
        ]
        indexes = [models.Index(fields=["commune", "opened_at"], name="motion_commune_idx")]

    def __str__(self) -> str:
        return self.title


class VoteChoice(models.TextChoices):
    FOR = "for", pgettext_lazy("vote", "For")
    AGAINST = "against", pgettext_lazy("vote", "Against")
    ABSTAIN = "abstain", pgettext_lazy("vote", "Abstention")
    NOT_VOTING = "not_voting", pgettext_lazy("vote", "Did not vote")


class MotionVote(models.Model):
    """A member's vote on a motion voted by name; ``cast_by`` is the proxy holder who voted for an
    absent member (null: the member voted in person)."""

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(CouncilMember, on_delete=models.PROTECT, related_name="votes")
    choice = models.CharField(max_length=12, choices=VoteChoice.choices)
    cast_by = models.ForeignKey(
        CouncilMember, on_delete=models.PROTECT, null=True, blank=True, related_name="proxy_votes"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    corrected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["motion", "member__full_name", "id"]
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(fields=["motion", "member"], name="motionvote_once_per_member")
        ]
        indexes = [models.Index(fields=["member", "motion"], name="motionvote_member_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.choice} on {self.motion_id}"


class Correction(models.Model):
    """A correction of the record, public: what changed, from what to what, and why. Also in the
    audit log (with the staff member who made it)."""

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="corrections")
    member = models.ForeignKey(
        CouncilMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # "vote" (a member's vote) or "counts" (a secret ballot's tally).
    what = models.CharField(max_length=10)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    reason = models.CharField(max_length=MAX_REASON_CHARS)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["motion", "id"]
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")

    def __str__(self) -> str:
        return f"correction {self.pk} of {self.motion_id}"
