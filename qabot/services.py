"""Questions for everyday service information that work reports and interviews do not hold.

Opening hours, a phone number, how to apply and what to bring, the weather, directions and
fares, a restaurant, house prices, an official's age or birthplace: searched in district work
reports, such a question finds a passage on some related policy and reads it as an answer —
wrong, and looking right. The kinds are data (``qabot/data/services.toml``): the phrases that
ask for each, and the words a document holding it would use. A question asking for a kind
the corpus holds no word of is refused with a notice naming the kind and where to ask
instead; once a document that holds it is added (a service guide), such questions are
searched as usual. A phrase of the question that the corpus itself uses is not a cue, nor one
both of whose ends cut through words (尾号 in 结尾号召; one end is enough, since a name the
segmenter does not know may swallow the phrase's first character: 冯卫华多|大|岁数).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from qabot.lexicon import load_data
from qabot.textnorm import fold_width, to_simplified


@dataclass(frozen=True)
class ServiceKind:
    name: str
    label_zh: str
    label_en: str
    zh: tuple[str, ...]
    en: re.Pattern[str]
    held: tuple[str, ...]


@cache
def kinds() -> tuple[ServiceKind, ...]:
    """The kinds of ``services.toml``, in its order."""
    return tuple(
        ServiceKind(
            name,
            entry["label_zh"],
            entry["label_en"],
            tuple(entry["zh"]),
            re.compile(r"\b(?:" + "|".join(re.escape(p) for p in entry["en"]) + r")\b"),
            tuple(entry["held"]),
        )
        for name, entry in load_data("services.toml").items()
    )


class ServiceGuard:
    """Which service kinds a corpus cannot answer, and whether a question asks for one."""

    def __init__(self, corpus_text: str, segment: Callable[[str], list[str]]) -> None:
        self._corpus = corpus_text
        self._segment = segment  # a text into words (qabot.lexical.Tokenizer.segment)
        self._absent = tuple(k for k in kinds() if not any(w in corpus_text for w in k.held))

    def asked(self, question: str) -> ServiceKind | None:
        """The kind ``question`` asks for when the corpus holds none of it, else ``None``."""
        text = fold_width(to_simplified(question)).lower()
        edges: set[int] | None = None
        for kind in self._absent:
            if kind.en.search(text):
                return kind
            cues = [p for p in kind.zh if p in text and p not in self._corpus]
            if cues:
                edges = edges if edges is not None else _edges(self._segment(text))
                if any(_whole(p, text, edges) for p in cues):
                    return kind
        return None


def _edges(words: list[str]) -> set[int]:
    """Where the words of a segmented text start and end."""
    edges, at = {0}, 0
    for word in words:
        at += len(word)
        edges.add(at)
    return edges


def _whole(phrase: str, text: str, edges: set[int]) -> bool:
    """``phrase`` occurs in ``text`` starting or ending where a word does."""
    start = text.find(phrase)
    while start >= 0:
        if start in edges or start + len(phrase) in edges:
            return True
        start = text.find(phrase, start + 1)
    return False


def notice(kind: ServiceKind, language: str) -> str:
    """The refusal: the documents are not a service guide for this kind; where to ask."""
    if language == "en":
        return (
            f"These documents are district work reports and interviews: they do not give "
            f"{kind.label_en}. For public services in mainland China, call the 12345 "
            "government service hotline or see the district government's website."
        )
    return (
        f"这些文档是区政府的工作报告和访谈，不含{kind.label_zh}。"
        "办事咨询请拨打 12345 政务服务便民热线或查看区政府网站。"
    )
