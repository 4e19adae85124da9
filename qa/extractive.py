"""Answers without an LLM: the abstract sentences that answer the question, each cited.

For one paper: the two or three sentences closest to the question (numbers favoured when it asks for a quantity), and
what the paper found, in the abstract's order. For several papers (`plan_synthesis`, then `answer_several`): only the
papers relevant enough, a lead sentence that answers (a count, a span of years, what they share), then the evidence:
in date order for "how did X evolve" / "when did X start", a side-by-side table when two or three papers are compared,
by relevance otherwise. Every sentence is the abstract's own, cleaned for reading ("we" → "the authors", inline LaTeX
→ Unicode), so every citation is supported by construction.
"""
from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from .chunks import split_sentences
from .citations import content_words
from .evidence import count_stating
from .kinds import COUNT, EVOLUTION, synthesis_kind
from .papers import Paper
from .question import COMPARE, MAX_COMPARED, question_names
from .paper_record import facts_sentence, listing_facts
from .names import contribution, introduced_name
from .rerank import SentenceVectors
from .selection import model as selection_model
from .sources.latex import LatexError, latex_to_text
from .text import (LINK, MENTIONED, ONE_PAPER_ASKED, asks_only_the_course, forms_listed, quoted_phrases, says,
                   says_name, word_families)
from .threads import as_written, common_thread
from .types import Hit

QUANTITY = re.compile(r"\b(how (much|many|well|fast|large|big)|accuracy|score|percent|improv\w*|cost|size|"
                      r"number|tokens?|rate|faster|speed ?up|reach|achiev\w*|results?|performance|outperform\w*|"
                      r"combien|cu[aá]nto|wie viel)\b|%", re.IGNORECASE)
DEFINES = re.compile(r"\b(we (propose|introduce|present|develop|address|describe)|is an?|this paper|"
                     r"in this (paper|work))\b", re.IGNORECASE)
_CONTRIBUTES = re.compile(r"\b(?:we|this (?:paper|work|note|study)|the authors?) (?:propose|introduce|present|develop|"
                          r"describe)|\bin this (?:paper|work)\b|\bhere,? we\b", re.IGNORECASE)
# where or on what a paper was tried out, and the sentences that say so ("Empirically, FR solves toy minimax
# problems and improves … GAN training")
_TESTING_ASKED = re.compile(r"\b(?:test(?:s|ed|ing)?|evaluat(?:e|ed|ing)|benchmarked|validated|tried|experiments?)\b|"
                            r"\b(?:which|what|on) (?:\w+ ){0,2}(?:datasets?|benchmarks?)\b", re.IGNORECASE)
_TESTED = re.compile(r"\b(?:empirical(?:ly)?|experiments?|experimental(?:ly)?|evaluat\w*|benchmarks?|datasets?|"
                     r"tested|appl(?:y|ied|ies) (?:\S+ ){0,3}to|"
                     r"on (?:the )?(?:\S+ ){0,3}(?:tasks?|games?|domains?|suite))\b",
                     re.IGNORECASE)
_CONTEXT_ASKED = re.compile(r"\b(?:problems?|challenges?|motivat\w*|why|limitations?|issues?|difficult\w*|gap|"
                            r"shortcomings?|background|before|prior|existing|previous|cannot|can't|fails?|unable)\b",
                            re.IGNORECASE)
# how much less a sentence that sets the scene counts: on the 519 one-paper questions of JJ–TT with strings an answer
# must include, 0.1 finds 913 of 992 (0 finds 903; 0.15 the same 913)
SCENE = 0.1


def _sentence_vectors(embedder, paper: Paper, sentences: list[str]) -> np.ndarray:
    """Sentence vectors per paper: the re-ranker's, so a search has usually computed them already."""
    return SentenceVectors(embedder).get(paper)


def _on_common_scale(embedder, cosines: np.ndarray) -> np.ndarray:
    """Cosines as MiniLM spreads them, whichever embedder ranked the sentences (`MultilingualEmbedder`)."""
    return rescale(cosines) if (rescale := getattr(embedder, "on_minilm_scale", None)) is not None else cosines


def rank_sentences(question: str, paper: Paper, embedder, question_vector=None,
                   answering: np.ndarray | None = None) -> list[tuple[float, int, str]]:
    """(score, position, sentence) for each abstract sentence, best first. `answering`: the answer-sentence model's
    probability for each sentence (qa.answer_sentences), which then decides, the cosine score only breaking ties."""
    sentences = split_sentences(paper.abstract) or [paper.abstract]
    qv = question_vector if question_vector is not None else embedder.embed([question])[0]
    sims = _on_common_scale(embedder, _sentence_vectors(embedder, paper, sentences) @ qv)
    # the title's words are every sentence's topic: the question's other words tell its sentences apart (of "which
    # minimax-optimization extras does it allow?" about a minimax-optimization paper, "extras" and "allow" count)
    q_words = content_words(question) - content_words(paper.title) or content_words(question)
    wants_number = bool(QUANTITY.search(question))
    asks_cost = bool(re.search(r"\b(cost|price|expensive|cheap|budget|dollars?)\b", question, re.IGNORECASE))
    asks_testing = bool(_TESTING_ASKED.search(question))  # "where was it tested?": the sentence on experiments
    # the sentences before the one that says what the paper does set the scene ("Although current reinforcement
    # learning algorithms …"): they answer only a question about the problem, or when nothing after them does
    opening = 0 if _CONTEXT_ASKED.search(question) else next(
        (i for i, s in enumerate(sentences) if _CONTRIBUTES.search(s)), 0)
    ranked = []
    for i, (sentence, sim) in enumerate(zip(sentences, sims)):
        overlap = len(q_words & content_words(sentence)) / max(len(q_words), 1)
        score = float(sim) + getattr(embedder, "word_overlap", 0.35) * overlap - (SCENE if i < opening else 0.0)
        if wants_number and re.search(r"\d", sentence):
            score += 0.15
        if asks_cost and re.search(r"[$€£]\s?\d|\bcompute\b|\bGPU[- ]hours?\b", sentence):
            score += 0.3
        if asks_testing and _TESTED.search(sentence):
            score += 0.15
        if DEFINES.search(sentence):
            score += 0.08  # "we propose X" answers "what is X" better than a result does
        if answering is not None and len(answering) == len(sentences):
            score = stating_score(answering, (score, i, sentence))
        ranked.append((score, i, sentence))
    ranked.sort(key=lambda t: -t[0])
    return ranked


TIE_BREAK = 0.05  # weight of the cosine score under the answer-sentence model's probability


def stating_score(answering: np.ndarray, ranked: tuple[float, int, str]) -> float:
    """A (score, position, sentence) ranked by the answer-sentence model's probability, cosine breaking ties."""
    return float(answering[ranked[1]]) + TIE_BREAK * ranked[0]


# a sentence that reports what the paper found, with or without a number
FINDING = re.compile(r"\b(?:we|the authors|results|experiments|evaluations?) (?:also |further |empirically )?(?:show|"
                     r"demonstrate|find|found|observe|confirm|indicate|suggest)|\bwe (?:evaluate|test)\b|"
                     r"\boutperform\w*|\bstate[- ]of[- ]the[- ]art\b", re.IGNORECASE)
RESULT = re.compile(r"(\d[\d.,]*\s*(%|x\b|times|points?|B\b|M\b|billion|million)|\$\d|"
                    r"\b(outperform\w*|improv\w*|achiev\w*|reach\w*|surpass\w*)\b.*\d)", re.IGNORECASE)


# where a question asks a second thing ("How long were the sequences?", "..., and what search method helps?")
# ("..., and on which benchmarks was it tested?": a preposition may come first)
_NEXT_PART = re.compile(r"\?\s+(?=\S)|[,;]\s*(?:and\s+)?(?:(?:on|in|at|for|from|by|with|to|of|about|under|against)\s+)?"
                        r"(?=(?:what|which|how|who|when|where|why)\b)|"
                        r"\s+and\s+(?:(?:on|in|at|for|from|by|with|to|of|about|under|against)\s+)?"
                        r"(?=(?:what|which|how|who|when|where|why)\b)", re.IGNORECASE)


def question_parts(question: str) -> list[str]:
    """The separate asks of a question of several parts (each of at least three words); [] for one ask."""
    parts = [p.strip(" ?,;") for p in _NEXT_PART.split(question)]
    parts = [p for p in parts if len(p.split()) >= 3]
    return parts if len(parts) > 1 else []


# what the question sets aside ("Besides faster generation, what …?"): its words point at the sentences not wanted
# and a later sentence that rules something out ("which papers share weights? Ensembles don't count.")
_SET_ASIDE = re.compile(r"\b(?:besides|apart from|aside from|other than)\b[^,?]{1,60},|"
                        r"(?<=[.?!])\s+[^.?!]*\b(?:don't|doesn't|do not|does not|wouldn't|shouldn't) count\b"
                        r"[^.?!]*[.?!]?",
                        re.IGNORECASE)


def without_set_aside(question: str) -> str:
    return _SET_ASIDE.sub(" ", question).strip()


# the answer-sentence model's weight against closeness for one part of a question of several (docs/ROUTER.md, "Stop
# 51": it picks better sentences on the bundled listing than alone on collections it never saw)
PART_STATING = 1.0


def key_sentences(question: str, paper: Paper, embedder, limit: int, question_vector=None,
                  with_result: bool = False, answering: np.ndarray | None = None, part_answering=None) -> list[str]:
    """The best sentences, in abstract order; optionally plus the headline result with its number. A question of
    several parts gets the best sentence for each part too, by closeness and by how likely the answer-sentence model
    finds it states the part (`part_answering`: parts -> for each, probabilities of the paper's sentences or None)."""
    def usable(ranked: list) -> list:
        if re.search(r"\b(url|link|website|webpage|site|code|github|download)\b", question, re.IGNORECASE):
            return ranked
        return [r for r in ranked if not LINK.search(r[2])] or ranked  # a link answers nothing here

    if _SET_ASIDE.search(question):  # "besides faster sampling, what does it allow?": not the sentence on speed
        question, question_vector = without_set_aside(question), None
    ranked_all = rank_sentences(question, paper, embedder, question_vector)
    ranked = usable(ranked_all)
    best = ranked[0][0]
    chosen = [r for r in ranked[:limit] if r[0] >= best - 0.25] or ranked[:1]
    if answering is not None and len(answering) == len(ranked_all):
        # the sentence the answer-sentence model finds likeliest to state the answer, with the closest context
        stating = max(ranked, key=lambda r: stating_score(answering, r))
        chosen = [stating] + [r for r in chosen if r[1] != stating[1]][:limit - 1]
    own = introduced_name(paper.title, paper.abstract)
    parts = question_parts(question)
    for part, stated in zip(parts, part_answering(parts) if parts and part_answering else [None] * len(parts)):
        # the paper's own name says which paper, not which of its sentences: "what does CEVAE assume about the
        # hidden confounders, and …?" is answered by the sentence on what is assumed, not the one that says CEVAE
        unnamed = re.sub(rf"(?<![\w-]){re.escape(own)}(?![\w-])", " ", part) if own else part
        ranked_part = usable(rank_sentences(unnamed if len(content_words(unnamed)) >= 2 else part, paper, embedder))
        counted = count_stating(part, [r[2] for r in ranked_part])  # "into how many types …?": "… four types"
        top = ranked_part[counted if counted is not None else 0]
        if stated is not None and counted is None and len(stated) == len(ranked_all):
            top = max(ranked_part, key=lambda r: r[0] + PART_STATING * float(stated[r[1]]))
        if all(top[1] != r[1] for r in chosen):
            chosen.append(top)
    # words the question asks about that the chosen sentences leave out ("… and names the dynamics bottleneck and
    # the early-termination dilemma"): the sentence that writes two or more of them too
    left = content_words(question) - content_words(paper.title) - set().union(*(content_words(s) for _, _, s in chosen))
    writes = max(((len(left & content_words(r[2])), -r[1], r) for r in ranked if all(r[1] != c[1] for c in chosen)),
                 default=(0, 0, None))
    if writes[0] >= 2:
        chosen.append(writes[2])
    if with_result and not any(RESULT.search(s) for _, _, s in chosen):
        # "what is X" is best answered by what X is *and* what it achieved: the headline number, else what the
        # authors show (MEGA: better sample efficiency on maze navigation and block stacking, with no figure)
        result = next((r for r in ranked if RESULT.search(r[2])), None)
        if result is None and len(chosen) < 3 and not any(FINDING.search(s) for _, _, s in chosen):
            result = max((r for r in ranked if r not in chosen and FINDING.search(r[2])), key=lambda r: r[1],
                         default=None)
        if result is not None:
            chosen.append(result)
        if not any(_TESTED.search(s) or FINDING.search(s) for _, _, s in chosen):
            # and where it was tried, when no sentence chosen says: a question that describes a paper already holds
            # what it does, and the sentence that says where it was shown to work (else what it found) adds
            tested = next((r for pattern in (_TESTED, FINDING) for r in ranked
                           if r not in chosen and pattern.search(r[2])), None)
            if tested is not None:
                chosen.append(tested)
    return [s for _, _, s in sorted(_completed(question, chosen, ranked_all), key=lambda r: r[1])]


def _with_claim(question: str, paper: Paper, sentences: list[str]) -> list[str]:
    """The sentences, plus, for "which entry does X?", the first later one that says what the paper found or
    introduced in other words than the question's: the question already says what the paper does (on 258 labelled
    English questions that ask so, `must_include` 0.886 → 0.908, none lost, 3.3 → 3.7 sentences an answer)."""
    if not ONE_PAPER_ASKED.search(question) or not sentences:
        return sentences
    order, asked = {s: i for i, s in enumerate(split_sentences(paper.abstract))}, content_words(question)
    first = min(order.get(s, 0) for s in sentences)
    claim = [s for s, i in order.items() if i > first and s not in sentences and not LINK.search(s) and
             _CLAIM.search(s) and len(content_words(s) & asked) <= 1][:1]
    return sorted([*sentences, *claim], key=lambda s: order.get(s, -1))


_CLAIM = re.compile(FINDING.pattern + r"|\b(?:we|the authors) (?:also |further |then |additionally )?(?:introduce|"
                    r"propose|present|prove|characteri[sz]e|establish|identify|determine)\b|\bour (?:results|"
                    r"experiments|findings|analysis)\b", re.IGNORECASE)


# a short sentence that announces a list its next sentences give ("It rests on two components.", "Graphormer adds
# three structural encodings."): quoted alone it answers nothing. Of the 34 abstract sentences of the bundled and
# other collections that end on a counted plural, the 15 of at most 12 words all announce a list the next ones give;
# so do the 5 short ones that open with the count ("Three ideas make this possible.", docs/ROUTER.md "Stop 50")
_ANNOUNCES = re.compile(r"(?<!\bthese )(?<!\bthose )(?<!\bthe )\b(two|three|four|five)\s+(?:[\w-]+\s+){0,2}[a-z-]+s"
                        r"(?:\s+of\s+[a-z-]+s)?\s*[.:]$|"
                        r"^(two|three|four|five)\s+(?:[\w-]+\s+){0,2}[a-z-]+s\b[^.:;]{0,40}[.:]$", re.IGNORECASE)
_COUNTED = {"two": 2, "three": 3, "four": 4, "five": 5}
_REFERS = re.compile(r"\b(?:these|those|such)\s+([a-z-]+)", re.IGNORECASE)
# "orthogonal to these previous approaches", "to address these challenges": a sentence that points back to the kinds
# of work or problem the sentence before it names (24 of the 3,539 sentences of the bundled and other collections)
_POINTS_BACK = re.compile(r"\b(?:these|those)\s+(?:[a-z-]+\s+)?(?:approaches|methods|works|techniques|algorithms|"
                          r"models|issues|problems|challenges|limitations|shortcomings|schemes)\b", re.IGNORECASE)


def _completed(question: str, chosen: list, ranked: list) -> list:
    """The chosen (score, position, sentence)s, plus what they only point to: the sentences that give a list a
    chosen sentence announces, and the sentence before one that says "these inputs" when the question asks about
    the inputs and that sentence names them, or that says "these approaches" or "these challenges"."""
    by_position = {r[1]: r for r in ranked}
    asked = content_words(question)
    added = list(chosen)
    for _, i, sentence in chosen:
        announced = _ANNOUNCES.search(sentence)
        if announced and len(sentence.split()) <= 12:
            count = _COUNTED[(announced.group(1) or announced.group(2)).lower()]
            added += [by_position[j] for j in range(i + 1, i + 1 + count) if j in by_position]
        referred = {w for m in _REFERS.finditer(sentence) for w in content_words(m.group(1))} & asked
        if i - 1 in by_position and (referred and referred & content_words(by_position[i - 1][2]) or
                                     _POINTS_BACK.search(sentence)):
            added.append(by_position[i - 1])
    return list({r[1]: r for r in added}.values())


_FIRST_PERSON = [(re.compile(r"\bWe\b"), "The authors"), (re.compile(r"\bwe\b"), "the authors"),
                 (re.compile(r"\bOur\b"), "Their"), (re.compile(r"\bour\b"), "their"),
                 (re.compile(r"\bOurs\b"), "Theirs"), (re.compile(r"\bours\b"), "theirs"),
                 (re.compile(r"\bus\b"), "them")]


def clean_sentence(sentence: str) -> str:
    """An abstract sentence made readable: first person to "the authors" (and any LaTeX left to Unicode)."""
    text = sentence
    if "\\" in text or re.search(r"\$[^$]+\$", text):  # ingest cleans LaTeX; an index built before it did not
        try:
            text = latex_to_text(text, plain=True)
        except LatexError:
            pass
    text = text.replace("---", "—").replace("--", "–").replace("``", "“").replace("''", "”")
    # "we" only; "Ours" in a results table sense is rare in abstracts
    if re.search(r"\b(we|our|ours|us)\b", text, re.IGNORECASE):
        for pattern, replacement in _FIRST_PERSON:
            text = pattern.sub(replacement, text)
        text = re.sub(r"\bthe authors (is|was|has)\b", lambda m: "the authors " + {"is": "are", "was": "were",
                                                                                   "has": "have"}[m.group(1)], text)
    return re.sub(r"\s{2,}", " ", text).strip()


def _cite(sentence: str, n: int) -> str:
    sentence = clean_sentence(sentence).rstrip()
    if sentence.endswith((".", "!", "?")):
        return f"{sentence[:-1]} [{n}]{sentence[-1]}"
    return f"{sentence} [{n}]."


def _with_contribution(question: str, paper: Paper, sentences: list[str]) -> list[str]:
    """The sentences, plus the one where the authors name what they introduce when neither they, the title nor the
    question name it: a question that describes a paper ("which method clusters trajectories …") is answered by
    that name (ESPER), and the sentences closest to its wording often leave it out."""
    found = contribution(paper.title, paper.abstract)
    if found is None or found[0] in sentences:
        return sentences
    said = " ".join([question, *sentences]).casefold()
    if any(re.search(rf"(?<!\w){re.escape(name.casefold())}(?!\w)", said) for name in found[1]):  # "APE", not "paper"
        return sentences
    order = {s: i for i, s in enumerate(split_sentences(paper.abstract))}
    return sorted([*sentences, found[0]], key=lambda s: order.get(s, -1))


def answer_one_paper(question: str, hit: Hit, embedder, n: int = 1, answering: np.ndarray | None = None,
                     part_answering=None) -> tuple[str, list[str]]:
    """(answer text, the sentences quoted). Record facts (authors, date, affiliations, code, category) come from
    the listing, all of those asked in one sentence. `answering`, `part_answering`: as for `key_sentences`."""
    p = hit.paper
    facts = listing_facts(question, p)
    if facts:
        return facts_sentence(p, facts, n), [split_sentences(p.abstract)[0] if p.abstract else p.title]
    sentences = key_sentences(question, p, embedder, limit=3, with_result=True, answering=answering,
                              part_answering=part_answering)
    sentences = _with_claim(question, p, _with_contribution(question, p, sentences))
    body = " ".join(_cite(s, n) for s in sentences)
    return f"From “{p.title}” ({_year(p)}): {body}", sentences


# --- several papers -----------------------------------------------------------------------------------------
STARTS = re.compile(r"\b(when did|since when|start|began|begin|first|earliest|came before)\b", re.IGNORECASE)
BACKGROUND = re.compile(r"^(recent(ly)?|in recent years|over the (past|last)|nowadays|today)\b", re.IGNORECASE)
# "We present DreamerV3, …" over "Dreamer learns a model of the environment …" in a several-paper answer: on the
# labelled synthesis sets of stops 10–17 a bonus of 0.2 to 0.5 lifts `must_include` 0.861 → 0.879 (the strings are
# mostly the systems' names, which these sentences write); 0.1 changes nothing (docs/EVAL.md, "Stop 28")
AUTHORS_SAY = re.compile(r"\b(we|our|the authors|this (paper|work)|here)\b", re.IGNORECASE)
CONTRIBUTION = 0.3

# Which papers a synthesis cites (`select_papers`): each candidate's *evidence* is its hybrid retrieval score, plus
# how well its best abstract sentence answers the question (cosine + the share of the question's content words it
# repeats, as `rank_sentences` scores sentences), plus `coverage` × the idf-weighted share of the question's words
# that its title and abstract contain (so that a rare word such as "Minecraft" counts for more than "agents"). The
# best paper is cited, and every other whose evidence is at least `relative` of the runner-up's (`reference`) and at
# least `floor`, at most `most` papers; a comparison cites exactly the papers it names. The thresholds are chosen
# by `tools/synthesis_sweep.py`: the best worst-case min(precision, recall) over the development sets (docs/EVAL.md).
SENTENCE_OVERLAP = 0.35


@dataclass(frozen=True)
class Selection:
    pool: int = 20                  # candidates considered (retrieved for a synthesis)
    coverage: float = 0.5           # weight of the idf-weighted share of the question's words a paper contains
    relative: float = 0.9           # evidence at least this share of the reference paper's (below) ...
    floor: float = 0.0              # ... and at least this (measured: every floor tried only lost recall)
    evolution_relative: float = 0.7  # "how did X evolve" / "how many papers": the whole line of work, a looser bar
    most: int = 8                   # never more papers than this (a broad question is not answered by a list)
    reference: int = 2              # the paper compared with: the best (1) or the runner-up (2: one paper that
                                    # matches the question word for word does not push out the others)
    of_best: float = 0.4            # and at least this share of the best paper's (a far runner-up is not cited)

    def replace(self, **changes) -> "Selection":
        return dataclasses.replace(self, **changes)

    def describe(self) -> str:
        return ", ".join(f"{k}={v:g}" for k, v in dataclasses.asdict(self).items())


SELECTION = Selection()


@dataclass
class SynthesisPlan:
    kind: str                      # "compare" | "evolution" | "count" | "topic"
    hits: list[Hit] = field(default_factory=list)   # in citation order
    by_author: bool = False        # one author's papers (`Candidates.by_author`)


@dataclass
class Candidates:
    """What the selection decides from: the retrieved papers (best first), the parts of their evidence, and the
    papers a comparison names."""
    question: str
    kind: str
    hits: list[Hit]
    sentence: list[float]           # per hit: its best sentence's score against the query
    coverage: list[float]           # per hit: the idf-weighted share of the query's words it contains
    named: list[Hit] = field(default_factory=list)
    by_author: bool = False         # the hits are one author's papers (a filter): their whole line of work counts
    # the papers whose text has the one rare name the question asks about ("Minecraft", "MuJoCo"): exactly those
    named_term: frozenset = frozenset()
    # per hit: the multilingual-e5 cosine of the question with the paper, standardised over the collection
    multilingual: list[float] = field(default_factory=list)
    # per hit: its five best sentence scores, best first (a paper about the topic has several close sentences, a
    # paper near it one)
    sentences: list[list[float]] = field(default_factory=list)
    # the pool's papers' cosines with one another (multilingual-e5, whole abstracts), None past
    # `retrieval.MULTILINGUAL_MAX_PAPERS`: a paper like the ones the answer is surely about is likely on its topic
    similarity: np.ndarray | None = None
    # the papers that write a name the question gives as an example ("RNNs such as LSTMs"): cited beside the
    # model's choice, which finds the papers about the kind it stands for
    examples: frozenset = frozenset()

    def evidence(self, selection: Selection | None = None) -> list[float]:
        selection = selection or SELECTION
        return [h.signals.get("hybrid", h.score) + s + selection.coverage * c
                for h, s, c in zip(self.hits, self.sentence, self.coverage)]

    def pool(self) -> list[Hit]:
        """The candidates a selection considers, best retrieved first."""
        return self.hits[:SELECTION.pool]


def sentence_scores(query: str, hits: list[Hit], embedder) -> list[np.ndarray]:
    """Per hit: the score of each of its abstract sentences against the query (cosine + word overlap)."""
    if not hits:
        return []
    qv = embedder.embed([query])[0]
    words = content_words(query)
    vectors = SentenceVectors(embedder).get_many([h.paper for h in hits])
    out = []
    for hit, vecs in zip(hits, vectors):
        sentences = split_sentences(hit.paper.abstract) or [hit.paper.abstract or hit.paper.title]
        sims = _on_common_scale(embedder, vecs @ qv)
        overlap = np.array([len(words & _words(s)) / max(len(words), 1) for s in sentences][:len(sims)])
        out.append(sims[:len(overlap)] + SENTENCE_OVERLAP * overlap if len(overlap) else sims)
    return out


def word_coverage(query: str, hits: list[Hit], collection: list[Paper] | None) -> list[float]:
    """Per hit: the idf-weighted share of the query's content words (those the collection has) in its title and
    abstract, leaving out the question's framing ("what has been done", "work", "papers"). Without the collection,
    every word weighs the same."""
    words = content_words(_FRAMING.sub(" ", query))
    idf = _idf(collection) if collection else {}
    if idf:
        words = {w for w in words if w in idf}
    total = sum(idf.get(w, 1.0) for w in words)
    if not total:
        return [0.0] * len(hits)
    return [sum(idf.get(w, 1.0) for w in words & _words(f"{h.paper.title} {h.paper.abstract}")) / total
            for h in hits]


_idf_cache: dict[tuple, dict[str, float]] = {}


def _idf(collection: list[Paper]) -> dict[str, float]:
    key = (len(collection), collection[0].content_hash(), collection[-1].content_hash())
    idf = _idf_cache.get(key)
    if idf is None:
        df = Counter(w for p in collection for w in _words(f"{p.title} {p.abstract}"))
        idf = {w: math.log((len(collection) + 1) / (n + 0.5)) for w, n in df.items()}
        _idf_cache.clear()
        _idf_cache[key] = idf
    return idf


_words_cache: dict[str, frozenset[str]] = {}


def _words(text: str) -> frozenset[str]:
    words = _words_cache.get(text)
    if words is None:
        words = frozenset(content_words(text))
        if len(_words_cache) > 50000:
            _words_cache.clear()
        _words_cache[text] = words
    return words


_FRAMING = re.compile(r"\b(how (did|has|have|does|do)|when (did|does|do|was|were)|what came (before|after|next)|"
                      r"how many|number of|evolv\w*|evolution|over (the )?(years|time)|timeline|history|start\w*|"
                      r"began|begin\w*|first|earliest|latest|most recent|work|works|research|papers?|articles?|"
                      r"publications?|studies|study|done|changed?|developed|progress\w*|in the collection|"
                      r"is|are|was|were|there|about|on|the|and|what|which|of|its|it|this|that)\b", re.IGNORECASE)


def topic_query(question: str) -> str:
    """What an evolution or count question is about, without its framing ("When does the LLM work start, and
    what came before?" → "LLM"): the framing words match every abstract equally badly and drown the topic."""
    if not (EVOLUTION.search(question) or COUNT.search(question)):
        return question
    topic = re.sub(r"[^\w\s-]", " ", _FRAMING.sub(" ", question))
    topic = re.sub(r"\s+", " ", topic).strip()
    return topic if re.search(r"[A-Za-z]{2,}", topic) else question


def writes(paper: Paper, name: str, whole: bool = False) -> bool:
    """The paper's title or abstract writes the name (any case, as a word start: "CIFAR" in "CIFAR-10", or as a whole
    word when `whole`; an acronym's plural in its singular too: "GPUs" in "single-GPU training")."""
    return says_name(f"{paper.title} {paper.abstract}", name, whole)


def gather_candidates(question: str, query: str, hits: list[Hit], embedder, named: list[Hit] | None = None,
                      collection: list[Paper] | None = None, by_author: bool = False,
                      named_term: frozenset = frozenset(), multilingual: dict[str, float] | None = None,
                      similarity: np.ndarray | None = None, vector: np.ndarray | None = None,
                      examples: frozenset = frozenset()) -> Candidates:
    """`multilingual`: per paper id, the question's multilingual-e5 cosine with it, standardised over the
    collection (`retrieval.MultilingualPaperVectors.z_scores`); `similarity`: the first `SELECTION.pool` hits'
    cosines with one another (`retrieval.MultilingualPaperVectors.similarities`); `vector`: the question's
    multilingual-e5 vector, which the kind of answer is read from (`synthesis_kind`)."""
    named = _unique(named or [])
    kind = synthesis_kind(question, len(named), vector)
    scores = sentence_scores(query, hits, embedder)
    return Candidates(question, kind, list(hits), [float(s.max()) for s in scores],
                      word_coverage(query, hits, collection), named, by_author, named_term,
                      [(multilingual or {}).get(h.paper.paper_id, 0.0) for h in hits],
                      [np.sort(s)[::-1][:5].round(4).tolist() for s in scores], similarity, examples)


# a question about sets of papers ("model-free RL in these papers", "which methods ...?"), not two it describes
_ABOUT_MANY = re.compile(r"\b(?:papers|works|studies|articles|entries|abstracts|methods|approaches|publications)\b|"
                         r"^\W*which\b", re.IGNORECASE)


_TWO = re.compile(r"\b(?:two|both)\b", re.IGNORECASE)


def described_comparison(candidates: Candidates, called: list[Hit]) -> Candidates:
    """A comparison of papers it describes rather than names ("the preconditioning paper and the one-gradient-step
    paper"): the papers it calls by name, then those the selection model finds likeliest, two in all. With it, 99 of
    101 labelled comparisons are answered side by side (65 without), 93 with exactly the papers asked about, and none
    of 401 other synthesis questions is (a question about sets of papers, `_ABOUT_MANY`, stays a topic)."""
    if _ABOUT_MANY.search(candidates.question) and not (len(called) == 2 and _TWO.search(candidates.question)):
        return candidates  # "the papers on X against those on Y"; but "the two … papers: one …, the other …"
    seen = {h.paper.paper_id for h in called}
    pool = candidates.pool()
    picked = list(called)[:MAX_COMPARED]
    if pool:
        for i in np.argsort(-selection_model().probabilities(candidates), kind="stable"):
            if len(picked) >= 2:
                break
            if pool[i].paper.paper_id not in seen:
                picked.append(pool[i])
                seen.add(pool[i].paper.paper_id)
    if len(picked) < 2:
        return candidates
    return dataclasses.replace(candidates, kind="compare", named=picked)


def select_papers(candidates: Candidates, selection: Selection | None = None) -> list[Hit]:
    """The papers a several-paper answer cites, best first: the trained model's choice (qa.selection), or the
    hand-set rule `selection` when one is given (tools/synthesis_sweep.py)."""
    if candidates.kind == "compare":
        return list(candidates.named)
    if selection is None:
        if candidates.named_term and _by_written_term(candidates):
            return select_papers(candidates, SELECTION)  # the papers that write the rare name asked about
        if not candidates.pool():
            return list(candidates.named)
        written = [h for h in candidates.pool() if h.paper.paper_id in candidates.examples]
        return _unique(list(candidates.named) + selection_model().choose(candidates) + written)
    limit = max(selection.most, len(candidates.named))
    every = list(zip(candidates.hits, candidates.evidence(selection)))
    if candidates.named_term and _by_written_term(candidates):
        # "which papers use MuJoCo?": the papers that write it, and only those
        kept = [h for h, _ in sorted(every, key=lambda t: -t[1]) if h.paper.paper_id in candidates.named_term]
        # a count is as many as write it ("how many abstracts mention LLMs?": all ten, not the first eight), and so
        # is a list of the papers that write a word or phrase ("which abstracts use the word latent?")
        most = max(limit, len(candidates.named_term)) \
            if candidates.kind == "count" or quoted_phrases(candidates.question) else limit
        return _unique(list(candidates.named) + kept)[:most]
    pool = every[:selection.pool]
    if not pool:
        return list(candidates.named)
    ranked = sorted((e for _, e in pool), reverse=True)
    best = ranked[0]
    reference = ranked[min(selection.reference, len(ranked)) - 1]
    relative = selection.evolution_relative if candidates.kind in ("evolution", "count") else selection.relative
    if candidates.by_author and candidates.kind == "evolution":
        relative = 0.0  # "how did X's work change?": every paper of X's, unless far from the best (`of_best`)
    kept = [h for h, e in sorted(pool, key=lambda t: -t[1])
            if e == best or (e >= relative * reference and e >= selection.of_best * best and e >= selection.floor)]
    return _unique(list(candidates.named) + kept)[:limit]


def _by_written_term(candidates: Candidates) -> bool:
    """The papers are the ones that write what the question names: a count or topic, or how the use of a word it
    quotes went over the years ("from 2018 to 2021, how was the word sequence used?": all 3 labelled evolutions that
    quote a word ask so)."""
    return candidates.kind in ("count", "topic") or candidates.kind == "evolution" and bool(
        quoted_phrases(candidates.question))


def plan_synthesis(candidates: Candidates, selection: Selection | None = None) -> SynthesisPlan:
    """Which papers a several-paper answer uses, and in which order (the [n] follow this order)."""
    kept = select_papers(candidates, selection)
    if candidates.kind == "evolution":
        kept.sort(key=lambda h: (h.paper.date, h.paper.title))
    return SynthesisPlan(candidates.kind, kept, candidates.by_author)


def _unique(hits: list[Hit]) -> list[Hit]:
    seen, out = set(), []
    for h in hits:
        if h.paper.paper_id not in seen:
            seen.add(h.paper.paper_id)
            out.append(h)
    return out


# weight of the answer-sentence model's probability (qa.answer_sentences) in a several-paper answer's choice of each
# paper's sentences: on the held-out synthesis questions of the bundled listing, the strings an answer must include
# that a cited abstract writes were among the chosen sentences 301 times of 431 without it, 308 with 0.4
# (docs/EVAL.md, "Stop 50")
STATING_WEIGHT = 0.4


def _best_sentences(question: str, paper: Paper, embedder, qv, limit: int,
                    stating: np.ndarray | None = None) -> list[str]:
    ranked = [r for r in rank_sentences(question, paper, embedder, qv) if not LINK.search(r[2])] or \
        rank_sentences(question, paper, embedder, qv)
    if stating is not None and all(r[1] < len(stating) for r in ranked):
        # how likely each sentence states what is asked, not only how close it is to the question
        ranked = [(r[0] + STATING_WEIGHT * float(stating[r[1]]), r[1], r[2]) for r in ranked]
    # an opening "Recent years have seen..." sets the scene, and a formula-heavy sentence reads badly as text; a
    # sentence where the authors say what they did tells what the paper brings to the topic
    quoted = quoted_phrases(question)  # "how many abstracts write 'sample efficiency'?": the sentence that does
    if MENTIONED.search(question):  # "which abstracts mention MRI?": the sentence that writes the name
        quoted += question_names(question)
    ranked = sorted(ranked, key=lambda r: -(r[0] - (0.1 if BACKGROUND.search(r[2]) else 0.0)
                                            - (0.15 if len(re.findall(r"\\[A-Za-z]+", r[2])) > 3 else 0.0)
                                            + (CONTRIBUTION if AUTHORS_SAY.search(r[2]) else 0.0)
                                            + (1.0 if quoted and any(says(r[2], q) for q in quoted) else 0.0)))
    best = ranked[0][0]
    chosen = [r for r in ranked[:limit] if r[0] >= best - 0.15] or ranked[:1]
    return [s for _, _, s in sorted(chosen, key=lambda r: r[1])]


def _aspect(question: str, papers: list[Paper]) -> str:
    """What a comparison asks of its papers: the question without the names it calls them by ("Reformer vs
    Performer: how does each approximate attention?" → "how does each approximate attention?"; a name is a word the
    question capitalises that a compared title writes, or what a paper introduces), or the question itself when
    nothing is left but the comparing."""
    titled = {w.lower().rstrip("s") for p in papers for w in re.findall(r"[\w\-]+", p.title)}
    introduced = [n for p in papers if (n := introduced_name(p.title, p.abstract))]
    text = question
    for name in sorted(introduced, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", text, flags=re.IGNORECASE)
    text = re.sub(r"\b[A-Z][\w\-]*", lambda m: " " if m.group(0).lower().rstrip("s") in titled else m.group(0), text)
    return re.sub(r"\s+", " ", text).strip(" :,;-") if content_words(COMPARE.sub(" ", text)) else question


def _defining_sentence(paper: Paper, question: str = "", others: list[Paper] | None = None) -> str:
    """What a paper is, for a comparison: the sentence that names what it introduces ("our proposed method, ESPER,
    learns to cluster trajectories …"), else the first that says what the authors do, else the first that is not
    background ("Recently, methods such as …"). A paper the question calls by a name its abstract writes is
    defined by the authors' sentence that writes it ("Compare WMDP and …": the benchmark they release, not the
    unlearning method they also develop); a name the `others` compared with it write too is no name of its own
    ("Minecraft" of STEVE-1 and DreamerV3)."""
    sentences = split_sentences(paper.abstract) or [paper.abstract]
    called = [n for n in question_names(question) if says(paper.abstract, n, whole=True)
              and not any(says(f"{o.title} {o.abstract}", n, whole=True) for o in others or [])]
    named = contribution(paper.title, paper.abstract)
    if called and not (named and any(says(named[0], n, whole=True) for n in called)):
        by_name = next((s for s in sentences if AUTHORS_SAY.search(s) and any(says(s, n, whole=True) for n in called)),
                       None)
        if by_name:
            return by_name
    return _what_it_brings(paper) or next((s for s in sentences if not BACKGROUND.search(s)), sentences[0])


def _what_it_brings(paper: Paper) -> str:
    """The sentence that says what the paper introduces or what its authors do, else "" (not a background one)."""
    sentences = split_sentences(paper.abstract) or [paper.abstract]
    named = contribution(paper.title, paper.abstract)
    return named[0] if named and named[0] in sentences else next((s for s in sentences if _CONTRIBUTES.search(s)), "")


def _result_sentence(paper: Paper, exclude: str) -> str:
    sentences = [s for s in split_sentences(paper.abstract) if s != exclude and not LINK.search(s)]
    return next((s for s in sentences if RESULT.search(s)), sentences[-1] if sentences else "")


def _named(paper: Paper) -> str:
    """"POPLIN, " before a paper's year when its title does not give the name of what it introduces."""
    name = introduced_name(paper.title, paper.abstract)
    return f"{name}, " if name else ""


def _year(paper: Paper) -> str:
    """The year as an answer shows it: one the source did not give is said to be supplied."""
    return str(paper.year) if paper.year_given else f"{paper.year}, year not given"


def _label(paper: Paper) -> str:
    name = introduced_name(paper.title, paper.abstract)
    return f" ({name})" if name else ""


def _span(papers: list[Paper]) -> str:
    years = sorted(p.year for p in papers)
    return f"{years[0]}" if years[0] == years[-1] else f"{years[0]} to {years[-1]}"


def _count_phrase(n: int) -> str:
    return "One paper" if n == 1 else f"{n} papers"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def answer_several(question: str, plan: SynthesisPlan, embedder, collection: list[Paper] | None = None,
                   stating=None) -> tuple[list[str], list[str]]:
    """(answer pieces, one quote per cited paper). Pieces are whole sentences, list items or table rows, so a
    caller can stream them one by one; their concatenation is the answer. `stating`: paper -> the answer-sentence
    model's probability for each of its sentences (or None), weighed into the sentences of a topic, a count or a
    line of work."""
    stated = stating or (lambda paper: None)
    hits = plan.hits
    papers = [h.paper for h in hits]
    qv = embedder.embed([question])[0]
    thread = common_thread(papers, collection)
    thread_text = f"; what they share: {' and '.join(thread)}" if thread else ""
    quotes: list[str] = []
    pieces: list[str] = []

    if plan.kind == "compare":
        names = " and ".join(f"{p.title} ({_named(p)}{_year(p)}) [{n}]" for n, p in enumerate(papers, 1))
        lead = f"Side by side: {names}" + (f"; what they share: {' and '.join(thread)}." if thread else ".")
        pieces.append(lead + "\n\n")
        header = "| | " + " | ".join(f"{_cell(p.title)}{_label(p)} [{n}]" for n, p in enumerate(papers, 1)) + " |\n"
        pieces.append(header + "|---" * (len(papers) + 1) + "|\n")
        defining = [_defining_sentence(p, question, [o for o in papers if o is not p]) for p in papers]
        # what the comparison asks of each paper, read without the names it calls them by (a sentence that writes
        # "Reformer" is not therefore about how Reformer approximates attention), and not the paper's definition again
        aspect = _aspect(question, papers)
        aspect_vector = qv if aspect == question else embedder.embed([aspect])[0]
        focus = [next((s for s in _best_sentences(aspect, p, embedder, aspect_vector, 2) if s != d), d)
                 for p, d in zip(papers, defining)]
        results = [_result_sentence(p, d) for p, d in zip(papers, defining)]
        pieces.append("| Year | " + " | ".join(_year(p) for p in papers) + " |\n")
        pieces.append("| What it is | " + " | ".join(_cell(_cite(d, n)) for n, d in enumerate(defining, 1)) + " |\n")
        if any(f != d for f, d in zip(focus, defining)):
            pieces.append("| On the question | " + " | ".join(
                _cell(_cite(f, n)) if f != d else "—" for n, (f, d) in enumerate(zip(focus, defining), 1)) + " |\n")
        if any(results):
            pieces.append("| Result | " + " | ".join(
                _cell(_cite(r, n)) if r and r not in (d, f) else "—"
                for n, (r, d, f) in enumerate(zip(results, defining, focus), 1)) + " |\n")
        pieces.append("| Code | " + " | ".join("yes" if p.has_code else "no" for p in papers) + " |")
        return pieces, defining

    if plan.kind == "evolution":
        first, last = papers[0], papers[-1]
        if len(papers) == 1:
            lead = f"One paper in the collection bears on this: {first.title} ({_year(first)}) [1]."
        elif STARTS.search(question):
            start = first.date[:7] if first.date and first.year_given else _year(first)
            lead = (f"It starts with {first.title} ({start}) [1]; "
                    f"in all, {len(papers)} papers carry the thread from {_span(papers)}{thread_text}.")
        else:
            lead = (f"{_count_phrase(len(papers))} trace this from {_span(papers)}, starting with {first.title} "
                    f"({_year(first)}) [1] and most recently {last.title} ({_year(last)}) [{len(papers)}]"
                    f"{thread_text}.")
        pieces.append(lead + "\n")
        # "how did X's work develop?": what each paper brought, not the sentence closest to a name and some years
        course_only = plan.by_author and asks_only_the_course(question, papers)
        for n, p in enumerate(papers, 1):
            brings = _what_it_brings(p) if course_only else ""
            sentences = [brings] if brings else _best_sentences(question, p, embedder, qv, 1, stated(p))
            quotes.append(sentences[0])
            pieces.append(f"- **{_year(p)}** — {p.title}{_label(p)}: " + " ".join(_cite(s, n) for s in sentences)
                          + "\n")
        pieces[-1] = pieces[-1].rstrip("\n")
        return pieces, quotes

    quoted = quoted_phrases(question)
    whole = forms_listed(quoted)  # "parameter or parameters": each whole, not "parameterized"
    if len(papers) == 1:
        lead = f"One paper in the collection addresses this: {papers[0].title} ({_year(papers[0])}) [1]."
    elif quoted and all(any(writes(p, q, whole) for q in quoted) for p in papers):
        families = word_families(question)
        written = " or ".join(f"a form of “{families[q]}”" if q in families else f"“{as_written(q, papers)}”"
                              for q in quoted)
        lead = f"{len(papers)} papers in the collection write {written}, from {_span(papers)}."
    elif plan.kind == "count" and (names := [n for n in question_names(question) if all(
            says_name(f"{p.title} {p.abstract}", n) for p in papers)]):
        # "how many abstracts mention Dice?": the papers counted are those that write the name
        lead = f"{len(papers)} papers in the collection write “{names[0]}”, from {_span(papers)}."
    elif plan.kind == "count":
        lead = f"{len(papers)} papers in the collection are about this, from {_span(papers)}{thread_text}."
    else:
        lead = f"{_count_phrase(len(papers))} in the collection ({_span(papers)}) address this{thread_text}."
    pieces.append(lead + "\n")
    per_paper = 2 if len(papers) <= SELECTION.most else 1  # a long count's list stays readable
    for n, p in enumerate(papers, 1):
        sentences = _best_sentences(question, p, embedder, qv, per_paper, stated(p))
        quotes.append(sentences[0])
        pieces.append(f"- {p.title} ({_named(p)}{_year(p)}): " + " ".join(_cite(s, n) for s in sentences) + "\n")
    pieces[-1] = pieces[-1].rstrip("\n")
    return pieces, quotes
