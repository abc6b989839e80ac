"""Documents in, attributed passages out: load → clean → classify paragraphs → chunk.

A *paragraph* is a non-empty line of the source (``.txt``/``.md``) or a block element
(``.html``), numbered from 1 in source order, so a citation "paragraph 12" can be found in
the original file. A *chunk* is what gets embedded and returned: a whole paragraph, or a
sentence-aligned piece of a long one, with the context a reader needs (the reporter's
question it answers, the section it sits in) and full attribution: :mod:`qabot.chunking`.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qabot.attribution import (
    Speaker,
    detect_author,
    detect_date,
    detect_district,
    detect_kind,
    detect_speakers,
    parse_turn,
)
from qabot.bylines import byline_chunks, caption_chunks, page_chunks
from qabot.chunking import chunk_document, question_chunks
from qabot.cleaning import boilerplate_reason, clean_text
from qabot.districts import Gazetteer
from qabot.errors import CorpusError
from qabot.sentences import CLOSING, is_heading_line
from qabot.sources import (
    SUFFIXES,
    load_catalog,
    read_document,
    scan_sources,
)
from qabot.sources import list_sources as list_sources  # re-exported: scripts use it here
from qabot.sources import read_text as read_text  # re-exported: scripts use it here
from qabot.textnorm import HAN, printable
from qabot.types import Chunk

log = logging.getLogger(__name__)

# Bump when cleaning or chunking changes: the manifest records it and a new value makes
# every document count as changed.
# 6: bylines kept apart (qabot.bylines); 7: and the interviewer's turns; 8: and photo captions;
# 9: and the page around the text
PIPELINE_VERSION = "9"


@dataclass
class Paragraph:
    number: int
    line: int
    raw: str
    text: str
    kind: str  # body | heading | question | skipped
    speaker: Speaker = field(default_factory=lambda: Speaker(""))
    skipped_because: str = ""
    opens_turn: bool = False


@dataclass
class Document:
    doc_id: str
    source: str
    sha256: str
    title: str
    district: str
    city: str
    date: str
    kind: str
    speakers: list[Speaker]
    paragraphs: list[Paragraph]

    @property
    def body(self) -> list[Paragraph]:
        return [p for p in self.paragraphs if p.kind == "body"]


# ---------------------------------------------------------------------------- ids


def doc_id_for(path: Path) -> str:
    """A stable id from the file name: lowercase, ASCII-safe where possible."""
    stem = re.sub(rf"[^\w{HAN}-]+", "-", path.stem.lower()).strip("-")
    return stem or hashlib.sha1(path.name.encode()).hexdigest()[:8]


# ---------------------------------------------------------------------------- parsing


def _repeated_titles(lines: list[str]) -> set[str]:
    """Short lines that occur more than once: a page title repeated by the site template."""
    counts = Counter(line.strip() for line in lines if 0 < len(line.strip()) <= 80)
    return {line for line, n in counts.items() if n > 1 and not line.endswith(CLOSING)}


def _ends_with_title(line: str, titles: set[str]) -> bool:
    """``line`` is "something <title>": a set lookup per space, not a scan of the titles."""
    return any(line[i + 1 :] in titles for i, ch in enumerate(line) if ch == " ")


def _is_byline(text: str) -> bool:
    return bool(re.fullmatch(rf"[{HAN}]{{2,4}}", text))


def parse_document(
    path: Path, gazetteer: Gazetteer, meta: dict[str, Any] | None = None
) -> Document:
    """Read, clean and attribute one document. Raises :class:`CorpusError` if unreadable."""
    meta = meta or {}
    source = read_document(path)
    if source.encoding != "utf-8-sig":
        log.warning("%s: decoded as %s, not UTF-8", printable(path.name), source.encoding)
    lines = source.lines
    titles = _repeated_titles(lines)

    paragraphs: list[Paragraph] = []
    title_seen = ""
    body_seen = False  # a flag, not a scan of the paragraphs so far: linear in the lines
    for line_no, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        text = clean_text(raw)
        if not text:
            continue
        paragraph = Paragraph(len(paragraphs) + 1, line_no, raw, text, "body")
        reason = boilerplate_reason(raw)
        stripped = raw.strip()
        if reason:
            paragraph.kind, paragraph.skipped_because = "skipped", reason
        elif stripped in titles or _ends_with_title(stripped, titles):
            paragraph.kind, paragraph.skipped_because = "skipped", "title"
            title_seen = title_seen or next((t for t in titles if stripped.endswith(t)), stripped)
        elif _is_byline(text) and not body_seen:
            paragraph.kind, paragraph.skipped_because = "skipped", "byline"
        elif is_heading_line(text):
            paragraph.kind = "heading"
        body_seen = body_seen or paragraph.kind == "body"
        paragraphs.append(paragraph)

    cleaned = [
        p.text for p in paragraphs if p.kind != "skipped" or p.skipped_because == "page meta"
    ]
    all_clean = [p.text for p in paragraphs]
    if not any(p.kind == "body" for p in paragraphs):
        raise CorpusError(f"{printable(path.name)}: no text to index (empty or only page chrome)")

    speakers = [Speaker(s["name"], s.get("role", "")) for s in meta.get("speakers", [])]
    for found in detect_speakers(cleaned):
        if found.name not in {s.name for s in speakers}:
            speakers.append(found)
    author = detect_author(all_clean)
    if author and author.name not in {s.name for s in speakers}:
        speakers.append(author)
    _assign_speakers(paragraphs, speakers, default=speakers[0] if speakers else Speaker(""))

    district = meta.get("district") or detect_district("\n".join(cleaned), gazetteer)
    first_heading = next((p.text for p in paragraphs if p.kind == "heading"), "")
    first_body = next(p.text for p in paragraphs if p.kind == "body")
    title = (
        meta.get("title")
        or clean_text(source.title)
        or clean_text(title_seen)
        or first_heading
        or first_body[:30]
    )
    return Document(
        doc_id=meta.get("id") or doc_id_for(path),
        source=path.name,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        title=title,
        district=district,
        city=meta.get("city") or gazetteer.city_of(district),
        date=str(meta.get("date") or detect_date(all_clean) or source.date),
        kind=meta.get("kind") or detect_kind(cleaned),
        speakers=speakers,
        paragraphs=paragraphs,
    )


def _assign_speakers(
    paragraphs: list[Paragraph], speakers: list[Speaker], default: Speaker
) -> None:
    """Each paragraph belongs to the speaker of the nearest preceding turn marker."""
    current = default
    for paragraph in paragraphs:
        if paragraph.kind == "skipped":
            continue
        turn = parse_turn(paragraph.text, speakers)
        paragraph.opens_turn = turn is not None
        if turn:
            if turn.is_question:
                paragraph.kind = "question"
                paragraph.speaker = turn.speaker
                continue
            current = turn.speaker
        paragraph.speaker = current


# ---------------------------------------------------------------------------- chunking


@dataclass
class Corpus:
    documents: list[Document]
    problems: list[str]  # one line per document that was skipped, for the user to fix

    def chunks(self) -> list[Chunk]:
        return [chunk for doc in self.documents for chunk in chunk_document(doc)]

    def bylines(self) -> list[Chunk]:
        """What is kept but never searched: the documents' bylines, photo captions and the
        page around the text (:mod:`qabot.bylines`), and their interviewer's questions
        (:func:`qabot.chunking.question_chunks`)."""
        return [
            line
            for doc in self.documents
            for kept in (byline_chunks, caption_chunks, page_chunks, question_chunks)
            for line in kept(doc)
        ]


def load_corpus(docs_dir: Path, gazetteer: Gazetteer | None = None) -> Corpus:
    """Every readable document in ``docs_dir``; unreadable ones are reported, not fatal."""
    sources, problems = scan_sources(docs_dir)
    for problem in problems:
        log.warning("skipped %s", problem)
    catalog = load_catalog(docs_dir)
    unknown = sorted(set(catalog) - {p.name for p in sources})
    for name in unknown:
        log.warning("catalog.toml names %s, which is not in %s", name, docs_dir)
    gazetteer = gazetteer or Gazetteer(
        (entry.get("district", ""), entry.get("city", "")) for entry in catalog.values()
    )
    documents: list[Document] = []
    for path in sources:
        try:
            documents.append(parse_document(path, gazetteer, catalog.get(path.name)))
        except CorpusError as exc:
            problems.append(str(exc))
            log.warning("skipped %s", exc)
    documents = _unique_ids(documents, problems)
    if not documents:
        detail = "; ".join(problems) if problems else f"no {'/'.join(SUFFIXES)} files"
        raise CorpusError(f"no readable documents in {docs_dir}: {detail}")
    return Corpus(documents, problems)


def _unique_ids(documents: Iterable[Document], problems: list[str]) -> list[Document]:
    """The documents minus any whose id an earlier one (in name order) already has."""
    seen: dict[str, str] = {}
    kept = []
    for doc in documents:
        if doc.doc_id in seen:
            problem = (
                f"{doc.source}: same document id {doc.doc_id!r} as {seen[doc.doc_id]}; "
                "rename one or give it an id in catalog.toml"
            )
            problems.append(problem)
            log.warning("skipped %s", problem)
            continue
        seen[doc.doc_id] = doc.source
        kept.append(doc)
    return kept
