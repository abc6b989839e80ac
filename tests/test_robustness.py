"""Issue #8, one test per fault: bad input, bad corpus files and a damaged index, injected
through the command line (real ``qabot`` processes on a real small index). Each checks the
exit code, that an error is one line without a traceback, and that no answer changed
silently; the cases themselves are the fault drill's (``scripts/faultcases.py``)."""

from __future__ import annotations

import pytest

from drill import Case, Lab, cases, lab_fixture, run_case

lab = pytest.fixture(scope="module")(lab_fixture)


@pytest.mark.parametrize("case", cases("input", "corpus", "index"))
def test_fault(lab: Lab, case: Case) -> None:
    run_case(lab, case)
