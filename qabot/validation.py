"""What a question and its parameters must be before anything is searched: one place for the
limits and messages every front end (CLI, HTTP, Telegram, the library) reports alike."""

from __future__ import annotations

import re
import unicodedata

from qabot.errors import UsageError
from qabot.textnorm import strip_controls
from qabot.types import MODES, Mode

MAX_QUESTION_CHARS = 500
#: How much of a question is analysed and embedded. Tagging (jieba's HMM) and the embedder
#: cost grows with the length: a 500-character question took 1–2 s, so a few sent at once
#: held every worker. Real questions are far shorter (the longest of the project's set: 37).
READ_CHARS = 120
#: … of an English question: a word of letters costs the embedder a token or two, as one
#: Chinese character does, and its 20th word (every year?) still says what is asked.
READ_LATIN = 300
MAX_K = 50
SURROGATE = re.compile("[\ud800-\udfff]")


def english_part(question: str) -> str:
    """The part of an English question that is analysed and embedded: its first
    :data:`READ_LATIN` characters, ending at a whole word (a cut "year" read as "yea")."""
    if len(question) <= READ_LATIN:
        return question
    cut = question[: READ_LATIN + 1]
    return cut[: cut.rfind(" ")] if " " in cut.strip() else cut[:READ_LATIN]


def validate_question(question: object) -> str:
    """The question, trimmed and without control characters; :class:`UsageError` (with a
    ``reason``) for anything that cannot be searched: not a string, not valid Unicode
    (undecodable bytes or a lone surrogate), empty, too long, or no letters or digits."""
    if not isinstance(question, str):
        raise UsageError(
            f"the question must be text, not {type(question).__name__}", "bad_question"
        )
    if SURROGATE.search(question):
        raise UsageError(
            "the question is not valid UTF-8 text (undecodable bytes or a lone surrogate)",
            "bad_encoding",
        )
    question = strip_controls(question).strip()
    if not question:
        raise UsageError("empty question: ask something the documents may answer", "empty_question")
    if len(question) > MAX_QUESTION_CHARS:
        raise UsageError(
            f"question too long ({len(question)} characters, limit {MAX_QUESTION_CHARS}): "
            "ask about one thing at a time",
            "question_too_long",
        )
    if not any(unicodedata.category(ch)[0] in "LN" for ch in question):
        raise UsageError(
            "the question has no words to search for (only symbols or emoji)", "no_words"
        )
    return question


def validate_district(value: object) -> str | None:
    """A district filter as given (``None`` or empty: all); :class:`UsageError` for one that
    is not text. Whether the index covers it is the gazetteer's to say."""
    if value is not None and not isinstance(value, str):
        raise UsageError(f"the district must be a name, not {type(value).__name__}", "bad_district")
    if value and SURROGATE.search(value):
        raise UsageError("the district is not valid UTF-8 text", "bad_encoding")
    return value or None


def validate_mode(mode: str) -> Mode:
    """A retrieval mode (:data:`qabot.types.MODES`)."""
    if mode not in MODES:
        raise UsageError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}", "bad_mode")
    return next(m for m in MODES if m == mode)


def validate_k(k: int) -> int:
    if not 1 <= k <= MAX_K:
        raise UsageError(f"k must be between 1 and {MAX_K}, not {k}", "bad_k")
    return k
