"""The offline router's checks against the collection: names it lacks, topics no abstract covers, and
details a named paper's abstract does not give."""
from __future__ import annotations

import difflib
import re

from .router_text import _has, _norm, _stem, _STOP, _translate
from .router_collection import (
    _ACRONYMS,
    _coined,
    _EXTERNAL,
    _PRODUCT_WORDS,
    _SENTENCE_WORDS,
)
from .router_rules import (
    _CONNECTORS,
    _DEFINITION,
    _GENERIC_CAPS,
    _GENERIC_MODIFIERS,
    _GERMAN,
    _is_foreign,
    _leading_stripped,
    _LEADING_VERBS,
    _MONTHS,
    _MULTI,
    _NUMBER,
    _own,
    _RESULT_NUMBER,
    _ROMANCE,
    _SCORE_WORDS,
    _SCORED_ON,
    _TITLE_RUN_RE,
    _trailing_name,
    _TRAINING_DETAIL,
    _YEAR,
)
from .types import Route

class AbstractChecks:
    """What a question names or asks that the collection or a paper's abstract does not have: a mixin of
    `OfflineRouter` (uses its `collection`, `papers` and `years`)."""

    def _missing_name(self, q: str, t: str, own) -> str | None:
        """A paper or method named in the question that the collection does not contain."""
        c = self.collection
        candidates: list[tuple[str, str]] = []  # (span as written, kind)
        for match in re.finditer(r"(?:^|[\s(\[:])['\"“‘«]([^'\"”’»]{3,120})['\"”’»](?=[\s.,;:!?)\]]|$)", q):
            candidates.append((match.group(1), "quoted"))
        # "the X paper", "X by Smith et al.", "a paper titled X"
        for match in re.finditer(
                r"\b(?:the|an?|this|that|his|her|their|[A-Z]\w+'s)\s+((?:[\w\-'.]+\s+){0,4}?[\w\-'.]+)\s+(?:paper|article|publication|preprint)\b",
                q, re.IGNORECASE):
            span = re.split(r"\b(?:the|an?|this|that|his|their|its)\b\s*", match.group(1), flags=re.IGNORECASE)[-1]
            candidates.append((_leading_stripped(span), "paper-noun"))
        for match in re.finditer(r"([\w\-' ]{3,80}?),?\s+by\s+([A-Z][\w\-]+)(?:\s+et\.?\s+al|\s+and\s+[A-Z]|,)", q):
            if match.group(2).lower() not in c.author_tokens:
                candidates.append((_trailing_name(match.group(1)), "paper-noun"))
        for match in re.finditer(
                r"\b(?:paper|article|publication)\s+(?:titled|called|named|entitled)\s+['\"“‘«]?([^'\"”’»?!]{3,120})",
                q, re.IGNORECASE):
            candidates.append((match.group(1), "titled"))
        # Title Case runs of two or more words (small connectors allowed) and "Name: Subtitle" titles; other
        # languages capitalise differently (German nouns), so only for English questions
        foreign = _is_foreign(q)
        for match in _TITLE_RUN_RE.finditer(q):
            span = match.group(1).split()
            at_start = not q[:match.start()].strip() or q[:match.start()].rstrip()[-1:] in ".?!:;"
            while span and (span[0].lower().strip(",") in _CONNECTORS or
                            (at_start and (span[0].lower().strip(",") in _LEADING_VERBS or
                                           (span[0].lower().endswith("ing") and span[0].lower() in c.common)))):
                span = span[1:]
            while span and span[-1].lower() in _CONNECTORS:
                span = span[:-1]
            if len(span) >= 2 and (not foreign or all(
                    (w.lower() in c.common or w.lower() in c.vocab) and not _GERMAN.fullmatch(w.lower()) and not _ROMANCE.fullmatch(w.lower())
                    for w in span if w.lower() not in _CONNECTORS)):
                candidates.append((" ".join(span), "title-case"))
        # "el paper de Adam", "l'article sur Adam", "das Paper von Adam"
        for match in re.finditer(r"\b(?:paper|papers|articulo|artigo|articolo|article|papier|arbeit)\s+(?:de|di|do|da|del|von|"
                                 r"van|sur)\s+([A-Z][\w\-]+)", q) if _is_foreign(q) else ():
            candidates.append((match.group(1), "paper-noun"))
        # Chinese / Japanese: "Adam 优化器的论文" (the paper of Adam)
        for match in re.finditer(r"([A-Za-z][A-Za-z0-9\-]*(?:\s+[A-Za-z][A-Za-z0-9\-]*){0,5})\s*[\u4e00-\u9fff]{0,6}?的?(?:论文|論文)", q):
            if not c.author_in(_norm(match.group(1))):  # "Danijar Hafner 参与了哪些论文": an author, not a title
                candidates.append((match.group(1), "paper-noun"))
        # a paper cited by its authors: "the chain-of-thought paper by Wei et al.", "Ha & Schmidhuber's 'World Models'"
        for match in re.finditer(r"\bby\s+([A-Za-z][\w\-]+)(?:\s+et\.?\s*al\b|\s+(?:and|&)\s+([A-Za-z][\w\-]+))|"
                                 r"\b([A-Z][\w\-]+)\s+et\.?\s*al\b|\b([A-Z][\w\-]+)\s*(?:&|and)\s*([A-Z][\w\-]+)(?:'s)?\s+"
                                 r"(?:['\"“‘]?[\w\-]+['\"”’]?\s+){0,4}?(?:paper|article|model|work)\b", q):
            names = [n for n in match.groups() if n]
            if names and not any(n.lower() in c.author_tokens or
                                 c.author_in(n.lower()) for n in names):
                candidates.append((" & ".join(names), "authors"))
        # the result of a named system: "What accuracy does GPT-4 get on MedQA?"
        for match in re.finditer(
                r"\b(?:does|did|do|is|was|would|could|can)\s+([\w\-.]+(?:\s+[\w\-.]+){0,2}?)\s+(?:get|gets|got|"
                r"achieve[sd]?|score[sd]?|reach(?:es|ed)?|obtain(?:s|ed)?|perform(?:s|ed)?|rank(?:s|ed)?|beat|use[sd]?)\b", q, re.I):
            name = match.group(1)
            if " " in name and any(re.search(r"[A-Z]|\d", w) for w in name.split()):
                name = " ".join(w for w in name.split() if re.search(r"[A-Z]|\d", w))  # "plain GRPO" -> "GRPO"
            lone = name.lower() if " " not in name else ""
            if re.search(r"[A-Z]|\d", name) or set(name.lower().split()) & c.external_systems or (
                    lone and lone not in _STOP and lone not in c.vocab and lone not in c.author_tokens) or (
                    lone in c.entities and not c.entities[lone].own):
                candidates.append((name, "subject"))
        # "how does it compare with gpt-4 on medqa?": a system the collection never mentions
        for match in re.finditer(r"\b(?:compar\w*|stack up|fare)\b.{0,20}?\b(?:with|to|against)\s+([\w\-.]+)", q, re.I):
            name = match.group(1).strip(".")
            if _coined(name) or re.search(r"\d", name) or name.lower() in c.external_systems:
                candidates.append((name, "compared"))
        # a capitalised name in a definitional question ("What is BERT?")
        definition = _DEFINITION.match(t)
        if definition and not foreign:
            subject = definition.group(1)
            first_word = subject.split()[0] if subject.split() else ""
            raw = re.search(rf"\b{re.escape(first_word)}", q, re.IGNORECASE) if first_word else None
            if raw and re.match(r"[A-Z]", q[raw.start():]) and len(subject.split()) <= 4:
                candidates.append((q[raw.start():raw.start() + len(subject)], "definition"))

        # "the 2016 paper on fast weights": a single paper from a year the collection does not have
        years = {int(y) for y in _YEAR.findall(q)}
        if years and not own and self.years and not years & self.years and re.search(
                r"\b(?:the|an?|his|this|that|\w+'s)\s+(?:\w+\s+)?(?:19|20)\d\d\s+(?:[\w\-]+\s+){0,4}?"
                r"(?:paper|article|publication|preprint)\b", t) and not re.search(
                r"\bpapers\b|\bhow many\b|\bwhich\b|\blist\b|\bany\b|\bsince\b|\bbefore\b|\bafter\b|\bbetween\b", t):
            return f"a {min(years)} paper"
        own_keys = {k for k, _ in own if len(k) >= 3}
        own_words = {w for k in own_keys for w in k.split() if w not in _STOP}
        authorship = _has(r"\bco-?author|\bauthor|\bwr[io]te\b|\bwritten\b|\bcollaborat|\bpapers (?:by|did|has|have|with)\b"
                          r"|\bworked with\b|\bpublished with\b", t)
        for span, kind in candidates:
            name = span.strip(" ,.;:!?")
            key = " ".join(c.correct(_norm(name).split()))
            words = key.split()
            content = [w for w in words if w not in _STOP and w not in _GENERIC_MODIFIERS and not w.isdigit() and len(w) > 1
                       and not (kind == "paper-noun" and w in _EXTERNAL and w not in c.external_systems)]
            if not content or all(w in _MONTHS for w in content):
                continue
            if any(k in f" {key} " or key in f" {k} " for k in own_keys) or own_words & set(content):
                continue
            entity = c.entities.get(key) or c.entities.get(c.compact.get(key.replace(" ", ""), ""), None)
            if entity is not None and entity.own:
                continue
            # "RL", "LLM", "QA": acronyms are capitalised in any description, names are capitalised as names
            capitalised = bool(re.search(r"[A-Z]", " ".join(w for w in re.findall(r"[\w\-']+", name)
                                                            if _norm(w) not in _EXTERNAL and not re.fullmatch(r"[A-Z]{2,4}s?", w))))
            if kind in ("paper-noun", "titled", "quoted"):
                if c.phrase_in_titles(key):
                    continue
                if kind == "paper-noun" and not capitalised and len(content) >= 3 and (entity is None or entity.own) and \
                        not set(content) & c.external_systems and self._cooccur(content, missing=len(content) // 3,
                                                                              prefix=True):
                    continue  # "the triangle-inequality networks paper": most words in one abstract ("nets")
                external = [w for w in content if (w in c.entities and not c.entities[w].own) or w in c.external_systems]
                if kind == "paper-noun" and external and len(content) <= 3:
                    return name  # "the adam optimizer paper": the collection only mentions Adam
                if kind == "quoted" and len(words) == 1 and not capitalised and key not in c.external_systems:
                    continue  # "natural-language 'grades'": a quoted term, not a title
                if kind == "quoted" and not _has(r"\b(?:paper|article|publication|preprint|titled)\b", t):
                    if c.phrase_in_text(key) or (len(words) == 1 and key in c.vocab):
                        continue  # "which papers mention 'world models'?": a quoted topic
                if entity is not None and not entity.own:
                    return name  # "the Adam paper": the collection only mentions Adam
                if len(words) >= 2 and c.phrase_in_text(key) and kind != "titled":
                    continue
                if len(words) == 1 and key in c.vocab and not capitalised:
                    continue
                sentence_like = len(words) >= 3 and any(w in _SENTENCE_WORDS for w in words[1:-1])
                if len(words) >= 2 and not capitalised and not sentence_like and all(w in c.vocab for w in content) \
                        and self._cooccur(content, missing=1 if len(content) >= 3 else 0):
                    continue  # "the maximum-entropy goal selection paper": a description of a listed paper
                if not capitalised and kind == "paper-noun" and len(words) > 4 and not sentence_like:
                    continue
                return name
            if kind == "title-case":
                if c.phrase_in_text(key) or entity is not None or c.author_in(key):
                    continue
                if all(re.fullmatch(r"[A-Z]{2,3}s?", w) for w in name.split() if w.lower() not in _CONNECTORS):
                    continue  # "a TA for an ML course": short acronyms, not a title
                if re.search(r"\bnovelty\b|\bai score\b|\bh index\b|\bcitations?\b", key):
                    continue  # the profile's own figures
                if difflib.get_close_matches(key, [k for k, e in c.entities.items() if e.own and " " in k], n=1,
                                             cutoff=0.85):
                    continue  # "Multi-Rate VEA": a misspelt name of the collection
                if own and all(_stem(w) in c.doc_words[p] or w in _STOP or len(w) <= 2
                               for w in content for p in [next(iter({p for _, e in own for p in e.papers}))]):
                    continue  # "EMA-PG on OlympiadBench with Qwen": the named paper's own words
                if all(w in c.author_tokens or w in _STOP or w in _GENERIC_MODIFIERS or len(w) == 1 for w in words):
                    continue
                if set(words) & c.affiliation_words:
                    continue  # "the University of Toronto": an affiliation
                if authorship and len(words) <= 3 and not any(w in c.vocab for w in words):
                    continue  # a person's name in an authorship question: metadata decides
                if all(w in c.vocab or _stem(w) in c.idf for w in content) and len(content) == 2 \
                        and ":" not in name and self._cooccur(content):
                    continue  # two capitalised topic words ("Graph Networks"); longer runs are titles
                if _MULTI.search(t) and all(w in c.vocab for w in content):
                    continue  # "Which papers study Graph Neural Networks?": a topic, not a title
                return name
            if kind == "authors":
                return f"a paper by {name}"
            if kind == "compared" and (c.phrase_in_text(key) or (entity is not None and entity.own)):
                continue  # "how does it stack up against Rainbow?": the abstract makes that comparison
            if kind in ("subject", "compared"):
                if all(w in _ACRONYMS or w in _STOP for w in words):
                    continue  # "do the LLMs beat...": a kind of model, not a named system
                if (entity is None or not entity.own) and c.phrase_in_text(key) and not self._figure_near(key):
                    return name  # "What did Minerva score on MATH?": an abstract names Minerva, gives no score
                if entity is not None and entity.own or c.phrase_in_text(key) or c.author_in(key) or \
                        c.phrase_in_titles(key) or (name.islower() and not set(words) & c.external_systems and all(w in _STOP or w in c.vocab for w in words)):
                    continue
                return name
            if kind == "definition":
                if entity is not None or c.phrase_in_text(key) or c.author_in(key):
                    continue
                if any(w in c.author_tokens for w in words):
                    continue
                return name
        return None

    def _absent_topic(self, t: str) -> str | None:
        """"any papers on protein folding?": the topic after on/about, when no abstract has its words together."""
        match = re.search(r"\b(?:on|about|regarding|related to|concerning|involving|study|studies|studying)\s+(.{3,60}?)"
                          r"(?:\s+(?:in|from) (?:this|the) (?:collection|listing|list)|\s+here)?\s*[?.!]*$", t)
        if not match:
            return None
        # "medicine or biology", "puzzles, theorem proving or reasoning", "generalization, in any sense of the word"
        alternatives = [_norm(a) for a in re.split(r"\s*,\s*|\s+(?:or|and)\s+", match.group(1)) if _norm(a).strip()]
        topic = " ".join(alternatives)
        if len(alternatives) > 1:  # "medicine or biology": absent only if every one is
            missing = [self._absent_topic(f"about {a}") for a in alternatives]
            return topic if all(missing) else None
        # the noun phrase only: "atari are reported across these papers" -> "atari"
        topic = re.split(r"\b(?:are|is|was|were|be|been|that|which|who|reported|used|done)\b|"
                         r"\b(?:in|across|among) (?:these|this|the|all|his|their)\b", topic)[0].strip() or topic
        words = [w for w in topic.split() if w not in _STOP and w not in _GENERIC_MODIFIERS and len(w) > 2
                 and w not in {"anything", "something", "stuff", "things", "topic", "topics", "area", "field"}]
        if not words or len(words) > 4 or any(w in self.collection.entities or w in self.collection.compact for w in words):
            return None
        words = [x for w in words for x in _ACRONYMS.get(w, w).split()]  # "llm agents" -> large language model agents
        stems = [_stem(w) for w in words]

        def present(stem: str, doc: set[str]) -> bool:  # "medicine" / "medical": a shared five-letter start
            return stem in doc or (len(stem) >= 4 and any(d.startswith(stem[:max(4, min(len(stem), 5))]) for d in doc))

        best = max(sum(present(w, doc) for w in stems) for doc in self.collection.doc_words)
        return topic if best < min(2, len(stems)) or best == 0 else None

    def _unless_detail_missing(self, route: Route, t: str, history: list[dict]) -> Route:
        """A follow-up about the paper under discussion that asks for what its abstract does not give."""
        if route.label != "paper":
            return route
        papers = self._papers_in_last_reply(history)
        if not papers:  # the reply named no title: the paper the previous question named
            asked = [str(m.get("content", "")) for m in history if isinstance(m, dict) and m.get("role", "user") == "user"]
            if asked:
                last = _translate(asked[-1])
                papers = _own(self.collection.find_entities(" ".join(self.collection.correct(_norm(last).split())),
                                                            asked[-1]))[1]
        if len(papers) != 1:
            return route
        paper = next(iter(papers))
        detail = self._detail_not_in_abstract(t, _norm(t).split(), paper, [])
        if not detail:
            return route
        return self._detail_refusal(paper, detail, 0.6, f"follow-up asks for {detail}, which the abstract does not give")

    def _abstract_mentions(self, paper: int, detail: str) -> bool:
        """The abstract names the detail at all ("layers" in the factorised-layers paper): when the paper is only
        described, not named, the question is more likely about that topic than about a missing number. (A result
        on a benchmark the abstract names but gives no number for is still missing.)"""
        if detail.startswith(("a figure for", "a result on", "a result for", "which ", "its median", "its absolute",
                              "its mean", "its average", "whether it was")):
            return False
        words = [w for w in _norm(re.sub(r"^(?:its|the number of|a result on|a figure for|a result for an?)\s+", "", detail)).split()
                 if w not in _STOP]
        text = " " + _norm(self.papers[paper].title + " " + self.papers[paper].abstract) + " "
        return any(f" {w} " in text or f" {_stem(w)}" in text for w in words)

    def _detail_refusal(self, paper: int, detail: str, confidence: float, reason: str) -> Route:
        # the question was folded to lower case: "its gpu" reads "its GPU" again
        detail = re.sub(r"\b(gpu|tpu|cpu|fid|bleu|rouge|flop|llm|api)(s?)\b", lambda m: m.group(1).upper() + m.group(2),
                        detail)
        return Route("not_answerable", confidence, "rules", reason,
                     f"The listing holds only abstracts, and the abstract of “{self.papers[paper].title}” does not "
                     f"give {detail}.")

    def _papers_in_last_reply(self, history: list[dict]) -> set[int]:
        """The collection's papers named (by title or own name) in the last assistant message."""
        replies = [str(m.get("content", "")) for m in history if isinstance(m, dict) and m.get("role") == "assistant"]
        if not replies:
            return set()
        text = replies[-1][:2000]
        found = {i for i, title in enumerate(self.collection.titles) if title.strip() and title in f" {_norm(text)} "}
        for _, entity in self.collection.find_entities(_norm(text), text):
            if entity.own and len(entity.papers) == 1:
                found |= entity.papers
        return found

    def _figure_near(self, key: str) -> bool:
        """Some sentence that mentions `key` also gives a number (a score to report)."""
        n = len(key.split())
        for paper in self.papers:
            for sentence in re.split(r"(?<=[.!?])\s+", paper.abstract):
                words = _norm(sentence).split()
                for i in range(len(words) - n + 1):
                    # near the name: "58.5% for GPT-3.5", not "200M frames ... and Rainbow" twenty words away
                    if " ".join(words[i:i + n]) == key and any(
                            re.search(r"\d", w) for w in words[max(0, i - 8):i] + words[i + n:i + n + 8]):
                        return True
        return False

    def _missing_version(self, q: str) -> str | None:
        """"Dreamer 4": a version of a listed name that the collection does not have (it has DreamerV2 and V3)."""
        c = self.collection
        for match in re.finditer(r"\b([A-Za-z][\w\-]*)\s+[vV]?(\d)(?=\s*(?:[?.!,]|$|paper\b|model\b|version\b))", q):
            base = _norm(match.group(1)).replace(" ", "")
            entity = c.entities.get(base)
            if entity is not None and entity.own and f"{base}{match.group(2)}" not in c.compact and \
                    f"{base}v{match.group(2)}" not in c.compact and any(k.startswith(base + "v") for k in c.compact):
                return match.group(0)  # "Dreamer 4": the collection has DreamerV2 and V3 only
        return None

    def _unknown_system(self, q: str, tokens: list[str]) -> str | None:
        """MuZero, GPT-4, DreamerV4: a well-known or made-up system name that appears in no listed abstract."""
        c = self.collection
        joined = [a + b for a, b in zip(tokens, tokens[1:])]
        for name in [w for w in tokens if w in c.external_systems] + [j for j in joined if j in c.external_systems]:
            spaced = re.sub(r"(?<=[a-z])(?=\d)", " ", name)
            if not c.phrase_df(name) and not c.phrase_df(spaced) and name not in c.compact:
                written = re.search(r"[\s\-.]?".join(map(re.escape, name)), q, re.IGNORECASE)  # "GPT-4" for gpt4
                return written.group(0) if written else name
        for token in re.findall(r"[A-Za-z][A-Za-z0-9\-.]*[A-Za-z0-9]", q):
            parts = [_norm(x) for x in token.split("-")]
            if len(parts) > 1 and all(x in _ACRONYMS or (x in c.vocab and x.isalpha()) for x in parts):
                continue  # "LLM-HPO": a description built from known words, not a system's name
            key = _norm(token).replace(" ", "")
            if _coined(token) and len(key) >= 4 and key not in _PRODUCT_WORDS and key not in c.compact and \
                    key not in c.author_tokens and key not in c.affiliation_words and \
                    key not in c.vocab and not any(key in text.replace(" ", "") for text in c.texts):
                return token
        return None

    def _detail_not_in_abstract(self, t: str, tokens: list[str], paper: int, own, foreign: bool = False) -> str | None:
        """A training detail or score of a named paper that its abstract does not give (the listing only has
        abstracts): "what learning rate did EMA-PG use?", "DreamerV3's score on Atari 100k"."""
        record = self.papers[paper]
        typo_fixed = tokens != _norm(t).split()
        raw_sentences = re.split(r"(?<=[.!?])\s+", record.abstract)
        own_names = sorted({k for k, _ in own if len(k) >= 4}, key=len, reverse=True)
        if own_names:  # the paper's own name is no evidence: "batch size" is not in "BatchEnsemble"
            name_re = re.compile("|".join(re.escape(n).replace(r"\ ", r"[\s\-]?") for n in own_names), re.IGNORECASE)
            raw_sentences = [name_re.sub(" ", s) for s in raw_sentences]
        sentences = [{_stem(w) for w in _norm(s).split()} for s in raw_sentences]
        # a number, not an enumeration marker such as "(1)" or part of a name such as "CIFAR100"
        numbered = [words for words, raw in zip(sentences, raw_sentences)
                    if _RESULT_NUMBER.search(re.sub(r"\(\d\)", "", raw))]

        joined = ["".join(_norm(raw).split()) for raw in raw_sentences]  # "mscoco" is in "MS-COCO"

        def stated(phrase: str, with_number: bool) -> bool:
            """Some abstract sentence has all the words of `phrase` (and a number, when one is asked for)."""
            stems = [_stem(w) for w in _norm(phrase).split()]
            for words, flat, raw in zip(sentences, joined, raw_sentences):
                if with_number and not _RESULT_NUMBER.search(re.sub(r"\(\d\)", "", raw)):
                    continue
                if all(w in words or (len(w) >= 5 and w in flat) for w in stems):
                    return True
            return False

        if _has(r"\b(?:github|gitlab)\b|\b(?:link|url|repo(?:sitory)?)\b.{0,20}\b(?:code|for|to)\b", t) and \
                not re.search(r"https?://|github\.com|\bwww\.", record.abstract + " " + (record.url or "")):
            return "a link to its code"
        if re.search(r"\b(?:fourth|fifth|sixth|seventh|eighth|\d+th|last|senior) author\b", t) and record.authors_truncated:
            return "that author (the listing shows only the first three names)"
        for size in re.findall(r"(?<![\w.\-\[])(\d+(?:\.\d+)?[bm])(?=[\s\-]*(?:param\w*|models?|versions?|variants?|llms?|lms?)\b)", t):
            # "with a 7B model": a size the abstract never names
            if not re.search(rf"(?<![\w.]){re.escape(size)}\b", record.abstract, re.IGNORECASE):
                return f"a result for a {size.upper()} model"
        if _has(r"\bhow long (?:does|did|do|would|will) (?:it |the )?(?:[\w\-]+ )?(?:training |train\w* )?(?:take|run)\b|"
                r"\bhow many (?:gpu[- ])?(?:hours|days|minutes|weeks)\b|"
                r"\btraining time\b|\btime to train\b", t) and not re.search(
                r"\d[\d.,]*\s*(?:gpu[- ])?(?:hours?|days?|minutes?|seconds?|weeks?|months?)\b", record.abstract, re.I):
            return "its training time"
        options = re.search(r"\b([\w\-.]+),? or ([\w\-.]+)\s*\??$", t)
        if options and re.search(r"\b(?:which|what)\b", t) and all(
                o not in _STOP and o not in ("something", "else", "other", "not", "neither", "both") and
                not re.search(rf"(?<![\w\-]){re.escape(o)}(?![\w\-])", record.abstract, re.IGNORECASE) for o in options.groups()):
            return f"whether it was {options.group(1)} or {options.group(2)}"  # "davinci or curie?": neither is named
        asked = re.search(r"\b(?:which|what)(?: specific| exact| particular)?(?: [\w\-]+)? (llms?|language models?|datasets?|"
                          r"benchmarks?|environments?|simulators?|baselines?|games?)\b|\bnames? of the (?:\w+ ){0,3}"
                          r"(llms?|models?|datasets?|benchmarks?|environments?)\b", t)
        asked = asked or re.search(r"\bwhich (?:[\w\-]+ )?(algorithm|method|model|agent)s? (?:came out on top|won|performed best|"
                                   r"was (?:the )?best|did best|was the safest|is the safest)\b", t)
        if asked:  # "which datasets...?": the answer is a name, so the abstract must name something besides the paper
            own_keys = {k.replace(" ", "") for k, _ in own} | {_norm(record.title).split()[0]} if own else set()
            own_words = {w for k, e in self.collection.entities.items() if paper in e.papers and e.own for w in k.split()} | \
                set(_norm(record.title).split()) | {"language", "model", "models", "agent", "agents", "network", "networks"}
            # names: "GSM8k", "MineCLIP", or any word capitalised inside a sentence ("Atari", "Minecraft")
            named = [w for w in re.findall(r"\b(?:[A-Z][\w\-]*[A-Z0-9][\w\-]*|[A-Z][a-z]+[A-Z]\w*)\b|(?<=[a-z,;:(] )[A-Z][a-z]{2,}\b",
                                           record.abstract)
                     if len(w) > 2 and _norm(w).replace(" ", "") not in own_keys and
                     not any(_norm(w).replace(" ", "").startswith(k) for k in own_keys if len(k) >= 3) and
                     _norm(w).rstrip("s").split(" ")[0] not in _GENERIC_CAPS and w.lower() not in own_words]
            if not named:
                return f"which {asked.group(1) or asked.group(2)} it used"
        title_stems = {_stem(w) for w in _norm(record.title).split()}
        findings = _has(r"\b(?:find|found|say|says|said|show|shows|showed|conclude|learn|learned) about\b", t)
        for match in ([] if findings else _TRAINING_DETAIL.finditer(t)):
            phrase = match.group(0)
            if all(_stem(w) in title_stems for w in _norm(phrase).split()):
                continue  # "hyperparameters" in a question about the hyperparameter-optimization paper: its topic
            if "compute" in phrase or phrase == "hardware":
                if not any(words & {"compute", "cpu", "gpu", "tpu", "hour", "day", "core", "flop", "$"} for words in numbered):
                    return "its compute"
            elif not stated(phrase, with_number=True):
                shown = re.sub(r"^which |'s$", "", phrase)
                return f"the number of {shown[9:]}" if shown.startswith("how many ") else f"its {shown}"
        if _has(r"\$|\bdollars?\b|\bprice\b|\bhow much (?:money )?(?:did|does|do|would|will) (?:it |they )?(?:\w+ )?cost\b|"
                r"\bcost(?:s|ed)? to (?:build|make|create|collect|run)\b|\bcosts? per (?:hour|day|run|month)\b|"
                r"\bhow much\b.{0,60}\bcost\b|"
                r"\bcost(?:s|ed)? (?:to train|of training|in dollars)\b|\btraining cost\b", t) and not re.search(r"\$\s?\d|\bcosts?\b.{0,30}\d",
                                                                           record.abstract):
            return "its cost"
        if _has(r"\b(?:top-?1|top-?5|exact (?:number|figure|score|accuracy|value)|percentage|how many percent)\b", t) and \
                not _NUMBER.search(record.abstract):
            return "an exact figure"
        bench = re.search(r"\bon (?:the )?([\w\-]+) (?:benchmark|dataset|test set|split)\b", t)
        if bench and _has(r"\b(?:accuracy|score|results?|performance|get|gets|reach|achieve)\b", t) and not any(
                re.search(rf"(?<![\w\-]){re.escape(bench.group(1))}(?![\w\-])", raw, re.IGNORECASE) and _RESULT_NUMBER.search(raw)
                for raw in raw_sentences):
            return f"a result on {bench.group(1).upper() if len(bench.group(1)) <= 5 else bench.group(1)}"
        qualifier = re.search(r"\b(median|mean|average|absolute|normali[sz]ed|peak|final)\b.{0,30}\b(?:score|accuracy|"
                              r"performance|return|error)\b", t)
        if qualifier and _has(r"\b(?:what|which|how (?:much|high|low|good|well))\b", t) and \
                not stated(qualifier.group(1), with_number=True):
            return f"its {qualifier.group(1)} {qualifier.group(0).split()[-1]}"  # "median human-normalized score"
        if _has(r"\b(?:score|accuracy|results?|performance|perplexity|win[- ]rate|success rate|return|reach|get|fid|bleu|elo)\b|"
                r"\bhow (?:well|good|badly)\b", t):
            named = [w for w in tokens if w in self.collection.named_methods and w not in {k for k, _ in own}]
            if named and not any(stated(w, with_number=True) for w in named):
                return "a figure for " + named[0].upper()  # "AlpacaFarm's DPO win-rate": the number is PPO's
        if _has(r"\b(?:score|accuracy|results?|performance|perplexity|win[- ]rate|success rate|return|reach|get|fid|bleu|elo)\b|"
                r"\b(?:do|does|did|perform|performs|fare|fares) on\b", t):
            name_words = {w for k, _ in own for w in k.split()}
            benchmark = [w for w in tokens if w not in _STOP and w not in name_words and w not in _SCORE_WORDS
                         and len(w) > 2 and not w.isdigit() and (w not in self.collection.common or w in _SCORED_ON
                                                                  or 0 < self.collection.df.get(w, 0) <= 5)]
            if foreign:  # untranslated words are not benchmark names: keep the collection's own words ("atari")
                benchmark = [w for w in benchmark if w in self.collection.vocab]
            if typo_fixed:  # "Dreamr V2": the name was guessed, so do not refuse on its abstract
                benchmark = []
            if benchmark and not any(stated(w, with_number=False) for w in benchmark):
                return "a result on " + " ".join(benchmark[:3])
            if benchmark and not any(stated(w, with_number=True) for w in benchmark) and \
                    _has(r"\b(?:score|accuracy|top-?1|top-?5|percentage|perplexity|win[- ]rate|success rate)\b", t):
                return "a figure for " + " ".join(benchmark[:3])
        return None

    def _cooccur(self, words: list[str], missing: int = 0, prefix: bool = False) -> bool:
        """All the words (but `missing` of them) appear together in at least one paper's title and abstract;
        with `prefix`, a word also matches its longer or shorter forms ("math" / "mathematical", "networks" / "nets")."""
        stems = [_stem(w) for w in words]

        def found(w: str, doc: set[str]) -> bool:
            if w in doc:
                return True
            return prefix and len(w) >= 4 and any(d.startswith(w[:4]) and (d.startswith(w) or w.startswith(d))
                                                  for d in doc if len(d) >= 3)

        return any(sum(not found(w, doc) for w in stems) <= missing for doc in self.collection.doc_words)
