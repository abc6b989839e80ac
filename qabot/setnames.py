"""The names of a counted set: 新建提升改造的5座污水处理厂分别叫什么, “五城同创”是哪五城.

A question that states how many things a set holds and asks what they are is answered only by
a line that lists them (甲、乙和丙); a line giving only the count (污水处理厂5座) does not
answer it, and :mod:`qabot.partial` refuses it with a notice quoting the count.
"""

from __future__ import annotations

import re

from qabot.contrast import FORMULA, plain_formula
from qabot.lexicon import lexicon
from qabot.paragraphs import number
from qabot.textnorm import HAN

# 那4家企业是哪几家: a count the question states (two or more; 哪四个字 asks for a phrase)
_COUNTABLE = "".join(c for c in lexicon().after_ji if c not in "年次天亩万千百倍吨米期")
_COUNTED = re.compile(
    rf"(?:(?<![\d.])(?:[2-9]|\d{{2,}})|[两二三四五六七八九十]+)(?:余|多)?[{_COUNTABLE}](?!字)"
    r"|\b(?:[2-9]|[1-9]\d|two|three|four|five|six|seven|eight|nine|ten)\s+[a-z]",
    re.IGNORECASE,
)
_NAMES_ASKED = re.compile(
    r"叫什么|叫啥|什么名字|名称|名字|分别是(?:什么|哪)|哪(?:几|些|[两二三四五六七八九十]|\d)"
    # 20项民心工程里第一项是什么, 头一项是啥: one item of the set, named in its list
    r"|(?:第[一二三四五六七八九十\d]+|头一?)[项个条件](?:是|叫|指)"
    # 20件民生实事，每一件具体是什么; “7+5”里的“7”和“5”具体指什么: what each item is
    r"|每一?[项个条件种](?:具体)?(?:是|叫|指)|(?:具体都?|都)(?:是|指|有|包括)(?:什么|哪些|啥)|分别指"
    r"|\bnames?\b|\bwhich (?:two|three|four|five|six|\d+)\b",
    re.IGNORECASE,
)
# 5.27万亩高标准农田分别建在哪些镇: an amount the question states, then where or what each part
# is — the names of its parts, of the kind asked (镇), where it says one (a line giving the amount
# alone names none)
_SPREAD = re.compile(
    rf"\d[\d.]*[万亿]?[{HAN}]{{1,2}}[^。？?]{{0,16}}?分别[^，,。？?]{{0,6}}?"
    rf"哪(?:(?:些|几)个?(?P<kind>[{HAN}]))?"
)
# names written together: 天成地块、大沽北路地块; 丁青、兴隆、华池和正宁; 第五届…大赛暨第十届…大赛;
# “津八条”“和平20条” (quoted names side by side)
_ENUMERATED = re.compile(rf"[{HAN}“”》]{{2}}(?:、|和|与|及|暨)[{HAN}“”《]{{2}}|”“")
# what a numbered label holds: “五城同创”是哪五城, 十项文明…是哪十项 (the count asked is in a
# word the question names before), “辰十条”具体有哪些 (a quoted label with a count).
_NUMERAL = "一二两三四五六七八九十"
_WHICH_OF_LABEL = re.compile(rf"哪(?P<count>[{_NUMERAL}]+[{HAN}])")
_QUOTED_COUNT = re.compile(rf"“[^”]*?(?P<count>[{_NUMERAL}]+[{HAN}])[^”]*”")
# “7+5”养老服务模式: a scheme named by figures, one per part, whose parts a text may spell out
_QUOTED_FORMULA = re.compile(rf"“(?P<count>{FORMULA})”")
# what the counted set is of: 那8个后进村都是哪几个 → 后进村 (its last character, 村, is in
# the clause that counts them); 11条黑臭沟渠里… → 黑臭沟渠 (里 says "of them", no name);
# 20项民心工程具体都有哪些 → 民心工程 (an adverb before the question word is not the set's)
_SET_OF = re.compile(
    rf"[{HAN}]{{1,6}}?(?=具体|到底|究竟|主要|都|是|分别|叫|各|里|当中|之中|中[，,]|[，,。？?]|$)"
)
_COUNT_NUMBER = re.compile(r"\d+|[两二三四五六七八九十]+")  # of a count _COUNTED found
# the first of a set asked (头一项是啥), and a text that says which comes first (首先是, 一是)
_FIRST_ASKED = re.compile("(?:第一|头一?)[项个条件种]")
_FIRST_SAID = re.compile("首先|第一[项个条是]|一是|其一")
_CLAUSES = re.compile(r"[，,；;。]")
_SENTENCES = re.compile("[。；;]")
_SCHEME = re.compile(FORMULA)
_JOINED = re.compile("[和及与暨]")  # the last of the things a clause lists


def names_asked(question: str) -> bool:
    """``question`` asks the names of a set it counts (or of a numbered label's items)."""
    counted = _COUNTED.search(question) or _label(question)
    return bool((counted and _NAMES_ASKED.search(question)) or _SPREAD.search(question))


def names_given(text: str, question: str) -> bool:
    """Whether ``text`` lists the names :func:`names_asked` asks: for a label, its items (a
    “7+5” scheme's parts spelt out after it); else names written together (甲、乙), not in a
    clause of their own beside one counting the set (促使8个后进村…)."""
    if _FIRST_ASKED.search(question) and _FIRST_SAID.search(text):  # “四化”,首先是…
        return True
    if label := _label(question):
        if _SCHEME.fullmatch(label):  # “7+5”: its parts spelt out after it
            scheme = plain_formula(label)
            after = [
                sentence[found.end() :]
                for sentence in _SENTENCES.split(text)
                for found in _SCHEME.finditer(sentence)
                if plain_formula(found.group(0)) == scheme
            ]
            parts = scheme.count("+") + 1
            return any(_ENUMERATED.search(a) and _items(a) >= parts for a in after)
        return any(_expands(clause, label) for clause in _CLAUSES.split(text))
    counted = _COUNTED.search(question)
    of = _SET_OF.match(question, counted.end()) if counted else None
    # 分别建在哪些镇: the kind of the parts asked (镇), which the names listed end in
    spread = None if counted else _SPREAD.search(question)
    head = of.group(0)[-1] if of else (spread and spread.group("kind")) or ""
    clauses = _CLAUSES.split(text)
    # 14项主题救助…哪几项: 低保、低收入救助家庭 lists two things, not the fourteen
    least = min(_size(counted.group(0)), 3) if counted else 0
    listed = [c for c in clauses if _ENUMERATED.search(c) and _items(c) >= least]
    forms = _count_forms(counted.group(0)) if counted else ()
    short = [c[: c.index(f"等{f}")] for c in clauses for f in forms if head in c and f"等{f}" in c]
    size = _size(counted.group(0)) if counted else 0
    if any(_items(before) < size for before in short):
        # 整合环保等10个部门: the text names one and counts the rest (not 蓝天、碧水…等5个, all
        # five), which only a list of items of the kind asked names (甲部门、乙部门), not one
        # that holds its word (区职能部门、街道)
        return any(len(_kind_ends(head).findall(c)) >= 2 for c in listed)
    if not head or any(head in clause for clause in listed):
        return bool(listed)
    if spread:  # names listed, none of the kind asked
        return False
    # the set counted in a clause of its own (促使8个后进村…): the names listed in another
    # are of something else
    counts = any(head in c and any(f in c for f in forms) for c in clauses)
    return bool(listed) and not counts


def _kind_ends(head: str) -> re.Pattern[str]:
    """Items of a list ending in the kind ``head`` (甲部门、乙部门等: 门 twice)."""
    return re.compile(rf"{re.escape(head)}(?=[、和及与等]|$)")


def _size(count: str) -> int:
    """The number of a count the question states (8个: 8; 四项: 4); 0 for an English one."""
    written = _COUNT_NUMBER.match(count)  # none for an English count (two plants)
    return number(written.group(0)) if written else 0


def _count_forms(count: str) -> tuple[str, ...]:
    """How a text may write the number of a count the question states (8个: 8, 八; 四项: 4, 四;
    两个: 2, 二, 两), read and written as the question's numbers are (cn2an)."""
    n = _size(count)
    if not n:
        return ()
    import cn2an  # its patterns cost 0.1 s to build: only for a question that counts a set

    return (str(n), cn2an.an2cn(n), *(("两",) if n == 2 else ()))


def _label(question: str) -> str:
    """The count of a numbered label whose items the question asks (五城 of “五城同创”是哪五城,
    十条 of “辰十条”具体有哪些, 7+5 of “7+5”养老模式…具体指什么), else ``""``."""
    which = _WHICH_OF_LABEL.search(question)
    if which and which.group("count") in question[: which.start()]:
        return which.group("count")
    for pattern in (_QUOTED_COUNT, _QUOTED_FORMULA):
        quoted = pattern.search(question)
        if quoted and _NAMES_ASKED.search(question, quoted.end()):
            return quoted.group("count")
    return ""


def _expands(clause: str, label: str) -> bool:
    """The ``clause`` lists the items of the label counted ``label`` (五城: five): as many as it
    counts, or, where the clause names the label itself, three at least (“五级联动” after
    区职能部门、街道、社区、党员和网格员). 开展“十项文明”创建和…评选 names two things, not ten."""
    if not _ENUMERATED.search(clause):
        return False
    # “21条”“津八条”和“辰十条”: quoted labels side by side are other schemes, not its items
    items, count = _items(clause, quoted=False), number(label[:-1])
    return items >= count or (label in clause and items >= min(count, 3))


def _items(clause: str, quoted: bool = True) -> int:
    """How many things ``clause`` lists (甲、乙和丙: three; “津八条”“和平20条”: two, when
    ``quoted`` names side by side count)."""
    commas = clause.count("、") + (clause.count("”“") if quoted else 0)
    joined = _JOINED.search(clause[clause.rfind("、") + 1 :] if commas else clause)
    return commas + 1 + bool(joined)
