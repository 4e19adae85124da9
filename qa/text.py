"""Reading text the same way everywhere the collection's names are matched: folding, stemming, stop words, typos."""
from __future__ import annotations

import difflib
import os
import re
import unicodedata
from collections import Counter, defaultdict
from datetime import date

# letters NFKD does not split into a base letter and an accent
_UNDECOMPOSED = str.maketrans({"ı": "i", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O"})


def fold(text: str) -> str:
    """NFKC, lower case, accents removed from Latin letters only (CJK is left alone)."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text.lower()
    out = []
    for ch in text.translate(_UNDECOMPOSED):
        if ord(ch) < 0x250 or 0x1E00 <= ord(ch) <= 0x1EFF:  # with Vietnamese letters ("những")
            out.append("".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)))
        else:
            out.append(ch)
    return "".join(out).lower().replace("’", "'").replace("‘", "'")


def stem(word: str) -> str:
    return word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word


def norm(text: str) -> str:
    """Folded, punctuation to spaces: the form used to match names and phrases."""
    text = re.sub(r"[^\w\s]|_", " ", fold(text))
    return re.sub(r"\s+", " ", text).strip()


WORD = re.compile(r"[^\W_]+")
# a sentence that gives a link rather than a finding
LINK = re.compile(r"https?://|please check out|our code is available|is available at", re.IGNORECASE)
# the letters of scripts with capitals (Latin with its accents, Greek, Cyrillic) and digits, for a regex class: what
# bounds a name in Latin letters ("Minecraftを" and "用GPT-4" are names; "Repräsentationen" is one word)
CASED = r"A-Za-z0-9\u00C0-\u024F\u0370-\u03FF\u0400-\u04FF"


def has(pattern: str, text: str) -> bool:
    return re.search(pattern, text) is not None


# Words that carry no topic: question words, bibliographic vocabulary, stop words of
# several languages. Whatever remains in a counting/listing question is a topic.
STOP = set("""
a an the of in on at to for from by with without about into onto over under and or not no nor is are was were be been
being am do does did done doing have has had having can could would should will shall may might must this that these
those it its it's they them their he his she her him we our us you your i me my what which who whom whose when where
why how many much more most less least any some all each every both either neither other others another such only own
same so than too very just also there here then now per as if up out down off again further once any anything
paper papers publication publications article articles work works listing list listed collection profile researcher
number count total counts counting tally amount quantity published publish publishing released release appeared appear
came come out written write wrote authored author authors coauthor coauthors co year years since before after between
during until till date dates dated month months recent recently latest newest oldest earliest first last chronological
chronologically code codes available availability github repository repo implementation implementations open source
category categories tagged tag arxiv cs stat ml lg ai cl cv him himself group lab team there's
give show tell me please let know find get see name names include includes including contain contains containing
exist exists existing overall altogether whole entire does has according say says said present shown shows
de la le les des du et en un une el los las y o da die der das und mit von im ist sind zu il lo gli di e
one two three four five six seven eight nine ten few several past previous recent average mean median typical
posted put uploaded submitted ever far currently today ago prior later earlier recently next span range period
decade decades dozen more fewer over under exactly roughly approximately about around than then now
fraction percentage proportion share ratio percent frequently often usually link links url website venue listed
most least fewest longest shortest largest smallest together alone solo single sole across combined whole
entire page site database record records shown preprint preprints conference conferences journal journals venue
venues workshop accepted peer reviewed lead senior primary corresponding main second third months month week weeks
quarter half first last but yet still actually really truly claim claims claimed claiming states stated fall falls
belong belongs sit sits
""".split())


class Fuzzy:
    """Closest known word for a misspelt one, via a trigram index (fast enough per question)."""

    def __init__(self, words):
        self.words = sorted(set(words))
        self.index: dict[str, list[int]] = defaultdict(list)
        for i, word in enumerate(self.words):
            for gram in self._grams(word):
                self.index[gram].append(i)

    @staticmethod
    def _grams(word: str) -> set[str]:
        padded = f"#{word}#"
        return {padded[i:i + 3] for i in range(len(padded) - 2)}

    def closest(self, word: str, cutoff: float = 0.8) -> str | None:
        counts: Counter = Counter()
        for gram in self._grams(word):
            counts.update(self.index.get(gram, ()))
        best, best_ratio = None, cutoff
        for i, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:12]:  # ties by word: deterministic
            candidate = self.words[i]
            if abs(len(candidate) - len(word)) > 3 or candidate[0] != word[0]:
                continue
            if re.sub(r"\D", "", candidate) != re.sub(r"\D", "", word):
                continue  # "dreamerv4" is another name, not a typo of "dreamerv3"
            ratio = difflib.SequenceMatcher(None, word, candidate).ratio()
            if ratio > best_ratio or (ratio == best_ratio and best is None):
                best, best_ratio = candidate, ratio
        return best


# an acronym's plural ("GPUs", "LLMs"), which abstracts may write in the singular ("single-GPU training")
ACRONYM_PLURAL = re.compile(r"\b([A-Z]{2,}[A-Za-z0-9]*?)s\b")
# a phrase the question quotes ("which abstracts write 'world model'?"), not an apostrophe
_QUOTED = re.compile(r"(?:(?<=[\s(])|^)['\"“‘«]([^'\"”’»]{2,60})['\"”’»](?=[\s?.,;:!)]|$)")


# a word named as a word ("which abstracts have the term X?", "words like X or Y") is asked about as written, as if
# quoted ("the word noise or noisy": each)
_WORD_NAMED = r"[A-Za-z][\w\-]{1,30}"
_NAMED_WORD = re.compile(rf"\b(?:the (?:words?|terms?)|words? (?:like|such as))\s+"
                         rf"({_WORD_NAMED}(?:(?:\s*,\s*|\s+)(?:or|and)\s+{_WORD_NAMED}|"
                         rf"\s*,\s*{_WORD_NAMED})*)\b(?!['\"”’»])")

# where a word named as a word ends its clause ("… the word single?", "… the word single occur?")
_CLAUSE_END = re.compile(r"\s*(?:[?.!;]|$|(?:occurs?|appears?|(?:shows?|comes?|turns?) up)\b)")

# a phrase named as a phrase, unquoted ("count the abstracts that write the phrase state of the art"): its words to
# the end of the clause, each alternative joined by "or" a phrase of its own (not a phrase whose meaning is asked)
_NAMED_PHRASE = re.compile(r"\bthe (?:phrases?|expressions?)\s+([a-z][\w\-]*(?:\s+[a-z][\w\-]*){0,4}?)(?<!\bmean)"
                           r"(?=\s*(?:[,?.;:!)]|$)|\s+(?:appears?|occurs?|shows? up|turns? up|in|at all|to|when|"
                           r"while)\b)")

# what separates the items of a list ("X, Y or Z", "X/Y"), and a list of two to four words
_SEPARATOR = r"\s*,\s*(?:or\s+)?|\s*/\s*|\s+or\s+"
_LISTED = re.compile(_SEPARATOR)
_WORD_LIST = rf"{_WORD_NAMED}(?:(?:{_SEPARATOR}){_WORD_NAMED}){{1,3}}"
# forms of one word written out after a verb of writing ("abstracts mention architecture or architectures"): the
# word as written, as if quoted (two forms of one word name a word, not a topic)
_FORMS_NAMED = re.compile(rf"\b(?:mention|use|contain|write|include|say)s?\s+(?:the\s+)?({_WORD_LIST})\b",
                          re.IGNORECASE)
# or before a verb of appearing ("do regular, regularly or regularity appear in any abstract?": all 5 labelled
# questions that list forms of one word so count the papers that write one of them)
_FORMS_APPEARING = re.compile(rf"\b({_WORD_LIST})\s+(?:appears?|occurs?|shows? up|turns? up)\b", re.IGNORECASE)
# or shown in brackets, after a colon or "such as" ("which entries say stop: stop, stops or stopped?"): all 5
# labelled questions that list forms of one word so count or list the papers that write one of them
_FORMS_SHOWN = re.compile(rf"(?:\(\s*|:\s+|\bsuch as\s+)({_WORD_LIST})\b", re.IGNORECASE)


# any form of one word ("some form of the verb propose", "a form of demonstrate"): every word that starts as its
# stem does ("proposed", "proposing", "proposal")
_FORM_OF = re.compile(rf"\b(?:an?|some|any|another|one)\s+forms?\s+of\s+(?:the\s+(?:words?|verbs?|terms?|nouns?)\s+)?"
                      rf"['\"“‘]?({_WORD_NAMED})", re.IGNORECASE)
# or of its family ("a word from the optimize family", "the synth- family"; 2 labelled questions)
_FAMILY = re.compile(rf"\b(?:an?|any|some|one)\s+words?\s+(?:of|from|in)\s+the\s+({_WORD_NAMED})\s+family\b",
                     re.IGNORECASE)
# or by how its words begin ("words beginning with 'limit'"): the start itself, whatever follows it
_BEGINNING = re.compile(rf"\bwords?\s+(?:that\s+)?(?:begin|start)(?:s|ning|ing)?\s+with\s+['\"“‘]?({_WORD_NAMED})",
                        re.IGNORECASE)
_ENDING = re.compile(r"(?:ation|ing|ed|es|e|s)$")
# the words that open an example, or what a word covers ("such as", "whether", …)
EXAMPLE = r"such as|like|for example|for instance|e\.g\."
OPENS_EXAMPLES = rf"whether|either|be it|including|{EXAMPLE}"
# one word the papers are listed by, then what it covers ("cost, whether compute, memory or money"): the word in
# any form. On the 16 labelled questions that list papers so, the answers cite 68 of the 73 expected papers, where
# the search alone found 49 (10 of 10 for cost, where it found 2), and no question loses one
_HEAD_THEN_EXAMPLES = re.compile(rf"(?:(?:an?|the)\s+)?([A-Za-z][\w\-]{{3,30}})\s*,\s*(?:{OPENS_EXAMPLES})\b")
# "in any form", "in some form": whatever forms the question lists, any word that starts as they all do
_ANY_FORM = re.compile(r"\b(?:in|of) (?:any|some|every) forms?\b", re.IGNORECASE)


# "which entry …?", "which 2019 paper …?": one paper asked for
ONE_PAPER_ASKED = re.compile(r"^\W*which (?:(?:19|20)\d\d )?(?:paper|entry|article|study|publication|work|item|"
                             r"record)\b(?!s)", re.IGNORECASE)
# the papers listed or counted by what they mention ("which entries mention momentum?", "how many abstracts in the
# listing talk about generalizing or generalization?"; another collection's listing holds "records")
_LISTED_ITEMS = r"(?:papers|abstracts|entries|titles|works|articles|records|publications)"
MENTIONED = re.compile(r"^\W*(?:which|what|list(?: the| all)?|count(?: the)?|how many)\s+(?:\w+\s+){0,2}?"
                       rf"{_LISTED_ITEMS}\s+"
                       r"(?:in (?:the|this) \w+\s+)?(?:\w+\s+){0,2}?(?:mention|use|discuss|"
                       r"talk about|bring up|refer to|name|cite|contain|include)s?\s+(?P<what>[^?]+)", re.IGNORECASE)
_PLAIN_WORD = re.compile(r"[a-z][a-z\-]{3,30}")
# a question that lists or counts papers
_LISTS_PAPERS = re.compile(rf"^\W*(?:which|what|list|count|(?:in )?how many)\b.{{0,40}}?\b{_LISTED_ITEMS}\b",
                           re.IGNORECASE)
# papers listed by a thing of any kind, or by one thing and examples of it ("which entries involve games of any
# kind?", "… use Minecraft in some way?", "… deal with structure, such as structured inputs …"): the word in any
# form, when no word before it narrows it ("a GPT model of any kind" asks for GPT models, not models)
_OF_ANY_KIND = re.compile(r"\b(involv\w*|mention\w*|use|uses|using|about|with|on|of|discuss\w*|study|studies|"
                          r"contain\w*|rely on|deal with|work with)\s+(?:an?\s+|the\s+)?([a-z][a-z\-]{3,30})\s*,?\s+"
                          rf"(?:of (?:some|any) (?:kind|sort|type)|in (?:any|some|whatever) (?:sense|way|form)|"
                          rf"(?<=,\s)(?:{OPENS_EXAMPLES}))\b", re.IGNORECASE)
# or by a word they call something ("which entries describe their approach as simple?", "how many abstracts call
# something complex?"): that word, ending its clause, in any form
_CALLED_AS_WORDS = r"([a-z][a-z\-]{3,30}(?:(?:\s*,\s*(?:or\s+)?|\s+or\s+)[a-z][a-z\-]{3,30}){0,3})"
_CALLED_AS = re.compile(r"(?:\b(?:describ|call|present|characteri[sz]|label|tout)\w*\s+(?:(?!as\b)[\w\-']+\s+){0,4}?"
                        rf"as\s+(?:being\s+)?{_CALLED_AS_WORDS}|\bcall(?:s|ed)?\s+(?:something|anything|it|them|"
                        rf"themselves|itself|(?:their|its) (?:own )?[a-z]+)\s+{_CALLED_AS_WORDS})"
                        r"(?=\s*(?:[?,.;:!]|$|\bor\b|\band\b))", re.IGNORECASE)


def mentioned_phrase(question: str) -> str:
    """The phrase of two or three plain words that papers are listed or counted by ("which entries discuss the
    learning rate?"), its last word as a word start ("graph neural network" for "…networks"); else ""."""
    found = MENTIONED.search(question)
    if not found or word_families(question) or quoted_phrases(question):
        return ""
    what = re.sub(r"^(?:an?|the)\s+", "", found["what"].strip(" .!?"), flags=re.IGNORECASE)
    return re.sub(r"(?<=[a-z]{3})s$", "", what) if re.fullmatch(r"[a-z][a-z\-]+(?: [a-z][a-z\-]+){1,2}", what) else ""


def _forms_written(question: str) -> list[list[str]]:
    """The lists of forms of one word the question writes out after a verb of writing, before one of appearing, or
    shown as a list."""
    listed = [_LISTED.split(words) for words in _FORMS_NAMED.findall(question) + _FORMS_APPEARING.findall(question)
              + _FORMS_SHOWN.findall(question)]
    # a function word is no form of a word ("behavior or behaviors, in either spelling" lists two), unless another
    # word listed is a form of it ("previous or previously")
    lists = [[w for w in words if w.lower() not in STOP or any(forms_listed([w, o]) for o in words)]
             for words in listed]
    return [words for words in lists if len(words) >= 2 and (forms_listed(words) or one_stem(words))]


def word_families(question: str) -> dict[str, str]:
    """{stem: the word as the question writes it} for each word asked about in any of its forms: named as a form
    ("a form of demonstrate"), or the plain words alone that papers are listed by ("which abstracts mention
    trajectories?": of 20 labelled synthesis questions that list or count papers by one to four such words, the
    papers writing one of them in any form are the expected ones for 19; the other misspells its word), or the one
    word before what it covers ("cost, whether compute or money"; down to the start its examples share with it:
    "supervision, whether supervised …" is "supervis"); forms listed "in any form"; the start words are asked to
    begin with ("words beginning with 'limit'"); else the one word whose course over the years is asked (`_theme`)."""
    families, examples = {}, ""
    words = _FORM_OF.findall(question) + [w.rstrip("-") for w in _FAMILY.findall(question)]
    if (mentioned := MENTIONED.search(question)) and not words and not _forms_written(question):
        # (forms of one word written out are each the word, as written)
        what = mentioned["what"].strip(" .!")
        head = _HEAD_THEN_EXAMPLES.match(what)  # "cost, whether compute, memory or money": cost, in any form
        examples = what[head.end():] if head else ""
        listed = [head.group(1)] if head else [re.sub(r"^(?:to\s+)?(?:(?:an?|the)\s+)?", "", w)
                                               for w in _LISTED.split(what)]
        words = listed if len(listed) <= 4 and all(_PLAIN_WORD.fullmatch(w) for w in listed) else []
    if not words and _LISTS_PAPERS.search(question):
        if called := _CALLED_AS.search(question):  # "… describe their results as competitive or novel?"
            words = _LISTED.split(called.group(1) or called.group(2))
        elif of_any_kind := _OF_ANY_KIND.search(question):  # "… involve games of any kind?"
            words = [of_any_kind.group(2)]
    for word in words:
        lower = word.lower()
        # "stochasticity": "stochastic" too, as "convexity" is "convex" or "non-convex"
        stem = lower[:-3] if lower.endswith("ies") or lower.endswith("ity") and len(lower) >= 8 else \
            lower[:-4] if lower.endswith("ness") and len(lower) >= 8 else _ENDING.sub("", lower)
        if stem.endswith("ation"):  # "ablations": "ablat", which "ablating" writes too
            stem = stem[:-3]
        if len(stem) < 4 and lower.endswith("s") and len(lower) >= 5:  # "games": "game", not "gam"
            stem = lower[:-1]
        # its examples written in another form of it ("supervision, whether supervised or self-supervised"): the
        # start they share with it
        shared = [os.path.commonprefix([lower, w.lower()]) for w in re.findall(r"[A-Za-z]+", examples)]
        stem = min([p for p in shared if 5 <= len(p) < len(stem)] + [stem], key=len)
        if len(stem) >= 4 and lower not in STOP:
            families[stem] = word
    families.update((m.group(1).lower(), m.group(1)) for m in _BEGINNING.finditer(question))
    if _ANY_FORM.search(question):  # "classification or classifiers in some form": "classifier" too
        families.update((os.path.commonprefix([w.lower() for w in forms]), forms[0])
                        for forms in _forms_written(question) if one_stem(forms))
    if not families and (theme := _theme(question)):
        families[_theme_stem(theme)] = theme
    return families


# how one thing fared over the years ("how has the role of goals changed since 2019?", "how do images figure in the
# listing?"): the papers of those years that write it, in any form. Of the 23 labelled English evolution questions
# that ask so, the answers cite all 147 expected papers (and 20 others), where the search cited 93 (and 14 others);
# of 5 more that ask "how did work on X develop", "the use of X spaces or X variables", 43 of 43 (31 before)
_EVOLVES = re.compile(r"\b(?:chang|evolv|develop|shift|trac|progress)\w*|\bover (?:time|the years)\b|"
                      r"\b(?:come|show)s? up\b", re.IGNORECASE)
_THEME_OF = re.compile(r"\b(?:(?:role|use|usage|handling|treatment|notion|theme|idea|topic|questions|mentions) of|"
                       r"concern with|focus on|talk of|talk about|work (?:on|involving))\s+(?:(?:the|an?)\s+)?"
                       # one word, or two phrases that open with it ("latent spaces or latent variables")
                       r"([a-z][\w\-]{3,30})(?:\s+[a-z][\w\-]+\s+or\s+(?:(?:the|an?)\s+)?\1\s+[a-z][\w\-]+)?"
                       r"(?=\s*,|\s+(?:in|across|come|show|appear|feature|figure|between|from|over)\b|"
                       r"\s+(?:chang|shift|evolv|develop)\w*)", re.IGNORECASE)
# a span of years a theme is followed over ("how did the papers speak of sparsity from 2018 to 2022?")
_YEAR_SPAN = re.compile(r"\b(?:between|from)\s+(?:19|20)\d\d\s+(?:and|to|through|until|till)\s+(?:19|20)\d\d\b",
                        re.IGNORECASE)
_THEME_FIGURES = re.compile(r"^\W*how (?:did|do|does|has|have) (?:the\s+)?([a-z][\w\-]{3,30})\s+(?:feature|figure|"
                            r"appear|come up|show up)d?\s+(?:in|across|over|from|between|throughout)\b", re.IGNORECASE)


# the words that frame what a question about a theme's course asks ("the way entries describe …", "concerns about
# …", "the datasets these entries build or rely on"), beside `STOP` and the words of change
_FRAMING = frozenset("""way ways concern concerns discussion discussions talk role roles use uses used usage
treatment notion idea ideas theme themes topic topics question questions mention mentions description descriptions
interest focus handling kind kinds sort type types research entry entries abstract abstracts study studies item items
describe describes described build builds built rely relies involve involves involved studied report reports reported
treat treats treated discuss discusses discussed appears feature features featured figure figures figured
set""".split())


def _theme(question: str) -> str:
    """The one word whose course over the years the question asks, else ""."""
    found = _THEME_FIGURES.search(question) or (_EVOLVES.search(question) or _YEAR_SPAN.search(question)) and \
        _THEME_OF.search(question)
    word = found.group(1) if found else _lone_word(question)
    return word if word.lower() not in STOP and len(_theme_stem(word)) >= 4 and not _EVOLVES.fullmatch(word) else ""


def _lone_word(question: str) -> str:
    """The one word a question about the course of something over some years keeps once its function words and
    those of the listing, of change and of framing are set aside ("how did the datasets these entries build or rely
    on change between 2019 and 2024?": datasets); "" when none or several are left, or the question names something
    (a capital past its first word: "Atari results", a person's work). Of the 31 labelled English questions it reads
    so, the answers cite 185 of the 266 expected papers where they cited 118 (and 42 others where 32)."""
    if not (_EVOLVES.search(question) and re.search(r"\b(?:19|20)\d\d\b", question)):
        return ""
    words = re.findall(r"[A-Za-z][\w\-']*", question)
    if any(not w.islower() for w in words[1:]):
        return ""
    left = _unframed(words)
    return left[0] if len(left) == 1 or len(left) > 1 and one_stem(left) else ""


def _unframed(words: list[str], also: frozenset[str] = frozenset()) -> list[str]:
    """The words of a question about a course over the years that are left once function words, those of framing
    and of change (and `also`, lower case) are set aside."""
    set_aside = STOP | _FRAMING | also
    return [w for w in words if w.lower() not in set_aside and not _EVOLVES.fullmatch(w)]


# what a question about a body of work's course says of it besides the course itself ("his line of work over time")
_COURSE_WORDS = frozenset("time line lines contributions collaborations co-authored".split())


def asks_only_the_course(question: str, papers: list) -> bool:
    """A question about how someone's work went over the years that asks about nothing else ("How did Yandong Wen's
    work develop from 2016 to 2017?"): no word is left once function words, the listing's, those of change and of
    framing, the years, and the names of the papers' authors are set aside. Of the 136 labelled synthesis questions
    that ask the course of one author's work, 102 ask only it (every name on that author's papers set aside)."""
    people = frozenset(w.lower() for p in papers for name in p.authors
                       for w in re.findall(r"[A-Za-z][\w'’\-]*", name))
    words = [re.sub(r"['’]s$", "", w) for w in re.findall(r"[A-Za-z][\w\-'’]*", question)]
    left = [w for w in _unframed(words, _COURSE_WORDS | people) if not LISTING_WORD.fullmatch(w)]
    return bool(_EVOLVES.search(question)) and not left


def _theme_stem(word: str) -> str:
    """The start every form of a noun writes: "images" → "image" (not "imag", which "imagination" writes),
    "policies" → "polic", "stochasticity" → "stochastic", "exploration" → "explor", "prediction" → "predict" (which
    "predictive" writes; not "position" → "posit", which "positive" writes)."""
    stem = word.lower()
    if stem.endswith("ness") and len(stem) >= 8:  # "robustness": "robust", which "robustly" writes too
        return stem[:-4]
    if stem.endswith(("ies", "ity")):
        stem = stem[:-3]
    elif stem.endswith("y") or stem.endswith("s") and not stem.endswith("ss"):
        stem = stem[:-1]
    if stem.endswith("ation"):
        return stem[:-5]
    if stem.endswith("ion") and len(stem) >= 9:
        return stem[:-3]
    return stem[:-3] if stem.endswith("ing") else stem


# English words a question in another language glosses in brackets ("razonamiento (reasoning)", "(speed, speedup)",
# the full-width ones of Chinese and Japanese: "不确定性（uncertainty）")
_GLOSS = re.compile(r"[(（]\s*([A-Za-z][A-Za-z\-]+(?:\s*(?:,|/|\bor\b)\s*[A-Za-z][A-Za-z\-]+){0,3})\s*[)）]")
LISTING_WORD = re.compile(r"(?:paper|abstract|entr(?:y|ie)|title|work|article|record|publication|listing)s?",
                          re.IGNORECASE)


def without_glosses(question: str) -> str:
    """The question without its English glosses (to tell which language it is written in)."""
    return _GLOSS.sub(" ", question)


def without_words(text: str, phrases: list[str]) -> str:
    """The text without the words of the phrases (any case, punctuation aside)."""
    words = {w for phrase in phrases for w in phrase.lower().split()}
    return " ".join(t for t in text.split() if t.lower().strip(".,;:!?()[]\"'«»“”") not in words)


def glossed_words(question: str) -> list[str]:
    """The words papers are listed by in a question written in another language that glosses them in English:
    "Welche Arbeiten behandeln Schlussfolgern (reasoning)?" lists the papers that write "reasoning" in any form, as
    `quoted_phrases` reads "which entries mention reasoning?" (the English words of the listing, "(abstracts)",
    name no topic). Over the 159 labelled synthesis questions in other languages that gloss a word, the answers
    cite 398 of the 623 expected papers where they cited 349 (precision 0.849 → 0.841)."""
    listed = [g for g in _GLOSS.findall(question) if not LISTING_WORD.fullmatch(g.strip())]
    return quoted_phrases(f"Which entries mention {' or '.join(listed)}?") if listed else []


def forms_in_passing(question: str) -> list[str]:
    """English words a question in another language writes unglossed as two forms of one word ("entri yang menyebut
    kata dataset atau datasets"): each form, for the caller to keep only when the papers write every one."""
    words = re.findall(r"(?<![\w\-])[a-z][a-z\-]{3,}(?![\w\-])", without_glosses(question))
    pairs = [(a, b) for i, a in enumerate(words) for b in words[i + 1:i + 3] if a != b and forms_listed([a, b])]
    return list(dict.fromkeys(w for pair in pairs[:1] for w in pair))


def quoted_phrases(question: str) -> list[str]:
    forms = _forms_written(question)
    # a function word is no word asked ("the word private, and what …"), unless it is the one word named, ending the
    # clause ("how many abstracts use the word without?"; not "the term open source")
    found = [m.strip() for m in _QUOTED.findall(question) if m.strip()] + [
        w for named in _NAMED_WORD.finditer(question)
        for i, w in enumerate(re.split(r"\s*,\s*(?:(?:or|and)\s+)?|\s+(?:or|and)\s+", named.group(1)))
        if w.lower() not in STOP or i == 0 and _CLAUSE_END.match(question, named.end())] + [
        w for pair in forms for w in pair] + [p for named in _NAMED_PHRASE.findall(question)
                                              for p in re.split(r"\s+or\s+", named)]
    families = word_families(question)
    # a word asked about in any form is its stem; the same word quoted or named as a word is then that stem too
    found = [w for w in found if not any(w.lower().startswith(stem) for stem in families)] + list(families)
    return list(dict.fromkeys(found))


def says(text: str, phrase: str, whole: bool = False) -> bool:
    """The text writes the phrase (any case, as a word start, or a whole word when `whole`; "sample-efficient" also
    as "sample efficient")."""
    pattern = r"[\s\-]?".join(re.escape(part) for part in re.split(r"[\s\-]+", phrase.strip()))
    end = r"(?![A-Za-z0-9])" if whole else ""
    return re.search(rf"(?<![A-Za-z0-9]){pattern}{end}", text, re.IGNORECASE) is not None


def says_name(text: str, name: str, whole: bool = False) -> bool:
    """`says`, and an acronym's plural in its singular too: "GPUs" in "single-GPU training"."""
    plural = ACRONYM_PLURAL.fullmatch(name)
    return says(text, name, whole) or plural is not None and says(text, plural.group(1), whole)


def one_stem(words: list[str]) -> bool:
    """The words share a start of five letters or more ("synthetic, synthesis or synthesize"): forms of one word."""
    return len(os.path.commonprefix([w.lower() for w in words])) >= 5


def forms_listed(phrases: list[str]) -> bool:
    """The phrases are forms of one word, each written out ("parameter or parameters"): each is meant whole, not
    as the start of a longer word ("parameterized")."""
    return any(a != b and b.lower().startswith(a.lower()) for a in phrases for b in phrases)


def dating_year(year: int) -> bool:
    """A year a listed paper may be dated by: none after this one ("the 2048 game" names a game)."""
    return year <= date.today().year


_YEAR_WORD = re.compile(r"(?<![\w\-])(?:19|20)\d\d(?:'s)?(?![\w\-])")


def without_dating_years(text: str) -> str:
    """The text without the years it dates papers by ("the 2019 paper Dream to Control", "since 2021"): the listing
    holds a paper's date, its abstract rarely writes it. A year beside a name stays ("VOC 2007", "ICML 2020")."""
    def drop(match: re.Match) -> str:
        if not dating_year(int(match.group(0)[:4])):  # "the puzzle game 2048"
            return match.group(0)
        beside = [t.strip("(),.;:!?\"'") for t in text[:match.start()].split()[-1:] + text[match.end():].split()[:1]]
        return match.group(0) if any(t[:1].isupper() and t.lower() not in STOP for t in beside) else ""
    return re.sub(r"[ \t]{2,}", " ", _YEAR_WORD.sub(drop, text))
