"""Top-1/top-5 of the hybrid search on the question sets (docs/RETRIEVAL.md): python tools/retrieval_quality.py"""
import json, os
from pathlib import Path
from qa.settings import Settings
from qa.retrieval import Retriever
r = Retriever(Settings.from_env(data_dir=Path(os.environ.get("QA_DATA_DIR", ".qa"))))
def run(qs):
    t1 = t5 = 0
    for q in qs:
        titles = [h.paper.title for h in r.search(q["question"], k=5)]
        t1 += titles[:1] == q["expected_titles"][:1]; t5 += q["expected_titles"][0] in titles
    return len(qs), round(100 * t1 / len(qs)), round(100 * t5 / len(qs))
dev = [json.loads(l) for l in open(Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev_questions.jsonl")]
for name, qs in [("dev single-paper (no history)", [q for q in dev if q["route"] == "paper" and not q.get("history")]),
                 ("named (tests/data/named.jsonl)", [json.loads(l) for l in open("tests/data/named.jsonl")]),
                 ("paraphrases, held out (tests/data/paraphrases.jsonl)", [json.loads(l) for l in open("tests/data/paraphrases.jsonl")]),
                 ("paraphrases, tuning (tests/data/paraphrases_tune.jsonl)", [json.loads(l) for l in open("tests/data/paraphrases_tune.jsonl")])]:
    n, a, b = run(qs); print(f"| {name} | {n} | {a}% | {b}% |")
