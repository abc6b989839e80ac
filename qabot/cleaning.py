"""Cleaning rules for scraped documents: one function per kind of dirt.

The rules run on one raw paragraph (a line of the source) at a time:

* :func:`repair_mojibake` — GBK text that lost a byte (``??箵粢咔槠陂g`` → ``擊疫情期間``);
* :func:`strip_pinyin` — ruby annotations flattened into parentheses (``質(zhì)量`` → ``質量``);
* :func:`strip_watermarks` — site stamps such as ``(www.daowen.com)``;
* :func:`boilerplate_reason` — whole lines of page chrome (breadcrumbs, dates, comment forms,
  disclaimers, photo captions) that are no part of the document.

:func:`clean_text` applies the in-line rules and converts to Simplified Chinese; the
original line stays in the corpus so every passage can be traced back to it.
"""

from __future__ import annotations

import re

from qabot.textnorm import HAN, fold_width, is_cjk, to_simplified

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
_PINYIN_LETTERS = f"a-z{_TONED}"
# (zhì), (nóng), (de): a lowercase pinyin syllable in parentheses (ASCII or full-width).
_PINYIN = re.compile(rf"[(（][{_PINYIN_LETTERS}]{{1,7}}[)）]")
# What is left of an annotation whose opening bracket was eaten by mojibake: ``jīng)``.
_PINYIN_TAIL = re.compile(rf"[{_PINYIN_LETTERS}]*[{_TONED}][{_PINYIN_LETTERS}]*[)）]")
_WATERMARK = re.compile(
    r"[(（]?\s*(?:https?://)?www\.[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:/\S*)?\s*[)）]?", re.IGNORECASE
)
_MOJIBAKE_RUN = re.compile(rf"\?+([{HAN}]+[A-Za-z]?)")
# "。" + a character, shifted: the scrape wrote "?" for the lost lead byte 0xA1 and "?" for
# the full-width "？" (0xA3 0xBF) that the shift made of "。"'s second byte and the next
# character's first: ``??箵粢咔槠陂g`` → ``。抗擊疫情期間``.
_FULL_STOP_RUN = re.compile(rf"\?\?([{HAN}]+[A-Za-z]?)")
_FULL_STOP_BYTES = b"\xa1\xa3\xbf"
# A character that cannot be recovered is marked, not dropped: neighbours stay apart.
ILLEGIBLE = "□"
# Left-overs: '?' glued inside a word with a stray ';' or '_' after it, U+FFFD.
_DAMAGE = re.compile(rf"(?<=[{HAN}])\?+[;_]?(?=[{HAN}A-Za-z])|\ufffd+")
# '_' between Chinese characters is debris; ';' there is a real clause separator and stays.
_STRAY = re.compile(rf"(?<=[{HAN}])_(?=[{HAN}])")
_LONE_LETTER = re.compile(rf"(?<=[{HAN}□])[A-Za-z](?=[{HAN}])")
_ANNOTATION_DAMAGE = re.compile(rf"[{HAN}][a-z][{HAN}]")
_SPACES = re.compile(r"[ \t\u3000\u00a0]+")


def repair_mojibake(text: str) -> str:
    """Undo a one-byte shift in GBK text: ``?`` + garbage → the characters that were meant.

    The scrape lost one byte of a GBK sequence; every character after it was decoded one
    byte off. Re-encoding the run and decoding it from its second byte recovers the text.
    A run that does not decode cleanly into Chinese is left for :data:`_STRAY` to drop.
    """

    def fix(match: re.Match[str]) -> str:
        run = match.group(1)
        try:
            repaired = run.encode("gbk")[1:].decode("gbk")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return match.group(0)
        if repaired and all(is_cjk(ch) for ch in repaired):
            return repaired
        return match.group(0)

    def fix_full_stop(match: re.Match[str]) -> str:
        try:
            repaired = (_FULL_STOP_BYTES + match.group(1).encode("gbk")).decode("gbk")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return match.group(0)
        return repaired if all(is_cjk(ch) for ch in repaired[1:]) else match.group(0)

    if "?" not in text:
        return text
    return _MOJIBAKE_RUN.sub(fix, _FULL_STOP_RUN.sub(fix_full_stop, text))


def strip_pinyin(text: str) -> str:
    """Remove pinyin annotations in parentheses, and the tails of broken ones."""
    text = _PINYIN.sub("", text)
    return _PINYIN_TAIL.sub("", text)


def strip_watermarks(text: str) -> str:
    """Remove site watermarks such as ``(www.daowen.com)`` and bare site addresses."""
    return _WATERMARK.sub("", text)


def drop_strays(text: str) -> str:
    """Mark unrecoverable mojibake (``?;``, ``?_``, U+FFFD → □) and remove left-overs that
    would split words (``_`` between characters, lone letters); real ``;`` stays."""
    damaged = "?" in text or _has_annotation_damage(text)
    text = _STRAY.sub("", _DAMAGE.sub(ILLEGIBLE, text))
    return _LONE_LETTER.sub("", text) if damaged else text


def _has_annotation_damage(text: str) -> bool:
    return bool(_ANNOTATION_DAMAGE.search(text))


def clean_text(raw: str) -> str:
    """A raw paragraph → the cleaned Simplified text that is indexed and shown."""
    text = repair_mojibake(raw)
    text = strip_pinyin(text)
    text = strip_watermarks(text)
    text = drop_strays(text)
    text = fold_width(text)
    text = _SPACES.sub(" ", text).strip()
    return to_simplified(text)


# Page chrome: a line matching one of these is dropped whole. Each pattern says why.
_BOILERPLATE: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("breadcrumb", re.compile(r"(你|您)(现在|当前)?的?位置|首页\s*(>>|>|»|/)")),
    ("page meta", re.compile(r"(发布日期|发布时间|阅读次数|浏览次数|点击数|来源)\s*[:：]")),
    ("page meta", re.compile(r"^时间\s*[:：]\s*\d{4}-\d{1,2}-\d{1,2}")),
    ("page meta", re.compile(r"版权反馈|字号\s*[:：]|打印本页|关闭窗口|分享到")),
    ("summary", re.compile(r"^【摘要】")),
    (
        "comments",
        re.compile(
            r"^(暂无评论|发表评论|评论\s*[:：]?|姓名\s*[:：]?|剩余字数|本类热点|相关阅读|热门评论)"
        ),
    ),
    ("comments", re.compile(r"字数不能超过\d+")),
    ("disclaimer", re.compile(r"^免责声明|^我要反馈$|^版权所有|^声明[:：]")),
    ("editor", re.compile(r"^(责任编辑|编辑|审核|校对)\s*[:：]")),
    ("navigation", re.compile(r"^(上一篇|下一篇|返回顶部|返回列表)")),
    ("photo caption", re.compile(r"[(（]\s*(供图|摄影?|图片来源)\s*[/／:：]|^图为|[(（]摄[)）]$")),
)


def boilerplate_reason(line: str) -> str | None:
    """Why a whole raw line is page chrome, or ``None`` when it is content."""
    text = clean_text(line)
    for reason, pattern in _BOILERPLATE:
        if pattern.search(text):
            return reason
    return None
