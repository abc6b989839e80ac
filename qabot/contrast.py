"""A sentence that speaks of another thing than the one asked: the same words with a
contrasting member in place of the one asked (春小麦 for 冬小麦, 示范村 for 示范镇, 北京 for
上海), or another number in the same frame (第一产业园 for 第二, “和平20条” for “和平30条”).

Such a sentence shares almost every word with the question, so it ranks first and its value
looks like the answer; the documents do not speak of what was asked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from qabot.lexicon import lexicon
from qabot.paragraphs import number
from qabot.places import counties_instead
from qabot.textnorm import HAN, occurrences
from qabot.units import asked_unit

_CONTEXT = 2  # characters before a contrasting member that frame it
_NUMERAL = "0-9一二两三四五六七八九十百"
# figures of a whole district, and the words that say the whole (not a part: 贫困人口)
_WHOLE_FIGURES = ("人口", "面积")
_OF_WHOLE = ("总", "常住", "户籍", "区", "县", "市", "土地")  # 全区, 辖区 end in 区
# the question's own words before it (多少人口, 有多大面积, 金海湖新区的面积)
_ASKING = ("区的", "县的", "市的", "有", "少", "几", "是", "多大")
# 第二产业园, 和平30条, 第十届: a number between the characters that frame it (not a year of
# the calendar: qabot.refusal checks those against the text's)
_FIGURE = r"(?:约|近|超过|达到|达|为)?[0-9一二两三四五六七八九十]"  # a figure's start
_MAGNITUDES = "亿万"  # written without a number (过亿, 上万), one of them is meant
_PARTICLES = "的之"  # before a number, they frame nothing of it
_NUMBERED = re.compile(rf"(?<=(?P<before>[{HAN}]))(?P<number>[{_NUMERAL}]+)(?=(?P<after>[{HAN}]))")
# “7+5”养老服务模式, 1+N: figures joined by +, the name of a scheme, then the word it names
FORMULA = rf"[{_NUMERAL}]+(?:\s*[+＋]\s*[{_NUMERAL}NnXx]+)+"
_FORMULA = re.compile(rf"(?P<formula>{FORMULA})[”\"」』]?(?P<after>[{HAN}]{{2}})")
_WORD_AFTER = re.compile(rf"[{HAN}]{{1,{_CONTEXT}}}")
# 收入达到50万元以上: a bound a count is of (the number, then its unit and 以上/以下/以内)
# (a whole number: 1.5万元以上 is not read)
_BOUND = re.compile(
    rf"(?<![{_NUMERAL}.])(?P<number>[{_NUMERAL}]+)(?P<tail>[万亿]?[{HAN}]{{0,2}}?(?:以上|以下|以内))"
)
# an amount per person asked (一个人一年能挣多少钱, 人均住多大; not 人均面积是不是翻了三倍),
# and a sentence that gives one
_PER_PERSON_ASKED = re.compile(r"(?:人均|每人|每个人|一个人|平均每)[^，,。？?]*(?:多少|多大|几)")
_PER_PERSON_SAID = re.compile(r"人均|每人|每个人|一人|每名|[1一]名|/人")
_PER_PERSON_UNITS = {"money", "area"}  # 一个人要干几个部门的活 counts no amount per person
_HAN_END = re.compile(rf"[{HAN}]+$")


def contrasted(sentence: str, question: str, words: Iterable[str]) -> bool:
    """``sentence`` writes, in place of what ``question`` asks (by its focus ``words`` or the
    words around a contrasting member or a number), the same with another member of its
    contrast set (:attr:`~qabot.lexicon.Lexicon.contrasts`) or another number."""
    words = list(words)
    return (
        _other_member(sentence, question, words)
        or _other_kind(sentence, question)
        or _other_in_place(sentence, question)
        or _other_province(sentence, " ".join([question, *words]))
        or bool(counties_instead(sentence, question))
        or _other_members_before(sentence, question)
        or _other_number(sentence, question)
        or _other_bound(sentence, question)
        or _other_formula(sentence, question)
        or _other_measure(sentence, question)
        or _part_of_whole(sentence, question, words)
        or _of_everyone(sentence, question)
    )


def _other_member(sentence: str, question: str, words: Iterable[str]) -> bool:
    """A focus word the sentence lacks, written with another member of its set in place of
    its own at its start: 春小麦 for 冬小麦, 春播 for 秋播, 村级 for 镇级, 北京 for 上海. (Not
    a word of two characters that shares its first with the focus word before it, 村居 of
    农村居民: a tokenizer's cut; nor a member the question asks too: 是国家级还是市级.)"""
    words = list(words)
    for word in words:
        if word in sentence:
            continue
        cut = len(word) == 2 and any(
            other != word and other.endswith(word[0]) and other[:-1] + word in question
            for other in words
        )
        for group in lexicon().contrasts:
            own = next((m for m in group if word.startswith(m)), None)
            if own is None or (cut and len(own) == 1):
                continue
            rest = word[len(own) :]
            if not _written(own, sentence, after=rest) and any(
                other + rest in sentence
                for other in group
                if other != own and not _written(other, question, after=rest)
            ):
                return True
    return False


def _written(member: str, text: str, before: str = "", after: str = "") -> bool:
    """``text`` writes ``member`` or another spelling of it (敬老院 of 养老院), between
    ``before`` and ``after``."""
    return any(before + m + after in text for m in lexicon().spellings.get(member, (member,)))


def _other_kind(sentence: str, question: str) -> bool:
    """A member of two characters or more that the question writes (as a word or not: 方舱医院
    is cut into 方舱 and 医院) and the sentence does not, the sentence writing another member the
    question does not: 方舱医院 asked, 12处集中隔离点 written."""
    for group in lexicon().contrasts:
        kinds = [m for m in group if len(m) >= 2]
        asked = [m for m in kinds if m in question]
        others = [m for m in kinds if m not in asked]
        written = any(_written(m, sentence) for m in asked)
        if asked and not written and any(m in sentence for m in others):
            return True
    return False


def _other_in_place(sentence: str, question: str) -> bool:
    """A member the question writes after a word, the sentence writing that word before
    another member and never before it: 人居环境示范镇 asked, 示范村 written. (After a word
    only: the words a member comes before are the focus words :func:`_other_member` reads,
    and 农村居民 is not contrasted by 城乡居民.)"""
    for group in lexicon().contrasts:
        for own in group:
            for start, _ in occurrences(question, own):
                before = _han_run(question[max(0, start - _CONTEXT) : start])
                if not before or _written(own, sentence, before=before):
                    continue
                if any(before + other in sentence for other in group if other != own):
                    return True
    return False


def _other_province(sentence: str, question: str) -> bool:
    """Provinces the sentence names (湖北, or 鄂 of 赴鄂) and the question names, none the
    same: a team sent to Hubei (赴鄂) is no answer to one sent to 上海."""
    asked, written = _provinces(question), _provinces(sentence)
    return bool(asked and written) and not asked & written


def _provinces(text: str) -> set[str]:
    """The provinces ``text`` names, by name or by their one character after a word of going
    or helping (:attr:`~qabot.lexicon.Lexicon.before_province`)."""
    named, by_short, by_character = _province_patterns()
    return set(named.findall(text)) | {by_character[m] for m in by_short.findall(text)}


@cache
def _province_patterns() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, str]]:
    """The provinces' names, their characters after a word of going or helping, and each
    character's province."""
    provinces = lexicon().provinces
    before = "|".join(lexicon().before_province)
    named = re.compile("|".join(sorted(provinces, key=len, reverse=True)))
    by_short = re.compile(rf"(?:{before})([{''.join(provinces.values())}])")
    return named, by_short, {short: name for name, short in provinces.items()}


def _other_members_before(sentence: str, question: str) -> bool:
    """A word made of two members or more (乡镇) the question writes before a word (乡镇干部),
    the sentence writing that word after another member (村干部) and after none of those asked:
    its figure is of the others. (Of members only: 农村 before 居民 is no 村 asked, and 城乡居民
    does not contrast it.)"""
    for member, members in _member_patterns():
        for found in members.finditer(question):
            asked = set(member.findall(found.group(0)))
            word = _WORD_AFTER.match(question, found.end())
            if not word:
                continue
            runs = re.findall(rf"(?:{member.pattern})+(?={re.escape(word.group(0))})", sentence)
            written = {m for run in runs for m in member.findall(run)}
            if written and not written & asked:  # 镇村干部 writes 镇干部 too
                return True
    return False


def _other_measure(sentence: str, question: str) -> bool:
    """A member of two characters or more right before what the question asks (能处理多少吨),
    the sentence writing another member right before a figure (每天产生的600余吨) and the asked
    one before none: its figure measures another thing."""
    for asking, figured, others in _measure_patterns():
        if asking.search(question) and others is not None and others.search(sentence):
            return not figured.search(sentence)
    return False


@cache
def _member_patterns() -> list[tuple[re.Pattern[str], re.Pattern[str]]]:
    """Per contrast set: one member (the longest first), and a run of two members or more."""
    patterns = []
    for group in lexicon().contrasts:
        member = "|".join(re.escape(m) for m in sorted(group, key=len, reverse=True))
        patterns.append((re.compile(member), re.compile(rf"(?:{member}){{2,}}")))
    return patterns


@cache
def _measure_patterns() -> list[tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str] | None]]:
    """Per member of two characters or more of a contrast set: the member asked of (能处理多少),
    the member before a figure, and any other member of its set before a figure."""
    patterns = []
    for group in lexicon().contrasts:
        for own in (m for m in group if len(m) >= 2):
            others = "|".join(re.escape(m) for m in group if m != own and len(m) >= 2)
            patterns.append(
                (
                    re.compile(rf"{re.escape(own)}[了的]?(?:多少|几)"),
                    re.compile(rf"{re.escape(own)}[了的]?{_FIGURE}"),
                    re.compile(rf"(?:{others})[了的]?{_FIGURE}") if others else None,
                )
            )
    return patterns


def _other_number(sentence: str, question: str) -> bool:
    """A number the question frames (第二产业园, 和平30条, 过十亿元) that the sentence frames
    the same way only with another value (过亿元: one): it speaks of another one."""
    for found in _NUMBERED.finditer(question):
        before, after = found.group("before"), found.group("after")
        if after == "年" and len(found.group("number")) == 4:
            continue  # a year of the calendar
        if before in _PARTICLES:  # 融入“一带一路”的五年方案: framed by the two after it
            two = re.escape(question[found.end() : found.end() + 2])
            frame = re.compile(rf"(?<![{_NUMERAL}])(?P<number>[{_NUMERAL}]+){two}")
        else:
            frame = re.compile(rf"{re.escape(before)}(?P<number>[{_NUMERAL}]+){re.escape(after)}")
        asked = number(found.group("number"))
        written = [number(m.group("number")) for m in frame.finditer(sentence)]
        if after in _MAGNITUDES and before + after in sentence:
            written.append(1)  # 过亿元: over one 亿, not 过十亿元
        if written and asked and asked not in written:
            return True
    return False


def _other_bound(sentence: str, question: str) -> bool:
    """A bound the question states (收入达到了50万元以上) that the sentence writes only with
    another number (…全部达到20万元以上): a count of other things."""
    for found in _BOUND.finditer(question):
        tail = re.escape(found.group("tail"))
        frame = re.compile(rf"(?<![{_NUMERAL}.])(?P<number>[{_NUMERAL}]+){tail}")
        written = {number(m.group("number")) for m in frame.finditer(sentence)}
        if written and number(found.group("number")) not in written:
            return True
    return False


def _other_formula(sentence: str, question: str) -> bool:
    """A scheme the question names by its figures (“9+3”养老服务模式) that the sentence names
    only by others before the same word (“7+5”养老服务模式): another scheme."""
    written: dict[str, set[str]] = {}
    for found in _FORMULA.finditer(sentence):
        written.setdefault(found.group("after"), set()).add(plain_formula(found.group("formula")))
    return any(
        found.group("after") in written
        and plain_formula(found.group("formula")) not in written[found.group("after")]
        for found in _FORMULA.finditer(question)
    )


def plain_formula(formula: str) -> str:
    """A scheme's figures as one writing: “7 + 5” and “7＋5” are 7+5."""
    return re.sub(r"\s", "", formula).replace("＋", "+").upper()


def _part_of_whole(sentence: str, question: str, words: Iterable[str]) -> bool:
    """A figure of the whole district asked (人口, 面积: "What is the population of Jinhaihu?",
    东丽区常住人口有多少; an area of nothing the question names: 北辰区有多少平方公里,
    金海湖新区有多大), the sentence writing the word only of a part of it (800贫困人口,
    产业园规划面积, 扩大春播面积) or not at all (厂房18万平方米: an area, not the district's)."""
    words = list(words)
    asked = [w for w in _WHOLE_FIGURES if w in words and not _qualified(question, w, _ASKING)]
    if not words and asked_unit(question) == ("area",):
        asked = ["面积"]
    for word in asked:
        # asked of the whole alone (人均住的面积 asks of something else)
        if not all(word in w or w in _OF_WHOLE for w in words):
            continue
        at = [m.start() for m in re.finditer(word, sentence)]
        if all(_qualified(sentence, word, at=i) for i in at):
            return True
    return False


def _of_everyone(sentence: str, question: str) -> bool:
    """An amount per person asked (村民一个人一年能挣多少钱), the sentence giving none per
    person: 村集体经营性收入全部达到20万元 is the village's, not a villager's."""
    return (
        bool(_PER_PERSON_ASKED.search(question))
        and bool(_PER_PERSON_UNITS.intersection(asked_unit(question) or ()))
        and not _PER_PERSON_SAID.search(sentence)
    )


def _qualified(text: str, word: str, asking: tuple[str, ...] = (), at: int | None = None) -> bool:
    """``word`` (at ``at``, else its first place in ``text``) is written of a part: after
    Chinese characters that are neither what the whole is called (总, 常住, 全区) nor the
    ``asking`` words of a question (多少人口)."""
    at = text.find(word) if at is None else at
    before = _han_run(text[max(0, at - _CONTEXT) : at])
    return bool(before) and not any(before.endswith(w) for w in (*_OF_WHOLE, *asking))


def _han_run(text: str) -> str:
    """The Chinese characters that end ``text`` (those right before a word)."""
    found = _HAN_END.search(text)
    return found.group(0) if found else ""
