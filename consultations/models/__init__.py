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

from consultations.models.answers import Answer, Response, Selection
from consultations.models.citizen_council import CitizenCouncilMeeting, CitizenCouncilMember, CouncilOpinion
from consultations.models.consultation import (
    CHOICE_KINDS,
    PUBLIC_PHASES,
    RESULTS_PUBLIC_PHASES,
    Comment,
    Consultation,
    ConsultationQuerySet,
    Option,
    Phase,
    Question,
    QuestionKind,
    Section,
)
from consultations.models.limits import (
    MAX_COMMENT_CHARS,
    MAX_ENVELOPE_XOF,
    MAX_HELP_CHARS,
    MAX_IDEMPOTENCY_KEY,
    MAX_OPINION_CHARS,
    MAX_OPTION_CHARS,
    MAX_OPTION_DESCRIPTION_CHARS,
    MAX_OPTIONS,
    MAX_PARTICIPANTS,
    MAX_PROMPT_CHARS,
    MAX_QUESTIONS,
    MAX_RESPONSE_CHARS,
    MAX_SECTION_BODY_CHARS,
    MAX_SECTIONS,
    MAX_SUMMARY_CHARS,
    MAX_TEXT_ANSWER_CHARS,
    MAX_TITLE_CHARS,
    MAX_WORKSHOP_SUMMARY_CHARS,
)
from consultations.models.workshops import (
    Facilitator,
    Language,
    Organisation,
    OrganisationKind,
    Workshop,
    WorkshopAnswer,
    WorkshopPhoto,
)

__all__ = [
    "CHOICE_KINDS",
    "MAX_COMMENT_CHARS",
    "MAX_ENVELOPE_XOF",
    "MAX_HELP_CHARS",
    "MAX_IDEMPOTENCY_KEY",
    "MAX_OPINION_CHARS",
    "MAX_OPTIONS",
    "MAX_OPTION_CHARS",
    "MAX_OPTION_DESCRIPTION_CHARS",
    "MAX_PARTICIPANTS",
    "MAX_PROMPT_CHARS",
    "MAX_QUESTIONS",
    "MAX_RESPONSE_CHARS",
    "MAX_SECTIONS",
    "MAX_SECTION_BODY_CHARS",
    "MAX_SUMMARY_CHARS",
    "MAX_TEXT_ANSWER_CHARS",
    "MAX_TITLE_CHARS",
    "MAX_WORKSHOP_SUMMARY_CHARS",
    "PUBLIC_PHASES",
    "RESULTS_PUBLIC_PHASES",
    "Answer",
    "CitizenCouncilMeeting",
    "CitizenCouncilMember",
    "Comment",
    "Consultation",
    "ConsultationQuerySet",
    "CouncilOpinion",
    "Facilitator",
    "Language",
    "Option",
    "Organisation",
    "OrganisationKind",
    "Phase",
    "Question",
    "QuestionKind",
    "Response",
    "Section",
    "Selection",
    "Workshop",
    "WorkshopAnswer",
    "WorkshopPhoto",
]
