"""A paragraph asked for by its place in a document: 第9段说了什么, 报告的结尾, 最后一段.

Answers cite paragraphs (第9段), so a reader asks about one by its number, or about a
document's opening or its end. Such a question names no topic that retrieval could find; the
paragraph is looked up by its place in the district's document (the one the search ranked
highest, when the district has several) and becomes the passage the answer quotes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qabot.types import Chunk, Hit

_NUMBERED = re.compile(r"第\s*([0-9]{1,3}|[零一二三四五六七八九十百两]{1,5})\s*(?:自然)?段")
# an end of the document, said of the document (报告的结尾, 这篇采访最后一段), not of a
# turn or its summary within it (记者第一个问题开头, 访谈里记者最后一个问题, 文章的摘要开头)
_END = re.compile(
    r"(?:专访|采访|访谈|报告|文章|讲话|全文|原文|篇)(?:(?!摘要)[^，,。？?！!]){0,3}?"
    r"(开头|开篇|首段|结尾|末尾|末段|最后一段|最后一部分|最后)(?!一?个?(?:问题|题))"
)
_FIRST = frozenset({"开头", "开篇", "首段"})
# … and in English: paragraph 9, the 9th / ninth paragraph, the last paragraph, how the report
# ends, the beginning of the interview
_ORDINALS = (
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
)
_EN_NUMBERED = re.compile(
    rf"\bparagraph\s+(?:no\.?\s*)?(\d{{1,3}})\b|\b(\d{{1,3}})(?:st|nd|rd|th)\s+paragraph\b"
    rf"|\b({'|'.join(_ORDINALS)})\s+paragraph\b",
    re.IGNORECASE,
)
_EN_DOCUMENT = r"(?:report|interview|article|speech|document|text)"
_EN_LAST = re.compile(
    rf"\b(?:last|final|closing|concluding)\s+paragraph\b"
    rf"|\b(?:end|ending|close|conclusion)\s+of\s+(?:the|this|that)\s+(?:\w+\s+){{0,3}}{_EN_DOCUMENT}\b"
    rf"|\b{_EN_DOCUMENT}\s+(?:end|conclude|close)s?\b",
    re.IGNORECASE,
)
_EN_FIRST = re.compile(
    rf"\b(?:opening|introductory)\s+paragraph\b|\b(?:beginning|start|opening)\s+of\s+"
    rf"(?:the|this|that)\s+(?:\w+\s+){{0,3}}{_EN_DOCUMENT}\b"
    rf"|\b{_EN_DOCUMENT}\s+(?:begin|start|open)s?\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Place:
    """Where in a document: paragraph ``number``, or its ``first`` / last one (number 0)."""

    number: int = 0
    first: bool = False


def asked(question: str) -> Place | None:
    """The paragraph ``question`` (Simplified Chinese, or English as written) asks for by its
    place, if it does. Paragraph 1 is the document's first, whatever its number (a title or
    a byline line is never a passage)."""
    number = _numbered(question)
    if number is not None:
        return (Place(number) if number > 1 else Place(first=True)) if number else None
    end = _END.search(question)
    if end:
        return Place(first=end.group(1) in _FIRST)
    if _EN_LAST.search(question):
        return Place()
    if _EN_FIRST.search(question):
        return Place(first=True)
    return None


def _numbered(question: str) -> int | None:
    """The paragraph number ``question`` asks for (0: not a number); ``None``: it asks none."""
    found = _NUMBERED.search(question)
    if found:
        return number(found.group(1))
    found = _EN_NUMBERED.search(question)
    if found is None:
        return None
    digits = found.group(1) or found.group(2)
    return int(digits) if digits else _ORDINALS.index(found.group(3).lower()) + 1


def number(text: str) -> int:
    """A paragraph (or question) number in Arabic digits or Chinese numerals (cn2an, as for
    the question's other numbers: qabot.question.convert_numerals); 0 when it is none."""
    if text.isdigit():
        return int(text)
    import cn2an  # its patterns cost 0.1 s to build: only for a place written in numerals

    try:
        return int(cn2an.cn2an(text, "smart"))
    except ValueError:
        return 0


def placed(place: Place, own: Sequence[Chunk], found: Sequence[Hit]) -> list[Hit]:
    """The passages of the paragraph at ``place`` in the district's document: of its ``own``
    passages, those of the document the search ranked highest (``found``), in order; empty
    when that document has no such paragraph."""
    documents = {chunk.doc_id for chunk in own}
    doc_id = next((h.chunk.doc_id for h in found if h.chunk.doc_id in documents), None)
    if doc_id is None and len(documents) == 1:
        doc_id = next(iter(documents))
    chunks = sorted((c for c in own if c.doc_id == doc_id), key=lambda c: (c.paragraph, c.part))
    if not chunks:
        return []
    number = place.number or (chunks[0].paragraph if place.first else chunks[-1].paragraph)
    return [Hit(c, 1.0, 0.0, 0.0) for c in chunks if c.paragraph == number]
