"""Units of quantity questions: what kind of value a question asks for, and whether a value
in the text is of that kind (多少亿元 wants money; 多少名网格员 is not answered by 278个网格).
"""

from __future__ import annotations

import re

from qabot.textnorm import HAN

# The kind of value a quantity question asks for: an answer in another unit does not answer
# it (a growth rate for a total, a count for an amount of money).
_UNIT_KINDS = (
    ("percent", ("个百分点", "%", "％", "百分之", "比例", "比重", "率")),
    (
        "money",
        (
            "亿元",
            "万元",
            "元",
            "钱",
            "资金",
            "投资",
            "经费",
            "收入",
            "总额",
            "产值",
            "工资",
            "报酬",
            "金额",
            "预算",
            "税收",
            "养老金",
            "补贴",
            "补助",
            "奖金",
            "租金",
        ),
    ),
    ("area", ("平方公里", "平方米", "公顷", "亩", "面积", "占地")),
    ("weight", ("公斤", "吨", "斤", "产量")),
    ("length", ("公里", "千米", "米")),
)
_ASKED = re.compile(rf"(?:多少|几)([{HAN}%]{{1,4}})")
# 多大/多长…: the kind of value the question word itself asks for, unless words before it say.
_SIZE_WORDS = (("多大", "area"), ("多宽", "area"), ("多长", "length"), ("多远", "length"))


def unit_kind(text: str) -> str:
    """``money``, ``area``, ``percent``, ``weight``, ``length`` or ``count`` for a value
    (3.13亿元 → money) or the words of a question that ask for one."""
    for kind, words in _UNIT_KINDS:
        if any(text.endswith(w) or w in text for w in words):
            return kind
    return "count"


# Measure words that count different things (名 people, 家 firms, 辆 vehicles…): 多少名网格员
# is not answered by 278个网格. 个 is the generic one: 多少个 accepts any count, but not a
# span of time (三年 does not say how many 小区).
_CLASSIFIERS = ("名人位", "户", "家", "辆台", "座栋", "所", "项", "条", "场", "次", "张", "件")
_DURATION = "年天月"


def _count_kind(classifier: str) -> str:
    if classifier in _DURATION:
        return "duration"
    group = next((g for g in _CLASSIFIERS if classifier in g), None)
    return f"count:{group}" if group else "count"


def unit_fits(value: str, asked: tuple[str, ...] | None) -> bool:
    """Whether the value ``value`` (35名, 3.13亿元) is of a kind the question asks for."""
    if asked is None:
        return True
    kind = unit_kind(value)
    if kind != "count":
        return kind in asked
    # 400场次, 1.2万人次: counted in 场 and 人, so many times over
    classifier = value[-2] if value[-2:] in ("人次", "场次", "批次", "架次", "车次") else value[-1]
    own = _count_kind(classifier)
    return own in asked or ("count" in asked and own != "duration")


def asked_unit(query: str) -> tuple[str, ...] | None:
    """The kinds of value a quantity question asks for, ``None`` when it does not say.

    A unit the question writes (多少亿元, 多少名) is strict; one read from the words before
    多少 (收入多少, 签约金额是多少) also accepts a share (75%)."""
    match = _ASKED.search(query)
    if match:
        unit = match.group(1)
        kind = unit_kind(unit[:3])
        if kind != "count":
            return (kind,)
        if unit[0] in "个倍" + _DURATION + "".join(_CLASSIFIERS):
            return (_count_kind(unit[0]),)
    words = ("多少", "几", *(word for word, _ in _SIZE_WORDS))
    found = (i for w in words if (i := query.find(w)) >= 0)
    at = match.start() if match else min(found, default=len(query))
    kind = unit_kind(query[max(0, at - 4) : at]) if at else "count"
    if kind in ("count", "percent"):
        size = next((k for word, k in _SIZE_WORDS if word in query), None)
        if size and kind == "count":  # 多大比例 asks for a share, 建多大 for an area
            after = unit_kind(query[at : at + 6])
            return (after if after != "count" else size,)
        return None
    return (kind, "percent")
