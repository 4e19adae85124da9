"""The declines that need no evidence: what a question asks for by its form alone, outside any collection.

The trained intent model (qa.intent) routes every other question from the question and the retrieved evidence. These
few rules stand before it because no paper can change their answer and a wrong answer costs more than a wrong
decline: attempts to change or reveal the instructions, requests to write code or to act, chit-chat and requests for
the assistant's opinion, the researcher's private life, and figures the listing cannot hold (per-paper citations,
the profile at another time, papers left out, a cut author list's size), in English (injections in a few more).
"""
from __future__ import annotations

import re

from .names import Names
from .question import OTHER_TIME, PER_PAPER_CITATIONS
from .text import STOP, WORD, fold, has, norm, stem
from .types import Route

_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass)\b.{0,40}\b(?:instructions?|rules?|prompts?|guidelines|directions|"
    r"above|previous|prior|system)\b|system prompt|(?:reveal|print|show|repeat|output|leak|tell me)\b.{0,30}"
    r"\b(?:your|the|hidden|secret|initial|original)\b.{0,20}\b(?:prompt|instructions?|configuration|rules)\b"
    r"(?! engineer| tuning| ensembles?| optimi[sz]ation| design)|"
    r"\byour (?:instructions|prompt|rules|configuration)\b|(?:^|[.!?,]\s*|\byou\s+|\bplease\s+|\band\s+)pretend (?:to be|you are|you're)\b|\broleplay\b|"
    r"\bforget (?:the|about the|all the) papers\b|\bjailbreak|\bdeveloper mode\b|\bdan\b.{0,20}"
    r"\b(?:restrictions?|anything)\b|\byou are now\b|^(?:please |now |ok,? )?act as\b|\bcan you act as\b|"
    r"(?:^|\byou\b.{0,20}?)pretend (?:to be|you)\b|\bpretend (?:that )?you\b|\broleplay\b|"
    r"\b(?:show|reveal|print|tell)\b.{0,30}\binstructions\b.{0,20}\bsystem\b|\bsystem instructions\b|"
    r"\bfrom now on\b|\bnew instructions\b")


# The same attempt in other languages: the model may read it as a question about a paper, and an injection must never
# reach an LLM, so this one guard knows the words for "ignore ... instructions" and "system prompt" of a few languages
_INJECTION_ELSEWHERE = re.compile(
    r"(?:ignor\w*|olvid\w*|oubli\w*|vergiss\w*|dimentic\w*|esquec\w*|игнорир\w*|забудь\w*|忽略|无视|無視|忘れ|무시)"
    r".{0,40}(?:anweisung\w*|instruc\w*|istruzion\w*|instruc?[cç]\w*|инструкц\w*|指令|指示|命令|지시|지침)|"
    r"systemprompt\w*|prompt (?:del|de|do|du) sist\w*|системн\w* (?:промпт\w*|подсказк\w*)|系统提示|系統提示|"
    r"システムプロンプト|시스템 프롬프트")


def is_injection(question: str) -> bool:
    """Asks to change or reveal the instructions: never answered, never sent to an LLM router."""
    text = fold(question or "")
    return bool(_INJECTION.search(text) or _INJECTION_ELSEWHERE.search(text))


# programming languages a request for code names ("a C# method that …", "in Ruby")
_LANGUAGES = (r"javascript|typescript|java|c\+\+|c#|rust|bash|powershell|kotlin|swift|ruby|php|golang|matlab|haskell|"
              r"scala|perl")
_CODE_REQUEST = re.compile(
    r"\b(?:write|implement|code up|generate|give me|show me|create|build|program|debug|fix)\b.{0,40}"
    r"\b(?:code|function|script|program|class|snippet|query|implementation|notebook|regex|sql|pytorch|tensorflow|"
    rf"jax|numpy|python|{_LANGUAGES})(?![\w#+])"
    rf"|\bin (?:pytorch|tensorflow|python|jax|numpy|keras|{_LANGUAGES})(?![\w#+])"
    r"|\bsql query\b|\bcode (?:to|that|for) (?:train|implement|compute|build|run)|\bpip install\b|\bconda install\b|"
    r"\bhow (?:do|can|should) i (?:install|run|set up|setup|reproduce|debug|fix)\b")
_CHITCHAT = re.compile(
    r"\b(?:my|i have|i've got|i've had|i had|i'm having) (?:\w+ ){0,2}(?:pain|symptoms?|illness|disease|rash|fever|headache|cough)\b|"
    r"\bdiagnose (?:my|me)\b|\bmedical advice\b|\bmy (?:new )?(?:cat|dog|pet|puppy|kitten)\b|\bname for my\b|"
    r"\bdownloaded\b|\bhow many times\b.{0,40}\b(?:starred|forked|viewed|downloaded)\b|"
    r"\bwill (?:he|she|they|the researcher|the group|the lab|the authors) (?:\w+ ){0,2}(?:publish|release|write|work on|study)\b|"
    r"\b(?:publish|release)\w* next year\b|\b(?:cost|costs|pay|price|charge|charges|fee|fees)\b.{0,30}\bper month\b|"
    r"\bwho (?:funded|funds|sponsored|sponsors|paid for)\b|\bwho (?:reviewed|refereed)\b|"
    r"\b(?:his|her|their|the researcher's|the author's) (?:personal |own |all[- ]time )?favou?rite\b|"
    r"\bwrite (?:the |an? |my )?(?:intro(?:duction)?|abstract|essay|thesis|section|paragraph|cover letter|email|"
    r"literature review|related[- ]work section)\b|\bfor my (?:thesis|homework|essay|assignment)\b.{0,20}\bwrite\b|"
    r"\b(?:is it|are they|was it|used|deployed) in production\b|\bdeployed (?:at|by)\b|\bnext paper\b|"
    r"\bupcoming (?:paper|work)\b|\bwill (?:\w+ ){0,3}be about\b|\bwhat's wrong with me\b|\bused (?:at|by) (?:google|openai|meta|microsoft|amazon|apple)\b|"
    r"^(?:hi|hello|hey)?\W*(?:there\W*)?how(?:'s| is) it going\b|\bhow are you(?: doing)?\W*$|"
    r"^(?:hi|hello|hey|hiya|yo|good (?:morning|afternoon|evening|night)|thanks?|thank you|thx|bye|goodbye|"
    r"see you|cheers|ok(?:ay)?|cool|nice|great|lol|how are you|what's up|sup)\b"
    r"(?![\w\s,!.?']*\b(?:what|how|which|who|why|when|does|did|is|are|can|tell|explain)\b)[\w\s,!.?']{0,30}$|"
    r"\b(?:tell|know) (?:me )?(?:a |any )?jokes?\b|\bjoke\b|\b(?:play|chat|dance|sing)\b.{0,30}\bwith me\b|"
    r"\b(?:write|compose|draft|make|give me|create)\b.{0,25}\b(?:poem|poems|haiku|limerick|song|lyrics|story|"
    r"essay|rap|sonnet|letter|email|tweet|cover letter)\b|\bpoem\b|\bhaiku\b|"
    r"\bmeaning of life\b|\bwho are you\b|\bare you (?:a|an)\b|\bsquare root\b|"
    # a request to translate, not a paper that learns to ("… how much faster does it translate?")
    r"(?:^\W*|[.!?]\s+|\b(?:can|could|would|will) you (?:please )?|\bplease |\bhelp me |\bpls )translate\b|"
    r"^what(?:'s| is) \d+\s*[-+*/x]\s*\d+|\b\d+\s*(?:times|plus|minus|divided by)\s*\d+\b|"
    r"\bin the style of\b|\bas a (?:poem|song|rap|limerick|haiku|pirate|story)\b|"
    r"^(?:(?:great|ok(?:ay)?|thanks|cool|perfect|good|nice)\W+)?(?:(?:now|then)\W+)?(?:can you |could you |please |"
    r"would you )?(?:run|execute|download|install|deploy|send|email|book|buy|order|add|call|schedule|remind|browse|"
    r"search the web|google|post(?!-)|tweet|share|upload|notify|subscribe|open an? (?:github )?issue)\b|"
    r"\b(?:to|on|in|into|onto) my (?:linkedin|twitter|x account|blog|slack|calendar|inbox|e-?mail|drive|dropbox|"
    r"website|feed|account|channel|mailing list)\b|\bgithub stars?\b|\bstar count\b|\bstars on github\b|"
    r"\bforks\b|\bdownloads\b|\bimpact factor\b|\breview(?:er)? scores?\b|\bhoroscope\b|"
    r"\breviewers?\b.{0,30}\b(?:say|said|think|thought|scores?|comments?|wrote|ratings?|rated|decide|decision)\b|"
    r"\bopenreview\b|\bwill there be\b|\bwhen will\b|\b(?:is|are|was|were|be|been|being|get|gets|got|getting) paid\b|"
    r"\bin the future\b|\berdos number\b|\bwill (?:win|receive|become|be cited)\b|\bnext few years\b|"
    r"\b(?:test[- ]of[- ]time|best paper) awards?\b|\bbacon number\b|\bi10[- ]?index\b|\bg[- ]?index\b|"
    r"\bbe in (?:19|20)\d\d\b|(?:\b(?:is|are|was|were)|'s) the best one\b|\bbest paper\b(?! award)|\bworst paper\b|"
    r"\bmost important paper\b|\bpeer reviews?\b|\bbought\b|\b(?:lab|group|research|annual|their|his)(?:'s)? budget\b|"
    r"\bhow much (?:did|does|do|is|was)\b.{0,40}\b(?:pay|paid|worth|earns?)\b")
# the outside world by its topic ("pizza", "homework") or an event's dates and venue: only where no paper writes of it
_OUTSIDE_TOPIC = re.compile(
    r"\b(?:ramen|restaurants?|pizza|sushi|coffee shops?|hotels?|apartments?|nightlife|movies?|sports?|football|"
    r"vacation|travel|gdp|weather|recipes?|bake|cook|stocks?|bitcoin|homework|subscriptions?|pricing|fund(?:ers?|ing)|"
    r"sponsors?|acquisition)\b|\bcapital of\b|\bcapital\b.{0,12}\b(?:of|de)\b|\b(?:which|what) (?:city|country)\b|"
    r"\bpresident of\b|\bprime minister\b|\bworld cup\b|\bpopulation of\b|\bpredict(?:ion)?s? (?:for|about)\b|"
    r"\b(?:when|where) (?:and (?:when|where) )?(?:is|are|will|was|were) [^?]{0,40}\b(?:held|tak(?:e|ing) place)\b")
_OPINION = re.compile(r"\byour (?:personal |own )?(?:opinion|view|views|thoughts|favou?rite|feelings?|take)\b|\bdo you (?:like|think|believe|"
                      r"feel|prefer|agree)\b|\bwhat do you think\b|\bare you (?:happy|sad|conscious|alive)\b")
_PERSONAL = re.compile(
    r"\b(?:live|lives|living|born|birthday|age|old is|how old|married|wife|husband|spouse|partner|kids|children|"
    r"salary|earn|earns|net worth|income|phone|e-?mail|address|home|hobbies|hobby|favou?rite|religion|height|tall|"
    r"nationality|girlfriend|boyfriend|family|parents|grow up|grew up|childhood|hometown|personal|"
    r"graduate|graduated|phd|ph\.d|undergrad|studied|degree|advisor|supervisor|students?|teach|teaches|courses?|"
    r"office|linkedin|twitter|instagram|social media|politic\w*|vote|hire|hiring|contact|awards?|prizes?|"
    r"lives in|work(?:s|ing)? (?:now|currently|today|these days)|currently work\w*|employer|job|position)\b|"
    r"\bwhere does (?:\w+ ){0,3}work\b|\bwhere (?:is|are) (?:\w+ ){0,3}(?:working|employed)\b")
_PERSON_REF = re.compile(r"\b(?:he|him|his|the researcher|the author|the professor)\b")
PROFILE_FIGURE = re.compile(r"\bh[\s-]?index\b|\bnovelty\b|\bai score\b|\bcitations?\b|\bcited\b")
_LEFT_OUT = re.compile(r"\b(?:which|what|name|list)\b.{0,30}\b(?:missing|left out|not (?:listed|included)|omitted)\b")
_COUNT = re.compile(r"\bhow many\b|\bnumber of\b|\bcount\b|\btotal\b|\btally\b")
_AUTHOR_COUNT = re.compile(r"\b(?:how many|number of|count of) (?:co-?)?authors\b|\bauthor count\b")
_REFERS_BACK = re.compile(r"\b(?:it|its|that|this|then)\b")
MAX_CHARS = 500  # the route is decided by the question's start; the rest only costs time


def owner_pattern(owner: str) -> re.Pattern | None:
    """The owner's full name, or either part alone ("Ada Lovelace", "Lovelace", "Ada"): read as "the researcher"."""
    parts = [p for p in re.split(r"\s+", owner.strip()) if p.strip(".")]
    if not parts:
        return None
    names = [r"\s+".join(map(re.escape, parts))] + ([re.escape(parts[0]), re.escape(parts[-1])] if len(parts) > 1 else [])
    return re.compile(r"(?<![\w\-])(?:" + "|".join(names) + r")(?![\w\-])", re.IGNORECASE)


def _outside_collection(t: str, names: Names) -> bool:
    """The outside world by its topic (`_OUTSIDE_TOPIC`), unless each such phrase is one the papers write ("training
    recipes"; a phrase of two words or more counts only whole: "world cup" is not "world models"), or the question is
    long and mostly in their words (of 121 labelled questions the topics trip, the 3 with six content words or more,
    half of them written, are answerable, and no declined one has more than 29% written): the evidence decides."""
    asked = [w for w in norm(t).split() if len(w) >= 3 and w not in STOP]
    if len(asked) >= 6 and 2 * sum(w in names.vocab for w in asked) >= len(asked):
        return False
    for match in _OUTSIDE_TOPIC.finditer(t):
        words = [w for w in WORD.findall(match.group(0).lower()) if len(w) >= 3 and w not in STOP]
        written = any(f in names.vocab for f in (words[0], stem(words[0]), stem(words[0]) + "s")) if len(words) == 1 \
            else bool(words) and names.phrase_df(" ".join(words))
        if not written:
            return True
    return False


def settled(question: str, history: list[dict], names: Names, owner: re.Pattern | None = None) -> Route | None:
    """The decline a question earns by its form alone, or None when the model and the evidence must decide."""
    q = (question or "").strip()[:MAX_CHARS]
    if not WORD.search(q):
        return Route("not_answerable", 0.5, "rules", "no words to route", settled=True)
    t = fold(owner.sub("the researcher", q) if owner is not None else q)
    if is_injection(t):
        return Route("not_answerable", 0.97, "rules", "asks to change or reveal the instructions", settled=True)
    if _CODE_REQUEST.search(t):
        return Route("not_answerable", 0.9, "rules", "asks for code to be written", settled=True)
    named = names.papers_called_in(q)  # two papers called by name make the topic theirs ("… the RL recipe")
    if _CHITCHAT.search(t) or len({p.paper_id for p in named}) < 2 and _outside_collection(t, names):
        return Route("not_answerable", 0.9, "rules", "chit-chat", settled=True)
    if _OPINION.search(t) and not named:
        return Route("not_answerable", 0.8, "rules", "asks for the assistant's own opinion", settled=True)
    if _PERSONAL.search(t) and (_PERSON_REF.search(t) or names.author_in(norm(q))) and not has(
            r"\bpapers?\b|\bco-?author|\bpublish|\bcollaborat|\bcategor|\bcitation|\bh-?index|\baffiliat", t):
        return Route("not_answerable", 0.9, "rules", "personal information about the researcher", settled=True)
    return _listing_gap(t, history, names, named)


def _listing_gap(t: str, history: list[dict], names: Names, named: list) -> Route | None:
    """A figure the listing does not hold: say what it does hold (`Route.listing_gap`)."""
    def gap(reason: str, explanation: str, listing_gap: bool = True) -> Route:
        return Route("not_answerable", 0.8, "rules", reason, explanation, listing_gap=listing_gap, settled=True)

    if PER_PAPER_CITATIONS.search(t):
        return gap("asks for citations of single papers",
                   "The listing gives a citation count only for the profile as a whole, not for single papers.")
    earlier = [str(m.get("content", "")) for m in history if isinstance(m, dict) and m.get("role", "user") == "user"]
    about_profile = PROFILE_FIGURE.search(t) or (
        earlier and PROFILE_FIGURE.search(fold(earlier[-1])) and _REFERS_BACK.search(t) and len(t.split()) <= 10)
    if about_profile and OTHER_TIME.search(t):
        return gap("asks for a profile figure at another time",
                   "The listing has only the profile's current figures, not earlier or future ones.")
    if _LEFT_OUT.search(t) and not _COUNT.search(t):
        return gap("asks which papers the listing leaves out",
                   "The listing does not say which papers it leaves out, only that the header counts more.")
    author = names.author_in(norm(t))
    if PROFILE_FIGURE.search(t) and (len(named) == 1 or author) and \
            not has(r"\bpapers claimed\b|\bco-?author|\bwith\b", t):
        return gap("the listing has citation figures for the profile only",
                   "The listing gives citation figures only for the profile as a whole.", listing_gap=False)
    if _AUTHOR_COUNT.search(t) and len(named) == 1 and named[0].authors_truncated and \
            not has(r"\b(?:first|second|third) author\b|\bwho\b", t):
        return gap("asks for the size of a truncated author list",
                   f"The listing shows only the first {len(named[0].authors)} authors of “{named[0].title}” (the "
                   "list ends in “et al.”), so its number of authors is not in the collection.", listing_gap=False)
    return None
