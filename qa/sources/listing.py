"""The profile listing (a researcher's profile page copied as text).

A header with profile facts, then entries: ``<CATEGORY><DATE>[Code]``, title,
authors (``et al.``, ``· affiliations``) and abstract, separated by blank lines.
"""
from __future__ import annotations

import re

from ..papers import Paper, Profile, make_paper_id
from .common import ET_AL, Entry, Problem
from .common import dedupe, iso_date, month_number, sorted_strs, split_lines
from .latex import LatexError, convert, latex_to_text

# Entry header, e.g. "AIJan 10, 2023", "LGAug 17, 2017Code", "LGFeb 4Code".
# Month and numbers are matched loosely so that "LGFoo 99, 2020" is still
# recognised as a header and reported as a bad date rather than swallowed
# into the previous entry's abstract.
_ENTRY_RE = re.compile(
    r"^(?P<cat>[A-Z]{2,5}?)(?P<mon>[A-Z][a-z]{2,8})\.?\s*(?P<day>\d{1,4})"
    r"(?:\s*,\s*(?P<year>\d{1,4}))?\s*(?P<code>Code)?$"
)
_HEADER_EXAMPLE = "an entry header like 'LGJan 10, 2023'"
# Needs a space before the dot: Catalan names ("Marcel·lí") contain one.
_AFFIL_SEP = re.compile(r"\s+[·•]\s*")
_NAME_PARTICLES = {"de", "da", "das", "do", "dos", "du", "van", "von", "der", "den",
                   "del", "della", "di", "le", "la", "bin", "ibn", "al", "el", "y",
                   "zu", "ter", "ten", "st."}

_H_INDEX = re.compile(r"^h-?index\s*:?\s*(\d+)$", re.I)
_PAPERS = re.compile(r"^([\d,]+)\s*papers?$", re.I)
_CITATIONS = re.compile(r"^([\d,]+)\s*citations?$", re.I)
_NOVELTY = re.compile(r"^novelty\s*:?\s*(\S.*)$", re.I)
_AI_SCORE = re.compile(r"^ai\s*score\s*:?\s*(\S.*)$", re.I)
_PRIMARY_CAT = re.compile(r"^[A-Z]{2,5}$")
_LABEL_VALUE = re.compile(r"^(?P<label>[A-Za-z][A-Za-z .\-]*?)\s*:?\s*(?P<value>[\d.,]+%?)$")
_VALUE_LABEL = re.compile(r"^(?P<value>[\d.,]+%?)\s*(?P<label>[A-Za-z][A-Za-z .\-]*)$")


def _looks_like_authors(text: str) -> bool:
    """Heuristic for the authors line, used only when an entry is missing a
    block and we must tell which one it is."""
    if _AFFIL_SEP.search(text) or ET_AL.search(text):
        return True
    if len(text) > 400:
        return False
    for name in text.split(","):
        words = name.split()
        if not 1 <= len(words) <= 5:
            return False
        for w in words:
            if w.lower() in _NAME_PARTICLES:
                continue
            if not (w[0].isupper() and re.fullmatch(r"[^\W\d_][\w.'’\-]*", w)):
                return False
    return True


def _parse_authors_line(text: str) -> tuple[list[str], bool, list[str]]:
    """'A, B, C et al. · aff1, aff2' -> (['A', 'B', 'C'], True, ['aff1', 'aff2'])."""
    people, affil = (_AFFIL_SEP.split(text, maxsplit=1) + [""])[:2]
    truncated = bool(ET_AL.search(people))
    people = ET_AL.sub("", people)
    authors = [a.strip() for a in people.split(",") if a.strip()]
    affiliations = [a.strip() for a in affil.split(",") if a.strip()]
    return authors, truncated, affiliations


def _parse_profile(lines: list[tuple[int, str]], origin: str) -> tuple[Profile, list[Problem]]:
    """Header lines before the first entry -> Profile; tolerant of any subset."""
    values: dict = {}
    extra: dict = {}
    problems: list[Problem] = []
    for lineno, text in lines:
        if m := _H_INDEX.match(text):
            values.setdefault("h_index", int(m[1]))
        elif m := _PAPERS.match(text):
            n = int(m[1].replace(",", ""))
            # "56papers" (claimed) and the "56 Papers" list heading normally agree.
            if values.setdefault("papers_claimed", n) != n:
                extra["papers listed"] = n
        elif m := _CITATIONS.match(text):
            values.setdefault("citations", int(m[1].replace(",", "")))
        elif m := _NOVELTY.match(text):
            values.setdefault("novelty", m[1].strip())
        elif m := _AI_SCORE.match(text):
            values.setdefault("ai_score", m[1].strip())
        elif _PRIMARY_CAT.match(text) and "primary_category" not in values:
            values["primary_category"] = text
        elif len(text) > 120:
            # A header line is short; prose here means entries we could not
            # recognise (e.g. a mangled first entry header).
            problems.append(Problem(origin, lineno,
                                     f"unexpected text before the first entry: {text[:40]!r}..."))
        elif lineno == lines[0][0] and not re.search(r"\d", text):
            # Only the very first header line can be the researcher's name.
            values["name"] = text
        elif m := (_LABEL_VALUE.match(text) or _VALUE_LABEL.match(text)):
            extra[m["label"].strip()] = m["value"]
        else:
            extra[f"line {lineno}"] = text
    return Profile(**values, extra=extra), problems


def listing_entries(text: str, listing_year: int, origin: str
                     ) -> tuple[list[Entry], Profile, list[Problem]]:
    lines = split_lines(text)
    headers: list[int] = []  # 0-based indices of entry header lines
    for i, line in enumerate(lines):
        m = _ENTRY_RE.match(line)
        if not m:
            continue
        # A loosely matching line right after a header is that entry's title
        # (a title such as "BERTology 2" must not start a new entry).
        if headers and headers[-1] == i - 1 and not month_number(m["mon"]):
            continue
        headers.append(i)

    first_entry = headers[0] if headers else len(lines)
    header_lines = [(i + 1, line) for i, line in enumerate(lines[:first_entry]) if line]
    profile, problems = _parse_profile(header_lines, origin)
    if not headers and any(lines):
        problems.append(Problem(origin, None, f"no entries found (expected {_HEADER_EXAMPLE})"))

    entries: list[Entry] = []
    for k, start in enumerate(headers):
        end = headers[k + 1] if k + 1 < len(headers) else len(lines)
        entry, entry_problems = _listing_entry(lines, start, end, k + 1 == len(headers), listing_year, origin)
        problems.extend(entry_problems)
        if entry:
            entries.append(entry)
    return entries, profile, problems


def _listing_entry(lines: list[str], start: int, end: int, is_last: bool,
                   listing_year: int, origin: str) -> tuple[Entry | None, list[Problem]]:
    lineno = start + 1
    m = _ENTRY_RE.match(lines[start])
    problems: list[Problem] = []
    issues: list[str] = []

    # Blocks are runs of non-blank lines; extra blank lines are harmless and a
    # wrapped block (e.g. an abstract over several lines) is joined by spaces.
    blocks: list[tuple[int, str]] = []
    run: list[str] = []
    for i in range(start + 1, end + 1):
        if i < end and lines[i]:
            if not run:
                run_start = i + 1
            run.append(lines[i])
        elif run:
            blocks.append((run_start, " ".join(run)))
            run = []

    title = authors_text = abstract = ""
    texts = [b[1] for b in blocks]
    if len(texts) >= 3:
        title, authors_text, abstract = texts[:3]
        for extra_line, extra_text in blocks[3:]:
            problems.append(Problem(origin, extra_line,
                                     f"unexpected text (expected {_HEADER_EXAMPLE}): {extra_text[:40]!r}"))
    elif len(texts) == 2:
        # One block is missing; work out which from the shape of the others.
        if _looks_like_authors(texts[1]):
            title, authors_text = texts
        elif _looks_like_authors(texts[0]):
            authors_text, abstract = texts
        else:
            title, abstract = texts
    elif len(texts) == 1:
        if _looks_like_authors(texts[0]):
            authors_text = texts[0]
        else:
            title = texts[0]

    raw_date = f"{m['mon']} {m['day']}" + (f", {m['year']}" if m["year"] else "")
    month = month_number(m["mon"])
    year = int(m["year"]) if m["year"] else listing_year
    date = iso_date(year, month, int(m["day"])) if month and 1000 <= year <= 9999 else None
    if date is None:
        issues.append(f"unparseable date {raw_date!r}")
    if not title:
        issues.append("entry has no title")
    if not abstract:
        issues.append("truncated entry at end of file (no abstract)" if is_last else "entry has no abstract")
    if issues:
        return None, [Problem(origin, lineno, "; ".join(issues))] + problems

    try:
        title = latex_to_text(title, plain=True)
        abstract, abstract_latex = convert(abstract, plain=True)
    except LatexError as exc:
        return None, [Problem(origin, lineno, str(exc))] + problems
    authors, truncated, affiliations = _parse_authors_line(authors_text) if authors_text else ([], False, [])
    paper = Paper(
        paper_id=make_paper_id(title, year, authors[0] if authors else ""),
        title=title, authors=authors, authors_truncated=truncated,
        affiliations=affiliations, category=m["cat"], date=date, year=year,
        has_code=bool(m["code"]), abstract=abstract, abstract_latex=abstract_latex, year_given=bool(m["year"]),
    )
    return Entry(paper, origin, lineno), problems


def parse_listing(text: str, *, listing_year: int = 2026, origin: str = "<listing>"
                  ) -> tuple[list[Paper], Profile, list[str]]:
    """Parse a profile listing. Entries without a year get `listing_year`."""
    entries, profile, problems = listing_entries(text, listing_year, origin)
    papers, dups = dedupe(entries)
    return papers, profile, sorted_strs(problems + dups)

