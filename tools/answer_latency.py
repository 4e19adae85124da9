"""Warm latency of extractive answers (docs/RETRIEVAL.md): QA_DATA_DIR=... python tools/answer_latency.py [FILE.jsonl ...]

Asks every paper/synthesis question of the files (default: the dev set) in one process with no LLM, after one
warm-up question, and prints p50/p95 of the whole `Assistant.ask` per route (wall time), the median of each
step, and the process CPU time per answer (what a busy shared machine cannot inflate, though onnxruntime's
two threads can count twice).
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
cpu: dict[str, list[float]] = {}
steps: dict[str, dict[str, list[float]]] = {}
for q in questions:
    start, start_cpu = time.perf_counter(), time.process_time()
    answer = assistant.ask(q["question"])
    times.setdefault(answer.route, []).append((time.perf_counter() - start) * 1000)
    cpu.setdefault(answer.route, []).append((time.process_time() - start_cpu) * 1000)
    for step, ms in answer.timings_ms.items():
        steps.setdefault(answer.route, {}).setdefault(step, []).append(ms)
everything = [t for ts in times.values() for t in ts]
for route, ts in sorted(times.items()) + [("all", everything)]:
    line = f"{route}: n={len(ts)} wall p50 {np.percentile(ts, 50):.0f} ms, p95 {np.percentile(ts, 95):.0f} ms"
    if route in cpu:
        line += (f"; CPU p50 {np.percentile(cpu[route], 50):.0f} ms, p95 {np.percentile(cpu[route], 95):.0f} ms; "
                 "median " + ", ".join(f"{k} {np.median(v):.0f}" for k, v in steps[route].items()))
    print(line)
