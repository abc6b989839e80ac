"""A sentence that speaks of another thing than the one asked: the same words with a
contrasting member in place of the one asked (春小麦 for 冬小麦, 示范村 for 示范镇, 北京 for
上海), or another number in the same frame (第一产业园 for 第二, “和平20条” for “和平30条”).

Such a sentence shares almost every word with the question, so it ranks first and its value
looks like the answer; the documents do not speak of what was asked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from qabot.lexicon import lexicon
from qabot.paragraphs import number
from qabot.textnorm import HAN

_CONTEXT = 2  # characters before a contrasting member that frame it
_NUMERAL = "0-9一二两三四五六七八九十百"
# 第二产业园, 和平30条, 第十届: a number between the characters that frame it (not a year of
# the calendar: qabot.refusal checks those against the text's)
_NUMBERED = re.compile(rf"(?<=(?P<before>[{HAN}]))(?P<number>[{_NUMERAL}]+)(?=(?P<after>[{HAN}]))")


def contrasted(sentence: str, question: str, words: Iterable[str]) -> bool:
    """``sentence`` writes, in place of what ``question`` asks (by its focus ``words`` or the
    words around a contrasting member or a number), the same with another member of its
    contrast set (:attr:`~qabot.lexicon.Lexicon.contrasts`) or another number."""
    return (
        _other_member(sentence, words)
        or _other_in_place(sentence, question)
        or _other_number(sentence, question)
    )


def _other_member(sentence: str, words: Iterable[str]) -> bool:
    """A focus word the sentence lacks, written with another member of its set in place of
    its own at its start: 春小麦 for 冬小麦, 村级 for 镇级, 北京 for 上海. (A word it starts
    with one character before, 村居 of 农村居民, is a tokenizer's cut, not a word.)"""
    for word in words:
        if word in sentence:
            continue
        for group in lexicon().contrasts:
            own = next((m for m in group if word.startswith(m)), None)
            if (
                own is not None
                and len(word) - len(own) != 1
                and any(other + word[len(own) :] in sentence for other in group if other != own)
            ):
                return True
    return False


def _other_in_place(sentence: str, question: str) -> bool:
    """A member the question writes after a word, the sentence writing that word before
    another member and never before it: 人居环境示范镇 asked, 示范村 written. (After a word
    only: the words a member comes before are the focus words :func:`_other_member` reads,
    and 农村居民 is not contrasted by 城乡居民.)"""
    for group in lexicon().contrasts:
        for own in group:
            for found in re.finditer(re.escape(own), question):
                start = found.start()
                before = _han_run(question[max(0, start - _CONTEXT) : start])
                if not before or before + own in sentence:
                    continue
                if any(before + other in sentence for other in group if other != own):
                    return True
    return False


def _other_number(sentence: str, question: str) -> bool:
    """A number the question frames (第二产业园, 和平30条) that the sentence frames the same
    way only with another value: it speaks of another one."""
    for found in _NUMBERED.finditer(question):
        before, after = found.group("before"), found.group("after")
        if after == "年" and len(found.group("number")) == 4:
            continue  # a year of the calendar
        frame = re.compile(rf"{re.escape(before)}(?P<number>[{_NUMERAL}]+){re.escape(after)}")
        asked = number(found.group("number"))
        written = [number(m.group("number")) for m in frame.finditer(sentence)]
        if written and asked and asked not in written:
            return True
    return False


def _han_run(text: str) -> str:
    """The Chinese characters that end ``text`` (those right before a word)."""
    found = re.search(rf"[{HAN}]+$", text)
    return found.group(0) if found else ""
