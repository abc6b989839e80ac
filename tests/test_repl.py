"""The REPL with piped stdin (``main([...])`` in process), and as a real subprocess in a
pseudo-terminal (Ctrl-C, Ctrl-D)."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qabot.settings import Settings

from conftest import ROOT, CliRun, exec_after


@pytest.fixture(scope="module")
def env(shipped: Settings, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("home")
    return {"QABOT_DOCS": str(shipped.docs), "QABOT_INDEX": str(shipped.index), "HOME": str(home)}


def test_piped_session_runs_commands_and_questions(cli: CliRun, env: dict[str, str]) -> None:
    script = "\n".join(
        [
            ":help",
            "北辰区种了多少亩春小麦？",
            ":k 2",
            ":district 東麗",
            ":json",
            "小巷管家是什么？",
            ":district 火星",
            ":k many",
            ":bogus",
            "😀",
            ":district all",
            ":quit",
            "this line is never read",
        ]
    )
    result = cli("repl", stdin=script + "\n", env=env)
    assert result.code == 0, result.err
    out = result.out
    assert ":district NAME|all" in out  # help
    assert "种植春小麦6550亩" in out and "区委书记 冯卫华" in out
    assert "k = 2" in out and "district = 东丽区" in out and "json = on" in out
    answer = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    assert answer["districts"] == ["东丽区"] and len(answer["passages"]) == 2
    assert "! unknown district '火星'" in out and "北辰区" in out
    assert "! :k needs a number" in out and "! unknown command :bogus" in out
    assert "! the question has no words" in out
    assert "district = all" in out
    assert "Traceback" not in result.err


def test_end_of_input_leaves_cleanly(cli: CliRun, env: dict[str, str]) -> None:
    result = cli("repl", stdin="", env=env)
    assert result.code == 0 and result.out == ""


def _read_until(fd: int, marker: str, timeout: float = 120) -> str:
    buffer = b""
    deadline = time.monotonic() + timeout
    while marker.encode() not in buffer:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(
                f"{marker!r} not seen; got {buffer.decode(errors='replace')[-500:]!r}"
            )
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            buffer += chunk
    return buffer.decode(errors="replace")


def _type(fd: int, keys: bytes) -> None:
    """Type like a person: a moment after the prompt, once readline has the terminal."""
    time.sleep(0.5)
    os.write(fd, keys)


# Make the pty the child's terminal, as a shell would (CI may start us with SIGINT ignored).
_CONTROLLING_TERMINAL = (
    "import fcntl, os, signal, termios; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.setsid(); fcntl.ioctl(0, termios.TIOCSCTTY, 0)"
)


def test_terminal_session_ctrl_c_cancels_ctrl_d_leaves(env: dict[str, str]) -> None:
    primary, secondary = pty.openpty()
    process = subprocess.Popen(  # Ctrl-C on the pty sends SIGINT, as in a terminal
        exec_after(_CONTROLLING_TERMINAL, [sys.executable, "-m", "qabot", "repl"]),
        cwd=ROOT,
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        env={**os.environ, **env, "TERM": "dumb"},
        close_fds=True,
    )
    os.close(secondary)
    try:
        assert "Ctrl-D to leave" in _read_until(primary, "问> ")
        _type(primary, "北辰区种了多少亩春小麦？\r".encode())
        assert "6550亩" in _read_until(primary, "问> ")
        _type(primary, "半句话".encode() + b"\x03")  # Ctrl-C drops the line, keeps the session
        _read_until(primary, "问> ")
        _type(primary, b":k 1\r")
        assert "k = 1" in _read_until(primary, "问> ")
        _type(primary, b"\x04")  # Ctrl-D leaves
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(primary)
    history = Path(env["HOME"]) / ".qabot_history"
    assert "北辰区种了多少亩春小麦" in history.read_text(encoding="utf-8")
