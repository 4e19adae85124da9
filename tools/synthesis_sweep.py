"""Which papers a synthesis answer cites: measure candidate recall and sweep the selection thresholds.

    QA_DATA_DIR=... python tools/synthesis_sweep.py dump [--pool 20] [--out /tmp/synth_candidates.pkl]
    QA_DATA_DIR=... python tools/synthesis_sweep.py sweep [--cache /tmp/synth_candidates.pkl]

`dump` reads (`Assistant.read`) each synthesis question of the development sets
(tests/data/heldout/synthesis_heldout.jsonl, the `route: synthesis` questions with expected titles of
tests/data/router_fresh_a..w.jsonl, synthesis sets 9 to 11, the dev set), and for those it routes to synthesis keeps
what `Assistant` would hand to `extractive.plan_synthesis`: the candidates (a pool of --pool), the papers a comparison
names and the per-sentence evidence. It is the slow part (~0.1 s a question). `sweep` then re-runs the selection alone
over a grid of thresholds and prints, per set, the mean citation precision / recall (per question, as `qa eval`) and the
share of expected papers cited, and ranks the settings by the worst min(precision, recall) over the sets (a setting good
on one set only is not wanted), then by its mean over the sets.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import pickle
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from train_selection import citation_figures  # noqa: E402  (as the selection is scored)

SETS = {"heldout": [ROOT / "tests/data/heldout/synthesis_heldout.jsonl"],
        "fresh_a-g": [ROOT / f"tests/data/router_fresh_{c}.jsonl" for c in "abcdefg"],
        "fresh_h-n": [ROOT / f"tests/data/router_fresh_{c}.jsonl" for c in "hijklmn"],
        "fresh_o-w": [ROOT / f"tests/data/router_fresh_{c}.jsonl" for c in "opqrstuvw"],
        "synthesis_9-11": [ROOT / f"tests/data/heldout/synthesis_fresh{n}.jsonl" for n in (9, 10, 11)],
        "dev": [ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"]}


def load(files) -> list[dict]:
    out = []
    for f in files:
        if not Path(f).exists():
            continue
        for line in open(f, encoding="utf-8"):
            if line.strip():
                q = json.loads(line)
                if q.get("route") == "synthesis" and q.get("expected_titles"):
                    out.append(q)
    return out


def dump(args) -> None:
    from qa.assistant import Assistant
    from qa.settings import Settings

    assistant = Assistant(Settings.from_env(data_dir=Path(os.environ.get("QA_DATA_DIR", ".qa"))), use_llm=False)
    data = {}
    for name, files in SETS.items():
        rows = []
        for q in load(files):
            history = q.get("history") or []
            route = assistant.read(q["question"], history).route
            row = {"question": q["question"], "expected": q["expected_titles"], "route": route.label}
            if route.label == "synthesis":
                row["candidates"] = assistant.synthesis_candidates(q["question"], history, pool=args.pool)
            rows.append(row)
        data[name] = rows
        print(f"{name}: {len(rows)} questions, {sum(r['route'] == 'synthesis' for r in rows)} routed to synthesis",
              file=sys.stderr)
    with open(args.out, "wb") as fh:
        pickle.dump(data, fh)


def score(rows, select) -> dict:
    """Mean precision / recall per question and the share of expected papers cited (routed-synthesis only)."""
    rows = [row for row in rows if row["route"] == "synthesis"]
    cited = [{p.title for p in select(row)} for row in rows]
    figures = citation_figures(cited, [set(row["expected"]) for row in rows])
    return {"p": figures["p"], "r": figures["r"], "cited": figures["cited"],
            "size": sum(map(len, cited)) / len(cited) if cited else 0.0}


def recall_of_pool(rows, depth: int) -> float:
    found = total = 0
    for row in rows:
        if row["route"] != "synthesis":
            continue
        titles = {h.paper.title for h in row["candidates"].hits[:depth]}
        found += len(titles & set(row["expected"]))
        total += len(row["expected"])
    return found / max(total, 1)


def sweep(args) -> None:
    from qa import extractive
    from qa.extractive import select_papers

    with open(args.cache, "rb") as fh:
        data = pickle.load(fh)
    print("expected papers among the candidates (routed to synthesis), by pool depth:")
    for name, rows in data.items():
        print(f"  {name:10s} " + "  ".join(f"@{d}: {recall_of_pool(rows, d):.3f}" for d in (5, 8, 12, 15, 20)))

    def run(selection):
        return {name: score(rows, lambda row: [h.paper for h in select_papers(row["candidates"], selection)])
                for name, rows in data.items()}

    def show(label, result):
        worst = min(min(m["p"], m["r"]) for m in result.values())
        cells = "  ".join(f"{n} {m['p']:.3f}/{m['r']:.3f}/{m['cited']:.3f} ({m['size']:.1f})"
                          for n, m in result.items())
        print(f"{worst:.3f}  {label}  {cells}")
        return worst

    print("\nworst min(P, R)  setting  per set: precision/recall/expected cited (papers per answer)")
    show("current", run(extractive.SELECTION))
    grid = {"pool": [12, 20], "coverage": [0.0, 0.25, 0.5, 0.75, 1.0], "relative": [0.75, 0.8, 0.85, 0.9, 0.95],
            "floor": [0.0, 1.0], "evolution_relative": [0.6, 0.65, 0.7, 0.75], "most": [6, 8], "reference": [1, 2],
            "of_best": [0.0, 0.4, 0.5]}
    results = []
    for values in itertools.product(*grid.values()):
        selection = extractive.SELECTION.replace(**dict(zip(grid, values)))
        result = run(selection)
        # the worst set decides; among settings within 0.002 of each other, the better mean over the sets
        worst = round(min(min(m["p"], m["r"]) for m in result.values()) / 0.002) * 0.002
        mean = sum(min(m["p"], m["r"]) for m in result.values()) / len(result)
        results.append((worst, mean, selection, result))
    results.sort(key=lambda t: (-t[0], -t[1]))
    for _, _, selection, result in results[:args.top]:
        show(selection.describe(), result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump")
    d.add_argument("--pool", type=int, default=20)
    d.add_argument("--out", default="/tmp/synth_candidates.pkl")
    s = sub.add_parser("sweep")
    s.add_argument("--cache", default="/tmp/synth_candidates.pkl")
    s.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    dump(args) if args.command == "dump" else sweep(args)


if __name__ == "__main__":
    main()
