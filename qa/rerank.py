"""Second retrieval stage: re-score the hybrid candidates sentence by sentence.

The hybrid score compares the question with whole ~200-token chunks, where a
paraphrase of one idea is diluted by everything else the abstract says. Here
each candidate's abstract is compared sentence by sentence (late interaction at
sentence granularity): the mean cosine of its two best sentences is added to the
hybrid score. Two sentences rather than one because a paraphrase usually echoes
the problem *and* the method; one sentence alone lets a lucky phrase win
(docs/RETRIEVAL.md has the variants measured).

A cross-encoder would be the usual second stage, but none ships its weights in a
registry package (docs/RETRIEVAL.md lists what was checked), and nothing may be
downloaded at run time. Sentence vectors come from the same MiniLM embedder,
computed once per paper version and kept in memory and in `QA_CACHE_DIR`, so a
warm re-rank is one matrix product per candidate.
"""
from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

import numpy as np

from .chunks import split_sentences
from .papers import Paper

log = logging.getLogger(__name__)

W_SENTENCES = 0.75   # weight of the two-best-sentence cosine added to the hybrid score
CANDIDATES = 20      # hybrid candidates re-scored per query (the expected paper is in the top 20 for every
                     # tuning question; re-scoring more only adds noise and time)
BEST_SENTENCES = 2
# Sentence vectors cost ~50 ms per paper to compute (once per version); past this many papers the collection is
# searched with the hybrid stage alone rather than adding minutes to an ingest (`qa bench` scales to 50,000)
MAX_PAPERS = 2000

_memory: dict[tuple[str, str], np.ndarray] = {}
_memory_lock = threading.Lock()
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def abstract_sentences(paper: Paper) -> list[str]:
    return split_sentences(paper.abstract) or [paper.abstract or paper.title]


class SentenceVectors:
    """Unit vectors of every abstract sentence, per paper version; memory first, then the disk cache."""

    def __init__(self, embedder, cache_dir: Path | None = None):
        self.embedder = embedder
        self.directory = (Path(cache_dir) / "sentence-vectors" / _SAFE.sub("_", embedder.model_id)
                          if cache_dir else None)

    def _path(self, paper: Paper) -> Path | None:
        return self.directory / f"{paper.content_hash()}.npy" if self.directory else None

    def get(self, paper: Paper) -> np.ndarray:
        return self.get_many([paper])[0]

    def get_many(self, papers: list[Paper]) -> list[np.ndarray]:
        out: list[np.ndarray | None] = []
        missing: list[int] = []
        for i, paper in enumerate(papers):
            key = (self.embedder.model_id, paper.content_hash())
            with _memory_lock:
                vectors = _memory.get(key)
            if vectors is None:
                vectors = self._read(paper)
                if vectors is not None:
                    with _memory_lock:
                        _memory[key] = vectors
            out.append(vectors)
            if vectors is None:
                missing.append(i)
        if missing:
            # one batch for all missing papers: the embedder pads per batch, so this is ~3x faster than per paper
            texts, spans = [], []
            for i in missing:
                sentences = abstract_sentences(papers[i])
                spans.append((len(texts), len(texts) + len(sentences)))
                texts.extend(sentences)
            embedded = self.embedder.embed(texts)
            for i, (start, end) in zip(missing, spans):
                vectors = embedded[start:end]
                out[i] = vectors
                with _memory_lock:
                    if len(_memory) > 20000:
                        _memory.clear()
                    _memory[(self.embedder.model_id, papers[i].content_hash())] = vectors
                self._write(papers[i], vectors)
        return out  # type: ignore[return-value]

    def _read(self, paper: Paper) -> np.ndarray | None:
        vectors = load_vectors(self._path(paper))
        return vectors if vectors is not None and vectors.ndim == 2 and \
            len(vectors) == len(abstract_sentences(paper)) else None

    def _write(self, paper: Paper, vectors: np.ndarray) -> None:
        save_vectors(self._path(paper), vectors)


def load_vectors(path: Path | None) -> np.ndarray | None:
    """An array of the vector cache, or None when it is missing or unreadable."""
    if path is None or not path.exists():
        return None
    try:
        return np.load(path)
    except (OSError, ValueError):
        return None


def save_vectors(path: Path | None, vectors: np.ndarray) -> None:
    """Into the vector cache, atomically (a concurrent reader sees the whole file or none)."""
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{threading.get_ident()}.tmp.npy")
        np.save(tmp, vectors.astype(np.float32))
        tmp.replace(path)
    except OSError as exc:  # a read-only cache only costs time
        log.info("vectors not cached: %s", exc)


def sentence_score(vectors: np.ndarray, question_vector: np.ndarray) -> float:
    """Mean cosine of the paper's best sentences with the question."""
    sims = vectors @ question_vector
    best = np.sort(sims)[-BEST_SENTENCES:]
    return float(best.mean())


def rerank(hits: list, question_vector: np.ndarray, sentence_vectors: SentenceVectors) -> list:
    """Adds the sentence signal to each hit's score and re-sorts (hits are `retrieval.Hit`)."""
    if not hits:
        return hits
    for hit, vectors in zip(hits, sentence_vectors.get_many([h.paper for h in hits])):
        s = sentence_score(vectors, question_vector)
        hit.signals["sentences"] = round(s, 4)
        hit.score += W_SENTENCES * s
    return sorted(hits, key=lambda h: (-h.score, h.paper.paper_id))
