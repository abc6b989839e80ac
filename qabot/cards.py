"""A document's card: what the catalog says of it — title, district, kind, speakers, date —
as one passage that can be cited, for the questions about a document its text never answers:
宝坻区这份报告是谁作的 (宝坻区人民政府: in the catalog only), 北辰区那篇专访的标题是什么, 这是
访谈还是报告. Made from the attribution every passage carries, so any index has them; cited
like a byline (:mod:`qabot.bylines`), never searched."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from qabot.types import Chunk

# The catalog's kinds as a Chinese reader names them (any other kind is shown as written).
KIND_NAMES = {
    "interview": "访谈",
    "work report": "工作报告",
    "article": "文章",
    "speech": "讲话",
    "report": "报告",
}


def kind_name(kind: str) -> str:
    """A document kind in Chinese (work report → 工作报告)."""
    return KIND_NAMES.get(kind.strip().lower(), kind)


def cards(chunks: Iterable[Chunk]) -> list[Chunk]:
    """One card per document of ``chunks``, in the order the documents first appear."""
    first: dict[str, Chunk] = {}
    speakers: dict[str, dict[str, str]] = {}
    for chunk in chunks:
        first.setdefault(chunk.doc_id, chunk)
        if chunk.speaker:
            speakers.setdefault(chunk.doc_id, {}).setdefault(chunk.speaker, chunk.role)
    return [_card(chunk, speakers.get(doc, {})) for doc, chunk in first.items()]


def _card(chunk: Chunk, speakers: dict[str, str]) -> Chunk:
    """《标题》，宝坻区（天津市），工作报告，宝坻区人民政府（政府工作报告），2021年。"""
    place = chunk.district + (f"（{chunk.city}）" if chunk.city else "")
    who = "、".join(f"{name}（{role}）" if role else name for name, role in speakers.items())
    date = f"{chunk.date}年" if chunk.date.isdigit() else chunk.date
    title = f"《{chunk.title}》" if chunk.title else ""
    text = "，".join(part for part in (title, place, kind_name(chunk.kind), who, date) if part)
    return replace(
        chunk, id=f"{chunk.doc_id}#card", paragraph=0, part=0, text=f"{text}。", context="", line=0
    )
