"""Who takes part, by group, so that no one can be singled out.

Rules (docs/evaluation.md, "Privacy"):

- Figures by group are marginal tables only (gender; age; arrondissement; disability), never crossed.
- Every cell under ``EVALUATION_MIN_CELL`` (10) people is suppressed, zeros included.
- The table's total is public (the number of participants), so a single suppressed cell could be
  recovered by subtraction: then the smallest cell still shown is suppressed too (complementary
  suppression). When the total itself is under the threshold, every cell is suppressed.
- Tables cover a closed period only (a finished year, or the last finished quarter of the current
  one), so that a person taking part today changes no figure anyone can watch move.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Cell:
    key: str
    count: int | None  # None: suppressed

    @property
    def suppressed(self) -> bool:
        return self.count is None


def minimum() -> int:
    return int(settings.EVALUATION_MIN_CELL)


def suppress(counts: Iterable[tuple[str, int]], *, total_public: bool = True) -> list[Cell]:
    """The cells to show: under the threshold suppressed, plus the complementary cell when the
    total is public and only one cell was suppressed."""
    rows = list(counts)
    floor = minimum()
    total = sum(n for _, n in rows)
    if total < floor:
        return [Cell(key, None) for key, _ in rows]
    hidden = {key for key, n in rows if n < floor}
    if total_public and len(hidden) == 1:
        shown = sorted(((n, key) for key, n in rows if key not in hidden))
        if shown:
            hidden.add(shown[0][1])
    return [Cell(key, None if key in hidden else n) for key, n in rows]


def as_json(cells: list[Cell]) -> list[dict[str, object]]:
    return [{"key": c.key, "count": c.count, "suppressed": c.suppressed} for c in cells]
