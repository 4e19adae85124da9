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
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .embeddings import MultilingualEmbedder, MultilingualEncoder, english_words, get_embedder
from .errors import QAError, StoreError
from .papers import Paper, Profile
from .rerank import CANDIDATES, MAX_PAPERS, SentenceVectors, load_vectors, rerank, save_vectors
from .store import Manifest, PaperStore
from .text import LISTING_WORD, STOP
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
# Questions in other languages: MiniLM and BM25 read English, so the multilingual e5 cosine between the question
# and each title + abstract (z-scored over the papers) joins the fused score, weighted by the share of the
# question that is not English (`foreign_share`); below MIN_FOREIGN the question is scored as before.
W_MULTILINGUAL = 0.3
MIN_FOREIGN = 0.3
# the papers' multilingual vectors cost ~0.3 s each, once per paper version (`qa ingest` computes them): past this
# many papers a question in another language is searched with the English signals alone
MULTILINGUAL_MAX_PAPERS = 500
_WORD = re.compile(r"[^\W\d_]+")
_INFLECTIONS = ("s", "es", "ed", "d", "ing", "ly")
_NAME = re.compile(r"^[A-Za-z]*(?:[A-Z][a-z0-9]*[A-Z]|[a-z][A-Z])[A-Za-z]*$")  # "FRePo", "DreamerV", "ToolEmu"


# words this long are mended by one edit (shorter ones are too often another word, or another language's)
_ONE_EDIT_LENGTH = 6
_LONG_LISTING_WORDS = sorted(w for w in STOP if len(w) >= _ONE_EDIT_LENGTH and w.isalpha())


def _swapped_function_word(word: str) -> str | None:
    """The function word ("what", "how", "the") or word of the listing ("papres", "lsit") that `word` writes with two
    neighbouring letters swapped, if any; or, for a longer word, the word of the listing it writes with one letter
    left out, added, changed or written twice ("erliest", "catagory", "untill")."""
    for i in range(len(word) - 1):
        swapped = word[:i] + word[i + 1] + word[i] + word[i + 2:]
        if swapped != word and (swapped in STOPWORDS or swapped in STOP):
            return swapped
    if len(word) >= _ONE_EDIT_LENGTH:
        # a letter written twice: "untill", "accross" (shorter words: "comme" is French, not "come" misspelt)
        doubled = (word[:i] + word[i + 1:] for i in range(1, len(word)) if word[i] == word[i - 1])
        return next((w for w in doubled if len(w) >= _ONE_EDIT_LENGTH - 1 and (w in STOPWORDS or w in STOP)), None) \
            or next((w for w in _LONG_LISTING_WORDS if _one_edit(word, w)), None)
    return None


def _one_edit(word: str, target: str) -> bool:
    """`word` is `target` with one letter left out, added or changed."""
    if abs(len(word) - len(target)) > 1 or word == target:
        return False
    i = 0
    while i < min(len(word), len(target)) and word[i] == target[i]:
        i += 1
    if len(word) == len(target):
        return word[i + 1:] == target[i + 1:]
    return word[i:] == target[i + 1:] if len(word) < len(target) else word[i + 1:] == target[i:]


def tokenize(text: str, stemmer=None, written: frozenset[str] | None = None) -> list[str]:
    """Lower-case words without stop words, stemmed. `written` (the collection's words, for a question): a
    hyphenated word no abstract writes counts by its parts ("low-rank" asked, "Low Rank" in a title); one that is
    written stays whole ("human-level", not every abstract on humans)."""
    words = [w for token in _TOKEN.findall(text.lower())
             for w in ([token, *token.split("-")] if written is not None and "-" in token and token not in written
                       else [token])
             if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    return stemmer.stemWords(words) if stemmer is not None else words


_RUN_TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*|\S")  # words (of any script), or any other mark
_INFLECTED = r"(?:e|es|ed|d|s|ing|ings|er|ers|ly|al|ion|ions|tion|tions|ment|ments)?"  # what may end a word written


def run_pattern(phrase: str) -> re.Pattern:
    """The phrase as a text writes it, its last word in any inflection ("challenge": "challenges", "challenging";
    "graph neural networks": "graph neural network"), not as the start of a longer word ("quan" in "quantized")."""
    *head, last = phrase.split()
    root = next((last[:-len(end)] for end in ("ing", "ed", "es", "s", "e") if last.endswith(end)
                 and len(last) - len(end) >= 4), last)
    return re.compile(r"(?<![A-Za-z0-9])" + "".join(re.escape(w) + r"[\s-]" for w in head) + re.escape(root) +
                      _INFLECTED + r"(?![A-Za-z0-9])", re.IGNORECASE)


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
        self._known_words: frozenset[str] | None = None  # read at the first question that needs it
        self._vocabulary_set = frozenset(self.raw_vocabulary)
        self._corrections: dict[str, str] = {}
        self._char_counts: tuple | None = None  # per vocabulary word (`_could_match`), built at the first typo

    @property
    def known_words(self) -> frozenset[str]:
        if self._known_words is None:
            names = {w for p in self.papers for author in p.authors for w in _TOKEN.findall(author.lower())}
            self._known_words = frozenset(self.raw_vocabulary) | names | english_words() | STOPWORDS
        return self._known_words

    def foreign_share(self, query: str) -> float:
        """The share of the question's letters in words that are neither English (MiniLM's vocabulary) nor the
        collection's (its words and authors, after typo correction); names written in mixed case ("FRePo")
        count as neither, and words with letters outside ASCII as foreign."""
        words = [w for w in _WORD.findall(query) if not (w.isascii() and _NAME.match(w))]
        total = sum(len(w) for w in words)
        if not total:
            return 0.0
        # only the words the lexicon lacks are looked up among close spellings (a scan of the vocabulary each)
        latin = [w.lower() for w in words if w.isascii() and not self._known(w.lower())]
        fixed = dict(zip(latin, self.correct_typos(latin)))
        unknown = sum(len(w) for w in words if not w.isascii() or w.lower() in fixed
                      and not self._known(fixed[w.lower()]))
        return unknown / total

    def english_runs(self, text: str) -> list[str]:
        """The runs of lower-case English words (or the collection's) in a question written in another language,
        function words trimmed from their ends ("Koľko záznamov používa slovo challenge alebo challenging?":
        "challenge", "challenging"), that some paper writes (`run_pattern`); a capitalised word, a word of the
        question's own language (as written: "recurrentes" is not "recurrent") or one no paper writes ("tai",
        Finnish "or") ends a run; a run of one word has five letters or more (Malay "mana", "which", is an English
        word too) and is not the listing's ("abstract")."""
        runs, run = [], []
        for token in [*_RUN_TOKEN.findall(text), ""]:
            if token.isascii() and token.isalpha() and len(token) > 1 and (token.islower() or token.lower() in STOP) \
                    and token.lower() in self.known_words and (token.lower() in STOP or self._written(token.lower())):
                run.append(token.lower())
                continue
            while run and run[-1] in STOP:
                run.pop()
            while run and run[0] in STOP:
                run.pop(0)
            phrase = " ".join(run)
            if len(phrase) >= 5 and phrase not in runs and not LISTING_WORD.fullmatch(phrase) and \
                    self._written(phrase):
                runs.append(phrase)
            run = []
        return runs

    def papers_writing(self, phrases: list[str]) -> list[Paper]:
        """The papers whose title or abstract writes one of the phrases (`run_pattern`)."""
        patterns = [run_pattern(phrase) for phrase in phrases]
        return [p for p in self.papers if any(w.search(f"{p.title} {p.abstract}") for w in patterns)]

    def _written(self, phrase: str) -> bool:
        return bool(self.papers_writing([phrase]))

    def _known(self, word: str) -> bool:
        """In the lexicon as written, or once an English inflection is dropped ("reconstructs", "rendered")."""
        return word in self.known_words or any(
            word.endswith(ending) and word[:-len(ending)] in self.known_words for ending in _INFLECTIONS)

    def spelled(self, text: str) -> str:
        """The text with its misspelt words (neither English nor the collection's, yet close to a word of the
        collection: "reinforcment") written as the collection spells them; everything else as it was."""
        def fix(match: re.Match) -> str:
            word = match.group(0)
            lower = word.lower()
            if not word.isascii() or _NAME.match(word) or self._known(lower):
                return word
            fixed = self.correct_typos([lower])[0]
            if fixed == lower:
                return word
            # a capital kept: "Bayesain" is the name "Bayesian" (`question.question_names` reads capitals)
            return fixed[:1].upper() + fixed[1:] if word[:1].isupper() else fixed
        return _WORD.sub(fix, text)

    def english_spelled(self, text: str) -> str:
        """The text with each misspelt word (known neither to English nor to the collection) written as the closest
        English word of the same first letter ("colaborators" → "collaborators"): a bibliographic question asks in
        words of the listing's fields, which abstracts need not write (`spelled` knows only theirs)."""
        def fix(match: re.Match) -> str:
            word = match.group(0)
            lower = word.lower()
            if not word.isascii() or len(word) < 5 or _NAME.match(word) or self._known(lower):
                return word
            english = [w for w in english_words() if w[0] == lower[0] and abs(len(w) - len(lower)) <= 2]
            close = difflib.get_close_matches(lower, english, n=1, cutoff=0.85)
            return close[0] if close else word
        return _WORD.sub(fix, text)

    def function_words_mended(self, text: str) -> str:
        """"Waht does ...", "hwo many": a function word with two letters swapped, written right. Whatever the
        language of the rest: an unknown word there is no sign that the question is not English."""
        def fix(match: re.Match) -> str:
            word = match.group(0)
            lower = word.lower()
            if not word.isascii() or len(word) < 3 or self._known(lower) or lower in STOP:
                return word  # "fewest" is a word of the listing's questions, not "newest" misspelt
            swapped = _swapped_function_word(lower)
            if not swapped:
                return word
            return swapped.capitalize() if word[0].isupper() else swapped
        return _WORD.sub(fix, text)

    def correct_typos(self, words: list[str]) -> list[str]:
        """Map query words unknown to the corpus onto close corpus words ("lookahed" → "lookahead")."""
        fixed = []
        for word in words:
            if word in self._vocabulary_set or len(word) < 4 or word.isdigit() or word in STOPWORDS:
                fixed.append(word)
                continue
            close = self._corrections.get(word)
            if close is None:  # once per word and store version
                matches = difflib.get_close_matches(word, self._could_match(word, 0.8), n=3, cutoff=0.8)
                # a misspelling keeps its first letter: "invariance" is not "variance" (the collection writes
                # "invariant"), "untrained" not "trained", "retraining" not "pretraining"; a name written without
                # its first part ("skewfit" for "pa-skewfit") is that name
                close = next((m for m in matches if m[0] == word[0] or re.search(rf"[\-\d]{re.escape(word)}$", m)),
                             word)
                if len(self._corrections) > 20000:
                    self._corrections.clear()
                self._corrections[word] = close
            fixed.append(close)
        return fixed

    def _could_match(self, word: str, cutoff: float) -> list[str]:
        """The vocabulary words whose character counts allow a difflib ratio of `cutoff` with `word` (the bound
        difflib's quick_ratio computes, here for all words at once): the same close matches as a scan of the
        whole vocabulary, which took ~3 ms a word in Python."""
        if self._char_counts is None:  # built whole, then published: threads share the index
            counts = np.array([_char_counts(w) for w in self.raw_vocabulary], dtype=np.int16).reshape(-1, 37)
            self._char_counts = (counts, counts.sum(axis=1))
        counts, lengths = self._char_counts
        shared = np.minimum(counts, _char_counts(word)).sum(axis=1)
        bound = 2.0 * shared / (lengths + len(word))
        return [self.raw_vocabulary[i] for i in np.flatnonzero(bound >= cutoff - 1e-9)]


def _char_counts(word: str) -> np.ndarray:
    """How often each letter and digit occurs (every other character in one shared slot)."""
    counts = np.zeros(37, dtype=np.int16)
    for c in word:
        counts["abcdefghijklmnopqrstuvwxyz0123456789".find(c)] += 1  # find() gives -1: the shared slot
    return counts


class Retriever:
    """Loads the live index once per version and answers hybrid searches; thread safe."""

    def __init__(self, settings, store: PaperStore | None = None, embedder=None):
        self.settings = settings
        self.store = store or PaperStore(settings)
        self.embedder = embedder or get_embedder(settings)
        self.sentence_vectors = SentenceVectors(self.embedder, getattr(settings, "cache_dir", None))
        self.multilingual = MultilingualPaperVectors(getattr(settings, "cache_dir", None))
        # the abstracts' sentences in e5, which an answer to a question in another language ranks
        self.multilingual_sentences = SentenceVectors(MultilingualEmbedder(), getattr(settings, "cache_dir", None))
        self._index: _Index | None = None
        self._lock = threading.Lock()
        self._pinned = threading.local()

    @contextmanager
    def pinned(self):
        """Everything inside (reading one question) sees one version of the index, checked once: reading the
        version pointer costs a store round trip, and a question used to read it ten times."""
        if getattr(self._pinned, "index", None) is not None:
            yield self._pinned.index
            return
        self._pinned.index = self.index()
        try:
            yield self._pinned.index
        finally:
            self._pinned.index = None

    def index(self) -> _Index:
        pinned = getattr(self._pinned, "index", None)
        if pinned is not None:
            return pinned
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

    def prepare_multilingual(self) -> None:
        """The papers' multilingual vectors (whole abstract and sentences), computed now (by `qa ingest`) rather
        than at the first question in another language."""
        papers = self.papers
        if len(papers) <= MULTILINGUAL_MAX_PAPERS:
            self.multilingual.vectors(papers)
            self.multilingual_sentences.get_many(papers)

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
                self._index = self._pinned.index = None
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

        # lexical: BM25 over chunks, best chunk per paper, scaled by the best score of this query (a hyphenated
        # word of another language, "RL-agendil", is not split into an English part)
        foreign = index.foreign_share(query) if len(index.papers) <= MULTILINGUAL_MAX_PAPERS else 0.0
        tokens = tokenize(corrected, index.stemmer,
                          written=index._vocabulary_set if foreign < MIN_FOREIGN else None)
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
        multilingual: dict[str, float] = {}
        if foreign >= MIN_FOREIGN:
            multilingual = self.multilingual.z_scores(query, allowed)
            candidates |= set(multilingual)
        hits = []
        for pid in candidates:
            d, d_chunk = dense.get(pid, (0.0, ""))
            lex, l_chunk = lexical.get(pid, (0.0, ""))
            lex_scaled = lex / top_lexical if top_lexical else 0.0
            t = title_sim.get(pid, 0.0)
            score = W_DENSE * d + W_TITLE * max(t, 0.0) + W_LEXICAL * lex_scaled
            signals = {"dense": round(d, 4), "title": round(t, 4), "lexical": round(lex_scaled, 4)}
            if multilingual:
                signals["multilingual"] = round(multilingual.get(pid, 0.0), 4)
                score += W_MULTILINGUAL * foreign * multilingual.get(pid, 0.0)
            signals["hybrid"] = round(score, 4)
            chunk_id = d_chunk or l_chunk
            hits.append(Hit(index.by_id[pid], score, index.chunk_text.get(chunk_id, ""), chunk_id, signals))
        hits.sort(key=lambda h: (-h.score, h.paper.paper_id))
        if not second_stage or len(index.papers) > MAX_PAPERS:
            return hits[:k]
        return rerank(hits[:max(CANDIDATES, k)], vector, self.sentence_vectors)[:k]


class MultilingualPaperVectors:
    """multilingual-e5 vectors of each paper's title and abstract, per paper version: memory, then
    `QA_CACHE_DIR/multilingual-vectors/`, else computed (~0.3 s a paper, once) when a question in another language
    first needs them."""

    def __init__(self, cache_dir=None):
        self.encoder = MultilingualEncoder()
        self.directory = Path(cache_dir) / "multilingual-vectors" if cache_dir else None
        self._memory: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def vectors(self, papers: list[Paper]) -> np.ndarray:
        with self._lock:
            missing = [p for p in papers if p.content_hash() not in self._memory and not self._read(p)]
            if missing:
                embedded = self.encoder.passages([f"{p.title}. {p.abstract}" for p in missing])
                if len(self._memory) + len(missing) > 20000:  # versions a long-lived server re-ingested
                    self._memory = {p.content_hash(): self._memory[p.content_hash()] for p in papers
                                    if p.content_hash() in self._memory}
                for paper, vector in zip(missing, embedded):
                    self._memory[paper.content_hash()] = vector
                    self._write(paper, vector)
            return np.stack([self._memory[p.content_hash()] for p in papers])

    def z_scores(self, query: str, papers: list[Paper]) -> dict[str, float]:
        """Per paper id: the question's cosine with the paper, standardised over `papers` (none past
        `MULTILINGUAL_MAX_PAPERS`, whose vectors are not computed)."""
        if not 2 <= len(papers) <= MULTILINGUAL_MAX_PAPERS:
            return {}
        sims = self.vectors(papers) @ self.encoder.query(query)
        z = (sims - sims.mean()) / (sims.std() + 1e-6)
        return {p.paper_id: float(v) for p, v in zip(papers, z)}

    def similarities(self, papers: list[Paper], collection_size: int) -> np.ndarray | None:
        """The papers' cosines with one another; None past `MULTILINGUAL_MAX_PAPERS` in the collection."""
        if not papers or collection_size > MULTILINGUAL_MAX_PAPERS:
            return None
        vectors = self.vectors(papers).astype(np.float64)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
        return (vectors @ vectors.T).round(4)

    def _path(self, paper: Paper) -> Path | None:
        return self.directory / f"{paper.content_hash()}.npy" if self.directory else None

    def _read(self, paper: Paper) -> bool:
        vector = load_vectors(self._path(paper))
        if vector is None or vector.shape != (self.encoder.dim,):
            return False
        self._memory[paper.content_hash()] = vector
        return True

    def _write(self, paper: Paper, vector: np.ndarray) -> None:
        save_vectors(self._path(paper), vector)
