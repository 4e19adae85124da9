"""What a question says about its own scope: year range, category and author filters.

"since 2021", "in CL", "by Smith" become retrieval filters; the names are matched
against the collection, so only authors and categories that exist are used.
"""
from __future__ import annotations

import difflib
import functools
import re
import unicodedata

from .embeddings import english_words
from .papers import MONTHS, Paper
from .retrieval import STOPWORDS
from .text import CASED, dating_year
from .types import Filters

CATEGORY_NAMES = {
    "LG": ["machine learning"], "AI": ["artificial intelligence"],
    "CL": ["computation and language", "natural language processing", "nlp"],
    "CV": ["computer vision"], "ML": ["statistical machine learning", "stat.ml", "statistics"],
    "RO": ["robotics"], "NE": ["neural and evolutionary computing"], "CR": ["security", "cryptography"],
    "IR": ["information retrieval"], "HC": ["human-computer interaction"], "MA": ["multiagent systems"],
}
# the listing has one citation count for the whole profile, none per paper (citation networks such as Cora are data)
PER_PAPER_CITATIONS = re.compile(
    r"\b(?:most|least|highest|lowest|top|best)[- ]cited\b|\bcited (?:the )?most\b|\bmost citations\b|"
    r"\bcitations? (?:of|for) (?:each|every|the|a|this|that|its)\b|\bcitations? per paper\b|"
    r"\bwhich paper\b.*\bcit(?:ed|ations?)\b(?! (?:networks?|graphs?|datasets?|data|benchmarks?|corpora))|"
    r"\bhow (?:many times|often) (?:was|is|has|have) (?:it|this|that|the|this paper|that paper|the paper)\b.{0,30}\bcited\b")
# the profile header is a snapshot: "five years ago" or "in 2030" is not in it
OTHER_TIME = re.compile(r"\bago\b|\blast year\b|\bnext year\b|\bwill\b|\bpredict\w*|\bforecast\w*|\bfuture\b|"
                        r"\bby 20\d\d\b|\bin 20(?:[3-9]\d)\b|\bover time\b|\bhistor\w*|\bgrowth\b|\bused to\b|"
                        r"\bback in\b|\bper year\b|\beach year\b|\bevery year\b|\byear by year\b|\bfrom now\b|"
                        r"\bin \w+ years\b")
# one paper's own listing fields, each asked in its own ways: its date, code flag, category, affiliations
PAPER_DATE = re.compile(
    r"\bwhen (?:was|were|did|is)\b.{0,80}\b(?:published|posted|released|out|submitted|written|come out|came out|"
    r"appear(?:ed)?|put out|uploaded|dated)\b|\bwhen\b.{0,40}\b(?:published|posted|released)\b|\b(?:publication|release|posting|submission) date\b|"
    r"\bwhat (?:date|year|month)\b|\bwhat(?:'s| is) the (?:date|year|month)\b|\bthe date (?:on|of)\b|"
    r"\b(?:listing |publication |release |posting )?date (?:for|of)\b|\bwhich (?:year|month)\b|\bdated\b|"
    r"(?:cuando|quand|wann|quando|ne zaman|когда|언제|いつ|什么时候|何时).{0,40}(?:publica|publie|veroffentlicht|"
    r"erschien|pubblicat|yayinlan|опубликова|вышл|발표|공개|出版|発表|发表|公開)")
PAPER_CODE = re.compile(
    r"\bcode\b.{0,30}\b(?:available|released|public|out|online|open[- ]sourced?|linked)\b|\b(?:is|was) there (?:any )?code\b|"
    r"\b(?:have|has|with|ship|ships|release[sd]?|come with|comes with) (?:its |their |any |the |public )?code\b|"
    r"\bflag(?:s|ged)? (?:the )?code\b|\b(?:flagged|marked|listed|tagged) (?:as )?(?:having|with) code\b|\bcode flag\b|\bmarked as having code\b|\bopen[- ]sourced?\b|\bcodice\b|\bcodigo\b|\bcode source\b|コード|代码|코드")
PAPER_CATEGORY = re.compile(r"\b(?:what|which) (?:arxiv )?(?:category|subject area)\b|\bcategor(?:y|i[sz]ed)\b|\blisted under\b|"
                            r"\bfiled under\b")
PAPER_AFFILIATION = re.compile(r"\baffiliat\w*|\binstitutions?\b|\b(?:which|what) (?:lab|university|company|organi[sz]ation)\b")
PAPER_FACT = re.compile("|".join(f"(?:{p.pattern})" for p in (PAPER_DATE, PAPER_CODE, PAPER_CATEGORY, PAPER_AFFILIATION)))
# ... asked of the collection rather than of one paper
COLLECTION_WIDE = re.compile(r"\bpapers\b|\bwhich (?:paper|one)s?\b|\bwhat papers?\b|\bhow many\b|\bany\b(?! code)|"
                             r"\blist\b|\ball\b|\bof (?:them|those|these)\b|\beach\b|\bevery\b|\bmost\b|\bfirst\b|"
                             r"\blatest\b|\bnewest\b|\boldest\b|\bearliest\b|\bother\b|\belse\b|"
                             r"\b(?:the|its|his|her|their) only\b|\bsole\b")  # "the only paper filed under AI"
_YEAR = r"((?:19|20)\d{2})"
_AUTHOR_VERBS = "work|works|worked|publish|published|write|wrote|study|studied|do|did|propose|proposed"


_MONTH_NAMES = [m.lower() for m in MONTHS]


def mended_months(text: str) -> str:
    """The (folded) text with each month misspelt or spelt as a close language does ("octber", "decmeber",
    "dezember", "octobre") written as the month: a word of six letters or more, no English word, close to one."""
    def mend(match: re.Match) -> str:
        word = match.group(0)
        if word in _MONTH_NAMES or word in english_words():
            return word
        close = difflib.get_close_matches(word, _MONTH_NAMES, n=1, cutoff=0.8)
        return close[0] if close else word
    return re.sub(r"\b[a-z]{6,}\b", mend, text)


@functools.lru_cache(maxsize=8192)  # the same titles and names are folded for every question
def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    # NFC again afterwards: NFKD also splits Hangul syllables into letters
    return unicodedata.normalize("NFC", "".join(c for c in text if not unicodedata.combining(c))).lower()


# bibliographic forms the listing answers exactly (qa.metadata computes them; the router routes them there)
# "which paper lists the most collaborators?": a paper's author list, not who works with the researcher most
PAPER_MOST_PEOPLE = re.compile(r"\b(?:which|what) (?:single )?(?:paper|entry|work|article|publication|title)\b"
                               r"(?:(?! authors?\b).){0,40}\b(?:most|fewest|largest|smallest|biggest) (?:number of )?"
                               r"(?:co-?authors|collaborators|contributors|people|names)\b")
AUTHOR_EXTREME = re.compile(r"\b(?:most|fewest|least|largest|smallest|biggest|longest|shortest|highest|lowest)\b"
                             r"(?: number of)?(?: \w+)? (?:authors|author (?:lists?|names)|authorship)\b|"
                             r"\bauthors?\b.{0,20}\b(?:the most|the fewest)\b|"
                             # "lists more authors than any other": the most
                             r"\b(?:more|fewer|less) (?:\w+ )?(?:authors|co-?authors|names)\b.{0,30}\bthan "
                             r"(?:any|every|all)(?: the)? other|" + PAPER_MOST_PEOPLE.pattern)
PER_MONTH = re.compile(r"\b(?:which|what) months?\b|\b(?:per|each|by|every) month\b|\bmonth of the year\b|"
                        r"\bmonthly\b|\bmonths?\b.{0,30}\b(?:most|busiest|fewest)\b|\bcalendar months?\b|"
                        r"\b(?:busiest|quietest|peak|most (?:productive|prolific|active)) months?\b")
COMPARED = re.compile(r"\bcompared?\b|\bversus\b|\bvs\.?(?!\w)|\bagainst\b|\bthan\b|\bor\b|\bdifference\b|"
                       r"\bcompar|\bcontrast")


# a year ranked by its number of papers ("which year was his busiest?", "his most prolific year")
BUSIEST_YEAR = re.compile(r"\b(?:which|what) year\b.*\b(?:most|fewest|least|busiest|peak|(?:largest|highest|greatest|"
                          r"biggest|smallest|lowest) (?:number|count|total))\b|\bbusiest year\b|"
                          r"\byears?\b.{0,40}\b(?:busiest|most (?:productive|prolific|active))\b|"
                          r"\bmost (?:productive|prolific|active) year\b|\bpeak year\b")
# a mean over the listing ("on average, how many papers a year?", "the average number of authors per paper")
AVERAGE = re.compile(r"\bon average\b|\baverage\b|\bavg\b|\bmean (?:number|count|gap|time|interval)\b|"
                     r"\bhow often\b.{0,30}\b(?:publish|post|put out|release)")
# what a mean of the listing is taken over ("papers a year", "authors per paper", "days between papers")
_PER_UNIT = re.compile(r"\b(?:per|each|every) (?:paper|article|publication)\b|\b(?:per|a|each|every) (?:year|month)\b|"
                       r"\bbetween (?:\w+ )?papers\b|\bhow often\b|\b(?:authors?|co-?authors?)\b.{0,20}\b(?:per|on|in)\b|"
                       r"\bannually\b|\byearly\b")
# a share of the papers ("what percentage of his papers have code?"), how many different people, how long
# (of the papers themselves: "what share of the failures ToolEmu flagged" is a figure inside one paper)
SHARE = re.compile(r"\b(?:share|fraction|proportion|percentage|percent|part|%) of (?:(?:his|her|their|the|all|these|those|"
                   r"listed|the listed)\s+){0,2}(?:\w+\s+)?(?:papers|publications|articles|works)\b|"
                   r"\bhow many percent of\b.{0,20}\bpapers\b|\b(?:what|which) (?:share|fraction|proportion|percentage) of "
                   r"(?:them|those|these)\b")
PEOPLE = re.compile(r"\bhow many (?:distinct |different |unique |individual |separate )?(?:co-?authors?|collaborators?|"
                     r"people|researchers)\b|\bhow many (?:distinct|different|unique) (?:(?:first|lead|last|senior) )?"
                     r"authors?\b|\bnumber of (?:distinct |different |unique )?(?:co-?authors?|collaborators?)\b")
HOW_LONG = re.compile(r"\bhow (?:many years|long)\b.{0,40}\b(?:publish\w*|active|writing|been (?:doing|working|at it|"
                       r"around)|research\w*)\b")
# a half, a quarter or a season of a year ("the first half of 2023", "Q4 2022", "summer 2023")
# a season names months only where a season is meant: "in the fall of 2022", "summer 2019", not "papers that fall
# into a category"
SEASON = re.compile(r"\b(?:in|during|from|of|this|last|next|the)\s+(?:the\s+)?(spring|summer|fall|autumn)\b|"
                    r"\b(spring|summer|fall|autumn)\s+(?:of\s+)?(?:19|20)\d\d\b")
YEAR_PART = re.compile(SEASON.pattern + r"|\b(?:first|1st|second|2nd|last) half\b|"
                       r"\bh[12]\b(?=.{0,12}\b(?:19|20)\d\d\b)|"
                       r"\b(?:first|1st|second|2nd|third|3rd|fourth|4th|last) quarter\b|\bq[1-4]\b")
# papers that share a date ("were any two of his papers posted on the exact same day?")
SAME_DAY = re.compile(r"\bsame (?:exact |publication |release |posting |submission |calendar )?(?:day|date|month)\b|"
                      r"\bshare (?:an? |the |one )?(?:[\w\- ]{0,25} )?(?:day|date)\b")
# the same day of different years ("June 1, one year apart"; "the same calendar day")
DAY_OF_YEAR = re.compile(r"\byears? apart\b|\bdifferent years\b|\bany year\b|\bcalendar (?:day|date)\b|"
                         r"\bday of the year\b|\bsame (?:month and day|day and month)\b")
# how much was published in several named years, compared ("more stuff in 2019 or 2020?")
_HOW_MUCH = re.compile(r"\bhow many\b|\bnumbers? of\b|\bcounts?\b|\bmore\b|\bfewer\b|\bless\b|\bbusier\b|"
                       r"\bproductive\b|\bprolific\b")


# "does X show up / appear in the author list", "X is named on", "papers X is listed on"
AUTHOR_SHOWN = re.compile(r"\bauthor (?:list|line)s?\b|\bappear\w*\b|\bshows? up\b|\bnamed\b|\blisted\b|\bvisible\b|"
                          r"\bis (?:he|she) on\b|\bon (?:the )?(?:byline|author)|\bshown\b|"
                          r"\bamong the (?:listed |printed |shown |visible )?(?:authors|names)\b|\bprinted\b|"
                          r"\bauthor names\b|"
                          r"\bshows?\b[^?]{0,30}\bamong\b|\blists? [^?]{0,40}\bas (?:an? )?author\b")
# "complete author list", "no et al.", "all authors listed", "truncated"
COMPLETE_LISTS = re.compile(r"\bet al\b|\b(?:complete|full|whole|untruncated|entire) (?:author|list)|\btruncat|"
                            r"\ball (?:of )?(?:the |its )?authors (?:are )?(?:listed|shown|named)")
# a date the source gives without its year ("which entry lacks a year in its date?")
YEARLESS = re.compile(r"\b(?:no|without|missing|lacks?|lacking)\s+(?:a |any |the )?year\b(?=[^?]*\bdat(?:e|es|ed)\b)|"
                      r"\b(?:dat(?:e|es|ed)|months?|days?)\b[^?]{0,40}\b(?:no|without|missing|lacks?|lacking)\s+"
                      r"(?:a |any |the )?year\b")  # "only a day and month, no year" is a date without one
# a title ranked by its length ("which paper has the longest title?", "the title with the fewest words")
TITLE_EXTREME = re.compile(r"\b(?:longest|shortest|most words|fewest words|wordiest|briefest)\b.{0,25}\b(titles?|"
                           r"abstracts?)\b|\b(titles?|abstracts?)\b.{0,40}\b(?:longest|shortest|the most words|"
                           r"the fewest words)\b")
# titles or abstracts past a length ("titles longer than ten words", "abstracts under 100 words")
LENGTH_BOUND = re.compile(r"\b(titles?|abstracts?)\b.{0,40}?\b(longer than|shorter than|more than|fewer than|less than|"
                          r"over|under|at least|at most)\s+(\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s+"
                          r"(words?|characters?|letters?)\b")
# the authors shown on a given number of papers ("which authors appear on four papers?")
AUTHORS_ON_N = re.compile(r"(?:\bwho\b|\b(?:which|what)\b[^?]{0,30}\b(?:authors?|people|researchers|names?)\b)"
                          r"[^?]{0,40}?\b(?:on|in|leads?|led|heads?|headed)\s+"
                          r"(?P<bound>exactly |only |just |at least |more than |over |fewer than |less than |at most |"
                          r"no more than )?(?P<n>\d+|one|two|three|four|five|six|seven|eight|nine|ten)(?P<more> or more)? "
                          r"(?:of (?:the |his |her |their )?(?:[\w\-]+ )?)?"
                          r"(?:papers?|entries|entry|works?|articles?|publications?)\b(?![^?]*\bwith\b)")
# the phrase a count of titles asks about: "titles (that) contain / spell out / use the word 'X'"
# (or one word after "the word" or "the term", unquoted: "titles with the word graph in any form")
TITLE_PHRASE = re.compile(r"\btitles?\b[^'\"“”‘’]{0,40}?(?:contain|include|spell|use|have|mention|with|say|feature)\w*"
                          r"(?: out)?(?: the)?(?: (?:word|words|term|phrase|acronym))?\s*(?:['\"“‘]([^'\"”’]{2,60})['\"”’]|"
                          r"(?<=word |term )([a-z0-9\-]{2,30})\b|"
                          # unquoted, to the question's end: "how many titles mention language models?"
                          r"(?<=contain |include |mention |feature )(?!an? )"
                          r"([a-z][a-z0-9\-]*(?: [a-z][a-z0-9\-]*){0,3}?)"
                          r"(?=\s*(?:\?|$|,|\b(?:in|since|before|after|from|between) (?:19|20)\d\d\b)))")
# titles by a mark they write, or phrased as questions ("how many titles contain a colon?")
TITLE_MARK = re.compile(r"\btitles?\b.{0,40}?\b(?:contain|include|use|have|with|end|feature)\w*(?: in| with)?\s+"
                        r"(?:a |an )?(colon|question mark|hyphen|dash|comma|digit|number|exclamation mark)s?\b|"
                        r"\btitles?\b.{0,40}?\b(?:phrased|worded|posed|framed|written) as (?:a )?(questions?)\b|"
                        r"\btitles?\b.{0,20}?\b(?:are|is) (?:a )?(questions?)\b")

COMPARE = re.compile(r"\b(compar\w*|contrast\w*|differ\w*|versus|vs\.?|side by side|relate to each other|"
                     r"similarit(y|ies) between|which (one )?is better)\b", re.IGNORECASE)
MAX_COMPARED = 3  # papers side by side in one table


# "… two methods, one that plans with a learned model and one that searches the tree …": each "one …" is a paper
_ONE_AND_OTHER = re.compile(r"\bone (?:paper |method |model |study |work )?(?!of\b|another\b)([^.?!:;]{6,120}?),?"
                            r"\s+(?:and|while|whereas|but)?\s*(?:the other|another|(?:the )?one)\b(?! of\b)"
                            r"([^.?!:;]{6,120})", re.IGNORECASE)


def comparison_targets(question: str) -> list[str]:
    """The things a comparison names ("Compare POPLIN and Dreamer" → ["POPLIN", "Dreamer"]) or describes one by one
    ("…, one by X and one by Y. How do they differ?"), else []."""
    if not COMPARE.search(question):
        return []
    text = re.sub(r"[?.!]+$", "", question.strip())
    text = re.sub(r"^.*?\b(compare|contrast|comparing|contrasting|difference between|differences between|"
                  r"differ(s|ence)? between|how do(es)?)\b\s*", "", text, flags=re.IGNORECASE)
    # an author reference joins no two things compared: "the study by Guo and colleagues", "Hendrycks and Gimpel's
    # baseline" (read as "Gimpel's baseline", which `names_paper` checks against the authors)
    text = re.sub(r"\s+(?:and|&)\s+(?:colleagues|co-?authors|co-?workers|collaborators)\b|\s+et al\b\.?", "", text,
                  flags=re.IGNORECASE)
    text = re.sub(r"\b[A-Z][\w\-]+\s+(?:and|&)\s+(?=[A-Z][\w\-]+(?:'s|’s)\s)", "", text)
    # a colon or a sentence's end parts the things compared from what is asked of them ("A and B: what does each
    # optimise?"), or the comparison from its list ("both world-model papers here: DreamerV2 versus DreamerV3")
    pieces = re.split(r":\s|[.?!]\s+(?=[A-Z])", text, maxsplit=2)[:2]
    for piece in pieces:
        parts = _split_targets(piece)
        if parts:
            return parts
        if not re.search(r"\b(?:two|three|both|these|those|following)\b", piece, re.IGNORECASE):
            break  # what follows is what is asked, not the list of what is compared
    described = _ONE_AND_OTHER.search(question)
    return [part.strip(" ,") for part in described.groups()] if described else []


def names_paper(target: str, paper: Paper) -> bool:
    """Whether a compared thing is this paper: a name ("POPLIN", "DreamerV3") that its title or abstract uses, or
    a description whose words are all in its title ("boosted prompt ensembles"). "model-free RL" is a topic."""
    text = f"{paper.title} {paper.abstract}".lower()
    # called by its authors too ("the calibration study by Guo", "Gimpel's baseline"): the rest must fit it
    surnames = {name.split()[-1].lower() for name in paper.authors if name.split()}

    def unless_author(found: re.Match) -> str:
        return " " if found.group(1).lower() in surnames else found.group(0)
    target = re.sub(r"(?:\b(?:by|of|from)\s+)?\b([A-Z][\w\-]+)(?:'s|’s)?", unless_author, target)
    target = re.sub(r"\s{2,}", " ", target).strip()
    if not target:
        return True
    if re.search(r"[A-Z0-9]", target):
        return re.search(rf"(?<![\w-]){re.escape(target.lower())}(?![\w-])", text) is not None
    title_words = set(re.findall(r"[a-z0-9-]+", paper.title.lower()))
    words = [w for w in re.findall(r"[a-z0-9-]+", target.lower()) if w not in STOPWORDS]
    return bool(words) and all(w in title_words for w in words) or describes(target, paper)


# what calls a paper a paper ("the inverse-dynamics planning paper"), not what it is about
_DESCRIPTION = frozenset("""paper papers study studies work works approach approaches method methods system systems
technique framework one ones article preprint way idea line version agent model models his her their its""".split())


def describes(target: str, paper: Paper) -> bool:
    """A description ("the inverse-dynamics planning paper", "the max-entropy goal exploration paper"): two to six
    words besides "paper" or "study", each written (its first six letters, as a word start) in the paper's title or
    abstract, one of them in its title. Only checked on the paper the description retrieves first."""
    words = [w for w in re.findall(r"[a-z0-9]+", target.lower()) if w not in STOPWORDS and w not in _DESCRIPTION
             and len(w) > 2]
    if not 2 <= len(words) <= 6:
        return False
    starts = [re.compile(rf"(?<![a-z0-9]){re.escape(w[:6])}") for w in words]
    title = paper.title.lower()
    return all(s.search(f"{title} {paper.abstract.lower()}") for s in starts) and any(s.search(title) for s in starts)


def _split_targets(text: str) -> list[str]:
    """"POPLIN and the Dreamer paper" → ["POPLIN", "Dreamer paper"]; [] unless two or three parts of at most 120
    characters."""
    # a closing "on MuJoCo" is where they are compared; "the model trained on image-caption pairs with …" is not
    # and a closing "as ways of measuring risk" is the role they are compared in ("as well as" joins them)
    text = re.sub(r"\b(differ|compare|relate|side by side|to each other|in terms of .*|on (?:\S+\s+){0,3}\S+|"
                  r"(?<!such )(?<!as well )as (?!well as\b).*)$", "",
                  text.strip(), flags=re.IGNORECASE)
    splits = (r",\s*(?:and\s+)?|\s+(?:differs?|compared?s?|stacks? up)\s+(?:from|to|with|against)\s+|"
              r"\s+(?:and|vs\.?|versus|with|to|from)\s+")
    def parted(pattern) -> list[str]:
        return [p.strip(" ,;:'\"") for p in re.split(pattern, text) if p.strip(" ,;:'\"")]

    parts = parted(splits)
    if len(parts) > MAX_COMPARED or len(parts) == 3 and "," not in text and len(parted(_NEW_PHRASE)) == 2:
        # things described at length ("the simulator that swaps crowdworkers for LLMs with the framework in which
        # an LM pretends to run tools", "the method that sets goals to maximize entropy"): parted only where a new
        # noun phrase begins
        parts = parted(_NEW_PHRASE)
    parts = [re.sub(r"^(the|a|an)\s+", "", p, flags=re.IGNORECASE) for p in parts]
    return parts if 2 <= len(parts) <= MAX_COMPARED and all(len(p) <= 120 for p in parts) else []


# an author's place in the list ("who is the most common first author?", "papers with her as last author")
AUTHOR_PLACE = re.compile(r"\b(first|lead|second|third|fourth|fifth|last|senior)[- ]author(?:s|ed)?\b|"
                          r"\b(?:is|was) (?:he|she) (?:the )?(first|last)\b(?! (?:paper|one|time|entry))|"
                          r"\b(lead)s? (?:the )?(?:most|more) (?:papers|entries)\b")  # "who leads the most papers?"
# a field of the listing in other words: "subject code" is the category; "the third name shown" an author's place
_LISTING_TERMS = ((re.compile(r"\bsubject (?:codes?|areas?|tags?|labels?|classes)\b", re.IGNORECASE), "category"),
                  (re.compile(r"\bthe (first|second|third|fourth|fifth|last) (?:(?:printed|listed|shown) )?"
                              r"(?:name|person)(?= (?:shown|listed|given|(?:i|o)n the (?:author )?list)\b|\W*$)",
                              re.IGNORECASE), r"the \1 author"),
                  # "the first-listed author", "X's name comes first" (both labelled questions that write so ask
                  # a person's place)
                  (re.compile(r"\b(first|second|third|fourth|fifth|last)-(?:listed|named|printed|shown|placed) "
                              r"(?:author|name)\b", re.IGNORECASE), r"\1 author"),
                  (re.compile(r"(?:'s|’s)? name (?:comes?|is|appears?|stands?|shows? up) (first|second|third|"
                              r"fourth|fifth|last)\b", re.IGNORECASE), r" is the \1 author"),
                  # "who is printed second on X?", "who is listed last?"
                  (re.compile(r"\b(?:is|was|are|were) (?:printed|listed|shown|named|credited) (first|second|third|"
                              r"fourth|fifth|last)\b", re.IGNORECASE), r"is the \1 author"),
                  # "how often is X listed last?": the person between the verb and its participle
                  (re.compile(r"\b(is|was) ((?:[A-Z][\w.'-]+ ){1,3})(?:printed|listed|shown|named|credited) (first|"
                              r"second|third|fourth|fifth|last)\b"), r"\1 \2the \3 author"),
                  # "which of these puts X in third place?", "has Y in the last position"
                  (re.compile(r"\b([A-Z][\w.'-]+) (?:in|at) (?:the )?(first|second|third|fourth|fifth|last) (?:place|"
                              r"position|slot|spot)\b"), r"\1 as the \2 author"))


def listing_terms(question: str) -> str:
    """The question with the listing's own names for the fields it asks about."""
    for pattern, term in _LISTING_TERMS:
        question = pattern.sub(term, question)
    return question


# the time between two papers: "how many weeks lie between the first world-model agent and its successor?",
# "how many months separate Lookahead and BatchEnsemble?"
INTERVAL = re.compile(r"\b(?:how (?:many (?:days|weeks|months|years)|much time|long)|how far apart|time|gap|interval)\b"
                      r"[^?]{0,40}?\b(?:between|separat\w*|(?<=apart )(?:are|were))\s+(?P<pair>[^?]+)", re.IGNORECASE)


def interval_targets(question: str) -> list[str]:
    """The two papers, as written, of a question that asks the time between them; else []."""
    m = INTERVAL.search(question)
    if not m:
        return []
    pair = re.sub(r"\s+(?:came out|appeared|w(?:as|ere) (?:posted|published|released|listed))\b.*$", "",
                  m.group("pair"), flags=re.IGNORECASE)
    parts = _split_targets(pair)
    return parts if len(parts) == 2 else []


_NEW_PHRASE = re.compile(r",?\s+(?:and|vs\.?|versus|with|to|from|against)\s+(?=(?:the|his|her|their|its)\s)",
                         re.IGNORECASE)


_LIST_WORD = re.compile(r"[\w\-]+|,|/")


def alternatives(query: str) -> list[str]:
    """The items of a topic list the question offers ("GAN, VAE or normalizing-flow", "goal-conditioned or
    multi-goal reinforcement learning"): each a run of content words next to a comma, a slash or "or". A paper
    about one of them is about the question; searched together, the items pull the results toward papers that
    mention several. [] when the question offers no such list."""
    tokens = _LIST_WORD.findall(query)
    if "or" not in tokens and "/" not in tokens:
        return []
    items, run = [], []
    for token in tokens + ["."]:
        if token in (",", "/", "or", "and", ".") or token.lower() in STOPWORDS:  # a run ends, and how
            if run:
                items.append((" ".join(run), token))
            run = []
        else:
            run.append(token)
    # the runs joined by a separator: [a, b] in "a or b", [a, b, c] in "a, b or c"
    listed, current = [], []
    previous_sep = None
    for text, sep in items:
        current.append(text)
        if sep in (",", "/", "or"):
            previous_sep = sep
            continue
        if len(current) >= 2 and previous_sep is not None:
            listed = current
            break
        current, previous_sep = [], None
    return listed if len(listed) >= 2 else []


# bounded by the letters of scripts with capitals (`text.CASED`), not by \w
_TERM = re.compile(rf"(?<![{CASED}\-])([A-Z][A-Za-z0-9]*[A-Z0-9][A-Za-z0-9\-]*|[A-Z][a-z]{{2,}}[A-Za-z0-9\-]*)"
                   rf"(?![{CASED}\-])")
_UNCASED_LETTER = re.compile(rf"[^\W\d_{CASED}]")  # a letter of a script without capitals


def question_names(question: str) -> list[str]:
    """The names a question asks about ("which papers use MuJoCo?", "how many papers mention Minecraft?"): words
    capitalised past the question's first word, or mixing capitals and digits anywhere."""
    names = []
    for match in _TERM.finditer(question):
        name = match.group(1)
        plain = not re.search(r"[A-Z0-9]", name[1:])  # "Minecraft", not "MuJoCo" or "DreamerV3"
        if plain and match.start() == 0 and not _UNCASED_LETTER.search(question) or name.lower() in STOPWORDS \
                or len(name) < 3:
            continue  # a sentence's first word is capitalised anyway (in a script with capitals)
        names.append(name)
    return list(dict.fromkeys(names))


# what follows "such as", "e.g.", "for example": instances of what the question asks about, not the whole of it
_EXAMPLES = re.compile(r"\b(?:such as|e\.g\.,?|for example,?|for instance,?|including|like)\s+([^?.;:()]{1,80})",
                       re.IGNORECASE)


def given_as_examples(question: str, names: list[str]) -> bool:
    """Every name is one the question gives as an example ("recurrent networks such as LSTMs"): a paper that writes
    it answers, but so does one about the kind it stands for."""
    tails = " ".join(m.group(1) for m in _EXAMPLES.finditer(question))
    # or one of two ways of saying the topic, the other in plain words ("gradient descent or SGD", "SGD or gradient
    # descent?"; not "use PPO or compare against it", two things done)
    plain = r"[a-z][a-z\-]{2,}(?: [a-z][a-z\-]{2,})?"
    return bool(names) and all(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", tails) or
                               re.search(rf"\b{plain} or {re.escape(n)}(?!\w)|"
                                         rf"(?<!\w){re.escape(n)} or {plain}(?=\s*(?:[?.,;:!)]|$))", question)
                               for n in names)


def named_years(question: str) -> list[int]:
    """Every publication year the question writes out, in order (not a name's: "VOC2007")."""
    return sorted({int(y) for y in re.findall(r"(?<![a-z\d])((?:19|20)\d\d)(?!\d)", fold(question))})


def compares_years(question: str) -> bool:
    """Counts for two or more named years, compared ("how many in 2019 compared with 2023?")."""
    q = fold(question)
    return len(named_years(q)) >= 2 and bool(COMPARED.search(q) and _HOW_MUCH.search(q))


def asks_listing_form(question: str) -> bool:
    """Months of the year, the longest or shortest author lists, counts for several named years compared, the
    busiest year, papers posted on the same day, a mean (papers a year, authors a paper, days between papers), a
    share, how many different co-authors, how long the papers span, a half or quarter of a named year, the titles
    that write a quoted phrase or are the longest or shortest (or abstracts that are), the authors shown on a given
    number of papers, the complete author lists, or the dates given without a year."""
    q = fold(question)
    return bool(PER_MONTH.search(q) and re.search(r"\b(?:papers?|published|released|came out|posted|articles?)\b", q)
                or AUTHOR_EXTREME.search(q) or compares_years(q) or BUSIEST_YEAR.search(q) or SAME_DAY.search(q)
                or AVERAGE.search(q) and _PER_UNIT.search(q) or SHARE.search(q) or PEOPLE.search(q)
                or HOW_LONG.search(q) or YEAR_PART.search(q) and named_years(q) or TITLE_PHRASE.search(q)
                or TITLE_MARK.search(q)
                or TITLE_EXTREME.search(q) or LENGTH_BOUND.search(q) or AUTHORS_ON_N.search(q) or YEARLESS.search(q)
                or COMPLETE_LISTS.search(q) and bool(re.search(r"\bhow many\b|\bwhich\b|\bnumber\b", q)))


# a year written onto a name ("VOC2007", "ILSVRC2013"), or after a name in capitals ("VOC 2012", "WMT 2014"), is
# part of that name; a CJK counter ("2018年") is not a name
# (and after a name and a number: "CUB-200-2011"; not a range, "2019-2021")
_GLUED_YEAR = re.compile(r"(?:(?<=[A-Za-z])|(?<=\d-)(?<!\d\d\d\d-))(?:19|20)\d\d(?!\d)")
_NAME_BEFORE_YEAR = re.compile(r"\b([A-Za-z]*[A-Z][A-Za-z]*[A-Z][A-Za-z]*)[\s\-]?((?:19|20)\d\d)(?!\d)")


def without_name_years(question: str, papers: list[Paper]) -> str:
    """The question without the years written after a capitalised name the collection writes with that year
    ("VOC 2012" where an abstract does): a benchmark's edition, not a publication year to filter on (a filter to 2007
    refused a question about a 2015 paper's VOC2007 score). `parse_years` drops the glued ones itself."""
    def is_name(m: re.Match) -> bool:
        name = re.escape(fold(m.group(1)))
        return any(re.search(rf"\b{name}[\s\-]?{m.group(2)}(?!\d)", fold(f"{p.title} {p.abstract}")) for p in papers)
    return _NAME_BEFORE_YEAR.sub(lambda m: m.group(1) if is_name(m) else m.group(0), question)


def parse_years(question: str) -> tuple[int | None, int | None]:
    """(year_from, year_to) found in the question, inclusive; (None, None) when none."""
    q = _GLUED_YEAR.sub("", fold(question))
    decades = re.findall(r"(?<!\d)((?:19|20)\d0)'?s\b", q)
    if len(decades) == 1 and len(re.findall(rf"(?<!\d){_YEAR}(?!\d)", q)) == 1:  # "in the 2010s": its ten years
        return int(decades[0]), int(decades[0]) + 9
    if m := re.search(rf"\bbetween {_YEAR} and {_YEAR}\b", q) or re.search(rf"\bfrom {_YEAR} (?:to|until|through|-) {_YEAR}\b", q) \
            or re.search(rf"\b{_YEAR}\s*(?:-|–|to)\s*{_YEAR}\b", q):
        a, b = int(m.group(1)), int(m.group(2))
        return min(a, b), max(a, b)
    if m := re.search(rf"(?<!\w)(?:since|starting(?: from| in)?|as of|after and including|desde|depuis|seit|sinds|vanaf|dal|"
                      rf"dalla|a partir de|с|начиная с|自)\s*(?:in\s+)?{_YEAR}\b", q) \
            or re.search(rf"\bfrom {_YEAR} (?:on|onwards?|forward|and (?:later|after)|or later)\b", q) \
            or re.search(rf"\b{_YEAR}\s*(?:年|년)?\s*(?:onwards|onward|and later|or later|and after|\+|以来|之后|以后|以降|"
                         rf"이후|부터|or (?:more|newer|after|beyond)|and beyond)", q):
        return int(m.group(1)), None
    # a word between two years joins them ("kati ya 2020 na 2024": Swahili "between 2020 and 2024"), whatever it
    # means before one year alone (Dutch "na 2020", after 2020); a range needs one of the words below
    joined = re.search(rf"(?<!\d){_YEAR}\s+\w{{1,5}}\s+{_YEAR}(?!\d)", q)
    if m := not joined and re.search(rf"(?<!\w)(?:after|later than|post|despues de|apres|nach|na|dopo il|depois de|"
                                     rf"после)\s+{_YEAR}\b", q):
        return int(m.group(1)) + 1, None
    if m := re.search(rf"\b(?:before|prior to|earlier than|older than|predat(?:e|es|ing)|pre)\s+{_YEAR}\b", q) \
            or re.search(rf"(?<!\w)(?:antes de|avant|vor|voor|prima del|до)\s+{_YEAR}\b", q):
        return None, int(m.group(1)) - 1
    if m := re.search(rf"\b(?:until|up to|through|by|no later than)\s+{_YEAR}\b", q) \
            or re.search(rf"\b{_YEAR}\s*(?:or|and) (?:earlier|before|less|prior|older)\b", q):
        return None, int(m.group(1))
    # no \b: "2018年"; a bare number after this year is a name ("the 2048 game"), not a publication year
    years = sorted({int(y) for y in re.findall(rf"(?<!\d){_YEAR}(?!\d)", q) if dating_year(int(y))})
    if len(years) == 1:
        return years[0], years[0]
    if len(years) == 2 and re.search(r"\b(and|et|y|und|to|a|bis|until)\b|和|到|至", q):
        return years[0], years[1]  # "entre 2019 y 2020", "zwischen 2019 und 2020"
    return None, None


# the words that set a category apart rather than pick it ("apart from LG, which category …?"); "cs.LG rather than
# cs.CV" sets CV apart too, but it picks LG where categories are counted (`field_counts.categories_compared`)
SET_ASIDE = r"outside|other than|except|excluding|not in|apart from|aside from|besides"
SETS_APART = r"outside of|except for|rather than|non-|" + SET_ASIDE


def parse_category(question: str, papers: list[Paper]) -> str | None:
    present = {p.category for p in papers if p.category}
    # arXiv writes the category with its archive: "cs.LG" is LG
    question = re.sub(r"\b(?:cs|stat|math|eess|econ|physics|q-bio|q-fin)\.([A-Za-z]{2})\b", r"\1", question)
    # a collection may store the archive too ("cs.LG"): its code is read as the question writes it, "LG"
    short = {stored.rsplit(".", 1)[-1]: stored for stored in sorted(present)}
    for code, stored in short.items():
        if re.search(rf"\b(?:{SETS_APART})\s*(?:the\s+)?(?:category\s+)?{re.escape(code)}\b", question,
                     re.IGNORECASE):
            continue  # "not in the LG category" sets LG apart (`field_counts.categories_compared`), it is no scope
        # an upper-case code as its own word, e.g. "in CL", "CL papers", "category CL"
        if re.search(rf"(?<![\w.]){re.escape(code)}(?![\w.])", question) and (
                re.search(rf"(?:\b(?:in|category|categories|cat\.?|from|under|tagged|labell?ed|marked|"
                          rf"categori[sz]ed(?: as)?|classified(?: as)?|filed under)|"
                          rf"\b(?:cat[eé]gor|kat[eé]gor|категор)\w*|类别|分类)\s*(?:the\s+)?{code}\b",
                          question, re.IGNORECASE)
                or re.search(rf"\b{code}[- ](?:category|tagged|tag)\b", question)
                # "CL papers", "the CL entry", "AI articles": the code before any noun the listing is counted in
                or re.search(rf"\b{code}\s+(?:category|papers?|section|listing|entry|entries|articles?|works?|"
                             rf"publications?|stud(?:y|ies)|preprints?|ones?)\b", question)
                # "have AI as their category"
                or re.search(rf"\b{code}\s+as\s+(?:their|its|the|a)\s+(?:category|subject)", question)
                or re.search(rf"\(\s*{code}\s*\)", question)):
            return stored
    q = fold(question)
    for code, names in CATEGORY_NAMES.items():
        if code in short and any(re.search(rf"\b(?:in|category)\s+(?:the\s+)?(?:{re.escape(n)})\b", q)
                                   or re.search(rf"\({re.escape(n)}\)", q) for n in names):
            return short[code]
    return None


def written_categories(question: str, papers: list[Paper]) -> list[str]:
    """The collection's category codes the question writes as such, in any language ("AI", "cs.LG"), in code order:
    a code is written the same way everywhere, so no word around it is needed (`parse_category` wants one)."""
    return [code for code in sorted({p.category for p in papers if p.category})
            if re.search(rf"(?<![A-Za-z])(?:[a-z]+\.)?{re.escape(code)}(?![A-Za-z])", question)]


def written_affiliations(question: str, papers: list[Paper]) -> list[str]:
    """The collection's affiliation tags the question writes exactly as the listing does, in any language: no word
    around the tag is read (`find_affiliations` reads everyday names, "Toronto"). Only a tag the collection writes as
    a code, in lower case ("utoronto"), is read so: one written as a name ("OpenAI") is also what a question about
    the organisation's work writes."""
    return [code for code in sorted({a for p in papers for a in p.affiliations if a == a.lower()})
            if re.search(rf"(?<![\w]){re.escape(code)}(?![\w])", question)]


def known_authors(papers: list[Paper], exclude: str = "") -> list[str]:
    names = {a for p in papers for a in p.authors}
    return sorted(n for n in names if fold(n) != fold(exclude))


def find_author(question: str, papers: list[Paper], exclude: str = "", require_trigger: bool = False
                ) -> str | None:
    """An author of the collection named in the question: full name, or surname after 'by'/'with'."""
    q = fold(question)
    best = None
    for name in known_authors(papers, exclude):
        full = fold(name)
        # `in` first: no regex per author; a name ends where Latin letters do ("Jane Doe의 논문들")
        if full in q and re.search(rf"(?<![a-z0-9]){re.escape(full)}(?![a-z0-9])", q):
            if not best or len(full) > len(fold(best)):
                best = name
    if best:
        # a full name is the person whatever the language around it ("com Jane Doe", "Jane Doe의 논문들");
        # one word alone needs an English trigger
        if not require_trigger or len(fold(best).split()) >= 2:
            return best
        if re.search(rf"\b(?:by|with|from|author|authors|authored|co-?authored|wrote|written)\b", q) \
                or re.search(rf"{re.escape(fold(best))}(?:'s|\s+(?:{_AUTHOR_VERBS}))\b", q):
            return best
        return None
    for name in known_authors(papers, exclude):
        surname = fold(name).split()[-1]
        if len(surname) < 3 or surname not in q:  # every pattern below needs the surname
            continue
        if re.search(rf"\b(?:by|with|co-?authored by|written by|authored by|from|of)\s+{re.escape(surname)}\b", q) \
                or re.search(rf"\b{re.escape(surname)}(?:'s|\s+(?:{_AUTHOR_VERBS}))\b", q) \
                or re.search(rf"\b(?:did|has|have|does)\s+{re.escape(surname)}\b", q) \
                or (not require_trigger and re.search(rf"\b{re.escape(surname)}\b\s+(?:co-?author|author|wrote)", q)):
            return name.split()[-1]  # the surname alone: a substring filter matches every initial spelling
    return None


_NO_CODE = re.compile(r"\b(?:without|no|lacking|lacks?|missing|sans|sin|ohne|senza|sem)\s+"
                      r"(?:any\s+|public\s+|released\s+|the\s+|a\s+)?(?:code|codigo|codice)\b|"
                      r"\bcode\b.{0,20}\bnot (?:available|released|public)\b|"
                      r"\b(?:don't|do not|doesn't|does not|didn't|did not|never) (?:have|carry|come with|ship|release|"
                      r"share|show)\s+(?:any\s+|their\s+|its\s+|the\s+|a\s+)?code\b|"
                      r"\bnot (?:flagged|marked|listed|tagged) (?:as )?(?:having|with) (?:any )?code\b|"
                      r"\bneither\b[^?]{0,60}\bnor (?:a |the |any )?code\b|\bneither (?:a |the |any )?code\b")


def code_filter(question: str, loose: bool = False) -> bool | None:
    """False for papers without code ("how many have no code?"), True for those with it, None when the question does
    not ask. `loose`: any mention of code asks for it (a bibliographic question); else only "with/has code"."""
    q = fold(question)
    if _NO_CODE.search(q):
        return False
    if loose:
        # "by category code" is the category's code, not a code release
        return True if re.search(r"(?<!category )\bcode\b|\bcodigo\b|代码|\bgithub\b|open[- ]source", q) else None
    return True if re.search(r"\b(?:with|have|has|having) (?:released |public |open[- ]source )?code\b", q) else None


# Everyday names of the affiliation codes the listing uses (it writes "utoronto", "deepmind", ...).
AFFILIATION_ALIASES = {
    "utoronto": ("university of toronto", "u of t", "uoft", "toronto", "universite de toronto",
                 "universidad de toronto", "universitat toronto", "多伦多"),
    "deepmind": ("deepmind", "google deepmind", "deep mind"),
    "cmu": ("carnegie mellon", "cmu"),
    "berkeley": ("berkeley", "uc berkeley"),
    "nvidia": ("nvidia",),
    "cambridge": ("cambridge",),
    "vector": ("vector institute",),
    "google": ("google brain", "google research"),
}


def find_affiliation(question: str, papers: list[Paper]) -> str | None:
    """The affiliation code a question names ("University of Toronto" -> "utoronto"), if the listing has it."""
    found = find_affiliations(question, papers)
    return found[0] if found else None


def find_affiliations(question: str, papers: list[Paper]) -> list[str]:
    """Every affiliation code a question names ("cambridge or berkeley"), longest first."""
    q = f" {fold(question)} "
    known = {a.lower() for p in papers for a in p.affiliations}
    # longest first ("deepmind" inside a longer code), then by name: a set's order changes between processes
    return [code for code in sorted(known, key=lambda c: (-len(c), c))
            if any(re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", q)
                   for name in (code,) + AFFILIATION_ALIASES.get(code, ()))]


def _write_together(first: str, second: str, papers: list[Paper]) -> bool:
    """Some paper has both people among its authors (as an author filter matches them)."""
    return any(Filters(author=first).matches(p) and Filters(author=second).matches(p) for p in papers)


# a thing compared that a year describes, one paper ("the 2022 paper on …", "the 2020 method that …"), not several;
# "its 2023 successor" is found by its year alone, which stays a filter
_YEAR_OF_ONE = re.compile(r"\b(?:the|a|an)\s+(?:\w+\s+)?((?:19|20)\d\d)\s+(?!(?:in|from|to|and|or|"
                          r"until|through|on|of)\b)[a-z]", re.IGNORECASE)
_SEVERAL = re.compile(r"\b(?:two|three|both|all|papers|entries|works|articles|studies|ones)\b", re.IGNORECASE)


def years_describe_one_side(question: str, targets: list[str] | None = None) -> bool:
    """A comparison whose years each describe one of the things compared ("How do the 2022 paper on X and MEGA
    differ?"), where another is written without one: the years say which paper, they restrict nothing (docs/ROUTER.md,
    "Stop 50"). `targets`: its `comparison_targets`, when read already."""
    targets = comparison_targets(question) if targets is None else targets
    if len(targets) < 2 or _SEVERAL.search(question):
        return False
    dated = [bool(named_years(t)) for t in targets]
    described = sorted({int(m.group(1)) for m in _YEAR_OF_ONE.finditer(question)})
    return any(dated) and not all(dated) and described == named_years(question)


def parse_filters(question: str, papers: list[Paper], owner: str = "") -> Filters:
    """Filters stated in the question; the profile's owner is never an author filter, nor a year that says which
    of the things compared is meant."""
    targets = comparison_targets(question)
    year_from, year_to = (None, None) if years_describe_one_side(question, targets) else \
        parse_years(without_name_years(question, papers))
    category = parse_category(question, papers)
    author = find_author(question, papers, exclude=owner, require_trigger=True)
    others = {find_author(target, papers, exclude=owner) for target in targets} if author else ()
    if any(other not in (None, author) and not _write_together(author, other, papers) for other in others):
        # "the study by Guo with Gimpel's baseline": each thing compared is the work of people who never write
        # together ("the two papers of X and Y with Z" compares papers they share)
        author = None
    has_code = code_filter(question)
    return Filters(year_from=year_from, year_to=year_to, category=category, author=author, has_code=has_code)
