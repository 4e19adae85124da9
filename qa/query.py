"""The question, read once: what every step after the router uses.

The assistant builds one `Query` per question (cleaned text, history, route, the filters the question states and
those set outside it, the standalone text to search) and hands it on; later steps read its fields instead of
parsing the text again.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .retrieval import Filters
from .routes import Route


def merge_filters(stated: Filters, given: Filters | None) -> Filters:
    """Filters set in the UI/CLI win over those read from the question."""
    if given is None:
        return stated
    pick = lambda a, b: a if a not in (None, "") else b  # noqa: E731
    return Filters(year_from=pick(given.year_from, stated.year_from), year_to=pick(given.year_to, stated.year_to),
                   category=pick(given.category, stated.category), author=pick(given.author, stated.author),
                   has_code=pick(given.has_code, stated.has_code))


@dataclass
class Query:
    text: str  # the question as asked, cleaned
    history: list[dict]  # earlier {"role", "content"} messages, cleaned
    k: int  # papers per answer
    route: Route  # what evidence it needs, and why the router thinks so
    stated: Filters  # what the question itself restricts: "since 2021", "in CL", "with code"
    given: Filters | None  # what the UI or the command line restricts
    # (text, history) -> the standalone text to search; resolving a follow-up may ask the LLM, so it runs once,
    # and only for the steps that search
    resolve: Callable[[str, list[dict]], str] = field(repr=False, default=lambda text, history: text)
    _search_text: str | None = field(default=None, repr=False)

    @property
    def filters(self) -> Filters:
        return merge_filters(self.stated, self.given)

    @property
    def search_text(self) -> str:
        """A follow-up ("who wrote it?") searched together with what it refers to; otherwise the question."""
        if self._search_text is None:
            self._search_text = self.resolve(self.text, self.history)
        return self._search_text

    def standalone(self, k: int) -> Query:
        """The same question without its history (a bibliographic question answered from the papers instead)."""
        return Query(self.text, [], k, self.route, self.stated, self.given, self.resolve)
