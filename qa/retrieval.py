"""Hybrid retrieval at paper level: dense (Chroma) + lexical (BM25) + title similarity.

Each signal is computed per paper (a paper's chunks collapse into its best one)
and fused with weights measured on paraphrased questions (docs/RETRIEVAL.md):
plain reciprocal-rank fusion lets a weak lexical ranking drag down a confident
dense one, so the scores themselves are fused, each scaled to the query.
"""
from __future__ import annotations

import difflib
import re
import threading
from dataclasses import dataclass, field

import numpy as np

from .embeddings import get_embedder
from .errors import QAError, StoreError
from .papers import Paper, Profile
from .rerank import CANDIDATES, MAX_PAPERS, SentenceVectors, rerank
from .store import Manifest, PaperStore
from .types import Filters, Hit

_TOKEN = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
STOPWORDS = frozenset("""a about above after again against all am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from further had has
have having he her here hers herself him himself his how i if in into is it its itself just me more most my
myself no nor not now of off on once only or other our ours ourselves out over own paper papers same she
should so some such than that the their theirs them themselves then there these they this those through to
too under until up very was we were what when where which while who whom why will with would you your
yours yourself yourselves work works study studies research propose proposed show shows using use used
tell explain describe one way new does did method approach""".split())

# Fusion weights (dense chunk, title, lexical); see docs/RETRIEVAL.md for how they were chosen.
W_DENSE, W_TITLE, W_LEXICAL = 1.0, 0.35, 0.30


def tokenize(text: str, stemmer=None) -> list[str]:
    words = [w for w in _TOKEN.findall(text.lower()) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    return stemmer.stemWords(words) if stemmer is not None else words


class _Index:
    """Everything a query needs from one store version, loaded once per version."""

    def __init__(self, store: PaperStore, manifest: Manifest):
        import bm25s
        import Stemmer

        self.manifest = manifest
        self.papers = store.load_papers(manifest)
        self.by_id = {p.paper_id: p for p in self.papers}
        chunks = store.load_chunks(manifest)
        self.chunk_ids = chunks["ids"]
        self.chunk_text = dict(zip(chunks["ids"], chunks["documents"]))
        self.chunk_paper = [m["paper_id"] for m in chunks["metadatas"]]
        self.stemmer = Stemmer.Stemmer("english")
        corpus = [tokenize(f"{m['header']} {m['title']} {doc}", self.stemmer)  # title counted twice
                  for m, doc in zip(chunks["metadatas"], chunks["documents"])]
        self.bm25 = bm25s.BM25()
        self.bm25.index(corpus, show_progress=False)
        self.vocabulary = sorted({w for doc in corpus for w in doc})
        self.raw_vocabulary = sorted({w for m, doc in zip(chunks["metadatas"], chunks["documents"])
                                      for w in _TOKEN.findall(f"{m['title']} {doc}".lower())})
        ids, vectors = store.load_title_vectors(manifest)
        self.title_ids, self.title_vectors = ids, vectors

    def correct_typos(self, words: list[str]) -> list[str]:
        """Map query words unknown to the corpus onto close corpus words ("lookahed" → "lookahead")."""
        known = set(self.raw_vocabulary)
        fixed = []
        for word in words:
            if word in known or len(word) < 4 or word.isdigit() or word in STOPWORDS:
                fixed.append(word)
                continue
            close = difflib.get_close_matches(word, self.raw_vocabulary, n=1, cutoff=0.8)
            fixed.append(close[0] if close else word)
        return fixed


class Retriever:
    """Loads the live index once per version and answers hybrid searches; thread safe."""

    def __init__(self, settings, store: PaperStore | None = None, embedder=None):
        self.settings = settings
        self.store = store or PaperStore(settings)
        self.embedder = embedder or get_embedder(settings)
        self.sentence_vectors = SentenceVectors(self.embedder, getattr(settings, "cache_dir", None))
        self._index: _Index | None = None
        self._lock = threading.Lock()

    def index(self) -> _Index:
        manifest = self.store.require_manifest()
        if manifest.embedding_model != self.embedder.model_id:
            raise StoreError(f"the index was built with {manifest.embedding_model} but the configured embedding "
                             f"model is {self.embedder.model_id}: run `qa ingest --rebuild`")
        with self._lock:
            if self._index is None or self._index.manifest.version != manifest.version:
                self._index = _Index(self.store, manifest)
                # the re-ranker's sentence vectors: computed here once per paper version (in `qa ingest`,
                # which loads the index), read from the cache afterwards
                if len(self._index.papers) <= MAX_PAPERS:
                    self.sentence_vectors.get_many(self._index.papers)
            return self._index

    @property
    def papers(self) -> list[Paper]:
        return self.index().papers

    @property
    def profile(self) -> Profile:
        return self.index().manifest.profile

    def search(self, query: str, k: int = 5, filters: Filters | None = None, second_stage: bool = True) -> list[Hit]:
        """The k best papers: hybrid candidates, then (second_stage) re-scored sentence by sentence."""
        if not 1 <= k <= 100:
            raise QAError("k must be between 1 and 100")
        for _ in range(2):
            try:
                return self._search(self.index(), query, k, filters or Filters(), second_stage)
            except StoreError:
                # an ingest may have switched versions (and dropped the one we read): retry on the new one;
                # back-to-back ingests can do that twice
                self._index = None
        return self._search(self.index(), query, k, filters or Filters(), second_stage)

    def _search(self, index: _Index, query: str, k: int, filters: Filters, second_stage: bool = True) -> list[Hit]:
        allowed = [p for p in index.papers if filters.matches(p)]
        if not allowed or not query.strip():
            return []
        allowed_ids = {p.paper_id for p in allowed}
        raw_words = _TOKEN.findall(query.lower())
        corrected = " ".join(index.correct_typos(raw_words))
        vector = self.embedder.embed([corrected if corrected.strip() else query])[0]

        # dense: nearest chunks (restricted by the filters), best chunk per paper
        where = None
        if filters.active:
            where = {"paper_id": {"$in": sorted(allowed_ids)}} if len(allowed_ids) < len(index.papers) else None
        n = min(index.manifest.chunks, max(60, k * 12))
        dense: dict[str, tuple[float, str]] = {}
        for chunk_id, similarity in self.store.dense_query(index.manifest, vector, n, where):
            pid = chunk_id.rsplit("#", 1)[0]
            if pid in allowed_ids and similarity > dense.get(pid, (-1.0, ""))[0]:
                dense[pid] = (similarity, chunk_id)

        # lexical: BM25 over chunks, best chunk per paper, scaled by the best score of this query
        tokens = tokenize(corrected, index.stemmer)
        lexical: dict[str, tuple[float, str]] = {}
        if tokens:
            scores = index.bm25.get_scores(tokens)
            for row in np.argsort(-scores)[: max(200, k * 20)]:
                if scores[row] <= 0:
                    break
                pid = index.chunk_paper[row]
                if pid in allowed_ids and scores[row] > lexical.get(pid, (0.0, ""))[0]:
                    lexical[pid] = (float(scores[row]), index.chunk_ids[row])
        top_lexical = max((s for s, _ in lexical.values()), default=0.0)

        # title: cosine between the question and each title
        title_sim = dict(zip(index.title_ids, (index.title_vectors @ vector).tolist()))

        candidates = set(dense) | set(lexical)
        hits = []
        for pid in candidates:
            d, d_chunk = dense.get(pid, (0.0, ""))
            lex, l_chunk = lexical.get(pid, (0.0, ""))
            lex_scaled = lex / top_lexical if top_lexical else 0.0
            t = title_sim.get(pid, 0.0)
            score = W_DENSE * d + W_TITLE * max(t, 0.0) + W_LEXICAL * lex_scaled
            chunk_id = d_chunk or l_chunk
            hits.append(Hit(index.by_id[pid], score, index.chunk_text.get(chunk_id, ""), chunk_id,
                            {"dense": round(d, 4), "title": round(t, 4), "lexical": round(lex_scaled, 4),
                             "hybrid": round(score, 4)}))
        hits.sort(key=lambda h: (-h.score, h.paper.paper_id))
        if not second_stage or len(index.papers) > MAX_PAPERS:
            return hits[:k]
        return rerank(hits[:max(CANDIDATES, k)], vector, self.sentence_vectors)[:k]
