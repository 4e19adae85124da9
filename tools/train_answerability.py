"""Train the answerability model (qa/data/answerability.json): does the collection answer a question?

    .venv/bin/python tools/train_answerability.py            # features (cached), cross-validation, weights file
    .venv/bin/python tools/train_answerability.py --refresh  # recompute the features (after a retrieval change)

For every labelled question of the training sets below, on its own collection (the bundled listing, or another
researcher's JSONL ingested into a temporary store), the assistant reads the question as it does at run time
(`Assistant.read`), and for each question it would check against the papers (routed `paper` or `synthesis`, or a
decline the router could not settle alone) it measures the retrieved evidence (`Assistant.evidence_features`).
The label is whether the set's author marked the question answerable.

A logistic regression (L2, standardised features) is fitted with numpy. Leave-one-set-out cross-validation gives
the figures printed per set: the share of answerable questions the gate would decline and the share of
unanswerable ones it would answer, next to the same shares for the rules it replaces (the router's decline checked
by one supporting sentence). The threshold minimises twice the wrong declines plus the wrong answers over the
cross-validated predictions (a wrong refusal of a question the papers answer costs a user more than a plain
decline they can rephrase). The weights file records the threshold, the features and the sha256 of the training
rows. Sets kept out of training (the dev set, the fresh first-contact sets) are never read here.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "data"

SEED_SETS = sorted(DATA.glob("router_fresh_*.jsonl")) + [
    DATA / "router_holdout.jsonl", DATA / "named.jsonl", DATA / "paraphrases.jsonl", DATA / "paraphrases_tune.jsonl",
    DATA / "heldout" / "router_z1.jsonl", DATA / "heldout" / "router_z2.jsonl",
    DATA / "heldout" / "synthesis_heldout.jsonl", DATA / "heldout" / "synthesis_fresh.jsonl",
    DATA / "heldout" / "paraphrases_heldout.jsonl", DATA / "heldout" / "router_q1.jsonl",
    DATA / "heldout" / "router_q2.jsonl"] + [
    DATA / "heldout" / f"{name}.jsonl" for name in (
        "router_r1", "router_r2", "router_s1", "router_s2", "router_t1", "router_t2", "router_u1", "router_u2",
        "router_v1", "router_v2", "synthesis_fresh2", "synthesis_fresh3", "synthesis_fresh4", "synthesis_fresh5",
        "multilingual_fresh")]
# (collection, its questions): collections of other researchers, so the model does not learn one listing
OTHER_SETS = [(DATA / "heldout" / "other_collection.jsonl", DATA / "heldout" / "other_collection_questions.jsonl"),
              (DATA / "heldout" / "other2_collection.jsonl", DATA / "heldout" / "other2_questions.jsonl"),
              (DATA / "heldout" / "other3_collection.jsonl", DATA / "heldout" / "other3_questions.jsonl")] + [
    (DATA / "heldout" / f"other{n}_collection.jsonl", DATA / "heldout" / f"other{n}_questions.jsonl")
    for n in (4, 5, 6, 7, 8)]
COST_WRONG_DECLINE = 2.0
L2 = 1.0


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def measure_sets(assistant, files: list[Path], seen: set) -> list[dict]:
    from qa.assistant import clean_history

    out = []
    router = assistant.router()
    memory = (router.vectors, router.labels)
    examples = [e["question"] for e in router.examples]
    for path in files:
        # the router's nearest-example memory holds many of these sets' questions: route each set without its
        # own, as the router meets a new question
        own = {row["question"] for row in _rows(path)}
        keep = np.array([q not in own for q in examples], dtype=bool)
        router.vectors, router.labels = memory[0][keep], memory[1][keep]
        for row in _rows(path):
            history = clean_history(row.get("history"))
            key = (row["question"], json.dumps(history))
            if key in seen or row.get("route") == "metadata":
                continue
            seen.add(key)
            query = assistant.read(row["question"], history)
            if query.route.label == "metadata" or query.route.settled:
                continue
            hits, found, features = assistant.evidence_features(query)
            answerable = row.get("answerable", row.get("route") != "not_answerable")
            rules_decline = query.route.label == "not_answerable" and not found.supported
            out.append({"set": path.stem, "question": row["question"], "answerable": bool(answerable),
                        "routed": query.route.label, "features": features, "rules_decline": rules_decline})
    router.vectors, router.labels = memory
    return out


def measure_all() -> list[dict]:
    from qa.assistant import Assistant
    from qa.ingest import ingest
    from qa.settings import Settings

    rows: list[dict] = []
    seen: set = set()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env(data_dir=Path(tmp) / "seed", sources=(ROOT / "data",), router="offline")
        ingest(settings)
        rows += measure_sets(Assistant(settings, use_llm=False), SEED_SETS, seen)
        for n, (collection, questions) in enumerate(OTHER_SETS):
            settings = Settings.from_env(data_dir=Path(tmp) / f"other{n}", sources=(collection,), router="offline")
            ingest(settings, fmt="jsonl")
            rows += measure_sets(Assistant(settings, use_llm=False), [questions], seen)
    return rows


def fit(x: np.ndarray, y: np.ndarray, l2: float = L2) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by Newton's method (the bias is not penalised)."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    penalty = np.eye(xb.shape[1]) * l2
    penalty[-1, -1] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-(xb @ w)))
        gradient = xb.T @ (p - y) + penalty @ w
        hessian = (xb * (p * (1 - p))[:, None]).T @ xb + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])


def standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    return mean, scale


def cross_validate(rows, x, y) -> np.ndarray:
    """Each set's probabilities from a model trained on the other sets."""
    sets = np.array([r["set"] for r in rows])
    out = np.zeros(len(rows))
    for name in sorted(set(sets)):
        test = sets == name
        mean, scale = standardise(x[~test])
        w, b = fit((x[~test] - mean) / scale, y[~test])
        out[test] = 1 / (1 + np.exp(-(((x[test] - mean) / scale) @ w + b)))
    return out


def best_threshold(p: np.ndarray, y: np.ndarray) -> float:
    grid = np.round(np.arange(0.05, 0.951, 0.01), 2)
    costs = [COST_WRONG_DECLINE * np.sum((p < t) & (y == 1)) + np.sum((p >= t) & (y == 0)) for t in grid]
    return float(grid[int(np.argmin(costs))])


def report(rows, p, y, threshold) -> None:
    sets = sorted({r["set"] for r in rows})
    rules = np.array([r["rules_decline"] for r in rows])
    print(f"{'set':32s} {'n':>4s}  wrong declines (model / rules)   unanswerable answered (model / rules)")

    def line(name, mask):
        ans, un = mask & (y == 1), mask & (y == 0)
        md = np.sum(p[ans] < threshold) / max(ans.sum(), 1)
        rd = np.sum(rules[ans]) / max(ans.sum(), 1)
        ma = np.sum(p[un] >= threshold) / max(un.sum(), 1)
        ra = np.sum(~rules[un]) / max(un.sum(), 1)
        print(f"{name:32s} {mask.sum():4d}  {md:6.3f} / {rd:6.3f} (of {ans.sum():4d})"
              f"          {ma:6.3f} / {ra:6.3f} (of {un.sum():3d})")

    names = np.array([r["set"] for r in rows])
    for name in sets:
        line(name, names == name)
    line("all", np.ones(len(rows), dtype=bool))
    accuracy = np.mean((p >= threshold) == (y == 1))
    print(f"decision accuracy, cross-validated: model {accuracy:.3f}, rules {np.mean(~rules == (y == 1)):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "qa-answerability.pkl")
    parser.add_argument("--refresh", action="store_true", help="recompute the features")
    parser.add_argument("--out", type=Path, default=ROOT / "qa" / "data" / "answerability.json")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from qa.evidence import model_inputs, value

    started = time.perf_counter()
    if args.refresh or not args.cache.exists():
        rows = measure_all()
        args.cache.write_bytes(pickle.dumps(rows))
    rows = pickle.loads(args.cache.read_bytes())
    print(f"{len(rows)} questions checked against the papers ({time.perf_counter() - started:.0f} s)")
    inputs = model_inputs()
    x = np.array([[value(r["features"], name) for name in inputs] for r in rows], dtype=np.float64)
    y = np.array([1.0 if r["answerable"] else 0.0 for r in rows])
    p = cross_validate(rows, x, y)
    threshold = best_threshold(p, y)
    report(rows, p, y, threshold)
    mean, scale = standardise(x)
    w, b = fit((x - mean) / scale, y)
    digest = hashlib.sha256(json.dumps([[r["set"], r["question"], r["answerable"], r["features"]] for r in rows],
                                       sort_keys=True).encode()).hexdigest()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "features": inputs, "mean": mean.round(6).tolist(), "scale": scale.round(6).tolist(),
        "weights": w.round(6).tolist(), "bias": round(b, 6), "threshold": threshold,
        "trained_on": {"questions": len(rows), "sets": sorted({r["set"] for r in rows}), "sha256": digest,
                       "tool": "tools/train_answerability.py"}}, indent=1) + "\n", encoding="utf-8")
    print("largest weights:", ", ".join(f"{n} {v:+.2f}" for n, v in sorted(zip(inputs, w), key=lambda t: -abs(t[1]))[:12]))
    print(f"threshold {threshold}; wrote {args.out} ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
