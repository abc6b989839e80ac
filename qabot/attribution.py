"""Who said it, where and when: document metadata and per-paragraph speakers.

The catalog (``docs_src/catalog.toml``) is authoritative; for a document without an entry,
everything is detected from its text: the district it mentions most, the page title, the
publication date or first year, the interviewees named in the lead ("专访了…区委书记冯卫华")
and the turn markers that hand the word from one speaker to the next ("冯卫华:",
"夏新书记介绍:", "记者:").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from qabot.districts import Gazetteer
from qabot.lexicon import lexicon
from qabot.textnorm import AUTHOR_NOTE, HAN

ROLES = lexicon().roles  # the longer of two that share an ending first
_ROLE_ALT = "|".join(ROLES)
INTERVIEWER = lexicon().interviewer

# "区委书记冯卫华。", "和平区委书记陈绍旺同志": a role, then a 2–3 character name.
_INTRO = re.compile(rf"(?<!总)({_ROLE_ALT})([{HAN}]{{2,3}}?)(?=同志|[，,。、;；:：\s(（]|$)")
# "冯卫华:", "夏新书记介绍:", "谢元区长介绍:", "记者:"
_TURN = re.compile(
    rf"^(?P<name>[{HAN}]{{2,4}}?)(?P<role>{_ROLE_ALT})?(?P<verb>介绍|表示|说|答|谈到)?\s*[:：]"
)
# "区长王建平介绍:": the role first, then the name, then the verb
_TURN_ROLE_FIRST = re.compile(
    rf"^(?P<role>{_ROLE_ALT})(?P<name>[{HAN}]{{2,3}}?)(?P<verb>介绍|表示|说|答|谈到)\s*[:：]"
)
_AUTHOR = re.compile(rf"作者\s*[:：]\s*(?:文\s*[|｜/]\s*)?([{HAN}]{{2,4}})")
_PUBLISHED = re.compile(
    r"(?:发布日期|发布时间|日期)\s*[:：]\s*(\d{4})[/.\-年](\d{1,2})[/.\-月](\d{1,2})"
)
_YEAR = re.compile(r"((?:19|20)\d\d)年")
_CITY_DISTRICT = re.compile(rf"(?:市|省)([{HAN}]{{2,3}}(?:新区|区|县))")


@dataclass(frozen=True)
class Speaker:
    name: str
    role: str = ""


@dataclass(frozen=True)
class Turn:
    """A paragraph that opens with a turn marker: who speaks from here on."""

    speaker: Speaker
    is_question: bool


def _turn(line: str) -> tuple[str, str, str] | None:
    """(name, role, verb) of a turn marker ("夏新书记介绍:", "区长王建平介绍:", "记者:")."""
    match = _TURN.match(line) or _TURN_ROLE_FIRST.match(line)
    if not match:
        return None
    return match.group("name"), match.group("role") or "", match.group("verb") or ""


def detect_speakers(lines: list[str]) -> list[Speaker]:
    """Speakers who take the word in a turn marker, with the role the text gives them.

    A role comes from the marker itself ("谢元区长介绍:") or from the lead that introduces
    the interviewee ("专访了…区委书记冯卫华"); a name counts only if a marker uses it.
    """
    introduced: dict[str, str] = {}
    for line in lines:
        for role, name in _INTRO.findall(line):
            introduced.setdefault(name, role)
    found: dict[str, str] = {}
    for line in lines:
        turn = _turn(line)
        if not turn or turn[0] == INTERVIEWER:
            continue
        name, role, verb = turn
        if role and verb:
            found.setdefault(name, role)
        elif name in introduced:
            found.setdefault(name, introduced[name])
    return [Speaker(name, role) for name, role in found.items()]


def detect_author(lines: list[str]) -> Speaker | None:
    """The byline author of an article ("作者:文|喻祖常"), with the role from "(作者系…)"."""
    text = "\n".join(lines)
    author = _AUTHOR.search(text)
    if not author:
        return None
    role = AUTHOR_NOTE.search(text)
    return Speaker(author.group(1), role.group(1).strip() if role else "")


def parse_turn(line: str, speakers: list[Speaker]) -> Turn | None:
    """The turn a paragraph opens, if its first words hand the word to a known speaker."""
    turn = _turn(line)
    if not turn:
        return None
    name, role, verb = turn
    if name == INTERVIEWER:
        return Turn(Speaker(INTERVIEWER, INTERVIEWER), True)
    known = {s.name: s for s in speakers}
    if name in known:
        return Turn(known[name], False)
    if role and verb:
        return Turn(Speaker(name, role), False)
    return None


def detect_district(text: str, gazetteer: Gazetteer) -> str:
    """The district a document is about: the one it names most, else "…市X区" patterns."""
    counts = gazetteer.count(text)
    if counts:
        return counts.most_common(1)[0][0]
    pattern_hits = Counter(_CITY_DISTRICT.findall(text))
    return pattern_hits.most_common(1)[0][0] if pattern_hits else ""


def detect_date(lines: list[str]) -> str:
    """Publication date (ISO) when the page states one, else the first year the text names."""
    text = "\n".join(lines)
    published = _PUBLISHED.search(text)
    if published:
        year, month, day = published.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    year = _YEAR.search(text)
    return year.group(1) if year else ""


def detect_kind(lines: list[str]) -> str:
    """interview (记者 asks), work report (addressed to 各位代表), or article."""
    text = "\n".join(lines)
    if re.search(r"^\s*记者\s*[:：]", text, re.MULTILINE) or any(
        re.match(rf"^[{HAN}]{{2,4}}(?:" + _ROLE_ALT + r")?介绍[:：]", line) for line in lines
    ):
        return "interview"
    if "各位代表" in text or "政府工作报告" in text:
        return "work report"
    return "article"
