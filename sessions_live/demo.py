"""Demo live sessions for ``make run`` (never loaded in production). Safe to run again.

In Cotonou: a LIVE accountability session (open poll with votes, approved questions, one answered,
one pending, chat), an upcoming ordinary council session, and an ended public hearing with its
recording, results and transcript. The demo sessions are created without notifying followers (like
backdated demo publications), and nothing ends the live one. The commitments made in answer to the
two answered questions are the commitments app's demo data (``commitments/demo.py``).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from hub.demo_data import DEMO_DOMAIN
from hub.models import Commune, User
from sessions_live.models import AgendaItem, LiveSession, SessionKind, SessionStatus
from sessions_live.services import chat, polls, questions
from sessions_live.services.sessions import session_end

LIVE_TITLE = "Reddition de comptes 2026 de la mairie de Cotonou"
UPCOMING_TITLE = "Conseil municipal ordinaire de décembre"
ARCHIVED_TITLE = "Audience publique sur l'assainissement des quartiers"


def _user(local: str) -> User:
    return User.objects.get(email=f"{local}@{DEMO_DOMAIN}")


def _session(
    commune: Commune,
    *,
    title: str,
    kind: str,
    status: str,
    starts_at: datetime.datetime,
    agenda: list[str],
    **fields: object,
) -> LiveSession:
    session = LiveSession.objects.create(
        commune=commune,
        title=title,
        kind=kind,
        status=status,
        starts_at=starts_at,
        started_at=starts_at if status != SessionStatus.SCHEDULED else None,
        **fields,
    )
    AgendaItem.objects.bulk_create(
        [AgendaItem(session=session, position=n + 1, title=t) for n, t in enumerate(agenda)]
    )
    return session


def _live(commune: Commune, now: datetime.datetime) -> None:
    mayor, moderator = _user("maire.cotonou"), _user("moderateur.cotonou")
    afiavi, koffi = _user("citoyenne"), _user("citoyen")
    councillor, deputy = _user("conseiller.cotonou"), _user("adjoint.cotonou")
    session = _session(
        commune,
        title=LIVE_TITLE,
        kind=SessionKind.ACCOUNTABILITY,
        status=SessionStatus.LIVE,
        starts_at=now - datetime.timedelta(minutes=40),
        description=(
            "Le maire rend compte de l'exécution du budget 2026 et répond aux questions des habitants."
        ),
        stream_url="https://www.youtube-nocookie.com/embed/live_stream?channel=UCcotonou",
        audio_url="https://radio.communesplus.bj/cotonou/live.mp3",
        questions_premoderated=True,
        agenda=["Exécution du budget 2026", "Assainissement et caniveaux", "Questions des habitants"],
    )
    session.current_item = session.agenda_items.get(position=2)
    session.save(update_fields=["current_item"])
    poll = polls.poll_create(
        actor=mayor,
        session=session,
        question="Quelle priorité pour le budget 2027 ?",
        options=["Caniveaux et drainage", "Éclairage public", "Marchés", "Écoles"],
    )
    polls.poll_open(actor=mayor, poll=poll)
    options = list(poll.options.order_by("position"))
    for voter, option in [(afiavi, 0), (koffi, 0), (councillor, 1), (deputy, 3)]:
        polls.poll_vote(actor=voter, poll=poll, option_ids=[options[option].pk])
    asked = [
        (afiavi, "Quand les caniveaux d'Agla seront-ils curés avant les pluies ?", False),
        (koffi, "Où en est l'éclairage de la route des pêches ?", False),
        (councillor, "Le marché de Dantokpa aura-t-il de nouveaux points d'eau ?", True),
    ]
    approved = []
    for author, text, anonymous in asked:
        question, _ = questions.question_ask(actor=author, session=session, text=text, anonymous=anonymous)
        approved.append(questions.question_moderate(actor=moderator, question=question, decision="approve"))
    for voter in (koffi, councillor, deputy):
        questions.question_upvote(actor=voter, question=approved[0])
    questions.question_upvote(actor=afiavi, question=approved[1])
    questions.question_answer(
        actor=mayor,
        question=approved[0],
        status="answered",
        answer="Le curage des caniveaux d'Agla commence le 15 mars, avant la grande saison des pluies.",
    )
    questions.question_answer(actor=mayor, question=approved[1], status="answering")
    questions.question_ask(
        actor=koffi, session=session, text="Pourquoi la taxe de voirie a-t-elle augmenté ?"
    )
    for author, text in [
        (afiavi, "Bonsoir à tous, merci pour cette séance en ligne !"),
        (koffi, "Le son est bon depuis Akpakpa."),
        (deputy, "Les documents du budget sont joints à la séance."),
        (afiavi, "Merci pour la réponse sur les caniveaux."),
    ]:
        chat.chat_send(actor=author, session=session, text=text)


def _upcoming(commune: Commune, now: datetime.datetime) -> None:
    _session(
        commune,
        title=UPCOMING_TITLE,
        kind=SessionKind.ORDINARY,
        status=SessionStatus.SCHEDULED,
        starts_at=(now + datetime.timedelta(days=7)).replace(hour=9, minute=0, second=0, microsecond=0),
        description="Session ordinaire du conseil municipal, ouverte au public.",
        stream_url="https://www.youtube-nocookie.com/embed/cotonou-conseil",
        agenda=["Adoption du procès-verbal", "Budget primitif 2027", "Divers"],
    )


def _archived(commune: Commune, now: datetime.datetime) -> None:
    mayor, moderator = _user("maire.cotonou"), _user("moderateur.cotonou")
    afiavi, koffi, deputy = _user("citoyenne"), _user("citoyen"), _user("adjoint.cotonou")
    started = now - datetime.timedelta(days=30)
    session = _session(
        commune,
        title=ARCHIVED_TITLE,
        kind=SessionKind.HEARING,
        status=SessionStatus.LIVE,
        starts_at=started,
        description="Audience publique sur le plan d'assainissement 2026-2028.",
        recording_url="https://www.youtube.com/watch?v=cotonou-audience",
        questions_premoderated=False,
        agenda=["Présentation du plan", "Échanges avec les habitants"],
    )
    poll = polls.poll_create(
        actor=mayor,
        session=session,
        question="Le plan vous paraît-il suffisant ?",
        options=["Oui", "Non", "Sans avis"],
    )
    polls.poll_open(actor=mayor, poll=poll)
    options = list(poll.options.order_by("position"))
    for voter, option in [(afiavi, 1), (koffi, 0), (deputy, 0)]:
        polls.poll_vote(actor=voter, poll=poll, option_ids=[options[option].pk])
    question, _ = questions.question_ask(
        actor=afiavi, session=session, text="Les quartiers de Fidjrossè sont-ils inclus ?"
    )
    questions.question_upvote(actor=koffi, question=question)
    questions.question_answer(
        actor=mayor,
        question=question,
        status="answered",
        answer="Oui, Fidjrossè est dans la première tranche des travaux.",
    )
    for author, text in [(koffi, "Bonjour depuis Cadjèhoun"), (afiavi, "Merci pour ces précisions.")]:
        chat.chat_send(actor=author, session=session, text=text)
    del moderator
    session_end(actor=mayor, session=session)
    LiveSession.objects.filter(pk=session.pk).update(
        started_at=started, ended_at=started + datetime.timedelta(hours=2)
    )


def demo_load() -> str:
    commune = Commune.objects.filter(slug="cotonou").first()
    if commune is None or not User.objects.filter(email=f"maire.cotonou@{DEMO_DOMAIN}").exists():
        return "no demo accounts: live sessions skipped"
    existing = set(LiveSession.objects.filter(commune=commune).values_list("title", flat=True))
    now = timezone.now()
    created = 0
    for title, loader in ((LIVE_TITLE, _live), (UPCOMING_TITLE, _upcoming), (ARCHIVED_TITLE, _archived)):
        if title in existing:
            continue
        with transaction.atomic():
            loader(commune, now)
        created += 1
    return f"{created} live sessions created (one live, one upcoming, one archived in Cotonou)"
