"""The four routes, the `Route` a router returns, and the labelled routing examples."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


ROUTES = ("paper", "synthesis", "metadata", "not_answerable")

PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts"
EXAMPLES_PATH = PROMPTS_DIR / "router_examples.jsonl"
# More labelled questions for the nearest-neighbour vote only (the question sets the rules were tuned on, without
# follow-ups, whose label depends on the history); the LLM router's few-shot examples stay the curated file.
KNN_EXAMPLES_PATH = PROMPTS_DIR / "router_knn_examples.jsonl"
SYSTEM_PROMPT_PATH = PROMPTS_DIR / "router_system.md"


@dataclass(frozen=True)
class Route:
    label: str  # one of ROUTES
    confidence: float  # 0..1
    method: str  # "rules" | "knn" | "llm"
    reason: str  # short, for logs and eval reports
    explanation: str = ""  # for a refusal: one sentence for the user saying why, when the rule knows
    listing_gap: bool = False  # a refusal about the listing's own fields: the metadata module says what it has
    one_paper: bool = False  # a metadata question about one paper (named, or under discussion): its date, code...
    # a decline that needs no evidence (chit-chat, code requests, injections, private life, what the listing lacks);
    # any other decline is checked against the retrieved papers' sentences before it stands (qa.evidence)
    settled: bool = False
    subject: str = ""  # for a decline: the name it found missing from the collection ("GPT-4")


class Router(Protocol):
    """What answers a question's route: the offline router, or the LLM router in front of it."""

    examples: list[dict]

    def classify(self, question: str, history: list[dict] | None = None) -> Route: ...

    def papers_called_in(self, question: str) -> list: ...


def load_examples(path: Path | None = None) -> list[dict]:
    """The labelled routing examples: one JSON object per line with question and route."""
    path = Path(path) if path is not None else EXAMPLES_PATH
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("route") not in ROUTES or not str(row.get("question", "")).strip():
            raise ValueError(f"{path}:{number}: needs a question and a route in {ROUTES}")
        examples.append(row)
    return examples
