"""Honest partial answers: a question that asks for a part when the documents give the whole.

北辰区的3.13亿元帮扶资金，四个县各分到多少？ The documents give the total; stating it as the
answer would be a confident wrong answer, and a bare refusal would hide what they do say. So
a question that asks for a *breakdown* (各有多少, 分别是多少, 各占), a *cumulative period*
(五年累计, 历年共), a part of a year (上半年), how much of a stated plan is done so far
(76个…已经建成了几个) or which part has the most (哪个镇种得最多) is answered only by a line that
holds such a thing — two values or more of the kind asked beside the ones the question quotes,
the words of a period, a done figure, a superlative — else refused with a notice quoting what
the documents say and naming what they lack.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qabot.lexicon import lexicon
from qabot.paragraphs import number
from qabot.question import convert_numerals
from qabot.setnames import names_asked, names_given
from qabot.textnorm import HAN, occurrences
from qabot.types import AnswerLine
from qabot.units import unit_fits, unit_kind
from qabot.values import CALENDAR_YEAR, QUANTITY

_BREAKDOWN = re.compile(
    r"(?:各|分别)[^，,。？?！!]{0,4}(?:多少|几)|各占|respectively|break ?down"
    # 81.56万元…每个村分到多少: a share of each, where the documents give what all got
    r"|每(?:一)?[个家户人所村县][^，,。？?]{0,6}(?:分到|分得|能分|拿到|得到|摊到)[^。？?]{0,4}(?:多少|几)"
)
# 10所学校里幼儿园有几所, 600余个排污口中, 35名医务人员，第一批去了几个: a total the question
# states (in a unit of the lexicon's, not a span of time, a share or a multiple), then a count
# of some of it.
_TOTAL_UNITS = "|".join(
    re.escape(u)
    for u in sorted(lexicon().units, key=len, reverse=True)
    if u not in lexicon().duration and unit_kind(u) != "percent" and u not in ("倍", "期", "次")
)
_SUBSET = re.compile(
    rf"\d[\d.,]*(?:余|多)?(?:(?:万|亿)?(?:{_TOTAL_UNITS})|[万亿](?=[{HAN}]))[^。？?]{{0,14}}?"
    # 中 of 中小企业, 中心, 中学 is a word's, not "among"
    r"(?P<of>里|中(?![小心学医国关央华间层级])|当中|之中|(?:第[一二三四五六七八九十]+|首|头一?)批)"
    r"[^。？?]*(?:多少|(?<!哪)几)"
)
# 那批医务人员里护士有几个: a part of a whole named in words (no figure stated). Not 区里, 这里,
# 厂里, 一公里, 报告里 (where), nor a marker after 说 (喻祖常在文章里说…), nor 哪几 (which ones).
_SUBSET_NAMED = re.compile(
    r"(?<![区县市村镇年这那哪家心城手夜兜章告话书公河道管厂店楼])(?P<of>里面|里头|里|当中|之中)[，,]?"
    r"[^，,。？?！!说讲]{1,8}?(?:有|占|是)?(?:多少|(?<!哪)几)"
)
# 十大举措里，管融资的是哪几条: which ones of a numbered set, a part of it too.
_SUBSET_OF_SET = re.compile(
    r"[一二两三四五六七八九十]+(?:大|个|项|种|条)[^。？?，,]{0,8}?(?P<of>里|中|当中|之中)[^。？?]*几"
)
# a total a question states, in digits (5.27万亩, 600余万元)
_STATED_TOTAL = rf"\d[\d.,]*(?:余|多)?(?:万|亿)?(?:{_TOTAL_UNITS})"
# 5.27万亩高标准农田，黄庄镇分到多少亩: a stated whole, then a place's share of it.
_SUBSET_PLACED = re.compile(
    rf"{_STATED_TOTAL}[^。？?，,]{{0,14}}[，,]"
    rf"(?P<of>)[{HAN}]{{1,6}}(?:镇|街道|街|村|乡|县)[^，,。？?]{{0,4}}?(?:多少|(?<!哪)几)"
)
# 约600万元专项经费，有多少花在老人身上: a stated whole, then how much of it goes to one use.
_SUBSET_SPENT = re.compile(
    rf"{_STATED_TOTAL}[^。？?]{{0,14}}?(?:多少|(?<!哪)几)"
    r"[^，,。？?]{0,2}?(?P<of>[花用投拿分](?:在|于|到|给))"
)
_SUBSETS = (_SUBSET, _SUBSET_NAMED, _SUBSET_OF_SET, _SUBSET_PLACED, _SUBSET_SPENT)
# 90栋小洋楼，现在已经有多少栋入驻了: how much of a stated plan is done so far, which a text
# that states only the plan does not say.
_DONE_VERBS = (
    "完成|建成|建好|落地|入驻|签约|开工|投产|到位|办成|办好|取缔|关停|拆除|腾退|引进|竣工|交付"
    "|上岗|到岗|铺设|铺了|通车|开通|搬走|搬迁|搬完|完工|修好|修完"
)
_DONE = f"(?:{_DONE_VERBS})"
# … and a result reached (脱贫, 出列), which a text writes of its targets too (…人口脱贫的目标):
# a progress asked, not a progress said
_REACHED = f"(?:{_DONE_VERBS}|脱贫|出列|摘帽)"
_PROGRESS = re.compile(
    rf"(?:已经|现在|目前|最后|最终|实际)[^，,。？?]{{0,6}}?{_REACHED}[^，,。？?]{{0,4}}?(?:多少|几)"
    rf"|(?:已经|现在|目前)[^，,。？?]{{0,4}}?(?:多少|几)[^，,。？?]{{0,6}}?{_REACHED}"
    # 8500人的脱贫目标，最后实际脱贫了多少人: what came of it, whatever the verb
    r"|(?:最终|实际)[^，,。？?]{0,6}?(?:多少|几)"
)
_DONE_SAID = re.compile(rf"已|{_DONE}|实现|达到")
# 每年引进北京科技企业不少于100家: a figure the clause sets as a target, not one of what is done
_TARGET = re.compile(r"每年|不少于|不低于|力争|争取|确保|计划|目标")
_NAMED_TARGET = re.compile(r".*?的[^的、]{0,6}(?:目标|任务)")
# 爱旭太阳能二期投资多少: one phase of a project, which a text naming another (一期) does not give
_PHASE = re.compile(r"(?<![同近长短周预定分学按到时初后中末早晚工])[一二三四五六]期")
# 6550亩春小麦，哪个镇种得最多 / 出钱最多的是哪家: which part of a whole has the most, which a
# text giving the whole alone does not say (not 最早, 最好: no amount)
_MOST_AMOUNT = r"最(?:多|少|大|小|高|低)"
_MOST = re.compile(
    rf"{_MOST_AMOUNT}[^，,。？?]{{0,6}}?哪|哪[^，,。？?]{{0,10}}?{_MOST_AMOUNT}"
    r"|\bwhich\b[^,.?]*\b(?:most|least|largest|biggest|highest|lowest)\b",
    re.IGNORECASE,
)
# how a text says which part has the most: 最多, 居首, 第一
_MOST_SAID = re.compile(r"最|居首|之首|首位|第一|领先")
_CUMULATIVE = re.compile(r"累计|一共|总共|合计|总计|加起来|in total|altogether")
_PERIOD = re.compile(
    r"[两三四五六七八九十]年|\d+年(?:来|间|里|内)|十[一二三四五]五|历年|这些年|这几年"
)
# 今年上半年撤了几个 / 年底前能建好多少: a part of a year, which a year's figure does not give;
# each cue with the words a text that gives that part writes.
_WITHIN = {
    "上半年": ("上半年", "前半年"),
    "前半年": ("上半年", "前半年"),
    "下半年": ("下半年", "后半年"),
    "后半年": ("下半年", "后半年"),
    "季度": ("季度",),
    "年底前": ("年底", "年末"),
    "年内": ("年内", "年底", "年末"),
}
_WITHIN_ASKED = re.compile("|".join(_WITHIN))
# 今年完成还迁多少人: one year's figure, which a cumulative one (已累计…21.8万人) does not give,
# unless it is counted from that year on (今年以来).
_ONE_YEAR = re.compile(r"今年|去年|明年|当年|这一年|一年里|(?:19|20)\d\d年(?![来间里内以])")
# How a text says a figure is of several years (已累计…, 三年来, 2019年以来).
_TOTALLED = r"累计|共计|合计|总计|年来|以来"
_CUMULATIVE_SAID = re.compile(rf"{_TOTALLED}|先后")
_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
_LEADING_NUMBER = re.compile(r"(?:近|约|逾|超过)?([\d.,]+|[一二两三四五六七八九十百千]+)")
# 向丁青、兴隆、华池和正宁四个县投入…3.13亿元: names listed together, then how many they are
# (四个县) or 等 — a figure after them in the clause is of them all.
_LISTED = re.compile(
    rf"[{HAN}]{{2,8}}(?:、[{HAN}]{{2,8}})*[、和及与][{HAN}]{{2,8}}"
    r"(?P<whole>[一二两三四五六七八九十\d]+个[^，,；;。]?|等)"
)
_CLAUSE_END = re.compile(r"[，,；;：:]")
_SENTENCE_PART = re.compile(r"[，,；;。]")
_PERIOD_SAID = re.compile(rf"{_TOTALLED}|年间|十[一二三四五]五|期间")


def _number(value: str) -> str:
    match = _NUMBER_RE.search(value)
    return match.group(0) if match else value


def asked_part(question: str) -> str:
    """``breakdown`` (how a total splits), ``subset`` (how much of a total it states is of
    one kind), ``period`` (a cumulative figure), ``within`` (a part of a year), ``progress``
    (how much of a plan it states is done), ``phase`` (one phase of a project) or ``year``
    (one year's figure), ``most`` (which part has the most) for a question that asks for a
    part of a figure, or ``names`` (the names of a set it counts), else ``""``."""
    question = convert_numerals(question)  # 一千多万平方米，其中… states a total too
    if _BREAKDOWN.search(question):
        return "breakdown"
    if _CUMULATIVE.search(question) and _PERIOD.search(question):
        return "period"
    if _MOST.search(question):
        return "most"
    if names_asked(question):
        return "names"
    if any(p.search(question) for p in _SUBSETS):
        return "subset"
    if _WITHIN_ASKED.search(question):
        return "within"
    if _PROGRESS.search(question):
        return "progress"
    if _PHASE.search(question):
        return "phase"
    if _ONE_YEAR.search(question):
        return "year"
    return ""


def part_words(part: str, question: str, words: Sequence[str]) -> list[str]:
    """The focus ``words`` that name the part asked for: of a subset, those after the whole
    (…医务人员里 **护士** 有几个); of a breakdown, those of its clause before 各/分别
    (**医生**和**护士**各有多少). An answer that names none of them (subset) or not all of
    them (breakdown) gives a figure of something else."""
    if part == "subset":
        marker = next((m for p in _SUBSETS if (m := p.search(question))), None)
        if marker is None:
            return []
        if marker.group("of").endswith("批"):  # 第一批: the batch itself names the part
            return [marker.group("of")]
        start = marker.end("of")
        return [w for w in words if question.find(w, start) >= 0 and w not in question[:start]]
    if part == "breakdown":
        found = _BREAKDOWN.search(question)
        if found is None:
            return []
        clause = max(question.rfind(c, 0, found.start()) for c in "，,。？?") + 1
        return [w for w in words if w in question[clause : found.start()]]
    return []


def gives_part(
    part: str,
    lines: Sequence[AnswerLine],
    unit: tuple[str, ...] | None,
    question: str,
    named: Sequence[str] = (),
) -> bool:
    """Whether the answer ``lines`` hold what a ``part`` question asks: for a breakdown, two
    values of the ``unit`` asked — else of the kind of the total the question quotes
    (3.13亿元: money) — that the question does not state itself, and every part it ``named``
    (:func:`part_words`); for a subset, one such value and one of the ``named`` words; for
    progress, one such value where the line says something is done; for a phase, that phase
    (二期, where the text may name only 一期); for a period, the words of one; for a part of
    a year, the words of that part; for one year, no cumulative words unless they count from
    it; for names, names written together (甲、乙)."""
    question = convert_numerals(question)
    text = "".join(line.text for line in lines)
    # 104家科研机构里，企业办的有多少家: the figure marked is the one the question states (not
    # a year, nor a span of time the question sets: 干满一年)
    if part != "names" and any(stated(line.span.text, question) for line in lines if line.span):
        return False
    if named and not (all if part == "breakdown" else any)(w in text for w in named):
        return False
    if part == "progress" and not _DONE_SAID.search(text):
        return False
    # 1138万平方米还迁房里，2019年竣工了多少: that year's part, which a line not naming it lacks
    if part in ("subset", "progress") and not all(
        y in text for y in CALENDAR_YEAR.findall(question)
    ):
        return False
    if part == "subset" and named:
        # 2200余名医务人员…北辰中医医院有多少人: the part's figure is written with the part
        # (组织35名医务人员赴鄂 is no count of the hospital the clause before names)
        text = "，".join(c for c in _SENTENCE_PART.split(text) if any(w in c for w in named))
    if part in ("breakdown", "subset", "progress"):
        quoted = [m.group(0) for m in QUANTITY.finditer(question)]
        kinds = unit or tuple({unit_kind(v) for v in quoted}) or None
        # parts are written in the total's unit (亩 of 7万余亩; money in any of 元/万元/亿元)
        ends = {v[-1] for v in quoted if unit_kind(v) != "money"}
        values = {
            m.group(0)
            for m in QUANTITY.finditer(text)
            if unit_fits(m.group(0), kinds)
            and _number(m.group(0)) not in map(_number, quoted)
            and (not ends or unit_kind(m.group(0)) == "money" or m.group(0)[-1] in ends)
            and not (part == "progress" and _targeted(text, m.start()))
        }
        return len(values) >= (2 if part == "breakdown" else 1)
    if part == "period":
        return bool(_PERIOD_SAID.search(text))
    if part == "names":
        return names_given(text, question)
    if part == "most":  # the text says which, or gives two figures of a kind to compare
        # (4个县里，哪个县…最多: the four counties the question counts, or the 三年 the text
        # spans, are nothing to compare)
        counted = {_figure(m.group(0)) for m in QUANTITY.finditer(question)}
        figures = (m.group(0) for m in QUANTITY.finditer(text))
        written = [
            unit_kind(v)
            for v in figures
            if _figure(v) not in counted and v[-1] not in lexicon().duration
        ]
        return bool(_MOST_SAID.search(text)) or any(written.count(k) > 1 for k in set(written))
    if part == "year":
        return one_year(text, question)
    if part == "within":
        asked = _WITHIN_ASKED.search(question)
        return asked is None or any(w in text for w in _WITHIN[asked.group(0)])
    if part == "phase":
        phase = _PHASE.search(question)
        return phase is None or phase.group(0) in text
    return True


def _figure(value: str) -> tuple[str, str]:
    """A figure's number (四 and 4 alike) and what follows it (个县)."""
    found = _LEADING_NUMBER.match(value)
    if found is None:
        return "", value
    written = found.group(1)
    return (written if written[0].isdigit() else str(number(written))), value[found.end() :]


def _targeted(text: str, at: int) -> bool:
    """The clause of ``text`` before the figure at ``at`` sets it as a target, and does not
    say it is done (已按计划建成52个 is progress)."""
    clause = _SENTENCE_PART.split(text[:at])[-1]
    if "已" in clause:
        return False
    # 围绕…19个贫困村出列的脱贫目标: the figure's own phrase names it a target
    named = _NAMED_TARGET.match(_SENTENCE_PART.split(text[at:])[0])
    return _TARGET.search(clause) is not None or (named is not None and "完成" not in clause)


def stated(value: str, question: str) -> bool:
    """``value`` is a figure in digits whose number ``question`` states itself (104家 of
    104家科研机构里; the 104 of "the 104 research institutions")."""
    figure = QUANTITY.fullmatch(value) and _NUMBER_RE.match(value)
    if not figure or CALENDAR_YEAR.fullmatch(value):
        return False
    return any(
        not _in_number(question, start - 1) and not _in_number(question, end)
        for start, end in occurrences(question, figure.group(0))
    )


def _in_number(text: str, at: int) -> bool:
    """``text[at]`` is a digit or a decimal point (what a figure found there continues)."""
    return 0 <= at < len(text) and (text[at].isdecimal() or text[at] == ".")


def listed_alone(lines: Sequence[AnswerLine], question: str) -> bool:
    """Whether an answer line's value is of a list the ``question`` names only part of:
    asked how much 丁青县 got, the line gives what 丁青、兴隆、华池和正宁四个县 got together.
    Items are matched by their ending (丁青 of 三年来累计向丁青), the value must follow the
    list in its clause, and a question naming the whole (四个县) asks for the whole."""
    for line in lines:
        if line.span is None:
            continue
        at = line.text.find(line.span.text)
        start = max((m.end() for m in _CLAUSE_END.finditer(line.text, 0, max(at, 0))), default=0)
        for listed in _LISTED.finditer(line.text, start, max(at, 0)):
            if listed.group("whole") in question:
                continue
            items = re.split(r"[、和及与]", line.text[listed.start() : listed.start("whole")])
            named = [i for i in items if any(i[-n:] in question for n in range(2, len(i) + 1))]
            if 0 < len(named) < len(items):
                return True
    return False


def one_year(text: str, question: str) -> bool:
    """Whether ``text`` may give the one year's figure ``question`` asks: it does not say the
    figure is cumulative (累计, 三年来), or counts from the year asked (今年以来)."""
    year = _ONE_YEAR.search(question)
    return not _CUMULATIVE_SAID.search(text) or bool(year and year.group(0) in text)


def notice(part: str, said: str, language: str, stated: str = "") -> str:
    """Why a part question is refused, quoting what the documents ``said``; ``stated``: the
    figure they give is the one the question states (7% of 今年要增长7%以上，那去年…多少), which
    is the reason a figure of one year or part of it is refused."""
    if stated and part in ("year", "within"):  # not a cumulative or another period's figure
        if language == "en":
            return (
                f"The documents give only the figure the question states, {stated} ({said}); "
                "they give none for what it asks."
            )
        return f"文档只给出问题里已有的数字{stated}（{said}）；没有所问的数字。"
    if language == "en":
        lack = {
            "period": "no figure for the whole period",
            "year": "none for that year alone",
            "within": "none for that part of the year",
            "progress": "no figure for how much of it is done",
            "phase": "none for the phase asked",
            "names": "no names",
            "most": "no figure for each part",
        }
        return f"The documents give only this ({said}); they give {lack.get(part, 'no breakdown')}."
    if part == "year":
        return f"文档只给出累计的数字（{said}）；没有这一年的数字。"
    if part == "period":
        return f"文档只给出这些（{said}）；没有整个时期累计的数字。"
    if part == "within":
        return f"文档只给出这些（{said}）；没有这段时间的数字。"
    if part == "progress":
        return f"文档只给出计划的数字（{said}）；没有已经完成多少的数字。"
    if part == "phase":
        return f"文档只给出这些（{said}）；没有所问那一期的数字。"
    if part == "names":
        return f"文档只给出数量（{said}）；没有列出名称。"
    if part == "most":
        return f"文档只给出这些（{said}）；没有各部分的数字，无从比较。"
    return f"文档只给出总数（{said}）；没有分项的数字。"  # a breakdown, a subset, one of a list
