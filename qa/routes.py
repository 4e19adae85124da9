"""What a router is (`Router`), where its prompts and labelled examples live, and how they are read."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

from .types import ROUTES, Route

PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts"
EXAMPLES_PATH = PROMPTS_DIR / "router_examples.jsonl"
SYSTEM_PROMPT_PATH = PROMPTS_DIR / "router_system.md"


class Router(Protocol):
    """What answers a question's route before the intent model: the guards, or the LLM router in front of them."""

    examples: list[dict]

    def classify(self, question: str, history: list[dict] | None = None) -> Route: ...

    def papers_called_in(self, question: str) -> list: ...

    def spelled(self, question: str) -> str: ...


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
