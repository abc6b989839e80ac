"""Sentence-by-sentence verification of a generated answer against the passages it cites.

A sentence is kept only when it cites at least one passage of the answer (``[n]``), is in the
question's language, and every number with its unit, year, proper name and quoted phrase it
holds occurs in one of the passages it cites (:mod:`qabot.generation.facts`). Anything else is
dropped with a reason. Sentences are cut as text arrives, so a stream can be checked and
shown sentence by sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from qabot.generation.facts import SourceFacts, facts, source_facts
from qabot.generation.prompt import language_of, source_line
from qabot.textnorm import match_key

_CITATION = re.compile(r"[\[【［]\s*(\d+(?:\s*[,，、]\s*\d+)*)\s*[\]】］]")
_OPEN_CITATION = re.compile(r"\s*[\[【［][\d\s,，、]*$")  # a citation still being written
_CLAUSE = re.compile(r"[，,、；;：:。！？!?…\s]+")
_ENDS = "。！？!?\n"
_TRAILING = "”」』）)\"' \t"


@dataclass
class Verdict:
    """One sentence: kept (``reason`` empty) or dropped, and why."""

    sentence: str
    citations: list[int] = field(default_factory=list)
    reason: str = ""

    @property
    def kept(self) -> bool:
        return not self.reason


def split_sentences(text: str, final: bool) -> tuple[list[str], str]:
    """The complete sentences at the start of ``text`` (each with the citations that follow
    it) and the rest. Unless ``final``, a sentence whose citations may still be arriving is
    left in the rest."""
    sentences, start, i = [], 0, 0
    while i < len(text):
        if not _ends_at(text, i, final):
            i += 1
            continue
        j = i + 1
        while j < len(text):
            cited = _CITATION.match(text, j)
            if cited:
                j = cited.end()
            elif text[j] in _TRAILING or text[j] in _ENDS:
                j += 1
            else:
                break
        if not final and (j == len(text) or _OPEN_CITATION.match(text, j)):
            break
        if text[start:j].strip():
            sentences.append(text[start:j].strip())
        start = i = j
    rest = text[start:]
    if final and rest.strip():
        sentences.append(rest.strip())
        rest = ""
    return sentences, rest


def _ends_at(text: str, i: int, final: bool) -> bool:
    if text[i] in _ENDS:
        return True
    if text[i] != ".":
        return False
    if i + 1 == len(text):
        return final
    return not text[i + 1].isdigit()  # 6.5 is a number


class Verifier:
    """Checks the sentences of one answer (``Answer.to_dict()``) against its passages."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.language = language_of(answer["question"])
        self.passages = {p["rank"]: p for p in answer["passages"]}
        self._sources: dict[int, SourceFacts] = {}

    def source(self, rank: int) -> SourceFacts:
        if rank not in self._sources:
            p = self.passages[rank]
            self._sources[rank] = source_facts(f"{source_line(p)}\n{p['text']}")
        return self._sources[rank]

    def check(self, sentence: str) -> Verdict:
        citations = sorted(
            {int(n) for group in _CITATION.findall(sentence) for n in re.split(r"\D+", group) if n}
        )
        verdict = Verdict(_CITATION.sub(lambda m: _normal(m.group(1)), sentence), citations)
        unknown = [n for n in citations if n not in self.passages]
        if not citations:
            verdict.reason = "no citation"
        elif unknown:
            verdict.reason = f"cites [{unknown[0]}]: no such passage"
        elif (language := language_of(_CITATION.sub("", sentence))) != self.language:
            verdict.reason = f"wrong language: {language}, the question is {self.language}"
        else:
            body = _CITATION.sub(" ", sentence)
            sources = [self.source(n) for n in citations]
            fresh = " ".join(  # the clauses not copied word for word from a cited passage
                c for c in _CLAUSE.split(body) if not any(match_key(c) in s.key for s in sources)
            )
            found = facts(body, names_in=fresh)
            missing = next((f for f in found if not any(s.holds(f) for s in sources)), None)
            if missing is not None:
                cited = "".join(f"[{n}]" for n in citations)
                verdict.reason = f"{missing.kind} not in {cited}: {missing.text}"
        return verdict

    def check_all(self, text: str) -> Iterator[Verdict]:
        sentences, _ = split_sentences(text, final=True)
        return (self.check(s) for s in sentences)


def _normal(group: str) -> str:
    """【1、2】 → [1][2]: one citation form in what is shown."""
    return "".join(f"[{n}]" for n in re.split(r"\D+", group) if n)


_CITATION_RUN = re.compile(rf"(?:{_CITATION.pattern}\s*)*{_CITATION.pattern}")


def renumber(text: str, number: dict[int, int]) -> str:
    """Citations in passage ranks ([3], [1,2], 【2】, one after another) as ``[n]`` in the
    numbers a front end shows its sources under (``number``: rank → shown number, as
    :func:`qabot.render.shown_passages` gives), each once: two pieces of one paragraph are
    one source, cited once."""

    def shown(run: re.Match[str]) -> str:
        ranks = (int(n) for n in re.findall(r"\d+", run.group(0)))
        return "".join(f"[{n}]" for n in dict.fromkeys(number.get(r, r) for r in ranks))

    return _CITATION_RUN.sub(shown, text)


def join(sentences: list[str], language: str) -> str:
    """Kept sentences as one text (Chinese without spaces between sentences)."""
    return ("" if language == "zh" else " ").join(sentences)
