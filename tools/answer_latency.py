"""Warm latency of extractive answers (docs/RETRIEVAL.md): QA_DATA_DIR=... python tools/answer_latency.py [FILE.jsonl ...]

Asks every paper/synthesis question of the files (default: the dev set) in one process with no LLM, after one
warm-up question, and prints p50/p95 of the whole `Assistant.ask` per route.
"""
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from qa.assistant import Assistant
from qa.settings import Settings

root = Path(__file__).resolve().parents[1]
files = sys.argv[1:] or [str(root.parent / "shared" / "eval" / "dev_questions.jsonl")]
questions = [json.loads(line) for f in files for line in open(f) if line.strip()]
questions = [q for q in questions if q.get("route") in ("paper", "synthesis") and not q.get("history")]
assistant = Assistant(Settings.from_env(data_dir=Path(os.environ.get("QA_DATA_DIR", ".qa"))), use_llm=False)
assistant.ask("What is FRePo?")  # loads the index, the router and the models before anything is timed
times: dict[str, list[float]] = {}
for q in questions:
    start = time.perf_counter()
    answer = assistant.ask(q["question"])
    times.setdefault(answer.route, []).append((time.perf_counter() - start) * 1000)
everything = [t for ts in times.values() for t in ts]
for route, ts in sorted(times.items()) + [("all", everything)]:
    print(f"{route}: n={len(ts)} p50 {np.percentile(ts, 50):.0f} ms, p95 {np.percentile(ts, 95):.0f} ms")
