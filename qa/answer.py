"""The answer object every strategy produces, and the events of a streamed answer."""
from __future__ import annotations

from dataclasses import dataclass, field

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
