"""Group commit of votes (``polls.poll_votes``, ``sessions_live.votebatch``): many votes in one
transaction land exactly as if applied one by one, each vote gets its own ack or error, and the
counters always equal a recount of the stored ballots. Runs on both backends (SQLite and the
in-memory layer; PostgreSQL and Redis); websockets through the real ASGI router."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.db.models import Count

from hub.errors import NotAuthenticated, NotFound
from sessions_live.errors import AlreadyVoted, Banned, Invalid, InvalidOption, PollClosed
from sessions_live.models import Poll, PollBallot, PollOption, PollStatus, PollVote, SanctionKind
from sessions_live.services import moderation, polls
from sessions_live.services.polls import VoteIn
from tests.factories import UserFactory
from tests.factories_sessions import PollFactory, staff_of
from tests.test_sessions_api import client_for, url
from tests.test_sessions_websocket import next_of, next_of_any, open_socket

pytestmark = pytest.mark.django_db(transaction=True)


def options_of(poll: Poll) -> list[int]:
    return list(poll.options.order_by("position").values_list("pk", flat=True))


def counters(poll: Poll) -> dict[str, object]:
    """The incremental counts (what tallies read)."""
    return {
        "counts": dict(PollOption.objects.filter(poll=poll).values_list("pk", "vote_count")),
        "total": Poll.objects.get(pk=poll.pk).ballot_count,
    }


def recount(poll: Poll) -> dict[str, object]:
    """The counts from the stored votes and ballots."""
    stored = dict(PollVote.objects.filter(poll=poll).values_list("option_id").annotate(n=Count("id")))
    return {
        "counts": {pk: stored.get(pk, 0) for pk in options_of(poll)},
        "total": PollBallot.objects.filter(poll=poll).count(),
    }


def in_own_thread(function):
    """Run ``function`` concurrently with the event loop (a REST request, a close), in its own thread."""

    def run(*args):
        try:
            return function(*args)
        finally:
            connection.close()

    return sync_to_async(run, thread_sensitive=False)


def stored_choice(poll: Poll, user) -> list[int]:
    return sorted(PollVote.objects.filter(poll=poll, user=user).values_list("option_id", flat=True))


# --- The batch service ------------------------------------------------------------------------------


def test_a_batch_applies_each_vote_in_order_with_its_own_answer():
    # given an open poll, voters, a banned voter, and a voter who already voted with key "k0"
    poll = PollFactory()
    yes, no, blank = options_of(poll)
    voters = UserFactory.create_batch(6)
    banned = UserFactory()
    moderation.sanction_create(
        actor=staff_of(poll.session.commune), session=poll.session, user_id=banned.pk, kind=SanctionKind.BAN
    )
    earlier = voters[5]
    polls.poll_vote(actor=earlier, poll=poll, option_ids=[no], idempotency_key="k0")
    other_poll = PollFactory()
    tallied: list[tuple[int, int]] = []

    # when one batch carries new votes, a user voting twice, resends, and every kind of bad vote
    batch = [
        VoteIn(voters[0], poll.pk, [yes], "a1"),
        VoteIn(voters[1], poll.pk, [yes], "b1"),
        VoteIn(voters[1], poll.pk, [no], "b2"),  # the same user again: the later vote wins
        VoteIn(voters[0], poll.pk, [yes], "a1"),  # resent in the same batch: answered as the first time
        VoteIn(voters[2], poll.pk, [yes], ""),
        VoteIn(voters[2], poll.pk, [yes], ""),  # the same choice again without a key
        VoteIn(voters[3], poll.pk, [options_of(other_poll)[0]], "c"),  # another poll's option
        VoteIn(voters[3], poll.pk, [yes, no], "c2"),  # one choice only
        VoteIn(voters[4], poll.pk, "yes", "d"),  # not a list of ids
        VoteIn(voters[4], poll.pk, [yes], "x" * 65),  # key too long
        VoteIn(banned, poll.pk, [yes], "e"),
        VoteIn(None, poll.pk, [yes], "f"),  # not signed in
        VoteIn(voters[4], other_poll.pk, [options_of(other_poll)[0]], "g"),  # a poll of another session
        VoteIn(voters[4], 10**23, [yes], "h"),
        VoteIn(earlier, poll.pk, [blank], "k0"),  # a resend of the earlier vote (its key)
        VoteIn(earlier, poll.pk, [blank], "k1"),  # a change of the earlier vote
    ]
    results = polls.poll_votes(
        session_id=poll.session_id, votes=batch, on_tally=lambda p, s: tallied.append((p, s))
    )

    # then each vote has the answer it would have had alone, in this order
    kinds = [r if isinstance(r, dict) else type(r) for r in results]
    assert kinds == [
        {"poll": poll.pk, "options": [yes]},
        {"poll": poll.pk, "options": [yes]},
        {"poll": poll.pk, "options": [no]},
        {"poll": poll.pk, "options": [yes]},
        {"poll": poll.pk, "options": [yes]},
        AlreadyVoted,
        InvalidOption,
        Invalid,
        Invalid,
        Invalid,
        Banned,
        NotAuthenticated,
        NotFound,
        NotFound,
        {"poll": poll.pk, "options": [no]},
        {"poll": poll.pk, "options": [blank]},
    ]
    # and the stored ballots are the last accepted choice of each voter, once
    assert stored_choice(poll, voters[0]) == [yes] and stored_choice(poll, voters[1]) == [no]
    assert stored_choice(poll, voters[2]) == [yes] and stored_choice(poll, earlier) == [blank]
    assert not PollBallot.objects.filter(user__in=[voters[3], voters[4], banned]).exists()
    assert PollBallot.objects.get(poll=poll, user=earlier).idempotency_key == "k1"
    assert PollBallot.objects.get(poll=poll, user=voters[1]).idempotency_key == "b2"
    # and the counters equal the recount; one tally is asked for, after the commit
    assert counters(poll) == recount(poll) == {"counts": {yes: 2, no: 1, blank: 1}, "total": 4}
    assert tallied == [(poll.pk, poll.session_id)]


def test_a_resend_in_a_later_batch_counts_once_and_a_change_back_is_exact():
    poll = PollFactory()
    yes, no, _blank = options_of(poll)
    voters = UserFactory.create_batch(3)
    first = polls.poll_votes(
        session_id=poll.session_id, votes=[VoteIn(u, poll.pk, [yes], f"k{u.pk}") for u in voters]
    )
    assert all(isinstance(r, dict) for r in first)

    # when the same votes are sent again (same keys), and one voter changes and changes back
    again = polls.poll_votes(
        session_id=poll.session_id,
        votes=[VoteIn(u, poll.pk, [yes], f"k{u.pk}") for u in voters]
        + [VoteIn(voters[0], poll.pk, [no], "z1"), VoteIn(voters[0], poll.pk, [yes], "z2")],
    )

    # then the resends are acked as the first time, nothing is counted twice
    assert again == [{"poll": poll.pk, "options": [yes]}] * 3 + [
        {"poll": poll.pk, "options": [no]},
        {"poll": poll.pk, "options": [yes]},
    ]
    assert counters(poll) == recount(poll) == {"counts": {yes: 3, no: 0, _blank: 0}, "total": 3}
    assert PollBallot.objects.get(poll=poll, user=voters[0]).idempotency_key == "z2"


def test_a_multiple_choice_change_moves_only_the_options_that_changed():
    poll = PollFactory(multiple=True, options=["A", "B", "C", "D"])
    a, b, c, d = options_of(poll)
    user = UserFactory()
    polls.poll_votes(session_id=poll.session_id, votes=[VoteIn(user, poll.pk, [a, b], "1")])
    kept = PollVote.objects.get(poll=poll, user=user, option_id=b).pk

    results = polls.poll_votes(session_id=poll.session_id, votes=[VoteIn(user, poll.pk, [b, c, d], "2")])

    assert results == [{"poll": poll.pk, "options": sorted([b, c, d])}]
    assert PollVote.objects.get(poll=poll, user=user, option_id=b).pk == kept
    assert counters(poll) == recount(poll) == {"counts": {a: 0, b: 1, c: 1, d: 1}, "total": 1}


def test_a_closed_poll_refuses_the_batch_but_answers_resends_of_accepted_votes():
    poll = PollFactory()
    yes, no, _blank = options_of(poll)
    voter, late = UserFactory.create_batch(2)
    polls.poll_vote(actor=voter, poll=poll, option_ids=[yes], idempotency_key="v")
    polls.poll_close(actor=staff_of(poll.session.commune), poll=poll)

    results = polls.poll_votes(
        session_id=poll.session_id,
        votes=[
            VoteIn(late, poll.pk, [yes], "l"),
            VoteIn(voter, poll.pk, [yes], "v"),
            VoteIn(voter, poll.pk, [no]),
        ],
    )

    assert isinstance(results[0], PollClosed) and isinstance(results[2], PollClosed)
    assert results[1] == {"poll": poll.pk, "options": [yes]}
    assert recount(poll)["total"] == 1 and Poll.objects.get(pk=poll.pk).results["total"] == 1


@pytest.fixture
def one_vote_row_per_insert():
    """A real database failure for batches only: the database refuses an INSERT of several votes.

    PostgreSQL: a statement-level trigger over the transition table. SQLite has no statement-level
    triggers: a temporary row trigger calls a function that counts the rows of the statement being
    run. The connection's trace callback marks where each statement starts: SQLite traces a
    statement's text (values expanded) again for each trigger step, so a new text is a new statement
    (two identical vote inserts in a row cannot both succeed anyway: one vote per option)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                """
                CREATE FUNCTION test_one_vote_per_insert() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF (SELECT count(*) FROM inserted) > 1 THEN RAISE EXCEPTION 'one vote per insert'; END IF;
                  RETURN NULL;
                END $$;
                CREATE TRIGGER test_one_vote_per_insert AFTER INSERT ON sessions_live_pollvote
                  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT
                  EXECUTE FUNCTION test_one_vote_per_insert();
                """
            )
        yield
        with connection.cursor() as cursor:
            cursor.execute(
                "DROP TRIGGER test_one_vote_per_insert ON sessions_live_pollvote;"
                "DROP FUNCTION test_one_vote_per_insert();"
            )
        return
    connection.ensure_connection()
    raw = connection.connection
    rows_in_statement = [0]
    last_statement = [""]

    def statement_started(sql: str) -> None:
        if sql != last_statement[0]:
            last_statement[0] = sql
            rows_in_statement[0] = 0

    def one_row() -> int:
        rows_in_statement[0] += 1
        if rows_in_statement[0] > 1:
            raise ValueError("one vote per insert")
        return 0

    raw.create_function("test_one_vote_per_insert", 0, one_row)
    raw.set_trace_callback(statement_started)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TRIGGER test_one_vote_per_insert BEFORE INSERT ON sessions_live_pollvote "
            "BEGIN SELECT test_one_vote_per_insert(); END"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER temp.test_one_vote_per_insert")
    raw.set_trace_callback(None)


def test_a_batch_that_fails_as_a_whole_is_applied_vote_by_vote(one_vote_row_per_insert, caplog):
    # given a poll with one earlier vote, and a database that refuses multi-row vote inserts
    poll = PollFactory()
    yes, no, _blank = options_of(poll)
    voters = UserFactory.create_batch(5)
    polls.poll_vote(actor=voters[0], poll=poll, option_ids=[no])

    # when a batch of votes (a change, new votes, a bad vote) is applied
    results = polls.poll_votes(
        session_id=poll.session_id,
        votes=[VoteIn(u, poll.pk, [yes], f"k{u.pk}") for u in voters]
        + [VoteIn(voters[1], poll.pk, [123456789])],
    )

    # then the batch failed as a whole (the database refused it), nothing was half-applied: every
    # good vote landed once, the bad one got its error
    assert any("applying its votes one by one" in r.getMessage() for r in caplog.records)
    assert results[:5] == [{"poll": poll.pk, "options": [yes]}] * 5
    assert isinstance(results[5], InvalidOption)
    assert counters(poll) == recount(poll) == {"counts": {yes: 5, no: 0, _blank: 0}, "total": 5}


# --- Over websockets ----------------------------------------------------------------------------------


async def vote_on(ws, poll_id, options, ref, key=""):
    await ws.send_json_to(
        {"type": "poll.vote", "poll": poll_id, "options": options, "ref": ref, "idempotency_key": key}
    )


async def answer(ws):
    return await next_of_any(ws, {"ack", "error"}, timeout=20)


@pytest.mark.asyncio
async def test_a_burst_of_socket_votes_lands_exactly_and_the_last_tally_is_exact():
    # given 40 voters on their sockets and a viewer
    poll = await sync_to_async(PollFactory)()
    option_ids = await sync_to_async(options_of)(poll)
    voters = await sync_to_async(UserFactory.create_batch)(40)
    viewer, _ = await open_socket(poll.session_id)
    sockets = [(await open_socket(poll.session_id, u))[0] for u in voters]

    # when they all vote at once, then half of them change their vote at once (and resend it)
    await asyncio.gather(
        *(vote_on(ws, poll.pk, [option_ids[n % 3]], n, f"a{n}") for n, ws in enumerate(sockets))
    )
    first = await asyncio.gather(*(answer(ws) for ws in sockets))
    changers = sockets[::2]
    await asyncio.gather(
        *(
            vote_on(ws, poll.pk, [option_ids[(2 * n + 1) % 3]], f"c{n}", f"c{n}")
            for n, ws in enumerate(changers)
        )
    )
    changed = await asyncio.gather(*(answer(ws) for ws in changers))
    await asyncio.gather(
        *(
            vote_on(ws, poll.pk, [option_ids[(2 * n + 1) % 3]], f"r{n}", f"c{n}")
            for n, ws in enumerate(changers)
        )
    )
    resent = await asyncio.gather(*(answer(ws) for ws in changers))

    # then every vote is acked with its ref, and the counters equal the recount and the acks
    assert [a["type"] for a in first + changed + resent] == ["ack"] * 80
    assert [a["ref"] for a in first] == list(range(40))
    expected: dict[int, int] = dict.fromkeys(option_ids, 0)
    final = {n: option_ids[n % 3] for n in range(40)}
    for n in range(0, 40, 2):
        final[n] = option_ids[(n + 1) % 3]
    for option in final.values():
        expected[option] += 1
    assert (
        await sync_to_async(counters)(poll)
        == await sync_to_async(recount)(poll)
        == {
            "counts": expected,
            "total": 40,
        }
    )
    # and the viewer's last poll.tally is exact
    last = None
    while True:
        frame = await next_of(viewer, "event", timeout=3)
        if frame["event"] == "poll.tally":
            last = frame["data"]
            if last["total"] == 40 and last["counts"] == {str(k): v for k, v in expected.items()}:
                break
    for ws in [viewer, *sockets]:
        await ws.disconnect()


@pytest.mark.asyncio
async def test_bad_socket_votes_get_their_error_frames_while_the_others_are_acked():
    # given an open poll, good voters, a banned voter, an anonymous viewer
    poll = await sync_to_async(PollFactory)()
    yes, no, _blank = await sync_to_async(options_of)(poll)
    good = await sync_to_async(UserFactory.create_batch)(5)
    banned = await sync_to_async(UserFactory)()
    mayor = await sync_to_async(staff_of)(poll.session.commune)
    await sync_to_async(moderation.sanction_create)(
        actor=mayor, session=poll.session, user_id=banned.pk, kind=SanctionKind.BAN
    )
    good_ws = [(await open_socket(poll.session_id, u))[0] for u in good]
    banned_ws, _ = await open_socket(poll.session_id, banned)
    anonymous_ws, _ = await open_socket(poll.session_id)
    wrong_ws, _ = await open_socket(poll.session_id, await sync_to_async(UserFactory)())

    # when they all vote at once
    await asyncio.gather(
        *(vote_on(ws, poll.pk, [yes], f"g{n}") for n, ws in enumerate(good_ws)),
        vote_on(banned_ws, poll.pk, [yes], "banned"),
        vote_on(anonymous_ws, poll.pk, [yes], "anon"),
        vote_on(wrong_ws, poll.pk, [987654321], "wrong"),
    )
    answers = await asyncio.gather(*(answer(ws) for ws in [*good_ws, banned_ws, anonymous_ws, wrong_ws]))

    # then the good ones are acked, each bad one has its error with its ref, and nothing of them is saved
    assert [(a["type"], a["ref"]) for a in answers[:5]] == [("ack", f"g{n}") for n in range(5)]
    assert [(a["error"]["code"], a["ref"]) for a in answers[5:]] == [
        ("banned", "banned"),
        ("not_authenticated", "anon"),
        ("invalid_option", "wrong"),
    ]
    assert (
        await sync_to_async(counters)(poll)
        == await sync_to_async(recount)(poll)
        == {
            "counts": {yes: 5, no: 0, _blank: 0},
            "total": 5,
        }
    )
    # and a frame without its options is a validation error, the socket stays usable
    await good_ws[0].send_json_to({"type": "poll.vote", "poll": poll.pk, "ref": "x"})
    assert (await answer(good_ws[0]))["error"]["code"] == "validation_error"
    await vote_on(good_ws[0], poll.pk, [no], "y")
    assert (await answer(good_ws[0]))["type"] == "ack"
    for ws in [*good_ws, banned_ws, anonymous_ws, wrong_ws]:
        await ws.disconnect()


@pytest.mark.asyncio
async def test_one_user_on_two_sockets_has_one_ballot():
    poll = await sync_to_async(PollFactory)()
    yes, no, _blank = await sync_to_async(options_of)(poll)
    user = await sync_to_async(UserFactory)()
    one, _ = await open_socket(poll.session_id, user)
    two, _ = await open_socket(poll.session_id, user)

    await asyncio.gather(vote_on(one, poll.pk, [yes], 1, "one"), vote_on(two, poll.pk, [no], 2, "two"))
    answers = await asyncio.gather(answer(one), answer(two))

    assert [a["type"] for a in answers] == ["ack", "ack"]
    ballot = await sync_to_async(PollBallot.objects.get)(poll=poll, user=user)
    last = await sync_to_async(stored_choice)(poll, user)
    assert last == ([yes] if ballot.idempotency_key == "one" else [no])
    assert await sync_to_async(counters)(poll) == await sync_to_async(recount)(poll)
    assert (await sync_to_async(recount)(poll))["total"] == 1
    await one.disconnect()
    await two.disconnect()


@pytest.mark.asyncio
async def test_rest_and_socket_votes_mixed_stay_exact():
    # given voters over REST and voters on sockets
    poll = await sync_to_async(PollFactory)()
    option_ids = await sync_to_async(options_of)(poll)
    rest_voters = await sync_to_async(UserFactory.create_batch)(10)
    ws_voters = await sync_to_async(UserFactory.create_batch)(20)
    sockets = [(await open_socket(poll.session_id, u))[0] for u in ws_voters]

    def rest_vote(user, option):
        response = client_for(user).post(
            url(poll.session, f"polls/{poll.pk}/vote/"), {"options": [option]}, format="json"
        )
        return response.status_code

    # when both vote (and some change their vote) at the same time
    rest = [in_own_thread(rest_vote)(u, option_ids[n % 3]) for n, u in enumerate(rest_voters)]
    socket_votes = [vote_on(ws, poll.pk, [option_ids[n % 3]], n) for n, ws in enumerate(sockets)]
    statuses = await asyncio.gather(*rest, *socket_votes)
    socket_answers = await asyncio.gather(*(answer(ws) for ws in sockets))
    changes = [in_own_thread(rest_vote)(u, option_ids[(n + 1) % 3]) for n, u in enumerate(rest_voters[:5])]
    change_votes = [
        vote_on(ws, poll.pk, [option_ids[(n + 1) % 3]], f"c{n}") for n, ws in enumerate(sockets[:10])
    ]
    statuses += await asyncio.gather(*changes, *change_votes)
    socket_answers += await asyncio.gather(*(answer(ws) for ws in sockets[:10]))

    # then all are accepted and the counters equal the recount
    assert [s for s in statuses if s is not None] == [200] * 15
    assert [a["type"] for a in socket_answers] == ["ack"] * 30
    totals = await sync_to_async(recount)(poll)
    assert await sync_to_async(counters)(poll) == totals and totals["total"] == 30
    expected = dict.fromkeys(option_ids, 0)
    for n in range(10):
        expected[option_ids[(n + (1 if n < 5 else 0)) % 3]] += 1
    for n in range(20):
        expected[option_ids[(n + (1 if n < 10 else 0)) % 3]] += 1
    assert totals["counts"] == expected
    for ws in sockets:
        await ws.disconnect()


@pytest.mark.asyncio
async def test_a_close_during_a_burst_lets_no_vote_land_after_it():
    # given 30 voters on their sockets
    poll = await sync_to_async(PollFactory)()
    option_ids = await sync_to_async(options_of)(poll)
    voters = await sync_to_async(UserFactory.create_batch)(30)
    sockets = [(await open_socket(poll.session_id, u))[0] for u in voters]
    mayor = await sync_to_async(staff_of)(poll.session.commune)

    # when the poll is closed in the middle of their votes
    close = in_own_thread(lambda: polls.poll_close(actor=mayor, poll=poll))
    first = [vote_on(ws, poll.pk, [option_ids[n % 3]], n) for n, ws in enumerate(sockets[:15])]
    second = [vote_on(ws, poll.pk, [option_ids[n % 3]], n + 15) for n, ws in enumerate(sockets[15:])]
    await asyncio.gather(*first, close(), *second)
    answers = await asyncio.gather(*(answer(ws) for ws in sockets))
    await asyncio.gather(*(vote_on(ws, poll.pk, [option_ids[0]], "late", "late") for ws in sockets[:3]))
    late = await asyncio.gather(*(answer(ws) for ws in sockets[:3]))

    # then each vote is acked or refused as closed, the acked ones are exactly the archived results
    assert {a["type"] for a in answers} <= {"ack", "error"}
    assert {a["error"]["code"] for a in answers if a["type"] == "error"} <= {"poll_closed"}
    assert [a["error"]["code"] for a in late] == ["poll_closed"] * 3
    acked = {voters[n].pk: a["data"]["options"] for n, a in enumerate(answers) if a["type"] == "ack"}
    archived = await in_own_thread(lambda: Poll.objects.get(pk=poll.pk))()
    assert archived.status == PollStatus.CLOSED
    expected = dict.fromkeys(option_ids, 0)
    for options in acked.values():
        expected[options[0]] += 1
    assert archived.results["total"] == len(acked)
    assert archived.results["counts"] == {str(k): v for k, v in expected.items()}
    assert await in_own_thread(recount)(poll) == {"counts": expected, "total": len(acked)}
    voted = await in_own_thread(
        lambda: set(PollBallot.objects.filter(poll=poll).values_list("user_id", flat=True))
    )()
    assert voted == set(acked)
    for ws in sockets:
        await ws.disconnect()


@pytest.mark.asyncio
async def test_a_rest_vote_whose_batch_does_not_come_in_time_gets_503_and_its_retry_counts_once(settings):
    # given a server loop whose next batch waits far longer than a REST vote may (SESSIONS_VOTE_WAIT)
    from hub.realtime import serverloop
    from sessions_live import votebatch

    serverloop.remember()  # this test's loop plays the server's (as hub.asgi does for every request)
    settings.SESSIONS_VOTE_BATCH_WAIT = 60
    settings.SESSIONS_VOTE_WAIT = 0.3
    poll = await sync_to_async(PollFactory)()
    yes = (await sync_to_async(options_of)(poll))[0]
    voter = await sync_to_async(UserFactory)()

    def rest_vote():
        response = client_for(voter).post(
            url(poll.session, f"polls/{poll.pk}/vote/"),
            {"options": [yes], "idempotency_key": "v1"},
            format="json",
        )
        return response.status_code, response.json()

    # when the citizen votes over REST
    status, body = await in_own_thread(rest_vote)()

    # then the request does not hang: 503 with a clear code, and the vote is not lost
    assert status == 503 and body["error"]["code"] == "vote_not_confirmed", body
    batcher = votebatch.batcher()
    batcher._start()  # the batch comes at last
    while batcher.flushing or batcher.pending:
        await asyncio.sleep(0.01)
    assert await sync_to_async(lambda: PollBallot.objects.filter(poll=poll).count())() == 1
    # and sending it again with its key is answered as the first time, counted once
    settings.SESSIONS_VOTE_BATCH_WAIT = 0.003
    status, body = await in_own_thread(rest_vote)()
    assert status == 200 and body["options"] == [yes]
    assert await sync_to_async(counters)(poll) == await sync_to_async(recount)(poll)
    assert (await sync_to_async(recount)(poll))["total"] == 1
