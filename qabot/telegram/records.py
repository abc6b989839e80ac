"""What a chat remembers of an answer: plain JSON-able data, so it survives restarts and code
changes, and the buttons under an old answer keep working for the retention period.

Overlapping chunks of one paragraph (the chunker repeats a sentence between the pieces of a
long paragraph) are shown once: the best-ranked piece stays, the others are dropped and the
answer's ``[n]`` citations are renumbered to match.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from qabot.render import answer_lines, citation, shown_passages
from qabot.types import Answer

Record = dict[str, Any]


def new_key() -> str:
    """A random key per answer: a stale or forged button never finds another chat's answer."""
    return secrets.token_hex(6)


def answer_record(
    answer: Answer, *, chat_id: int = 0, thread_id: int | None = None, lang: str = "zh"
) -> Record:
    """An :class:`Answer` as a record, one passage per source paragraph, ranks renumbered;
    ``lang``: the asker's language, for the labels and buttons around the quotes."""
    shown, number = shown_passages(answer)
    passages = [
        {
            "rank": number[p.rank],
            "chunk_id": p.chunk.id,
            "doc_id": p.chunk.doc_id,
            "paragraph": p.chunk.paragraph,
            "district": p.chunk.district,
            "excerpt": p.excerpt,
            "text": p.chunk.text,
            "citation": citation(p, lang),
        }
        for p in shown
    ]
    lines = answer_lines(answer, number)
    return {
        "key": new_key(),
        "chat_id": chat_id,
        "thread_id": thread_id,
        "message_id": None,
        "question": answer.question,
        "districts": list(answer.districts),
        "no_answer": answer.no_answer,
        "answer": "\n".join(lines),
        "lines": lines,
        "span": answer.answer_span.text if answer.answer_span and not answer.no_answer else None,
        "notice": answer.notice,
        "language": answer.language,  # the question's (the notice is written in it)
        "lang": lang,
        "passages": passages,
        "page": 0,
        "vote": None,
        "reason": None,
        "feedback_id": None,
        "created": time.time(),
    }


def pages(record: Record, page_size: int) -> int:
    """How many pages of passages the record has (at least one)."""
    return max(1, -(-len(record["passages"]) // page_size))


def page_passages(record: Record, page: int, page_size: int) -> list[dict[str, Any]]:
    """The passages shown on ``page`` (0-based)."""
    passages: list[dict[str, Any]] = record["passages"]
    return passages[page * page_size : (page + 1) * page_size]


def feedback_answer(record: Record, page_size: int) -> dict[str, Any]:
    """The answer object :class:`~qabot.feedback.FeedbackStore` stores: the answer line and
    the ids of the passages on the pages up to the one shown (not every passage retrieved)."""
    shown = record["passages"][: (record["page"] + 1) * page_size]
    return {
        "answer": record["answer"],
        "districts": record["districts"],
        "no_answer": record["no_answer"],
        "passages": [{"chunk_id": p["chunk_id"]} for p in shown],
    }
