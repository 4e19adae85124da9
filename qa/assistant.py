"""Question → route → strategy → checked answer. The one object the CLI and the UI use.

Routes (decomposed prompting): `metadata` is computed from the records,
`paper`/`synthesis` retrieve and answer with citations (an LLM when configured,
else extractive), `not_answerable` declines plainly.
"""
from __future__ import annotations

import logging
import re
import threading
import time
from pathlib import Path
from typing import Iterator

import numpy as np

from .papers import Paper
from .types import Answer, AnswerEvent, Citation, Filters, Hit, Query, Source
from .citations import CITATION, best_quote, claims_by_citation, cited_numbers, remove_invalid_citations
from . import answer_sentences, evidence
from .errors import LLMError, QAError
from .kinds import COUNT, asks_comparison, synthesis_kind
from .extractive import (SELECTION, Candidates, SynthesisPlan, answer_one_paper, answer_several, clean_sentence,
                         described_comparison, gather_candidates, key_sentences, plan_synthesis, topic_query,
                         without_set_aside, writes)
from .llm import get_llm
from .forms import FOREIGN, forms, names_its_category, scope_form, without_titles
from .field_counts import dates_apart, dates_compared, shared_authors
from .metadata import answer_metadata, form_answer, listing_holds, needs_paper_context
from .question import (MAX_COMPARED, alternatives, comparison_targets, fold, given_as_examples, names_paper,
                       parse_filters, question_names)
from .text import (forms_in_passing, forms_listed, glossed_words, mentioned_phrase, quoted_phrases, says,
                   without_glosses, without_words)
from .retrieval import MIN_FOREIGN, MULTILINGUAL_MAX_PAPERS, Retriever
from .router import get_router
from .understand import FOLLOW_UP, Reader, dangling_reference, refers_back
from .tokens import count_tokens, truncate_tokens

log = logging.getLogger(__name__)
PROMPTS = Path(__file__).resolve().parent.parent / "prompts"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")  # undecodable argv bytes, or a JSON "\ud800": not text
# Markdown a chat box carries ("**What** is `FRePo`? [x](javascript:…)"): its words are the question, not the markup
# or a link's target (the models never met markup: no labelled question writes any)
_MARKDOWN_LINK = re.compile(r"\[([^\]\n]{0,200})\]\((?:[^()\s]|\([^()\s]*\)){0,500}\)")
_MARKDOWN_EMPHASIS = re.compile(r"(?<!\w)\*\*(\S(?:.{0,200}?\S)?)\*\*(?!\w)|(?<!\w)__(\S(?:.{0,200}?\S)?)__(?!\w)|"
                                r"(`+)(\S(?:.{0,200}?\S)?)\3")
RELATED = 0.45          # a refusal names neighbours only above this dense similarity
ALTERNATIVE_HITS = 3    # papers searched for each item of a list the question offers ("X, Y or Z")
SYNTHESIS_EXTRA = 3     # a synthesis considers at least k + 3 papers (which ones stay: extractive.select_papers)
MAX_ANSWER_TOKENS = 512


def _prompt(name: str) -> str:
    return (PROMPTS / name).read_text(encoding="utf-8")


def clean_question(question: str, limit: int) -> str:
    if not isinstance(question, str):
        raise QAError("the question must be text")
    question = _SURROGATE.sub("\ufffd", _CONTROL.sub(" ", question)).strip()
    question = _MARKDOWN_EMPHASIS.sub(lambda m: m.group(1) or m.group(2) or m.group(4),
                                      _MARKDOWN_LINK.sub(r"\1", question)).strip()
    if not question:
        raise QAError("the question is empty: ask something about the papers")
    if len(question) > limit:
        raise QAError(f"the question is too long ({len(question):,} characters; the limit is {limit:,})")
    return question


def clean_history(history) -> list[dict]:
    if history is None:
        return []
    if not isinstance(history, list) or not all(
            isinstance(m, dict) and m.get("role") in ("user", "assistant", "system") for m in history):
        raise QAError('history must be a list of {"role": "user"|"assistant", "content": "..."} messages')
    out = []
    for message in history[-12:]:  # the recent turns are what a follow-up refers to
        content = message.get("content", "")
        if isinstance(content, list):  # Gradio's content blocks
            content = " ".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
        out.append({"role": message["role"],
                    "content": _SURROGATE.sub("\ufffd", _CONTROL.sub(" ", str(content)))[:4000]})
    return out


def _whole_names(question: str, names: list[str], papers: list[Paper]) -> list[str]:
    """The names of a list of names, those written one after another taken as one ("Common Crawl, Penn Treebank or
    GSM8k": "Common" alone is a word most abstracts write), unless together they are words of a title (a paper's
    name is not a thing its abstract writes). A single name of several words is left in its words, as before: a
    follow-up that sets the paper under discussion against Diffusion Inversion asks about both."""
    whole: list[str] = []
    for name in names:
        joined = f"{whole[-1]} {name}" if whole else ""
        if joined and re.search(rf"(?<![\w-]){re.escape(joined)}(?![\w-])", question) and \
                not any(says(p.title, joined) for p in papers):
            whole[-1] = joined
        else:
            whole.append(name)
    return whole if len(whole) > 1 else names


class Assistant:
    """Loads the store, embedder, router and LLM once; safe to share between threads."""

    def __init__(self, settings, retriever: Retriever | None = None, llm=None, use_llm: bool = True):
        self.settings = settings
        self.retriever = retriever or Retriever(settings)
        self.embedder = self.retriever.embedder
        # Warnings every answer carries, e.g. that the local model could not start on this machine.
        self.startup_warnings: list[str] = []
        try:
            self.llm = llm if llm is not None else (get_llm(settings) if use_llm else None)
        except LLMError as exc:  # the answers are still checked extractive ones: say why, don't fail
            log.warning("%s", exc)
            self.llm = None
            self.startup_warnings.append(f"{exc}; answers are extractive instead")
        self._router = None
        self._router_version = None
        self._lock = threading.Lock()
        self.reader = Reader(settings, self.retriever, self.router, self.llm)

    # collection -------------------------------------------------------------
    @property
    def papers(self):
        return self.retriever.papers

    @property
    def profile(self):
        return self.retriever.profile

    @property
    def mode_label(self) -> str:
        if self.llm:
            return f"LLM: {self.llm.model}"
        return "extractive — the LLM could not start" if self.startup_warnings else "extractive — no LLM configured"

    def _llm_routes(self) -> bool:
        """The bundled 135M model routes worse than the intent model (measured), so it never routes."""
        if self.llm is None or self.settings.router in ("offline", "model"):
            return False
        tiny = getattr(self.llm, "server", None) is not None or "smollm" in self.llm.model.lower()
        return self.settings.router == "llm" or not tiny

    def router(self):
        index = self.retriever.index()
        with self._lock:
            if self._router is None or self._router_version != index.manifest.version:
                self._router = get_router(self.settings, index.papers, self.llm if self._llm_routes() else None,
                                          owner=index.manifest.profile.name)
                self._router_version = index.manifest.version
            return self._router

    # answering -------------------------------------------------------------
    def ask(self, question: str, history=None, k: int | None = None, filters: Filters | None = None) -> Answer:
        answer = None
        for event in self.ask_stream(question, history, k, filters):
            if event.kind == "done":
                answer = event.answer
        return answer

    def ask_stream(self, question: str, history=None, k: int | None = None,
                   filters: Filters | None = None) -> Iterator[AnswerEvent]:
        started = time.perf_counter()
        question = clean_question(question, self.settings.max_question_chars)
        history = clean_history(history)
        k = k if k is not None else self.settings.k
        if not 1 <= k <= 100:
            raise QAError("k must be between 1 and 100")
        timings = {"route": 0.0, "retrieve": 0.0, "generate": 0.0, "total": 0.0}

        t = time.perf_counter()
        query = self.reader.read(question, history, k, filters)
        route = query.route
        timings["route"] = (time.perf_counter() - t) * 1000
        answer = Answer(question=question, route=route.label, mode="structured", model=None, answer="",
                        timings_ms=timings, route_reason=route.reason, warnings=list(self.startup_warnings))
        yield AnswerEvent("route", answer=answer)

        for event in self._answer(query, answer):
            if event.kind == "delta" and answer.first_text_ms is None:
                answer.first_text_ms = (time.perf_counter() - started) * 1000
            yield event
        timings["total"] = (time.perf_counter() - started) * 1000
        yield AnswerEvent("done", answer=answer)

    def read(self, question: str, history: list[dict] | None = None, k: int | None = None,
             filters: Filters | None = None) -> Query:
        """The question read once (`Reader.read`): its route, filters, the papers it names, its standalone text."""
        return self.reader.read(question, history, k, filters)

    def query_of(self, question: str, history: list[dict] | None = None, k: int | None = None,
                 filters: Filters | None = None) -> Query:
        """The question before the intent model reads it (`Reader.query_of`)."""
        return self.reader.query_of(question, history, k, filters)

    def _answer(self, query: Query, answer: Answer) -> Iterator[AnswerEvent]:
        route, question, filters = query.route, query.text, query.given
        if route.label == "metadata":
            yield from self._metadata(query, answer)
            return
        hits = found = first = None
        explanation = route.explanation
        decline = route.label == "not_answerable"
        if query.searched is not None:  # the route was read from the evidence (`read`): it stands
            hits, found = query.searched, query.evidence
            if decline and not hits:  # no paper passes the filters: `_retrieve_and_answer` names them
                decline = False
            if not decline and found is not None and found.supported and not query.filters.matches(found.paper):
                first = found.paper  # a sentence of a 2017 paper states it, and "WMT 2014" was read as a year
        if not decline:
            yield from self._retrieve_and_answer(query, answer, first=first, searched=hits)
            return
        hits = hits[:evidence.PAPERS] if hits else hits
        if not explanation and query.searched is not None:  # the model declined: say what the collection lacks
            explanation = evidence.explain_decline(question, self.reader.papers_meant(query), query.unknown,
                                                   english=query.foreign < MIN_FOREIGN)
        if route.listing_gap:  # "his h-index five years ago": say what the listing does have
            listing = answer_metadata(question, self.papers, self.profile, filters)
            explanation = listing.text if listing.understood and listing.text else explanation
        yield from self._refuse(question, answer, filters, explanation=explanation, hits=hits, found=found)

    def _metadata(self, query: Query, answer: Answer):
        history, filters, one_paper = query.history, query.given, query.route.one_paper
        # "the erliest paper", "the AI catgory": a word of the listing misspelt, read as the listing writes it
        question = self.retriever.index().function_words_mended(query.text)
        t = time.perf_counter()
        previous = [m["content"] for m in history if m["role"] == "user"]
        context = previous[-1] if previous and FOLLOW_UP.search(question) else ""
        # "which came out first, A or B?", "how long between A and B?": the dates of the papers it names or describes
        folded = fold(question)
        given = dict(previous_question=context, context_papers=self._paper_in_question(question, history, query.named)
                     if one_paper or needs_paper_context(question) else None,
                     among=self.reader.papers_named_in(history) if history and refers_back(question) else None)
        result = dates_apart(folded, self.reader.interval_pair(query)) or dates_compared(folded, query.named) or \
            shared_authors(folded, query.named) or \
            answer_metadata(question, self.papers, self.profile, filters, **given)
        timings = answer.timings_ms
        read_as = ""
        foreign = self.retriever.index().foreign_share(without_titles(question, query.named)) if query.named \
            else query.foreign
        if not result.understood and foreign < FOREIGN and \
                (spelled := self.retriever.index().english_spelled(question)) != question:
            # "which paper lists the most colaborators?": read again as spelled, when that reads as the listing's
            again = answer_metadata(spelled, self.papers, self.profile, filters, **given)
            result = again if again.understood else result
        if foreign >= FOREIGN and not history:
            result, read_as = self._as_form(query, result, filters)
            if read_as:
                answer.route_reason += f"; read as the bibliographic form \"{read_as}\""
        if not result.understood:  # not a bibliographic pattern we compute: say so, then answer from the papers
            answer.route_reason += "; no bibliographic pattern, answered from the papers"
            # "who wrote it and when?" still asks about the paper before it; other questions stand alone. A field of
            # one paper the listing could not link ("who wrote the distillation paper?") is left to the search.
            follows = bool(history) and (dangling_reference(question) or refers_back(question))
            # a count is answered by the papers it counts, however the model leans
            answer.route = "paper" if follows or one_paper else "synthesis" if COUNT.search(question) \
                else query.route.from_papers
            if not (follows or one_paper):  # a question about the listing, answered from one paper or several
                answer.warnings.append(listing_holds(self.papers, self.profile))
            yield from self._retrieve_and_answer(query if follows else query.standalone(self.settings.k), answer)
            return
        answer.mode = "structured"
        answer.answer = f"Read as: \"{read_as}\"\n\n{result.text}" if read_as else result.text
        answer.citations = [Citation(n=i, paper_id=p.paper_id, title=p.title, year=p.year, authors=p.authors,
                                     quote=_first_sentence(p.abstract)) for i, p in enumerate(result.papers, 1)]
        answer.sources = [Source(p.paper_id, p.title, p.year, 1.0) for p in result.papers]
        timings["generate"] = (time.perf_counter() - t) * 1000
        yield AnswerEvent("sources", answer=answer)
        yield AnswerEvent("delta", text=answer.answer)

    def _as_form(self, query: Query, result, filters):
        """(answer, the English form it was read as): a question in another language that qa.metadata did not read,
        or read without the category it writes ("ML 카테고리에 속한 논문은 몇 편인가요?" counted every paper) or only as
        a count of the whole listing, answered as the closest English form it fills (qa.forms), when that answer
        names them."""
        question = query.text
        if result.understood and not result.whole and names_its_category(question, result.text, self.papers):
            return result, ""
        form = forms().closest(question, self.papers, self.profile.name, query.named)
        if form is None and not result.understood:  # near no form: the papers of the category or tag it writes
            form = scope_form(question, self.papers)
        if form is None:
            return result, ""
        as_form = form_answer(form, self.papers, self.profile, filters)
        # over the listing's total (which also gives the profile's claimed count), only a reading that narrows the
        # papers: "how many papers does the profile give in all?" is no question about citations
        if as_form.understood and as_form.text and not (result.whole and (as_form.whole or not as_form.papers)) \
                and names_its_category(question, as_form.text, self.papers):
            return as_form, form.text
        return result, ""

    def _load_sentences(self, reader, hits: list[Hit]) -> None:
        """e5 sentence vectors of these papers into memory, from the disk cache (`qa ingest` wrote them) or computed
        once and written there; MiniLM's are loaded by the search itself."""
        if reader is not None and reader is not self.embedder:
            self.retriever.multilingual_sentences.get_many([h.paper for h in hits])

    def _sentence_reader(self, query: Query):
        """The embedder an extractive answer ranks abstract sentences with: e5 for a question in another
        language (the same bar as retrieval's), MiniLM otherwise."""
        return self.embedder if query.foreign < MIN_FOREIGN else self.retriever.multilingual_sentences.embedder

    def _refuse(self, question, answer: Answer, filters, why: str = "", explanation: str = "", hits=None,
                found: evidence.Evidence | None = None):
        t = time.perf_counter()
        if hits is None:
            hits = self.retriever.search(question, k=3, filters=filters)
            answer.timings_ms["retrieve"] = (time.perf_counter() - t) * 1000
        related = [h for h in hits if h.signals.get("dense", 0) >= RELATED and h.signals.get("lexical", 0) > 0.3
                   or found is not None and h.paper is found.paper and found.cosine >= RELATED]
        answer.route, answer.mode = "not_answerable", "refusal"
        text = why or "The collection does not cover this question, so I can't answer it from these papers."
        if explanation and not why:
            text = f"The collection does not cover this question: {explanation[0].lower()}{explanation[1:]}"
            if not text.endswith("."):
                text += "."
        nearest = found is not None and found.supported and next((h for h in related if h.paper is found.paper), None)
        if nearest:  # a sentence close to the question that does not answer it: shown, so the reader can judge
            related = [nearest] + [h for h in related if h is not nearest]
            quote = f"“{clean_sentence(found.sentence).rstrip('. ')}” [1]"
            text += f" What that abstract does say: {quote}" if f"“{found.paper.title}”" in text else \
                f" The nearest the collection comes is “{found.paper.title}” ({found.paper.year}): {quote}"
            text += "."
            if len(related) > 1:
                text += " Other close papers: " + "; ".join(f"{h.paper.title} ({h.paper.year})"
                                                            for h in related[1:]) + "."
            answer.citations = [_citation(1, nearest, found.sentence)]
        elif related:
            names = "; ".join(f"{h.paper.title} ({h.paper.year})" for h in related)
            text += f" The closest papers in the collection are: {names}."
        answer.answer = text
        answer.sources = [Source(h.paper.paper_id, h.paper.title, h.paper.year, h.score) for h in related]
        yield AnswerEvent("sources", answer=answer)
        yield AnswerEvent("delta", text=text)

    def _paper_in_question(self, question: str, history: list[dict], named: list[Paper] | None = None):
        """The one paper a per-paper question means: named in it (the one paper the question calls by its name, else
        the search's first), else the one under discussion."""
        if len(named or []) == 1:  # "where is the ACKTR code released": ACKTR's, whatever the search ranks first
            return list(named)
        if not FOLLOW_UP.search(question) or not history:
            hits = self.retriever.search(question, k=1)
            return [hits[0].paper] if hits else []
        carried = self.reader.papers_named_in(history)
        if carried:
            return carried[:1]
        previous = [m["content"] for m in history if m["role"] == "user"]
        hits = self.retriever.search(previous[-1], k=1) if previous else []
        return [hits[0].paper] if hits else []

    def _retrieve_and_answer(self, query: Query, answer: Answer, first=None, searched: list[Hit] | None = None):
        """`searched`: the evidence check's search of the same text with the filters set outside the question,
        reused when the question states no filter of its own."""
        question, history, k, filters = query.text, query.history, query.k, query.given
        if not history and dangling_reference(question):
            # "who wrote it?" with nothing before it: asking back beats guessing a paper
            answer.mode = "refusal"
            answer.answer = ("Which paper do you mean? This looks like a follow-up, but there is no earlier "
                             "question to refer to: name the paper or its method.")
            yield AnswerEvent("delta", text=answer.answer)
            return
        t = time.perf_counter()
        merged = query.filters
        if first is not None and not merged.matches(first):  # "WMT 2014" read as a year: the evidence says otherwise
            merged = filters or Filters()
        answer.filters = merged.describe()
        plan = None
        # a several-paper answer reads the question as the collection spells it; a one-paper answer as typed (its
        # sentences are ranked with a bonus for the paper's name, which a mended name would hand the definition)
        asked = question
        if answer.route == "synthesis":
            asked = self.asked(query)
            candidates = self.query_candidates(query, merged)
            hits = candidates.hits
        else:
            same = searched is not None and merged == (query.given or Filters())
            hits = list(searched) if same else self.retriever.search(query.search_text, k=max(k, 3), filters=merged)
        if first is not None:  # the paper whose sentence supports the answer leads
            hits = sorted(hits, key=lambda h: h.paper.paper_id != first.paper_id)
        elif answer.route == "paper" and not history:
            hits = self._named_paper_first(query, hits, merged)
        answer.timings_ms["retrieve"] = (time.perf_counter() - t) * 1000
        if not hits:
            scope = f" matching {answer.filters}" if answer.filters else ""
            yield from self._refuse(question, answer, None,
                                    why=f"No paper in the collection{scope} answers this question.")
            return
        if answer.route == "synthesis":
            plan = plan_synthesis(candidates)
            hits = plan.hits
        answer.sources = [Source(h.paper.paper_id, h.paper.title, h.paper.year, h.score) for h in hits]
        yield AnswerEvent("sources", answer=answer)
        t = time.perf_counter()
        router_failed = query.route.llm_error
        if self.llm is not None and router_failed:  # it just failed (often: timed out): don't wait twice
            answer.warnings.append(f"{router_failed}: extractive answer shown instead")
        elif self.llm is not None:
            streamed = []
            try:
                for delta in self._generate(question, hits, answer.route, plan):
                    streamed.append(delta)
                    yield AnswerEvent("delta", text=delta)
                self._finish_llm("".join(streamed), hits, answer)
                answer.timings_ms["generate"] = (time.perf_counter() - t) * 1000
                if answer.mode == "llm":
                    return
            except LLMError as exc:
                answer.warnings.append(f"{exc}: extractive answer shown instead")
            if streamed:
                yield AnswerEvent("reset")
        reader = self._sentence_reader(query)
        self._load_sentences(reader, hits)
        pieces = self._extractive(asked, hits, answer, plan, reader,
                                  answering=self._answering(query, hits[0].paper) if plan is None else None,
                                  stating=self._stating(query) if plan is not None else None,
                                  part_answering=self._part_answering(query, hits[0].paper) if plan is None else None)
        answer.timings_ms["generate"] = (time.perf_counter() - t) * 1000
        for piece in pieces:
            yield AnswerEvent("delta", text=piece)

    def asked(self, query: Query) -> str:
        """The question an answer reads: as the collection spells it ("Bayesain" is "Bayesian"), unless a follow-up
        was rewritten to stand alone (its own words are then the ones to quote for)."""
        mended = self.reader.evidence_text(query)
        return mended if query.search_text == query.text else query.text

    def query_candidates(self, query: Query, filters: Filters | None = None) -> Candidates:
        """`synthesis_candidates` for a question read into `query` (what `qa ask` and the selection's training read)."""
        return self.synthesis_candidates(self.asked(query), query.history, query.k,
                                         query.filters if filters is None else filters,
                                         search_text=self.reader.evidence_text(query),
                                         reader=self._sentence_reader(query))

    def synthesis_candidates(self, question: str, history: list[dict] | None = None, k: int | None = None,
                             filters: Filters | None = None, pool: int | None = None,
                             search_text: str | None = None, reader=None) -> Candidates:
        """What a several-paper answer chooses its papers from (`extractive.select_papers`): a pool of retrieved
        papers with their evidence, and the papers a comparison names. `search_text` is the Query's, when the
        question has been read already; `reader` the embedder its sentences are ranked with."""
        history = history or []
        if filters is None:
            filters = parse_filters(question, self.papers, owner=self.profile.name)
        # what the question rules out ("rankings of models don't count") is not what to look for
        question = without_set_aside(question)
        query = without_set_aside(search_text) if search_text is not None else \
            self.reader.search_query(question, history)
        if query == question:
            query = topic_query(question)
        pool = pool or max((k or self.settings.k) + SYNTHESIS_EXTRA, SELECTION.pool)
        hits = self.retriever.search(query, k=pool, filters=filters)
        offered = alternatives(query)
        if offered:  # "GAN, VAE or normalizing flows": each item searched alone too; a paper keeps its best score
            best = {h.paper.paper_id: h for h in hits}
            for item in offered:
                for hit in self.retriever.search(item, k=ALTERNATIVE_HITS, filters=filters):
                    if hit.paper.paper_id not in best or hit.score > best[hit.paper.paper_id].score:
                        best[hit.paper.paper_id] = hit
            hits = sorted(best.values(), key=lambda h: -h.score)[:pool]
        vector = self.retriever.multilingual.encoder.query(question)
        counts = synthesis_kind(question, 0, vector) == "count"
        holders = self._rare_name_papers(question, filters, counts) or \
            self._shared_word_papers(offered, filters, counts, question)
        if holders:  # every paper that writes the one rare name the question asks about is a candidate
            have = {h.paper.paper_id for h in hits}
            hits += [h for h in holders if h.paper.paper_id not in have]
        compares = asks_comparison(question, vector)
        named = self._compared_papers(question, filters, history, compares)
        self._load_sentences(reader, hits + named)
        written = frozenset(h.paper.paper_id for h in holders)
        examples = given_as_examples(question, question_names(question))
        # "which entries discuss the learning rate?": the papers that write the phrase are among the answer's,
        # searched for it and kept among the candidates the selection reads (of 28 labelled questions that list or
        # count papers so, every paper writing it is expected; expected cited 0.868 → 0.921, precision 0.839 → 0.851)
        said = self._phrase_papers(mentioned_phrase(question), filters)
        if said:
            ids, room = {h.paper.paper_id for h in said}, SELECTION.pool - len(said)
            first = {h.paper.paper_id for h in hits[:room]}
            hits = hits[:room] + [h for h in said if h.paper.paper_id not in first] + [
                h for h in hits[room:] if h.paper.paper_id not in ids]
        said = frozenset(h.paper.paper_id for h in said)
        candidates = gather_candidates(question, query, hits, reader or self.embedder, named, self.papers,
                                       by_author=bool(filters.author),
                                       named_term=frozenset() if examples else written,
                                       examples=(written if examples else frozenset()) | said,
                                       multilingual=self.retriever.multilingual.z_scores(query, self.papers),
                                       similarity=self.retriever.multilingual.similarities(
                                           [h.paper for h in hits[:SELECTION.pool]], len(self.papers)),
                                       vector=vector)
        if compares and not named and candidates.kind == "topic" and not history:
            called = [Hit(p, 1.0, "", "", {"named": 1.0}) for p in self.router().papers_called_in(question)] or \
                self.reader.described_pair(question, filters)
            # a question in another language that names or describes no two papers: "compare the papers on graph
            # networks" in Korean asks about a set of papers, which `extractive._ABOUT_MANY` reads only in English
            if called or self.retriever.index().foreign_share(question) < FOREIGN:
                candidates = described_comparison(candidates, called)
        return candidates

    def _named_paper_first(self, query: Query, hits: list[Hit], filters: Filters) -> list[Hit]:
        """The hits with the one paper the question names first, searched for when the best hits miss it: a question
        that names ACKTR but asks about its computation ranks an ensemble paper's abstract first and ACKTR's not at
        all. (Of 2,616 labelled questions that name one paper, 10 miss it so.) The evidence's hits are only reordered
        (`understand._named_first`): the model reads the search as it is, and six of those ten are unanswerable."""
        named = list({p.paper_id: p for p in query.named}.values())
        if len(named) != 1 or any(h.paper.paper_id == named[0].paper_id for h in hits):
            return hits
        deeper = self.retriever.search(query.search_text, k=min(100, len(self.papers)), filters=filters)
        found = [h for h in deeper if h.paper.paper_id == named[0].paper_id]
        return found + hits[:len(hits) - 1] if found else hits

    def _rare_name_papers(self, question: str, filters: Filters, counts: bool = False) -> list[Hit]:
        """The papers that write the one name the question asks about, when between one and `SELECTION.most`
        papers do ("which papers use MuJoCo?"; for a count, up to `SELECTION.pool`), or any of the names it lists
        ("MuJoCo or Atari"); [] when no name of the question is that rare, or several are and not as a list. Each
        name is searched (its exact word ranks the papers that write it first), so the cost does not grow with the
        collection. Phrases the question quotes are looked for in every abstract, any of them; so, for a count, are
        the phrase it mentions and the English words a question in another language writes. `counts`: the
        question asks how many (`kinds.synthesis_kind`)."""
        # a count is answered by every paper that writes the name, up to the candidates a synthesis reads
        most = SELECTION.pool if counts else SELECTION.most

        def writing(phrases: list[str]) -> list[Hit]:
            whole = forms_listed(phrases)  # "parameter or parameters": each whole, not "parameterized"
            return [Hit(p, 0.0, p.title, "") for p in self.papers
                    if filters.matches(p) and any(writes(p, phrase, whole) for phrase in phrases)]

        quoted = quoted_phrases(question)
        # (the question's language is read only when it glosses a word or writes forms of one English word: most
        # synthesis questions do neither)
        glossed = [] if quoted else glossed_words(question) or self._forms_the_papers_write(forms_in_passing(question))
        if glossed and self.retriever.index().foreign_share(without_glosses(question)) >= FOREIGN:
            # a word the question glosses in English ("(reasoning)"): the papers that write it, when two or more do
            # (one paper writing it is a narrower word than the question's: "(curvature) or second-order methods")
            holders = writing(glossed)
            if 2 <= len(holders) <= SELECTION.pool or counts and holders:
                return holders
        if quoted:
            # "the phrase 'X' or 'Y'": the text asked about, read in every abstract
            # (a search for two common words ranked 2 of the 6 papers that write them in its best 9)
            holders = writing(quoted)
            # the papers that write it are the answer, whether counted or listed ("which abstracts use the word X?");
            # a count is every one of them, however many (27 of 50 abstracts write "propose")
            return holders if len(holders) <= SELECTION.pool or counts else []
        if counts and (phrase := mentioned_phrase(question)) and len(holders := writing([phrase])) >= 2:
            # "how many abstracts mention sparse rewards?": the papers that write the phrase, when two or more do
            # (not the nearest papers the selection keeps: "human evaluation" was counted 6 where 2 write it)
            return holders
        index = self.retriever.index()
        # (an English question, with no word outside English, is not read for runs)
        runs = index.english_runs(question) if counts and index.foreign_share(question) > 0 else []
        if runs and index.foreign_share(without_words(question, runs)) >= FOREIGN:
            # a count in another language of the English words it writes ("Koľko záznamov používa slovo challenge
            # alebo challenging?"): every paper that writes one
            return [Hit(p, 0.0, p.title, "") for p in index.papers_writing(runs) if filters.matches(p)]
        found = {}
        for name in _whole_names(question, question_names(question), self.papers):
            near = self.retriever.search(name, k=most + 1, filters=filters)
            holders = [h for h in near if writes(h.paper, name)]
            if 1 <= len(holders) <= most:
                found[name] = holders
        if len(found) > 1:
            # "MuJoCo, Atari or DMLab" (not a name it sets apart: "but not ProcGen"): papers writing any name listed
            any_name = "(?:" + "|".join(re.escape(n) for n in sorted(found, key=len, reverse=True)) + ")"
            run = re.search(rf"{any_name}(?:(?:\s*(?:,|/|\bor\b|\band\b))+\s*{any_name})+", question)
            listed = [holders for n, holders in found.items() if run and n in run.group(0)]
            either = list({h.paper.paper_id: h for holders in listed for h in holders}.values())
            return either if len(listed) > 1 and len(either) <= most else []
        return next(iter(found.values()), [])

    def _forms_the_papers_write(self, forms: list[str]) -> list[str]:
        """The forms of one English word a question in another language writes unglossed ("kata dataset atau
        datasets"), when the papers write each of them (not a word of that language: "model" and "modelu")."""
        return forms if all(any(writes(p, form, True) for p in self.papers) for form in forms) else []

    def _phrase_papers(self, phrase: str, filters: Filters) -> list[Hit]:
        """The papers that write the phrase, of those its own search ranks among a synthesis's candidates."""
        near = self.retriever.search(phrase, k=SELECTION.pool, filters=filters) if phrase else []
        return [h for h in near if says(f"{h.paper.title} {h.paper.abstract}", phrase)][:SELECTION.most]

    def _shared_word_papers(self, offered: list[str], filters: Filters, counts: bool = False,
                            question: str = "") -> list[Hit]:
        """The papers that write the one word every item of the question's list shares (`evidence.shared_word`:
        "memory cost or memory savings": memory, in any form), when two to `SELECTION.most` papers do (for a count, up
        to `SELECTION.pool`); else []."""
        word, start = evidence.shared_word(offered, question)
        if not word:
            return []
        holders = [Hit(p, 0.0, p.title, "") for p in self.papers if filters.matches(p) and (
            says(f"{p.title} {p.abstract}", word) if start else evidence.writes_word(p, word))]
        return holders if 2 <= len(holders) <= (SELECTION.pool if counts else SELECTION.most) else []

    def _compared_papers(self, question: str, filters: Filters, history: list[dict] | None = None,
                         compares: bool = False) -> list[Hit]:
        """The papers a comparison (`compares`: `kinds.asks_comparison`) names, in the question's order:
        those the question calls by a name of their own (a title, its head, an acronym: what the router
        recognises), then the things `comparison_targets` reads off the question, found one search each (one search
        for "A and B" favours whichever is easier to match); a follow-up ("how does it differ from X?") adds the
        paper under discussion. [] when fewer than two papers are named (a comparison of topics is a topic
        question)."""
        if not compares:
            return []
        named = [Hit(p, 1.0, "", "", {"named": 1.0}) for p in self.router().papers_called_in(question)]
        seen = {h.paper.paper_id for h in named}
        for target in comparison_targets(question):
            found = self.retriever.search(target, k=1, filters=filters)
            if found and names_paper(target, found[0].paper) and found[0].paper.paper_id not in seen:
                named.append(found[0])
                seen.add(found[0].paper.paper_id)
        if history and len(named) < 2 and FOLLOW_UP.search(question):
            named = [Hit(p, 1.0, "", "", {"named": 1.0}) for p in self.reader.papers_named_in(history)
                     if p.paper_id not in seen] + named
        return named if 2 <= len(named) <= MAX_COMPARED else []

    # strategies -------------------------------------------------------------
    def _answering(self, query: Query, paper) -> np.ndarray | None:
        """How likely each abstract sentence of `paper` states what the question asks (qa.answer_sentences); None
        where the collection's e5 sentence vectors are not computed."""
        stating = self._stating(query)
        return stating(paper) if stating is not None else None

    def _part_answering(self, query: Query, paper):
        """parts of the question -> for each, how likely each abstract sentence of `paper` states it (None where
        the e5 sentence vectors are not computed); the parts are encoded in one batch."""
        if len(self.papers) > MULTILINGUAL_MAX_PAPERS:
            return None
        named = paper.paper_id in {p.paper_id for p in self.reader.papers_meant(query)}

        def answering(parts: list[str]) -> list:
            vectors = self.retriever.multilingual.encoder.queries(parts)
            sentence_vectors = self.retriever.multilingual_sentences.get(paper)
            return [answer_sentences.model().of_paper(part, vector, paper, sentence_vectors, 0, named)
                    for part, vector in zip(parts, vectors)]
        return answering

    def _stating(self, query: Query):
        """`_answering` for any paper of the question (the question read once): paper -> probabilities or None."""
        if len(self.papers) > MULTILINGUAL_MAX_PAPERS:
            return None
        text = without_set_aside(self.reader.evidence_text(query))  # what "besides X, …" asks is not X
        vector = self.retriever.multilingual.encoder.query(text)
        meant = {p.paper_id for p in self.reader.papers_meant(query)}
        return lambda paper: answer_sentences.model().of_paper(
            text, vector, paper, self.retriever.multilingual_sentences.get(paper), 0, paper.paper_id in meant)

    def _extractive(self, question, hits: list[Hit], answer: Answer, plan: SynthesisPlan | None = None,
                    reader=None, answering: np.ndarray | None = None, stating=None, part_answering=None) -> list[str]:
        """Sets the answer; returns it in pieces (sentences, list items, table rows) to stream one by one.
        `reader`: the embedder the abstract sentences are ranked with; `answering`: the answer-sentence model's
        probabilities for the first paper's sentences; `stating`: the same for any paper (`_stating`);
        `part_answering`: the same for each part of a question of several (`_part_answering`)."""
        answer.mode, answer.model = "extractive", None
        reader = reader or self.embedder
        if plan is None or len(hits) == 1 and plan.kind != "count":
            text, quotes = answer_one_paper(question, hits[0], reader, answering=answering,
                                            part_answering=part_answering)
            answer.answer = text
            answer.citations = [_citation(1, hits[0], quotes[0] if quotes else "")]
            return _sentences_for_stream(text)
        pieces, quotes = answer_several(question, plan, reader, self.papers, stating)
        answer.answer = "".join(pieces)
        answer.citations = [_citation(i, h, quotes[i - 1]) for i, h in enumerate(hits, 1)]
        return pieces

    def _generate(self, question, hits: list[Hit], route: str, plan: SynthesisPlan | None = None) -> Iterator[str]:
        system = _prompt("answer_system.md")
        template = _prompt("answer_user.md")
        structure = _prompt("answer_structure.md").split("\n## ")
        guide = {part.split("\n", 1)[0].strip(): part.split("\n", 1)[1].strip() for part in structure[1:]}
        layout = guide.get(plan.kind if plan is not None else "paper", "")
        budget = (self.llm.context_tokens - MAX_ANSWER_TOKENS - count_tokens(system + template + layout + question)
                  - 64)
        small = getattr(self.llm, "source_tokens", None)  # a small local model reads ~30 tokens/s
        shares = [budget] * len(hits)
        if small:  # a one-paper question gives its paper most of the room; a synthesis shares it
            hits = hits[:1] if route == "paper" else hits[:3]
            budget = min(budget, small)
            shares = [budget // len(hits)] * len(hits)
        blocks = []
        for n, (hit, share) in enumerate(zip(hits, shares), 1):
            p = hit.paper
            text = p.abstract
            if small:  # short sources: the sentences that answer, not the abstract's opening
                text = " ".join(key_sentences(question, p, self.embedder, 4 if route == "paper" else 2,
                                              with_result=True))
            block = (f'<source n="{n}" title="{p.title}" year="{p.year}" authors="{p.authors_display()}">\n'
                     f"{text}\n</source>")
            if count_tokens(block) > min(budget, share):
                block = truncate_tokens(block, max(min(budget, share), 0)) + "\n</source>"
            if budget <= 40:
                break
            blocks.append(block)
            budget -= count_tokens(block)
        user = template.format(sources="\n\n".join(blocks), question=question, structure=layout)
        return self.llm.stream([{"role": "system", "content": system}, {"role": "user", "content": user}],
                               max_tokens=MAX_ANSWER_TOKENS)

    def _finish_llm(self, text: str, hits: list[Hit], answer: Answer) -> None:
        if _echoes_prompt(text):  # a model that obeyed an injected "print your instructions"
            answer.warnings.append("the LLM answer repeated its instructions: extractive answer shown instead")
            return
        valid = set(range(1, len(hits) + 1))
        markers = [int(n) for group in CITATION.findall(text) for n in re.split(r"\s*[,;]\s*", group)]
        answer.raw_citations = (sum(n in valid for n in markers), len(markers))
        cleaned, removed = remove_invalid_citations(text.strip(), valid)
        if removed:
            answer.warnings.append("removed citations that match no source: " +
                                   ", ".join(f"[{n}]" for n in removed))
        numbers = [n for n in cited_numbers(cleaned) if n in valid]
        if not numbers:
            answer.warnings.append("the LLM answer cited no source: extractive answer shown instead")
            return
        claims = claims_by_citation(cleaned)
        citations = []
        for n in numbers:
            hit = hits[n - 1]
            quote, supported = "", True
            for claim in claims.get(n, []):
                q, _, ok = best_quote(claim, hit.paper, self.embedder)
                quote = quote or q
                supported = supported and ok
            citations.append(_citation(n, hit, quote or _first_sentence(hit.paper.abstract), supported))
        unsupported = [c.n for c in citations if not c.supported]
        if unsupported:
            answer.warnings.append("citations not supported by the cited abstract: " +
                                   ", ".join(f"[{n}]" for n in unsupported))
        answer.mode, answer.model, answer.answer, answer.citations = "llm", self.llm.model, cleaned, citations


_SHINGLE = 8  # words


def _shingles(text: str) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i:i + _SHINGLE]) for i in range(len(words) - _SHINGLE + 1)}


_PROMPT_SHINGLES: set[str] = set()


def _echoes_prompt(text: str) -> bool:
    """Whether text reproduces 8 consecutive words of the answer prompts."""
    if not _PROMPT_SHINGLES:
        for name in ("answer_system.md", "answer_user.md", "answer_structure.md", "rewrite_followup.md"):
            _PROMPT_SHINGLES.update(_shingles(_prompt(name)))
    return bool(_shingles(text) & _PROMPT_SHINGLES)


def _first_sentence(text: str) -> str:
    from .chunks import split_sentences

    sentences = split_sentences(text)
    return sentences[0] if sentences else text[:300]


def _citation(n: int, hit: Hit, quote: str, supported: bool = True) -> Citation:
    p = hit.paper
    return Citation(n=n, paper_id=p.paper_id, title=p.title, year=p.year, authors=list(p.authors),
                    quote=quote, supported=supported)


def _sentences_for_stream(text: str) -> list[str]:
    """Extractive answers arrive sentence by sentence (keeps the UI's streaming path uniform)."""
    parts = re.split(r"(?<=[.!?\]])(\s+)", text)
    out, current = [], ""
    for part in parts:
        current += part
        if not part.strip():
            out.append(current)
            current = ""
    if current:
        out.append(current)
    return out
