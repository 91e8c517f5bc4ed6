"""Copy the commitments the live sessions app kept (``sessions_live.Commitment``) into this app,
with the same ids (the session's event log and clients name them), before the sessions app drops
its table (``sessions_live`` 0002).

A row with a question becomes a question commitment (the question frozen in its snapshot, its asker
and upvoters its watchers); a row without becomes a direct commitment of its session. Who made it
comes from the audit log when it recorded it; a row already done counts as done when it was last
updated (the best date known), with 100 % progress.
"""

from django.core.management.color import no_style
from django.db import migrations

BATCH = 500


def _session_ref(session):
    path = f"/seances/{session.pk}/"
    return {"id": session.pk, "title": session.title, "path": path}


def _snapshot(old):
    session = old.session
    question = old.question
    if question is None:
        return "direct", {"session": _session_ref(session)}
    return "question", {
        "id": question.pk,
        "text": question.text,
        "author": None if question.anonymous else question.author.display_name,
        "anonymous": bool(question.anonymous),
        "support_count": question.vote_count,
        "answer": question.answer,
        "path": f"/seances/{session.pk}/",
        "session": _session_ref(session),
    }


def copy_forward(apps, schema_editor):
    Old = apps.get_model("sessions_live", "Commitment")
    QuestionVote = apps.get_model("sessions_live", "QuestionVote")
    AuditLogEntry = apps.get_model("hub", "AuditLogEntry")
    Commitment = apps.get_model("commitments", "Commitment")
    Watcher = apps.get_model("commitments", "CommitmentWatcher")
    makers = dict(
        AuditLogEntry.objects.filter(action="session.commitment_create", object_type="sessions_live.commitment")
        .exclude(actor__isnull=True)
        .values_list("object_id", "actor_id")
    )
    rows, watchers = [], []
    olds = Old.objects.select_related("session", "question", "question__author").order_by("id")
    for old in olds.iterator(chunk_size=BATCH):
        kind, snapshot = _snapshot(old)
        done = old.status == "done"
        rows.append(
            Commitment(
                id=old.pk,
                commune_id=old.session.commune_id,
                text=old.text,
                due_on=old.due_on,
                status=old.status,
                progress=100 if done else 0,
                origin_kind=kind,
                origin_snapshot=snapshot,
                session_id=old.session_id,
                question_id=old.question_id,
                created_by_id=makers.get(str(old.pk)),
                created_at=old.created_at,
                updated_at=old.updated_at,
                done_at=old.updated_at if done else None,
            )
        )
        if old.question is not None:
            users = [(old.question.author_id, "asker")] + [
                (user_id, "upvoter")
                for user_id in QuestionVote.objects.filter(question_id=old.question_id)
                .order_by("user_id")
                .values_list("user_id", flat=True)
            ]
            seen = set()
            for user_id, reason in users:
                if user_id not in seen:
                    seen.add(user_id)
                    watchers.append(Watcher(commitment_id=old.pk, user_id=user_id, reason=reason))
        if len(rows) >= BATCH:
            Commitment.objects.bulk_create(rows)
            rows = []
    Commitment.objects.bulk_create(rows)
    Watcher.objects.bulk_create(watchers, batch_size=BATCH, ignore_conflicts=True)
    # New commitments are numbered after the copied ones (SQLite's AUTOINCREMENT follows by itself).
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Commitment]):
                cursor.execute(sql)


def copy_back(apps, schema_editor):
    """Undo: the commitments of a session go back to the sessions app (the others cannot)."""
    Old = apps.get_model("sessions_live", "Commitment")
    Commitment = apps.get_model("commitments", "Commitment")
    rows = [
        Old(
            id=c.pk,
            session_id=c.session_id,
            question_id=c.question_id,
            text=c.text,
            due_on=c.due_on,
            status=c.status,
            created_at=c.created_at,
            updated_at=c.updated_at,
        )
        for c in Commitment.objects.filter(session__isnull=False).order_by("id")
    ]
    Old.objects.bulk_create(rows, batch_size=BATCH)
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Old]):
                cursor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ("commitments", "0001_initial"),
        ("hub", "0002_outbox"),
        ("sessions_live", "0001_initial"),
    ]

    operations = [migrations.RunPython(copy_forward, copy_back)]
