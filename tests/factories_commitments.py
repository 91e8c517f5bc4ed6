"""Factories of the commitments app. Commitments made here skip the services (for lists, counts and
pages); tests of behaviour call the services."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from commitments.models import Commitment, CommitmentUpdate, CommitmentWatcher, OriginKind
from tests.factories import CommuneFactory, UserFactory


class CommitmentFactory(factory.django.DjangoModelFactory):
    """A direct commitment; with ``session`` (and ``question``) given, one of that session's commune."""

    class Meta:
        model = Commitment

    commune = factory.LazyAttribute(
        lambda c: c.session.commune if c.session is not None else CommuneFactory()
    )
    session = None
    question = None
    text = factory.Sequence(lambda n: f"Curer les caniveaux du quartier {n}")
    origin_kind = factory.LazyAttribute(lambda c: OriginKind.QUESTION if c.question else OriginKind.DIRECT)
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))


class CommitmentUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommitmentUpdate

    commitment = factory.SubFactory(CommitmentFactory)
    author = factory.SubFactory(UserFactory)
    text = factory.Sequence(lambda n: f"Étape {n}")


class CommitmentWatcherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommitmentWatcher

    commitment = factory.SubFactory(CommitmentFactory)
    user = factory.SubFactory(UserFactory)
    reason = "upvoter"


# --- Origins, made ready to become commitments ---------------------------------------------------


def answered_question(commune=None, *, upvoters=0, anonymous=False, status="answered", author=None):  # type: ignore[no-untyped-def]
    """A question of a live session of ``commune``, answered, with ``upvoters`` upvotes (rows and count)."""
    from sessions_live.models import QuestionVote
    from tests.factories_sessions import LiveSessionLiveFactory, QuestionFactory

    session = LiveSessionLiveFactory(commune=commune or CommuneFactory())
    question = QuestionFactory(
        session=session,
        status=status,
        anonymous=anonymous,
        answer="Les travaux commencent en mars." if status == "answered" else "",
        **({"author": author} if author is not None else {}),
    )
    voters = UserFactory.create_batch(upvoters)
    for voter in voters:
        QuestionVote.objects.create(question=question, user=voter)
    question.vote_count = len(voters)
    question.save(update_fields=["vote_count"])
    question.voters = voters  # type: ignore[attr-defined]
    return question


def accepted_proposal(commune=None, *, supporters=0, status="accepted", **extra):  # type: ignore[no-untyped-def]
    """A forum proposal of ``commune`` in ``status``, with ``supporters`` supports (rows and count)."""
    from forums.models import Support, ThreadKind
    from tests.factories_forums import CategoryFactory, ThreadFactory

    commune = commune or CommuneFactory()
    thread = ThreadFactory(
        category=CategoryFactory(commune=commune),
        proposal_status=status,
        title="Installer des poubelles au marché",
        **{"kind": ThreadKind.PROPOSAL, **extra},
    )
    users = UserFactory.create_batch(supporters)
    for user in users:
        Support.objects.create(thread=thread, user=user)
    thread.support_count = len(users)
    thread.save(update_fields=["support_count"])
    thread.supporters = users  # type: ignore[attr-defined]
    return thread
