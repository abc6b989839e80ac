"""mypy, configured in pyproject.toml ([tool.mypy]: strict, missing stubs ignored only for
the libraries that ship none), passes on qabot/. mypy is in the test extras, so `.ci/run`
runs this; a cold run checks 100 modules and their libraries, hence slow."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("mypy", reason="mypy is in the test extras: pip install -e '.[test]'")


@pytest.mark.slow
def test_mypy_passes_on_the_package() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy"],  # files and options from pyproject.toml
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Success: no issues found" in result.stdout
