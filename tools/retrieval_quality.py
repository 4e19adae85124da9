"""Top-1/top-5 of the search on the question sets, hybrid alone and with the second stage, and warm latency
(docs/RETRIEVAL.md): QA_DATA_DIR=... python tools/retrieval_quality.py"""
import json
import os
import time
from pathlib import Path

import numpy as np

from qa.retrieval import Retriever
from qa.settings import Settings

r = Retriever(Settings.from_env(data_dir=Path(os.environ.get("QA_DATA_DIR", ".qa"))))
r.search("warm up", k=5)  # loads the index and the sentence vectors before anything is timed


def run(qs, second_stage):
    t1 = t5 = 0
    times = []
    for q in qs:
        start = time.perf_counter()
        titles = [h.paper.title for h in r.search(q["question"], k=5, second_stage=second_stage)]
        times.append((time.perf_counter() - start) * 1000)
        t1 += titles[:1] == q["expected_titles"][:1]
        t5 += q["expected_titles"][0] in titles
    return len(qs), 100 * t1 / len(qs), 100 * t5 / len(qs), times


root = Path(__file__).resolve().parents[1]
dev = [json.loads(line) for line in open(root.parents[0] / "shared" / "eval" / "dev_questions.jsonl")]
sets = [("dev single-paper (no history)", [q for q in dev if q["route"] == "paper" and not q.get("history")]),
        ("named (tests/data/named.jsonl)", [json.loads(line) for line in open(root / "tests/data/named.jsonl")]),
        ("paraphrases (tests/data/paraphrases.jsonl)",
         [json.loads(line) for line in open(root / "tests/data/paraphrases.jsonl")]),
        ("paraphrases, tuning (tests/data/paraphrases_tune.jsonl)",
         [json.loads(line) for line in open(root / "tests/data/paraphrases_tune.jsonl")])]
held_out = [json.loads(line) for line in open(root / "tests/data/heldout/paraphrases_heldout.jsonl")]
sets += [("held out, paraphrases (tests/data/heldout/paraphrases_heldout.jsonl)",
          [q for q in held_out if q["kind"] == "paraphrase"]),
         ("held out, named (same file)", [q for q in held_out if q["kind"] == "named"])]
print("| question set | n | hybrid top-1 | hybrid top-5 | + second stage top-1 | + second stage top-5 |")
print("|---|---|---|---|---|---|")
all_times = {False: [], True: []}
for name, qs in sets:
    n, a1, a5, ta = run(qs, False)
    _, b1, b5, tb = run(qs, True)
    all_times[False] += ta
    all_times[True] += tb
    print(f"| {name} | {n} | {a1:.0f}% | {a5:.0f}% | {b1:.0f}% | {b5:.0f}% |")
for stage, times in all_times.items():
    print(f"warm search, {'with' if stage else 'without'} second stage: p50 {np.percentile(times, 50):.1f} ms, "
          f"p95 {np.percentile(times, 95):.1f} ms over {len(times)} searches ({len(r.papers)} papers)")
