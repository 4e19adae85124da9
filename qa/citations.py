"""Citations you can trust: every [n] maps to a source, every cited sentence is checked.

A cited sentence is "supported" when most of its content words occur in the cited
paper's title or abstract (stemmed), or when it is close in meaning to one sentence
of that abstract. The best-matching abstract sentence becomes the citation's quote.
"""
from __future__ import annotations

import re

import numpy as np

from .chunks import split_sentences
from .papers import Paper
from .retrieval import STOPWORDS, _TOKEN

CITATION = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
LEXICAL_SUPPORT = 0.6
DENSE_SUPPORT = 0.7

_stemmer = None


def _stem(words: list[str]) -> list[str]:
    global _stemmer
    if _stemmer is None:
        import Stemmer

        _stemmer = Stemmer.Stemmer("english")
    return _stemmer.stemWords(words)


def content_words(text: str) -> set[str]:
    text = CITATION.sub(" ", text)
    return set(_stem([w for w in _TOKEN.findall(text.lower()) if w not in STOPWORDS and len(w) > 2 or w.isdigit()]))


def cited_numbers(text: str) -> list[int]:
    seen: list[int] = []
    for match in CITATION.finditer(text):
        for part in re.split(r"[,;]", match.group(1)):
            n = int(part)
            if n not in seen:
                seen.append(n)
    return seen


def remove_invalid_citations(text: str, valid: set[int]) -> tuple[str, list[int]]:
    """Drop [n] that map to no source; returns the cleaned text and the numbers removed."""
    removed: list[int] = []

    def keep(match: re.Match) -> str:
        numbers = [int(x) for x in re.split(r"[,;]", match.group(1))]
        good = [n for n in numbers if n in valid]
        removed.extend(n for n in numbers if n not in valid)
        return "[" + ", ".join(str(n) for n in good) + "]" if good else ""

    cleaned = CITATION.sub(keep, text)
    cleaned = re.sub(r"[ \t]+([.,;:!?])", r"\1", cleaned)
    return re.sub(r"[ \t]{2,}", " ", cleaned), sorted(set(removed))


def claims_by_citation(text: str) -> dict[int, list[str]]:
    """For each [n], the sentences (or list items) of the answer that cite it."""
    claims: dict[int, list[str]] = {}
    for block in re.split(r"\n+", text):
        for sentence in split_sentences(block) or [block]:
            for n in cited_numbers(sentence):
                claims.setdefault(n, []).append(sentence)
    return claims


def best_quote(claim: str, paper: Paper, embedder=None) -> tuple[str, float, bool]:
    """(abstract sentence that best supports the claim, its score, supported?)."""
    sentences = split_sentences(paper.abstract) or [paper.abstract]
    claim_words = content_words(claim)
    title_words = content_words(paper.title)
    if not claim_words:
        return sentences[0], 1.0, True
    overlaps = [len(claim_words & content_words(s)) / len(claim_words) for s in sentences]
    best = int(np.argmax(overlaps))
    whole = len(claim_words & (content_words(paper.abstract) | title_words)) / len(claim_words)
    if whole >= LEXICAL_SUPPORT:
        return sentences[best], whole, True
    if embedder is not None:
        vectors = embedder.embed([CITATION.sub("", claim)] + sentences)
        sims = vectors[1:] @ vectors[0]
        top = int(np.argmax(sims))
        if sims[top] >= DENSE_SUPPORT:
            return sentences[top], float(sims[top]), True
    return sentences[best], whole, False
