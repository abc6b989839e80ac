"""One reader per document format, each a maintained library, dispatched by content.

A file is what its bytes say it is (magic bytes), not what its name says: a ``.pdf`` that is
a Windows program, or a ``.docx`` that is a renamed spreadsheet, is refused by name. Readers
return :class:`Extracted` — the lines (one paragraph each) plus whatever metadata the format
carries (title, date, author) — and raise :class:`~qabot.errors.CorpusError` with one line
naming the file when it cannot be read.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

# suffix → format; images need the ``ocr`` extra
FORMATS = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
}
_MAGIC = (
    (b"%PDF-", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"\x89PNG\r\n\x1a\n", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a program"),
    (b"\xd0\xcf\x11\xe0", "an old Office (.doc/.xls) file"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
)


@dataclass
class Extracted:
    """What a reader found: the paragraphs as lines, and the format's own metadata."""

    lines: list[str]
    title: str = ""
    date: str = ""
    author: str = ""
    pages: int = 0  # printed pages (PDF, scans); 0 for flowing text
    encoding: str = "utf-8-sig"
    notes: list[str] = field(default_factory=list)  # e.g. "OCR" — said in the build report


def sniff(path: Path, head: bytes) -> str:
    """The format ``head`` (the file's first bytes) shows: ``pdf``, ``docx``, ``image``,
    ``text`` (no known signature: the text reader judges the rest), or what else it is."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            if kind != "zip":
                return kind
            try:
                with zipfile.ZipFile(path) as archive:
                    names = set(archive.namelist())
            except (zipfile.BadZipFile, OSError):
                return "a damaged ZIP archive"
            return "docx" if "word/document.xml" in names else "a ZIP archive"
    return "text"


def expected(path: Path) -> str:
    """The format a file name promises (``text`` for .md/.html too: they are text files)."""
    kind = FORMATS.get(path.suffix.lower(), "")
    return "text" if kind in ("markdown", "html") else kind
