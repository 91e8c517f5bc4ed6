"""Demo council record for ``make run`` (never loaded in production). Safe to run again.

For each pilot commune, a council elected in the communal elections of January 2026 (fictional
people with Beninese names): Cotonou's 49 members, Abomey-Calavi's 25, Akpro-Missérété's 19; a
mayor, deputies ("1er adjoint au maire"…), the heads of arrondissement, councillors, and the three
standing committees. The demo mayor's, deputy's and councillor's accounts sit on their council.

In Cotonou, one ended ordinary council session of 2026 has its record: a roll call (present, late,
proxies, excused, absent), a motion voted by name and adopted (linked to its published
deliberation) and a secret ballot rejected. Everything goes through the services (audit log,
session log), as the secretary-general; dates are then moved back to the sitting's day. The
upcoming ordinary session of the live-sessions demo is left scheduled: the demo secretary-general
(``sg.cotonou``) starts it from the console and keeps its record in ``make run``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from council.models import (
    Attendance,
    Committee,
    CouncilMember,
    CouncilRole,
    Motion,
    MotionVote,
    Presence,
)
from council.services import (
    committee_create,
    counts_record,
    member_create,
    motion_close,
    motion_link_deliberation,
    motion_open,
    roll_call,
    votes_record,
)
from hub.demo_data import DEMO_DOMAIN
from hub.models import Commune, User
from hub.uploads import bytes_upload
from publications.demo import minimal_pdf
from publications.models import Document, DocumentType, PublicationState
from publications.services.documents import document_create
from sessions_live.demo import UPCOMING_TITLE
from sessions_live.models import AgendaItem, LiveSession, SessionEvent, SessionKind, SessionStatus
from sessions_live.services.sessions import session_end

MANDATE_START = datetime.date(2026, 2, 1)
COMMITTEES = (
    "Commission des affaires économiques et financières",
    "Commission des affaires domaniales et environnementales",
    "Commission des affaires sociales et culturelles",
)
COTONOU_RECORD_TITLE = "Conseil municipal : deuxième session ordinaire de 2026"
COTONOU_RECORD_DAY = datetime.date(2026, 6, 25)
NAMED_TITLE = "Adoption du collectif budgétaire de l'exercice 2026"
BALLOT_TITLE = "Cession à titre gratuit d'une parcelle communale à Fidjrossè"
DELIBERATION_TITLE = "Délibération n° 2026-031 portant adoption du collectif budgétaire 2026"

GIVEN_NAMES = (
    "Koffi", "Afiavi", "Comlan", "Rachidatou", "Euloge", "Mahougnon", "Fulbert", "Bénédicta",
    "Romaric", "Nadège", "Sèna", "Clotilde", "Gildas", "Honorine", "Désiré", "Léontine",
    "Marcellin", "Armelle", "Sylvestre", "Raïmatou", "Moustapha", "Fatoumatou", "Théophile",
    "Prudence", "Irénée", "Hortense", "Judicaël", "Victorine", "Parfait", "Pélagie", "Célestin",
    "Odile", "Abdoulaye", "Latifatou", "Isidore", "Sèmèvo", "Dieudonné", "Eustache", "Ghislaine",
    "Florentin", "Rosine", "Babatoundé", "Akouavi", "Gervais", "Yétondé",
)  # fmt: skip
FAMILY_NAMES = (
    "Agossou", "Houngbédji", "Dossou", "Gbaguidi", "Akpovi", "Tchibozo", "Hounkpatin", "Zinsou",
    "Adjovi", "Ahouansou", "Kpadonou", "Dansou", "Azonhiho", "Hounsa", "Assogba", "Sossou",
    "Vodounon", "Zannou", "Amoussou", "Codjo", "Fagla", "Gbénou", "Lokossou", "Noudéhou",
    "Quenum", "Sagbo", "Tossou", "Adéoti", "Orou", "Chabi", "Sanni", "Alapini", "Agbo", "Dégbé",
    "Djossou", "Houessou", "Kossou", "Ogoubiyi", "Padonou", "Hounyè", "Akplogan", "Ayéna",
    "Bocovo", "Dagba", "Edjrèkpoto", "Gandonou", "Kakpo", "Mèdji", "Olodo", "Sèhouéto", "Toviho",
)  # fmt: skip


# Women's given names among the above (their titles are in the feminine: "1re adjointe au maire").
WOMEN = frozenset(
    {
        "Afiavi", "Rachidatou", "Bénédicta", "Nadège", "Clotilde", "Honorine", "Léontine", "Armelle",
        "Raïmatou", "Fatoumatou", "Hortense", "Victorine", "Pélagie", "Odile", "Latifatou",
        "Ghislaine", "Rosine", "Akouavi", "Mahougnon",
    }
)  # fmt: skip


@dataclass(frozen=True)
class CouncilPlan:
    slug: str
    short: str  # the demo accounts' prefix: maire.<short>@…
    size: int
    deputies: int
    arrondissements: tuple[str, ...]
    offset: int  # where its names start, so that each council has its own people


def _ordinal(n: int, *, feminine: bool = False) -> str:
    if n == 1:
        return "1re" if feminine else "1er"
    return f"{n}e"


def _arrondissement_head(place: str) -> str:
    if place[0].isdigit():
        return f"Chef du {place}"
    # Elided before a vowel: "Chef de l'arrondissement d'Akassato".
    of = "d'" if place[0].upper() in "AEIOUÉÈÊ" else "de "
    return f"Chef de l'arrondissement {of}{place}"


def _deputy(n: int, name: str) -> str:
    if name.split()[0] in WOMEN:
        return f"{_ordinal(n, feminine=True)} adjointe au maire"
    return f"{_ordinal(n)} adjoint au maire"


PLANS = (
    CouncilPlan(
        "cotonou",
        "cotonou",
        49,
        3,
        tuple(f"{_ordinal(n)} arrondissement" for n in range(1, 14)),
        0,
    ),
    CouncilPlan(
        "abomey-calavi",
        "abomey",
        25,
        2,
        (
            "Abomey-Calavi",
            "Akassato",
            "Godomey",
            "Golo-Djigbé",
            "Hêvié",
            "Kpanroun",
            "Ouèdo",
            "Togba",
            "Zinvié",
        ),
        49,
    ),
    CouncilPlan(
        "akpro-misserete",
        "akpro",
        19,
        2,
        ("Akpro-Missérété", "Gomè-Sota", "Katagon", "Vakon", "Zoungbomè"),
        74,
    ),
)


def _user(local: str) -> User | None:
    return User.objects.filter(email=f"{local}@{DEMO_DOMAIN}", is_active=True).first()


def _names(count: int, offset: int) -> list[str]:
    """``count`` distinct full names: given names in turn, family names on a stride (the pairs repeat
    only after len(GIVEN_NAMES) × len(FAMILY_NAMES) / their gcd names, far more than the pilots')."""
    names: list[str] = []
    index = offset
    while len(names) < count:
        given = GIVEN_NAMES[index % len(GIVEN_NAMES)]
        family = FAMILY_NAMES[(index * 7 + 3) % len(FAMILY_NAMES)]
        name = f"{given} {family}"
        if name not in names:
            names.append(name)
        index += 1
    return names


def _council(plan: CouncilPlan, commune: Commune, sg: User) -> int:
    """The commune's council through the services (each member audited); the number created."""
    committees = [
        found.pk
        if (found := Committee.objects.filter(commune=commune, name=name).first()) is not None
        else committee_create(actor=sg, commune=commune, name=name).pk
        for name in COMMITTEES
    ]
    linked = {
        "mayor": _user(f"maire.{plan.short}"),
        "deputy": _user(f"adjoint.{plan.short}"),
        "councillor": _user(f"conseiller.{plan.short}"),
    }
    arrondissements = plan.arrondissements
    names = _names(plan.size, plan.offset)
    seats: list[tuple[str, str, str, User | None]] = [
        (CouncilRole.MAYOR, "Maire", arrondissements[0], linked["mayor"])
    ]
    for n in range(1, plan.deputies + 1):
        seats.append(
            (
                CouncilRole.DEPUTY_MAYOR,
                _deputy(n, names[n]),
                arrondissements[n % len(arrondissements)],
                linked["deputy"] if n == 1 else None,
            )
        )
    for place in arrondissements:
        seats.append((CouncilRole.ARRONDISSEMENT_HEAD, _arrondissement_head(place), place, None))
    first_councillor = len(seats)
    while len(seats) < plan.size:
        place = arrondissements[len(seats) % len(arrondissements)]
        user = linked["councillor"] if len(seats) == first_councillor else None
        seats.append((CouncilRole.COUNCILLOR, "", place, user))
    for index, ((role, title, place, user), name) in enumerate(zip(seats, names, strict=True)):
        member_create(
            actor=sg,
            commune=commune,
            full_name=name,
            role=role,
            title=title,
            arrondissement=place,
            mandate_start=MANDATE_START,
            # The mayor sits on none; the others on one committee each, in turn.
            committees=[] if role == CouncilRole.MAYOR else [committees[index % len(committees)]],
            user=user.pk if user is not None else None,
        )
    return len(seats)


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _deliberation(commune: Commune, when: datetime.datetime) -> Document | None:
    """The deliberation of the adopted motion, published (backdated, so nobody is notified today)."""
    officer = _user("communication.cotonou")
    if officer is None:
        return None
    document = document_create(
        actor=officer,
        commune=commune,
        type=DocumentType.COUNCIL_DELIBERATION,
        fiscal_year=2026,
        title=DELIBERATION_TITLE,
        summary="Le conseil municipal adopte le collectif budgétaire de l'exercice 2026.",
        uploads=[
            bytes_upload(
                minimal_pdf(DELIBERATION_TITLE, "Le conseil municipal de Cotonou, après en avoir délibéré…"),
                "deliberation-2026-031.pdf",
            )
        ],
    )
    Document.objects.filter(pk=document.pk).update(
        state=PublicationState.PUBLISHED,
        published_at=when,
        first_published_at=when,
        published_by=officer,
        publication_count=1,
    )
    return Document.objects.get(pk=document.pk)


def _record_session(commune: Commune) -> LiveSession:
    """An ended ordinary session of 2026 without a record yet, or a new one (created live, ended
    once its record is kept)."""
    found = (
        LiveSession.objects.filter(
            commune=commune,
            kind=SessionKind.ORDINARY,
            status=SessionStatus.ENDED,
            # In 2026 and in the demo council's mandate (its members must be in office that day).
            starts_at__gte=_at(MANDATE_START, 0),
            starts_at__lt=min(_at(datetime.date(2027, 1, 1), 0), timezone.now()),
        )
        .order_by("starts_at")
        .first()
    )
    if found is not None:
        # Reopened for the record, ended again below (the services record into a live session).
        LiveSession.objects.filter(pk=found.pk).update(status=SessionStatus.LIVE)
        found.refresh_from_db()
        return found
    starts = _at(COTONOU_RECORD_DAY, 9)
    session = LiveSession.objects.create(
        commune=commune,
        title=COTONOU_RECORD_TITLE,
        kind=SessionKind.ORDINARY,
        status=SessionStatus.LIVE,
        starts_at=starts,
        started_at=starts,
        description="Deuxième session ordinaire de l'année : collectif budgétaire, affaires domaniales.",
        recording_url="https://www.youtube.com/watch?v=cotonou-conseil-juin-2026",
    )
    AgendaItem.objects.bulk_create(
        [
            AgendaItem(session=session, position=n + 1, title=title)
            for n, title in enumerate(
                [
                    "Adoption du procès-verbal de la session précédente",
                    "Collectif budgétaire de l'exercice 2026",
                    "Affaires domaniales : parcelle communale de Fidjrossè",
                    "Divers",
                ]
            )
        ]
    )
    return session


def _record(commune: Commune, sg: User, mayor: User) -> None:
    """A sitting of Cotonou's council, kept through the services, then dated to its day."""
    session = _record_session(commune)
    day = timezone.localdate(session.starts_at)
    members = list(CouncilMember.objects.filter(commune=commune).in_office(day).order_by("id"))
    holders, represented = members[1:4], members[-3:]
    late, excused, absent = members[-5:-3], members[-8:-5], members[-9]
    in_room = members[:-9] + late
    entries: list[dict[str, object]] = [
        {"member": m.pk, "status": Presence.LATE if m in late else Presence.PRESENT} for m in in_room
    ]
    entries += [{"member": m.pk, "status": Presence.EXCUSED} for m in excused]
    entries += [{"member": absent.pk, "status": Presence.ABSENT}]
    entries += [
        {"member": m.pk, "status": Presence.PROXY, "proxy_holder": h.pk}
        for m, h in zip(represented, holders, strict=True)
    ]
    roll_call(actor=sg, session=session, entries=entries)
    items = {item.position: item for item in session.agenda_items.all()}
    budget = (
        Document.objects.published()
        .filter(commune=commune, type=DocumentType.BUDGET_PRIMITIVE, fiscal_year=2026)
        .first()
    )
    named = motion_open(
        actor=sg,
        session=session,
        title=NAMED_TITLE,
        text=(
            "Le conseil municipal adopte le collectif budgétaire de l'exercice 2026, qui inscrit les "
            "crédits du curage des caniveaux d'Agla et de l'éclairage de la route des pêches."
        ),
        document=budget.pk if budget is not None else None,
        agenda_item=items[2].pk if 2 in items else None,
    )
    voters = in_room + represented
    choices = ["for"] * 36 + ["against"] * 5 + ["abstain"] * 3 + ["not_voting"]
    votes_record(
        actor=sg,
        motion=named,
        votes=[{"member": m.pk, "choice": c} for m, c in zip(voters, choices, strict=True)],
    )
    named = motion_close(actor=sg, motion=named)
    deliberation = _deliberation(commune, _at(day + datetime.timedelta(days=14), 10))
    if deliberation is not None:
        motion_link_deliberation(actor=sg, motion=named, document=deliberation.pk)
    secret = motion_open(
        actor=sg,
        session=session,
        title=BALLOT_TITLE,
        text="Cession gratuite de la parcelle n° 1207 à l'association des maraîchers de Fidjrossè.",
        secret=True,
        agenda_item=items[3].pk if 3 in items else None,
    )
    counts_record(actor=sg, motion=secret, counts={"for": 17, "against": 24, "abstain": 3})
    motion_close(actor=sg, motion=secret)
    session_end(actor=mayor, session=session)
    _backdate(session, day)


def _backdate(session: LiveSession, day: datetime.date) -> None:
    """The sitting happened on ``day``, 9:00 to 12:30: its stamps say so."""
    start, end = _at(day, 9), _at(day, 12, 30)
    LiveSession.objects.filter(pk=session.pk).update(started_at=start, ended_at=end)
    for number, motion in enumerate(Motion.objects.filter(session=session).order_by("number")):
        opened = _at(day, 10 + number, 5)
        closed = opened + datetime.timedelta(minutes=40)
        Motion.objects.filter(pk=motion.pk).update(opened_at=opened, closed_at=closed, updated_at=closed)
        MotionVote.objects.filter(motion=motion).update(recorded_at=opened + datetime.timedelta(minutes=20))
    Attendance.objects.filter(session=session).update(updated_at=start)
    Attendance.objects.filter(session=session, status=Presence.LATE).update(arrived_at=_at(day, 9, 35))
    SessionEvent.objects.filter(session=session).update(created_at=end)


def _record_exists(commune: Commune) -> bool:
    return Motion.objects.filter(
        commune=commune, session__kind=SessionKind.ORDINARY, session__status=SessionStatus.ENDED
    ).exists()


def _sitting_scheduled(commune: Commune) -> bool:
    """A council session the demo secretary-general can run: a live ordinary one, or a scheduled one
    (the live-sessions demo's upcoming session, or one made here: True)."""
    if LiveSession.objects.filter(
        commune=commune,
        kind=SessionKind.ORDINARY,
        status__in=(SessionStatus.LIVE, SessionStatus.SCHEDULED),
    ).exists():
        return False
    starts = (timezone.now() + datetime.timedelta(days=7)).replace(hour=9, minute=0, second=0, microsecond=0)
    session = LiveSession.objects.create(
        commune=commune,
        title=UPCOMING_TITLE,
        kind=SessionKind.ORDINARY,
        status=SessionStatus.SCHEDULED,
        starts_at=starts,
        description="Session ordinaire du conseil municipal, ouverte au public.",
    )
    AgendaItem.objects.bulk_create(
        [
            AgendaItem(session=session, position=n + 1, title=title)
            for n, title in enumerate(["Adoption du procès-verbal", "Budget primitif 2027", "Divers"])
        ]
    )
    return True


def demo_load() -> str:
    members = 0
    records = 0
    scheduled = 0
    for plan in PLANS:
        commune = Commune.objects.filter(slug=plan.slug, is_enabled=True).first()
        sg = _user(f"sg.{plan.short}")
        if commune is None or sg is None:
            continue
        if not CouncilMember.objects.filter(commune=commune).exists():
            with transaction.atomic():
                members += _council(plan, commune, sg)
        if plan.slug != "cotonou":
            continue
        mayor = _user(f"maire.{plan.short}")
        if mayor is not None and not _record_exists(commune):
            with transaction.atomic():
                _record(commune, sg, mayor)
            records += 1
        with transaction.atomic():
            scheduled += _sitting_scheduled(commune)
    if not (members or records or scheduled):
        if not Committee.objects.filter(name=COMMITTEES[0]).exists():
            return "no demo accounts: council skipped"
        return "council already loaded: nothing new"
    report = f"{members} council members in the pilot communes, {records} council session record"
    report += " in Cotonou (roll call, a named vote adopted, a secret ballot rejected)"
    if scheduled:
        report += ", an ordinary session scheduled for the secretary-general to run"
    return report
