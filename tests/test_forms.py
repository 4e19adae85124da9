"""Bibliographic questions in another language that qa.metadata cannot read, answered as the closest English form
(qa.forms) on the bundled listing and on another researcher's collection."""
from __future__ import annotations

import re

import pytest

from conftest import TEST_DATA
from test_other_collection import _assistant_over


def _count(text: str) -> int:
    return int(re.search(r"\b(\d+) papers?\b", text).group(1))


def test_every_form_is_a_question_the_listing_answers(offline):
    """A form that qa.metadata no longer reads would send its questions to the papers instead."""
    from qa.forms import SLOT, Form, forms
    from qa.metadata import form_answer

    papers, profile = offline.papers, offline.profile
    paper = next(p for p in papers if len(p.authors) >= 2)
    years = sorted({p.year for p in papers})
    values = {"year": str(years[-2]), "year2": str(years[-1]), "category": papers[0].category, "paper": "this paper",
              "author": next(a for p in papers for a in p.authors if a != profile.name), "n": "2",
              "affiliation": next(a for p in papers for a in p.affiliations if a == a.lower())}
    for form in forms().forms:
        text = SLOT.sub(lambda m: values[m.group(1)], form)
        result = form_answer(Form(text, text, paper if "{paper}" in form else None, 1.0), papers, profile, None)
        assert result.understood and result.text, text


def test_a_category_count_in_korean_is_computed_from_the_listing(offline):
    from qa.metadata import answer_metadata

    question = "AI 카테고리에 속한 논문은 몇 편인가요?"
    assert "AI" not in answer_metadata(question, offline.papers, offline.profile, None).text  # the form reads it
    answer = offline.ask(question)
    assert answer.route == "metadata" and answer.mode == "structured", answer.route_reason
    assert answer.answer.startswith('Read as: "How many papers are in the AI category?"')
    in_ai = [p.title for p in offline.papers if p.category == "AI"]
    assert _count(answer.answer) == len(in_ai) and {c.title for c in answer.citations} == set(in_ai)


def test_a_category_code_near_no_form_counts_its_papers(offline):
    """e5 finds no form near an Estonian count (below `MIN_COSINE`), but the category code is written the same in
    every language: the papers of that category are counted and listed, not one paper's abstract quoted."""
    from qa.forms import forms

    question = "Mitu kirjet on kategoorias CL?"
    assert forms().closest(question, offline.papers, offline.profile.name) is None
    answer = offline.ask(question)
    assert answer.route == "metadata" and answer.mode == "structured", answer.route_reason
    assert answer.answer.startswith('Read as: "How many papers are in the CL category?"'), answer.answer
    in_cl = [p.title for p in offline.papers if p.category == "CL"]
    assert _count(answer.answer) == len(in_cl) and {c.title for c in answer.citations} == set(in_cl)


def test_the_newest_paper_of_a_category_asked_in_hindi(offline):
    """The newest paper of a category is a form of its own: without it, e5 put the oldest one nearest."""
    answer = offline.ask("CL श्रेणी में सबसे नई प्रविष्टि कौन सी है?")
    assert answer.route == "metadata" and answer.mode == "structured", answer.route_reason
    newest = max((p for p in offline.papers if p.category == "CL"), key=lambda p: p.date)
    assert [c.title for c in answer.citations] == [newest.title], answer.answer


def test_the_profiles_primary_category_asked_in_spanish(offline):
    """The header's category, not a count per category: "What is the primary category of the profile?"."""
    answer = offline.ask("¿Cuál es la categoría principal del perfil?")
    assert answer.route == "metadata", answer.route_reason
    assert f"primary category {offline.profile.primary_category} (" in answer.answer, answer.answer


def test_a_paper_named_in_finnish_gets_its_date(offline):
    answer = offline.ask("Milloin DreamerV2-paperi julkaistiin?")
    assert answer.mode == "structured", answer.route_reason
    paper = next(p for p in offline.papers if p.title == "Mastering Atari with Discrete World Models")
    assert paper.long_date() in answer.answer and [c.title for c in answer.citations] == [paper.title]


@pytest.fixture(scope="module")
def other(tmp_path_factory):
    return _assistant_over(TEST_DATA / "other_researcher.jsonl", tmp_path_factory)


def test_another_collection_is_counted_in_polish(other):
    from qa.metadata import answer_metadata

    question = "Ile prac ma kategorię ML?"  # a word for "category" is read by its stem in many languages
    assert answer_metadata(question, other.papers, other.profile, None).understood
    answer = other.ask(question)
    assert answer.route == "metadata" and answer.mode == "structured", answer.route_reason
    assert _count(answer.answer) == sum(p.category == "ML" for p in other.papers)


def test_a_count_read_without_the_category_it_writes_is_read_again(other):
    """qa.metadata counts every paper for "how many (몇)" and misses the category: the form names it."""
    from qa.metadata import answer_metadata

    question = "ML 카테고리에 속한 논문은 몇 편인가요?"
    assert "ML" not in answer_metadata(question, other.papers, other.profile, None).text
    answer = other.ask(question)
    assert answer.route == "metadata" and answer.mode == "structured", answer.route_reason
    assert answer.answer.startswith('Read as: "How many papers are in the ML category?"')
    assert _count(answer.answer) == sum(p.category == "ML" for p in other.papers)


def test_the_authors_of_a_paper_named_in_german_come_from_its_listing_entry(offline):
    answer = offline.ask("Wer sind die Autoren von Graph Normalizing Flows?")
    assert answer.mode == "structured", answer.route_reason
    paper = next(p for p in offline.papers if p.title == "Graph Normalizing Flows")
    assert paper.authors_display() in answer.answer and [c.title for c in answer.citations] == [paper.title]


def test_an_english_question_is_not_reread(offline):
    """An English question qa.metadata cannot read keeps its way to the papers: the forms are for other languages."""
    answer = offline.ask("Which paper's date is shown without a year?")
    assert "Read as" not in answer.answer


def test_a_count_read_only_as_the_whole_listing_is_read_again(other):
    """The rules read "Quantos artigos …?" as a count of the whole listing and miss what it counts: the closest form
    says it."""
    from qa.metadata import answer_metadata

    question = "Quantos artigos mostram a lista completa de autores?"
    assert answer_metadata(question, other.papers, other.profile, None).whole
    answer = other.ask(question)
    assert answer.answer.startswith('Read as: "How many papers show a complete author list?"'), answer.answer
    full = sum(not p.authors_truncated for p in other.papers)
    assert f"{full} papers of {len(other.papers)}" in answer.answer, answer.answer


def test_a_date_without_its_year_asked_in_german(offline):
    undated = [p for p in offline.papers if not p.year_given]
    assert len(undated) == 1
    answer = offline.ask("Bei welchem Eintrag fehlt das Jahr im Datum?")
    assert answer.answer.startswith('Read as: "Which paper\'s date has no year?"'), answer.answer
    assert [c.title for c in answer.citations] == [undated[0].title] and undated[0].long_date() in answer.answer


def test_titles_with_a_colon_asked_in_spanish(offline):
    with_colon = {p.title for p in offline.papers if ":" in p.title}
    answer = offline.ask("¿Cuántos títulos llevan dos puntos (:)?")
    assert answer.answer.startswith('Read as: "How many titles contain a colon?"'), answer.answer
    cited = {c.title for c in answer.citations}
    assert cited <= with_colon and len(cited) == min(len(with_colon), 25), answer.answer  # 25: the list's limit
    assert answer.answer.split("\n\n")[1].startswith(f"{len(with_colon)} titles"), answer.answer


def test_an_author_place_asked_in_another_language_is_that_place(offline):
    """"Zweitautor" is the second place, not the first author's form that was the only one of its kind; "three
    authors" is a count of names, not the third place."""
    owner = offline.profile.name
    for question, place, index in (("Auf wie vielen Arbeiten ist Jimmy Ba Zweitautor?", "second", 1),
                                   ("Na kolika článcích je Jimmy Ba třetím autorem?", "third", 2)):
        answer = offline.ask(question)
        assert answer.route == "metadata" and f'is he the {place} author?"' in answer.answer, answer.answer
        placed = [p for p in offline.papers if len(p.authors) > index and p.authors[index] == owner]
        assert f"{owner} is the {place} author of {len(placed)} papers" in answer.answer, answer.answer
    # three authors is not the third place
    answer = offline.ask("Ada berapa makalah dengan tepat tiga penulis?")
    assert 'Read as: "How many of the papers have exactly three authors?"' in answer.answer, answer.answer
    three = [p for p in offline.papers if len(p.authors) == 3 and not p.authors_truncated]
    assert {c.title for c in answer.citations} == {p.title for p in three}, answer.answer
