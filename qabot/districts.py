"""The districts qabot knows, and recognising them in free text.

Users write full names (北辰区), short forms (北辰, 东丽) and Traditional forms (北辰區); all
resolve to one canonical name. The lexicon (``data/lexicon.toml``) knows the written forms
of some districts; a :class:`Gazetteer` adds the districts of any other documents in the
index, so a new document about 朝阳区 makes 朝阳区 and 朝阳 recognisable without code changes.
What users are shown as "the districts" is the index's list, not this one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from pypinyin import lazy_pinyin

from qabot.errors import UsageError
from qabot.lexicon import lexicon
from qabot.textnorm import occurrences, to_simplified


@dataclass(frozen=True)
class District:
    name: str
    city: str
    aliases: tuple[str, ...] = ()


# Districts written in ways beyond their name and short form (毕节金海湖), from the lexicon.
KNOWN = tuple(District(*known) for known in lexicon().known_districts)


def short_form(name: str) -> str | None:
    """北辰区 → 北辰; None when the short form would be a single character."""
    for suffix in lexicon().district_suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


class Gazetteer:
    """Canonical districts plus every written form that names them."""

    def __init__(self, extra: Iterable[tuple[str, str]] = ()) -> None:
        self.districts: dict[str, District] = {d.name: d for d in KNOWN}
        for name, city in extra:
            if name and name not in self.districts:
                short = short_form(name)
                self.districts[name] = District(name, city, (short,) if short else ())
        table: dict[str, str] = {}
        for district in self.districts.values():
            for form in (district.name, *district.aliases):
                table.setdefault(form, district.name)
        self._forms = sorted(table.items(), key=lambda pair: -len(pair[0]))
        # English and pinyin: Beichen, Beichen District, Jinhaihu New District (any case).
        latin = {
            romanised(d.aliases[0] if d.aliases else d.name): d.name
            for d in self.districts.values()
        }
        self._latin = {form: name for form, name in latin.items() if len(form) >= 4}

    @property
    def names(self) -> list[str]:
        return list(self.districts)

    @property
    def romanised_names(self) -> dict[str, str]:
        """Lower-case pinyin → canonical name (beichen → 北辰区, jinhaihu → 金海湖新区)."""
        return dict(self._latin)

    def city_of(self, name: str) -> str:
        district = self.districts.get(name)
        return district.city if district else ""

    def find(self, text: str) -> list[str]:
        """Canonical districts named in ``text``, in order of first mention, no repeats."""
        return list(dict.fromkeys(name for _, name in self._mentions(text)))

    def places_named_after(self, corpus_text: str) -> tuple[str, ...]:
        """The places ``corpus_text`` names after a district (东丽湖, 北辰医院: a district's
        form and a place word, ``place_tails``), longest first: a thing of their own, where the
        district's name is only the start. Read once per corpus; questions are matched to them."""
        tails = "|".join(map(re.escape, lexicon().place_tails))
        found = {
            place.group(0)
            for form, _ in self._forms
            for place in re.finditer(rf"{re.escape(form)}(?:{tails})", corpus_text)
        }
        return tuple(sorted(found, key=lambda place: (-len(place), place)))

    def count(self, text: str) -> Counter[str]:
        """How often each district is named in ``text``."""
        return Counter(name for _, name in self._mentions(text))

    def _mentions(self, text: str) -> list[tuple[int, str]]:
        simplified = to_simplified(text)
        taken = [False] * len(simplified)
        hits: list[tuple[int, str]] = []
        for form, name in self._latin.items():
            pattern = rf"(?<![a-z]){form}(?:\s+(?:new\s+)?district)?(?![a-z])"
            for match in re.finditer(pattern, simplified, re.IGNORECASE):
                taken[match.start() : match.end()] = [True] * (match.end() - match.start())
                hits.append((match.start(), name))
        for form, name in self._forms:
            for start, end in occurrences(simplified, form):
                if any(taken[start:end]) or not self._stands_alone(form, simplified, start, end):
                    continue
                taken[start:end] = [True] * (end - start)
                hits.append((start, name))
        return sorted(hits)

    @staticmethod
    def _stands_alone(form: str, text: str, start: int, end: int) -> bool:
        """A short form that is also a word (和平) names the district unless it is in a compound
        (和平发展, 世界和平)."""
        if form not in lexicon().wordlike_short:
            return True
        return not (
            text.startswith(lexicon().wordlike_after, end)
            or text[:start].endswith(lexicon().wordlike_before)
        )

    def resolve(self, value: str) -> str | None:
        """Canonical name for a user-supplied district, ``None`` for "all".

        Raises :class:`UsageError` listing the known districts when ``value`` names none.
        """
        cleaned = to_simplified(value.strip())
        if cleaned.lower() in lexicon().all_districts:
            return None
        for form, name in self._forms:
            if cleaned == form:
                return name
        latin = re.sub(r"\s+(new\s+)?district$", "", cleaned.lower())
        if latin in self._latin:
            return str(self._latin[latin])
        known = "、".join(self.names)
        raise UsageError(
            f"unknown district {value.strip()!r}; known districts: {known} (or 'all')",
            "unknown_district",
        )


def romanised(name: str) -> str:
    """The pinyin of a Chinese name, as English text writes it: 北辰 → beichen."""
    return "".join(lazy_pinyin(name)).lower()
