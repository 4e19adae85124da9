"""The months a bibliographic question names, as a filter on the papers' dates: one month or several ("posted in
December", "in January, February or March"), a span of months in any year ("between July and December"), and a span
with month-and-year bounds ("from July 2021 to March 2022", "since March 2021", "before May 2020")."""
from __future__ import annotations

import re

from .field_counts import paper_month
from .papers import MONTHS, Paper
from .question import fold, mended_months
from .sources.common import month_number

_MONTHS = [m.lower() for m in MONTHS]
_MONTH_WORDS = "|".join(_MONTHS) + r"|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
_MONTH_RE = re.compile(rf"\b({_MONTH_WORDS})\b")


# a span of months: "between July and December", "from March to May", "Jan–Jun", "July 2021 to March 2022"
_MONTH_SPAN = re.compile(r"\b(?:(between)\s+)?(?:(?:from|in|during)\s+)?(?P<a>" + _MONTH_WORDS +
                         r")\b(?:\s+(?P<y1>\d{4}))?\s*(?:-|–|—|\bto\b|\bthrough\b|\buntil\b|\btill\b|"
                         r"(?P<and>\band\b))\s*(?P<b>" + _MONTH_WORDS + r")\b(?:\s+(?P<y2>\d{4}))?")


# one month of a year as a bound of a span, the other bound a year or open: "since March 2021", "after October 2022",
# "from January 2021 until the end of 2022"; "before May 2020", "between 2019 and March 2021"
_YEAR_WORD = r"(?:19|20)\d\d"
_UNTIL = r"(?:-|–|—|\bto\b|\bthrough\b|\bthru\b|\buntil\b|\btill\b|\bup to\b|\band\b)"
_FROM_MONTH = re.compile(rf"\b(since|from|between|after|starting(?: in| from)?|beginning(?: in| from)?)\s+"
                         rf"(?:the start of\s+)?({_MONTH_WORDS})\.?,?\s+({_YEAR_WORD})\b(?:\s*{_UNTIL}\s*"
                         rf"(?:the end of\s+)?({_YEAR_WORD})\b|"
                         r"\s*(,?\s*(?:on(?:wards?)?|and (?:later|after)|or later))\b)?")
_TO_MONTH = re.compile(rf"(?:\b(?:from|between|since)\s+({_YEAR_WORD})\s*{_UNTIL}\s*|"
                       rf"\b(before|until|till|through|up to|by|prior to|earlier than)\s+)(?:the end of\s+)?"
                       rf"({_MONTH_WORDS})\.?,?\s+({_YEAR_WORD})\b")
_OPEN = ((0, 1), (9999, 12))
# the words that say a month is when papers came out ("posted in December", "from May 2023")
_DATED = re.compile(r"\b(published|released|came out|come out|posted|appeared|submitted|dated|from|in|during|between|"
                    r"fall)\b")


def _shifted(year: int, month: int, by: int) -> tuple[int, int]:
    n = year * 12 + month - 1 + by
    return n // 12, n % 12 + 1


def _month_bound(q: str) -> tuple[str, tuple[tuple[int, int], tuple[int, int]]] | None:
    """A span with one month-and-year bound (`_FROM_MONTH`, `_TO_MONTH`): how the answer describes it, and its first
    and last (year, month), open ends as `_OPEN`'s; "after" and "before" leave the month named out."""
    name = lambda at: f"{_MONTHS[at[1] - 1].capitalize()} {at[0]}"
    if m := _FROM_MONTH.search(q):
        start = (int(m.group(3)), month_number(m.group(2)))
        if m.group(1) == "after":
            start = _shifted(*start, 1)
        if m.group(4):
            end = (int(m.group(4)), 12)
            return (f"{name(start)} to {name(end)}", (start, end)) if start <= end else None
        # "papers from May 2023" are of that month; "from May 2023 on" and "since May 2023" are not
        return (f"{name(start)} onward", (start, _OPEN[1])) if m.group(5) or m.group(1) not in ("from", "between") \
            else None
    if m := _TO_MONTH.search(q):
        end = (int(m.group(4)), month_number(m.group(3)))
        if m.group(2) in ("before", "prior to", "earlier than"):
            end = _shifted(*end, -1)
        if m.group(1):
            start = (int(m.group(1)), 1)
            return (f"{name(start)} to {name(end)}", (start, end)) if start <= end else None
        return f"up to {name(end)}", (_OPEN[0], end)
    return None


def in_span(paper: Paper, span: tuple[tuple[int, int], tuple[int, int]]) -> bool:
    """The paper's (year, month) is in the span; one dated by its year alone, when that year lies inside it."""
    month = paper_month(paper)
    if month is None:
        return paper.year is not None and span[0][0] < paper.year < span[1][0]
    return span[0] <= (paper.year, month) <= span[1]


def months_named(question: str) -> tuple[str, set[int], tuple[tuple[int, int], tuple[int, int]] | None] | None:
    """The months a question names ("papers from May 2023", "posted in December", "in January, February or March",
    "between July and December 2022"): how the answer describes them, their numbers 1-12, and the first and last
    (year, month) of a span written with two years ("from July 2021 to March 2022") or bounded by one month of a year
    ("since March 2021"); None when it names none."""
    q = mended_months(fold(question))
    # "may" is also a verb
    found = [m for m in _MONTH_RE.finditer(q)
             if m.group(1) != "may" or re.search(r"\b(?:in|from|of|during|and|or|to|between) may\b|\bmay \d{4}\b|"
                                                 r"\bmay(?: and| or|,| to|-)", q[max(0, m.start() - 9):m.end() + 5])]
    dated = bool(found) and _DATED.search(q) is not None  # the months are when papers came out
    span = _MONTH_SPAN.search(q) if dated else None
    if span and (span.group("and") is None or span.group(1)):  # "in January and March" names two months
        first, last = month_number(span.group("a")), month_number(span.group("b"))
        years = (int(span.group("y1")), int(span.group("y2"))) if span.group("y1") and span.group("y2") else None
        if years and years[0] != years[1]:
            months = set(range(1, 13))
            return (f"{_MONTHS[first - 1].capitalize()} {years[0]} to {_MONTHS[last - 1].capitalize()} {years[1]}",
                    months, ((years[0], first), (years[1], last)))
        months = {(first - 1 + i) % 12 + 1 for i in range((last - first) % 12 + 1)}
        return f"months {_MONTHS[first - 1].capitalize()} to {_MONTHS[last - 1].capitalize()}", months, None
    if bound := _month_bound(q):  # "since March 2021", "before May 2020"
        return bound[0], set(range(1, 13)), bound[1]
    if not dated:
        return None
    numbers = sorted({month_number(m.group(1)) for m in found})
    names = [_MONTHS[n - 1].capitalize() for n in numbers]
    return (f"month {names[0]}" if len(names) == 1 else "months " + ", ".join(names[:-1]) + f" or {names[-1]}",
            set(numbers), None)
