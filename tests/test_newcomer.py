"""A newcomer's path: missing extras named before any work, the eval figures the README
quotes, a checkout that indexing leaves clean, global flags before the command."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qabot.engine import Engine
from qabot.evaluation import load_questions, render_table, run_evaluation

from conftest import DOCS, INDEX, ROOT, CliRun

pytestmark = pytest.mark.slow  # the real embedder, and qabot processes

QUESTIONS = ROOT / "tests" / "data" / "questions.jsonl"


def without(module: str, *args: str) -> subprocess.CompletedProcess:
    """``qabot ARGS`` in a process where ``module`` cannot be imported (extra not installed)."""
    code = f"import sys; sys.modules[{module!r}] = None; from qabot.cli import main; "
    code += f"sys.exit(main({list(args)!r}))"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_serve_without_the_web_extra_says_what_to_install() -> None:
    result = without("fastapi", "serve", "--port", "1")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "qabot: error: the web server needs the 'web' extra (fastapi is missing): "
        "pip install 'qabot[web]'"
    ]


def test_eval_report_without_matplotlib_fails_before_the_run(tmp_path: Path) -> None:
    started = time.monotonic()
    result = without("matplotlib", "eval", str(QUESTIONS), "--report", str(tmp_path / "r"))
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "qabot: error: --report needs matplotlib: pip install 'qabot[report]'"
    )
    assert result.stdout == "" and not (tmp_path / "r").exists()
    assert time.monotonic() - started < 60  # the 646 questions were not run first


def test_eval_text_shows_the_held_out_block_and_answer_figures(engine: Engine) -> None:
    questions = load_questions(QUESTIONS)[:60]
    result = run_evaluation(engine, questions, k=5, folds=3)
    text = render_table(result)
    top, held = text.split("\nheld out: ", 1)
    held = held.split("\nby type", 1)[0]
    assert "other 2 of 3 folds" in held
    for figures, block in ((result, top), (result["held_out"], held)):
        for key in ("answer_hit", "span_exact", "unanswerable_refused", "hit@1"):
            row = next(line for line in block.splitlines() if line.startswith(key))
            value = figures[key]
            assert row.split()[-1] == ("–" if value is None else f"{value:.3f}"), key


def git(repo: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args]
    return subprocess.run(command, cwd=repo, capture_output=True, text=True, check=True).stdout


def test_indexing_unchanged_documents_leaves_the_checkout_clean(
    cli: CliRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh clone: ``qabot index`` and ``qabot ask`` write nothing while the documents are
    the shipped ones; after documents are added and removed again, the README's command
    brings the shipped index back, and qabot uses it without rebuilding. The commands run
    through ``main([...])`` in the clone (what they write is the point, not the process)."""
    repo = tmp_path / "clone"
    shutil.copytree(DOCS, repo / "docs_src")
    shutil.copytree(INDEX, repo / "embeddings")
    shutil.copy(ROOT / ".gitignore", repo / ".gitignore")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "shipped")
    monkeypatch.chdir(repo)

    for args in (("index",), ("ask", "北辰区种了多少亩春小麦？", "--k", "1")):
        assert cli(*args).code == 0
        assert git(repo, "status", "--porcelain") == "", args

    extra = repo / "docs_src" / "beichen-copy.txt"
    extra.write_text("北辰区今年新建了三个公园，市民休闲更方便。\n", encoding="utf-8")
    refreshed = cli("ask", "北辰区新建了几个公园？", "--k", "1")
    assert refreshed.code == 0 and "三个公园" in refreshed.out
    assert "WARNING" not in refreshed.err, "a normal refresh is INFO, not a warning"
    assert cli("index").code == 0
    extra.unlink()
    assert cli("index").code == 0
    assert git(repo, "status", "--porcelain")  # same content under new names

    git(repo, "checkout", "--", "embeddings")  # the README's way back
    git(repo, "clean", "-fdq", "embeddings")
    assert git(repo, "status", "--porcelain") == ""
    index = cli("index", "--json")
    assert '"embedded": 0' in index.out
    assert git(repo, "status", "--porcelain") == ""

    (repo / "qabot.db").write_bytes(b"milvus lite file")  # --store milvus-lite:qabot.db
    assert git(repo, "status", "--porcelain") == ""


def test_global_flags_before_the_command_and_info_on_ask(
    cli: CliRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)  # the defaults, docs_src/ and embeddings/, as a newcomer runs it
    result = cli("-v", "ask", "北辰区种了多少亩春小麦？", "--k", "1")
    assert result.code == 0, result.err
    assert "INFO qabot: answered in" in result.err
    assert "北辰区种了多少亩春小麦" not in result.err  # never the question at INFO
    debug = cli("-vv", "ask", "北辰区种了多少亩春小麦？", "--k", "1", "--json")
    assert debug.code == 0 and "INFO qabot: answered in" in debug.err
    assert "北辰区" in debug.out and "\\u" not in debug.out, "readable JSON"
    state = {"QABOT_STATE_DIR": str(tmp_path)}
    feedback = cli("feedback", "--docs", "docs_src", "stats", "--json", env=state)
    assert feedback.code == 0, feedback.err


def test_a_refusal_with_a_notice_still_says_the_passages_are_only_for_reference(
    engine: Engine,
) -> None:
    from qabot.render import CAVEAT, render_terminal

    refused = engine.ask("北辰区2015年种了多少亩春小麦？")
    assert refused.no_answer and refused.notice and refused.passages
    assert render_terminal(refused, engine.districts).splitlines()[1] == refused.notice + CAVEAT


def test_batch_text_output_names_each_question(
    cli: CliRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    lines = '{"question": "北辰区种了多少亩春小麦？"}\n{"question": "宝坻区交付了几个还迁小区？"}\n'
    result = cli("ask", "--batch", "-", "--k", "1", stdin=lines)
    assert result.code == 0, result.err
    asked = [line for line in result.out.splitlines() if line.startswith("问：")]
    assert asked == ["问：北辰区种了多少亩春小麦？", "问：宝坻区交付了几个还迁小区？"]
