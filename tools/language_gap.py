"""English against other languages: paper retrieval and synthesis citations on the labelled question sets.

    QA_DATA_DIR=.qa .venv/bin/python tools/language_gap.py [SET.jsonl ...]

Without arguments it reads the router sets of tests/data (router_fresh_*, heldout/router_*) for one-paper questions
and, for synthesis, the `route: synthesis` questions with expected papers of those sets and of the synthesis sets.
Prints, for English and for every other language together:
- one-paper questions without history: the expected paper at rank 1 and in the top 5 of `Retriever.search`;
- synthesis questions the assistant routes to synthesis: mean citation precision / recall of the papers
  `extractive.plan_synthesis` picks (as `qa eval` counts them).
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "data"
DEFAULT = sorted(DATA.glob("router_fresh_*.jsonl")) + sorted((DATA / "heldout").glob("router_*.jsonl")) + \
    sorted((DATA / "heldout").glob("synthesis_*.jsonl"))


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def main() -> None:
    from qa.assistant import Assistant, clean_history
    from qa.extractive import plan_synthesis
    from qa.settings import Settings

    files = [Path(f) for f in sys.argv[1:]] or DEFAULT
    assistant = Assistant(Settings.from_env(data_dir=Path(os.environ.get("QA_DATA_DIR", ".qa"))), use_llm=False)
    seen: set[str] = set()
    found = {"en": ([], []), "other": ([], [])}
    cited = {"en": ([], []), "other": ([], [])}
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["question"] in seen or not row.get("expected_titles"):
                continue
            seen.add(row["question"])
            language = "en" if row.get("lang", "en") == "en" else "other"
            if row["route"] == "paper" and not row.get("history"):
                titles = [h.paper.title for h in assistant.retriever.search(row["question"], k=5)]
                found[language][0].append(titles[:1] == row["expected_titles"][:1])
                found[language][1].append(row["expected_titles"][0] in titles)
            elif row["route"] == "synthesis":
                history = clean_history(row.get("history"))
                query = assistant.read(row["question"], history)
                if query.route.label != "synthesis":
                    continue
                candidates = assistant.synthesis_candidates(row["question"], history, None, query.filters,
                                                            search_text=query.search_text)
                papers = {h.paper.title for h in plan_synthesis(candidates).hits}
                expected = set(row["expected_titles"])
                if papers:
                    cited[language][0].append(len(papers & expected) / len(papers))
                cited[language][1].append(len(papers & expected) / len(expected))
    for language in ("en", "other"):
        top1, top5 = found[language]
        precision, recall = cited[language]
        print(f"{language:5s}  one paper ({len(top1)}): R@1 {mean(top1):.3f}  R@5 {mean(top5):.3f}   "
              f"synthesis ({len(recall)}): precision {mean(precision):.3f}  recall {mean(recall):.3f}")


if __name__ == "__main__":
    main()
