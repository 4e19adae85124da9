"""Which retrieved papers a synthesis answer cites: a trained model over each candidate's evidence.

A hand-set rule (`extractive.Selection`: evidence at least 90% of the runner-up's) cited too few papers on broad
questions and let an off-topic one in on narrow ones: how far a paper is from the best says little when the best is
itself weak. The model (qa/data/selection.json, written by tools/train_selection.py from the labelled synthesis
questions of eighteen collections) reads each candidate's evidence in absolute terms and relative to the others:
hybrid retrieval score, best sentence, word coverage, the multilingual cosine (which reads other languages), its
rank and distance from the best. The likeliest candidate is always cited, and every other whose probability
reaches the threshold of its kind of question, at most `MOST`.
"""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from .citations import content_words
from .weights import load_model

MODEL_PATH = Path(__file__).resolve().parent / "data" / "selection.json"
MOST = 8  # never more papers than this: a broad question is not answered by a list
# a course over the years is its whole line of work: on 211 labelled courses of the bundled listing, 12 cites 891
# of 1,186 expected papers where 8 cites 885, at the same precision (docs/EVAL.md, "Stop 57")
MOST_EVOLUTION = 12
FEATURES = ("evidence", "from_best", "from_runner_up", "evidence_rank", "evidence_z", "hybrid", "sentence",
            "coverage", "dense", "title", "lexical", "sentences", "multilingual", "multilingual_from_best",
            "retrieval_rank", "evolution", "count", "by_author", "pool", "sentence_second", "sentence_top3",
            "close_sentences", "title_words", "like_best", "like_best_max", "like_nearest", "like_best_from_top",
            "like_best_max_from_top", "like_nearest_from_top")
BEST = 3  # the candidates of best evidence a paper is compared with (pseudo-relevance feedback)


def features(candidates) -> np.ndarray:
    """One row of `FEATURES` per candidate of `candidates.pool()` (an `extractive.Candidates`)."""
    pool = candidates.pool()
    n = len(pool)
    if not n:
        return np.zeros((0, len(FEATURES)))
    evidence = np.array(candidates.evidence()[:n])
    ranked = np.sort(evidence)[::-1]
    best, runner_up = ranked[0], ranked[min(1, n - 1)]
    order = np.argsort(-evidence, kind="stable")
    rank = np.empty(n)
    rank[order] = np.arange(n)
    z = (evidence - evidence.mean()) / (evidence.std() + 1e-6)
    multilingual = np.array((candidates.multilingual or [0.0] * n)[:n])
    sentences = candidates.sentences or [[s] for s in candidates.sentence]
    top_sentence = max(candidates.sentence[:n])
    asked = content_words(candidates.question)
    rows = []
    for i, hit in enumerate(pool):
        s = hit.signals
        scores = sentences[i] or [0.0]
        title = content_words(hit.paper.title)
        rows.append([evidence[i], evidence[i] - best, evidence[i] - runner_up, rank[i] / n, z[i],
                     s.get("hybrid", hit.score), candidates.sentence[i], candidates.coverage[i], s.get("dense", 0.0),
                     s.get("title", 0.0), s.get("lexical", 0.0), s.get("sentences", 0.0), multilingual[i],
                     multilingual[i] - multilingual.max(), i / n, float(candidates.kind == "evolution"),
                     float(candidates.kind == "count"), float(candidates.by_author), n / 20,
                     scores[1] if len(scores) > 1 else scores[0], float(np.mean(scores[:3])),
                     sum(x >= top_sentence - 0.15 for x in scores) / 5,
                     len(asked & title) / len(asked) if asked else 0.0])
    return np.hstack([np.array(rows, dtype=np.float64), _likeness(candidates.similarity, evidence, n)])


def _likeness(similarity, evidence: np.ndarray, n: int) -> np.ndarray:
    """Per candidate: its mean and highest cosine with the `BEST` candidates of best evidence (itself left out),
    its cosine with its nearest candidate, and each less the pool's highest: how much a paper resembles the ones the
    answer is surely about (zeros where the collection's papers have no multilingual vectors)."""
    if similarity is None or len(similarity) < n:
        return np.zeros((n, 6))
    s = np.asarray(similarity, dtype=np.float64)[:n, :n]
    order = np.argsort(-evidence, kind="stable")
    out = np.zeros((n, 3))
    for i in range(n):
        best = [j for j in order[:BEST + 1] if j != i][:BEST]
        near = s[i, best] if best else np.ones(1)
        out[i] = near.mean(), near.max(), np.sort(s[i])[-2] if n > 1 else 1.0
    return np.hstack([out, out - out.max(axis=0)])


class SelectionModel:
    def __init__(self, path: Path = MODEL_PATH):
        data = load_model(path, "selection model", "train_selection.py", "features", FEATURES)
        self.weights = np.array(data["weights"])
        self.bias = float(data["bias"])
        self.mean = np.array(data["mean"])
        self.scale = np.array(data["scale"])
        # per kind of question ("topic", "evolution", "count"): a count is as good as the papers it counts
        self.thresholds = {kind: float(t) for kind, t in data["thresholds"].items()}
        self.data_sha256 = data["data_sha256"]

    def probabilities(self, candidates) -> np.ndarray:
        x = features(candidates)
        return 1 / (1 + np.exp(-(((x - self.mean) / self.scale) @ self.weights + self.bias)))

    def choose(self, candidates) -> list:
        """The candidates cited, likeliest first."""
        pool = candidates.pool()
        p = self.probabilities(candidates)
        order = sorted(range(len(pool)), key=lambda i: -p[i])
        threshold = self.thresholds.get(candidates.kind, self.thresholds["topic"])
        most = MOST_EVOLUTION if candidates.kind == "evolution" else MOST
        return [pool[i] for rank, i in enumerate(order[:most]) if rank == 0 or p[i] >= threshold]


@functools.cache
def model() -> SelectionModel:
    """The shipped weights, read once per process."""
    return SelectionModel()
