"""Counts of what the listing's own fields show, for `qa.metadata`: whose name the author lists show, which lists
are complete, which titles write a phrase, which papers name an affiliation, categories side by side, and the dates
of the papers a question names in order. Also the cited list every metadata answer uses.
"""
from __future__ import annotations

import re

from .papers import Paper
from .question import AUTHOR_SHOWN, COMPLETE_LISTS, TITLE_EXTREME, TITLE_PHRASE, fold, written_categories
from .types import MetadataAnswer

LIST_LIMIT = 25
# a count or list of papers, not of people ("who appears most often besides him?") or of the header's figures
_COUNTED = re.compile(r"\bhow many\b|\bnumber of\b|\bwhich (?:papers|entries|works|articles)\b|\bcount\b")
_OTHERS = re.compile(r"\bmost\b|\boften\b|\bfrequent|\bco-?authors?\b|\bbesides\b|\bapart from\b|\bother than\b|"
                     r"\bexcept\b|\bheader\b|\bclaim")


def listing(papers: list[Paper], start: int = 1, limit: int = LIST_LIMIT, authors: bool = False) -> str:
    """One line a paper, cited; `authors` adds who wrote it (when the question is about the authors)."""
    lines = [f"- {p.title} ({p.year}, {p.category}{', code available' if p.has_code else ''})"
             f"{': ' + p.authors_display() if authors else ''} [{i}]" for i, p in enumerate(papers[:limit], start)]
    if len(papers) > limit:
        lines.append(f"- … and {len(papers) - limit} more.")
    return "\n".join(lines)


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def same_author(a: str, b: str) -> bool:
    """"Jane Doe" and "Jane A. Doe": same first and last name."""
    x, y = fold(a).replace(".", " ").split(), fold(b).replace(".", " ").split()
    return bool(x and y) and x[0] == y[0] and x[-1] == y[-1]


def names_owner(q: str, owner: str) -> bool:
    """The (folded) question names the profile's owner, in full or by surname."""
    return bool(owner) and (fold(owner) in q or bool(re.search(rf"\b{re.escape(fold(owner).split()[-1])}\b", q)))


def owner_shown(q: str, selected: list[Paper], owner: str, scope_text: str = "") -> MetadataAnswer | None:
    """"In how many papers does <owner> show up in the author list?" (of the papers in scope, or of the previous
    answer's): every listed paper is the owner's, but a list cut with "et al." may not show the name."""
    if not names_owner(q, owner) or not AUTHOR_SHOWN.search(q) or not _COUNTED.search(q) or _OTHERS.search(q):
        return None
    shown = [p for p in selected if any(same_author(a, owner) for a in p.authors)]
    cut = sum(p.authors_truncated for p in selected)
    every = f"All {len(selected)} are on the profile, but t" if not scope_text else "T"
    return MetadataAnswer(f"{owner}'s name is shown in the author lists of {plural(len(shown), 'paper')} of the "
                          f"{len(selected)} in the listing{scope_text}. {every}he listing shows at most three names "
                          f"and cuts {cut} of these lists with “et al.”, so the others may not show the name.\n" +
                          listing(shown), shown[:LIST_LIMIT])


def complete_lists(q: str, selected: list[Paper], scope_text: str) -> MetadataAnswer | None:
    """"How many entries show a complete author list (no “et al.”)?"."""
    if not COMPLETE_LISTS.search(q):
        return None
    full = [p for p in selected if not p.authors_truncated]
    return MetadataAnswer(f"{plural(len(full), 'paper')} of {len(selected)} in the listing{scope_text} show a "
                          f"complete author list; the other {len(selected) - len(full)} end in “et al.”" +
                          (":\n" + listing(full, authors=True) if full else "."), full[:LIST_LIMIT])


def titles_with(q: str, selected: list[Paper], scope_text: str) -> MetadataAnswer | None:
    """"How many titles contain 'neural network'?": the titles that write the quoted phrase (or the word after "the
    word", in any form)."""
    m = TITLE_PHRASE.search(q)
    if not m:
        return None
    written = (m.group(1) or m.group(2)).strip()
    phrase = fold(written)
    # one word unquoted, "in some form": its inflections too ("prompt": "prompting", "prompts")
    tail = r"\w*" if m.group(2) else ""
    found = [p for p in selected if re.search(rf"(?<!\w){re.escape(phrase)}{tail}(?!\w)", fold(p.title))]
    lead = f"{plural(len(found), 'title')} in the listing{scope_text} write “{written}”" + \
        (" (in any form)" if tail else "")
    return MetadataAnswer(lead + (":\n" + listing(found) if found else "."), found[:LIST_LIMIT])


def title_extremes(q: str, selected: list[Paper], scope_text: str) -> MetadataAnswer | None:
    """"Which paper has the longest title?": titles ranked by their number of words (letters break ties), the
    runners-up with their lengths, so that a reader sees how close they are."""
    m = TITLE_EXTREME.search(q)
    if not m or not selected:
        return None
    shortest = bool(re.search(r"shortest|fewest|briefest", m.group(0)))

    def length(p: Paper) -> tuple[int, int]:
        return len(p.title.split()), len(p.title)
    ranked = sorted(selected, key=lambda p: (length(p), p.title), reverse=not shortest)[:3]
    # counted in characters, another title may win: it is named too
    by_letters = sorted(selected, key=lambda p: (len(p.title), p.title), reverse=not shortest)[0]
    if by_letters not in ranked:
        ranked.append(by_letters)
    words, letters = length(ranked[0])
    which = "shortest" if shortest else "longest"
    lines = [f"- {p.title} [{i}]: {plural(length(p)[0], 'word')}, {plural(length(p)[1], 'character')}"
             for i, p in enumerate(ranked, 1)]
    in_letters = "" if by_letters is ranked[0] else \
        f" Counted in characters, the {which} is “{by_letters.title}” [{ranked.index(by_letters) + 1}]."
    return MetadataAnswer(f"The {which} title in the listing{scope_text} is “{ranked[0].title}” [1], with "
                          f"{plural(words, 'word')} ({plural(letters, 'character')}).{in_letters} In words and "
                          f"characters:\n" + "\n".join(lines), ranked)


def categories_compared(question: str, within: list[Paper], scope_text: str) -> MetadataAnswer | None:
    """"How many papers are in AI compared with LG?": each named category's count (codes as the listing writes
    them, upper-case)."""
    named = written_categories(question, within)
    if len(named) < 2:
        return None
    return MetadataAnswer(f"Papers per category{scope_text}:\n" + "\n".join(
        f"- {c}: {plural(sum(p.category == c for p in within), 'paper')}" for c in named))


def papers_with_affiliation(q: str, selected: list[Paper], scope_text: str) -> MetadataAnswer | None:
    """"How many papers have any affiliation listed?"."""
    if not re.search(r"\bhow many (?:papers|entries|works|articles)\b.*\b(?:affiliations?|institutions?)\b", q):
        return None
    listed = [p for p in selected if p.affiliations]
    return MetadataAnswer(f"{plural(len(listed), 'paper')} of {len(selected)} in the listing{scope_text} name an "
                          "affiliation" + (":\n" + listing(listed) if listed else "."), listed[:LIST_LIMIT])


# "which came out first, A or B?", "was A published before B?": the dates of the papers it names, compared
_ORDER = re.compile(r"\b(first|earlier|earliest|sooner|older|oldest|before|later|latest|last|newer|newest|"
                    r"more recent|most recent|after)\b(?! to\b)")
_LATER = frozenset("later latest last newer newest after".split()) | {"more recent", "most recent"}


def dates_compared(q: str, named: list[Paper]) -> MetadataAnswer | None:
    """The order in which the papers a question names came out, when it asks which was first or last."""
    m = _ORDER.search(q)
    if len(named) < 2 or not m or not re.search(r"\bor\b|\bbetween\b|\bvs\b|\bversus\b|\bbefore\b|\bafter\b", q):
        return None
    ordered = sorted(named, key=lambda p: p.date)
    pick = ordered[-1] if m.group(1) in _LATER else ordered[0]
    dates = "; ".join(f"{p.title} [{i}] is dated {p.long_date()}" for i, p in enumerate(named, 1))
    if sum(p.date == pick.date for p in named) > 1:
        return MetadataAnswer(f"They share a date in the listing: {dates}.", list(named))
    which = "last" if m.group(1) in _LATER else "first"
    return MetadataAnswer(f"{pick.title} came out {which}: {dates}.", list(named))
