"""Sentences, for the chunker and for the answer alike: where one ends, how text is split
into them, which are headings, which open with an ordinal (一是…, （三）), and the record of
each sentence of a passage that answer extraction reads, made once per passage and question.

The heading rule has two parts, because it judges two different things:

* a *line* of a document (a paragraph) is a heading by its form: short and without closing
  punctuation (``以“大党建”为第一统领``) — :func:`is_heading_line`, used by the chunker;
* a *sentence* inside a passage is a heading when it is an ordinal lead with nothing after it
  (``四是持续优化营商环境。``) or when it only restates the question — :func:`is_heading`,
  used by answer extraction. A sentence cut from a passage has lost its line context (the
  last sentence of a piece may lack its full stop), so the line rule is not applied to it:
  doing so turns an unfinished trailing sentence into a heading and changes an answer of
  the snapshot (q162 of tests/data/questions.jsonl), so the two parts stay as they were.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from qabot.textnorm import AUTHOR_NOTE
from qabot.values import DATE, QUANTITY, Near, nearest_value

if TYPE_CHECKING:
    from qabot.query import Query

SENTENCE_STOPS = "。！？!?；;"  # characters that end a sentence
SENTENCE_END = SENTENCE_STOPS + '”」』"'  # … and the closing quotes a quoted one ends with
CLOSING = tuple(SENTENCE_END)
HEADING_MAX = 40  # a line this short without closing punctuation is a heading
HEADING_LEAD_MAX = 30  # an ordinal lead this short without a comma is a heading
RESTATES_MAX = 24  # a sentence this short made of the question's characters restates it
RESTATES_SHARE = 0.6

_SENTENCE = re.compile(r"[^。！？!?；;]*[。！？!?；;]+[”」』\"]?|[^。！？!?；;]+$")

# Ordinal leads. They differ by use: the chunker's two decide what context a chunk carries,
# and changing them changes the chunks of the shipped index (PIPELINE_VERSION).
_ORDINAL = "一二三四五六七八九十"
# 一、 （三） 第二部分: a paragraph that opens a numbered section (chunker: the section context).
SECTION_NUMBER = re.compile(rf"^[(（]?[{_ORDINAL}]+[)）、]|^第[{_ORDINAL}]+[部分章节]")
# 一是 首先 第二是 ——: a paragraph that is one item of a list (chunker: its lead is context).
ENUMERATION = re.compile(rf"^(?:[{_ORDINAL}]+是|首先|其次|第[{_ORDINAL}]+是|——)")
# A numbered opening of a sentence (一是, （二）, 第三是): a section's lead (answer: its topic).
_NUMBERED = rf"[（(]?[{_ORDINAL}]+[)）、．.]|[{_ORDINAL}]+是|第[{_ORDINAL}]+[是，、]"
NUMBERED_LEAD = re.compile(rf"^(?:{_NUMBERED})")
# Any ordinal opening of a sentence (answer: an ordinal lead alone is a heading).
ORDINAL_LEAD = re.compile(rf"^(?:{_NUMBERED}|首先|其次|再次|最后|另外|此外)")


def split_sentences(text: str) -> list[str]:
    """Sentences ending in 。！？；(or their ASCII forms), closing quotes kept with them."""
    return [s for s in (m.group(0).strip() for m in _SENTENCE.finditer(text)) if s]


def sentence_spans(text: str) -> list[tuple[int, str]]:
    """The sentences of ``text`` with their start offsets."""
    spans, cursor = [], 0
    for sentence in split_sentences(text):
        start = text.find(sentence, cursor)
        spans.append((start, sentence))
        cursor = start + len(sentence)
    return spans


def is_heading_line(text: str) -> bool:
    """A document line that is a heading: short, without closing punctuation."""
    return len(text) <= HEADING_MAX and not text.rstrip('”」』"').endswith(CLOSING)


def is_heading(sentence: str, query: str = "") -> bool:
    """A section heading or a lead that only restates the topic: never an answer by itself."""
    body = sentence.rstrip(SENTENCE_END + " ")
    if len(body) <= HEADING_LEAD_MAX and "，" not in body and ORDINAL_LEAD.match(body):
        return not QUANTITY.search(body)
    # a second clause says something of its own (深化公立医院改革,构建现代医院管理制度)
    clauses = "，" in body or "," in body
    if (
        query
        and len(body) <= RESTATES_MAX
        and not (clauses or QUANTITY.search(body) or DATE.search(body))
    ):
        shared = sum(1 for ch in body if ch in query)
        return shared / max(len(body), 1) >= RESTATES_SHARE
    return False


@dataclass
class Sentence:
    """One sentence of a passage as the answer to one question reads it."""

    index: int  # its number in the passage
    offset: int  # where it starts in the passage's text
    text: str
    heading: bool  # a heading, an author's note or a lead that restates the question: no line
    section: bool  # a heading by its form alone (or an author's note), whatever the question
    query: Query = field(repr=False)

    @cached_property
    def value(self) -> tuple[tuple[int, int] | None, Near]:
        """The value of the expected type nearest the focus, and how its clause is tied to
        the focus (:func:`qabot.values.nearest_value`)."""
        return nearest_value(self.text, self.query, self.query.weights, self.query.stand_ins)


class Reading:
    """The sentences of each passage one question reads, split and judged once (a passage is
    read for the excerpt, the typed-first reordering and the answer line)."""

    def __init__(self) -> None:
        self._passages: dict[str, list[Sentence]] = {}

    def sentences(self, text: str, query: Query) -> list[Sentence]:
        """The sentences of the passage ``text`` for ``query`` (the query that owns this)."""
        found = self._passages.get(text)
        if found is None:
            # 东丽湖成为国家生态旅游示范区。 restates 东丽湖是不是国家生态旅游示范区: the yes
            asked = "" if query.answer_type == "yes_no" else query.query
            found = []
            for index, (offset, s) in enumerate(sentence_spans(text)):
                # (作者系…管委会主任) says who wrote the article: no line, an end of the measures
                note = bool(AUTHOR_NOTE.fullmatch(s.strip()))
                heading, section = note or is_heading(s, asked), note or is_heading(s)
                found.append(Sentence(index, offset, s, heading, section, query))
            self._passages[text] = found
        return found
