"""Text normalisation shared by indexing, querying and evaluation.

Search runs on Simplified Chinese: questions and passages both go through
:func:`to_simplified`; evidence matching (``qabot eval``) uses :func:`match_key`, the same
normalisation plus whitespace removal, so labels survive punctuation width and spacing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import opencc

_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → Simplified Chinese (OpenCC ``t2s``); other scripts pass through."""
    return _t2s().convert(text) if text else text


_WIDE = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u3000]")


def fold_width(text: str) -> str:
    """Full-width letters, digits and spaces → ASCII, keeping Chinese punctuation as it is."""
    return _WIDE.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), text)


def match_key(text: str) -> str:
    """Key for comparing an evidence phrase with a passage: NFKC, Simplified, no whitespace."""
    return _SPACE.sub("", to_simplified(unicodedata.normalize("NFKC", text))).lower()


_CODE = re.compile(r"[0-9][a-z]|[a-z][0-9]", re.IGNORECASE)
# digits beside letters that are no code: an amount in a Latin unit (20km, 6550mu), an ordinal
# (2nd), a decade (2010s)
_NUMBER = re.compile(
    r"[\d.,]+(?:km|mu|kg|cm|mm|m|ha|kwh|kw|mw|t|yuan|rmb|st|nd|rd|th)|(?:19|20)\d0s", re.I
)


def is_code(word: str) -> bool:
    """A code or grade (5A, 5G, PM2.5, G20): digits beside Latin letters, not an amount with
    its unit (20km), an ordinal (2nd) or a decade (2010s). It means itself only: another code
    near it in meaning (4A, 5G) is another thing."""
    return bool(_CODE.search(word)) and not _NUMBER.fullmatch(word)


_HAN_FIRST, _HAN_LAST = "\u4e00", "\u9fff"  # CJK unified ideographs, basic block
# The basic block for regular-expression character classes: rf"[{HAN}]{{2,4}}".
HAN = f"{_HAN_FIRST}-{_HAN_LAST}"
# An article's closing note of its author's role, (作者系毕节金海湖新区党工委副书记、管委会主任):
# who wrote it, not what it says
AUTHOR_NOTE = re.compile(r"[(（]\s*作者(?:系|为|是)([^)）]{2,60})[)）]")


def is_cjk(ch: str) -> bool:
    """True for a CJK unified ideograph (basic block and extension A)."""
    return _HAN_FIRST <= ch <= _HAN_LAST or "\u3400" <= ch <= "\u4dbf"


# Terminal escape sequences (CSI … final byte, OSC … BEL/ST, other two-byte ESC sequences),
# then any other control character: C0 except tab, DEL, C1, the bidirectional overrides
# that can make a line display in another order than it reads, and lone surrogates (no
# text at all: they cannot even be encoded for printing).
_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def strip_controls(text: str) -> str:
    """Text without terminal escapes or control characters (newlines and tabs kept).

    Documents scraped from the web can carry ``ESC[2J`` (clear screen) or an OSC window
    title; they are kept out of the index text and out of what the CLI prints.
    """
    return _CONTROL.sub("", _ESCAPE.sub("", text))


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` with every control character, bidirectional override and lone surrogate
    written as an escape (``\\x1b``, ``\\udcff``): a file name in a message is shown, not
    obeyed by the terminal, and can always be encoded."""
    return _UNPRINTABLE.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


def occurrences(text: str, word: str) -> Iterator[tuple[int, int]]:
    """The spans of ``word`` in ``text``, left to right and not overlapping (what
    ``re.finditer(re.escape(word), text)`` gives, without a pattern per word: hot loops ask
    thousands of words, more than the ``re`` module's cache of compiled patterns holds)."""
    if not word:
        return
    at = text.find(word)
    while at >= 0:
        yield at, at + len(word)
        at = text.find(word, at + len(word))


def named_codes(query: str, focus: list[str], corpus_text: str) -> list[str]:
    """The codes the question names (5G, 东丽湖是不是5A级景区, PM2.5), as the corpus writes them,
    else as the question does: like a street named, a passage that does not write one does not
    answer (coverage by meaning gives a code none: :func:`is_code`)."""
    named = [w.lower() for w in focus if is_code(w)]
    if not named:  # nearly every question: the corpus is not lowered for it
        return []
    corpus, asked = corpus_text.lower(), query.lower()
    codes = []
    for word in named:
        text, at = (corpus_text, corpus.find(word)) if word in corpus else (query, asked.find(word))
        if at >= 0:
            codes.append(text[at : at + len(word)])
    return codes
