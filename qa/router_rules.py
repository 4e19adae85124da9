"""The offline router's question patterns: injections, chit-chat, bibliographic and synthesis cues."""
from __future__ import annotations

import re


from .question import COLLECTION_WIDE, PAPER_FACT
from .router_text import _STOP, _WORD_RE, _fold, _has, _translate
from .router_collection import _Collection, _Entity

# ---------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------

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


def is_injection(question: str) -> bool:
    """Asks to change or reveal the instructions (in any language the glossary reads): never answered."""
    return bool(_INJECTION.search(_translate(question or "")))


_CHITCHAT = re.compile(
    r"\b(?:my|i have|i've got|i've had|i had|i'm having) (?:\w+ ){0,2}(?:pain|symptoms?|illness|disease|rash|fever|headache|cough)\b|"
    r"\bdiagnose (?:my|me)\b|\bmedical advice\b|\bmy (?:new )?(?:cat|dog|pet|puppy|kitten)\b|\bname for my\b|"
    r"\bdownloaded\b|\bhow many times\b.{0,40}\b(?:starred|forked|viewed|downloaded)\b|"
    r"\bwill (?:he|she|they|the researcher|the group|the lab|the authors) (?:\w+ ){0,2}(?:publish|release|write|work on|study)\b|"
    r"\b(?:publish|release)\w* next year\b|"
    r"\bsubscriptions?\b|\b(?:cost|costs|pay|price|charge|charges|fee|fees)\b.{0,30}\bper month\b|\bpricing\b|"
    r"\bwho (?:funded|funds|sponsored|sponsors|paid for)\b|\bfunders?\b|\bsponsors?\b|"
    r"\b(?:his|her|their|the researcher's|the author's) (?:personal |own |all[- ]time )?favou?rite\b|"
    r"\b(?:ramen|restaurants?|pizza|sushi|coffee shops?|hotels?|apartments?|nightlife)\b|\bwho (?:reviewed|refereed)\b|"
    r"\bwrite (?:the |an? |my )?(?:intro(?:duction)?|abstract|essay|thesis|section|paragraph|cover letter|email|"
    r"literature review|related[- ]work section)\b|\bfor my (?:thesis|homework|essay|assignment)\b.{0,20}\bwrite\b|"
    r"\b(?:is it|are they|was it|used|deployed) in production\b|\bdeployed (?:at|by)\b|\bnext paper\b|"
    r"\bupcoming (?:paper|work)\b|\bwill (?:\w+ ){0,3}be about\b|\brecipes?\b|\bwhat's wrong with me\b|\bused (?:at|by) (?:google|openai|meta|microsoft|amazon|apple)\b|"
    r"^(?:hi|hello|hey)?\W*(?:there\W*)?how(?:'s| is) it going\b|\bhow are you(?: doing)?\W*$|"
    r"^(?:hi|hello|hey|hiya|yo|good (?:morning|afternoon|evening|night)|thanks?|thank you|thx|bye|goodbye|"
    r"see you|cheers|ok(?:ay)?|cool|nice|great|lol|how are you|what's up|sup)\b"
    r"(?![\w\s,!.?']*\b(?:what|how|which|who|why|when|does|did|is|are|can|tell|explain)\b)[\w\s,!.?']{0,30}$|"
    r"\b(?:tell|know) (?:me )?(?:a |any )?jokes?\b|\bjoke\b|"
    r"\b(?:write|compose|make|give me|create)\b.{0,25}\b(?:poem|poems|haiku|limerick|song|lyrics|story|"
    r"essay|rap|sonnet|letter|email|tweet|cover letter)\b|\bpoem\b|\bhaiku\b|"
    r"\bweather\b|\brecipe\b|\bbake\b|\bcook\b|\bstocks?\b|\bbitcoin\b|\bcapital of\b|\bcapital\b.{0,12}\b(?:of|de)\b|"
    r"\bpresident of\b|\bprime minister\b|\bworld cup\b|\bmeaning of life\b|\bwho are you\b|\bare you (?:a|an)\b|"
    r"\bhomework\b|\brestaurant\b|\bmovie\b|\bpopulation of\b|\btranslate\b|\bsquare root\b|"
    r"^what(?:'s| is) \d+\s*[-+*/x]\s*\d+|\b\d+\s*(?:times|plus|minus|divided by)\s*\d+\b|"
    r"\bin the style of\b|\bas a (?:poem|song|rap|limerick|haiku|pirate|story)\b|"
    r"^(?:can you |could you |please |would you )?(?:run|execute|download|install|deploy|send|email|book|buy|order|"
    r"call|schedule|remind|browse|search the web|google)\b|\bgithub stars?\b|\bstar count\b|\bstars on github\b|"
    r"\bforks\b|\bdownloads\b|\bimpact factor\b|\breview(?:er)? scores?\b|\bhoroscope\b|\bsports?\b|\bfootball\b|"
    r"\bvacation\b|\btravel\b|\bgdp\b|\breviewers?\b.{0,30}\b(?:say|said|think|thought|scores?|comments?|wrote|"
    r"ratings?|rated|decide|decision)\b|\bopenreview\b|\bwill there be\b|\bwhen will\b|\bpredict(?:ion)?s? (?:for|about)\b|"
    r"\bin the future\b|\berdos number\b|\bwill (?:win|receive|become|be cited)\b|\bnext few years\b|"
    r"\b(?:test[- ]of[- ]time|best paper) awards?\b|\bbacon number\b|\bi10[- ]?index\b|\bg[- ]?index\b|\bbe in (?:19|20)\d\d\b|\bthe best (?:one|paper)\b|"
    r"\bbest paper\b(?! award)|\bmost important paper\b|\bworst paper\b|\bpeer reviews?\b|\bpaid\b|\bbought\b|"
    r"\bacquisition\b|\b(?:lab|lab's|group|group's|research|annual|their|his) budget\b|\bfunding\b|\bhow much (?:did|does|do|is|was)\b.{0,40}\b(?:pay|worth|earn|earns)\b")
# general-knowledge wording: not answerable unless the question names a paper of the collection
_GENERAL = re.compile(r"^(?:how (?:do|can|should|would) (?:i|we)|how to)\b|\bbest (?:online )?(?:courses?|books?|tutorials?|bootcamps?)\b|\b(?:pytorch|jax|tensorflow|keras|matlab)\b|\b(?:ceo|cto|cfo|founder|chairman|prime minister)\b|\bshould i (?:do|apply|go|study|join|pick|choose)\b|"
                      r"\b(?:which|what) (?:university|universities|school|program|phd program|country|city|company|job)\b"
                      r".{0,40}\b(?:better|best|should|recommend\w*)\b|\bwho (?:invented|created|discovered|founded|"
                      r"coined)\b|\bexplain how (?:the |a |an )?[\w\-]+(?: [\w\-]+){0,3} works?\b|\bin general\??$|"
                      r"\bwho (?:first|originally) (?:proposed|introduced|came up with|invented|developed)\b|\bhistory of\b|\bnews\b|\blaptops?\b|\bgraphics cards?\b|\bwhich (?:gpu|computer|"
                      r"machine|cloud provider) (?:should|to|do)\b|"
                      r"(?:^|\byou\s+|\bplease\s+|\bme\s+)(?:recommend|suggest)\b(?!.{0,60}\b(?:papers?|works?|articles?|read\w*|publications?)\b)")
_CODE_REQUEST = re.compile(
    r"\b(?:write|implement|code up|generate|give me|show me|create|build|program|debug|fix)\b.{0,40}"
    r"\b(?:code|function|script|program|class|snippet|query|implementation|notebook|regex|sql|pytorch|tensorflow|"
    r"jax|numpy|python|javascript|java|c\+\+|rust|bash)\b|\bin (?:pytorch|tensorflow|python|jax|numpy|keras)\b"
    r"|\bsql query\b|\bcode (?:to|that|for) (?:train|implement|compute|build|run)|\bpip install\b|\bconda install\b|"
    r"\bhow (?:do|can|should) i (?:install|run|set up|setup|reproduce|debug|fix)\b")
_PERSONAL = re.compile(
    r"\b(?:live|lives|living|born|birthday|age|old is|how old|married|wife|husband|spouse|partner|kids|children|"
    r"salary|earn|earns|net worth|income|phone|e-?mail|address|home|hobbies|hobby|favou?rite|religion|height|tall|"
    r"weight|nationality|girlfriend|boyfriend|family|parents|grow up|grew up|childhood|hometown|personal|"
    r"graduate|graduated|phd|ph\.d|undergrad|studied|degree|advisor|supervisor|students?|teach|teaches|courses?|"
    r"office|linkedin|twitter|instagram|social media|politic\w*|vote|hire|hiring|contact|awards?|prizes?|"
    r"lives in|work(?:s|ing)? (?:now|currently|today|these days)|currently work\w*|employer|job|position)\b|"
    r"\bwhere does (?:\w+ ){0,3}work\b|\bwhere (?:is|are) (?:\w+ ){0,3}(?:working|employed)\b")
_PERSON_REF = re.compile(r"\b(?:he|him|his|the researcher|the author|the professor)\b")
_COUNT = re.compile(r"\bhow many\b|\bnumber of\b|\bcount\b|\bhow much\b.{0,10}\bpapers\b|\btotal\b|\btally\b")
_BIB_STRONG = re.compile(
    r"\bh[\s-]?index\b|\bcitations?\b|\bcited\b|\bcitation count\b|\bnovelty\b|\bai score\b|"
    r"\bco-?authors?\b|\bco-?authored\b|\bcoauthor\w*\b|\bcollaborat\w*\b|"
    r"\bcategor(?:y|ies|i[sz]ed)\b(?!.{0,60}\b(?:sorts?|classif\w*|divides?|splits?|assigns?)\b)|\bcs\.[a-z]{2}\b|\bfiled under\b|\bstat\.ml\b|\barxiv (?:class|categor|subject)\w*|\btagged\b|"
    r"\blisted under\b|\bsubject area\b|\baffiliat\w*\b|\binstitutions?\b|\buniversit(?:y|ies)\b.{0,20}\bpapers\b|"
    r"\bprimary (?:category|area|field)\b|\bpapers claimed\b")
_RECENCY = re.compile(
    r"\b(?:most recent|latest|newest|oldest|earliest)\b.{0,25}"
    r"\b(?:papers?|publications?|articles?|works?|one|entry|entries|title)\b|"
    r"\b(?:first|last|older|newer)\s+(?:\w+\s+)?(?:papers?|publications?|articles?|entry|entries)\b|"
    r"\b(?:published|released|came out|appeared|appears|publish|written|listed)\s+(?:\w+\s+)?(?:first|last|earliest|most recently|"
    r"latest|recently)\b|\b(?:most|fewest|least|longest|shortest|largest|smallest)\b.{0,20}\b(?:authors?|co-?authors?|"
    r"author list|papers|publications)\b|\bin which years?\b|\bwhat years?\b.{0,30}\b(?:most|fewest|least|span)\b|"
    r"\b(?:papers?|publications?|articles?|works?)\b.{0,20}\b(?:most recent|latest|newest|oldest|earliest)\b|"
    r"\bchronolog\w*|\bsort(?:ed)?\b.{0,25}\bby (?:date|year|time|publication)|\bper year\b|\beach year\b|\bby year\b|"
    r"\bwhich year\b|\bwhat year\b.{0,30}\b(?:most|fewest|least)\b|\btimeline\b|\bpublication (?:dates?|years?)\b|"
    r"^(?:what is |which is |what's )?the (?:most recent|latest|newest|oldest|earliest)\b|"
    r"^(?:which|what)\b.{0,40}\b(?:most recent|latest|newest|oldest|earliest|most recently|first published)\b")
_CODE_META = re.compile(
    r"\b(?:code|github|source code|implementation|implementations|open[- ]source|repos?|repository)\b")
_YEAR = re.compile(r"\b((?:19[5-9]|20[0-4])\d)\b")
_TIME_WORDS = re.compile(
    r"\b(?:published|released|appeared|came out|come out|from|in|since|before|after|between|during|until|"
    r"last (?:two|three|few|\d+) years|this year|last year|recent years)\b")
_LIST_PAPERS = re.compile(
    r"\b(?:which|what|list|show|name|give|are there|any|all)\b.{0,20}\b(?:papers|publications|articles|works)\b|"
    r"\bpapers\b.{0,5}\b(?:from|in|published|released)\b|^papers\b|\blist (?:all )?(?:the )?(?:paper )?titles\b|"
    r"\ball (?:the )?(?:paper )?titles\b")
_COMPARE = re.compile(
    r"\bcompar\w*|\bcontrast\w*|\bdifferen\w*|\bdiffer\b|\bdiffers\b|\bversus\b|\bvs\.?\b|\bsimilarit\w*|"
    r"\bbetter than\b|\bworse than\b|\bwhich is better\b|\bwhat changed\b|\bchanged? (?:from|between)\b|"
    r"\brelate to each other\b|\bin common\b|\bimprove[sd]? (?:on|over|upon)\b|\boutperform\w*\b|"
    r"\brelationship between\b|\bhow do .* relate\b|\bconnection between\b|\blink between\b")
_SYNTH = re.compile(
    r"\boverview\b|\bsurvey\b|\bliterature\b|\bthemes?\b|\btrends?\b|\bbody of (?:work|research)\b|"
    r"\bacross (?:the |these |all |his |this )?(?:papers|collection|works|research|listing)\b|"
    r"\b(?:in|from|among|of) (?:these|the|his|all the|all) (?:papers|works|publications)\b|"
    r"\bwhat (?:work|research|has been done|have they done|has he done|has the group|have the authors)\b|"
    r"\b(?:work|research|papers|publications) (?:on|about|in|regarding|concerning|related to)\b|"
    r"\bresearch (?:agenda|directions?|focus|areas?|interests?|topics?)\b|\bmain (?:areas?|topics?|themes?)\b|"
    r"\bsummari[sz]e (?:the |his |all )?(?:research|work|papers|publications|contributions)\b|"
    r"\bwhich (?:papers|works|methods|approaches|ones)\b|\bwhat (?:papers|works|methods|approaches)\b|"
    r"\bare there (?:any )?(?:papers|works)\b|\bany (?:papers|work|works)\b|\bpapers (?:that|which)\b|"
    r"\bhow many (?:of the )?(?:papers|works)\b|\bwork on\b|\bcommon\b|\brecurring\b|\bwhat does (?:this|the) "
    r"(?:researcher|author|group|lab) work on\b|\bresearch\b")
_PAPER_SINGULAR = re.compile(
    r"\bis there (?:a|one) (?:paper|article|publication|study)\b|"
    r"\b(?:which|what) (?:paper|article|publication|method|model|approach|algorithm|benchmark|dataset|"
    r"framework|agent|system|optimizer)\b|\bthe (?:paper|article|study|preprint) (?:on|about|that|which|where|"
    r"titled|called|named|proposing|introducing|describing)\b|\bthe (?:method|approach|model|algorithm|agent|"
    r"framework|technique|system|benchmark|dataset|optimizer|architecture|estimator) (?:that|which|where|proposed|"
    r"introduced|used|called|named|for|from)\b|\bin the .{1,40} paper\b|\bthe .{1,40} paper\b|"
    r"\bthe [\w\-]+(?: [\w\-]+){0,3} (?:benchmark|dataset|optimizer|framework|simulator|sandbox)\b(?!s)")
_SINGULAR_REF = re.compile(
    r"\b(?:it|its|it's|itself|this paper|that paper|the paper|this method|that method|the method|this model|"
    r"that model|the model|this work|that work|this one|that one|the same paper|the authors|this approach|"
    r"that approach|the approach|this algorithm|that algorithm|the algorithm|this benchmark|that benchmark|"
    r"this dataset|that dataset|the first one|the second one|the latter|the former|the (?:[\w\-]+ ){1,3}one(?! of)|"
    r"the one (?:about|on|with|that|where|from|for))\b")
_PLURAL_CUE = re.compile(r"\b(?:papers|works|publications|articles|methods|approaches|studies|techniques|models|"
                         r"agents|ones|areas|topics|themes|trends|both|all|several|various|different|compare|"
                         r"across|overall|collection|field|research|literature)\b")
_RESEARCHER_TOPIC = re.compile(
    r"\b(?:the group|this group|the lab|his group|his team|the team|this researcher|the researcher|"
    r"he|his|they|their)\b.{0,40}\b(?:approach\w*|work(?:s|ed)? on|research|stud(?:y|ies|ied)|tackle\w*|address\w*|"
    r"contribut\w*|focus\w*|interest\w*|handle\w*|explor\w*)\b|"
    r"\b(?:the group|this group|the lab|his group|his team|the team|this researcher|the researcher)\b.{0,40}"
    r"\b(?:use|used|uses)\b|"
    r"\b(?:approach\w*|contribut\w*|research|work)\b.{0,20}\b(?:the researcher|the group|this group|the lab|his)\b")
_OPINION = re.compile(r"\byour (?:personal |own )?(?:opinion|view|views|thoughts|favou?rite|feelings?|take)\b|\bdo you (?:like|think|believe|"
                      r"feel|prefer|agree)\b|\bwhat do you think\b|\bare you (?:happy|sad|conscious|alive)\b")
_CONTINUATION = re.compile(r"^(?:and|also|then|ok(?:ay)?,? (?:and|what about|how about)|so|but)\b|"
                           r"^(?:what|how) about\b|^what else\b|^anything else\b|^(?:and|also) (?:what|how|who|when)\b")
# Training details that an abstract rarely gives; asked about a named paper, the collection may not cover them.
_TRAINING_DETAIL = re.compile(
    r"\blearning rates?\b|\bbatch sizes?\b|\bhyper-?parameters?\b|\bgpu[- ]hours\b|\bwhich gpus?\b|\bgpu model\b|\bgpus?\b|\btpus?\b|\bepochs?\b|"
    r"\brandom seeds?\b|\bweight decay\b|\bwall[- ]clock\b|\bhardware\b|\blabell?ers\b|\bannotators\b|\bdropout rate\b|"
    r"\bdecay rate\b|\bdefault values?\b|\blicen[cs]e\b|\bconference\b|\bvenue\b|\bjournal\b|\baccepted (?:at|to|by)\b|"
    r"\belo\b|\bparameters\b|\bhow much compute\b|\bcompute budget\b|\bfid\b|\bbleu\b|\bperplexity\b|"
    r"\b(?:sampling )?temperature\b|\blayers\b|\bhidden size\b|\boptimi[sz]er settings\b|"
    r"(?<!every )(?<!each )(?<!any )(?<!all )\bvalues? of (?:k|alpha|beta|gamma|lambda|tau|[a-z])\b|\b(?:tera|giga|mega)bytes\b|\b(?:tb|gb)\b|\bbibtex\b|"
    r"\bpage numbers\b|\bdoi\b|\btokeni[sz]ers?\b|\bvocabulary size\b|\bcontext (?:length|window)\b|\blora rank\b|\bmodel sizes?\b|\bstep ?sizes?\b|"
    r"\blength in tokens\b|\bcoefficients?\b|\bwhich layers?\b|\bdiscount factor\b|\b(?:what|which) rank\b|"
    r"\bwhich (?:university|school|institution|company)(?:'s)?\b|\bhow many people\b|\b(?:reward )?model architecture\b|"
    r"\bappendix\b|\bsupplementary (?:material|materials|section)\b|\bfull text\b|\bpopulation size\b|"
    r"\bnumber of generations\b|\bactual (?:\w+ )?(?:questions|examples|items|prompts)\b|\bsample (?:questions|items)\b|"
    r"\bexample questions\b")
# words of a year range or a total, not topics ("from 2019 through 2020 combined")
_RANGE_WORDS = {"through", "combined", "inclusive", "together", "altogether", "overall", "total", "respectively",
                "both", "each", "between", "range", "period", "span"}
# capitalised words that are kinds of things, not names ("LLMs", "NLP", "RL", "GPU")
_GENERIC_CAPS = {"lm", "llm", "nlp", "rl", "mbrl", "vae", "gpu", "tpu", "cpu", "knn", "ai", "ml", "cnn", "rnn", "api",
                 "qa", "ood", "sgd", "gan", "gnn", "mdp", "pomdp", "v2", "v3", "sota", "lstm", "mlp", "kl", "rlhf"}
# a number standing on its own ("64.3%", "55 tasks", "$60", "1.4B"), not part of a name ("CIFAR100", "GPT-3.5")
_RESULT_NUMBER = re.compile(r"(?<![\w\-./])\$?\d+(?:[.,]\d+)*(?:\s?%|x\b|×|[kKmMbB]\b)?(?![\w\-])")
# everyday words that still name what a result is on ("mining diamonds", "medical questions")
_SCORED_ON = {"diamonds", "diamond", "mining", "chess", "go", "poker", "medical", "math", "translation", "summarization"}
_SCORE_WORDS = set("""
score scores scored accuracy result results performance perplexity win rate success return reach reaches reached get
gets got achieve achieves achieved obtain obtains benchmark benchmarks exact number figure top what's whats fid bleu
elo rouge do does did perform performs fare fares games game tasks task dataset datasets environments environment
""".split())
# "compared to a normal ensemble": a paper against its own baseline, not against another paper
_BASELINE = re.compile(r"\b(?:normal|standard|regular|vanilla|plain|baselines?|typical|ordinary|traditional|"
                       r"conventional|naive|usual|full|non-reversible|independent|separate|previous|earlier|prior|"
                       r"existing)\b")


def _generic_baseline(t: str) -> bool:
    """Compared with a generic baseline ("a normal ensemble"), not with other papers ("the earlier versions")."""
    return bool(_BASELINE.search(t)) and not _has(r"\bversions?\b|\bpapers?\b|\bworks?\b|\bones\b", t)


# picking one paper out of a list the previous answer gave: "the second one", "the atari one"
_SELECTION = re.compile(r"\bthe (?:first|second|third|fourth|fifth|last|latter|former|(?:[\w\-]+ ){0,2}[\w\-]+) one\b|"
                        r"\bthe latter\b|\bthe paper (?:he|she|they|the researcher) (?:wrote|did|published|co-?authored)\b|"
                        r"\bthe paper (?:with|about|on|where|that|which)\b|"
                        r"\bthe former\b|\bthat one\b|\bthe one (?:about|on|with|that|where|from|for)\b|"
                        r"\b(?:number|no\.?|#) ?\d\b")
# "anything else along those lines?", "what other optimizer papers are there?" after a one-paper answer
_MORE_LIKE_IT = re.compile(r"\bother\b.{0,40}\b(?:works?|papers?|research|methods?|approaches)\b|\banything else\b|"
                           r"\balong (?:those|these|the same|similar) lines\b|\bsimilar (?:papers|work|ones|methods)\b|"
                           r"\bmore (?:papers |work )?like (?:this|that|it)\b")
_PLURAL_REF = re.compile(r"\b(?:they|them|their|these|those|of them|of those|of these|the same)\b")
_COLLECTION_LEVEL = re.compile(
    r"\bpapers\b|\bpublications\b|\barticles\b|\bh[\s-]?index\b|\bcollection\b|\blisting\b|"
    r"\bprofile\b|\bco-?authors\b|\bcategor(?:y|ies)\b|\bresearcher\b")
_MULTI = re.compile(
    r"\bacross (?:the |these |all |his |different |several |many |multiple )?(?:papers|works|collection|research|"
    r"publications|studies|listing|methods|approaches)\b|\boverview\b|\bsurvey\b|\bliterature\b|\bthemes?\b|\btrends?\b|\bbody of (?:work|research)\b|"
    r"(?<!prior )(?<!previous )(?<!earlier )(?<!existing )\b(?:work|research|papers|publications|been done|been published|"
    r"published|studied) (?:on|about|regarding|related to|concerning|in the area of)\b|\bwhat has (?:been|the group|he|this group|the lab)\b|"
    r"\bwhat (?:work|research)\b|\b(?:in|from|among|of|across) (?:these|the|his|all the|all) (?:papers|works|publications)\b|"
    r"\bsummari[sz]e (?:the |his |all )?(?:research|work|papers|publications|contributions)\b|"
    r"\bwhich (?:papers|works|ones|of the papers|of these|of them|of those|of his papers)\b|\bwhat papers\b|\bare there (?:any )?(?:papers|works)\b|"
    r"\bany (?:papers|work|works)\b|\bpapers (?:that|which)\b|\bis there (?:any )?(?:work|research)\b|"
    r"\bresearch (?:agenda|directions?|focus|areas?|interests?|topics?)\b|\bmain (?:areas?|topics?|themes?)\b|"
    r"\b(?:the|these|his|both|two|three) \w+ papers\b|\bin common\b|\brecurring\b|\bhas (?:he|the group) worked on\b|"
    r"\b(?:these|those|the|all the|several|multiple|different) (?:papers|works|methods|approaches)\b|"
    r"\banything(?: else)?(?: \w+){0,4}? (?:on|about|related to|regarding)\b|\bwhat(?:'s| has) been done\b|"
    r"\bwhat (?:have|has|did) (?:they|he|the group|the lab|the authors|this group|the team) (?:done|worked on|published)\b|"
    r"\b[\w\-]+ or [\w\-]+ (?:work|research|papers)\b|\bwhat (?:[\w\-]+ ){0,3}work is there\b|\bof their papers\b|"
    r"\bthe [\w\- ]{1,40} paper and the [\w\- ]{1,40} paper\b|\bwhat's in here\b|\bwhat is in here\b|\bwhat's there\b|\bwhat is there\b|\bwhat does the collection (?:say|have|contain)\b|"
    r"\bwhat (?:contributions|work|papers) (?:are there|exist)\b|"
    r"\bwhat (?:\w+ )?(?:datasets|benchmarks|tools|models|methods|algorithms) (?:have|did|has) (?:they|he|the group|the lab|the authors) "
    r"(?:\w+ )?(?:released|published|built|created|introduced|proposed|made)\b|"
    r"\b(?!papers\b)\w+s in (?:the|this) (?:collection|listing)\b|\bare (?:there )?in (?:the|this) (?:collection|listing)\b|\w\s*[\-–—:,]\s*(?:anything|any papers|any work)\s*\??\s*$|\bwhat(?:'s| is) available\b|\btheir (?:take|view|views|perspective|work) on\b")
_TITLE_RUN_RE = re.compile(
    r"(?<![\w'.\-])((?:[A-Z][\w\-']*|\d[\w\-]*)(?:,?\s+(?:(?:of|for|with|and|to|in|on|the|a|an|is|are|all|you|from|"
    r"by|via|at|as|be|do|need|really)\s+)*(?:[A-Z][\w\-']*|\d[\w\-]*))+(?::\s+[A-Z][^?.!]*)?)")
_LEADING_VERBS = {"summarize", "summarise", "explain", "describe", "compare", "tell", "list", "show", "give",
                  "which", "what", "how", "who", "why", "when", "where", "does", "did", "is", "are", "can",
                  "could", "would", "please", "and", "or", "discuss", "review", "outline", "define", "there's", "theres",
                  "here's", "i", "i'm", "im", "my", "we", "there", "so", "ok", "okay", "hey", "hi", "what's", "whats",
                  "who's", "how's", "where's", "which's"}
_GERMAN = re.compile(r"\b(?:der|die|das|und|ist|sind|welche[rsnm]?|wie|uber|gibt|nicht|eine?[rnms]?|dem|den|hat|haben|"
                     r"wurde|wurden|von|zum|zur|mit)\b")
_CONNECTORS = {"of", "for", "with", "and", "to", "in", "on", "the", "a", "an", "is", "are", "was", "were", "all",
               "by", "via", "at", "as", "be", "do", "does", "did", "from"}
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?\s*(?:%|x\b|×|percent)|\$\s?\d|(?<![\w.])\d+\.\d+\b|\b\d+(?:k|m|b)\b")
_PAPER_ASPECTS = (r"\b(?:contributions?|limitations?|results?|scores?|accuracy|methods?|approach|idea|findings?|"
                  r"conclusions?|authors?|benchmark|dataset|architecture|model|algorithm|paper|article|abstract|"
                  r"main|key|novelty|performance|baseline|experiments?|evaluation|proposal|title)\b")
_AUTHOR_TOPIC = re.compile(
    r"\btopics?\b|\bthemes?\b|\bwork(?:s|ed)? on\b(?!\s*\W*$)|\bresearch\b|\bcontribut\w*|\bsummari[sz]e\b|\boverview\b|"
    r"\bfocus\w*\b|\bareas?\b|\bwhat (?:are|were) .{0,30} about\b|\bideas?\b|\bstud(?:y|ies|ied)\b")
_FUNCTION_WORDS = sorted(set("""
which what who whom whose when where why how many much does did have has were was are papers paper about compare
published publish citations cited authors author wrote written collection listing code category categories year years
summarize summarise overview between since before after most recent latest oldest earliest first explain describe
tell their there these those this that with from into using research work works study studies studied methods method
approach approaches difference different differ versus against better results result score accuracy number count
total list show give please could would should papers' co-author co-authors h-index
""".split()))
_ROMANCE = re.compile(r"(?<![\w'])(?:hangisi|hangi|nedir|makale\w*|mi|mu|misin|el|los|las|del|por|para|sobre|que|cual|cuales|articulos?|tambien|esta|son|les|des|du|"
                      r"est|sont|quels?|quelles?|sur|dans|avec|pour|qu'|l'|d'|gli|della|sono|quali|quais|nao|sao|dos|"
                      r"das|una?|une|il|lo|di|de|ca|avez|hay|tiene|tienen|fait|ont|cuant[oa]s?|su|sus|logro|y)(?![\w'])")
_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
           "dec", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}


def _own(entities: list[tuple[str, _Entity]]) -> tuple[list[tuple[str, _Entity]], set[int]]:
    """The collection's own names among the entities found (one per key), and the papers they name."""
    own = list({k: (k, e) for k, e in entities if e.own}.values())
    return own, set().union(*[e.papers for _, e in own]) if own else set()


def _paper_fact(t: str) -> bool:
    """One paper's date, code flag, category or affiliation: fields of the listing, not of the abstract."""
    return bool(PAPER_FACT.search(t)) and not COLLECTION_WIDE.search(t)


def _is_foreign(question: str) -> bool:
    """Not English: German/Romance function words or CJK script (rough, for deciding which cues to trust)."""
    folded = _fold(question)
    return bool(_GERMAN.search(folded) or _ROMANCE.search(folded) or
                re.search(r"[\u0370-\u03ff\u0400-\u04ff\u0600-\u06ff\u0900-\u097f\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]",
                          question))


def _definition_raw(question: str, n_words: int) -> str:
    """The subject of "what is X?" as written (to tell a name from a lower-case concept)."""
    match = re.match(r"\s*(?:what(?:'s| is| are| was)|explain|define|describe|tell me about|what do you know about)\s+"
                     r"(?:the\s+|a\s+|an\s+)?(.*)$", question, re.IGNORECASE)
    if match:
        return match.group(1)
    # other wordings and languages: the subject ends the question ("Mi spieghi come funziona la backpropagation?")
    words = re.sub(r"\s+work\W*$", "", question.strip(), flags=re.IGNORECASE).split()
    return " ".join(words[-n_words:]) if n_words else question


def _leading_stripped(span: str) -> str:
    words = span.split()
    while words and (words[0].lower() in _LEADING_VERBS or words[0].lower() in _CONNECTORS):
        words = words[1:]
    return " ".join(words)


def _trailing_name(span: str) -> str:
    """The name at the end of a span: "what does the Layer Normalization" -> "Layer Normalization"."""
    words = span.split()
    tail: list[str] = []
    for word in reversed(words):
        if word.lower().strip(",.;:") in _STOP or word.lower() in _LEADING_VERBS:
            break
        tail.insert(0, word)
    return " ".join(tail)


_DEFINITION = re.compile(
    r"^(?:(?:explain )?how does(?: work)?(?= the )|what(?:'s| is| are| was)|who(?:'s| is| was)|explain|define|describe|"
    r"tell me about|what does .{1,40} mean|how does|what do you know about)\s+(?:the\s+|a\s+|an\s+)?(.{1,60}?)(?:\s+work)?\s*[?.!]*$")
_GENERIC_MODIFIERS = set("""
first second third last latest newest oldest earliest recent previous above same other original best main
this that your his their its my next final new old famous seminal original cited most least one two
based driven style like powered guided inspired
""".split())


def _word_count(text: str) -> int:
    return len(_WORD_RE.findall(text)) + len(re.findall(r"[\u3040-\u30ff\u4e00-\u9fff]", text)) // 2


def _content_tokens(tokens: list[str], collection: _Collection) -> list[str]:
    out = []
    for token in tokens:
        if token in _STOP or token.isdigit() or token in collection.author_tokens or len(token) <= 2:
            continue
        if token.lower() in {c.lower() for c in collection.categories}:
            continue
        out.append(token)
    return out
