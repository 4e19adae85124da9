"""What shape a several-paper answer takes: a topic, a line of work over time, a count, or a comparison.

The English patterns of `qa.extractive` (EVOLUTION, COUNT, COMPARE) missed every labelled evolution question in
another language ("¿Cómo evolucionó …?", "어떻게 발전했나요?") and most counts ("Сколько статей …?"), so those got
neither a timeline nor a count. The model (qa/data/kind.json, written by tools/train_kind.py from the labelled
synthesis questions) is a multinomial logistic regression over the question's multilingual-e5 vector, which reads
other languages, and the English patterns as three more inputs.
"""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from .weights import load_model

MODEL_PATH = Path(__file__).resolve().parent / "data" / "kind.json"
KINDS = ("topic", "evolution", "count", "compare")


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
