"""The second retrieval stage and the query-focused extractive answers, on the real index and models."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.extractive import Candidates, Selection, clean_sentence, common_thread, select_papers, topic_query
from qa.question import comparison_targets
from qa.errors import QAError
from qa.papers import Paper
from qa.types import Hit
from qa.rerank import SentenceVectors

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def assistant(built_settings):
    return Assistant(built_settings, use_llm=False)


def _recall_at_1(retriever, name: str, second_stage: bool) -> float:
    questions = [json.loads(line) for line in (ROOT / "tests" / "data" / name).read_text().splitlines() if line]
    hits = sum(retriever.search(q["question"], k=1, second_stage=second_stage)[0].paper.title
               == q["expected_titles"][0] for q in questions)
    return hits / len(questions)


def test_second_stage_rescores_candidates_by_their_sentences(retriever):
    hits = retriever.search("squeezing a big image dataset into a handful of synthetic examples", k=5)
    assert all("sentences" in h.signals and "hybrid" in h.signals for h in hits)
    assert all(h.score > h.signals["hybrid"] for h in hits if h.signals["sentences"] > 0)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert "Dataset Distillation using Neural Feature Regression" in {h.paper.title for h in hits}


@pytest.mark.slow
def test_second_stage_keeps_named_papers_and_helps_paraphrases(retriever):
    assert _recall_at_1(retriever, "named.jsonl", second_stage=True) == 1.0
    before = _recall_at_1(retriever, "paraphrases_tune.jsonl", second_stage=False)
    after = _recall_at_1(retriever, "paraphrases_tune.jsonl", second_stage=True)
    assert after >= before


def test_sentence_vectors_are_cached_on_disk(built_settings, retriever):
    paper = retriever.papers[0]
    cache = SentenceVectors(retriever.embedder, built_settings.cache_dir)
    path = cache.directory / f"{paper.content_hash()}.npy"
    assert path.exists()  # written when the index was loaded (as `qa ingest` does)
    assert cache._read(paper).shape == cache.get(paper).shape


def test_evolution_question_is_answered_in_date_order_with_years(assistant):
    answer = assistant.ask("How did the work on world models evolve?")
    assert answer.route == "synthesis" and answer.mode == "extractive"
    years = [int(y) for y in re.findall(r"^- \*\*(\d{4})\*\*", answer.answer, re.MULTILINE)]
    assert len(years) >= 2 and years == sorted(years)
    assert [c.year for c in answer.citations] == sorted(c.year for c in answer.citations)
    lead = answer.answer.splitlines()[0]
    assert re.search(r"from \d{4} to \d{4}", lead)
    assert "Dream to Control: Learning Behaviors by Latent Imagination" in {c.title for c in answer.citations}


def test_comparison_of_two_papers_is_a_table(assistant):
    answer = assistant.ask("Compare POPLIN and Dreamer")
    assert answer.route == "synthesis"
    titles = [c.title for c in answer.citations]
    assert titles == ["Exploring Model-based Planning with Policy Networks",
                      "Dream to Control: Learning Behaviors by Latent Imagination"]
    rows = [line for line in answer.answer.splitlines() if line.startswith("|")]
    assert len(rows) >= 4 and rows[1].startswith("|---")
    assert all(row.count(" | ") >= 2 for row in rows if not row.startswith("|---"))
    assert "[1]" in rows[0] and "[2]" in rows[0]
    # two topics, not two papers: no table of two arbitrary papers
    topics = assistant.ask("What is the difference between model-free RL in these papers and supervised learning?")
    assert not any(line.startswith("|") for line in topics.answer.splitlines())


def test_a_comparison_quotes_what_it_asks_of_each_paper():
    """The row "On the question" reads the question without the names of the papers compared: a sentence that only
    names the paper loses to the one about what is asked, and the paper's definition is not repeated."""
    from qa.extractive import SynthesisPlan, _aspect, answer_several
    from qa.embeddings import get_embedder
    from qa.settings import Settings

    hashing = _paper("Hashnet: Fast Sequence Models", "This paper introduces a fast sequence model. Hashnet groups "
                     "similar keys into buckets by locality-sensitive hashing to approximate the attention matrix. "
                     "Hashnet is named after the hashing it uses and runs fast on long sequences.")
    kernels = _paper("Sequence Models with Kernelnets", "Kernelnets approximate attention in linear time. To "
                     "approximate the attention matrix they use random features of a softmax kernel. Kernelnets "
                     "reach good perplexity.")
    question = "Hashnet vs Kernelnet: how does each approximate attention?"
    assert _aspect(question, [hashing, kernels]) == "vs : how does each approximate attention?"
    assert _aspect("Compare Hashnet and Kernelnets", [hashing, kernels]) == "Compare Hashnet and Kernelnets"
    embedder = get_embedder(Settings.from_env())
    plan = SynthesisPlan("compare", [Hit(hashing, 1.0, "", ""), Hit(kernels, 1.0, "", "")])
    pieces, _ = answer_several(question, plan, embedder)
    row = next(p for p in pieces if p.startswith("| On the question"))
    assert "locality-sensitive hashing" in row and "random features" in row, row


def test_a_year_the_source_did_not_give_is_said_to_be_supplied():
    """A listing's "Feb 4" is read as the listing's year; a several-paper answer shows that year as supplied."""
    import dataclasses
    from qa.extractive import SynthesisPlan, answer_several
    from qa.embeddings import get_embedder
    from qa.settings import Settings

    dated = _paper("Agents That Plan", "The authors train agents that plan with a learned model of the world.")
    undated = dataclasses.replace(_paper("Agents That Search", "The authors train agents that search over plans."),
                                  year_given=False)
    embedder = get_embedder(Settings.from_env())
    for kind in ("topic", "evolution", "compare"):
        plan = SynthesisPlan(kind, [Hit(dated, 1.0, "", ""), Hit(undated, 1.0, "", "")])
        text = "".join(answer_several("Which papers train agents that plan?", plan, embedder)[0])
        assert "2020, year not given" in text and text.count("year not given") == text.count("2020, year not"), text


def test_synthesis_is_not_padded_to_k(assistant):
    answer = assistant.ask("How many papers are about dataset distillation?")
    assert answer.route == "synthesis"
    assert 1 <= len(answer.citations) < assistant.settings.k
    assert answer.citations[0].title == "Dataset Distillation using Neural Feature Regression"
    assert re.match(r"^(One paper|\d+ papers)", answer.answer)


def test_topic_answer_opens_with_a_lead_and_has_no_we_or_latex(assistant):
    for question in ("What has been done on model-based reinforcement learning?",
                     "Summarize the research on variational autoencoders."):
        answer = assistant.ask(question)
        lead = answer.answer.splitlines()[0]
        assert re.match(r"^(One paper|\d+ papers)", lead), lead
        assert not re.search(r"\b(we|our|us)\b", answer.answer, re.IGNORECASE), answer.answer
        assert "$" not in answer.answer and "\\" not in answer.answer
        assert len(answer.citations) == len(answer.sources)
        assert all(re.search(r"[.!?\]]\)?$", line.strip()) for line in answer.answer.splitlines() if line.strip())


def test_extractive_answers_stream_piece_by_piece(assistant):
    events = list(assistant.ask_stream("How did the work on world models evolve?"))
    deltas = [e.text for e in events if e.kind == "delta"]
    done = [e for e in events if e.kind == "done"][0].answer
    assert len(deltas) >= 3 and "".join(deltas) == done.answer


def test_text_cleaning():
    # LaTeX is converted at ingest (pylatexenc); text indexed before that is converted here the same way
    assert clean_sentence(r"We map $x \rightarrow y$ with $\boldsymbol{W}^{2}$; our gain is $\sim$3\%.") == \
        "The authors map x → y with W^2; their gain is ∼3%."
    assert clean_sentence("Reversible RNNs---RNNs for which ...") == "Reversible RNNs—RNNs for which ..."
    assert comparison_targets("Compare POPLIN and Dreamer") == ["POPLIN", "Dreamer"]
    assert comparison_targets("How does DreamerV3 differ from DreamerV2?") == ["DreamerV3", "DreamerV2"]
    assert comparison_targets("What is FRePo?") == []
    assert topic_query("When does the LLM work start, and what came before?") == "LLM"


def test_the_things_a_comparison_names_or_describes():
    """Each thing compared is searched alone (`Reader._compares_two_papers`, `Assistant._compared_papers`), so
    what is asked of them must not stick to the last one."""
    # what is asked of them after a colon is not a third thing compared; a list after one is what is compared
    assert comparison_targets("Contrast Lookahead with Flipout: which noise does each add?") == ["Lookahead", "Flipout"]
    assert comparison_targets("Compare the two world models here: DreamerV2 vs DreamerV3") == ["DreamerV2", "DreamerV3"]
    assert comparison_targets("Reversible nets: how do FRePo and POPLIN differ?") == ["FRePo", "POPLIN"]
    # two papers described one by one
    assert comparison_targets("Two papers plan in latent space, one with a learned policy network and the other "
                              "with an imagined critic. How do they differ?") == \
        ["with a learned policy network", "with an imagined critic"]
    # things described at length, with "and", "to" and "from" inside each: parted where a new noun phrase begins
    assert comparison_targets("Compare the detector that proposes regions and scores them with the one that looks "
                              "at the image once to predict boxes from a grid.") == \
        ["detector that proposes regions and scores them",
         "one that looks at the image once to predict boxes from a grid"]
    # the role they are compared in is not part of the second thing ("as well as" joins two things)
    assert comparison_targets("Compare FRePo and POPLIN as ways of saving compute.") == ["FRePo", "POPLIN"]
    # the "and" of an author reference joins no two things compared
    assert comparison_targets("Compare the single-shot detector by Redmon and colleagues with Ren and Girshick's "
                              "proposal network.") == ["single-shot detector by Redmon", "Girshick's proposal network"]
    assert comparison_targets("How does Ioffe et al.'s normalization paper differ from the Ronneberger network?") == \
        ["Ioffe's normalization paper", "Ronneberger network"]
    # "to" before a verb is not a second thing compared
    assert comparison_targets("Compare the study that scores agents offline with the method that sets goals to "
                              "maximize entropy.") == ["study that scores agents offline",
                                                       "method that sets goals to maximize entropy"]


def _paper(title: str, abstract: str, category: str = "LG", has_code: bool = False) -> Paper:
    """A listed paper with only a title and an abstract that matter."""
    return Paper(paper_id=title, title=title, authors=[], authors_truncated=False, affiliations=[],
                 category=category, date="2020-01-01", year=2020, has_code=has_code, abstract=abstract)


def test_common_thread_is_written_as_the_papers_write_it():
    # lower-cased, "US English" would read as the pronoun "us" (and fail the no-"we" check of extractive answers)
    def paper(title, abstract):
        return _paper(title, abstract, category="SD")

    papers = [paper("A", "A vocoder trained on US English speech reaches a high mean opinion score."),
              paper("B", "Trained on US English, the model improves the mean opinion score of synthesis."),
              paper("C", "An image classifier for flowers.")]
    thread = common_thread(papers[:2], papers)
    assert "US English" in thread and not any("us english" in t for t in thread)
    # one paper's name, which the other mentions, is not a thread they share
    named = [_paper("Hashnet: Speedy Models", "Hashnet buckets keys. It runs on Wikitext."),
             _paper("Kernel Features for Attention", "Unlike Hashnet, kernels approximate attention. It runs on Wikitext.")]
    assert common_thread(named) == ["Wikitext"]


def test_llm_gets_the_sources_in_date_order_and_the_layout(built_settings):
    from fake_openai_server import FakeOpenAIServer
    from qa.llm import ChatLLM

    text = "Two papers trace world models from 2019 to 2023 [1]. Dreamer learns behaviours by latent imagination [1]."
    with FakeOpenAIServer("ok", text=text) as server:
        llm = ChatLLM(base_url=server.base_url, api_key="sk-test", model_id="fake-model", timeout=5, max_retries=0)
        settings = built_settings.replace(router="model")  # the intent model routes: the fake model only answers
        answer = Assistant(settings, llm=llm).ask("How did the work on world models evolve?")
        sent = server.chat_requests[-1]["json"]["messages"]
    assert answer.route == "synthesis"
    years = [int(y) for y in re.findall(r'<source n="\d+" title="[^"]*" year="(\d{4})"', sent[1]["content"])]
    assert len(years) >= 2 and years == sorted(years)
    assert "date order" in sent[1]["content"] and "Open with one sentence" in sent[0]["content"]
    assert [s.year for s in answer.sources] == years


def _hit(title: str, hybrid: float) -> Hit:
    paper = Paper(paper_id=title, title=title, authors=[], authors_truncated=False, affiliations=[], category="LG",
                  date="2020-01-01", year=2020, has_code=False, abstract=f"{title}.")
    return Hit(paper, hybrid, "", "", {"hybrid": hybrid})


def test_selection_keeps_papers_close_to_the_best_one():
    hits = [_hit(t, h) for t, h in (("A", 1.0), ("B", 0.9), ("C", 0.5), ("D", 0.45), ("E", 0.1))]
    candidates = Candidates("q", "topic", hits, sentence=[0.6, 0.5, 0.4, 0.45, 0.2], coverage=[1, 1, 0, 0.5, 0])
    rule = Selection(pool=20, coverage=0.0, relative=0.75, floor=0.0, evolution_relative=0.5, most=8)
    # evidence = hybrid + best sentence: 1.6, 1.4, 0.9, 0.9, 0.3; 75% of the best is 1.2
    assert [h.paper.title for h in select_papers(candidates, rule)] == ["A", "B"]
    # a looser bar for "how did X evolve"; the list is capped; the pool bounds what is considered
    candidates.kind = "evolution"
    assert [h.paper.title for h in select_papers(candidates, rule)] == ["A", "B", "C", "D"]
    assert len(select_papers(candidates, rule.replace(most=3))) == 3
    assert [h.paper.title for h in select_papers(candidates, rule.replace(pool=3))] == ["A", "B", "C"]
    # the words of the question that a paper contains count when asked to (D has half of them, C none)
    assert [h.paper.title for h in select_papers(candidates, rule.replace(coverage=1.0))] \
        == ["A", "B", "D"]
    # a comparison cites the papers it names, whatever the scores
    candidates.kind, candidates.named = "compare", [hits[4], hits[2]]
    assert [h.paper.title for h in select_papers(candidates, rule)] == ["E", "C"]


def test_the_trained_selection_cites_the_likeliest_paper_and_those_at_its_threshold(tmp_path):
    """`qa.selection.SelectionModel` with weights written here: the likeliest candidate is always cited, every other
    at the threshold, at most `MOST` (`MOST_EVOLUTION` for a course over the years), likeliest first."""
    import json

    from qa.selection import FEATURES, MOST, MOST_EVOLUTION, SelectionModel

    weights = [0.0] * len(FEATURES)
    weights[FEATURES.index("hybrid")] = 4.0  # on the standardised hybrid score alone
    path = tmp_path / "selection.json"
    path.write_text(json.dumps({"features": list(FEATURES), "weights": weights, "bias": 0.0,
                                "mean": [0.0] * len(FEATURES), "scale": [1.0] * len(FEATURES),
                                "thresholds": {"topic": 0.5, "count": 0.9}, "data_sha256": "test"}))
    model = SelectionModel(path)
    hits = [_hit(t, h) for t, h in (("A", 0.2), ("B", -0.1), ("C", 0.9), ("D", -0.5))]
    candidates = Candidates("q", "topic", hits, sentence=[0.5] * 4, coverage=[0.5] * 4)
    assert [h.paper.title for h in model.choose(candidates)] == ["C", "A"]  # p = 0.97, 0.69, 0.40, 0.12
    candidates.kind = "count"  # its own threshold
    assert [h.paper.title for h in model.choose(candidates)] == ["C"]
    candidates.kind = "evolution"  # none of its own: the topic's
    assert [h.paper.title for h in model.choose(candidates)] == ["C", "A"]
    weak = Candidates("q", "topic", [_hit("E", -0.3), _hit("F", -0.6)], sentence=[0.1, 0.1], coverage=[0.0, 0.0])
    assert [h.paper.title for h in model.choose(weak)] == ["E"]  # below the threshold, but the likeliest
    many = [_hit(f"P{i}", 1.0 + i / 100) for i in range(14)]
    assert len(model.choose(Candidates("q", "topic", many, sentence=[0.5] * 14, coverage=[0.5] * 14))) == MOST
    # a course over the years names its whole line of work, up to `MOST_EVOLUTION`
    course = model.choose(Candidates("q", "evolution", many, sentence=[0.5] * 14, coverage=[0.5] * 14))
    assert len(course) == MOST_EVOLUTION > MOST
    (tmp_path / "old.json").write_text(json.dumps({"features": ["hybrid"], "weights": [1.0]}))
    with pytest.raises(QAError, match="other features"):
        SelectionModel(tmp_path / "old.json")


def test_the_shipped_selection_cites_a_topic_and_leaves_a_near_paper_out(assistant):
    candidates = assistant.synthesis_candidates("Which papers learn a world model and train an agent inside it?")
    chosen = {h.paper.title for h in select_papers(candidates)}
    assert {"Dream to Control: Learning Behaviors by Latent Imagination",
            "Mastering Atari with Discrete World Models"} <= chosen
    assert "Dataset Distillation using Neural Feature Regression" not in chosen and len(chosen) <= 8


def test_topic_question_cites_the_papers_on_the_topic_and_not_the_others(assistant):
    cases = [("What has been done on model-based reinforcement learning?",
              {"Benchmarking Model-Based Reinforcement Learning", "Exploring Model-based Planning with Policy Networks"},
              "Dataset Distillation using Neural Feature Regression"),
             ("Summarize the research on variational autoencoders.",
              {"Multi-Rate VAE: Train Once, Get the Full Rate-Distortion Curve", "Clockwork Variational Autoencoders"},
              "Large Language Models Are Human-Level Prompt Engineers"),
             # a rare word ("Minecraft") weighs more than a common one ("agents")
             ("What work is there on agents in Minecraft?",
              {"STEVE-1: A Generative Model for Text-to-Behavior in Minecraft",
               "Mastering Diverse Domains through World Models"},
              "Dataset Distillation using Neural Feature Regression")]
    for question, on_topic, off_topic in cases:
        answer = assistant.ask(question)
        titles = {c.title for c in answer.citations}
        assert answer.route == "synthesis" and on_topic <= titles, (question, titles)
        assert off_topic not in titles and len(titles) <= 8, (question, titles)


def test_a_name_given_as_an_example_does_not_narrow_the_answer_to_the_papers_that_write_it(assistant):
    from qa.question import given_as_examples

    assert given_as_examples("Which papers use recurrent networks such as LSTMs?", ["LSTMs"])
    assert not given_as_examples("Which papers use LSTMs?", ["LSTMs"])
    assert not given_as_examples("Which papers use MuJoCo, such as for locomotion?", ["MuJoCo"])
    assert given_as_examples("Which papers build on gradient descent or SGD?", ["SGD"])  # two ways of saying it
    assert not given_as_examples("Which papers use MuJoCo or Atari?", ["MuJoCo", "Atari"])
    assert given_as_examples("Which papers use SGD or gradient descent?", ["SGD"])
    assert not given_as_examples("How many entries use PPO or compare against it?", ["PPO"])  # two things done
    # one abstract writes "SGD", and others analyse gradient descent in those words
    answer = assistant.ask("Which of these papers rely on gradient descent or SGD?")
    titles = {c.title for c in answer.citations}
    wanted = {p.title for p in assistant.papers if p.title.startswith(("Lookahead Optimizer", "When Does Precond"))}
    assert answer.route == "synthesis" and len(wanted) == 2 and wanted <= titles, titles
    # only one abstract writes "LSTM": the kind it stands for is answered too, by the paper named after it
    answer = assistant.ask("Which papers work with recurrent neural networks such as LSTMs?")
    titles = {c.title for c in answer.citations}
    assert answer.route == "synthesis" and {"Reversible Recurrent Neural Networks",
                                            "Flipout: Efficient Pseudo-Independent Weight Perturbations on "
                                            "Mini-Batches"} <= titles, titles
    written = assistant.ask("Which papers mention LSTMs?")  # the name itself: exactly the papers that write it
    assert [c.title for c in written.citations] == ["Flipout: Efficient Pseudo-Independent Weight Perturbations on "
                                                    "Mini-Batches"], [c.title for c in written.citations]


def test_a_list_of_names_of_several_words_cites_the_papers_that_write_any(assistant):
    """"Common Crawl, Penn Treebank or GSM8k": each name whole; "Common" alone is a word most abstracts write."""
    from qa.extractive import writes

    names = ("Common Crawl", "Penn Treebank", "GSM8k")
    holders = {p.title for p in assistant.papers for n in names if writes(p, n)}
    answer = assistant.ask("Which abstracts mention Common Crawl, Penn Treebank or GSM8k?")
    assert answer.route == "synthesis" and {c.title for c in answer.citations} == holders and len(holders) == 3, \
        [c.title for c in answer.citations]


def test_a_list_by_a_phrase_cites_every_paper_that_writes_it(assistant):
    """"Which papers bring up the learning rate?": the papers that write the phrase are among those cited, with
    the ones the selection finds on its own; the phrase's last word is read as a word start ("language models"
    finds "language model")."""
    from qa.text import mentioned_phrase, says

    assert mentioned_phrase("Which papers bring up the learning rate?") == "learning rate"
    assert mentioned_phrase("How many abstracts talk about language models?") == "language model"
    assert mentioned_phrase("Which abstracts mention momentum?") == ""  # one word: in any of its forms
    holders = {p.title for p in assistant.papers if says(f"{p.title} {p.abstract}", "learning rate")}
    answer = assistant.ask("Which papers bring up the learning rate?")
    assert answer.route == "synthesis" and len(holders) >= 3 and holders <= {c.title for c in answer.citations}, \
        [c.title for c in answer.citations]


def test_a_list_whose_items_write_one_word_in_different_forms_cites_the_papers_that_write_it(assistant):
    """"imagination, such as imagined trajectories or imagining the future": the items share the start "imagin", so
    the papers are those that write a word starting so; items of one stem share the stem, a hyphenated word is not
    split, and items with nothing in common share nothing."""
    from qa.evidence import shared_word
    from qa.text import says

    assert shared_word(["imagination", "such as imagined trajectories", "imagining the future"]) == ("imagin", True)
    assert shared_word(["memory cost", "memory savings"]) == ("memory", False)
    assert shared_word(["zero-shot results", "zero-shot transfer"]) == ("", False)
    assert shared_word(["emulators", "simulators"]) == ("", False)
    # the word the papers are listed by, then examples that write it in another form
    assert shared_word([], "Which papers bring up regularization, whether regularized losses or regularizers?") == \
        ("regulariz", True)
    assert shared_word([], "Which papers bring up regularization, such as dropout or weight decay?") == ("", False)
    # "tree" is four letters of "trees": too short a start to be the word
    assert shared_word([], "Which papers involve trees, for instance a search tree?") == ("", False)
    # a head of two words that the examples repeat
    assert shared_word([], "Which abstracts bring up test time, such as speed or accuracy at test time?") == \
        ("test time", True)
    assert shared_word([], "Which abstracts bring up test time, such as speed or accuracy?") == ("", False)
    writers = {p.title for p in assistant.papers if says(f"{p.title} {p.abstract}", "test time")}
    assert 2 <= len(writers) <= 8
    answer = assistant.ask("Which abstracts bring up test time, such as speed or accuracy at test time?")
    assert {c.title for c in answer.citations} == writers, [c.title for c in answer.citations]
    holders = {p.title for p in assistant.papers if says(f"{p.title} {p.abstract}", "imagin")}
    assert 2 <= len(holders) <= 8
    answer = assistant.ask("Which papers deal with imagination, such as imagined trajectories or imagining the future?")
    assert answer.route == "synthesis" and {c.title for c in answer.citations} == holders, \
        [c.title for c in answer.citations]


def test_comparison_cites_exactly_the_papers_it_names(assistant):
    # names the router knows (a system's own name), though the question goes on about a topic
    answer = assistant.ask("How do ToolEmu and WMDP differ in what they measure?")
    assert [c.title for c in answer.citations] == [
        "Identifying the Risks of LM Agents with an LM-Emulated Sandbox",
        "The WMDP Benchmark: Measuring and Reducing Malicious Use With Unlearning"]
    assert answer.answer.startswith("Side by side:")
    # a follow-up compares the paper under discussion with the one it names
    history = [{"role": "user", "content": "What is BatchEnsemble?"},
               {"role": "assistant", "content": "From “BatchEnsemble: An Alternative Approach to Efficient Ensemble "
                                                "and Lifelong Learning” (2020): ..."}]
    answer = assistant.ask("How does it compare with Flipout?", history)
    assert [c.title for c in answer.citations] == [
        "BatchEnsemble: An Alternative Approach to Efficient Ensemble and Lifelong Learning",
        "Flipout: Efficient Pseudo-Independent Weight Perturbations on Mini-Batches"]


def test_the_kind_of_answer_is_read_in_other_languages(assistant):
    """The trained kind model (qa.kinds) over the question's multilingual-e5 vector: a timeline, a count or a table
    in any language, where the English patterns alone read a topic (questions written for this test)."""
    from qa.kinds import synthesis_kind

    encoder = assistant.retriever.multilingual.encoder
    cases = [("Wie hat sich die Arbeit an Weltmodellen im Lauf der Jahre entwickelt?", "evolution"),
             ("Come è cambiata nel tempo la ricerca del gruppo sull'ottimizzazione?", "evolution"),
             ("¿Cómo ha evolucionado con los años el trabajo sobre modelos del mundo?", "evolution"),
             ("Jak zmieniały się z czasem prace nad agentami w Minecrafcie?", "evolution"),
             ("How did the prompting work develop over the years?", "evolution"),
             ("Quantos artigos da lista tratam de aprendizado por reforço?", "count"),
             ("Hoeveel artikelen gaan over taalmodellen?", "count"),
             ("Ile prac dotyczy modeli językowych?", "count"),
             ("Combien d'articles portent sur l'apprentissage par renforcement ?", "count"),
             ("Welche Arbeiten beschäftigen sich mit generativen Modellen?", "topic"),
             ("Quais trabalhos tratam de destilação de dados?", "topic"),
             ("Quels travaux portent sur l'incertitude des réseaux de neurones ?", "topic")]
    by_model = sum(synthesis_kind(q, 0, encoder.query(q)) == kind for q, kind in cases)
    by_patterns = sum(synthesis_kind(q, 0) == kind for q, kind in cases)
    assert by_model >= 10 and by_patterns <= 6, (by_model, by_patterns)  # 11 and 5 when written
    # a comparison needs the papers it compares: two named, else a question about a topic
    question = "Vergleiche Lookahead und Flipout: was ändern sie am Training?"
    assert synthesis_kind(question, 2, encoder.query(question)) == "compare"
    assert synthesis_kind(question, 0, encoder.query(question)) == "topic"


def test_an_evolution_question_in_another_language_gets_a_timeline(assistant):
    answer = assistant.ask("¿Cómo ha evolucionado con los años el trabajo sobre modelos del mundo?")
    assert answer.route == "synthesis"
    years = [int(y) for y in re.findall(r"^- \*\*(\d{4})\*\*", answer.answer, re.MULTILINE)]
    assert len(years) >= 2 and years == sorted(years), answer.answer
    assert answer.answer.startswith(f"{len(years)} papers trace this from {years[0]} to {years[-1]}")


def test_a_course_over_two_years_written_in_english_gets_a_timeline(assistant):
    """"How has the study of sample efficiency developed … from 2017 to 2020?": the kind model reads a topic from e5
    (and the answer was one paper); the English pattern of a course and the span of years make it a timeline."""
    from qa.kinds import MAX_COMPARED, kind_patterns, model

    question = "How has the study of sample efficiency developed in the listing from 2017 to 2020?"
    encoder = assistant.retriever.multilingual.encoder
    assert model().kind(encoder.query(question), kind_patterns(question), 0, MAX_COMPARED) == "topic"
    answer = assistant.ask(question)
    years = [int(y) for y in re.findall(r"^- \*\*(\d{4})\*\*", answer.answer, re.MULTILINE)]
    assert len(years) >= 2 and years == sorted(years) and 2017 <= years[0] and years[-1] <= 2020, answer.answer
    assert answer.answer.startswith(f"{len(years)} papers trace this from"), answer.answer


def test_a_kind_model_for_other_kinds_is_refused_in_one_line(tmp_path):
    import json

    from qa.kinds import KindModel

    (tmp_path / "kind.json").write_text(json.dumps({"kinds": ["topic", "count"], "weights": [], "bias": []}))
    with pytest.raises(QAError, match="other kinds"):
        KindModel(tmp_path / "kind.json")
    with pytest.raises(QAError, match="cannot read the answer-kind model"):
        KindModel(tmp_path / "missing.json")


def test_a_candidate_like_the_best_ones_reads_as_like_them():
    """The selection's pseudo-relevance inputs: a candidate's cosine with the candidates of best evidence."""
    import numpy as np

    from qa.selection import FEATURES, features

    hits = [_hit(t, h) for t, h in (("A", 0.9), ("B", 0.8), ("C", 0.7), ("D", 0.6), ("E", 0.5))]
    similarity = np.array([[1.0, 0.9, 0.8, 0.85, 0.1],
                           [0.9, 1.0, 0.8, 0.8, 0.2],
                           [0.8, 0.8, 1.0, 0.7, 0.1],
                           [0.85, 0.8, 0.7, 1.0, 0.1],
                           [0.1, 0.2, 0.1, 0.1, 1.0]])
    candidates = Candidates("q", "topic", hits, sentence=[0.5] * 5, coverage=[0.5] * 5, similarity=similarity)
    rows = features(candidates)
    like = rows[:, FEATURES.index("like_best")]
    assert like[3] > like[4] and rows[4, FEATURES.index("like_best_from_top")] < -0.5
    assert rows[:, FEATURES.index("like_nearest")].tolist() == [0.9, 0.9, 0.8, 0.85, 0.2]
    candidates.similarity = None  # a collection past the multilingual vectors' limit: no such input
    assert not features(candidates)[:, FEATURES.index("like_best"):].any()


def test_a_thread_of_single_words_names_something():
    """Two abstracts that both write "demonstrate" share nothing worth a lead; a title word or a name is a thread."""
    def paper(title, abstract):
        return _paper(title, abstract, has_code=False)

    papers = [paper("Agents in games", "Here agents play the MuJoCo suite, and the authors demonstrate that this "
                    "is difficult."),
              paper("Planning for agents", "Results demonstrate that agents reach high MuJoCo scores, though "
                    "reaching them is difficult."),
              paper("Flowers", "An image classifier for flowers."), paper("Speech", "A vocoder for speech.")]
    thread = common_thread(papers[:2], papers, limit=5)
    assert "MuJoCo" in thread and "agents" in {t.lower() for t in thread}, thread
    assert not {"demonstrate", "difficult"} & {t.lower() for t in thread}, thread


def test_two_phrases_of_one_run_are_that_run_once():
    """"outperforms previous" and "previous methods": one thread, "outperforms previous methods", when a paper writes
    the run; not "outperforms previous and previous methods"."""
    def paper(title, abstract):
        return _paper(title, abstract, has_code=False)

    papers = [paper("Sparse attention", "Sparse attention outperforms previous methods on long documents."),
              paper("Linear attention", "Linear attention also outperforms previous methods on long documents."),
              paper("Flowers", "An image classifier for flowers."), paper("Speech", "A vocoder for speech.")]
    assert common_thread(papers[:2], papers, limit=2) == ["outperforms previous methods", "long documents"]


def test_a_link_is_no_thread():
    """Two abstracts that both end with their code's GitHub link share no topic "https github"."""
    def paper(title, abstract):
        return _paper(title, abstract, has_code=True)

    papers = [paper("Sample-efficient planning", "Planning with sample efficiency. Code: https://github.com/a/b."),
              paper("Model-based control", "Control with sample efficiency. See https://github.com/c/d for code."),
              paper("Flowers", "An image classifier for flowers."), paper("Speech", "A vocoder for speech.")]
    thread = [t.lower() for t in common_thread(papers[:2], papers, limit=5)]
    assert "sample efficiency" in thread, thread
    assert not any("http" in t or "github" in t for t in thread), thread
    # nor the sentence that gives the link: "please check out our project page" is no shared topic
    papers[:2] = [paper("Sample-efficient planning", "Planning with sample efficiency. Please check out our page at "
                        "https://x.io/a."),
                  paper("Model-based control", "Control with sample efficiency. Please check our website "
                        "https://y.io/b for more.")]
    thread = [t.lower() for t in common_thread(papers[:2], papers, limit=5)]
    assert "sample efficiency" in thread and not any("check" in t or "please" in t for t in thread), thread


def test_a_line_of_work_quotes_what_each_paper_did(assistant):
    """Each bullet of a timeline quotes the sentence where the authors say what they did ("The authors present
    DreamerV3, …"), which names the system, over a closer sentence on the topic that does not."""
    answer = assistant.ask("trace the Dreamer line from the first version to the third")
    bullets = [line for line in answer.answer.splitlines() if line.startswith("- **")]
    assert len(bullets) >= 3, answer.answer
    assert re.search(r"The authors (present|introduce)[^.]*DreamerV2", answer.answer), answer.answer
    assert re.search(r"The authors (present|introduce)[^.]*DreamerV3", answer.answer), answer.answer


def test_a_paper_is_known_by_the_name_it_introduces():
    """What a sentence says the authors introduce, and the name a paper is labelled with where its title does not
    write it (any collection: made-up abstracts here)."""
    from qa.names import introduced_name, introduced_names
    assert introduced_names("To guide progress, we develop RMU, a state-of-the-art unlearning method.") == ["RMU"]
    assert introduced_names("Our proposed method, ESPER, learns to cluster trajectories.") == ["ESPER"]
    assert introduced_names("We show the capabilities of our model on the MiniWoB environment.") == []  # not theirs
    assert introduced_names("We introduce graph normalizing flows: a reversible model.") == []
    # an acronym in brackets where the authors speak of themselves in the third person
    assert introduced_names("Drawing on kernel methods, the authors design the Sparse Kernel Tracker (SKT), which "
                            "follows objects across frames.") == ["SKT"]
    assert introduced_names("The Sparse Kernel Tracker (SKT) follows objects across frames.") == []
    assert introduced_names("The new methods, called clipped surrogate optimization (CSO), have some of the "
                            "benefits of trust region policy optimization (TRPO), but are simpler.") == ["CSO"]
    abstract = ("Planning is hard in high dimensions. In this paper, we propose a novel algorithm, model-based "
                "policy planning (POPLIN), that combines policy networks with planning. POPLIN is 3x more "
                "sample efficient than earlier methods.")
    assert introduced_name("Exploring Planning with Policy Networks", abstract) == "POPLIN"
    assert introduced_name("POPLIN: Planning with Policy Networks", abstract) is None  # the title already says it
    # abstracts in the third person: an acronym of the title's words that opens a sentence, a coined name opening
    # the abstract, "this paper proposes …", and a later name in a sentence after "this paper proposes"
    third = ("Labels are scarce. Slow Teacher Averaging (STA) trains a student against a slowly moving copy of "
             "itself. STA needs no negative pairs.")
    assert introduced_name("Slow Teacher Averaging for Vision", third) == "STA"
    assert introduced_name("Vision with Slow Teachers", "Images abound. A Slow Teacher Averaging (STA) of "
                                                       "weights is used here. STA is cheap.") is None  # not opening
    assert introduced_name("A Tiny Framework for Contrastive Vision",
                           "GlimCLR is a tiny framework for contrastive vision. It needs no memory bank.") == "GlimCLR"
    assert introduced_name("Predicting Codes", "This paper proposes Contrastive Code Prediction (CCP), a method "
                                               "for audio.") == "CCP"
    assert introduced_name("Sequence Mapping with Recurrent Nets", "This paper proposes a mapping system built "
                           "from RNNs, the model now called the Recurrent Mapper. It is trained end to end.") == \
        "Recurrent Mapper"


def test_answers_name_what_a_described_paper_introduces(assistant):
    """A question that describes a paper gets the name of what it introduces, which the sentences closest to its
    wording may leave out: in a one-paper answer the sentence that introduces it, in a several-paper answer a label
    after the title."""
    papers = {p.title: p for p in assistant.papers}
    from qa.names import introduced_name
    answer = assistant.ask("What practical method comes out of the theory of domain generalization for "
                           "goal-conditioned agents, and how much better is it than the baselines?")
    assert answer.route == "paper", answer
    cited = papers[answer.citations[0].title]
    name = introduced_name(cited.title, cited.abstract)
    assert name and name in answer.answer, answer.answer
    answer = assistant.ask("Which papers plan or imagine trajectories with a learned world model?")
    labelled = [c for c in answer.citations if introduced_name(c.title, papers[c.title].abstract)]
    assert labelled, answer.answer
    for c in labelled:
        assert f"{c.title} ({introduced_name(c.title, papers[c.title].abstract)}, {c.year})" in answer.answer


def test_two_papers_described_one_by_one_are_compared_side_by_side(assistant):
    """"The two … papers: one …, the other …": each description searched alone finds its paper, so the answer is a
    comparison of those two in the order described, although a question about "papers" is otherwise a topic."""
    answer = assistant.ask("Compare the two ensemble papers: one shares weights so that an ensemble of networks costs "
                           "little, the other boosts few-shot prompts for a language model.")
    assert answer.answer.startswith("Side by side: BatchEnsemble"), answer.answer
    assert [c.title for c in answer.citations] == ["BatchEnsemble: An Alternative Approach to Efficient Ensemble and "
                                                   "Lifelong Learning", "Boosted Prompt Ensembles for Large Language "
                                                   "Models"]


def test_a_comparison_in_another_language_that_names_no_two_papers_is_about_the_papers_on_its_topic(assistant):
    """"Vergleiche die Arbeiten über Weltmodelle" asks about the papers on world models, not about two of them picked
    side by side (a question about "papers" in English is read so too); two papers it names are still compared."""
    world_models = {p.title for p in assistant.papers if "world model" in f"{p.title} {p.abstract}".lower()}
    answer = assistant.ask("Vergleiche die Arbeiten über Weltmodelle.")
    assert answer.route == "synthesis" and not answer.answer.startswith("Side by side"), answer.answer
    assert {c.title for c in answer.citations} <= world_models, answer.answer
    assert assistant.ask("Vergleiche POPLIN und Dreamer.").answer.startswith("Side by side: Exploring Model-based")


def test_a_paper_called_by_a_name_is_defined_by_the_sentence_that_writes_it(assistant):
    """"How do WMDP and ToolEmu differ?": the WMDP paper releases the benchmark and also develops an unlearning method
    (RMU), which its title does not name; the comparison defines it by the benchmark the question calls it by."""
    answer = assistant.ask("How do WMDP and ToolEmu differ?")
    row = next(line for line in answer.answer.splitlines() if line.startswith("| What it is"))
    assert "3,668 multiple-choice questions" in row, answer.answer


def test_a_several_paper_answer_quotes_the_sentence_that_states_what_is_asked(assistant, monkeypatch):
    """Each paper's sentences weigh the answer-sentence model's probability, not the cosine alone: asked what was done
    on Atari, DreamerV2 is quoted first with the sentence that states what it reached on the Atari benchmark, not
    with the one that introduces it."""
    import qa.extractive

    def dreamer_v2(answer):
        return next(line.split("): ", 1)[1] for line in answer.splitlines() if "(DreamerV2, 2020)" in line)

    question = "What has been done on Atari in this collection?"
    answer = assistant.ask(question)
    assert answer.route == "synthesis", answer.route_reason
    assert dreamer_v2(answer.answer).startswith("DreamerV2 constitutes the first agent that achieves human-level")
    monkeypatch.setattr(qa.extractive, "STATING_WEIGHT", 0.0)
    assert not dreamer_v2(assistant.ask(question).answer).startswith("DreamerV2 constitutes")  # what the weight brings


@pytest.mark.parametrize("question,first,second", [
    ("Compare the 2018 GAN paper built on regularized optimal transport with the planner that predicts actions from "
     "pixels.", "On the Convergence and Robustness", "Planning from Pixels"),
    ("How does the 2024 benchmark of hazardous knowledge differ from the clinical chat model?", "The WMDP Benchmark",
     "Clinical Camel")])
def test_a_year_that_says_which_paper_is_compared_restricts_nothing(assistant, question, first, second):
    """"The 2018 GAN paper … with the planner …": the year describes one of the two, so the other is looked for in
    every year (it was looked for among the papers of 2018 alone, and another paper of that year was compared)."""
    from qa.question import years_describe_one_side

    assert years_describe_one_side(question)
    answer = assistant.ask(question)
    titles = [c.title for c in answer.citations]
    assert answer.route == "synthesis" and len(titles) == 2 and any(t.startswith(first) for t in titles) and \
        any(t.startswith(second) for t in titles), titles
    assert answer.filters == ""


def test_years_that_bound_the_papers_compared_stay_a_filter():
    from qa.question import years_describe_one_side

    assert not years_describe_one_side("Compare the two papers from 2018: what does each change?")
    assert not years_describe_one_side("Compare POPLIN with the papers from 2020.")
    assert not years_describe_one_side("Compare the 2019 optimizer with the 2020 ensemble method.")  # both dated
    assert years_describe_one_side("How does Flipout differ from the 2020 method built on rank-one factors?")
