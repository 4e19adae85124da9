"""Counts of what the listing's own fields show, for `qa.metadata`: whose name the author lists show, which lists
are complete, which titles write a phrase, which papers name an affiliation, categories side by side, and the dates
of the papers a question names in order. Also the cited list every metadata answer uses.
"""
from __future__ import annotations

import re
from collections import Counter

from .papers import MONTHS, Paper
from .question import (AUTHORS_ON_N, AUTHOR_SHOWN, COMPLETE_LISTS, DAY_OF_YEAR, INTERVAL, LENGTH_BOUND, SEASON,
                       SET_ASIDE, TITLE_EXTREME, TITLE_MARK, TITLE_PHRASE, YEAR_PART, YEARLESS, fold,
                       written_categories)
from .types import MetadataAnswer

LIST_LIMIT = 25
# a count or list of papers, not of people ("who appears most often besides him?") or of the header's figures
_COUNTED = re.compile(r"\bhow many\b|\bnumber of\b|\bwhich (?:[\w\-]+ ){0,2}?(?:papers|entries|works|articles)\b|"
                      r"\bcount\b")
# "which entries do not show his name?": the papers without it are asked for
_HIDDEN = re.compile(r"\b(?:not|never|missing|without|lacks?|lacking|absent)\b|n't\b")
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


def author_key(name: str) -> tuple[str, str] | None:
    """First and last name, folded: "Jane Doe" and "Jane A. Doe" are one person."""
    parts = fold(name).replace(".", " ").split()
    return (parts[0], parts[-1]) if parts else None


def same_author(a: str, b: str) -> bool:
    """"Jane Doe" and "Jane A. Doe": same first and last name."""
    return author_key(a) is not None and author_key(a) == author_key(b)


def names_person(who: str, name: str) -> bool:
    """A name an author list writes is the person a question names: a part of it ("Doe"), or the same first and
    last name ("Jane Doe" for "Jane A. Doe"). `types.Filters.matches` reads an author filter the same way."""
    return fold(who) in fold(name) or same_author(who, name)


def papers_of_most(papers: list[Paper], counts: dict[str, int], names_of) -> list[Paper]:
    """The papers behind the largest of `counts` (per person, `by_person`), whose `names_of(paper)` show one of the
    people counted that often; none when the largest count is 1."""
    most = max(counts.values(), default=0)
    tops = [name for name, k in counts.items() if k == most > 1]
    return [p for p in papers if any(same_author(a, t) for a in names_of(p) for t in tops)]


def by_person(names) -> Counter:
    """How often each person is named, a name with and without its middle initial counted as one person (shown as
    most often written)."""
    names = list(names)
    forms, people = Counter(names), {}
    for name in names:
        people.setdefault(author_key(name) or name, set()).add(name)
    return Counter({max(spelt, key=lambda n: (forms[n], n)): sum(forms[n] for n in spelt) for spelt in people.values()})


def paper_month(paper: Paper) -> int | None:
    match = re.match(r"\d{4}-(\d{2})", paper.date or "")
    return int(match.group(1)) if match else None


def names_owner(q: str, owner: str) -> bool:
    """The (folded) question names the profile's owner, in full or by surname."""
    return bool(owner) and (fold(owner) in q or bool(re.search(rf"\b{re.escape(fold(owner).split()[-1])}\b", q)))


def owner_shown(q: str, selected: list[Paper], owner: str, scope_text: str = "") -> MetadataAnswer | None:
    """"In how many papers does <owner> show up in the author list?" (of the papers in scope, or of the previous
    answer's): every listed paper is the owner's, but a list cut with "et al." may not show the name."""
    if not names_owner(q, owner) or not AUTHOR_SHOWN.search(q) or not _COUNTED.search(q) or _OTHERS.search(q):
        return None
    shown = [p for p in selected if any(same_author(a, owner) for a in p.authors)]
    hidden = [p for p in selected if p not in shown]
    cut = sum(p.authors_truncated for p in selected)
    every = f"All {len(selected)} are on the profile, but t" if not scope_text else "T"
    if _HIDDEN.search(q):
        listed = hidden
        counts = (f"{plural(len(hidden), 'paper')} of the {len(selected)} in the listing{scope_text} "
                  f"do{'es' if len(hidden) == 1 else ''} not show {owner}'s name in the author list; the other "
                  f"{len(shown)} do")
    else:
        listed = shown
        counts = (f"{owner}'s name is shown in the author lists of {plural(len(shown), 'paper')} of the "
                  f"{len(selected)} in the listing{scope_text}; the other {len(hidden)} do not show it")
    return MetadataAnswer(f"{counts}. {every}he listing shows at most three names and cuts {cut} of these lists with "
                          f"“et al.”, so the others may not show the name.\n" + listing(listed), listed[:LIST_LIMIT])


# "on how many is the list cut short with et al.?": the cut lists are asked for, not the complete ones
_CUT_ASKED = re.compile(r"\b(?:cut|truncated|shortened|abbreviated)\b|"
                        r"\bend(?:s|ing)?\b[^?]{0,30}\b(?:in|with)\W+et al\b|"
                        r"\b(?:use|uses|carry|carries|have|has|show|shows)\W+et al\b")
_WHOLE_ASKED = re.compile(r"\b(?:complete|full|whole|untruncated|uncut|entire|no|without)\b")


def complete_lists(q: str, selected: list[Paper], scope_text: str) -> MetadataAnswer | None:
    """"How many entries show a complete author list (no “et al.”)?"."""
    if not COMPLETE_LISTS.search(q):
        return None
    cut = bool(_CUT_ASKED.search(q)) and not _WHOLE_ASKED.search(q)
    shown = [p for p in selected if p.authors_truncated == cut]
    what, other = (("cut the author list short with “et al.”", "show it whole") if cut else
                   ("show a complete author list", "end in “et al.”"))
    return MetadataAnswer(f"{plural(len(shown), 'paper')} of {len(selected)} in the listing{scope_text} {what}; the "
                          f"other {len(selected) - len(shown)} {other}" +
                          (":\n" + listing(shown, authors=True) if shown else "."), shown[:LIST_LIMIT])


def dated_without_year(q: str, selected: list[Paper], scope_text: str) -> MetadataAnswer | None:
    """"Which paper's date has no year?": the papers whose source gives a date without one (read as a year the
    settings supply, which an answer must not pass off as the source's)."""
    if not YEARLESS.search(q):
        return None
    found = [p for p in selected if not p.year_given]
    if not found:
        return MetadataAnswer(f"Every paper in the listing{scope_text} is dated with a year.")
    lines = [f"- {p.title}: {p.long_date()} [{i}]" for i, p in enumerate(found, 1)]
    return MetadataAnswer(f"{plural(len(found), 'paper')} in the listing{scope_text} "
                          f"{'is' if len(found) == 1 else 'are'} dated without a year:\n" + "\n".join(lines),
                          found[:LIST_LIMIT])


# "how many distinct publication years appear?", "in how many different years were papers published?"
_DISTINCT_YEARS = re.compile(r"\bhow many (?:distinct|different|unique|separate|individual) (?:publication |calendar )?"
                             r"years\b|\bin how many (?:distinct |different |separate )?(?:publication )?years\b|"
                             r"\bnumber of (?:distinct|different|unique) (?:publication )?years\b")


def per_year_lines(selected: list[Paper]) -> list[str]:
    """Papers per year, newest first; a year the settings supplied to a date without one is said to be so."""
    counts = Counter(p.year for p in selected)
    yearless = Counter(p.year for p in selected if not p.year_given)
    return [f"- {year}: {plural(n, 'paper')}" + (f" ({yearless[year]} dated without a year, read as {year})"
                                                   if yearless[year] else "")
            for year, n in sorted(counts.items(), reverse=True)]


def distinct_years(q: str, selected: list[Paper], scope_text: str) -> MetadataAnswer | None:
    """"How many different years …?": the years the source writes (a supplied one is not counted), and the papers
    per year."""
    if not _DISTINCT_YEARS.search(q):
        return None
    dated = sorted({p.year for p in selected if p.year_given})
    yearless = sum(not p.year_given for p in selected)
    lead = (f"The papers{scope_text} that give a year span {plural(len(dated), 'different year')}, from {dated[0]} "
            f"to {dated[-1]}." if dated else f"No paper{scope_text} gives a year.")
    lead += f" Not counted: {plural(yearless, 'paper')} dated without a year." * bool(yearless)
    return MetadataAnswer(f"{lead} Papers per year:\n" + "\n".join(per_year_lines(selected)))


# what a title mark is called, and the characters that write it
_MARKS = {"colon": ":", "question mark": "?", "question": "?", "hyphen": "-‐–—", "dash": "-‐–—", "comma": ",",
          "digit": "0123456789", "number": "0123456789", "exclamation mark": "!"}


def titles_with(q: str, selected: list[Paper], scope_text: str) -> MetadataAnswer | None:
    """"How many titles contain 'neural network'?": the titles that write the quoted phrase (or the word after "the
    word", in any form); "… contain a colon?", "… are phrased as questions?": the titles that write that mark."""
    if mark := TITLE_MARK.search(q):
        name = mark.group(1) or "question"
        found = [p for p in selected if any(c in p.title for c in _MARKS[name])]
        what = "are phrased as questions (end in “?”)" if name == "question" else f"contain a {name}"
        lead = f"{plural(len(found), 'title')} of {len(selected)} in the listing{scope_text} {what}"
        return MetadataAnswer(lead + (":\n" + listing(found) if found else "."), found[:LIST_LIMIT])
    m = TITLE_PHRASE.search(q)
    if not m:
        return None
    written = (m.group(1) or m.group(2) or m.group(3)).strip()
    phrase = fold(written)
    if m.group(3) and len(phrase) > 4:  # "language models": "language model" in any form
        phrase = re.sub(r"(?<=[^s])s$", "", phrase)
    # unquoted, "in some form": its inflections too ("prompt": "prompting", "prompts")
    tail = r"\w*" if m.group(2) or m.group(3) else ""
    found = [p for p in selected if re.search(rf"(?<!\w){re.escape(phrase)}{tail}(?!\w)", fold(p.title))]
    lead = f"{plural(len(found), 'title')} in the listing{scope_text} write “{written}”" + \
        (" (in any form)" if tail else "")
    return MetadataAnswer(lead + (":\n" + listing(found) if found else "."), found[:LIST_LIMIT])


_ORDINAL = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
_HALF = re.compile(r"\b(first|1st|second|2nd|last) half\b|\bh([12])\b")
_QUARTER = re.compile(r"\b(first|1st|second|2nd|third|3rd|fourth|4th|last) quarter\b|\bq([1-4])\b")


def year_parts(question: str) -> list[tuple[str, set[int]]]:
    """The halves, quarters or seasons of a year the question names ("the first half of 2023", "Q4 2022", "the
    first half versus the second"), each with its months, in the question's order."""
    q = fold(question)
    if not YEAR_PART.search(q):
        return []
    found = []
    for m in SEASON.finditer(q):  # the northern seasons, by month
        season = m.group(1) or m.group(2)
        start = {"spring": 3, "summer": 6, "fall": 9, "autumn": 9}[season]
        found.append((m.start(), season, set(range(start, start + 3))))
    for m in _HALF.finditer(q):
        first = m.group(2) == "1" if m.group(2) else m.group(1) in ("first", "1st")
        found.append((m.start(), "first half" if first else "second half", set(range(1, 7) if first else range(7, 13))))
    for m in _QUARTER.finditer(q):
        n = int(m.group(2)) if m.group(2) else _ORDINAL.get(m.group(1), 4)
        found.append((m.start(), f"Q{n}", set(range(3 * n - 2, 3 * n + 1))))
    parts = {}
    for _, name, months in sorted(found, key=lambda t: t[0]):
        parts.setdefault(name, months)
    return list(parts.items())


def parts_compared(parts: list[tuple[str, set[int]]], within: list[Paper], scope_text: str) -> MetadataAnswer:
    """Each named part of a year with its count and papers, side by side."""
    each = [(name, sorted((p for p in within if paper_month(p) in months), key=lambda p: (p.date, p.title)))
            for name, months in parts]
    cited, lines = [], []
    for name, theirs in each:
        lines.append(f"- {name}: {plural(len(theirs), 'paper')}" + (": " + "; ".join(
            f"{p.title} [{len(cited) + i}]" for i, p in enumerate(theirs, 1)) if theirs else ""))
        cited += theirs
    lead = " and ".join(f"{plural(len(theirs), 'paper')} in {'the ' if ' ' in name else ''}{name}"
                        for name, theirs in each)
    return MetadataAnswer(f"The listing{scope_text} has {lead}.\n" + "\n".join(lines), cited[:LIST_LIMIT])


_NTH = re.compile(r"\b(second|third|fourth|2nd|3rd|4th)[- ](?:most recent|latest|newest|oldest|earliest)\b")


def nth_extreme(q: str, ordered: list[Paper], which: str, scope_text: str) -> MetadataAnswer | None:
    """"The second-oldest dated entry": the paper at that place of `ordered` (oldest or newest first), after the
    ones before it."""
    m = _NTH.search(q)
    if not m:
        return None
    n = _ORDINAL[m.group(1)]
    if len(ordered) < n:
        return MetadataAnswer(f"The listing{scope_text} has only {plural(len(ordered), 'paper')}.")
    picked, before = ordered[n - 1], ordered[:n - 1]
    ahead = "; ".join(f"{p.title} ({p.long_date()}) [{i}]" for i, p in enumerate(before, 2))
    rest = (f"Only {ahead} is {'older' if which == 'oldest' else 'more recent'}." if n == 2 else
            f"Before it come {ahead}.")
    return MetadataAnswer(f"The {m.group(1)} {which} paper in the listing{scope_text} is {picked.title}, dated "
                          f"{picked.long_date()} [1]. {rest}", [picked] + before)


_UNIT = re.compile(r"\b(days|weeks|months)\b")


def span(papers: list[Paper], scope_text: str, q: str = "") -> MetadataAnswer:
    """How long the listing's papers have been coming out; in days, weeks or months when that is asked."""
    ordered = sorted(papers, key=lambda p: (p.date, p.title))
    first, last = ordered[0], ordered[-1]
    years = sorted({p.year for p in papers})
    ends = f"{first.title} ({first.long_date()}) [1] to {last.title} ({last.long_date()}) [2]"
    text = (f"The papers in the listing{scope_text} span {last.year - first.year + 1} calendar years, from {ends}; "
            f"{len(years)} of those years have at least one paper.")
    unit = _UNIT.search(q)
    if unit and first.day and last.day:
        days = (last.day - first.day).days
        text = f"{_apart(days, unit.group(1))} separate the oldest and the newest paper in the listing{scope_text}, " \
               f"from {ends}."
    return MetadataAnswer(text, [first, last])


def _apart(days: int, unit: str) -> str:
    return {"days": plural(days, "day"), "weeks": f"{days // 7} weeks and {plural(days % 7, 'day')}",
            "months": f"about {round(days / 30.44)} months", "years": f"about {days / 365.25:.1f} years"}[unit]


def dates_apart(q: str, pair: list[Paper]) -> MetadataAnswer | None:
    """The time between the dates of the two papers a question asks about ("how many days passed between …?"), in
    the unit it asks for (days and months when it says none)."""
    if len(pair) != 2 or not INTERVAL.search(q):
        return None
    dates = "; ".join(f"{p.title} [{i}] is dated {p.long_date()}" for i, p in enumerate(pair, 1))
    first, last = sorted(pair, key=lambda p: p.date)
    if not all(p.year_given and p.day for p in pair):
        return MetadataAnswer(f"The listing does not give both full dates, so the time between them is not known: "
                              f"{dates}.", list(pair))
    days = (last.day - first.day).days
    unit = re.search(r"\b(days|weeks|months|years)\b", q)
    said = _apart(days, unit.group(1)) if unit else f"{_apart(days, 'days')} ({_apart(days, 'months')})"
    return MetadataAnswer(f"{said[0].upper()}{said[1:]} passed between them: {dates}.", list(pair))


def title_extremes(q: str, selected: list[Paper], scope_text: str) -> MetadataAnswer | None:
    """"Which paper has the longest title?": titles ranked by their number of words (letters break ties), the
    runners-up with their lengths, so that a reader sees how close they are."""
    m = TITLE_EXTREME.search(q)
    if not m or not selected:
        return None
    shortest = bool(re.search(r"shortest|fewest|briefest", m.group(0)))
    if (m.group(1) or m.group(2)).startswith("abstract"):
        return _abstract_extremes(selected, shortest, scope_text)

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


def within_bound(bound: str, n: int):
    """The test a count must pass: "more than 3" is k > 3, "at most 3" is k <= 3 ("over", "above", "longer than",
    "under", "less than", "shorter than" alike)."""
    above = bound in ("more than", "over", "above", "at least", "longer than")
    strict = bound not in ("at least", "at most")
    return lambda k: (k > n if strict else k >= n) if above else (k < n if strict else k <= n)


_SAID = {"longer than": "more than", "over": "more than", "shorter than": "fewer than", "less than": "fewer than",
         "under": "fewer than"}


def lengths_bounded(q: str, selected: list[Paper], scope_text: str) -> MetadataAnswer | None:
    """"Which titles are longer than ten words?", "How many abstracts have fewer than 100 words?": the papers past
    the bound, counted in words (or characters, when asked)."""
    m = LENGTH_BOUND.search(q)
    if not m:
        return None
    field = "title" if m.group(1).startswith("title") else "abstract"
    n = NUMBER_WORDS.get(m.group(3)) or int(m.group(3))
    unit = "word" if m.group(4).startswith("word") else "character"
    passes = within_bound(m.group(2), n)

    def size(p: Paper) -> int:
        text = p.title if field == "title" else p.abstract
        return len(text.split()) if unit == "word" else len(text)
    found = sorted((p for p in selected if passes(size(p))), key=lambda p: (-size(p), p.title))
    lines = [f"- {p.title} ({plural(size(p), unit)}) [{i}]" for i, p in enumerate(found[:LIST_LIMIT], 1)]
    bound = f"{_SAID.get(m.group(2), m.group(2))} {plural(n, unit)}"
    return MetadataAnswer(f"{plural(len(found), field)} of {len(selected)} in the listing{scope_text} "
                          f"{'has' if len(found) == 1 else 'have'} {bound}" +
                          (":\n" + "\n".join(lines) if lines else "."), found[:LIST_LIMIT])


def _abstract_extremes(selected: list[Paper], shortest: bool, scope_text: str) -> MetadataAnswer:
    """"Which paper has the shortest abstract?": abstracts ranked by their number of words."""
    ranked = sorted((p for p in selected if p.abstract), key=lambda p: (len(p.abstract.split()), p.title),
                    reverse=not shortest)[:3]
    if not ranked:
        return MetadataAnswer(f"No paper in the listing{scope_text} has an abstract.")
    which = "shortest" if shortest else "longest"
    lines = [f"- {p.title} [{i}]: {plural(len(p.abstract.split()), 'word')}" for i, p in enumerate(ranked, 1)]
    return MetadataAnswer(f"The {which} abstract in the listing{scope_text} is that of “{ranked[0].title}” [1], "
                          f"with {plural(len(ranked[0].abstract.split()), 'word')}. The {which} {len(ranked)}:\n" +
                          "\n".join(lines), ranked)


NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10}


def author_extremes(papers: list[Paper], fewest: bool, scope: str) -> MetadataAnswer:
    """The papers with the longest (or shortest) author lists, honest about lists the listing cuts short."""
    full = [p for p in papers if not p.authors_truncated]
    cut = [p for p in papers if p.authors_truncated]
    if not fewest and cut:
        return MetadataAnswer(
            f"The listing shows at most {max(len(p.authors) for p in cut)} names per paper and marks longer author "
            f"lists with “et al.”, so it cannot rank the largest ones exactly. {plural(len(cut), 'paper')}"
            f"{scope} {'has' if len(cut) == 1 else 'have'} a longer list than it shows:\n" + listing(cut),
            cut[:LIST_LIMIT])
    if not full:
        return MetadataAnswer(f"No paper{scope} has a complete author list in the listing.")
    target = (min if fewest else max)(len(p.authors) for p in full)
    chosen = [p for p in full if len(p.authors) == target]
    word = "fewest" if fewest else "most"
    return MetadataAnswer(f"The {word} authors on a paper{scope} is {target}: "
                          f"{plural(len(chosen), 'paper')} {'has' if len(chosen) == 1 else 'have'} "
                          f"{plural(target, 'author')}:\n" + listing(chosen), chosen[:LIST_LIMIT])


def authors_on(q: str, selected: list[Paper], scope_text: str, owner: str = "") -> MetadataAnswer | None:
    """"Which authors appear on four papers?": the names shown on exactly that many (or at least, "or more");
    the profile's owner is not one of its co-authors."""
    m = AUTHORS_ON_N.search(q)
    if not m:
        return None
    n = NUMBER_WORDS.get(m.group("n")) or int(m.group("n"))
    asked = "at least" if m.group("more") else (m.group("bound") or "").strip().replace("no more than", "at most")
    if asked in ("", "exactly", "only", "just"):
        within, bound = (lambda k: k == n), f"exactly {n}"
    else:  # (the bound as the answer says it)
        within = within_bound(asked, n)
        bound = f"{n} or more" if asked == "at least" else f"{_SAID.get(asked, asked)} {n}"
    counts: dict[str, list[Paper]] = {}
    shown: dict[tuple[str, str] | None, str] = {}  # each person under the first spelling met
    left_out = owner if re.search(r"\bco-?authors?\b", q) else ""
    role = role_asked(q)
    for p in selected:
        for a in at_role(p, role):
            if not (left_out and same_author(a, left_out)):
                counts.setdefault(shown.setdefault(author_key(a), a), []).append(p)
    found = sorted((a for a, ps in counts.items() if within(len(ps))), key=lambda a: (-len(counts[a]), a))
    noun = "paper" if n == 1 and "or more" not in bound else "papers"
    note = "" if role == "first" else (" The listing shows at most three names on some papers (“et al.”), so these "
                                       "are counts of the names shown.")
    placed = f" as {role} author" if role else ""
    if not found:
        return MetadataAnswer(f"No author is shown{placed} on {bound} {noun} in the listing{scope_text}.{note}")
    cited = [p for p in selected if any(p in counts[a] for a in found)][:LIST_LIMIT]
    number = {p.paper_id: i for i, p in enumerate(cited, 1)}
    lines = [f"- {a}: {plural(len(counts[a]), 'paper')}" + "".join(f" [{number[p.paper_id]}]" for p in counts[a]
                                                                     if p.paper_id in number) for a in found]
    are = "is" if len(found) == 1 else "are"
    return MetadataAnswer(f"{plural(len(found), 'author')} {are} shown{placed} on {bound} {noun} in the listing"
                          f"{scope_text}:\n" + "\n".join(lines) + ("\n" + note.strip() if note else ""), cited)


_ROLE = re.compile(r"\b(first|lead|last|senior)[- ]author(?:s|ed)?\b|\bauthors? (?:listed |named )?(first|last)\b")


def role_asked(q: str) -> str:
    """"first" or "last" when the question asks about one place in the author lists, else ""."""
    m = _ROLE.search(q)
    if not m:
        return ""
    return "last" if (m.group(1) or m.group(2)) in ("last", "senior") else "first"


def at_role(paper: Paper, role: str) -> list[str]:
    """The names of a paper at that place: the first, the last (unknown when the list is cut), or all shown."""
    if role == "first":
        return paper.authors[:1]
    if role == "last":
        return [] if paper.authors_truncated else paper.authors[-1:]
    return list(paper.authors)


def positions_of(who: str, last: bool, papers: list[Paper], scope_text: str) -> MetadataAnswer:
    """"On how many entries is X, and on which first?": every paper that shows X, those where X is first (or
    last) marked."""
    role = "last" if last else "first"
    theirs = sorted((p for p in papers if any(same_author(a, who) for a in p.authors)), key=lambda p: (p.date, p.title),
                    reverse=True)
    placed = [p for p in theirs
              if not (last and p.authors_truncated) and same_author(p.authors[-1 if last else 0], who)]
    lines = [f"- {p.title} ({p.year}){f' — {role} author' if p in placed else ''} [{i}]"
             for i, p in enumerate(theirs[:LIST_LIMIT], 1)]
    text = (f"{who} is an author of {plural(len(theirs), 'paper')} in the listing{scope_text}, and the {role} "
            f"author of {len(placed)} of them" + (": " + "; ".join(p.title for p in placed) if placed else "") + ".")
    return MetadataAnswer(text + ("\n" + "\n".join(lines) if lines else ""), theirs[:LIST_LIMIT])


def categories_compared(question: str, within: list[Paper], scope_text: str) -> MetadataAnswer | None:
    """"How many papers are in AI compared with LG?": each named category's count (codes as the listing writes
    them, upper-case)."""
    named = written_categories(question, within)
    if named and re.search(rf"\b(?:{SET_ASIDE}|beyond)\b", question, re.IGNORECASE):
        others = sorted((p for p in within if p.category not in named), key=lambda p: (p.category, p.date))
        ranked = Counter(p.category for p in others).most_common()
        if ranked and re.search(r"\b(?:which|what)\b[^?]{0,40}\b(?:(?:most|largest|biggest|second)\b[^?]{0,30}\b"
                                r"categor|categor(?:y|ies)\b[^?]{0,40}\b(?:most|largest|biggest|second)\b)", question,
                                re.IGNORECASE):
            # "apart from LG, which is the largest category?": the other categories ranked
            top = [c for c, n in ranked if n == ranked[0][1]]
            cited = [p for p in others if p.category in top][:LIST_LIMIT]
            return MetadataAnswer(f"Outside {', '.join(named)}, {' and '.join(top)} "
                                  f"{'holds' if len(top) == 1 else 'hold'} the most papers in the listing{scope_text}: "
                                  f"{plural(ranked[0][1], 'paper')}{' each' if len(top) > 1 else ''}:\n" +
                                  listing(cited) + f"\n\nPapers per category outside {', '.join(named)}:\n" +
                                  "\n".join(f"- {c}: {plural(n, 'paper')}" for c, n in ranked), cited)
        return MetadataAnswer(f"{plural(len(others), 'paper')} in the listing{scope_text} "
                              f"{'is' if len(others) == 1 else 'are'} outside "
                              f"{', '.join(named)}" + (":\n" + listing(others) if others else "."), others[:LIST_LIMIT])
    if len(named) < 2:
        return None
    return MetadataAnswer(f"Papers per category{scope_text}:\n" + "\n".join(
        f"- {c}: {plural(sum(p.category == c for p in within), 'paper')}" for c in named))


def papers_with_affiliation(q: str, selected: list[Paper], scope_text: str) -> MetadataAnswer | None:
    """"How many papers have any affiliation listed?"."""
    if not re.search(r"\bhow many (?:[\w\-]+ ){0,2}?(?:papers|entries|works|articles)\b.*\b(?:affiliations?|"
                     r"tags?|institutions?)\b", q):
        return None
    listed = [p for p in selected if p.affiliations]
    if re.search(r"\b(?:no|without|lack\w*|missing|not|none|neither)\b", q):  # "how many carry no affiliation tag?"
        bare = len(selected) - len(listed)
        return MetadataAnswer(f"{plural(bare, 'paper')} of {len(selected)} in the listing{scope_text} name no "
                              f"affiliation; the other {len(listed)} do" + (":\n" + listing(listed) if listed else "."),
                              listed[:LIST_LIMIT])
    return MetadataAnswer(f"{plural(len(listed), 'paper')} of {len(selected)} in the listing{scope_text} name an "
                          "affiliation" + (":\n" + listing(listed) if listed else "."), listed[:LIST_LIMIT])


_AFFILIATIONS_EACH = re.compile(r"\b(two|three|2|3|several|multiple|more than one)\s+(?:[\w\-]+\s+)?"
                                r"(?:affiliations?|institutions?)\b")


def affiliations_each(q: str, selected: list[Paper], scope_text: str) -> MetadataAnswer | None:
    """"Which entries carry two affiliation tags?": the papers by how many affiliations each names (exactly the
    number written, or two or more for "several", "more than one")."""
    m = _AFFILIATIONS_EACH.search(q)
    if not m:
        return None
    n = NUMBER_WORDS.get(m.group(1)) or (int(m.group(1)) if m.group(1).isdigit() else None)
    found = [p for p in selected if (len(p.affiliations) == n if n else len(p.affiliations) >= 2)]
    said = plural(n, "affiliation") if n else "two affiliations or more"
    lines = [f"- {p.title} ({', '.join(p.affiliations)}) [{i}]" for i, p in enumerate(found[:LIST_LIMIT], 1)]
    return MetadataAnswer(f"{plural(len(found), 'paper')} in the listing{scope_text} "
                          f"name{'s' if len(found) == 1 else ''} {said}" + (":\n" + "\n".join(lines) if lines else "."),
                          found[:LIST_LIMIT])


def name_forms(author: str, papers: list[Paper]) -> str:
    """How the papers write a person's name, when they write it more than one way ("Jane A. Doe" on one, "Jane Doe"
    on another): a note, else ""."""
    forms = Counter(a for p in papers for a in p.authors if names_person(author, a))
    if len(forms) < 2:
        return ""
    return "\n\nThe name is written " + " and ".join(f"“{name}” on {plural(k, 'paper')}" for name, k in
                                                   forms.most_common()) + "."


def shared_authors(q: str, named: list[Paper]) -> MetadataAnswer | None:
    """"Who is on both A and B?": the names the papers' author lists share (as shown)."""
    if len(named) < 2 or not re.search(r"\b(?:co-?)?authors?\b|\bwho\b", q) or not re.search(
            r"\bboth\b|\bin common\b|\bshared?\b|\beach of\b|\ball (?:three|of them)\b", q):
        return None
    names = [a for a in named[0].authors if all(any(same_author(a, b) for b in p.authors) for p in named[1:])]
    # "apart from X and Y": the names the question itself sets aside
    names = [a for a in names if not re.search(rf"\b(?:apart from|besides|other than|except)\b[^?]*\b"
                                               rf"{re.escape(fold(a).split()[-1])}\b", q)]
    titles = " and ".join(f"{p.title} [{i}]" for i, p in enumerate(named, 1))
    cut = any(p.authors_truncated for p in named)
    note = " (the listing shows only the first three authors of some of them, so others may be shared too)" if cut \
        else ""
    if not names:
        return MetadataAnswer(f"No other author is shown on both {titles}{note}.", list(named))
    return MetadataAnswer(f"{' and '.join(names)} {'is' if len(names) == 1 else 'are'} shown on both {titles}"
                          f"{note}.", list(named))


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


def months_of_year(selected: list[Paper], scope_text: str) -> MetadataAnswer | None:
    """Papers per month of the year, the busiest month's papers cited ("in which month were most papers released?")."""
    counts = Counter(m for p in selected if (m := paper_month(p)))
    if not counts:
        return None
    top = max(counts.values())
    busiest = " and ".join(MONTHS[m - 1] for m in sorted(counts) if counts[m] == top)
    lines = [f"- {MONTHS[m - 1]}: {plural(n, 'paper')}" for m, n in sorted(counts.items())]
    undated = len(selected) - sum(counts.values())
    several = " and " in busiest
    cited = [p for p in selected if counts.get(paper_month(p) or 0) == top][:LIST_LIMIT]
    return MetadataAnswer(f"{busiest} {'are' if several else 'is'} the most common month{'s' if several else ''}, with "
                          f"{plural(top, 'paper')}{' each' if several else ''}{scope_text}: " +
                          "; ".join(f"{p.title} [{i}]" for i, p in enumerate(cited, 1)) +
                          ". Papers per month of the year:\n" + "\n".join(lines) +
                          (f"\n\n{plural(undated, 'paper')} without a month are not counted." if undated else ""),
                          cited)


# "June 1": a day of the year, when no year follows it
_DAY = re.compile(r"\b(" + "|".join(m.lower()[:3] for m in MONTHS) + r")[a-z]*\.?\s+(\d{1,2})\b(?!,? \d{4})")


def shared_dates(q: str, selected: list[Paper], scope_text: str) -> MetadataAnswer:
    """The papers posted on the same day; on the same day of the year in any years when the question says so ("the
    same calendar day", "June 1, a year apart": then in different years, and that day only). A month or a year alone
    is not a day."""
    day = _DAY.search(q)
    yearly = bool(DAY_OF_YEAR.search(q) or day)
    on = f"{[m.lower()[:3] for m in MONTHS].index(day.group(1)) + 1:02d}-{int(day.group(2)):02d}" if day else ""
    apart = bool(re.search(r"\bapart\b|\bdifferent years\b", q))
    if re.search(r"\bsame (?:\w+ )?month\b", q):  # "in the same month (of the same year)"
        return _shared_months(selected, scope_text, yearly and not re.search(r"\bsame year\b", q))
    by_date: dict[str, list[Paper]] = {}
    for p in selected:
        if p.day:
            by_date.setdefault(p.date[5:] if yearly else p.date, []).append(p)
    shared = sorted(((d, ps) for d, ps in by_date.items() if len(ps) > 1 and d.endswith(on)
                     and not (apart and len({p.year for p in ps}) == 1)), reverse=True)
    undated = sum(not p.day for p in selected)
    left_out = (f" ({plural(undated, 'paper')} without a day in the listing {'is' if undated == 1 else 'are'} "
                f"left out.)") if undated else ""
    if not shared:
        return MetadataAnswer(f"No two papers in the listing{scope_text} share a "
                              f"{'day of the year' if yearly else 'date'}.{left_out}")
    cited = [p for _, ps in shared for p in ps][:LIST_LIMIT]
    number = {p.paper_id: i for i, p in enumerate(cited, 1)}
    lines = [f"- {ps[0].long_date().split(',')[0] if yearly else ps[0].long_date()}: " +
             "; ".join(f"{p.title}" + (f" ({p.year})" if yearly else "") +
                       (f" [{number[p.paper_id]}]" if p.paper_id in number else "") for p in ps)
             for d, ps in shared]
    groups = plural(len(shared), "day") + " of the year" if yearly else plural(len(shared), "date")
    are = "is" if len(shared) == 1 else "are"
    return MetadataAnswer(f"Yes: {groups} in the listing{scope_text} {are} shared by more than one paper:\n" +
                          "\n".join(lines) + (f"\n{left_out.strip()}" if left_out else ""), cited)


_AUTHORS_BOUND = re.compile(r"\b(more than|over|at least|fewer than|less than|under|at most)\s+"
                            r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?:listed\s+|named\s+)?"
                            r"(?:authors?|people|names)\b")


def authors_bounded(q: str, selected: list[Paper], scope_text: str) -> MetadataAnswer | None:
    """"Which papers have more than three authors?": the papers whose author count is known to pass the bound; a
    list cut with “et al.” has more authors than it shows, which settles some bounds and not others."""
    m = _AUTHORS_BOUND.search(q)
    if not m:
        return None
    n = NUMBER_WORDS.get(m.group(2)) or int(m.group(2))
    bound = m.group(1)
    passes = within_bound(bound, n)
    more = bound in ("more than", "over", "at least")  # a bound from below

    def known(p: Paper) -> bool | None:  # True / False, None when the cut list cannot tell
        if not p.authors_truncated:
            return passes(len(p.authors))
        fewest = len(p.authors) + 1  # a cut list has at least one author more than it shows
        if more:
            return True if passes(fewest) else None
        return None if passes(fewest) else False
    found = [p for p in selected if known(p)]
    unsure = sum(known(p) is None for p in selected)
    text = (f"{plural(len(found), 'paper')} in the listing{scope_text} {'has' if len(found) == 1 else 'have'} "
            f"{bound} {plural(n, 'author')}" + (":\n" + listing(found, authors=True) if found else "."))
    one = unsure == 1
    note = (f"\n\n{plural(unsure, 'paper')} end{'s' if one else ''} in “et al.”, so {'its' if one else 'their'} count "
            "cannot be told." if unsure else "")
    if any(p.authors_truncated for p in found):
        note += "\n\nA list ending in “et al.” has more authors than the three names the listing shows."
    return MetadataAnswer(text + note, found[:LIST_LIMIT])


def _shared_months(selected: list[Paper], scope_text: str, yearly: bool) -> MetadataAnswer:
    """The months (of a year, or of any year when `yearly`) with more than one paper."""
    by_month: dict[str, list[Paper]] = {}
    for p in selected:
        if paper_month(p):
            by_month.setdefault(p.date[5:7] if yearly else p.date[:7], []).append(p)
    shared = sorted(((m, ps) for m, ps in by_month.items() if len(ps) > 1), key=lambda t: (-len(t[1]), t[0]))
    if not shared:
        return MetadataAnswer(f"No two papers in the listing{scope_text} share a month.")
    cited = [p for _, ps in shared for p in ps][:LIST_LIMIT]
    number = {p.paper_id: i for i, p in enumerate(cited, 1)}
    lines = [f"- {MONTHS[int(m[-2:]) - 1]}{'' if yearly else ' ' + m[:4]}: {plural(len(ps), 'paper')}: " +
             "; ".join(p.title + (f" ({p.year})" if yearly else "") +
                       (f" [{number[p.paper_id]}]" if p.paper_id in number else "") for p in ps) for m, ps in shared]
    what = "month of the year" if yearly else "month"
    return MetadataAnswer(f"{len(shared)} {what}{'s' if len(shared) > 1 and not yearly else ''}"
                          f"{' (of any year)' if yearly else ''} in the listing{scope_text} "
                          f"{'has' if len(shared) == 1 else 'have'} more than one paper, busiest first:\n" +
                          "\n".join(lines), cited)


# two sides of one line counted: before and after a year, with and without code
_BEFORE_OR_AFTER = re.compile(r"\b(?:before|earlier than|prior to) or (?:after|later than|since)\s+((?:19|20)\d\d)\b|"
                              r"\b(?:after|later than|since) or (?:before|earlier than|prior to)\s+((?:19|20)\d\d)\b")
_CODE_OR_NOT = re.compile(r"\bwith(?:out)? (?:released |public )?code\b[^?.]{0,30}\b(?:or|than|versus|vs\.?|"
                          r"compared)\s+(?:to |with )?(?:those |ones |papers |entries )?with(?:out)?\b|\bcode or not\b")


def sides_compared(q: str, papers: list[Paper], scope_text: str) -> MetadataAnswer | None:
    """"Were more papers published before or after 2021?", "are there more papers with code or without?": both
    sides counted over `papers` (the scope without the year or code the question's words read alone)."""
    if m := _BEFORE_OR_AFTER.search(q):
        year = int(m.group(1) or m.group(2))
        before, after = sum(p.year < year for p in papers), sum(p.year > year for p in papers)
        during = sum(p.year == year for p in papers)
        side = "before" if before > after else "after"
        verdict = f"{abs(before - after)} more came out {side} it" if before != after else "as many before as after"
        return MetadataAnswer(f"The listing has {plural(before, 'paper')} from before {year} and {after} from after it"
                              f"{scope_text}, {during} from {year} itself: {verdict}.")
    if _CODE_OR_NOT.search(q):
        coded = sum(bool(p.has_code) for p in papers)
        side = "with" if coded > len(papers) - coded else "without"
        verdict = (f"{abs(2 * coded - len(papers))} more {side} code" if 2 * coded != len(papers)
                   else "as many with code as without")
        return MetadataAnswer(f"Of the {plural(len(papers), 'paper')} in the listing{scope_text}, {coded} are marked "
                              f"as having code and {len(papers) - coded} are not: {verdict}.")
    return None
