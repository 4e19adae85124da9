"""Answers without an LLM: the abstract sentences that answer the question, each cited.

For one paper: the two or three sentences closest to the question (numbers
favoured when the question asks for a quantity), in the abstract's order. For
several papers: one or two key sentences per relevant paper. Every sentence is
the abstract's own, so every citation is supported by construction.
"""
from __future__ import annotations

import re

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
WHEN = re.compile(r"\b(when was|what year|which year|published when|date)\b", re.IGNORECASE)


def rank_sentences(question: str, paper: Paper, embedder, question_vector=None) -> list[tuple[float, int, str]]:
    """(score, position, sentence) for each abstract sentence, best first."""
    sentences = split_sentences(paper.abstract) or [paper.abstract]
    qv = question_vector if question_vector is not None else embedder.embed([question])[0]
    sims = embedder.embed(sentences) @ qv
    q_words = content_words(question)
    wants_number = bool(QUANTITY.search(question))
    ranked = []
    for i, (sentence, sim) in enumerate(zip(sentences, sims)):
        overlap = len(q_words & content_words(sentence)) / max(len(q_words), 1)
        score = float(sim) + 0.35 * overlap
        if wants_number and re.search(r"\d", sentence):
            score += 0.15
        ranked.append((score, i, sentence))
    ranked.sort(key=lambda t: -t[0])
    return ranked


def key_sentences(question: str, paper: Paper, embedder, limit: int, question_vector=None) -> list[str]:
    ranked = rank_sentences(question, paper, embedder, question_vector)
    best = ranked[0][0]
    chosen = [r for r in ranked[:limit] if r[0] >= best - 0.25] or ranked[:1]
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
    sentences = key_sentences(question, p, embedder, limit=3)
    body = " ".join(_cite(s, n) for s in sentences)
    return f"From “{p.title}” ({p.year}): {body}", sentences


def answer_several(question: str, hits: list[Hit], embedder) -> tuple[str, list[list[str]]]:
    """A short overview: one paragraph per paper, newest first, one or two cited sentences each."""
    qv = embedder.embed([question])[0]
    order = sorted(range(len(hits)), key=lambda i: -hits[i].paper.year)
    lines, quotes = [], [[] for _ in hits]
    intro = f"{len(hits)} papers in the collection bear on this:"
    for i in order:
        p = hits[i].paper
        sentences = key_sentences(question, p, embedder, limit=2, question_vector=qv)
        quotes[i] = sentences
        body = " ".join(_cite(s, i + 1) for s in sentences)
        lines.append(f"- {p.title} ({p.year}): {body}")
    return intro + "\n" + "\n".join(lines), quotes
