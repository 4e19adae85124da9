"""Routing accuracy of the offline router on labelled question files, with every misroute.

    .venv/bin/python tools/router_accuracy.py tests/data/router_fresh_f.jsonl [more files] [--quiet]
    .venv/bin/python tools/router_accuracy.py --code /tmp/qa-at-753a9e9 tests/data/router_fresh_e.jsonl

`--code DIR` routes with the `qa` package (and its prompts/) of another checkout, e.g. a `git worktree` of the
commit a question set was first measured at (docs/ROUTER.md lists them).

Routes with the router alone (no answer step: `qa eval` counts the assistant's fall-backs too, e.g. a
metadata question its module cannot compute that ends up answered as synthesis). Prints, per file, the
accuracy overall, per expected route, for English and other languages and for follow-ups.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--quiet", action="store_true", help="figures only, no misroutes")
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose qa/ routes (default: this one)")
    args = parser.parse_args()
    sys.path.insert(0, str(args.code.resolve()))
    from qa.embeddings import get_embedder
    from qa.router import OfflineRouter
    from qa.settings import Settings
    from qa.sources import load_sources

    settings = Settings()
    listing = load_sources([ROOT / "data"])
    try:
        router = OfflineRouter(get_embedder(settings), listing.papers, owner=listing.profile.name)
    except TypeError:  # the code of a commit before routers took the owner from the profile
        router = OfflineRouter(get_embedder(settings), listing.papers)
    for path in args.files:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        misses = []
        for row in rows:
            route = router.classify(row["question"], row.get("history"))
            right = route.label == row["route"]
            keys = ["all", row["route"], "English" if row.get("lang", "en") == "en" else "other languages",
                    "follow-ups" if row.get("history") else "single questions"]
            for key in keys:
                groups[key][0] += right
                groups[key][1] += 1
            if not right:
                misses.append(f"  [{row['route']} -> {route.label}] {row['question']!r} ({route.reason})")
        print(f"{path}: " + ", ".join(f"{k} {ok}/{n} = {ok / n:.3f}" for k, (ok, n) in groups.items()))
        if not args.quiet:
            print("\n".join(misses))


if __name__ == "__main__":
    main()
