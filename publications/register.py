"""The list of legally expected publications, kept in data (``data/expected_publications.json``).

Each entry says which document type a commune must publish for a fiscal year, how many, and by
when. The file is read again whenever it changes, so a correction needs no deployment of code.
The format is described in ``docs/publications.md``.
"""

from __future__ import annotations

import datetime
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from publications.models import DocumentType

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "expected_publications.json"


@dataclass(frozen=True)
class ExpectedPublication:
    type: str
    count: int
    due_year_offset: int
    due_month: int
    due_day: int
    legal_basis: str = ""
    from_year: int | None = None
    until_year: int | None = None

    def applies_to(self, fiscal_year: int) -> bool:
        return (self.from_year is None or fiscal_year >= self.from_year) and (
            self.until_year is None or fiscal_year <= self.until_year
        )

    def due_date(self, fiscal_year: int) -> datetime.date:
        year = fiscal_year + self.due_year_offset
        # 29 February falls back to the 28th in ordinary years.
        day = (
            min(self.due_day, 28) if (self.due_month, self.due_day) == (2, 29) and year % 4 else self.due_day
        )
        return datetime.date(year, self.due_month, day)


def register_path() -> Path:
    return Path(settings.PUBLICATIONS_REGISTER_PATH or DEFAULT_PATH)


def _entry(raw: Any, index: int) -> ExpectedPublication:
    where = f"expected publication #{index + 1}"
    if not isinstance(raw, dict):
        raise ImproperlyConfigured(f"{where}: an object is expected")
    unknown = set(raw) - {f for f in ExpectedPublication.__dataclass_fields__}
    if unknown:
        raise ImproperlyConfigured(f"{where}: unknown keys {sorted(unknown)}")
    try:
        entry = ExpectedPublication(
            type=str(raw["type"]),
            count=int(raw.get("count", 1)),
            due_year_offset=int(raw["due_year_offset"]),
            due_month=int(raw["due_month"]),
            due_day=int(raw["due_day"]),
            legal_basis=str(raw.get("legal_basis", "")),
            from_year=int(raw["from_year"]) if raw.get("from_year") is not None else None,
            until_year=int(raw["until_year"]) if raw.get("until_year") is not None else None,
        )
        entry.due_date(2000)  # a leap year: 29 February is accepted
    except (KeyError, TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"{where}: {exc!r}") from exc
    if entry.type not in DocumentType.values:
        raise ImproperlyConfigured(f"{where}: unknown document type {entry.type!r}")
    if not 1 <= entry.count <= 50 or not -2 <= entry.due_year_offset <= 3:
        raise ImproperlyConfigured(f"{where}: count or due_year_offset out of range")
    return entry


@functools.lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> tuple[ExpectedPublication, ...]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ImproperlyConfigured(f"cannot read the publication register {path}: {exc}") from exc
    entries = data.get("expected") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ImproperlyConfigured(f"{path}: an object with an 'expected' list is expected")
    loaded = tuple(_entry(raw, index) for index, raw in enumerate(entries))
    if len({entry.type for entry in loaded}) != len(loaded):
        raise ImproperlyConfigured(f"{path}: a document type is listed twice")
    return loaded


def expected_publications(path: Path | None = None) -> tuple[ExpectedPublication, ...]:
    path = path or register_path()
    return _load(str(path), path.stat().st_mtime if path.exists() else 0.0)


def first_fiscal_year() -> int:
    years = [entry.from_year for entry in expected_publications() if entry.from_year]
    return min(years) if years else 2020
