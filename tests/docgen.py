"""Test documents made from the shipped corpus: each ``.txt`` as PDF, DOCX and HTML.

Nothing binary is committed: the tests regenerate these from ``docs_src/``. The PDF is what an
office prints from Word — a running header with the title, ``第 n 页 共 m 页`` in the footer,
paragraphs indented by two characters and wrapped at the margin (also across pages), the
title and date in the document properties — so a reader has to undo exactly that.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
import os
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")  # Debian fonts-wqy-zenhei
FALLBACK = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # "•", which zenhei lacks
# Printed PDFs kept between test runs (git ignores it): printing one takes 1–1.5 s, mostly
# loading the CJK font, and the fast test layer needs two.
CACHE = Path(__file__).resolve().parent / ".cache" / "docgen"


def paragraphs(source: Path) -> list[str]:
    """The non-empty lines of a ``.txt`` document: its paragraphs, in order."""
    return _lines(source.read_text(encoding="utf-8"))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def write_pdf(source: Path, target: Path, title: str = "") -> Path:
    """``source`` as an A4 PDF with a text layer in a real CJK font."""
    target.write_bytes(_pdf(source.read_text(encoding="utf-8"), title or source.stem))
    return target


def write_scan(target: Path) -> Path:
    """A one-page PDF of drawing only, without a text layer: what a scanner gives."""
    target.write_bytes(_kept(("a scan",), _print_scan))
    return target


@functools.cache
def _pdf(text: str, title: str) -> bytes:
    """One PDF per source text and title, printed once."""
    return _kept((text, title), lambda: _print(text, title))


def _kept(parts: tuple[str, ...], make: Callable[[], bytes]) -> bytes:
    """``make()``, kept in :data:`CACHE` under a key of everything that shapes it (``parts``,
    this module, the fpdf2 version): a warm run neither prints nor imports fpdf2."""
    key = hashlib.sha256()
    for part in (*parts, Path(__file__).read_text("utf-8"), metadata.version("fpdf2")):
        key.update(part.encode("utf-8") + b"\0")
    kept = CACHE / f"{key.hexdigest()[:24]}.pdf"
    if kept.is_file():
        return kept.read_bytes()
    printed = make()
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = kept.with_suffix(f".{os.getpid()}.tmp")
    partial.write_bytes(printed)
    partial.replace(kept)  # atomic: a second test process never reads half a file
    return printed


def _print_scan() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 50, style="F")  # a page of drawing, no text layer
    return bytes(pdf.output())


def _print(text: str, title: str) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import WrapMode

    pdf = FPDF(format="A4")
    pdf.add_font("zenhei", fname=str(FONT))
    pdf.add_font("dejavu", fname=str(FALLBACK))
    pdf.set_fallback_fonts(["dejavu"])
    pdf.set_title(title)
    pdf.set_creation_date(dt.datetime(2021, 3, 1, tzinfo=dt.timezone.utc))
    pdf.set_margins(25, 25, 25)
    pdf.set_auto_page_break(True, margin=25)

    def header() -> None:
        pdf.set_font("zenhei", size=9)
        pdf.set_y(12)
        pdf.cell(0, 5, title, align="C")
        pdf.set_y(25)

    def footer() -> None:
        pdf.set_font("zenhei", size=9)
        pdf.set_y(-18)
        pdf.cell(0, 5, f"第 {pdf.page_no()} 页 共 {{nb}} 页", align="C")

    pdf.header, pdf.footer = header, footer
    pdf.alias_nb_pages("{nb}")
    pdf.add_page()
    pdf.set_font("zenhei", size=12)
    for line in _lines(text):
        pdf.multi_cell(0, 7, "\u3000\u3000" + line, wrapmode=WrapMode.CHAR, new_x="LMARGIN")
        pdf.ln(2)
    return bytes(pdf.output())


def write_docx(source: Path, target: Path, title: str = "") -> Path:
    """``source`` as a Word document: the title as a heading, one paragraph per line."""
    import docx

    document = docx.Document()
    document.core_properties.title = title or source.stem
    for text in paragraphs(source):
        document.add_paragraph(text)
    document.save(str(target))
    return target


def write_html(source: Path, target: Path, title: str = "") -> Path:
    """``source`` as a saved news page: navigation, the article, a footer with links."""
    body = "\n".join(f"<p>{html.escape(text)}</p>" for text in paragraphs(source))
    title = html.escape(title or source.stem)
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<meta name="author" content="本网记者"><meta name="date" content="2021-03-01"></head>
<body>
<nav><a href="/">首页</a> <a href="/news">新闻中心</a> <a href="/gov">政务公开</a></nav>
<article>
{body}
</article>
<footer><p>主办单位：区人民政府办公室</p><p>网站标识码 1200000000 · 津ICP备00000000号</p></footer>
</body></html>
"""
    target.write_text(page, encoding="utf-8")
    return target


WRITERS = {".pdf": write_pdf, ".docx": write_docx, ".html": write_html}
READERS = {".pdf": "pypdf", ".docx": "python-docx", ".html": "trafilatura"}  # what reads them
