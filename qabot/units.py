"""Units of quantity questions: what kind of value a question asks for, and whether a value
in the text is of that kind (多少亿元 wants money; 多少名网格员 is not answered by 278个网格).
"""

from __future__ import annotations

import re

from qabot.lexicon import lexicon
from qabot.textnorm import HAN

_ASKED = re.compile(rf"(?:多少|几) ?([{HAN}%]{{1,4}})")  # 多少 亩: an English rendering
# An English amount question read as Chinese opens with its question word, then how often or
# on average (What is the monthly pay… → 多少 每月 工资 …): what it asks is the word after those.
_RENDERED = re.compile(r"(多少|几) ")  # an English amount question's cue, rendered first
_RENDERED_RATE = re.compile(rf"^{_RENDERED.pattern}(?:(?:每月|每年|每天|平均|人均) )+")
# The kinds of value (lexicon.toml's unit_kinds): an answer in another unit does not answer
# a quantity question (a growth rate for a total, a count for an amount of money).
_UNIT_KINDS = lexicon().unit_kinds
# 多大/多长…: the kind of value the question word itself asks for, unless words before it say.
_SIZE_WORDS = lexicon().size_words
# a word right after 多大 (not 的, 呢, a mark): it names what is measured
_NOUN_AFTER = re.compile(f"(?![的地得呢啊吗呀了吧哈嘛])[{HAN}]")
# a word for people (穷人, 农民工, 贫困人口, 医务人员, 群众, 劳动者; not 人次, 人均, 民心,
# 民生, 民居; 游客, 旅客, not 客运): after 多少 it asks for a count of people, after a bare number
# (8500贫困人口) it is what is counted. Two characters before it at most: 多少拿去搞民生,
# 多少服务群众的经费 ask no count of people.
PEOPLE_WORD = re.compile(
    f"[{HAN}]{{0,2}}?(?:人口|人(?!次|均)|民(?![心生居宅])|员|众|者|客(?![运车厅房]))"
)


def unit_kind(text: str) -> str:
    """``money``, ``area``, ``percent``, ``weight``, ``length`` or ``count`` for a value
    (3.13亿元 → money) or the words of a question that ask for one."""
    for kind, words in _UNIT_KINDS:
        if any(text.endswith(w) or w in text for w in words):
            return kind
    return "count"


# Measure words that count different things (名 people, 家 firms…); 个 is the generic one:
# 多少个 accepts any count, but not a span of time (三年 does not say how many 小区).
# 一共/累计 asks for the total (the value of a clause that gives one wins, qabot.values) …
TOTAL_ASKED = re.compile(r"一共|总共|共计|总计|累计|合计|总数")
# … and so does 总收入: which a share (财政收入的75%) is not
_TOTAL = re.compile(rf"{TOTAL_ASKED.pattern}|总[{HAN}]")
# 增长多少: a change is written as a share too (地区生产总值同比增长7%), whatever it changes;
# so is a target (GDP目标多少: 预期目标是地区生产总值同比增长7%)
_AS_SHARE = re.compile(r"(?:增长|增加|提高|提升|下降|减少|上涨|降低|目标|预期|指标)(?:了|是|为)?$")
_CLASSIFIERS = lexicon().classifier_groups
_UNITS = sorted(lexicon().units, key=len, reverse=True)  # the longest first
_DURATION = lexicon().duration


def count_kind(classifier: str) -> str:
    """The kind of count a measure word makes (人 → ``count:名人位``, 年 → ``duration``)."""
    if classifier in _DURATION:
        return "duration"
    group = next((g for g in _CLASSIFIERS if classifier in g), None)
    return f"count:{group}" if group else "count"


def counts_in(word: str) -> bool:
    """Whether a word after 多少 says what a count is counted in (年, 户, 人; 全年, 贫困户,
    居民, 个项目): an English "how many" before any other word asks for a count of it."""
    return bool(word) and (
        word[0] in "个倍"
        or any(count_kind(c) != "count" for c in (word[0], word[-1]))
        or bool(PEOPLE_WORD.match(word))
    )


def unit_fits(value: str, asked: tuple[str, ...] | None) -> bool:
    """Whether the value ``value`` (35名, 3.13亿元) is of a kind the question asks for."""
    if asked is None:
        return True
    value = value.removesuffix("半")  # 两年半: counted in 年
    kind = unit_kind(value)
    if kind != "count":
        return kind in asked
    # 400场次, 1.2万人次: counted in 场 and 人, so many times over
    classifier = value[-2] if value[-2:] in lexicon().repeated else value[-1]
    own = count_kind(classifier)
    return own in asked or ("count" in asked and own != "duration")


def asked_unit(query: str) -> tuple[str, ...] | None:
    """The kinds of value a quantity question asks for, ``None`` when it does not say.

    A unit the question writes (多少亿元, 多少名) is strict; one read from the words before
    多少 (收入多少, 签约金额是多少) also accepts a share (75%), unless a total is asked."""
    query = _RENDERED_RATE.sub(r"\1 ", query)
    # the last 多少/几 asks: 那几个县还准备拿出多少钱 asks for money, 几个县 says which
    match = next(reversed(list(_ASKED.finditer(query))), None)
    if match:
        unit = match.group(1)
        # the unit it starts with (多少平方公里), else its first three characters (多少亩小麦)
        kind = unit_kind(next((u for u in _UNITS if unit.startswith(u)), unit[:3]))
        if kind != "count":
            return (kind,)
        if unit[0] in "个倍" + _DURATION + "".join(_CLASSIFIERS):
            return (count_kind(unit[0]),)
        if kind == "count" and PEOPLE_WORD.match(unit):
            return (count_kind("人"),)  # 多少穷人, 多少农民工: people, not money or a share
    words = ("多少", "几", *(word for word, _ in _SIZE_WORDS))
    found = (i for w in words if (i := query.find(w)) >= 0)
    at = match.start() if match else min(found, default=len(query))
    # an English amount question, rendered with its cue first (What was the yield per mu →
    # 多少 … 亩产): the words after it say what is measured, a share too (growth, a rate)
    rendered = None if at else _RENDERED.match(query)
    before = query[rendered.end() :] if rendered else query[max(0, at - 4) : at]
    kind = unit_kind(before) if at or rendered else "count"
    size, said = next(((k, w) for w, k in _SIZE_WORDS if w in query), (None, ""))
    if size == "duration":  # 要花多久: a span of time, whatever the words before say
        return (size,)
    if kind in ("count", "percent"):
        if size and kind == "count":  # 多大比例 asks for a share, 建多大 for an area
            after = unit_kind(query[at : at + 6])
            if after == "count" and _NOUN_AFTER.match(query, query.find(said) + len(said)):
                return None  # 多大发电量, 多大规模: the size of what it names, of any kind
            return (after if after != "count" else size,)
        return None
    strict = _TOTAL.search(query) and not (rendered or _AS_SHARE.search(before))
    return (kind,) if strict else (kind, "percent")
