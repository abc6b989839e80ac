"""Rendering an :class:`~qabot.answer.Answer` for a channel.

One core (:func:`citation`, :func:`no_answer_text`) and one renderer per channel: terminal
text here, JSON here, Telegram HTML in :mod:`qabot.telegram.html`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from qabot.textnorm import strip_controls
from qabot.types import Answer, Passage

#: the terminal's labels in the question's language
LABELS = {"zh": ("地区：", "答：", "第{}段"), "en": ("Districts: ", "Answer: ", "paragraph {}")}
# A document's card (paragraph 0, qabot.cards) is the catalog's entry, not a paragraph.
CARD_LABELS = {"zh": "文档目录", "en": "catalog entry"}


def citation(passage: Passage, lang: str = "zh") -> str:
    """北辰区（天津市）· 区委书记 冯卫华 · 2020 · 《标题》 · 第9段 (``lang`` en: "paragraph 9";
    the names stay as the document writes them)."""
    c = passage.chunk
    unknown = "未知地区" if lang == "zh" else "district unknown"
    place = f"{c.district}（{c.city}）" if c.city and c.district else c.district or unknown
    if c.speaker and c.role and c.speaker != c.role:
        who = f"{c.role} {c.speaker}"
    else:
        who = c.speaker or c.role
    if c.paragraph == 0:
        paragraph = CARD_LABELS.get(lang, CARD_LABELS["zh"])
    else:
        paragraph = LABELS.get(lang, LABELS["zh"])[2].format(c.paragraph)
    parts = [place, who, c.date, f"《{c.title}》" if c.title else "", paragraph]
    return " · ".join(part for part in parts if part)


#: after a refusal, the passages still listed are only the nearest ones
CAVEAT = "下面是最接近的段落，仅供参考。"
CAVEAT_EN = " The nearest passages follow, for reference only."


def no_answer_text(districts: Iterable[str], known: Iterable[str]) -> str:
    scope = "、".join(districts) or "已收录的"
    return (
        f"文档中没有找到能回答这个问题的内容（范围：{scope}文档）。"
        f"已收录的地区：{'、'.join(known)}。{CAVEAT}"
    )


def shown_passages(answer: Answer) -> tuple[list[Passage], dict[int, int]]:
    """The passages a front end shows (one per source paragraph: overlapping pieces merged)
    and the number each passage's rank is shown under (1, 2, … in order)."""
    shown = [p for p in answer.passages if p.shown]
    number = {p.rank: n for n, p in enumerate(shown, start=1)}
    for p in answer.passages:
        number.setdefault(p.rank, number.get(p.merged_into, p.rank))
    return shown, number


def answer_lines(answer: Answer, number: dict[int, int]) -> list[str]:
    """The answer's lines, each cited under its passage's shown ``number``."""
    return [line.render(number.get(line.passage)) for line in answer.lines]


def mark_span(text: str, span: str | None, start: str, end: str) -> str:
    """``text`` (an answer line) with its marked value ``span`` wrapped in ``start``/``end``."""
    if not span or span not in text:
        return text
    return text.replace(span, f"{start}{span}{end}", 1)


def render_terminal(answer: Answer, known_districts: Iterable[str], color: bool = False) -> str:
    """Plain text for a terminal: the answer, then numbered excerpts with citations."""
    bold, dim, reset = ("\033[1m", "\033[2m", "\033[0m") if color else ("", "", "")
    underline = "\033[4m" if color else ""
    lines = []
    passages, number = shown_passages(answer)
    said = answer_lines(answer, number)
    where, answered, _ = LABELS.get(answer.language, LABELS["zh"])
    if answer.districts:
        lines.append(f"{dim}{where}{'、'.join(answer.districts)}{reset}")
    if answer.no_answer:
        if answer.notice:
            caveat = CAVEAT if answer.language == "zh" else CAVEAT_EN
            lines.append(answer.notice + (caveat if answer.passages else ""))
        else:
            lines.append(no_answer_text(answer.districts, known_districts))
    elif len(said) > 1:  # a measures list or a comparison
        lines.append(f"{bold}{answered}{reset}")
        lines += [f"  • {line}" for line in said]
    elif said:
        # without colours the value is set in 【】 so it still stands out
        start, end = (bold + underline, reset) if color else ("【", "】")
        span = answer.answer_span.text if answer.answer_span else None
        lines.append(f"{bold}{answered}{reset}{mark_span(said[0], span, start, end)}")
    for passage in passages:
        lines.append("")
        lines.append(f"{bold}[{number[passage.rank]}]{reset} {passage.excerpt}")
        lines.append(f"    {dim}— {citation(passage, answer.language)}{reset}")
    return _printable("\n".join(lines))


def render_json(answer: Answer) -> str:
    """One answer object per line (JSONL-friendly), non-ASCII kept readable."""
    return json.dumps(answer.to_dict(), ensure_ascii=False)


# The only escape sequences qabot prints itself (reset, bold, dim, underline on a terminal).
_OWN_CODES = re.compile(r"(\x1b\[[0124]m)")


def _printable(text: str) -> str:
    """Rendered text without terminal escapes or control characters from the documents."""
    return "".join(
        part if _OWN_CODES.fullmatch(part) else strip_controls(part)
        for part in _OWN_CODES.split(text)
    )
