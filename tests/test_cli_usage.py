"""Usage errors of the command line: exit 2 and one line on stderr, decided before any model or
index is loaded, so they run in process through ``main([...])`` (no subprocess each)."""

from __future__ import annotations

import pytest

from conftest import CliRun


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", ""], "empty question"),
        (["ask", "   "], "empty question"),
        (["ask", "问" * 10_000], "question too long (10000 characters"),
        (["ask", "😀😀🎉"], "no words to search"),
        (["ask", "垃圾分类", "--k", "0"], "--k: k must be between 1 and 50"),
        (["ask"], "no question"),
        (["ask", "问题", "--batch", "q.jsonl"], "either a question or --batch"),
        (["ask", "--batch", "/nonexistent/q.jsonl", "--json"], "cannot read question file"),
        (["ask", "问题", "--embedder", "word2vec"], "unknown embedder 'word2vec'"),
        (["ask", "问题", "--store", "redis://x"], "unknown store 'redis://x'"),
        (["ask", "问题", "--threads", "0"], "--threads / QABOT_THREADS must be"),
        (["index", "--workers", "0"], "--workers must be 1 or more"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args: list[str], message: str, cli: CliRun) -> None:
    code, _, err = cli(*args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [["nope"], ["ask", "--k", "x"], ["ask", "--nope"], []])
def test_argument_errors_exit_2_with_the_usage(args: list[str], cli: CliRun) -> None:
    code, _, err = cli(*args)
    assert code == 2
    assert err.startswith("usage: qabot") and "Traceback" not in err


def test_version_comes_from_the_package_metadata(cli: CliRun) -> None:
    from importlib import metadata

    version = cli("--version")
    assert version.code == 0
    assert version.out.strip() == f"qabot {metadata.version('qabot')}"
