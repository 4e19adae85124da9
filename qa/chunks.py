"""Papers → chunks that each stand alone (title, year and authors travel with the text).

Token counts are tiktoken cl100k_base. An abstract over the budget is split at
sentence boundaries, with the last sentences of a chunk repeated at the start of
the next (up to the overlap budget) so no statement loses its context.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .papers import Paper
from .tokens import count_tokens

# A sentence ends at . ! or ? followed by space and an upper-case letter, digit or
# opening bracket; the lookbehinds keep "e.g. X", "i.e. X", "et al. X" and "vs. X" whole.
_SENTENCE_END = re.compile(
    r"(?<!\be\.g)(?<!\bi\.e)(?<!\bet al)(?<!\bvs)(?<!\bcf)(?<!\bFig)(?<!\bEq)(?<=[.!?])\s+(?=[A-Z0-9(\[$\"'])")


def split_sentences(text: str) -> list[str]:
    return list(_sentences(text))


@functools.lru_cache(maxsize=4096)  # the same abstracts are split for every question
def _sentences(text: str) -> tuple[str, ...]:
    text = re.sub(r"\s+", " ", text).strip()
    return tuple(s.strip() for s in _SENTENCE_END.split(text) if s.strip()) if text else ()


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    paper_id: str
    index: int
    text: str        # the abstract passage alone (what answers quote)
    header: str      # "Title (year) — authors": prepended for embedding and lexical search

    @property
    def indexed_text(self) -> str:
        return f"{self.header}\n{self.text}"


def paper_header(paper: Paper) -> str:
    return f"{paper.title} ({paper.year}) — {paper.authors_display()}"


def _split_long_sentence(sentence: str, budget: int) -> list[str]:
    """A single sentence over budget (rare: long LaTeX) is cut at word boundaries."""
    words, parts, current = sentence.split(" "), [], []
    for word in words:
        if current and count_tokens(" ".join(current + [word])) > budget:
            parts.append(" ".join(current))
            current = []
        current.append(word)
    if current:
        parts.append(" ".join(current))
    return parts


def chunk_paper(paper: Paper, budget: int = 200, overlap: int = 40) -> list[Chunk]:
    """Split one abstract into chunks of at most `budget` tokens (header included)."""
    header = paper_header(paper)
    text_budget = max(16, budget - count_tokens(header) - 1)
    sentences = []
    for sentence in split_sentences(paper.abstract):
        sentences.extend(_split_long_sentence(sentence, text_budget)
                         if count_tokens(sentence) > text_budget else [sentence])
    sizes = [count_tokens(s) + 1 for s in sentences]
    groups: list[list[int]] = []
    start = 0
    while start < len(sentences):
        end, used = start, 0
        while end < len(sentences) and used + sizes[end] <= text_budget:
            used += sizes[end]
            end += 1
        end = max(end, start + 1)
        groups.append(list(range(start, end)))
        if end >= len(sentences):
            break
        # step back over trailing sentences that fit in the overlap budget, but always advance
        back, carried = end, 0
        while back - 1 > start and carried + sizes[back - 1] <= overlap:
            back -= 1
            carried += sizes[back]
        start = back
    return [Chunk(chunk_id=f"{paper.paper_id}#{i}", paper_id=paper.paper_id, index=i,
                  text=" ".join(sentences[j] for j in group), header=header)
            for i, group in enumerate(groups)]


def chunk_papers(papers: list[Paper], budget: int = 200, overlap: int = 40) -> list[Chunk]:
    return [chunk for paper in papers for chunk in chunk_paper(paper, budget, overlap)]
