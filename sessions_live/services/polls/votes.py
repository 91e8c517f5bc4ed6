"""Votes, applied in batches (``poll_votes``; ``poll_vote`` is a batch of one).

One vote per user is a database fact (``PollBallot`` unique on poll and user). One transaction locks
the voters' ballots, writes the changes in bulk, then takes the poll's row lock through ``UPDATE ...
WHERE status = 'open'`` right before the counters and the commit. So votes and the close
(``polls.lifecycle.poll_close``) are ordered: no vote lands after the close has archived the results.
Counts move by deltas (``F()``), never a recount per vote. Live tallies are coalesced
(``sessions_live.tally``).
"""

from __future__ import annotations

import functools
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.errors import DomainError, NotFound
from hub.limits import is_id
from sessions_live.errors import AlreadyVoted, Banned, InvalidOption, PollClosed
from sessions_live.models import (
    ParticipationChannel,
    Poll,
    PollBallot,
    PollOption,
    PollStatus,
    PollVote,
    SanctionKind,
    SessionSanction,
)
from sessions_live.services.common import idempotency_clean, invalid, require_user
from sessions_live.tally import tally_schedule

logger = logging.getLogger(__name__)


def _option_ids_shape(multiple: bool, option_ids: Any) -> set[int]:
    """The chosen ids, checked without the database (``_votes_apply`` checks they are the poll's)."""
    if not isinstance(option_ids, list) or not option_ids or not all(is_id(i) for i in option_ids):
        raise invalid("options", _("Give the ids of the chosen options."))
    chosen = set(option_ids)
    if len(chosen) != len(option_ids):
        raise invalid("options", _("Each choice once."))
    if not multiple and len(chosen) != 1:
        raise invalid("options", _("This poll takes one choice."))
    return chosen


def _ack(poll_id: int, option_ids: set[int] | list[int]) -> dict[str, Any]:
    return {"poll": poll_id, "options": sorted(option_ids)}


@dataclass(frozen=True)
class VoteIn:
    """One vote as the client sent it (nothing checked yet)."""

    actor: Any
    poll_id: Any
    option_ids: Any
    idempotency_key: Any = ""
    channel: str = ParticipationChannel.WEB  # set by our own callers (the SMS handler), not a client


# An ack (``{"poll", "options"}``) or the error of that one vote.
VoteResult = dict[str, Any] | Exception
TallyHook = Callable[[int, int], None]


@dataclass
class _Ballot:
    """One voter's ballot on one poll while a batch is applied: as stored, then as it will be."""

    pk: int | None
    key: str
    stored: frozenset[int]
    options: set[int] = field(default_factory=set)
    key_changed: bool = False
    stored_channel: str = ParticipationChannel.WEB
    channel: str = ParticipationChannel.WEB


def _banned_user_ids(user_ids: set[int], session_id: int, commune_id: int) -> set[int]:
    """Users with an active ban in this session (``selectors.active_sanctions``, for many users)."""
    if not user_ids:
        return set()
    return set(
        SessionSanction.objects.filter(
            user_id__in=user_ids, commune_id=commune_id, kind=SanctionKind.BAN, lifted_at__isnull=True
        )
        .filter(Q(session_id=session_id) | Q(session__isnull=True))
        .filter(Q(until__isnull=True) | Q(until__gt=timezone.now()))
        .values_list("user_id", flat=True)
    )


class _ClosedMeanwhile(Exception):
    """A poll of the batch was closed between the batch's first read and its poll lock."""


def _votes_apply(session_id: int, votes: Sequence[VoteIn], on_tally: TallyHook) -> list[VoteResult]:
    """Apply votes of one session in order, in ONE transaction; one result per vote.

    The rules are those of ``poll_vote``, checked in the same order for each vote, against the
    state left by the votes before it (a later vote of the same user in the batch sees the
    earlier one). The writes are a handful of bulk statements whatever the number of votes.
    """
    for attempt in range(3):
        try:
            return _votes_apply_once(session_id, votes, on_tally)
        except _ClosedMeanwhile:
            pass  # read again: the poll is closed now
        except (IntegrityError, OperationalError) as exc:
            # A ballot of one of our voters was created by another transaction after our read (the
            # unique constraint waited for it to commit), or two transactions deadlocked: read again.
            if attempt == 2 or not _retryable(exc):
                raise
    return _votes_apply_once(session_id, votes, on_tally)


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    return getattr(exc.__cause__, "sqlstate", None) in {"40P01", "40001"}  # deadlock, serialization


def _votes_apply_once(session_id: int, votes: Sequence[VoteIn], on_tally: TallyHook) -> list[VoteResult]:
    results: list[VoteResult | None] = [None] * len(votes)
    # 1. Checks that need no lock: the polls, their options, the input's shape, the bans.
    poll_ids = {v.poll_id for v in votes if is_id(v.poll_id)}
    polls = {
        pk: (multiple, commune_id, status)
        for pk, multiple, commune_id, status in Poll.objects.filter(
            pk__in=poll_ids, session_id=session_id
        ).values_list("pk", "multiple", "session__commune_id", "status")
    }
    options_of: dict[int, set[int]] = defaultdict(set)
    for poll_id, option_id in PollOption.objects.filter(poll_id__in=polls).values_list("poll_id", "pk"):
        options_of[poll_id].add(option_id)
    chosen: list[set[int]] = [set()] * len(votes)
    keys: list[str] = [""] * len(votes)
    first_errors: list[Exception | None] = [None] * len(votes)
    option_errors: list[Exception | None] = [None] * len(votes)
    for index, vote in enumerate(votes):
        if not is_id(vote.poll_id) or vote.poll_id not in polls:
            results[index] = NotFound(_("This poll does not exist."))
            continue
        try:
            require_user(vote.actor)
            keys[index] = idempotency_clean(vote.idempotency_key)
        except DomainError as exc:
            first_errors[index] = exc
            continue
        try:
            chosen[index] = _option_ids_shape(polls[vote.poll_id][0], vote.option_ids)
            if not chosen[index] <= options_of[vote.poll_id]:
                raise InvalidOption()
        except DomainError as exc:
            option_errors[index] = exc
    live = [i for i in range(len(votes)) if results[i] is None and first_errors[i] is None]
    user_ids = {votes[i].actor.pk for i in live}
    poll_ids_live = sorted({votes[i].poll_id for i in live})
    commune_id = next(iter(polls.values()))[1] if polls else 0
    banned = _banned_user_ids(user_ids, session_id, commune_id)
    with transaction.atomic():
        # 2. The voters' ballots, row-locked (in id order) so that another batch or a REST vote of
        # the same user waits for us; a ballot created meanwhile fails our insert (then: vote by vote).
        ballots: dict[tuple[int, int], _Ballot] = {}
        for pk, poll_id, user_id, key, channel in (
            PollBallot.objects.select_for_update()
            .filter(poll_id__in=poll_ids_live, user_id__in=user_ids)
            .order_by("pk")
            .values_list("pk", "poll_id", "user_id", "idempotency_key", "channel")
        ):
            ballots[(poll_id, user_id)] = _Ballot(
                pk=pk, key=key, stored=frozenset(), stored_channel=channel, channel=channel
            )
        stored: dict[tuple[int, int], set[int]] = defaultdict(set)
        vote_pks: dict[tuple[int, int, int], int] = {}
        for pk, poll_id, user_id, option_id in PollVote.objects.filter(
            poll_id__in=poll_ids_live, user_id__in=user_ids
        ).values_list("pk", "poll_id", "user_id", "option_id"):
            stored[(poll_id, user_id)].add(option_id)
            vote_pks[(poll_id, user_id, option_id)] = pk
        for pair, found in ballots.items():
            found.stored = frozenset(stored[pair])
            found.options = set(stored[pair])
        # 3. The rules, vote by vote, in order.
        for index in range(len(votes)):
            if results[index] is not None:
                continue
            if first_errors[index] is not None:
                results[index] = first_errors[index]
                continue
            vote, key, pair = votes[index], keys[index], (votes[index].poll_id, votes[index].actor.pk)
            ballot = ballots.get(pair)
            if key and ballot is not None and ballot.key == key:
                results[index] = _ack(pair[0], ballot.options)  # the same vote sent again
            elif pair[1] in banned:
                results[index] = Banned()
            elif option_errors[index] is not None:
                results[index] = option_errors[index]
            elif polls[pair[0]][2] != PollStatus.OPEN:
                results[index] = PollClosed()
            elif ballot is None:
                ballots[pair] = _Ballot(
                    pk=None, key=key, stored=frozenset(), options=set(chosen[index]), channel=vote.channel
                )
                results[index] = _ack(pair[0], chosen[index])
            elif ballot.options == chosen[index]:
                results[index] = AlreadyVoted(_("You have already voted for this."))
            else:
                ballot.options, ballot.key, ballot.key_changed = set(chosen[index]), key, True
                ballot.channel = vote.channel
                results[index] = _ack(pair[0], chosen[index])
        # 4. The writes, then the polls' row locks, then the counters.
        written = _ballots_write(ballots, vote_pks)
        for poll_id in sorted(written):
            transaction.on_commit(functools.partial(on_tally, poll_id, session_id))
    return [r for r in results if r is not None]


def _ballots_write(
    ballots: dict[tuple[int, int], _Ballot], vote_pks: dict[tuple[int, int, int], int]
) -> set[int]:
    """Write what changed between the stored ballots and the final ones; the polls written to."""
    now = timezone.now()
    new_ballots: list[PollBallot] = []
    changed_ballots: list[tuple[int, str, str]] = []
    removed: list[int] = []
    added: list[PollVote] = []
    option_delta: Counter[int] = Counter()
    ballot_delta: Counter[int] = Counter()
    sms_delta: Counter[int] = Counter()  # ballots whose channel is SMS
    written: set[int] = set()
    for (poll_id, user_id), ballot in sorted(ballots.items()):
        if ballot.pk is None:
            new_ballots.append(
                PollBallot(
                    poll_id=poll_id, user_id=user_id, idempotency_key=ballot.key, channel=ballot.channel
                )
            )
            ballot_delta[poll_id] += 1
            sms_delta[poll_id] += ballot.channel == ParticipationChannel.SMS
        elif ballot.key_changed:
            changed_ballots.append((ballot.pk, ballot.key, ballot.channel))
            sms_delta[poll_id] += (ballot.channel == ParticipationChannel.SMS) - (
                ballot.stored_channel == ParticipationChannel.SMS
            )
        for option_id in ballot.stored - ballot.options:
            removed.append(vote_pks[(poll_id, user_id, option_id)])
            option_delta[option_id] -= 1
        for option_id in ballot.options - ballot.stored:
            added.append(PollVote(poll_id=poll_id, user_id=user_id, option_id=option_id))
            option_delta[option_id] += 1
        if ballot.pk is None or ballot.key_changed:
            written.add(poll_id)
    if not written:
        return written
    if new_ballots:
        # No ON CONFLICT: a ballot written behind our back fails the batch (then applied vote by vote).
        PollBallot.objects.bulk_create(new_ballots)
    if changed_ballots:
        _ballot_keys_update(changed_ballots, now)
    if removed:
        PollVote.objects.filter(pk__in=removed).delete()
    if added:
        PollVote.objects.bulk_create(added)
    # The polls' row locks, taken only while they are open, right before the counters and the
    # commit: they order the batch against the close (which takes them first, then recounts), so
    # no vote lands after the close, and they are held for two statements only.
    by_poll = Case(
        *(When(pk=pk, then=Value(ballot_delta[pk])) for pk in written), output_field=IntegerField()
    )
    counters: dict[str, Any] = {"ballot_count": F("ballot_count") + by_poll}
    if any(sms_delta.values()):
        sms_by_poll = Case(
            *(When(pk=pk, then=Value(sms_delta[pk])) for pk in written), output_field=IntegerField()
        )
        counters["sms_ballot_count"] = F("sms_ballot_count") + sms_by_poll
    if Poll.objects.filter(pk__in=written, status=PollStatus.OPEN).update(**counters) != len(written):
        raise _ClosedMeanwhile()
    _counts_add(PollOption, "vote_count", option_delta)
    return written


def _ballot_keys_update(keys: list[tuple[int, str, str]], now: Any) -> None:
    """Each ballot's new idempotency key and channel, in one statement.

    PostgreSQL: one ``UPDATE ... FROM unnest(...)`` (``bulk_update`` builds a CASE whose cost grows
    much faster than the number of rows: it was most of a batch's CPU). SQLite has neither arrays
    nor ``unnest``; there an ``executemany`` of the single-row UPDATE runs inside the library, with
    no round trip per row, and gives the same rows."""
    table = connection.ops.quote_name(PollBallot._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} AS b SET idempotency_key = d.key, channel = d.channel, "  # noqa: S608 (our table)
                "updated_at = %s FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS d(id, key, channel) "
                "WHERE b.id = d.id",
                [now, [k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys]],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET idempotency_key = %s, channel = %s, updated_at = %s WHERE id = %s",  # noqa: S608
                [(key, channel, now, pk) for pk, key, channel in keys],
            )


def _counts_add(model: Any, field_name: str, delta: Counter[int]) -> None:
    """``field += delta[pk]`` for every row, in one UPDATE."""
    delta = Counter({pk: n for pk, n in delta.items() if n})
    if not delta:
        return
    by_pk = Case(*(When(pk=pk, then=Value(n)) for pk, n in delta.items()), output_field=IntegerField())
    model.objects.filter(pk__in=delta).update(**{field_name: F(field_name) + by_pk})


def poll_votes(
    *, session_id: int, votes: Sequence[VoteIn], on_tally: TallyHook = tally_schedule
) -> list[VoteResult]:
    """Group commit: many votes of one session in one transaction, one result per vote (an ack or
    that vote's error; the other votes are unaffected). Acks hold once this returns (committed).

    If the batch fails as a whole (a constraint, a lost connection), nothing of it was written and
    each vote is applied again on its own, in order, so a batch failure never loses a vote.
    """
    if not votes:
        return []
    try:
        return _votes_apply(session_id, votes, on_tally)
    except Exception:
        if len(votes) == 1:
            raise
        logger.warning("vote batch of %d failed: applying its votes one by one", len(votes), exc_info=True)
    results: list[VoteResult] = []
    for vote in votes:
        try:
            results.extend(_votes_apply(session_id, [vote], on_tally))
        except Exception as exc:
            results.append(exc)
    return results


def poll_vote(
    *,
    actor: Any,
    poll: Poll,
    option_ids: Any,
    idempotency_key: Any = "",
    channel: str = ParticipationChannel.WEB,
) -> dict[str, Any]:
    """Vote, or change one's vote while the poll is open. Returns ``{"poll", "options"}``.

    The same vote sent again without its idempotency key is ``already_voted``; with the same key
    it is answered as the first time. Options of another poll are ``invalid_option``.
    """
    vote = VoteIn(
        actor=actor, poll_id=poll.pk, option_ids=option_ids, idempotency_key=idempotency_key, channel=channel
    )
    (result,) = _votes_apply(poll.session_id, [vote], tally_schedule)
    if isinstance(result, Exception):
        raise result
    return result
