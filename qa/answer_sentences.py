"""Which abstract sentence states what a question asks: a trained model, in any language of the question.

A sentence close to the question in embedding cosine is about the same thing, not necessarily the answer: "Which GPU
model was X fine-tuned on?" is close to "X is fine-tuned from LLaMA-2 on medical dialogues", which names a model,
not a GPU. The model (qa/data/answer_sentences.json, written by tools/train_intent.py from the labelled questions:
a sentence answers when it holds the strings the answer must include) is a logistic regression over

- the question's and the sentence's multilingual-e5 vectors multiplied element by element (a learned cosine);
- the question's vector times what the sentence holds (a number, names, a list, and those among the question's own
  words): it learns which questions want a number or a name;
- the cosine, the sentence's place in its abstract and among the retrieved papers, and word coverage.

Its probability ranks the sentences of a one-paper answer, and its best probability over the retrieved papers is
evidence for the intent model (qa.intent): cross-validated on the labelled sets, it puts a sentence holding the
answer first for 0.90 of paper questions where e5 cosine does for 0.52 (docs/ROUTER.md, "Stop 27").
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np

from .errors import QAError
from .rerank import abstract_sentences
from .text import STOP, WORD, fold, stem
from .weights import load_model

MODEL_PATH = Path(__file__).resolve().parent / "data" / "answer_sentences.json"
DIM = 384  # multilingual-e5-small
# what a sentence holds, each multiplied by the question's vector (`inputs`)
HOLDS = ("number", "names", "list", "coverage", "coverage_new_number", "coverage_new_names", "number_by_name")
SCALARS = ("bias", "number", "digit", "percent", "names", "list", "first", "length",
           "cosine", "below_best", "best", "top_paper", "named",
           "coverage", "coverage_new_number", "coverage_new_names", "new_number", "new_names", "names_missing",
           "number_by_name")
INPUTS = DIM * (1 + len(HOLDS)) + len(SCALARS)

_NUMBER = re.compile(r"(?<![A-Za-z])\d[\d,.]*\s*(?:%|x|×|k|m|b|million|billion|thousand)?|\b(?:one|two|three|four|"
                     r"five|six|seven|eight|nine|ten|hundred|thousand|million|billion|twice|half)\b", re.IGNORECASE)
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[\-.][A-Za-z0-9]+)*")
_YEAR = re.compile(r"(?:19|20)\d\d")
_NAME_YEAR = re.compile(r"([a-z]{2,})((?:19|20)\d\d)")


def _is_name(token: str) -> bool:
    """Letters with a digit, two capitals, or a capital: a name where a sentence does not start."""
    return bool(re.search(r"\d", token) and re.search(r"[A-Za-z]", token)) or sum(c.isupper() for c in token) >= 2 \
        or token[:1].isupper()


def _words(text: str) -> set[str]:
    return {stem(w) for w in WORD.findall(fold(text)) if w not in STOP}


def _spellings(lowered: tuple[str, ...]) -> frozenset[str]:
    """A name and its year are one name however they are written: "VOC 2007" is also "voc2007" and "voc07", and
    "VOC2007" is also "voc" and "2007" (a question writing it the other way asks about the same benchmark)."""
    return frozenset([a + year for a, b in zip(lowered, lowered[1:]) if a.isalpha() and _YEAR.fullmatch(b)
                      for year in (b, b[2:])] + [part for t in lowered if (m := _NAME_YEAR.fullmatch(t))
                                                 for part in m.groups()])


@functools.lru_cache(maxsize=50_000)
def _sentence_facts(sentence: str) -> tuple:
    """What a sentence holds whatever the question (its tokens, names, numbers): the same abstracts' sentences are
    read for thousands of training questions."""
    tokens = _TOKEN.findall(sentence)
    lowered = tuple(t.lower() for t in tokens)
    spelled = _spellings(lowered)
    return (tokens, lowered, spelled, sum(_is_name(t) for t in tokens[1:]), frozenset(_words(sentence)) | spelled,
            tuple(_is_name(t) for t in tokens), tuple(bool(re.search(r"\d", t)) for t in tokens),
            float(bool(_NUMBER.search(sentence))), float(bool(re.search(r"\d", sentence))),
            float("%" in sentence or "percent" in sentence.lower()), float(sentence.count(",") >= 2))


def sentence_parts(question: str, question_vector: np.ndarray, title: str, sentences: list[str],
                   sentence_vectors: np.ndarray, rank: int, named: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per sentence of one paper (`rank`: its place among the retrieved papers, `named`: the question calls it by
    name): ten times the question's and the sentence's vectors multiplied element by element, what it holds
    (`HOLDS`) and the `SCALARS`, one row each. `sentence_rows` lays them out as the model's inputs; training keeps
    them apart (the holds times the question's vector are the same few numbers times one vector per question)."""
    qv = np.asarray(question_vector, dtype=np.float32)
    vectors = np.asarray(sentence_vectors, dtype=np.float32)
    cosines = vectors @ qv
    asked, title_words = _words(question), _words(title)
    written_tokens = _TOKEN.findall(question)
    lowered_question = tuple(t.lower() for t in written_tokens)
    question_tokens = set(lowered_question) | _spellings(lowered_question)
    # the names the question writes ("GPT-4", "MedQA"): a sentence about MedQA answers nothing about GPT-4 on it
    asked_names = {t.lower() for t in written_tokens[1:] if _is_name(t)}
    title_tokens = {t.lower() for t in _TOKEN.findall(title)}
    holds = np.zeros((len(sentences), len(HOLDS)))
    scalars = np.zeros((len(sentences), len(SCALARS)), dtype=np.float32)
    best = int(cosines.argmax()) if len(sentences) else -1
    for i, sentence in enumerate(sentences):
        tokens, lowered, spelled, names, words, is_name, has_digit, number, digit, percent, listing = \
            _sentence_facts(sentence)
        coverage = len(asked & (words | title_words)) / len(asked) if asked else 0.0
        new_names = sum(n and t not in question_tokens for t, n in zip(lowered[1:], is_name[1:]))
        new_number = any(d and t not in question_tokens for t, d in zip(lowered, has_digit))
        written = set(lowered) | spelled | title_tokens
        names_missing = len(asked_names - written) / len(asked_names) if asked_names else 0.0
        # a value written next to a name the question asks about: "60.7% on MedQA" for "… on MedQA?"
        number_by_name = float(any(d and t not in question_tokens and any(
            w in asked_names for w in lowered[max(0, j - 3):j + 4]) for j, (t, d) in enumerate(zip(lowered, has_digit))))
        holds[i] = (number, min(names, 4) / 4, listing, coverage, coverage * new_number,
                    coverage * min(new_names, 3) / 3, number_by_name)
        scalars[i] = (1.0, number, digit, percent, min(names, 4) / 4, listing, float(i == 0), min(len(tokens), 50) / 50,
                      cosines[i], cosines[i] - cosines.max(), float(i == best), float(rank == 0), float(named),
                      *holds[i, 3:6], float(new_number), min(new_names, 3) / 3, names_missing, number_by_name)
    return 10 * qv * vectors, holds, scalars


def sentence_rows(question: str, question_vector: np.ndarray, title: str, sentences: list[str],
                  sentence_vectors: np.ndarray, rank: int, named: bool) -> np.ndarray:
    """One row of `INPUTS` per sentence of one paper (`sentence_parts`)."""
    products, holds, scalars = sentence_parts(question, question_vector, title, sentences, sentence_vectors, rank,
                                              named)
    qv = np.asarray(question_vector, dtype=np.float32).astype(np.float64)
    held = (holds[:, :, None] * qv[None, None, :]).reshape(len(holds), -1).astype(np.float32)
    return np.hstack([products.astype(np.float32), held, scalars])


class AnswerSentenceModel:
    def __init__(self, path: Path = MODEL_PATH):
        data = load_model(path, "answer-sentence model", "train_intent.py", "scalars", SCALARS)
        self.weights = np.asarray(data["weights"], dtype=np.float32)
        self.bias = float(data["bias"])
        self.data_sha256 = data["data_sha256"]
        if self.weights.shape != (INPUTS,):
            raise QAError(f"{path} holds {self.weights.shape[0]} weights for {INPUTS} inputs: run tools/train_intent.py")

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(rows @ self.weights + self.bias)))

    def of_paper(self, question: str, question_vector: np.ndarray, paper, vectors: np.ndarray, rank: int,
                 named: bool) -> np.ndarray | None:
        """Each abstract sentence's probability (in `abstract_sentences` order, as its e5 `vectors`), or None when
        the vectors are not the abstract's."""
        sentences = abstract_sentences(paper)
        if not len(sentences) or len(vectors) != len(sentences):
            return None
        return self.probabilities(sentence_rows(question, question_vector, paper.title, sentences, vectors, rank,
                                                named))

    def best(self, question: str, question_vector: np.ndarray, papers: list, vectors: list[np.ndarray],
             named: frozenset) -> tuple[float, float]:
        """(the best probability among the first paper's sentences, among all `papers`' sentences): evidence
        that the retrieved abstracts state the answer."""
        best = [0.0, 0.0]
        for rank, (paper, paper_vectors) in enumerate(zip(papers, vectors)):
            probabilities = self.of_paper(question, question_vector, paper, paper_vectors, rank,
                                          paper.paper_id in named)
            if probabilities is None:
                continue
            top = float(probabilities.max())
            best[1] = max(best[1], top)
            if rank == 0:
                best[0] = top
        return best[0], best[1]


@functools.cache
def model() -> AnswerSentenceModel:
    """The shipped weights, read once per process."""
    return AnswerSentenceModel()
