"""LaTeX <-> plain Unicode for paper text, through pylatexenc.

Every reader converts titles and abstracts here once, at ingest, so chunks,
search, answers and citations only ever see Unicode (``$\\rightarrow$`` -> ``→``,
``$β$`` -> ``β``). The two source conventions differ only in a few characters:

* ``plain=True`` (listing, JSONL): arXiv-style text with inline math, where
  ``%``, ``&``, ``#`` and ``~`` are literal characters and ``$60`` can be money.
* ``plain=False`` (BibTeX): real LaTeX, where ``~`` is a tie; only a bare ``%``
  or ``&`` (a comment or an alignment tab, both meaningless in a field) is
  read literally.
"""
from __future__ import annotations

import functools
import re

from pylatexenc import latexwalker, macrospec
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db
from pylatexenc.latexencode import RULE_DICT, UnicodeToLatexConversionRule, UnicodeToLatexEncoder

__all__ = ["LatexError", "latex_to_text", "text_to_latex", "convert", "braces_balanced", "unmatched_braces"]


class LatexError(ValueError):
    """Text pylatexenc cannot read (reported as a problem with the entry)."""


# pylatexenc's walker knows \href with no arguments; give it its two, and
# write links as their text plus address rather than "<...>".
_WALKER_CONTEXT = latexwalker.get_default_latex_context_db()
_WALKER_CONTEXT.add_context_category(
    "qa-links", prepend=True, macros=[macrospec.MacroSpec("href", "{{"), macrospec.MacroSpec("url", "{")])
_TEXT_CONTEXT = get_default_latex_context_db()
_TEXT_CONTEXT.add_context_category("qa-text", prepend=True, macros=[
    MacroTextSpec("href", simplify_repl="%(2)s (%(1)s)"), MacroTextSpec("url", simplify_repl="%(1)s"),
    # ASCII '^' and '"', not a modifier letter and nothing
    MacroTextSpec("textasciicircum", "^"), MacroTextSpec("textquotedbl", '"')])
_TO_TEXT = LatexNodes2Text(latex_context=_TEXT_CONTEXT, math_mode="text", strict_latex_spaces=False)

# A character preceded by an even number of backslashes is not escaped.
_UNESCAPED = r"(?<!\\)((?:\\\\)*)"
_PLAIN_SPECIALS = re.compile(_UNESCAPED + r"([%&#])")
_PLAIN_TILDE = re.compile(_UNESCAPED + r"~")
_BIB_SPECIALS = re.compile(_UNESCAPED + r"([%&])")
_DOLLAR = re.compile(_UNESCAPED + r"\$")
# "$60", "$1.5M" followed by a space or punctuation: money, not math.
_MONEY = re.compile(_UNESCAPED + r"\$(?=\d[\d,.]*[kKmMbB]?(?:[\s.,;:!?)]|$))")
# A control word written straight against a non-ASCII letter ("\topσ"):
# pylatexenc would read the letter as part of the macro name.
_MACRO_BEFORE_UNICODE = re.compile(r"(\\[A-Za-z]+)(?=[^\x00-\x7f])")


def _prepare(raw: str, plain: bool) -> str:
    text = _MACRO_BEFORE_UNICODE.sub(r"\1{}", raw)
    if plain:
        text = _PLAIN_SPECIALS.sub(r"\1\\\2", text)
        text = _PLAIN_TILDE.sub(r"\1\\textasciitilde{}", text)
        # An odd number of '$' means one of them is money; escape the money
        # signs, and if that is not enough, the last '$'.
        if len(_DOLLAR.findall(text)) % 2:
            text = _MONEY.sub(r"\1\\$", text)
            if len(_DOLLAR.findall(text)) % 2:
                last = list(_DOLLAR.finditer(text))[-1]
                text = text[:last.end() - 1] + "\\$" + text[last.end():]
    else:
        text = _BIB_SPECIALS.sub(r"\1\\\2", text)
    return text


@functools.lru_cache(maxsize=4096)  # a re-ingest in the same process reads the same text
def latex_to_text(raw: str, *, plain: bool) -> str:
    """Unicode text of `raw`, whitespace collapsed to single spaces."""
    if "\\" not in raw and not re.search(r"[{}$~]|--|``|''", raw):
        return " ".join(raw.split())  # nothing LaTeX would change: skip the parse
    try:
        nodes = latexwalker.LatexWalker(_prepare(raw, plain), latex_context=_WALKER_CONTEXT,
                                        tolerant_parsing=True).get_latex_nodes()[0]
        text = _TO_TEXT.nodelist_to_text(nodes)
    except Exception as exc:  # pylatexenc raises assorted errors on broken input
        raise LatexError(f"unreadable LaTeX ({type(exc).__name__}: {exc})") from None
    return " ".join(text.split())


# Characters whose default encoding does not read back as themselves.
_ENCODER = UnicodeToLatexEncoder(
    non_ascii_only=False, replacement_latex_protection="braces-after-macro",
    conversion_rules=[UnicodeToLatexConversionRule(RULE_DICT, {ord("^"): r"\textasciicircum{}",
                                                                 ord('"'): r"\textquotedbl{}"}), "defaults"])
# TeX ligatures: "--", "``" and "''" would read back as dashes and curly quotes.
_LIGATURE = re.compile(r"(?<=-)(?=-)|(?<=`)(?=`)|(?<=')(?=')")


def text_to_latex(text: str) -> str:
    """LaTeX that `latex_to_text(..., plain=False)` reads back to `text`."""
    return _LIGATURE.sub("{}", _ENCODER.unicode_to_latex(text))


def unmatched_braces(raw: str) -> tuple[int, int]:
    """(closing, opening): how many '}' have no partner before them, and how
    many '{' are never closed; escaped braces do not count."""
    braces = re.sub(r"[^{}]", "", re.sub(r"\\.", "", raw, flags=re.S))
    while "{}" in braces:  # drop matched pairs, innermost first
        braces = braces.replace("{}", "")
    return braces.count("}"), braces.count("{")  # what is left reads "}}..{{"


def braces_balanced(raw: str) -> bool:
    return unmatched_braces(raw) == (0, 0)


def convert(raw: str, *, plain: bool) -> tuple[str, str]:
    """(text, latex): the Unicode text, and `raw` (whitespace collapsed) when it
    holds LaTeX worth keeping for display (math, markup), else "": the raw is
    just the text, its escaped form or protective braces, or is not valid LaTeX."""
    text = latex_to_text(raw, plain=plain)
    raw = " ".join(raw.split())
    if (raw == text or not re.search(r"[\\$]", raw) or not braces_balanced(raw)
            or raw == text_to_latex(text)):
        return text, ""
    return text, raw
