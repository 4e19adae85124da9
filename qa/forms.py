"""Bibliographic questions in any language, read as the closest English form that qa.metadata computes.

qa.metadata reads bibliographic questions by their English wording. A question in another language that it cannot
read ("Ile prac ma kategorię AI?", "最も頻繁に登場する共著者は誰ですか？") is matched, by its
multilingual-e5 vector, against the English forms in qa/data/bibliographic_forms.txt, and answered as the closest
form whose slots the question fills: the years, category code, number, author and paper it writes are the same in
every language. There is no glossary: a new form is one line of that file.
"""
from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .embeddings import MultilingualEncoder
from .papers import Paper
from .question import find_author, named_years, written_affiliations, written_categories

FORMS_PATH = Path(__file__).resolve().parent / "data" / "bibliographic_forms.txt"
SLOT = re.compile(r"\{(\w+)\}")
# what a slot reads as while the forms are encoded: a form is compared with questions that write real values
SAMPLE = {"year": "2020", "year2": "2022", "category": "LG", "paper": "this paper", "author": "this author", "n": "3",
          "affiliation": "utoronto"}
# each slot a form shares with the question counts this much cosine: a question that writes a category code asks
# about that category, even where e5 finds "AI score" closer to "category AI" (docs/ROUTER.md, "Stop 24")
SLOT_WEIGHT = 0.06
# e5's cosines bunch around 0.82; the lowest of a form read correctly there was 0.78
MIN_COSINE = 0.78
# the share of a question outside English (`Retriever.foreign_share`) from which it is read by the forms: an English
# question with one word the lexicon lacks ("How many papers predate 2020?", 0.35) is not
FOREIGN = 0.5


@dataclass
class Form:
    text: str            # the English question, its slots filled (the paper by its title)
    asked: str           # the same, as qa.metadata is asked it: "this paper", with `paper` given as the context
    paper: Paper | None  # the paper it names, for a question about one paper
    cosine: float
    template: str = ""   # the line of the forms file, slots unfilled


class Forms:
    def __init__(self, path: Path = FORMS_PATH):
        self.forms = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
                      if line.strip() and not line.startswith("#")]
        self.slots = [set(SLOT.findall(form)) for form in self.forms]
        self._vectors: np.ndarray | None = None
        self._lock = threading.Lock()

    def vectors(self) -> np.ndarray:
        with self._lock:
            if self._vectors is None:
                shown = [SLOT.sub(lambda m: SAMPLE[m.group(1)], form) for form in self.forms]
                v = MultilingualEncoder().queries(shown).astype(np.float64)
                self._vectors = v / np.linalg.norm(v, axis=1, keepdims=True)
            return self._vectors

    def cosines(self, question: str) -> np.ndarray:
        """The question's cosine with each form (multilingual-e5)."""
        v = MultilingualEncoder().query(question)
        return self.vectors() @ (v / np.linalg.norm(v))

    def nearest(self, question: str) -> float:
        """The cosine of the form closest to the question, whatever slots it fills."""
        return float(self.cosines(question).max())

    def closest(self, question: str, papers: list[Paper], owner: str = "", named: list[Paper] | None = None
                ) -> Form | None:
        """The closest form whose every slot the question fills, filled; None below `MIN_COSINE`."""
        values = slot_values(question, papers, owner, named or [])
        cosines = self.cosines(question)
        scores = cosines + SLOT_WEIGHT * np.array([len(s & values.keys() - {"year2"}) for s in self.slots])
        for i in np.argsort(-scores, kind="stable"):
            if self.slots[i] <= values.keys():
                if cosines[i] < MIN_COSINE:
                    return None
                text = SLOT.sub(lambda m: values[m.group(1)], self.forms[i])
                asked = SLOT.sub(lambda m: "this paper" if m.group(1) == "paper" else values[m.group(1)],
                                 self.forms[i])
                paper = named[0] if "paper" in self.slots[i] else None
                return Form(text, asked, paper, float(cosines[i]), self.forms[i])
        return None


# what a bibliographic question writes the listing's own way, when no form is near it: its papers of one category
# or one affiliation tag, counted and listed
SCOPE_FORMS = {"category": "How many papers are in the {category} category?",
               "affiliation": "How many papers list the affiliation {affiliation}?"}


def scope_form(question: str, papers: list[Paper]) -> Form | None:
    """The papers of the one category code or affiliation tag the question writes, as a count that lists them:
    "Mitu kirjet on kategoorias CL?" is near no form to e5 (0.77), yet its code is written the same in every
    language; None when it writes none, or several."""
    written = [("category", code) for code in written_categories(question, papers)] + [
        ("affiliation", tag) for tag in written_affiliations(question, papers)]
    if len(written) != 1:
        return None
    slot, value = written[0]
    text = SCOPE_FORMS[slot].format(**{slot: value})
    return Form(text, text, None, 0.0, SCOPE_FORMS[slot])


# a year is often all that a question in another language shares with a form ("who won the Nobel Prize in 2024?"):
# one that fills no other slot must come nearer a form (of 224 labelled ones the listing answers, none is below 0.806;
# of 13 unanswerable ones, 10 are below 0.80)
YEAR_ONLY_COSINE = 0.80


def unlike_any_form(question: str, papers: list[Paper], owner: str = "") -> bool:
    """No bibliographic form is near the question (`MIN_COSINE`, or `YEAR_ONLY_COSINE` when a year is all it
    shares with one)."""
    values = slot_values(question, papers, owner, [])
    limit = YEAR_ONLY_COSINE if values and set(values) <= {"year", "year2"} else MIN_COSINE
    return forms().nearest(question) < limit


def counts_authors_papers(question: str, papers: list[Paper], owner: str = "") -> bool:
    """The closest form counts the papers of a person of the author lists ("How many papers did {author} write?")."""
    form = forms().closest(question, papers, owner)
    return form is not None and "{author}" in form.template and form.template.lower().startswith("how many")


def without_titles(question: str, named: list[Paper]) -> str:
    """The question without the words of the titles it names: "Wer sind die Autoren von Graph Normalizing Flows?"
    is German, though most of its letters are the title's."""
    words = {w.lower() for p in named for w in re.findall(r"\w+", p.title)}
    return re.sub(r"\w+", lambda m: "" if m.group(0).lower() in words else m.group(0), question)


def names_its_category(question: str, text: str, papers: list[Paper]) -> bool:
    """Whether an answer names the category code the question writes, if any ("ML 카테고리에 속한 논문은 몇
    편인가요?" was counted over every paper)."""
    category = slot_values(question, papers, "", []).get("category")
    return category is None or category in text


def slot_values(question: str, papers: list[Paper], owner: str, named: list[Paper]) -> dict[str, str]:
    values = {}
    years = named_years(question)
    if years:
        values["year"] = str(years[0])
    if len(years) > 1:
        values["year2"] = str(years[1])
    categories = written_categories(question, papers)
    if categories:
        values["category"] = categories[0]
    affiliations = written_affiliations(question, papers)
    if affiliations:
        values["affiliation"] = affiliations[0]
    if named:
        values["paper"] = named[0].title
    author = find_author(question, papers, exclude=owner)
    if author:
        values["author"] = author
    # a number of its own, not the digit of a name ("DreamerV2") or a figure ("3.5", "1,000")
    numbers = re.findall(r"(?<![A-Za-z\d.,\-])\d{1,3}(?![A-Za-z\d.,])", question)
    if numbers:
        values["n"] = numbers[0]
    return values


@functools.lru_cache(maxsize=1)
def forms() -> Forms:
    """The shipped forms, read once per process (their e5 vectors on the first question that needs them)."""
    return Forms()
