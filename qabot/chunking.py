"""Chunking: a document's body paragraphs as the passages that are embedded and returned.

A chunk is a whole paragraph, or a sentence-aligned piece of a long one (each piece repeats
the short sentence that ends the piece before it, so no statement loses its lead-in), with
the context a reader needs: the reporter's question it answers, the heading and the
numbered section it sits in, the item lead of a list paragraph. :func:`join_pieces` puts a
paragraph back together from its pieces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from qabot.attribution import INTERVIEWER, Speaker
from qabot.sentences import CLOSING, ENUMERATION, SECTION_NUMBER, SENTENCE_END, split_sentences
from qabot.types import Chunk

if TYPE_CHECKING:
    from qabot.corpus import Document, Paragraph

MAX_CHARS = 360  # a chunk longer than this is split at sentence boundaries
TARGET_CHARS = 240  # pieces are filled up to about this size
_CLAUSE = re.compile(r"[^，,、：:]*[，,、：:]+|[^，,、：:]+$")


def split_long(sentence: str, max_chars: int = MAX_CHARS, piece: int = TARGET_CHARS) -> list[str]:
    """A sentence too long for one chunk, cut at clause punctuation (，、：…), and a clause
    still longer than ``piece`` characters cut every ``piece`` characters: a 90,000-character
    paragraph without a full stop must not become one chunk."""
    if len(sentence) <= max_chars:
        return [sentence]
    parts: list[str] = []
    for clause in (m.group(0) for m in _CLAUSE.finditer(sentence)):
        parts.extend(clause[i : i + piece] for i in range(0, len(clause), piece))
    return parts


def pack_sentences(
    sentences: list[str], max_chars: int = MAX_CHARS, target: int = TARGET_CHARS
) -> list[str]:
    """Group sentences into pieces of about ``target`` chars, each repeating the last
    sentence of the piece before it (when short) so no statement loses its lead-in."""
    pieces: list[list[str]] = [[]]
    for sentence in sentences:
        current = pieces[-1]
        size = sum(map(len, current))
        if (current and size + len(sentence) > max_chars) or size >= target:
            repeat = (
                len(current) > 1
                and len(current[-1]) <= 120
                and current[-1].endswith(CLOSING)
                and len(current[-1]) + len(sentence) <= max_chars
            )
            overlap = [current[-1]] if repeat else []
            pieces.append([*overlap, sentence])
        else:
            current.append(sentence)
    return ["".join(piece) for piece in pieces if piece]


def join_pieces(pieces: Iterable[str]) -> str:
    """The paragraph the pieces of :func:`pack_sentences` were cut from: each piece's start
    that repeats the end of the text so far (whole sentences) is dropped."""
    text = ""
    for piece in pieces:
        overlap = next(
            (
                n
                for n in range(min(len(text), len(piece)), 0, -1)
                if piece[n - 1] in SENTENCE_END and text.endswith(piece[:n])
            ),
            0,
        )
        text += piece[overlap:]
    return text


def _lead(text: str) -> str:
    """A paragraph's first sentence when it announces its topic ("一是全力稳定粮食生产。")."""
    first = split_sentences(text)[:1]
    return first[0] if first and len(first[0]) <= 50 else ""


def _last_sentence(text: str) -> str:
    text = re.sub(rf"^{INTERVIEWER}\s*[:：]\s*", "", text)
    sentences = split_sentences(text)
    return sentences[-1][-80:] if sentences else ""


def chunk_document(doc: Document) -> list[Chunk]:
    """The document's body paragraphs as chunks, with question and section context."""
    chunks: list[Chunk] = []
    question = heading = section = ""
    after_question = False
    for paragraph in doc.paragraphs:
        if paragraph.kind == "question":
            question, section, after_question = _last_sentence(paragraph.text), "", True
            continue
        if paragraph.kind == "heading":
            heading = _join_heading(doc, paragraph)
            section = ""
            continue
        if paragraph.kind != "body":
            continue
        if paragraph.opens_turn:
            section = ""
        # With no reporter's question (夏新书记介绍:…), a speaker's opening sentence is the
        # topic of the paragraphs that follow until the next turn.
        opens_topic = paragraph.opens_turn and not after_question
        topic = _opening_sentence(paragraph.text) if opens_topic else ""
        after_question = False
        if SECTION_NUMBER.match(paragraph.text):
            section = _lead(paragraph.text) or paragraph.text[:40]
        sentences = [part for s in split_sentences(paragraph.text) for part in split_long(s)]
        pieces = pack_sentences(sentences) or [paragraph.text]
        lead = _lead(paragraph.text) if ENUMERATION.match(paragraph.text) or len(pieces) > 1 else ""
        for part, piece in enumerate(pieces, start=1):
            context_parts = [question, heading, section if section not in piece else ""]
            if part > 1 and lead and lead not in piece:
                context_parts.append(lead)
            context = " ".join(dict.fromkeys(c for c in context_parts if c))
            piece_of = part if len(pieces) > 1 else 0
            chunks.append(paragraph_chunk(doc, paragraph, piece, piece_of, context))
        question = topic or question
    return chunks


def question_chunks(doc: Document) -> list[Chunk]:
    """The interviewer's questions (记者:…) as records cited like paragraphs: never searched
    (they ask, the interviewee's answers say), but what a question about what the interviewer
    asked is answered from (:mod:`qabot.metadata`)."""
    return [paragraph_chunk(doc, p, p.text) for p in doc.paragraphs if p.kind == "question"]


def paragraph_chunk(
    doc: Document,
    paragraph: Paragraph,
    text: str,
    piece: int = 0,
    context: str = "",
    speaker: Speaker | None = None,
) -> Chunk:
    """A chunk of ``paragraph`` cited as the corpus numbers it (``doc#p12``, piece ``doc#p12.2``;
    ``piece`` 0: the whole paragraph), with the document's attribution and ``speaker``
    (default: the paragraph's)."""
    speaker = speaker or paragraph.speaker
    return Chunk(
        id=f"{doc.doc_id}#p{paragraph.number}" + (f".{piece}" if piece else ""),
        doc_id=doc.doc_id,
        paragraph=paragraph.number,
        part=piece or 1,
        text=text,
        context=context,
        district=doc.district,
        city=doc.city,
        speaker=speaker.name,
        role=speaker.role,
        date=doc.date,
        title=doc.title,
        kind=doc.kind,
        source=doc.source,
        line=paragraph.line,
    )


def _opening_sentence(text: str) -> str:
    """First sentence after a turn marker ("谢元区长介绍:近年来,…。" → "近年来,…。")."""
    body = re.sub(r"^[^:：]{2,12}[:：]", "", text, count=1)
    first = split_sentences(body)[:1]
    return first[0][:40] if first else ""


def _join_heading(doc: Document, paragraph: Paragraph) -> str:
    """A heading and the heading lines right before it ("以“大党建”为第一统领 凝聚力量助力发展")."""
    lines = [paragraph.text]
    # Walk back from the heading by position (numbered from 1 in list order): no search for
    # it and no copy of the paragraphs before it, so a document of many headings is linear.
    for index in range(paragraph.number - 2, -1, -1):
        earlier = doc.paragraphs[index]
        if earlier.kind != "heading" or earlier.line < paragraph.line - 2:
            break
        lines.insert(0, earlier.text)
    return " ".join(lines)


# ---------------------------------------------------------------------------- the corpus
