"""Bibliographic questions answered exactly from the parsed records, never by a model.

Counts, lists by year/category/author/code, newest/oldest, co-authors and the
profile's own figures. Every paper named in an answer is cited.
"""
from __future__ import annotations

import datetime as _dt
import re
from collections import Counter
from dataclasses import replace

from .papers import MONTHS, Paper, Profile
from .question import (AUTHOR_PLACE, AUTHORS_ON_N, AUTHOR_EXTREME, AUTHOR_SHOWN, AVERAGE, BUSIEST_YEAR, CATEGORY_NAMES,
                       COLLECTION_WIDE, HOW_LONG, OTHER_TIME, PAPER_FACT, PAPER_MOST_PEOPLE, PEOPLE, PER_MONTH,
                       PER_PAPER_CITATIONS, SAME_DAY, SET_ASIDE, SETS_APART, SHARE, code_filter, compares_years,
                       find_affiliation, find_affiliations, find_author, fold, listing_terms,
                       named_years, parse_category, parse_years, without_name_years)
from .field_counts import (LIST_LIMIT, NUMBER_WORDS, author_extremes, authors_bounded, authors_on, categories_compared,
                           complete_lists, dated_without_year, distinct_years, listing as _listing, names_owner,
                           owner_shown, paper_month, per_year_lines, papers_with_affiliation, parts_compared,
                           plural as _plural, positions_of, lengths_bounded, role_asked, at_role,
                           same_author as _same_author, shared_dates, months_of_year, title_extremes, titles_with,
                           within_bound, year_parts, affiliations_each, name_forms, names_person, nth_extreme,
                           papers_of_most, span as _span, by_person, sides_compared)
from .paper_record import (ORDINALS, PLACES, authors_of, facts_of, facts_sentence, listing_facts,
                           newest_first)
from .month_spans import in_span, months_named
from .text import ACRONYM_PLURAL, STOP, WORD
from .types import Filters, MetadataAnswer

_SUBSET = re.compile(r"\b(?:which|how many) of (?:them|those|these)\b", re.IGNORECASE)
# "how many" in the languages the router's glossary knows (the question is folded first)
_COUNTING = re.compile(r"\bhow many\b|\bnumber of\b|\bcount\b|combien|cu[aá]ntos|quant[oi]s?\b|wie viele|hoeveel|"
                       r"сколько|多少|几篇|何本|いくつ|몇")
# years above or below a number of papers ("in which years did he publish more than 5 papers?")
_YEARS_OVER = re.compile(r"\byears?\b.{0,40}\b(more than|over|above|at least|fewer than|less than|under|at most)\s+"
                         r"(\d+)\s+(?:papers?|publications?|articles?)\b")
# "in the last three years": the newest years the listing has papers from (a listing of past work is not dated today)
_RECENT_YEARS = re.compile(r"\b(?:last|past|previous|most recent|latest)\s+(\d{1,2}|" + "|".join(NUMBER_WORDS) +
                           r")\s+years\b")


def _stated_scope(question: str, papers: list[Paper], owner: str) -> Filters:
    year_from, year_to = parse_years(without_name_years(question, papers))
    recent = _RECENT_YEARS.search(fold(question)) if year_from is None and year_to is None else None
    if recent and (years := [p.year for p in papers if p.year]):
        n = NUMBER_WORDS.get(recent.group(1)) or int(recent.group(1))
        year_from, year_to = max(years) - n + 1, max(years)
    return Filters(year_from=year_from, year_to=year_to, category=parse_category(question, papers),
                   author=find_author(question, papers, exclude=owner), has_code=code_filter(question, loose=True))


# Questions about one paper's author list; the assistant finds that paper (named, or from the conversation).
PER_PAPER_AUTHORS = re.compile(
    r"\bhow many (?:co-?)?authors\b|\bnumber of authors\b|\bauthor (?:list|count)\b|"
    r"\b(?:its|the|their|this paper's|that paper's|the paper's) (?:first|last|lead|senior|main) author\b|"
    r"\b(?:its|this paper's|that paper's|the paper's) (?:second|third|fourth|fifth) author\b|"
    r"\bthe (?:second|third|fourth|fifth) author (?:of|on|in)\b|"
    # "who is first author on the X paper?" (not "… on two papers")
    r"\bwho(?: is|'s| was) (?:first|last|lead|senior|main) author (?:of|on|in) (?:the|this|that) (?!most\b)|"
    # "who is printed second on X?" (`listing_terms` reads it for the answer; read whole here, it would take "the
    # first name shown" of a count of people for one paper's)
    r"\b(?:printed|listed|shown|named|credited) (?:first|second|third|fourth|fifth|last) (?:on|in|for)\b|"
    r"\bsame (?:first )?authors?\b|\b(?:those|these) authors\b|\b(?:that|the same) year\b", re.IGNORECASE)
# papers per category are named when this few are counted (more would bury the counts)
NAMED_PER_CATEGORY = 10
# (a listing that shows at most three names answers "four authors" with none, and says why)
_AUTHOR_COUNT = re.compile(r"\b(?:only |exactly |just )?(one|two|three|four|five|six|seven|eight|nine|ten|single|sole|"
                           r"[1-9]|1[0-9]) (?:listed )?authors?\b|"
                           r"\b(single|solo|sole)[- ]authored\b|"
                           r"\b(?:only |exactly |just )?(one|two|[12]) (?:other |more )?(?:co-?authors?|collaborators?)\b|"
                           # "just him and one other author", "with one other person": the researcher and n more
                           r"\b(?:him|her|them)(?:self|selves)? and (?:only |exactly |just )?(one|two|[12]) (?:other|more)\b|"
                           r"\b(?:only |exactly |just )?(one|two|[12]) other (?:persons?|people|researchers?)\b|"
                           # "a team of three", "written by exactly four people": n in all
                           r"\b(?:(?:team|group) of|by|with) (?:only |exactly |just )?(one|two|three|four|five|six|"
                           r"seven|eight|nine|ten|[1-9]|1[0-9]) (?:people|persons|researchers|writers|authors)\b")


def _average(q: str, papers: list[Paper], scope: Filters, scope_text: str, owner: str) -> MetadataAnswer:
    """A mean the listing holds exactly: authors a paper, days between papers, papers a month or a year."""
    if not papers:
        return MetadataAnswer(f"No paper in the listing matches{scope_text}.")
    if re.search(r"\b(?:co-?)?authors?\b|\bauthor lists?\b", q):
        others = bool(re.search(r"\bco-?authors?\b", q))  # co-authors: the profile's owner is not counted

        def size(p: Paper) -> int:
            return sum(1 for a in p.authors if not (others and owner and fold(a) == fold(owner)))

        def hidden(p: Paper) -> int:  # the one name "et al." surely hides may be the owner's
            return 0 if others and owner and not any(fold(a) == fold(owner) for a in p.authors) else 1

        whole = [p for p in papers if not p.authors_truncated]
        cut = len(papers) - len(whole)
        noun = "co-authors" if others else "authors"
        text = (f"{_plural(len(whole), 'paper')} in the listing{scope_text} "
                f"{'gives its' if len(whole) == 1 else 'give their'} whole author list: "
                f"{sum(size(p) for p in whole) / len(whole):.1f} {noun} on average." if whole else
                f"No paper in the listing{scope_text} gives its whole author list.")
        if cut:  # a list cut short ("et al.") has at least one name more than it shows
            floor = (sum(size(p) for p in whole) +
                     sum(size(p) + hidden(p) for p in papers if p.authors_truncated)) / len(papers)
            text += (f" The other {cut} name only part of their authors (“et al.”), so over all {len(papers)} "
                     f"papers the mean is at least {floor:.1f}.")
        return MetadataAnswer(text)
    dated = sorted((p for p in papers if p.day), key=lambda p: p.day)
    if re.search(r"\bdays?\b|\bweeks?\b|\bgaps?\b|\binterval|\bbetween (?:\w+ )?(?:papers|publications)\b|\bhow often\b",
                 q) and len(dated) >= 2:
        gaps = [(b.day - a.day).days for a, b in zip(dated, dated[1:])]
        mean = sum(gaps) / len(gaps)
        left_out = len(papers) - len(dated)
        return MetadataAnswer(
            f"From {dated[0].long_date()} to {dated[-1].long_date()}, the {len(dated)} papers in the listing"
            f"{scope_text} with a full date came out {mean:.0f} days apart on average (about {mean / 30.44:.1f} months); the longest gap "
            f"is {max(gaps)} days and the shortest {min(gaps)}." +
            (f" {_plural(left_out, 'paper')} without a day {'is' if left_out == 1 else 'are'} left out." if left_out
             else ""))
    if re.search(r"\bmonths?\b|\bmonthly\b", q):
        months = sorted((p.year, m) for p in papers if (m := paper_month(p)))
        if months:  # the months the scope names ("since 2022": from January 2022), else those the papers span
            first = (scope.year_from, 1) if scope.year_from else months[0]
            last = (scope.year_to, 12) if scope.year_to and scope.year_to < _dt.date.today().year else months[-1]
            span = (last[0] - first[0]) * 12 + last[1] - first[1] + 1
            left_out = len(papers) - len(months)
            return MetadataAnswer(f"{_plural(len(months), 'paper')} in the listing{scope_text} over the {span} months "
                                  f"from {MONTHS[first[1] - 1]} {first[0]} to {MONTHS[last[1] - 1]} {last[0]}: "
                                  f"{len(months) / span:.2f} a month on average." +
                                  (f" {_plural(left_out, 'paper')} without a month "
                                   f"{'is' if left_out == 1 else 'are'} left out." if left_out else ""))
    if re.search(r"\byears?\b|\bannual\w*|\byearly\b|\bpapers?\b|\bpublish\w*|\bhow often\b", q):
        years = [p.year for p in papers if p.year]
        low, high = scope.year_from or min(years), scope.year_to or max(years)
        span = high - low + 1
        return MetadataAnswer(f"The listing has {_plural(len(years), 'paper')}{scope_text} over the {span} years from "
                              f"{low} to {high}: {len(years) / span:.1f} a year on average.")
    return MetadataAnswer("", understood=False)


def listing_holds(papers: list[Paper], profile: Profile) -> str:
    """What the listing can answer exactly, for a bibliographic question it cannot compute."""
    fields = ["title", "date", "category", "authors"]
    if any(p.affiliations for p in papers):
        fields.append("affiliations")
    fields.append("whether code is available")
    figures = [name for name, value in (("h-index", profile.h_index), ("citations", profile.citations))
               if value is not None]
    text = (f"This is not a figure the listing computes. For each of its {len(papers)} papers it holds the "
            f"{', '.join(fields[:-1])} and {fields[-1]}")
    if figures:
        text += f", and the profile's {' and '.join(figures)}"
    return text + ("; it counts, lists and ranks papers by these. The answer below is drawn from the abstracts "
                   "instead.")


# "in how many papers ... the author list?" counts papers; "how many authors ...?" reads one paper's list
_PAPERS_COUNTED = re.compile(r"\bin how many\b|\bhow many (?:of (?:the|his|her|their) )?(?:[\w\-]+ ){0,2}?"
                             r"(?:papers|entries|works|articles|titles|publications|listings)\b|"
                             r"\bnumber of (?:papers|entries)\b|\bwhich (?:\w+ ){0,2}?(?:papers?|entry|entries)\b")


_PICKED = re.compile(r"\b(?:oldest|earliest|newest|latest|most recent|first|last)\b(?: \w+)? "
                     r"(?:paper|entry|work|article)\b")


# "is X ever the lead author?", "how often is X the last author?": a place in the author lists across the papers
# (all 5 labelled questions of a paper's author place that write such a word ask across the listing)
_ACROSS_PAPERS = re.compile(r"\b(?:ever|how often|how many times|always|never|usually|often|sometimes|"
                            r"(?:is|are) there (?:a|an|any|one)|"  # "is there an entry where X is the first author?"
                            r"(?:any|the most) (?:paper|entr|work|article|publication)\w*)\b")


def needs_paper_context(question: str) -> bool:
    q = fold(question)
    # "the oldest paper that shows X in its author list" picks a paper from the listing: not one already meant
    return bool(PER_PAPER_AUTHORS.search(q)) and not _PAPERS_COUNTED.search(q) and not _PICKED.search(q) and \
        not _ACROSS_PAPERS.search(q) and not PEOPLE.search(q)


# "of the 2023 entries, how many have code?": the papers the opening names are the whole
_OF_THE = re.compile(r"^\W*(?:and )?(?:of|among) (?:the|his|her|those|these|all)\b([^,?]*),? how many\b")


def _share(papers: list[Paper], selected: list[Paper], scope: Filters, stated: Filters, given: Filters,
           among: list[Paper] | None, whole: Filters | None = None) -> MetadataAnswer:
    """What share of the papers a filter picks ("what share of his papers have code?"): the filter the question
    states is the part, the rest of the scope the whole (unless `whole` says which papers are)."""
    if whole is None:
        for name in ("has_code", "category", "author"):
            if getattr(stated, name) is not None and getattr(given, name) is None:
                whole = replace(scope, **{name: None})
                break
        else:
            if stated.year_from is None and stated.year_to is None:
                return MetadataAnswer("", understood=False)
            whole = replace(scope, year_from=given.year_from, year_to=given.year_to)
    base = [p for p in papers if whole.matches(p) and (not among or p in among)]
    part = [p for p in selected if p in base]
    if not base:
        return MetadataAnswer(f"No paper in the listing matches{' (' + whole.describe() + ')' if whole.active else ''}.")
    described = replace(scope, **{k: None for k in ("year_from", "year_to", "category", "author", "has_code")
                                 if getattr(whole, k) == getattr(scope, k)}).describe()
    of = f"the {len(base)} papers in the listing" + (f" ({whole.describe()})" if whole.active else "")
    text = (f"{len(part)} of {of} ({100 * len(part) / len(base):.0f}%) match{'es' if len(part) == 1 else ''}"
            f" ({described})")
    return MetadataAnswer(text + (":\n" + _listing(part) if part else "."), part[:LIST_LIMIT])


def _without_code_flag(papers: list[Paper], scope: Filters, among: list[Paper] | None) -> tuple[list[Paper], str]:
    """The papers of the scope with its code flag set aside, newest first, and that scope described."""
    unflagged = replace(scope, has_code=None)
    described = unflagged.describe()
    return (newest_first([p for p in papers if unflagged.matches(p) and (not among or p in among)]),
            f" ({described})" if described else "")


def _people(papers: list[Paper], owner: str, scope_text: str, role: str = "") -> MetadataAnswer:
    """How many different people the listing names besides the owner, honest about author lists cut short; or
    how many different people are first (last) authors."""
    if role:
        placed = by_person(shown for p in papers for shown in at_role(p, role))
        unknown = sum(not at_role(p, role) for p in papers)
        top = ", ".join(f"{n} ({k})" for n, k in placed.most_common(5) if k > 1)
        cited = papers_of_most(papers, placed, lambda p: at_role(p, role))[:LIST_LIMIT]  # behind the top count
        return MetadataAnswer(f"{len(placed)} different {'person is' if len(placed) == 1 else 'people are'} the "
                              f"{role} author of the {_plural(len(papers) - unknown, 'paper')} in the listing"
                              f"{scope_text}" + (f"; the most frequent are {top}" if top else "") + "." +
                              (f" {unknown} papers name only part of their authors (“et al.”), so their last author "
                               "is not known." if unknown else "") +
                              ("\n\nPapers of the most frequent:\n" + _listing(cited) if cited else ""), cited)
    others = [a for p in papers for a in p.authors if not (owner and fold(a) == fold(owner))]
    cut = sum(p.authors_truncated for p in papers)
    top = Counter(others).most_common(5)
    text = (f"The listing names {len({fold(a) for a in others})} different co-authors across its {_plural(len(papers), 'paper')}"
            f"{scope_text}" + (f"; the most frequent are " + ", ".join(f"{n} ({k})" for n, k in top) if top else "") +
            ".")
    if cut:
        text += f" {cut} of the papers name only part of their authors (“et al.”), so the true number is larger."
    return MetadataAnswer(text)


def _positions(last: bool, papers: list[Paper], who: str | None, scope_text: str, place: str = "first"
               ) -> MetadataAnswer:
    """Who is first (second, third, or last) author how often, or how often one person is; a list cut short has no
    known last."""
    at_place = PLACES.get(place, 0)
    ranked = [p for p in papers if len(p.authors) > at_place and not (last and p.authors_truncated)]
    role = "last" if last else ORDINALS[at_place]
    skipped = len(papers) - len(ranked)
    one = skipped == 1
    note = (f" {_plural(skipped, 'paper')} name{'s' if one else ''} only part of {'its' if one else 'their'} authors "
            f"(“et al.”), so {'its' if one else 'their'} last author is not known and {'is' if one else 'are'} not "
            "counted." if last and skipped else "")

    def at(p: Paper) -> str:
        return p.authors[-1] if last else p.authors[at_place]

    if who:
        hits = newest_first([p for p in ranked if names_person(who, at(p))])
        text = f"{who} is the {role} author of {_plural(len(hits), 'paper')} in the listing{scope_text}"
        return MetadataAnswer(text + (":\n" + _listing(hits) if hits else ".") +
                              ("\n\n" + note.strip() if note else ""), hits[:LIST_LIMIT])
    counts = by_person(at(p) for p in ranked).most_common(5)
    if not counts:
        return MetadataAnswer(f"No paper in the listing{scope_text} has a known {role} author.{note}")
    cited = papers_of_most(ranked, dict(counts), lambda p: [at(p)])
    return MetadataAnswer(f"The most frequent {role} authors in the listing{scope_text}: " +
                          "; ".join(f"{name} ({_plural(k, 'paper')})" for name, k in counts) + "." + note +
                          ("\n\nPapers of the most frequent:\n" + _listing(cited) if cited else ""), cited[:LIST_LIMIT])


def form_answer(form, papers: list[Paper], profile: Profile, filters: Filters | None) -> MetadataAnswer:
    """The answer to a form of qa.forms: computed as any bibliographic question, or, for a form about one paper's
    authors ("Who wrote {paper}?", which the one-paper answer states), from that paper's listing entry."""
    result = answer_metadata(form.asked, papers, profile, filters, context_papers=[form.paper] if form.paper else None)
    if not result.understood and form.paper is not None:
        facts = listing_facts(form.asked, form.paper, papers)
        if facts:
            return MetadataAnswer(facts_sentence(form.paper, facts), [form.paper])
    return result


def _first(*values):
    return next((v for v in values if v not in (None, "")), None)


# the profile's header and its count of papers ("does the header's count match the entries listed?")
_HEADER = re.compile(r"\bheader\b|\bprofile (?:says|claims|gives|counts|lists)\b")
# the words a count of the whole listing is asked in ("how many papers has he published in total?")
_WHOLE_COUNT = frozenset("""how many number count counts total altogether overall all papers paper articles article works
work publications publication preprints studies study entries items records listing listed list lists collection
profile there here in does do did has have had he she they researcher author authors published publish publishes
written write wrote authored are is were was of the a an his her their this that it contain contains hold holds
include includes included so far yet currently now exactly put together""".split())


def _counts_what_the_listing_lacks(q: str, papers: list[Paper], owner: str, question: str = "") -> bool:
    """A count restricted by a word the papers' titles and abstracts use and the listing's fields do not ("how many
    papers mention Atari?", "... are on world models?", "… GPUs?" where abstracts write "GPU"): not the listing's
    total. Words of other languages are not the abstracts' words, so "¿cuántos artículos hay?" stays a total."""
    words = _topic_words(q, owner) | {fold(a) for a in ACRONYM_PLURAL.findall(question)}
    return bool(words) and bool(words & _written(papers))


def _topic_words(q: str, owner: str) -> set[str]:
    """The words of a (folded) question besides those of asking for papers and counting them."""
    return {w for w in WORD.findall(q) if len(w) > 2 and w not in STOP} - _WHOLE_COUNT - set(WORD.findall(fold(owner)))


_written_cache: dict[tuple, frozenset[str]] = {}


def _written(papers: list[Paper]) -> frozenset[str]:
    """The words of the papers' titles and abstracts, once per collection version."""
    key = (len(papers), papers[0].content_hash(), papers[-1].content_hash()) if papers else ()
    if key not in _written_cache:
        _written_cache.clear()
        _written_cache[key] = frozenset(w for p in papers for w in WORD.findall(fold(f"{p.title} {p.abstract}")))
    return _written_cache[key]


def answer_metadata(question: str, papers: list[Paper], profile: Profile,
                    filters: Filters | None = None, previous_question: str = "",
                    context_papers: list[Paper] | None = None, among: list[Paper] | None = None) -> MetadataAnswer:
    """`previous_question` scopes a follow-up ("and how many of those are from 2019?"); `context_papers` are the
    paper(s) a per-paper question is about ("how many authors does it have?"); `among` are the papers of the previous
    answer, for "which of those came out after 2020?"."""
    question = listing_terms(question)
    q = fold(question)
    if AVERAGE.search(q):  # "the average number of authors per paper" is about the collection, not one paper
        context_papers = None
    if context_papers and re.search(r"\b(?:that|the same) year\b", q):
        paper = context_papers[0]
        same = newest_first([p for p in papers if p.year == paper.year and p is not paper])
        lead = f"{paper.title} [1] is from {paper.year}."
        if not same:
            return MetadataAnswer(f"{lead} No other paper in the listing is from {paper.year}.", [paper])
        listing = "\n".join(f"- {p.title} ({p.date}) [{i}]" for i, p in enumerate(same[:LIST_LIMIT], 2))
        return MetadataAnswer(f"{lead} The listing has {_plural(len(same), 'other paper')} from {paper.year}:\n"
                              f"{listing}", [paper] + same[:LIST_LIMIT])
    if context_papers and PAPER_FACT.search(q) and not COLLECTION_WIDE.search(q):
        return facts_of(context_papers[0], q, papers)
    if context_papers and needs_paper_context(question):
        return authors_of(context_papers[0], question, papers)
    owner = profile.name or ""
    given = filters or Filters()  # set in the UI/CLI: wins over the question
    stated = _stated_scope(question, papers, owner)
    if among and owner and stated.author is None and find_author(question, papers) == owner:
        # "which of those print <the owner>?": the owner narrows the papers before by their printed author lists,
        # though over the whole listing the owner's name scopes nothing
        stated = replace(stated, author=owner)
    earlier = _stated_scope(previous_question, papers, owner) if previous_question else Filters()
    scope = Filters(year_from=_first(given.year_from, stated.year_from, earlier.year_from),
                    year_to=_first(given.year_to, stated.year_to, earlier.year_to),
                    category=_first(given.category, stated.category, earlier.category),
                    author=_first(given.author, stated.author, earlier.author),
                    has_code=_first(given.has_code, stated.has_code, earlier.has_code))
    author = scope.author
    # "…, and which of them have code?": the papers without the code flag, then those with code among them
    code_of_them = bool(stated.has_code and given.has_code is None and _SUBSET.search(q))
    named_affiliations = find_affiliations(question, papers)  # "cambridge or berkeley": either
    affiliation = named_affiliations[0] if named_affiliations else (find_affiliation(previous_question, papers)
                                                                    if previous_question else None)
    affiliations = set(named_affiliations) or {affiliation}
    parts = year_parts(question)  # a half written with its months ("H1 (Jan-Jun)") names no single month
    part = parts[0] if parts else None
    named_months = None if part else months_named(question)
    months = named_months[1] if named_months else part[1] if part else None
    dated = named_months[2] if named_months else None  # "from July 2021 to March 2022"
    if dated:  # the span's own years, not the years the question's words read alone ("after October 2022")
        scope = replace(scope, year_from=given.year_from, year_to=given.year_to)
    selected = newest_first([p for p in papers if scope.matches(p) and
                              (affiliation is None or affiliations & {a.lower() for a in p.affiliations}) and
                              (months is None or paper_month(p) in months) and (not among or p in among) and
                              (dated is None or in_span(p, dated))])

    listed, claimed = len(papers), profile.papers_claimed
    with_affiliation = sum(1 for p in papers if p.affiliations)
    affiliation_note = (f"\n\nNote: the listing names affiliations for only {with_affiliation} of its {listed} "
                        "papers, so others may share it." if with_affiliation < listed else "")

    def scope_text(with_part: bool = True) -> str:
        described = [scope.describe()] if scope.describe() else []
        if named_months:
            described.append(named_months[0])
        if part and with_part:
            described.append(part[0])
        if affiliation:
            described.append(f"affiliation {' or '.join(sorted(affiliations))}")
        if among:
            described.append(f"among the {len(among)} paper{'' if len(among) == 1 else 's'} of the previous answer")
        return f" ({'; '.join(described)})" if described else ""

    # "which papers are missing?": the header counts more papers than the listing has, and does not name them
    if re.search(r"\b(which|what|name|list)\b.{0,30}\b(missing|left out|not (listed|included)|omitted)\b", q) \
            and not _COUNTING.search(q):
        gap = (f"The profile header counts {claimed} papers but the listing has {listed}"
               if claimed and claimed != listed else f"The listing has {listed} papers")
        return MetadataAnswer(f"The listing cannot say which papers it leaves out. {gap}, and it does not name the others.")

    # citations per paper: the listing does not have them, whatever the wording
    if PER_PAPER_CITATIONS.search(q):
        total = f" ({profile.citations:,} for the whole profile)" if profile.citations is not None else ""
        return MetadataAnswer("The listing gives a citation count only for the profile as a whole" + total +
                              ", not for single papers, so it cannot say how often a given paper is cited.")

    # the profile's own figures (several may be asked at once)
    other_time = OTHER_TIME.search(q)
    figures = [(r"h[- ]?index|índice h|indice h|h指数",
                f"an h-index of {profile.h_index}" if profile.h_index is not None else "no h-index"),
               (r"citation|cited|citas|zitat|引用",
                f"{profile.citations:,} citations" if profile.citations is not None else "no citation count"),
               (r"novelty|nouveaut|novedad|neuheit|新颖",
                f"a novelty score of {profile.novelty}" if profile.novelty else "no novelty score"),
               (r"ai score|score ia|puntuaci[oó]n ia|ai-score",
                f"an AI score of {profile.ai_score}" if profile.ai_score else "no AI score"),
               # the header's, not a paper's ("which primary category does the profile's header give?")
               (r"^(?=.*\b(?:profile|header)\b).*\b(?:primary|main) (?:subject )?category\b",
                f"the primary category {_category_named(profile.primary_category)}" if profile.primary_category
                else "no primary category")]
    asked = [i for i, (pattern, _) in enumerate(figures) if re.search(pattern, q) and not (i == 1 and author)]
    if asked and re.search(rf"\b(?:{SETS_APART})\b", q) and re.search(r"\b(?:other|else|remaining)\b", q):
        # "apart from the h-index, which other figures does the header give?": the figures not named
        asked = [i for i in range(len(figures)) if i not in asked]
    facts = [figures[i][1] for i in asked]
    # "how many papers and citations does the profile have?": its claimed paper count joined to another figure
    if facts and re.search(r"\b(?:papers|publications|works)\b(?: and|,| or)|\b(?:and|or) (?:the )?(?:number of )?"
                           r"(?:papers|publications|works)\b", q):
        facts.insert(0, (f"{claimed} papers (the listing has {listed})" if claimed != listed else f"{listed} papers")
                     if claimed else f"no paper count ({listed} papers in the listing)")
    if facts:
        who = f"{owner}'s profile" if owner else "The profile"
        text = (f"According to the listing's header, {who} shows " + ", ".join(facts[:-1]) +
                (" and " if len(facts) > 1 else "") + facts[-1] + ".")
        if other_time:
            text = "The listing has only the current figures, not earlier or future ones. " + text
        return MetadataAnswer(text)

    if AVERAGE.search(q):
        return _average(q, selected, scope, scope_text(), owner)
    if SHARE.search(q):
        return _share(papers, selected, scope, stated, given, among)
    if (opening := _OF_THE.search(q)) and not context_papers:
        named = _stated_scope(opening.group(1), papers, owner)
        whole = Filters(**{k: _first(getattr(given, k), getattr(named, k)) for k in
                           ("year_from", "year_to", "category", "author", "has_code")})
        if whole.active and whole != scope:  # the rest of the question narrows the papers the opening names
            return _share(papers, selected, scope, stated, given, among, whole)
    if PEOPLE.search(q):
        return _people(selected, owner, scope_text(), role_asked(q))
    if HOW_LONG.search(q) and selected:
        return _span(selected, scope_text(), q)
    if (m := AUTHOR_PLACE.search(q)) and not AUTHORS_ON_N.search(q):  # "who leads three papers?": authors_on below
        # "he", "his": the profile's owner
        said = names_owner(q, owner) or bool(owner and re.search(r"\b(?:he|she|him|her|his)\b", q))
        who = scope.author or (owner if said else None)
        if who or re.search(r"\bmost (?:common|frequent|often)\b|\bmost papers\b|\bhow many\b|\bwhich papers\b", q):
            last = (m.group(1) or m.group(2) or m.group(3)) in ("last", "senior")
            if who and re.search(r"\bhow many\b|\bnumber of\b", q) and re.search(
                    r"\band\b.{0,40}\b(?:first|last|lead|senior)\b", q):  # "on how many is X, and on which first?"
                return positions_of(who, last, selected, scope_text())
            if who and code_of_them:  # "X's papers as first author, and those of them with code"
                within, described = _without_code_flag(papers, scope, among)
                found = _positions(last, within, who, described)
                coded = [f"{p.title} [{i}]" for i, p in enumerate(found.papers, 1) if p.has_code]
                return MetadataAnswer(found.text + (f"\n\n{len(coded)} of them {'has' if len(coded) == 1 else 'have'} "
                                                    "code: " + "; ".join(coded) + "." if coded else
                                                    "\n\nNone of them is marked as having code."), found.papers)
            return _positions(last, selected, who, scope_text(), place=m.group(1) or "first")

    # what the listing's fields show: the owner's name in the author lists, complete lists, a phrase in titles
    if found := owner_shown(q, selected, owner, scope_text()) or dated_without_year(q, selected, scope_text()) \
            or titles_with(q, selected, scope_text()) \
            or title_extremes(q, selected, scope_text()) or lengths_bounded(q, selected, scope_text()) \
            or authors_on(q, selected, scope_text(), owner) \
            or (complete_lists(q, selected, scope_text()) if _COUNTING.search(q) or re.search(r"\b(which|list)\b", q)
                else None):
        return found

    # most frequent co-authors
    if not PAPER_MOST_PEOPLE.search(q) and re.search(
            r"(most|frequent|often|top|main|common)\w*\s+(co-?authors?|collaborators?)|collaborat\w* (the )?most"
            r"|\b(most|often|frequent)\w*\b.*\bco-?authors?\b|\bco-?author(?:s|ed)?\b.*\b(most|often|frequent)"
            r"|\bwho (?:has )?co-?authored (?:the )?most\b"
            r"|who (does|did) .* (work|collaborate|publish) with|\bwrite with more\b|\bwith more often\b"
            r"|\b(?:who|which (?:author|person|researcher|name))\b (appears|shows up|comes up)\b.*\b(most|often)\b"
            r"|\bmost (common|frequent) (name|author)s?\b", q):
        counts = Counter(a for p in selected for a in p.authors if fold(a) != fold(owner))
        top = counts.most_common(8)
        if not top:
            return MetadataAnswer(f"The listing names no co-author{scope_text()}.")
        lines = [f"- {name}: {_plural(n, 'paper')}" for name, n in top]
        shared = [p for p in selected if top[0][0] in p.authors]  # the papers behind the first count, cited
        return MetadataAnswer(f"Most frequent co-authors in the listing{scope_text()}:\n" + "\n".join(lines) +
                              f"\n\nPapers with {top[0][0]}:\n" + _listing(shared) +
                              "\n\nThe listing shows at most three authors per paper, so these counts are lower "
                              "bounds.", shared[:LIST_LIMIT])

    # several categories compared; how many papers name an affiliation at all
    if not given.category and (_COUNTING.search(q) or
                               re.search(rf"\b(?:{SET_ASIDE})\b", q)):
        unscoped = replace(scope, category=None)
        within = [p for p in papers if unscoped.matches(p) and (not among or p in among)]
        described = f" ({unscoped.describe()})" if unscoped.describe() else ""
        if found := categories_compared(question, within, described) or (
                None if affiliation else papers_with_affiliation(q, selected, scope_text())):
            return found

    # per-category breakdown
    if re.search(r"\b(which|what|list|how many)\b.*\bcategor(y|ies)\b|categor(y|ies) breakdown|per category|"
                 r"by category", q) and not scope.category:
        counts = Counter(p.category for p in selected)
        ranked = counts.most_common()
        # a few papers (the entries of one year, say) are named under their category, so each count can be checked
        named = [p for code, _ in ranked for p in selected if p.category == code] \
            if len(selected) <= NAMED_PER_CATEGORY else []
        lines = [f"- {_category_named(code)}: {_plural(n, 'paper')}" for code, n in ranked]
        titled = [line + (": " + "; ".join(f"{p.title} [{i}]" for i, p in enumerate(named, 1) if p.category == code)
                          if named else "") for line, (code, _) in zip(lines, ranked)]
        if re.search(r"\bhow many (?:\w+ ){0,2}categories\b", q):  # "how many distinct categories appear?"
            return MetadataAnswer(f"{len(counts)} different categor{'y appears' if len(counts) == 1 else 'ies appear'}"
                                  f" in the listing{scope_text()}:\n" + "\n".join(titled), named)
        top = max(counts.values(), default=0)
        leaders = [code for code, n in ranked if n == top]
        if leaders and re.search(r"\bmost (?:[\w-]+ )?(?:often|common|frequent|papers|entries|works|articles)\b|"
                                 r"\b(?:top|leading|biggest|largest)\b", q):  # "the most 2023 entries"
            cited = [p for p in selected if p.category in leaders][:LIST_LIMIT]  # "which category appears most often?"
            return MetadataAnswer(f"{' and '.join(leaders)} {'is' if len(leaders) == 1 else 'are'} the most common "
                                  f"categor{'y' if len(leaders) == 1 else 'ies'}{scope_text()}, with "
                                  f"{_plural(top, 'paper')}{' each' if len(leaders) > 1 else ''}: " +
                                  "; ".join(f"{p.title} [{i}]" for i, p in enumerate(cited, 1)) +
                                  ".\n\nPapers per category:\n" + "\n".join(lines), cited)
        return MetadataAnswer(f"Papers per category{scope_text()}:\n" + "\n".join(titled), named)

    if found := affiliations_each(q, selected, scope_text()):  # "which entries carry two affiliation tags?"
        return found
    # which affiliations appear
    if re.search(r"\b(which|what|list|all|how many)\b.*\b(affiliations?|tags|institutions?|universit(y|ies)|"
                 r"organi[sz]ations?|compan(y|ies)|labs?)\b|(per|by) (affiliation|institution)", q) and not affiliation:
        counts = Counter(a for p in selected for a in p.affiliations)
        if counts:
            lines = [f"- {code}: {_plural(n, 'paper')}" for code, n in counts.most_common()]
            return MetadataAnswer(f"{_plural(len(counts), 'different affiliation')} "
                                  f"{'is' if len(counts) == 1 else 'are'} named in the listing"
                                  f"{scope_text()}:\n" + "\n".join(lines) + affiliation_note)

    if len(parts) >= 2 and not affiliation:  # "H1 2021 against H2", "Q1 and Q3 of 2019"
        return parts_compared(parts, [p for p in papers if scope.matches(p) and (not among or p in among)],
                              scope_text(with_part=False))
    # papers with a given affiliation or from a given month ("in May 2023", "posted in December, in any year")
    if affiliation or named_months or part:
        note = affiliation_note if affiliation else ""
        if not selected:
            return MetadataAnswer(f"No paper in the listing matches{scope_text()}.{note}")
        lead = (f"{_plural(len(selected), 'paper')} in the listing match{'es' if len(selected) == 1 else ''}"
                if _COUNTING.search(q) else f"The listing has {_plural(len(selected), 'paper')}") + f"{scope_text()}:"
        return MetadataAnswer(lead + "\n" + _listing(selected) + note, selected[:LIST_LIMIT])

    # papers per month of the year ("in which month were most papers released?")
    if PER_MONTH.search(q) and (found := months_of_year(selected, scope_text())):
        return found

    if found := authors_bounded(q, selected, scope_text()):  # "more than three authors", "at least two authors"
        return found
    # the largest or smallest author lists ("which papers have the most authors?")
    if m := AUTHOR_EXTREME.search(q):
        fewest = bool(re.search(r"fewest|fewer|least|less|smallest|shortest", m.group(0)))
        return author_extremes(selected, fewest, scope_text())

    unsided = replace(scope, year_from=given.year_from, year_to=given.year_to, has_code=given.has_code)
    if found := sides_compared(q, [p for p in papers if unsided.matches(p) and (not among or p in among)],
                               f" ({unsided.describe()})" if unsided.describe() else ""):
        return found
    # several years compared ("how many papers in 2019 compared with 2023?")
    years = sorted(set(named_years(q)) & {p.year for p in papers})
    if len(years) >= 2 and compares_years(q) and not given.year_from and not given.year_to:
        unscoped = replace(scope, year_from=None, year_to=None)
        within = [p for p in papers if unscoped.matches(p) and (not among or p in among)]
        per_year = {y: [p for p in within if p.year == y] for y in years}
        cited = [p for ps in per_year.values() for p in ps][:LIST_LIMIT]  # each year's papers, named and cited
        number = {id(p): i for i, p in enumerate(cited, 1)}
        lines = []
        for y, ps in per_year.items():
            named = [f"{p.title} [{number[id(p)]}]" for p in ps if id(p) in number]
            rest = len(ps) - len(named)
            lines.append(f"- {y}: {_plural(len(ps), 'paper')}" + (": " + "; ".join(named) if named else "") +
                         (f"{'; ' if named else ': '}and {rest} more" if rest else ""))
        parts = [f"{_plural(len(ps), 'paper')} in {y}" for y, ps in per_year.items()]
        lead = ", ".join(parts[:-1]) + " and " + parts[-1]
        top = max(len(ps) for ps in per_year.values())
        most = [str(y) for y, ps in per_year.items() if len(ps) == top]
        fewer = [(y, len(ps)) for y, ps in per_year.items() if len(ps) < top]
        verdict = (f" {most[0]} has {top - fewer[0][1]} more than {fewer[0][0]}." if len(per_year) == 2 and fewer else
                   f" {most[0]} has the most." if len(most) == 1 else
                   f" {' and '.join(most)} have the same number." if len(most) == len(per_year) else
                   f" {' and '.join(most)} have the most.")
        return MetadataAnswer(f"The listing has {lead}{scope_text() if unscoped.active else ''}.{verdict}\n" +
                              "\n".join(lines), cited)

    # papers with a given number of listed authors
    if m := _AUTHOR_COUNT.search(q):
        word = m.group(1) or m.group(2) or m.group(3) or m.group(4) or m.group(5) or m.group(6)
        n = {"single": 1, "sole": 1, "solo": 1, **NUMBER_WORDS}.get(word) or int(word)
        if m.group(3) or m.group(4) or m.group(5):  # "with just one other co-author": the researcher and one more
            n += 1
        matching = [p for p in selected if len(p.authors) == n and not p.authors_truncated]
        text = (f"{_plural(len(matching), 'paper')} in the listing{scope_text()} "
                f"{'has' if len(matching) == 1 else 'have'} exactly {_plural(n, 'author')}")
        # said only where the listing cut author lists: a collection with whole lists counts every paper
        note_three = ("\n\nThe listing shows at most three names and marks longer author lists with “et al.”; "
                      "those are not counted.") if any(p.authors_truncated for p in selected) else ""
        if not matching:
            return MetadataAnswer(text + "." + note_three)
        return MetadataAnswer(text + ":\n" + _listing(matching, authors=True) + note_three, matching[:LIST_LIMIT])

    # years without papers
    if re.search(r"\b(no|zero|without)\s+(papers?|publications?)\b|\bmissing years?\b|\bgaps?\b.*\byears?\b|"
                 r"\byears?\b.*\bgaps?\b", q) and re.search(r"\byears?\b", q):
        years = sorted({p.year for p in selected if p.year})
        low = scope.year_from or (years[0] if years else None)
        high = scope.year_to or (years[-1] if years else None)
        if low is not None and high is not None:
            empty = [y for y in range(low, high + 1) if y not in years]
            span = f"between {low} and {high}"
            text = (f"The listing has no paper from {', '.join(map(str, empty))} ({span})." if empty
                    else f"Every year {span} has at least one paper in the listing.")
            return MetadataAnswer(text)

    if SAME_DAY.search(q):  # papers that share a date, or a day of the year ("June 1, a year apart")
        return shared_dates(q, selected, scope_text())

    if found := distinct_years(q, selected, scope_text()):  # "in how many different years were papers published?"
        return found
    # per-year breakdown / busiest year
    if BUSIEST_YEAR.search(q) or _YEARS_OVER.search(q) or \
            re.search(r"per[- ]year|each year|by year|year by year|most productive", q):
        counts = Counter(p.year for p in selected)
        lines = per_year_lines(selected)
        if m := _YEARS_OVER.search(q):  # "in which years did he publish more than 5 papers?"
            n = int(m.group(2))
            meets = within_bound(m.group(1), n)
            met = sorted(y for y, k in counts.items() if meets(k))
            lead = (f"{_plural(len(met), 'year')} {'has' if len(met) == 1 else 'have'} {m.group(1)} {n} papers"
                    f"{scope_text()}: {', '.join(map(str, met))}. " if met else
                    f"No year has {m.group(1)} {n} papers{scope_text()}. ")
            return MetadataAnswer(f"{lead}Papers per year:\n" + "\n".join(lines))
        if re.search(r"\bmedian\b", q) and counts:  # over every year of the span, the years without papers too
            low, high = scope.year_from or min(counts), scope.year_to or max(counts)
            per = sorted(counts.get(y, 0) for y in range(low, high + 1))
            mid = len(per) // 2
            median = per[mid] if len(per) % 2 else (per[mid - 1] + per[mid]) / 2
            return MetadataAnswer(f"The median is {median:g} papers a year over the {len(per)} years from {low} to "
                                  f"{high}{scope_text()}, counting years without papers. Papers per year:\n" +
                                  "\n".join(lines))
        fewest = bool(re.search(r"\b(?:fewest|least|quietest|slowest|(?:smallest|lowest) (?:number|count|total))\b", q))
        lead, tied = "", []
        if counts:  # every year at the extreme: a tie is said, not broken
            top = min(counts.values()) if fewest else max(counts.values())
            tied = sorted(y for y, k in counts.items() if k == top)
            each = " each" if len(tied) > 1 else ""
            lead = (f"The quietest year{'s' if len(tied) > 1 else ''} with papers {'are' if len(tied) > 1 else 'is'} "
                    f"{' and '.join(map(str, tied))}, with {_plural(top, 'paper')}{each}. "
                    if fewest else f"The busiest year is {tied[-1]} with {_plural(top, 'paper')}. " if len(tied) == 1
                    else f"The busiest years are {' and '.join(map(str, tied))}, with {_plural(top, 'paper')} each. ")
        extreme = [p for p in selected if p.year in tied][:LIST_LIMIT]  # the papers of the extreme year, cited
        lines = [line + "".join(f" [{i}]" for i, p in enumerate(extreme, 1) if p.year == year)
                 for line, year in zip(lines, sorted(counts, reverse=True))]
        return MetadataAnswer(f"{lead}Papers per year{scope_text()}:\n" + "\n".join(lines), extreme)

    # newest / oldest; q is folded: accents are gone ("más reciente" -> "mas reciente"); not "in the last three years"
    newest = not _RECENT_YEARS.search(q) and re.search(
        r"\b(most recent(?:ly)?|latest|newest|last)\b|mas recientes?|plus recent|neueste|nieuwste|"
        r"\bmore recent\b|\bnewer\b|"
        r"meest recente|piu recent|mais recente|последн|новейш|самая новая|最新|가장 최근|احدث|सबसे नया|en yeni|moi nhat", q)
    # "the first to collect diamonds", "the first of its kind": a claim an abstract makes, not the listing's order (of
    # 31 labelled questions that write one, 25 are one paper's and 6 several papers', none bibliographic)
    oldest = re.search(r"\b(oldest|earliest|first(?!\s+(?:to|of (?:its|their) kind|at|ever)\b)|older(?! than))\b|"
                       r"mas antigu|plus ancien|alteste|oudste|piu vecch|"
                       r"mais antig|"
                       r"старейш|самая старая|самая ранняя|最早|最も古い|가장 오래된|اقدم|सबसे पुराना|en eski|cu nhat", q)
    if (newest or oldest) and re.search(r"\b(?:full|complete|whole) dates?\b|\bdated? (?:with|by) (?:a |the )?year\b|"
                                        r"\bdated (?:papers?|entr(?:y|ies)|works?|articles?)\b", q):
        selected = [p for p in selected if p.year_given] or selected  # a date without a year is not full
    if newest and oldest and selected and re.search(r"\bseparat|\bapart\b|\bbetween\b|\bspan|\bgap\b|"
                                                    r"\bhow (?:much time|long)\b", q):
        return _span(selected, scope_text(), q)  # "how far apart are the first and the last paper?"
    if newest and oldest and selected and re.search(r"\band\b", q):  # "which is the earliest, and which the latest?"
        first, last = selected[-1], selected[0]
        return MetadataAnswer(f"The oldest paper in the listing{scope_text()} is {first.title}, dated "
                              f"{first.long_date()} [1]; the most recent is {last.title}, dated "
                              f"{last.long_date()} [2].", [first, last])
    if (newest or oldest) and selected:
        if names_owner(q, owner) and AUTHOR_SHOWN.search(q) and not scope.author:  # "… that shows <owner>'s name"
            selected = [p for p in selected if any(_same_author(a, owner) for a in p.authors)] or selected
        many = re.search(r"\b(\d+|three|five|ten)\b.*\b(most recent|latest|newest|oldest|earliest)\b", q)
        n = 1
        if many:
            word = many.group(1)
            n = NUMBER_WORDS.get(word) or int(word)
        ordered = selected if newest else list(reversed(selected))
        if found := nth_extreme(q, ordered, "most recent" if newest else "oldest", scope_text()):
            return found
        chosen = ordered[:max(1, min(n, LIST_LIMIT))]
        which = "most recent" if newest else "oldest"
        if len(chosen) == 1:
            p = chosen[0]
            dated = next((d for d in ordered if d.year_given), p)
            if newest and dated is not p:  # its year is read, not given: the newest with a full date as well
                return MetadataAnswer(f"The most recent paper in the listing{scope_text()} is {p.title}, dated "
                                      f"{p.long_date()} [1]. The most recent with a full date is {dated.title}, "
                                      f"dated {dated.long_date()} [2].", [p, dated])
            return MetadataAnswer(f"The {which} paper in the listing{scope_text()} is {p.title}, dated {p.long_date()} "
                                  f"[1].", chosen)
        return MetadataAnswer(f"The {len(chosen)} {which} papers in the listing{scope_text()}:\n" +
                              "\n".join(f"- {p.title} ({p.date}) [{i}]" for i, p in enumerate(chosen, 1)), chosen)

    counting = _COUNTING.search(q)
    note = ""
    shown = bool(author and re.search(r"\bwho\b|\bco-?authors?\b|\bwith whom\b", q))  # "… and who wrote them?"
    if author:
        note = (name_forms(author, selected) + "\n\nNote: the listing shows at most three authors per paper (then "
                f"“et al.”), so papers where {author} is a later author are not counted.")
    if counting and code_of_them:
        # "How many papers came out in 2020, and which of them have code?": count without the code flag,
        # then name the ones with code among them
        base, described = _without_code_flag(papers, scope, among)
        text = f"{_plural(len(base), 'paper')} in the listing match{'es' if len(base) == 1 else ''}{described}"
        with_code = [p for p in base if p.has_code]
        if not base:
            return MetadataAnswer(text + ".")
        subset = (f"\n\n{len(with_code)} of them {'has' if len(with_code) == 1 else 'have'} code:\n" + _listing(with_code)
                  if with_code else "\n\nNone of them is marked as having code.")
        return MetadataAnswer(text + ":\n" + _listing(base) + subset, base[:LIST_LIMIT])
    if counting:
        if not scope.active and not _HEADER.search(q) and _counts_what_the_listing_lacks(q, papers, owner, question):
            return MetadataAnswer("", understood=False)  # "how many papers mention Atari?": from the papers
        if not scope.active and named_years(q):
            # years written in a way it did not read (often another language): not the total
            return MetadataAnswer("", understood=False)
        if not scope.active:
            claim = (f" The profile header claims {claimed} papers; the other {claimed - listed} are not in the "
                     "listing." if claimed and claimed != listed else "")
            return MetadataAnswer(f"The listing contains {listed} papers.{claim}", whole=True)
        text = f"{_plural(len(selected), 'paper')} in the listing match{'es' if len(selected) == 1 else ''}" \
               f"{scope_text()}"
        if not selected:
            return MetadataAnswer(text + "." + note)
        return MetadataAnswer(text + ":\n" + _listing(selected, authors=shown) + note, selected[:LIST_LIMIT])

    if scope.active:
        if not selected:
            return MetadataAnswer(f"No paper in the listing matches{scope_text()}.{note}")
        lead = f"The listing has {_plural(len(selected), 'paper')}{scope_text()}:"
        return MetadataAnswer(lead + "\n" + _listing(selected, authors=shown) + note, selected[:LIST_LIMIT])

    if re.search(r"\b(all|every|list)\b.*\bpapers?\b|\bpapers?\b.*\b(listed|in the (collection|listing))\b", q) \
            and not _topic_words(q, owner):  # "papers in the collection on X?" asks for some of them
        claim = f" (the profile header claims {claimed})" if claimed and claimed != listed else ""
        return MetadataAnswer(f"The listing has {listed} papers{claim}, newest first:\n" +
                              _listing(newest_first(papers)), newest_first(papers)[:LIST_LIMIT])
    return MetadataAnswer("", understood=False)


def _category_named(code: str) -> str:
    """"LG (machine learning)": a category code with its name, when the code is a known one."""
    return f"{code} ({CATEGORY_NAMES[code][0]})" if code in CATEGORY_NAMES else code
