"""Issue 23, the fault drill's ``hostile`` group (``scripts/faulthostile.py`` and
``scripts/faulthttp.py``), one test per case with real ``qabot`` processes, each failing too
when any process it ran ended in exit 1 or printed a traceback."""

from __future__ import annotations

import pytest

from drill import Case, Lab, cases, lab_fixture, run_case

lab = pytest.fixture(scope="module")(lab_fixture)


@pytest.mark.parametrize("case", cases("hostile"))
def test_hostile_case(lab: Lab, case: Case) -> None:
    run_case(lab, case)
