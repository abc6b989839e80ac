"""The grounded prompt: the question, its answer type, the extractive answer and the passages
numbered ``[1]…[k]`` with district, speaker and date, and the rules the verifier enforces."""

from __future__ import annotations

import re
from typing import Any

_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
PASSAGE_CHARS = 600  # a passage is cut here in the prompt (chunks are shorter as a rule)
MAX_SENTENCES = 4

_SYSTEM = (
    "You answer questions about Chinese government documents using ONLY the numbered "
    "passages you are given.\n"
    "Rules:\n"
    "1. End every sentence with the number of the passage it comes from in square brackets, "
    "e.g. 。[1] or . [2][3]. A sentence without a citation is deleted.\n"
    "2. Every number with its unit, year, name and quotation you write must appear in the "
    "passage you cite. Add nothing from your own knowledge. Sentences that break this are "
    "deleted.\n"
    "3. Answer in {language}, the language of the question.\n"
    "4. If the passages do not answer the question, say so in one sentence.\n"
    "5. At most {sentences} sentences; no headings, no lists."
)


def language_of(text: str) -> str:
    """``zh`` or ``en`` by script: a Chinese character weighs as much as three Latin letters,
    so an English sentence naming 北辰区 is still English."""
    han = len(_HAN.findall(text))
    return "zh" if han and 3 * han >= len(_LATIN.findall(text)) else "en"


def source_line(passage: dict[str, Any]) -> str:
    """北辰区（天津市）· 区委书记 冯卫华 · 2020 · 《标题》: what a source may be cited as."""
    place = passage.get("district") or ""
    if passage.get("city") and place:
        place = f"{place}（{passage['city']}）"
    who = " ".join(p for p in (passage.get("role"), passage.get("speaker")) if p)
    title = f"《{passage['title']}》" if passage.get("title") else ""
    return " · ".join(p for p in (place, who, passage.get("date") or "", title) if p)


def build_messages(answer: dict[str, Any]) -> list[dict[str, str]]:
    """The chat messages for an answer object (``Answer.to_dict()``)."""
    language = "Chinese" if language_of(answer["question"]) == "zh" else "English"
    blocks = [
        f"[{p['rank']}] ({source_line(p)})\n{p['text'][:PASSAGE_CHARS]}" for p in answer["passages"]
    ]
    user = (
        f"Question: {answer['question']}\n"
        f"Answer type: {answer.get('answer_type') or 'other'}\n"
        f"Extractive answer (copied from the passages): {answer.get('answer') or '-'}\n\n"
        "Passages:\n" + "\n\n".join(blocks)
    )
    system = _SYSTEM.format(language=language, sentences=MAX_SENTENCES)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]
