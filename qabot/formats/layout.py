"""Printed pages back into paragraphs: whichever library read the PDF (or OCR'd the scan).

A PDF holds lines placed on pages, not paragraphs. What an office PDF adds around the text —
a running header (the title), a footer with ``第 3 页 共 6 页`` or ``- 3 -`` — is dropped, and
the lines of a paragraph, wrapped at the right margin and across page breaks, are joined
again. A new paragraph starts where a line is indented (the Chinese two-character indent)
or where the line before it stopped well short of the margin. Widths are counted in display
columns (a Han character is two), which is all the geometry Chinese text needs.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

_PAGE_NUMBER = re.compile(
    r"^(?:第\s*\d+\s*页(?:\s*[，,/]?\s*共\s*\d+\s*页)?|[-—–]?\s*\d+\s*[-—–]?|\d+\s*/\s*\d+"
    r"|page\s*\d+(?:\s*of\s*\d+)?)$",
    re.IGNORECASE,
)
SHORT = 0.8  # a line narrower than this share of the page's full lines ends its paragraph


@dataclass(frozen=True)
class Line:
    """One printed line: its text and whether it starts indented (a paragraph's first)."""

    text: str
    indented: bool = False


def columns(text: str) -> int:
    """Display width: East Asian wide and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _chrome_key(text: str) -> str:
    """A header or footer line with its numbers blanked, so 第 2 页 and 第 3 页 match."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def strip_chrome(pages: list[list[Line]]) -> list[list[Line]]:
    """Pages without page numbers and without the header/footer lines the pages repeat
    (first or last two lines of a page, the same on at least half of the pages)."""
    edges: Counter[str] = Counter()
    for page in pages:
        edges.update({_chrome_key(line.text) for line in [*page[:2], *page[-2:]]})
    repeated = {key for key, n in edges.items() if len(pages) > 1 and n >= max(2, len(pages) / 2)}
    return [
        [line for n, line in enumerate(page) if not _is_chrome(line, n, len(page), repeated)]
        for page in pages
    ]


def _is_chrome(line: Line, n: int, count: int, repeated: set[str]) -> bool:
    """Line ``n`` of ``count`` on its page is a page number or a repeated header/footer."""
    at_edge = n < 2 or n >= count - 2
    text = line.text.strip()
    return at_edge and (_chrome_key(text) in repeated or bool(_PAGE_NUMBER.match(text)))


def _width(line: Line) -> int:
    """A line's width, its indent counted (some libraries drop the leading spaces)."""
    return columns(line.text.strip()) + (4 if line.indented else 0)


def _full_width(lines: list[Line]) -> int:
    """The width of a full line: the widest lines' common width."""
    widths = sorted(map(_width, lines))
    return widths[int(len(widths) * 0.9)] if widths else 0


def paragraphs(pages: list[list[Line]]) -> list[str]:
    """The text of the pages as paragraphs, page chrome removed, wrapped lines joined."""
    pages = strip_chrome(pages)
    lines = [line for page in pages for line in page if line.text.strip()]
    full = _full_width(lines)
    result: list[str] = []
    open_paragraph = False
    for line in lines:
        text = line.text.strip()
        if open_paragraph and not line.indented and result:
            result[-1] += text
        else:
            result.append(text)
        open_paragraph = _width(line) >= SHORT * full
    return result
