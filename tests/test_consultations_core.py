"""The consultations' services and counting: phases, the questionnaire's rules, answering (drafts,
submitting, editing, the envelope), the periodic pass, notifications, and results that equal a recount
of the rows, with the channels apart."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.utils import timezone

from consultations import results
from consultations.errors import Forbidden, Invalid, WrongPhase
from consultations.models import (
    Consultation,
    Phase,
    QuestionKind,
    Response,
    Selection,
    Workshop,
    WorkshopAnswer,
)
from consultations.services import (
    comment_hide,
    comment_post,
    consultation_create,
    consultation_respond,
    consultation_set_phase,
    consultation_update,
    consultations_advance,
    response_save,
)
from hub.errors import NotAuthenticated
from hub.models import AuditLogEntry, OutboxEvent, Role
from tests.factories import CommuneFactory, FollowFactory, UserFactory
from tests.factories_consultations import Setup, consultation_setup, questionnaire
from tests.factories_sessions import staff_of

pytestmark = pytest.mark.django_db


def answers_for(
    setup: Setup, *, single: int = 0, multiple: tuple[int, ...] = (0,), ranking=(2, 0, 1), projects=(0,)
):
    ids = {kind: setup.option_ids(kind) for kind in QuestionKind.values if kind != QuestionKind.TEXT}
    return [
        {"question": setup.question(QuestionKind.SINGLE).pk, "option": ids["single"][single]},
        {
            "question": setup.question(QuestionKind.MULTIPLE).pk,
            "options": [ids["multiple"][i] for i in multiple],
        },
        {
            "question": setup.question(QuestionKind.RANKING).pk,
            "ranking": [ids["ranking"][i] for i in ranking],
        },
        {
            "question": setup.question(QuestionKind.ENVELOPE).pk,
            "projects": [ids["envelope"][i] for i in projects],
        },
        {"question": setup.question(QuestionKind.TEXT).pk, "text": "Merci"},
    ]


def fields_of(error: Invalid) -> set[str]:
    return set(error.details.get("fields") or {})


# Making a consultation.


def test_create_keeps_the_questionnaire_and_pins_the_draft_version() -> None:
    setup = consultation_setup(phase=Phase.DRAFT)
    consultation = setup.consultation
    assert consultation.phase == Phase.DRAFT
    kinds = list(consultation.questions.order_by("position").values_list("kind", flat=True))
    assert kinds == [q["kind"] for q in questionnaire()]
    envelope = setup.question(QuestionKind.ENVELOPE)
    assert envelope.envelope_xof == 50_000_000
    assert list(envelope.options.values_list("cost_xof", flat=True)) == [20_000_000, 25_000_000, 30_000_000]
    assert consultation.sections.count() == 2
    assert consultation.draft == setup.draft
    assert AuditLogEntry.objects.filter(
        action="consultations.create", object_id=str(consultation.pk)
    ).exists()


@pytest.mark.parametrize(
    ("question", "field"),
    [
        ({"kind": "single", "prompt": "Q", "options": [{"label": "Seule"}]}, "questions.0.options"),
        (
            {"kind": "envelope", "prompt": "Q", "options": [{"label": "A", "cost_xof": 5}]},
            "questions.0.envelope_xof",
        ),
        (
            {"kind": "envelope", "prompt": "Q", "envelope_xof": 10, "options": [{"label": "A"}]},
            "questions.0.options.0.cost_xof",
        ),
        ({"kind": "text", "prompt": "Q", "options": [{"label": "A"}]}, "questions.0.options"),
        ({"kind": "poll", "prompt": "Q"}, "questions.0.kind"),
        ({"kind": "single", "prompt": "", "options": [{"label": "A"}, {"label": "B"}]}, "questions.0.prompt"),
        (
            {"kind": "single", "prompt": "Q", "options": [{"label": "A"}, {"label": "a"}]},
            "questions.0.options.1.label",
        ),
        (
            {
                "kind": "multiple",
                "prompt": "Q",
                "max_choices": 3,
                "options": [{"label": "A"}, {"label": "B"}],
            },
            "questions.0.max_choices",
        ),
        (
            {"kind": "single", "prompt": "Q", "envelope_xof": 5, "options": [{"label": "A"}, {"label": "B"}]},
            "questions.0.envelope_xof",
        ),
    ],
)
def test_a_bad_question_is_refused_with_its_field(question: dict, field: str) -> None:
    commune = CommuneFactory(is_enabled=True)
    staff = staff_of(commune, Role.SECRETARY_GENERAL)
    now = timezone.now()
    with pytest.raises(Invalid) as caught:
        consultation_create(
            staff,
            commune,
            {
                "title": "T",
                "opens_at": now.isoformat(),
                "closes_at": (now + datetime.timedelta(days=2)).isoformat(),
                "questions": [question],
            },
        )
    assert field in fields_of(caught.value)
    assert not Consultation.objects.exists()


def test_every_bad_field_is_reported_at_once() -> None:
    commune = CommuneFactory(is_enabled=True)
    staff = staff_of(commune, Role.MAYOR)
    other = consultation_setup().draft  # a document of another commune
    with pytest.raises(Invalid) as caught:
        consultation_create(
            staff,
            commune,
            {
                "title": "",
                "opens_at": "2027-02-01T10:00",
                "closes_at": "2027-01-01T10:00",
                "draft": other.pk,
                "questions": "many",
            },
        )
    assert {"title", "closes_at", "draft", "questions"} <= fields_of(caught.value)


def test_only_the_communes_staff_make_consultations() -> None:
    commune = CommuneFactory(is_enabled=True)
    elsewhere = staff_of(CommuneFactory(is_enabled=True), Role.MAYOR)
    now = timezone.now()
    data = {
        "title": "T",
        "opens_at": now.isoformat(),
        "closes_at": (now + datetime.timedelta(days=1)).isoformat(),
    }
    with pytest.raises(Forbidden):
        consultation_create(elsewhere, commune, data)
    with pytest.raises(Forbidden):
        consultation_create(UserFactory(), commune, data)
    with pytest.raises(NotAuthenticated):
        consultation_create(None, commune, data)
    with pytest.raises(Forbidden):
        consultation_create(staff_of(commune, Role.MODERATOR), commune, data)


# Phases.


def test_phases_move_forward_only_and_need_something_to_answer() -> None:
    setup = consultation_setup(phase=Phase.DRAFT)
    consultation, staff = setup.consultation, setup.staff
    with pytest.raises(WrongPhase):
        consultation_set_phase(staff, consultation, Phase.CLOSED)
    consultation = consultation_set_phase(staff, consultation, Phase.ANNOUNCED)
    assert consultation.phase == Phase.ANNOUNCED and consultation.announced_at
    consultation = consultation_set_phase(staff, consultation, Phase.OPEN)
    assert consultation.phase == Phase.OPEN
    with pytest.raises(WrongPhase):
        consultation_set_phase(staff, consultation, Phase.ANNOUNCED)
    consultation = consultation_set_phase(staff, consultation, Phase.CLOSED)
    assert consultation.phase == Phase.CLOSED and consultation.closes_at <= timezone.now()
    with pytest.raises(WrongPhase):
        consultation_set_phase(staff, consultation, Phase.OPEN)
    with pytest.raises(Invalid):
        consultation_set_phase(staff, consultation, "responded")
    actions = set(
        AuditLogEntry.objects.filter(object_id=str(consultation.pk)).values_list("action", flat=True)
    )
    assert {"consultations.announced", "consultations.open", "consultations.closed"} <= actions


def test_an_empty_consultation_cannot_be_announced() -> None:
    setup = consultation_setup(phase=Phase.DRAFT, questions=[], sections=False)
    with pytest.raises(Invalid) as caught:
        consultation_set_phase(setup.staff, setup.consultation, Phase.OPEN)
    assert "questions" in fields_of(caught.value)


def test_the_questionnaire_is_frozen_once_open() -> None:
    setup = consultation_setup(phase=Phase.OPEN)
    with pytest.raises(WrongPhase):
        consultation_update(setup.staff, setup.consultation, {"questions": []})
    later = setup.consultation.closes_at + datetime.timedelta(days=3)
    updated = consultation_update(
        setup.staff, setup.consultation, {"closes_at": later.isoformat(), "title": "Nouveau"}
    )
    assert updated.closes_at == later and updated.title == "Nouveau"
    with pytest.raises(Invalid) as caught:
        consultation_update(
            setup.staff, updated, {"closes_at": (later - datetime.timedelta(days=1)).isoformat()}
        )
    assert "closes_at" in fields_of(caught.value)


def test_the_periodic_pass_opens_reminds_and_closes_once() -> None:
    setup = consultation_setup(phase=Phase.ANNOUNCED)
    consultation = setup.consultation
    FollowFactory(commune=setup.commune)
    now = timezone.now()
    assert consultations_advance(now) == {"opened": 1, "closed": 0, "reminded": 0}
    assert consultations_advance(now) == {"opened": 0, "closed": 0, "reminded": 0}
    consultation.refresh_from_db()
    assert consultation.phase == Phase.OPEN
    week_before = consultation.closes_at - datetime.timedelta(days=6)
    assert consultations_advance(week_before)["reminded"] == 1
    assert consultations_advance(week_before)["reminded"] == 0
    after = consultation.closes_at + datetime.timedelta(seconds=1)
    assert consultations_advance(after)["closed"] == 1
    consultation.refresh_from_db()
    assert consultation.phase == Phase.CLOSED
    kinds = Counter(OutboxEvent.objects.filter(object_id=str(consultation.pk)).values_list("kind", flat=True))
    assert kinds["consultation.opened"] == 1 and kinds["consultation.closing_soon"] == 1


# Answering.


def test_a_draft_is_kept_then_submitted_then_edited() -> None:
    setup = consultation_setup()
    citizen = UserFactory()
    single = setup.question(QuestionKind.SINGLE)
    draft = response_save(citizen, setup.consultation, {"answers": []}, submit=False)
    assert draft.submitted_at is None
    with pytest.raises(Invalid) as caught:
        response_save(citizen, setup.consultation, {"answers": []}, submit=True)
    assert f"question_{single.pk}" in fields_of(caught.value)
    done = response_save(citizen, setup.consultation, {"answers": answers_for(setup)}, submit=True)
    assert done.submitted_at is not None
    again = response_save(
        citizen,
        setup.consultation,
        {"answers": answers_for(setup, single=2), "arrondissement": setup.arrondissements[0].pk},
        submit=False,
    )
    assert again.pk == done.pk and again.submitted_at == done.submitted_at
    assert Response.objects.filter(consultation=setup.consultation).count() == 1
    chosen = Selection.objects.get(answer__response=again, answer__question=single)
    assert chosen.option_id == setup.option_ids(QuestionKind.SINGLE)[2]
    # Re-submitted: a required question cannot be dropped after submitting.
    with pytest.raises(Invalid):
        response_save(citizen, setup.consultation, {"answers": []}, submit=False)


def test_the_envelope_rule() -> None:
    setup = consultation_setup()
    envelope = setup.question(QuestionKind.ENVELOPE)
    citizen = UserFactory()
    # 20 + 25 = 45 of 50 million: accepted, each project gets its cost.
    response = response_save(
        citizen, setup.consultation, {"answers": answers_for(setup, projects=(0, 1))}, submit=True
    )
    amounts = sorted(
        Selection.objects.filter(answer__response=response, answer__question=envelope).values_list(
            "amount_xof", flat=True
        )
    )
    assert amounts == [20_000_000, 25_000_000]
    # 25 + 30 = 55 million: over the envelope, refused, nothing changed.
    with pytest.raises(Invalid) as caught:
        response_save(
            citizen, setup.consultation, {"answers": answers_for(setup, projects=(1, 2))}, submit=True
        )
    message = caught.value.details["fields"][f"question_{envelope.pk}"][0]
    assert "55" in message and "50" in message
    assert Selection.objects.filter(answer__response=response, answer__question=envelope).count() == 2


@pytest.mark.parametrize(
    "change",
    [
        lambda s, a: a[0].update(option=s.option_ids("multiple")[0]),  # an option of another question
        lambda s, a: a[1].update(options=s.option_ids("multiple")),  # three of at most two
        lambda s, a: a[2].update(ranking=[s.option_ids("ranking")[0]] * 2),  # ranked twice
        lambda s, a: a[3].update(projects="all"),  # not a list
        lambda s, a: a[4].update(text="x" * 1001),  # too long
        lambda s, a: a[0].update(options=[1]),  # the wrong key for its kind
        lambda s, a: a.append(dict(a[0])),  # answered twice
        lambda s, a: a.append({"question": 999999, "option": 1}),  # not of this consultation
        lambda s, a: a.append("yes"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_lost(change) -> None:
    setup = consultation_setup()
    citizen = UserFactory()
    first = response_save(citizen, setup.consultation, {"answers": answers_for(setup)}, submit=True)
    before = sorted(Selection.objects.filter(answer__response=first).values_list("option_id", flat=True))
    bad = answers_for(setup)
    change(setup, bad)
    with pytest.raises(Invalid):
        response_save(citizen, setup.consultation, {"answers": bad}, submit=True)
    after = sorted(Selection.objects.filter(answer__response=first).values_list("option_id", flat=True))
    assert after == before


def test_no_answer_before_opening_or_after_closing() -> None:
    citizen = UserFactory()
    for phase in (Phase.DRAFT, Phase.ANNOUNCED, Phase.CLOSED, Phase.RESPONDED):
        setup = consultation_setup(phase=phase)
        with pytest.raises(WrongPhase):
            response_save(citizen, setup.consultation, {"answers": answers_for(setup)}, submit=True)
    # Open, but its closing time has passed before the periodic pass closed it.
    setup = consultation_setup()
    Consultation.objects.filter(pk=setup.consultation.pk).update(
        closes_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    setup.consultation.refresh_from_db()
    with pytest.raises(WrongPhase):
        response_save(citizen, setup.consultation, {"answers": answers_for(setup)}, submit=True)
    assert not Response.objects.filter(user=citizen).exists()


def test_answering_needs_an_account() -> None:
    setup = consultation_setup()
    with pytest.raises(NotAuthenticated):
        response_save(None, setup.consultation, {"answers": answers_for(setup)}, submit=True)


# Comments.


def test_comments_and_staff_replies() -> None:
    setup = consultation_setup()
    section = setup.consultation.sections.first()
    citizen = UserFactory()
    comment = comment_post(citizen, section, "Il faut plus de forages à Togba.")
    reply = comment_post(setup.staff, section, "Nous l'ajoutons au PTA.", parent=comment.pk)
    assert reply.is_staff_reply and reply.parent == comment
    with pytest.raises(Forbidden):
        comment_post(UserFactory(), section, "Moi aussi", parent=comment.pk)
    with pytest.raises(Invalid):
        comment_post(citizen, section, "   ")
    with pytest.raises(Forbidden):
        comment_hide(citizen, comment, "spam")
    moderator = staff_of(setup.commune, Role.MODERATOR)
    hidden = comment_hide(moderator, comment, "Hors sujet")
    assert hidden.hidden
    assert AuditLogEntry.objects.filter(
        action="consultations.comment_hide", object_id=str(comment.pk)
    ).exists()
    Consultation.objects.filter(pk=setup.consultation.pk).update(phase=Phase.CLOSED)
    with pytest.raises(WrongPhase):
        comment_post(citizen, section, "Trop tard")


# Counting.


def workshop(
    setup: Setup, *, participants: int, arrondissement: int, answers: list[tuple[str, int, dict]]
) -> Workshop:
    women = participants // 2
    row = Workshop.objects.create(
        consultation=setup.consultation,
        commune=setup.commune,
        recorded_by=setup.staff,
        held_on=timezone.localdate(),
        arrondissement=setup.arrondissements[arrondissement],
        language="fon",
        participants=participants,
        women=women,
        men=participants - women,
        age_18_34=participants,
        with_disability=2,
        summary="Atelier",
    )
    for kind, index, values in answers:
        WorkshopAnswer.objects.create(
            workshop=row,
            question=setup.question(kind),
            option_id=setup.option_ids(kind)[index],
            **values,
        )
    return row


def test_results_equal_a_recount_with_the_channels_apart() -> None:
    setup = consultation_setup()
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    response_save(
        a,
        setup.consultation,
        {
            "answers": answers_for(setup, single=0, ranking=(0, 1, 2), projects=(0, 1)),
            "arrondissement": setup.arrondissements[0].pk,
        },
        submit=True,
    )
    response_save(
        b,
        setup.consultation,
        {
            "answers": answers_for(setup, single=1, multiple=(0, 2), ranking=(1, 0)),
        },
        submit=True,
    )
    # A draft is not counted.
    response_save(c, setup.consultation, {"answers": answers_for(setup, single=2)}, submit=False)
    workshop(
        setup,
        participants=35,
        arrondissement=1,
        answers=[
            ("single", 0, {"count": 20}),
            ("single", 2, {"count": 15}),
            ("ranking", 2, {"rank": 1}),
            ("ranking", 0, {"rank": 2}),
            ("envelope", 2, {"amount_xof": 30_000_000}),
        ],
    )
    counted = results.count(setup.consultation)

    assert counted.participation.online == 2
    assert counted.participation.workshops == 1 and counted.participation.workshop_participants == 35
    assert counted.participation.women == 17 and counted.participation.with_disability == 2

    single = next(q for q in counted.questions if q.kind == QuestionKind.SINGLE)
    by_option = {r.option.label: r.value for r in single.options}
    assert (by_option["Eau"].online, by_option["Eau"].workshop) == (1, 20)
    assert (by_option["Écoles"].online, by_option["Écoles"].workshop) == (1, 0)
    assert (by_option["Routes"].online, by_option["Routes"].workshop, by_option["Routes"].total) == (
        0,
        15,
        15,
    )
    assert (single.base.online, single.base.workshop) == (2, 35)

    ranking = next(q for q in counted.questions if q.kind == QuestionKind.RANKING)
    points = {r.option.label: r.value for r in ranking.options}
    # Three options: rank 1 = 3 points. a: Forages 3, Éclairage 2, Caniveaux 1; b: Éclairage 3, Forages 2.
    assert (points["Forages"].online, points["Éclairage"].online, points["Caniveaux"].online) == (5, 5, 1)
    # The workshop's ranking counts once per participant: Caniveaux 3 × 35, Forages 2 × 35.
    assert (points["Caniveaux"].workshop, points["Forages"].workshop) == (105, 70)
    # Ordered by total points: Caniveaux 106, Forages 75, Éclairage 5.
    assert [r.option.label for r in ranking.options] == ["Caniveaux", "Forages", "Éclairage"]

    envelope = next(q for q in counted.questions if q.kind == QuestionKind.ENVELOPE)
    funded = {r.option.label: r for r in envelope.options}
    assert (funded["Forage à Zinvié"].value.online, funded["Forage à Zinvié"].amount.online) == (
        2,
        40_000_000,
    )
    assert (funded["Pistes rurales"].value.workshop, funded["Pistes rurales"].amount.workshop) == (
        35,
        30_000_000 * 35,
    )
    assert envelope.average_amount(funded["Pistes rurales"], "total") == round(30_000_000 * 35 / 37)
    assert envelope.average_amount(funded["Forage à Zinvié"], "online") == 20_000_000

    text = next(q for q in counted.questions if q.kind == QuestionKind.TEXT)
    assert text.text_answers == 2 and text.base.workshop == 0

    # By arrondissement: a chose Akassato, b none; one respondent is too few to show Akassato apart,
    # so a is pooled with "not stated" (""). The workshop was held in Godomey.
    eau = setup.option_ids(QuestionKind.SINGLE)[0]
    assert "Akassato" not in single.by_arrondissement
    assert "Akassato" not in counted.participation.by_arrondissement
    assert single.by_arrondissement[""][eau].as_dict() == {"online": 1, "workshop": 0, "total": 1}
    assert single.by_arrondissement["Godomey"][eau].as_dict() == {"online": 0, "workshop": 20, "total": 20}
    assert counted.participation.by_arrondissement[""].online == 2
    assert counted.participation.by_arrondissement["Godomey"].workshop == 35

    # Recount from the rows, independently of results.count.
    submitted = Response.objects.filter(consultation=setup.consultation, submitted_at__isnull=False)
    for result in single.options:
        online = Selection.objects.filter(answer__response__in=submitted, option=result.option).count()
        ground = sum(
            WorkshopAnswer.objects.filter(
                workshop__consultation=setup.consultation, option=result.option
            ).values_list("count", flat=True)
        )
        assert (result.value.online, result.value.workshop) == (online, ground)

    data = results.as_data(counted)
    assert data["participation"]["people"] == 37
    assert results.text_answers(setup.consultation)[text.question.pk] == ["Merci", "Merci"]


def test_the_response_closes_the_loop_and_tells_participants() -> None:
    setup = consultation_setup()
    citizen, commenter, follower = UserFactory(), UserFactory(), UserFactory()
    FollowFactory(commune=setup.commune, user=follower)
    response_save(citizen, setup.consultation, {"answers": answers_for(setup)}, submit=True)
    comment_post(commenter, setup.consultation.sections.first(), "Bien")
    with pytest.raises(WrongPhase):
        consultation_respond(setup.staff, setup.consultation, {"response_text": "Trop tôt"})
    closed = consultation_set_phase(setup.staff, setup.consultation, Phase.CLOSED)
    adopted = setup.draft
    with pytest.raises(Invalid) as caught:
        consultation_respond(setup.staff, closed, {"response_text": "", "adopted_document": "x"})
    assert {"response_text", "adopted_document"} <= fields_of(caught.value)
    done = consultation_respond(
        setup.staff,
        closed,
        {"response_text": "Nous avons entendu : l'eau d'abord.", "adopted_document": adopted.pk},
    )
    assert done.phase == Phase.RESPONDED and done.adopted_document == adopted
    event = OutboxEvent.objects.get(kind="consultation.response", object_id=str(done.pk))
    assert set(event.payload["audience"]["user_ids"]) == {citizen.pk, commenter.pk}
    assert event.payload["audience"]["followers"] is True
    closed_event = OutboxEvent.objects.get(kind="consultation.closed", object_id=str(done.pk))
    assert set(closed_event.payload["audience"]["user_ids"]) == {citizen.pk, commenter.pk}
    # A correction keeps one notification.
    consultation_respond(setup.staff, done, {"response_text": "Corrigé"})
    assert OutboxEvent.objects.filter(kind="consultation.response", object_id=str(done.pk)).count() == 1
    with pytest.raises(Forbidden):
        consultation_respond(staff_of(CommuneFactory(is_enabled=True)), done, {"response_text": "Non"})


def test_a_comment_posted_again_with_its_key_is_made_once() -> None:
    setup = consultation_setup()
    section = setup.consultation.sections.first()
    citizen = UserFactory()
    first = comment_post(citizen, section, "Des forages à Togba", idempotency_key="offline-1")
    again = comment_post(citizen, section, "Des forages à Togba", idempotency_key="offline-1")
    assert again.pk == first.pk
    assert section.comments.count() == 1
    # Another person's identical key is their own.
    other = comment_post(UserFactory(), section, "Moi aussi", idempotency_key="offline-1")
    assert other.pk != first.pk
    with pytest.raises(Invalid) as caught:
        comment_post(citizen, section, "Texte", idempotency_key="k" * 65)
    assert "idempotency_key" in fields_of(caught.value)


def test_ranking_shares_are_of_the_points_given() -> None:
    setup = consultation_setup()
    for ranking in ((0, 1, 2), (1, 0, 2), (0, 2, 1)):
        response_save(
            UserFactory(), setup.consultation, {"answers": answers_for(setup, ranking=ranking)}, submit=True
        )
    counted = results.count(setup.consultation)
    ranking_result = next(q for q in counted.questions if q.kind == QuestionKind.RANKING)
    shares = [ranking_result.share(r, "online") for r in ranking_result.options]
    assert all(0 <= value <= 100 for value in shares)
    assert abs(sum(shares) - 100) < 0.5


def test_a_key_reused_for_another_section_is_refused_not_answered_with_the_first_comment() -> None:
    from hub.errors import Conflict

    setup = consultation_setup()
    first_section, second_section = list(setup.consultation.sections.order_by("position"))
    citizen = UserFactory()
    comment_post(citizen, first_section, "A", idempotency_key="k1")
    with pytest.raises(Conflict) as caught:
        comment_post(citizen, second_section, "B", idempotency_key="k1")
    assert caught.value.code == "idempotency_key_reused"
    assert second_section.comments.count() == 0


def test_nothing_is_taken_once_the_closing_time_has_passed() -> None:
    from consultations.services.workshops import workshop_record

    setup = consultation_setup()
    Consultation.objects.filter(pk=setup.consultation.pk).update(
        closes_at=timezone.now() - datetime.timedelta(minutes=3)
    )
    setup.consultation.refresh_from_db()
    assert setup.consultation.acceptance() == "closed"
    with pytest.raises(WrongPhase):
        workshop_record(
            actor=setup.staff,
            consultation=setup.consultation,
            data={"held_on": timezone.localdate().isoformat()},
        )
    with pytest.raises(WrongPhase):
        comment_post(UserFactory(), setup.consultation.sections.first(), "Trop tard")


@pytest.mark.django_db(transaction=True)
def test_a_close_waits_for_an_answer_being_saved(postgres_required: None) -> None:
    """An answer takes the consultation's row FOR SHARE until it commits: a close (FOR UPDATE) cannot
    slip between the answer's check and its commit (which would count it after the close)."""
    import threading

    from django.db import OperationalError, connection, transaction

    from consultations.services.common import lock_shared

    setup = consultation_setup()
    outcome: list[str] = []

    def close_now() -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '300ms'")
                Consultation.objects.select_for_update().get(pk=setup.consultation.pk)
                outcome.append("closed while the answer was being saved")
        except OperationalError:
            outcome.append("waited")
        finally:
            connection.close()

    with transaction.atomic():
        lock_shared(setup.consultation.pk)
        closer = threading.Thread(target=close_now)
        closer.start()
        closer.join()
    assert outcome == ["waited"]
    # Answers do not wait for each other: two share locks at once.
    second: list[str] = []

    def share_too() -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '300ms'")
                lock_shared(setup.consultation.pk)
                second.append("shared")
        except OperationalError:
            second.append("waited")
        finally:
            connection.close()

    with transaction.atomic():
        lock_shared(setup.consultation.pk)
        other = threading.Thread(target=share_too)
        other.start()
        other.join()
    assert second == ["shared"]


def test_every_audited_action_of_the_consultations_has_a_label_in_the_journal() -> None:
    import re
    from pathlib import Path

    from consultations.models import Phase
    from frontend.workspace.audit import ACTION_LABELS

    source = "".join(path.read_text() for path in Path("consultations").rglob("*.py"))
    actions = set(re.findall(r'"(consultations\.[a-z_]+)"', source))
    actions |= {f"consultations.{phase}" for phase in (Phase.ANNOUNCED, Phase.OPEN, Phase.CLOSED)}
    assert len(actions) > 20
    assert sorted(actions - set(ACTION_LABELS)) == []


def test_an_arrondissement_shows_its_online_answers_apart_from_five_respondents() -> None:
    setup = consultation_setup()
    togba = setup.arrondissements[2]
    for n in range(5):
        response_save(
            UserFactory(),
            setup.consultation,
            {"answers": answers_for(setup, single=n % 2), "arrondissement": togba.pk},
            submit=True,
        )
    lone = setup.arrondissements[0]
    response_save(
        UserFactory(),
        setup.consultation,
        {"answers": answers_for(setup, single=2), "arrondissement": lone.pk},
        submit=True,
    )
    counted = results.count(setup.consultation)
    assert counted.participation.by_arrondissement["Togba"].online == 5
    assert lone.name not in counted.participation.by_arrondissement
    single = next(q for q in counted.questions if q.kind == QuestionKind.SINGLE)
    eau, ecoles, routes = setup.option_ids(QuestionKind.SINGLE)
    assert (
        single.by_arrondissement["Togba"][eau].online == 3
        and single.by_arrondissement["Togba"][ecoles].online == 2
    )
    # The lone respondent's choice is only in the pool, not under their arrondissement.
    assert single.by_arrondissement[""][routes].online == 1
    assert counted.arrondissements == ["Togba", ""]


def test_a_muted_citizen_does_not_comment_and_comments_are_rate_limited() -> None:
    from consultations.errors import Muted
    from consultations.services.answers import COMMENTS_PER_WINDOW
    from forums.models import Mute
    from hub.errors import Throttled

    setup = consultation_setup()
    section = setup.consultation.sections.first()
    muted = UserFactory()
    Mute.objects.create(
        commune=setup.commune,
        user=muted,
        until=timezone.now() + datetime.timedelta(hours=2),
        reason="insultes",
        by=setup.staff,
    )
    with pytest.raises(Muted) as caught:
        comment_post(muted, section, "Encore moi")
    assert caught.value.status == 403 and "until" in caught.value.details
    # A mute in another commune does not count here.
    elsewhere = UserFactory()
    Mute.objects.create(
        commune=CommuneFactory(),
        user=elsewhere,
        until=timezone.now() + datetime.timedelta(hours=2),
        reason="x",
        by=setup.staff,
    )
    comment_post(elsewhere, section, "Bonjour")

    citizen = UserFactory()
    for n in range(COMMENTS_PER_WINDOW):
        comment_post(citizen, section, f"Commentaire {n}")
    with pytest.raises(Throttled):
        comment_post(citizen, section, "Un de trop")
    assert section.comments.filter(author=citizen).count() == COMMENTS_PER_WINDOW
    # Staff replies are not limited.
    first = section.comments.filter(author=citizen).first()
    for n in range(COMMENTS_PER_WINDOW + 1):
        comment_post(setup.staff, section, f"Réponse {n}", parent=first.pk)
