"""Fit the answer-sentence model (qa/data/answer_sentences.json, read by qa.answer_sentences) from the intent
readings: tools/train_intent.py calls `train` before it fits the intent model.

A labelled paper question's sentence answers it when it holds one of the strings the answer must include and
belongs to the expected paper; every other sentence of the best retrieved papers does not, nor does any sentence
for a question the collection cannot answer. Each question weighs the same, however many sentences its papers
have. The intent model reads the model's best probability as evidence (`answer`, `answer_any`); so that it learns
how far to trust that evidence on questions the answer model has not seen, the values it is fitted on are
predicted out of fold (the sets dealt into `FOLDS` groups by a hash of their names, as
`train_intent.cross_validate --folds 3` deals them).
"""
from __future__ import annotations

import hashlib
import json
import zlib
from pathlib import Path

import numpy as np

FOLDS = 3
STRENGTH = 1e-3   # L2 penalty on the weights against the summed log-loss, each question weighing 1 (a penalty of 1
                  # ranked the answering sentence first for far fewer questions, docs/ROUTER.md "Stop 27")
ITERATIONS = 300


def _sentences(row: dict) -> list[tuple[int, np.ndarray, list[str], str]]:
    """Per best retrieved paper: its rank, input rows, sentences and title."""
    from qa.answer_sentences import sentence_rows

    out = []
    for rank, paper_id in enumerate(row["answer_papers"]):
        title, sentences, vectors = row["answer_table"][paper_id]
        if len(sentences) and len(vectors) == len(sentences):
            out.append((rank, sentence_rows(row["answer_text"], row["answer_vector"], title, sentences, vectors, rank,
                                      paper_id in row["answer_named"]), sentences, title))
    return out


def _labels(row: dict, papers: list) -> np.ndarray | None:
    """1 for a sentence that holds the answer, 0 for the others; None when the question teaches nothing here (not
    a paper question with strings to include, or no retrieved sentence holds them)."""
    sizes = [len(sentences) for _, _, sentences, _ in papers]
    if not row["answerable"]:
        return np.zeros(sum(sizes))
    wanted = [m.lower() for m in row["must_include"]]
    if row["route"] != "paper" or not wanted:
        return None
    expected = set(row["expected_titles"])
    labels = np.array([float(title in expected and any(m in s.lower() for m in wanted))
                       for _, _, sentences, title in papers for s in sentences])
    return labels if labels.any() else None


def fit(x: np.ndarray, y: np.ndarray, weight: np.ndarray, strength: float = STRENGTH) -> tuple[np.ndarray, float]:
    """Weighted logistic regression: the weighted log-loss plus half `strength` times the squared weights (not
    the bias), by L-BFGS."""
    from lbfgs import minimise

    def loss_grad(w):
        z = x @ w[:-1].astype(np.float32) + w[-1]
        p = np.exp(-np.logaddexp(0.0, -z))
        loss = np.sum(weight * (np.logaddexp(0.0, -z) * y + np.logaddexp(0.0, z) * (1 - y)))
        r = (weight * (p - y)).astype(np.float32)
        grad = np.concatenate([x.T @ r + strength * w[:-1], [r.sum()]])
        return loss + 0.5 * strength * w[:-1] @ w[:-1], grad.astype(np.float64)

    w = minimise(loss_grad, np.zeros(x.shape[1] + 1), ITERATIONS)
    return w[:-1].astype(np.float32), float(w[-1])


def _design(rows: list[dict], inputs: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs, ys, ws = [], [], []
    for row, papers in zip(rows, inputs):
        labels = _labels(row, papers) if papers else None
        if labels is None:
            continue
        xs.append(np.concatenate([x for _, x, _, _ in papers]))
        ys.append(labels)
        ws.append(np.full(len(labels), 1.0 / len(labels)))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(ws)


def _best(papers: list, weights: np.ndarray, bias: float) -> tuple[float, float]:
    """(best probability in the first paper, in all), as `AnswerSentenceModel.best` gives them."""
    tops = {rank: float((1.0 / (1.0 + np.exp(-(x @ weights + bias)))).max()) for rank, x, _, _ in papers}
    return tops.get(0, 0.0), max(tops.values(), default=0.0)


def train(rows: list[dict], out: Path) -> np.ndarray:
    """Fits on every row and writes `out`; returns each row's (answer, answer_any) predicted out of fold."""
    from qa.answer_sentences import SCALARS

    inputs = [_sentences(row) for row in rows]
    folds = np.array([zlib.crc32(row["set"].encode()) % FOLDS for row in rows])
    predicted = np.zeros((len(rows), 2))
    for fold in range(FOLDS):
        inside = [i for i in range(len(rows)) if folds[i] != fold]
        weights, bias = fit(*_design([rows[i] for i in inside], [inputs[i] for i in inside]))
        for i in np.flatnonzero(folds == fold):
            predicted[i] = _best(inputs[i], weights, bias)
    x, y, w = _design(rows, inputs)
    weights, bias = fit(x, y, w)
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps([row["set"], row["question"], row["route"], row["must_include"]]).encode())
    out.write_text(json.dumps({"scalars": list(SCALARS), "weights": [round(float(v), 6) for v in weights],
                               "bias": round(bias, 6), "data_sha256": digest.hexdigest(),
                               "sentences": int(len(y)), "answering": int(y.sum())}) + "\n", encoding="utf-8")
    print(f"answer-sentence model: {len(y)} sentences, {int(y.sum())} answering; wrote {out}", flush=True)
    return predicted
