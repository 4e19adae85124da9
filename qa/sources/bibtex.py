"""BibTeX through bibtexparser 2 (blocks, ``@string`` macros, line numbers) and
pylatexenc (values to Unicode, and back for `dump_bibtex`).

bibtexparser splits the file into blocks and reports each broken one without
losing the rest; this module turns blocks into `Paper` records and says, for
a broken block, what to look for (usually a brace out of place).
"""
from __future__ import annotations

import logging
import re
import unicodedata

import bibtexparser
from bibtexparser import model
from bibtexparser.middlewares.names import parse_single_name_into_parts, split_multiple_persons_names
from pylatexenc.latexwalker import LatexCharsNode, LatexWalker

from ..papers import Paper, make_paper_id
from .common import MONTHS, Entry, Problem, collapse, dedupe, iso_date, month_number, parse_iso, sorted_strs
from .latex import LatexError, braces_balanced, convert, latex_to_text, text_to_latex, unmatched_braces

# bibtexparser logs every broken block as a warning; each one is reported
# here as a problem with its line instead.
logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)

_MONTH_MACROS = {m[:3]: m.capitalize() for m in MONTHS}
_ARXIV_CLASS = re.compile(r"\b[a-z][a-z\-]*\.([A-Z]{2,5})\b")
_CONCAT = re.compile(r"#")
# A control word left in the text after conversion was escaped in the file.
_ESCAPED_COMMAND = re.compile(r"\\[A-Za-z]+")
_AFFIL_LIST_SEP = re.compile(r"\s*[;,]\s*|\s+and\s+")


def _split_top_level(value: str, sep: re.Pattern) -> list[str]:
    """Split on `sep` outside brace groups, which pylatexenc's walker finds
    ("{Smith and Sons}" stays one piece)."""
    cuts: list[tuple[int, int]] = []
    nodes = LatexWalker(value, tolerant_parsing=True).get_latex_nodes()[0]
    for node in nodes:
        if isinstance(node, LatexCharsNode):
            cuts += [(node.pos + m.start(), node.pos + m.end()) for m in sep.finditer(node.chars)]
    parts, start = [], 0
    for begin, end in cuts:
        parts.append(value[start:begin])
        start = end
    return parts + [value[start:]]


def _concatenated(value: str, strings: dict[str, str]) -> str:
    """The text of a value as written: ``{a}``, ``"a"``, ``2020``, a macro, or
    pieces of those joined by ``#``."""
    out = []
    for piece in (p.strip() for p in _split_top_level(value, _CONCAT)):
        if len(piece) >= 2 and (piece[0], piece[-1]) in (("{", "}"), ('"', '"')):
            out.append(piece[1:-1])
        else:
            out.append(piece if piece.isdigit() else strings.get(piece.lower(), piece))
    return "".join(out)


def _field_values(entry: model.Entry, strings: dict[str, str]) -> dict[str, str]:
    # bibtexparser's middlewares strip the braces or quotes of a single value
    # and resolve a lone macro; a concatenation, or an entry they skipped (one
    # with a repeated field), is still as written.
    enclosing = entry.parser_metadata.get("removed_enclosing", {})
    values: dict[str, str] = {}
    for fld in entry.fields:
        value = str(fld.value)
        if enclosing.get(fld.key, "no-enclosing") == "no-enclosing":
            value = _concatenated(value, strings)
        values.setdefault(fld.key.lower(), value)  # like BibTeX, the first occurrence wins
    return values


def _bib_names(raw: str) -> tuple[list[str], bool]:
    names, truncated = [], False
    for part in split_multiple_persons_names(collapse(raw)):
        if part.strip().lower() == "others":
            truncated = True
            continue
        # "Last, First" and "Last, Jr, First" become "First Last (Jr)".
        name = collapse(latex_to_text(parse_single_name_into_parts(part).merge_first_name_first, plain=False))
        if name:
            names.append(name)
    return names, truncated


def _abstract(raw: str) -> tuple[str, str]:
    """(text, latex) of an abstract field.

    Zotero exports an arXiv abstract's inline math escaped as text
    (``\\${\\textbackslash}beta\\$``), so reading the field gives arXiv-style
    text with math; that text is then converted like a listing's abstract.
    """
    text, latex = convert(raw, plain=False)
    if _ESCAPED_COMMAND.search(text):
        return convert(text, plain=True)
    return text, latex


def _paper_from_bib(fields: dict[str, str]) -> tuple[Paper | None, list[str]]:
    title = latex_to_text(fields.get("title", ""), plain=False)
    abstract, abstract_latex = _abstract(fields.get("abstract", ""))
    year = None
    if m := re.search(r"\d{4}", fields.get("year", "")):
        year = int(m[0])
    date = None
    # biblatex "date" carries the full day; use it when it agrees with year.
    if (iso := parse_iso(fields.get("date", ""))) and (year is None or int(iso[:4]) == year):
        date, year = iso, int(iso[:4])
    missing = [name for name, ok in (("title", title), ("abstract", abstract), ("year", year)) if not ok]
    if missing:
        return None, ["has no " + ", no ".join(missing)]
    if date is None:
        month = month_number(latex_to_text(fields.get("month", ""), plain=False))
        date = iso_date(year, month)

    authors, truncated = _bib_names(fields.get("author", ""))
    category = ""
    for key in ("primaryclass", "keywords"):
        if m := _ARXIV_CLASS.search(fields.get(key, "")):
            category = m[1]
            break
    affil_raw = fields.get("affiliation") or fields.get("affiliations") or ""
    affiliations = [latex_to_text(a, plain=False) for a in _split_top_level(affil_raw, _AFFIL_LIST_SEP)]
    return Paper(
        paper_id=make_paper_id(title, year, authors[0] if authors else ""),
        title=title, authors=authors, authors_truncated=truncated,
        affiliations=[a for a in affiliations if a], category=category, date=date, year=year,
        has_code=bool(fields.get("code", "").strip() or fields.get("github", "").strip()),
        abstract=abstract, abstract_latex=abstract_latex,
        url=collapse(fields.get("url", "")), eprint=collapse(fields.get("eprint", "")),
    ), []


def _brace_message(raw: str, fallback: str) -> str:
    """Most syntax errors are a brace out of place; say so when the block's
    braces do not add up, as that is what to look for."""
    closing, opening = unmatched_braces(raw)
    if closing:
        return "unbalanced braces (a '}' too many)"
    if opening:
        return f"unbalanced braces ({opening} '{{' never closed)"
    return fallback


def bibtex_entries(text: str, origin: str) -> tuple[list[Entry], list[Problem]]:
    library = bibtexparser.parse_string(text.removeprefix("\ufeff"))
    strings = dict(_MONTH_MACROS)
    strings.update({key.lower(): str(s.value) for key, s in library.strings_dict.items()})

    entries: list[Entry] = []
    problems: list[Problem] = []
    blocks = library.blocks
    for i, block in enumerate(blocks):
        line = block.start_line + 1
        if isinstance(block, (model.DuplicateFieldKeyBlock, model.DuplicateBlockKeyBlock)):
            block = block.ignore_error_block  # repeated fields or keys: read like BibTeX does
        if isinstance(block, model.ParsingFailedBlock):
            reason = getattr(block.error, "abort_reason", "") or str(block.error) or "syntax error"
            problems.append(Problem(origin, line, _brace_message(block.raw, collapse(reason))))
            continue
        if not isinstance(block, model.Entry):
            continue
        # Text with a '}' right after an entry means a brace closed it early.
        after = blocks[i + 1] if i + 1 < len(blocks) else None
        if isinstance(after, model.ImplicitComment) and "}" in after.comment:
            problems.append(Problem(origin, line, "unbalanced braces (a '}' too many)"))
            continue
        label = f"entry {block.key!r}" if block.key else "entry"
        try:
            paper, issues = _paper_from_bib(_field_values(block, strings))
        except LatexError as exc:
            paper, issues = None, [str(exc)]
        if paper:
            entries.append(Entry(paper, origin, line))
        else:
            problems.append(Problem(origin, line, f"{label} " + "; ".join(issues)))
    if not library.entries and not library.failed_blocks and "@" not in text and text.strip():
        problems.append(Problem(origin, None, "no BibTeX entries found (expected '@article{key, ...}')"))
    return entries, problems


def parse_bibtex(text: str, *, origin: str = "<bibtex>") -> tuple[list[Paper], list[str]]:
    entries, problems = bibtex_entries(text, origin)
    papers, dups = dedupe(entries)
    return papers, sorted_strs(problems + dups)


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


def _bib_name(name: str) -> str:
    tex = text_to_latex(name)
    # Braces keep a comma or a literal "and" from splitting the name.
    return f"{{{tex}}}" if re.search(r",|\band\b", name, re.I) or name.lower() == "others" else tex


def dump_bibtex(papers: list[Paper]) -> str:
    """BibTeX that `parse_bibtex` reads back to the same records."""
    used: set[str] = set()
    library = bibtexparser.Library()
    for p in papers:
        authors = " and ".join([_bib_name(a) for a in p.authors] + (["others"] if p.authors_truncated else []))
        # The source's own LaTeX when there is some (it reads back to the same
        # text), else the text escaped.
        abstract = p.abstract_latex if p.abstract_latex and braces_balanced(p.abstract_latex) \
            else text_to_latex(p.abstract)
        values = [  # bibtexparser's writer adds the outer braces
            ("title", "{" + text_to_latex(p.title) + "}"),  # double braces keep the case
            ("author", authors),
            ("year", p.year),
            ("month", MONTHS[int(p.date[5:7]) - 1][:3] if len(p.date) >= 7 else ""),
            ("date", p.date if len(p.date) >= 7 else ""),
            ("abstract", abstract),
            ("primaryclass", (("stat." if p.category == "ML" else "cs.") + p.category) if p.category else ""),
            ("affiliation", ", ".join(text_to_latex(a) for a in p.affiliations)),
            ("url", p.url),
            ("eprint", p.eprint),
            ("code", "yes" if p.has_code else ""),
        ]
        library.add(model.Entry("misc", _bib_key(p, used), [model.Field(k, v) for k, v in values if v]))
    return bibtexparser.write_string(library)
