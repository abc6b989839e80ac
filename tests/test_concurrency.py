"""Issue #8, building under stress with real processes: builders racing, readers loading
during rebuilds, kill -9 mid-build and resuming from the checkpoint, a full (size-capped
tmpfs) disk, a read-only index folder, progress off a terminal, and ``ask`` with a stale
index. The cases are the fault drill's (``scripts/faultbuild.py``)."""

from __future__ import annotations

import pytest

from drill import Case, Lab, cases, lab_fixture, run_case

lab = pytest.fixture(scope="module")(lab_fixture)


@pytest.mark.parametrize("case", cases("build"))
def test_build_fault(lab: Lab, case: Case) -> None:
    run_case(lab, case)
