"""Bibliographic questions answered exactly, with and without the English forms of qa.forms.

    QA_DATA_DIR=.qa .venv/bin/python tools/bibliographic_forms.py [--lang xx|en] [--without-forms] [--show]

Asks the assistant (no LLM) every labelled `metadata` question without history of the intent model's training sets
on the bundled listing (tools/train_intent.py's `SEED_SETS`), in other languages (`--lang xx`, the default) or in
English, and prints how many were answered by the metadata route, how many of those were read as a form, and how
many answers contain every `must_include` string (dates also in their written-out forms, as `qa eval` counts). With
`--without-forms` the forms are switched off, which is the code before them. Each answer read as a form that misses
a `must_include` string is printed.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

import train_intent  # noqa: E402  (the labelled training sets)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=("xx", "en"), default="xx")
    parser.add_argument("--without-forms", action="store_true")
    parser.add_argument("--show", action="store_true", help="print every question answered wrongly, not only forms")
    args = parser.parse_args()
    from qa import forms
    from qa.assistant import Assistant
    from qa.evaluate import includes
    from qa.settings import Settings

    if args.without_forms:
        forms.Forms.closest = lambda self, *_, **__: None
    assistant = Assistant(Settings.from_env(), use_llm=False)
    rows = [row for path in train_intent.SEED_SETS for row in train_intent._rows(path)
            if row.get("route") == "metadata" and not row.get("history")
            and (row.get("lang", "en") != "en") == (args.lang == "xx")]
    counts = Counter()
    for row in rows:
        answer = assistant.ask(row["question"])
        right = all(includes(answer.answer, m) for m in row.get("must_include") or [])
        read_as = answer.answer.startswith("Read as:")
        counts.update({"questions": 1, "metadata route": answer.route == "metadata", "read as a form": read_as,
                       "must_include": right})
        if (read_as or args.show) and not (right and answer.route == "metadata"):
            print(f"missed ({answer.route}): {row['question']} | {answer.answer.splitlines()[0][:160]}", flush=True)
    print(f"{args.lang}, {'without' if args.without_forms else 'with'} the forms: " +
          ", ".join(f"{k} {v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
