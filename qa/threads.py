"""What several papers share: the phrases most of them write and the rest of the collection mostly does not, as the
lead of a several-paper answer says it ("what they share: world models and Atari")."""
from __future__ import annotations

import math
import re
from collections import Counter

from .chunks import split_sentences
from .names import introduced_name
from .papers import Paper
from .retrieval import STOPWORDS
from .text import LINK

_THREAD_STOP = STOPWORDS | frozenset("""also based however large small paper approach approaches method methods results
model models task tasks learning learn learned show shows propose proposed present introduce novel new work
paper using used use can well performance state art existing prior first first-order able many often improve
improves improved improving significantly substantially different several various challenging simple recent
wide broad range variety""".split())


_phrase_cache: dict[str, frozenset[str]] = {}


def _phrases(p: Paper) -> frozenset[str]:
    """Candidate thread phrases of one paper, once per paper version (the whole collection is scanned per answer)."""
    key = p.content_hash()
    cached = _phrase_cache.get(key)
    if cached is None:
        # a link's parts ("https github") and the sentence giving it ("please check …") are nobody's topic
        kept = " ".join(s for s in split_sentences(p.abstract) if not LINK.search(s))
        text = re.sub(r"\bhttps?://\S+|\bwww\.\S+|\b\S+\.(?:com|org|io|net)/\S*", " ", f"{p.title} {kept}")
        words = re.findall(r"[a-z][a-z0-9-]+", text.lower())
        # a two-word phrase may end in a generic noun ("world models"); a single word must be specific
        grams = {" ".join(words[i:i + 2]) for i in range(len(words) - 1)
                 if words[i] not in _THREAD_STOP and words[i + 1] not in STOPWORDS}
        cached = frozenset(grams | {w for w in words if w not in _THREAD_STOP and len(w) > 5})
        if len(_phrase_cache) > 20000:
            _phrase_cache.clear()
        _phrase_cache[key] = cached
    return cached


def common_thread(papers: list[Paper], collection: list[Paper] | None = None, limit: int = 2) -> list[str]:
    """Phrases most of the papers share and the rest of the collection mostly does not (idf-weighted)."""
    if len(papers) < 2:
        return []

    sets = [_phrases(p) for p in papers]
    counts = Counter(g for s in sets for g in s)
    pool = collection or papers
    pool_sets = [_phrases(p) for p in pool] if collection else sets
    need = max(2, math.ceil(len(papers) / 2))
    scored = []
    for gram, df in counts.items():
        if df < need:
            continue
        idf = math.log((1 + len(pool)) / (1 + sum(gram in s for s in pool_sets)))
        scored.append((df * idf * (2.0 if " " in gram else 1.0), gram))
    chosen: list[str] = []
    if any(" " in gram for _, gram in scored):  # a phrase ("world models") says more than a word ("weight")
        scored = [(score, gram) for score, gram in scored if " " in gram]
    # a word alone is a thread when it names something: a word of a title, or a name ("Atari", "MuJoCo"); two
    # abstracts that both write "difficult" or "demonstrate" share nothing a reader needs told
    scored = [(score, gram) for score, gram in scored if " " in gram or _names_something(gram, papers)]
    # one paper's name that another mentions ("Reformer" in the Performer abstract) is not what they share
    own = {name.lower() for p in papers if (name := introduced_name(p.title, p.abstract))} | {
        p.title.split(": ")[0].lower() for p in papers if ": " in p.title}
    scored = [(score, gram) for score, gram in scored if gram not in own]
    for _, gram in sorted(scored, reverse=True):
        if any(gram in c or c in gram for c in chosen):
            continue  # "world" next to "world models" says nothing new
        # two phrases of one run ("outperforms previous", "previous methods") are that run, said once, when a paper
        # writes it; else the second says nothing new
        joined = next(((i, run) for i, c in enumerate(chosen) if (run := _run(c, gram))), None)
        if joined:
            if _written(joined[1], papers):
                chosen[joined[0]] = joined[1]
            continue
        chosen.append(gram)
        if len(chosen) == limit:
            break
    return [as_written(gram, papers) for gram in chosen]


def _names_something(word: str, papers: list[Paper]) -> bool:
    """A word of one of the papers' titles, or one written as a name: with a digit, a capital past its first
    letter, or a capital after a lower-case word (not at the start of a sentence)."""
    boundary = re.compile(r"(?<![a-z0-9-])" + re.escape(word) + r"(?![a-z0-9-])", re.IGNORECASE)
    if any(boundary.search(p.title) for p in papers):
        return True
    for p in papers:
        for found in boundary.finditer(p.abstract):
            written = found.group(0)
            before = p.abstract[max(0, found.start() - 2):found.start()]
            if re.search(r"\d|.[A-Z]", written) or written[0].isupper() and re.fullmatch(r"[a-z,;:] ", before):
                return True
    return False


def _run(first: str, second: str) -> str:
    """The run two phrases make when one's last word is the other's first ("outperforms previous" and "previous
    methods"), else ""."""
    a, b = first.split(), second.split()
    if len(b) > 1 and a[-1] == b[0]:
        return " ".join(a + b[1:])
    if len(b) > 1 and a[0] == b[-1]:
        return " ".join(b[:-1] + a)
    return ""


def _written(phrase: str, papers: list[Paper]) -> str:
    """The phrase as the first paper that writes it does, any case; "" when none does."""
    pattern = re.compile(r"(?<![a-z0-9-])" + re.escape(phrase).replace(r"\ ", r"\s+") + r"(?![a-z0-9-])",
                         re.IGNORECASE)
    for p in papers:
        found = pattern.search(f"{p.title} {p.abstract}")
        if found:
            return re.sub(r"\s+", " ", found.group(0))
    return ""


def as_written(phrase: str, papers: list[Paper]) -> str:
    """The phrase in the case a paper writes it ("US English", not "us english", which reads as a pronoun)."""
    return _written(phrase, papers) or phrase
