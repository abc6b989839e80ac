"""Pytest glue for the fault drill (``scripts/fault_drill.py``): its cases, one test each."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from faultcases import CASES
from faultlib import Case, Lab


def cases(*groups: str) -> list:
    """The drill's cases of these groups, as pytest parameters named after the case."""
    return [pytest.param(c, id=f"{c.item}-{c.name}") for c in CASES if c.group in groups]


def lab_fixture() -> Iterator[Lab]:
    lab = Lab()
    yield lab
    lab.close()


def run_case(lab: Lab, case: Case) -> None:
    result = lab.judged(case)
    if result.skipped:
        pytest.skip(result.skipped)
    assert result.ok, f"{case.name}: expected {case.expected}; observed {result.observed}"
