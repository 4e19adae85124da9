"""Reading a question once: (question, history, collection) -> `Query`.

What it asks for (its route), what it restricts (filters), what it refers to (the standalone text of a follow-up, the
papers it calls by name, the names no paper has), read here and nowhere else; the answer step reads the `Query`.
The route: the guards (qa.guards) keep the declines that need no evidence; every other route comes from the trained
intent model (qa.intent) over the question and the retrieved evidence (qa.evidence). A capable LLM router picks among
answering routes, but whether the papers answer at all stays the evidence's call.
"""
from __future__ import annotations

import functools
import logging
import re
from pathlib import Path

import numpy as np

from . import answer_sentences, evidence, intent
from .errors import LLMError
from .field_counts import names_owner
from .forms import FOREIGN, counts_authors_papers, unlike_any_form
from .guards import PROFILE_FIGURE, is_injection
from .kinds import likeliest_kind, model as kind_model
from .papers import Paper
from .question import (AUTHOR_PLACE, COLLECTION_WIDE, INTERVAL, PAPER_FACT, asks_listing_form, comparison_targets,
                       find_affiliation, fold, interval_targets, listing_terms, named_years, parse_filters,
                       question_names, written_affiliations, written_categories)
from .retrieval import MIN_FOREIGN, MULTILINGUAL_MAX_PAPERS, STOPWORDS
from .text import MENTIONED, ONE_PAPER_ASKED, quoted_phrases, says, says_name, without_dating_years
from .types import Filters, Hit, Query, Route

log = logging.getLogger(__name__)
PROMPTS = Path(__file__).resolve().parent.parent / "prompts"

FOLLOW_UP = re.compile(r"\b(it|its|it's|this|that|these|those|they|them|their|he|she|his|her|the paper|of them|"
                       r"the method|the model|the newer|the older|the later|the earlier|the same|the first|"
                       r"the second|above|previous|elle|il|ils|ese|esa|eso|es|sie|它|这)\b", re.IGNORECASE)
# the previous question asked again of something else ("Same question, but for Minecraft.", "What about 2022?")
_SUBSTITUTE = re.compile(r"^\W*(?:and\s+)?(?:(?:the\s+)?same\s+(?:question|thing|again)\b|(?:what|how)\s+about\b)",
                         re.IGNORECASE)
_INSTEAD = re.compile(r"\binstead\b", re.IGNORECASE)  # "What about X instead?"
# "the paper on fast weights", "the Dreamer paper": one paper, described rather than named
_DESCRIBED_PAPER = re.compile(r"\bthe (?:paper|article|study|preprint|work) (?:on|about|that|which|where|titled|called|"
                              r"named|proposing|introducing)\b|\bthe [\w\- ]{1,40} (?:paper|article|preprint)\b")

# a count or list of papers, abstracts or titles ("how many abstracts …", "which papers mention …")
_COUNTS_PAPERS = re.compile(r"\bhow many\b|\bnumber of\b|"
                            r"\b(?:which|count(?: the| all)?) (?:papers|abstracts|entries|titles|works)\b|"
                            r"\blist (?:the |all )?(?:papers|abstracts|entries|titles)\b", re.IGNORECASE)
_ABSTRACTS = re.compile(r"\babstracts?\b", re.IGNORECASE)
# a figure only the profile's header holds; "novelty" and "citations" are also things papers write about
_HEADER_FIGURE = re.compile(r"\bh[\s-]?index\b|\bai score\b", re.IGNORECASE)
# an affiliation named as the listing's tag for it ("which entry carries the cambridge tag?")
_TAGGED = re.compile(r"\b(?:tags?|tagged|affiliat\w*|label(?:l?ed)?|marked)\b", re.IGNORECASE)
# a count of the papers themselves ("how many papers …", "number of entries …")
_COUNTS_BY_FIELD = re.compile(r"\b(?:how many|number of)\s+(?:\w+\s+){0,3}?(?:papers|entries|works|articles|"
                              r"publications)\b", re.IGNORECASE)
# the papers counted or listed by what they write ("how many papers mention X", "which abstracts use X"), or the
# previous answer's papers ("and which of those evaluate on Atari?")
_COUNTS_PAPERS_NAMED = re.compile(r"\b(?:how many|number of|which|what|list(?: the| all)?)\s+(?:\w+\s+){0,2}?"
                                  r"(?:papers|abstracts|entries|titles|works|articles|publications|ones)\b|"
                                  r"\b(?:how many|which) of (?:them|those|these)\b|"
                                  # "where is ChatGPT mentioned?": all 8 labelled questions asking where a thing
                                  # is mentioned or shows up are synthesis
                                  r"^\W*where (?:is|are|do|does|did)\b.{0,40}\b(?:mention(?:ed)?|appears?|comes? up|"
                                  r"shows? up|used|discussed)\b", re.IGNORECASE)
GENERIC_WORDS = frozenset("""wrote written write writes author authors score scores result results related relate
mean means main idea ideas contribution contributions key published publish year code cost costs accuracy
performance dataset data train trained training work works find found finding findings test tested achieve
achieved get got say says said conclude conclusion limitation limitations improve improvement better worse
different differ difference compare compared""".split())


# "which of them" after the question's own "papers ... in 2020" points inside the question, not back at the chat
_OWN_ANTECEDENT = re.compile(r"\b(papers|works|articles|publications)\b.*\b(?:of|among) (?:those|these|them)\b",
                             re.IGNORECASE)
# "which language model …?", "which three Atari games …?": a thing the paper is asked to name, not a paper
_THING_ASKED = re.compile(r"^\W*which\s+(?!(?:(?:19|20)\d\d\s+)?(?:papers?|entr(?:y|ies)|articles?|stud(?:y|ies)|"
                          r"works?|publications?|items?|records?|abstracts?|ones?|one|of)\b)", re.IGNORECASE)
# "which entries …?", "Compare the calibration study with the baseline for …": several papers asked for
_PAPERS_ASKED = re.compile(r"^\W*(?:(?:which|what) (?:papers|entries|works|articles|studies|publications|abstracts)|"
                           r"how many (?:\w+\s+){0,3}?(?:papers|entries|abstracts|works|articles|titles|"
                           r"publications)|compare)\b", re.IGNORECASE)
# a field of the listing glossed in English in a question in another language: "qaybta (category) koowaad"
# (not "(citations)": the data a paper used, in a Greek question on GraphSAGE's)
_GLOSSED_FIELD = re.compile(r"\((?:primary |first )?(?:categor(?:y|ies)|affiliations?|code|"
                            r"(?:first |last )?authors?)\)", re.IGNORECASE)
# "Summarize the ESPER paper.", "Give me an overview of the POPLIN paper": a request for what one paper's abstract
# holds
_SUMMARY_ASKED = re.compile(r"^\W*(?:(?:please\s+)?(?:summari[sz]e|explain|describe|outline)|tell me (?:more )?about|"
                            r"give (?:me )?(?:a |an )?(?:short |brief |quick )?(?:summary|overview|rundown) of|"
                            r"what(?:'s| is) (?=[^?]*\babout\W*$))\s*(?:the|this)\s+[^?]{1,80}?\b(?:paper|article|"
                            r"preprint|study)(?:\s+about)?(?:,?\s+please)?\W*$", re.IGNORECASE)
# "which ones …?" with nothing before it: the collection's papers
_ONES_ASKED = re.compile(r"^\W*(?:which|what) ones\b", re.IGNORECASE)
# "how did X's work change between 2020 and 2023?": an evolution, told from the papers
_EVOLUTION_ASKED = re.compile(r"^\W*how (?:did|has|have) [^?]{0,80}\b(?:change[sd]?|evolve[sd]?|shift(?:ed)?|"
                              r"develop(?:ed)?|progress(?:ed)?)\b", re.IGNORECASE)
# "who is the second author of X?", "who is printed second on X?" (read by `listing_terms`)
_PLACE_ASKED = re.compile(r"^\W*who(?:'s| is| was)\b[^?]{0,30}\b(?:first|second|third|fourth|fifth|last|lead|senior) "
                          r"author\b", re.IGNORECASE)
# "what does each build?", "how does each of them …": the question is asked of several papers
# "how do the X paper and the Y paper each serve …?" (all 4 labelled questions that join two so are synthesis)
# ("how is each one checked?" asks about the items of one paper: of 24 labelled questions that write "each one", none
# has "is" or "was" before it)
_EACH_ASKED = re.compile(r"\b(?:does|did|do) each\b(?! of its\b)|(?<!for )\beach (?:of them|of the two|of "
                         r"these|paper|method|work|approach)\b|(?<!for )(?<!\bis )(?<!\bwas )\beach one\b|"
                         r"\band\b[^?]{1,120}?\b(?:paper|work|method|study|approach|model|one)s? each (?!other\b)\w+",
                         re.IGNORECASE)
_BARE_PRONOUN = re.compile(r"\b(it|its|it's|they|them|their|this|that|he|she|his|her)\b", re.IGNORECASE)


def refers_back(question: str) -> bool:
    """A listing question about the previous answer's papers ("which of those came out after 2020?")."""
    return bool(re.search(r"\b(?:of|among) (?:those|these|them|the (?:two|three|four))\b", question, re.I)) \
        and not _OWN_ANTECEDENT.search(question)


def self_contained(question: str) -> bool:
    """A new question that only says "these papers": no bare pronoun, and enough words of its own to search."""
    return not _BARE_PRONOUN.search(question) and len(specific_words(question)) >= 3


# a thing a comparison names has a paper of its own when its search finds one this well, this far ahead of the next
# (hybrid scores; a named system scores about 1.0–1.8, a word such as "that" or "GPT-3.5" about 0.3–0.8)
COMPARED_SCORE, COMPARED_MARGIN = 0.85, 0.15
AUTHOR_LISTING = 0.3  # a decline turns to the listing for a question naming an author when metadata is this likely
# a decline this likely stands for a question in another language that writes an affiliation tag ("utoronto"): the
# tag questions met in stop 40 were declined at 0.64 to 0.82, and three of four questions about the world that write
# a tag ("what does nvidia stock cost today?" in German) at 0.91 to 0.98 (docs/ROUTER.md, "Stop 40")
TAG_DECLINE = 0.9
SURE_LISTING = 0.5  # below this, the model is torn on a bibliographic reading
# a bibliographic reading this likely stands however far the question is from every form (of 502 labelled questions
# in other languages the model reads as bibliographic, 7 are not, none above 0.82)
FORMS_OUTWEIGHED = 0.9


def substitutes(question: str) -> bool:
    """A follow-up that asks the previous question again of something else ("Same question for MuJoCo.", "What
    about 2022?"); not one with words enough of its own ("what about planning with learned world models?")."""
    # "what about X instead?" replaces what was asked, whatever words it has of its own
    return bool(_SUBSTITUTE.search(question)) and (len(specific_words(question)) < 3 or
                                                   bool(_INSTEAD.search(question)))


def dangling_reference(question: str) -> bool:
    """A question whose only subject is a pronoun ("Who wrote it?", "What was its score?")."""
    if not re.search(r"\b(it|its|they|them|their|this one|that one|that paper|this paper)\b", question, re.I):
        return False
    return not specific_words(question)


_WHICH_N = re.compile(r"\b(?:which|what|name|list)(?: the)? (two|three|four|five|six|seven|eight|nine|ten|\d+)\b",
                      re.IGNORECASE)
_NUMBERS = "zero one two three four five six seven eight nine ten".split()


def count_echoed(question: str, sentence: str) -> bool:
    """"Which four benchmarks does LIME evaluate on?" where the best sentence only says "on four … benchmarks": it
    states the count the question gives, with no list after it, so it supports no answer (the names are asked)."""
    m = _WHICH_N.search(question)
    if not m:
        return False
    n = m.group(1).lower()
    pair = str(_NUMBERS.index(n)) if n in _NUMBERS else _NUMBERS[int(n)] if int(n) < len(_NUMBERS) else n
    said = re.search(rf"\b(?:{n}|{pair})\b(?P<rest>.*)", sentence, re.IGNORECASE)
    return bool(said) and not re.search(r"[:;(]|\b(?:namely|including|such as)\b", said.group("rest"))


def specific_words(question: str) -> list[str]:
    """Words that could identify a paper by themselves (not "who", "authors", "it", "score")."""
    return [w for w in re.findall(r"[a-z0-9]+", question.lower())
            if w not in STOPWORDS and w not in GENERIC_WORDS and w not in ("it", "its", "they", "them", "their")]


def _one_version(method):
    """The method reads one version of the index throughout (`Retriever.pinned`)."""
    @functools.wraps(method)
    def pinned(self, *args, **kwargs):
        with self.retriever.pinned():
            return method(self, *args, **kwargs)
    return pinned


class Reader:
    """Reads questions against one collection (the retriever's index) with one router; safe to share between
    threads (the models it loads are read-only once built)."""

    def __init__(self, settings, retriever, router, llm=None):
        self.settings = settings
        self.retriever = retriever
        self.embedder = retriever.embedder
        self.router = router  # () -> the guards, or the LLM router in front of them (built per index version)
        self.llm = llm  # rewrites a follow-up into a standalone question, when there is one
        self._weights = None  # (index version, evidence.WordWeights, the author lists' names)
        self._intent_model: intent.IntentModel | None = None
        self._vocab = None  # (index version, intent.vocabulary)

    @_one_version
    def read(self, question: str, history: list[dict] | None = None, k: int | None = None,
             filters: Filters | None = None) -> Query:
        """The question read once (cleaned text and history in): its route, filters and standalone search text.
        The guards (qa.guards) keep the declines that need no evidence (`routed_without_model`); every other route
        comes from the trained intent model (qa.intent) over the question and the retrieved evidence. A capable
        LLM router picks among answering routes, but whether the papers answer at all is the evidence's call: where
        the model and the LLM disagree on declining, the model's route stands."""
        query = self.query_of(question, history, k, filters)
        if self.routed_without_model(query):
            return query
        before = query.route
        grams, multilingual, dense = self.intent_inputs(query)
        probabilities = self._intent().probabilities(grams, multilingual, dense)

        def pick(*routes: str) -> tuple[str, float]:
            """The route taken: of these, the one the model finds likeliest (the first on a tie), with its
            probability."""
            route = max(routes, key=lambda r: probabilities[intent.ROUTES.index(r)])
            return route, float(probabilities[intent.ROUTES.index(route)])

        # a supporting sentence does not outweigh a decline of "which <thing> …?" (of 8 English declines it outweighed
        # since stop 27, all wrong, 6 ask so), nor of a question in another language: there a sentence covers only the
        # names and numbers written in Latin letters, and of the 11 declines it outweighed among 3,182 labelled
        # questions in other languages, all 11 were wrong (docs/ROUTER.md, "Stop 49")
        label, confidence = self._intent().decide(probabilities, dense, bool(_THING_ASKED.search(query.text)),
                                                  query.foreign >= MIN_FOREIGN)
        decline = float(probabilities[intent.ROUTES.index("not_answerable")])
        if label != "not_answerable" and decline >= self._intent().threshold and query.evidence is not None and \
                count_echoed(query.text, query.evidence.sentence):
            label, confidence = "not_answerable", decline  # the sentence says how many, not which
        ranked = sorted(zip(intent.ROUTES, probabilities), key=lambda pair: -pair[1])
        reason = "model: " + ", ".join(f"{r} {p:.2f}" for r, p in ranked[:2])
        method = "model"
        if before.method == "llm":
            if (before.label == "not_answerable") == (label == "not_answerable"):
                label, confidence, method = before.label, before.confidence, "llm"
                reason = f"{before.reason}; the evidence agrees ({reason})"
            else:
                why = "the retrieved papers answer it" if label != "not_answerable" else "no retrieved paper answers it"
                reason = f"{before.reason}; but {why} ({reason})"
        elif before.llm_error:
            reason += f"; LLM router failed: {before.llm_error}"
        named = len({p.paper_id for p in query.named})  # papers the question calls by name
        if label == "not_answerable" and method == "model" and self._counts_written_text(query.text):
            # "how many abstracts use the phrase 'end to end'?": the collection writes it, so the papers answer
            label, confidence = pick("synthesis")
            reason += "; the collection writes what it counts papers by"
        elif label == "metadata" and method == "model" and _ABSTRACTS.search(query.text) and \
                self._counts_written_text(query.text):
            # a phrase counted in abstracts, which the listing's fields do not hold (of 21 labelled questions that
            # quote a phrase and say "abstract", 20 are synthesis, one is one paper, none bibliographic)
            label, confidence = pick("synthesis")
            reason += "; counts papers by what their abstracts write"
        elif label == "not_answerable" and method == "model" and _COUNTS_BY_FIELD.search(query.text) and (
                query.stated.year_from or query.stated.year_to or query.stated.category or query.stated.author
                or query.stated.has_code is not None or find_affiliation(query.text, self.retriever.papers)):
            # a count of the papers of a year, category, author, code flag or affiliation, declined for a topic word
            # beside it: the listing computes it (of 191 labelled English counts of that form by year or category,
            # none is unanswerable; of 114 by author, code flag or affiliation, none either)
            label, confidence = pick("metadata")
            reason += "; counts papers by a field of the listing"
        elif label != "metadata" and method == "model" and self.interval_pair(query):
            # "how many weeks lie between the first world-model agent and its successor?": two papers of the
            # collection, named or found each on its own, and the listing dates them
            label, confidence = pick("metadata")
            reason += "; asks the time between two papers"
        elif label == "not_answerable" and method == "model" and self._names_author(query) and (
                probabilities[intent.ROUTES.index("metadata")] >= AUTHOR_LISTING or
                AUTHOR_PLACE.search(listing_terms(query.text))):
            # a person of the author lists, the model torn between declining and the listing ("does X appear on any
            # other entry?"): the listing answers (of 590 labelled questions naming such a person, the model itself
            # declines 13, all unanswerable, each with the listing at 0.24 or less); or asks the person's place in
            # the author lists ("how often is X the third name shown?": of 80 labelled questions that do, 70 are
            # bibliographic and none the model has to decline)
            label, confidence = pick("metadata")
            reason += f"; names {query.stated.author or self.retriever.profile.name}, an author in the listing"
        elif label in ("paper", "synthesis") and method == "model" and _HEADER_FIGURE.search(query.text):
            # "what h-index does the header show?" in Maori, read as one paper's: of 111 labelled questions that
            # write the h-index or the AI score, 89 are bibliographic and 22 unanswerable (other people's), none is
            # one paper's or a topic
            label, confidence = pick("metadata")
            reason += "; asks a figure of the profile's header"
        elif label != "metadata" and method == "model" and _TAGGED.search(query.text) and \
                find_affiliation(query.text, self.retriever.papers):
            # an affiliation of the listing, named as its tag: of 111 labelled questions that do, all are bibliographic
            label, confidence = pick("metadata")
            reason += "; names an affiliation tag of the listing"
        elif label != "metadata" and method == "model" and query.foreign >= FOREIGN and not query.history and (
                written_categories(query.text, self.retriever.papers) or _GLOSSED_FIELD.search(query.text) or
                label == "not_answerable" and
                decline < TAG_DECLINE and (PROFILE_FIGURE.search(fold(query.text)) or
                                           written_affiliations(query.text, self.retriever.papers))):
            # a category code or affiliation tag of the listing in a question in another language (Hausa "how many
            # entries are in LG?"): of 87 labelled questions that write a category code, 86 are bibliographic (the
            # other also asks what the papers do); of 12 that write a tag as the listing does ("utoronto"), all 12;
            # of 18 that write a figure of the profile's header ("Novelty", "h-index"), all 18. A tag may also be a
            # word ("mit" in German) or a company ("what does nvidia stock cost today?"), and "citations" the data a
            # paper used (a Greek question on GraphSAGE's): these turn only a decline the model is not sure of
            # (`TAG_DECLINE`); and of 6 that gloss a field of the listing in English ("(category)", "(code)"), all 6
            label, confidence = pick("metadata")
            reason += "; writes a code or field of the listing"
        elif label != "metadata" and method == "model" and query.foreign >= FOREIGN and not query.history and \
                query.stated.author and not named and counts_authors_papers(
                    query.text, self.retriever.papers, self.retriever.profile.name or ""):
            # "Hoeveel inskrywings het Keiran Paster as skrywer?": of 59 labelled questions in other languages (no
            # history, no paper named) whose closest bibliographic form counts a person's papers, all are
            # bibliographic; the model read 5 of them as one paper's, a topic or declined
            label, confidence = pick("metadata")
            reason += f"; counts the papers of {query.stated.author}"
        elif label == "not_answerable" and method == "model" and named >= 2:
            # a question that calls two papers of the collection by name is about them: of 331 labelled questions
            # of the bundled listing that do, 327 are synthesis, 3 metadata and one unanswerable (a request to
            # draft a paper, which the model does not decline either)
            label, confidence = pick("synthesis", "metadata")
            reason += f"; names {len(query.named)} papers"
        elif label == "metadata" and method == "model" and query.foreign >= FOREIGN and not query.named and \
                confidence < FORMS_OUTWEIGHED and not self._names_author(query) and \
                not self._writes_code(query.text) and \
                unlike_any_form(query.text, self.retriever.papers, self.retriever.profile.name or ""):
            # a question in another language that no bibliographic form comes near ("who won the Nobel Prize in
            # physics in 2024?" in Hebrew, read for its year): of 730 labelled questions in other languages that
            # the listing answers, none is this far from every form (qa.forms, docs/ROUTER.md, "Stop 35"). e5 reads
            # some languages too poorly for that (an Estonian count of the 2021 entries is 0.798 from every form):
            # a model this sure of the listing stands (`FORMS_OUTWEIGHED`)
            label, confidence = pick(*(r for r in intent.ROUTES if r != "metadata"))
            reason += "; no bibliographic form is near it"
        elif label == "not_answerable" and method == "model" and not query.history and decline < TAG_DECLINE and \
                ranked[1][0] in ("synthesis", "paper") and self._spans_years(query.text):
            # "what part did representation learning play from 2019 to 2024?": of 216 labelled questions
            # that write two years (no history), none is unanswerable (147 synthesis, 69 bibliographic); only a
            # decline the model is not sure of, with the papers next (one paper's route too: a Hausa question on
            # how "control" went from 2017 to 2024), turns: a span also dates the outside world ("who won the
            # Turing Award between 2018 and 2020?" is declined at 0.77, the listing next)
            label, confidence = pick("synthesis")
            reason += "; spans years"
        elif label == "not_answerable" and method == "model" and not query.history and _ONES_ASKED.search(query.text):
            # "which ones use positional encoding?" with nothing before it asks for the collection's papers: all 8
            # labelled questions that open so are answered (6 by the listing, 2 by the papers)
            label, confidence = pick("synthesis", "metadata")
            reason += "; asks which of the collection's papers"
        if label == "synthesis" and named == 1 and not query.history and self._quotes_title(query.text):
            # "Summarize "Mastering …"": a title quoted whole asks about its paper (of 19 labelled questions that
            # quote one, nothing before them, 18 are one paper's, one bibliographic, none synthesis)
            label, confidence = pick("paper")
            reason += "; quotes a title whole"
        elif label == "synthesis" and named < 2 and not query.history and ONE_PAPER_ASKED.search(query.text):
            # "Which paper steers sampling with a classifier and reports FIDs of …?" asks for one paper (of 455
            # labelled questions that open so, none is synthesis; the 2 that also read as comparisons describe what
            # the one paper compares, as "… and compares this against Bayesian optimization" does)
            label, confidence = pick("paper")
            reason += "; asks for one paper"
        elif label == "paper" and not query.history and self._spans_years(query.text):
            # a span of years ("from 2020 to 2023") is never one paper's question: of 303 labelled questions that
            # write two years (no history), 240 are synthesis, 63 metadata and none one paper; with a person of the
            # author lists named, all 52 are synthesis (how the person's work went)
            label, confidence = pick("synthesis") if query.stated.author else pick("synthesis", "metadata")
            reason += "; spans years"
        elif label == "metadata" and method == "model" and not query.history and query.stated.author and \
                self._spans_years(query.text) and (probabilities[intent.ROUTES.index("metadata")] < SURE_LISTING or
                                                   self._asks_evolution(query.text)):
            # how a co-author's work went over a span of years (Azerbaijani "how did X's work change from 2019 to
            # 2023?"): of 52 labelled questions that name a person of the author lists and write two years, all are
            # synthesis; a count over the span ("how many papers did X publish from 2019 to 2023?") the model reads
            # as bibliographic at 0.94 or more, in English as in Azerbaijani, French, German and Turkish. Read as
            # a line of work over time (qa.kinds), all 55 such labelled questions are synthesis, whatever the model
            label, confidence = pick("synthesis")
            reason += f"; how the work of {query.stated.author} went over the years"
        elif label != "paper" and method == "model" and not query.history and named == 1 and \
                _SUMMARY_ASKED.search(query.text):
            # "Summarize the ESPER paper.": the paper it names is in the collection, so its abstract answers. Of 18
            # labelled requests of this form, 17 call papers the collection lacks (all unanswerable) and one a paper
            # it has (one paper's), so the model learned to decline the form (ESPER at 0.57)
            label, confidence = pick("paper")
            reason += "; asks for a summary of a paper it names"
        elif label == "paper" and named >= 2:
            # the paper route answers from one paper; a question that names two or more needs them all (of 227
            # labelled questions that name two papers of the listing, 224 are synthesis and none is one paper)
            label, reason = "synthesis", f"{reason}; names {len(query.named)} papers"
        elif label == "paper" and method == "model" and not query.history and named == 1 and \
                _PLACE_ASKED.search(listing_terms(query.text)):
            # the author at a place in one paper's list is the listing's to give (of 15 labelled questions that ask
            # so, 12 are bibliographic and 2 unanswerable for a list the listing cuts, which it says)
            label, confidence = pick("metadata")
            reason += "; asks an author's place in a paper's list"
        elif label in ("paper", "metadata") and method == "model" and not query.history and \
                _EVOLUTION_ASKED.search(query.text):
            # of 261 labelled questions that ask how something did change or evolve (no history), all are synthesis
            label, confidence = pick("synthesis")
            reason += "; asks how something changed"
        elif label == "paper" and not query.history and (_EACH_ASKED.search(query.text) or
                                                          _PAPERS_ASKED.search(query.text)):
            # of 115 labelled questions that ask "what does each …" (no history), 114 are synthesis and none one
            # paper; of 1,072 that open "which papers / entries …", 850 are synthesis, 214 metadata and none one
            # paper; of 658 that open "how many … papers / entries / abstracts", 193 synthesis, 465 metadata, none;
            # of 297 that open "compare", 296 synthesis and one unanswerable (an outside figure)
            label, confidence = pick("synthesis", "metadata")
            reason += "; asks about several papers"
        elif label == "paper" and not query.history and self._compares_two_papers(query):
            label, reason = "synthesis", f"{reason}; compares two papers it describes"
        explanation = ""
        about = list(query.named) or [h.paper for h in (query.searched or [])[:evidence.PAPERS]]
        # a route the papers would answer may be turned to a decline; the model's own decline says what the papers
        # hold as a turned one does
        turnable = label in ("paper", "synthesis")
        explained = turnable or label == "not_answerable" and method == "model"
        if explained and (unwritten := evidence.choices_unwritten(query.text, about,
                                                                  bool(_COUNTS_PAPERS_NAMED.search(query.text)))):
            # "which release of the base model, 2.0, 2.2 or 3.1, was used?": the papers it is about write
            # none of the choices it offers, so they do not say which
            if turnable:
                label, confidence = "not_answerable", decline
                reason += "; its papers write none of the choices it offers"
            explanation = evidence.explain_choices(unwritten, about)
        elif explained and named <= 1 and about and \
                (vague := evidence.named_only_vaguely(query.text, about[0]) or
                 evidence.counted_only(query.text, about[0])):
            # "on which data sets was it measured?" of a paper that says only "on common deep learning benchmarks":
            # of 113 labelled English questions of one paper that ask which data sets, architectures or languages,
            # none is of a paper that writes them so, nor of 17 synthesis ones; of 67 unanswerable ones, 4 are.
            # "Which seven agents …?" of one that writes only "across seven agents, three Atari games, …": of 121
            # labelled English questions asking which N things, 8 of 16 unanswerable ones, none of 105 others
            if turnable:
                label, confidence = "not_answerable", decline
                reason += "; its paper does not name what it asks which of"
            explanation = evidence.explain_vague(vague, about[0])
        elif called := evidence.unwritten_paper_name(query.text, self.retriever.papers, query.unknown):
            # "Summarize the Layer Normalization paper": no title or abstract writes the name it calls a paper by
            # (all 17 labelled questions that do so are unanswerable; "the Reversible RNN paper" is read as its
            # title's initials)
            if label != "not_answerable":
                label, confidence = "not_answerable", decline
                reason += "; calls a paper by a name the collection does not write"
            explanation = f"No title or abstract in the collection mentions “{called}”."
        query.route = Route(label, round(confidence, 3), method, reason, explanation=explanation,
                            one_paper=self._one_paper(query),
                            from_papers=pick("paper", "synthesis")[0],
                            llm_error=before.llm_error)
        return query

    def _compares_two_papers(self, query: Query) -> bool:
        """"Contrast the detector that proposes regions with the one that looks once": each thing compared
        finds a paper of its own, clearly (`COMPARED_SCORE`, `COMPARED_MARGIN`), so the question needs two papers even
        where the evidence of one is strong. On the labelled English questions of the bundled listing whose
        comparison splits in two, this holds for none of 61 one-paper questions ("… and how does that compare with
        GPT-3.5?" finds no paper for GPT-3.5) and for 156 of 239 synthesis ones."""
        return bool(self.described_pair(query.text, query.given, COMPARED_MARGIN))

    def described_pair(self, question: str, filters: Filters | None, margin: float = 0.0,
                       targets: list[str] | None = None, named: Paper | None = None) -> list[Hit]:
        """The two papers a comparison (or `targets`) names or describes, each thing compared searched alone (a
        search of the whole question favours whichever is easier to match): their best papers, when the two differ
        and each scores at least `COMPARED_SCORE`, `margin` ahead of its runner-up, or is the paper the question
        names (`named`: "the POPLIN paper" finds it below that score); else []."""
        targets = targets or comparison_targets(question)
        if len(targets) != 2:
            return []
        found = [self.retriever.search(target, k=2, filters=filters) for target in targets]
        if not all(found) or found[0][0].paper.paper_id == found[1][0].paper.paper_id:
            return []

        def unclear(hits: list[Hit]) -> bool:
            return hits[0].score < COMPARED_SCORE or bool(margin) and (
                len(hits) < 2 or hits[0].score - hits[1].score < margin)
        if any(unclear(hits) and (named is None or hits[0].paper.paper_id != named.paper_id) for hits in found):
            return []
        return [hits[0] for hits in found]

    def interval_pair(self, query: Query) -> list[Paper]:
        """The two papers a question asks the time between: the two it names, else the two it describes."""
        if query.dated_pair is not None:  # the router and the answer both ask: the searches run once
            return query.dated_pair
        named = list({p.paper_id: p for p in query.named}.values())
        if not INTERVAL.search(query.text) or len(named) > 2:
            query.dated_pair = []
        elif len(named) == 2:
            query.dated_pair = named
        else:
            targets = interval_targets(query.text)
            query.dated_pair = [h.paper for h in self.described_pair(query.text, query.given, targets=targets,
                                                                     named=named[0] if named else None)] \
                if targets else []
        return query.dated_pair

    def _spans_years(self, question: str) -> bool:
        """The question writes two different years the collection's papers could have (not a "2048" game)."""
        years = [p.year for p in self.retriever.papers]
        return bool(years) and len({y for y in named_years(question) if min(years) - 5 <= y <= max(years) + 1}) >= 2

    def _writes_code(self, question: str) -> bool:
        """The question writes a category code or an affiliation tag of the listing, as the listing writes it."""
        papers = self.retriever.papers
        return bool(written_categories(question, papers) or written_affiliations(question, papers))

    def _quotes_title(self, question: str) -> bool:
        """The question quotes a title of the collection whole."""
        titles = {fold(p.title).strip(" .?!") for p in self.retriever.papers}
        return any(fold(q).strip(" .?!") in titles for q in quoted_phrases(question))

    def _asks_evolution(self, question: str) -> bool:
        """The answer kind model (qa.kinds, which reads other languages) reads a line of work over time."""
        return likeliest_kind(question, self.retriever.multilingual.encoder.query(question)) == "evolution"

    def _names_author(self, query: Query) -> bool:
        """The question names a person of the author lists, or the profile's owner."""
        return bool(query.stated.author) or names_owner(fold(query.text), self.retriever.profile.name or "")

    def _counts_written_text(self, question: str) -> bool:
        """A count or list of the papers that write a phrase the question quotes, and some paper writes it (a
        quoted title the collection lacks is still declined); or of the papers that write a name ("which abstracts
        mention ChatGPT?"), when some paper writes one the question names. On the labelled questions of the bundled
        listing that count or list papers, abstracts or titles, a name some paper writes is in none of 26
        unanswerable ones and in 212 of 869 synthesis ones ("how many MiniWoB tasks …?" counts no papers)."""
        quoted = quoted_phrases(question)
        if quoted:
            # in any language, the kind of answer read from multilingual-e5 ("Koliko povzetkov vsebuje besedo 'X'?")
            counts = _COUNTS_PAPERS.search(question) or MENTIONED.search(question) or kind_model().likeliest(
                self.retriever.multilingual.encoder.query(question), (False, False, False)) == "count"
            return bool(counts) and any(
                says(f"{p.title} {p.abstract}", phrase) for p in self.retriever.papers for phrase in quoted)
        names = question_names(question) if _COUNTS_PAPERS_NAMED.search(question) else []
        if any(says_name(f"{p.title} {p.abstract}", name) for p in self.retriever.papers for name in names):
            return True
        # "which entries mention momentum?": of 69 labelled questions that list papers by what they mention or use,
        # every word of it written in the collection, all are synthesis
        mentioned = MENTIONED.search(question)
        words = evidence.question_words(mentioned["what"]) if mentioned else []
        return bool(words) and all(evidence.written(w, self.word_weights()) for w in words)

    def _one_paper(self, query: Query) -> bool:
        """A listing field (date, code, category, affiliation) of one paper: the paper the question names, the one
        under discussion, or one it describes ("when was the paper on fast weights published?")."""
        q = query.text.lower()
        if not PAPER_FACT.search(q) or COLLECTION_WIDE.search(q):
            return False
        return len(query.named) == 1 or bool(query.history) and bool(
            FOLLOW_UP.search(q)) or bool(_DESCRIBED_PAPER.search(q))

    @_one_version
    def query_of(self, question: str, history: list[dict] | None = None, k: int | None = None,
                 filters: Filters | None = None) -> Query:
        """The question with the guards' route (or the LLM router's), the papers it names and the names the
        collection lacks, before the intent model reads it."""
        history = history or []
        router = self.router()
        return Query(question, history, k or self.settings.k, router.classify(question, history or None),
                     parse_filters(question, self.retriever.papers, owner=self.retriever.profile.name), filters,
                     self.search_query,
                     foreign=self.retriever.index().foreign_share(question), named=router.papers_called_in(question),
                     unknown=evidence.unknown_names(router.spelled(question), self.word_weights(), self._people()))

    def _people(self) -> str:
        """Every name of the author lists and the profile's owner, as one text (one per index version, so its stems
        are read once)."""
        self.word_weights()
        return self._weights[2]

    def word_weights(self) -> evidence.WordWeights:
        """idf of the collection's words, built once per index version."""
        index = self.retriever.index()
        if self._weights is None or self._weights[0] != index.manifest.version:
            people = " ".join([self.retriever.profile.name or "", *(a for p in index.papers for a in p.authors)])
            self._weights = (index.manifest.version, evidence.WordWeights(index.papers), people)
        return self._weights[1]

    def routed_without_model(self, query: Query) -> bool:
        """Routes that stand without the model: an injection is never answered; "who wrote it?" with nothing before
        it gets asked back (`_retrieve_and_answer`); and a decline that needs no evidence stands (`Route.settled`:
        no words, chit-chat, requests to write code or to reveal the instructions, the researcher's private life,
        figures the listing does not hold)."""
        return is_injection(query.text) or query.route.settled or not query.history and dangling_reference(query.text)

    @_one_version
    def intent_inputs(self, query: Query) -> tuple:
        """What the intent model reads of a question (qa.intent); also keeps the evidence search on the query,
        for the answer to reuse. tools/train_intent.py reads the labelled questions through this too."""
        query.searched, query.evidence, features = self.evidence_features(query)
        # "What about MuJoCo?" after "Which abstracts mention Atari?" asks what the two together ask
        asked = query.search_text if query.history and substitutes(query.text) else query.text
        multilingual = intent.multilingual_inputs(self.retriever.multilingual.encoder.query(asked), features)
        # "which papres mention PPO?": the n-grams of "which papers"
        mended = self.retriever.index().function_words_mended(asked)
        return (intent.hashed(mended, query.history, self._vocabulary()), multilingual,
                intent.dense_inputs(features, asks_listing_form(query.text), query.stated, query.history))

    def _intent(self) -> intent.IntentModel:
        if self._intent_model is None:
            self._intent_model = intent.IntentModel()
        return self._intent_model

    def _vocabulary(self):
        index = self.retriever.index()
        if self._vocab is None or self._vocab[0] != index.manifest.version:
            self._vocab = (index.manifest.version, intent.vocabulary(index.papers))
        return self._vocab[1]

    def evidence_features(self, query: Query) -> tuple[list[Hit], evidence.Evidence, dict]:
        """The best retrieved papers, the sentence among them that best supports an answer, and what the
        intent model reads of them (qa.evidence.FEATURES)."""
        index, weights = self.retriever.index(), self.word_weights()
        text = self.feature_text(query)
        # as deep as a one-paper answer reads, so that answer can reuse this search (`_retrieve_and_answer`)
        named_papers = self.papers_meant(query)
        hits = _named_first(self.retriever.search(text, k=max(query.k, evidence.PAPERS), filters=query.given),
                            named_papers)
        vector = np.asarray(self.embedder.embed([text]), dtype=np.float32)[0]
        found = evidence.assess(text, [h.paper for h in hits], self.embedder, self.retriever.sentence_vectors,
                                weights, question_vector=vector)
        # filters set outside the question (the UI's, `--author`) may leave no paper: what the question needs is
        # still read from the whole collection (the answer then says that no paper matches, or counts 0)
        read = hits if hits or query.given is None or not query.given.active else _named_first(
            self.retriever.search(text, k=max(query.k, evidence.PAPERS)), named_papers)
        named = frozenset(p.paper_id for p in named_papers)
        features = evidence.measure(text, read, self.embedder, self.retriever.sentence_vectors, weights,
                                    named=named, question_vector=vector)
        # the same text in multilingual-e5 (the spelling fixes leave the words of other languages as they are)
        multilingual_vector = self.retriever.multilingual.encoder.query(text)
        features.update(evidence.measure_multilingual(
            multilingual_vector, read, self.retriever.multilingual_sentences,
            self.retriever.multilingual, index.papers, MULTILINGUAL_MAX_PAPERS))
        # does one of the best abstracts state what is asked (qa.answer_sentences)? (0 where the e5 sentence
        # vectors are not computed, as `measure` left it)
        if len(index.papers) <= MULTILINGUAL_MAX_PAPERS:
            best = [h.paper for h in read[:evidence.PAPERS]]
            features["answer"], features["answer_any"] = (round(v, 4) for v in answer_sentences.model().best(
                text, multilingual_vector, best, self.retriever.multilingual_sentences.get_many(best), named))
        return hits, found, features

    def evidence_text(self, query: Query) -> str:
        """The text the evidence is read for: misspelt English words as the collection spells them (an unknown
        word is evidence that a topic is missing; the words of another language are left as they are).
        "DreamrV3": the paper the question names, as it writes it; "Waht": a question word."""
        if query.evidence_text is None:  # read once: the evidence and a one-paper answer's sentences both ask
            index = self.retriever.index()
            text = index.function_words_mended(self.router().spelled(query.search_text))
            query.evidence_text = index.spelled(text) if index.foreign_share(text) < MIN_FOREIGN else text
        return query.evidence_text

    def feature_text(self, query: Query) -> str:
        """The evidence text as the intent and answer-sentence models read it: without the years it dates papers by
        (the listing holds a paper's date and its abstract rarely writes it: read as a word, "the 2019 paper Dream to
        Control" lacked one every abstract lacks, and was declined where "Dream to Control" was answered). The
        answers keep the years: a course over some years is read from them."""
        return without_dating_years(self.evidence_text(query))

    def papers_meant(self, query: Query) -> list:
        """The papers the question names or, for a follow-up that names none ("and how did it do there?" after a
        question about one paper), those its resolved text names: the evidence is read as if the question had
        named them."""
        if query.meant is None:  # read once: the evidence and a decline's explanation both ask
            query.meant = query.named if not query.history or query.named or query.search_text == query.text \
                else self.router().papers_called_in(query.search_text)
        return query.meant

    def search_query(self, question: str, history: list[dict]) -> str:
        """A follow-up ("who wrote it?") is searched together with the previous question."""
        previous = [m["content"] for m in history if m["role"] == "user"]
        if previous and substitutes(question):  # the previous question asked of something else, not its papers
            return f"{previous[-1]} {question}"
        if not previous or not (FOLLOW_UP.search(question) or not specific_words(question)) \
                or self_contained(question):
            return question
        carried = self.papers_named_in(history)
        if self.llm is not None:
            try:
                rewritten = self.llm.complete(
                    [{"role": "system", "content": (PROMPTS / "rewrite_followup.md").read_text(encoding="utf-8")},
                     {"role": "user", "content": "\n".join(f"{m['role']}: {m['content'][:500]}"
                                                           for m in history[-4:]) + f"\nuser: {question}"}],
                    max_tokens=80).strip()
                if 3 < len(rewritten) < 400:
                    return rewritten
            except LLMError as exc:
                log.info("follow-up rewrite failed: %s", exc)
        if carried:  # the previous answer named its paper(s): carry them, not just the words
            return " ".join(p.title for p in carried[:2]) + f" {question}"
        return f"{previous[-1]} {question}"

    def papers_named_in(self, history: list[dict]):
        """Papers whose title appears in the last assistant message (what "it" most likely means)."""
        from .papers import normalize_title

        replies = [m["content"] for m in history if m["role"] == "assistant"]
        if not replies:
            return []
        text = normalize_title(replies[-1])
        return [p for p in self.retriever.papers if len(p.title) > 12 and normalize_title(p.title) in text]


def _named_first(hits: list[Hit], named: list) -> list[Hit]:
    """The retrieved papers with the one paper the question names first, when it is among them: a question that
    names BERT is about BERT's abstract, even where RoBERTa's, which writes "BERT" more often, ranks first. The
    evidence is then read from the paper asked about, and a one-paper answer quotes it."""
    ids = {p.paper_id for p in named}
    if len(ids) != 1:
        return hits
    return sorted(hits, key=lambda h: h.paper.paper_id not in ids)
