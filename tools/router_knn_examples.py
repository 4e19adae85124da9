"""Rebuild prompts/router_knn_examples.jsonl from the labelled question sets the router rules were tuned on.

The nearest-neighbour vote of the offline router uses these questions next to the curated
prompts/router_examples.jsonl. Follow-ups are left out (their label depends on the history), and so is
every question of the final held-out sets (`HELD_OUT`), which must stay unseen.

    .venv/bin/python tools/router_knn_examples.py
"""
from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# tests/data sets, in the order they were written; tests/test_router.py reads both lists from here
TUNING_SETS = ["router_holdout.jsonl"] + [f"router_fresh_{k}.jsonl" for k in "abcdefghijklmnopqrstu"]
HELD_OUT = ["router_fresh_v.jsonl", "router_fresh_w.jsonl",  # never tuned on: docs/ROUTER.md
            "router_fresh_x.jsonl", "router_fresh_y.jsonl"]  # written blind at 2026-12-02, first contact 0.890


def main() -> None:
    curated = {json.loads(line)["question"].strip().lower()
               for line in (ROOT / "prompts" / "router_examples.jsonl").read_text(encoding="utf-8").splitlines()
               if line.strip()}
    seen: set[str] = set()
    rows = []
    for name in TUNING_SETS:
        for line in (ROOT / "tests" / "data" / name).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            key = row["question"].strip().lower()
            if row.get("history") or key in curated or key in seen:
                continue
            seen.add(key)
            rows.append({"question": row["question"], "route": row["route"], "source": name})
    out = ROOT / "prompts" / "router_knn_examples.jsonl"
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} examples -> {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
