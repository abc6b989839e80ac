"""Misspelt quoted terms and words put right by their sound: 一统四话 → “一统四化”, 剑康 → 健康.

Chinese is typed by pinyin, and a phone user easily picks a wrong character of the right
sound. The documents' own names for what they do are mostly quoted (“十项文明”, “清廉金海湖”),
and a misspelt one matches no word of any passage, so neither BM25 nor the tagger finds the
topic. Each quoted term of the corpus (three to eight Chinese characters) is kept under its
toneless pinyin; a run of the question's characters that sounds like one, is written
differently and appears nowhere in the corpus is replaced by it. A sound two terms share is
left alone (no guessing), and so are two-character runs, which share sounds too often.

A misspelt word that is not quoted (剑康城市, 负则制) is looked for among the corpus words
(:class:`SoundAlikes`): only where jieba finds no word of its dictionary, so two characters
are enough there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache, cached_property

from pypinyin import lazy_pinyin

from qabot.textnorm import is_cjk

QUOTED = re.compile(r"[“‘\"]([^”’\"]{3,8})[”’\"]")


@cache
def sound(ch: str) -> str:
    """The toneless pinyin of a Chinese character (any other character stands for itself)."""
    return lazy_pinyin(ch)[0] if is_cjk(ch) else ch


@cache
def name_sounds(name: str) -> frozenset[tuple[str, ...]]:
    """The toneless pinyin of a name, character by character and read as one word: 宝坻 is
    bao di, though 坻 alone reads chi (宝底 and 宝抵 sound like the one, 堡坻 like the other)."""
    whole = tuple(lazy_pinyin(name))
    return frozenset({_sounds(name), *([whole] if len(whole) == len(name) else [])})


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


# The question's own small words (住多大, 人里, 是干啥, 支不支持) sound like corpus words (诸多,
# 人力, 实干, 支部) too often: a misspelt word is not taken to hold one of their characters.
_SMALL = frozenset(
    "的了吗呢啊吧呀么是不没有都也就还又再很多少几个各些这那哪谁啥咋怎里上下中在和与及跟给让把被"
    "对从向往一人我你他她它们干"
)
_PLACE_END = tuple("区县市镇乡村")  # a place's name has its own correction (七星关区 is no 灌区)


class SoundAlikes:
    """Misspelt words put right by their sound: 剑康城市 → 健康城市, 负则制 → 负责制.

    A word typed with a wrong character of the right sound is no word of jieba's dictionary,
    so jieba, without its new-word model, cuts it into single characters. A run of two to four
    such characters that the corpus never writes, sounding like exactly one corpus word and
    differing from it in one character, is taken for that word. (A first version that took any
    run of the question, small words and all, changed 193 questions of the set, 154 of them
    paraphrases: 有几 read 有机, 住多大 诸多大.)"""

    def __init__(
        self,
        words: Callable[[], Iterable[str]],
        corpus_text: str,
        segment: Callable[[str], list[str]],
    ) -> None:
        self._words = words
        self._corpus = corpus_text
        self._segment = segment

    @cached_property
    def _by_sound(self) -> dict[tuple[str, ...], str]:
        found: dict[tuple[str, ...], set[str]] = {}
        for word in self._words():
            if 2 <= len(word) <= 4 and all(map(is_cjk, word)):
                found.setdefault(_sounds(word), set()).add(word)
        return {key: words.pop() for key, words in found.items() if len(words) == 1}

    def correct(self, query: str) -> str:
        """``query`` with each misspelt word replaced by the corpus's (longest first)."""
        for start, end in _single_runs(self._segment(query)):
            at = start
            while at < end - 1:
                sizes = range(min(4, end - at), 1, -1)
                size, word = next(
                    ((n, w) for n in sizes if (w := self._word(query[at : at + n]))), (1, "")
                )
                if word:  # as long as the window it replaces
                    query = query[:at] + word + query[at + size :]
                at += size
        return query

    def _word(self, window: str) -> str:
        """The corpus word ``window`` is a misspelling of, or ``""``."""
        word = self._by_sound.get(_sounds(window), "")  # as long as window: one sound a character
        if not word or window.endswith(_PLACE_END):
            return ""
        if sum(a != b for a, b in zip(word, window, strict=True)) != 1:
            return ""
        return "" if window in self._corpus else word


def _single_runs(words: list[str]) -> Iterable[tuple[int, int]]:
    """Where runs of two or more one-character words (Chinese, not small words) are, as
    offsets in the text ``words`` were cut from."""
    start = at = 0
    for word in [*words, ""]:
        single = len(word) == 1 and is_cjk(word) and word not in _SMALL
        if not single:
            if at - start >= 2:
                yield start, at
            start = at + len(word)
        at += len(word)
