"""Pytest glue for the fault drill (``scripts/fault_drill.py``): its cases, one test each."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import filelock
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from faultcases import CASES
from faultlib import BASELINE, Case, Lab


def cases(*groups: str) -> list:
    """The drill's cases of these groups, as pytest parameters named after the case."""
    return [pytest.param(c, id=f"{c.item}-{c.name}") for c in CASES if c.group in groups]


def drill_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The drill's base site, built once per test run: the first module (on any
    pytest-xdist worker) to need it builds and keeps it, the others copy it. Each build is a
    ``qabot index`` and an ``ask`` process on the real model, 10–12 s."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder, shared by its workers
    template = root / "drill-template"
    with filelock.FileLock(str(root / "drill-template.lock")):
        if not (template / BASELINE).exists():
            lab = Lab()
            try:
                template.mkdir(exist_ok=True)
                lab.keep(template)
            finally:
                lab.close()
    return template


def lab_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    lab = Lab(drill_template(tmp_path_factory))
    yield lab
    lab.close()


def run_case(lab: Lab, case: Case) -> None:
    result = lab.judged(case)
    if result.skipped:
        pytest.skip(result.skipped)
    assert result.ok, f"{case.name}: expected {case.expected}; observed {result.observed}"
