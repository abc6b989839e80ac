"""Word ``.docx`` through ``python-docx``: paragraphs and headings in order, tables as rows.

The body is walked in document order, so a table stays where it was between paragraphs;
each table row becomes one line, its cells joined by `` | `` (a row is one fact: 项目 | 金额).
Title and date come from the document properties.
"""

from __future__ import annotations

from pathlib import Path

from qabot.errors import CorpusError
from qabot.formats import Extracted


def read_docx(path: Path) -> Extracted:
    """The document's paragraphs and table rows; :class:`CorpusError` if it is damaged."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                lines.append(block.text)
            elif isinstance(block, Table):
                lines.extend(_rows(block))
        props = document.core_properties
    except (ValueError, KeyError, OSError) as exc:
        raise CorpusError(f"{path.name}: damaged Word file ({type(exc).__name__})") from exc
    if not any(line.strip() for line in lines):
        raise CorpusError(f"{path.name}: the Word file holds no text")
    return Extracted(
        lines,
        title=props.title or "",
        date=props.created.date().isoformat() if props.created else "",
        author=props.author or "",
    )


def _rows(table: object) -> list[str]:
    """One line per row, the text of its distinct cells (merged cells repeat) in order."""
    lines = []
    for row in table.rows:  # type: ignore[attr-defined]
        cells = list(dict.fromkeys(cell.text.strip() for cell in row.cells))
        lines.append(" | ".join(cell for cell in cells if cell))
    return lines
