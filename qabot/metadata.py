"""Questions about the documents themselves, answered from what the index records of them.

北辰区的区委书记是谁？ 东丽区在哪个城市？ 和平区这篇专访是哪一年的？ Retrieval finds passages
*about* leaders, cities and years, and the answer line then marks whatever person or place
sits near the focus (a city leader the text mentions, a common noun). The index already
holds these facts as attribution — each passage's district, city, speaker, role and date —
so the value is looked up, and the answer line is a sentence of the district's documents that
contains it (the citation), the value marked. A province comes from the city's entry in
China's division table (毕节市 → 贵州省), answered only where the text writes it; whom a report
addresses (讲给谁听的), from its salutation (各位代表!). A role no speaker of the district holds
and its text never names (宝坻区的区委书记: only its government report is indexed) is refused.

Who wrote or edited a document and when it went online come from its bylines
(:mod:`qabot.bylines`: 作者:文|喻祖常, 发布日期:2017/8/15), the byline being the answer line;
a district with no such byline is refused (a name near the focus would be someone else's),
but a publication date question also worded as a year question still gets the year.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from qabot.bylines import FIELDS, fields
from qabot.cards import kind_name
from qabot.places import province_of
from qabot.records import quoted
from qabot.sentences import sentence_spans
from qabot.textnorm import occurrences
from qabot.turns import main_speaker, spoke_of
from qabot.types import AnswerLine, AnswerSpan, Chunk, Hit

_ROLES = ("党工委书记", "区委书记", "管委会主任", "区长", "书记", "主任")
# 市委书记, 副区长 are other posts than the district's leader the question means.
_OTHER_POST = r"(?<!市委)(?<!省委)(?<!副)(?<!市)"
_ROLE = re.compile(
    rf"{_OTHER_POST}({'|'.join(_ROLES)})(?:是|叫)?(?:谁|哪一?位|什么名字|叫什么|叫啥|啥名字|何人)"
    rf"|谁是[^？?]{{0,8}}?{_OTHER_POST}({'|'.join(_ROLES)})"
)
# Who is the head of Dongli (district)? — not the head of some task force in it: the post is
# of one word's place (a district, typed in any case), and nothing follows the place.
_POSTS_EN = "party secretary|party chief|secretary|district head|mayor|head|director|leader"
_ROLE_EN = re.compile(
    rf"(?i)\bwho(?:'s| is| was)\s+(?:the\s+)?({_POSTS_EN}|in charge)\s+(?:of|in|for)\s+"
    r"(?:the\s+)?[a-z]+(?:\s+(?:new\s+)?(?:district|area|county))?\s*[?？.!]*\s*$"
    r"|\bwho\s+(leads|runs|heads|governs)\s+(?:the\s+)?[a-z]+"
    r"(?:\s+(?:new\s+)?(?:district|area|county))?\s*[?？.!]*\s*$"
    # who is beichen's party chief
    rf"|\bwho(?:'s| is| was)\s+[a-z]+(?:\s+(?:new\s+)?district)?'s\s+({_POSTS_EN})\s*[?？.!]*\s*$"
)
# the district's secretary, not 总书记 or a village branch's 书记 the text mentions
_ROLES_EN: dict[str, tuple[str, ...]] = dict.fromkeys(
    ("party secretary", "party chief", "secretary"), ("区委书记", "党工委书记")
)
_ROLES_EN |= dict.fromkeys(("district head", "mayor"), ("区长",))
_ROLES_EN |= dict.fromkeys(
    ("head", "director", "leader", "in charge", "leads", "runs", "heads", "governs"),
    ("区长", "主任", "书记"),
)
# A document word, then when it went online (文章是哪天发布的, 那篇稿子什么时候发到网上的).
_DOCUMENT = r"(?:专访|访谈|采访|报告|文章|稿|这篇|那篇|这份|网页|页面)"
_WHEN = r"(?:哪一?天|哪一?年|什么时候|何时|几号|几月几[日号]|什么日子)"
_POSTED = r"(?:发布|发表|刊发|刊登|刊出|登出|发出|贴出|发到网上|放到网上|上网|挂网|发)"
_BODY = r"(?:哪个|什么)(?:单位|部门|机关|机构)"  # the body a document is issued by
_DOCUMENT_EN = r"\b(?:article|interview|report|page|piece|story|post|document|text)\b"
# the kinds a question names (是讲话稿还是记者采访)
_FORMS = r"(?:记者)?(?:访谈|采访|专访|报告|工作报告|政府工作报告|文章|讲话|发言)稿?"
# What is asked, in Chinese and in English: the question's kind. The first three are
# answered from bylines (their names are the fields of qabot.bylines).
_KINDS = {
    "author": (
        r"(?:作者|署名|执笔人?|撰稿人?|撰写人)(?:是|叫|为)?(?:谁|哪位|何人|什么名字|叫什么)"
        r"|谁(?:写|撰写|执笔)的|是谁(?:写|撰写)|出自谁|由谁(?:写|撰写|执笔)|署[的着了]?名?字?(?:是|为)?(?:谁|哪位)",
        r"\bwho (?:wrote|authored|penned|signed)\b|\bwho(?:'s| is| was) the (?:author|writer)\b"
        r"|\bname of the (?:author|writer)\b|\b(?:author|writer)'s name\b"
        r"|\bwho(?:'s| is| was)\b[^?]{0,40}\bwritten by\b|\bwritten by whom\b",
    ),
    "editor": (
        r"责任编辑|编辑(?:是|叫|为)?(?:谁|哪位|何人|什么名字|叫什么)|谁[^？?。]{0,3}编辑",
        r"\bwho (?:edited|is the editor|was the editor)\b|\bwho(?:'s| is| was)\b[^?]{0,40}"
        r"\bedited by\b|\bname of the editor\b|\beditor'?s name\b|\beditor\b[^?]*\bwho\b",
    ),
    "published": (
        rf"{_DOCUMENT}[^？?。]{{0,20}}?{_WHEN}被?(?:在网[上站]上?)?{_POSTED}[的了]?[呢啊]?\s*[？?。!！]*\s*$"
        rf"|{_DOCUMENT}[^？?。]{{0,20}}?(?:发布|发表|刊发|上网)(?:日期|时间)"
        rf"|{_DOCUMENT}[^？?。]{{0,20}}?(?:网页|页面|网站)上[^？?。]{{0,6}}(?:时间|日期)",
        rf"^(?=.*{_DOCUMENT_EN}).*\b(?:when|what date|which date|what day|which day)\b.*"
        r"\b(?:published|posted|put online|put up|released)\b"
        r"|\bpublication date\b|\bdate of publication\b",
    ),
    "district_of": (r"哪个(?:新)?区", r"\b(?:which|what) district\b"),
    # 那篇专访的标题是什么, What is the Heping interview called? — before a person's title
    "title": (
        rf"{_DOCUMENT}[^？?。]{{0,12}}?(?:标题|题目|篇名|题为)|{_DOCUMENT}的?(?:叫|名叫)(?:什么|啥)"
        r"|(?:标题|题目)(?:是|叫)(?:什么|啥)"
        # 这篇访谈主要谈了哪几方面的话题: what it is about, which its title says
        rf"|{_DOCUMENT}[^？?。]{{0,8}}?(?:谈|讲|说|写|聊|涉及)了?(?:的是)?(?:哪几?个?|哪些|什么|啥)"
        r"(?:方面的?)?(?:话题|主题|议题|方面)[呢啊呀]?\s*[？?。!！]*\s*$",
        rf"\b(?:title|headline)\b[^?]{{0,20}}{_DOCUMENT_EN}"
        # (the apps they use to report problems called: a verb, not the document)
        rf"|(?<!\bto ){_DOCUMENT_EN}[^?]{{0,30}}\b(?:titled|called|entitled|headlined)\b"
        rf"|\b(?:topics|themes|subjects)\b[^?]{{0,30}}{_DOCUMENT_EN}",
    ),
    # 这篇是什么类型的文档, 是工作报告还是访谈, What kind of document is it?
    "kind": (
        rf"{_DOCUMENT}[^？?。]{{0,10}}?(?:什么|哪种|哪一种|哪类|啥)(?:类型|性质|形式|体裁|文体|样的)"
        rf"|是{_FORMS}还是{_FORMS}",
        r"\b(?:what|which) (?:kind|type|sort) of (?:document|text|source|piece|file|material)\b"
        r"|\bis (?:it|this|that|the [a-z]+ (?:text|document|piece|source)) an? "
        r"(?:interview|report|article|speech)\b",
    ),
    "post_of": (
        r"什么职务|什么职位|什么官|担任什么|任什么职|是(?:干|做)(?:什么|啥|嘛)的|什么身份",
        r"\b(?:position|post|title|job|role)\b",
    ),
    "province": (
        r"(?:在|是|属于)(?:哪(?:个|一个)?|什么)省",
        r"(?<!from )\b(?:which|what) province\b",
    ),
    "city": (
        r"哪个(?:地级|直辖)?(?:城市|市)|哪座城市|什么(?:城)?市|哪个省市"
        # 和平区在哪？ — where the district itself is, nothing else asked
        # (金海湖新区，它在哪里？ Jinhaihu New District, where is it?)
        r"|[区县][，,]?\s*它?(?:在|位于)(?:哪|哪里|哪儿|什么地方)[呢啊呀]?\s*[？?。!！]*\s*$",
        r"(?<!from )\b(?:which|what) city\b"
        r"|^\s*where(?:'s| is)\s+(?:the\s+)?[a-z]+(?:\s+new)?(?:\s+(?:district|area))?"
        r"\s*(?:located\s*)?[?.!]*\s*$"
        r"|^\s*[a-z]+(?:\s+new)?(?:\s+(?:district|area))?\s*,?\s*where(?:'s| is)\s+it"
        r"(?:\s+located)?\s*[?.!]*\s*$",
    ),
    "year": (
        r"(?:专访|访谈|采访|报告|文章|这篇|这份)[^？?。]{0,12}(?:哪一?年|什么时候|何时)",
        r"\b(?:which|what) year\b.*\b(?:interview|report|article)\b"
        r"|\bwhen (?:was|is|did) (?:the|this) (?:[a-z]+ ){0,3}(?:interview|report|article)\b",
    ),
    # 这份报告是讲给谁听的 / Who was the report addressed to? — whom the speaker addresses
    "audience": (
        r"(?:讲|说|念|读|作|做)给谁听|对(?:着)?谁(?:讲|说|作|做)|听众|向谁(?:作|做|报告|汇报)"
        r"|面向(?:谁|哪些人)(?:讲|作|做)",
        r"\baudience\b|\baddressed to\b"
        r"|\bwho\b[^?]{0,30}\b(?:addressed|speaking to|delivered to)\b",
    ),
    # 和平区接受采访的是谁？ Who gave the Baodi report? — whoever the document quotes
    "speaker": (
        r"(?:接受|受)了?(?:采访|专访|访谈)的?(?:是|人是)?(?:谁|哪位)"
        r"|谁接受了?的?(?:采访|专访|访谈)|(?:采访|专访|访谈)(?:的是|了)(?:谁|哪位)"
        r"|(?:(?:采访|受访|访谈)对象|受访(?:者|人))(?:是|为)?(?:谁|哪[两二三几]?位)"
        # 回答记者提问的是谁, 是哪几位领导在介绍情况 (several: the document's speakers; 科技创新
        # 是哪位领导介绍的 asks who spoke of one thing)
        r"|回答(?:记者)?的?(?:提问|问题)的?(?:是|人是)?(?:谁|哪位)|谁(?:在)?回答了?(?:记者)?的?(?:提问|问题)"
        r"|(?:哪几位|哪些)(?:领导|人)在?(?:介绍|发言|讲话|答问)"
        r"|(?:报告|讲话|访谈)(?:是)?(?:谁|哪位)(?:做|作|讲|说)的|谁(?:做|作)的(?:报告|讲话)"
        rf"|(?:报告|讲话|文件)[^？?。]{{0,4}}?以(?:谁|{_BODY})的名义"
        rf"|(?:报告|文件|这份|那份)[^？?。]{{0,6}}?{_BODY}(?:做|作|发布|发|出|提交)的",
        r"\bwho (?:was|is|got|were) (?:being )?interviewed\b"
        r"|\bwho (?:gave|delivered|made|presented) (?:the|this) (?:report|speech|interview)\b",
    ),
}
_KIND = {kind: [re.compile(zh), re.compile(en)] for kind, (zh, en) in _KINDS.items()}
# The person a document quotes, named by their part in it (受访人担任什么职务, the author's post).
_THE_SPEAKER = re.compile(
    r"受访(?:人|者|领导|的人|对象)|(?:采访|访谈)对象|接受(?:采访|专访|访谈)的(?:人|领导)?|作者|报告人|作报告的|讲话(?:的)?人"
    r"|写[^？?，。]{0,14}?的人"
    r"|\bthe (?:interviewee|author|writer|speaker|person interviewed)\b"
)
_NEEDS_PERSON = ("district_of", "post_of")
_ADDRESSED = re.compile(
    r"(?:^|(?<=[。！？!?]))(各位代表|各位委员|代表们|同志们|朋友们)(?=[!！,，:：])"
)


@dataclass(frozen=True)
class Fact:
    """A value the attribution gives, and where a document's text says it."""

    value: str
    chunk: Chunk
    start: int  # offsets of the value in ``chunk.text``
    end: int
    whole: bool = False  # the answer line is all of ``chunk.text`` (a record), not one sentence

    @property
    def sentence(self) -> tuple[int, str]:
        """The sentence of ``chunk.text`` holding the value, with its start offset."""
        if self.whole:
            return 0, self.chunk.text
        spans = sentence_spans(self.chunk.text)
        return next(
            ((at, text) for at, text in spans if at <= self.start < at + len(text)),
            (0, self.chunk.text),
        )


def first(about: Asked, found: list[Hit]) -> list[Hit]:
    """``found`` with the passage stating ``about``'s fact ranked first; asked who spoke of
    something, the passage that speaks of it, then only its speaker's (whose lines the answer
    is chosen among)."""
    chunk = about.first
    if chunk is None:
        return found
    own = next((h for h in found if h.chunk.id == chunk.id), None)
    top = own or Hit(chunk, 1.0, 0.0, 0.0)
    every = about.passage is None  # a fact: every other passage after it
    rest = (h for h in found if h is not own)
    return [top, *(h for h in rest if every or h.chunk.speaker == chunk.speaker)]


def line(fact: Fact) -> AnswerLine:
    """The answer line: the sentence stating ``fact``, the value (if any) marked (passage 1)."""
    span = AnswerSpan(1, fact.start, fact.end, fact.value) if fact.value else None
    return AnswerLine(fact.sentence[1], 1, span)


# what the refusal of a byline field or a post says the documents lack, in Chinese and English
_LACKING = {
    "author": ("没有写作者是谁", "do not name their author"),
    "editor": ("没有写编辑是谁", "do not name their editor"),
    "published": ("没有写发布日期", "do not give their publication date"),
}
_POST_EN = {posts[0]: name for name, posts in reversed(_ROLES_EN.items())}  # 区长: district head


@dataclass(frozen=True)
class Asked:
    """What a question about the documents themselves gets: the ``fact`` where the text
    states it, or the post (``unheld``) that no speaker of the district holds and its text
    never names, or the byline field (author, editor, published) none of its documents has —
    the documents do not say, and a name near the focus would be someone else's; or, asked who
    spoke of something (:mod:`qabot.turns`), the ``passage`` that speaks of it. All empty for
    any other question."""

    fact: Fact | None = None
    unheld: str = ""
    district: str = ""  # of an unheld post: whose documents were read
    by: tuple[tuple[str, str], ...] = ()  # … and their speakers instead: (冯卫华, 区委书记)
    passage: Chunk | None = None  # who spoke of it: the passage that speaks of it, answered from

    @property
    def first(self) -> Chunk | None:
        """The passage to rank first: the fact's, or the one a speaker spoke of it in."""
        return self.fact.chunk if self.fact is not None else self.passage

    def notice(self, language: str = "zh") -> str:
        """The refusal of an unheld post or byline field: what the documents lack and, for a
        post, whose words they are (北辰区的区长是谁: 冯卫华, 区委书记)."""
        post = _POST_EN.get(self.unheld, self.unheld)
        zh, en = _LACKING.get(self.unheld, (f"没有写{self.unheld}是谁", f"do not name its {post}"))
        if language == "en":
            by = ", ".join(f"{name} ({role})" if role else name for name, role in self.by)
            return f"The {self.district} documents {en}." + (f" They are by {by}." if by else "")
        by = "、".join(f"{name}（{role}）" if role else name for name, role in self.by)
        return f"{self.district}的文档{zh}。" + (f"它们出自{by}。" if by else "")


def asked(
    question: str,
    district: str,
    own: Sequence[Chunk],
    people: Iterable[str] = (),
    bylines: Sequence[Chunk] = (),
    cards: Sequence[Chunk] = (),
) -> Asked:
    """What the ``question`` (Chinese, or English) asks of ``district`` — its city or
    province, a role's holder, its documents' year, the post or district of a person in
    ``people`` (or the post of the one its documents quote: 受访人, the author), who wrote
    or edited its documents and when they went online, their title and kind — answered from
    ``own``, the district's passages, ``bylines``, its documents' bylines, and ``cards``, what
    their catalog entries say (:mod:`qabot.cards`) where the text does not say it."""
    kinds, roles = _kinds(question), _roles(question)
    field = next((k for k in kinds if k in FIELDS), "")
    # what the interviewer asked, a photo, the page (but its date is a byline's: 网页上的时间)
    found = None if field else quoted(question, bylines)
    if found is not None:
        return Asked(Fact(found.value, found.chunk, found.start, found.end, whole=True))
    if (spoken := spoke_of(question, own, district)) is not None:  # 城市化建设是谁介绍的
        return Asked(passage=spoken)
    if not kinds and not roles:  # most questions: no passage is looked at
        return Asked()
    if field:
        fact = _byline(field, bylines)
        kinds = [k for k in kinds if k not in FIELDS]
        if fact is not None or field != "published" or "year" not in kinds:
            return Asked(fact) if fact is not None else Asked(unheld=field, district=district)
    person = next((p for p in people if any(c.speaker == p for c in own)), "")
    if not person and "post_of" in kinds and _THE_SPEAKER.search(question.lower()):
        person = main_speaker(own)  # 受访人担任什么职务: the one the document quotes
    kind = next((k for k in kinds if person or k not in _NEEDS_PERSON), "")
    near = person if kind == "district_of" else ""
    values = _values(kind, roles, district, own, person)
    # where the text states it, else where only the catalog does (the document's card)
    fact = next(
        (
            f
            for chunks in (own, cards)
            for v in values
            if v and (f := _stated(v, district, chunks, near, kind == "year"))
        ),
        None,
    )
    if (
        fact is None
        and roles
        and not any(_holds(roles, c.role) or _holds(roles, c.text) for c in own)
    ):
        speakers = dict.fromkeys((c.speaker, c.role) for c in own if c.speaker)
        return Asked(unheld=roles[0], district=district, by=tuple(speakers))
    return Asked(fact)


def _values(
    kind: str, roles: tuple[str, ...], district: str, own: Sequence[Chunk], person: str
) -> list[str]:
    """The values the attribution gives for what is asked, best first."""
    if kind == "district_of":
        return [district]
    if kind == "post_of":
        posts = dict.fromkeys(c.role for c in own if c.speaker == person and c.role)
        return [part for post in posts for part in re.split(r"[、，,]", post)]
    if kind == "province":
        cities = dict.fromkeys(c.city for c in own if c.city)
        return [p for p in (province_of(c) for c in cities) if p]
    if kind == "city":
        return list(dict.fromkeys(c.city for c in own if c.city))
    if roles:  # the holder of the first role first: the head of Dongli is its 区长
        return list(
            dict.fromkeys(c.speaker for role in roles for c in own if _holds((role,), c.role))
        )
    if kind == "speaker":
        return list(dict.fromkeys(c.speaker for c in own if c.speaker))
    if kind == "year":
        return list(dict.fromkeys(f"{c.date[:4]}年" for c in own if c.date[:4].isdigit()))
    if kind == "title":
        return list(dict.fromkeys(c.title for c in own if c.title))
    if kind == "kind":
        return list(dict.fromkeys(kind_name(c.kind) for c in own if c.kind))
    if kind == "audience":  # how the speaker addresses them: 各位代表！
        return list(dict.fromkeys(m for c in own for m in _ADDRESSED.findall(c.text)))
    return []


def _byline(field: str, bylines: Sequence[Chunk]) -> Fact | None:
    """The value of ``field`` in the first byline that gives it: the byline is its sentence."""
    for chunk in bylines:
        if span := fields(chunk.text).get(field):
            return Fact(chunk.text[slice(*span)], chunk, *span)
    return None


def _kinds(question: str) -> list[str]:
    """What a question about the documents may ask, in :data:`_KINDS` order."""
    text = question.lower()
    return [kind for kind, patterns in _KIND.items() if any(p.search(text) for p in patterns)]


def _roles(question: str) -> tuple[str, ...]:
    """The posts a "who leads" question asks the holder of (any one of them)."""
    if match := _ROLE.search(question):
        return (match.group(1) or match.group(2),)
    if match := _ROLE_EN.search(question):
        return _ROLES_EN[next(g for g in match.groups() if g).lower()]
    return ()


def _holds(roles: tuple[str, ...], text: str) -> bool:
    """Whether ``text`` names one of ``roles`` itself, not its deputy (副书记)."""
    return any(re.search(rf"(?<!副){role}", text) for role in roles)


_ENDS = "。！？；!?;\n"  # what a sentence opens after
# What follows a district's name where a sentence says what the district is (是, 位于…).
_DEFINES = re.compile(r"是|位于|地处|隶属")


def _stated(
    value: str, district: str, chunks: Sequence[Chunk], near: str = "", year: bool = False
) -> Fact | None:
    """Where ``value`` is written: best beside ``near`` (北辰区委书记冯卫华 for the district
    of 冯卫华) or, without ``near``, where the district's name follows it (天津市北辰区,
    毕节金海湖新区), best in a sentence saying what the district is; else, of a ``year``, its
    first mention that opens a sentence (2019年,我们将…: the year the document speaks of as
    its own); else its first mention. A city may be written without 市, a province without
    省, a year without 年."""
    forms = [value]
    if value[-1:] in "市省年" and len(value) > 2:
        forms.append(value[:-1])
    best: tuple[float, Fact] | None = None
    for chunk in chunks:
        for form in forms:
            for start, end in occurrences(chunk.text, form):
                around = chunk.text[max(0, start - 12) : end + 12]
                after = chunk.text[end : end + len(district) + 2]
                beside = near in around if near else after.startswith(district[:2])
                opens = year and (start == 0 or chunk.text[start - 1] in _ENDS)
                score = 3 if beside else 2 + 0.5 * opens if form == value else 1
                if beside and not near and _DEFINES.match(after, len(district)):
                    score = 4  # 毕节金海湖新区是毕节…: the sentence that says what it is
                if best is None or score > best[0]:
                    best = (score, Fact(form, chunk, start, end))
    return best[1] if best else None
