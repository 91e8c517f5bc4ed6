"""How fast the council's record reaches the people watching: the secretary-general's roll call,
motion and votes, from the click to every viewer's socket.

Stack: one production web server (``manage.py serve``'s uvicorn command line), its own PostgreSQL
database (``cp_bench_live``) and Redis database (9), as ``bench/live_fanout.py``.

1. Creates a council of ``--members`` members in Cotonou (49, its real size), its secretary-general
   with an API token, and a fresh LIVE ordinary session.
2. Opens ``--viewers`` anonymous websockets on the session (the page's socket, with its Origin).
3. As the secretary-general, over the REST API (what the desk and a mobile client call): the roll
   call (all present but three: one excused, one represented by proxy, one absent), the absent
   one arriving late, a motion opened, the named
   votes in ``--batches`` batches (as the desk records them: a table of members, one submit), the
   close; then a secret-ballot motion with its counts and its close.
4. For each write, the time from just before the request to the moment each viewer received the
   event it appended (matched by ``seq``: each write appends exactly one event); and checks that
   every viewer received every event once, in order.

Prints per write kind: viewers reached, p50 / p95 / max latency (ms), and the missing or duplicate
events (must be 0). The load (viewers) shares the machine's cores with the server, PostgreSQL and
Redis.

Usage:
    .venv/bin/python bench/council_live.py                 # 49 members, 500 viewers
    .venv/bin/python bench/council_live.py --viewers 2000
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import itertools
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _live_common as common


def setup(members: int) -> dict[str, Any]:
    """The council, its secretary-general and a fresh live session (Django, in this process)."""
    from django.utils import timezone

    from council.models import CouncilMember, CouncilRole
    from hub.models import Commune, Membership, Role, User
    from hub.services.accounts import api_token_create
    from sessions_live.models import LiveSession

    commune = Commune.objects.get(slug="cotonou")
    Commune.objects.filter(pk=commune.pk).update(is_enabled=True)
    start = timezone.localdate() - datetime.timedelta(days=400)
    have = list(
        CouncilMember.objects.filter(commune=commune, full_name__startswith="Bench ").in_office(
            timezone.localdate()
        )
    )
    for n in range(len(have), members):
        have.append(
            CouncilMember.objects.create(
                commune=commune,
                full_name=f"Bench Conseiller {n:03d}",
                role=CouncilRole.MAYOR if n == 0 else CouncilRole.COUNCILLOR,
                mandate_start=start,
            )
        )
    have = have[:members]
    secretary, _ = User.objects.get_or_create(
        email="bench-sg@bench.bj", defaults={"display_name": "SG bench"}
    )
    Membership.objects.get_or_create(user=secretary, commune=commune, role=Role.SECRETARY_GENERAL)
    session = LiveSession.objects.create(
        commune=commune,
        kind="ordinary",
        title="Session ordinaire (bench)",
        starts_at=timezone.now(),
        status="live",
        started_at=timezone.now(),
    )
    token = api_token_create(user=secretary, device_name="bench").key
    return {"session": session.pk, "members": [m.pk for m in have], "token": token}


class Viewers:
    """``count`` websockets on the session; each records (seq, receive time) of every event frame."""

    def __init__(self, url: str, count: int) -> None:
        self.url, self.count = url, count
        self.received: list[list[tuple[int, float]]] = [[] for _ in range(count)]
        self.ready = 0
        self.tasks: list[asyncio.Task[None]] = []
        self.stop = asyncio.Event()

    async def _one(self, index: int) -> None:
        from websockets.asyncio.client import connect

        got = self.received[index]
        async with connect(
            self.url, origin=common.page_origin(self.url), open_timeout=60, max_queue=None
        ) as ws:
            hello = json.loads(await ws.recv())
            assert hello["type"] == "hello", hello
            self.ready += 1
            while not self.stop.is_set():
                try:
                    text = await asyncio.wait_for(ws.recv(), 0.5)
                except TimeoutError:
                    continue
                now = time.perf_counter()
                message = json.loads(text)
                frames = message["frames"] if message.get("type") == "batch" else [message]
                got.extend((frame["seq"], now) for frame in frames if frame.get("type") == "event")

    async def open(self) -> None:
        for start in range(0, self.count, 100):  # in waves, as a room fills
            self.tasks += [
                asyncio.create_task(self._one(i)) for i in range(start, min(start + 100, self.count))
            ]
            while self.ready < min(start + 100, self.count):
                await asyncio.sleep(0.05)
                for task in self.tasks:
                    if task.done() and task.exception():
                        raise task.exception()  # type: ignore[misc]

    async def close(self) -> None:
        self.stop.set()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def run(base: str, data: dict[str, Any], viewers_count: int, batches: int) -> None:
    import httpx

    session, members, token = data["session"], data["members"], data["token"]
    viewers = Viewers(base.replace("http://", "ws://") + f"/ws/sessions/{session}/", viewers_count)
    t = time.perf_counter()
    await viewers.open()
    print(f"{viewers_count} viewers connected in {time.perf_counter() - t:.1f} s")
    writes: list[tuple[str, float]] = []  # (kind, time just before the request): one event each
    async with httpx.AsyncClient(
        base_url=f"{base}/api/v1/", headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as api:

        async def write(kind: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
            started = time.perf_counter()
            response = await api.request(method, path, json=body)
            assert response.is_success, (path, response.status_code, response.text)
            writes.append((kind, started))
            await asyncio.sleep(0.3)  # the secretary's pace: not back-to-back requests
            return response.json() if response.content else None

        # Warm the server (its first request imports and connects) as a real desk has by then.
        for path in (f"sessions/{session}/council/", f"sessions/{session}/motions/"):
            assert (await api.get(path)).is_success
        entries = [{"member": m, "status": "present"} for m in members[:-3]]
        entries += [{"member": members[-3], "status": "absent"}]
        entries += [
            {"member": members[-2], "status": "excused"},
            {"member": members[-1], "status": "proxy", "proxy_holder": members[1]},
        ]
        await write("roll call (all lines)", "POST", f"sessions/{session}/attendance/", {"entries": entries})
        late = {"entries": [{"member": members[-3], "status": "late"}]}
        await write("late arrival (1 line)", "POST", f"sessions/{session}/attendance/", late)
        motion = await write(
            "motion opened", "POST", f"sessions/{session}/motions/", {"title": "Budget primitif 2027"}
        )
        voters = [m for m in members if m != members[-2]]
        size = -(-len(voters) // batches)
        for n in range(0, len(voters), size):
            votes = [
                {"member": m, "choice": ("for", "against", "abstain")[i % 3 if i % 5 else 0]}
                for i, m in enumerate(voters[n : n + size], n)
            ]
            await write("named votes", "POST", f"motions/{motion['id']}/votes/", {"votes": votes})
        await write("motion closed", "POST", f"motions/{motion['id']}/close/")
        secret = await write(
            "motion opened",
            "POST",
            f"sessions/{session}/motions/",
            {"title": "Désignation (scrutin secret)", "secret": True},
        )
        await write(
            "secret counts",
            "POST",
            f"motions/{secret['id']}/counts/",
            {"for": 20, "against": 25, "abstain": 2},
        )
        await write("motion closed", "POST", f"motions/{secret['id']}/close/")
    await asyncio.sleep(2)
    await viewers.close()
    report(writes, viewers.received)


def report(writes: list[tuple[str, float]], received: list[list[tuple[int, float]]]) -> None:
    first = min((seq for got in received for seq, _ in got), default=1)
    latencies: dict[str, list[float]] = defaultdict(list)
    missing = duplicates = disorder = 0
    for got in received:
        seqs = [seq for seq, _ in got]
        duplicates += len(seqs) - len(set(seqs))
        disorder += sum(1 for a, b in itertools.pairwise(seqs) if b <= a)
        at = dict(got)
        for offset, (kind, started) in enumerate(writes):
            if first + offset in at:
                latencies[kind].append((at[first + offset] - started) * 1000)
            else:
                missing += 1
    rows = [["write", "events", "deliveries", "p50 ms", "p95 ms", "max ms"]]
    for kind in dict.fromkeys(kind for kind, _ in writes):
        values = sorted(latencies[kind])
        count = sum(1 for k, _ in writes if k == kind)
        rows.append(
            [
                kind,
                str(count),
                str(len(values)),
                common.fmt(common.pct(values, 50)),
                common.fmt(common.pct(values, 95)),
                common.fmt(values[-1] if values else None),
            ]
        )
    everything = sorted(v for values in latencies.values() for v in values)
    rows.append(
        [
            "all",
            str(len(writes)),
            str(len(everything)),
            common.fmt(common.pct(everything, 50)),
            common.fmt(common.pct(everything, 95)),
            common.fmt(everything[-1] if everything else None),
        ]
    )
    print(common.table(rows))
    print(
        f"viewers: {len(received)}; missing events: {missing}; duplicates: {duplicates}; "
        f"out of order: {disorder}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--viewers", type=int, default=500)
    parser.add_argument("--members", type=int, default=49)
    parser.add_argument("--batches", type=int, default=4, help="named votes recorded in this many submits")
    parser.add_argument("--server", default="uvicorn", choices=["uvicorn", "daphne"])
    args = parser.parse_args()
    common.sigterm_as_interrupt()
    common.raise_fd_limit()
    env = common.bench_environ()
    common.django_ready()
    data = setup(args.members)
    with common.Processes() as procs:
        [(_pid, port)] = common.start_servers(procs, args.server, 1, env)
        asyncio.run(run(f"http://127.0.0.1:{port}", data, args.viewers, args.batches))


if __name__ == "__main__":
    main()
