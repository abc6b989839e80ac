"""Questions for everyday service information that work reports and interviews do not hold.

Opening hours, a phone number, how to apply and what to bring, the weather, directions and
fares, a restaurant, house prices, an official's age or birthplace: searched in district work
reports, such a question finds a passage on some related policy and reads it as an answer —
wrong, and looking right. The kinds are data (``qabot/data/services.toml``): the phrases that
ask for each, and the words a document holding it would use. A question asking for a kind
the corpus holds no word of is refused with a notice naming the kind and where to ask
instead; once a document that holds it is added (a service guide), such questions are
searched as usual. A phrase of the question that the corpus itself uses is not a cue.
"""

from __future__ import annotations

import re
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

    def __init__(self, corpus_text: str) -> None:
        self._corpus = corpus_text
        self._absent = tuple(k for k in kinds() if not any(w in corpus_text for w in k.held))

    def asked(self, question: str) -> ServiceKind | None:
        """The kind ``question`` asks for when the corpus holds none of it, else ``None``."""
        text = fold_width(to_simplified(question)).lower()
        for kind in self._absent:
            if any(p in text and p not in self._corpus for p in kind.zh) or kind.en.search(text):
                return kind
        return None


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
