"""Text normalisation shared by indexing, querying and evaluation.

Search runs on Simplified Chinese: questions and passages both go through
:func:`to_simplified`; evidence matching (``qabot eval``) uses :func:`match_key`, the same
normalisation plus whitespace removal, so labels survive punctuation width and spacing.
"""

from __future__ import annotations

import re
import unicodedata
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


def is_cjk(ch: str) -> bool:
    """True for a CJK unified ideograph (basic block and extension A)."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"
