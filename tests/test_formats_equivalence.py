"""The five shipped documents as PDF, DOCX and HTML answer the project's questions as the
``.txt`` corpus does: ``qabot index`` on the generated folder, then the same top passage for
at least 95 % of tests/data/questions.jsonl."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from qabot.engine import Engine
from qabot.evaluation.questions import Question, load_questions

from conftest import DOCS, INDEX, ROOT, run_qabot
from docgen import WRITERS
from question_set import Vectors, equivalence_sample, memo_engine

sys.path.insert(0, str(ROOT / "scripts"))

import answers_snapshot

QUESTIONS = answers_snapshot.QUESTIONS
# each format carries at least one document; the PDFs are the two longest
FORMAT_OF = {
    "baodi-2021-work-report": ".pdf",
    "beichen-2020-interview": ".pdf",
    "dongli-interview": ".docx",
    "heping-2019-interview": ".html",
    "jinhaihu-2017-article": ".docx",
}


def _top(engine: Engine, question: Question) -> tuple[str, str] | None:
    """The top passage of the answer, asked as the snapshot asks (the shipped index's answers
    are then the snapshot test's, tests/question_set.py)."""
    passages = engine.ask(question.question, k=answers_snapshot.K, qid=question.id).passages
    return (passages[0].chunk.doc_id, passages[0].chunk.text) if passages else None


@pytest.mark.slow
def test_pdf_docx_html_copies_answer_like_the_txt(
    set_engine: Engine, query_vectors: Vectors, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    catalog = (DOCS / "catalog.toml").read_text(encoding="utf-8")
    for stem, suffix in FORMAT_OF.items():
        WRITERS[suffix](DOCS / f"{stem}.txt", docs / f"{stem}{suffix}", stem)
        catalog = catalog.replace(f'"{stem}.txt"', f'"{stem}{suffix}"')
    (docs / "catalog.toml").write_text(catalog, encoding="utf-8")

    # Seeded with the shipped index: a passage read exactly as from the .txt reuses its
    # vector, any other is embedded (the report says how many), so the run stays short.
    shutil.copytree(INDEX, tmp_path / "i")
    built = run_qabot("index", "--json", "--docs", str(docs), "--index", str(tmp_path / "i"))
    assert built.returncode == 0, built.stderr
    report = json.loads(built.stdout)
    assert (report["documents"], report["problems"]) == (5, [])
    print(f"built: {report}")

    copies = memo_engine(tmp_path / "i", query_vectors)
    questions = equivalence_sample(load_questions(QUESTIONS))
    differ = [q.id for q in questions if _top(set_engine, q) != _top(copies, q)]
    same = 1 - len(differ) / len(questions)
    print(f"same top passage: {same:.3f} of {len(questions)}; differ: {differ}")
    assert same >= 0.95, differ
