"""Demo commitments for ``make run`` (never loaded in production). Safe to run again.

In Cotonou: the commitments answering the two answered questions of the demo sessions (the live
accountability session's, in progress with a photo on its timeline; the archived hearing's, kept on
time with a published document as evidence) and an overdue direct one (public lighting). In
Abomey-Calavi: the market bins proposal of the forum demo, accepted, becomes a planned commitment.
In Akpro-Missérété: a direct commitment kept late.

They are made through the services (watchers, timeline, audit, notifications), then their dates are
moved into the past where the story needs it (a service never accepts a due date already passed).
"""

from __future__ import annotations

import datetime
import io
from typing import Any

from django.db import transaction
from django.utils import timezone

from commitments.models import Commitment, CommitmentUpdate
from commitments.services import (
    commitment_create,
    commitment_create_from_proposal,
    commitment_create_from_question,
    commitment_post_update,
)
from forums.models import ProposalStatus, Thread, ThreadKind
from forums.services import proposal_status_set
from hub.demo_data import DEMO_DOMAIN
from hub.models import Commune, Role, User
from hub.uploads import bytes_upload
from publications.models import Document
from sessions_live.demo import ARCHIVED_TITLE, LIVE_TITLE
from sessions_live.models import Question, QuestionStatus

AGLA = "Curer les caniveaux d'Agla avant la saison des pluies"
FIDJROSSE = "Publier le calendrier des travaux de Fidjrossè"
LIGHTING = "Rétablir l'éclairage public de la route des pêches"
BINS = "Installer vingt poubelles au marché central et organiser la collecte"
MARKET = "Réparer la toiture du marché de Missérété"


def demo_photo() -> bytes:
    """A small PNG (a drain, drawn): real image bytes for the upload checks."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 300), (214, 226, 219))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 200, 480, 300), fill=(120, 110, 95))
    draw.rectangle((60, 215, 420, 260), fill=(70, 90, 110))
    draw.ellipse((380, 30, 450, 100), fill=(240, 200, 60))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _user(local: str) -> User | None:
    return User.objects.filter(email=f"{local}@{DEMO_DOMAIN}").first()


def _answered(session_title: str) -> Question | None:
    return (
        Question.objects.filter(session__title=session_title, status=QuestionStatus.ANSWERED)
        .order_by("id")
        .first()
    )


def _exists(commune: Commune, text: str) -> bool:
    return Commitment.objects.filter(commune=commune, text=text).exists()


def _backdate(commitment: Commitment, **fields: Any) -> None:
    Commitment.objects.filter(pk=commitment.pk).update(**fields)


def _cotonou(commune: Commune, today: datetime.date) -> int:
    mayor, sg = _user("maire.cotonou"), _user("sg.cotonou")
    if mayor is None or sg is None:
        return 0
    made = 0
    question = _answered(LIVE_TITLE)
    if question is not None and not _exists(commune, AGLA):
        agla = commitment_create_from_question(
            actor=mayor,
            commune=commune,
            question_id=question.pk,
            text=AGLA,
            owner_office="Services techniques municipaux",
            due_on=today + datetime.timedelta(days=100),
        )
        commitment_post_update(
            actor=sg,
            commitment=agla,
            text="Le curage a commencé côté marché d'Agla : 400 m de caniveaux sur 1 300 sont dégagés.",
            status="in_progress",
            progress=30,
            photos=[bytes_upload(demo_photo(), "caniveau-agla.png")],
        )
        made += 1
    question = _answered(ARCHIVED_TITLE)
    if question is not None and not _exists(commune, FIDJROSSE):
        fidjrosse = commitment_create_from_question(
            actor=mayor,
            commune=commune,
            question_id=question.pk,
            text=FIDJROSSE,
            owner_role=Role.SECRETARY_GENERAL,
            due_on=today + datetime.timedelta(days=1),
        )
        evidence = Document.objects.published().filter(commune=commune).order_by("-published_at").first()
        update = commitment_post_update(
            actor=sg,
            commitment=fidjrosse,
            text="Le calendrier des travaux est publié et affiché à la mairie d'arrondissement.",
            status="done",
            document=evidence.pk if evidence is not None else None,
        )
        # Made at the hearing a month ago, due ten days ago, kept two days before its due date.
        made_at = timezone.now() - datetime.timedelta(days=30)
        done_at = timezone.now() - datetime.timedelta(days=12)
        _backdate(
            fidjrosse,
            created_at=made_at,
            updated_at=done_at,
            done_at=done_at,
            due_on=today - datetime.timedelta(days=10),
        )
        CommitmentUpdate.objects.filter(pk=update.pk).update(created_at=done_at)
        made += 1
    if not _exists(commune, LIGHTING):
        lighting = commitment_create(
            actor=mayor,
            commune=commune,
            text=LIGHTING,
            owner_role=Role.DEPUTY_MAYOR,
            due_on=today + datetime.timedelta(days=1),
        )
        update = commitment_post_update(
            actor=mayor,
            commitment=lighting,
            text="Les lampadaires sont commandés ; la pose attend la livraison.",
            status="in_progress",
            progress=40,
        )
        # Due two weeks ago and still open: the tracker shows it overdue.
        _backdate(
            lighting,
            created_at=timezone.now() - datetime.timedelta(days=75),
            updated_at=timezone.now() - datetime.timedelta(days=40),
            due_on=today - datetime.timedelta(days=14),
        )
        CommitmentUpdate.objects.filter(pk=update.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=40)
        )
        made += 1
    return made


def _abomey_calavi(commune: Commune, today: datetime.date) -> int:
    mayor = _user("maire.abomey")
    proposal = (
        Thread.objects.filter(commune=commune, kind=ThreadKind.PROPOSAL, hidden=False).order_by("id").first()
    )
    if mayor is None or proposal is None or _exists(commune, BINS):
        return 0
    if proposal.proposal_status != ProposalStatus.ACCEPTED:
        proposal = proposal_status_set(actor=mayor, thread=proposal, proposal_status=ProposalStatus.ACCEPTED)
    commitment_create_from_proposal(
        actor=mayor,
        commune=commune,
        proposal_id=proposal.pk,
        text=BINS,
        owner_office="Service de l'hygiène et de l'assainissement",
        due_on=today + datetime.timedelta(days=60),
    )
    return 1


def _akpro_misserete(commune: Commune, today: datetime.date) -> int:
    mayor = _user("maire.akpro")
    if mayor is None or _exists(commune, MARKET):
        return 0
    market = commitment_create(
        actor=mayor,
        commune=commune,
        text=MARKET,
        owner_role=Role.MAYOR,
        due_on=today + datetime.timedelta(days=1),
    )
    update = commitment_post_update(
        actor=mayor, commitment=market, text="La toiture est réparée, le marché est rouvert.", status="done"
    )
    done_at = timezone.now() - datetime.timedelta(days=20)
    _backdate(
        market,
        created_at=timezone.now() - datetime.timedelta(days=90),
        updated_at=done_at,
        done_at=done_at,
        due_on=today - datetime.timedelta(days=30),
    )
    CommitmentUpdate.objects.filter(pk=update.pk).update(created_at=done_at)
    return 1


def demo_load() -> str:
    communes = {
        c.slug: c for c in Commune.objects.filter(slug__in=["cotonou", "abomey-calavi", "akpro-misserete"])
    }
    if not communes or _user("maire.cotonou") is None:
        return "no demo accounts: commitments skipped"
    today = timezone.localdate()
    made = 0
    for slug, loader in (
        ("cotonou", _cotonou),
        ("abomey-calavi", _abomey_calavi),
        ("akpro-misserete", _akpro_misserete),
    ):
        commune = communes.get(slug)
        if commune is not None and commune.is_enabled:
            with transaction.atomic():
                made += loader(commune, today)
    return f"{made} commitments created"
