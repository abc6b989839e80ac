"""The lexicon (``qabot/data/lexicon.toml``), loaded once: the words question analysis,
units, values, attribution and the district gazetteer read text by.

Kept as data so that a word list can be read, reviewed and extended without touching the
code that uses it; the regular expressions built from it are built here, once.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import product
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def load_data(name: str) -> dict[str, Any]:
    """A TOML file of ``qabot/data`` (the lexicon, the conversation phrases)."""
    return tomllib.loads(resources.files("qabot").joinpath(f"data/{name}").read_text("utf-8"))


@dataclass(frozen=True)
class Lexicon:
    """Every list of ``lexicon.toml``, in the shapes its users need."""

    fillers: frozenset[str]
    spoken: re.Pattern[str]
    courtesy: re.Pattern[str]
    times: re.Pattern[str]
    speech_verbs: tuple[str, ...]
    determiners: frozenset[str]
    contrasts: tuple[tuple[str, ...], ...]
    spellings: dict[str, frozenset[str]]  # a contrast member's spellings (敬老院 → 养老院 too)
    provinces: dict[str, str]  # a province's name → the one character it is written by
    before_province: tuple[str, ...]  # words before that character (赴鄂, 援藏)
    asking: re.Pattern[str]  # a Chinese question word
    amount_named: re.Pattern[str]  # a query ending with an amount noun
    spelled_out: dict[str, str]
    titles: frozenset[str]
    titles_after_surname: tuple[str, ...]
    titles_of_people: tuple[str, ...]
    roles: tuple[str, ...]
    interviewer: str
    after_ji: str
    after_number: str
    before_counted: str
    measure_nouns: tuple[str, ...]
    classifier_groups: tuple[str, ...]
    duration: str
    repeated: tuple[str, ...]
    units: tuple[str, ...]
    unit_kinds: tuple[tuple[str, tuple[str, ...]], ...]
    size_words: tuple[tuple[str, str], ...]
    answer_types: tuple[tuple[str, re.Pattern[str]], ...]
    all_districts: frozenset[str]
    district_suffixes: tuple[str, ...]
    wordlike_short: frozenset[str]
    wordlike_after: tuple[str, ...]
    wordlike_before: tuple[str, ...]
    place_tails: tuple[str, ...]
    generic_counties: frozenset[str]
    peoples: tuple[str, ...]  # minority peoples, as autonomous counties' names write them
    known_districts: tuple[tuple[str, str, tuple[str, ...]], ...]  # name, city, aliases
    examples: dict[str, tuple[str, ...]]
    everyday: dict[str, tuple[str, ...]]  # 找工作 → the documents' 就业

    def cue(self, answer_type: str) -> re.Pattern[str]:
        """The (first) cue pattern of ``answer_type``: 多少 asks for a number anywhere."""
        return next(pattern for name, pattern in self.answer_types if name == answer_type)


def _contrast_sets(groups: Sequence[Sequence[str]]) -> tuple[tuple[str, ...], ...]:
    """The contrast sets, one for each choice among a member's spellings (养老院|敬老院: one
    thing, so a sentence writing either is no other member for a question asking the other)."""
    return tuple(choice for group in groups for choice in product(*(m.split("|") for m in group)))


def _spellings(groups: Sequence[Sequence[str]]) -> dict[str, frozenset[str]]:
    """Each spelling of a contrast member written with others (养老院|敬老院) → all of them."""
    found: dict[str, frozenset[str]] = {}
    for member in (m for group in groups for m in group if "|" in m):
        names = member.split("|")
        for name in names:
            found[name] = found.get(name, frozenset()) | frozenset(names)
    return found


def _alternatives(cues: Sequence[str], after_ji: str) -> re.Pattern[str]:
    return re.compile("|".join(cues).replace("{after_ji}", after_ji), re.IGNORECASE)


@cache
def lexicon() -> Lexicon:
    """The lexicon, parsed and compiled on first use."""
    data = load_data("lexicon.toml")
    titles, classifiers, districts = data["titles"], data["classifiers"], data["districts"]
    after_ji = classifiers["after_ji"]
    return Lexicon(
        fillers=frozenset(data["fillers"].split()),
        spoken=re.compile("|".join(data["spoken"])),
        courtesy=re.compile(data["courtesy"]),
        times=re.compile("|".join(data["times"])),
        speech_verbs=tuple(data["speech_verbs"]),
        determiners=frozenset(data["determiners"]),
        contrasts=_contrast_sets(data["contrasts"]),
        spellings=_spellings(data["contrasts"]),
        provinces=dict(data["provinces"]["short"]),
        before_province=tuple(data["provinces"]["before_short"]),
        asking=re.compile("|".join(data["question_words"])),
        amount_named=re.compile(rf"(?:{'|'.join(data['amount_nouns'])})\W*$", re.IGNORECASE),
        spelled_out=dict(data["spelled_out"]),
        titles=frozenset(titles["words"].split()),
        titles_after_surname=tuple(titles["after_surname"]),
        titles_of_people=tuple(titles["of_people"]),
        roles=tuple(titles["roles"]),
        interviewer=titles["interviewer"],
        after_ji=after_ji,
        after_number=classifiers["after_number"],
        before_counted=classifiers["before_counted"],
        measure_nouns=tuple(classifiers["measure_nouns"]),
        classifier_groups=tuple(classifiers["groups"]),
        duration=classifiers["duration"],
        repeated=tuple(classifiers["repeated"]),
        units=tuple(classifiers["units"]),
        unit_kinds=tuple((k["kind"], tuple(k["words"])) for k in data["unit_kinds"]),
        size_words=tuple(data["size_words"].items()),
        answer_types=tuple(
            (rule["type"], _alternatives(rule["cues"], after_ji)) for rule in data["answer_types"]
        ),
        all_districts=frozenset(districts["all"]),
        district_suffixes=tuple(districts["suffixes"]),
        wordlike_short=frozenset(districts["wordlike_short"]),
        wordlike_after=tuple(districts["wordlike_after"].split()),
        wordlike_before=tuple(districts["wordlike_before"].split()),
        place_tails=tuple(districts["place_tails"].split()),
        generic_counties=frozenset(districts["generic_counties"]),
        peoples=tuple(districts["peoples"].split()),
        known_districts=tuple(
            (d["name"], d["city"], tuple(d["aliases"])) for d in districts["known"]
        ),
        examples={lang: tuple(texts) for lang, texts in data["examples"].items()},
        everyday={word: tuple(terms) for word, terms in data["everyday"].items()},
    )


def official_words(text: str) -> dict[str, tuple[str, ...]]:
    """The everyday words ``text`` writes (找工作, 看病), each with the documents' words for it."""
    return {word: terms for word, terms in lexicon().everyday.items() if word in text}


def example_questions(districts: Sequence[str], language: str = "zh") -> list[str]:
    """Example questions about the index's ``districts`` (none for an empty index)."""
    if not districts:
        return []
    first, *rest = districts
    return [
        template.format(district=first, other=rest[0] if rest else "")
        for template in lexicon().examples.get(language, lexicon().examples["zh"])
        if rest or "{other}" not in template
    ]
