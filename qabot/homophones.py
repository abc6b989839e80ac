"""Misspelt quoted terms put right by their sound: 一统四话 → “一统四化”.

Chinese is typed by pinyin, and a phone user easily picks a wrong character of the right
sound. The documents' own names for what they do are mostly quoted (“十项文明”, “清廉金海湖”),
and a misspelt one matches no word of any passage, so neither BM25 nor the tagger finds the
topic. Each quoted term of the corpus (three to eight Chinese characters) is kept under its
toneless pinyin; a run of the question's characters that sounds like one, is written
differently and appears nowhere in the corpus is replaced by it. A sound two terms share is
left alone (no guessing), and so are two-character runs, which share sounds too often.
"""

from __future__ import annotations

import re
from functools import cache

from pypinyin import lazy_pinyin

from qabot.textnorm import is_cjk

QUOTED = re.compile(r"[“‘\"]([^”’\"]{3,8})[”’\"]")


@cache
def sound(ch: str) -> str:
    """The toneless pinyin of a Chinese character (any other character stands for itself)."""
    return lazy_pinyin(ch)[0] if is_cjk(ch) else ch


def _sounds(text: str) -> tuple[str, ...]:
    return tuple(sound(ch) for ch in text)


class QuotedTerms:
    """The corpus's quoted terms by sound, to correct a question's misspelt ones."""

    def __init__(self, corpus_text: str) -> None:
        by_sound: dict[tuple[str, ...], set[str]] = {}
        for term in set(QUOTED.findall(corpus_text)):
            if all(map(is_cjk, term)):
                by_sound.setdefault(_sounds(term), set()).add(term)
        self._terms = {key: terms.pop() for key, terms in by_sound.items() if len(terms) == 1}
        self._sizes = sorted({len(key) for key in self._terms}, reverse=True)
        self._corpus = corpus_text

    def correct(self, query: str) -> str:
        """``query`` with each misspelt quoted term replaced by the corpus's (longest first)."""
        sounds = _sounds(query)
        for size in self._sizes:
            for start in range(len(query) - size + 1):
                term = self._terms.get(sounds[start : start + size])
                window = query[start : start + size]
                if term is None or term == window or window in self._corpus:
                    continue
                if all(map(is_cjk, window)):
                    query = query[:start] + term + query[start + size :]
        return query
