"""The papers a question calls by name ("DreamerV3", "Dream to Control", "the FRePo paper") and the authors it names.

Names come from the collection itself: titles and their heads, acronyms an abstract defines ("... (FRePo)"), names
it introduces ("we propose X"), coined tokens (camel case, letters with digits). A name links a question to a paper
when it names exactly one; misspelt words are corrected against the collection's own words first.
"""
from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache

from .chunks import split_sentences
from .papers import Paper
from .text import Fuzzy, STOP, norm

# a paper called by its year, in the normalised question: "the only 2013 paper", "the single entry from 2022"
_PAPER_NOUN = r"(?:paper|entry|article|work|study|publication|preprint)"
_ONLY_OF_YEAR = re.compile(rf" (?:only|single|sole|lone) (?:(\d{{4}}) {_PAPER_NOUN}|{_PAPER_NOUN} (?:from|of|in|dated) "
                           rf"(\d{{4}}))(?= )")

_INTRO = (r"we (?:propose|introduce|present|develop|call|term|name|dub)\w*|called|dubbed|termed|named|"
          r"our (?:proposed )?(?:method|approach|algorithm|model|framework|agent)")
_WORDS_AFTER = r"\b[,:]?\s+((?:\S+\s+){0,9}\S+)"
_INTRO_RE = re.compile(rf"\b(?:{_INTRO}){_WORDS_AFTER}", re.IGNORECASE)
# also in the third person ("this paper proposes CPC", "the resulting method, SimSiam,"): for the name an answer
# gives a paper; the names a question is linked to papers by (`Names`) stay those the intent model was trained with
# (linked this way too, one answerable question of another collection was declined: docs/ROUTER.md, "Stop 35")
_INTRO_ANY = re.compile(rf"\b(?:{_INTRO}|(?:this|the) (?:paper|work|note|study) (?:propose|introduce|present|develop)s|"
                        r"the (?:resulting|proposed) (?:method|approach|algorithm|model|framework|system))"
                        rf"{_WORDS_AFTER}", re.IGNORECASE)
# the capitalised name in the words after "we propose" ("a new optimization algorithm, Lookahead,"), and the comma,
# bracket or colon that may follow it
_INTRO_NAME = re.compile(r"(?:(?<=\s)|^)((?:[A-Z][\w\-]*|[a-z]+[A-Z][\w\-]*)(?:\s+[A-Z][\w\-]*){0,3}(?:\s+v\d+\b)?)"
                         r"(\s*[,(:]|)")
_PAREN_ACRONYM_RE = re.compile(r"\(([A-Za-z][\w\-]*[A-Z][\w\-]*)\)")
_GENERIC_NAMES = {"we", "our", "the", "a", "an", "in", "this", "these", "it", "to", "on", "for", "by", "with", "and",
                  "of", "first", "second", "finally", "however", "moreover", "specifically", "here", "such"}
# Acronyms and names of common tools that papers mention but do not own.
_EXTERNAL = set("""
sgd gd ngd rl llm llms lm lms mdp mdps gan gans vae vaes kl rnn rnns lstm lstms cnn cnns mlp nlp mcts hpo ot mse html
gpu gpus cpu ai fid ppo dpo sac td3 her iqn knn sota mnist grpo vpt rpm pgm latex ec2 mbrl gpt chatgpt clip imagenet
mujoco cifar cifar10 cifar100 cifar 10 cifar 100 adam adagrad bert qlora lora llama palm gpt2 gpt 3 gpt 4 gpt 3 5 dom ema fr
""".split())


_ACRONYMS = {"rnn": "recurrent neural network", "rnns": "recurrent neural networks", "gnn": "graph neural network",
             "gnns": "graph neural networks", "vae": "variational autoencoder", "vaes": "variational autoencoders",
             "llm": "large language model", "llms": "large language models", "nn": "neural network",
             "nns": "neural networks", "rl": "reinforcement learning", "mbrl": "model based reinforcement learning",
             "sgd": "stochastic gradient descent", "ngd": "natural gradient descent", "hpo": "hyperparameter optimization"}


# acronyms of other groups' named methods: "Hindsight Experience Replay (HER)" names a paper we do not have
_NAMED_METHODS = {"her", "ppo", "sac", "td3", "dpo", "iqn", "mcts", "vpt", "grpo", "trpo", "ddpg", "dqn", "a3c", "maml"}
# "DreamerV3について": a Latin name written against Chinese, Japanese or Korean text is a word of its own
_CJK_EDGE = re.compile(r"(?<=[A-Za-z0-9])(?=[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af])|"
                       r"(?<=[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af])(?=[A-Za-z0-9])")
_NOT_LETTER, _CAMEL, _DIGIT, _UPPER = (re.compile(p) for p in (r"[^A-Za-z]", r"[a-z][A-Z]", r"\d", r"[A-Z]"))


def _coined(token: str) -> bool:
    """FRePo, DreamerV3, STEVE-1, ESPER, DOM-Q-NET, PA-SkewFit: a made-up name, not an English word."""
    letters = _NOT_LETTER.sub("", token)
    if len(letters) < 2 or not token[:1].isalpha():
        return False
    if _CAMEL.search(token) and sum(ch.isupper() for ch in token) >= 2:
        return True
    if _DIGIT.search(token) and _UPPER.search(token):
        return True
    return letters.isupper() and len(letters) >= 3


_OTHERS = _EXTERNAL | _NAMED_METHODS  # acronyms a paper uses or compares with, never its own
# a word that puts the name outside what is introduced: "our model on the MiniWoB environment", "our method reaches
# +7 points over prompt tuning with T5-Base"
_LINKING = {"on", "in", "with", "over", "to", "for", "by", "from", "at", "than", "and", "or", "that", "which", "into",
            "across", "using", "via", "against", "is", "are", "can", "reaches", "achieves", "outperforms", "improves"}


def introduced_names(sentence: str) -> list[str]:
    """What a sentence says the authors introduce: "we develop RMU, …" → ["RMU"]; "our proposed method, ESPER," →
    ["ESPER"]; "we propose \\emph{Follow-the-Ridge} (FR)" → ["Follow-the-Ridge", "FR"]. [] when it introduces
    nothing by name (a lower-case "we introduce graph normalizing flows" names no coined thing)."""
    text = re.sub(r"\\\w+\{([^}]*)\}", r"\1", sentence)
    matches, at = [], 0
    while (found := _INTRO_ANY.search(text, at)) is not None:  # overlapping: "proposes a system …, now called X"
        matches.append(found)
        at = found.start(1)
    if not matches:  # "we address these challenges using neural Feature Regression with Pooling (FRePo)" (or "the
        # authors propose the Causal Effect Variational Autoencoder (CEVAE)", in the third person)
        return [m.group(1) for m in _PAREN_ACRONYM_RE.finditer(text) if _coined(m.group(1))
                and norm(m.group(1)) not in _OTHERS] if re.search(r"\b(?:we|our|the authors)\b", text, re.IGNORECASE) \
            else []
    # "this paper proposes a system built from RNNs, the model now called the RNN Transducer": the later words name it
    return next((names for match in matches if (names := _named_after(match.group(1)))), [])


def _named_after(words: str) -> list[str]:
    """The names in the words after "we propose", "called", …"""
    # the acronym of what is introduced, not of a method it is set against ("… (PPO), have some of the benefits of
    # trust region policy optimization (TRPO)"); a named method's acronym is theirs where the words introduce it
    # directly ("called proximal policy optimization (PPO)")
    names = [m.group(1) for m in _PAREN_ACRONYM_RE.finditer(words) if _coined(m.group(1)) and (
        norm(m.group(1)) not in _OTHERS or norm(m.group(1)) in _NAMED_METHODS
        and not _LINKING.intersection(words[:m.start()].lower().split()))]
    cap = _INTRO_NAME.search(words)
    if cap and not _LINKING.intersection(words[:cap.start()].lower().split()):
        name = cap.group(1).strip(" ,.;:")
        if name.lower() not in _GENERIC_NAMES and norm(name) not in _EXTERNAL and (" " in name or _coined(name)
                                                                                  or len(name) >= 4):
            names.insert(0, name)
    return names


def contribution_sentence(sentences: list[str], title: str = "") -> tuple[int, list[str]] | None:
    """(position, names) of the sentence that names what the paper introduces, apart from names its title already
    writes: the first that introduces a coined name (PA-SkewFit over an earlier "a framework in the Block MDP
    setting"), else the first that introduces a name the abstract writes again (Dreamer, Lookahead; not a capitalised
    "Inductive" that opens a phrase)."""
    titled, text = norm(title), " ".join(sentences)

    def again(name: str) -> bool:
        return len(re.findall(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text)) >= 2
    found = [(i, [n for n in introduced_names(s) if f" {norm(n)} " not in f" {titled} "])
             for i, s in enumerate(sentences)]
    # an acronym defined where no "we propose" says it is theirs counts when the abstract uses it again (FRePo)
    found = [(i, names) for i, names in found if names and (_INTRO_ANY.search(sentences[i]) or all(map(again, names)))]
    coined = next(((i, names) for i, names in found if any(_coined(n) for n in names)), None)
    if coined:
        return coined
    return next(((i, names) for i, names in found if any(" " in n or again(n) for n in names)), None) or \
        _named_as_titled(sentences, titled)


_SUBJECT_NAME = re.compile(r"^([A-Za-z][\w\-]*)(?: \(([A-Za-z][\w\-]*)\))? (?:is|are) (?:a|an|the)\b")


def _named_as_titled(sentences: list[str], titled: str) -> tuple[int, list[str]] | None:
    """An abstract that speaks of its method in the third person: "Bootstrap Your Own Latent (BYOL) is …", the
    acronym of words the title writes; or "SimCLR is a simple framework …", a coined name opening the abstract."""
    words = set(titled.split())
    stems = {w[:5] for w in words}
    for i, sentence in enumerate(sentences):
        m = _PAREN_ACRONYM_RE.search(sentence)
        before = re.findall(r"[A-Za-z][\w\-]*", sentence[:m.start()]) if m else []
        # the sentence opens with the long form ("Pretext-Invariant Representation Learning (PIRL) asks …"), not a
        # method it uses ("… gives Vision Transformers (ViT) …")
        if m and _coined(m.group(1)) and norm(m.group(1)) not in words | _EXTERNAL and \
                len(before) <= len(m.group(1)) + 1 and \
                _long_form(before, m.group(1)) == before and \
                all(t[:5] in stems for t in norm(" ".join(before)).split()):
            return i, [m.group(1)]
    opening = _SUBJECT_NAME.match(sentences[0]) if sentences else None
    name = opening and (opening.group(2) or opening.group(1))
    return (0, [name]) if name and _coined(name) and norm(name) not in words and norm(name) not in _OTHERS else None


def _long_form(words: list[str], acronym: str) -> list[str]:
    """The last words before an acronym that spell it, its letters in order, the first one opening them ("Momentum
    Contrast" for MoCo); [] when none do."""
    letters = [c.lower() for c in acronym if c.isalnum()]
    for start in range(len(words) - 1, -1, -1):
        if words[start][0].lower() != letters[0]:
            continue
        text, at = " ".join(words[start:]).lower(), 0
        for c in letters:
            at = text.find(c, at) + 1
            if not at:
                break
        else:
            return words[start:]
    return []


@lru_cache(maxsize=4096)
def contribution(title: str, abstract: str) -> tuple[str, tuple[str, ...]] | None:
    """(sentence, names) of `contribution_sentence` for one paper, read once per paper version."""
    sentences = split_sentences(abstract)
    found = contribution_sentence(sentences, title)
    return (sentences[found[0]], tuple(found[1])) if found else None


def introduced_name(title: str, abstract: str) -> str | None:
    """The name a paper gives what it introduces, when its title does not write it ("Exploring Model-based Planning
    with Policy Networks" introduces POPLIN): the coined one of its contribution sentence's names, else the first."""
    found = contribution(title, abstract)
    return next((n for n in found[1] if _coined(n)), found[1][0]) if found else None


@dataclass
class _Entity:
    name: str  # as written in the collection
    papers: frozenset[int]
    own: bool  # the paper's own name for itself (title, head, method it introduces)


class Names:
    """What the papers call themselves (titles, title heads, the methods they introduce) and who wrote them, for
    finding the papers a question names, with typo tolerance."""

    def __init__(self, papers: list[Paper], common_words: set[str] | None = None):
        self.papers = list(papers)
        self.common = common_words or set()  # English words never "corrected" into a collection word
        self.texts = [f" {norm(p.title + ' ' + p.abstract)} " for p in self.papers]
        df: Counter = Counter()
        for text in self.texts:
            df.update(set(text.split()))
        self.df = df
        self.vocab = set(df)
        self.authors: dict[str, set[int]] = defaultdict(set)  # normalised full name -> papers
        self.author_tokens: set[str] = set()
        self._close_author: dict[str, str | None] = {}  # two question words -> the author name they misspell
        for i, paper in enumerate(self.papers):
            for name in paper.authors:
                key = norm(name)
                if len(key) >= 4:
                    self.authors[key].add(i)
                    self.author_tokens.update(t for t in key.split() if len(t) >= 3)
        self.entities: dict[str, _Entity] = {}
        self._build_entities()
        self.single = {k for k in self.entities if " " not in k}
        self.compact = {k.replace(" ", ""): k for k in self.entities if len(k.replace(" ", "")) >= 4}
        self.fuzzy = Fuzzy([w for w in self.vocab | self.author_tokens | set(self.compact) if len(w) >= 4])

    def phrase_df(self, key: str) -> int:
        padded = f" {key} "
        return sum(1 for text in self.texts if padded in text)

    def _add(self, name: str, paper: int, own: bool, checked: bool = False) -> None:
        key = norm(name)
        # a common acronym ("RL", "GAN") is nobody's own name, unless a title starts with it ("BERT: ...")
        if not key or key in STOP or key in _GENERIC_NAMES or len(key) < 3 or (key in _EXTERNAL and not checked):
            return
        if not checked:
            if own and self.phrase_df(key) > (4 if " " not in key else 2):
                return
            if not own and self.df.get(key, 0) > 2 and " " not in key:
                return
        entity = self.entities.get(key)
        if entity is None:
            self.entities[key] = _Entity(name, frozenset({paper}), own)
        elif own and not entity.own:
            self.entities[key] = _Entity(name, frozenset({paper}), True)
        elif own == entity.own:
            entity.papers = entity.papers | {paper}

    def _build_entities(self) -> None:
        for i, paper in enumerate(self.papers):
            title = paper.title.strip()
            self._add(title, i, True, checked=True)
            head = re.split(r":\s|\s[-–—]\s", title, maxsplit=1)[0]
            if head != title and len(head.split()) <= 8:
                self._add(head, i, True, checked=True)
                self._add(re.sub(r"^(?:the|a|an)\s+", "", head, flags=re.IGNORECASE), i, True, checked=True)
            # the title's first word and the initials of the capitalised words after it, where an abstract writes
            # that short form ("Instant NGP" for "Instant Neural Graphics Primitives with …"; "Using LLM" is written
            # nowhere, so "papers using LLM agents" names no paper)
            run = re.match(r"([A-Z][\w\-]*)((?:\s+[A-Z][\w\-]*){3,})", head)
            short = f"{run.group(1)} {''.join(w[0] for w in run.group(2).split())}" if run else ""
            if short and self.phrase_df(norm(short)):
                self._add(short, i, True)
            for token in re.findall(r"[\w\-]+", title):
                if _coined(token) and self.df.get(norm(token).replace(" ", ""), 0) <= 2:
                    self._add(token, i, True)
            abstract = re.sub(r"\\\w+\{([^}]*)\}", r"\1", paper.abstract)
            for match in _PAREN_ACRONYM_RE.finditer(abstract):
                acronym = match.group(1)
                before = abstract[:match.start()].split()[-6:]
                run: list[str] = []
                for word in reversed(before):
                    if word[:1].isupper() or _coined(word):
                        run.insert(0, word)
                    elif run:
                        break
                if not _coined(acronym) or norm(acronym) in _EXTERNAL:
                    if 2 <= len(run) <= 5 and norm(acronym) in _NAMED_METHODS:
                        self._add(" ".join(run), i, False)  # "Hindsight Experience Replay (HER)": others' method
                    continue
                self._add(acronym, i, True)
                if 2 <= len(run) <= 5:
                    self._add(" ".join(run), i, True)
            for match in _INTRO_RE.finditer(abstract):
                window = match.group(1)
                cap = _INTRO_NAME.search(window)
                if not cap:
                    continue
                name = cap.group(1).strip(" ,.;:")
                if name.lower() in _GENERIC_NAMES:
                    continue
                if " " in name or _coined(name) or cap.group(2):
                    self._add(name, i, True)
            counts = Counter(re.findall(r"[A-Za-z][\w\-]*[\w]", abstract))
            for token, n in counts.items():
                if _coined(token) and self.df.get(norm(token).replace(" ", ""), 0) == 1 and n >= 2:
                    self._add(token, i, True)
            for match in re.finditer(r"(?<![.!?]\s)(?<=\s)([A-Z][\w\-]*[\w])", abstract):
                token = match.group(1)
                if token.lower() not in STOP:
                    self._add(token, i, False)
            for token in counts:
                if _coined(token):
                    self._add(token, i, False)

    # --- lookups -----------------------------------------------------------
    def correct(self, tokens: list[str]) -> list[str]:
        """Unknown words of five letters or more replaced by their closest collection word."""
        out = []
        for token in tokens:
            if (len(token) >= 5 and token not in self.vocab and token not in self.compact and token not in STOP
                    and token not in self.common and token not in self.author_tokens and not token.isdigit()
                    and token.isascii()):
                close = self.fuzzy.closest(token)
                # a typo changes letters; "daydreamer" is another name that contains "dreamer"
                out.append(close if close and not (close in token and len(token) - len(close) >= 3) else token)
            else:
                out.append(token)
        return out

    def spelled(self, question: str) -> str:
        """The question with a misspelt name of one of the papers ("DreamrV3", "frepoo") written as the paper
        writes it, so that the evidence search reads the name the question means; every other word as it was."""
        def fix(match: re.Match) -> str:
            word = match.group(0)
            token = norm(word).replace(" ", "")
            if len(token) < 5 or token in self.vocab or token in self.compact or not token.isascii():
                return word
            close = self.correct([token])[0]
            entity = self.entities.get(self.compact.get(close, ""))
            return entity.name if entity is not None and entity.own and close != token else word
        return re.sub(r"[A-Za-z][\w\-]*[\w]", fix, question)

    def find_entities(self, norm_q: str, raw_q: str) -> list[tuple[str, _Entity]]:
        """Collection names in a question (normalised, typo-corrected): longest first, no overlaps."""
        found = self._find_entities(norm_q, raw_q)
        expanded = " ".join(_ACRONYMS.get(w, w) for w in norm_q.split())
        if expanded != norm_q:  # "reversible rnns" names the Reversible Recurrent Neural Networks paper
            keys = {k for k, _ in found}
            found += [(k, e) for k, e in self._find_entities(expanded, raw_q) if e.own and k not in keys and " " in k]
        return found

    def _find_entities(self, norm_q: str, raw_q: str) -> list[tuple[str, _Entity]]:
        tokens = norm_q.split()
        padded = f" {norm_q} "
        found: list[tuple[int, int, str]] = []
        for key, entity in self.entities.items():
            if " " in key:
                start = padded.find(f" {key} ")
                if start >= 0:
                    begin = padded[:start + 1].count(" ") - 1
                    found.append((begin, begin + key.count(" ") + 1, key))
        for i, token in enumerate(tokens):
            if token in self.single:
                found.append((i, i + 1, token))
            for n in (2, 3):  # "dreamer v3" / "dom q net" written apart
                if i + n <= len(tokens):
                    joined = "".join(tokens[i:i + n])
                    if joined in self.compact and not any(t in self.single for t in tokens[i:i + n]):
                        found.append((i, i + n, self.compact[joined]))
            if token in self.compact and (token not in self.single or not self.entities[token].own):
                found.append((i, i + 1, self.compact[token]))
        # at one place, a paper's own name ("Big Bird" for "BigBird") before another paper's mention of it
        found.sort(key=lambda f: (-(f[1] - f[0]), f[0], not self.entities[f[2]].own))
        taken: set[int] = set()
        result = []
        for begin, end, key in found:
            span = set(range(begin, end))
            if span & taken:
                continue
            entity = self.entities[key]
            if not entity.own and len(key) <= 3 and not re.search(rf"\b{re.escape(entity.name)}\b", raw_q):
                continue  # short mentioned acronyms must be written as in the paper
            if entity.own and len(key) <= 3 and key.upper() != key.upper().lower() and \
                    not re.search(rf"(?i)\b{re.escape(key)}\b", raw_q):
                continue
            taken |= span
            result.append((key, entity))
        return result

    def papers_called_in(self, question: str) -> list[Paper]:
        """Papers the question calls by a name of their own ("DreamerV3", "ToolEmu", "Dream to Control"), in the
        order it names them; a name counts when it names exactly one paper."""
        norm_q = " ".join(self.correct(norm(_CJK_EDGE.sub(" ", self.join_versions(question))).split()))
        padded = f" {norm_q} "
        found = sorted([(padded.find(f" {key} "), next(iter(entity.papers)))
                        for key, entity in self.find_entities(norm_q, question)
                        if entity.own and len(entity.papers) == 1] + self._called_by_year(padded))
        papers, seen = [], set()
        for _, i in found:
            if i not in seen and i < len(self.papers):
                seen.add(i)
                papers.append(self.papers[i])
        return papers

    def _called_by_year(self, padded: str) -> list[tuple[int, int]]:
        """(place, paper index) of each paper called by the one year it alone has ("the only 2013 paper", "the single
        entry from 2022"): a name of its own for that collection."""
        found = []
        for m in _ONLY_OF_YEAR.finditer(padded):
            dated = [i for i, p in enumerate(self.papers) if p.year == int(m.group(1) or m.group(2))]
            if len(dated) == 1:
                found.append((m.start(), dated[0]))
        return found

    def join_versions(self, text: str) -> str:
        """"Dreamer 2" -> "DreamerV2" when the collection has that name (so it is found as one paper)."""
        def join(match: re.Match) -> str:
            base = norm(match.group(1)).replace(" ", "")
            for key in (f"{base}v{match.group(2)}", f"{base}{match.group(2)}"):
                if key in self.compact:
                    return key
            return match.group(0)
        return re.sub(r"\b([A-Za-z][\w\-]*)\s+[vV]?(\d)\b(?!\s*(?:%|[kKmMbB]\b|tasks|games|steps|times|x\b))", join, text)

    def author_in(self, norm_q: str) -> str | None:
        padded = f" {norm_q} "
        for name in self.authors:
            if f" {name} " in padded:
                return name
        tokens = norm_q.split()
        for a, b in zip(tokens, tokens[1:]):  # a misspelt two-word name
            if len(a) >= 2 and len(b) >= 2:
                pair = f"{a} {b}"
                if pair not in self._close_author:
                    if len(self._close_author) > 50_000:
                        self._close_author.clear()
                    close = difflib.get_close_matches(pair, list(self.authors), n=1, cutoff=0.85)
                    self._close_author[pair] = close[0] if close else None
                if self._close_author[pair]:
                    return self._close_author[pair]
        return None
