"""Another researcher's collection: nothing in the router may depend on the bundled listing.

`tests/data/other_researcher.jsonl` holds five well-known papers by other authors, with abstracts written for this
test (no profile header, so no owner). Plain questions whose answers the abstracts state are answered from the
right paper; the outside world and a detail no abstract gives are declined.
"""
from __future__ import annotations

import pytest

from conftest import TEST_DATA

FIXTURE = TEST_DATA / "other_researcher.jsonl"

ANSWERED = [
    ("What does dropout do to units during training?", "Dropout: A Simple Way to Prevent Neural Networks from "
                                                       "Overfitting", "randomly removing units"),
    ("By how many games did AlphaGo beat the European Go champion?", "Mastering the Game of Go with Deep Neural "
                                                                     "Networks and Tree Search", "5 games to 0"),
    ("What is the reparameterization of the variational lower bound used for?", "Auto-Encoding Variational Bayes",
     "estimator"),
    ("Why is a fixed-length vector a bottleneck for translation?", "Neural Machine Translation by Jointly Learning "
                                                                   "to Align and Translate", "fixed-length vector"),
    ("Who wrote the distillation paper?", "Distilling the Knowledge in a Neural Network", "Oriol Vinyals"),
]


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    from qa.assistant import Assistant
    from qa.ingest import ingest
    from qa.settings import Settings

    settings = Settings.from_env(data_dir=tmp_path_factory.mktemp("other") / "qa-data", sources=(FIXTURE,))
    ingest(settings, fmt="jsonl")
    return Assistant(settings, use_llm=False)


@pytest.mark.parametrize("question,title,phrase", ANSWERED)
def test_plain_questions_are_answered_from_the_right_paper(assistant, question, title, phrase):
    answer = assistant.ask(question)
    assert answer.route == "paper" and answer.mode == "extractive", answer.route_reason
    assert [c.title for c in answer.citations][:1] == [title]
    assert phrase in answer.answer


@pytest.mark.parametrize("question", ["What is the capital of France?", "What's the weather like in Paris today?"])
def test_the_outside_world_is_declined(assistant, question):
    answer = assistant.ask(question)
    assert answer.route == "not_answerable" and answer.mode == "refusal" and not answer.citations


def test_a_detail_no_abstract_gives_is_declined_naming_the_paper(assistant):
    answer = assistant.ask("How many GPUs did AlphaGo use?")
    assert answer.route == "not_answerable" and answer.mode == "refusal"
    assert "Mastering the Game of Go" in answer.answer


def test_the_owner_comes_from_the_collection_not_the_code(assistant):
    from qa.router import collection_owner
    from qa.sources import load_sources

    assert collection_owner(load_sources([FIXTURE]).papers) == ""  # five papers of different groups: no owner
    assert assistant.router().owner == ""
