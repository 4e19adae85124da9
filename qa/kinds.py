"""What shape a several-paper answer takes: a topic, a line of work over time, a count, or a comparison.

The English patterns (EVOLUTION, COUNT, and `qa.question.COMPARE`) missed every labelled evolution question in
another language ("¿Cómo evolucionó …?", "어떻게 발전했나요?") and most counts ("Сколько статей …?"), so those got
neither a timeline nor a count. The model (qa/data/kind.json, written by tools/train_kind.py from the labelled
synthesis questions) is a multinomial logistic regression over the question's multilingual-e5 vector, which reads
other languages, and the English patterns as three more inputs.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np

from .question import COMPARE, MAX_COMPARED
from .weights import load_model

MODEL_PATH = Path(__file__).resolve().parent / "data" / "kind.json"
KINDS = ("topic", "evolution", "count", "compare")

EVOLUTION = re.compile(r"\b(evolv\w*|evolution|over (the )?(years|time)|timeline|histor(y|ical)|trajectory|"
                       r"chronolog\w*|progress(ed|ion)? (of|in|over|from|since)|chang(ed|es) over|"
                       r"develop(ed|ment) over|how (did|has|have) [^?]{0,80}\b(develop|progress|grow|chang)\w*|"
                       r"when did|since when|when (was|were) .{0,40}(first|start|begin|began)|earliest|"
                       r"first (paper|work)|what came (before|after|next)|(start|began|begin)s? (to|working)|latest|"
                       r"most recent)\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
COUNT = re.compile(r"\bhow many\b|\bnumber of (papers|works|articles|publications)\b|\bcount\b|combien|cu[aá]nt[oa]s",
                   re.IGNORECASE)


def kind_patterns(question: str) -> tuple[bool, bool, bool]:
    """What the English patterns read: (evolution, count, compare); inputs of the kind model."""
    return bool(EVOLUTION.search(question)), bool(COUNT.search(question)), bool(COMPARE.search(question))


def likeliest_kind(question: str, vector: np.ndarray) -> str:
    """The kind the shipped model finds likeliest for a question and its multilingual-e5 vector."""
    return model().likeliest(vector, kind_patterns(question))


def inputs(vector: np.ndarray, patterns: tuple[bool, bool, bool]) -> np.ndarray:
    """The e5 vector and the three English patterns (evolution, count, compare) as 0/1."""
    return np.concatenate([np.asarray(vector, dtype=np.float64), np.array(patterns, dtype=np.float64)])


class KindModel:
    def __init__(self, path: Path = MODEL_PATH):
        data = load_model(path, "answer-kind model", "train_kind.py", "kinds", KINDS)
        self.weights = np.array(data["weights"])  # (inputs, kinds)
        self.bias = np.array(data["bias"])
        self.data_sha256 = data["data_sha256"]

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        z = x @ self.weights + self.bias
        e = np.exp(z - z.max())
        return e / e.sum()

    def likeliest(self, vector: np.ndarray, patterns: tuple[bool, bool, bool]) -> str:
        return KINDS[int(np.argmax(self.probabilities(inputs(vector, patterns))))]

    def kind(self, vector: np.ndarray, patterns: tuple[bool, bool, bool], named: int, most_compared: int) -> str:
        """The likeliest kind; a comparison needs two to `most_compared` papers the question names (else it is a
        question about a topic)."""
        best = self.likeliest(vector, patterns)
        return "topic" if best == "compare" and not 2 <= named <= most_compared else best


@functools.cache
def model() -> KindModel:
    """The shipped weights, read once per process."""
    return KindModel()


def synthesis_kind(question: str, named: int = 0, vector: np.ndarray | None = None) -> str:
    """"topic", "evolution", "count" or "compare" (a comparison of the `named` papers): from the trained model
    when the question's multilingual-e5 `vector` is given, else from the English patterns."""
    if vector is not None:
        kind = model().kind(vector, kind_patterns(question), named, MAX_COMPARED)
        # "how has the study of X developed from 2019 to 2024?": a course asked in English over a span of years, which
        # e5 may read as a topic (of the 298 labelled questions that write both, the model read 2 so, both courses)
        if kind == "topic" and EVOLUTION.search(question) and len(_YEAR.findall(question)) >= 2:
            return "evolution"
        return kind
    if COUNT.search(question):
        return "count"
    if COMPARE.search(question) and 2 <= named <= MAX_COMPARED:
        return "compare"
    if EVOLUTION.search(question):
        return "evolution"
    return "topic"


def asks_comparison(question: str, vector: np.ndarray | None = None) -> bool:
    """Does the question compare things ("Compare A and B", "Vergleiche A und B", "A と B を比較して")?"""
    if vector is None:
        return bool(COMPARE.search(question))
    return likeliest_kind(question, vector) == "compare"
