"""Follow-up questions suggested under an answer, drawn from the papers it cites.

Pure and cheap (no model): a paper's short name comes from its title ("FRePo",
"Lookahead Optimizer"), and the questions are ones the router answers from the
listing or the abstracts.
"""
from __future__ import annotations

import re

from .types import Answer

_MAX_NAME = 70


def short_name(title: str) -> str:
    """A paper's handle: the part before a colon when it is short ("Lookahead Optimizer"), else the title."""
    head, sep, _ = title.partition(":")
    head = head.strip()
    if sep and 1 <= len(head.split()) <= 5:
        return head
    title = re.sub(r"\s+", " ", title).strip()
    return title if len(title) <= _MAX_NAME else title[:_MAX_NAME].rsplit(" ", 1)[0] + "…"


def _quoted(title: str) -> str:
    return f"“{short_name(title)}”"


def suggest_follow_ups(answer: Answer, limit: int = 3) -> list[str]:
    """Two or three questions about the answer's cited papers (none for refusals or uncited answers)."""
    if answer.mode == "refusal" or not answer.citations:
        return []
    cited, seen = [], set()
    for citation in sorted(answer.citations, key=lambda c: c.n):
        if citation.paper_id not in seen:
            seen.add(citation.paper_id)
            cited.append(citation)
    if len(cited) == 1:
        name = _quoted(cited[0].title)
        out = [f"Who wrote {name}, and when?",
               f"What problem does {name} address, and how?",
               f"What are the main results of {name}?"]
    else:  # one question per paper, in citation order
        templates = ["What method does {} propose?", "What are the main results of {}?",
                     "Who wrote {}, and when?"]
        out = [template.format(_quoted(c.title)) for template, c in zip(templates, cited)]
    question = (answer.question or "").strip().lower()
    return [q for q in out if q.lower() != question][:limit]
