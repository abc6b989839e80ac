"""Bylines: the lines a web page puts around an article — who wrote it (作者:文|喻祖常, or a bare
name under the title), who edited it (责任编辑:双艳珍), when it went online
(发布日期:2017/8/15, 时间:2023-07-06).

:mod:`qabot.corpus` drops them as page chrome: they are no part of what the document says, and
in the passages they would be found by every question. They are kept apart instead, as
citable records (a :class:`~qabot.types.Chunk` per line, cited like any paragraph) that no
search returns: the index stores them beside its passages, and a question about a document's
author, editor or publication date (:mod:`qabot.metadata`) is answered from them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from qabot.attribution import Speaker
from qabot.chunking import paragraph_chunk
from qabot.cleaning import boilerplate_reason
from qabot.textnorm import HAN
from qabot.types import Chunk

if TYPE_CHECKING:
    from qabot.corpus import Document, Paragraph

FIELDS = ("author", "editor", "published")
CAPTION = "photo caption"  # why corpus.py skips the line under a photo (qabot.cleaning)
# … and the other lines of the page around the text it keeps (qabot.records)
PAGE = ("breadcrumb", "summary", "comments", "disclaimer", "navigation")
# Why corpus.py skipped a line that may be a byline; a bare name ("byline") is the author.
_REASONS = ("byline", "page meta", "editor")
_NAME = rf"[{HAN}]{{2,4}}"
_DATE = r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?"
# Each field: its label, then the value (group "value").
_FIELD = {
    "author": re.compile(rf"(?:作者|撰稿|执笔)\s*[:：]\s*(?:文\s*[|｜/]\s*)?(?P<value>{_NAME})"),
    "editor": re.compile(rf"(?:责任编辑|编辑)\s*[:：]\s*(?P<value>{_NAME})"),
    "published": re.compile(
        rf"(?:发布日期|发布时间|发表日期|时间|日期)\s*[:：]\s*(?P<value>{_DATE})"
    ),
}
_BARE_NAME = re.compile(rf"(?P<value>{_NAME})")


def fields(text: str, bare: bool = True) -> dict[str, tuple[int, int]]:
    """What a byline line gives: field → offsets of its value in ``text``. A bare 2–4
    character name (``bare``) is the author."""
    found = {
        name: match.span("value")
        for name, pattern in _FIELD.items()
        if (match := pattern.search(text))
    }
    if not found and bare and (match := _BARE_NAME.fullmatch(text)):
        found["author"] = match.span("value")
    return found


def byline_text(paragraph: Paragraph) -> str:
    """The byline a paragraph skipped as page chrome holds, from its first field's label to
    its last value (``作者:文|喻祖常 发布日期:2017/8/15``, not the empty ``阅读次数:`` after it
    nor a ``版权反馈`` button); empty when it is no byline."""
    if paragraph.kind != "skipped" or paragraph.skipped_because not in _REASONS:
        return ""
    text = paragraph.text
    found = fields(text, bare=paragraph.skipped_because == "byline")
    if not found:
        return ""
    labels = [m.start() for p in _FIELD.values() if (m := p.search(text))]
    start = min(labels, default=0)
    return text[start : max(end for _, end in found.values())]


def byline_chunks(doc: Document) -> list[Chunk]:
    """The document's bylines as records cited like its paragraphs (``doc#p3``), attributed to
    the author a byline names (with the role the document gives them), if any."""
    lines = [(p, text) for p in doc.paragraphs if (text := byline_text(p))]
    names = [
        text[slice(*spans["author"])] for _, text in lines if "author" in (spans := fields(text))
    ]
    roles = {s.name: s.role for s in doc.speakers}
    author = Speaker(names[0], roles.get(names[0], "")) if names else Speaker("")
    return [paragraph_chunk(doc, p, text, speaker=author) for p, text in lines]


@lru_cache(maxsize=4096)
def _reason(text: str) -> str:
    """Why corpus.py skipped a kept line as page chrome (asked of each record a question)."""
    return boilerplate_reason(text) or ""


def page_kind(chunk: Chunk) -> str:
    """Which part of the page around the text a kept line is — its place on the site
    (``breadcrumb``, or a ``title`` line that says more than the title: 理论教育 全力以赴…),
    the ``comments`` box, the ``disclaimer``, the ``summary``, ``navigation`` — or ``""``."""
    reason = _reason(chunk.text)
    if reason in PAGE:
        return reason
    titled = bool(chunk.title) and chunk.title in chunk.text and chunk.text != chunk.title
    return "title" if titled and not fields(chunk.text) else ""


def page_chunks(doc: Document) -> list[Chunk]:
    """The lines of the page around the text (:data:`PAGE`, and title lines that name more than
    the title) as records cited like its paragraphs, for a question about the page itself
    (which 栏目 it is under, its comments, its disclaimer: :mod:`qabot.records`)."""
    return [
        paragraph_chunk(doc, p, p.text, speaker=Speaker(""))
        for p in doc.paragraphs
        if p.kind == "skipped"
        and (p.skipped_because in PAGE or (p.skipped_because == "title" and p.text != doc.title))
    ]


def is_caption(text: str) -> bool:
    """Whether a kept line is a photo's caption (作者在…作推介(供图/毕节金海湖新区党政办))."""
    return _reason(text) == CAPTION


def caption_chunks(doc: Document) -> list[Chunk]:
    """The document's photo captions as records cited like its paragraphs: page chrome to a
    search, but what a question about a photo — what it shows, who provided it — is answered
    from (:mod:`qabot.records`). Nobody speaks in a caption."""
    return [
        paragraph_chunk(doc, p, p.text, speaker=Speaker(""))
        for p in doc.paragraphs
        if p.kind == "skipped" and p.skipped_because == CAPTION
    ]
