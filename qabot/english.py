"""English questions, read as the Chinese the question analysis understands.

A foreign resident asks "How many mu of spring wheat did Beichen district plant?". Rather
than a second analysis for English, the question is *rewritten*: question words become the
Chinese cue of the same answer type (how many → 多少), units the documents' units
(mu → 亩), districts by pinyin their Chinese names (Beichen → 北辰区), roles the documents'
titles (party secretary → 区委书记), and other content words the words of the corpus that
CC-CEDICT glosses with them (wheat → 小麦) — "北辰区 多少亩 春 小麦 种植". Every later step
(answer type, unit, focus, BM25, the refusal's coverage) then works as for Chinese; the dense
search still sees the English words, which the multilingual embedder reads.

The table of cues, units, roles and stop words is data (``data/english.toml``); the
dictionary is CC-CEDICT (:mod:`qabot.cedict`).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from functools import cache, cached_property
from typing import Any

from pypinyin import lazy_pinyin

from qabot.cedict import (
    base_forms,
    english_table,
    lemma_table,
    modifier_forms,
    phrase_forms,
    senses,
    stop_words,
)
from qabot.districts import short_form
from qabot.lexical import frequency
from qabot.lexicon import lexicon
from qabot.places import counties
from qabot.textnorm import HAN, is_code
from qabot.units import counts_in

# a code of letters and digits (5g, pm2.5), a word, a number
_CODE = re.compile(r"\d+[a-z]+|[a-z]+\d[\d.]*")
_ASKING = lexicon().asking  # the Chinese question words
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)")
_WORD = re.compile(rf"(?:{_CODE.pattern})\b|[a-z]+(?:-[a-z]+)*|\d[\d,.]*%?|[\u3400-\u9fff]+")
_PARTS = re.compile(r"[a-z]+|\d[\d.]*")
_YEAR = re.compile(r"(?:19|20)\d{2}")
_POSSESSIVE = re.compile(r"(?<=[a-z])['’]s\b")
MAX_TERM = 4  # words a phrase of the table may have (chinese academy of sciences)
# after one of these, "when", "who", "where"… open a clause (Which fields does Dongli focus on
# when bringing in firms? How does Beichen help people who come to work there?): they ask
# nothing unless "and"/"or" joins them as a second question (How many toilets, and where?)
_WH = frozenset({"what", "which", "who", "whom", "whose", "how", "where", "why", "when"})
_RELATIVE = frozenset({"when", "who", "whom", "whose", "where"})
# When Dongli rechecks the problems, what else does it watch out for? — a clause first, the
# question after its comma
_CLAUSE_FIRST = re.compile(
    r"\s*(?:when|where)\b[^,，?？]+[,，]\s*(?:what|which|who|whom|whose|how|where|why|does|do"
    r"|did|is|are|was|were|will|can|has|have)\b",
    re.IGNORECASE,
)
_PLACE_ENDS = ("区", "县", "市", "旗")  # a district's name, not a person's
_PLACE_WORDS = frozenset({"district", "county", "city", "new", "area", "qu", "xian"})
MIN_SPELLED = 5  # letters of a word read as the pinyin of a corpus word (not "xin", "hang")
_HAN = re.compile(f"[{HAN}]+")
_PLACE_SUFFIXES = (*_PLACE_ENDS, "镇")  # written without them (广州 of 广州市)
CONTEXT_PLACE = 4  # senses after the fifth of an entry are not preferred for being used


@cache
def _counties() -> dict[str, str]:
    """China's county-level names by pinyin without their suffix (hongqiao → 红桥区), for
    names of five letters or more that are not English words of the question frame."""
    table: dict[str, str] = {}
    for name in counties():
        short = re.sub(r"(?:新区|自治县|区|县|市|旗)$", "", name)
        if len(short) >= 2:
            form = "".join(lazy_pinyin(short)).lower()
            if len(form) >= 5 and form not in stop_words():
                table.setdefault(form, name)
    return table


def _asks_one(words: list[str], i: int, table: dict[str, Any]) -> bool:
    """Which company is … asks for one (哪个: the sentence that names it), which industries
    are … for several (哪些: a list); a "which" phrase of the cues (which year) is neither.
    The noun asked about is the word before the question's verb (is, does, did…)."""
    if words[i] != "which" or " ".join(words[i : i + 2]) in table["cues"]:
        return False
    openers = table["yes_no_openers"]
    verb = next((j for j in range(i + 2, min(i + 7, len(words))) if words[j] in openers), None)
    noun = words[verb - 1] if verb is not None else ""
    return noun.isalpha() and (not noun.endswith("s") or noun.endswith("ss"))


def _unit_to_cue(out: list[str], units: frozenset[str]) -> None:
    """How big is Jinhaihu in square kilometres: the unit a size is asked in is what the number
    is counted in, as Chinese writes it after its question word (多少平方公里), not a topic.
    (Not after how many: 100 million yuan of how many firms with over 100 million yuan
    business income is no unit asked.)"""
    if "多大" not in out:
        return
    cue = out.index("多大")
    unit = next((i for i in range(cue + 1, len(out)) if out[i] in units), None)
    if unit is not None:
        out[cue] = "多少" + out.pop(unit)


def _uncounted(out: list[str], units: frozenset[str]) -> None:
    """A unit with its classifier (villages → 个村, for how many villages → 多少个村) after no
    number or count is the thing itself: its suburban farms and villages → 村, not 个村."""
    for at, word in enumerate(out):
        if word in units and word.startswith("个"):
            before = next((w for w in reversed(out[:at]) if w), "")
            if not (before.startswith(("多少", "几")) or before[-1:].isdigit()):
                out[at] = word[1:]


def _asks_amount(words: list[str], nouns: list[str], amounts: list[str]) -> bool:
    """What is the population / the unemployment rate of …, what growth does …: a number is
    asked (not "what is Baodi doing to attract investment")."""
    if words[:1] == ["what"] and words[1:2] and words[1] in amounts:
        return True
    opens = words[:2] in (["what", "is"], ["what", "was"], ["what", "the"])  # what's → what
    return opens and "doing" not in words and any(w in nouns for w in words[2:7])


@cache
def _term_words() -> frozenset[str]:
    """The words of the table's terms (left-behind of "left-behind child")."""
    return frozenset(word for term in english_table()["terms"] for word in term.split())


class EnglishReader:
    """Rewrites English questions for one index: ``known`` says which of some words the
    corpus uses (all at once: a remote store answers in one round trip), ``idf`` how rare
    one is there (a common corpus word is the likelier rendering), ``districts`` maps
    lower-case pinyin to Chinese (beichen, jinhaihu) and ``people`` gives the people the
    documents name, read on the first English question (冯卫华 as "feng weihua", and 李鸿忠, whom
    they title, as "li hongzhong"); ``words``, the corpus words, read on the first English
    word that only their pinyin can render (Lixinzhuang → 李辛庄)."""

    def __init__(
        self,
        known: Callable[[Iterable[str]], set[str]],
        idf: Callable[[str], float],
        districts: dict[str, str],
        people: Callable[[], Iterable[str]] = tuple,
        words: Callable[[], Iterable[str]] = tuple,
    ) -> None:
        self.known, self.idf, self._districts = known, idf, districts
        self._people, self._words = people, words

    @cached_property
    def names(self) -> dict[str, str]:
        """Districts and people by pinyin (冯卫华: "feng weihua")."""
        names = dict(self._districts)
        for name in self._people():
            syllables = lazy_pinyin(name)
            names[f"{syllables[0]} {''.join(syllables[1:])}".lower()] = name
        return names

    @cached_property
    def spelled(self) -> dict[str, str]:
        """The corpus words of two characters or more by their pinyin, the most used of
        those that sound alike (xiaozhan → 小站; guangzhou → 广州, from 广州市: a place
        is written without its 市, 区, 县 or 镇); the engine passes the names the corpus quotes
        too (mibaotang → 密宝唐, which the tokenizer cuts)."""
        used = Counter(w for w in self._words() if len(w) >= 2 and _HAN.fullmatch(w))
        table: dict[str, str] = {}
        for word, _ in used.most_common():
            stem = word[:-1] if len(word) > 2 and word.endswith(_PLACE_SUFFIXES) else word
            for form in dict.fromkeys((word, stem)):
                table.setdefault("".join(lazy_pinyin(form)), form)
        return table

    def warm(self) -> None:
        """Read CC-CEDICT, the county names and the corpus words by their halves now (about
        2.5 s), not on the first English question."""
        senses()
        lemma_table("en")
        _counties()
        _ = self._by_head, self.names  # cached properties: built here, once

    def to_chinese(self, question: str, context: str = "") -> str:
        """The question with every English phrase it can render rewritten in Chinese (words
        it cannot render are kept, so they still count as asked); a yes/no question ends in 吗.
        ``context``: the text of the passages a first search found; of a phrase's renderings,
        one those passages use is taken first (idle → 闲置, not 空置)."""
        table = english_table()
        words = [
            part
            for said in _WORD.findall(_POSSESSIVE.sub("", question.lower()))
            for word in table["spoken"].get(said, said).split()  # whats → what, doesnt → does not
            for part in self._compound(word)
        ]
        # a county by pinyin only when written as a name (Hongqiao, not minsheng shishi); in
        # a question naming a district of the index, only as a place (Haidian District): the
        # Xiangshui town, Binjiang Group or Xinghe mall of Jinhaihu, Heping, Beichen is no county
        names = {w.lower() for w in re.findall(r"\b[A-Z][a-z]+", question)}
        in_index = any(self.names.get(word, "").endswith(_PLACE_ENDS) for word in words)
        out: list[str] = []
        counts: list[int] = []  # where a "how many" was rendered
        i = 0
        while i < len(words):
            if _asks_one(words, i, table):
                out.append("哪个")
                i += 1
                continue
            # a relative word after a question's own (…the village where…), or in a yes/no
            # question (Does Heping… when serving businesses?): a clause's, asking nothing
            if (
                words[i] in _RELATIVE
                and words[i - 1] not in ("and", "or")
                and (_WH.intersection(words[:i]) or words[0] in table["yes_no_openers"])
            ) or (i == 0 and _CLAUSE_FIRST.match(question)):
                i += 1
                continue
            if words[i] == "where" and set(table["rank_words"]).intersection(words[i + 1 :]):
                out.append("第几")  # where does Dongli rank: a place in an order, not a place
                i += 1
                continue
            for n in range(min(MAX_TERM, len(words) - i), 0, -1):
                phrase = " ".join(words[i : i + n])
                place = not in_index or bool(_PLACE_WORDS.intersection(words[i + n : i + n + 1]))
                rendered = self._render(phrase, table, names if place else set(), context)
                if rendered is None and n == 2:
                    rendered = self._joined(words[i], words[i + 1], table, context)
                if rendered is not None:
                    if phrase in table["count_cues"]:
                        counts.append(len(out))
                    out.append(rendered)
                    i += n
                    break
            else:
                i += 1
        units = frozenset(table["units"].values())
        _unit_to_cue(out, units)
        _uncounted(out, units)
        # how many actions: 多少个 行动, a count (多少 亩, 多少 户: the unit says; how many
        # investment teams: 投资 names no unit, as it would before 多少)
        for at in counts:
            after = next((w for w in out[at + 1 :] if w), "")
            if after not in units and not counts_in(after):
                out[at] += "个"
        text = " ".join(w for w in out if w)
        if words and words[0] in table["yes_no_openers"]:
            text += "吗"
        elif _asks_amount(words, table["quantity_nouns"], table["amount_nouns"]):
            text = f"多少 {text}"
        return text

    def _compound(self, word: str) -> list[str]:
        """A hyphenated word as one word when CC-CEDICT renders it, written so or joined, in
        a corpus word (night-time → nighttime → 夜间: read as two words, its "time" made the
        question ask when) or a word of a term of the table (city-wide → 全市: its parts
        made "which city-wide …" ask which city; left-behind children → 留守儿童, not 余力 后
        子女); else its parts. A code (5G, PM2.5, 5A) is kept as the corpus
        writes codes, in capitals, whether it writes this one or not (one it does not is a
        thing the answer must name: :func:`qabot.textnorm.named_codes`); an amount with its
        unit (20km, 6550mu) or an ordinal (2nd) is its number and its word apart."""
        if _ORDINAL.fullmatch(word) and word in _term_words():  # of the 14th five-year plan
            return [word]
        if _CODE.fullmatch(word):
            return [word.upper()] if is_code(word) else _PARTS.findall(word)
        if "-" not in word or word in _term_words():  # city-wide: 全市, not which city
            return [word]
        for form in (word, word.replace("-", "")):
            if self.known(entry[0] for entry in senses().get(form, ())):
                return [form]
        joined = word.replace("-", "")
        # Mi-Bao-Tang: a name the corpus writes (“密宝唐”), spelled syllable by syllable
        return [joined] if joined in self.spelled else word.split("-")

    def _render(
        self, phrase: str, table: dict[str, Any], names: set[str], context: str
    ) -> str | None:
        """The Chinese of one phrase: ``""`` for a stop word, ``None`` when it has none."""
        for section in ("cues", "units", "roles"):
            if phrase in table[section]:
                return str(table[section][phrase])
        term = next((t for t in phrase_forms(phrase, first=True) if t in table["terms"]), None)
        if term is not None:
            return str(table["terms"][term])
        if phrase in self.names:
            return self.names[phrase]
        if phrase in names and phrase in _counties():  # Hongqiao: outside the corpus
            return _counties()[phrase]
        if " " not in phrase:
            if phrase in stop_words():
                return ""
            if not phrase[0].isalpha():  # a number, 7%; a year as the documents write it
                return f"{phrase}年" if _YEAR.fullmatch(phrase) else phrase
        glossed = self._gloss(phrase, context)
        if glossed == phrase and len(phrase) >= MIN_SPELLED and phrase.isalpha():
            # no corpus word means it: a name the documents use, written in pinyin
            return self.spelled.get(phrase, phrase)
        return glossed

    @cached_property
    def _by_head(self) -> dict[str, dict[str, str]]:
        """The corpus words of two to four Chinese characters by each way of cutting them in
        two: 新能源 is under 新 (rest 能源) and under 新能 (rest 源)."""
        table: dict[str, dict[str, str]] = defaultdict(dict)
        for word in set(self._words()):
            if 2 <= len(word) <= 4 and _HAN.fullmatch(word):
                for cut in range(1, len(word)):
                    table[word[:cut]][word[cut:]] = word
        return table

    def _joined(self, first: str, second: str, table: dict[str, Any], context: str) -> str | None:
        """Two neighbouring words as the one word made of a sense of each that the passages a
        first search found use (new energy → 新能源, ecological environment → 生态环境):
        Chinese writes such a pair as one word, CC-CEDICT has no entry for most of them, and
        word by word they go astray (new → 新, energy → 活力). Only a word of the ``context``
        (measured on the set's English questions: any corpus word took 新区 of "Jinhaihu New
        District" and 主动力 of "primary driving force"); of several, the one made of the two
        words' main senses, then the commoner."""
        pair = (first, second)
        if not all(w.isalpha() for w in pair) or set(pair) <= stop_words():
            return None
        if named := self._named_place(first, second, context):
            return named
        asks = (table["cues"], table["units"], table["roles"], self.names)
        if any(w in part for part in asks for w in pair):
            return None
        tails: dict[str, tuple[int, int]] = {}
        for form in base_forms(second):
            for word, rank, place in senses().get(form, ()):
                tails.setdefault(word, (rank, place))
        found = [
            (rank + tails[tail][0], place + tails[tail][1], self.idf(word), word)
            for form in modifier_forms(first)
            for head, rank, place in senses().get(form, ())
            for tail, word in self._by_head.get(head, {}).items()
            if tail in tails and word in context
        ]
        return min(found)[-1] if found else None

    def _named_place(self, name: str, kind: str, context: str) -> str | None:
        """A district's name and the word after it as the one place the passages write so
        (Dongli Lake → 东丽湖, Beichen Hospital → 北辰医院; word by word 东丽区 湖 named a lake
        nowhere)."""
        stem = self.names.get(name, "")
        if not stem.endswith(_PLACE_ENDS):  # a person, or no name
            return None
        stem = short_form(stem) or stem
        readings = (word for form in base_forms(kind) for word, _, _ in senses().get(form, ()))
        return next((stem + word for word in readings if stem + word in context), None)

    def _gloss(self, phrase: str, context: str = "") -> str | None:
        """The corpus word CC-CEDICT gives for ``phrase``: one the ``context`` uses first
        (measured: it answers more English questions than an exact sense first), then an exact
        sense, then the most common in the corpus; a one-word phrase with no rendering stays
        as it is."""

        def key(
            found: tuple[tuple[str, int, int], int],
        ) -> tuple[bool, int, int, int, float, int, int, int]:
            (word, rank, place), form = found
            # 共 is in every passage; a sense far down its entry is a minor meaning of the
            # word (总体's "population (statistics)"), not what the passages mean by it
            unused = len(word) < 2 or word not in context or place > CONTEXT_PLACE
            # of all the forms of the word, a sense the passages use (fields → 领域 of field,
            # not 田园 of fields); of none, the word as written before its other forms
            # of two equal senses, the commoner in Chinese at large (index: 指数, not 引得)
            common = -frequency(word)
            return (
                unused,
                form if unused else 0,
                rank,
                place,
                self.idf(word),
                -len(word),
                common,
                form,
            )

        # a content word never renders as a question word (past → 几年 would ask how long)
        entries = [
            (entry, n)
            for n, form in enumerate(phrase_forms(phrase))
            for entry in senses().get(form, ())
            if not _ASKING.search(entry[0])
        ]
        used = self.known(entry[0] for entry, _ in entries)
        found = [(entry, n) for entry, n in entries if entry[0] in used]
        if found:
            return min(found, key=lambda f: (key(f), f[0][0]))[0][0]
        return phrase if " " not in phrase else None
