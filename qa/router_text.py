"""The offline router's reading of text: folding, stemming, the language glossary, typo correction."""
from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter, defaultdict




# ---------------------------------------------------------------------------
# Text normalisation and the multilingual glossary
# ---------------------------------------------------------------------------

# letters NFKD does not split into a base letter and an accent
_UNDECOMPOSED = str.maketrans({"ı": "i", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O"})


def _fold(text: str) -> str:
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


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word


def _norm(text: str) -> str:
    """Folded, punctuation to spaces: the form used to match names and phrases."""
    text = re.sub(r"[^\w\s]|_", " ", _fold(text))
    return re.sub(r"\s+", " ", text).strip()


_WORD_RE = re.compile(r"[^\W_]+")

# Common question words of other languages -> English, so that the English rules and the
# English-centric embedder see familiar words. Applied to folded (lower-case, accent-free)
# text; longer phrases first. CJK entries are plain substrings.
_GLOSSARY_WORDS: list[tuple[str, str]] = [
    # French
    (r"combien d'?(?:e )?(?:articles?|papiers?|publications?|travaux)", "how many papers"),
    (r"combien", "how many"),
    (r"qu'est[- ]ce qu'?(?:e|il)?", "what is"), (r"c'est quoi", "what is"),
    (r"quel(?:le)?s? (?:est|sont)", "what is"), (r"quel(?:le)?s?", "which"),
    (r"que (?:fait|propose|proposent)", "what does propose"),
    (r"qui a (?:ecrit|redige|publie)", "who wrote"), (r"qui", "who"),
    (r"articles|papiers", "papers"), (r"article|papier", "paper"),
    (r"resum(?:e|ez|er)", "summarize"), (r"compar(?:e|ez|er)", "compare"),
    (r"publie(?:e)?s?", "published"), (r"depuis", "since"), (r"apres", "after"), (r"avant", "before"),
    (r"annees?", "year"), (r"(?:les? )?plus recents?", "most recent"), (r"(?:les? )?plus ancien(?:ne)?s?", "oldest"),
    (r"co-?auteurs?", "co-author"), (r"auteurs?", "authors"), (r"travaux", "works"), (r"recherches?", "research"),
    (r"poeme", "poem"), (r"ecri(?:s|vez|re)", "write"), (r"blague", "joke"), (r"meteo", "weather"),
    (r"capitale", "capital"), (r"habite", "lives"), (r"sur", "about"), (r"entre", "between"),
    (r"en quoi", "how"), (r"est-ce|est ce", "is it"), (r"comment", "how"), (r"pourquoi", "why"), (r"portent", "are"), (r"autres", "other"),
    (r"l'apprentissage par renforcement|apprentissage par renforcement", "reinforcement learning"),
    (r"modeles? de langage", "language models"), (r"modeles? du monde", "world models"),
    (r"reseaux? de neurones", "neural networks"), (r"disponible", "available"),
    (r"parle[sz]?[- ]moi (?:du|de la|des|de|d')", "tell me about the"), (r"jeux? de donnees", "dataset"),
    (r"donnees", "data"), (r"et", "and"), (r"ils|elles", "they"), (r"leurs?", "their"), (r"taille", "size"), (r"modeles?", "model"),
    (r"cout(?:e|ent)?|coute", "cost"), (r"quelle", "which"),
    # Spanish / Portuguese / Italian
    (r"cuant[oa]s (?:articulos|papers|trabajos|publicaciones)", "how many papers"),
    (r"quant[oa]s (?:artigos|trabalhos|publicacoes)", "how many papers"),
    (r"quant[ie] (?:articoli|lavori)", "how many papers"),
    (r"cuant[oa]s|quant[oa]s|quant[ie]", "how many"),
    (r"que es|o que e|cos'? ?e|che cos'? ?e", "what is"), (r"que (?:hace|propone)", "what does propose"),
    (r"cuales?|quais|quali", "which"), (r"quien(?:es)? (?:escribio|escribieron)", "who wrote"), (r"quien(?:es)?", "who"),
    (r"articulos|artigos|articoli|trabajos|publicaciones", "papers"), (r"articulo|artigo|articolo|trabajo|publicacion", "paper"),
    (r"resum(?:e|ir|en|eme)", "summarize"), (r"compar(?:a|ar)", "compare"),
    (r"publicad[oa]s?|publicaron|publico", "published"), (r"desde", "since"),
    (r"despues de", "after"), (r"antes de", "before"), (r"anos?", "year"),
    (r"mas recientes?", "most recent"), (r"mas antiguos?", "oldest"), (r"codigo", "code"),
    (r"otros|otras|outros|outras|altri|altre", "other"), (r"ideia|idea", "idea"), (r"por tras de|por tras", "behind"),
    (r"redes neurais|redes neuronales|reti neurali", "neural networks"), (r"respeitam|respetan|rispettano", "respect"),
    (r"desigualdade triangular|desigualdad triangular", "triangle inequality"), (r"el primer|o primeiro|il primo", "the first"),
    (r"algoritmo", "algorithm"), (r"conseguir|obtener|obter", "get"), (r"diamantes|diamanti", "diamonds"),
    (r"desde cero|do zero|da zero", "from scratch"), (r"sin datos humanos|sem dados humanos|senza dati umani", "without human data"),
    (r"dovrei usarlo|deberia usarlo|devo usa-lo", "should i use it"), (r"diagnosticare|diagnosticar", "diagnose"),
    (r"dolore|dolor|dor", "pain"), (r"il mio|mi|meu", "my"), (r"petto|pecho|peito", "chest"), (r"in che anno|in welchem jahr|en quelle annee|em que ano", "in which year"), (r"en que fecha|en quelle date|in welchem datum", "on what date"),
    (r"fecha", "date"), (r"se publico", "was published"), (r"categoria|categorie|categorias", "category"),
    (r"nella|nel|na|en la", "in the"), (r"tamano de(?:l)? (?:batch|lote)", "batch size"),
    (r"ktore prace|jakie prace|ktore artykuly", "which papers"), (r"dotycza|dotyczy", "are about"), (r"bez", "without"),
    (r"nagrod|nagrody", "rewards"), (r"agentow", "agents"), (r"uczenia|uczenie", "learning"), (r"zewnetrznych", "external"), (r"salio|saiu|e uscito", "came out"), (r"parametros|parametri", "parameters"),
    (r"en (?:que|cual) anos?", "in which year"), (r"(?:se )?publicaron mas", "most were published"),
    (r"jake prace|ktere prace|jake clanky|ktere clanky", "which papers"), (r"zabyvaji|zabyva", "deal with"),
    (r"vice cili", "multiple goals"), (r"nebo", "or"), (r"agenty", "agents"),
    (r"no artigo|en el articulo|nell'articolo|nell' articolo|dans l' article|dans l'article", "in the paper"),
    (r"tasa de aprendizaje|tasso di apprendimento|taxa de aprendizado|taux d' ?apprentissage|lernrate|скорость обучения",
     "learning rate"), (r"tecnicas?|tecniche", "techniques"), (r"usa|utiliza|usan|utilizza", "uses"), (r"aprendizaje|apprendimento", "learning"),
    (r"estables?|stabile", "stable"), (r"dominios|domini", "domains"), (r"todos|todas|tutti", "all"),
    (r"coautor(?:es)?", "co-author"), (r"autor(?:es)?", "authors"), (r"sobre", "about"),
    (r"investigacion(?:es)?", "research"), (r"como", "how"), (r"poema", "poem"),
    (r"escrib(?:e|eme|ir)", "write"), (r"chiste", "joke"), (r"tratan", "are"),
    (r"aprendizaje por refuerzo", "reinforcement learning"), (r"modelos de lenguaje", "language models"),
    (r"redes neuronales", "neural networks"), (r"y", "and"), (r"ellos|ellas", "they"),
    (r"el sistema que|le systeme qui", "the system that"),
    (r"el (?:articulo|trabajo|paper) que|l'article qui|le papier qui", "the paper that"),
    (r"el metodo que|la methode qui", "the method that"), (r"el modelo que|le modele qui", "the model that"),
    (r"cuesta|costo|costó", "cost"), (r"tamano", "size"), (r"el|la|le|los|las|les", "the"),
    (r"alcanza(?:n|do)?|alcanzo|atteint", "reach"), (r"precision", "accuracy"), (r"se compara", "compare it"),
    (r"aprendio", "learned"), (r"indice h", "h-index"), (r"segun", "according to"), (r"perfil", "profile"),
    (r"sono stati|sono state", "were"), (r"dal", "since"), (r"in poi", "onwards"), (r"scrivi(?:mi)?|mi scrivi", "write"),
    (r"funzione", "function"), (r"ile", "how much"), (r"koszt\w*", "cost"), (r"wytrenowanie", "to train"), (r"que opinas|que piensas", "what do you think"), (r"futuro", "future"), (r"olvida(?:r)?|olvide", "forget"), (r"tus|tu", "your"),
    (r"instrucciones", "instructions"), (r"dime", "tell me"), (r"desses|destes|dessas|destas|di questi|de estos|de ces", "of those"),
    (r"foram", "were"), (r"em", "in"), (r"pagou|pago|pagaron|paye", "paid"),
    (r"mi spieghi|spiegami|spiega(?:mi)?|explicame|explique", "explain"),
    (r"come funziona|como funciona|comment fonctionne", "how does work"),
    # German
    (r"wie ?viele (?:paper|papers|arbeiten|artikel|veroffentlichungen|publikationen)", "how many papers"),
    (r"wie ?viele", "how many"), (r"wie ?viel", "how much"), (r"(?:ge)?kostet|kosten", "cost"),
    (r"rechenaufwand", "compute"), (r"und", "and"), (r"was (?:ist|sind)", "what is"), (r"was macht", "what does"),
    (r"welche[rsnm]? (?:paper|artikel) (?:sind|waren|haben|gibt es)", "which papers are"), (r"wann", "when"),
    (r"wer hat (?:das|es|die arbeit|das paper) geschrieben", "who wrote it"),
    (r"rezept\w*", "recipe"),
    (r"welche[rsnm]?", "which"), (r"arbeiten|veroffentlichungen|publikationen", "papers"),
    (r"davon", "of those"), (r"reihe", "series"), (r"versionen", "versions"), (r"drei", "three"),
    (r"entwickelt", "evolved"), (r"aus", "from"),
    (r"arbeit|artikel|veroffentlichung|publikation", "paper"),
    (r"zusammen(?:fassung|fassen)?|fasse", "summarize"), (r"vergleich(?:e|en)?", "compare"),
    (r"unterschied(?:e)?", "difference"), (r"wer hat", "who"), (r"wer", "who"), (r"geschrieben", "wrote"),
    (r"veroffentlicht", "published"), (r"seit", "since"), (r"nach", "after"), (r"vor", "before"),
    (r"jahr(?:e|en)?", "year"), (r"neueste[nrs]?", "most recent"), (r"alteste[nrs]?", "oldest"),
    (r"mitautor(?:en)?|koautor(?:en)?", "co-author"), (r"autor(?:en)?", "authors"), (r"uber", "about"),
    (r"forschung", "research"), (r"wie funktioniert", "how does work"), (r"wie", "how"),
    (r"gedicht", "poem"), (r"schreib(?:e)?", "write"), (r"witz", "joke"), (r"hauptstadt", "capital"),
    (r"wetter", "weather"), (r"zitationen|zitierungen|zitate", "citations"),
    (r"gibt es (?:ein|eine|einen) (?:paper|arbeit|artikel|veroffentlichung)", "is there a paper"), (r"gibt es", "are there"),
    (r"verstarkungslernen", "reinforcement learning"), (r"sprachmodell(?:e|en)?", "language models"),
    (r"ignoriere", "ignore"), (r"anweisungen", "instructions"), (r"vorherigen", "previous"),
    (r"wohnt", "lives"), (r"beschaftigen sich mit", "study"),
    (r"in der (?:studie|arbeit|veroffentlichung)|in dem (?:paper|artikel)|im (?:paper|artikel)", "in the paper"),
    (r"studie", "study"), (r"spiele", "games"), (r"agenten", "agents"), (r"ohne", "without"),
    (r"belohnung\w*", "reward"), (r"ziel(?:e|en)?", "goals"), (r"untersucht", "studied"), (r"zu", "on"),
    (r"schneller", "faster"), (r"fruhere[nm]?", "previous"), (r"methoden", "methods"), (r"im vergleich (?:zu|mit)", "compared to"), (r"normalen?", "normal"),
    (r"benutzt|verwendet", "used"), (r"mit", "with"), (r"es", "it"), (r"spart", "save"), (r"speicher", "memory"),
    # Dutch
    (r"hoeveel (?:artikelen|papers|publicaties|werken)", "how many papers"), (r"hoeveel", "how many"),
    (r"welke", "which"), (r"wat is het verschil tussen|wat zijn de verschillen tussen", "what is the difference between"),
    (r"verschil(?:len)?", "difference"), (r"tussen", "between"), (r"wat (?:is|zijn|doet)", "what is"), (r"artikelen|publicaties", "papers"),
    (r"publicatie", "paper"), (r"vergelijk(?:en)?", "compare"), (r"vat (?:samen)?|samenvatting", "summarize"),
    (r"gepubliceerd|verschenen", "published"), (r"sinds", "since"), (r"jaar", "year"),
    (r"nieuwste|meest recente", "most recent"), (r"oudste", "oldest"), (r"citaties|citaten", "citations"),
    (r"wie heeft", "who"), (r"versterkend leren", "reinforcement learning"), (r"taalmodell?en", "language models"),
    (r"negeer", "ignore"), (r"instructies", "instructions"), (r"grap(?:je)?", "joke"), (r"hoofdstad", "capital"),
    (r"zij", "they"), (r"ook", "also"),
    # Italian / Portuguese (beyond the shared Spanish words)
    (r"confronta(?:re)?", "compare"), (r"riassumi|resuma", "summarize"), (r"autori", "authors"),
    (r"dimensione del batch|tamanho do lote|tamano (?:de|del) lote", "batch size"), (r"addestrare|treinar|entrenar", "train"),
    (r"qual e", "what is"), (r"persone", "people"), (r"consorzio", "consortium"), (r"facevano parte", "were part"), (r"usat[oa]|usad[oa]", "used"),
    (r"pubblicat[oiae]", "published"), (r"anno|anni", "year"), (r"piu recent[ei]|mais recentes?", "most recent"),
    (r"piu vecch[io]|mais antig[oa]s?", "oldest"), (r"codice", "code"), (r"citazioni|citacoes", "citations"),
    (r"chi ha scritto|quem escreveu", "who wrote"), (r"apprendimento per rinforzo|aprendizado por reforco",
                                                     "reinforcement learning"),
    (r"modelli (?:linguistici|di linguaggio)|modelos de linguagem", "language models"),
    (r"istruzioni|instrucoes", "instructions"), (r"poesia", "poem"), (r"barzelletta|piada", "joke"),
    (r"che tempo fa", "weather"), (r"lavori", "works"), (r"riguardano", "are about"), (r"oggi|hoje", "today"),
    (r"mostrar|mostre|mostra(?:mi)?", "show"), (r"de sistema|do sistema|di sistema", "system"),
    # Indonesian
    (r"apa saja", "which"), (r"penelitian|makalah", "papers"), (r"tentang", "about"), (r"berapa", "how many"),
    (r"siapa", "who"), (r"skor", "score"), (r"terbaru", "most recent"), (r"tertua", "oldest"), (r"apa itu", "what is"),
    # Greek (not folded: lower case with accents)
    (r"ποιες|ποια|ποιος|ποιο", "which"), (r"εργασίες|άρθρα|δημοσιεύσεις", "papers"), (r"εργασία|άρθρο", "paper"),
    (r"πόσες|πόσα|πόσοι", "how many"), (r"τι είναι", "what is"), (r"ασχολούνται με", "are about"),
    # Turkish / Vietnamese (folded)
    (r"kac (?:makale|calisma|yayin)", "how many papers"), (r"kac", "how many"), (r"makaleler(?:i|de)?", "papers"),
    (r"makale(?:si|yi|de)?", "paper"), (r"en yeni", "most recent"), (r"en eski", "oldest"), (r"nedir", "what is"),
    (r"karsilastir\w*", "compare"), (r"yazar(?:lar)?(?:i|in)?", "authors"), (r"hangi", "which"),
    (r"gelecekte", "in the future"), (r"milloin", "when"), (r"julkaistiin", "was published"), (r"paperi", "paper"),
    (r"bir sonraki", "next"), (r"makalesi", "paper"), (r"ne hakkinda", "about what"), (r"olacak", "will be"),
    (r"trich dan", "cited"), (r"nhieu nhat", "most"), (r"nam toi", "next year"), (r"se duoc", "will be"), (r"makalah mana", "which paper"), (r"makalah", "paper"), (r"paling lama|tertua", "oldest"),
    (r"di koleksi ini", "in this collection"), (r"hvornar|nar", "when"), (r"blev|ble", "was"), (r"udgivet|publicerad|publisert", "published"),
    (r"care lucrari", "which papers"), (r"lucrari", "papers"), (r"din", "from"), (r"cod disponibil", "code available"),
    (r"ktory artykul", "which paper"), (r"powiazany z|powiazane z", "affiliated with"), (r"koleksiyondaki|koleksiyonda", "in the collection"), (r"hangisi", "which"),
    (r"yilina ait|yilinda", "from year"), (r"yapay zeka", "artificial intelligence"), (r"universite(?:si)?", "university"),
    (r"daha iyi", "better"),
    (r"bao nhieu bai(?: bao)?", "how many papers"), (r"bao nhieu", "how many"), (r"nhung bai bao nao|cac bai bao nao", "which papers"),
    (r"bai bao", "paper"), (r"lien quan (?:den|toi)", "related to"), (r"thiet ke", "design"), (r"hoac", "or"),
    (r"dieu khien", "control"), (r"fikra", "joke"), (r"anlatir misin|anlat", "tell me"),
    # Swedish
    (r"vilka artiklar", "which papers"), (r"vilken|vilka", "which"), (r"av dessa", "of these"), (r"artiklar", "papers"),
    (r"artikel|artikeln", "paper"), (r"kommer att", "will"), (r"citeringar", "citations"), (r"flest", "most"),
    (r"hur manga", "how many"),
    (r"moi nhat", "most recent"), (r"cu nhat", "oldest"), (r"la gi", "what is"), (r"so sanh", "compare"),
    # Russian
    (r"сколько (?:статей|работ|публикаций)", "how many papers"), (r"сколько", "how many"),
    (r"какие (?:статьи|работы|публикации)", "which papers"), (r"какая (?:статья|работа)", "which paper"),
    (r"какие|какая|какой|какую|каких", "which"), (r"что такое", "what is"), (r"что", "what"),
    (r"университет\w*", "university"), (r"размер батча", "batch size"), (r"при обучении", "in training"), (r"ресторан\w*", "restaurant"), (r"спасибо", "thanks"),
    (r"посоветовать|порекомендовать", "recommend"), (r"стать[яи] о", "the paper about"), (r"предлага\w*", "propose"),
    (r"планировани\w*", "planning"), (r"пиксел\w*", "pixels"), (r"обратной динамики", "inverse dynamics"),
    (r"модел(?:ей|и|ь)", "models"), (r"лучше", "better"), (r"в будущем", "in the future"),
    (r"статьи|статей|статьях|работы|работ|работах|публикации|публикаций", "papers"),
    (r"статья|статью|статье|работа|работу|работе|публикация", "paper"), (r"сравни(?:те)?|сравнение", "compare"),
    (r"кратко|резюмируй(?:те)?|обобщи(?:те)?", "summarize"), (r"соавтор(?:ы|ов|ами)?", "co-author"),
    (r"автор(?:ы|ов|ами)?", "authors"), (r"опубликован\w*|вышл[аио]|вышедш\w*", "published"),
    (r"после", "after"), (r"до", "before"), (r"год[ауе]?|лет", "year"), (r"последн\w*|новейш\w*|самая новая",
                                                                       "most recent"),
    (r"старейш\w*|самая старая|самая ранняя", "oldest"), (r"код(?:ом)?", "code"),
    (r"цитировани\w*|цитат\w*", "citations"), (r"о|об|про", "about"), (r"кто написал", "who wrote"),
    (r"кто", "who"), (r"и", "and"), (r"они|их", "they"), (r"эта статья|этой статье|этой статьи|эту статью",
                                                         "this paper"),
    (r"обучени[ея] с подкреплением", "reinforcement learning"), (r"языков\w* модел\w*", "language models"),
    (r"модел\w* мира", "world models"), (r"игнорируй(?:те)?", "ignore"), (r"инструкци\w*", "instructions"),
    (r"напиши(?:те)?", "write"), (r"стих\w*", "poem"), (r"шутк\w*|анекдот\w*", "joke"), (r"погод\w*", "weather"), (r"столиц\w*", "capital"),
    (r"как", "how"), (r"почему", "why"), (r"есть ли", "are there"),
]
_GLOSSARY_CJK: list[tuple[str, str]] = [
    ("どこで働", " where does work "), ("働いて", " works "), ("今", " now "), ("論文では", " in the paper "), ("ベンチマーク", " benchmark "), ("環境", " environments "), ("モデルベース", " model-based "),
    ("学習率", " learning rate "), ("学习率", " learning rate "), ("관련된 논문", " papers related to "), ("관련된", " related to "),
    ("इन पेपरों में", " in these papers "), ("पेपरों", " papers "), ("उपयोग", " use "), ("कहाँ", " where "),
    ("אילו מאמרים", " which papers "), ("עוסקים ב", " are about "), ("בטיחות", " safety "), ("מודלי שפה", " language models "),
    ("מאמרים", " papers "), ("מאמר", " paper "),
    ("논문에서", " in the paper "), ("활성화 메모리", " activation memory "), ("줄어드나요", " reduced "),
    ("किन पेपर्स में", " in which papers "), ("पेपर्स", " papers "), ("ανέκδοτο", " joke "), ("πες μου", " tell me "),
    ("논문이 있나요", " is there a paper "), ("있나요", " are there "), ("학습률", " learning rate "), ("에서", " in "),
    ("出身地", " hometown "), ("どこ", " where "), ("の違い", " difference "),
    ("違い", " difference "), ("क्या काम", " what work "), ("इस समूह ने", " this group "), (" पर ", " on "),
    ("を提案した論文をまとめて", " summarize the papers that proposed "), ("論文をまとめて", " summarize the papers "),
    ("まとめて", " summarize "), ("कौन से पेपर", " which papers "), ("चिकित्सा", " medicine "), ("शिक्षा", " education "),
    ("क्षेत्रों", " fields "), ("बड़े भाषा मॉडलों", " large language models "), ("पर हैं", " are about "), (" या ", " or "),
    ("सबसे अच्छा", " best "), ("कोर्स", " course "), ("सीखने", " learn "), ("भारत", " india "), ("कौन सा", " which "),
    ("それぞれの違い", " the differences between each of them "), ("それぞれ", " each of them "),
    ("を提案した論文", " the paper that proposed "), ("論文はどれ", " which papers "), ("它们", " they "), ("它", " it "),
    ("연구실", " lab "), ("예산", " budget "), ("몇 살", " how old "), ("나이", " age "), ("얼마", " how much "), ("나온", " published "),
    ("제안한 논문", "the paper that proposed"), ("소개한 논문", "the paper that introduced"),
    ("다룬 논문", "the paper about"),
    ("多少篇", "how many papers"), ("几篇", "how many papers"), ("多少", "how much"), ("那篇论文", "the paper that"), ("那篇", "the paper that"), ("几个", "how many"),
    ("什么是", "what is"), ("是什么", "what is"), ("介绍一下", "tell me about"), ("介绍", "tell me about"),
    ("哪些论文", "which papers"), ("这些论文", "these papers"), ("这些", "these"), ("工作", "work"),
    ("方法", "methods"), ("优化", "optimization"), ("哪些", "which"), ("哪篇论文", "which paper"), ("哪篇", "which paper"), ("这篇论文", "this paper"),
    ("这篇", "this paper"), ("该论文", "this paper"), ("h 指数", " h-index "), ("h指数", " h-index "), ("是多少", " what is "), ("哪些数据集", " which datasets "), ("数据集", " datasets "), ("实验", " experiments "), ("论文", "papers"), ("文章", "papers"),
    ("总结", "summarize"), ("概述", "overview"), ("综述", "overview"), ("比较", "compare"), ("对比", "compare"),
    ("区别", "difference"), ("谁写的", "who wrote"), ("作者", "authors"), ("合作者", "co-authors"),
    ("合著", "co-author"), ("发表", "published"), ("以来", "since"), ("之后", "after"), ("之前", "before"),
    ("最新", "most recent"), ("最早", "oldest"), ("代码", "code"), ("引用", "citations"),
    ("关于", "about"), ("研究", "research"), ("强化学习", "reinforcement learning"),
    ("语言模型", "language models"), ("世界模型", "world models"), ("诗", "poem"), ("笑话", "joke"),
    ("天气", "weather"), ("首都", "capital"), ("忽略", "ignore"), ("系统提示", "system prompt"),
    ("提示词", "prompt"), ("指令", "instructions"), ("住在", "lives in"), ("写", "write"),
    ("如何", "how"), ("怎么", "how"), ("为什么", "why"), ("年", " year "), ("有", " have "),
    ("パラメータ数", " number of parameters "), ("パラメータ", " parameters "), ("参数量", " number of parameters "),
    ("参数", " parameters "), ("トークナイザー", " tokenizer "), ("分词器", " tokenizer "), ("파라미터", " parameters "),
    ("매개변수", " parameters "),
    ("何本", "how many papers"), ("いくつ", "how many"), ("とは", "what is"), ("論文", "papers"),
    ("比較", "compare"), ("要約", "summarize"), ("コード", "code"),
    # Japanese (kanji shared with Chinese are above)
    ("どの論文", "which paper"), ("この論文", "this paper"), ("その論文", "the paper"), ("について", " about "),
    ("共著者", "co-authors"), ("著者", "authors"), ("以降", "since"), ("最も古い", "oldest"), ("強化学習", "reinforcement learning"),
    ("無視", "ignore"), ("指示", "instructions"), ("天気", "weather"), ("どれ", "which"), ("教えて", "tell me"),
    # Korean (particles attach to words, so plain substrings)
    ("몇 편", "how many papers"), ("몇편", "how many papers"), ("몇 개", "how many"), ("몇", "how many"),
    ("어떤 논문", "which papers"), ("어느 논문", "which paper"), ("이 논문", "this paper"), ("그 논문", "the paper"),
    ("논문", "papers"), ("무엇", "what is"), ("뭐야", "what is"), ("비교", "compare"), ("요약", "summarize"),
    ("공저자", "co-authors"), ("저자", "authors"), ("발표", "published"), ("출판", "published"), ("이후", "since"),
    ("최신", "most recent"), ("가장 오래된", "oldest"), ("코드", "code"), ("인용", "citations"),
    ("누가 썼", "who wrote"), ("강화학습", "reinforcement learning"), ("강화 학습", "reinforcement learning"),
    ("언어 모델", "language models"), ("세계 모델", "world models"), ("무시", "ignore"), ("지시", "instructions"),
    ("시스템 프롬프트", "system prompt"), ("농담", "joke"), ("날씨", "weather"), ("수도", "capital"),
    ("연구", "research"), ("관련", "related to"), ("어떤", "which"),
    # Arabic / Hindi
    ("ما الأوراق", " which papers "), ("التي", " that "), ("تستخدم", " use "), ("ما رأيك", " what do you think "),
    ("مستقبل", " future "), ("كم عدد", "how many"), ("كم", "how many"), ("أقدم", "oldest"), ("أحدث", "most recent"), ("ما هي", "what is"),
    ("ما هو", "what is"), ("من كتب", "who wrote"), ("قارن", "compare"), ("أوراق", "papers"), ("الأوراق", "papers"),
    ("ورقة", "paper"), ("بحث", "paper"), ("أبحاث", "papers"), ("القائمة", "listing"), ("كود", "code"),
    ("कितने पेपर", "how many papers"), ("कितने", "how many"), ("पेपर", "paper"), ("शोधपत्र", "paper"),
    ("सबसे नया", "most recent"), ("सबसे पुराना", "oldest"), ("क्या है", "what is"), ("तुलना", "compare"),
    ("किसने लिखा", "who wrote"), ("कोड", "code"),
    ("얼마나", "how much"),
    ("정확도", " accuracy "), ("분류", " classification "), ("게시판", " discussion board "), ("강의", " course "),
    ("질문", " questions "), ("답변", " answer "), ("시스템", " system "), ("얼마인가요", " how much "),
    ("누가", "who"), ("언제", " when "), ("발표됐", " published "), ("발표되었", " published "), ("いつ", " when "), ("처음", "first"), ("제안했", "proposed"), ("알고리즘", "algorithm"),
]
_GLOSSARY_RE = re.compile(
    r"(?<![\w'])(" + "|".join(f"(?:{pattern})" for pattern, _ in _GLOSSARY_WORDS) + r")(?![\w'])")
_GLOSSARY_COMPILED = [(re.compile(rf"(?<![\w']){pattern}(?![\w'])"), english) for pattern, english in _GLOSSARY_WORDS]


def _translate(text: str) -> str:
    """Folded text with common foreign question words replaced by English ones."""
    folded = _fold(text).lstrip("¿¡ ")  # "¿Y qué...?": the question starts at "y"
    # "WMDP 논문은": a name before the word for paper(s) is one paper (Korean and Japanese do not mark the plural)
    folded = re.sub(r"([a-z][a-z0-9\-]*)\)?\s*(?:논문|論文)(?=[은는이가을를의]|에서|は|が|を|の|では|\s|$)", r"\1 paper ", folded)
    if re.search("这篇|那篇|该论文|この論文|その論文", folded):  # one paper described at length: its 论文 is singular
        folded = re.sub("(?<=[\u4e00-\u9fff])的论文|的論文", " paper ", folded)
    for src, dst in _GLOSSARY_CJK:
        if src in folded:
            folded = folded.replace(src, f" {dst} ")

    def replace(match: re.Match) -> str:
        word = match.group(0)
        for pattern, english in _GLOSSARY_COMPILED:
            if pattern.fullmatch(word):
                return english
        return word

    folded = re.sub(r"(?<![\w'])([ldjmnst]|qu)'(?=\w)", r"\1' ", folded)  # French elision: l'optimisation
    folded = re.sub(r"(?<=[a-z0-9])(?=[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af])|"
                    r"(?<=[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af])(?=[a-z0-9])", " ", folded)
    folded = _GLOSSARY_RE.sub(replace, folded)
    return re.sub(r"\s+", " ", folded).strip()


def _has(pattern: str, text: str) -> bool:
    return re.search(pattern, text) is not None


# Words that carry no topic: question words, bibliographic vocabulary, stop words of
# several languages. Whatever remains in a counting/listing question is a topic.
_STOP = set("""
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



# ---------------------------------------------------------------------------
# Fuzzy lookup (character trigrams + difflib)
# ---------------------------------------------------------------------------

class _Fuzzy:
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
