"""Each format's reader on documents generated from the shipped corpus, and the files it
must refuse by name (a program renamed .pdf, an encrypted PDF, a scan without the OCR
extra, an empty Word file, a format qabot does not read)."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from qabot.corpus import load_corpus
from qabot.errors import CorpusError
from qabot.sources import read_document

from docgen import paragraphs, write_docx, write_html, write_pdf, write_scan

DOCS = Path(__file__).resolve().parent.parent / "docs_src"
HEPING = DOCS / "heping-2019-interview.txt"
QUESTIONS = Path(__file__).resolve().parent / "data" / "questions.jsonl"
HAS_OCR = importlib.util.find_spec("rapidocr_onnxruntime") is not None


def test_pdf_paragraphs_come_back_without_page_chrome(tmp_path: Path) -> None:
    pdf = write_pdf(HEPING, tmp_path / "heping.pdf", "和平区专访")
    extracted = read_document(pdf)
    assert extracted.pages >= 3  # paragraphs do cross page breaks
    assert extracted.lines == paragraphs(HEPING)
    assert not any("页 共" in line or line == "和平区专访" for line in extracted.lines)
    assert (extracted.title, extracted.date) == ("和平区专访", "2021-03-01")


def test_docx_keeps_headings_paragraphs_and_table_rows_in_order(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("宝坻区2021年重点项目", level=1)
    document.add_paragraph("全区安排重点项目如下。")
    table = document.add_table(rows=2, cols=2)
    for row, cells in zip(
        table.rows, [("项目", "投资"), ("京唐高铁宝坻站", "12亿元")], strict=True
    ):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    document.add_paragraph("以上项目年内开工。")
    document.save(str(tmp_path / "projects.docx"))
    assert read_document(tmp_path / "projects.docx").lines == [
        "宝坻区2021年重点项目",
        "全区安排重点项目如下。",
        "项目 | 投资",
        "京唐高铁宝坻站 | 12亿元",
        "以上项目年内开工。",
    ]


def test_generated_docx_and_html_read_as_the_txt(tmp_path: Path) -> None:
    want = paragraphs(HEPING)
    assert read_document(write_docx(HEPING, tmp_path / "h.docx")).lines == want
    page = read_document(write_html(HEPING, tmp_path / "h.html", "和平区专访"))
    assert [line for line in page.lines if line.strip()] == want  # no nav, no footer
    assert (page.title, page.date) == ("和平区专访", "2021-03-01")


def test_markdown_through_a_parser() -> None:
    from qabot.formats.markdown import markdown_lines

    text = (
        "# 标题\n\n北辰区种植**春小麦** `30万亩`，见[通知](http://x)。\n\n"
        "| 区 | 数 |\n|---|---|\n| 北辰 | 3 |\n"
    )
    assert markdown_lines(text) == [
        "标题",
        "北辰区种植春小麦 30万亩，见通知。",
        "区 | 数",
        "北辰 | 3",
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", b"MZ\x90\x00" + b"\x00" * 64, "the content is a Windows program"),
        ("notes.docx", b"%PDF-1.4\n", "the name says docx, but the content is a PDF file"),
        ("page.txt", b"%PDF-1.4\n", "the content is a PDF file"),
        ("broken.pdf", b"%PDF-1.4\n garbage", "damaged PDF"),
    ],
)
def test_content_not_name_decides(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    (tmp_path / name).write_bytes(content)
    with pytest.raises(CorpusError, match=message):
        read_document(tmp_path / name)


def test_encrypted_and_empty_files_are_refused_by_name(tmp_path: Path) -> None:
    import docx
    import pypdf

    writer = pypdf.PdfWriter(clone_from=write_pdf(HEPING, tmp_path / "plain.pdf"))
    writer.encrypt("secret")
    writer.write(tmp_path / "locked.pdf")
    with pytest.raises(CorpusError, match=r"locked\.pdf: the PDF is encrypted"):
        read_document(tmp_path / "locked.pdf")
    docx.Document().save(str(tmp_path / "empty.docx"))
    with pytest.raises(CorpusError, match=r"empty\.docx: the Word file holds no text"):
        read_document(tmp_path / "empty.docx")


def test_a_scan_without_the_ocr_extra_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "qabot.formats.ocr", None)  # as if the extra were absent
    write_scan(tmp_path / "scan.pdf")
    with pytest.raises(CorpusError, match=r"scan.pdf: the PDF has no text layer.*qabot\[ocr\]"):
        read_document(tmp_path / "scan.pdf")


def test_other_files_are_reported_by_name_and_skipped(tmp_path: Path) -> None:
    shutil.copy(HEPING, tmp_path)
    (tmp_path / "budget.xlsx").write_bytes(b"PK\x03\x04")
    (tmp_path / "setup.exe").write_bytes(b"MZ")
    (tmp_path / ".hidden").write_text("x", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert [d.source for d in corpus.documents] == ["heping-2019-interview.txt"]
    assert [p.split(":")[0] for p in corpus.problems] == ["budget.xlsx", "setup.exe"]
    assert "not a document format qabot reads (.txt .md" in corpus.problems[0]


@pytest.mark.slow
@pytest.mark.skipif(not HAS_OCR, reason="needs the ocr extra")
def test_an_ocr_scan_holds_the_figures_of_its_page(tmp_path: Path) -> None:
    """Page 1 of the 北辰 interview, printed and rendered as a 144-dpi PNG: the figures (with
    their unit) in the answers of the project's questions that this page holds (taken from
    the PDF's own text layer) are found in the OCR text after the usual cleaning, ≥ 90 %."""
    import pypdf
    import pypdfium2

    from qabot.cleaning import clean_text

    pdf = write_pdf(DOCS / "beichen-2020-interview.txt", tmp_path / "b.pdf", "北辰区专访")
    printed = clean_text(pypdf.PdfReader(pdf).pages[0].extract_text()).replace("\n", "")
    pypdfium2.PdfDocument(str(pdf))[0].render(scale=2).to_pil().save(tmp_path / "scan.png")
    questions = [json.loads(line) for line in QUESTIONS.read_text("utf-8").splitlines() if line]
    answers = {a for q in questions for a in q.get("answers", []) if a in printed}
    evidence = sorted({f for a in answers for f in re.findall(r"\d[\d.]*[^\d\s.]", a)})
    assert len(evidence) >= 3, evidence  # the figures with their unit: 238个, 2477.8亿 …
    scanned = "".join(clean_text(line) for line in read_document(tmp_path / "scan.png").lines)
    found = [phrase for phrase in evidence if phrase in scanned]
    assert len(found) >= 0.9 * len(evidence), sorted(set(evidence) - set(found))
