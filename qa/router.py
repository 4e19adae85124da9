"""Question router: which kind of evidence a question needs.

Routes (see prompts/router_system.md for the full definitions):

- ``paper``: one specific paper or result, including follow-ups ("who wrote it?");
- ``synthesis``: several papers (overviews, comparisons, "which papers study X");
- ``metadata``: bibliographic facts from the listing (counts, years, categories,
  co-authors, code availability, h-index, citations);
- ``not_answerable``: anything outside the collection (general knowledge, personal
  information, papers not in the listing, chit-chat, code requests, prompt injection).

The offline router combines three things, cheapest and most certain first:

1. rules for clear patterns (injection, chit-chat, bibliographic wording, comparisons,
   follow-ups), applied to the question after a small multilingual glossary has mapped
   common French/Spanish/German/Chinese/... question words to English;
2. collection awareness: the titles, title heads and method names of the papers
   (FRePo, DreamerV3, STEVE-1, ...), matched with typo tolerance; a title-like name that
   is *not* in the collection ("the Layer Normalization paper") makes the question
   not answerable;
3. nearest-neighbour scoring of the question's embedding against the labelled examples
   in prompts/router_examples.jsonl (embedded once per process).

`LLMRouter` asks a chat model with a few-shot prompt (prompts/router_system.md, the
collection's titles and a few examples) for the questions the offline rules are not sure
of, and falls back to the offline router when the call fails or the answer cannot be
parsed. Prompt injections are never sent to the model.

The offline router's parts: `router_text` (folding, stemming, the glossary, typo correction),
`router_collection` (what the collection names) and `router_rules` (the question patterns),
`router_checks` (what the collection or an abstract lacks); `routes` holds `Route` and the examples,
`router_llm` the LLM router.
"""
from __future__ import annotations

import difflib
import hashlib
import os
import re
import threading
from collections import Counter
from pathlib import Path

import numpy as np

from .papers import Paper
from .question import OTHER_TIME, PER_PAPER_CITATIONS, asks_listing_form
from . import router_text
from .router_text import _has, _norm, _STOP, _translate, _WORD_RE
from .router_collection import _Collection
from .router_rules import (
    _AUTHOR_TOPIC,
    _BIB_STRONG,
    _CHITCHAT,
    _CODE_META,
    _CODE_REQUEST,
    _COLLECTION_LEVEL,
    _COMPARE,
    _content_tokens,
    _CONTINUATION,
    _COUNT,
    _DEFINITION,
    _definition_raw,
    _FUNCTION_WORDS,
    _GENERAL,
    _generic_baseline,
    _GERMAN,
    _INJECTION,
    _is_foreign,
    _LIST_PAPERS,
    _MORE_LIKE_IT,
    _MULTI,
    _NUMBER,
    _OPINION,
    _own,
    _PAPER_ASPECTS,
    _paper_fact,
    _PAPER_SINGULAR,
    _PERSON_REF,
    _PERSONAL,
    _PLURAL_CUE,
    _PLURAL_REF,
    _RANGE_WORDS,
    _RECENCY,
    _RESEARCHER_TOPIC,
    _SELECTION,
    _SINGULAR_REF,
    _SYNTH,
    _TIME_WORDS,
    _word_count,
    _YEAR,
)
from .router_checks import AbstractChecks
from .router_llm import LLMRouter, parse_label  # noqa: F401  (re-exported)
from .routes import (  # noqa: F401  (re-exported)
    EXAMPLES_PATH, KNN_EXAMPLES_PATH, PROMPTS_DIR, SYSTEM_PROMPT_PATH, load_examples,
)
from .types import ROUTES, Route  # noqa: F401  (re-exported)


# ---------------------------------------------------------------------------
# The offline router
# ---------------------------------------------------------------------------

def _common_words(embedder) -> set[str]:
    """Whole English words of the embedder's tokenizer: never "corrected" into collection words."""
    tokenizer = getattr(embedder, "tokenizer", None)
    try:
        vocab = tokenizer.get_vocab() if tokenizer is not None else {}
    except Exception:  # another tokenizer API: go without
        return set()
    return {w for w in vocab if w.isascii() and w.isalpha() and len(w) >= 3}


def collection_owner(papers: list[Paper]) -> str:
    """The collection's owner when its listing does not name one: the author on clearly the most papers (at least
    three and a third of them, twice as many as anyone else); "" for a collection of many people's papers."""
    counts = Counter(a.strip() for p in papers for a in dict.fromkeys(p.authors) if a.strip())
    ranked = counts.most_common(2)
    if not ranked or ranked[0][1] < max(3, len(papers) / 3) or \
            (len(ranked) > 1 and ranked[0][1] < 2 * ranked[1][1]):
        return ""
    return ranked[0][0]


def _owner_pattern(owner: str) -> re.Pattern | None:
    """The owner's full name, or either part alone ("Ada Lovelace", "Lovelace", "Ada")."""
    parts = [p for p in re.split(r"\s+", owner.strip()) if p.strip(".")]
    if not parts:
        return None
    names = [r"\s+".join(map(re.escape, parts))] + ([re.escape(parts[0]), re.escape(parts[-1])] if len(parts) > 1 else [])
    return re.compile(r"(?<![\w\-])(?:" + "|".join(names) + r")(?![\w\-])", re.IGNORECASE)


_TRANSLATOR = hashlib.sha1(Path(router_text.__file__).read_bytes()).hexdigest()  # changes when the glossary does
_MAX_CHARS = 500  # the route is decided by the question's start; the rest only costs time
_EMBED_CACHE: dict[tuple, np.ndarray] = {}
_EMBED_LOCK = threading.Lock()
_KNN_K = 3
_KNN_WEIGHTS = np.array([0.5, 0.3, 0.2], dtype=np.float32)
_KNN_TEMPERATURE = 0.04


class OfflineRouter(AbstractChecks):
    """Rules + collection awareness + nearest examples; no network, ~5 ms per question."""

    def __init__(self, embedder, papers: list[Paper], examples: list[dict] | None = None,
                 cache_dir: Path | None = None, owner: str | None = None):
        self.embedder = embedder
        self.papers = list(papers)
        # the researcher whose collection it is: questions name them as "the researcher" before any rule reads them
        self.owner = owner if owner else collection_owner(self.papers)
        self._owner_re = _owner_pattern(self.owner)
        if examples is None:
            examples = load_examples() + (load_examples(KNN_EXAMPLES_PATH) if KNN_EXAMPLES_PATH.exists() else [])
        self.examples = list(examples)
        self.collection = _Collection(self.papers, _common_words(embedder))
        self.years = {p.year for p in self.papers if p.year}
        self.labels = np.array([ROUTES.index(e["route"]) for e in self.examples], dtype=np.int64)
        questions = [e["question"] for e in self.examples]
        # the examples are embedded translated; keyed by their text and the translator's source, they are translated
        # (~0.4 s) only when their vectors are not cached
        key = (getattr(embedder, "model_id", type(embedder).__name__),
               hashlib.sha1("\n".join([_TRANSLATOR] + questions).encode()).hexdigest())
        with _EMBED_LOCK:
            vectors = _EMBED_CACHE.get(key)
        # embedding ~3,500 examples costs ~15 s on 2 cores: keep them in the user's cache directory
        cache_file = Path(cache_dir) / f"router-examples-{hashlib.sha1(repr(key).encode()).hexdigest()[:16]}.npy" \
            if cache_dir is not None else None
        if vectors is None and cache_file is not None:
            try:
                loaded = np.load(cache_file)
                if loaded.shape[0] == len(questions):
                    vectors = loaded.astype(np.float32)
            except (OSError, ValueError):
                pass
        if vectors is None:
            texts = [_translate(question) for question in questions]
            # the local model pads a batch to its longest text, so short examples are cheapest 8 at a time (~0.5 s
            # for 200); an endpoint is cheapest in few requests (`short_batch`)
            size = getattr(embedder, "short_batch", 256)
            parts = [np.asarray(embedder.embed(texts[i:i + size]), dtype=np.float32)
                     for i in range(0, len(texts), size)]
            vectors = np.vstack(parts) if parts else np.zeros((0, 1), np.float32)
        if cache_file is not None and not cache_file.exists():
            try:  # written whole then renamed: a reader never sees half a file
                cache_file.parent.mkdir(parents=True, exist_ok=True)
                partial = cache_file.with_suffix(f".{os.getpid()}.tmp.npy")
                np.save(partial, vectors)
                os.replace(partial, cache_file)
            except OSError:
                pass  # a read-only data directory only costs time
        with _EMBED_LOCK:
            _EMBED_CACHE[key] = vectors
        self.vectors = vectors

    # --- nearest examples ----------------------------------------------------
    def knn_scores(self, text: str) -> np.ndarray:
        """Per route: cosine similarity of the k nearest examples of that route, the nearest weighted most
        (a near-copy of a labelled question should decide)."""
        scores = np.full(len(ROUTES), -1.0, dtype=np.float32)
        if not len(self.vectors):
            return scores
        try:
            query = np.asarray(self.embedder.embed([text]), dtype=np.float32)[0]
        except Exception:  # an embedding endpoint that fails: route on the rules alone
            return scores
        sims = self.vectors @ query
        for r in range(len(ROUTES)):
            own = sims[self.labels == r]
            if len(own):
                top = np.sort(own)[::-1][:_KNN_K]
                scores[r] = float(top @ _KNN_WEIGHTS[:len(top)] / _KNN_WEIGHTS[:len(top)].sum())
        return scores

    def _knn_route(self, scores: np.ndarray, allowed=ROUTES, note: str = "") -> Route:
        idx = [ROUTES.index(r) for r in allowed]
        sub = scores[idx]
        probs = np.exp((sub - sub.max()) / _KNN_TEMPERATURE)
        probs /= probs.sum()
        best = int(np.argmax(sub))
        label = allowed[best]
        ranked = sorted(zip(allowed, sub), key=lambda x: -x[1])[:2]
        reason = "nearest examples: " + ", ".join(f"{r} {s:.2f}" for r, s in ranked)
        return Route(label, round(float(probs[best]), 3), "knn", reason + (f" ({note})" if note else ""))

    # --- classification ------------------------------------------------------
    def papers_called_in(self, question: str) -> list[Paper]:
        """Papers the question calls by a name of their own, in its order (`_Collection.papers_called_in`)."""
        return self.collection.papers_called_in(question)

    def classify(self, question: str, history: list[dict] | None = None) -> Route:
        question, history = question or "", history or []
        whole = self._classify(question, history, depth=0)
        # sentences, not abbreviations ("e.g.", "et al.")
        sentences = [s for s in re.split(r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bal\.)(?<!\bvs\.)(?<!\betc\.)(?<=[.!?。？！])\s+",
                                         question.strip()[:2 * _MAX_CHARS]) if _WORD_RE.search(s)]
        refers_back = re.search(r"\b(?:it|its|this|that|these|those|they|them|each other)\b", sentences[-1], re.IGNORECASE) \
            if sentences else None
        told = len(sentences) >= 2 and all(s.rstrip()[-1:] in ".!" for s in sentences[:-1]) and not refers_back and \
            sentences[-1].rstrip()[-1:] in "?？" and _word_count(sentences[-1]) >= 6  # "I'm building an AutoML tool. Which papers...?"
        if len(sentences) < 2 or (_word_count(question) < 25 and not told):
            return whole
        # a long question tells a story first and asks at the end: route the ask, unless the whole question
        # already names something outside the collection or tries to change the instructions
        if whole.label == "not_answerable" and whole.method == "rules" and (
                whole.reason.startswith(("asks to change", "asks for code")) or
                (whole.reason.startswith("names") and (refers_back or not told))):
            return whole
        last = self._classify(sentences[-1], history, depth=0)
        if last.reason.startswith("follow-up without history"):
            own, papers = _own(self.collection.find_entities(
                " ".join(self.collection.correct(_norm(_translate(question)).split())), question))
            if len(papers) == 1:
                last_t = _translate(sentences[-1])
                detail = self._detail_not_in_abstract(last_t, _norm(last_t).split(), next(iter(papers)), own)
                if detail:
                    return self._detail_refusal(next(iter(papers)), detail, 0.65,
                                                f"asks for {detail}, which the abstract does not give")
            return Route("paper", 0.6, "rules", "describes one paper, then asks about it")
        return last if last.method == "rules" or whole.method != "rules" else whole

    def _classify(self, question: str, history: list[dict], depth: int) -> Route:
        q = written = question.strip()[:_MAX_CHARS]
        if self._owner_re is not None:
            q = self._owner_re.sub("the researcher", q)
        missing_version = self._missing_version(q)
        if missing_version is None:
            q = self.collection.join_versions(q)
        if not _WORD_RE.search(q):
            return Route("not_answerable", 0.5, "rules", "no words to route", settled=True)
        c = self.collection
        foreign = _is_foreign(q)
        t = _translate(q)  # folded, English question words, misspelt ones fixed (not in other languages:
        t = t if foreign else self._fix_typos(t)  # "completar" is not a misspelt "compare")
        if q != written:  # the labelled examples name their researcher: the vote reads the name as written
            knn_text = _translate(written if missing_version else self.collection.join_versions(written))
            knn_text = knn_text if foreign else self._fix_typos(knn_text)
        else:
            knn_text = t
        words = _word_count(q)
        norm_tokens = c.correct(_norm(t).split())
        norm_q = " ".join(norm_tokens)
        entities = c.find_entities(norm_q, q)
        own, own_papers = _own(entities)
        mentioned = [(k, e) for k, e in entities if not e.own]
        collection_level = _COLLECTION_LEVEL.search(t)

        # 1. injection, code requests, chit-chat, personal questions
        if _INJECTION.search(t):
            return Route("not_answerable", 0.97, "rules", "asks to change or reveal the instructions", settled=True)
        if _CODE_REQUEST.search(t):
            return Route("not_answerable", 0.9, "rules", "asks for code to be written", settled=True)
        if _CHITCHAT.search(t):
            return Route("not_answerable", 0.9, "rules", "chit-chat", settled=True)
        if _GENERAL.search(t) and not own:  # a guess: the papers may still answer it (qa.evidence decides)
            return Route("not_answerable", 0.9, "rules", "general knowledge")
        if _OPINION.search(t) and not own:
            return Route("not_answerable", 0.8, "rules", "asks for the assistant's own opinion", settled=True)
        if _PERSONAL.search(t) and (_PERSON_REF.search(t) or c.author_in(norm_q)) and not _has(
                r"\bpapers?\b|\bco-?author|\bpublish|\bcollaborat|\bcategor|\bcitation|\bh-?index|\baffiliat", t):
            return Route("not_answerable", 0.9, "rules", "personal information about the researcher", settled=True)

        # 2. a named paper or method that is not in the collection
        unknown = missing_version or (
            self._unknown_system(q, norm_tokens) if not own or _COMPARE.search(t) else None)
        if unknown:
            return Route("not_answerable", 0.85, "rules", f"names {unknown}, which no listed paper mentions",
                         f"No paper in the collection mentions {unknown}.", subject=unknown)
        missing = self._missing_name(q, t, own)
        if missing:
            return Route("not_answerable", 0.88, "rules", f"names '{missing}', not in the collection",
                         f"{missing[0].upper()}{missing[1:]} is not in this collection." if missing.startswith("a ")
                         else f"“{missing}” is not one of the papers in this collection.", subject=missing)

        # 2b. "what else did its first author publish?": the listing's author field
        if _has(r"\b(?:its|the|their|this paper's|that paper's|the paper's) (?:first|last|lead|senior|main) author\b|"
                r"\bsame (?:first )?authors?\b|\bthose authors\b|\bthese authors\b", t) and \
                _has(r"\belse\b|\bother\b|\bmore\b|\banything\b|\bwhich papers\b|\bhow many\b", t) and (history or own):
            return Route("metadata", 0.8, "rules", "asks for other papers by the authors of a paper")

        # 2c. "what else came out that year?": the listing's dates, around the paper under discussion
        if history and _has(r"\b(?:that|the same) year\b", t) and _has(
                r"\belse\b|\bother\b|\bpapers\b|\bcame out\b|\bpublished\b|\bhow many\b|\bwhich\b", t):
            return Route("metadata", 0.75, "rules", "asks what else the listing has from that year")

        # 2c'. "who's the first author?" right after a question about one paper: that paper's author line
        if history and depth < 3 and words <= 10 and not own and _has(
                r"^(?:and |so |ok,? )?who(?:'s| is| was| are| were)? (?:the |its )?(?:first|last|lead|main|senior) authors?\b|"
                r"^(?:and |so |ok,? )?(?:is|was) [\w\s.\-]{2,30} the (?:first|last|lead|main|senior) author (?:on|of) "
                r"(?:it|that|this|that one|this one|the paper)\b", t):
            carried = self._carried(history, depth)
            if carried is not None and (carried.label == "paper" or len(self._papers_in_last_reply(history)) == 1):
                return Route("paper", 0.7, "rules", "asks who wrote the paper under discussion")

        # 2d. "when was it published?", "what category is it in?": a listing field of the paper under discussion
        if history and depth < 3 and (_SINGULAR_REF.search(t) or (foreign and _CONTINUATION.search(t))) \
                and words <= 14 and not own and _paper_fact(t):
            carried = self._carried(history, depth)
            if carried is not None and (carried.label == "paper" or len(self._papers_in_last_reply(history)) == 1):
                return Route("metadata", 0.75, "rules", "asks for a listing field of the paper under discussion",
                             one_paper=True)

        # 3. a follow-up about "it": the paper under discussion
        singular_ref = _SINGULAR_REF.search(t) and words <= 14 and not own and not collection_level
        if singular_ref and history and depth < 3:
            carried = self._carried(history, depth)
            if carried is not None and carried.label == "metadata" and OTHER_TIME.search(t):
                return Route("not_answerable", 0.7, "rules", "asks for a profile figure at another time",
                             "The listing has only the profile's current figures, not earlier or future ones.",
                             listing_gap=True, settled=True)
            if carried is not None:
                if carried.label == "paper" and _MORE_LIKE_IT.search(t):
                    return Route("synthesis", 0.65, "rules", "asks for more papers like the one under discussion")
                if _COMPARE.search(t) and carried.label == "paper" and not mentioned and not _generic_baseline(t):
                    return Route("synthesis", 0.6, "rules", "follow-up comparing the paper under discussion")
                if carried.label in ("synthesis", "metadata", "not_answerable") and \
                        len(self._papers_in_last_reply(history)) == 1 and not _PLURAL_REF.search(t):
                    return self._unless_detail_missing(
                        Route("paper", 0.7, "rules", "the previous answer was about one paper"), t, history)
                if carried.label in ("synthesis", "metadata") and _SELECTION.search(t) and (
                        not _PLURAL_REF.search(t) or _has(r"^the (?:first|second|third|fourth|fifth|last) one\b", t)) \
                        and not _has(r"\b(?:than|versus|vs|compared? (?:to|with)|differ\w* from|between)\b", t):
                    return Route("paper", 0.7, "rules", "picks one paper out of the previous answer")
                return self._unless_detail_missing(
                    Route(carried.label, round(min(0.85, max(0.55, carried.confidence)), 3), "rules",
                          f"follow-up: carries the previous question's route ({carried.label})"), t, history)

        # 3a. "and which of those came out after 2020?": the previous list filtered by a listing field
        if history and depth < 3 and _has(r"\b(?:which|how many) of (?:those|these|them)\b|^(?:and )?(?:only )?(?:those|the ones)\b", t) \
                and (_YEAR.search(t) or _RECENCY.search(t) or _CODE_META.search(t) or _has(
                    r"\b(?:came out|come out|published|released|newest|oldest|latest|earliest|most recent)\b", t)):
            return Route("metadata", 0.75, "rules", "filters the previous list by a listing field")

        # 3b. "and what about ...?" right after another question
        # languages that drop the pronoun ("¿Y qué técnicas usa...?") make longer follow-ups
        if history and depth < 3 and words <= (16 if foreign else 10) and _CONTINUATION.search(t) and not own \
                and not mentioned and not c.author_in(norm_q):
            carried = self._carried(history, depth)
            if carried is not None and carried.label == "paper" and _COMPARE.search(t) and not _generic_baseline(t):
                return Route("synthesis", 0.65, "rules", "follow-up comparing the paper under discussion")
            if carried is not None and carried.label in ("synthesis", "metadata") and _SELECTION.search(t):
                return Route("paper", 0.7, "rules", "picks one paper out of the previous answer")
            if carried is not None and carried.label == "paper" and (_MULTI.search(t) or _MORE_LIKE_IT.search(t)):
                return Route("synthesis", 0.65, "rules", "follow-up asking for more papers on the topic")
            if carried is not None and carried.label != "not_answerable":
                return self._unless_detail_missing(
                    Route(carried.label, round(min(0.8, max(0.55, carried.confidence)), 3), "rules",
                          f"continues the previous question ({carried.label})"), t, history)

        # 4. bibliographic questions over the listing
        meta = self._metadata(t, norm_tokens, own_papers)
        if meta:
            return meta

        # 5. several papers named, or compared ("were compared in the paper" is a comparison inside one paper)
        compare = _COMPARE.search(t) if not _has(r"\b(?:compared|evaluated|contrasted) (?:in|by|within) (?:the|this|that|their)\b|"
                                                 r"\b(?:compare[ds]?|evaluate[ds]?) (?:\w+ ){0,3}?in (?:the|this|that|their) "
                                                 r"(?:paper|study|work)\b", t) else None
        if len(own_papers) >= 2:
            names = ", ".join(e.name for _, e in own[:3])
            return Route("synthesis", 0.9, "rules", f"names several papers ({names})")
        if compare and own and history and (_SINGULAR_REF.search(t) or
                                            _has(r"\b(?:is|was|does|did) (?:that|this)\b|\bfrom (?:that|this)\b|"
                                                 r"\bcompare (?:that|this|it|them) (?:with|to|against)\b", t)):
            return Route("synthesis", 0.7, "rules", "compares a named paper with the one under discussion")

        # 6. a follow-up about "them": carry the previous route
        if _PLURAL_REF.search(t) and not own and history and depth < 3 and words <= 14:
            carried = self._carried(history, depth)
            if carried is not None and carried.label == "paper" and _MORE_LIKE_IT.search(t):
                return Route("synthesis", 0.65, "rules", "asks for more papers like the one under discussion")
            if carried is not None and carried.label == "metadata" and _has(
                    r"\bcommon\b|\bthreads?\b|\bthemes?\b|\bresearch\b|\bsummari[sz]e\b|\bideas?\b|\babout\b|"
                    r"\btopics?\b|\bapproach\w*\b|\bfind(?:ings)?\b|\bconclu\w*|\bdiffer\w*|\bcompar\w*|\btrying to\b", t) \
                    and not _COUNT.search(t):
                return Route("synthesis", 0.65, "rules", "asks what the papers just listed are about")
            if carried is not None:
                return self._unless_detail_missing(
                    Route(carried.label, round(min(0.8, max(0.55, carried.confidence)), 3), "rules",
                          f"follow-up: carries the previous question's route ({carried.label})"), t, history)

        # 7. a paper of the collection is named
        if own:
            names = ", ".join(e.name for _, e in own[:2])
            if _MULTI.search(re.sub(r"\bwhich ones\b\W*$", "", t)) and not _has(r"\bwhich paper\b|\bwhat paper\b|"
                                             r"\b(?:does|do|did|will|would|can|could) [\w\-]+ (?:also |still |even )?work on\b", t):
                return Route("synthesis", 0.75, "rules", f"asks across papers about {names}")
            if _has(r"\bapart from\b|\bbesides\b|\bother than\b|\bwhat else\b|"
                    r"\bother\b.{0,30}\b(?:papers|works|methods|approaches|models|agents)\b|\brelates? to\b|"
                    r"\bin relation to\b|\bin the context of\b|\bbuilds? on\b|\bevolv\w*\b|\blineage\b|\bprogression\b|"
                    r"\bline of (?:work|research)\b|\bover (?:time|the years)\b|\bseries\b|\bfamily\b|\bsuccessors?\b", t):
                return Route("synthesis", 0.7, "rules", f"relates {names} to other papers")
            titled, title_share, _ = c.title_overlap(norm_tokens)
            if _has(r"^both\b|\bboth (?:the )?[\w\- ]{2,40} (?:paper|papers|work|method|model) and\b", t):
                return Route("synthesis", 0.7, "rules", f"names {names} and another paper ('both ... and')")
            if _has(r"\b(?:and|with|versus|vs\.?) the (?:[\w\-]+\s+){1,5}(?:paper|one|work)\b", t) and \
                    _has(r"\beach\b|\bboth\b|\brespectively\b|\bthe two\b", t):
                return Route("synthesis", 0.75, "rules", f"asks about {names} and a paper described in words")
            if compare and _has(r"\bboth\b", t):
                return Route("synthesis", 0.75, "rules", f"compares {names} with another paper")
            if compare and titled is not None and titled not in own_papers and title_share >= 0.5:
                return Route("synthesis", 0.75, "rules", f"compares {names} with {self.papers[titled].title[:40]}")
            if compare and _has(r"\bother\b|\bprevious work\b|\bprior work\b|\brest of\b|\bthe others\b|\bversions?\b|"
                                r"\b(?:and|with|to|from|versus|vs\.?) the (?:[\w\-]+\s+){0,5}(?:paper|one|work|method|system|"
                                r"model|approach|agent|framework|bot|dataset|benchmark|study)\b|"
                                r"\bthe (?:one|paper) (?:about|on|with|that|where)\b|\bsuccessor\b|\bpredecessor\b|"
                                r"\bthe (?:later|earlier|newer|older|original|first|second|next|previous) (?:one|paper|version)\b", t):
                return Route("synthesis", 0.7, "rules", f"compares {names} with other work")
            if len(own_papers) == 1:
                detail = self._detail_not_in_abstract(t, norm_tokens, next(iter(own_papers)), own, foreign)
                if detail:
                    return self._detail_refusal(next(iter(own_papers)), detail, 0.7,
                                                f"asks for {detail}, which the abstract of {names} does not give")
                if _paper_fact(t):
                    return Route("metadata", 0.8, "rules", f"asks for a listing field of {names}", one_paper=True)
            return Route("paper", 0.9, "rules", f"names {names}, in the collection")

        # 7b. "when was the paper on fast weights published?": a listing field of one described paper
        if _paper_fact(t) and _PAPER_SINGULAR.search(t) and not history and not _has(r"\b(?:which|what) paper\b", t):
            return Route("metadata", 0.7, "rules", "asks for a listing field of one described paper", one_paper=True)

        # 8. definitional question about something the collection only mentions in passing
        definition = _DEFINITION.match(t)
        if definition and mentioned and not _MULTI.search(t):
            subject = _norm(definition.group(1))
            if len(subject.split()) <= 3 and any(
                    k == subject or subject.endswith(" " + k) or subject.startswith(k + " ") for k, _ in mentioned):
                return Route("not_answerable", 0.6, "rules", f"asks what '{subject}' is: the papers only mention it")
        if definition and not own and not mentioned and not history and not _SYNTH.search(t):
            subject = _norm(re.sub(r"^(?:an?|the)\s+", "", definition.group(1)))
            tail = norm_tokens[:-1] if norm_tokens[-1:] == ["work"] and subject.split()[-1:] != ["work"] else norm_tokens
            corrected = " ".join(tail[-len(subject.split()):]) if subject else ""
            subject_words = [w for w in corrected.split() if w not in _STOP]
            if subject_words and len(subject.split()) <= 4 and not _has(_PAPER_ASPECTS, subject) and \
                    not re.search(r"[A-Z0-9]", _definition_raw(q, len(subject.split()))) and \
                    c.phrase_df(corrected) != 1 and c.phrase_df(subject) != 1:
                return Route("not_answerable", 0.55, "rules", f"general definition of '{subject}'")

        # 9. a follow-up with nothing to carry: the answer stage asks which paper is meant
        if singular_ref and not history and words <= 10 and not _MULTI.search(t):
            described = re.search(r"\bthe ((?:[\w\-]+ ){1,3})one\b", t)
            if described and not _has(r"^(?:first|second|third|last|latter|former|same|other|new|old|\w+est) $",
                                      described.group(1)):
                return Route("paper", 0.6, "rules", f"one paper described by its topic ('the {described.group(1)}one')")
            return Route("paper", 0.55, "rules", "follow-up without history: the answer will ask which paper")

        by_authors = c.paper_of_surnames(norm_tokens)
        if by_authors is not None and not _MULTI.search(t) and not _COUNT.search(t) and not _has(r"\bpapers\b", t):
            title = self.papers[by_authors].title
            return Route("paper", 0.65, "rules", f"names the authors of one paper ({title[:50]})")

        scores = self.knn_scores(knn_text)

        # 10. several papers wanted, or one paper described by its topic
        if _has(r"\bthe [\w\- ]{1,40} paper,? and the [\w\- ]{1,40} paper\b|^(?:and )?what about\b.*\b(?:or|and)\b", t):
            return Route("synthesis", 0.75, "rules", "names two papers by their topics")
        if _has(r"^(?:on|in|for|across) how many of the \d+\b", t):
            return Route("paper", 0.65, "rules", "asks how many of one paper's items")
        if compare and not _has(r"\b(?:this|that|a|one) paper\b", t) and not _has(
                r"\b(?:previous|prior|existing|earlier|baseline|standard|traditional) (?:[\w\-]+ ){0,3}(?:methods|approaches|works|models|algorithms)\b", t) and \
                _has(r"\b(?:papers|methods|approaches|works|models|algorithms|ones|two|both)\b|"
                            r"\b(?:with|and|(?<!according )to|from|versus|vs\.?) the (?:[\w\-]+ ){0,5}(?:one|paper|work|method|study)\b", t):
            return Route("synthesis", 0.8, "rules", "compares several papers or methods")
        if _has(r"\b(?:which|what) papers?\b", t) and _has(r"\beach of them\b|\bdifferences? between\b", t):
            return Route("synthesis", 0.7, "rules", "asks for several papers and how they differ")
        if not _has(r"\beach of them\b|\bdifferences?\b|\bdiffer\b", t) and _has(
                r"\b(?:which|what) (?:paper|article|publication|preprint)\b|^(?:in )?which paper\b|"
                r"\bis there (?:a|one) (?:paper|article|publication)\b|"
                r"\bone of (?:the|these|his|their|your) (?:papers|works|publications)\b", t) and \
                not _has(r"\bwhich (?:papers|ones)\b|\b(?:is|was|are) one of\b|\bwhich one of\b", t):
            return Route("paper", 0.75, "rules", "asks which single paper")
        if _has(r"\b(?:is there )?anything(?: here| in (?:the|this) (?:collection|listing))? (?:on|about)\b|"
                r"\bis there (?:any )?(?:work|research|a paper) (?:on|about)\b", t) and \
                _has(r"\b(?:how does it|what does it|does it|is it|how did they|what did it)\b", t) and not _has(r"\bpapers\b", t):
            return Route("paper", 0.65, "rules", "looks for one paper on a topic, then asks about it")
        if _MULTI.search(t) and not _PAPER_SINGULAR.search(t):
            # commas kept: "analogy puzzles, theorem proving or abstract reasoning" lists alternatives
            listed = " , ".join(" ".join(c.correct(_norm(part).split())) for part in t.split(","))
            absent = self._absent_topic(listed) if words <= 15 and not foreign else None
            if absent:
                return Route("not_answerable", 0.65, "rules", f"no listed paper is about {absent}",
                             f"No paper in the collection is about {absent}.")
            return Route("synthesis", 0.8, "rules", "asks about a topic across papers")
        if words <= 9 and _has(r"^[\w\s/+&,\-]{3,60}\b(?:work|research|papers|stuff|studies)(?: (?:in|from) (?:this|the) "
                                r"(?:list|listing|collection)| here)?\s*\??$", t) and \
                not _has(r"^(?:how|why|when|where|what|who|does|did|do|can|is)\b", t):
            return Route("synthesis", 0.7, "rules", "a topic followed by 'work?' or 'papers?'")
        if _has(r"\bthe (?:[\w\-/]+\s+){1,4}(?:papers|works|methods|approaches)\b", t) and \
                not _has(r"\b(?:which|what) (?:one|paper)\b|\bone of\b", t):
            return Route("synthesis", 0.7, "rules", "asks about a group of papers")
        if _RESEARCHER_TOPIC.search(t) and not _has(r"\b(?:the|this|that|which|a|one) paper\b|\bpaper (?:on|about)\b", t):
            return Route("synthesis", 0.7, "rules", "asks about the researcher's work on a topic")
        best, share, margin = c.lexical_match(norm_tokens)
        titled, title_share, runner_up = c.title_overlap(norm_tokens)
        if titled is not None and title_share >= 0.5 and runner_up < 0.35 and not compare and \
                not _has(r"\b(?:papers|works|approaches|methods)\b", t):
            title = self.papers[titled].title
            detail = self._detail_not_in_abstract(t, norm_tokens, titled, own, foreign)
            if detail and not self._abstract_mentions(titled, detail) and not _has(r"\bthan\b", t):
                return self._detail_refusal(titled, detail, 0.6, f"asks for {detail}, which the abstract does not give")
            return Route("paper", 0.7, "rules", f"repeats the title of {title[:60]}{'...' if len(title) > 60 else ''}")
        single_mention = {p for _, e in mentioned for p in e.papers}
        if best is not None and not compare and not _has(r"\b(?:papers|works|approaches|methods|ones)\b", t) and (
                (margin >= 2.5 and share >= 0.6) or _NUMBER.search(t) or
                (len(single_mention) == 1 and all(len(e.papers) == 1 for _, e in mentioned))):
            knn = self._knn_route(scores)
            if knn.label in ("paper", "synthesis") or knn.confidence < 0.9:
                title = self.papers[best].title
                detail = self._detail_not_in_abstract(t, norm_tokens, best, own, foreign)
                if detail and share >= 0.6 and not self._abstract_mentions(best, detail) and not _has(r"\bthan\b", t):
                    return self._detail_refusal(best, detail, 0.55, f"asks for {detail}, which the abstract does not give")
                return Route("paper", 0.65, "rules",
                             f"points at one paper ({title[:60]}{'...' if len(title) > 60 else ''})")
        if _PAPER_SINGULAR.search(t) and not _SYNTH.search(t) and not _has(r"\bpapers\b", t):
            if best is not None and share >= 0.6:
                detail = self._detail_not_in_abstract(t, norm_tokens, best, own, foreign)
                if detail and not self._abstract_mentions(best, detail) and not _has(r"\bthan\b", t):
                    return self._detail_refusal(best, detail, 0.55, f"asks for {detail}, which the abstract does not give")
            knn = self._knn_route(scores, ("paper", "synthesis"))
            # the English embedder reads translated questions badly: there the explicit singular wins
            if knn.label == "synthesis" and knn.confidence >= 0.9 and not foreign:
                return knn
            return Route("paper", 0.7, "rules", "asks about one paper described by its topic")
        if _SYNTH.search(t) and not _PAPER_SINGULAR.search(t):
            knn = self._knn_route(scores)
            if knn.label != "synthesis" and knn.confidence >= 0.9:
                return knn
            return Route("synthesis", 0.65, "rules", "asks about a topic across papers")
        knn = self._knn_route(scores)
        if scores.max() < 0.35 and share < 0.6 and words <= 8 and not foreign and not history:
            # far from every labelled question and from the papers' words: "time complexity of quicksort?"
            return Route("not_answerable", 0.55, "rules", f"close to nothing in the collection ({knn.reason})")
        if knn.label == "not_answerable" and best is not None and margin >= 4.5 and words >= 10 and not history \
                and not foreign and scores[ROUTES.index("not_answerable")] - scores[ROUTES.index("paper")] < 0.15:
            # a long description whose rare words belong to one paper: that paper, not a question outside the collection
            title = self.papers[best].title
            return Route("paper", 0.5, "rules", f"describes one paper ({title[:50]}); {knn.reason}")
        gap = scores[ROUTES.index("synthesis")] - scores[ROUTES.index("paper")]
        if knn.label == "synthesis" and best is not None and margin >= 4.5 and words >= 10 and gap < 0.2 and \
                not history and not _PLURAL_CUE.search(t) and not _PLURAL_REF.search(t) and not foreign:
            title = self.papers[best].title
            return Route("paper", 0.5, "rules", f"describes one paper ({title[:50]}); {knn.reason}")
        if knn.label == "synthesis" and gap < 0.03 and not _PLURAL_CUE.search(t):
            return Route("paper", 0.5, "knn", f"{knn.reason}; singular wording tips it to paper")
        return knn

    # --- helpers ---------------------------------------------------------------
    def _fix_typos(self, t: str) -> str:
        """Misspelt question words ("wich", "mnay", "papres") fixed against a short list."""
        c = self.collection

        def fix(match: re.Match) -> str:
            word = match.group(0)
            if word in _FUNCTION_WORDS or word in c.common or word in c.vocab or not word.isascii() or len(word) < 3:
                return word
            close = [w for w in difflib.get_close_matches(word, _FUNCTION_WORDS, n=3, cutoff=0.74) if w[0] == word[0]]
            return close[0] if close else word

        return re.sub(r"[a-z]+", fix, t)

    def _carried(self, history: list[dict], depth: int) -> Route | None:
        """The route of the last user question in the history (itself routed with its own history)."""
        for i in range(len(history) - 1, -1, -1):
            turn = history[i]
            if isinstance(turn, dict) and turn.get("role", "user") == "user" and str(turn.get("content", "")).strip():
                return self._classify(str(turn["content"]), history[:i], depth + 1)
        return None

    def _metadata(self, t: str, tokens: list[str], own_papers: set) -> Route | None:
        c = self.collection
        single_paper = len(own_papers) == 1
        author = c.author_in(" ".join(tokens))
        profile_figure = _has(r"\bh[\s-]?index\b|\bnovelty\b|\bai score\b|\bcitations?\b|\bcited\b", t)
        if PER_PAPER_CITATIONS.search(t):
            return Route("not_answerable", 0.8, "rules", "asks for citations of single papers",
                         "The listing gives a citation count only for the profile as a whole, not for single papers.", listing_gap=True, settled=True)
        if profile_figure and OTHER_TIME.search(t):
            return Route("not_answerable", 0.75, "rules", "asks for a profile figure at another time",
                         "The listing has only the profile's current figures, not earlier or future ones.", listing_gap=True, settled=True)
        if _has(r"\b(?:which|what|name|list)\b.{0,30}\b(?:missing|left out|not (?:listed|included)|omitted)\b", t) and \
                not _COUNT.search(t):
            return Route("not_answerable", 0.7, "rules", "asks which papers the listing leaves out",
                         "The listing does not say which papers it leaves out, only that the header counts more.", listing_gap=True, settled=True)
        if profile_figure and (single_paper or author) and \
                not _has(r"\bpapers claimed\b|\bco-?author|\bwith\b", t):
            return Route("not_answerable", 0.8, "rules", "the listing has citation figures for the profile only", settled=True)
        if _has(r"\bh[\s-]?index\b|\bnovelty\b|\bai score\b|\bpapers claimed\b", t):
            return Route("metadata", 0.95, "rules", "asks for a profile figure")
        if _has(r"\bcitations?\b|\bcited\b", t) and not single_paper:
            return Route("metadata", 0.9, "rules", "asks about citations")
        if asks_listing_form(t) and not single_paper:
            return Route("metadata", 0.9, "rules", "asks for a count or ranking the listing computes")
        if _has(r"\b(?:how many|number of|count of) (?:co-?)?authors\b|\bauthor count\b|"
                r"\b(?:one|two|three|four|single|\d) (?:listed )?authors?\b", t):
            if single_paper and self.papers[next(iter(own_papers))].authors_truncated and \
                    not _has(r"\b(?:first|second|third) author\b|\bwho\b", t):
                title = self.papers[next(iter(own_papers))].title
                return Route("not_answerable", 0.7, "rules", "asks for the size of a truncated author list",
                             f"The listing shows only the first three authors of “{title}”, so its number of "
                             "authors is not in the collection.", settled=True)
            return Route("metadata", 0.85, "rules", "asks about the number of authors")
        coauthor = _has(r"\bco-?authors?\b|\bco-?authored\b|\bcoauthor\w*\b|\bcollaborat\w*\b|"
                        r"\bwritten (?:with|by)\b|\bwrote with\b", t) or (author and _has(r"\btogether with\b", t)) or (_has(r"\bwork(?:s|ed)? with\b", t) and (
                            author or _has(r"\bwork(?:s|ed)? with (?:him|the researcher|whom)\b|\bwho\b", t)))
        if coauthor and not single_paper:
            if _AUTHOR_TOPIC.search(t):
                return Route("synthesis", 0.65, "rules", "asks what joint papers are about")
            return Route("metadata", 0.92, "rules", "asks about co-authors")
        content = _content_tokens(tokens, c)
        topical = [w for w in content if w in c.vocab or w in c.compact]
        if author and not single_paper and _has(
                r"\bpapers?\b|\bwr[io]te\b|\bwritten\b|\bauthor\w*\b|\bpublish\w*\b|\bworks?\b|\banything\b|"
                r"\bwhich ones\b|\b(?:is|was|are) [\w\s\-]{2,40} on\s*\??$", t):
            subject = [w for w in topical if w not in c.author_tokens and w not in {"ones", "one", "papers", "paper"}]
            if _AUTHOR_TOPIC.search(t) or (subject and _has(r"\b(?:on|about|regarding|concerning|related to)\b", t)) or \
                    _has(r"\brelates?\b|\bcontent(?:-wise)?\b|\bcompar\w*\b|\bin common\b", t):
                return Route("synthesis", 0.7, "rules", "asks what an author's papers are about")
            return Route("metadata", 0.9, "rules", "asks which papers an author wrote")
        if _has(r"\b(?:first|last|sole|single|senior|lead|corresponding|only) author\b|\bauthor (?:order|position)\b|"
                r"\bsame (?:date|day|month|publication date)\b|"
                r"\b(?:alone|solo|single-authored|sole-authored)\b|\blongest title\b|\bshortest title\b|"
                r"\b(?:published|released|came out|appeared|dated)\b.{0,25}\b(?:january|february|march|april|may|june|july|"
                r"august|september|october|november|december)\b", t) and not single_paper:
            return Route("metadata", 0.85, "rules", "asks about author positions, titles or dates")
        if _has(r"\bauthors?\b|\bwho (?:wrote|writes|published)\b", t) and _has(
                r"\bmost\b|\bfrequent\w*\b|\boften\b|\bmany\b|\ball (?:the )?authors\b|\bdistinct\b|\bunique\b", t) \
                and not single_paper:
            return Route("metadata", 0.85, "rules", "asks about authors across the listing")
        if _has(r"\b(?:posted|published|released|came out|come out|appeared|submitted|dated|from|in)\b.{0,12}\b(?:january|"
                r"february|march|april|may|june|july|august|september|october|november|december)\b", t) and \
                _has(r"\bpapers\b|\bwhich\b|\bhow many\b|\bany\b", t) and not single_paper:
            return Route("metadata", 0.85, "rules", "asks about publication months")
        if _has(r"\btag(?:s|ged)?\b|\blabel(?:s|led)?\b|\bsection\b|\bclassified (?:as|under)\b|\bmarked as\b", t) and \
                {w.upper() for w in tokens} & c.categories and not single_paper:
            return Route("metadata", 0.9, "rules", "asks about a category tag")
        affiliation_hits = set(tokens) & c.affiliation_words - ({"mit"} if _GERMAN.search(t) else set())  # German "mit"
        affiliation_hits = {w for w in affiliation_hits if not re.search(rf"\b{re.escape(w)}'s\b", t)  # "OpenAI's GPT models"
                            and not re.search(rf"\b{re.escape(w)}-\w", t)}  # "meta-learning"
        if (_BIB_STRONG.search(t) or (affiliation_hits and _has(r"\bpapers?\b|\bhow many\b|\bwhich\b", t)
                                      and not _has(r"\b(?:this|that|a|the|one) paper\b", t) and len(tokens) <= 30)
                                  or (affiliation_hits and len(tokens) <= 5)) \
                and not single_paper:
            return Route("metadata", 0.9, "rules", "asks about categories or affiliations")
        if single_paper:
            return None
        # counts and lists over years, code, categories: metadata unless a topic narrows them
        topical = [w for w in topical if w not in c.affiliation_words and w not in _RANGE_WORDS]
        one_paper = _PAPER_SINGULAR.search(t) and not _has(r"\bpapers\b|\bpublications\b|\barticles\b", t)
        has_year = bool(_YEAR.search(t))
        if _RECENCY.search(t):
            if topical and _has(r"\b(?:on|about|regarding|related to|concerning|involving|using)\b", t):
                return Route("synthesis", 0.65, "rules", "most recent work on a topic")
            return Route("metadata", 0.88, "rules", "asks about publication dates")
        if _CODE_META.search(t) and _has(r"\bpapers?\b|\bwhich\b|\bhow many\b|\bany\b|\bwhat\b|\bdoes\b|\bdo\b", t) \
                and not _has(r"\bcode (?:generation|completion|models?)\b", t):
            if topical and _has(r"\b(?:on|about|regarding|related to|concerning|involving)\b", t):
                return Route("synthesis", 0.6, "rules", "code availability for a topic")
            return Route("metadata", 0.88, "rules", "asks about code availability")
        counting = _COUNT.search(t) and _has(
            r"\b(?:how many|number of|count of|count the|count|total number of|total)\s+(?:\w+\s+){0,3}?"
            r"(?:papers?|publications?|articles?|titles)\b|\bhow many\b(?:\s+\w+){0,2}\s+(?:did|has|have|had)\s+"
            r"(?:he|they|the researcher|the group|the author)\s+(?:\w+\s+)?(?:published|publish|wrote|write|"
            r"written|released|authored|co-?authored)\b|\b(?:papers|publications|articles)\b.{0,30}\b(?:how many|"
            r"in total|count)\b", t)
        listing = _LIST_PAPERS.search(t) or (has_year and _has(r"\b(?:papers|publications|articles|titles|works)\b", t))
        if counting or (listing and has_year) or (has_year and _TIME_WORDS.search(t) and _has(
                r"\b(?:papers?|publications?|articles?|works?|what|which|anything)\b", t)):
            if topical and one_paper:
                return None  # "how many tasks does the paper on X solve?": about one paper
            if topical:
                return Route("synthesis", 0.7, "rules",
                             "count or list that needs topic judgement (" + " ".join(topical[:3]) + ")")
            return Route("metadata", 0.9, "rules", "count or list over the listing's fields")
        if listing and not topical and _has(r"\ball\b|\blist\b|\btitles\b|\bevery\b", t):
            return Route("metadata", 0.8, "rules", "lists the papers")
        return None


def asks_several(question: str) -> bool:
    """A question across papers or a comparison (for a decline that the papers' evidence overturns)."""
    t = _translate(question)
    return bool(_MULTI.search(t) or (_COMPARE.search(t) and not _PAPER_SINGULAR.search(t)))


def get_router(settings, papers: list[Paper], llm=None, owner: str = "") -> OfflineRouter | LLMRouter:
    """The offline router, wrapped in the LLM router when a chat model is given; `owner` is the profile's name
    (else the collection's most frequent author, see `collection_owner`)."""
    from .embeddings import get_embedder

    offline = OfflineRouter(get_embedder(settings), papers, cache_dir=settings.cache_dir, owner=owner)
    if llm is None:
        return offline
    return LLMRouter(llm, papers, offline)
