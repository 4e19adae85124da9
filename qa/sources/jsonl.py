"""JSONL: one paper record per line (also the export format).

A ``{"profile": {...}}`` line carries the collection's profile facts. An
exported record has the converted ``abstract`` and the source's LaTeX in
``abstract_latex``; reading it back keeps both, so an export round-trips exactly.
"""
from __future__ import annotations

import json
import re

from ..papers import Paper, Profile, make_paper_id
from .common import ET_AL, Entry, Problem
from .common import dedupe, parse_iso, sorted_strs, split_lines
from .latex import LatexError, convert, latex_to_text

def _split_names(text: str) -> tuple[list[str], bool]:
    """'A, B and C et al.' -> (['A', 'B', 'C'], True)."""
    truncated = bool(ET_AL.search(text.strip()))
    text = ET_AL.sub("", text.strip())
    names = re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+", text)
    return [n.strip() for n in names if n.strip()], truncated


def _str_list(value, name: str, issues: list[str]) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    issues.append(f"field {name!r} must be a list of strings")
    return None


def _paper_from_json(obj: dict) -> tuple[Paper | None, list[str]]:
    issues: list[str] = []
    missing = [f for f in ("title", "abstract") if not (isinstance(obj.get(f), str) and obj[f].strip())]
    if obj.get("year") in (None, "") and obj.get("date") in (None, ""):
        missing.append("year or date")
    if missing:
        issues.append("missing field(s): " + ", ".join(missing))

    year = obj.get("year")
    if year not in (None, ""):
        if isinstance(year, str) and year.strip().isdigit():
            year = int(year)
        if not isinstance(year, int) or isinstance(year, bool):
            issues.append(f"field 'year' must be an integer, got {year!r}")
            year = None
    else:
        year = None

    date = obj.get("date")
    if date not in (None, ""):
        iso = parse_iso(str(date))
        if not iso:
            issues.append(f"field 'date' must be YYYY-MM-DD, got {date!r}")
        elif year is not None and int(iso[:4]) != year:
            issues.append(f"year {year} does not match date {iso}")
        else:
            date, year = iso, int(iso[:4])
    elif year is not None:
        date = f"{year:04d}"

    authors, truncated = obj.get("authors"), obj.get("authors_truncated")
    if isinstance(authors, str):
        authors, was_truncated = _split_names(authors)
        truncated = truncated if truncated is not None else was_truncated
    else:
        authors = _str_list(authors, "authors", issues)
    affiliations = _str_list(obj.get("affiliations"), "affiliations", issues)
    for name in ("authors_truncated", "has_code", "code"):
        if obj.get(name) is not None and not isinstance(obj[name], bool):
            issues.append(f"field {name!r} must be true or false")
    for name in ("category", "url", "eprint", "paper_id", "abstract_latex"):
        if obj.get(name) is not None and not isinstance(obj[name], str):
            issues.append(f"field {name!r} must be a string")
    if issues:
        return None, issues

    try:
        title = latex_to_text(obj["title"], plain=True)
        abstract, abstract_latex = convert(obj["abstract"], plain=True)
    except LatexError as exc:
        return None, [str(exc)]
    if obj.get("abstract_latex"):
        # An export's text is already converted (which costs nothing to check
        # again); its original is kept as written rather than parsed again.
        abstract_latex = " ".join(obj["abstract_latex"].split())
    return Paper(
        paper_id=obj.get("paper_id") or make_paper_id(title, year, authors[0] if authors else ""),
        title=title, authors=authors, authors_truncated=bool(truncated),
        affiliations=affiliations, category=obj.get("category") or "",
        # "code" is what people write as often as the export's "has_code"
        date=date, year=year, has_code=bool(obj["has_code"] if obj.get("has_code") is not None else obj.get("code")),
        abstract=abstract, abstract_latex=abstract_latex, url=obj.get("url") or "", eprint=obj.get("eprint") or "",
        year_given=obj.get("year_given") is not False,  # an export of a listing's "Feb 4" keeps saying so
    ), []


def jsonl_entries(text: str, origin: str) -> tuple[list[Entry], Profile, list[Problem]]:
    entries: list[Entry] = []
    problems: list[Problem] = []
    profile = Profile()
    for lineno, line in enumerate(split_lines(text), start=1):
        if not line:
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(origin, lineno, f"invalid JSON ({exc.msg} at column {exc.colno})"))
            continue
        if not isinstance(obj, dict):
            problems.append(Problem(origin, lineno, f"expected a JSON object, got {type(obj).__name__}"))
            continue
        if set(obj) == {"profile"}:
            if isinstance(obj["profile"], dict):
                profile = Profile.from_dict(obj["profile"])
            else:
                problems.append(Problem(origin, lineno, "'profile' must be an object"))
            continue
        paper, issues = _paper_from_json(obj)
        if paper:
            entries.append(Entry(paper, origin, lineno))
        else:
            problems.append(Problem(origin, lineno, "; ".join(issues)))
    return entries, profile, problems


def read_jsonl(text: str, *, origin: str = "<jsonl>") -> tuple[list[Paper], Profile, list[str]]:
    """Like `parse_jsonl`, but also returns the `{"profile": ...}` line's Profile."""
    entries, profile, problems = jsonl_entries(text, origin)
    papers, dups = dedupe(entries)
    return papers, profile, sorted_strs(problems + dups)


def parse_jsonl(text: str, *, origin: str = "<jsonl>") -> tuple[list[Paper], list[str]]:
    papers, _profile, problems = read_jsonl(text, origin=origin)
    return papers, problems


def dump_jsonl(papers: list[Paper], profile: Profile | None = None) -> str:
    lines = [json.dumps({"profile": profile.to_dict()}, ensure_ascii=False)] if profile is not None else []
    lines += [json.dumps(p.to_dict(), ensure_ascii=False) for p in papers]
    return "".join(line + "\n" for line in lines)

