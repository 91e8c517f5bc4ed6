"""Who takes part, by group, so that no one can be singled out.

Rules (docs/evaluation.md, "Privacy"):

- Figures by group are marginal tables only (gender; age; arrondissement; disability), never crossed.
- Every cell under ``EVALUATION_MIN_CELL`` (10) people is suppressed, zeros included.
- The table's total is public (the number of participants), so the suppressed cells' sum is public
  too (the total minus the cells shown): a single suppressed cell would be given back by
  subtraction, and several whose sum is 0 would all be known to be 0. So the smallest cells still
  shown are suppressed too (complementary suppression), until at least two cells are suppressed and
  together they hold at least the threshold. When the total itself is under the threshold, every
  cell is suppressed.
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
    """The cells to show: those under the threshold suppressed and, when the total is public, the
    smallest shown cells with them until the suppressed cells are at least two and together hold at
    least the threshold (their sum is the total minus what is shown: it must give no one back)."""
    rows = list(counts)
    floor = minimum()
    total = sum(n for _, n in rows)
    if total < floor:
        return [Cell(key, None) for key, _ in rows]
    hidden = {key for key, n in rows if n < floor}
    if total_public and hidden:
        hidden_sum = sum(n for key, n in rows if key in hidden)
        shown = sorted((n, key) for key, n in rows if key not in hidden)
        while shown and (len(hidden) < 2 or hidden_sum < floor):
            n, key = shown.pop(0)
            hidden.add(key)
            hidden_sum += n
    return [Cell(key, None if key in hidden else n) for key, n in rows]


def as_json(cells: list[Cell]) -> list[dict[str, object]]:
    return [{"key": c.key, "count": c.count, "suppressed": c.suppressed} for c in cells]
