"""The move of the sessions app's commitments into the commitments app, as a database of the earlier
code sees it: ``commitments`` 0002 copies the rows (same ids, the question frozen, its asker and
upvoters watching, the maker from the audit log), ``sessions_live`` 0002 drops the old table, and
new commitments are numbered after the copied ones. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("sessions_live", "0001_initial"), ("commitments", None)]
AFTER = None  # every app's latest migration: the schema the rest of the suite expects


def migrate(targets):  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([node for node in targets if node[1] is not None]).apps


@pytest.mark.django_db(transaction=True)
def test_the_sessions_commitments_move_with_their_ids_and_watchers():
    # given the database as the earlier code left it: a session with an answered (anonymous)
    # question, upvoted twice, a commitment from it (the audit log knows who made it), and one made
    # without a question, done
    old = migrate(BEFORE)
    User = old.get_model("hub", "User")
    Commune = old.get_model("hub", "Commune")
    Department = old.get_model("hub", "Department")
    LiveSession = old.get_model("sessions_live", "LiveSession")
    Question = old.get_model("sessions_live", "Question")
    QuestionVote = old.get_model("sessions_live", "QuestionVote")
    OldCommitment = old.get_model("sessions_live", "Commitment")
    AuditLogEntry = old.get_model("hub", "AuditLogEntry")
    department = Department.objects.create(name="Littoral", slug="littoral")
    commune = Commune.objects.create(
        department=department, name="Cotonou", slug="cotonou", search_name="cotonou"
    )
    asker, voter_a, voter_b, mayor = (
        User.objects.create(email=f"{name}@example.bj", display_name=name.title())
        for name in ("afiavi", "koffi", "sena", "maire")
    )
    session = LiveSession.objects.create(
        commune=commune, kind="accountability", title="Reddition de comptes", starts_at=timezone.now()
    )
    question = Question.objects.create(
        session=session,
        author=asker,
        text="Et les caniveaux ?",
        status="answered",
        answer="En mars.",
        anonymous=True,
        vote_count=2,
    )
    for voter in (voter_a, voter_b):
        QuestionVote.objects.create(question=question, user=voter)
    first = OldCommitment.objects.create(
        session=session, question=question, text="Curer les caniveaux", due_on=datetime.date(2027, 3, 1)
    )
    second = OldCommitment.objects.create(session=session, text="Publier le budget", status="done")
    OldCommitment.objects.filter(pk=second.pk).update(id=41)  # ids need not be consecutive
    AuditLogEntry.objects.create(
        actor=mayor,
        actor_label="Maire",
        action="session.commitment_create",
        object_type="sessions_live.commitment",
        object_id=str(first.pk),
        commune=commune,
    )

    # when the database is migrated to this code
    new = migrate(AFTER)

    # then both commitments are here, with their ids, their session, and the right origin
    Commitment = new.get_model("commitments", "Commitment")
    Watcher = new.get_model("commitments", "CommitmentWatcher")
    moved = {c.pk: c for c in Commitment.objects.all()}
    assert set(moved) == {first.pk, 41}
    from_question = moved[first.pk]
    assert (from_question.origin_kind, from_question.session_id, from_question.question_id) == (
        "question",
        session.pk,
        question.pk,
    )
    assert from_question.commune_id == commune.pk and from_question.due_on == datetime.date(2027, 3, 1)
    assert from_question.created_by_id == mayor.pk and from_question.status == "planned"
    assert (
        from_question.origin_snapshot["author"] is None
        and from_question.origin_snapshot["support_count"] == 2
    )
    assert from_question.origin_snapshot["session"]["path"] == f"/seances/{session.pk}/"
    direct = moved[41]
    assert direct.origin_kind == "direct" and direct.done_at is not None and direct.progress == 100
    watchers = dict(Watcher.objects.filter(commitment_id=first.pk).values_list("user_id", "reason"))
    assert watchers == {asker.pk: "asker", voter_a.pk: "upvoter", voter_b.pk: "upvoter"}
    # and the old table is gone, and a new commitment is numbered after the copied ones
    assert "sessions_live_commitment" not in connection.introspection.table_names()
    fresh = Commitment.objects.create(commune_id=commune.pk, text="Nouveau")
    assert fresh.pk > 41


@pytest.mark.django_db(transaction=True)
def test_the_move_can_be_undone_for_the_sessions_commitments():
    # given the migrated database with a commitment of a session and a direct one
    apps = migrate(AFTER)
    Commitment = apps.get_model("commitments", "Commitment")
    Commune = apps.get_model("hub", "Commune")
    Department = apps.get_model("hub", "Department")
    LiveSession = apps.get_model("sessions_live", "LiveSession")
    department = Department.objects.create(name="Zou", slug="zou")
    commune = Commune.objects.create(
        department=department, name="Bohicon", slug="bohicon", search_name="bohicon"
    )
    session = LiveSession.objects.create(
        commune=commune, kind="hearing", title="Audience", starts_at=timezone.now()
    )
    kept = Commitment.objects.create(commune_id=commune.pk, session_id=session.pk, text="En séance")
    Commitment.objects.create(commune_id=commune.pk, text="Directement")
    # when it is migrated back
    old = migrate(BEFORE)
    # then the session's commitment is back in the sessions app, with its id
    OldCommitment = old.get_model("sessions_live", "Commitment")
    assert list(OldCommitment.objects.values_list("id", "text")) == [(kept.pk, "En séance")]
    migrate(AFTER)
