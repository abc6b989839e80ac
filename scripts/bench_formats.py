"""Ingestion speed per format: reading, cleaning and attributing (no embedding).

The five shipped documents, generated as PDF, DOCX and HTML by ``tests/docgen.py`` (28 A4
pages as PDF), each format parsed three times by :func:`qabot.corpus.parse_document`; the
speed is given in those printed pages per second, so the formats compare on the same text.

    python scripts/bench_formats.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from qabot.corpus import parse_document  # noqa: E402
from qabot.districts import Gazetteer  # noqa: E402
from qabot.sources import read_document  # noqa: E402

import docgen  # noqa: E402

ROUNDS = 3


def _seconds(files: list[Path], gazetteer: Gazetteer) -> float:
    """Mean seconds to parse ``files`` once, after a first untimed parse."""
    parse_document(files[0], gazetteer)  # imports and first-call set-up
    start = time.perf_counter()
    for _ in range(ROUNDS):
        for path in files:
            parse_document(path, gazetteer)
    return (time.perf_counter() - start) / ROUNDS


def main() -> None:
    sources = sorted((ROOT / "docs_src").glob("*.txt"))
    gazetteer = Gazetteer()
    with tempfile.TemporaryDirectory() as tmp:
        pdfs = [docgen.write_pdf(s, Path(tmp) / f"{s.stem}.pdf", s.stem) for s in sources]
        pages = sum(read_document(p).pages for p in pdfs)
        print(f"{len(sources)} documents, {pages} pages as PDF\n")
        print("| format | reader | s per round | pages/s |")
        print("|---|---|---|---|")
        rows = [(".txt", "(plain text)", sources)]
        for suffix, write in docgen.WRITERS.items():
            files = [write(s, Path(tmp) / f"{s.stem}{suffix}", s.stem) for s in sources]
            rows.append((suffix, docgen.READERS[suffix], files))
        for suffix, reader, files in rows:
            seconds = _seconds(files, gazetteer)
            print(f"| {suffix} | {reader} | {seconds:.2f} | {pages / seconds:.1f} |")


if __name__ == "__main__":
    main()
