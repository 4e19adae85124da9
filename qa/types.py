"""The domain types every step shares, in the order the data flows: the filters a question or the UI sets, a
retrieved paper (`Hit`), the router's `Route`, the question read once (`Query`), and the answer with its
citations and stream events. Behaviour lives in the step modules; these are the values passed between them."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .errors import QAError
from .papers import Paper

ROUTES = ("paper", "synthesis", "metadata", "not_answerable")


def _first_last(name: str) -> tuple[str, ...]:
    """First and last name: "Jane A. Doe" is the "Jane Doe" a question names."""
    parts = name.lower().replace(".", " ").split()
    return (parts[0], parts[-1]) if len(parts) >= 2 else tuple(parts)


@dataclass(frozen=True)
class Filters:
    year_from: int | None = None
    year_to: int | None = None
    category: str | None = None
    author: str | None = None
    has_code: bool | None = None

    def __post_init__(self):
        if self.year_from is not None and self.year_to is not None and self.year_from > self.year_to:
            raise QAError(f"year range is empty: {self.year_from} is after {self.year_to}")

    @property
    def active(self) -> bool:
        return any(v not in (None, "") for v in (self.year_from, self.year_to, self.category, self.author,
                                                  self.has_code))

    def matches(self, paper: Paper) -> bool:
        if self.year_from is not None and paper.year < self.year_from:
            return False
        if self.year_to is not None and paper.year > self.year_to:
            return False
        if self.category and paper.category.lower() != self.category.strip().lower():
            return False
        if self.author:
            needle = self.author.strip().lower()
            if not any(needle in name.lower() or _first_last(needle) == _first_last(name) for name in paper.authors):
                return False
        if self.has_code is not None and paper.has_code != self.has_code:
            return False
        return True

    def describe(self) -> str:
        parts = []
        if self.year_from is not None and self.year_to is not None:
            parts.append(f"years {self.year_from}–{self.year_to}" if self.year_from != self.year_to
                         else f"year {self.year_from}")
        elif self.year_from is not None:
            parts.append(f"since {self.year_from}")
        elif self.year_to is not None:
            parts.append(f"up to {self.year_to}")
        if self.category:
            parts.append(f"category {self.category.upper()}")
        if self.author:
            parts.append(f"author “{self.author}”")
        if self.has_code is not None:
            parts.append("with code" if self.has_code else "without code")
        return ", ".join(parts)

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


@dataclass
class Hit:
    paper: Paper
    score: float
    passage: str
    chunk_id: str
    signals: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        p = self.paper
        return {"paper_id": p.paper_id, "title": p.title, "year": p.year, "category": p.category,
                "authors": p.authors, "has_code": p.has_code, "score": round(self.score, 4),
                "passage": self.passage}


@dataclass(frozen=True)
class Route:
    label: str  # one of ROUTES
    confidence: float  # 0..1
    method: str  # "rules" (a guard) | "model" (the intent model) | "llm" | "none" (no guard applies yet)
    reason: str  # short, for logs and eval reports
    explanation: str = ""  # for a refusal: one sentence for the user saying why, when the rule knows
    listing_gap: bool = False  # a refusal about the listing's own fields: the metadata module says what it has
    one_paper: bool = False  # a metadata question about one paper (named, or under discussion): its date, code...
    # a decline that needs no evidence (chit-chat, code requests, injections, private life, what the listing lacks);
    # any other route comes from the intent model, which reads the retrieved papers (qa.evidence)
    settled: bool = False
    # the intent model's likelier of paper and synthesis: how a metadata question the listing cannot compute is
    # answered from the papers instead
    from_papers: str = "synthesis"
    # the LLM router's call failed (often: timed out) with this error: the answer step does not wait for it again
    llm_error: str = ""


def merge_filters(stated: Filters, given: Filters | None) -> Filters:
    """Filters set in the UI/CLI win over those read from the question."""
    if given is None:
        return stated
    pick = lambda a, b: a if a not in (None, "") else b  # noqa: E731
    return Filters(year_from=pick(given.year_from, stated.year_from), year_to=pick(given.year_to, stated.year_to),
                   category=pick(given.category, stated.category), author=pick(given.author, stated.author),
                   has_code=pick(given.has_code, stated.has_code))


@dataclass
class Query:
    text: str  # the question as asked, cleaned
    history: list[dict]  # earlier {"role", "content"} messages, cleaned
    k: int  # papers per answer
    route: Route  # what evidence it needs, and why the router thinks so
    stated: Filters  # what the question itself restricts: "since 2021", "in CL", "with code"
    given: Filters | None  # what the UI or the command line restricts
    # (text, history) -> the standalone text to search; resolving a follow-up may ask the LLM, so it runs once,
    # and only for the steps that search
    resolve: Callable[[str, list[dict]], str] = field(repr=False, default=lambda text, history: text)
    _search_text: str | None = field(default=None, repr=False)
    # the evidence search the route was read from (best papers, and the sentence that best supports an answer),
    # reused by the answer when the question states no filter of its own
    searched: list[Hit] | None = field(default=None, repr=False)
    evidence: object | None = field(default=None, repr=False)
    # the papers its evidence is read from: those it names, or a follow-up's (`understand.Reader.papers_meant`)
    meant: list | None = field(default=None, repr=False)
    # the text its evidence is read for, spelling mended (`understand.Reader.evidence_text`)
    evidence_text: str | None = field(default=None, repr=False)
    # the share of the question not in English (retrieval's `foreign_share`): its sentences are read in e5
    foreign: float = 0.0
    # the papers the question calls by a name of their own ("DreamerV3", "Dream to Control"), in its order
    named: list = field(default_factory=list)
    # the names it writes that no title or abstract of the collection has ("GPT-4", "MMLU")
    unknown: list[str] = field(default_factory=list)
    # the two papers it asks the time between, once looked for (`understand.Reader.interval_pair`)
    dated_pair: list | None = field(default=None, repr=False)

    @property
    def filters(self) -> Filters:
        return merge_filters(self.stated, self.given)

    @property
    def search_text(self) -> str:
        """A follow-up ("who wrote it?") searched together with what it refers to; otherwise the question."""
        if self._search_text is None:
            self._search_text = self.resolve(self.text, self.history)
        return self._search_text

    def standalone(self, k: int) -> Query:
        """The same question without its history (a bibliographic question answered from the papers instead)."""
        return Query(self.text, [], k, self.route, self.stated, self.given, self.resolve, foreign=self.foreign,
                     named=self.named, unknown=self.unknown)


ROUTE_LABELS = {"paper": "one paper", "synthesis": "several papers", "metadata": "bibliographic",
                "not_answerable": "not covered"}


@dataclass
class Citation:
    n: int
    paper_id: str
    title: str
    year: int
    authors: list[str]
    quote: str
    supported: bool = True

    def to_dict(self) -> dict:
        return {"n": self.n, "paper_id": self.paper_id, "title": self.title, "year": self.year,
                "authors": list(self.authors), "quote": self.quote, "supported": self.supported}


@dataclass
class Source:
    paper_id: str
    title: str
    year: int
    score: float

    def to_dict(self) -> dict:
        return {"paper_id": self.paper_id, "title": self.title, "year": self.year, "score": round(self.score, 4)}


@dataclass
class MetadataAnswer:
    """A bibliographic answer computed from the listing (`qa.metadata`); not understood: the question is not one."""
    text: str
    papers: list[Paper] = field(default_factory=list)  # cited as [1]..[n] in this order
    understood: bool = True
    whole: bool = False  # the listing's total: what a count the rules could not narrow reads as


@dataclass
class Answer:
    question: str
    route: str
    mode: str                      # "llm" | "extractive" | "structured" | "refusal"
    model: str | None
    answer: str
    citations: list[Citation] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    timings_ms: dict = field(default_factory=lambda: {"route": 0.0, "retrieve": 0.0, "generate": 0.0,
                                                       "total": 0.0})
    # not part of the JSON contract; for the UI and eval
    filters: str = ""              # human description of active filters
    route_reason: str = ""
    first_text_ms: float | None = None  # question to first answer text (what a reader waits for)
    # an LLM answer's [n] markers before invalid ones were removed: (valid, total)
    raw_citations: tuple[int, int] | None = None

    def to_dict(self) -> dict:
        """Exactly the keys of `qa ask --json`."""
        return {"question": self.question, "route": self.route, "mode": self.mode, "model": self.model,
                "answer": self.answer, "citations": [c.to_dict() for c in self.citations],
                "sources": [s.to_dict() for s in self.sources], "warnings": list(self.warnings),
                "timings_ms": {k: round(float(v), 1) for k, v in self.timings_ms.items()}}


@dataclass
class AnswerEvent:
    """One step of a streamed answer: kind is "route", "sources", "delta" or "done".

    "route": route set; "sources": answer.sources/citations so far; "delta": `text` is
    new answer text to append; "done": `answer` is the final, checked Answer (its text
    may differ from the concatenated deltas when invalid citations were removed).
    """
    kind: str
    text: str = ""
    answer: Answer | None = None
