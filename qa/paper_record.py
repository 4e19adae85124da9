"""One paper's own entry in the listing: who wrote it, when it is dated, where its authors were, whether it has code,
its category. Read from the parsed record, never from the abstract; the one-paper answer (qa.extractive) and the
bibliographic answers (qa.metadata) both state these fields.
"""
from __future__ import annotations

import re

from .papers import Paper
from .question import CATEGORY_NAMES, PAPER_AFFILIATION, PAPER_CATEGORY, PAPER_CODE, PAPER_DATE, fold
from .field_counts import LIST_LIMIT, plural as _plural, same_author as _same_author
from .types import MetadataAnswer

ORDINALS = ("first", "second", "third", "fourth", "fifth")
PLACES = {name: i for i, name in enumerate(ORDINALS)} | {"lead": 0}


def newest_first(papers: list[Paper]) -> list[Paper]:
    return sorted(papers, key=lambda p: (p.date, p.title), reverse=True)


def authors_of(paper: Paper, question: str, papers: list[Paper]) -> MetadataAnswer:
    """Who wrote the paper, as the question asks it: the author at a place of its list, its first or last author
    and the other papers that name them, or all its authors (saying so where the listing cuts the list)."""
    q = fold(question)
    names = ", ".join(paper.authors) + (" et al." if paper.authors_truncated else "")
    shown = len(paper.authors)
    if place := re.search(r"\b(second|third|fourth|fifth) author\b", q):  # "who is the third author of X?"
        at = PLACES[place.group(1)]
        if at < shown:
            return MetadataAnswer(f"The {place.group(1)} author of {paper.title} [1] is {paper.authors[at]} "
                                  f"(authors as listed: {names}).", [paper])
        return MetadataAnswer(f"The listing shows {_plural(shown, 'author')} for {paper.title} [1] ({names}), so its "
                              f"{place.group(1)} author is not shown." if paper.authors_truncated else
                              f"{paper.title} [1] has only {_plural(shown, 'author')}: {names}.", [paper])
    if re.search(r"\b(first|last|lead|senior|main) author\b|\bsame (first )?authors?\b|\b(those|these) authors\b", q):
        last = re.search(r"\b(last|senior) author\b", q)
        if last and paper.authors_truncated:
            return MetadataAnswer(f"The listing truncates the author list of {paper.title} [1] after three names "
                                  f"({names}), so its last author is not shown.", [paper])
        wanted = [paper.authors[-1]] if last else [paper.authors[0]] if re.search(r"\b(first|lead|main) author\b", q) \
            else list(paper.authors)
        others = newest_first([p for p in papers if p is not paper and
                                any(_same_author(a, w) for a in p.authors for w in wanted)])
        who = " or ".join(wanted)
        role = "last" if last else "first" if len(wanted) == 1 else "listed"
        lead = (f"The {role} author{'s' if len(wanted) > 1 else ''} of {paper.title} [1] "
                f"{'is' if len(wanted) == 1 else 'are'} {who}.")
        asked = listing_facts(question, paper, papers, authors=False)  # "... and when was it posted?"
        if asked:
            lead += f" It {_clauses(asked)}."
        if not others:
            return MetadataAnswer(lead + f" No other paper in the listing names {who} among its first three authors.",
                                  [paper])
        listing = "\n".join(f"- {p.title} ({p.year}) [{i}]" for i, p in enumerate(others[:LIST_LIMIT], 2))
        return MetadataAnswer(f"{lead} Other papers in the listing with {who}:\n{listing}\n\nNote: the listing shows "
                              "at most three authors per paper, so there may be more.", [paper] + others[:LIST_LIMIT])
    if paper.authors_truncated:
        return MetadataAnswer(f"{paper.title} [1] has more than {shown} authors: the listing shows the first {shown} "
                              f"({names}) and truncates the rest, so the exact number is not in the collection.",
                              [paper])
    return MetadataAnswer(f"{paper.title} [1] has {_plural(shown, 'author')}: {names}.", [paper])


# who wrote a paper, in the ways it is asked; not "the authors" doing something ("what do the authors add?", "X and
# co-authors, what …") or a text "written by" someone else: those ask what the abstract says (23 of 63 labelled paper
# questions read as asking for the authors were not)
AUTHORSHIP = re.compile(r"\bwho\b[^?,;]{0,40}\b(?:wrote|authored|co-?wrote|co-?authored|co-?authors?|authors?|"
                        r"written by|made|did)\b|\bwritten by whom\b|"
                        r"\b(?:which|what|list|name|names|give|show|tell)\b(?:(?!\b(?:do|did|does|can|could|would|will|"
                        r"have|has|had)\b)[^?,.;]){0,20}?\b(?:co-?)?authors?\b|^\W*(?:the\s+)?(?:co-?)?authors?\b|"
                        r"\bauthor (?:list|names?)\b|\bauthorship\b|\b(?:first|last|senior|lead) author\b|"
                        r"\b(?:qui a écrit|quién escribió|wer hat)\b|作者", re.IGNORECASE)
_QUANTITY = re.compile(r"\bhow (much|many|well|fast|large|big)\b|\baccuracy\b|\bscore\b|%", re.IGNORECASE)
_WHEN = re.compile(r"\b(when was|what year|which year|published when|date)\b|\bwhen\W*$")  # "who wrote it and when?"


def listing_facts(question: str, paper: Paper, papers: list[Paper] | None = None, authors: bool = True) -> list[str]:
    """The fields of the paper's own listing entry that the question asks for (authors, unless `authors` is off;
    date, affiliations, code flag, category), each as a clause after the title: from the listing, not the abstract."""
    q = fold(question)
    facts = []
    wrote = authors and bool(AUTHORSHIP.search(question))
    if wrote:
        facts.append(f"was written by {paper.authors_display()}" +
                     (" (the listing shows only the first three authors)" if paper.authors_truncated else ""))
    if (PAPER_DATE.search(q) or _WHEN.search(q)) and not _QUANTITY.search(question):
        facts.append(f"is dated {paper.long_date()} in the listing")
    if PAPER_AFFILIATION.search(q) or wrote and paper.affiliations:  # who wrote it: where they were, when listed
        given = sum(1 for p in papers if p.affiliations) if papers else 0
        facts.append("lists the affiliation" + ("s " if len(paper.affiliations) > 1 else " ") +
                     " and ".join(paper.affiliations) if paper.affiliations else
                     "names no affiliation in the listing" +
                     (f" (only {given} of its {len(papers)} papers give one)" if papers else ""))
    if PAPER_CODE.search(q):
        facts.append("is marked in the listing as having code" if paper.has_code else
                     "is not marked in the listing as having code")
    if PAPER_CATEGORY.search(q):
        name = CATEGORY_NAMES.get(paper.category, [""])[0]
        facts.append(f"is listed under {paper.category}" + (f" ({name})" if name else ""))
    return facts


def _clauses(facts: list[str]) -> str:
    return facts[0] if len(facts) == 1 else ", ".join(facts[:-1]) + " and " + facts[-1]


def facts_sentence(paper: Paper, facts: list[str], n: int = 1) -> str:
    return f"{paper.title} [{n}] {_clauses(facts)}."


def facts_of(paper: Paper, q: str, papers: list[Paper]) -> MetadataAnswer:
    """One paper's own listing fields, as many as the question asks for; its date when it names none."""
    facts = listing_facts(q, paper, papers) or [f"is dated {paper.long_date()} in the listing"]
    return MetadataAnswer(facts_sentence(paper, facts), [paper])
