"""Participatory planning: consultations on a commune's drafts (the annual work plan, the budget...),
workshops held on the ground, accredited organisations and their facilitators, and the standing
citizen council (conseil permanent).

A **consultation** goes through phases: ``draft`` (staff only), ``announced`` (public, not yet open),
``open`` (answers accepted), ``closed`` (results public), ``responded`` (the commune has published its
response: what it heard, what it will do). It is about a draft document of the commune, pinned to the
file version current when the consultation was made (``draft_file``), and holds a questionnaire
(``Question`` and their ``Option``) and/or the draft's sections for comments (``Section``,
``Comment``).

**Answers** come by channel. Online: one ``Response`` per account, saved as a draft until submitted,
editable until the consultation closes; its ``Answer`` rows hold free text or the chosen options
(``Selection``: an option, its rank in a ranking, or the amount in XOF given to it in an envelope
allocation). On the ground: a ``Workshop`` recorded by a facilitator, with its participants counted by
gender, age band and disability, and the group's answers (``WorkshopAnswer``: a count of participants
per option, the group's rank of an option, or the group's amount for it). ``consultations.results``
counts both and always keeps the channels apart.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hub.models import Arrondissement, Commune

MAX_TITLE_CHARS = 200
MAX_SUMMARY_CHARS = 4000
MAX_PROMPT_CHARS = 300
MAX_HELP_CHARS = 1000
MAX_OPTION_CHARS = 200
MAX_OPTION_DESCRIPTION_CHARS = 1000
MAX_SECTION_BODY_CHARS = 20000
MAX_COMMENT_CHARS = 2000
MAX_TEXT_ANSWER_CHARS = 1000
MAX_RESPONSE_CHARS = 20000
MAX_WORKSHOP_SUMMARY_CHARS = 8000
MAX_QUESTIONS = 30
MAX_OPTIONS = 30
MAX_SECTIONS = 60
# An envelope above a thousand billion XOF is a typing mistake.
MAX_ENVELOPE_XOF = 1_000_000_000_000
MAX_PARTICIPANTS = 5000
MAX_IDEMPOTENCY_KEY = 64
MAX_OPINION_CHARS = 8000


class Phase(models.TextChoices):
    # With a context: "Open" and "Closed" are masculine elsewhere (sessions, polls).
    DRAFT = "draft", pgettext_lazy("consultation phase", "Draft (staff only)")
    ANNOUNCED = "announced", pgettext_lazy("consultation phase", "Announced")
    OPEN = "open", pgettext_lazy("consultation phase", "Open")
    CLOSED = "closed", pgettext_lazy("consultation phase", "Closed")
    RESPONDED = "responded", pgettext_lazy("consultation phase", "Response published")


PUBLIC_PHASES = (Phase.ANNOUNCED, Phase.OPEN, Phase.CLOSED, Phase.RESPONDED)
RESULTS_PUBLIC_PHASES = (Phase.CLOSED, Phase.RESPONDED)


class ConsultationQuerySet(models.QuerySet["Consultation"]):
    def public(self) -> ConsultationQuerySet:
        return self.filter(phase__in=PUBLIC_PHASES)


class Consultation(models.Model):
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="consultations")
    title = models.CharField(_("title"), max_length=MAX_TITLE_CHARS)
    summary = models.TextField(_("summary"), blank=True, max_length=MAX_SUMMARY_CHARS)
    phase = models.CharField(_("phase"), max_length=10, choices=Phase.choices, default=Phase.DRAFT)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    # The draft the consultation is about, and the version of its file when the consultation was made.
    draft = models.ForeignKey(
        "publications.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
        verbose_name=_("draft document"),
    )
    draft_file = models.ForeignKey(
        "publications.DocumentFile", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    comments_enabled = models.BooleanField(_("comments on the draft's sections"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    announced_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The "week before it closes" reminder was sent (once).
    reminded_at = models.DateTimeField(null=True, blank=True)
    # The commune's response: what it heard, what it will do, and the adopted document.
    response_text = models.TextField(_("response"), blank=True, max_length=MAX_RESPONSE_CHARS)
    adopted_document = models.ForeignKey(
        "publications.Document",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("adopted document"),
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_at", "-id"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        indexes = [models.Index(fields=["commune", "phase"], name="consultation_commune_phase")]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="consultation_period"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("frontend:consultation-detail", args=[self.commune.slug, self.pk])

    @property
    def is_public(self) -> bool:
        return self.phase in PUBLIC_PHASES

    @property
    def is_open(self) -> bool:
        return self.phase == Phase.OPEN

    def acceptance(self, now: datetime.datetime | None = None) -> str:
        """Whether answers, comments and workshops are taken at ``now``: ``"open"``, ``"not_yet"``
        (not opened, or opened for a later time) or ``"closed"`` (closed, or open but past its closing
        time until the periodic pass closes it). The one rule every write checks."""
        now = now or timezone.now()
        if self.phase in (Phase.DRAFT, Phase.ANNOUNCED) or (self.phase == Phase.OPEN and self.opens_at > now):
            return "not_yet"
        if self.phase != Phase.OPEN or self.closes_at <= now:
            return "closed"
        return "open"

    def accepts_answers(self, now: datetime.datetime | None = None) -> bool:
        return self.acceptance(now) == "open"

    @property
    def results_public(self) -> bool:
        return self.phase in RESULTS_PUBLIC_PHASES


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    RANKING = "ranking", _("Ranking of priorities")
    ENVELOPE = "envelope", _("Allocation of an envelope (XOF)")
    TEXT = "text", _("Short free text")


CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.RANKING, QuestionKind.ENVELOPE)


class Question(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    prompt = models.CharField(_("question"), max_length=MAX_PROMPT_CHARS)
    help_text = models.TextField(_("explanation"), blank=True, max_length=MAX_HELP_CHARS)
    required = models.BooleanField(_("an answer is required"), default=False)
    # Multiple choice: at most this many options (null: any number). Ranking: rank at most this many.
    max_choices = models.PositiveSmallIntegerField(_("at most (choices)"), null=True, blank=True)
    # Envelope allocation: the amount to share out, in XOF.
    envelope_xof = models.PositiveBigIntegerField(_("envelope (XOF)"), null=True, blank=True)

    class Meta:
        ordering = ["consultation", "position", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(fields=["consultation", "position"], name="question_unique_position"),
            models.CheckConstraint(
                condition=~Q(kind="envelope") | Q(envelope_xof__gt=0), name="question_envelope_amount"
            ),
        ]

    def __str__(self) -> str:
        return self.prompt


class Option(models.Model):
    """An answer to choose, a priority to rank or a project to fund (with its cost)."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField(_("position"))
    label = models.CharField(_("label"), max_length=MAX_OPTION_CHARS)
    description = models.TextField(_("description"), blank=True, max_length=MAX_OPTION_DESCRIPTION_CHARS)
    cost_xof = models.PositiveBigIntegerField(_("cost (XOF)"), null=True, blank=True)

    class Meta:
        ordering = ["question", "position", "id"]
        verbose_name = _("option")
        verbose_name_plural = _("options")
        constraints = [
            models.UniqueConstraint(fields=["question", "position"], name="option_unique_position"),
        ]

    def __str__(self) -> str:
        return self.label


class Section(models.Model):
    """A section of the draft citizens comment on (e.g. "Axe 2 : eau et assainissement")."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField(_("position"))
    heading = models.CharField(_("heading"), max_length=MAX_TITLE_CHARS)
    body = models.TextField(_("text"), blank=True, max_length=MAX_SECTION_BODY_CHARS)

    class Meta:
        ordering = ["consultation", "position", "id"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        constraints = [
            models.UniqueConstraint(fields=["consultation", "position"], name="section_unique_position"),
        ]

    def __str__(self) -> str:
        return self.heading


class Comment(models.Model):
    """A citizen's comment on a section, or a staff member's reply to one (``parent``)."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    body = models.TextField(_("comment"), max_length=MAX_COMMENT_CHARS)
    is_staff_reply = models.BooleanField(default=False)
    hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=300, blank=True)
    # The client's key for this write: a retried post (a lost answer, a queued offline post) returns
    # the comment already made instead of a second one.
    idempotency_key = models.CharField(max_length=MAX_IDEMPOTENCY_KEY, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [models.Index(fields=["section", "created_at"], name="consultation_comment_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="consultation_comment_idempotency",
            ),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on section {self.section_id}"


class Response(models.Model):
    """One account's answers to a consultation: a draft until submitted; editable while it is open."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    arrondissement = models.ForeignKey(
        Arrondissement,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("your arrondissement"),
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        constraints = [
            models.UniqueConstraint(fields=["consultation", "user"], name="response_one_per_account"),
        ]
        indexes = [models.Index(fields=["consultation", "submitted_at"], name="response_submitted_idx")]

    def __str__(self) -> str:
        return f"response {self.pk} to {self.consultation_id}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(blank=True, max_length=MAX_TEXT_ANSWER_CHARS)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_one_per_question"),
        ]

    def __str__(self) -> str:
        return f"answer {self.pk}"


class Selection(models.Model):
    """An option chosen in an answer: with its rank (ranking, 1 first) or its amount (envelope)."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="selections")
    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    amount_xof = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("selection")
        verbose_name_plural = _("selections")
        constraints = [
            models.UniqueConstraint(fields=["answer", "option"], name="selection_once_per_option"),
        ]

    def __str__(self) -> str:
        return f"selection of {self.option_id}"


class OrganisationKind(models.TextChoices):
    ASSOCIATION = "association", _("Association or NGO")
    COMMUNITY = "community", _("Community or neighbourhood group")
    WOMEN = "women", _("Women's group")
    YOUTH = "youth", _("Youth group")
    COOPERATIVE = "cooperative", _("Cooperative or trade group")
    RELIGIOUS = "religious", _("Religious or traditional body")
    OTHER = "other", pgettext_lazy("organisation kind", "Other")


class Organisation(models.Model):
    """A civil society organisation the commune has accredited (its members may facilitate
    workshops and sit on the citizen council)."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="organisations")
    name = models.CharField(_("name"), max_length=MAX_TITLE_CHARS)
    kind = models.CharField(_("kind"), max_length=12, choices=OrganisationKind.choices)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    accredited_at = models.DateTimeField(default=timezone.now)
    accredited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(fields=["commune", "name"], name="organisation_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_accredited(self) -> bool:
        return self.withdrawn_at is None


class Facilitator(models.Model):
    """A person the commune has named to record workshops: for one of its accredited organisations,
    or on its own behalf (``organisation`` empty). The commune's focal points record workshops too,
    without a row here."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="facilitators")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="facilitators"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("facilitator")
        verbose_name_plural = _("facilitators")
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "user"],
                condition=Q(revoked_at__isnull=True),
                name="facilitator_once_per_commune",
            ),
        ]

    def __str__(self) -> str:
        return f"facilitator {self.user_id} in {self.commune_id}"


class Language(models.TextChoices):
    FRENCH = "fr", _("French")
    FON = "fon", _("Fon")
    GOUN = "goun", _("Goun")
    YORUBA = "yoruba", _("Yoruba")
    AIZO = "aizo", _("Aïzo")
    MINA = "mina", _("Mina")
    DENDI = "dendi", _("Dendi")
    BARIBA = "bariba", _("Bariba")
    OTHER = "other", pgettext_lazy("language", "Other")


class Workshop(models.Model):
    """A meeting held on the ground (an arrondissement, a village) and what its group answered.

    Participants are counted twice, by gender (``women + men == participants``) and by age band (the
    four bands add up to ``participants``); ``with_disability`` is at most ``participants``."""

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="workshops")
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="workshops"
    )
    held_on = models.DateField(_("date"))
    arrondissement = models.ForeignKey(
        Arrondissement, on_delete=models.PROTECT, related_name="+", verbose_name=_("arrondissement")
    )
    village = models.CharField(_("village or quarter"), max_length=120, blank=True)
    language = models.CharField(_("language used"), max_length=10, choices=Language.choices)
    participants = models.PositiveIntegerField(_("participants"))
    women = models.PositiveIntegerField(_("women"))
    men = models.PositiveIntegerField(_("men"))
    age_under_18 = models.PositiveIntegerField(_("under 18"), default=0)
    age_18_34 = models.PositiveIntegerField(_("18 to 34"), default=0)
    age_35_59 = models.PositiveIntegerField(_("35 to 59"), default=0)
    age_60_plus = models.PositiveIntegerField(_("60 and over"), default=0)
    with_disability = models.PositiveIntegerField(_("with a disability"), default=0)
    summary = models.TextField(_("summary"), max_length=MAX_WORKSHOP_SUMMARY_CHARS)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["held_on", "id"]
        verbose_name = _("workshop")
        verbose_name_plural = _("workshops")
        constraints = [
            models.CheckConstraint(
                condition=Q(women=F("participants") - F("men")), name="workshop_gender_total"
            ),
            models.CheckConstraint(
                condition=Q(
                    participants=F("age_under_18") + F("age_18_34") + F("age_35_59") + F("age_60_plus")
                ),
                name="workshop_age_total",
            ),
            models.CheckConstraint(
                condition=Q(with_disability__lte=F("participants")), name="workshop_disability_total"
            ),
        ]

    def __str__(self) -> str:
        return f"workshop {self.pk} ({self.held_on})"


class WorkshopAnswer(models.Model):
    """The group's answer for one option: how many participants chose it (single or multiple
    choice), the rank the group gave it (ranking), or the amount the group gave it (envelope)."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="+")
    count = models.PositiveIntegerField(null=True, blank=True)
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    amount_xof = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("workshop answer")
        verbose_name_plural = _("workshop answers")
        constraints = [
            models.UniqueConstraint(fields=["workshop", "option"], name="workshop_answer_once"),
        ]

    def __str__(self) -> str:
        return f"workshop {self.workshop_id} answer for {self.option_id}"


class WorkshopPhoto(models.Model):
    """A photo of a workshop (checked like forum photos: images only, from their content)."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("workshop photo")
        verbose_name_plural = _("workshop photos")

    def __str__(self) -> str:
        return f"photo {self.pk} of workshop {self.workshop_id}"

    @property
    def url(self) -> str:
        return reverse("consultations-api:workshop-photo", args=[self.pk])


# The standing citizen council (conseil permanent).


class CitizenCouncilMember(models.Model):
    """A member of the commune's standing citizen council: a citizen, or an organisation's delegate."""

    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="citizen_council")
    full_name = models.CharField(_("full name"), max_length=120)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    arrondissement = models.ForeignKey(
        Arrondissement, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    role = models.CharField(_("role"), max_length=120, blank=True, help_text=_("e.g. chair, secretary"))
    joined_on = models.DateField(_("member since"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        ordering = ["full_name", "id"]
        verbose_name = _("citizen council member")
        verbose_name_plural = _("citizen council members")

    def __str__(self) -> str:
        return self.full_name

    @property
    def is_current(self) -> bool:
        return self.left_on is None or self.left_on >= timezone.localdate()


class CitizenCouncilMeeting(models.Model):
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="citizen_council_meetings")
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    agenda = models.TextField(_("agenda"), blank=True, max_length=4000)
    # The minutes, published as a document of the commune.
    minutes = models.ForeignKey(
        "publications.Document",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("minutes"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("citizen council meeting")
        verbose_name_plural = _("citizen council meetings")

    def __str__(self) -> str:
        return f"meeting {self.held_on}"


class CouncilOpinion(models.Model):
    """The citizen council's opinion on a consultation, shown beside its results."""

    consultation = models.OneToOneField(
        Consultation, on_delete=models.CASCADE, related_name="citizen_council_opinion"
    )
    meeting = models.ForeignKey(
        CitizenCouncilMeeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="opinions"
    )
    text = models.TextField(_("opinion"), max_length=MAX_OPINION_CHARS)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("citizen council opinion")
        verbose_name_plural = _("citizen council opinions")

    def __str__(self) -> str:
        return f"opinion on {self.consultation_id}"
