"""Answering a consultation online, and commenting on its draft.

One ``Response`` per account and consultation. Saving sends the whole questionnaire (the answers sent
replace the earlier ones): as a draft (``submit`` false: partial answers are kept, the required
questions are checked only on submitting) or submitted. A submitted response stays submitted: saving
it again re-submits it, checked in full. Both only while the consultation is open.

An answer names its question and, by the question's kind:
- single choice: ``option`` (an option id);
- multiple choice: ``options`` (ids; at most ``max_choices``);
- ranking: ``ranking`` (ids, first priority first; at most ``max_choices``);
- envelope allocation: ``projects`` (ids of the projects funded: each gets its cost, and the costs
  together must not exceed the envelope);
- free text: ``text``.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consultations.errors import Forbidden, Invalid, Muted, WrongPhase
from consultations.models import (
    MAX_COMMENT_CHARS,
    MAX_IDEMPOTENCY_KEY,
    MAX_TEXT_ANSWER_CHARS,
    Answer,
    Comment,
    Consultation,
    Option,
    Phase,
    Question,
    QuestionKind,
    Response,
    Section,
    Selection,
)
from consultations.money import format_xof
from consultations.permissions import can_manage
from consultations.selectors import response_for
from consultations.services.common import Cleaner, lock_shared, require_user
from forums.selectors import active_mute
from hub.cleaning import as_id
from hub.errors import Conflict
from hub.services.audit import audit_record
from hub.throttling import rate_limit_hit

ANSWER_KEYS = {
    QuestionKind.SINGLE: "option",
    QuestionKind.MULTIPLE: "options",
    QuestionKind.RANKING: "ranking",
    QuestionKind.ENVELOPE: "projects",
    QuestionKind.TEXT: "text",
}


def require_open(consultation: Consultation) -> None:
    state = consultation.acceptance()
    if state == "not_yet":
        raise WrongPhase(_("This consultation is not open yet."))
    if state == "closed":
        raise WrongPhase(_("This consultation is closed: answers are no longer accepted."))


def _option_ids(cleaner: Cleaner, raw: Any, *, field: str, options: dict[int, Option]) -> list[int]:
    if not isinstance(raw, list):
        cleaner.fail(field, _("Send a list of options."))
        return []
    ids: list[int] = []
    for value in raw:
        pk = as_id(value)
        if pk is None or pk not in options:
            cleaner.fail(field, _("Choose among this question's options."))
            return []
        if pk in ids:
            cleaner.fail(field, _("Each option can be chosen only once."))
            return []
        ids.append(pk)
    return ids


def _clean_answer(
    cleaner: Cleaner, question: Question, item: dict[str, Any], *, field: str
) -> tuple[str, list[tuple[int, int | None, int | None]]] | None:
    """(text, [(option id, rank, amount)]) for one question, or None when it was left empty."""
    options = {option.pk: option for option in question.options.all()}
    kind = question.kind
    key = ANSWER_KEYS[QuestionKind(kind)]
    for other in set(ANSWER_KEYS.values()) - {key}:
        if item.get(other) not in (None, "", []):
            cleaner.fail(field, _("This question is answered with “%(key)s”.") % {"key": key})
            return None
    raw = item.get(key)
    if raw in (None, "", []):
        return None
    if kind == QuestionKind.TEXT:
        text = cleaner.text(raw, field=field, max_length=MAX_TEXT_ANSWER_CHARS, required=False)
        return (text, []) if text else None
    if kind == QuestionKind.SINGLE:
        pk = as_id(raw)
        if pk is None or pk not in options:
            cleaner.fail(field, _("Choose among this question's options."))
            return None
        return "", [(pk, None, None)]
    ids = _option_ids(cleaner, raw, field=field, options=options)
    if not ids:
        return None
    limit = question.max_choices
    if kind in (QuestionKind.MULTIPLE, QuestionKind.RANKING) and limit and len(ids) > limit:
        message = ngettext("Choose at most %(max)d option.", "Choose at most %(max)d options.", limit)
        cleaner.fail(field, message % {"max": limit})
        return None
    if kind == QuestionKind.MULTIPLE:
        return "", [(pk, None, None) for pk in ids]
    if kind == QuestionKind.RANKING:
        return "", [(pk, rank, None) for rank, pk in enumerate(ids, start=1)]
    # Envelope: each project funded gets its cost; together within the envelope.
    total = sum(options[pk].cost_xof or 0 for pk in ids)
    envelope = question.envelope_xof or 0
    if total > envelope:
        cleaner.fail(
            field,
            _("These projects cost %(total)s together, more than the envelope of %(envelope)s.")
            % {"total": format_xof(total), "envelope": format_xof(envelope)},
        )
        return None
    return "", [(pk, None, options[pk].cost_xof) for pk in ids]


def _clean_response(
    consultation: Consultation, data: Any, *, submitting: bool
) -> tuple[Any, dict[int, tuple[str, list[tuple[int, int | None, int | None]]]]]:
    cleaner = Cleaner()
    if not isinstance(data, dict):
        cleaner.fail("non_field_errors", _("Send an object."))
        cleaner.done()
    arrondissement = cleaner.arrondissement(
        data.get("arrondissement"), field="arrondissement", commune=consultation.commune, required=False
    )
    questions = {q.pk: q for q in consultation.questions.prefetch_related("options")}
    raw = data.get("answers", [])
    cleaned: dict[int, tuple[str, list[tuple[int, int | None, int | None]]]] = {}
    if not isinstance(raw, list):
        cleaner.fail("answers", _("Send a list of answers."))
        raw = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            cleaner.fail(f"answers.{index}", _("Send an object with a question."))
            continue
        pk = as_id(item.get("question"))
        question = questions.get(pk) if pk else None
        if question is None:
            cleaner.fail(f"answers.{index}.question", _("This question is not part of this consultation."))
            continue
        field = f"question_{question.pk}"
        if question.pk in cleaned or field in cleaner.errors:
            cleaner.fail(field, _("This question is answered twice."))
            continue
        answer = _clean_answer(cleaner, question, item, field=field)
        if answer is not None:
            cleaned[question.pk] = answer
    if submitting:
        for question in questions.values():
            field = f"question_{question.pk}"
            if question.required and question.pk not in cleaned and field not in cleaner.errors:
                cleaner.fail(field, _("This question requires an answer."))
    cleaner.done()
    return arrondissement, cleaned


def response_check(user: Any, consultation: Consultation, data: Any, *, submit: bool) -> dict[str, list[str]]:
    """What ``response_save`` would refuse in ``data``, by field, without saving anything (a page
    whose own checks already failed reports the service's too, in one round)."""
    earlier = response_for(user, consultation)
    try:
        _clean_response(consultation, data, submitting=submit or bool(earlier and earlier.is_submitted))
    except Invalid as exc:
        return dict(exc.details.get("fields") or {})
    return {}


def response_save(actor: Any, consultation: Consultation, data: Any, *, submit: bool) -> Response:
    """Save the account's answers (see the module's docstring). 401 signed out; ``wrong_phase``
    before it opens or after it closes; ``validation_error`` with a message per question."""
    user = require_user(actor)
    require_open(consultation)
    with transaction.atomic():
        try:
            with transaction.atomic():
                response, _created = Response.objects.get_or_create(consultation=consultation, user=user)
        except IntegrityError:
            response = Response.objects.get(consultation=consultation, user=user)
        response = Response.objects.select_for_update().get(pk=response.pk)
        # The consultation's row is share-locked until the commit: a close (which takes it for
        # update) waits for this answer, or this answer sees it closed. Answers do not wait for each
        # other.
        current = lock_shared(consultation.pk)
        require_open(current)
        submitting = submit or response.is_submitted
        arrondissement, cleaned = _clean_response(current, data, submitting=submitting)
        now = timezone.now()
        response.answers.all().delete()
        for question_id, (text, selections) in cleaned.items():
            answer = Answer.objects.create(response=response, question_id=question_id, text=text)
            Selection.objects.bulk_create(
                Selection(answer=answer, option_id=option_id, rank=rank, amount_xof=amount)
                for option_id, rank, amount in selections
            )
        response.arrondissement = arrondissement
        response.updated_at = now
        if submitting and response.submitted_at is None:
            response.submitted_at = now
        response.save()
    return response


def comment_post(
    actor: Any, section: Section, body: Any, *, parent: Any = None, idempotency_key: Any = ""
) -> Comment:
    """A citizen's comment on a section of the draft (while the consultation is open), or a staff
    member's reply to a comment (staff of the commune, until the response is published).

    With an ``idempotency_key`` (a client's key, at most 64 characters), posting again with the same
    key returns the comment already made, whatever the body: a retried or queued post is made once."""
    user = require_user(actor)
    key_cleaner = Cleaner()
    key = ""
    if idempotency_key not in (None, ""):
        if not isinstance(idempotency_key, str) or len(idempotency_key) > MAX_IDEMPOTENCY_KEY:
            key_cleaner.fail(
                "idempotency_key", _("A string of at most %(max)d characters.") % {"max": MAX_IDEMPOTENCY_KEY}
            )
        else:
            key = idempotency_key
    key_cleaner.done()
    if key:
        earlier = Comment.objects.filter(author=user, idempotency_key=key).first()
        if earlier is not None:
            return _replayed(earlier, section)
    consultation = Consultation.objects.select_related("commune").get(pk=section.consultation_id)
    if not consultation.comments_enabled:
        raise WrongPhase(
            _("This consultation does not take comments on its draft."), code="comments_disabled"
        )
    replying = parent not in (None, "")
    if not replying:
        require_open(consultation)
    elif consultation.phase not in (Phase.OPEN, Phase.CLOSED):
        raise WrongPhase(_("Replies are posted while the consultation is open or until its response."))
    cleaner = Cleaner()
    text = cleaner.text(body, field="body", max_length=MAX_COMMENT_CHARS, required=True)
    parent_comment = None
    if parent not in (None, ""):
        pk = as_id(parent)
        parent_comment = (
            Comment.objects.filter(pk=pk, section=section, parent__isnull=True, hidden=False).first()
            if pk
            else None
        )
        if parent_comment is None:
            cleaner.fail("parent", _("Reply to a comment of this section."))
    cleaner.done()
    if parent_comment is not None and not can_manage(user, consultation.commune):
        raise Forbidden(_("Only the commune's staff reply to comments."))
    if parent_comment is None:
        _check_may_comment(user, consultation)
    try:
        with transaction.atomic():
            comment = _comment_create(user, section, consultation, parent_comment, text, key)
    except IntegrityError:
        # The same key posted at the same moment: the other post made it.
        return _replayed(Comment.objects.get(author=user, idempotency_key=key), section)
    return comment


# Comments a person may post on one consultation in a window (staff replies are not counted).
COMMENTS_PER_WINDOW = 10
COMMENT_WINDOW_SECONDS = 600


def _check_may_comment(user: Any, consultation: Consultation) -> None:
    """Muted on the commune's forum: not here either, until the mute ends. Then at most
    ``COMMENTS_PER_WINDOW`` comments per consultation in ten minutes (429 ``throttled``)."""
    mute = active_mute(commune_id=consultation.commune_id, user_id=user.pk)
    if mute is not None:
        until = timezone.localtime(mute.until)
        raise Muted(
            _("The commune's moderators muted you until %(until)s: you cannot comment meanwhile.")
            % {"until": until.strftime("%d/%m/%Y %H:%M")},
            until=mute.until.isoformat(),
        )
    rate_limit_hit(
        "consultation-comment", f"{user.pk}:{consultation.pk}", COMMENTS_PER_WINDOW, COMMENT_WINDOW_SECONDS
    )


def _replayed(earlier: Comment, section: Section) -> Comment:
    """The comment a key already made, when it is posted again to the same section; a key reused for
    another section is refused rather than answered with a comment the client did not send there."""
    if earlier.section_id != section.pk:
        raise Conflict(
            _("This key was already used for a comment elsewhere: send a new key with a new comment."),
            code="idempotency_key_reused",
        )
    return earlier


def _comment_create(
    user: Any, section: Section, consultation: Consultation, parent: Comment | None, text: str, key: str
) -> Comment:
    comment = Comment.objects.create(
        section=section,
        author=user,
        parent=parent,
        body=text,
        is_staff_reply=parent is not None,
        idempotency_key=key,
    )
    if comment.is_staff_reply:
        audit_record(
            actor=user,
            action="consultations.comment_reply",
            obj=comment,
            commune=consultation.commune,
            data={"parent": parent.pk if parent else None},
        )
    return comment


def comment_hide(actor: Any, comment: Comment, reason: Any) -> Comment:
    """Hide a comment (moderators and staff of the commune), with a reason kept in the audit log."""
    user = require_user(actor)
    consultation = Consultation.objects.select_related("commune").get(pk=comment.section.consultation_id)
    commune = consultation.commune
    if not (can_manage(user, commune) or user.has_perm("hub.moderate_commune", commune)):
        raise Forbidden(_("Only the commune's moderators and staff hide comments."))
    cleaner = Cleaner()
    text = cleaner.text(reason, field="reason", max_length=300, required=True)
    cleaner.done()
    with transaction.atomic():
        comment.hidden = True
        comment.hidden_reason = text
        comment.save(update_fields=["hidden", "hidden_reason"])
        audit_record(
            actor=user,
            action="consultations.comment_hide",
            obj=comment,
            commune=commune,
            data={"reason": text},
        )
    return comment
