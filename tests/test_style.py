"""The code base stays ruff-clean (lint and formatting), checked like any other test."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from early import Early

BESIDE_PYTHON = Path(sys.executable).with_name("ruff")
RUFF = str(BESIDE_PYTHON) if BESIDE_PYTHON.exists() else shutil.which("ruff")
COMMANDS = {"check": ["check"], "format": ["format", "--check"]}


def _ruff(command: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        [RUFF or "ruff", *command, "qabot", "tests", "scripts"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


RUNS = {name: Early(lambda c=c: _ruff(c), __name__, "test_ruff") for name, c in COMMANDS.items()}


@pytest.mark.parametrize("name", COMMANDS)
def test_ruff(name: str) -> None:
    if RUFF is None:
        pytest.fail("ruff is not installed: pip install -e '.[test]'")
    run = RUNS[name]()
    out, _ = run.communicate(timeout=120)
    assert run.returncode == 0, out
