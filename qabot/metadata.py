"""Questions about the documents themselves, answered from what the index records of them.

北辰区的区委书记是谁？ 东丽区在哪个城市？ 和平区这篇专访是哪一年的？ Retrieval finds passages
*about* leaders, cities and years, and the answer line then marks whatever person or place
sits near the focus (a city leader the text mentions, a common noun). The index already
holds these facts as attribution — each passage's district, city, speaker, role and date —
so a question of this kind is answered from it: the value is looked up, and the answer line is
a sentence of the district's documents that contains it (the citation), the value marked.
A role no speaker of the district holds (宝坻区的区委书记, when only its government report
is indexed) gets no such answer, and the usual refusal follows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from qabot.sentences import sentence_spans
from qabot.types import AnswerLine, AnswerSpan, Chunk, Hit

_CITY = re.compile(r"哪个(?:地级)?(?:城市|市)|哪座城市|什么(?:城)?市")
_ROLES = ("党工委书记", "区委书记", "管委会主任", "区长", "书记", "主任")
_ROLE = re.compile(
    rf"({'|'.join(_ROLES)})(?:是|叫)?(?:谁|哪位|什么名字|叫什么)|谁是[^？?]{{0,8}}?({'|'.join(_ROLES)})"
)
_YEAR = re.compile(r"(?:专访|访谈|采访|报告|文章|这篇|这份)[^？?。]{0,12}(?:哪一?年|什么时候|何时)")


@dataclass(frozen=True)
class Fact:
    """A value the attribution gives, and where a document's text says it."""

    value: str
    chunk: Chunk
    start: int  # offsets of the value in ``chunk.text``
    end: int

    @property
    def sentence(self) -> tuple[int, str]:
        """The sentence of ``chunk.text`` holding the value, with its start offset."""
        spans = sentence_spans(self.chunk.text)
        return next(
            ((at, text) for at, text in spans if at <= self.start < at + len(text)),
            (0, self.chunk.text),
        )


def first(fact: Fact, found: list[Hit]) -> list[Hit]:
    """``found`` with the passage that states ``fact`` ranked first."""
    own = next((h for h in found if h.chunk.id == fact.chunk.id), None)
    top = own or Hit(fact.chunk, 1.0, 0.0, 0.0)
    return [top, *(h for h in found if h is not own)]


def line(fact: Fact) -> AnswerLine:
    """The answer line: the sentence stating ``fact``, the value marked (passage 1)."""
    return AnswerLine(fact.sentence[1], 1, AnswerSpan(1, fact.start, fact.end, fact.value))


def asked_fact(question: str, district: str, chunks: Iterable[Chunk]) -> Fact | None:
    """The fact of ``district`` the ``question`` asks about (its city, a role's holder, its
    documents' year) and the first passage whose text states it, or ``None``."""
    own = [c for c in chunks if c.district == district]
    values: list[str] = []
    if _CITY.search(question):
        values = list(dict.fromkeys(c.city for c in own if c.city))
    elif match := _ROLE.search(question):
        role = match.group(1) or match.group(2)
        values = list(dict.fromkeys(c.speaker for c in own if role in c.role and c.speaker))
        if not values:
            return None
    elif _YEAR.search(question):
        values = list(dict.fromkeys(f"{c.date[:4]}年" for c in own if c.date[:4].isdigit()))
    if not values:
        return None
    return _stated(values[0], district, own)


def _stated(value: str, district: str, chunks: list[Chunk]) -> Fact | None:
    """Where ``value`` is written, best where the district's name follows it (天津市北辰区,
    毕节金海湖新区: a city may be written without 市), else its first mention."""
    forms = [value, value[:-1]] if value.endswith("市") and len(value) > 2 else [value]
    best: tuple[int, Fact] | None = None
    for chunk in chunks:
        for form in forms:
            for match in re.finditer(re.escape(form), chunk.text):
                after = chunk.text[match.end() : match.end() + len(district)]
                score = 2 if after.startswith(district[:2]) else 1 if form == value else 0
                if score and (best is None or score > best[0]):
                    best = (score, Fact(form, chunk, match.start(), match.end()))
    return best[1] if best else None
