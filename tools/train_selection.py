"""Train which retrieved papers a synthesis answer cites (qa/data/selection.json).

    python tools/train_selection.py [--refresh] [--threshold T] [--no-cv]

Reads every labelled synthesis question of the training sets (tools/train_intent.py's `SEED_SETS` and `OTHER_SETS`:
the bundled listing and seventeen other collections) as `qa ask` does (`Assistant.read`, then
`Assistant.synthesis_candidates` for a question routed to synthesis) and keeps its candidates, each labelled: is the
paper one of the question's expected titles? Comparisons and questions about one rare name are left out (a rule
cites exactly the papers they name). A logistic regression over `qa.selection.features` then says how likely each
candidate belongs in the answer.

Cross-validated by groups of sets (three folds), it prints the mean citation precision and recall per question and
the share of expected papers cited, for the hand-set rule (`extractive.Selection`) and for the model at each
threshold, and picks per kind of question (topic, evolution, count) the most precise threshold that cites at least
as many expected papers as the rule. The
candidates are kept in QA_CACHE_DIR/selection-readings, keyed by the code and data of qa/ (less the selection's own,
so a change of features re-fits in seconds) and the questions; reading them all takes ~15 min on 2 cores.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

import train_intent  # noqa: E402  (the training sets and how their readings are keyed)

L2 = 1.0  # ridge strength on the standardised features (per candidate's loss)
KINDS = ("topic", "evolution", "count")  # `kinds.synthesis_kind` (a comparison cites what it names)


def _synthesis_rows(path: Path) -> list[dict]:
    return [row for row in train_intent._rows(path) if row.get("route") == "synthesis" and row.get("expected_titles")]


def read_unit(unit, workspace: Path) -> list[dict]:
    """The candidates of each synthesis question of one file on its collection, as features and labels."""
    from qa.assistant import clean_history
    from qa.extractive import SELECTION, select_papers

    collection, questions = unit
    assistant = train_intent.assistant_for(collection, workspace)
    out = []
    for row in _synthesis_rows(questions):
        query = assistant.read(row["question"], clean_history(row.get("history")))
        if query.route.label != "synthesis":
            continue
        candidates = assistant.query_candidates(query)
        if candidates.kind == "compare" or candidates.named_term:
            continue  # cited by rule: the papers a comparison names, the papers that write the rare name asked
        pool = candidates.pool()
        expected = set(row["expected_titles"])
        out.append({"set": questions.stem, "question": row["question"], "kind": candidates.kind,
                    "candidates": candidates, "y": np.array([h.paper.title in expected for h in pool], dtype=bool),
                    "rule": [h.paper.title in {k.paper.title for k in select_papers(candidates, SELECTION)} for h in pool],
                    "titles": [h.paper.title for h in pool], "expected": sorted(expected)})
    return out


def fingerprint() -> str:
    """train_intent.py's, less the selection's own code and weights: the candidates do not depend on them, so a
    change to the features re-fits without re-reading (~15 min on 2 cores)."""
    digest = hashlib.sha256()
    files = sorted((ROOT / "qa").rglob("*.py")) + sorted((ROOT / "qa" / "data").glob("*")) + sorted(
        (ROOT / "data").glob("*")) + sorted((ROOT / "prompts").glob("*"))
    for path in files:
        if path.is_file() and path.name not in ("selection.py", "selection.json") and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def read_all(cache: Path, workers: int, refresh: bool) -> list[dict]:
    fingerprint_ = fingerprint()
    units = [(None, path) for path in train_intent.SEED_SETS] + list(train_intent.OTHER_SETS)
    units = [u for u in units if _synthesis_rows(u[1])]
    keys = []
    for collection, questions in units:
        digest = hashlib.sha256(fingerprint_.encode())
        if collection is not None:
            digest.update(collection.read_bytes())
        digest.update(json.dumps(_synthesis_rows(questions)).encode())
        keys.append(f"{questions.stem}-{digest.hexdigest()[:16]}")
    stored = train_intent.read_cached(units, keys, cache, read_unit, workers, refresh,
                                      lambda questions: len(_synthesis_rows(questions)), "synthesis questions")
    return [row for rows in stored for row in rows]


def fit(rows: list[dict]) -> dict:
    """Ridge logistic regression by Newton's method on the standardised features."""
    x = np.concatenate([r["x"] for r in rows]).astype(np.float64)
    y = np.concatenate([r["y"] for r in rows]).astype(np.float64)
    mean, scale = x.mean(0), x.std(0) + 1e-6
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    ridge = L2 * np.eye(z.shape[1])
    ridge[-1, -1] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ w))
        gradient = z.T @ (p - y) + ridge @ w
        hessian = (z * (p * (1 - p))[:, None]).T @ z + ridge
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return {"weights": w[:-1].tolist(), "bias": float(w[-1]), "mean": mean.tolist(), "scale": scale.tolist()}


def probabilities(model: dict, x: np.ndarray) -> np.ndarray:
    z = (x - np.array(model["mean"])) / np.array(model["scale"])
    return 1 / (1 + np.exp(-(z @ np.array(model["weights"]) + model["bias"])))


def chosen(p: np.ndarray, threshold: float, most: int) -> np.ndarray:
    """As `qa.selection.SelectionModel.choose`: the likeliest candidate, and every other at the threshold."""
    order = np.argsort(-p, kind="stable")
    keep = np.zeros(len(p), dtype=bool)
    for rank, i in enumerate(order[:most]):
        keep[i] = rank == 0 or p[i] >= threshold
    return keep


def score(rows: list[dict], picks: list[np.ndarray]) -> dict:
    return citation_figures([{t for t, k in zip(row["titles"], keep) if k} for row, keep in zip(rows, picks)],
                            [set(row["expected"]) for row in rows])


def citation_figures(cited_sets: list[set], expected_sets: list[set]) -> dict:
    """Mean citation precision and recall per question (as `qa eval` counts them) and the share of the expected
    papers cited."""
    precisions, recalls, found, total = [], [], 0, 0
    for cited, expected in zip(cited_sets, expected_sets):
        hit = len(cited & expected)
        if cited:
            precisions.append(hit / len(cited))
        recalls.append(hit / len(expected))
        found, total = found + hit, total + len(expected)
    mean = lambda xs: sum(xs) / len(xs) if xs else 0.0  # noqa: E731
    return {"p": mean(precisions), "r": mean(recalls), "cited": found / max(total, 1), "n": len(expected_sets)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--refresh", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-cv", action="store_true")
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--out", type=Path, default=ROOT / "qa" / "data" / "selection.json")
    args = parser.parse_args()
    from qa.selection import FEATURES, MOST, features
    from qa.settings import Settings

    cache = args.cache or Settings.from_env().cache_dir / "selection-readings"
    started = time.perf_counter()
    rows = read_all(cache, args.workers, args.refresh)
    print(f"{len(rows)} synthesis questions read ({time.perf_counter() - started:.0f} s)", flush=True)
    for r in rows:
        r["x"] = features(r["candidates"])
    thresholds = {kind: args.threshold for kind in KINDS}
    if not args.no_cv:
        names = sorted({r["set"] for r in rows})
        fold_of = {name: i % 3 for i, name in enumerate(names)}
        grid = np.round(np.arange(0.2, 0.71, 0.05), 2)
        by_threshold = {t: [None] * len(rows) for t in grid}
        probabilities_cv = [None] * len(rows)
        for fold in range(3):
            model = fit([r for r in rows if fold_of[r["set"]] != fold])
            for i, r in enumerate(rows):
                if fold_of[r["set"]] == fold:
                    p = probabilities_cv[i] = probabilities(model, r["x"].astype(np.float64))
                    for t in grid:
                        by_threshold[t][i] = chosen(p, t, MOST)
        groups = {"bundled listing": [i for i, r in enumerate(rows) if not r["set"].startswith("other")],
                  "other collections": [i for i, r in enumerate(rows) if r["set"].startswith("other")],
                  "all": list(range(len(rows)))}

        def show(label, picks):
            cells = []
            for name, idx in groups.items():
                m = score([rows[i] for i in idx], [picks[i] for i in idx])
                cells.append(f"{name} {m['p']:.3f}/{m['r']:.3f}/{m['cited']:.3f} (n={m['n']})")
            print(f"{label:14s} " + "  ".join(cells))

        print("precision / recall / expected cited, per question, cross-validated over groups of sets")
        show("rule", [np.array(r["rule"]) for r in rows])
        for t in grid:
            show(f"model @ {t:.2f}", by_threshold[t])
        # per kind, the most precise threshold that cites as many of the expected papers as the rule: a paper cited
        # off the topic costs the reader more than one left out
        for kind in KINDS:
            idx = [i for i, r in enumerate(rows) if r["kind"] == kind]
            sub = [rows[i] for i in idx]
            rule = score(sub, [np.array(r["rule"]) for r in sub])
            measured = {t: score(sub, [by_threshold[t][i] for i in idx]) for t in grid}
            fair = [t for t in grid if measured[t]["r"] >= rule["r"] and measured[t]["cited"] >= rule["cited"]]
            thresholds[kind] = float(max(fair or [grid[0]], key=lambda t: measured[t]["p"]))
            m = measured[thresholds[kind]]
            print(f"{kind:10s} n={len(sub):4d}  rule {rule['p']:.3f}/{rule['r']:.3f}/{rule['cited']:.3f}  "
                  f"model @ {thresholds[kind]:.2f} {m['p']:.3f}/{m['r']:.3f}/{m['cited']:.3f}")
        picks = [chosen(probabilities_cv[i], thresholds[r["kind"]], MOST) for i, r in enumerate(rows)]
        show("model, per kind", picks)
    model = fit(rows)
    digest = hashlib.sha256()
    for r in rows:
        digest.update(json.dumps([r["set"], r["question"], r["expected"]]).encode())
    model.update(features=list(FEATURES), thresholds=thresholds, data_sha256=digest.hexdigest(),
                 questions=len(rows), candidates=int(sum(len(r["y"]) for r in rows)))
    args.out.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(rows)} questions, thresholds {thresholds})")


if __name__ == "__main__":
    main()
