"""Count the LaTeX left in the abstracts every downstream step sees, before and after.

    PYTHONPATH=. .venv/bin/python tools/latex_cleanliness.py [--before REV] [--source FILE] [--bibtex] [--json]
    PYTHONPATH=. .venv/bin/python tools/latex_cleanliness.py --answers QUESTIONS.jsonl

"Before" is the abstract text that `qa.sources` produced at git revision REV
(default: the last commit before LaTeX was converted at ingest), loaded from
git; "after" is today's `qa.sources`. With --bibtex, each side first writes the
papers as BibTeX and reads them back (the .bib path), and both readers are timed.
With --answers, every question of the file is asked without an LLM over the index
in QA_DATA_DIR, and the LaTeX left in the answers is counted instead. Counted per abstract: backslash commands
(``\\frac``), ``$`` signs (``$60`` of money included: it is text) and braces.
docs/SOURCES.md quotes the output for the bundled listing.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.sources import load_sources  # noqa: E402

BEFORE = "2823082"  # main before issue 15: listing abstracts kept verbatim, BibTeX math kept
LISTING = ROOT / "data" / "jimmy-ba-profile.txt"
COUNTS = {"commands": re.compile(r"\\[A-Za-z]+"), "dollars": re.compile(r"\$"), "braces": re.compile(r"[{}]")}


def leftovers(text: str) -> dict[str, int]:
    return {name: len(pattern.findall(text)) for name, pattern in COUNTS.items()}


def load_before(rev: str, source: Path):
    """`qa/sources.py` as it was at `rev`, as a module."""
    code = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:qa/sources.py"],
                          check=True, capture_output=True, text=True).stdout
    module = types.ModuleType("qa.sources_before")
    module.__package__ = "qa"
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(code, f"{rev}:qa/sources.py", "exec"), module.__dict__)
    return module


def _via_bibtex(module, papers: list) -> tuple[list, float]:
    """Papers written as BibTeX and read back by `module`, and the read time (s)."""
    text = module.dump_bibtex(papers)
    start = time.perf_counter()
    back, problems = module.parse_bibtex(text)
    seconds = time.perf_counter() - start
    assert not problems, problems
    return back, seconds


def compare(before: list, after: list) -> dict:
    rows = []
    for old, new in zip(before, after, strict=True):
        was, now = leftovers(old.abstract), leftovers(new.abstract)
        rows.append({"title": new.title, "before": was, "after": now,
                     "not_worse": all(now[k] <= was[k] for k in COUNTS)})
    total = {side: {k: sum(r[side][k] for r in rows) for k in COUNTS} for side in ("before", "after")}
    with_any = {side: sum(any(r[side].values()) for r in rows) for side in ("before", "after")}
    return {"abstracts": len(rows), "total": total, "abstracts_with_leftovers": with_any,
            "not_worse": sum(r["not_worse"] for r in rows), "rows": rows}


# In an answer: a control word, a $...$ span or a brace.
ANSWER_LATEX = re.compile(r"\\[A-Za-z]+|\$[^$\s][^$]*\$|[{}]")


def answers_with_latex(questions: Path) -> dict:
    from qa.assistant import Assistant
    from qa.evaluate import load_questions, run_questions
    from qa.settings import Settings

    records = run_questions(Assistant(Settings.from_env(llm="none")), load_questions(questions))
    shown = [{"question": r["question"], "mode": r["mode"], "latex": ANSWER_LATEX.findall(r["answer"])}
             for r in records]
    return {"questions": len(records), "extractive": sum(r["mode"] == "extractive" for r in records),
            "answers_with_latex": [s for s in shown if s["latex"]]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=BEFORE, help="git revision of the old qa/sources.py")
    parser.add_argument("--source", type=Path, default=LISTING)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--bibtex", action="store_true", help="compare after a BibTeX round trip")
    parser.add_argument("--answers", type=Path, help="count LaTeX in the answers to these questions instead")
    args = parser.parse_args(argv)
    if args.answers:
        result = answers_with_latex(args.answers)
        if args.json:
            print(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            print(f"{result['questions']} questions, {result['extractive']} answered extractively; "
                  f"answers showing LaTeX: {len(result['answers_with_latex'])}")
            for row in result["answers_with_latex"]:
                print(f"  {row['latex'][:5]}  {row['question']}")
        return 0
    old = load_before(args.before, args.source)
    before, after = old.load_sources([args.source]).papers, load_sources([args.source]).papers
    if args.bibtex:
        import qa.sources as new

        before, old_s = _via_bibtex(old, before)
        after, new_s = _via_bibtex(new, after)
    result = compare(before, after)
    if args.bibtex:
        result["read_ms"] = {"before": round(old_s * 1000, 1), "after": round(new_s * 1000, 1)}
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    via = " via BibTeX" if args.bibtex else ""
    print(f"{result['abstracts']} abstracts of {args.source.name}{via}; before = {args.before}")
    print(f"{'':28}{'before':>8}{'after':>8}")
    for key in COUNTS:
        print(f"{'leftover ' + key:28}{result['total']['before'][key]:>8}{result['total']['after'][key]:>8}")
    print(f"{'abstracts with any':28}{result['abstracts_with_leftovers']['before']:>8}"
          f"{result['abstracts_with_leftovers']['after']:>8}")
    print(f"abstracts at least as clean as before: {result['not_worse']} of {result['abstracts']}")
    if args.bibtex:
        print(f"BibTeX read time (ms): before {result['read_ms']['before']}, after {result['read_ms']['after']}")
    for row in result["rows"]:
        if any(row["after"].values()):
            print(f"  after: {row['after']}  {row['title'][:70]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
