"""Which PDF library reads Chinese office PDFs best: pdfplumber vs pypdf vs pymupdf.

The five shipped documents are printed to PDF by ``tests/docgen.py`` (running header, page
footer, two-character indents, lines wrapped at the margin and across pages). Each library's
lines go through the same :mod:`qabot.formats.layout`; we count the paragraphs recovered
exactly (against the ``.txt`` lines), the header/footer lines left in the text, and pages/s.

    python scripts/compare_pdf.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from qabot.formats.layout import Line, paragraphs  # noqa: E402

import docgen  # noqa: E402


def _indent(text: str) -> bool:
    return text[:1] in ("\u3000", " ")


def pypdf_pages(path: Path) -> list[list[Line]]:
    import pypdf

    return [
        [Line(t, _indent(t)) for t in page.extract_text().splitlines()]
        for page in pypdf.PdfReader(path).pages
    ]


def pymupdf_pages(path: Path) -> list[list[Line]]:
    import pymupdf

    with pymupdf.open(path) as doc:
        return [[Line(t, _indent(t)) for t in page.get_text().splitlines()] for page in doc]


def pdfplumber_pages(path: Path) -> list[list[Line]]:
    import pdfplumber

    pages = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            lines = page.extract_text_lines()
            left = min((line["x0"] for line in lines), default=0)
            pages.append([Line(line["text"], line["x0"] > left + 10) for line in lines])
    return pages


LIBRARIES = {"pdfplumber": pdfplumber_pages, "pypdf": pypdf_pages, "pymupdf": pymupdf_pages}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sources = sorted((ROOT / "docs_src").glob("*.txt"))
        pdfs = [docgen.write_pdf(s, Path(tmp) / f"{s.stem}.pdf", s.stem) for s in sources]
        print("| library | pages | paragraphs exact | chrome lines left | pages/s |")
        print("|---|---|---|---|---|")
        for name, read in LIBRARIES.items():
            exact = total = chrome = pages = 0
            read(pdfs[0])  # imports and first-call set-up are not reading speed
            start = time.perf_counter()
            extracted = [read(pdf) for pdf in pdfs]
            elapsed = time.perf_counter() - start
            for source, pdf_pages in zip(sources, extracted, strict=True):
                pages += len(pdf_pages)
                want = docgen.paragraphs(source)
                got = paragraphs(pdf_pages)
                exact += sum(p in set(got) for p in want)
                total += len(want)
                chrome += sum(source.stem in p or "页 共" in p for p in got)
            print(f"| {name} | {pages} | {exact}/{total} | {chrome} | {pages / elapsed:.1f} |")


if __name__ == "__main__":
    main()
