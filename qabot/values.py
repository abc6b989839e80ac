"""Values of the type a question expects, in a sentence: quantities (in the unit asked),
dates, people and places, and the one that sits nearest the question's focus.

What counts as a value is deliberately narrow: a number with its unit (近百个, 3.13亿元), a
speaker of the index or a name next to a title (市委李鸿忠书记), a place word. A tagger's guess
alone (高水平 as a name) is not an answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Literal

from qabot.lexical import pos_tags
from qabot.lexicon import lexicon
from qabot.question import Analysis
from qabot.textnorm import HAN, is_cjk, occurrences
from qabot.units import PEOPLE_WORD, TOTAL_ASKED, count_kind, unit_fits

UNITS = "|".join(map(re.escape, lexicon().units))  # what a value in a document is counted in
# A unit standing in for a focus word (平方米 for 面积) ties any value of that unit to it.
_UNIT_WORDS = frozenset(lexicon().units)
QUANTITY = re.compile(
    # 建设一批讲习阵地, 郊野公园一期: a batch of, a phase's name after what it is of, no count
    # (4批次, 举办两期 are)
    r"(?!一批|(?<=[\u4e00-\u9fff])(?<![办设开举了共])[一二三四五六七八九十]+期)"
    r"(?:近|约|逾|超过)?(?:\d+(?:[.,]\d+)*(?:[-－~～]\d+(?:[.,]\d+)*)?|[一二两三四五六七八九十百千]+)"
    rf"(?:多|余)?(?:万|亿|千|百)?(?:多|余)?(?:{UNITS})(?:(?<=[年月天])半)?"  # 两年半
    r"|\d+(?:\.\d+)?[万亿]"
)
# 2019年工作要点: a year of the calendar is when, never how many or how much
CALENDAR_YEAR = re.compile(r"(?:19|20)\d{2}年")
# A number without a unit counts what follows it (8500贫困人口): a value when that is asked.
_BARE = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?:万|亿)?(?![\d.])")
# 几点开门 (what time, rendered 几点): a time of day, which a year or a date does not give.
_CLOCK_ASKED = re.compile(r"几点|几时(?:开|关|营业|上班|下班|发车|停运)")
_CLOCK = re.compile(r"\d{1,2}(?::\d{2}|点|时)(?:\d{1,2}分|半)?")
_PEOPLE = count_kind("人")  # the count 多少人 asks for
# 第几个五年的普法: which five-year period, which a text names by its number (“八五”普法,
# 十四五规划)
_FIVE_YEARS_ASKED = re.compile(r"第几个?五年|第几[轮个]?普法|哪个五年")
_FIVE_YEARS = re.compile(
    r"(?<![一二三四五六七八九十])(?:十[一二三四五六七八九]?|[一二三四六七八九])五(?=[”\"」]|规划|时期|期间|普法)"
)
# a year or a day; or, in a plan, the deadline it sets (年内基本消除黑臭水体: by the year's end)
DATE = re.compile(
    rf"{CALENDAR_YEAR.pattern}(?:\d{{1,2}}月(?:\d{{1,2}}日)?)?(?:底|初|以来)?|\d{{1,2}}月\d{{1,2}}日"
    r"|年内|年底前?|年末|[上下]半年|月底前?"
)
_PLACE = re.compile(
    rf"[{HAN}]{{2,8}}?(?:村|镇|乡|街道|园区|产业园|基地|社区|小区|县|港|湖|示范区|核心区|片区|开发区)"
)


# 建在哪个镇, 在哪个体育场举办: the kind of place asked, which the value's name ends in (a
# 基地 or the question's own 和平区 does not answer 哪个镇); 哪里, 什么地方 ask no kind.
_PLACE_KIND_ASKED = re.compile(
    r"(?:哪个|哪一个|哪座|哪些|什么)(街道|街镇|体育场|体育馆|公园|小区|社区|园区|城市|村|镇|乡|县|省)"
    r"|哪条(街|路)"
)
_KIND_CHARS = "街镇乡村区县市居"
_BEFORE_PLACE = "在于到向和与及的把将从"
# a word jieba tags a place that a figure or 了 follows is a verb (新建2所, a county's name too)
_DONE_AFTER = re.compile("[0-9一二两三四五六七八九十了]")
_PLACE_KINDS = {
    "街道": ("街道", "街"),
    "体育场": ("体育场", "体育馆", "体育中心"),
    "体育馆": ("体育场", "体育馆", "体育中心"),
    "城市": ("市",),
    "街镇": ("街道", "街", "镇", "乡"),
    "街": ("街", "路", "道"),
    "路": ("路", "街", "道"),
    "园区": ("园区", "产业园", "开发区", "工业园"),
}


def _of_kind(values: list[tuple[int, int]], sentence: str, query: str) -> list[tuple[int, int]]:
    """The places among ``values`` of the kind ``query`` asks for, if it asks for one."""
    asked = _PLACE_KIND_ASKED.search(query)
    if asked is None:
        return values
    kind = asked.group(1) or asked.group(2)
    ends = _PLACE_KINDS.get(kind, (kind,))
    kept = []
    for start, stop in values:
        name = sentence[start:stop]
        end = next((e for e in ends if name.endswith(e)), "")
        # a name, not 街镇 / 镇街 / 村居 (kinds of places, all of them), nor what is done to
        # all of them (分步实施街道机构改革: a verb of two characters or more before the kind)
        if end and len(name) > len(end) and name[-len(end) - 1] not in _KIND_CHARS:
            word, tag = pos_tags(name[: -len(end)])[-1]
            if not (tag.startswith("v") and len(word) > 1):
                kept.append((start, stop))
    return kept


# 哪家公司开发的, 跟哪家大医院合作: the kind of organisation asked for, and the name endings
# that answer it (not 企业 or 机构: 龙头企业 and 服务机构 name none)
_ORGANISATION_ASKED = re.compile(rf"(?:哪一?家|哪个|什么)[{HAN}]{{0,2}}?(公司|集团|医院|银行)")
_ORGANISATIONS = {
    "公司": ("公司", "集团"),
    "集团": ("集团", "公司"),
    "医院": ("医院",),
    "银行": ("银行",),
}
_NAME_BEFORE = re.compile(rf"[{HAN}A-Za-z]{{1,2}}$")


def organisation_asked(question: str) -> tuple[str, ...]:
    """The name endings of the organisation ``question`` asks for (empty: it asks for none)."""
    asked = _ORGANISATION_ASKED.search(question)
    return _ORGANISATIONS[asked.group(1)] if asked else ()


def names_organisation(sentence: str, ends: tuple[str, ...], question: str) -> bool:
    """``sentence`` names an organisation ending in one of ``ends`` (滨江集团, 总医院) that
    ``question`` does not name itself (华旭集团混改的投资者是哪家公司: not 华旭集团)."""
    for end in ends:
        for found in re.finditer(end, sentence):
            name = _NAME_BEFORE.search(sentence, 0, found.start())
            if name and sentence[name.start() : found.end()] not in question:
                return True
    return False


def _titled(sentence: str, start: int, end: int) -> bool:
    """A title right before or after the word (市委李鸿忠书记, 区委书记陈绍旺): a person."""
    titles = lexicon().titles
    return any(sentence.startswith(t, end) or sentence.endswith(t, 0, start) for t in titles)


def _people(sentence: str, known: Iterable[str] = ()) -> list[tuple[int, int]]:
    """The index's speakers and authors, and names the tagger finds next to a title (the
    tagger alone takes 高水平 or 长荣印务 for names)."""
    found = [span for name in known for span in occurrences(sentence, name)]
    position = 0
    for word, tag in pos_tags(sentence):
        end = position + len(word)
        if tag == "nr" and 2 <= len(word) <= 4 and _titled(sentence, position, end):
            found.append((position, end))
        position = end
    return found


def _places(sentence: str) -> list[tuple[int, int]]:
    found = [m.span() for m in _PLACE.finditer(sentence)]
    # 在大张庄镇: the place, without the word before it
    found = [(a + 1 if sentence[a] in _BEFORE_PLACE and b - a > 3 else a, b) for a, b in found]
    position = 0
    for word, tag in pos_tags(sentence):
        if tag == "ns" and len(word) >= 2 and not _DONE_AFTER.match(sentence, position + len(word)):
            found.append((position, position + len(word)))
        position += len(word)
    return found


VALUE_FINDERS: dict[str, Callable[[str], list[tuple[int, int]]]] = {
    "quantity": lambda s: [m.span() for m in QUANTITY.finditer(s)],
    "date": lambda s: [m.span() for m in DATE.finditer(s)],
    "person": _people,
    "place": _places,
}


def typed_values(
    sentence: str, analysis: Analysis, counted: Iterable[str] = ()
) -> list[tuple[int, int]]:
    """Values of the expected type; for a quantity, in the unit kind asked, and only in a
    sentence about the thing counted (多少个孩子: a sentence without 孩子 does not count them;
    ``counted``: words standing in for it)."""
    if analysis.answer_type == "person":
        return _people(sentence, (*analysis.known_people, *analysis.titled_people))
    values = VALUE_FINDERS[analysis.answer_type](sentence)
    if analysis.answer_type == "place":
        return _of_kind(values, sentence, analysis.query)
    if analysis.answer_type == "date" and _CLOCK_ASKED.search(analysis.query):
        return [m.span() for m in _CLOCK.finditer(sentence)]  # 几点开门: a time of day
    if analysis.answer_type == "quantity":
        if _FIVE_YEARS_ASKED.search(analysis.query):
            return [m.span() for m in _FIVE_YEARS.finditer(sentence)]
        about = (analysis.counted, *counted, *_head(analysis.counted))
        if analysis.counted and not any(word in sentence for word in about):
            return []
        values = [
            v
            for v in values
            if unit_fits(sentence[v[0] : v[1]], analysis.unit)
            and not CALENDAR_YEAR.fullmatch(sentence, *v)
        ]
        if not analysis.unit:  # 8500贫困人口 for 多少贫困人口
            focus = analysis.focus
            values += _bare(
                sentence, values, lambda end: any(sentence.startswith(w, end) for w in focus)
            )
        elif _PEOPLE in analysis.unit:  # 12万农民 for 多少人
            values += _bare(sentence, values, lambda end: bool(PEOPLE_WORD.match(sentence, end)))
    return values


def _head(word: str) -> tuple[str, ...]:
    """工业园区 → 园区: the last two characters of a four-character compound name what it is,
    and the documents count it so (8个园区 of the 工业园区 they speak of); a value counted
    only so is tied by meaning."""
    return (word[2:],) if len(word) == 4 and all(map(is_cjk, word)) else ()


def _bare(
    sentence: str, found: list[tuple[int, int]], counts: Callable[[int], bool]
) -> list[tuple[int, int]]:
    """Numbers without a unit, outside the values ``found``, whose next words ``counts``
    (given where the number ends) accepts as what is counted."""
    return [
        m.span()
        for m in _BARE.finditer(sentence)
        if counts(m.end()) and not any(a <= m.start() < b for a, b in found)
    ]


# a total asked (units.TOTAL_ASKED): the value of a clause that gives one (全区共…13个) wins
_TOTAL = re.compile(r"共|累计|总计|合计|总")
# 发展到多少 asks for the target: of 由239家发展到550家, the value after 到.
_TARGET_ASKED = re.compile(r"到多少|到几|达到多少")
_CLAUSE = re.compile(r"[^，,；;：:]+[，,；;：:]?")


def clause_end(sentence: str, span: tuple[int, int]) -> int:
    """Where the clause of the value at ``span`` ends; a value alone in its clause
    (2019年,我们成立了…) ends with the next one, which it dates."""
    ends = [m.end() for m in _CLAUSE.finditer(sentence)]
    at = next((i for i, end in enumerate(ends) if end > span[0]), None)
    if at is None:
        return len(sentence)
    start = ends[at - 1] if at else 0
    return ends[min(at + _alone(sentence, (start, ends[at]), span), len(ends) - 1)]


def _alone(sentence: str, clause: tuple[int, int], span: tuple[int, int]) -> bool:
    """The value at ``span`` is all its ``clause`` writes (2019年,): it sets the time of the
    next one."""
    return not any(map(is_cjk, sentence[clause[0] : span[0]] + sentence[span[1] : clause[1]]))


_QUOTE = re.compile(r"“[^”]*”|「[^」]*」|《[^》]*》")


# How a value is tied to what was asked: its clause holds a focus word ("focus"), or only a
# word near in meaning to a focus word no passage holds ("meaning": 学位 for 上学的名额), or
# neither ("").
Near = Literal["", "meaning", "focus"]


def nearest_value(
    sentence: str,
    analysis: Analysis,
    weights: Mapping[str, float],
    stand_ins: Mapping[str, set[str]] | None = None,
) -> tuple[tuple[int, int] | None, Near]:
    """The value of ``answer_type`` in ``sentence`` whose clause holds most of the focus
    (values inside quotation marks or titles are names, not answers, but for the count that
    opens a quoted slogan in a sentence with no other; the near words of ``stand_ins`` only
    break ties), and how its clause is tied to the focus."""
    quoted = [m.span() for m in _QUOTE.finditer(sentence)]
    stand_ins = stand_ins or {}
    # 几条马路: a sentence of 道路 counts them too, but only by meaning
    counted = stand_ins.get(analysis.counted, set())
    by_meaning = bool(analysis.counted) and analysis.counted not in sentence
    found = typed_values(sentence, analysis, counted)
    values = [v for v in found if not any(q0 <= v[0] < q1 for q0, q1 in quoted)]
    if not values and analysis.unit and analysis.unit[0].startswith("count"):
        # 确保“五个不发生”, asked 要确保几个不出事: a slogan's own count, when nothing else is
        # and the sentence writes what is counted only in that slogan (“五个一批” counts no
        # “脱贫攻坚讲习所”; “六个百分之百” counts the 百分百 asked)
        asked = analysis.counted_phrase[:2]
        values = [
            v
            for v in found
            for q0, q1 in quoted
            if v[0] == q0 + 1 and not (asked and asked in sentence[:q0] + sentence[q1:])
        ]
    if not values:
        return None, ""
    clauses = [m.span() for m in _CLAUSE.finditer(sentence)]
    totals = bool(TOTAL_ASKED.search(analysis.query))
    target = bool(_TARGET_ASKED.search(analysis.query))

    def tie(words: Iterable[str], clause: str, before: str) -> float:
        """How much a clause holds of ``words`` (one focus word's forms): more before the
        value than after it."""
        inside = [w for w in words if w in clause]
        return 0.0 if not inside else 1.0 if any(w in before for w in inside) else 0.5

    def clause_score(span: tuple[int, int]) -> tuple[float, float]:
        """The focus the value's clause holds, and what its stand-ins hold; a span of time
        (用两年半的时间,使…) is tied to the clauses beside it too."""
        at = next((i for i, (a, b) in enumerate(clauses) if a <= span[0] < b), None)
        if at is None:
            c0, c1 = 0, len(sentence)
        else:
            wide = 1 if analysis.unit == ("duration",) else 0
            # 2019年,我们成立了…: a clause of the value alone sets the time of the next one
            after = max(wide, int(_alone(sentence, clauses[at], span)))
            c0, c1 = clauses[max(0, at - wide)][0], clauses[min(len(clauses) - 1, at + after)][1]
        clause, before = sentence[c0:c1], sentence[c0 : span[0]]
        score = sum(w * len(t) * tie((t,), clause, before) for t, w in weights.items())
        meant = sum(
            w * len(t) * tie(stand_ins.get(t, set()) - _UNIT_WORDS, clause, before)
            for t, w in weights.items()
        )
        if totals and _TOTAL.search(clause):
            score *= 1.5
        if target and sentence[max(0, span[0] - 1) : span[0]] in ("到", "至"):
            score *= 1.3
        # 35名医务人员: the value that the counted word follows (4批次 counts something else)
        if any(sentence.startswith(t, span[1]) for t in weights):
            score *= 1.2
        # 129项重点工程和20件民生实事, asked 多少项重点工程: the value followed by what the
        # question counts, as it writes it
        if analysis.counted_phrase and sentence.startswith(analysis.counted_phrase[:2], span[1]):
            score *= 1.5
        return score, meant

    scored = [(clause_score(v), v) for v in values]
    (score, meant), best = max(scored, key=lambda sv: (*sv[0], -sv[1][0]))
    if (score > 0 or not weights) and not by_meaning:
        return best, "focus"
    return best, "meaning" if score > 0 or meant > 0 else ""


def has_quantity(sentence: str, analysis: Analysis) -> bool:
    return any(unit_fits(m.group(0), analysis.unit) for m in QUANTITY.finditer(sentence))
