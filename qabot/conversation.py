"""Conversation acts: greetings, thanks, goodbyes and "who are you / help", in Chinese and
English, answered with a short help reply instead of a document passage.

The phrases are data (``qabot/data/conversation.toml``). A message is a conversation act
only when it is made of those phrases and nothing else, once case, punctuation, spaces,
sentence-final particles and filler words (请问, 的, so, for your) are set aside: 你好，你能做
什么？ is one, 谢谢，北辰区种了多少小麦 is a question (its thanks is politeness around real
words). A short message that holds such a phrase among other words, or speaks to the bot,
is an *aside* (:func:`aside`) when the index says its other words name nothing the documents
hold (你好，今天天气不错; 这个机器人能干嘛).
"""

from __future__ import annotations

import itertools
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from qabot.lexicon import example_questions, load_data
from qabot.types import Answer, DocumentInfo

# Sentence-final particles and interjections that carry no request (你好呀, 谢谢啦, 在吗哈).
_PARTICLES = "啊呀呢吧哦噢啦嘛哈哟呐咯喔"
_SEPARATORS = re.compile(r"[\s\W_]+")
_LETTER_RUN = re.compile(r"([a-z])\1+")


_SLOT = re.compile(r"\{([^{}]*)\}")
# Words that speak to the bot itself (你, not 你们区: a resident speaking to the government).
_ADDRESSED = re.compile(
    r"你(?!们)|您|机器人|助手|帮手|\b(?:you|your|u|ur|bot|qabot)\b", re.IGNORECASE
)
# A longer message to the bot is a question put politely: at most this many Chinese
# characters, an English word counting two.
SMALL_TALK_CHARS = 24
ASIDE_REST = 6  # at most this many characters (or English words) beside an aside's phrases
# Acts a message may hold among other words (你好，今天天气不错; thanks mate). Praise, complaints
# and acknowledgements are other words' too often there (天气不错, 说得不对, 可以).
_WITHIN = ("help", "greeting", "thanks", "goodbye")
_ENGLISH_WORDS = re.compile(r"[a-z0-9']+")
_ALONE_FIRST = re.compile(r"^[\W_]*(\w)(?=[\W_]|$)")  # 嗨，在忙吗: a first character on its own


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
        if act not in ("filler", "bot")
    }


@cache
def bot_words() -> frozenset[str]:
    """Words a message uses to speak of the bot and what it covers (你能回答哪些区的问题,
    what documents are you based on), not of a topic: they do not make an aside a question."""
    return frozenset(_table()["bot"]["words"])


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
    """Width- and case-folded, without punctuation or spaces (what can you do → whatcanyoudo),
    a run of one Latin letter as one (hellooo, heyy and helo are hello, hey: a chat's
    lengthening and its slips; the phrases are folded so too)."""
    folded = _LETTER_RUN.sub(r"\1", unicodedata.normalize("NFKC", text).casefold())
    return _SEPARATORS.sub("", folded)


# The acts in the order a message of several is answered by (你好，你能做什么 is help).
ACTS = ("help", "complaint", "praise", "greeting", "thanks", "goodbye", "acknowledge", "smalltalk")


def conversation_act(text: str) -> str | None:
    """The act (one of :data:`ACTS`) a message is made of, else ``None``; several acts
    (你好，你能做什么) give the most useful one, ``help`` first."""
    found = _parse(_fold(text))
    return None if found is None else next((act for act in ACTS if act in found), None)


def _parse(folded: str) -> frozenset[str] | None:
    """The acts of the phrases ``folded`` is made of (with fillers and particles), ``None``
    if it is not. At each place the longest phrase or filler is tried first, a phrase on a
    tie (你好 is not 你 + 好, your is not yo + ur; 可以问什么 is help, not 可以 + …), then
    shorter ones: a filler that swallows a phrase's start (al of "all" in "a lot") gives way.
    The places reached from the start are read first, so a question (北辰区…) stops at its
    first word; then, from the end, each of them takes its first step that reaches the end."""
    steps: dict[int, list[tuple[int, str]]] = {}
    reached = {0}
    for at in range(len(folded)):
        if at in reached:
            steps[at] = _steps(folded, at)
            reached.update(at + n for n, _ in steps[at])
    acts: dict[int, frozenset[str]] = {len(folded): frozenset()}
    for at in sorted(steps, reverse=True):
        for n, act in steps[at]:
            if (rest := acts.get(at + n)) is not None:
                acts[at] = rest | {act} if act else rest
                break
    return acts.get(0)


def _steps(folded: str, at: int) -> list[tuple[int, str]]:
    """What may start at ``at``: phrases (with their act) and fillers (``""``), longest first,
    a phrase before a filler of its length, then a particle (你好呀, 谢谢啦: phrases first, so
    哈喽 stays a phrase)."""
    table, lengths = _by_phrase()
    fillers, filler_lengths = _fillers()
    fits = [n for n in lengths if at + n <= len(folded)]
    steps = [(n, table[folded[at : at + n]]) for n in fits if folded[at : at + n] in table]
    fits = [n for n in filler_lengths if at + n <= len(folded)]
    steps += [(n, "") for n in fits if folded[at : at + n] in fillers]
    steps.sort(key=lambda step: (-step[0], not step[1]))
    if folded[at] in _PARTICLES:
        steps.append((1, ""))
    return steps


@dataclass(frozen=True)
class Within:
    """What a message holds of the acts' phrases among its other words."""

    act: str | None  # the most useful act found (of :data:`_WITHIN`)
    phrases: frozenset[str]  # the phrases found (folded)
    rest: int  # Chinese characters and English words outside them, fillers and particles aside


def within(text: str) -> Within:
    """The acts' phrases a message holds among other words — 你好，今天天气不错; 多谢指点;
    thanks mate. Only a hint: :func:`aside` also asks that the other words name nothing the
    documents answer. A Chinese phrase of one character counts only where the message starts
    (嗨，在忙吗, not the 早 of 早期); an English one only as whole words (not hi in which)."""
    table, lengths = _by_phrase()
    cjk = _fold(text)
    pieces = {cjk[i : i + n] for i in range(len(cjk)) for n in lengths if n >= 2}
    folded = unicodedata.normalize("NFKC", text).casefold()
    pieces = {piece for piece in pieces if not piece.isascii()}
    pieces |= set(_ALONE_FIRST.findall(folded))
    words = [_fold(w) for w in _ENGLISH_WORDS.findall(folded)]
    runs = {"".join(words[i:j]): (i, j) for i in range(len(words)) for j in range(i + 1, i + 9)}
    found = {piece for piece in pieces | runs.keys() if table.get(piece) in _WITHIN}
    acts = {table[piece] for piece in found}
    covered = {i for piece in found if piece in runs for i in range(*runs[piece])}
    fillers, _ = _fillers()
    rest = sum(1 for i, w in enumerate(words) if i not in covered and w not in fillers)
    left = cjk
    for piece in sorted(found, key=len, reverse=True):
        left = left.replace(piece, "")
    rest += sum(1 for c in left if not c.isascii() and c not in _PARTICLES)
    return Within(next((a for a in ACTS if a in acts), None), frozenset(found), rest)


def _size(text: str) -> int:
    """A message's Chinese characters and twice its English words (an aside's length)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return sum(1 for c in folded if ord(c) > 127 and c.isalnum()) + 2 * len(
        _ENGLISH_WORDS.findall(folded)
    )


def aside(
    text: str, focus: Iterable[str], known: Callable[[Iterable[str]], set[str]], refused: bool
) -> str | None:
    """The act of a short message that talks to the bot — it holds an act's phrase among
    other words (你好，今天天气不错) or speaks to the bot (你吃饭了吗, 这个机器人能干嘛);
    ``help`` when it holds no act's phrase; ``None``: a question. It is an aside when none of
    its focus words is one the documents use (set aside: words speaking of the bot — 问题, 区,
    documents —, those of its phrases, single characters), or, when the documents do not
    answer it (``refused``), when little is left beside its phrases (晚上好，吃了吗; hi, how's
    your day). The phrase table cannot list every aside; this needs the index (``known``: the
    words of those given that the corpus uses)."""
    if _size(text) > SMALL_TALK_CHARS:  # before the phrase scan: most questions end here
        return None
    found = within(text)
    act = found.act or ("help" if _ADDRESSED.search(text) else None)
    if act is None:
        return None
    # a single character (小 of 小帮手, 吃) says too little to make it a question
    words = {w for w in set(focus) - bot_words() if len(w) > 1 or w.isascii()}
    words = {w for w in words if not any(w in p for p in found.phrases)}
    return act if not known(words) or (refused and found.rest <= ASIDE_REST) else None


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
    ("smalltalk", "zh"): "闲聊我不在行。",
    ("smalltalk", "en"): "I'm not much for small talk.",
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
