"""Markdown through ``markdown-it-py`` (CommonMark): the text of each block, markup gone.

Headings, paragraphs, list items, quotes and table rows each become one line; emphasis,
links and inline code keep their text only, so ``**30万亩**`` indexes as ``30万亩``.
"""

from __future__ import annotations

from markdown_it import MarkdownIt

_PARSER = MarkdownIt("commonmark").enable("table")


def markdown_lines(text: str) -> list[str]:
    """One line per block of the Markdown ``text``; a table row's cells joined by `` | ``."""
    lines: list[str] = []
    row: list[str] | None = None
    for token in _PARSER.parse(text):
        if token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and row is not None:
            lines.append(" | ".join(cell for cell in row if cell))
            row = None
        elif token.type == "inline":
            plain = "".join(
                "\n" if child.type == "hardbreak" else child.content
                for child in token.children or []
                if child.type in _TEXT
            )
            if row is not None:
                row.append(plain.strip())
            else:
                lines.extend(plain.splitlines())
        elif token.type in ("fence", "code_block"):
            lines.extend(token.content.splitlines())
    return lines


_TEXT = {"text", "code_inline", "softbreak", "hardbreak"}
