"""Issue 23, the fault drill's ``hostile`` group (``scripts/faulthostile.py``), one test per
case with real ``qabot`` processes: a question built to stall the server, numbers too long for
Python, a manifest naming /dev/zero, unreadable folders and undecodable names, legacy
encodings, 20,000 lines, slow HTTP clients, a damaged Milvus Lite file and a key no request
could send."""

from __future__ import annotations

import pytest

from drill import Case, Lab, cases, lab_fixture, run_case

lab = pytest.fixture(scope="module")(lab_fixture)


@pytest.mark.parametrize("case", cases("hostile"))
def test_hostile_case(lab: Lab, case: Case) -> None:
    run_case(lab, case)
