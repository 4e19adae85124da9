"""Do the retrieved papers answer the question? What the intent model reads of the evidence.

The guards (qa.guards) decline what needs no evidence. Everything else is a question about what the papers say, and
one word of it must not decide: `measure` reads how well the three best retrieved papers and their sentences cover
the question (idf-weighted word coverage, MiniLM cosine, numbers when a quantity is asked, the words it asks besides
a paper's name), and the trained intent model (qa.intent) weighs that with the question's form.

`assess` picks the sentence that best supports an answer (a sentence close to the question in MiniLM cosine that
covers its idf-weighted words, the title counting as context, with a number when a quantity is asked): its paper
leads the answer, and its cosine decides whether a refusal names that paper.
"""
from __future__ import annotations

import difflib
import functools
import math
import os
import re
from dataclasses import dataclass

import numpy as np

from .papers import Paper
from .rerank import abstract_sentences
from .retrieval import STOPWORDS
from .text import CASED, EXAMPLE, OPENS_EXAMPLES, norm, quoted_phrases, says


# what "supports" means for `assess` (calibrated on router_fresh_a..w and the dev set, docs/ROUTER.md)
MIN_COSINE = 0.40       # the supporting sentence is about what the question asks
MIN_COVERAGE = 0.80     # share of the question's (idf-weighted) words the sentence and its title contain
PAPERS = 3              # abstracts searched for a supporting sentence

_WORD = re.compile(r"[a-z0-9]+")
_LETTERS = re.compile(r"[^\W\d_]+")  # runs of letters of any script
# a name and its year written apart: "WMT 2014" is also "wmt2014" and "wmt14", as a question may write it
_NAME_YEAR = re.compile(r"\b([a-z]{2,}) ((?:19|20)\d\d)\b")
_COMPOUND = re.compile(r"[a-z0-9]+(?:[\-.][a-z0-9]+)+")  # "gpt-4", "t5-large", "llama-2-based", "3.5"
# words of the question's form, not of what it asks about
_FORM = frozenset("""
what which who whom whose when where why how many much does do did is are was were be been can could would should
will shall may might there their them they it its this that these those the a an of in on for to with by from at
as and or but not no any some about into than then also only just tell me please explain describe give list name
say says said report reported reports mention mentioned mentions paper papers article work study authors author
collection listing abstract exactly exact specific specifically precisely really actually according get got gets
obtain obtained achieve achieved
""".split())
_QUANTITY = re.compile(r"\bhow (?:many|much|long|large|big|fast|often)\b|\b(?:number|amount|size|count|percentage|"
                       r"percent|figure|score|accuracy|rate|bleu|fid|perplexity|error|speed-?up|ratio|cost)\b",
                       re.IGNORECASE)
# the words that name the quantity a question asks for (stemmed as `question_words` does); not "rate" or "size",
# which are also parts of names ("learning rate", "batch size") a sentence must state
_QUANTITY_WORDS = frozenset("number amount count percentage percent score accuracy".split())
_DIGIT = re.compile(r"\d")
_NUMBER = re.compile(r"(?<![A-Za-z])\d[\d,.]*\s*(?:%|x|×|k|m|b|million|billion|thousand)?|\b(?:one|two|three|four|"
                     r"five|six|seven|eight|nine|ten|hundred|thousand|million|billion|twice|half)\b", re.IGNORECASE)


def _stem(word: str) -> str:
    """A plural or third-person ending dropped: "reaches" -> "reach", "networks" -> "network", "uses" -> "use"."""
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")) else word


@dataclass(frozen=True)
class Evidence:
    paper: Paper | None
    sentence: str
    cosine: float
    coverage: float
    number_ok: bool  # a number when a quantity is asked, and the name the router missed, if any

    @property
    def supported(self) -> bool:
        return self.paper is not None and self.cosine >= MIN_COSINE and self.coverage >= MIN_COVERAGE \
            and self.number_ok


class WordWeights:
    """idf of stemmed words over the collection's titles and abstracts (built once per collection version)."""

    def __init__(self, papers: list[Paper]):
        df: dict[str, int] = {}
        for p in papers:
            for w in _stems(f"{p.title} {p.abstract}"):
                df[w] = df.get(w, 0) + 1
        self.n = len(papers)
        self.df = df

    def weight(self, stem: str) -> float:
        return math.log((self.n + 1) / (self.df.get(stem, 0) + 0.5))


@functools.lru_cache(maxsize=8192)
def _stems(text: str) -> frozenset[str]:
    """Stemmed words, plus each hyphenated or dotted name written together ("gpt-4" -> "gpt4"). Cached: the same
    abstracts' sentences and titles are read for every question."""
    text = text.lower()
    return frozenset({_stem(w) for w in _WORD.findall(text)} | {re.sub(r"[\-.]", "", c)
                                                                 for c in _COMPOUND.findall(text)}
                     | {name + year for name, full in _NAME_YEAR.findall(text) for year in (full, full[-2:])})


def _compounds(text: str) -> list[str]:
    """The names with a digit in them ("GPT-4", "T5-Large", "LLaMA-2-based"): a sentence must write them whole."""
    return [re.sub(r"[\-.]", "", c) for c in _COMPOUND.findall(text.lower()) if re.search(r"\d", c)
            and re.search(r"[a-z]", c)]


def question_words(question: str) -> list[str]:
    """The stems of what the question is about (not its form: "what", "how many", "the paper")."""
    compounds = _compounds(question)
    text = _COMPOUND.sub(lambda m: " " if re.sub(r"[\-.]", "", m.group(0)) in compounds else m.group(0),
                         question.lower())
    words = [w for w in _WORD.findall(text) if w not in STOPWORDS and w not in _FORM and (len(w) > 1 or w.isdigit())]
    return list(dict.fromkeys([*compounds, *(_stem(w) for w in words)]))


_SUFFIXES = ("s", "es", "ed", "d", "er", "est", "ing", "ly", "al", "ation", "ations", "ity")


@functools.lru_cache(maxsize=1 << 14)
def _inflections(stem: str) -> tuple[tuple[str, ...], bool]:
    """The stem and its inflections ("deepest" / "deep", "evaluated" / "evaluate": the router's stemmer only drops
    a plural s), and whether it writes letters and digits together."""
    forms = [stem] + [stem[:-len(x)] for x in _SUFFIXES if len(stem) - len(x) >= 3 and stem.endswith(x)] + \
        ([stem + x for x in _SUFFIXES] if len(stem) >= 3 else [])
    return tuple(forms), bool(re.search(r"\d", stem) and re.search(r"[a-z]", stem))


def writes_word(paper: Paper, stem: str) -> bool:
    """The paper's title or abstract writes the word (a stem of `question_words`) in some form."""
    return _covers(stem, _stems(f"{paper.title} {paper.abstract}"))


# what opens an example in a list ("stochasticity, whether stochastic environments or stochastic gradients")
_LEADING = re.compile(rf"^(?:{OPENS_EXAMPLES})\s+", re.IGNORECASE)
# the word a question lists papers by, then examples of it ("… deal with convexity in any form, convex or
# non-convex?", "… on translation, be it between languages or a network that translates …")
_HEAD_EXAMPLES = re.compile(rf"\b([a-z][a-z\-]{{4,}})\s*[,(:]?\s*(?:{OPENS_EXAMPLES}|in any form|in some form|"
                            r"of any kind)\b(.*)$")
# a head of two words the examples repeat ("test time, such as speed or accuracy at test time")
_PHRASE_EXAMPLES = re.compile(rf"\b([a-z][a-z\-]+ [a-z][a-z\-]+)\s*[,(:]?\s*(?:{OPENS_EXAMPLES})\b(.*)$")


def shared_word(items: list[str], question: str = "") -> tuple[str, bool]:
    """The one word every item of a list writes: (its stem, False); or, when the items write it in different forms
    ("stochasticity" and "stochastic gradients", "prompting or prompt tuning"), (the start of five letters or more
    all its forms share, True); ("", False) when they share none or several. A word inside a hyphenated one is not
    the shared word ("zero-shot results or zero-shot transfer" shares "zero-shot", not "shot"). Else the word the
    `question` lists papers by when its examples write it in another form (`_HEAD_EXAMPLES`)."""
    words = [question_words(" ".join(t for t in _LEADING.sub("", item).split() if "-" not in t)) for item in items]
    shared = set.intersection(*(set(w) for w in words)) if len(words) >= 2 else set()  # one item is no list
    if len(shared) == 1:
        return shared.pop(), False
    starts = set()
    for word in words[0] if not shared and len(words) >= 2 and all(words) else []:
        common = [max((os.path.commonprefix([word, other]) for other in item), key=len) for item in words[1:]]
        if word.isalpha() and all(len(start) >= 5 for start in common):
            starts.add(min(common, key=len))
    if len(starts) == 1:
        return starts.pop(), True
    if not shared and (found := _PHRASE_EXAMPLES.search(question.lower())) and found.group(1) in found.group(2):
        # (of the labelled questions that do, the papers writing the phrase are the expected ones: 3 of 3)
        return found.group(1), True
    if not shared and (found := _HEAD_EXAMPLES.search(question.lower())):
        # two examples or more write a start of five letters or more of the word, and at most one piece of the rest
        # does not ("supervised, unsupervised or self-supervised, …"): not when the examples say it in other words
        # ("privacy, such as leaked data or membership inference")
        head = found.group(1).split("-")[-1]
        examples = [e for e in re.split(r",|\b(?:or|and|to)\b", found.group(2)) if re.search(r"[a-z]", e)]
        starts = [max((head[:n] for w in re.findall(r"[a-z]+", e) for n in range(5, len(head) + 1) if head[:n] in w),
                      key=len, default="") for e in examples]
        if len([s for s in starts if s]) >= 2 and starts.count("") <= 1:
            return min(filter(None, starts), key=len), True
    return "", False


def written(stem: str, weights: WordWeights) -> bool:
    """Some title or abstract of the collection writes the word (a stem of `question_words`) in some form."""
    return _covers(stem, weights.df)


def _covers(stem: str, words: set[str]) -> bool:
    forms, mixed = _inflections(stem)
    if any(form in words for form in forms):
        return True
    if mixed:  # "llama2based" is "llama2" + a plain word
        return any(len(w) >= 4 and stem.startswith(w) and stem[len(w):].isalpha() and re.search(r"\d", w)
                   for w in words)
    return False


def _scored_sentences(wanted: list[str], total: float, papers: list[Paper], sentence_vectors, weights: WordWeights,
                      question_vector: np.ndarray):
    """Every abstract sentence of `papers` (best first) as (rank, paper, title stems, sentence, its stems with the
    title's, cosine with the question, idf-weighted share of the `wanted` words it covers). A number covers the
    question's word for the quantity it asks ("what accuracy ... on MedQA?" is answered by "60.7% on MedQA")."""
    for rank, (paper, vectors) in enumerate(zip(papers, sentence_vectors.get_many(papers))):
        title = _stems(paper.title)
        for sentence, cosine in zip(abstract_sentences(paper), (vectors @ question_vector).tolist()):
            words = _stems(sentence) | title
            if _DIGIT.search(sentence):
                words = words | _QUANTITY_WORDS
            coverage = sum(weights.weight(w) for w in wanted if _covers(w, words)) / total if total > 0 else 0.0
            yield rank, paper, title, sentence, words, cosine, coverage


def assess(question: str, papers: list[Paper], embedder, sentence_vectors, weights: WordWeights,
           question_vector: np.ndarray | None = None) -> Evidence:
    """The sentence of `papers` (the retrieved ones, best first) that best supports an answer to `question`."""
    wanted = question_words(question)
    total = sum(weights.weight(w) for w in wanted)
    quantity = bool(_QUANTITY.search(question))
    if not papers or not wanted or total <= 0:
        return Evidence(None, "", 0.0, 0.0, False)
    if question_vector is None:
        question_vector = np.asarray(embedder.embed([question]), dtype=np.float32)[0]
    best: tuple | None = None
    for rank, paper, title, sentence, words, cosine, coverage in _scored_sentences(
            wanted, total, papers[:PAPERS], sentence_vectors, weights, question_vector):
        number_ok = not quantity or bool(_NUMBER.search(sentence))
        ev = Evidence(paper, sentence, round(float(cosine), 4), round(coverage, 4), number_ok)
        # a supported sentence of the best-ranked paper, else the closest to support
        key = (ev.supported, -rank if ev.supported else 0, number_ok,
               min(coverage / MIN_COVERAGE, 1.0) + min(cosine / MIN_COSINE, 1.0), coverage + cosine)
        if best is None or key > best[0]:
            best = (key, ev)
    return best[1] if best else Evidence(None, "", 0.0, 0.0, False)


# ---------------------------------------------------------------------------------------------------------------
# What the intent model reads of the evidence (qa.intent.EVIDENCE picks its features from these)
# ---------------------------------------------------------------------------------------------------------------

# each in 0..1 (or close): the question's form, and how well the best retrieved papers and their sentences match it;
# named, not positional, so the weights file says what it weighs
FEATURES = (
    "quantity", "words", "non_ascii", "known_words", "named", "named_top", "dense", "title", "sentences", "margin",
    "cos_max", "cov_max", "support", "cov_abstract", "cov_abstracts", "missing_idf", "unseen", "number",
    "quantity_no_number", "rest_words", "rest_cov_abstract", "rest_cov_sentence", "rest_unseen", "rest_letters",
    "count_unstated", "name_unstated",
) + ("ml_sentence", "ml_sentences", "ml_paper", "ml_paper_z", "answer", "answer_any")
# "how many MiniWoB tasks …?" is answered by an abstract that writes a number before "tasks" ("23 tasks", "three
# kinds of tasks"); of 195 labelled questions of this form the collection cannot answer, the best paper's abstract
# wrote one in 4, of 209 it answers in 178
_HOW_MANY = re.compile(r"\bhow many (?:of (?:its|their|the|these|those|his|her) )?((?:[\w\-]+ ){0,2}?)"
                       r"(?!(?:its|this|does|has|was|is|as|his|thus|plus)\b)([a-z\-]+s)\b", re.IGNORECASE)
# what the listing or the collection as a whole counts, not a paper's abstract ("how many abstracts mention X?")
_LISTING_NOUN = re.compile(r"papers|entries|works|articles|abstracts|documents|items|records|studies|authors|"
                           r"co-?authors|titles|publications|years|months|listings|ones")
_COUNT_WORD = (r"(?:\d[\d,.]*\s*[kmb]?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|"
               r"hundreds?|thousands?|millions?|billions?)")


def count_unstated(question: str, abstract: str) -> bool:
    """The question asks how many of something (not papers or authors: the listing counts those) and the abstract
    writes no number before that thing."""
    return bool(counted_unstated(question, abstract))


def counted_unstated(question: str, abstract: str) -> str:
    """What the question counts ("MiniWoB tasks") when the abstract writes no number before it, else ""."""
    m = _paper_count_asked(question)
    return "" if not m or _count_written(m, abstract) else (m.group(1) + m.group(2)).strip()


def count_stating(question: str, sentences: list[str]) -> int | None:
    """The first sentence that writes a number before what the question counts ("into how many types …?": "… into
    one of four types"), None when the question counts nothing of a paper's or no sentence does."""
    m = _paper_count_asked(question)
    return next((i for i, sentence in enumerate(sentences) if _count_written(m, sentence)), None) if m else None


def _paper_count_asked(question: str) -> re.Match | None:
    """"how many MiniWoB tasks …?": what a paper's abstract would count; None for what the listing counts."""
    m = _HOW_MANY.search(question)
    return None if not m or _LISTING_NOUN.fullmatch(m.group(2).lower()) else m


def _count_written(m: re.Match, abstract: str) -> bool:
    noun = re.escape(m.group(2).lower()[:max(4, len(m.group(2)) - 2)])
    found = re.search(rf"\b{_COUNT_WORD}\b(?:[\s\-]+[\w\-]+){{0,3}}?[\s\-]+{noun}", abstract, re.IGNORECASE)
    if not found and m.group(1).split():
        # further from its number when the word before the noun is the question's: "four very different large
        # mathematical reasoning benchmarks" counts the "math reasoning benchmarks" asked about
        last = m.group(1).split()[-1].lower()
        modifier = re.escape(last[:max(4, len(last) - 2)])
        found = re.search(rf"\b{_COUNT_WORD}\b(?:[\s\-]+[\w\-]+){{0,5}}?[\s\-]+\w*{modifier}[\w\-]*[\s\-]+{noun}",
                          abstract, re.IGNORECASE)
    return bool(found)


# "which LLM did X use?", "what learning rate …?": the thing the question wants named or given a value (up to three
# words after "which"/"what", the last one the thing); not the papers or authors the listing counts, nor what a
# sentence describes rather than names ("what problem …?")
_AUXILIARY = r"(?:did|does|do|was|were|is|are|has|have|had|can|could|would|will)\b"
_WHICH = re.compile(rf"\b(?:which|what)\s+(?:kinds? of\s+|types? of\s+)?((?:(?!{_AUXILIARY})[\w\-]+\s+){{0,2}}?)"
                    rf"(?!{_AUXILIARY})([\w\-]+)(?=\s+(?:{_AUXILIARY}|counts?|gave|gives|reached?|achieved?|got|used?|"
                    r"of|in|on|for|from|with|by)\b)", re.IGNORECASE)
_DESCRIBED = frozenset("""problem problems idea ideas way ways kind type sort part role insight insights issue issues
question questions trick advantage advantages benefit benefits limitation limitations goal goals purpose contribution
contributions difference differences change changes result results finding findings conclusion conclusions claim
claims motivation challenge challenges paper""".split())
_NAMING_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[\-.][A-Za-z0-9]+)*")


def name_unstated(question: str, abstract: str) -> bool:
    """The question asks which thing, or what value of it ("which LLM", "what learning rate"), and the abstract
    writes that thing with no name or number near it that the question lacks ("proposed by an LLM"): it speaks of
    the thing without saying which."""
    m = _WHICH.search(question)
    if not m or m.group(2).lower() in _DESCRIBED or _LISTING_NOUN.fullmatch(m.group(2).lower()):
        return False
    thing = m.group(2).lower()
    stem = thing[:max(3, len(thing) - 2)] if len(thing) > 4 else thing
    asked = {t.lower() for t in _NAMING_TOKEN.findall(question)}
    seen = False
    for sentence in re.split(r"(?<=[.!?])\s+", abstract):
        spans = [(found.group(0), found.start(), found.end()) for found in _NAMING_TOKEN.finditer(sentence)]
        for i, (token, _, end) in enumerate(spans):
            if not token.lower().startswith(stem):
                continue
            seen = True
            near = spans[max(0, i - 6):i] + spans[i + 1:i + 7]
            # a name: a digit, two capitals, or a capital where the sentence does not start
            if any(t.lower() not in asked and (re.search(r"\d", t) or sum(c.isupper() for c in t) >= 2
                                               or t[:1].isupper() and at > 0) for t, at, _ in near):
                return False
            # things named in lower case, listed: "three objectives: input density, information gain and …"
            after = sentence[end:spans[min(i + 12, len(spans) - 1)][2]]
            if re.search(r"[:(]|\b(?:such as|including|namely|e\.g\.)|,[^,]+,", after):
                return False
    return seen


# the choices a question offers for what it asks: "which release, 2.0, 2.2 or 3.1?", "GELU or something else?",
# "was it implemented in TensorFlow or PyTorch?" (names: a capital or a digit)
_CHOICE = r"[A-Za-z0-9][\w.+\-]*"
# ("… rely on SimHash or on MinHash?": the preposition said again after "or" is no choice)
_AGAIN = r"(?:(?:on|in|with|from|by|at|to|for|via|using|under)\s+)?"
_CHOICES = re.compile(rf"(?<![\w.\-])((?:{_CHOICE},\s*)+{_CHOICE},?\s+or\s+{_AGAIN}{_CHOICE}|{_CHOICE}\s+or\s+{_AGAIN}"
                      rf"(?:{_CHOICE}|something else|another\b|anything else|other\b))", re.IGNORECASE)
_OTHERWISE = frozenset("something another anything other else".split())
# "which entries build on a sequence model such as GRUs or LSTMs?": examples of what papers are listed by, not choices
_EXAMPLES = re.compile(rf"\b(?:{EXAMPLE})\s*,?\s*$", re.IGNORECASE)


def offered_choices(question: str, papers_listed: bool = False) -> list[str]:
    """The names a question offers to choose among (a list joined by "or", at least one of them a name); for a
    question that lists or counts papers, not the examples it gives of what they are listed by (all 24 labelled
    questions that give examples so are synthesis; 4 that ask which example one paper used, or whether any paper
    covers them, are unanswerable, declined for none written)."""
    for m in _CHOICES.finditer(question):
        if papers_listed and _EXAMPLES.search(question[:m.start()]):
            continue
        options = [o.strip(".") for o in re.split(rf",\s*|\s+or\s+{_AGAIN}", m.group(1)) if o.strip(".")]
        names = [o for o in options if re.search(r"[A-Z\d]", o) and o.lower() not in _OTHERWISE]
        if len(options) > 2 and options[0] not in names:
            options = options[1:]  # "which release, 2.0, 2.2 or 3.1": the thing, then its choices
        # every choice a name ("Atari or MuJoCo"), or "something else": not topics ("uncertainty or Bayesian-style")
        if names and len(options) >= 2 and all(o in names or o.lower() in _OTHERWISE for o in options):
            return names
    return []


def choices_unwritten(question: str, papers: list[Paper], papers_listed: bool = False) -> list[str]:
    """The choices the question offers when none of these papers writes any of them, else []: the abstracts do not
    say which ("which release of the base model, 2.0, 2.2 or 3.1, was used?")."""
    choices = offered_choices(question, papers_listed)
    if not choices or not papers:
        return []
    text = " ".join(f"{p.title} {p.abstract}" for p in papers)
    # a plural in its singular too ("GPUs" in "single-GPU training", "Q-functions" in "the Q-function")
    written = any(says(text, c) or c.endswith("s") and says(text, c[:-1]) for c in choices)
    return [] if written else choices


# the kinds of named things a question asks "which …?" of, each with the words an abstract writes it with (not
# environments or tasks: an abstract names those without the word, "surpasses the state of the art on Atari"), also
# second of two things asked ("which batch sizes and data sets?")
_NAMED_KINDS = {"data": r"data ?sets?|benchmarks?|corpora|corpus", "architecture": r"architectures?|backbones?",
                "language": r"languages?"}
_WHICH_KIND = re.compile(r"\b(?:which|what)\s+(?:\w+\s+){0,2}?(?:(?:and|or)\s+)?(?:" +
                         "|".join(f"(?P<{kind}>{words})" for kind, words in _NAMED_KINDS.items()) + r")\b",
                         re.IGNORECASE)
# what an abstract writes before a kind it does not name ("on common deep learning benchmarks"), and after one it
# goes on to name in plain words ("on several real-world data sets, including electricity consumption")
_VAGUE = re.compile(r"\b(?:common|standard|several|various|different|multiple|many|popular|existing|diverse|"
                    r"a range of|a variety of|a number of|a suite of|well-known|real-world|large-scale|public|"
                    r"typical|modern|widely[- ]used)\b", re.IGNORECASE)
_LISTED_AFTER = re.compile(r"^\W*(?:\(|:|,?\s*(?:including|such as|like|e\.g\.|namely|from|of)\b)", re.IGNORECASE)


def _names_in(sentence: str) -> list[str]:
    """The words of a sentence that read as names: capitalised past its first word, with capitals inside, or letters
    with digits."""
    words = re.findall(r"[\w-]+", sentence)
    return [w for i, w in enumerate(words) if i > 0 and w[:1].isupper() or re.search(r"[A-Z]", w[1:])
            or re.search(r"\d", w) and re.search(r"[A-Za-z]", w)]


def named_only_vaguely(question: str, paper: Paper) -> list[str]:
    """The sentences where the paper writes the kind of thing the question asks which of ("which data sets?"),
    when each writes it only vaguely and names none ("on common deep learning benchmarks"); else []. A paper
    that does not write the kind at all is not read so: it may name them without saying what they are."""
    found = []
    for kind in sorted({m.lastgroup for m in _WHICH_KIND.finditer(question)}):
        written = re.compile(rf"\b(?:{_NAMED_KINDS[kind]})\b", re.IGNORECASE)
        at = [(s, m) for s in abstract_sentences(paper) if (m := written.search(s))]
        if not at or any(not _VAGUE.search(" ".join(s[:m.start()].split()[-5:])) or _LISTED_AFTER.search(s[m.end():])
                         or _names_in(s) for s, m in at):
            return []
        found.append(at[0][0])
    return found


_NUMBERS = {w: i for i, w in enumerate("two three four five six seven eight nine ten eleven twelve".split(), 2)}
_WORDS = {i: w for w, i in _NUMBERS.items()}
# "which seven agents …?", "name the four video datasets": things asked for by their number
_WHICH_COUNTED = re.compile(r"\b(?:which|what|name|list)\s+(?:the\s+|all\s+)?(" + "|".join(_NUMBERS) +
                            r"|[2-9]|1[0-9])\s+(?:[\w-]+\s+){0,3}?([a-z][\w-]*s)\b", re.IGNORECASE)


# what follows a count of things that are not named: another count or a phrase about where they were used ("across
# seven agents, three Atari games, and …", "on 4 diverse video prediction datasets with …"); not "two constructions,
# one based on …" nor "It rests on two components." (the next sentences name them)
_UNNAMED_AFTER = re.compile(r",(?!\s*(?:one|an?|the|each|first|both|namely|including|such|e\.g)\b)|"
                            r"\s+(?:with|in|on|across|from|for|and|where|that|which|to|by|at|under|over|per)\b")


# or names them further on ("two fundamental axioms that any such method should obey, called Sensitivity and …"; of
# the labelled questions a count without names declines, none is so named)
_NAMING = re.compile(r"\b(?:called|named|termed|dubbed|known as|namely|coined)\b", re.IGNORECASE)


def counted_only(question: str, paper: Paper) -> list[str]:
    """The sentences where the paper writes the number of things the question asks which of ("which seven agents
    …?"), when none goes on to name them ("… across seven agents, three Atari games, and …"); else []. A paper
    that writes no such count is not read so."""
    found = []
    for m in _WHICH_COUNTED.finditer(question):
        value = _NUMBERS.get(m.group(1).lower()) or int(m.group(1))
        number = rf"(?:{value}|{_WORDS.get(value, value)})"  # "four" or "4"
        noun = re.escape(m.group(2).lower().rstrip("s"))
        # "all three objectives" points back to where they were named; a colon or bracket later names them
        counted = re.compile(rf"(?<!\ball )(?<!\bthe )(?<!\bthese )(?<!\bthose )\b{number}\s+(?:[\w-]+\s+){{0,3}}?"
                             rf"{noun}s?\b", re.IGNORECASE)
        at = [(s, c) for s in abstract_sentences(paper) if (c := counted.search(s))]
        if not at or not all(_UNNAMED_AFTER.match(s[c.end():]) and not re.search(r"[:(]", s[c.end():])
                             and not _NAMING.search(s[c.end():]) for s, c in at):
            return []
        found.append(at[0][0])
    return found


def explain_vague(sentences: list[str], paper: Paper) -> str:
    """Why a question that asks which things a paper used is declined: the abstract only says them vaguely."""
    return f"The abstract of “{paper.title}” does not name them; it says only “{sentences[0].rstrip('.')}”"


def explain_choices(choices: list[str], papers: list[Paper]) -> str:
    """Why a question that offers these choices is declined: the papers it is about name none of them."""
    listed = choices[0] if len(choices) == 1 else ", ".join(choices[:-1]) + f" or {choices[-1]}"
    where = f"The abstract of “{papers[0].title}”" if len(papers) == 1 else "The abstracts that come closest"
    return f"{where} do{'es' if len(papers) == 1 else ''} not say which: no mention of {listed}."


# a paper called by a name: "the Layer Normalization paper", "this Graph Attention Networks study"
_CALLED = re.compile(r"\b(?:the|this|that) ([A-Z][\w'-]*(?: (?:[A-Z][\w'-]*|and|of|for|with|on|in|to|via))*?),? "
                     r"(?:paper|article|study|entry|publication|preprint)\b")
# "Actor-Mimic, the multitask transfer paper": a name set beside what it calls a paper (all 4 labelled questions that
# do so are unanswerable)
_CALLED_BESIDE = re.compile(r"\b([A-Z][\w'-]*(?: [A-Z][\w'-]*)*), (?:the|a|an) (?:[\w-]+ ){0,6}?"
                            r"(?:paper|article|study|entry|publication|preprint)\b")
_JOINING = frozenset("and of for with on in to via".split())


def _title_reads_as(name: list[str], title: str) -> bool:
    """Every word of the name is a word of the title, or the initials of a run of its words ("Reversible RNN" for
    "Reversible Recurrent Neural Networks")."""
    words = norm(title).split()
    initials = "".join(w[0] for w in words)
    return all(w in words or len(w) >= 2 and w.isalpha() and w in initials for w in name)


# a title in quotes: three words or more, two of them capitalised ("'Generalization of Two-layer Networks: …'"); a
# closing single quote is not an apostrophe ("Network's")
_QUOTED_TITLE = re.compile(r"(?:(?<=[\s(])|^)[\"“‘'«](.{6,200}?)[\"”’'»](?!\w)")


def _share_in_title(words: list[str], title: str) -> float:
    """The share of the words a title writes, a misspelt one as its closest word."""
    written = set(norm(title).split())
    return sum(w in written or bool(difflib.get_close_matches(w, written, 1, 0.85)) for w in words) / len(words)


def unlisted_title(question: str, papers: list[Paper]) -> str:
    """A title the question quotes of which no title of the collection writes four fifths of the words (those longer
    than two letters); else "". Of 200 labelled questions that quote a title, none of the 72 answerable ones is read
    so, and 127 of the 128 unanswerable ones are."""
    for match in _QUOTED_TITLE.finditer(question):
        phrase = match.group(1).strip()
        words = [w for w in norm(phrase).split() if len(w) > 2]
        if len(phrase.split()) < 3 or sum(w[:1].isupper() for w in phrase.split()) < 2 or not words:
            continue
        if max((_share_in_title(words, p.title) for p in papers), default=0.0) < 0.8:
            return phrase
    return ""


def unwritten_paper_name(question: str, papers: list[Paper], unknown: list[str] = ()) -> str:
    """The name the question calls a paper by when no title or abstract of the collection writes it: a title it
    quotes that no title of the collection has (`unlisted_title`), a name of the question the collection lacks
    (`unknown_names`), or one of two or more capitalised words, each of them written (a misspelt name or a place is
    not read so), not the authors' or affiliations' names, and no title reading as it with an acronym; else ""."""
    if title := unlisted_title(question, papers):
        return title
    names = [m.group(1).strip("'") for m in _CALLED.finditer(question)]
    starts = _sentence_starts(question)
    for m in _CALLED_BESIDE.finditer(question):  # "Summarize Dreamer, the …": the question's first word is no name
        names.append(m.group(1).partition(" ")[2] if m.start(1) in starts else m.group(1))
    names = [n for n in names if n]
    if not names:  # most questions call no paper by name: the collection is not read for them
        return ""
    people = f" {norm(' '.join(' '.join([*p.authors, *p.affiliations]) for p in papers))} "
    if one := next((n for n in names if n in unknown and f" {norm(n)} " not in people), ""):
        # "the MuZero paper", a name no title, abstract, author list or affiliation writes (all 5 labelled
        # questions of earlier stops that call a paper by such a name of one word are unanswerable; "the Berkeley
        # paper" calls one by its authors' place)
        return one
    names = [n for n in names if sum(w[:1].isupper() for w in re.split(r"[ -]", n)) >= 2]
    if not names:
        return ""
    text = f" {norm(' '.join(f'{p.title} {p.abstract}' for p in papers))} "
    for name in names:
        words = [w for w in norm(name).split() if w not in _JOINING]
        if f" {norm(name)} " in text or all(f" {w} " in people for w in words) or \
                any(_title_reads_as(words, p.title) for p in papers):
            continue
        unwritten = [w for w in words if not (f" {w} " in text or f" {w.removesuffix('s')} " in text or
                                              f" {w}s " in text)]
        # one name joined by a hyphen ("Actor-Mimic") with a part the collection does not write, nor a word close
        # to it: a name of its own, not a misspelt one
        if not unwritten or re.fullmatch(r"[A-Z]\w*(?:-[A-Z]\w*)+", name) and \
                not any(difflib.get_close_matches(w, set(text.split()), 1, 0.85) for w in unwritten):
            # a title quoted whole is named whole ("the 'Learning to Rank with Few Labels' paper")
            return next((q for q in quoted_phrases(question) if name in q), name)
    return ""


def measure(question: str, hits: list, embedder, sentence_vectors, weights: WordWeights, *,
            named: frozenset = frozenset(), question_vector: np.ndarray | None = None) -> dict:
    """The features of `FEATURES` for a question and its best retrieved hits (`retrieval.Hit`, best first);
    `named` holds the ids of the papers the question calls by name."""
    f = dict.fromkeys(FEATURES, 0.0)
    f["named"] = float(bool(named))
    quantity = bool(_QUANTITY.search(question))
    f["quantity"] = float(quantity)
    wanted = question_words(question)
    f["words"] = min(len(wanted), 12) / 12
    letters = [c for c in question if c.isalpha()]
    f["non_ascii"] = sum(not c.isascii() for c in letters) / len(letters) if letters else 0.0
    heaviest = math.log((weights.n + 1) / 0.5)
    total = sum(weights.weight(w) for w in wanted)
    f["known_words"] = sum(w in weights.df for w in wanted) / len(wanted) if wanted else 0.0
    f["unseen"] = sum(weights.weight(w) for w in wanted if w not in weights.df and w.isalpha()) / total \
        if total > 0 else 0.0
    hits = hits[:PAPERS]
    if not hits:
        return f
    top = hits[0]
    f["named_top"] = float(top.paper.paper_id in named)
    f["dense"] = top.signals.get("dense", 0.0)
    f["title"] = max(top.signals.get("title", 0.0), 0.0)
    f["sentences"] = top.signals.get("sentences", 0.0)
    f["margin"] = min(top.score - hits[1].score, 1.0) if len(hits) > 1 else 1.0
    if question_vector is None:
        question_vector = np.asarray(embedder.embed([question]), dtype=np.float32)[0]
    # the words of the names the question calls its papers by ("DreamerV3", "ToolEmu"), when a title lacks them
    named_words = {w for hit in hits if hit.paper.paper_id in named for w in _stems(hit.paper.abstract)
                   if w in _stems(question) and weights.df.get(w, 0) <= 2}
    number_near = False
    for rank, _, _, sentence, words, cosine, coverage in _scored_sentences(
            wanted, total, [h.paper for h in hits], sentence_vectors, weights, question_vector):
        has_number = bool(_NUMBER.search(sentence))
        support = (min(coverage / MIN_COVERAGE, 1.0) + min(cosine / MIN_COSINE, 1.0)) / 2
        f["cos_max"] = max(f["cos_max"], cosine)
        f["cov_max"] = max(f["cov_max"], coverage)
        if rank == 0 and support > f["support"]:
            f["support"], f["number"] = support, float(has_number)
        number_near = number_near or rank == 0 and has_number and coverage >= 0.5
    # what the question asks besides naming the paper: "which cloud provider ran the FRePo experiments?" names
    # FRePo (its title's words) and asks for a provider, which the best abstract must mention
    title, body = _stems(top.paper.title), _stems(top.paper.abstract)
    rest = [w for w in wanted if not _covers(w, title) and w not in named_words]
    rest_total = sum(weights.weight(w) for w in rest)
    f["rest_words"] = min(len(rest), 12) / 12
    if rest_total > 0:
        f["rest_cov_abstract"] = sum(weights.weight(w) for w in rest if _covers(w, body)) / rest_total
        f["rest_unseen"] = sum(weights.weight(w) for w in rest if w not in weights.df and w.isalpha()) / rest_total
        f["rest_cov_sentence"] = max(sum(weights.weight(w) for w in rest if _covers(w, _stems(sentence)))
                                     for sentence in abstract_sentences(top.paper)) / rest_total
    else:
        f["rest_cov_abstract"] = f["rest_cov_sentence"] = 1.0
    # how much the question says besides its paper's name, in the letters of any script: "ما هو FRePo؟" asks
    # nothing else (the words of other languages are not among the English `rest` words above)
    own = title | named_words if top.paper.paper_id in named else frozenset()
    f["rest_letters"] = min(sum(len(t) for t in _LETTERS.findall(question.lower()) if _stem(t) not in own), 40) / 40
    covered = [w for w in wanted if _covers(w, title | body)]
    f["cov_abstract"] = sum(weights.weight(w) for w in covered) / total if total > 0 else 0.0
    f["missing_idf"] = max((weights.weight(w) / heaviest for w in wanted if w not in covered), default=0.0)
    union = set().union(*(_stems(h.paper.title) | _stems(h.paper.abstract) for h in hits))
    f["cov_abstracts"] = sum(weights.weight(w) for w in wanted if _covers(w, union)) / total if total > 0 else 0.0
    f["quantity_no_number"] = float(quantity and not number_near)
    f["count_unstated"] = float(count_unstated(question, top.paper.abstract))
    f["name_unstated"] = float(name_unstated(question, top.paper.abstract))
    return {k: round(float(v), 4) for k, v in f.items()}


def measure_multilingual(question_vector: np.ndarray, hits: list, sentence_vectors, paper_vectors,
                         papers: list[Paper], most_papers: int) -> dict:
    """The evidence as multilingual-e5 reads it, in any language: the words and stems `measure` counts are English,
    so a question in Korean about a topic the collection lacks covers "all" of its (no) English words. The e5
    cosine of the question with the best sentence of the best paper (`ml_sentence`) and of the best three
    (`ml_sentences`), with the closest whole abstract (`ml_paper`), and how far that abstract stands out from the
    rest of the collection (`ml_paper_z`, in standard deviations / 5). Left at 0 past `most_papers`, where the
    collection's e5 vectors are not computed (`retrieval.MULTILINGUAL_MAX_PAPERS`)."""
    f = {"ml_sentence": 0.0, "ml_sentences": 0.0, "ml_paper": 0.0, "ml_paper_z": 0.0}
    hits = hits[:PAPERS]
    if not hits or len(papers) > most_papers:
        return f
    best = [float((vectors @ question_vector).max()) if len(vectors) else 0.0
            for vectors in sentence_vectors.get_many([h.paper for h in hits])]
    f["ml_sentence"], f["ml_sentences"] = best[0], max(best)
    cosines = paper_vectors.vectors(papers) @ question_vector
    f["ml_paper"] = float(cosines.max())
    if len(papers) > 1:
        f["ml_paper_z"] = float((cosines.max() - cosines.mean()) / (cosines.std() + 1e-6)) / 5
    return {k: round(v, 4) for k, v in f.items()}


# ---------------------------------------------------------------------------------------------------------------
# Why a question is declined, in one sentence, from what the collection lacks
# ---------------------------------------------------------------------------------------------------------------

# a name as a question writes it: "GPT-4", "Mistral 7B", "MedQA", "AlphaFold", "T5-Large"
# (after a letter of a script without capitals too: "用GPT-4")
_NAME = re.compile(rf"(?<![{CASED}\-])"
                   r"([A-Z][A-Za-z0-9]*(?:[\-.][A-Za-z0-9]+)*(?:\s\d+(?:\.\d+)?[BbMmKk]?\b)?)")
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[\-.][A-Za-z0-9]+)*")
_GENERIC_VERBS = frozenset("use used using need needed make made have had take took run ran train trained training "
                           "do does did get got recommend recommended suggest suggested propose proposed reach reached "
                           "show showed shown".split())


def _sentence_starts(question: str) -> set[int]:
    """Where the question's sentences start: a capital there is no sign of a name."""
    return {0} | {m.start(1) for m in re.finditer(r"[.!?¿¡]\s+(\S)", question)}


def _is_name(token: str, first: bool) -> bool:
    """Letters with a digit, two capitals, or a capital where a sentence does not start: a name, not a word."""
    return bool(re.search(r"\d", token) and re.search(r"[A-Za-z]", token)) or \
        sum(c.isupper() for c in token) >= 2 or (token[:1].isupper() and not first)


def unknown_names(question: str, weights: WordWeights, people: str = "") -> list[str]:
    """The names the question writes that no title or abstract of the collection has ("GPT-4", "MMLU"), nor the
    author lists (`people`: a person is not a thing the collection lacks)."""
    known = weights.df  # `_covers` only looks words up
    authors = _stems(people)
    starts = _sentence_starts(question)
    found = []
    for match in _NAME.finditer(question):
        name = match.group(1).strip()
        stems = question_words(name)
        if stems and _is_name(name, match.start() in starts) and not any(_covers(s, known) for s in stems) and \
                not set(stems) <= authors:
            found.append(name)
    return list(dict.fromkeys(found))


def explain_decline(question: str, named: list[Paper], unknown: list[str], english: bool = True) -> str:
    """One sentence saying what the collection lacks, or "" when nothing specific can be said: a name no title or
    abstract has (`unknown_names`: "No title or abstract in the collection mentions GPT-4."), or, when the question
    names one paper, the words it asks about that the abstract does not have ("The abstract of “X” does not mention
    learning rate or batch size."). A question in another language has its own words, which no abstract writes: only
    a name that no language writes as a word (a digit, two capitals) is said, not a German noun ("Lernrate") or a run
    of French words."""
    unknown = unknown if english else [name for name in unknown if _is_name(name, first=True)]
    if unknown:
        return f"No title or abstract in the collection mentions {unknown[0]}."
    if len(named) != 1 or not english:
        return ""
    paper = named[0]
    counted = counted_unstated(question, paper.abstract)
    if counted:  # "how many MiniWoB tasks …?": the count is what is missing, though the words are there
        return f"The abstract of “{paper.title}” does not give the number of {counted}."
    have = _stems(f"{paper.title} {paper.abstract}")
    # the question's words in order: a run of content words with one the abstract lacks is one thing it asks about
    phrases, run, lacking = [], [], False
    for token in _TOKEN.findall(question) + ["."]:
        stems = question_words(token)
        # a question word, or the paper's own name ("EMA-PG", "DreamerV3"): the run ends
        if not stems or _is_name(token, first=True) and all(_covers(s, have) for s in stems):
            while run and set(question_words(run[-1])) <= _GENERIC_VERBS:
                run.pop()  # "which cloud provider ran ...": the provider, not the verb
            while run and set(question_words(run[0])) <= _GENERIC_VERBS:
                run.pop(0)
            if run and lacking:
                phrases.append(" ".join(run))
            run, lacking = [], False
            continue
        run.append(token)  # a generic verb ("use", "train") is context: it alone lacks nothing
        lacking = lacking or not all(_covers(s, have) for s in stems if s not in _GENERIC_VERBS)
    phrases = list(dict.fromkeys(phrases))
    if not phrases:
        return ""
    listed = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + f" or {phrases[-1]}"
    return f"The abstract of “{paper.title}” does not mention {listed}."
