"""Follow-ups: a short elliptical message after an answer continues that answer.

Most people do not swipe-reply, so in the same chat (and forum topic), within
:data:`WINDOW` seconds of an answer, a short message that reads as a continuation — 「那东丽区
呢？」, 「还有呢」, 「再说详细点」 — is taken as a follow-up of the last answer, exactly like a
reply to it. The bot then says which question it answered (「按“东丽区怎么治理污染？”回答」), so
a wrong guess is visible at once and the user can simply ask in full.
"""

from __future__ import annotations

import re
import time

from qabot.districts import Gazetteer
from qabot.telegram.records import Record

MAX_CHARS = 15  # a follow-up this short keeps the previous question's topic
WINDOW = 300.0  # seconds after an answer in which an elliptical message continues it
_ELLIPTICAL = re.compile(
    r"^(那|那么|还有|另外|再|又|and\b|what about\b)|呢[?？。!！]*$", re.IGNORECASE
)
_MORE = re.compile(
    r"^(再|请)?(说|讲|介绍)?(得)?(详细|具体|多)(一)?(点|些)|^(详细|展开)(说说|讲讲|一点|点)?|^(更多|全文)|"
    r"^(more|tell me more|details?)\b",
    re.IGNORECASE,
)


def wants_more(text: str) -> bool:
    """「再说详细点」, 「展开说说」, 「更多」: the whole paragraphs, not the same answer again."""
    return len(text) <= MAX_CHARS and bool(_MORE.search(text.strip()))


def elliptical(text: str) -> bool:
    """A short message that only makes sense after the previous answer."""
    text = text.strip()
    return len(text) <= MAX_CHARS and (bool(_ELLIPTICAL.search(text)) or wants_more(text))


def recent(record: Record | None, now: float | None = None) -> Record | None:
    """``record`` if it was answered within the follow-up window."""
    if record is None or (now or time.time()) - record["created"] > WINDOW:
        return None
    return record


def rewrite(text: str, previous: Record, gazetteer: Gazetteer) -> tuple[str, str | None]:
    """(question to ask, district) for a follow-up of ``previous``: a short one keeps the
    previous question's topic; one that names another district swaps it in."""
    named = gazetteer.find(text)
    old = previous["districts"]
    district = None if named else (old[0] if len(old) == 1 else None)
    if len(text) > MAX_CHARS:
        return text, district
    if named:
        question = previous["question"]
        for name in old:
            forms = (name, *gazetteer.districts[name].aliases)
            for form in sorted(forms, key=len, reverse=True):
                question = question.replace(form, named[0])
        if question == previous["question"]:
            question = f"{named[0]}{question}"
        return question, None
    return f"{previous['question']} {text}", district
