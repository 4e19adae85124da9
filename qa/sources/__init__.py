"""Parse source files (profile listing, JSONL, BibTeX) into `Paper` records.

One reader per format (`listing`, `jsonl`, `bibtex`), the shared plumbing in
`common`, and LaTeX-to-Unicode in `latex`, applied once as each paper is read.
This module finds the files and merges what the readers return.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import SourceError
from ..papers import Profile
from .bibtex import bibtex_entries, dump_bibtex, parse_bibtex
from .common import Entry, LoadResult, Problem, dedupe
from .jsonl import dump_jsonl, jsonl_entries, parse_jsonl, read_jsonl
from .listing import listing_entries, parse_listing

__all__ = [
    "LoadResult",
    "parse_listing",
    "parse_jsonl",
    "read_jsonl",
    "parse_bibtex",
    "dump_jsonl",
    "dump_bibtex",
    "detect_format",
    "load_sources",
]

FORMATS = ("listing", "jsonl", "bibtex")
# Extensions picked up when a directory is given (".md" is deliberately not
# one of them: a README next to the data must not be parsed as a listing).
_DIR_SUFFIXES = {".txt", ".jsonl", ".ndjson", ".bib", ".bibtex"}

def detect_format(path: Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".bib", ".bibtex"):
        return "bibtex"
    return "listing"


def _expand(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")
                           and p.suffix.lower() in _DIR_SUFFIXES)
            if not found:
                kinds = ", ".join(sorted(_DIR_SUFFIXES))
                raise SourceError(f"{path}: directory has no source files ({kinds})")
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise SourceError(f"{path}: no such file or directory")
    unique, seen = [], set()
    for f in files:  # the same file named twice (e.g. file + its directory) loads once
        if (key := f.resolve()) not in seen:
            seen.add(key)
            unique.append(f)
    return unique


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SourceError(f"{path}: not valid UTF-8 at byte {exc.start} (line {line}); "
                          "re-save it as UTF-8") from None


def load_sources(paths: list[Path], *, fmt: str | None = None, listing_year: int = 2026,
                 skip_invalid: bool = False) -> LoadResult:
    if fmt is not None and fmt not in FORMATS:
        raise SourceError(f"unknown source format {fmt!r} (expected one of: {', '.join(FORMATS)})")
    if not paths:
        raise SourceError("no source files given")
    files = _expand(paths)

    entries: list[Entry] = []
    problems: list[Problem] = []
    profile: Profile | None = None
    for path in files:
        text, origin = _read_text(path), str(path)
        kind = fmt or detect_format(path)
        file_profile = Profile()
        if kind == "listing":
            file_entries, file_profile, file_problems = listing_entries(text, listing_year, origin)
        elif kind == "jsonl":
            file_entries, file_profile, file_problems = jsonl_entries(text, origin)
        else:
            file_entries, file_problems = bibtex_entries(text, origin)
        entries += file_entries
        problems += file_problems
        if profile is None and file_profile != Profile():
            profile = file_profile

    papers, dups = dedupe(entries)
    order = {str(f): i for i, f in enumerate(files)}
    ordered = [str(p) for p in sorted(problems + dups, key=lambda p: (order.get(p.origin, 0), p.line or 0))]
    if ordered and not skip_invalid:
        bad_origins = [o for o in order if any(p.origin == o for p in problems + dups)]
        where = ", ".join(bad_origins) if len(bad_origins) <= 3 else f"{len(bad_origins)} files"
        n = len(ordered)
        raise SourceError(
            f"{n} invalid {'entry' if n == 1 else 'entries'} in {where} (first: {ordered[0]}); "
            "fix them or use --skip-invalid",
            ordered,
        )
    return LoadResult(papers=papers, profile=profile or Profile(), skipped=ordered)
