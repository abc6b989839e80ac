"""Questions answered from the records an index keeps beside its passages but never searches:
the interviewer's questions (记者:…), a photo's caption and the page around the text.

A journalist asks what the interviewer asked (北辰区专访里记者的第二个问题问的什么, 记者问到民生时
引用了什么, the reporter's last question), a reader what a photo shows or who provided it
(那篇文章配的照片是谁提供的), anyone what the page says around the text (which 栏目 it is under,
whether anyone commented, what its disclaimer says). The search never returns these lines —
the interviewer asks, the interviewee's answers say; a caption and the page are chrome — so
the question is answered from the record itself, quoted whole and cited like a paragraph; a
photo's credit (供图/…党政办) is the value marked when the question asks who provided it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qabot.attribution import INTERVIEWER
from qabot.bylines import is_caption, page_kind
from qabot.lexicon import official_words
from qabot.paragraphs import number
from qabot.textnorm import is_cjk
from qabot.types import Chunk

# What the interviewer asked, not what the interviewee answered (记者问到营商环境时，他是
# 怎么回答的).
_TURN = re.compile(
    r"记者[在的]?(?:第[一二三四五六七八九十\d]{1,2}个|最后一个|头一个|首个)?"
    r"(?:问题|提问|问|提到|引用|说到|讲到)"
    # 记者采访北辰时说… (not 接受记者采访时说: the interviewee speaks)
    r"|(?<!接受)(?<!受)记者(?:采访|访问)[^，,。？?]{0,8}?时?(?:说|讲|提到)"
    r"|\b(?:reporter|interviewer|journalist)s?(?:'s)?\b[^?]{0,30}?"
    r"\b(?:ask|asks|asked|asking|questions?|mention(?:s|ed)?|quot(?:e|es|ed)|cit(?:e|es|ed))\b"
)
_ANSWERED = re.compile(r"回答|答复|怎么答|\b(?:answer|answered|reply|replied|respond|responded)\b")
# which of the interviewer's questions: 第二个问题, 最后一题, the first question
_NTH = re.compile(
    r"第([一二三四五六七八九十\d]{1,2})个?(?:问题|题|问)|(最后|末)一?个?(?:问题|题)|(头|首)一?个问题"
    r"|\b(first|second|third|fourth|fifth|last|final)\s+question\b"
)
_NTH_EN = ("first", "second", "third", "fourth", "fifth")
_PHOTO = re.compile(r"照片|图片|配的?图|插图|\b(?:photo|photograph|picture|image)s?\b")
# who provided or took it: the caption's credit is the answer
_CREDIT_ASKED = re.compile(
    r"谁|哪个单位|哪个部门|哪家|提供|供图|拍的|摄|来源|出处"
    r"|\b(?:who|credit(?:ed)?|provided|took|taken|source)\b"
)
_CREDIT = re.compile(r"(?:供图|摄影?|图片来源)\s*[/／:：]\s*(?P<value>[^)）]+)")
# The page around the text: what a question asks of it, by the kinds of line that answer
# (qabot.bylines.page_kind); its 栏目 is in the breadcrumb, else in a title line naming it.
_PAGE_ASKED = {
    ("breadcrumb", "title"): re.compile(
        r"栏目|频道|版块|\b(?:column|category)\b|\bsection of the (?:web ?)?site\b"
    ),
    ("comments",): re.compile(r"评论|留言|\bcomments?\b"),
    ("disclaimer",): re.compile(
        r"版权|侵权|免责|源自网络|转载|(?:点|按钮|链接|入口)[^？?]{0,4}反馈"
        r"|内容[^？?]{0,6}(?:从哪|哪里来|哪儿来|来源|出处)"
        r"|反馈[^？?]{0,4}(?:点|按钮|链接|入口)|\b(?:copyright|disclaimer)\b"
    ),
    ("summary",): re.compile(r"摘要|\b(?:summary|abstract)\b"),
}
_PAGE = re.compile(r"网页|页面|\bweb ?page\b")  # any line of the page, by its words
_COUNT_ASKED = re.compile(r"多少|几|\bhow (?:many|much|long)\b")


@dataclass(frozen=True)
class Quoted:
    """The record that answers, and the value marked in it (none: the record is the answer)."""

    chunk: Chunk
    value: str = ""
    start: int = 0
    end: int = 0


def quoted(question: str, records: Sequence[Chunk]) -> Quoted | None:
    """The record of ``records`` (one district's) that ``question`` (Simplified Chinese, or
    English as written) asks about, if it asks about the interviewer's questions, a photo or
    the page around the text and the district's documents keep such a line."""
    text = question.lower()
    turns = [c for c in records if c.speaker == INTERVIEWER]
    if turns and _TURN.search(text) and not _ANSWERED.search(text):
        return Quoted(_turn(question, turns))
    captions = [c for c in records if is_caption(c.text)]
    if captions and _PHOTO.search(text):
        caption = captions[0]
        credit = _CREDIT.search(caption.text) if _CREDIT_ASKED.search(text) else None
        if credit is None:
            return Quoted(caption)
        return Quoted(caption, credit.group("value"), *credit.span("value"))
    kinds = {k for ks, asked in _PAGE_ASKED.items() if asked.search(text) for k in ks}
    page = not kinds and bool(_PAGE.search(text))  # any line of the page, by its words
    found = [c for c in records if (kind := page_kind(c)) and (kind in kinds or page)]
    if found:
        return Quoted(max(found, key=lambda c: _page_score(question, c)))
    return None


def _page_score(question: str, line: Chunk) -> int:
    """How well a line of the page answers: the words it shares with the question, and a
    number when one is asked (评论最多能写多少字: 字数不能超过300个)."""
    counts = bool(_COUNT_ASKED.search(question.lower())) and any(map(str.isdigit, line.text))
    return _shared(question, line.text) + 2 * counts


def _turn(question: str, turns: Sequence[Chunk]) -> Chunk:
    """The interviewer's question that ``question`` asks about: the turn it counts (第一个问题,
    the last question), else the one sharing most of its words."""
    turns = sorted(turns, key=lambda c: (c.doc_id, c.paragraph))
    nth = _NTH.search(question.lower())
    if nth is not None:
        return turns[min(_nth(nth), len(turns) - 1)]
    words = _NTH.sub("", _TURN.sub("", question))
    # 底子得靠什么: the documents' 基础 counts too
    words = " ".join([words, *(w for ws in official_words(question).values() for w in ws)])
    return max(turns, key=lambda c: _shared(words, c.text))


def _nth(match: re.Match[str]) -> int:
    """The index of the question :data:`_NTH` counts (-1: the last)."""
    digits, last, first, english = match.groups()
    if last or english in ("last", "final"):
        return -1
    if first:
        return 0
    return _NTH_EN.index(english) if english else number(digits) - 1


def _shared(words: str, text: str) -> int:
    """How many of the two-character runs of ``words`` ``text`` holds."""
    pairs = {words[i : i + 2] for i in range(len(words) - 1)}
    return sum(pair in text for pair in pairs if all(map(is_cjk, pair)))
