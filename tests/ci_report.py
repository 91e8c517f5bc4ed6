"""Checks .ci/run makes of the two test passes, from the report each pass writes (``var/test-report.json``).

    python -m tests.ci_report embedded REPORT            # after the pass with no variables
    python -m tests.ci_report services REPORT EMBEDDED   # after the PostgreSQL + Redis pass

The embedded pass may skip only tests that need PostgreSQL or Redis (a missing browser, or any
other reason, is a failure); the services pass may skip nothing, and every test the embedded pass
skipped must have passed there. Each check prints the pass's counts.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ACCEPTED_IN_EMBEDDED = ("needs PostgreSQL", "needs Redis")


def _load(path: str) -> dict:
    return json.loads(Path(path).read_text())


def _summary(name: str, report: dict) -> str:
    counts = Counter(entry["outcome"] for entry in report["tests"].values())
    parts = ", ".join(f"{counts[k]} {k}" for k in ("passed", "failed", "error", "skipped") if counts[k])
    return f"{name} ({report['database']}, {report['channel_layer']}): {len(report['tests'])} tests: {parts}"


def embedded(path: str) -> int:
    report = _load(path)
    print(_summary("embedded pass", report))
    bad = {
        nodeid: entry.get("reason", "")
        for nodeid, entry in report["tests"].items()
        if entry["outcome"] == "skipped"
        and not any(need in entry.get("reason", "") for need in ACCEPTED_IN_EMBEDDED)
    }
    if report["database"] != "sqlite3" or report["channel_layer"] != "InMemoryChannelLayer":
        print("the embedded pass did not run on SQLite and the in-memory layer", file=sys.stderr)
        return 1
    for nodeid, reason in sorted(bad.items()):
        print(f"skipped without a service reason: {nodeid}: {reason}", file=sys.stderr)
    needs = Counter(
        next(need for need in ACCEPTED_IN_EMBEDDED if need in entry.get("reason", ""))
        for nodeid, entry in report["tests"].items()
        if entry["outcome"] == "skipped" and nodeid not in bad
    )
    for reason, count in sorted(needs.items()):
        print(f"  {count} skipped: {reason} (they run in the services pass)")
    return 1 if bad else 0


def services(path: str, embedded_path: str) -> int:
    report, first = _load(path), _load(embedded_path)
    print(_summary("services pass", report))
    if report["database"] != "postgresql" or report["channel_layer"] != "RedisChannelLayer":
        print("the services pass did not run on PostgreSQL and the Redis layer", file=sys.stderr)
        return 1
    missing = [
        nodeid
        for nodeid, entry in first["tests"].items()
        if entry["outcome"] == "skipped" and report["tests"].get(nodeid, {}).get("outcome") != "passed"
    ]
    for nodeid in missing:
        print(f"skipped in the embedded pass and not passed here: {nodeid}", file=sys.stderr)
    return 1 if missing else 0


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "embedded":
        return embedded(argv[1])
    if len(argv) >= 3 and argv[0] == "services":
        return services(argv[1], argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
