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
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FOLDS = 3
STRENGTH = 1e-3   # L2 penalty on the weights against the summed log-loss, each question weighing 1 (a penalty of 1
                  # ranked the answering sentence first for far fewer questions, docs/ROUTER.md "Stop 27")
ITERATIONS = 300


def _sentences(row: dict) -> list[tuple[int, tuple, list[str], str]]:
    """Per best retrieved paper: its rank, input parts (`qa.answer_sentences.sentence_parts`), sentences and title."""
    from qa.answer_sentences import sentence_parts

    out = []
    for rank, paper_id in enumerate(row["answer_papers"]):
        title, sentences, vectors = row["answer_table"][paper_id]
        if len(sentences) and len(vectors) == len(sentences):
            out.append((rank, sentence_parts(row["answer_text"], row["answer_vector"], title, sentences, vectors, rank,
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


@dataclass
class Design:
    """The labelled sentences' inputs kept in parts: the holds times the question's vector (most of the model's
    inputs) are a few numbers per sentence times one vector per question, so each pass over the data reads ~8x less
    than the laid-out rows (`qa.answer_sentences.sentence_rows`) would."""
    products: np.ndarray   # sentences × DIM
    holds: np.ndarray      # sentences × len(HOLDS)
    scalars: np.ndarray    # sentences × len(SCALARS)
    question: np.ndarray   # per sentence: its question's row of `vectors`
    vectors: np.ndarray    # questions × DIM
    y: np.ndarray
    weight: np.ndarray


def _split(w: np.ndarray, design: Design) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """The weight vector (laid out as `sentence_rows`' inputs, then the bias) as (products', holds' per dimension
    of the question's vector, scalars', bias)."""
    dim, holds = design.products.shape[1], design.holds.shape[1]
    return w[:dim], w[dim:dim * (1 + holds)].reshape(holds, dim), w[dim * (1 + holds):-1], w[-1]


def _logits(design: Design, w: np.ndarray) -> np.ndarray:
    products, holds, scalars, bias = _split(w, design)
    by_question = (design.vectors @ holds.T.astype(np.float32))[design.question]
    return (design.products @ products.astype(np.float32) + np.einsum("ij,ij->i", design.holds, by_question)
            + design.scalars @ scalars.astype(np.float32)).astype(np.float64) + bias


def fit(design: Design, strength: float = STRENGTH) -> tuple[np.ndarray, float]:
    """Weighted logistic regression: the weighted log-loss plus half `strength` times the squared weights (not
    the bias), by L-BFGS; the same model as over the laid-out rows, computed from the parts."""
    from lbfgs import minimise

    y, weight = design.y, design.weight
    questions = len(design.vectors)

    def loss_grad(w):
        z = _logits(design, w)
        p = np.exp(-np.logaddexp(0.0, -z))
        loss = np.sum(weight * (np.logaddexp(0.0, -z) * y + np.logaddexp(0.0, z) * (1 - y)))
        r = weight * (p - y)
        r32 = r.astype(np.float32)
        per_question = np.stack([np.bincount(design.question, weights=design.holds[:, h] * r, minlength=questions)
                                 for h in range(design.holds.shape[1])], axis=1)
        grad = np.concatenate([design.products.T @ r32, (design.vectors.T @ per_question.astype(np.float32)).T.ravel(),
                               design.scalars.T @ r32]).astype(np.float64) + strength * w[:-1]
        return loss + 0.5 * strength * w[:-1] @ w[:-1], np.concatenate([grad, [r.sum()]])

    dim, holds, scalars = design.products.shape[1], design.holds.shape[1], design.scalars.shape[1]
    w = minimise(loss_grad, np.zeros(dim * (1 + holds) + scalars + 1), ITERATIONS)
    return w[:-1].astype(np.float32), float(w[-1])


def _design(rows: list[dict], inputs: list) -> Design:
    parts: list[list] = [[], [], [], [], [], []]
    vectors = []
    for row, papers in zip(rows, inputs):
        labels = _labels(row, papers) if papers else None
        if labels is None:
            continue
        for _, (products, holds, scalars), _, _ in papers:
            parts[0].append(products)
            parts[1].append(holds)
            parts[2].append(scalars)
            parts[3].append(np.full(len(products), len(vectors)))
        vectors.append(np.asarray(row["answer_vector"], dtype=np.float32))
        parts[4].append(labels)
        parts[5].append(np.full(len(labels), 1.0 / len(labels)))
    products, holds, scalars, question, y, weight = (np.concatenate(p) for p in parts)
    return Design(products.astype(np.float32), holds.astype(np.float32), scalars.astype(np.float32), question,
                  np.array(vectors), y, weight)


def _best(row: dict, papers: list, weights: np.ndarray, bias: float) -> tuple[float, float]:
    """(best probability in the first paper, in all), as `AnswerSentenceModel.best` gives them."""
    tops = {}
    w = np.concatenate([weights, [bias]])
    for rank, (products, holds, scalars), _, _ in papers:
        one = Design(products, holds.astype(np.float32), scalars, np.zeros(len(products), dtype=int),
                     np.asarray(row["answer_vector"], dtype=np.float32)[None, :], np.zeros(0), np.zeros(0))
        tops[rank] = float((1.0 / (1.0 + np.exp(-_logits(one, w)))).max())
    return tops.get(0, 0.0), max(tops.values(), default=0.0)


def train(rows: list[dict], out: Path) -> np.ndarray:
    """Fits on every row and writes `out`; returns each row's (answer, answer_any) predicted out of fold."""
    from qa.answer_sentences import SCALARS

    inputs = [_sentences(row) for row in rows]
    folds = np.array([zlib.crc32(row["set"].encode()) % FOLDS for row in rows])
    predicted = np.zeros((len(rows), 2))
    for fold in range(FOLDS):
        inside = [i for i in range(len(rows)) if folds[i] != fold]
        weights, bias = fit(_design([rows[i] for i in inside], [inputs[i] for i in inside]))
        for i in np.flatnonzero(folds == fold):
            predicted[i] = _best(rows[i], inputs[i], weights, bias)
    design = _design(rows, inputs)
    y = design.y
    weights, bias = fit(design)
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps([row["set"], row["question"], row["route"], row["must_include"]]).encode())
    out.write_text(json.dumps({"scalars": list(SCALARS), "weights": [round(float(v), 6) for v in weights],
                               "bias": round(bias, 6), "data_sha256": digest.hexdigest(),
                               "sentences": int(len(y)), "answering": int(y.sum())}) + "\n", encoding="utf-8")
    print(f"answer-sentence model: {len(y)} sentences, {int(y.sum())} answering; wrote {out}", flush=True)
    return predicted
