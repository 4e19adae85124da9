"""Train what shape a several-paper answer takes (qa/data/kind.json): topic, evolution, count or compare.

    .venv/bin/python tools/train_kind.py [--no-cv]

Reads the synthesis questions of the training sets (tools/train_intent.py's `SEED_SETS` and `OTHER_SETS`) that carry
a `kind` label ("list" counts as a topic, "comparison" as compare), encodes them with multilingual-e5 (a minute on
2 cores) and fits a multinomial logistic regression (`qa.kinds`) over the e5 vector and the three English patterns
of `qa.extractive`. Cross-validated over three groups of sets, it prints the share of each kind recognised, in
English and in other languages, by the patterns alone and by the model, and picks the L2 strength.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

import train_intent  # noqa: E402  (the training sets)

LABELS = {"topic": "topic", "list": "topic", "evolution": "evolution", "count": "count", "comparison": "compare",
          "compare": "compare"}
STRENGTHS = (0.3, 1.0, 3.0, 10.0)  # L2 penalties tried (on the standardised inputs, per question's loss)


def labelled_rows() -> list[dict]:
    paths = list(train_intent.SEED_SETS) + [questions for _, questions in train_intent.OTHER_SETS]
    rows = []
    for path in paths:
        for row in train_intent._rows(path):
            if row.get("route") == "synthesis" and row.get("kind") in LABELS:
                rows.append({"set": path.stem, "question": row["question"], "kind": LABELS[row["kind"]],
                             "lang": row.get("lang", "en")})
    return rows


def by_patterns(question: str) -> str:
    """What the English patterns alone say (`kinds.synthesis_kind` before the model), a comparison counted
    whatever it names."""
    from qa.kinds import kind_patterns

    evolution, count, compare = kind_patterns(question)
    return "count" if count else "compare" if compare else "evolution" if evolution else "topic"


def fit(x: np.ndarray, y: np.ndarray, strength: float, steps: int = 3000) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression, full-batch Adam on the standardised inputs; returns (weights, bias) for the
    raw inputs."""
    from qa.kinds import KINDS

    mean, scale = x.mean(0), x.std(0) + 1e-6
    z = (x - mean) / scale
    onehot = np.eye(len(KINDS))[y]
    w, b = np.zeros((z.shape[1], len(KINDS))), np.zeros(len(KINDS))
    m = [np.zeros_like(w), np.zeros_like(b)]
    v = [np.zeros_like(w), np.zeros_like(b)]
    for t in range(1, steps + 1):
        logits = z @ w + b
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        grads = [(z.T @ (p - onehot) + strength * w) / len(z), (p - onehot).mean(0)]
        for i, (param, g) in enumerate(zip((w, b), grads)):
            m[i] = 0.9 * m[i] + 0.1 * g
            v[i] = 0.999 * v[i] + 0.001 * g * g
            param -= 0.01 * (m[i] / (1 - 0.9 ** t)) / (np.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-8)
    return w / scale[:, None], b - (mean / scale) @ w


def predict(weights, x: np.ndarray) -> np.ndarray:
    w, b = weights
    return np.argmax(x @ w + b, axis=1)


def report(label: str, rows: list[dict], predicted: list[str]) -> float:
    from qa.kinds import KINDS

    cells, recalls = [], []
    for kind in KINDS:
        for english in (True, False):
            idx = [i for i, r in enumerate(rows) if r["kind"] == kind and (r["lang"] == "en") == english]
            if idx:
                share = sum(predicted[i] == kind for i in idx) / len(idx)
                recalls.append(share)
                cells.append(f"{kind}-{'en' if english else 'xx'} {share:.2f} ({len(idx)})")
    accuracy = sum(p == r["kind"] for p, r in zip(predicted, rows)) / len(rows)
    print(f"{label:18s} accuracy {accuracy:.3f}  " + "  ".join(cells))
    return float(np.mean(recalls))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-cv", action="store_true")
    parser.add_argument("--strength", type=float, default=1.0)
    parser.add_argument("--out", type=Path, default=ROOT / "qa" / "data" / "kind.json")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from qa.embeddings import MultilingualEncoder
    from qa.kinds import KINDS, inputs, kind_patterns

    rows = labelled_rows()
    encoder = MultilingualEncoder()
    vectors = np.concatenate([encoder.queries([r["question"] for r in rows[i:i + 64]])
                              for i in range(0, len(rows), 64)])
    x = np.stack([inputs(v, kind_patterns(r["question"])) for v, r in zip(vectors, rows)])
    y = np.array([KINDS.index(r["kind"]) for r in rows])
    print(f"{len(rows)} labelled synthesis questions from {len({r['set'] for r in rows})} sets")
    strength = args.strength
    if not args.no_cv:
        fold = np.array([zlib.crc32(r["set"].encode()) % 3 for r in rows])
        report("English patterns", rows, [by_patterns(r["question"]) for r in rows])
        best = -1.0
        for s in STRENGTHS:
            predicted = np.zeros(len(rows), dtype=int)
            for f in range(3):
                predicted[fold == f] = predict(fit(x[fold != f], y[fold != f], s), x[fold == f])
            score = report(f"model, L2 {s:g}", rows, [KINDS[i] for i in predicted])
            if score > best:
                best, strength = score, s
        print(f"L2 strength {strength:g} (best mean recall over kinds and languages, cross-validated)")
    w, b = fit(x, y, strength)
    digest = hashlib.sha256()
    for r in rows:
        digest.update(json.dumps([r["set"], r["question"], r["kind"]]).encode())
    args.out.write_text(json.dumps({"kinds": list(KINDS), "weights": w.round(6).tolist(), "bias": b.round(6).tolist(),
                                    "strength": strength, "questions": len(rows),
                                    "data_sha256": digest.hexdigest()}) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(rows)} questions)")


if __name__ == "__main__":
    main()
