"""Conversation acts: greetings, thanks, goodbyes and "who are you / help", in Chinese and
English, answered with a short help reply instead of a document passage.

The phrases are data (``qabot/data/conversation.toml``). A message is a conversation act
only when it is made of those phrases and nothing else, once case, punctuation, spaces,
sentence-final particles and filler words (请问, 的, so, for your) are set aside: 你好，你能做
什么？ is one, 谢谢，北辰区种了多少小麦 is a question (its thanks is politeness around real
words).
"""

from __future__ import annotations

import itertools
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import cache

from qabot.lexicon import example_questions, load_data
from qabot.types import Answer, DocumentInfo

# Sentence-final particles and interjections that carry no request (你好呀, 谢谢啦, 在吗哈).
_PARTICLES = "啊呀呢吧哦噢啦嘛哈哟呐咯喔"
_SEPARATORS = re.compile(r"[\s\W_]+")


_SLOT = re.compile(r"\{([^{}]*)\}")
# Words that speak to the bot itself (你, not 你们区: a resident speaking to the government).
_ADDRESSED = re.compile(r"你(?!们)|您|\b(?:you|your|u|ur)\b", re.IGNORECASE)
SMALL_TALK_CHARS = 16  # a longer message to the bot is a question put politely


@cache
def _table() -> dict[str, dict[str, list[str]]]:
    """``conversation.toml``, read once: each act's phrases, and the fillers, per language."""
    return load_data("conversation.toml")


@cache
def phrases() -> dict[str, list[str]]:
    """Act → its phrases (every language, templates expanded), longest first."""
    return {
        act: sorted(
            {_fold(e) for lang in langs.values() for p in lang for e in expand(p)},
            key=len,
            reverse=True,
        )
        for act, langs in _table().items()
        if act != "filler"
    }


@cache
def _fillers() -> tuple[frozenset[str], tuple[int, ...]]:
    """Words that may sit between the phrases of an act (请问, 的, so, for your), and their
    lengths, longest first."""
    langs = _table()["filler"]
    words = frozenset(_fold(w) for ws in langs.values() for w in ws)
    return words, tuple(sorted({len(w) for w in words}, reverse=True))


@cache
def _by_phrase() -> tuple[dict[str, str], tuple[int, ...]]:
    """Phrase → act (the first act that lists it), and the phrase lengths, longest first: a
    message is matched by looking up its first n characters for each length, a few dict
    lookups, not by scanning phrases (templates write thousands, most starting with 你)."""
    table: dict[str, str] = {}
    for act, ps in phrases().items():
        for phrase in ps:
            if phrase:
                table.setdefault(phrase, act)
    return table, tuple(sorted({len(p) for p in table}, reverse=True))


def expand(template: str) -> list[str]:
    """Every phrase a template writes: each ``{a|b|}`` slot is one of its alternatives (the
    empty one too), so 你都能帮我干些啥 needs no line of its own."""
    parts = _SLOT.split(template)  # text, slot, text, slot, …
    choices = [[p] if i % 2 == 0 else p.split("|") for i, p in enumerate(parts)]
    return ["".join(c) for c in itertools.product(*choices)]


def _fold(text: str) -> str:
    """Width- and case-folded, without punctuation or spaces (what can you do → whatcanyoudo)."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text).casefold())


# The acts in the order a message of several is answered by (你好，你能做什么 is help).
ACTS = ("help", "complaint", "praise", "greeting", "thanks", "goodbye", "acknowledge")


def conversation_act(text: str) -> str | None:
    """The act (one of :data:`ACTS`) a message is made of, else ``None``; several acts
    (你好，你能做什么) give the most useful one, ``help`` first."""
    rest = _fold(text)
    found: set[str] = set()
    table, lengths = _by_phrase()
    fillers, filler_lengths = _fillers()
    while rest:
        # The longest phrase of any act: 可以问什么 is help, not 可以 + …
        match = next((rest[:n] for n in lengths if rest[:n] in table), None)
        filler = next((rest[:n] for n in filler_lengths if rest[:n] in fillers), "")
        if match is not None:
            found.add(table[match])
            rest = rest[len(match) :]
        elif filler:  # 谢谢你的帮助: phrases first, so 你好 is not 你 + 好
            rest = rest[len(filler) :]
        elif rest[0] in _PARTICLES:  # 你好呀, 谢谢啦: phrases first, so 哈喽 stays a phrase
            rest = rest[1:]
        else:
            return None
    return next((act for act in ACTS if act in found), None)


def small_talk(text: str, focus: Iterable[str], known: Callable[[Iterable[str]], set[str]]) -> bool:
    """A short message to the bot itself (你/您/you) none of whose focus words the documents
    use — 你吃饭了吗, 你会说英语吗: the help reply, not a search that can only refuse or
    answer from an unrelated passage. The phrase table cannot list every aside; this needs
    the index (``known``: the words of those given that the corpus uses)."""
    return (
        len(_fold(text)) <= SMALL_TALK_CHARS and bool(_ADDRESSED.search(text)) and not known(focus)
    )


_OPENING = {
    ("greeting", "zh"): "你好！",
    ("greeting", "en"): "Hello!",
    ("thanks", "zh"): "不客气！",
    ("thanks", "en"): "You're welcome!",
    ("goodbye", "zh"): "再见！",
    ("goodbye", "en"): "Goodbye!",
    ("acknowledge", "zh"): "好的。",
    ("acknowledge", "en"): "OK.",
    ("praise", "zh"): "谢谢夸奖！",
    ("praise", "en"): "Thank you!",
    ("complaint", "zh"): "抱歉没能帮上忙。换个说法，或者问得具体些（哪个区、哪一年、什么事）。",
    ("complaint", "en"): (
        "Sorry that did not help. Try asking again in other words, or more precisely "
        "(which district, which year, what)."
    ),
    ("help", "zh"): "",
    ("help", "en"): "",
}


def reply(
    act: str, language: str, districts: Sequence[str], documents: Sequence[DocumentInfo]
) -> str:
    """The short reply to a conversation act: what the bot knows (its districts and
    documents, from the index), how to ask, and example questions built from them."""
    opening = _OPENING.get((act, language), "")
    examples = example_questions(districts, language)
    if language == "en":
        known = ", ".join(districts) or "none yet"
        example = "".join(f"“{q}”" for q in examples[:1])
        return (
            f"{opening} I'm qabot: I answer questions about {len(documents)} Chinese government "
            f"documents, quoting and citing the passages (district, speaker, date). Districts: "
            f"{known}. Ask one question at a time, best in Chinese"
            + (f", for example {example}" if example else "")
            + "."
        ).strip()
    known = "、".join(districts) or "暂无"
    example = "".join(f"“{q}”" for q in examples[:2])
    return (
        f"{opening}我是 qabot，回答关于已收录的 {len(documents)} 篇政府文档的问题，"
        f"每个回答都引用原文（区、讲话人、日期）。已收录：{known}。一次问一件事，最好用中文"
        + (f"，例如：{example}" if example else "")
        + "。"
    )


def conversation_answer(
    question: str, qid: str | int | None, reply: str, language: str, started: float
) -> Answer:
    """The answer object of a conversation act: no passages, the ``reply`` as its notice
    (``started``: when answering began, a ``time.perf_counter()``)."""
    return Answer(
        id=qid,
        question=question,
        districts=[],
        no_answer=True,
        answer="",
        passages=[],
        latency_ms=(time.perf_counter() - started) * 1000,
        answer_type="chitchat",
        notice=reply,
        language=language,
    )
