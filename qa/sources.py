"""Parse source files (profile listing, JSONL, BibTeX) into `Paper` records.

Every parser collects *problems* (``"origin:line: message"``) instead of
failing on the first bad entry, so that a user sees everything to fix at once;
`load_sources` then either raises one `SourceError` carrying all of them or,
with ``skip_invalid``, keeps the good entries and reports the rest as skipped.
"""
from __future__ import annotations

import bisect
import datetime as _dt
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .errors import SourceError
from .papers import Paper, Profile, make_paper_id

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

_MONTHS = ["january", "february", "march", "april", "may", "june", "july",
           "august", "september", "october", "november", "december"]


# --------------------------------------------------------------------------
# Shared plumbing
# --------------------------------------------------------------------------

@dataclass
class LoadResult:
    papers: list[Paper]
    profile: Profile
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Problem:
    origin: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.origin}:{self.line}" if self.line else self.origin
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class _Entry:
    """A parsed paper plus where it came from (for duplicate reports)."""
    paper: Paper
    origin: str
    line: int


def _month_number(text: str) -> int | None:
    """'jan', 'Jan.', 'Sept', 'January', '1', '01' -> 1..12; else None."""
    t = text.strip().rstrip(".").lower()
    if t.isdigit():
        n = int(t)
        return n if 1 <= n <= 12 else None
    if len(t) >= 3:
        for i, name in enumerate(_MONTHS):
            if name.startswith(t):
                return i + 1
    return None


def _iso_date(year: int, month: int = 1, day: int = 1) -> str | None:
    try:
        return _dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _dedupe(entries: list[_Entry]) -> tuple[list[Paper], list[_Problem]]:
    """Keep the first of each paper_id.

    An identical repeat (e.g. the same file listed twice, or a listing and its
    own JSONL export) is dropped silently; a repeat with different content is
    a conflict the user must resolve, so it is reported.
    """
    first: dict[str, _Entry] = {}
    papers: list[Paper] = []
    problems: list[_Problem] = []
    for entry in entries:
        seen = first.get(entry.paper.paper_id)
        if seen is None:
            first[entry.paper.paper_id] = entry
            papers.append(entry.paper)
        elif seen.paper != entry.paper:
            at = f"line {seen.line}" if seen.origin == entry.origin else f"{seen.origin}:{seen.line}"
            problems.append(_Problem(entry.origin, entry.line,
                                     f'duplicate entry for "{_collapse(entry.paper.title)}" (first at {at})'))
    return papers, problems


def _sorted_strs(problems: list[_Problem]) -> list[str]:
    return [str(p) for p in sorted(problems, key=lambda p: p.line or 0)]


# --------------------------------------------------------------------------
# Listing format (a researcher-profile page copied as text)
# --------------------------------------------------------------------------

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
_ET_AL = re.compile(r",?\s*et\s+al\.?$")
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


def _split_lines(text: str) -> list[str]:
    # Not str.splitlines(): that also splits on \x0c, \u2028 etc., which can
    # legitimately occur inside an abstract and would shift line numbers.
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return [line.strip() for line in text.split("\n")]


def _looks_like_authors(text: str) -> bool:
    """Heuristic for the authors line, used only when an entry is missing a
    block and we must tell which one it is."""
    if _AFFIL_SEP.search(text) or _ET_AL.search(text):
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
    truncated = bool(_ET_AL.search(people))
    people = _ET_AL.sub("", people)
    authors = [a.strip() for a in people.split(",") if a.strip()]
    affiliations = [a.strip() for a in affil.split(",") if a.strip()]
    return authors, truncated, affiliations


def _parse_profile(lines: list[tuple[int, str]], origin: str) -> tuple[Profile, list[_Problem]]:
    """Header lines before the first entry -> Profile; tolerant of any subset."""
    values: dict = {}
    extra: dict = {}
    problems: list[_Problem] = []
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
            problems.append(_Problem(origin, lineno,
                                     f"unexpected text before the first entry: {text[:40]!r}..."))
        elif lineno == lines[0][0] and not re.search(r"\d", text):
            # Only the very first header line can be the researcher's name.
            values["name"] = text
        elif m := (_LABEL_VALUE.match(text) or _VALUE_LABEL.match(text)):
            extra[m["label"].strip()] = m["value"]
        else:
            extra[f"line {lineno}"] = text
    return Profile(**values, extra=extra), problems


def _listing_entries(text: str, listing_year: int, origin: str
                     ) -> tuple[list[_Entry], Profile, list[_Problem]]:
    lines = _split_lines(text)
    headers: list[int] = []  # 0-based indices of entry header lines
    for i, line in enumerate(lines):
        m = _ENTRY_RE.match(line)
        if not m:
            continue
        # A loosely matching line right after a header is that entry's title
        # (a title such as "BERTology 2" must not start a new entry).
        if headers and headers[-1] == i - 1 and not _month_number(m["mon"]):
            continue
        headers.append(i)

    first_entry = headers[0] if headers else len(lines)
    header_lines = [(i + 1, line) for i, line in enumerate(lines[:first_entry]) if line]
    profile, problems = _parse_profile(header_lines, origin)
    if not headers and any(lines):
        problems.append(_Problem(origin, None, f"no entries found (expected {_HEADER_EXAMPLE})"))

    entries: list[_Entry] = []
    for k, start in enumerate(headers):
        end = headers[k + 1] if k + 1 < len(headers) else len(lines)
        entry, entry_problems = _listing_entry(lines, start, end, k + 1 == len(headers), listing_year, origin)
        problems.extend(entry_problems)
        if entry:
            entries.append(entry)
    return entries, profile, problems


def _listing_entry(lines: list[str], start: int, end: int, is_last: bool,
                   listing_year: int, origin: str) -> tuple[_Entry | None, list[_Problem]]:
    lineno = start + 1
    m = _ENTRY_RE.match(lines[start])
    problems: list[_Problem] = []
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
            problems.append(_Problem(origin, extra_line,
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
    month = _month_number(m["mon"])
    year = int(m["year"]) if m["year"] else listing_year
    date = _iso_date(year, month, int(m["day"])) if month and 1000 <= year <= 9999 else None
    if date is None:
        issues.append(f"unparseable date {raw_date!r}")
    if not title:
        issues.append("entry has no title")
    if not abstract:
        issues.append("truncated entry at end of file (no abstract)" if is_last else "entry has no abstract")
    if issues:
        return None, [_Problem(origin, lineno, "; ".join(issues))] + problems

    authors, truncated, affiliations = _parse_authors_line(authors_text) if authors_text else ([], False, [])
    paper = Paper(
        paper_id=make_paper_id(title, year, authors[0] if authors else ""),
        title=title, authors=authors, authors_truncated=truncated,
        affiliations=affiliations, category=m["cat"], date=date, year=year,
        has_code=bool(m["code"]), abstract=abstract,
    )
    return _Entry(paper, origin, lineno), problems


def parse_listing(text: str, *, listing_year: int = 2026, origin: str = "<listing>"
                  ) -> tuple[list[Paper], Profile, list[str]]:
    """Parse a profile listing. Entries without a year get `listing_year`."""
    entries, profile, problems = _listing_entries(text, listing_year, origin)
    papers, dups = _dedupe(entries)
    return papers, profile, _sorted_strs(problems + dups)


# --------------------------------------------------------------------------
# JSONL (one paper per line; also the export format)
# --------------------------------------------------------------------------

def _split_names(text: str) -> tuple[list[str], bool]:
    """'A, B and C et al.' -> (['A', 'B', 'C'], True)."""
    truncated = bool(_ET_AL.search(text.strip()))
    text = _ET_AL.sub("", text.strip())
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
        m = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", str(date).strip())
        iso = m and _iso_date(int(m[1]), int(m[2] or 1), int(m[3] or 1))
        if not iso:
            issues.append(f"field 'date' must be YYYY-MM-DD, got {date!r}")
        elif year is not None and int(iso[:4]) != year:
            issues.append(f"year {year} does not match date {iso}")
        else:
            date, year = iso, int(iso[:4])
    elif year is not None:
        date = f"{year:04d}-01-01"

    authors, truncated = obj.get("authors"), obj.get("authors_truncated")
    if isinstance(authors, str):
        authors, was_truncated = _split_names(authors)
        truncated = truncated if truncated is not None else was_truncated
    else:
        authors = _str_list(authors, "authors", issues)
    affiliations = _str_list(obj.get("affiliations"), "affiliations", issues)
    for name in ("authors_truncated", "has_code"):
        if obj.get(name) is not None and not isinstance(obj[name], bool):
            issues.append(f"field {name!r} must be true or false")
    for name in ("category", "url", "eprint", "paper_id"):
        if obj.get(name) is not None and not isinstance(obj[name], str):
            issues.append(f"field {name!r} must be a string")
    if issues:
        return None, issues

    title = obj["title"].strip()
    return Paper(
        paper_id=obj.get("paper_id") or make_paper_id(title, year, authors[0] if authors else ""),
        title=title, authors=authors, authors_truncated=bool(truncated),
        affiliations=affiliations, category=obj.get("category") or "",
        date=date, year=year, has_code=bool(obj.get("has_code")),
        abstract=obj["abstract"].strip(), url=obj.get("url") or "", eprint=obj.get("eprint") or "",
    ), []


def _jsonl_entries(text: str, origin: str) -> tuple[list[_Entry], Profile, list[_Problem]]:
    entries: list[_Entry] = []
    problems: list[_Problem] = []
    profile = Profile()
    for lineno, line in enumerate(_split_lines(text), start=1):
        if not line:
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(_Problem(origin, lineno, f"invalid JSON ({exc.msg} at column {exc.colno})"))
            continue
        if not isinstance(obj, dict):
            problems.append(_Problem(origin, lineno, f"expected a JSON object, got {type(obj).__name__}"))
            continue
        if set(obj) == {"profile"}:
            if isinstance(obj["profile"], dict):
                profile = Profile.from_dict(obj["profile"])
            else:
                problems.append(_Problem(origin, lineno, "'profile' must be an object"))
            continue
        paper, issues = _paper_from_json(obj)
        if paper:
            entries.append(_Entry(paper, origin, lineno))
        else:
            problems.append(_Problem(origin, lineno, "; ".join(issues)))
    return entries, profile, problems


def read_jsonl(text: str, *, origin: str = "<jsonl>") -> tuple[list[Paper], Profile, list[str]]:
    """Like `parse_jsonl`, but also returns the `{"profile": ...}` line's Profile."""
    entries, profile, problems = _jsonl_entries(text, origin)
    papers, dups = _dedupe(entries)
    return papers, profile, _sorted_strs(problems + dups)


def parse_jsonl(text: str, *, origin: str = "<jsonl>") -> tuple[list[Paper], list[str]]:
    papers, _profile, problems = read_jsonl(text, origin=origin)
    return papers, problems


def dump_jsonl(papers: list[Paper], profile: Profile | None = None) -> str:
    lines = [json.dumps({"profile": profile.to_dict()}, ensure_ascii=False)] if profile is not None else []
    lines += [json.dumps(p.to_dict(), ensure_ascii=False) for p in papers]
    return "".join(line + "\n" for line in lines)


# --------------------------------------------------------------------------
# LaTeX <-> text (for BibTeX values)
# --------------------------------------------------------------------------
#
# Two cleaning modes:
#   strip=True  (titles, names): accents -> unicode, escapes -> characters,
#               protective braces and \emph-style wrappers removed, ~ -> space.
#   strip=False (abstracts): only accents and escapes are converted; other
#               LaTeX (\emph{..}, braces) is kept verbatim like the listing does.
# Math ($...$) is always kept verbatim. The dump side escapes exactly what the
# clean side would change, so dump -> parse gives the same text back.

_ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303",
            "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
            "c": "\u0327", "k": "\u0328", "r": "\u030a", "d": "\u0323", "b": "\u0331"}
_SYMBOLS = {"ss": "ß", "o": "ø", "O": "Ø", "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ",
            "oe": "œ", "OE": "Œ", "l": "ł", "L": "Ł", "i": "i", "j": "j",
            "textbackslash": "\\", "textasciitilde": "~", "textasciicircum": "^",
            "textendash": "–", "textemdash": "—"}
_ESCAPED = set("&%$#_{}")
_FORMATTING = {"emph", "textit", "textbf", "textsc", "texttt", "textrm", "textsf",
               "textsl", "textup", "textnormal", "mbox", "text"}


def _math_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each $...$ / $$...$$; a lone unmatched $ is plain text."""
    spans, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "$":
            delim = "$$" if text.startswith("$$", i) else "$"
            j = i + len(delim)
            while j < n:
                if text[j] == "\\":
                    j += 2
                elif text.startswith(delim, j):
                    break
                else:
                    j += 1
            if j >= n:
                break  # unmatched: the rest is plain text
            spans.append((i, j + len(delim)))
            i = j + len(delim)
            continue
        i += 1
    return spans


def _segments(text: str):
    """Yield (is_math, chunk) covering `text`."""
    pos = 0
    for start, end in _math_spans(text):
        if start > pos:
            yield False, text[pos:start]
        yield True, text[start:end]
        pos = end
    if pos < len(text):
        yield False, text[pos:]


def _scan_command(s: str, i: int, strip: bool) -> tuple[int, str | None]:
    """Read the command at s[i] == '\\'. Returns (end, replacement); a None
    replacement means 'keep s[i:end] verbatim'."""
    n = len(s)
    if i + 1 >= n:
        return n, None
    c = s[i + 1]
    if c.isascii() and c.isalpha():
        j = i + 1
        while j < n and s[j].isascii() and s[j].isalpha():
            j += 1
        name = s[i + 1:j]
        if name in _ACCENTS:
            return _apply_accent(s, j, name, strip)
        if name in _SYMBOLS:
            if s.startswith("{}", j):
                return j + 2, _SYMBOLS[name]
            while j < n and s[j] == " ":  # a control word eats following spaces
                j += 1
            return j, _SYMBOLS[name]
        if name in _FORMATTING and strip:
            return j, ""
        return j, None
    if c in _ACCENTS:
        return _apply_accent(s, i + 2, c, strip)
    if c in _ESCAPED:
        return i + 2, c
    if c == " ":
        return i + 2, " "
    if c == "\\" and strip:
        return i + 2, " "
    return i + 2, None


def _apply_accent(s: str, k: int, accent: str, strip: bool) -> tuple[int, str | None]:
    n = len(s)
    if accent.isalpha():
        while k < n and s[k] == " ":
            k += 1
    if k < n and s[k] == "{":
        depth, j = 0, k
        while j < n:
            if s[j] == "\\":
                j += 2
                continue
            depth += {"{": 1, "}": -1}.get(s[j], 0)
            if depth == 0:
                break
            j += 1
        if j >= n:
            return k, None
        base, end = _latex_to_text(s[k + 1:j], strip=True), j + 1
    elif k < n and s[k] == "\\":
        end, base = _scan_command(s, k, strip=True)
        if base is None:
            return end, None
    elif k < n and not s[k].isspace() and s[k] not in "}":
        base, end = s[k], k + 1
    else:
        return k, None
    if not base:  # "\~{}" is a literal tilde
        return end, accent if not accent.isalpha() else ""
    return end, unicodedata.normalize("NFC", base[0] + _ACCENTS[accent] + base[1:])


def _convert_plain(s: str, strip: bool) -> str:
    # In abstract mode a brace group right after a kept command (\emph{..},
    # \frac{a}{b}) is LaTeX syntax and stays; any other group is just
    # protective ({BERT}) and its braces go. `groups` remembers which is which.
    out, groups, after_cmd, i, n = [], [], False, 0, len(s)
    while i < n:
        c = s[i]
        if c == "\\":
            end, repl = _scan_command(s, i, strip)
            out.append(s[i:end] if repl is None else repl)
            after_cmd = repl is None and s[i + 1:i + 2].isalpha()
            i = end
            continue
        if c == "{" and not strip:
            groups.append(after_cmd)
            if after_cmd:
                out.append(c)
        elif c == "}" and not strip:
            keep = groups.pop() if groups else False
            if keep:
                out.append(c)
            after_cmd = keep
            i += 1
            continue
        elif strip and c in "{}":
            pass
        elif strip and c == "~":
            out.append(" ")
        else:
            out.append(c)
        after_cmd = False
        i += 1
    return "".join(out)


def _latex_to_text(text: str, *, strip: bool) -> str:
    return "".join(chunk if math else _convert_plain(chunk, strip) for math, chunk in _segments(text))


def _escape_plain(s: str, strip: bool, keep_groups: bool = True) -> str:
    """Inverse of `_convert_plain`: escape exactly what it would change.
    keep_groups=False escapes every literal brace (for unbalanced input)."""
    out, groups, after_cmd, i, n = [], [], False, 0, len(s)
    while i < n:
        c = s[i]
        if c == "\\":
            end, repl = _scan_command(s, i, strip)
            name = re.match(r"[A-Za-z]+|.?", s[i + 1:])[0]
            # An accent left alone (no valid argument) must still be escaped:
            # escaping what follows could give it an argument on re-reading.
            if repl is None and not strip and end > i + 1 and name not in _ACCENTS:
                out.append(s[i:end])  # LaTeX the abstract mode keeps verbatim
                after_cmd = s[i + 1].isalpha()
                i = end
                continue
            # Escape the backslash *and* its partner character as a pair, the
            # way `_math_spans` reads them, so math spans stay where they were.
            out.append("\\textbackslash{}")
            nxt = s[i + 1:i + 2]
            if nxt == "\\":
                out.append("\\textbackslash{}")
            elif nxt and nxt in _ESCAPED:
                out.append("\\" + nxt)
            elif nxt == "~" and strip:
                out.append("\\textasciitilde{}")
            else:
                out.append(nxt)
            i += 2
            after_cmd = False
            continue
        if c in "{}" and not strip:
            if c == "{":
                keep = after_cmd and keep_groups
                groups.append(keep)
            else:
                keep = groups.pop() if groups else False
            out.append(c if keep else "\\" + c)
            after_cmd = keep and c == "}"
            i += 1
            continue
        if strip and c in "{}":
            out.append("\\" + c)
        elif strip and c == "~":
            out.append("\\textasciitilde{}")
        else:
            out.append(c)
        after_cmd = False
        i += 1
    return "".join(out)


def _brace_depth(text: str) -> int:
    """Net count of '{' minus '}' (escaped ones excluded); -1 as soon as a '}'
    has no partner, since no later '{' can repair that."""
    depth, i = 0, 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        depth += {"{": 1, "}": -1}.get(c, 0)
        if depth < 0:
            return -1
        i += 1
    return depth


def _brace_balance(text: str) -> bool:
    return _brace_depth(text) == 0


def _text_to_latex(text: str, *, strip: bool) -> str:
    out = "".join(chunk if math else _escape_plain(chunk, strip) for math, chunk in _segments(text))
    if not _brace_balance(out):
        # Unbalanced braces would break the .bib file: escape every literal one.
        out = "".join(chunk if math else _escape_plain(chunk, strip, keep_groups=False)
                      for math, chunk in _segments(text))
    return out


# --------------------------------------------------------------------------
# BibTeX
# --------------------------------------------------------------------------

_BIB_START = re.compile(r"@[ \t]*([A-Za-z]+)[ \t]*([{(])")
_BIB_LINE_START = re.compile(r"^[ \t]*@[ \t]*[A-Za-z]+[ \t]*[{(]", re.M)
_BIB_WORD = re.compile(r"[\w\-:.+/]+")  # bare value: number or @string macro
_BIB_FIELD = re.compile(r"[A-Za-z_][\w\-:.+]*")
_BIB_KEY = re.compile(r"\s*([^,\s{}()]*)\s*")
_MONTH_MACROS = {m[:3]: m.capitalize() for m in _MONTHS}
_ARXIV_CLASS = re.compile(r"\b[a-z][a-z\-]*\.([A-Z]{2,5})\b")


class _BibSyntax(Exception):
    pass


class _BibReader:
    """Recursive-descent reader over text[pos:end] (end = the next line that
    starts an entry, so an unbalanced entry cannot swallow its neighbours)."""

    def __init__(self, text: str, pos: int, end: int, macros: dict[str, str]):
        self.text, self.pos, self.end, self.macros = text, pos, end, macros

    def skip_ws(self) -> None:
        while self.pos < self.end:
            c = self.text[self.pos]
            if c.isspace():
                self.pos += 1
            elif c == "%":  # tolerated line comments between fields
                nl = self.text.find("\n", self.pos, self.end)
                self.pos = self.end if nl < 0 else nl + 1
            else:
                break

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < self.end else ""

    def braced(self) -> str:
        """At '{': return the content up to its matching '}'."""
        depth, start, i = 0, self.pos + 1, self.pos
        while i < self.end:
            c = self.text[i]
            if c == "\\":
                i += 2
                continue
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    self.pos = i + 1
                    return self.text[start:i]
            i += 1
        raise _BibSyntax("unbalanced braces")

    def quoted(self) -> str:
        depth, start, i = 0, self.pos + 1, self.pos + 1
        while i < self.end:
            c = self.text[i]
            if c == "\\":
                i += 2
                continue
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth < 0:
                    raise _BibSyntax("unbalanced braces")
            elif c == '"' and depth == 0:
                self.pos = i + 1
                return self.text[start:i]
            i += 1
        raise _BibSyntax("unbalanced braces" if depth else "unterminated quoted value")

    def value(self) -> str:
        parts = []
        while True:
            self.skip_ws()
            c = self.peek()
            if c == "{":
                parts.append(self.braced())
            elif c == '"':
                parts.append(self.quoted())
            else:
                m = _BIB_WORD.match(self.text, self.pos, self.end)
                if not m:
                    raise _BibSyntax(f"expected a value, found {c or 'end of entry'!r}")
                self.pos = m.end()
                word = m[0]
                parts.append(word if word.isdigit() else self.macros.get(word.lower(), word))
            self.skip_ws()
            if self.peek() != "#":
                return "".join(parts)
            self.pos += 1

    def fields(self, close: str) -> dict[str, str]:
        """name = value pairs up to the closing delimiter (consumed)."""
        out: dict[str, str] = {}
        while True:
            self.skip_ws()
            c = self.peek()
            if c == close:
                self.pos += 1
                return out
            if not c:
                raise _BibSyntax("unbalanced braces")
            if c == ",":
                self.pos += 1
                continue
            m = _BIB_FIELD.match(self.text, self.pos, self.end)
            if not m:
                raise _BibSyntax(f"expected a field name, found {c!r}")
            name = m[0].lower()
            self.pos = m.end()
            self.skip_ws()
            if self.peek() != "=":
                raise _BibSyntax(f"expected '=' after field {name!r}")
            self.pos += 1
            val = self.value()
            out.setdefault(name, val)  # like BibTeX, the first occurrence wins
            self.skip_ws()
            if self.peek() not in (",", close):
                raise _BibSyntax(f"expected ',' or '{close}' after field {name!r}")


def _split_top(text: str, sep: re.Pattern) -> list[str]:
    """Split on `sep` only outside braces (so "{Smith and Sons}" is one name)."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and (m := sep.match(text, i)):
            parts.append(text[start:i])
            start = i = m.end()
            continue
        i += 1
    parts.append(text[start:])
    return parts


_AND = re.compile(r"\s+and\s+", re.I)
_AFFIL_LIST_SEP = re.compile(r"\s*[;,]\s*|\s+and\s+")
_COMMA = re.compile(r"\s*,\s*")


def _bib_names(raw: str) -> tuple[list[str], bool]:
    names, truncated = [], False
    for part in _split_top(_collapse(raw), _AND):
        if part.strip().lower() == "others":
            truncated = True
            continue
        pieces = [p for p in _split_top(part, _COMMA)]
        if len(pieces) == 2:  # "Last, First"
            part = f"{pieces[1]} {pieces[0]}"
        elif len(pieces) >= 3:  # "Last, Jr, First"
            part = f"{pieces[2]} {pieces[0]} {pieces[1]}"
        name = _collapse(_latex_to_text(part, strip=True))
        if name:
            names.append(name)
    return names, truncated


def _paper_from_bib(fields: dict[str, str]) -> tuple[Paper | None, list[str]]:
    title = _collapse(_latex_to_text(fields.get("title", ""), strip=True))
    abstract = _collapse(_latex_to_text(fields.get("abstract", ""), strip=False))
    year = None
    if m := re.search(r"\d{4}", fields.get("year", "")):
        year = int(m[0])
    date = None
    # biblatex "date" carries the full day; use it when it agrees with year.
    if m := re.fullmatch(r"\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?\s*", fields.get("date", "")):
        if year is None or int(m[1]) == year:
            date = _iso_date(int(m[1]), int(m[2] or 1), int(m[3] or 1))
            year = int(m[1]) if date else year
    missing = [name for name, ok in (("title", title), ("abstract", abstract), ("year", year)) if not ok]
    if missing:
        return None, missing
    if date is None:
        month = _month_number(_latex_to_text(fields.get("month", ""), strip=True))
        date = _iso_date(year, month or 1, 1)

    authors, truncated = _bib_names(fields.get("author", ""))
    category = ""
    for key in ("primaryclass", "keywords"):
        if m := _ARXIV_CLASS.search(fields.get(key, "")):
            category = m[1]
            break
    affil_raw = fields.get("affiliation") or fields.get("affiliations") or ""
    affiliations = [_collapse(_latex_to_text(a, strip=True)) for a in _split_top(affil_raw, _AFFIL_LIST_SEP)]
    return Paper(
        paper_id=make_paper_id(title, year, authors[0] if authors else ""),
        title=title, authors=authors, authors_truncated=truncated,
        affiliations=[a for a in affiliations if a], category=category, date=date, year=year,
        has_code=bool(fields.get("code", "").strip() or fields.get("github", "").strip()),
        abstract=abstract, url=_collapse(fields.get("url", "")), eprint=_collapse(fields.get("eprint", "")),
    ), []


def _bibtex_entries(text: str, origin: str) -> tuple[list[_Entry], list[_Problem]]:
    text = text.removeprefix("\ufeff")
    newlines = [i for i, c in enumerate(text) if c == "\n"]

    def line_at(pos: int) -> int:
        return bisect.bisect_right(newlines, pos - 1) + 1

    entries: list[_Entry] = []
    problems: list[_Problem] = []
    macros = dict(_MONTH_MACROS)
    # Entries are read chunk by chunk, a chunk ending where the next line
    # starting with '@type{' begins: a broken entry then costs only itself.
    bounds = sorted({0, len(text), *(m.start() for m in _BIB_LINE_START.finditer(text))})
    if "@" not in text and text.strip():
        problems.append(_Problem(origin, None, "no BibTeX entries found (expected '@article{key, ...}')"))

    for chunk_start, chunk_end in zip(bounds, bounds[1:]):
        pos = chunk_start
        while m := _BIB_START.search(text, pos, chunk_end):
            kind, close = m[1].lower(), "}" if m[2] == "{" else ")"
            lineno = line_at(m.start())
            reader = _BibReader(text, m.end(), chunk_end, macros)
            try:
                if kind in ("comment", "preamble"):
                    reader.pos = m.end() - 1
                    if close == "}":
                        reader.braced()
                    else:
                        reader.pos = text.find(")", m.end(), chunk_end) + 1 or chunk_end
                    pos = reader.pos
                    continue
                if kind == "string":
                    for name, val in reader.fields(close).items():
                        macros[name] = val
                    pos = reader.pos
                    continue
                key_m = _BIB_KEY.match(text, reader.pos, chunk_end)
                reader.pos = key_m.end()
                key = key_m[1]
                fields = reader.fields(close)
                pos = reader.pos
                # A stray '}' after the entry means a brace closed it early.
                nxt = _BIB_START.search(text, pos, chunk_end)
                rest_end = nxt.start() if nxt else chunk_end
                if "}" in text[pos:rest_end]:
                    raise _BibSyntax("unbalanced braces")
            except _BibSyntax as exc:
                # Most syntax errors are a brace out of place; say so when the
                # entry's braces do not add up, as that is what to look for.
                depth = _brace_depth(text[m.start():chunk_end])
                if depth == 0:
                    message = str(exc)
                elif depth > 0:
                    message = f"unbalanced braces ({depth} '{{' never closed)"
                else:
                    message = "unbalanced braces (a '}' too many)"
                if kind != "comment":
                    problems.append(_Problem(origin, lineno, message))
                break  # resynchronise at the next line starting with '@'
            paper, missing = _paper_from_bib(fields)
            label = f"entry {key!r}" if key else "entry"
            if paper:
                entries.append(_Entry(paper, origin, lineno))
            else:
                problems.append(_Problem(origin, lineno, f"{label} has no " + ", no ".join(missing)))
    return entries, problems


def parse_bibtex(text: str, *, origin: str = "<bibtex>") -> tuple[list[Paper], list[str]]:
    entries, problems = _bibtex_entries(text, origin)
    papers, dups = _dedupe(entries)
    return papers, _sorted_strs(problems + dups)


def _bib_key(paper: Paper, used: set[str]) -> str:
    def ascii_word(s: str) -> str:
        s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
        return re.sub(r"[^a-z0-9]", "", s.lower())

    last = ascii_word(paper.authors[0].split()[-1]) if paper.authors else "anon"
    first_word = next((w for w in map(ascii_word, paper.title.split()) if len(w) > 3), "paper")
    base = key = f"{last}{paper.year}{first_word}"
    suffix = ord("a")
    while key in used:
        key = base + chr(suffix)
        suffix += 1
    used.add(key)
    return key


def dump_bibtex(papers: list[Paper]) -> str:
    """BibTeX that `parse_bibtex` reads back to the same records."""
    used: set[str] = set()
    out = []
    for p in papers:
        def name(n: str) -> str:
            tex = _text_to_latex(n, strip=True)
            # Braces keep a comma or a literal "and" from splitting the name.
            return f"{{{tex}}}" if re.search(r",|\band\b", n, re.I) or n.lower() == "others" else tex

        authors = " and ".join([name(a) for a in p.authors] + (["others"] if p.authors_truncated else []))
        fields = [
            ("title", "{" + _text_to_latex(p.title, strip=True) + "}"),  # double braces keep the case
            ("author", authors),
            ("year", str(p.year)),
            # A bare year is stored as YYYY-01-01; don't invent a month for it.
            ("month", _MONTHS[int(p.date[5:7]) - 1][:3] if p.date != f"{p.year}-01-01" else ""),
            ("date", p.date if p.date != f"{p.year}-01-01" else ""),
            ("abstract", _text_to_latex(p.abstract, strip=False)),
            ("primaryclass", (("stat." if p.category == "ML" else "cs.") + p.category) if p.category else ""),
            ("affiliation", ", ".join(_text_to_latex(a, strip=True) for a in p.affiliations)),
            ("url", p.url),
            ("eprint", p.eprint),
            ("code", "yes" if p.has_code else ""),
        ]
        body = ",\n".join(f"  {k} = {v}" if k == "month" else f"  {k} = {{{v}}}" for k, v in fields if v)
        out.append(f"@misc{{{_bib_key(p, used)},\n{body}\n}}\n")
    return "\n".join(out)


# --------------------------------------------------------------------------
# Loading files
# --------------------------------------------------------------------------

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

    entries: list[_Entry] = []
    problems: list[_Problem] = []
    profile: Profile | None = None
    for path in files:
        text, origin = _read_text(path), str(path)
        kind = fmt or detect_format(path)
        file_profile = Profile()
        if kind == "listing":
            file_entries, file_profile, file_problems = _listing_entries(text, listing_year, origin)
        elif kind == "jsonl":
            file_entries, file_profile, file_problems = _jsonl_entries(text, origin)
        else:
            file_entries, file_problems = _bibtex_entries(text, origin)
        entries += file_entries
        problems += file_problems
        if profile is None and file_profile != Profile():
            profile = file_profile

    papers, dups = _dedupe(entries)
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
