"""The checkable facts of a sentence — numbers with their units, years, proper names, quoted
phrases — and of a passage, so that a generated sentence can be held against its sources.

Numbers are compared by value and unit after Chinese-numeral normalisation (``cn2an``):
六千五百五十亩, 6550亩 and 6,550亩 are one fact, 2.5万亩 and 25000亩 too. A number written
without a Chinese unit (``6,550 mu`` in English) is checked by value alone.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import lru_cache

import cn2an

from qabot.lexical import pos_tags
from qabot.textnorm import HAN, match_key
from qabot.values import UNITS

_ARABIC = r"\d+(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_CHINESE = r"[零〇一二两三四五六七八九十百千]+(?:点[零〇一二三四五六七八九]+)?"
_MULTIPLIERS = {"万亿": 1e12, "千万": 1e7, "百万": 1e6, "万": 1e4, "亿": 1e8}
_ENGLISH_MULTIPLIERS = {"thousand": 1e3, "million": 1e6, "billion": 1e9}
_ENGLISH_UNITS = {
    "mu": "亩",
    "yuan": "元",
    "percent": "%",
    "per cent": "%",
    "hectares": "公顷",
    "tons": "吨",
    "tonnes": "吨",
    "households": "户",
    "square kilometres": "平方公里",
    "square kilometers": "平方公里",
}
_NUMBER = re.compile(
    rf"(?P<pct>百分之)?(?P<num>{_ARABIC}|{_CHINESE})\s?"
    rf"(?P<mult>{'|'.join(_MULTIPLIERS)}|(?:{'|'.join(_ENGLISH_MULTIPLIERS)})\b)?\s?"
    rf"(?P<unit>{UNITS}|(?:{'|'.join(_ENGLISH_UNITS)})\b)?",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"“([^”]+)”|「([^」]+)」|『([^』]+)』|《([^》]+)》|\"([^\"]+)\"|‘([^’]+)’")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_NAME_TAGS = ("nr", "ns", "nt")
_HAN_CHAR = re.compile(f"[{HAN}]")


@dataclass(frozen=True)
class Fact:
    """One checkable item: ``kind`` number/year/name/quote, ``text`` as the sentence writes
    it, ``value``/``unit`` for numbers (``unit`` empty when none is written)."""

    kind: str
    text: str
    value: float = 0.0
    unit: str = ""


def _value(number: str) -> float | None:
    if number[0].isdigit():
        return float(number.replace(",", ""))
    with warnings.catch_warnings():  # cn2an warns on what it cannot read; None says it
        warnings.simplefilter("ignore")
        try:
            return float(cn2an.cn2an(number.replace("两", "二"), "smart"))
        except (ValueError, KeyError, IndexError, TypeError):
            return None


def numbers(text: str) -> list[Fact]:
    """The numbers of ``text`` with value and unit. A Chinese numeral counts only with a unit
    or a multiplier (一是, 统一 are words, not numbers)."""
    found = []
    for match in _NUMBER.finditer(text):
        number, unit = match["num"], (match["unit"] or "").lower()
        mult = (match["mult"] or "").strip().lower()
        if not number[0].isdigit() and not (unit or mult or match["pct"]):
            continue
        value = _value(number)
        if value is None:
            continue
        value *= _MULTIPLIERS.get(mult) or _ENGLISH_MULTIPLIERS.get(mult) or 1.0
        unit = "%" if match["pct"] or unit == "％" else _ENGLISH_UNITS.get(unit, unit)
        kind = "year" if unit == "年" and 1900 <= value <= 2100 and "." not in number else "number"
        found.append(Fact(kind, match.group(0).strip(), round(value, 4), unit))
    return found


def names(text: str) -> list[str]:
    """Proper names written in Chinese characters (people, places, organisations): jieba's
    tagger, two characters or more. Names in Latin letters are not checked."""
    return [w for w, tag in pos_tags(text) if tag.startswith(_NAME_TAGS) and len(w) >= 2]


def quotes(text: str) -> list[str]:
    """Quoted phrases and titles that hold Chinese characters (a translation cannot be
    checked, so Latin-only quotes are left alone)."""
    found = (next(g for g in m.groups() if g) for m in _QUOTED.finditer(text))
    return [q for q in found if _HAN_CHAR.search(q)]


def facts(sentence: str, names_in: str | None = None) -> list[Fact]:
    """Everything in ``sentence`` that must occur in a passage it cites; names are looked for
    in ``names_in`` (default: the sentence), the part not already copied from a passage —
    tagging is nine tenths of the cost of a check."""
    return [
        *numbers(sentence),
        *(Fact("name", n) for n in names(sentence if names_in is None else names_in)),
        *(Fact("quote", q) for q in quotes(sentence)),
    ]


@dataclass(frozen=True)
class SourceFacts:
    """A passage as the verifier sees it: its normalised text and its numbers."""

    key: str
    pairs: frozenset[tuple[float, str]]
    values: frozenset[float]

    def holds(self, fact: Fact) -> bool:
        if fact.kind in ("number", "year"):
            if fact.unit:
                return (fact.value, fact.unit) in self.pairs
            return fact.value in self.values
        return match_key(fact.text) in self.key


@lru_cache(maxsize=512)
def source_facts(text: str) -> SourceFacts:
    """The facts of a passage's text plus its source line (district, speaker, date, title);
    cached, since the same passages come back for many questions."""
    years = [Fact("year", y, float(y), "年") for y in _YEAR.findall(text)]
    found = numbers(text) + years
    return SourceFacts(
        key=match_key(text),
        pairs=frozenset((f.value, f.unit) for f in found),
        values=frozenset(f.value for f in found),
    )
