"""Votes on a live poll at a target rate, and whether the final tally is exact.

Same stack as ``bench/live_fanout.py`` (own PostgreSQL database ``cp_bench_live``, Redis database 9,
K daphne/uvicorn processes, P aiohttp load processes; the per-process fan-out, the one delivery path).

1. Creates (once, then reuses) ``--users`` voters in bulk and one API token each (keys known to the
   bench), a mayor of Cotonou, a fresh live session and a poll with ``--options`` choices, opened
   with ``sessions_live.services.polls.poll_open``.
2. Each voter opens an authenticated websocket with a ticket from ``hub.services.accounts.
   ws_ticket_issue`` (the mobile flow: token → ticket → ``/ws/sessions/<id>/?ticket=``), spread
   over the servers and load processes; ``--viewers`` anonymous viewers watch as well.
   ``--rest-share`` of the voters vote over REST (``POST .../polls/<id>/vote/`` with their token)
   instead.
3. Sends ``--rate`` votes/s for ``--duration`` s (``poll.vote`` frames on the open sockets, on a
   fixed schedule); ``--change`` of them are voters changing their vote to another option.
4. Closes the poll (``poll_close``) and checks, exactly: the incremental counts just before the
   close, the recount from the stored ballots, the archived results, the results in the
   ``poll.closed`` frame, and the tally the clients expect from their acks.
5. Reports accepted votes/s, ack latency p50/p99, errors by code, ``poll.tally`` frames per second
   per socket (coalescing), server CPU per vote. **The load processes share the machine's 2 cores.**

Usage:
    .venv/bin/python bench/votes.py --rate 100 --duration 10 --users 1000
    .venv/bin/python bench/votes.py --rate 1000 --duration 20 --users 20000 --procs 3 --servers 2
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import os
import random
import secrets
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _live_common as common

VOTER_EMAIL = "bench-voter-{}@bench.bj"


def setup(users: int, options: int) -> dict[str, Any]:
    """Voters, tokens, a mayor, a live session and an open poll."""
    from datetime import timedelta

    from django.utils import timezone

    from hub.models import ApiToken, Commune, Membership, Role, User
    from hub.services.accounts import auth_ref_for_token
    from sessions_live.models import LiveSession, SessionKind, SessionStatus
    from sessions_live.services.polls import poll_create, poll_open

    commune = Commune.objects.get(slug="cotonou")
    mayor, _created = User.objects.get_or_create(
        email="bench-maire@bench.bj", defaults={"display_name": "Maire (banc d'essai)", "password": "!"}
    )
    Membership.objects.get_or_create(user=mayor, commune=commune, role=Role.MAYOR)
    have = User.objects.filter(email__startswith="bench-voter-").count()
    if have < users:
        User.objects.bulk_create(
            [
                User(email=VOTER_EMAIL.format(i), display_name=f"Votant {i}", password="!")
                for i in range(have, users)
            ],
            batch_size=5000,
        )
    voters = list(User.objects.filter(email__in=[VOTER_EMAIL.format(i) for i in range(users)]).order_by("id"))
    # Fresh tokens each run, so the bench knows their keys (only digests are stored).
    ApiToken.objects.filter(user__in=voters).delete()
    keys = [secrets.token_urlsafe(32) for _ in voters]
    expires = timezone.now() + timedelta(days=1)
    ApiToken.objects.bulk_create(
        [
            ApiToken(
                user=user,
                digest=hashlib.sha256(key.encode()).hexdigest(),  # as hub.services.accounts does
                prefix=key[:8],
                device_name="bench",
                expires_at=expires,
            )
            for user, key in zip(voters, keys, strict=True)
        ],
        batch_size=5000,
    )
    tokens = {t.user_id: t for t in ApiToken.objects.filter(user__in=voters, device_name="bench")}
    now = timezone.now()
    session = LiveSession.objects.create(
        commune=commune,
        kind=SessionKind.ACCOUNTABILITY,
        title=f"Bench votes {now:%Y-%m-%d %H:%M:%S}",
        status=SessionStatus.LIVE,
        starts_at=now,
        started_at=now,
    )
    poll = poll_create(
        actor=mayor,
        session=session,
        question="Quelle priorité pour le budget ?",
        options=["Caniveaux", "Éclairage public", "Marchés", "Écoles", "Santé", "Eau potable"][:options],
    )
    poll = poll_open(actor=mayor, poll=poll)
    return {
        "mayor": mayor,
        "session": session.pk,
        "poll": poll,
        "option_ids": [o.pk for o in poll.options.order_by("position")],
        "voters": [
            {"user": u.pk, "key": k, "auth_ref": auth_ref_for_token(tokens[u.pk]), "obj": u}
            for u, k in zip(voters, keys, strict=True)
        ],
    }


def schedule(
    total: int, users: list[int], option_ids: list[int], change: float, rate: float, seed: int
) -> tuple[list[list[Any]], dict[int, int]]:
    """[offset s, vote index, user, [option]] in send order, and each user's final choice."""
    rng = random.Random(seed)
    new_votes = min(len(users), round(total * (1 - change)))
    changes = total - new_votes
    choice: dict[int, int] = {}
    voted: list[int] = []
    order = rng.sample(users, len(users))
    items: list[list[Any]] = []
    for index in range(total):
        left_new = new_votes - len(voted)
        left_change = changes - (index - len(voted))
        take_new = not voted or (left_new > 0 and rng.random() < left_new / (left_new + left_change))
        if take_new:
            user = order[len(voted)]
            voted.append(user)
            option = rng.choice(option_ids)
        else:
            user = rng.choice(voted)
            option = rng.choice([o for o in option_ids if o != choice[user]])
        choice[user] = option
        items.append([index / rate, index, user, [option]])
    return items, choice


def counts_of(final: dict[int, list[int]], option_ids: list[int]) -> dict[str, int]:
    counter: Counter[int] = Counter()
    for options in final.values():
        counter.update(options)
    return {str(o): counter.get(o, 0) for o in option_ids}


def run(options: argparse.Namespace) -> dict[str, Any]:
    env = common.bench_environ()
    env.update(item.split("=", 1) for item in options.server_env)
    result_env = dict(item.split("=", 1) for item in options.server_env)
    common.raise_fd_limit()
    common.django_ready()
    common.redis_forget_bench_keys()
    from django.db import transaction
    from django.db.models import Count

    from hub.errors import NotAuthenticated
    from hub.services.accounts import ws_ticket_issue, ws_ticket_redeem
    from sessions_live.models import Poll, PollBallot, PollOption, PollVote
    from sessions_live.services.polls import poll_close

    total = max(1, round(options.rate * options.duration))
    users = options.users or math.ceil(total * (1 - options.change))
    state = setup(users, options.options)
    poll, option_ids = state["poll"], state["option_ids"]
    voter_ids = [v["user"] for v in state["voters"]]
    items, planned = schedule(total, voter_ids, option_ids, options.change, options.rate, options.seed)
    rng = random.Random(options.seed + 1)
    rest_users = set(rng.sample(voter_ids, round(len(voter_ids) * options.rest_share)))
    result: dict[str, Any] = {
        "path": options.path,
        "server_env": result_env,
        "server": options.server,
        "servers": options.servers,
        "procs": options.procs,
        "users": users,
        "rest_users": len(rest_users),
        "viewers": options.viewers,
        "votes_planned": total,
        "rate": options.rate,
        "duration": options.duration,
        "session": state["session"],
        "poll": poll.pk,
        "load_before": os.getloadavg(),
    }
    with common.Processes() as procs:
        servers = common.start_servers(procs, options.server, options.servers, env)
        ports = [port for _pid, port in servers]
        base = f"/ws/sessions/{state['session']}/"
        sockets: list[list[dict[str, Any]]] = [[] for _ in range(options.procs)]
        rest_tokens: list[dict[str, str]] = [{} for _ in range(options.procs)]
        home: dict[int, int] = {}
        tickets: dict[int, str] = {}
        for n, voter in enumerate(state["voters"]):
            proc = n % options.procs
            home[voter["user"]] = proc
            if voter["user"] in rest_users:
                rest_tokens[proc][str(voter["user"])] = voter["key"]
                continue
            ticket = tickets[voter["user"]] = ws_ticket_issue(user=voter["obj"], auth_ref=voter["auth_ref"])
            url = f"ws://127.0.0.1:{ports[n % len(ports)]}{base}?ticket={ticket}"
            sockets[proc].append({"url": url, "user": voter["user"]})
        for n in range(options.viewers):
            sockets[n % options.procs].append({"url": f"ws://127.0.0.1:{ports[n % len(ports)]}{base}"})
        workers = []
        first = 0
        for index in range(options.procs):
            config = {
                "sockets": sockets[index],
                "first_index": first,
                "origin": f"http://127.0.0.1:{ports[0]}",
                "connect_rate": options.connect_rate / options.procs,
                "max_pending": options.max_pending,
                "schedule": [item for item in items if home[item[2]] == index],
                "poll": poll.pk,
                "rest_tokens": rest_tokens[index],
                "rest_url": f"http://127.0.0.1:{ports[index % len(ports)]}/api/v1/sessions/"
                f"{state['session']}/polls/{poll.pk}/vote/",
                "out": str(common.OUT / f"votes-worker-{index}.json"),
            }
            workers.append(common.Worker(procs, env, index, config))
            first += len(sockets[index])
        sockets_total = sum(len(s) for s in sockets)
        connected_lines = [w.expect("connected", sockets_total / options.connect_rate + 180) for w in workers]
        result["connected"] = sum(line["connected"] for line in connected_lines)
        result["sockets"] = sockets_total
        result["connect_seconds"] = max(line["seconds"] for line in connected_lines)
        time.sleep(options.settle)
        for worker in workers:
            worker.send({"cmd": "mark"})
        for worker in workers:
            worker.expect("marked", 60)
        cpu_before = sum(common.tree_cpu_seconds(pid) for pid, _port in servers)
        redis_before = common.redis_cpu_seconds()
        machine_before = common.machine_cpu()
        self_before = common.tree_cpu_seconds(os.getpid())
        t0 = time.time() + 0.5
        if options.py_spy:  # sample one server process over the voting window
            procs.start(
                [options.py_spy, "record", "-p", str(servers[0][0]), "-d", str(int(options.duration) + 1),
                 "-r", "50", "--format", "raw",
                 "-o", str(common.OUT / f"profile-votes-{options.server}.txt")],
                env, common.OUT / "py-spy.log",
            )  # fmt: skip
        for worker in workers:
            worker.send({"cmd": "vote", "t0": t0})
        voted = [w.expect("voted", options.duration + 600) for w in workers]
        sent_done = time.time()
        while time.time() - sent_done < options.drain:
            for worker in workers:
                worker.send({"cmd": "status"})
            if sum(w.expect("status", 60)["acks_pending"] for w in workers) == 0:
                break
            time.sleep(0.25)
        time.sleep(max(0.0, 1.0 - (time.time() - sent_done)))  # the last coalesced tally
        cpu_after = sum(common.tree_cpu_seconds(pid) for pid, _port in servers)
        redis_after = common.redis_cpu_seconds()
        machine_after = common.machine_cpu()
        self_cpu = common.tree_cpu_seconds(os.getpid()) - self_before
        with transaction.atomic():
            # Under the poll's row lock no vote is half-done (a vote holds it until it commits):
            # the incremental counts and a recount of the stored ballots describe the same instant.
            Poll.objects.select_for_update().filter(pk=poll.pk).first()
            incremental = {
                "counts": {
                    str(k): v for k, v in PollOption.objects.filter(poll=poll).values_list("id", "vote_count")
                },
                "total": Poll.objects.get(pk=poll.pk).ballot_count,
            }
            snapshot = dict(
                PollVote.objects.filter(poll=poll).values_list("option_id").annotate(n=Count("id"))
            )
            recount_at_lock = {
                "counts": {str(o): snapshot.get(o, 0) for o in option_ids},
                "total": PollBallot.objects.filter(poll=poll).count(),
            }
        closed_at = time.time()
        poll_close(actor=state["mayor"], poll=poll)
        archived = Poll.objects.get(pk=poll.pk).results
        stored_counts = dict(
            PollVote.objects.filter(poll=poll).values_list("option_id").annotate(n=Count("id"))
        )
        stored = {
            "counts": {str(o): stored_counts.get(o, 0) for o in option_ids},
            "total": PollBallot.objects.filter(poll=poll).count(),
        }
        time.sleep(2.0)  # poll.closed reaches the sockets
        for worker in workers:
            worker.send({"cmd": "stop"})
        parts = [json.loads(Path(w.expect("done", 120)["result"]).read_text()) for w in workers]
    # Why were tickets refused? Redeem them again here: "ticket_used" means the server got past
    # the single-use check (so a later check failed, or the ticket was redeemed twice).
    refused_reasons: Counter[str] = Counter()
    for part in parts:
        for user in part["refused_users"]:
            try:
                ws_ticket_redeem(tickets[user])
                refused_reasons["redeems fine now"] += 1
            except NotAuthenticated as exc:
                refused_reasons[str(exc.code)] += 1
    result["refused_tickets_redeemed_again"] = dict(refused_reasons)
    acked: dict[int, list[int]] = {}
    for part in parts:
        acked.update({int(user): opts for user, opts in part["acked"].items()})
    expected = {"counts": counts_of(acked, option_ids), "total": len(acked)}
    closed_frames = [p["closed_results"] for p in parts if p["closed_results"]]
    closed_frame = (
        {"counts": closed_frames[0].get("counts"), "total": closed_frames[0].get("total")}
        if closed_frames
        else None
    )
    archived = archived or {}
    archived_view = {"counts": archived.get("counts"), "total": archived.get("total")}
    planned_view = {
        "counts": counts_of({u: [o] for u, o in planned.items()}, option_ids),
        "total": len(planned),
    }
    errors: Counter[str] = Counter()
    connect_errors: Counter[str] = Counter()
    for part in parts:
        errors.update(part["vote_errors"])
        connect_errors.update(part["errors"])
    acks = common.read_latencies([p["ack_file"] for p in parts])
    accepted = sum(p["acked_votes"] for p in parts)
    last_ack = max((p["last_ack"] for p in parts), default=0.0) or sent_done
    tally_rates = sorted(
        n / max(0.001, closed_at - t0) for p in parts for n in p["tally_frames"]
    )  # per socket, over the voting window up to the close
    tally_times = sorted(t for p in parts for t in p["tally_times"])
    intervals = sorted(b - a for a, b in itertools.pairwise(tally_times))
    busy = (machine_after[0] - machine_before[0]) / max(1, machine_after[1] - machine_before[1])
    server_cpu = cpu_after - cpu_before
    machine_core_seconds = (machine_after[0] - machine_before[0]) / common.CLK_TCK
    other_cpu = machine_core_seconds - self_cpu - (redis_after - redis_before)
    in_flight = sum(p["unanswered"] for p in parts)
    exact = (
        incremental == recount_at_lock
        and stored == archived_view
        and closed_frame in (None, archived_view)
        and (in_flight > 0 or expected == archived_view)
    )
    result.update(
        connect_errors=dict(connect_errors),
        votes_sent=sum(v["sent"] for v in voted),
        send_lateness_max_ms=max(v["send_lateness_max_ms"] for v in voted),
        votes_accepted=accepted,
        accepted_per_second=accepted / max(0.001, last_ack - t0),
        ack_ms_p50=common.pct(acks, 50) / 1000,
        ack_ms_p99=common.pct(acks, 99) / 1000,
        ack_ms_max=(acks[-1] / 1000) if acks else None,
        unanswered=sum(p["unanswered"] for p in parts),
        errors_by_code=dict(errors),
        tally_frames_per_second_per_socket={
            "mean": sum(tally_rates) / len(tally_rates) if tally_rates else None,
            "max": tally_rates[-1] if tally_rates else None,
        },
        tally_interval_ms_min=(intervals[0] * 1000) if intervals else None,
        tally_interval_ms_p50=common.pct(intervals, 50) * 1000 if intervals else None,
        tallies={
            "expected_from_acks": expected,
            "planned": planned_view,
            "incremental_before_close": incremental,
            "recount_at_that_instant": recount_at_lock,
            "stored_recount": stored,
            "archived_results": archived_view,
            "poll_closed_frame": closed_frame,
        },
        exact=exact,
        expected_comparable=in_flight == 0,
        server_cpu_seconds=server_cpu,
        server_cpu_ms_per_vote=(server_cpu / accepted * 1000) if accepted else None,
        redis_cpu_seconds=redis_after - redis_before,
        machine_busy=busy,
        load_cpu_seconds=sum(p["cpu_seconds"] for p in parts),
        other_cpu_seconds=other_cpu,
    )
    return result


def report(r: dict[str, Any]) -> str:
    tally = r["tally_frames_per_second_per_socket"]
    rows = [
        ["measure", "value"],
        ["sockets connected / opened", f"{r['connected']:,} / {r['sockets']:,}"],
        ["connect phase (s)", f"{r['connect_seconds']:.1f}"],
        [
            "refused tickets, redeemed again by the bench",
            ", ".join(f"{k}: {v}" for k, v in r["refused_tickets_redeemed_again"].items()) or "–",
        ],
        ["connect errors", ", ".join(f"{k}: {v}" for k, v in r["connect_errors"].items()) or "0"],
        ["votes planned / sent", f"{r['votes_planned']:,} / {r['votes_sent']:,}"],
        ["votes accepted (acked)", f"{r['votes_accepted']:,}"],
        ["accepted votes/s (target)", f"{r['accepted_per_second']:,.1f} ({r['rate']:g})"],
        [
            "ack latency p50 / p99 / max (ms)",
            f"{r['ack_ms_p50']:,.1f} / {r['ack_ms_p99']:,.1f} / {common.fmt(r['ack_ms_max'])}",
        ],
        ["send lateness max (ms)", common.fmt(r["send_lateness_max_ms"])],
        ["errors by code", ", ".join(f"{k}: {v}" for k, v in r["errors_by_code"].items()) or "0"],
        ["unanswered votes", str(r["unanswered"])],
        [
            "poll.tally frames/s per socket, mean / max",
            f"{common.fmt(tally['mean'], 2)} / {common.fmt(tally['max'], 2)}",
        ],
        [
            "poll.tally interval min / p50 (ms)",
            f"{common.fmt(r['tally_interval_ms_min'], 0)} / {common.fmt(r['tally_interval_ms_p50'], 0)}",
        ],
        [
            "final tally exact (acks = incremental = recount = archived = poll.closed)",
            ("yes" if r["exact"] else "NO")
            + ("" if r["expected_comparable"] else " (acks not comparable: votes unanswered at the close)"),
        ],
        [
            "server CPU (s) / per accepted vote (ms)",
            f"{r['server_cpu_seconds']:.1f} / {common.fmt(r['server_cpu_ms_per_vote'], 2)}",
        ],
        ["Redis CPU (s)", f"{r['redis_cpu_seconds']:.2f}"],
        [
            "machine CPU busy (2 cores) / load processes' CPU (s)",
            f"{r['machine_busy'] * 100:.0f} % / {r['load_cpu_seconds']:.1f}",
        ],
        ["CPU (s) of everything else (PostgreSQL, other users)", f"{r['other_cpu_seconds']:.1f}"],
    ]
    head = (
        f"{r['users']:,} voters ({r['rest_users']:,} over REST) + {r['viewers']} viewers, "
        f"{r['rate']:g} votes/s for {r['duration']:g} s, {r['servers']} × {r['server']}, {r['procs']} load "
        f"processes, path={r['path']} (all share this machine's {os.cpu_count()} cores)"
    )
    lines = [head]
    if r.get("server_env"):
        lines.append("server environment: " + " ".join(f"{k}={v}" for k, v in r["server_env"].items()))
    lines.append(common.table(rows))
    lines.append("tallies (counts by option id, total voters):")
    for name, tally_value in r["tallies"].items():
        lines.append(f"  {name:26} {json.dumps(tally_value)}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=1000.0, help="votes per second")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--users", type=int, default=0, help="voters (default: enough for the planned votes)")
    parser.add_argument("--change", type=float, default=0.1, help="share of votes that change a vote")
    parser.add_argument("--options", type=int, default=4, help="choices in the poll (2-6)")
    parser.add_argument("--viewers", type=int, default=20, help="anonymous viewers watching the tally")
    parser.add_argument("--rest-share", type=float, default=0.0, help="share of voters voting over REST")
    parser.add_argument("--procs", type=int, default=3)
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--server", choices=["daphne", "uvicorn"], default="daphne")
    parser.add_argument("--path", choices=["fanout"], default="fanout", help="the one delivery path")
    parser.add_argument("--connect-rate", type=float, default=100.0, help="new sockets per second, in total")
    parser.add_argument("--max-pending", type=int, default=20, help="handshakes in flight per load process")
    parser.add_argument("--settle", type=float, default=3.0)
    parser.add_argument("--drain", type=float, default=60.0, help="seconds to wait for the last acks")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment of the servers",
    )
    parser.add_argument("--py-spy", help="path of a py-spy binary: profile server 0 during the voting window")
    parser.add_argument("--json")
    options = parser.parse_args()
    common.sigterm_as_interrupt()
    result = run(options)
    print(report(result))
    if options.json:
        Path(options.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
