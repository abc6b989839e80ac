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


def _interrupted_while_a_native_module_loads(args: object) -> int:
    """What OpenCC's import does when Ctrl-C comes during its pybind11 start-up: the
    interrupt becomes ImportError("initialization failed"), and OpenCC's fallback raises
    another ImportError while handling it."""
    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as interrupt:
            raise ImportError("initialization failed") from interrupt
    except ImportError:
        raise ImportError("opencc_clib not found in Bazel runfiles") from None


def test_ctrl_c_turned_into_another_error_by_a_loading_module_is_still_exit_130(
    cli: CliRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen once in CI: SIGINT while OpenCC loaded gave 'internal error: ImportError' and 1."""
    from qabot import cli as qabot_cli

    monkeypatch.setitem(qabot_cli.COMMANDS, "ask", _interrupted_while_a_native_module_loads)
    result = cli("ask", "问题")
    assert (result.code, result.err.strip()) == (130, "qabot: interrupted")
    monkeypatch.setitem(qabot_cli.COMMANDS, "ask", lambda args: int("not a number"))
    assert cli("ask", "问题").code == 1  # a bug is still an internal error


def test_ctrl_c_a_loading_library_swallowed_is_honoured_once_the_engine_is_open(
    cli: CliRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bare ``except`` around an optional import swallowed the KeyboardInterrupt once (the
    command then waited for its questions and ended 0, silently): main()'s handler notes it,
    and the command ends as interrupted when the engine is open."""
    import os
    import signal
    import time

    from qabot.engine import Engine

    def swallowing(settings: object) -> object:
        try:  # what the library does around its import
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
        except:  # noqa: E722
            pass
        return object()

    monkeypatch.setattr(Engine, "open", staticmethod(swallowing))
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # an xdist worker's
    try:
        result = cli("ask", "问题")
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # given back
    finally:
        signal.signal(signal.SIGINT, previous)
    assert (result.code, result.err.strip()) == (130, "qabot: interrupted")
