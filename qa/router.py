"""Which evidence a question needs: the router the assistant asks first.

Routes (prompts/router_system.md has the full definitions):

- ``paper``: one specific paper or result, including follow-ups ("who wrote it?");
- ``synthesis``: several papers (overviews, comparisons, "which papers study X");
- ``metadata``: bibliographic facts from the listing (counts, years, categories, co-authors, code, h-index);
- ``not_answerable``: anything outside the collection.

Without a capable LLM the route comes from the trained intent model (qa.intent), which the assistant runs over the
question and the retrieved evidence. What stands before it is `Guards`: the declines that need no evidence
(qa.guards) and the papers a question calls by name (qa.names), which the model reads as evidence. With a capable
LLM, `LLMRouter` (qa.router_llm) asks it first and falls back to the model when the call fails.
"""
from __future__ import annotations

from collections import Counter

from .guards import owner_pattern, settled
from .names import Names
from .papers import Paper
from .router_llm import LLMRouter, parse_label  # noqa: F401  (re-exported)
from .routes import EXAMPLES_PATH, SYSTEM_PROMPT_PATH, load_examples  # noqa: F401  (re-exported)
from .types import ROUTES, Route  # noqa: F401  (re-exported)

# what `Guards.classify` gives when no guard applies: not a decision, the intent model routes the question
UNROUTED = Route("synthesis", 0.0, "none", "no rule applies: the intent model routes it")


def common_words(embedder) -> set[str]:
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


class Guards:
    """The declines that need no evidence, and the papers a question names; ~1 ms per question."""

    def __init__(self, papers: list[Paper], common: set[str] | None = None, owner: str | None = None,
                 examples: list[dict] | None = None):
        self.papers = list(papers)
        self.owner = owner if owner else collection_owner(self.papers)
        self._owner = owner_pattern(self.owner)
        self.names = Names(self.papers, common)
        self.examples = list(examples) if examples is not None else load_examples()  # the LLM router's few shots

    def papers_called_in(self, question: str) -> list[Paper]:
        """Papers the question calls by a name of their own, in its order (`Names.papers_called_in`)."""
        return self.names.papers_called_in(question or "")

    def spelled(self, question: str) -> str:
        """The question with misspelt paper names written as the papers write them (`Names.spelled`)."""
        return self.names.spelled(question or "")

    def classify(self, question: str, history: list[dict] | None = None) -> Route:
        return settled(question or "", history or [], self.names, self._owner) or UNROUTED


def get_router(settings, papers: list[Paper], llm=None, owner: str = "") -> Guards | LLMRouter:
    """The guards, behind the LLM router when a chat model is given; `owner` is the profile's name (else the
    collection's most frequent author, see `collection_owner`)."""
    from .embeddings import get_embedder

    guards = Guards(papers, common_words(get_embedder(settings)), owner=owner)
    return guards if llm is None else LLMRouter(llm, papers, guards)
