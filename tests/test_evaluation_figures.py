"""The evaluation's figures against independent recounts, and the privacy of the group figures:
small cells suppressed (and their complement), closed periods only, frozen once shown, and an
attacker who tries to recover one person's group from everything public and fails."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import pytest
from django.utils import timezone

from evaluation import groups
from evaluation.models import GroupSnapshot, ParticipantProfile
from evaluation.selectors import commune_figures, groups_bounds, participant_ids
from forums.models import Post
from hub.models import Arrondissement, Membership, Role
from sessions_live.models import ParticipationChannel, PollBallot, Question, QuestionStatus
from tests.factories import CommuneFactory, UserFactory
from tests.factories_forums import PostFactory, ThreadFactory
from tests.factories_sessions import LiveSessionFactory, PollFactory, QuestionFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR = TODAY.year


def closed_quarter() -> tuple[datetime.date, datetime.date]:
    bounds = groups_bounds(YEAR, TODAY)
    if bounds is None:  # January to March: the previous year is the closed period
        return datetime.date(YEAR - 1, 1, 1), datetime.date(YEAR - 1, 12, 31)
    return bounds


def moment(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=timezone.get_current_timezone())


def take_part(commune, user, when: datetime.datetime, thread=None) -> Post:  # type: ignore[no-untyped-def]
    thread = thread or ThreadFactory(category__commune=commune)
    return PostFactory(thread=thread, author=user, created_at=when)


def profile(user, **values: Any) -> ParticipantProfile:  # type: ignore[no-untyped-def]
    return ParticipantProfile.objects.create(user=user, consented_at=timezone.now(), **values)


def cells(table: list[dict[str, Any]]) -> dict[str, int | None]:
    return {cell["key"]: cell["count"] for cell in table}


# --- The rule ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "hidden"),
    [
        ({"a": 12, "b": 30, "c": 15}, set()),
        # One small cell: the smallest shown one goes too, or subtraction would give it.
        ({"a": 12, "b": 30, "c": 3}, {"c", "a"}),
        # Two small cells holding 4 together: their sum is public (total minus the shown), so the
        # smallest shown cell goes too, until the hidden ones hold at least 10.
        ({"a": 12, "b": 30, "c": 3, "d": 1}, {"c", "d", "a"}),
        ({"a": 12, "b": 30, "c": 6, "d": 5}, {"c", "d"}),
        # Zeros are cells under 10 too, and zeros alone would be known to be zeros.
        ({"a": 12, "b": 30, "c": 0}, {"c", "a"}),
        ({"a": 12, "b": 12, "c": 0, "d": 0}, {"a", "c", "d"}),
        # A total under 10: nothing is shown.
        ({"a": 5, "b": 4}, {"a", "b"}),
    ],
)
def test_small_cells_and_their_complement_are_suppressed(counts: dict[str, int], hidden: set[str]) -> None:
    shown = {cell.key: cell.count for cell in groups.suppress(counts.items())}
    assert {key for key, value in shown.items() if value is None} == hidden
    assert all(shown[key] == counts[key] for key in counts if key not in hidden)


def test_no_suppressed_cell_can_be_recovered_by_subtraction() -> None:
    """Exhaustively over small tables: whenever a cell is hidden, at least two are, the hidden
    ones' sum (total minus the shown) holds at least 10 people (so it cannot say "all zero"), and
    leaves each of them more than one possible value."""
    for values in itertools.product([0, 1, 2, 5, 9, 10, 11, 25], repeat=4):
        result = groups.suppress(zip("abcd", values, strict=True))
        hidden = [cell for cell in result if cell.count is None]
        if not hidden:
            continue
        assert len(hidden) >= 2, values
        remainder = sum(values) - sum(cell.count or 0 for cell in result)
        if sum(values) < groups.minimum():
            assert len(hidden) == len(values), values  # a small table is hidden whole
            continue
        assert remainder >= groups.minimum(), values
        for cell in hidden:
            others = len(hidden) - 1
            # The attacker knows each hidden cell is 0..remainder; with another hidden cell to
            # absorb the difference, the value is not determined.
            possible = {v for v in range(0, remainder + 1) if remainder - v <= others * remainder}
            assert len(possible) >= 2, (values, cell.key)


# --- Recounts ----------------------------------------------------------------------------------


def test_participants_and_channels_equal_a_recount(reference_data) -> None:  # type: ignore[no-untyped-def]
    commune, other = CommuneFactory(), CommuneFactory()
    mayor = UserFactory()
    Membership.objects.create(user=mayor, commune=commune, role=Role.MAYOR)
    session = LiveSessionFactory(commune=commune, started_at=timezone.now())
    web_people = UserFactory.create_batch(4)
    sms_person = UserFactory()
    for person in web_people[:2]:
        take_part(commune, person, timezone.now())
    QuestionFactory(session=session, author=web_people[2])
    QuestionFactory(session=session, author=sms_person, channel=ParticipationChannel.SMS)
    poll = PollFactory(session=session)
    PollBallot.objects.create(poll=poll, user=web_people[3])
    PollBallot.objects.create(poll=poll, user=sms_person, channel=ParticipationChannel.SMS)
    take_part(commune, mayor, timezone.now())  # staff: not a participant
    take_part(other, UserFactory(), timezone.now())  # another commune
    # Last year: not this year's participant.
    take_part(commune, UserFactory(), moment(datetime.date(YEAR - 1, 6, 1)))

    figures = commune_figures(commune, YEAR)

    start = moment(datetime.date(YEAR, 1, 1), 0)
    recount_web = (
        set(
            Post.objects.filter(thread__commune=commune, created_at__gte=start).values_list(
                "author_id", flat=True
            )
        )
        | set(
            Question.objects.filter(
                session__commune=commune, channel="web", created_at__gte=start
            ).values_list("author_id", flat=True)
        )
        | set(
            PollBallot.objects.filter(poll__session__commune=commune, channel="web").values_list(
                "user_id", flat=True
            )
        )
    ) - {mayor.pk}
    recount_sms = set(
        Question.objects.filter(session__commune=commune, channel="sms").values_list("author_id", flat=True)
    ) | set(
        PollBallot.objects.filter(poll__session__commune=commune, channel="sms").values_list(
            "user_id", flat=True
        )
    )
    assert figures["participation"] == {
        "participants": len(recount_web | recount_sms),
        "web": len(recount_web),
        "sms": len(recount_sms),
        "workshop_attendance": 0,
    }
    assert figures["participation"]["participants"] == 5
    assert (
        figures["polls"]["ballots"] == PollBallot.objects.filter(poll__session__commune=commune).count() == 2
    )
    assert (figures["polls"]["web"], figures["polls"]["sms"]) == (1, 1)


def test_questions_answered_and_the_time_to_answer_equal_a_recount(reference_data) -> None:  # type: ignore[no-untyped-def]
    commune = CommuneFactory()
    session = LiveSessionFactory(commune=commune, started_at=timezone.now())
    asked = timezone.now() - datetime.timedelta(hours=6)
    for hours in (1, 2, 5):
        question = QuestionFactory(session=session, status=QuestionStatus.ANSWERED, answer="Réponse.")
        Question.objects.filter(pk=question.pk).update(
            created_at=asked, answered_at=asked + datetime.timedelta(hours=hours)
        )
    QuestionFactory(session=session, status=QuestionStatus.PENDING)
    QuestionFactory(session=session, status=QuestionStatus.APPROVED, channel=ParticipationChannel.SMS)

    figures = commune_figures(commune, YEAR)["questions"]

    rows = Question.objects.filter(session__commune=commune)
    answered = rows.filter(status=QuestionStatus.ANSWERED)
    delays = sorted((q.answered_at - q.created_at).total_seconds() / 3600 for q in answered)
    assert figures["asked"] == rows.count() == 5
    assert figures["answered"] == answered.count() == 3
    assert figures["answered_percent"] == round(100 * 3 / 5)
    assert figures["median_hours"] == delays[1] == 2.0
    assert (figures["web"], figures["sms"]) == (4, 1)


def test_group_tables_equal_a_recount_with_small_cells_suppressed(reference_data) -> None:  # type: ignore[no-untyped-def]
    commune = CommuneFactory()
    north, south = (Arrondissement.objects.create(commune=commune, name=name) for name in ("Nord", "Sud"))
    start, end = closed_quarter()
    when = moment(start + datetime.timedelta(days=10))
    thread = ThreadFactory(category__commune=commune)
    people = []
    plan = (
        [("woman", "18_34", "no", north)] * 12
        + [("man", "35_59", "no", south)] * 11
        + [("undisclosed", "60_plus", "yes", north)] * 3
    )
    for gender, age, disability, arrondissement in plan:
        person = UserFactory()
        profile(person, gender=gender, age_band=age, disability=disability, arrondissement=arrondissement)
        take_part(commune, person, when, thread)
        people.append(person)
    unprofiled = UserFactory.create_batch(2)
    for person in unprofiled:
        take_part(commune, person, when, thread)

    figures = commune_figures(commune, end.year, today=TODAY)
    tables = figures["groups"]["tables"]

    # Recount straight from the rows: who posted in the period, and their profiles.
    ids = set(
        Post.objects.filter(thread__commune=commune, created_at__gte=moment(start, 0)).values_list(
            "author_id", flat=True
        )
    )
    by_gender = {
        key: ParticipantProfile.objects.filter(user_id__in=ids, gender=key).count()
        for key in ("woman", "man", "undisclosed")
    }
    assert by_gender == {"woman": 12, "man": 11, "undisclosed": 3}
    assert figures["groups"]["participants"] == len(ids) == 28
    assert figures["groups"]["profiled"] == ParticipantProfile.objects.filter(user_id__in=ids).count() == 26
    assert cells(tables["gender"]) == {
        "woman": by_gender["woman"],
        # 3 "undisclosed" alone would be profiled - 12 - 11: the smallest shown cell goes with it.
        "man": None,
        "undisclosed": None,
        "no_profile": 2,  # participants - profiled: both public, so never a secret
    }
    # 3 "yes" and 0 "undisclosed" would be 26 - 23 = 3 people between them: "no" goes too, and the
    # table shows only who has no profile.
    assert cells(tables["disability"]) == {"yes": None, "no": None, "undisclosed": None, "no_profile": 2}
    assert cells(tables["age"])["18_34"] == 12 and cells(tables["age"])["60_plus"] is None
    assert cells(tables["arrondissement"])[f"a{north.pk}"] == 15
    # "elsewhere" and "undisclosed" (0 each) would be known to be 0: the 11 of the south go with them.
    assert cells(tables["arrondissement"])[f"a{south.pk}"] is None
    assert figures["groups"]["arrondissement_names"] == {f"a{north.pk}": "Nord", f"a{south.pk}": "Sud"}


# --- The attacker ------------------------------------------------------------------------------


def feasible_values(table: list[dict[str, Any]], total: int, key: str) -> set[int]:
    """What someone who sees the table (and its total) can say of one cell's count."""
    shown = {cell["key"]: cell["count"] for cell in table}
    if shown[key] is not None:
        return {shown[key]}
    hidden = [k for k, v in shown.items() if v is None]
    remainder = total - sum(v for v in shown.values() if v is not None)
    floor = groups.minimum()
    values = set()
    for value in range(0, min(remainder, floor - 1) + 1):
        rest = remainder - value
        others = len(hidden) - 1
        # The other hidden cells must absorb the rest, each under the threshold or not
        # (a complementary cell may be 10 or more).
        if (others == 0 and rest == 0) or (others > 0 and rest >= 0):
            values.add(value)
    return values


def test_an_attacker_cannot_recover_one_persons_group_from_the_public_figures(reference_data) -> None:  # type: ignore[no-untyped-def]
    """Afi is the only participant living with a disability. An attacker who knows she took part,
    reads every public figure, watches them before and after she edits her profile and before and
    after she takes part again, cannot tell whether she said yes."""
    commune = CommuneFactory()
    start, end = closed_quarter()
    when = moment(start + datetime.timedelta(days=20))
    thread = ThreadFactory(category__commune=commune)
    for index in range(24):
        person = UserFactory()
        profile(person, gender="woman" if index % 2 else "man", disability="no")
        take_part(commune, person, when, thread)
    afi = UserFactory(display_name="Afi")
    profile(afi, gender="woman", disability="yes")
    take_part(commune, afi, when, thread)

    before = commune_figures(commune, end.year)
    public = before["groups"]
    # 1. The table itself: her cell is hidden, and so is another, so subtraction gives a range.
    disability = public["tables"]["disability"]
    assert cells(disability)["yes"] is None
    possible = feasible_values(disability, public["participants"], "yes")
    assert {0, 1} <= possible, "the attacker must not be able to tell 0 from 1"
    # 2. Every other table: no group under 10 is ever printed, none can be derived ("no profile" is
    # participants minus profiled, both public: not a group anyone chose).
    for table in public["tables"].values():
        table = [cell for cell in table if cell["key"] != "no_profile"]
        shown = [cell["count"] for cell in table if cell["count"] is not None]
        assert all(count >= groups.minimum() for count in shown)
        assert sum(1 for cell in table if cell["count"] is None) != 1
    # 3. Differencing: she changes her answer, deletes her profile, takes part again today.
    ParticipantProfile.objects.filter(user=afi).update(disability="no")
    take_part(commune, afi, timezone.now(), thread)
    after_edit = commune_figures(commune, end.year)
    ParticipantProfile.objects.filter(user=afi).delete()
    after_delete = commune_figures(commune, end.year)
    assert after_edit["groups"] == public == after_delete["groups"]
    # The figures of the period she could still move are not published yet.
    assert GroupSnapshot.objects.filter(commune=commune).count() == 1
    assert before["groups"]["end"] < TODAY.isoformat()
    # 4. Nothing of hers is in what is published: no id, no name.
    text = repr(before)
    assert "Afi" not in text and f"'user': {afi.pk}" not in text


def test_the_open_quarter_and_an_unfinished_first_quarter_are_never_shown() -> None:
    assert groups_bounds(2026, datetime.date(2026, 2, 10)) is None
    assert groups_bounds(2026, datetime.date(2026, 4, 1)) == (
        datetime.date(2026, 1, 1),
        datetime.date(2026, 3, 31),
    )
    assert groups_bounds(2026, datetime.date(2026, 12, 31)) == (
        datetime.date(2026, 7, 1),
        datetime.date(2026, 9, 30),
    )
    assert groups_bounds(2025, datetime.date(2026, 1, 5)) == (
        datetime.date(2025, 1, 1),
        datetime.date(2025, 12, 31),
    )


def test_participant_ids_hold_ids_only_for_counting(reference_data) -> None:  # type: ignore[no-untyped-def]
    commune = CommuneFactory()
    person = UserFactory()
    take_part(commune, person, timezone.now())
    assert participant_ids(commune, TODAY, TODAY) == {"web": {person.pk}, "sms": set()}
