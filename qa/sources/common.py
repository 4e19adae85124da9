"""What every reader shares: problems with line numbers, duplicates, dates.

Every reader collects *problems* (``"origin:line: message"``) instead of
failing on the first bad entry, so that a user sees everything to fix at once;
`load_sources` then either raises one `SourceError` carrying all of them or,
with ``skip_invalid``, keeps the good entries and reports the rest as skipped.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field

from ..papers import Paper, Profile

MONTHS = ["january", "february", "march", "april", "may", "june", "july",
          "august", "september", "october", "november", "december"]
ET_AL = re.compile(r",?\s*et\s+al\.?$")


@dataclass
class LoadResult:
    papers: list[Paper]
    profile: Profile
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Problem:
    origin: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.origin}:{self.line}" if self.line else self.origin
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Entry:
    """A parsed paper plus where it came from (for duplicate reports)."""
    paper: Paper
    origin: str
    line: int


def month_number(text: str) -> int | None:
    """'jan', 'Jan.', 'Sept', 'January', '1', '01' -> 1..12; else None."""
    t = text.strip().rstrip(".").lower()
    if t.isdigit():
        n = int(t)
        return n if 1 <= n <= 12 else None
    if len(t) >= 3:
        for i, name in enumerate(MONTHS):
            if name.startswith(t):
                return i + 1
    return None


def iso_date(year: int, month: int | None = None, day: int | None = None) -> str | None:
    """"YYYY-MM-DD", "YYYY-MM" or "YYYY": as precise as the source, never a day or month it did not give."""
    try:
        full = _dt.date(year, month or 1, day or 1).isoformat()
    except ValueError:
        return None
    if day is not None and month is None:
        return None
    return full if day is not None else full[:7] if month is not None else full[:4]


def parse_iso(text: str) -> str | None:
    """An ISO date written "YYYY", "YYYY-M(M)" or "YYYY-M(M)-D(D)", kept at that precision; None if it is not one."""
    m = re.fullmatch(r"\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?\s*", text)
    return m and iso_date(int(m[1]), int(m[2]) if m[2] else None, int(m[3]) if m[3] else None)


def collapse(text: str) -> str:
    return " ".join(text.split())


def split_lines(text: str) -> list[str]:
    # Not str.splitlines(): that also splits on \x0c, \u2028 etc., which can
    # legitimately occur inside an abstract and would shift line numbers.
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return [line.strip() for line in text.split("\n")]


def dedupe(entries: list[Entry]) -> tuple[list[Paper], list[Problem]]:
    """Keep the first of each paper_id.

    An identical repeat (e.g. the same file listed twice, or a listing and its
    own JSONL export) is dropped silently; a repeat with different content is
    a conflict the user must resolve, so it is reported.
    """
    first: dict[str, Entry] = {}
    papers: list[Paper] = []
    problems: list[Problem] = []
    for entry in entries:
        seen = first.get(entry.paper.paper_id)
        if seen is None:
            first[entry.paper.paper_id] = entry
            papers.append(entry.paper)
        elif seen.paper != entry.paper:
            at = f"line {seen.line}" if seen.origin == entry.origin else f"{seen.origin}:{seen.line}"
            problems.append(Problem(entry.origin, entry.line,
                                    f'duplicate entry for "{collapse(entry.paper.title)}" (first at {at})'))
    return papers, problems


def sorted_strs(problems: list[Problem]) -> list[str]:
    return [str(p) for p in sorted(problems, key=lambda p: p.line or 0)]
