"""Answers without an LLM: the abstract sentences that answer the question, each cited.

For one paper: the two or three sentences closest to the question (numbers
favoured when the question asks for a quantity), in the abstract's order. For
several papers: one or two key sentences per relevant paper. Every sentence is
the abstract's own, so every citation is supported by construction.
"""
from __future__ import annotations

import re
import threading

import numpy as np

from .chunks import split_sentences
from .citations import content_words
from .papers import Paper
from .retrieval import Hit

QUANTITY = re.compile(r"\b(how (much|many|well|fast|large|big)|accuracy|score|percent|improv\w*|cost|size|"
                      r"number|tokens?|rate|faster|speed ?up|reach|achiev\w*|results?|performance|outperform\w*|"
                      r"combien|cu[aá]nto|wie viel)\b|%", re.IGNORECASE)
AUTHORSHIP = re.compile(r"\b(who (wrote|authored|are the authors|is the author|made|did)|authors?|written by|"
                        r"qui a écrit|quién escribió|wer hat)\b|作者", re.IGNORECASE)
DEFINES = re.compile(r"\b(we (propose|introduce|present|develop|address|describe)|is an?|this paper|"
                     r"in this (paper|work))\b", re.IGNORECASE)
LINK = re.compile(r"https?://|please check out|our code is available|is available at", re.IGNORECASE)
WHEN = re.compile(r"\b(when was|what year|which year|published when|date)\b", re.IGNORECASE)


_vector_cache: dict[tuple[str, str], np.ndarray] = {}
_cache_lock = threading.Lock()


def _sentence_vectors(embedder, paper: Paper, sentences: list[str]) -> np.ndarray:
    """Sentence vectors per paper, computed once per process (answers reuse the same abstracts)."""
    key = (embedder.model_id, paper.content_hash())
    with _cache_lock:
        cached = _vector_cache.get(key)
    if cached is None:
        cached = embedder.embed(sentences)
        with _cache_lock:
            if len(_vector_cache) > 20000:
                _vector_cache.clear()
            _vector_cache[key] = cached
    return cached


def rank_sentences(question: str, paper: Paper, embedder, question_vector=None) -> list[tuple[float, int, str]]:
    """(score, position, sentence) for each abstract sentence, best first."""
    sentences = split_sentences(paper.abstract) or [paper.abstract]
    qv = question_vector if question_vector is not None else embedder.embed([question])[0]
    sims = _sentence_vectors(embedder, paper, sentences) @ qv
    q_words = content_words(question)
    wants_number = bool(QUANTITY.search(question))
    asks_cost = bool(re.search(r"\b(cost|price|expensive|cheap|budget|dollars?)\b", question, re.IGNORECASE))
    ranked = []
    for i, (sentence, sim) in enumerate(zip(sentences, sims)):
        overlap = len(q_words & content_words(sentence)) / max(len(q_words), 1)
        score = float(sim) + 0.35 * overlap
        if wants_number and re.search(r"\d", sentence):
            score += 0.15
        if asks_cost and re.search(r"[$€£]\s?\d|\bcompute\b|\bGPU[- ]hours?\b", sentence):
            score += 0.3
        if DEFINES.search(sentence):
            score += 0.08  # "we propose X" answers "what is X" better than a result does
        ranked.append((score, i, sentence))
    ranked.sort(key=lambda t: -t[0])
    return ranked


RESULT = re.compile(r"(\d[\d.,]*\s*(%|x\b|times|points?|B\b|M\b|billion|million)|\$\d|"
                    r"\b(outperform\w*|improv\w*|achiev\w*|reach\w*|surpass\w*)\b.*\d)", re.IGNORECASE)


def key_sentences(question: str, paper: Paper, embedder, limit: int, question_vector=None,
                  with_result: bool = False) -> list[str]:
    """The best sentences, in abstract order; optionally plus the headline result with its number."""
    ranked = rank_sentences(question, paper, embedder, question_vector)
    if not re.search(r"\b(url|link|website|webpage|site|code|github|download)\b", question, re.IGNORECASE):
        ranked = [r for r in ranked if not LINK.search(r[2])] or ranked  # a link answers nothing here
    best = ranked[0][0]
    chosen = [r for r in ranked[:limit] if r[0] >= best - 0.25] or ranked[:1]
    if with_result and not any(RESULT.search(s) for _, _, s in chosen):
        # "what is X" is best answered by what X is *and* what it achieved
        result = next((r for r in ranked if RESULT.search(r[2])), None)
        if result is not None:
            chosen.append(result)
    return [s for _, _, s in sorted(chosen, key=lambda r: r[1])]


def _cite(sentence: str, n: int) -> str:
    sentence = sentence.rstrip()
    if sentence.endswith((".", "!", "?")):
        return f"{sentence[:-1]} [{n}]{sentence[-1]}"
    return f"{sentence} [{n}]."


def answer_one_paper(question: str, hit: Hit, embedder, n: int = 1) -> tuple[str, list[str]]:
    """(answer text, the sentences quoted). Record facts (authors, date) come from the listing."""
    p = hit.paper
    if AUTHORSHIP.search(question):
        authors = p.authors_display()
        note = " (the listing shows only the first three authors)" if p.authors_truncated else ""
        aff = f", affiliated with {', '.join(p.affiliations)}" if p.affiliations else ""
        text = f"{p.title} ({p.year}) was written by {authors}{aff} [{n}].{note}"
        return text, [split_sentences(p.abstract)[0] if p.abstract else p.title]
    if WHEN.search(question) and not QUANTITY.search(question):
        text = f"{p.title} is dated {p.date} in the listing ({p.category}{', code available' if p.has_code else ''}) [{n}]."
        return text, [split_sentences(p.abstract)[0] if p.abstract else p.title]
    sentences = key_sentences(question, p, embedder, limit=3, with_result=True)
    body = " ".join(_cite(s, n) for s in sentences)
    return f"From “{p.title}” ({p.year}): {body}", sentences


def answer_several(question: str, hits: list[Hit], embedder) -> tuple[str, list[list[str]]]:
    """A short overview: one line per paper, most relevant first, one or two cited sentences each."""
    qv = embedder.embed([question])[0]
    order = range(len(hits))  # most relevant first, so [1], [2], ... read in order
    lines, quotes = [], [[] for _ in hits]
    intro = f"{len(hits)} papers in the collection bear on this:"
    for i in order:
        p = hits[i].paper
        sentences = key_sentences(question, p, embedder, limit=2, question_vector=qv)
        quotes[i] = sentences
        body = " ".join(_cite(s, i + 1) for s in sentences)
        lines.append(f"- {p.title} ({p.year}): {body}")
    return intro + "\n" + "\n".join(lines), quotes
