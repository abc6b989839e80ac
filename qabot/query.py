"""The question as every later step reads it: analysed once, resolved against the caller's
filter and the index.

:class:`Query` is the :class:`~qabot.question.Analysis` of the question text plus what depends
on the caller and the index: the districts finally searched (an explicit filter wins over
the ones the question names), whether the answer is a comparison and which districts are
searched and judged one by one, the focus words weighted by their IDF, the quoted phrases,
the words BM25 looks for and the question's language. Retrieval (:mod:`qabot.retriever`),
the answer line (:mod:`qabot.answer`) and the refusal (:mod:`qabot.refusal`) read only this
object, so each of these decisions is taken here and nowhere else.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Literal

from qabot.lexicon import official_words
from qabot.partial import asked_part
from qabot.question import Analysis
from qabot.sentences import Reading
from qabot.textnorm import match_key

Language = Literal["zh", "en"]

# Text in quotation marks is meant literally: 提出“产业第一、企业家老大”的理念.
_QUOTED = re.compile(r"[“\"「『《]([^”\"」』》]{2,40})[”\"」』》]")
_ELLIPSIS = re.compile(r"(?:…|⋯|\.{2,}|。{2,}|、{2,})+")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_HAN_CHAR = re.compile(r"[\u3400-\u9fff]")


def quoted_phrases(query: str) -> list[str]:
    """Phrases the question quotes, as match keys; a quote the asker could not finish
    (“美丽……”建设叫啥) is the part written, each part where the ellipsis is inside."""
    return [
        part
        for quoted in _QUOTED.findall(query)
        for part in _ELLIPSIS.split(match_key(quoted))
        if len(part) >= 2
    ]


def detect_language(text: str) -> Language:
    """``en`` for a question with more Latin letters than Chinese characters (What is 小巷管家?),
    else ``zh`` (北辰区的GDP是多少): the language its labels and notices are to be written in."""
    return "en" if len(_LATIN_LETTER.findall(text)) > len(_HAN_CHAR.findall(text)) else "zh"


def _is_compound(word: str, words: list[str]) -> bool:
    """True if ``word`` is a concatenation of two or more other words of the list.

    Dynamic programming over positions (which prefixes the other words cover), so a
    question of repeated letters costs O(len(word) * len(words)), not an exponential
    search. Every other word is shorter than ``word``, so a cover has two parts or more."""
    others = {w for w in words if w != word and 0 < len(w) < len(word)}
    lengths = sorted({len(w) for w in others})
    covered = [True] + [False] * len(word)  # covered[i]: word[:i] splits into other words
    for end in range(1, len(word) + 1):
        covered[end] = any(
            n <= end and covered[end - n] and word[end - n : end] in others for n in lengths
        )
    return covered[-1]


@dataclass(frozen=True)
class Query(Analysis):
    """One question, ready to be answered. ``districts`` are the districts searched (the
    explicit filter, else those the question names); ``named`` those the question names."""

    question: str = ""  # the validated question as the user wrote it
    named: list[str] = field(default_factory=list)
    comparison: bool = False  # answered one line per district
    compared: list[str] = field(default_factory=list)  # searched and judged one by one
    weights: dict[str, float] = field(default_factory=dict)  # focus word → IDF
    quoted: list[str] = field(default_factory=list)  # quoted phrases, as match keys
    terms: list[str] = field(default_factory=list)  # what BM25 looks for
    # everyday words it writes → the documents' words for them (找工作 → 就业; lexicon)
    everyday: dict[str, tuple[str, ...]] = field(default_factory=dict)
    searchable: bool = True  # holds a word these documents could hold (not all Korean)
    language: Language = "zh"
    part: str = ""  # breakdown / period: asks for a part of a figure (qabot.partial)
    # focus word → corpus words near it in meaning (qabot.meaning), once passages are found
    near: dict[str, set[str]] = field(default_factory=dict, compare=False, repr=False)
    # the near words of the focus words no passage found holds: they stand for them
    stand_ins: dict[str, set[str]] = field(default_factory=dict, compare=False, repr=False)
    # the top passages' sentences' cosines with the question (qabot.closeness)
    closeness: dict[str, float] = field(default_factory=dict, compare=False, repr=False)
    # the sentences of each passage read for this question, split and judged once
    reading: Reading = field(default_factory=Reading, compare=False, repr=False)

    @property
    def as_asked(self) -> str:
        """The question as its words ask: English as written, Chinese in its Simplified form."""
        return self.question if self.language == "en" else self.query

    @property
    def lines_for(self) -> list[str]:
        """The districts a comparison answers one line each: those searched, then the
        county-level names outside the corpus (「文档未提及」)."""
        return [*self.districts, *self.not_covered]


def make_query(
    question: str,
    analysis: Analysis,
    explicit: str | None,
    idfs: Callable[[list[str]], dict[str, float]],
    tokenize: Callable[[str], list[str]],
) -> Query:
    """The :class:`Query` of ``question`` (already validated) and its ``analysis``, searched
    in ``explicit`` when given; ``idfs`` weighs focus words (all in one look-up),
    ``tokenize`` is the index's."""
    districts = [explicit] if explicit else list(analysis.districts)
    everyday = official_words(analysis.query)
    words = [t for t in analysis.focus if not _is_compound(t, analysis.focus)]
    comparison = analysis.answer_type == "comparison" or len(districts) > 1
    base = {f.name: getattr(analysis, f.name) for f in fields(Analysis)}
    base["districts"] = districts
    return Query(
        **base,
        question=question,
        named=list(analysis.districts),
        comparison=comparison,
        compared=districts if len(districts) > 1 else [],
        weights=idfs(words),
        quoted=quoted_phrases(analysis.query),
        # 找工作: the documents' 就业 is searched too
        terms=tokenize(" ".join([analysis.search, *itertools.chain(*everyday.values())])),
        everyday=everyday,
        searchable=bool(tokenize(analysis.query)),
        language=detect_language(question),
        part="" if comparison else asked_part(f"{question} {analysis.query}"),
    )
