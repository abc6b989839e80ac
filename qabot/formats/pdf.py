"""PDF with a text layer, through ``pypdf`` (chosen by measurement: docs/design.md).

pypdf is pure Python under a BSD licence and, on the Chinese test PDFs, recovers every
paragraph like PyMuPDF (AGPL) and better than pdfplumber, at 14 pages/s. Header, footer and
page numbers go, wrapped lines are joined (:mod:`qabot.formats.layout`); title and date come
from the document properties. A PDF without a text layer (a scan) goes to OCR when the
``ocr`` extra is installed, and is refused naming the extra when it is not.
"""

from __future__ import annotations

import logging
from pathlib import Path

from qabot.errors import CorpusError
from qabot.formats import Extracted
from qabot.formats.layout import Line, paragraphs

log = logging.getLogger(__name__)

MIN_CHARS_PER_PAGE = 20  # less text than this on average: a scan, not a text layer


def read_pdf(path: Path) -> Extracted:
    """The PDF's paragraphs and properties; :class:`CorpusError` if encrypted or damaged."""
    import pypdf
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings are about the file's
    try:
        reader = pypdf.PdfReader(path)
        if reader.is_encrypted:
            raise CorpusError(f"{path.name}: the PDF is encrypted; save an unprotected copy")
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
        title = (info.title or "") if info else ""
        created = info.creation_date if info else None
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise CorpusError(f"{path.name}: damaged PDF ({type(exc).__name__}: {exc})") from exc
    if sum(len(page.strip()) for page in pages) < MIN_CHARS_PER_PAGE * max(1, len(pages)):
        return _scanned(path, len(pages))
    printed = [[Line(text, text[:1] in "\u3000 ") for text in page.splitlines()] for page in pages]
    return Extracted(
        paragraphs(printed),
        title=title.strip() if isinstance(title, str) else "",
        date=created.date().isoformat() if created else "",
        pages=len(pages),
    )


def _scanned(path: Path, pages: int) -> Extracted:
    """A PDF without a text layer: OCR when the extra is there, else say which extra."""
    try:
        from qabot.formats.ocr import ocr_pdf
    except ImportError:
        raise CorpusError(
            f"{path.name}: the PDF has no text layer ({pages} pages of images); "
            "install the OCR extra to read scans: pip install 'qabot[ocr]'"
        ) from None
    return ocr_pdf(path)
