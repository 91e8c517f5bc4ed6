"""Output of the consultations API: the shape builders (plain data) and the serializers that declare
those shapes for the schema and write them with the builders, so the schema and the answers cannot
drift apart. Payloads carry codes (phases, kinds), not words: clients label them.

A person's answers are shown to that person only (``my_response_data``); results are aggregates
(``consultations.results.as_data``), the free-text answers without names and for staff only."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from consultations.models import (
    Comment,
    Consultation,
    Phase,
    Question,
    QuestionKind,
    Response,
    Section,
)
from publications.models import Document, DocumentFile


class _Built(serializers.Serializer):
    """A serializer that declares its fields for the schema and writes them with a builder."""

    def build(self, instance: Any) -> dict[str, Any]:  # pragma: no cover - each subclass has one
        raise NotImplementedError

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return self.build(instance)


def _named(name: str, doc: str, fields: dict[str, serializers.Field]) -> type[serializers.Serializer]:
    """A serializer with fields whose JSON names are not Python names (``18_34``)."""
    return type(name, (serializers.Serializer,), {"__doc__": doc, "__module__": __name__, **fields})


# --- Documents ----------------------------------------------------------------------------------------


def document_ref(document: Document | None) -> dict[str, Any] | None:
    if document is None:
        return None
    return {"id": document.pk, "title": document.title, "path": document.get_absolute_url()}


def file_ref(row: DocumentFile | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "id": row.pk,
        "document": row.document_id,
        "slot": row.slot,
        "version": row.version,
        "name": row.display_name,
        "kind": row.kind,
        "size": row.size,
        "is_current": row.is_current,
        "download_url": reverse("publications-api:document-file-download", args=[row.document_id, row.pk]),
    }


class ConsultationDocumentOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    path = serializers.CharField(help_text="The document's public page.")


class ConsultationFileOut(serializers.Serializer):
    """The draft's file as it was when the consultation was made (a later version may exist)."""

    id = serializers.IntegerField()
    document = serializers.IntegerField()
    slot = serializers.IntegerField()
    version = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    size = serializers.IntegerField()
    is_current = serializers.BooleanField(help_text="false: the document has a newer version of this file.")
    download_url = serializers.CharField()


# --- Consultations ------------------------------------------------------------------------------------


class ConsultationCommuneOut(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


def consultation_summary(consultation: Consultation) -> dict[str, Any]:
    """A consultation in a list (select ``commune``)."""
    commune = consultation.commune
    return {
        "id": consultation.pk,
        "commune": {"id": commune.pk, "slug": commune.slug, "name": commune.name},
        "title": consultation.title,
        "summary": consultation.summary,
        "phase": consultation.phase,
        "opens_at": consultation.opens_at,
        "closes_at": consultation.closes_at,
        "comments_enabled": consultation.comments_enabled,
        "results_public": consultation.results_public,
        "api_url": reverse("consultations-api:consultation", args=[consultation.pk]),
    }


class ConsultationSummaryOut(_Built):
    id = serializers.IntegerField()
    commune = ConsultationCommuneOut()
    title = serializers.CharField()
    summary = serializers.CharField()
    phase = serializers.ChoiceField(choices=Phase.choices)
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    comments_enabled = serializers.BooleanField()
    results_public = serializers.BooleanField(help_text="Closed or responded: the results are open data.")
    api_url = serializers.CharField()

    def build(self, instance: Consultation) -> dict[str, Any]:
        return consultation_summary(instance)


class ConsultationOptionOut(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]
    description = serializers.CharField()
    cost_xof = serializers.IntegerField(allow_null=True, help_text="Envelope allocation: the project's cost.")


class ConsultationQuestionOut(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=QuestionKind.choices)
    prompt = serializers.CharField()
    help_text = serializers.CharField()  # type: ignore[assignment]
    required = serializers.BooleanField()  # type: ignore[assignment]
    max_choices = serializers.IntegerField(allow_null=True)
    envelope_xof = serializers.IntegerField(allow_null=True)
    answer_key = serializers.CharField(
        help_text="The key of an answer to it: option, options, ranking, projects or text."
    )
    options = ConsultationOptionOut(many=True)


class ConsultationSectionOut(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    heading = serializers.CharField()
    body = serializers.CharField()


class ConsultationResponseOut(serializers.Serializer):
    """The commune's response (once published)."""

    text = serializers.CharField()
    adopted_document = ConsultationDocumentOut(allow_null=True)
    responded_at = serializers.DateTimeField(allow_null=True)


ANSWER_KEYS = {
    QuestionKind.SINGLE: "option",
    QuestionKind.MULTIPLE: "options",
    QuestionKind.RANKING: "ranking",
    QuestionKind.ENVELOPE: "projects",
    QuestionKind.TEXT: "text",
}


def question_data(question: Question) -> dict[str, Any]:
    return {
        "id": question.pk,
        "position": question.position,
        "kind": question.kind,
        "prompt": question.prompt,
        "help_text": question.help_text,
        "required": question.required,
        "max_choices": question.max_choices,
        "envelope_xof": question.envelope_xof,
        "answer_key": ANSWER_KEYS[QuestionKind(question.kind)],
        "options": [
            {
                "id": option.pk,
                "position": option.position,
                "label": option.label,
                "description": option.description,
                "cost_xof": option.cost_xof,
            }
            for option in question.options.all()
        ],
    }


def section_data(section: Section) -> dict[str, Any]:
    return {"id": section.pk, "position": section.position, "heading": section.heading, "body": section.body}


def consultation_detail(consultation: Consultation, *, manage: bool) -> dict[str, Any]:
    """A consultation with its questionnaire and sections (a few queries: questions with their
    options, sections, documents)."""
    questions = consultation.questions.prefetch_related("options").order_by("position", "id")
    sections = consultation.sections.order_by("position", "id")
    responded = consultation.phase == Phase.RESPONDED
    return {
        **consultation_summary(consultation),
        "announced_at": consultation.announced_at,
        "opened_at": consultation.opened_at,
        "closed_at": consultation.closed_at,
        "draft": document_ref(consultation.draft),
        "draft_file": file_ref(consultation.draft_file),
        "questions": [question_data(q) for q in questions],
        "sections": [section_data(s) for s in sections],
        "response": (
            {
                "text": consultation.response_text,
                "adopted_document": document_ref(consultation.adopted_document),
                "responded_at": consultation.responded_at,
            }
            if responded
            else None
        ),
        "can_manage": manage,
    }


class ConsultationOut(ConsultationSummaryOut):
    announced_at = serializers.DateTimeField(allow_null=True)
    opened_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    draft = ConsultationDocumentOut(allow_null=True, help_text="The draft document consulted on.")
    draft_file = ConsultationFileOut(allow_null=True)
    questions = ConsultationQuestionOut(many=True)
    sections = ConsultationSectionOut(many=True)
    response = ConsultationResponseOut(allow_null=True, help_text="Once the commune has responded.")
    can_manage = serializers.BooleanField(help_text="You manage this consultation (the commune's staff).")

    def build(self, instance: Consultation) -> dict[str, Any]:
        return consultation_detail(instance, manage=bool(self.context.get("manage")))


# --- One person's response ----------------------------------------------------------------------------


def my_response_data(response: Response) -> dict[str, Any]:
    """The person's own answers (prefetch ``answers__selections``), in the shape they are sent."""
    kinds = dict(Question.objects.filter(consultation_id=response.consultation_id).values_list("pk", "kind"))
    answers = []
    for answer in sorted(response.answers.all(), key=lambda a: a.question_id):
        kind = kinds.get(answer.question_id)
        selections = list(answer.selections.all())
        ranked = sorted(selections, key=lambda s: (s.rank or 0, s.option_id))
        ids = sorted(s.option_id for s in selections)
        answers.append(
            {
                "question": answer.question_id,
                "option": ids[0] if kind == QuestionKind.SINGLE and ids else None,
                "options": ids if kind == QuestionKind.MULTIPLE else [],
                "ranking": [s.option_id for s in ranked] if kind == QuestionKind.RANKING else [],
                "projects": ids if kind == QuestionKind.ENVELOPE else [],
                "text": answer.text if kind == QuestionKind.TEXT else "",
            }
        )
    return {
        "consultation": response.consultation_id,
        "arrondissement": response.arrondissement_id,
        "submitted": response.is_submitted,
        "submitted_at": response.submitted_at,
        "updated_at": response.updated_at,
        "answers": answers,
    }


class ConsultationMyAnswerOut(serializers.Serializer):
    question = serializers.IntegerField()
    option = serializers.IntegerField(allow_null=True)
    options = serializers.ListField(child=serializers.IntegerField())
    ranking = serializers.ListField(child=serializers.IntegerField())
    projects = serializers.ListField(child=serializers.IntegerField())
    text = serializers.CharField()


class ConsultationMyResponseOut(_Built):
    consultation = serializers.IntegerField()
    arrondissement = serializers.IntegerField(allow_null=True)
    submitted = serializers.BooleanField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()
    answers = ConsultationMyAnswerOut(many=True)

    def build(self, instance: Response) -> dict[str, Any]:
        return my_response_data(instance)


# --- Comments -----------------------------------------------------------------------------------------


def comment_data(comment: Comment, *, replies: list[Comment] | None = None) -> dict[str, Any]:
    """A visible comment (select ``author``), with its visible replies for a top-level one."""
    return {
        "id": comment.pk,
        "section": comment.section_id,
        "parent": comment.parent_id,
        "author": comment.author.display_name,
        "is_staff_reply": comment.is_staff_reply,
        "body": comment.body,
        "created_at": comment.created_at,
        "replies": [comment_data(reply, replies=[]) for reply in replies or []],
    }


class ConsultationReplyOut(serializers.Serializer):
    id = serializers.IntegerField()
    section = serializers.IntegerField()
    parent = serializers.IntegerField(allow_null=True)  # type: ignore[assignment]
    author = serializers.CharField(help_text="The author's display name.")
    is_staff_reply = serializers.BooleanField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    replies = serializers.ListField(child=serializers.DictField(), help_text="Always empty for a reply.")


class ConsultationCommentOut(_Built):
    id = serializers.IntegerField()
    section = serializers.IntegerField()
    parent = serializers.IntegerField(allow_null=True)  # type: ignore[assignment]
    author = serializers.CharField(help_text="The author's display name.")
    is_staff_reply = serializers.BooleanField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    replies = ConsultationReplyOut(many=True, help_text="The staff's replies, oldest first.")

    def build(self, instance: Comment) -> dict[str, Any]:
        return comment_data(instance, replies=getattr(instance, "visible_replies", []))


class ConsultationCommentHiddenOut(serializers.Serializer):
    id = serializers.IntegerField()
    hidden = serializers.BooleanField()
    hidden_reason = serializers.CharField()


# --- Results (consultations.results.as_data) ----------------------------------------------------------


class ResultsChannelFiguresOut(serializers.Serializer):
    online = serializers.IntegerField()
    workshop = serializers.IntegerField()
    total = serializers.IntegerField()


class ResultsChannelSharesOut(serializers.Serializer):
    online = serializers.FloatField()
    workshop = serializers.FloatField()
    total = serializers.FloatField()


class ResultsArrondissementFiguresOut(ResultsChannelFiguresOut):
    arrondissement = serializers.CharField(allow_null=True, help_text="null: not stated.")


ResultsAgeOut = _named(
    "ResultsAgeOut",
    "Workshop participants by age band.",
    {
        "under_18": serializers.IntegerField(),
        "18_34": serializers.IntegerField(),
        "35_59": serializers.IntegerField(),
        "60_plus": serializers.IntegerField(),
    },
)


class ResultsGenderOut(serializers.Serializer):
    women = serializers.IntegerField()
    men = serializers.IntegerField()


class ResultsParticipationOut(serializers.Serializer):
    online_respondents = serializers.IntegerField()
    workshops = serializers.IntegerField()
    workshop_participants = serializers.IntegerField()
    people = serializers.IntegerField()
    workshop_gender = ResultsGenderOut()
    workshop_age = ResultsAgeOut()
    workshop_with_disability = serializers.IntegerField()
    by_arrondissement = ResultsArrondissementFiguresOut(many=True)


class ResultsOptionOut(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]
    cost_xof = serializers.IntegerField(allow_null=True)
    value = ResultsChannelFiguresOut(help_text="People who chose it; points (Borda) for a ranking.")
    share = ResultsChannelSharesOut(help_text="Percent of the channel's base.")
    average_xof = ResultsChannelFiguresOut(
        required=False, help_text="Envelope: XOF per person of the channel."
    )


class ResultsArrondissementOptionOut(ResultsChannelFiguresOut):
    id = serializers.IntegerField()


class ResultsArrondissementOut(serializers.Serializer):
    arrondissement = serializers.CharField(allow_null=True, help_text="null: not stated.")
    options = ResultsArrondissementOptionOut(many=True)


class ResultsQuestionOut(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=QuestionKind.choices)
    prompt = serializers.CharField()
    envelope_xof = serializers.IntegerField(allow_null=True)
    base = ResultsChannelFiguresOut(help_text="People of each channel who answered the question.")
    text_answers = serializers.IntegerField(help_text="Free text: how many answered.")
    options = ResultsOptionOut(many=True, help_text="A ranking's options by points, highest first.")
    by_arrondissement = ResultsArrondissementOut(many=True)


class ResultsTextsOut(serializers.Serializer):
    question = serializers.IntegerField()
    texts = serializers.ListField(child=serializers.CharField(), help_text="Without names.")


class ConsultationResultsOut(serializers.Serializer):
    """What ``consultations.results.as_data`` writes (and the JSON export)."""

    consultation = serializers.IntegerField()
    phase = serializers.ChoiceField(choices=Phase.choices)
    participation = ResultsParticipationOut()
    questions = ResultsQuestionOut(many=True)
    text_answers = ResultsTextsOut(
        many=True, required=False, help_text="Staff only: the free-text answers, by question."
    )


def texts_data(texts: dict[int, list[str]]) -> list[dict[str, Any]]:
    return [{"question": question_id, "texts": rows} for question_id, rows in sorted(texts.items())]
