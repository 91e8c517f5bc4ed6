"""The commitments services: made from an answered question, an accepted proposal or directly; who may
(role × commune); every bad input refused with nothing written; the timeline (status, progress,
photos, a published document); edits; ``overdue`` computed. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from commitments import services
from commitments.errors import Forbidden, Invalid, OriginNotFound, WrongStatus
from commitments.models import (
    Commitment,
    CommitmentPhoto,
    CommitmentUpdate,
    CommitmentWatcher,
    OriginKind,
)
from hub.errors import DomainError, NotAuthenticated
from hub.models import AuditLogEntry, OutboxEvent, Role
from hub.uploads import FileTooLarge, UnsupportedFile
from sessions_live.models import SessionEvent
from tests.factories import AdminFactory, CommuneFactory, MembershipFactory, UserFactory
from tests.factories_commitments import CommitmentFactory, accepted_proposal, answered_question
from tests.factories_publications import (
    EXE_BYTES,
    DocumentFactory,
    PublishedDocumentFactory,
    pdf_bytes,
    png_bytes,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def staff(commune, role=Role.MAYOR):  # type: ignore[no-untyped-def]
    return MembershipFactory(commune=commune, role=role).user


def in_days(days: int) -> datetime.date:
    return TODAY() + datetime.timedelta(days=days)


def png(name: str = "chantier.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(40, 30), content_type="image/png")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


def nothing_written() -> bool:
    return not (
        Commitment.objects.exists()
        or CommitmentUpdate.objects.exists()
        or OutboxEvent.objects.filter(kind__startswith="commitment.").exists()
        or AuditLogEntry.objects.filter(action__startswith="commitment.").exists()
    )


# --- Made from an answered question ---------------------------------------------------------------


def test_a_commitment_from_an_answered_question_freezes_it_and_its_citizens_watch():
    # given a question answered in a session, upvoted by three citizens
    question = answered_question(upvoters=3)
    commune, mayor = question.session.commune, staff(question.session.commune)
    # when the mayor turns it into a commitment
    commitment = services.commitment_create_from_question(
        actor=mayor,
        commune=commune,
        question_id=question.pk,
        text="Curer les caniveaux d'Agla",
        owner_office="Services techniques",
        due_on=in_days(90),
    )
    # then the commitment belongs to the session, and the page's facts are frozen
    assert commitment.origin_kind == OriginKind.QUESTION and commitment.session_id == question.session_id
    assert commitment.question_id == question.pk and commitment.created_by == mayor
    snapshot = commitment.origin_snapshot
    assert snapshot["text"] == question.text and snapshot["author"] == question.author.display_name
    assert snapshot["support_count"] == 3 and snapshot["answer"] == "Les travaux commencent en mars."
    # and the asker and the upvoters watch it
    watchers = dict(CommitmentWatcher.objects.filter(commitment=commitment).values_list("user_id", "reason"))
    assert watchers == {question.author_id: "asker", **{v.pk: "upvoter" for v in question.voters}}
    # and the session's live record, the audit log and the outbox have it
    event = SessionEvent.objects.get(session=question.session, name="commitment.created")
    assert (
        event.data["commitment"]["id"] == commitment.pk
        and event.data["commitment"]["question"] == question.pk
    )
    assert AuditLogEntry.objects.filter(action="commitment.create", actor=mayor, commune=commune).exists()
    outbox = OutboxEvent.objects.get(kind="commitment.created")
    assert outbox.payload["audience"] == {
        "user_ids": sorted([question.author_id, *(v.pk for v in question.voters)]),
        "followers": True,
    }
    assert outbox.payload["path"] == f"/engagements/{commitment.pk}/"


def test_an_anonymous_asker_stays_anonymous_on_the_commitment_but_is_told():
    question = answered_question(anonymous=True)
    commitment = services.commitment_create_from_question(
        actor=staff(question.session.commune),
        commune=question.session.commune,
        question_id=question.pk,
        text="Engagement",
    )
    assert commitment.origin_snapshot["author"] is None and commitment.origin_snapshot["anonymous"] is True
    assert CommitmentWatcher.objects.filter(commitment=commitment, user=question.author).exists()


@pytest.mark.parametrize("status", ["pending", "approved", "answering", "rejected"])
def test_only_an_answered_question_becomes_a_commitment(status):
    question = answered_question(status=status)
    with pytest.raises(WrongStatus) as refused:
        services.commitment_create_from_question(
            actor=staff(question.session.commune),
            commune=question.session.commune,
            question_id=question.pk,
            text="Engagement",
        )
    assert refused.value.status == 409 and nothing_written()


def test_a_question_of_another_commune_or_session_is_not_found_and_nothing_is_written():
    # given a mayor of Cotonou and answered questions elsewhere
    cotonou = CommuneFactory()
    mayor = staff(cotonou)
    foreign = answered_question()  # another commune
    ours = answered_question(cotonou)
    other_session = answered_question(cotonou).session
    # then
    for question_id, session in [(foreign.pk, None), (ours.pk, other_session), (999_999, None)]:
        with pytest.raises(OriginNotFound):
            services.commitment_create_from_question(
                actor=mayor, commune=cotonou, question_id=question_id, session=session, text="Engagement"
            )
    with pytest.raises(Invalid) as missing:
        services.commitment_create_from_question(actor=mayor, commune=cotonou, question_id=None, text="E")
    assert "question" in missing.value.details["fields"]
    assert nothing_written()


# --- Made from an accepted proposal ---------------------------------------------------------------


def test_a_commitment_from_an_accepted_proposal_is_watched_by_its_author_and_supporters():
    proposal = accepted_proposal(supporters=2)
    commune = proposal.commune
    commitment = services.commitment_create_from_proposal(
        actor=staff(commune, Role.SECRETARY_GENERAL),
        commune=commune,
        proposal_id=proposal.pk,
        text="Installer vingt poubelles",
        owner_role=Role.SECRETARY_GENERAL,
    )
    assert commitment.origin_kind == OriginKind.PROPOSAL and commitment.proposal_id == proposal.pk
    assert commitment.origin_snapshot["text"] == proposal.title
    assert commitment.origin_snapshot["author"] == proposal.author.display_name
    assert commitment.origin_snapshot["support_count"] == 2
    assert commitment.origin_snapshot["path"] == f"/forum/sujets/{proposal.pk}/"
    watchers = dict(CommitmentWatcher.objects.filter(commitment=commitment).values_list("user_id", "reason"))
    assert watchers == {proposal.author_id: "author", **{u.pk: "supporter" for u in proposal.supporters}}
    assert commitment.session_id is None and not SessionEvent.objects.exists()


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda c: accepted_proposal(c, status="under_study"), WrongStatus),
        (lambda c: accepted_proposal(c, status="rejected"), WrongStatus),
        (lambda c: accepted_proposal(c, hidden=True), OriginNotFound),
        (lambda c: accepted_proposal(c, kind="question"), OriginNotFound),
        (lambda c: accepted_proposal(), OriginNotFound),  # another commune's
    ],
    ids=["under_study", "rejected", "hidden", "not_a_proposal", "other_commune"],
)
def test_only_an_accepted_visible_proposal_of_the_commune_becomes_a_commitment(make, error):
    commune = CommuneFactory()
    proposal = make(commune)
    with pytest.raises(error):
        services.commitment_create_from_proposal(
            actor=staff(commune), commune=commune, proposal_id=proposal.pk, text="Engagement"
        )
    assert nothing_written()


# --- Who may -------------------------------------------------------------------------------------

ROLES_ALLOWED = [Role.MAYOR, Role.SECRETARY_GENERAL, Role.COMMUNICATION_OFFICER, Role.FOCAL_POINT]
ROLES_REFUSED = [Role.MODERATOR, Role.DEPUTY_MAYOR, Role.COUNCILLOR]


def actor_for(who: str, commune):  # type: ignore[no-untyped-def]
    if who == "anonymous":
        return None
    if who == "citizen":
        return UserFactory()
    if who == "admin":
        return AdminFactory()
    if who == "mayor_elsewhere":
        return staff(CommuneFactory())
    return staff(commune, who)


@pytest.mark.parametrize(
    "who", [*ROLES_ALLOWED, *ROLES_REFUSED, "citizen", "anonymous", "mayor_elsewhere", "admin"]
)
def test_who_may_make_and_follow_up_a_commitment(who):
    # given a commitment of an enabled commune and someone
    commitment = CommitmentFactory()
    commune = commitment.commune
    actor = actor_for(who, commune)
    allowed = who in ROLES_ALLOWED or who == "admin"
    writes = [
        lambda: services.commitment_create(actor=actor, commune=commune, text="Nouvel engagement"),
        lambda: services.commitment_update(actor=actor, commitment=commitment, changes={"text": "Corrigé"}),
        lambda: services.commitment_post_update(actor=actor, commitment=commitment, text="Avancement"),
    ]
    for write in writes:
        if allowed:
            write()
        else:
            expected = NotAuthenticated if who == "anonymous" else Forbidden
            with pytest.raises(expected) as refused:
                write()
            assert refused.value.code == ("not_authenticated" if who == "anonymous" else "forbidden")
    # then refused writes left nothing behind
    if not allowed:
        assert Commitment.objects.count() == 1 and not CommitmentUpdate.objects.exists()
        assert Commitment.objects.get().text == commitment.text
        assert not AuditLogEntry.objects.filter(action__startswith="commitment.").exists()


def test_staff_of_a_commune_not_yet_enabled_may_not():
    commune = CommuneFactory(is_enabled=False)
    with pytest.raises(Forbidden):
        services.commitment_create(actor=staff(commune), commune=commune, text="Engagement")


def test_a_session_of_another_commune_is_not_found():
    mayor_commune = CommuneFactory()
    foreign_session = answered_question().session
    with pytest.raises(OriginNotFound):
        services.commitment_create(
            actor=staff(mayor_commune), commune=mayor_commune, session=foreign_session, text="E"
        )
    assert nothing_written()


# --- Bad input: every field refused at once, nothing written ----------------------------------------


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"text": ""}, {"text"}),
        ({"text": "   "}, {"text"}),
        ({"text": "x" * 1001}, {"text"}),
        ({"text": 42}, {"text"}),
        ({"due_on": datetime.date(2020, 1, 1)}, {"due_on"}),
        ({"due_on": "2030-01-01"}, {"due_on"}),
        ({"due_on": datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)}, {"due_on"}),
        ({"due_on": datetime.date(2200, 1, 1)}, {"due_on"}),
        ({"owner_role": "dictator"}, {"owner_role"}),
        ({"owner_role": Role.MAYOR, "owner_office": "Services techniques"}, {"owner_office"}),
        ({"owner_office": "x" * 121}, {"owner_office"}),
        ({"progress": 101}, {"progress"}),
        ({"progress": -1}, {"progress"}),
        ({"progress": True}, {"progress"}),
        ({"progress": "50"}, {"progress"}),
        ({"status": "forgotten"}, {"status"}),
        ({"text": "", "due_on": datetime.date(2020, 1, 1), "progress": 300}, {"text", "due_on", "progress"}),
    ],
)
def test_bad_input_is_refused_field_by_field_and_nothing_is_written(fields, errors):
    commune = CommuneFactory()
    with pytest.raises(Invalid) as refused:
        services.commitment_create(actor=staff(commune), commune=commune, **{"text": "Engagement", **fields})
    assert refused.value.code == "validation_error" and set(refused.value.details["fields"]) == errors
    assert nothing_written()


def test_a_due_date_of_today_is_accepted():
    commune = CommuneFactory()
    commitment = services.commitment_create(actor=staff(commune), commune=commune, text="E", due_on=TODAY())
    assert commitment.due_on == TODAY() and not commitment.is_overdue


# --- The timeline ----------------------------------------------------------------------------------


def test_marking_it_done_stamps_the_day_sets_full_progress_and_tells_citizens():
    # given a commitment made from a question, with its watchers
    question = answered_question(upvoters=1)
    commune = question.session.commune
    mayor = staff(commune)
    commitment = services.commitment_create_from_question(
        actor=mayor, commune=commune, question_id=question.pk, text="E", due_on=in_days(10)
    )
    # when the secretary-general posts that it is done, with a photo and a published document
    document = PublishedDocumentFactory(commune=commune)
    update = services.commitment_post_update(
        actor=staff(commune, Role.SECRETARY_GENERAL),
        commitment=commitment,
        text="Travaux terminés",
        status="done",
        document=document.pk,
        photos=[png()],
    )
    # then the commitment is kept on time, the entry says what changed, its evidence is stored
    commitment.refresh_from_db()
    assert commitment.status == "done" and commitment.progress == 100 and commitment.done_at is not None
    assert commitment.kept_on_time and not commitment.is_overdue
    assert update.status == "done" and update.progress == 100 and update.document == document
    photo = CommitmentPhoto.objects.get(update=update)
    assert photo.content_type == "image/png" and (photo.width, photo.height) == (40, 30)
    assert photo.file.name.startswith("commitments/") and "chantier" not in photo.file.name
    # and the status change is announced to the watchers and followers, in the session's record too
    outbox = OutboxEvent.objects.get(kind="commitment.status")
    assert outbox.payload["status"] == "done" and outbox.payload["audience"]["followers"] is True
    assert question.author_id in outbox.payload["audience"]["user_ids"]
    assert SessionEvent.objects.filter(session=question.session, name="commitment.updated").count() == 1


def test_a_text_only_update_is_an_update_and_reopening_clears_the_done_day():
    commune = CommuneFactory()
    mayor = staff(commune)
    commitment = services.commitment_create(actor=mayor, commune=commune, text="E", status="done")
    assert commitment.done_at is not None and commitment.progress == 100
    services.commitment_post_update(actor=mayor, commitment=commitment, text="Photos à venir")
    assert OutboxEvent.objects.filter(kind="commitment.updated").count() == 1
    services.commitment_post_update(actor=mayor, commitment=commitment, status="in_progress", progress=80)
    commitment.refresh_from_db()
    assert commitment.status == "in_progress" and commitment.done_at is None and commitment.progress == 80


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "text"),
        ({"text": "  "}, "text"),
        ({"status": "planned"}, "text"),  # the current status: nothing new
        ({"text": "x" * 4001}, "text"),
        ({"progress": 150}, "progress"),
        ({"status": "lost"}, "status"),
        ({"document": "draft"}, "document"),
        ({"document": "foreign"}, "document"),
        ({"document": "withdrawn"}, "document"),
        ({"document": 999_999}, "document"),
        ({"photos": 5}, "photos"),
        ({"photos": "exe"}, "photos"),
        ({"photos": "pdf"}, "photos"),
    ],
)
def test_a_bad_update_is_refused_and_nothing_is_written(fields, field):
    # given a planned commitment
    commitment = CommitmentFactory()
    commune = commitment.commune
    documents = {
        "draft": DocumentFactory(commune=commune).pk,
        "foreign": PublishedDocumentFactory().pk,
        "withdrawn": PublishedDocumentFactory(commune=commune, state="withdrawn").pk,
    }
    uploads = {
        5: [png(f"{i}.png") for i in range(5)],
        "exe": [SimpleUploadedFile("photo.png", EXE_BYTES, content_type="image/png")],
        "pdf": [SimpleUploadedFile("rapport.pdf", pdf_bytes("Rapport"), content_type="application/pdf")],
    }
    if "document" in fields:
        fields["document"] = documents.get(fields["document"], fields["document"])
    if "photos" in fields:
        fields["photos"] = uploads[fields["photos"]]
    # when staff post it, then it is refused on its field
    with pytest.raises(DomainError) as refused:
        services.commitment_post_update(actor=staff(commune), commitment=commitment, **fields)
    assert field in refused.value.details["fields"]
    assert not CommitmentUpdate.objects.exists() and not CommitmentPhoto.objects.exists()
    assert not OutboxEvent.objects.filter(kind__startswith="commitment.").exists()


class StorageSpy:
    """The real storage, noting how deep in transactions each file was saved."""

    def __init__(self) -> None:
        from django.core.files.storage import default_storage

        self.storage = default_storage
        self.depths: list[int] = []

    def save(self, name, content):  # type: ignore[no-untyped-def]
        from django.db import connection

        self.depths.append(len(connection.atomic_blocks))
        return self.storage.save(name, content)

    def delete(self, name):  # type: ignore[no-untyped-def]
        return self.storage.delete(name)


def stored_photo_files(settings) -> list[str]:  # type: ignore[no-untyped-def]
    folder = settings.MEDIA_ROOT / "commitments"
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def test_photos_are_stored_before_the_transaction(settings, monkeypatch):
    # given a commitment and a storage that notes where it is called from
    from django.core.files.storage import default_storage
    from django.db import connection

    spy = StorageSpy()
    monkeypatch.setattr("hub.uploads.default_storage", spy)
    commitment = CommitmentFactory()
    mayor = staff(commitment.commune)
    outside = len(connection.atomic_blocks)  # the test's own transaction
    # when staff post an update with two photos
    update = services.commitment_post_update(
        actor=mayor, commitment=commitment, text="Chantier", photos=[png("a.png"), png("b.png")]
    )
    # then both were stored outside the service's transaction, and recorded with the entry
    assert spy.depths == [outside, outside]
    names = sorted(photo.file.name for photo in CommitmentPhoto.objects.filter(update=update))
    assert len(names) == 2 and all(default_storage.exists(name) for name in names)
    assert [name.removeprefix("commitments/") for name in names] == stored_photo_files(settings)


def test_a_failed_update_leaves_no_photo_file_behind(settings, monkeypatch):
    # given a commitment, and a write that fails after the photos are stored (the outbox refuses)
    commitment = CommitmentFactory()
    mayor = staff(commitment.commune)

    def outbox_down(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("outbox down")

    monkeypatch.setattr("commitments.services.updates.notify_update", outbox_down)
    # when staff post an update with two photos
    with pytest.raises(RuntimeError):
        services.commitment_post_update(
            actor=mayor, commitment=commitment, text="Chantier", photos=[png("a.png"), png("b.png")]
        )
    # then nothing is written, and no file is left in storage
    assert not CommitmentUpdate.objects.exists() and not CommitmentPhoto.objects.exists()
    assert stored_photo_files(settings) == []


def test_an_update_refused_inside_the_transaction_leaves_no_photo_file_behind(settings):
    # given a commitment deleted after the page was read (the lock finds nothing)
    commitment = CommitmentFactory()
    mayor = staff(commitment.commune)
    Commitment.objects.filter(pk=commitment.pk).delete()
    # when staff post an update with a photo, then it fails and no file stays behind
    with pytest.raises(Commitment.DoesNotExist):
        services.commitment_post_update(actor=mayor, commitment=commitment, photos=[png()])
    assert stored_photo_files(settings) == []


def test_hostile_and_oversized_photos_say_why(settings):
    commitment = CommitmentFactory()
    mayor = staff(commitment.commune)
    with pytest.raises(UnsupportedFile):
        services.commitment_post_update(
            actor=mayor, commitment=commitment, photos=[SimpleUploadedFile("x.png", EXE_BYTES)]
        )
    settings.UPLOAD_MAX_BYTES = 100
    with pytest.raises(FileTooLarge) as too_large:
        services.commitment_post_update(actor=mayor, commitment=commitment, photos=[png()])
    assert too_large.value.status == 413 and "photos" in too_large.value.details["fields"]


# --- Edits -----------------------------------------------------------------------------------------


def test_correcting_the_text_or_owner_is_audited_but_not_announced():
    commitment = CommitmentFactory()
    mayor = staff(commitment.commune)
    updated = services.commitment_update(
        actor=mayor,
        commitment=commitment,
        changes={"text": "Texte corrigé", "owner_role": Role.SECRETARY_GENERAL},
    )
    assert updated.text == "Texte corrigé" and updated.owner_label == "Secrétaire général(e)"
    entry = AuditLogEntry.objects.get(action="commitment.update")
    assert entry.data["after"]["text"] == "Texte corrigé"
    assert not CommitmentUpdate.objects.exists() and not OutboxEvent.objects.exists()


def test_a_new_due_date_goes_on_the_timeline_and_makes_the_reminders_due_again():
    commitment = CommitmentFactory(due_soon_reminded_at=timezone.now(), overdue_reminded_at=timezone.now())
    mayor = staff(commitment.commune)
    updated = services.commitment_update(actor=mayor, commitment=commitment, changes={"due_on": in_days(60)})
    assert updated.due_on == in_days(60)
    assert updated.due_soon_reminded_at is None and updated.overdue_reminded_at is None
    entry = CommitmentUpdate.objects.get(commitment=commitment)
    assert entry.due_on == in_days(60) and entry.status == "" and entry.text == ""
    assert OutboxEvent.objects.filter(kind="commitment.updated").count() == 1


def test_a_passed_due_date_is_kept_when_the_text_is_edited_but_cannot_be_set():
    # given an overdue commitment
    commitment = CommitmentFactory(due_on=in_days(-5))
    mayor = staff(commitment.commune)
    # when its text is corrected, the page sending its due date back, it is accepted
    services.commitment_update(
        actor=mayor, commitment=commitment, changes={"text": "Corrigé", "due_on": commitment.due_on}
    )
    # but another passed date is refused
    with pytest.raises(Invalid):
        services.commitment_update(actor=mayor, commitment=commitment, changes={"due_on": in_days(-1)})
    assert Commitment.objects.get().due_on == in_days(-5)


def test_a_status_changed_by_an_edit_is_on_the_timeline_and_the_same_status_is_nothing():
    commitment = CommitmentFactory()
    mayor = staff(commitment.commune)
    services.commitment_update(actor=mayor, commitment=commitment, changes={"status": "planned"})
    assert not CommitmentUpdate.objects.exists() and not AuditLogEntry.objects.exists()
    services.commitment_update(actor=mayor, commitment=commitment, changes={"status": "in_progress"})
    assert CommitmentUpdate.objects.get().status == "in_progress"
    assert OutboxEvent.objects.get().kind == "commitment.status"


# --- Overdue is computed -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "status", "overdue"),
    [
        (-1, "planned", True),
        (-1, "in_progress", True),
        (-1, "done", False),
        (-1, "dropped", False),
        (0, "planned", False),
        (3, "in_progress", False),
        (None, "planned", False),
    ],
)
def test_overdue_is_the_due_date_passed_and_not_done_nor_dropped(due, status, overdue):
    commitment = CommitmentFactory(due_on=None if due is None else in_days(due), status=status)
    assert commitment.is_overdue is overdue
    assert Commitment.objects.overdue().filter(pk=commitment.pk).exists() is overdue
    assert Commitment.objects.not_overdue().filter(pk=commitment.pk).exists() is not overdue
